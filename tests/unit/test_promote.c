/*
 * Promotion to mql (lead_leads.c) by what leads read, and scoring all
 * leads in one pass agreeing with scoring each.
 */

#include "status_fixture.h"
#include "vary_fixture.h"

#include <math.h>

#define HOT_CAUSE  "read \"Pricing and plans\" (hot)"

/*
 * The promotion tests' rules: one hot decision asset worth more than the
 * threshold, and 10-point assets of which three reach it together.
 */
static const char  promo_scoring[] = "mql_threshold 30;\n";
static const char  promo_assets[] =
    HEADER
    "/pricing,Pricing and plans,decision,40,,hot\n"
    "/a,Guide A,interest,10,,\n"
    "/b,Guide B,interest,10,,\n"
    "/c,Guide C,interest,10,,\n"
    "/d,Guide D,interest,10,,\n";

/* ---- 1. promotion ------------------------------------------------------ */

/* What the promotion callback heard. */
typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    double    engagement;
    char      cause[LEAD_CAUSE_MAX];
} promotion;

typedef struct {
    lead_store  *s;
    lead_rules  *rules;
    promotion    p[8];
    size_t       n;
} world;

static int
on_promoted(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const char *cause, double engagement)
{
    world      *w = arg;
    promotion  *p;

    assert_true(w->n < N_ELEMS(w->p));
    p = &w->p[w->n++];
    memcpy(p->lead, lead_id, LEAD_ID_LEN);
    p->engagement = engagement;
    snprintf(p->cause, sizeof(p->cause), "%s", cause);
    return 0;
}

static lead_rules *
rules_parse(const char *scoring, const char *assets)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    rc = lead_rules_parse(&r, "rules", scoring, strlen(scoring), assets,
                          strlen(assets), err, sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_rules_parse: %d (%s)", rc, err);
    }
    return r;
}

static void
world_open(void **state, world *w, const char *scoring, const char *assets)
{
    w->s = open_store(state);
    w->rules = rules_parse(scoring, assets);
    w->n = 0;
}

static void
world_close(world *w)
{
    lead_store_close(w->s);
    lead_rules_free(w->rules);
}

/* A browser's complete 200 of path, tagged as the rules say (or not). */
static void
make_event(lead_event *ev, const lead_rules *r, char who, const char *path,
    uint64_t t)
{
    memset(ev, 0, sizeof(*ev));
    ev->time_ms = t;
    visitor_id(ev->visitor, who);
    ev->status = 200;
    ev->ua_class = LEAD_UA_BROWSER;
    ev->bytes_sent = SIZE;
    ev->file_size = SIZE;
    ev->path.data = path;
    ev->path.len = strlen(path);
    lead_event_set_asset(ev, lead_rules_match(r, path, strlen(path)));
}

typedef struct {
    char         who;
    const char  *path;
    uint64_t     dt;                /* from T0 */
} visit;

