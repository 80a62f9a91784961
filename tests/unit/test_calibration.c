/*
 * Does the score predict (lead_calibration.c), and the funnel in time
 * (lead_funnel.c): counts by the cell a lead had when it became mql, not
 * today's, under the current and proposed rules; time in each status and
 * buying stage; cohorts by month identified, across --now and month ends.
 */

#include "status_fixture.h"

static const char  scoring[] = "mql_threshold 1000;\n";
static const char  assets[] =
    HEADER
    "/hot,Network map,decision,100,,hot\n"
    "/a,Guide A,interest,10,,\n"
    "/b,Guide B,evaluation,50,,\n";

typedef struct {
    lead_store  *s;
    lead_rules  *r;
} world;

static lead_rules *
rules_parse(const char *sc, const char *as)
{
    lead_rules  *r;
    char         err[512] = "";

    if (lead_rules_parse(&r, "rules", sc, strlen(sc), as, strlen(as), err,
                         sizeof(err)) != LEAD_OK)
    {
        fail_msg("lead_rules_parse: %s", err);
    }
    return r;
}

static void
world_open(void **state, world *w)
{
    w->s = open_store(state);
    w->r = rules_parse(scoring, assets);
}

static void
world_close(world *w)
{
    lead_rules_free(w->r);
    lead_store_close(w->s);
}

/* Visitor who read path at t, whole, as the rules tag it. */
static void
read_at(world *w, char who, const char *path, uint64_t t)
{
    lead_batch  *b = lead_batch_new(4 * LEAD_EVENT_MAX_SIZE);
    lead_event   ev;

    assert_non_null(b);
    memset(&ev, 0, sizeof(ev));
    ev.time_ms = t;
    visitor_id(ev.visitor, who);
    ev.status = 200;
    ev.ua_class = LEAD_UA_BROWSER;
    ev.bytes_sent = SIZE;
    ev.file_size = SIZE;
    ev.path = (lead_str) { path, strlen(path) };
    lead_event_set_asset(&ev, lead_rules_match(w->r, path, strlen(path)));
    assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    lead_batch_free(b);
}

static void
closed(world *w, const uint8_t *lead, int to, uint64_t t)
{
    lead_outcome  o = { to == WON ? 1200000 : 0, "EUR", t };

    assert_int_equal(lead_store_close_deal(w->s, lead, to, t, &o, "sam",
                                           to == LOST ? "went elsewhere"
                                                      : NULL),
                     LEAD_OK);
}

static void
expect_row(const lead_calibration_row *row, uint64_t mql, uint64_t left,
    uint64_t sal, uint64_t closed_, uint64_t won, uint64_t lost)
{
    if (row->mql != mql || row->left_mql != left || row->sal != sal
        || row->closed != closed_ || row->won != won || row->lost != lost)
    {
        fail_msg("mql %llu left %llu sal %llu closed %llu won %llu lost "
                 "%llu; want %llu %llu %llu %llu %llu %llu",
                 (unsigned long long) row->mql,
                 (unsigned long long) row->left_mql,
                 (unsigned long long) row->sal,
                 (unsigned long long) row->closed,
                 (unsigned long long) row->won,
                 (unsigned long long) row->lost, (unsigned long long) mql,
                 (unsigned long long) left, (unsigned long long) sal,
                 (unsigned long long) closed_, (unsigned long long) won,
                 (unsigned long long) lost);
    }
}

/*
 * Four leads of company addresses (grade C, 20 points), one that asked
 * for a call (B, 50): a and d read the hot map before mql (band 1), b and
 * c a 10-point guide (band 4); b reads the map after, which must not move
 * it.  a is won, b lost, c rejected, d still waits.
 */
