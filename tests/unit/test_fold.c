#include "unit.h"

#include <math.h>

#include "lead_support.h"
#include "lead_companies.h"

/*
 * Kept scores (lead_fold.c): a list read from them is the list a full
 * scan of every event gives, whatever happened in between: events folded
 * or still in the tail, batches stored late, visitors identifying after
 * reading, devices relinked, damaged states, other scoring rules.  The
 * full scan is forced with rules of another text (a comment added), which
 * the kept scores were not made with.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#define MIN      UINT64_C(60000)
#define HOUR     (60 * MIN)
#define DAY      (24 * HOUR)
#define T0       UINT64_C(1790000000000)
#define VISITORS 40

static const char  scoring[] =
    "half_life 10d;\nreload_window 30m;\nmql_threshold 60;\n"
    "warm_after guide 2 15;\nprofile country GB 20;\n";
static const char  assets[] =
    "path,title,stage,points,topic,flags\n"
    "/why,Why,epiphany,5,resilience,open\n"
    "/g1,Guide 1,interest,10,fibre,group=guide\n"
    "/g2,Guide 2,interest,10,fibre,group=guide\n"
    "/g3,Guide 3,evaluation,15,fibre,group=guide\n"
    "/case,Case study,evaluation,20,fibre,\n"
    "/map.pdf,Map,decision,40,fibre,hot\n"
    "/careers,Careers,epiphany,-20,,open\n";

static const char  *paths[] = { "/why", "/g1", "/g2", "/g3", "/case",
                                "/map.pdf", "/careers", "/untagged" };

#define WORLD_ID_BYTE  0x5a
#include "world_fixture.h"

static int
setup_world(void **state)
{
    world            *w;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    char              err[512], other[sizeof(scoring) + 16];

    w = calloc(1, sizeof(*w));
    if (w == NULL || setup(&w->dir) != 0) {
        free(w);
        return -1;
    }
    w->rng = 0x9e3779b97f4a7c15ULL;
    assert_int_equal(lead_store_open(&w->s, dir_of(&w->dir), &opts, err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(lead_rules_parse(&w->kept, "rules", scoring,
                                      strlen(scoring), assets, strlen(assets),
                                      err, sizeof(err)), LEAD_OK);
    snprintf(other, sizeof(other), "%s# other text\n", scoring);
    assert_int_equal(lead_rules_parse(&w->scan, "rules", other,
                                      strlen(other), assets, strlen(assets),
                                      err, sizeof(err)), LEAD_OK);
    assert_int_equal(lead_store_put_assets(w->s, w->kept), LEAD_OK);
    *state = w;
    return 0;
}

/* n random reads between from and to, stored as one batch, in any order */
static void
reads(world *w, size_t n, uint64_t from, uint64_t to)
{
    lead_batch  *b = lead_batch_new(1 << 20);
    lead_event   ev;
    const char  *path;
    size_t       i;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.time_ms = from + rnd(w) % (to - from);
        visitor_id(ev.visitor, (unsigned) (rnd(w) % VISITORS));
        path = paths[rnd(w) % N_ELEMS(paths)];
        ev.path = (lead_str) { path, strlen(path) };
        ev.status = rnd(w) % 10 ? 200 : 206;
        ev.ua_class = rnd(w) % 15 ? LEAD_UA_BROWSER : LEAD_UA_BOT;
        ev.file_size = 1000;
        ev.bytes_sent = ev.status == 200 ? 1000 : 250;
        if (ev.status == 206) {
            ev.nranges = 1;
            ev.ranges[0].start = (rnd(w) % 3) * 250;
            ev.ranges[0].end = ev.ranges[0].start + 249;
        }
        ev.country = rnd(w) % 2 ? (lead_str) { "GB", 2 }
                                : (lead_str) { "FR", 2 };
        lead_event_set_asset(&ev, lead_rules_match(w->kept, path,
                                                   strlen(path)));
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    lead_batch_free(b);
}