/* The visits committed as one batch, returned. */
static lead_batch *
commit_visits(world *w, const visit *v, size_t n)
{
    lead_batch  *b = lead_batch_new((n + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    lead_event   ev;
    size_t       i;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        make_event(&ev, w->rules, v[i].who, v[i].path, T0 + v[i].dt);
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    return b;
}

/* Commits the visits as one batch, then folds (and promotes) as nginx. */
static void
read_batch(world *w, const visit *v, size_t n, uint64_t now_ms)
{
    lead_batch  *b = commit_visits(w, v, n);
    int          rc, more;

    do {
        rc = lead_store_fold(w->s, w->rules, now_ms, 10000, on_promoted, w,
                             &more);
        if (rc != LEAD_OK) {
            fail_msg("lead_store_fold: %d (%s)", rc, lead_store_errmsg(w->s));
        }
    } while (more);
    lead_batch_free(b);
}

#define READ(w, now, ...)                                                     \
    do {                                                                      \
        static const visit  v_[] = { __VA_ARGS__ };                           \
        read_batch(w, v_, N_ELEMS(v_), now);                                  \
    } while (0)

static void
expect_promoted(const world *w, size_t i, const uint8_t lead[LEAD_ID_LEN],
    const char *cause)
{
    assert_true(i < w->n);
    assert_memory_equal(w->p[i].lead, lead, LEAD_ID_LEN);
    assert_string_equal(w->p[i].cause, cause);
}

static void
test_promote_hot(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);

    /* the hot read is the trigger, not the batch's first or last event */
    READ(&w, T0 + 4 * HOUR, { 'a', "/a", HOUR }, { 'a', "/pricing", 2 * HOUR },
         { 'a', "/b", 3 * HOUR });
    assert_int_equal(w.n, 1);
    expect_promoted(&w, 0, lead, HOT_CAUSE);
    assert_true(w.p[0].engagement > 0);
    expect_status(w.s, lead, MQL, T0 + 2 * HOUR);
    EXPECT_HISTORY(w.s, lead, FORM(0),
                   { 2 * HOUR, IDENT, MQL, HOT_CAUSE, "", "" });

    /* an mql is not promoted again, even by another hot read */
    READ(&w, T0 + 6 * HOUR, { 'a', "/pricing", 5 * HOUR });
    assert_int_equal(w.n, 1);
    assert_int_equal(count_all(w.s), 2);

    world_close(&w);
}

static void
test_promote_threshold(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);

    /*
     * Three 10-point reads make exactly 30 only when none has decayed:
     * the same millisecond, over two batches.  The first two stay below.
     */
    READ(&w, T0 + 2 * HOUR, { 'a', "/a", HOUR }, { 'a', "/b", HOUR });
    assert_int_equal(w.n, 0);
    expect_status(w.s, lead, IDENT, T0);

    READ(&w, T0 + 2 * HOUR, { 'a', "/c", HOUR });
    assert_int_equal(w.n, 1);
    assert_memory_equal(w.p[0].lead, lead, LEAD_ID_LEN);
    assert_int_equal(strncmp(w.p[0].cause, "engagement ", 11), 0);
    expect_status(w.s, lead, MQL, T0 + HOUR);
    EXPECT_HISTORY(w.s, lead, FORM(0),
                   { HOUR, IDENT, MQL, w.p[0].cause, "", "" });

    world_close(&w);
}

static void
test_promote_skips(void **state)
{
    /* leads that are past identified: reading cannot move them */
    static const struct {
        char  who;
        int   path[3];              /* after a form asking for a call */
    } leads[] = {
        { 'm', { -1 } },
        { 's', { SAL, -1 } },
        { 'q', { SAL, SQL, -1 } },
        { 'w', { SAL, SQL, WON } },
    };
    uint8_t   ids[N_ELEMS(leads)][LEAD_ID_LEN], got[LEAD_ID_LEN];
    uint8_t   anon[LEAD_ID_LEN];
    char      email[64];
    world     w;
    uint64_t  since[N_ELEMS(leads)];
    size_t    i, k, before;
    int       last[N_ELEMS(leads)];

    world_open(state, &w, promo_scoring, promo_assets);

    for (i = 0; i < N_ELEMS(leads); i++) {
        snprintf(email, sizeof(email), "%c@example.com", leads[i].who);
        identify(w.s, leads[i].who, email, 1, T0, ids[i], 1);
        last[i] = MQL;
        since[i] = T0;
        for (k = 0; k < N_ELEMS(leads[i].path) && leads[i].path[k] >= 0;
             k++)
        {
            last[i] = leads[i].path[k];
            since[i] = T0 + (k + 1) * MIN;
            set_status_ok(w.s, ids[i], last[i], since[i], "moved", "sam",
                          NULL);
        }
    }
    before = count_all(w.s);

    /* everyone reads everything that could trigger, the anonymous too */
    READ(&w, T0 + 2 * HOUR,
         { 'm', "/pricing", HOUR }, { 's', "/pricing", HOUR },
         { 'q', "/pricing", HOUR }, { 'w', "/pricing", HOUR },
         { 'z', "/pricing", HOUR }, { 'z', "/a", HOUR }, { 'z', "/b", HOUR },
         { 'z', "/c", HOUR }, { 'm', "/a", HOUR }, { 'm', "/b", HOUR },
         { 'm', "/c", HOUR });

    assert_int_equal(w.n, 0);
    assert_int_equal(count_all(w.s), before);
    for (i = 0; i < N_ELEMS(leads); i++) {
        expect_status(w.s, ids[i], last[i], since[i]);
    }
    visitor_id(anon, 'z');
    assert_int_equal(lead_store_visitor_lead(w.s, anon, got),
                     LEAD_ENOTFOUND);

    world_close(&w);
}