static void
four_leads(world *w, uint8_t a[LEAD_ID_LEN], uint8_t b[LEAD_ID_LEN])
{
    uint8_t  c[LEAD_ID_LEN], d[LEAD_ID_LEN];

    read_at(w, 'a', "/hot", T0);
    identify(w->s, 'a', "a@example.com", 0, T0 + MIN, a, 1);
    set_status_ok(w->s, a, MQL, T0 + 2 * MIN, "test", "", "");
    set_status_ok(w->s, a, SAL, T0 + 1 * DAY + MIN, "test", "sam", "");
    read_at(w, 'a', "/b", T0 + 2 * DAY);
    set_status_ok(w->s, a, SQL, T0 + 3 * DAY, "test", "sam", "");
    closed(w, a, WON, T0 + 10 * DAY + MIN);

    read_at(w, 'b', "/a", T0);
    identify(w->s, 'b', "b@example.com", 0, T0 + MIN, b, 1);
    set_status_ok(w->s, b, MQL, T0 + 2 * MIN, "test", "", "");
    read_at(w, 'b', "/hot", T0 + HOUR);
    read_at(w, 'b', "/b", T0 + 2 * HOUR);
    set_status_ok(w->s, b, SAL, T0 + 3 * DAY + MIN, "test", "sam", "");
    closed(w, b, LOST, T0 + 5 * DAY);

    read_at(w, 'c', "/a", T0);
    identify(w->s, 'c', "c@example.com", 0, T0 + MIN, c, 1);
    set_status_ok(w->s, c, MQL, T0 + 2 * MIN, "test", "", "");
    set_status_ok(w->s, c, NURTURE, T0 + DAY, "test", "sam", "too small");

    read_at(w, 'd', "/hot", T0);
    identify(w->s, 'd', "d@example.com", 1, T0 + MIN, d, 1);
}

static void
test_calibration_counts(void **state)
{
    world                          w;
    lead_calibration               cal;
    const lead_calibration_table  *t = &cal.current;
    uint8_t                        a[LEAD_ID_LEN], b[LEAD_ID_LEN];

    world_open(state, &w);
    four_leads(&w, a, b);

    assert_int_equal(lead_query_calibration(w.s, w.r, NULL, T0 + 20 * DAY,
                                            &cal),
                     LEAD_OK);
    assert_false(cal.has_proposed);
    expect_row(&t->all, 4, 3, 2, 2, 1, 1);
    /* by the band they had at mql: b read the map after it, still 4 */
    expect_row(&t->band[0], 2, 1, 1, 1, 1, 0);
    expect_row(&t->band[1], 0, 0, 0, 0, 0, 0);
    expect_row(&t->band[3], 2, 2, 1, 1, 0, 1);
    expect_row(&t->grade[1], 1, 0, 0, 0, 0, 0);
    expect_row(&t->grade[2], 3, 3, 2, 2, 1, 1);
    expect_row(&t->cell[1 * 4 + 0], 1, 0, 0, 0, 0, 0);       /* B1 */
    expect_row(&t->cell[2 * 4 + 0], 1, 1, 1, 1, 1, 0);       /* C1 */
    expect_row(&t->cell[2 * 4 + 3], 2, 2, 1, 1, 0, 1);       /* C4 */

    /* medians: a reached sal after 1 read, a day after identifying; b
       after 3 reads and 3 days: the upper of the two */
    assert_int_equal(t->all.nsal, 2);
    assert_int_equal(t->all.reads_to_sal, 3);
    assert_int_equal(t->all.ms_to_sal, 3 * DAY);
    assert_int_equal(t->all.nwon, 1);
    assert_int_equal(t->all.reads_to_won, 2);
    assert_int_equal(t->all.ms_to_won, 10 * DAY);
    assert_int_equal(t->band[0].reads_to_sal, 1);
    assert_int_equal(t->band[0].ms_to_sal, DAY);

    /* the past: at day 4, a is in sql and b in sal, nothing closed */
    assert_int_equal(lead_query_calibration(w.s, w.r, NULL, T0 + 4 * DAY,
                                            &cal),
                     LEAD_OK);
    expect_row(&t->all, 4, 3, 2, 0, 0, 0);
    assert_int_equal(t->all.nwon, 0);

    world_close(&w);
}