static void
identify(world *w, unsigned v, unsigned person, uint64_t at)
{
    lead_form  form;
    uint8_t    visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN];
    int        created;

    memset(&form, 0, sizeof(form));
    form.email_len = (size_t) snprintf(form.email, sizeof(form.email),
                                       "p%u@corp%u.example", person,
                                       person % 3);
    form.name_len = (size_t) snprintf(form.name, sizeof(form.name), "P %u",
                                      person);
    form.subscribe = person % 2;
    visitor_id(visitor, v);
    assert_int_equal(lead_store_identify(w->s, visitor, &form, "fibre", 5,
                                         at, lead, &created), LEAD_OK);
}

static void
expect_row_equal(const lead_row *a, const lead_row *b)
{
    if (!(fabs(a->engagement - b->engagement)
          <= 1e-9 * (1 + fabs(b->engagement))))
    {
        fail_msg("%s: engagement %.12f, full scan %.12f", a->email.data,
                 a->engagement, b->engagement);
    }
    assert_memory_equal(a->id, b->id, LEAD_ID_LEN);
    assert_int_equal(a->stage_index, b->stage_index);
    assert_int_equal(a->band, b->band);
    assert_int_equal(a->grade, b->grade);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->devices, b->devices);
    assert_int_equal(a->first_ms, b->first_ms);
    assert_int_equal(a->last_ms, b->last_ms);
    assert_int_equal(a->top_asset_id, b->top_asset_id);
    assert_string_equal(a->country, b->country);
    assert_string_equal(a->read_topics.data, b->read_topics.data);
    assert_string_equal(a->top_asset.data, b->top_asset.data);
}

/* The list from the kept scores is the full scan's, row for row. */
static void
expect_agreement(world *w, uint64_t now, const char *status, size_t limit)
{
    lead_list    kept, scan;
    lead_filter  f;
    char         err[128];
    size_t       i;

    lead_filter_init(&f);
    f.limit = limit;
    if (status) {
        assert_int_equal(lead_filter_set(&f, w->kept, "status", status,
                                         strlen(status), err, sizeof(err)),
                         LEAD_OK);
    }
    assert_int_equal(lead_query_leads(w->s, w->kept, now, &f, &kept),
                     LEAD_OK);
    assert_int_equal(lead_query_leads(w->s, w->scan, now, &f, &scan),
                     LEAD_OK);
    assert_int_equal(kept.n, scan.n);
    assert_int_equal(kept.matched, scan.matched);
    assert_int_equal(kept.total, scan.total);
    assert_memory_equal(kept.by_status, scan.by_status,
                        sizeof(kept.by_status));
    for (i = 0; i < kept.n; i++) {
        expect_row_equal(&kept.rows[i], &scan.rows[i]);
    }
    lead_list_free(&kept);
    lead_list_free(&scan);
}

static void
expect_all_agree(world *w, uint64_t now)
{
    expect_agreement(w, now, NULL, 0);
    expect_agreement(w, now, NULL, 5);
    expect_agreement(w, now, "identified", 3);
    expect_agreement(w, now + 40 * DAY, NULL, 0);
}