static void
test_promote_after_nurture(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    char     cause[LEAD_CAUSE_MAX];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);

    READ(&w, T0 + HOUR, { 'a', "/a", HOUR }, { 'a', "/b", HOUR },
         { 'a', "/c", HOUR });
    assert_int_equal(w.n, 1);
    snprintf(cause, sizeof(cause), "%s", w.p[0].cause);
    set_status_ok(w.s, lead, SAL, T0 + 2 * HOUR, "accepted", "sam", NULL);
    set_status_ok(w.s, lead, NURTURE, T0 + 3 * HOUR, "rejected", "sam",
                  "no budget this year");

    /* news of her that is no trigger: untagged content */
    READ(&w, T0 + 4 * HOUR, { 'a', "/blog/post", 4 * HOUR });
    assert_int_equal(w.n, 1);

    /* a read from before nurture that arrives late does not count */
    READ(&w, T0 + 4 * HOUR, { 'a', "/pricing", 3 * HOUR - 1 },
         { 'a', "/d", 3 * HOUR - 1 });
    assert_int_equal(w.n, 1);
    expect_status(w.s, lead, NURTURE, T0 + 3 * HOUR);

    /* a hot read after it does */
    READ(&w, T0 + 6 * HOUR, { 'a', "/pricing", 5 * HOUR });
    assert_int_equal(w.n, 2);
    expect_promoted(&w, 1, lead, HOT_CAUSE);
    expect_status(w.s, lead, MQL, T0 + 5 * HOUR);
    EXPECT_HISTORY(w.s, lead, FORM(0),
                   { HOUR, IDENT, MQL, cause, "", "" },
                   { 2 * HOUR, MQL, SAL, "accepted", "sam", "" },
                   { 3 * HOUR, SAL, NURTURE, "rejected", "sam",
                     "no budget this year" },
                   { 5 * HOUR, NURTURE, MQL, HOT_CAUSE, "", "" });

    world_close(&w);
}

/* Old engagement does not carry a nurtured lead back: only new reads. */
static void
test_nurture_needs_new_engagement(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);
    READ(&w, T0 + HOUR, { 'a', "/a", HOUR }, { 'a', "/b", HOUR },
         { 'a', "/c", HOUR });
    assert_int_equal(w.n, 1);
    set_status_ok(w.s, lead, NURTURE, T0 + 3 * HOUR, "rejected", "sam",
                  "no budget");

    /* 20 points of new reading: below 30 by itself */
    READ(&w, T0 + DAY, { 'a', "/a", DAY }, { 'a', "/b", DAY });
    assert_int_equal(w.n, 1);
    expect_status(w.s, lead, NURTURE, T0 + 3 * HOUR);

    world_close(&w);
}

/* Commits the visits as one batch and promotes its leads, as nginx does. */
static void
commit_batch(world *w, const visit *v, size_t n, uint64_t now_ms)
{
    lead_batch  *b = commit_visits(w, v, n);

    assert_int_equal(lead_store_promote_batch(w->s, w->rules, b, now_ms,
                                              on_promoted, w), LEAD_OK);
    lead_batch_free(b);
}

#define COMMIT(w, now, ...)                                                   \
    do {                                                                      \
        static const visit  v_[] = { __VA_ARGS__ };                           \
        commit_batch(w, v_, N_ELEMS(v_), now);                                \
    } while (0)

/*
 * The commit that stores the hot read makes its lead mql, without the
 * fold; the fold coming after finds it promoted and tells no one again.
 * Anonymous visitors and leads past mql are left alone.
 */