static void
test_calibration_proposed(void **state)
{
    world              w;
    lead_calibration   cal;
    lead_rules        *proposed;
    uint8_t            a[LEAD_ID_LEN], b[LEAD_ID_LEN];

    world_open(state, &w);
    four_leads(&w, a, b);

    /* bands so low that a 10-point guide is band 1 */
    proposed = rules_parse("mql_threshold 1000;\nengagement 1 5;\n"
                           "engagement 2 3;\nengagement 3 2;\n", assets);
    assert_int_equal(lead_query_calibration(w.s, w.r, proposed,
                                            T0 + 20 * DAY, &cal),
                     LEAD_OK);
    assert_true(cal.has_proposed);
    expect_row(&cal.current.band[0], 2, 1, 1, 1, 1, 0);
    expect_row(&cal.proposed.band[0], 4, 3, 2, 2, 1, 1);
    expect_row(&cal.proposed.band[3], 0, 0, 0, 0, 0, 0);
    expect_row(&cal.proposed.all, 4, 3, 2, 2, 1, 1);
    lead_rules_free(proposed);

    world_close(&w);
}

/* What leadctl prints: counts with every rate, small samples marked. */
static void
test_calibration_shown(void **state)
{
    world                 w;
    lead_report_request   req;
    lead_buf              out;
    uint8_t               a[LEAD_ID_LEN], b[LEAD_ID_LEN];

    world_open(state, &w);
    four_leads(&w, a, b);

    memset(&req, 0, sizeof(req));
    req.what = LEAD_REPORT_CALIBRATION;
    req.format = LEAD_REPORT_JSON;
    req.rules = w.r;
    req.now_ms = T0 + 20 * DAY;
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_report(&out, w.s, &req), LEAD_OK);
    assert_non_null(strstr(out.data, "{\"cell\":\"C4\",\"mql\":2,"
                                     "\"left_mql\":2,\"sal\":1,\"closed\":1,"
                                     "\"won\":0,\"lost\":1,\"small\":true,"
                                     "\"mql_to_sal_pct\":50.0,"
                                     "\"sal_to_won_pct\":0.0,"
                                     "\"win_rate_pct\":0.0"));
    assert_non_null(strstr(out.data, "{\"band\":2,\"mql\":0,\"left_mql\":0,"
                                     "\"sal\":0,\"closed\":0,\"won\":0,"
                                     "\"lost\":0,\"small\":true,"
                                     "\"mql_to_sal_pct\":null"));
    assert_null(strstr(out.data, "\"proposed\""));
    lead_buf_free(&out);

    req.format = LEAD_REPORT_TEXT;
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_report(&out, w.s, &req), LEAD_OK);
    assert_non_null(strstr(out.data, "band 1      2 100.0% 1/1* "));
    assert_non_null(strstr(out.data, "C4          2  50.0% 1/2*"));
    lead_buf_free(&out);

    world_close(&w);
}

/* ---- the funnel in time ------------------------------------------------ */

/* Milliseconds since the epoch of a UTC date (not gmtime's). */
static uint64_t
utc_day(int y, unsigned m, unsigned d)
{
    int64_t   era, days;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + (int64_t) doe - 719468;
    return (uint64_t) days * DAY;
}

