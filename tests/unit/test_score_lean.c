/*
 * The full re-score's short ways give what the long ones give: a lean
 * score (lead_scorer_totals, as lists read it) is the full result, bit
 * for bit, but for why and hot content past its first row; the trigger
 * found with the engagement's bound is the one found by adding every
 * part up at every read (a loaded state has no bound); and a store
 * scored in one pass (lead_store_score_all) scores each lead as scoring
 * it alone does, with one thread or two alike.  Random subjects over rules with a negative asset,
 * ratings, a group, cut and Range reads, bots, reloads and six hot
 * assets (more than hot content's rows).
 */

#include "score_fixture.h"
#include "vary_fixture.h"

#include "dir_fixture.h"
#include "lead_threads.h"

#define VISITORS  24
#define PEOPLE    14
#define MANY      1400      /* visitors: their leads fill a few chunks */

static const char  assets_csv[] =
    HEADER
    "/h1,Hot 1,decision,40,pricing,hot\n"
    "/h2,Hot 2,decision,30,pricing,hot\n"
    "/h3,Hot 3,evaluation,25,pricing,hot\n"
    "/h4,Hot 4,evaluation,20,fibre,hot\n"
    "/h5,Hot 5,interest,15,fibre,hot\n"
    "/h6,Hot 6,interest,10,fibre,hot\n"
    "/g1,Guide 1,interest,10,fibre,group=guide\n"
    "/g2,Guide 2,interest,10,fibre,group=guide\n"
    "/g3,Guide 3,evaluation,15,fibre,group=guide\n"
    "/case,Case study,evaluation,20,wifi,\n"
    "/careers,Careers,epiphany,-20,,\n"
    "/blog,Blog,awareness,5,news,\n";

static const char  *paths[] = {
    "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "/g1", "/g2", "/g3", "/case",
    "/careers", "/blog"
};

static const char  *countries[] = { "GB", "FR", "DE", "US", "ES" };

static const char  *thresholds[] = {
    "mql_threshold 25;", "mql_threshold 70;", "mql_threshold 160;"
};

#define RULES  "\nhalf_life 10d;\nreload_window 30m;\nfeedback_points 6;\n" \
               "warm_after guide 2 15;\n"

/* A random request of path at t: a rating, or a request of any kind. */
static void
random_event(lead_event *ev, const model *m, uint64_t *x, const char *path,
    uint64_t t)
{
    const char  *cc = countries[vary_draw(x) % N_ELEMS(countries)];

    ev_full(ev, m, path, t);
    ev->country = (lead_str) { cc, 2 };
    if (vary_draw(x) % 12 == 0) {
        ev->status = 0;
        ev->bytes_sent = 0;
        ev->rating = (uint8_t) (1 + vary_draw(x) % 5);
    } else {
        vary_event(ev, x, 11, SIZE);
    }
}

/* Mostly minutes apart (reloads among them), now and then days. */
static uint64_t
later(uint64_t *x, uint64_t t)
{
    uint64_t  within = vary_draw(x) % 8 ? 90 * MIN : 9 * DAY;

    return t + vary_draw(x) % within;
}

static void
expect_lean(const lead_score *full, const lead_score *lean)
{
    assert_memory_equal(&lean->engagement, &full->engagement,
                        sizeof(double));
    assert_int_equal(lean->shown, full->shown);
    assert_memory_equal(lean->stages, full->stages, sizeof(full->stages));
    assert_int_equal(lean->stage_index, full->stage_index);
    assert_int_equal(lean->band, full->band);
    assert_int_equal(lean->nhot, full->nhot > 0);
    if (lean->nhot) {
        assert_memory_equal(&lean->hot[0], &full->hot[0],
                            sizeof(full->hot[0]));
    }
    assert_int_equal(lean->nwhy, 0);
    assert_int_equal(lean->ntopics, full->ntopics);
    assert_memory_equal(lean->topics, full->topics,
                        full->ntopics * sizeof(full->topics[0]));
    assert_int_equal(lean->ncountries, full->ncountries);
    assert_memory_equal(lean->countries, full->countries,
                        sizeof(full->countries));
    assert_int_equal(lean->trigger_ms, full->trigger_ms);
    assert_int_equal(lean->trigger_asset, full->trigger_asset);
    assert_string_equal(lean->trigger, full->trigger);
}