static void
test_fold_agrees(void **state)
{
    world     *w = *state;
    unsigned   v;

    /* people read, some identify (two on two devices), and read on */
    reads(w, 300, T0, T0 + 10 * DAY);
    for (v = 0; v < VISITORS / 2; v++) {
        identify(w, v, v % 16, T0 + 5 * DAY + v * MIN);
    }
    reads(w, 300, T0 + 10 * DAY, T0 + 20 * DAY);
    expect_all_agree(w, T0 + 20 * DAY);

    /* folded up to day 15: the rest is the tail */
    fold_all(w, T0 + 15 * DAY);
    expect_all_agree(w, T0 + 20 * DAY);
    fold_all(w, T0 + 20 * DAY);
    expect_all_agree(w, T0 + 20 * DAY);

    /* a late batch (days 12-18), a visitor that read anonymously and
     * identifies now, a device relinked to another person */
    reads(w, 100, T0 + 12 * DAY, T0 + 18 * DAY);
    identify(w, VISITORS - 1, 30, T0 + 20 * DAY + MIN);
    identify(w, 3, 31, T0 + 20 * DAY + 2 * MIN);
    reads(w, 50, T0 + 20 * DAY + 3 * MIN, T0 + 21 * DAY);
    expect_all_agree(w, T0 + 21 * DAY);
    fold_all(w, T0 + 21 * DAY);
    expect_all_agree(w, T0 + 21 * DAY);
}

/*
 * A company's sum found damaged (a second value under its key) as the
 * fold moves a person's part empties the accounts, and the next fold
 * builds them again: the sum one value again, of its five people.
 */