/* The funnel at now; its leads per stage and status now are the list's. */
static void
funnel(world *w, uint64_t now, lead_funnel *f)
{
    lead_list  all;
    uint64_t   stage[LEAD_MAX_STAGES + 1], status[LEAD_NSTATUSES];
    size_t     i;

    assert_int_equal(lead_query_funnel(w->s, w->r, now, f), LEAD_OK);
    assert_int_equal(lead_query_leads(w->s, w->r, now, NULL, &all),
                     LEAD_OK);
    memset(stage, 0, sizeof(stage));
    memset(status, 0, sizeof(status));
    for (i = 0; i < all.n; i++) {
        stage[all.rows[i].stage_index >= 0 ? all.rows[i].stage_index
                                           : LEAD_MAX_STAGES]++;
        status[all.rows[i].status]++;
    }
    assert_int_equal(f->leads, all.n);
    assert_memory_equal(f->stage, stage, sizeof(stage));
    for (i = 0; i < LEAD_NSTATUSES; i++) {
        assert_int_equal(f->status[i].now, status[i]);
    }
    lead_list_free(&all);
}

static void
test_time_in_status(void **state)
{
    world         w;
    lead_funnel   f;
    uint8_t       lead[LEAD_ID_LEN];
    char          email[32];
    int           k;

    world_open(state, &w);
    /* ten leads identified at T0, mql after 1 to 10 hours */
    for (k = 1; k <= 10; k++) {
        snprintf(email, sizeof(email), "p%d@example.com", k);
        identify(w.s, (char) ('a' + k), email, 0, T0, lead, 1);
        set_status_ok(w.s, lead, MQL, T0 + (uint64_t) k * HOUR, "test", "",
                      "");
    }

    funnel(&w, T0 + 20 * HOUR, &f);
    assert_int_equal(f.status[IDENT].ever, 10);
    assert_int_equal(f.status[IDENT].median_ms, 6 * HOUR);
    assert_int_equal(f.status[IDENT].p90_ms, 9 * HOUR);
    /* the mqls' stays last until now: 10 to 19 hours */
    assert_int_equal(f.status[MQL].median_ms, 15 * HOUR);
    assert_int_equal(f.status[MQL].p90_ms, 18 * HOUR);
    lead_funnel_free(&f);

    /* at hour 5: five stays of 1 to 5 h ended, five last until now */
    funnel(&w, T0 + 5 * HOUR, &f);
    assert_int_equal(f.status[IDENT].median_ms, 5 * HOUR);
    lead_funnel_free(&f);

    world_close(&w);
}

static int
u64_cmp(const void *x, const void *y)
{
    uint64_t  a = *(const uint64_t *) x, b = *(const uint64_t *) y;

    return (a > b) - (a < b);
}

/* The selection agrees with sorting: runs of equal values, any order. */
static void
test_median_p90(void **state)
{
    uint64_t  v[257], sorted[257], median, p90, seed = 1;
    size_t    n, i, round;

    (void) state;
    lead_median_p90(NULL, 0, &median, &p90);
    assert_true(median == 0 && p90 == 0);

    for (round = 0; round < 2000; round++) {
        n = 1 + round % 257;
        for (i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            v[i] = round % 3 == 0 ? (seed >> 60) : round % 3 == 1
                   ? (seed >> 20) : i * (round % 5);
        }
        memcpy(sorted, v, n * sizeof(uint64_t));
        qsort(sorted, n, sizeof(uint64_t), u64_cmp);
        lead_median_p90(v, n, &median, &p90);
        assert_int_equal(median, sorted[n / 2]);
        assert_int_equal(p90, sorted[(n * 9 + 9) / 10 - 1]);
    }
}