static void
test_promote_at_commit(void **state)
{
    uint8_t  ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];
    world    w;
    size_t   i;
    int      more;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, ada, 1);
    identify(w.s, 'b', "bob@example.com", 0, T0, bob, 1);

    COMMIT(&w, T0 + 3 * HOUR, { 'x', "/pricing", HOUR },
           { 'a', "/a", HOUR }, { 'b', "/a", HOUR });
    assert_int_equal(w.n, 0);
    expect_status(w.s, ada, IDENT, T0);

    COMMIT(&w, T0 + 3 * HOUR, { 'b', "/b", 2 * HOUR },
           { 'a', "/pricing", 2 * HOUR }, { 'b', "/pricing", 2 * HOUR + 1 });
    /* told in the order of their ids */
    assert_int_equal(w.n, 2);
    i = memcmp(w.p[0].lead, ada, LEAD_ID_LEN) == 0 ? 0 : 1;
    expect_promoted(&w, i, ada, HOT_CAUSE);
    expect_promoted(&w, 1 - i, bob, HOT_CAUSE);
    expect_status(w.s, ada, MQL, T0 + 2 * HOUR);
    expect_status(w.s, bob, MQL, T0 + 2 * HOUR + 1);

    assert_int_equal(lead_store_fold(w.s, w.rules, T0 + 4 * HOUR, 10000,
                                     on_promoted, &w, &more), LEAD_OK);
    assert_int_equal(w.n, 2);

    /* sales took it: another hot read changes nothing */
    assert_int_equal(lead_store_set_status(w.s, ada, LEAD_STATUS_SAL,
                                           T0 + 3 * HOUR, "", "sam", ""),
                     LEAD_OK);
    COMMIT(&w, T0 + 5 * HOUR, { 'a', "/pricing", 4 * HOUR });
    assert_int_equal(w.n, 2);
    expect_status(w.s, ada, SAL, T0 + 3 * HOUR);

    world_close(&w);
}

/*
 * An event is news of the lead it belongs to, even after a relink: read
 * at T0 + 1h, while the visitor was Ada's, stored later; promoted by the
 * fold and at commit alike.
 */
static void
lead_of_the_event(void **state, int at_commit)
{
    static const visit  v[] = { { 'a', "/pricing", HOUR } };
    uint8_t             ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];
    world               w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, ada, 1);
    identify(w.s, 'a', "bob@example.com", 0, T0 + 2 * HOUR, bob, 1);

    if (at_commit) {
        commit_batch(&w, v, N_ELEMS(v), T0 + 3 * HOUR);
    } else {
        read_batch(&w, v, N_ELEMS(v), T0 + 3 * HOUR);
    }
    assert_int_equal(w.n, 1);
    expect_promoted(&w, 0, ada, HOT_CAUSE);
    expect_status(w.s, bob, IDENT, T0 + 2 * HOUR);

    world_close(&w);
}

static void
test_promote_the_lead_of_the_event(void **state)
{
    lead_of_the_event(state, 0);
}

static void
test_promote_at_commit_the_lead_of_the_event(void **state)
{
    lead_of_the_event(state, 1);
}

/* A status never moves back in time: an earlier time is the last one's. */
static void
test_status_time_moves_forward(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 1, T0, lead, 1);
    set_status_ok(w.s, lead, SAL, T0 - DAY, "accepted", "sam", NULL);
    expect_status(w.s, lead, SAL, T0);

    world_close(&w);
}