static void
test_fold_damaged_sum(void **state)
{
    world             *w = *state;
    MDB_txn           *txn;
    MDB_cursor        *cur;
    MDB_val            key = { 14, (void *) "\0corp1.example" }, val;
    MDB_val            bad = { 1, (void *) "x" };
    lead_company_sum   c;
    MDB_stat           st;
    uint64_t           half_life;
    size_t             dups;
    unsigned           v;

    reads(w, 300, T0, T0 + 10 * DAY);
    for (v = 0; v < VISITORS / 2; v++) {
        identify(w, v, v % 16, T0 + 5 * DAY + v * MIN);
    }
    fold_all(w, T0 + 10 * DAY);

    assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_put(txn, w->s->accounts, &key, &bad, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    reads(w, 300, T0 + 10 * DAY, T0 + 20 * DAY);
    fold_all(w, T0 + 20 * DAY);
    assert_int_equal(lead_store_read_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(lead_companies_half_life(w->s, txn, &half_life), LEAD_OK);
    assert_int_equal(half_life, 0);
    assert_int_equal(mdb_stat(txn, w->s->accounts, &st), 0);
    assert_int_equal(st.ms_entries, 0);
    lead_store_read_end(w->s, txn);

    fold_all(w, T0 + 20 * DAY);
    assert_int_equal(lead_store_read_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_cursor_open(txn, w->s->accounts, &cur), 0);
    assert_int_equal(mdb_cursor_get(cur, &key, &val, MDB_SET), 0);
    assert_int_equal(mdb_cursor_count(cur, &dups), 0);
    assert_int_equal(dups, 1);
    assert_int_equal(lead_companies_decode(&val, &c), LEAD_OK);
    assert_int_equal(c.people, 5);
    mdb_cursor_close(cur);
    lead_store_read_end(w->s, txn);
}

static void
test_fold_statuses_and_top(void **state)
{
    world    *w = *state;
    unsigned  v;
    uint8_t   lead[LEAD_ID_LEN], visitor[LEAD_ID_LEN];

    reads(w, 400, T0, T0 + 10 * DAY);
    for (v = 0; v < VISITORS; v++) {
        identify(w, v, v, T0 + v * MIN);
    }
    fold_all(w, T0 + 10 * DAY);
    for (v = 0; v < VISITORS; v += 3) {
        visitor_id(visitor, v);
        assert_int_equal(lead_store_visitor_lead(w->s, visitor, lead),
                         LEAD_OK);
        /* those the fold made mql already stay as they are */
        (void) lead_store_set_status(w->s, lead, LEAD_STATUS_MQL,
                                     T0 + 10 * DAY, "test", "", "");
    }
    expect_agreement(w, T0 + 11 * DAY, "mql", 4);
    expect_agreement(w, T0 + 11 * DAY, "identified", 10);
    expect_agreement(w, T0 + 11 * DAY, NULL, 1);

    /*
     * An MQL that asked for a call and read nothing (score 0, no rank)
     * comes first all the same: the kept path lists it from the mqls'
     * index, as the scan sorts it.
     */
    {
        lead_form  form;
        int        created;

        memset(&form, 0, sizeof(form));
        form.email_len = (size_t) snprintf(form.email, sizeof(form.email),
                                           "caller@corp.example");
        form.name_len = (size_t) snprintf(form.name, sizeof(form.name),
                                          "Caller");
        form.contact = 1;
        visitor_id(visitor, 250);
        assert_int_equal(lead_store_identify(w->s, visitor, &form, NULL, 0,
                                             T0 + 10 * DAY, lead, &created),
                         LEAD_OK);
        assert_int_equal(lead_store_set_status(w->s, lead, LEAD_STATUS_MQL,
                                               T0 + 10 * DAY, "test", "",
                                               ""), LEAD_OK);
        fold_all(w, T0 + 10 * DAY);         /* not in the tail, either */
        expect_agreement(w, T0 + 11 * DAY, NULL, 1);
        expect_agreement(w, T0 + 11 * DAY, NULL, 3);
        expect_agreement(w, T0 + 11 * DAY, "mql", 2);

        /* more MQLs asked for a call than a page holds: its hottest */
        for (v = 0; v < 12; v += 3) {
            memset(&form, 0, sizeof(form));
            form.email_len = (size_t) snprintf(form.email,
                                               sizeof(form.email),
                                               "p%u@corp%u.example", v,
                                               v % 3);
            form.name_len = (size_t) snprintf(form.name, sizeof(form.name),
                                              "P %u", v);
            form.contact = 1;
            visitor_id(visitor, v);
            assert_int_equal(lead_store_identify(w->s, visitor, &form, NULL,
                                                 0, T0 + 10 * DAY, lead,
                                                 &created), LEAD_OK);
        }
        fold_all(w, T0 + 10 * DAY);
        expect_agreement(w, T0 + 11 * DAY, NULL, 2);
        expect_agreement(w, T0 + 11 * DAY, NULL, 6);
        expect_agreement(w, T0 + 11 * DAY, "mql", 3);
        expect_agreement(w, T0 + 11 * DAY, "identified", 3);
    }
    /* before the fold's time, the kept scores cannot answer: a scan does */
    expect_agreement(w, T0 + 5 * DAY, NULL, 0);
}

/* Other scoring rules: the fold starts again and agrees again. */
static void
test_fold_new_rules(void **state)
{
    world       *w = *state;
    lead_rules  *tmp;
    unsigned     v;

    reads(w, 200, T0, T0 + 5 * DAY);
    for (v = 0; v < VISITORS; v += 2) {
        identify(w, v, v, T0 + DAY);
    }
    fold_all(w, T0 + 5 * DAY);

    /* swap: the fold now scores with what were the scan's rules */
    tmp = w->kept;
    w->kept = w->scan;
    w->scan = tmp;
    expect_all_agree(w, T0 + 6 * DAY);
    fold_all(w, T0 + 5 * DAY);
    expect_all_agree(w, T0 + 6 * DAY);
}

/* Where s first is in a state's bytes (its length when not). */
static size_t
strstr_len(const lead_buf *b, const char *s)
{
    size_t  n = strlen(s), i;

    for (i = 0; i + n <= b->len; i++) {
        if (memcmp(b->data + i, s, n) == 0) {
            return i;
        }
    }
    return b->len;
}

/* How many times s is in a state's bytes. */
static unsigned
occurrences(const lead_buf *b, const char *s)
{
    lead_buf  rest = *b;
    size_t    at;
    unsigned  n = 0;

    while ((at = strstr_len(&rest, s)) < rest.len) {
        rest.data += at + 1;
        rest.len -= at + 1;
        n++;
    }
    return n;
}

static void
test_state_roundtrip(void **state)
{
    world          *w = *state;
    lead_scorer    *whole, *half, *again;
    lead_score      a, b;
    lead_buf        saved;
    lead_event      ev;
    const char     *path;
    size_t          at;
    unsigned        i;

    whole = lead_scorer_new(lead_rules_scoring(w->kept));
    half = lead_scorer_new(lead_rules_scoring(w->kept));
    again = lead_scorer_new(lead_rules_scoring(w->kept));
    lead_scorer_reset(whole, 0);
    lead_scorer_reset(half, 0);
    memset(&saved, 0, sizeof(saved));

    for (i = 0; i < 60; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.time_ms = T0 + i * 17 * MIN;
        path = paths[i * 7 % N_ELEMS(paths)];
        ev.path = (lead_str) { path, strlen(path) };
        ev.status = i % 4 ? 200 : 206;
        ev.file_size = 4000;
        ev.bytes_sent = ev.status == 200 ? 4000 : 500;
        ev.nranges = ev.status == 206;
        ev.ranges[0].start = (i % 8) * 500;
        ev.ranges[0].end = ev.ranges[0].start + 499;
        ev.country = i % 3 ? (lead_str) { "GB", 2 } : (lead_str) { "IE", 2 };
        lead_event_set_asset(&ev, lead_rules_match(w->kept, path,
                                                   strlen(path)));
        assert_int_equal(lead_scorer_add(whole, &ev), LEAD_OK);
        if (i == 30) {
            lead_scorer_save(half, &saved);
            assert_false(saved.oom);
            assert_int_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                              saved.len), LEAD_OK);
        }
        assert_int_equal(lead_scorer_add(i < 30 ? half : again, &ev),
                         LEAD_OK);
    }

    assert_int_equal(lead_scorer_result(whole, T0 + 30 * DAY, &a), LEAD_OK);
    assert_int_equal(lead_scorer_result(again, T0 + 30 * DAY, &b), LEAD_OK);
    assert_true(a.engagement == b.engagement);
    assert_int_equal(a.nhot, b.nhot);
    assert_int_equal(a.trigger_ms, b.trigger_ms);
    assert_memory_equal(a.countries, b.countries, sizeof(a.countries));
    for (i = 0; i < a.nhot; i++) {
        assert_true(a.hot[i].depth == b.hot[i].depth);
        assert_int_equal(a.hot[i].reads, b.hot[i].reads);
    }

    /* an asset's names once: five assets share "fibre", three "guide" */
    saved.len = 0;
    lead_scorer_save(whole, &saved);
    assert_false(saved.oom);
    assert_int_equal(occurrences(&saved, "\x05" "fibre"), 1);
    assert_int_equal(occurrences(&saved, "\x05" "guide"), 1);
    assert_int_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                      saved.len), LEAD_OK);
    assert_int_equal(lead_scorer_result(again, T0 + 30 * DAY, &b), LEAD_OK);
    assert_true(a.engagement == b.engagement);

    /* a reference to a name not read before is damage */
    at = strstr_len(&saved, "\x05" "fibre");
    assert_true(at < saved.len);
    saved.data[at] = (char) 0xff;
    memmove(saved.data + at + 1, saved.data + at + 6, saved.len - at - 6);
    assert_int_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                      saved.len - 5), LEAD_EINVAL);
    saved.len = 0;
    lead_scorer_save(whole, &saved);

    /* damage is refused, never read past */
    for (i = 0; i < saved.len; i++) {
        assert_int_not_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                              i), LEAD_OK);
    }
    saved.data[0] = 99;
    assert_int_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                      saved.len), LEAD_EINVAL);

    lead_buf_free(&saved);
    lead_scorer_free(whole);
    lead_scorer_free(half);
    lead_scorer_free(again);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_fold_agrees, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_fold_damaged_sum, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_fold_statuses_and_top,
                                        setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(test_fold_new_rules, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_state_roundtrip, setup_world,
                                        teardown_world),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