/* The scorer alone: lean against full, the bound against every sum. */
static void
test_lean_and_bound(void **state)
{
    lead_scorer  *summed;
    lead_score   *full = malloc(sizeof(*full)), *lean = calloc(1,
                                                              sizeof(*lean));
    lead_event    ev;
    lead_buf      empty = { 0 };
    const char   *path;
    model         m;
    uint64_t      x = UINT64_C(0x9e3779b97f4a7c15), t;
    unsigned      i, subject, n, k, from;
    unsigned      six_hot = 0, reached = 0, never = 0;
    char          conf[256];

    (void) state;
    assert_non_null(full);
    assert_non_null(lean);
    for (i = 0; i < N_ELEMS(thresholds); i++) {
        snprintf(conf, sizeof(conf), "%s%s", thresholds[i], RULES);
        model_open(&m, conf, assets_csv);
        summed = lead_scorer_new(m.sc);
        assert_non_null(summed);
        lead_scorer_reset(m.s, 0);
        lead_scorer_save(m.s, &empty);
        assert_false(empty.oom);

        for (subject = 0; subject < 150; subject++) {
            lead_scorer_reset(m.s, 0);
            assert_int_equal(lead_scorer_load(summed,
                                              (const uint8_t *) empty.data,
                                              empty.len), LEAD_OK);
            n = 1 + (unsigned) (vary_draw(&x) % 80);
            /* half of them read nothing hot: only engagement triggers */
            from = vary_draw(&x) % 2 ? 0 : 6;
            for (k = 0, t = T0; k < n; k++) {
                t = later(&x, t);
                path = paths[from + vary_draw(&x) % (N_ELEMS(paths) - from)];
                random_event(&ev, &m, &x, path, t);
                add(&m, &ev);
                assert_int_equal(lead_scorer_add(summed, &ev), LEAD_OK);
                if (vary_draw(&x) % 8 == 0 || k == n - 1) {
                    uint64_t  now = t + vary_draw(&x) % (20 * DAY);

                    result(&m, now, full);
                    assert_int_equal(lead_scorer_totals(m.s, now, lean),
                                     LEAD_OK);
                    expect_lean(full, lean);
                    six_hot += full->nhot == LEAD_HOT_MAX
                               && full->hot[LEAD_HOT_MAX - 1].hot;

                    assert_int_equal(lead_scorer_result(summed, now, lean),
                                     LEAD_OK);
                    assert_memory_equal(&lean->engagement,
                                        &full->engagement, sizeof(double));
                    assert_int_equal(lean->trigger_ms, full->trigger_ms);
                    assert_string_equal(lean->trigger, full->trigger);
                    memset(lean, 0, sizeof(*lean));
                }
            }
            reached += full->trigger_ms != 0 && full->trigger_asset == 0;
            never += full->trigger_ms == 0;
        }
        lead_scorer_free(summed);
        model_close(&m);
        empty.len = 0;
    }
    /* the comparisons are not all of nothing */
    assert_true(reached > 30 && never > 30);
    assert_true(six_hot > 10);
    lead_buf_free(&empty);
    free(full);
    free(lean);
}

typedef struct {
    void        *dir;
    lead_store  *s;
    model        m;
    uint64_t     rng;
    unsigned     visitors;
} world;

/* visitor v's id */
static void
visitor_id(uint8_t id[LEAD_ID_LEN], unsigned v)
{
    memset(id, 0x4c, LEAD_ID_LEN);
    id[0] = (uint8_t) v;
    id[1] ^= (uint8_t) (v >> 8);
}

static int
teardown_world(void **state)
{
    world  *w = *state;
    int     rc;

    model_close(&w->m);
    lead_store_close(w->s);
    rc = teardown(&w->dir);
    free(w);
    return rc;
}

static int
setup_world(void **state)
{
    world            *w;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    char              err[512];

    w = calloc(1, sizeof(*w));
    if (w == NULL || setup(&w->dir) != 0) {
        free(w);
        return -1;
    }
    w->rng = UINT64_C(0x2545f4914f6cdd1d);
    w->visitors = VISITORS;
    assert_int_equal(lead_store_open(&w->s, dir_of(&w->dir), &opts, err,
                                     sizeof(err)), LEAD_OK);
    model_open(&w->m, "mql_threshold 70;" RULES, assets_csv);
    assert_int_equal(lead_store_put_assets(w->s, w->m.rules), LEAD_OK);
    *state = w;
    return 0;
}

/* n random requests of random visitors from t on; the time they end */
static uint64_t
requests(world *w, size_t n, uint64_t t)
{
    lead_batch  *b = lead_batch_new(1 << 20);
    lead_event   ev;
    size_t       i;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        t = later(&w->rng, t);
        random_event(&ev, &w->m, &w->rng,
                     paths[vary_draw(&w->rng) % N_ELEMS(paths)], t);
        visitor_id(ev.visitor, (unsigned) (vary_draw(&w->rng) % w->visitors));
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    lead_batch_free(b);
    return t;
}

static void
identify(world *w, unsigned v, unsigned person, uint64_t at_ms)
{
    lead_form  form;
    uint8_t    visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN];
    int        outcome;

    memset(&form, 0, sizeof(form));
    form.email_len = (size_t) snprintf(form.email, sizeof(form.email),
                                       "p%u@corp.example", person);
    form.name_len = (size_t) snprintf(form.name, sizeof(form.name),
                                      "Person %u", person);
    visitor_id(visitor, v);
    assert_int_equal(lead_store_identify(w->s, visitor, &form, "fibre", 5,
                                         at_ms, lead, &outcome), LEAD_OK);
}