static void
test_promote_history(void **state)
{
    /* what a visitor read before its form; NULL cause: still identified */
    static const struct {
        const char  *paths[4];      /* read at T0, up to NULL */
        const char  *cause;         /* or its prefix for engagement */
    } cases[] = {
        { { "/pricing", NULL }, HOT_CAUSE },
        { { "/a", "/b", "/c", NULL }, "engagement " },
        { { "/a", "/b", NULL }, NULL },
        { { "/blog/post", NULL }, NULL },
    };
    uint8_t      lead[LEAD_ID_LEN];
    char         email[64];
    visit        v[4];
    world        w;
    size_t       i, n, calls;
    char         who;

    world_open(state, &w, promo_scoring, promo_assets);

    for (i = 0; i < N_ELEMS(cases); i++) {
        who = (char) ('a' + i);
        for (n = 0; cases[i].paths[n] != NULL; n++) {
            v[n].who = who;
            v[n].path = cases[i].paths[n];
            v[n].dt = 0;
        }

        /* anonymous: nobody to promote yet */
        calls = w.n;
        read_batch(&w, v, n, T0 + HOUR);
        assert_int_equal(w.n, calls);

        snprintf(email, sizeof(email), "lead%zu@example.com", i);
        identify(w.s, who, email, 0, T0 + DAY, lead, 1);
        expect_status(w.s, lead, IDENT, T0 + DAY);

        assert_int_equal(lead_store_promote_lead(w.s, w.rules, lead,
                                                 T0 + DAY, on_promoted, &w),
                         LEAD_OK);
        if (cases[i].cause == NULL) {
            assert_int_equal(w.n, calls);
            expect_status(w.s, lead, IDENT, T0 + DAY);
            continue;
        }

        /* mql as of the form: never before it was identified */
        assert_int_equal(w.n, calls + 1);
        assert_memory_equal(w.p[calls].lead, lead, LEAD_ID_LEN);
        assert_int_equal(strncmp(w.p[calls].cause, cases[i].cause,
                                 strlen(cases[i].cause)), 0);
        assert_true(w.p[calls].engagement > 0);
        expect_status(w.s, lead, MQL, T0 + DAY);
        EXPECT_HISTORY(w.s, lead, FORM(DAY),
                       { DAY, IDENT, MQL, w.p[calls].cause, "", "" });
    }

    world_close(&w);
}

/* ---- 2. one pass over all leads agrees with one lead at a time --------- */

#define A_EVENTS  600
#define A_SPAN    (60 * DAY)

typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    double    engagement;
    uint64_t  trigger_ms;
    uint64_t  top_asset;        /* a list's score: hot content's first */
    int       stage_index;
} scored;

typedef struct {
    scored  l[8];
    size_t  n;
} scored_list;

static int
collect_scored(void *arg, const lead_person *p, const lead_score *score)
{
    scored_list  *l = arg;

    assert_true(l->n < N_ELEMS(l->l));
    memcpy(l->l[l->n].id, p->id, LEAD_ID_LEN);
    l->l[l->n].engagement = score->engagement;
    l->l[l->n].trigger_ms = score->trigger_ms;
    l->l[l->n].top_asset = score->nhot ? score->hot[0].asset_id : 0;
    l->l[l->n].stage_index = score->stage_index;
    l->n++;
    return 0;
}

static void
expect_near(double got, double want, const char *what)
{
    if (!(fabs(got - want) < 1e-9)) {
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
    }
}

/* One random request of path by who at t. */
static void
random_event(lead_event *ev, const lead_rules *r, uint64_t *x, char who,
    const char *path, uint64_t t)
{
    make_event(ev, r, who, path, t);
    vary_event(ev, x, 10, SIZE);
}