static void
test_time_in_stage(void **state)
{
    world         w;
    lead_funnel   f;
    uint8_t       lead[LEAD_ID_LEN];
    unsigned      interest = 2, evaluation = 3;

    world_open(state, &w);
    /* a reads a 10-point interest guide: interest until it halves to
       stage_min (5), 30 days on; then no stage */
    read_at(&w, 'a', "/a", T0);
    identify(w.s, 'a', "a@example.com", 0, T0 + MIN, lead, 1);
    /* b too, then a 50-point evaluation guide 5 days on */
    read_at(&w, 'b', "/a", T0);
    identify(w.s, 'b', "b@example.com", 0, T0 + MIN, lead, 1);
    read_at(&w, 'b', "/b", T0 + 5 * DAY);

    funnel(&w, T0 + 40 * DAY, &f);
    assert_int_equal(f.stage_time[interest].leads, 2);
    assert_int_equal(f.stage_time[interest].median_ms, 30 * DAY);
    assert_int_equal(f.stage_time[interest].p90_ms, 30 * DAY);
    assert_int_equal(f.stage_time[evaluation].leads, 1);
    assert_int_equal(f.stage_time[evaluation].median_ms, 35 * DAY);
    assert_int_equal(f.stage_time[LEAD_MAX_STAGES].leads, 1);
    assert_int_equal(f.stage_time[LEAD_MAX_STAGES].median_ms, 10 * DAY);
    assert_int_equal(f.stage[evaluation], 1);            /* b, now */
    assert_int_equal(f.stage[LEAD_MAX_STAGES], 1);       /* a: faded */
    lead_funnel_free(&f);

    /* at day 3 neither has left interest; reads after now do not count */
    funnel(&w, T0 + 3 * DAY, &f);
    assert_int_equal(f.stage_time[interest].leads, 2);
    assert_int_equal(f.stage_time[interest].median_ms, 3 * DAY);
    assert_int_equal(f.stage_time[evaluation].leads, 0);
    assert_int_equal(f.stage_time[LEAD_MAX_STAGES].leads, 0);
    lead_funnel_free(&f);

    world_close(&w);
}

static void
test_cohorts(void **state)
{
    world                       w;
    lead_funnel                 f;
    const lead_funnel_cohort   *c;
    uint8_t                     a[LEAD_ID_LEN], b[LEAD_ID_LEN];
    uint64_t                    feb = utc_day(2026, 2, 1);

    world_open(state, &w);
    /* the last millisecond of January and the first of February */
    identify(w.s, 'a', "a@example.com", 0, feb - 1, a, 1);
    identify(w.s, 'b', "b@example.com", 0, feb, b, 1);
    set_status_ok(w.s, a, MQL, utc_day(2026, 2, 10), "test", "", "");
    set_status_ok(w.s, a, SAL, utc_day(2026, 3, 2), "test", "sam", "");

    funnel(&w, utc_day(2026, 3, 15), &f);
    assert_int_equal(f.ncohorts, 3);
    c = &f.cohorts[0];
    assert_int_equal(c->year * 100 + c->month, 202603);
    assert_int_equal(c->identified, 0);
    c = &f.cohorts[1];
    assert_int_equal(c->year * 100 + c->month, 202602);
    assert_int_equal(c->identified, 1);
    assert_int_equal(c->reached[MQL], 0);
    c = &f.cohorts[2];
    assert_int_equal(c->year * 100 + c->month, 202601);
    assert_int_equal(c->identified, 1);
    assert_int_equal(c->reached[MQL], 1);
    assert_int_equal(c->reached[SAL], 1);
    lead_funnel_free(&f);

    /* --now before the mql: January's lead has reached nothing yet */
    funnel(&w, utc_day(2026, 2, 5), &f);
    assert_int_equal(f.ncohorts, 2);
    assert_int_equal(f.cohorts[0].identified, 1);
    assert_int_equal(f.cohorts[1].identified, 1);
    assert_int_equal(f.cohorts[1].reached[MQL], 0);
    lead_funnel_free(&f);

    /* --now on the last millisecond of January: one lead, one cohort */
    funnel(&w, feb - 1, &f);
    assert_int_equal(f.ncohorts, 1);
    assert_int_equal(f.cohorts[0].year * 100 + f.cohorts[0].month, 202601);
    assert_int_equal(f.cohorts[0].identified, 1);
    lead_funnel_free(&f);

    world_close(&w);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_calibration_counts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_calibration_proposed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_calibration_shown, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_time_in_status, setup,
                                        teardown),
        cmocka_unit_test(test_median_p90),
        cmocka_unit_test_setup_teardown(test_time_in_stage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cohorts, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