typedef struct {
    world       *w;
    uint64_t     now;
    lead_score  *full;
    unsigned     leads;
} check;

static int
against_one(void *arg, const lead_scored *l)
{
    check  *c = arg;

    assert_int_equal(lead_store_score_lead(c->w->s,
                                           c->w->m.sc,
                                           l->person->id, 0, c->now,
                                           c->full), LEAD_OK);
    expect_lean(c->full, l->score);
    c->leads++;
    return 0;
}

/* Every lead of a store scored in one pass, each as scored alone. */
static void
test_store_lean(void **state)
{
    world     *w = *state;
    check      c = { w, 0, malloc(sizeof(lead_score)), 0 };
    uint64_t   t = T0;
    unsigned   v;

    assert_non_null(c.full);
    t = requests(w, 400, t);
    /* people identify, some on two devices, a few move to another */
    for (v = 0; v < VISITORS - 4; v++) {
        identify(w, v, v % PEOPLE, t + v * MIN);
    }
    t = requests(w, 600, t + DAY);
    for (v = 0; v < 3; v++) {
        identify(w, v, PEOPLE - 1 - v, t + v * MIN);
    }
    t = requests(w, 600, t + DAY);

    for (c.now = t; c.now < t + 40 * DAY; c.now += 13 * DAY) {
        c.leads = 0;
        assert_int_equal(lead_store_score_all(w->s,
                                              w->m.sc,
                                              c.now, against_one, &c),
                         LEAD_OK);
        assert_int_equal(c.leads, PEOPLE);
    }
    free(c.full);
}

typedef struct {
    lead_scored  out;
    lead_score   score;
    uint8_t      id[LEAD_ID_LEN];
} kept_lead;

typedef struct {
    kept_lead  *leads;
    unsigned    n, stop_at;
    int         compare;        /* 0: keep each lead; 1: hold it equal */
} threads_check;

static int
keep_or_compare(void *arg, const lead_scored *l)
{
    threads_check  *c = arg;
    kept_lead      *k = &c->leads[c->n];

    if (++c->n == c->stop_at) {
        return 1;
    }
    if (!c->compare) {
        k->out = *l;
        k->score = *l->score;
        memcpy(k->id, l->person->id, LEAD_ID_LEN);
        return 0;
    }
    assert_memory_equal(l->person->id, k->id, LEAD_ID_LEN);
    expect_lean(&k->score, l->score);
    assert_int_equal(l->status, k->out.status);
    assert_int_equal(l->status_ms, k->out.status_ms);
    assert_int_equal(l->devices, k->out.devices);
    assert_int_equal(l->first_ms, k->out.first_ms);
    assert_int_equal(l->last_ms, k->out.last_ms);
    return 0;
}

/*
 * Leads enough for a few chunks, scored by one thread and by two: the
 * same leads in the same order, bit for bit, and each as scored alone;
 * stopped by the caller in the first chunk or in one the helper scored.
 */
static void
test_store_threads(void **state)
{
    world          *w = *state;
    threads_check   tc = { calloc(MANY, sizeof(kept_lead)), 0, 0, 0 };
    check           c = { w, 0, malloc(sizeof(lead_score)), 0 };
    uint64_t        t = T0;
    unsigned        v, people = MANY / 2;

    assert_non_null(tc.leads);
    assert_non_null(c.full);
    w->visitors = MANY;
    t = requests(w, 4 * MANY, t);
    /* visitor 2p and, for a tenth, 2p + 1 are person p's */
    for (v = 0; v < MANY; v++) {
        if (v % 2 == 0 || v % 20 == 1) {
            identify(w, v, v / 2, t + v * MIN);
        }
    }
    t = requests(w, 4 * MANY, t + DAY);
    c.now = t + DAY;

    for (tc.compare = 0; tc.compare < 2; tc.compare++) {
        lead_store_score_threads(w->s, 1 + (unsigned) tc.compare);
        tc.n = 0;
        assert_int_equal(lead_store_score_all(w->s, w->m.sc, c.now,
                                              keep_or_compare, &tc),
                         LEAD_OK);
        assert_int_equal(tc.n, people);
    }
    assert_int_equal(lead_store_score_all(w->s, w->m.sc, c.now,
                                          against_one, &c), LEAD_OK);
    assert_int_equal(c.leads, people);

    for (v = 0; v < 2; v++) {
        tc.n = 0;
        tc.stop_at = v ? 300 : 5;
        assert_int_equal(lead_store_score_all(w->s, w->m.sc, c.now,
                                              keep_or_compare, &tc),
                         LEAD_ECALLBACK);
        assert_int_equal(tc.n, tc.stop_at);
    }
    free(tc.leads);
    free(c.full);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_lean_and_bound),
        cmocka_unit_test_setup_teardown(test_store_lean, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_store_threads, setup_world,
                                        teardown_world),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