static void
test_score_agreement(void **state)
{
    static const char  *paths[] = {
        "/pricing", "/a", "/b", "/c", "/careers", "/blog/post"
    };
    /* 'a' and 'b': Ada's two devices; 'r' relinked; 'z' never identifies */
    static const char   who[] = { 'a', 'b', 'r', 'c', 'z' };
    static lead_event   evs[A_EVENTS];
    lead_batch         *b;
    lead_scorer        *direct;
    lead_score         *one = malloc(sizeof(*one));
    lead_rules         *r;
    lead_store         *s = open_store(state);
    scored_list         all = { .n = 0 };
    uint8_t             ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], cy[LEAD_ID_LEN];
    uint8_t             got[LEAD_ID_LEN], z[LEAD_ID_LEN];
    uint64_t            x = UINT64_C(0x2545f4914f6cdd1d), t = T0, now;
    size_t              i, k, nz = 0;
    char                what[64];

    assert_non_null(one);
    r = rules_parse("mql_threshold 30;\nwarm_after g 2 25;\n",
                    HEADER
                    "/pricing,Pricing and plans,decision,40,sales,hot\n"
                    "/a,Guide A,interest,10,fiber,group=g\n"
                    "/b,Guide B,interest,10,fiber,group=g\n"
                    "/c,Intro,awareness,5,wifi,\n"
                    "/careers,Careers,epiphany,-20,,\n");

    /* links first: events before a link go to the visitor's first lead */
    identify(s, 'a', "ada@example.com", 0, T0 + 5 * DAY, ada, 1);
    identify(s, 'r', "bob@example.com", 0, T0 + 10 * DAY, bob, 1);
    identify(s, 'c', "cy@example.com", 0, T0 + 15 * DAY, cy, 1);
    identify(s, 'b', "ada@example.com", 0, T0 + 20 * DAY, got, 0);
    identify(s, 'r', "cy@example.com", 0, T0 + 30 * DAY, got, 0);
    identify(s, 'r', "bob@example.com", 0, T0 + 45 * DAY, got, 0);

    for (i = 0; i < A_EVENTS; i++) {
        t += 1 + vary_draw(&x) % (2 * A_SPAN / A_EVENTS);
        random_event(&evs[i], r, &x, who[vary_draw(&x) % N_ELEMS(who)],
                     paths[vary_draw(&x) % N_ELEMS(paths)], t);
    }
    assert_true(t - T0 > 50 * DAY);
    now = t + DAY;

    /* in interleaved batches: the store puts them back in time order */
    b = lead_batch_new((A_EVENTS + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    assert_non_null(b);
    for (k = 0; k < 6; k++) {
        lead_batch_clear(b);
        for (i = k; i < A_EVENTS; i += 6) {
            assert_int_equal(lead_batch_add(b, &evs[i]), LEAD_OK);
        }
        assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    }
    lead_batch_free(b);

    assert_int_equal(lead_store_score_leads(s, lead_rules_scoring(r), now,
                                            collect_scored, &all),
                     LEAD_OK);
    assert_int_equal(all.n, 3);
    for (i = 0; i < all.n; i++) {
        assert_int_equal(lead_store_score_lead(s, lead_rules_scoring(r),
                                               all.l[i].id, 0, now, one),
                         LEAD_OK);
        snprintf(what, sizeof(what), "lead %zu engagement", i);
        expect_near(all.l[i].engagement, one->engagement, what);
        assert_int_equal(all.l[i].trigger_ms, one->trigger_ms);
        assert_int_equal(all.l[i].top_asset, one->hot[0].asset_id);
        assert_int_equal(all.l[i].stage_index, one->stage_index);
        /* every lead read something: the comparison is not 0 == 0 */
        assert_true(one->nhot > 0);
    }

    /* the anonymous visitor: the store's score is its events' score */
    direct = lead_scorer_new(lead_rules_scoring(r));
    assert_non_null(direct);
    lead_scorer_reset(direct, 0);
    for (i = 0; i < A_EVENTS; i++) {
        if (evs[i].visitor[0] == 'z') {
            assert_int_equal(lead_scorer_add(direct, &evs[i]), LEAD_OK);
            nz++;
        }
    }
    assert_true(nz > 50);
    visitor_id(z, 'z');
    assert_int_equal(lead_store_score_visitor(s, lead_rules_scoring(r), z,
                                              now, one), LEAD_OK);
    expect_near(one->engagement, lead_scorer_engagement(direct, now),
                "anonymous engagement");
    assert_true(one->nhot > 0);

    lead_scorer_free(direct);
    lead_rules_free(r);
    free(one);
    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_promote_hot),
        T(test_promote_threshold),
        T(test_promote_skips),
        T(test_promote_after_nurture),
        T(test_nurture_needs_new_engagement),
        T(test_promote_the_lead_of_the_event),
        T(test_promote_at_commit),
        T(test_promote_at_commit_the_lead_of_the_event),
        T(test_status_time_moves_forward),
        T(test_promote_history),
        T(test_score_agreement),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
