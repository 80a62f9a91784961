#include "unit.h"

#include <dirent.h>
#include <math.h>
#include <unistd.h>

/*
 * The engagement model (lead_score.c), number by number: decay, the
 * reload window, the repeat curve, byte coverage, warm_after groups,
 * topics, stages, triggers, the hot and why lists, bands, grades and
 * profile points.  Expected values come from the formula in the header
 * comment of lead_score.c, worked out here, never from running the code.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#define SEC     INT64_C(1000)
#define MIN     (60 * SEC)
#define HOUR    (60 * MIN)
#define DAY     (24 * HOUR)                 /* 86400000 ms */
#define T0      UINT64_C(1700000000000)     /* a realistic "now" */
#define SIZE    UINT64_C(1000)              /* bytes of a test file */
#define HL      (30 * DAY)                  /* the default half_life */
#define HEADER  "path,title,stage,points,topic,flags\n"

/* Indexes of the default stages. */
enum { EPIPHANY, AWARENESS, INTEREST, EVALUATION, DECISION };

/* Doubles agree within eps; the message shows both and the caller. */
#define assert_near(got, want)  near((got), (want), 1e-9, __LINE__)

static void
near(double got, double want, double eps, int line)
{
    if (!(fabs(got - want) < eps)) {
        fail_msg("line %d: got %.17g, want %.17g", line, got, want);
    }
}

/* What decay leaves of one point read dt ms before now. */
static double
decayed(int64_t dt, int64_t half_life)
{
    return exp2(-(double) dt / (double) half_life);
}

static uint64_t
at(int64_t dt)
{
    return (uint64_t) ((int64_t) T0 + dt);
}

/* ---- a scorer over rules parsed from text ------------------------------ */

typedef struct {
    lead_rules          *rules;
    const lead_scoring  *sc;
    lead_scorer         *s;
} model;

static void
model_open(model *m, const char *scoring, const char *assets)
{
    char  err[512] = "";
    int   rc;

    rc = lead_rules_parse(&m->rules, "rules", scoring, strlen(scoring),
                          assets, strlen(assets), err, sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_rules_parse: %d (%s)\nscoring.conf: %s", rc, err,
                 scoring);
    }
    m->sc = lead_rules_scoring(m->rules);
    m->s = lead_scorer_new(m->sc);
    assert_non_null(m->s);
}

static void
model_close(model *m)
{
    lead_scorer_free(m->s);
    lead_rules_free(m->rules);
}

static const lead_asset *
asset(const model *m, const char *path)
{
    const lead_asset  *a = lead_rules_match(m->rules, path, strlen(path));

    if (a == NULL) {
        fail_msg("no asset for %s", path);
    }
    return a;
}

/* A browser's complete 200 of path at time t, tagged as the rules say. */
static void
ev_full(lead_event *ev, const model *m, const char *path, uint64_t t)
{
    memset(ev, 0, sizeof(*ev));
    ev->time_ms = t;
    ev->status = 200;
    ev->ua_class = LEAD_UA_BROWSER;
    ev->bytes_sent = SIZE;
    ev->file_size = SIZE;
    ev->path.data = path;
    ev->path.len = strlen(path);
    lead_event_set_asset(ev, asset(m, path));
}

static void
add(model *m, const lead_event *ev)
{
    assert_int_equal(lead_scorer_add(m->s, ev), LEAD_OK);
}

static void
read_at(model *m, const char *path, uint64_t t)
{
    lead_event  ev;

    ev_full(&ev, m, path, t);
    add(m, &ev);
}

/* Reads listed as path and time from T0, up to a NULL path. */
typedef struct {
    const char  *path;
    int64_t      dt;
} timed;

static void
read_all(model *m, const timed *t)
{
    for ( ; t->path != NULL; t++) {
        read_at(m, t->path, at(t->dt));
    }
}

static void
result(const model *m, uint64_t now, lead_score *r)
{
    assert_int_equal(lead_scorer_result(m->s, now, r), LEAD_OK);
}

/* The asset's entry in the hot list (which holds every asset here). */
static const lead_contribution *
hot_of(const model *m, const lead_score *r, const char *path)
{
    uint64_t  id = asset(m, path)->id;
    unsigned  i;

    for (i = 0; i < r->nhot; i++) {
        if (r->hot[i].asset_id == id) {
            return &r->hot[i];
        }
    }
    fail_msg("%s is not in the hot list", path);
    return NULL;
}

/* ---- decay ------------------------------------------------------------- */

static void
test_decay(void **state)
{
    static const struct {
        const char  *scoring;
        int64_t      dt;            /* now - the read */
        double       want;
    } cases[] = {
        { "", 0, 40 },
        { "", 30 * DAY, 20 },
        { "", 60 * DAY, 10 },
        { "", 15 * DAY, 28.284271247461900976 },     /* 40 / sqrt 2 */
        /* a read in the future of now is not worth anything yet */
        { "", -1, 0 },
        { "", -30 * DAY, 0 },
        { "half_life 7d;", 7 * DAY, 20 },
        { "half_life 7d;", 14 * DAY, 10 },
        { "half_life 7d;", 30 * DAY, 2.050838390019095 },   /* 40/2^(30/7) */
    };
    lead_score  r;
    model       m;
    size_t      i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        model_open(&m, cases[i].scoring, HEADER "/w,W,decision,40,,\n");
        read_at(&m, "/w", T0);

        assert_near(lead_scorer_engagement(m.s, at(cases[i].dt)),
                    cases[i].want);
        result(&m, at(cases[i].dt), &r);
        assert_near(r.engagement, cases[i].want);
        assert_near(hot_of(&m, &r, "/w")->score, cases[i].want);
        model_close(&m);
    }
}

/* ---- the reload window ------------------------------------------------- */

static void
test_reload_window(void **state)
{
    /*
     * Reads of one 10-point asset; each is compared with the last
     * COUNTED read, so a chain of reloads cannot stretch one read.
     */
    static const struct {
        const char  *what;
        int64_t      reads[6];      /* from T0; -1 ends */
        int64_t      counted[6];
    } cases[] = {
        { "one ms inside the window", { 0, 30 * MIN - 1, -1 }, { 0, -1 } },
        { "at the window's end", { 0, 30 * MIN, -1 }, { 0, 30 * MIN, -1 } },
        { "reloads every 20 minutes",
          { 0, 20 * MIN, 40 * MIN, 60 * MIN, 70 * MIN, -1 },
          { 0, 40 * MIN, 70 * MIN, -1 } },
    };
    const lead_contribution  *c;
    lead_score                r;
    model                     m;
    size_t                    i, n, k;
    int64_t                   last;
    double                    want, weight;

    (void) state;

    model_open(&m, "", HEADER "/a,A,awareness,10,,\n");

    for (i = 0; i < N_ELEMS(cases); i++) {
        lead_scorer_reset(m.s, 0);
        for (n = 0; cases[i].reads[n] >= 0; n++) {
            read_at(&m, "/a", at(cases[i].reads[n]));
        }
        last = cases[i].reads[n - 1];

        /* 10 * 0.5^(k-1) * decay for each counted read, at the last one */
        want = 0;
        weight = 10;
        for (k = 0; cases[i].counted[k] >= 0; k++, weight /= 2) {
            want += weight * decayed(last - cases[i].counted[k], HL);
        }

        result(&m, at(last), &r);
        c = hot_of(&m, &r, "/a");
        if (c->reads != k || c->events != n) {
            fail_msg("%s: reads %u events %llu, want %zu %zu", cases[i].what,
                     c->reads, (unsigned long long) c->events, k, n);
        }
        assert_int_equal(c->first_ms, T0);
        assert_int_equal(c->last_ms, at(last));
        assert_near(r.engagement, want);
    }

    model_close(&m);
}

/* ---- the repeat curve -------------------------------------------------- */

static void
test_repeat_curve(void **state)
{
    lead_score  r;
    model       m;
    int64_t     k;
    double      e, e16 = 0;

    (void) state;

    /* a half-life so long that decay is all but gone */
    model_open(&m, "half_life 100000d;\nreload_window 1m;\n",
               HEADER "/a,A,awareness,10,,\n");

    for (k = 0; k < 20; k++) {
        read_at(&m, "/a", at(k * MIN));

        if (k == 2) {
            e = lead_scorer_engagement(m.s, at(2 * MIN));
            assert_near(e, 10 * decayed(2 * MIN, 100000 * DAY)
                           + 5 * decayed(MIN, 100000 * DAY) + 2.5);
            near(e, 17.5, 1e-6, __LINE__);
        }
        if (k == 15) {
            e16 = lead_scorer_engagement(m.s, at(19 * MIN));
        }
    }

    /* reads 17 to 20 are counted but worth nothing: never above 2x */
    result(&m, at(19 * MIN), &r);
    assert_int_equal(hot_of(&m, &r, "/a")->reads, 20);
    assert_int_equal(hot_of(&m, &r, "/a")->events, 20);
    e = lead_scorer_engagement(m.s, at(19 * MIN));
    assert_near(e, e16);
    assert_true(e < 20);
    assert_true(e > 19.999);

    model_close(&m);
}

/* ---- depth: the share of a file's bytes received ----------------------- */

typedef struct {
    uint16_t    status;
    uint64_t    sent, size;
    unsigned    nranges;
    lead_range  ranges[3];
} fetch;

/* One request of /a at time t, as the module records it. */
static void
fetch_at(model *m, const fetch *f, uint64_t t)
{
    lead_event  ev;
    unsigned    k;

    ev_full(&ev, m, "/a", t);
    ev.status = f->status;
    ev.bytes_sent = f->sent;
    ev.file_size = f->size;
    ev.nranges = f->nranges;
    for (k = 0; k < f->nranges; k++) {
        ev.ranges[k] = f->ranges[k];
    }
    add(m, &ev);
}

static void
test_depth(void **state)
{
    /* requests of one 10-point asset, all within one reload window */
    static const struct {
        const char  *what;
        fetch        f[3];
        unsigned     n;
        double       depth;
    } cases[] = {
        { "overlapping ranges",
          { { 206, 100, SIZE, 1, { { 0, 99 } } },
            { 206, 100, SIZE, 1, { { 50, 149 } } } }, 2, 0.15 },
        { "out of order, touching ranges",
          { { 206, 100, SIZE, 1, { { 900, 999 } } },
            { 206, 500, SIZE, 1, { { 0, 499 } } },
            { 206, 400, SIZE, 1, { { 500, 899 } } } }, 3, 1.0 },
        { "the same in one multipart request",
          { { 206, SIZE, SIZE, 3, { { 900, 999 }, { 0, 499 },
                                    { 500, 899 } } } }, 1, 1.0 },
        { "a suffix range, then the start",
          { { 206, 200, SIZE, 1, { { 800, 999 } } },
            { 206, 200, SIZE, 1, { { 0, 199 } } } }, 2, 0.4 },
        { "a 200 cut short", { { 200, 300, SIZE, 0, { { 0, 0 } } } }, 1, 0.3 },
        { "a range bridging two others",
          { { 206, 100, SIZE, 1, { { 0, 99 } } },
            { 206, 150, SIZE, 1, { { 150, 299 } } },
            { 206, 151, SIZE, 1, { { 50, 200 } } } }, 3, 0.3 },
        { "two 200s cut short: the longer one counts",
          { { 200, 300, SIZE, 0, { { 0, 0 } } },
            { 200, 500, SIZE, 0, { { 0, 0 } } } }, 2, 0.5 },
        { "a range, then a 200 cut short over it",
          { { 206, 200, SIZE, 1, { { 400, 599 } } },
            { 200, 500, SIZE, 0, { { 0, 0 } } } }, 2, 0.6 },
        { "a full 200 after partial ranges",
          { { 206, 100, SIZE, 1, { { 0, 99 } } },
            { 206, 100, SIZE, 1, { { 500, 599 } } },
            { 200, SIZE, SIZE, 0, { { 0, 0 } } } }, 3, 1.0 },
        { "size unknown", { { 200, 300, 0, 0, { { 0, 0 } } } }, 1, 1.0 },
        { "nothing sent", { { 200, 0, SIZE, 0, { { 0, 0 } } } }, 1, 0.0 },
        /* one range: what was sent before the client went away */
        { "a range cut short",
          { { 206, 100, SIZE, 1, { { 0, 999 } } } }, 1, 0.1 },
    };
    const lead_contribution  *c;
    lead_score                r;
    model                     m;
    size_t                    i, k;

    (void) state;

    model_open(&m, "", HEADER "/a,A,awareness,10,,\n");

    for (i = 0; i < N_ELEMS(cases); i++) {
        lead_scorer_reset(m.s, 0);
        for (k = 0; k < cases[i].n; k++) {
            fetch_at(&m, &cases[i].f[k], at((int64_t) k * MIN));
        }

        result(&m, T0, &r);
        c = hot_of(&m, &r, "/a");
        if (c->reads != 1 || fabs(c->depth - cases[i].depth) >= 1e-9) {
            fail_msg("%s: reads %u depth %.17g, want 1 %g", cases[i].what,
                     c->reads, c->depth, cases[i].depth);
        }
        assert_near(c->score, 10 * cases[i].depth);
        assert_near(r.engagement, 10 * cases[i].depth);
    }

    model_close(&m);
}

static void
test_depth_all_reads(void **state)
{
    static const fetch  first = { 206, 500, SIZE, 1, { { 0, 499 } } };
    static const fetch  again = { 206, 500, SIZE, 1, { { 0, 499 } } };
    static const fetch  rest = { 206, 500, SIZE, 1, { { 500, 999 } } };
    model               m;

    (void) state;

    model_open(&m, "", HEADER "/a,A,awareness,10,,\n");

    /* two counted reads of the same half: both weigh half */
    fetch_at(&m, &first, T0);
    fetch_at(&m, &again, at(30 * MIN));
    assert_near(lead_scorer_engagement(m.s, at(30 * MIN)),
                0.5 * (10 * decayed(30 * MIN, HL) + 5));

    /* the other half, later, deepens the earlier reads too */
    fetch_at(&m, &rest, at(40 * MIN));
    assert_near(lead_scorer_engagement(m.s, at(40 * MIN)),
                10 * decayed(40 * MIN, HL) + 5 * decayed(10 * MIN, HL));

    model_close(&m);
}

static void
test_depth_many_ranges(void **state)
{
    static const fetch  big = { 206, 100, SIZE, 1, { { 900, 999 } } };
    fetch               f = { 206, 10, SIZE, 1, { { 0, 0 } } };
    lead_score          r;
    model               m;
    unsigned            k;

    (void) state;

    model_open(&m, "", HEADER "/a,A,awareness,10,,\n");

    /* 40 touching ranges merge into one interval: all of them count */
    for (k = 0; k < 40; k++) {
        f.ranges[0].start = k * 10;
        f.ranges[0].end = k * 10 + 9;
        fetch_at(&m, &f, T0);
    }
    result(&m, T0, &r);
    assert_near(hot_of(&m, &r, "/a")->depth, 0.4);
    lead_scorer_reset(m.s, 0);

    /*
     * 16 disjoint 10-byte ranges fill what the scorer keeps; 4 smaller
     * ones after them are forgotten: depth may come out low, never high.
     */
    for (k = 0; k < 20; k++) {
        f.ranges[0].start = k * 20;
        f.ranges[0].end = k * 20 + (k < 16 ? 9 : 4);
        fetch_at(&m, &f, T0);
    }
    result(&m, T0, &r);
    assert_near(hot_of(&m, &r, "/a")->depth, 0.16);

    /* a larger range still finds room, in place of a small one */
    fetch_at(&m, &big, T0);
    result(&m, T0, &r);
    assert_near(hot_of(&m, &r, "/a")->depth, 0.16 - 0.01 + 0.1);

    model_close(&m);
}

/* ---- what is worth nothing --------------------------------------------- */

static void
test_worthless(void **state)
{
    static const struct {
        const char  *what;
        uint16_t     status;
        uint8_t      ua_class;
        int          tagged;
        int          counts;
    } cases[] = {
        { "a bot", 200, LEAD_UA_BOT, 1, 0 },
        { "a bot's range", 206, LEAD_UA_BOT, 1, 0 },
        { "untagged", 200, LEAD_UA_BROWSER, 0, 0 },
        { "204", 204, LEAD_UA_BROWSER, 1, 0 },
        { "301", 301, LEAD_UA_BROWSER, 1, 0 },
        { "304", 304, LEAD_UA_BROWSER, 1, 0 },
        { "403", 403, LEAD_UA_BROWSER, 1, 0 },
        { "404", 404, LEAD_UA_BROWSER, 1, 0 },
        { "416", 416, LEAD_UA_BROWSER, 1, 0 },
        { "500", 500, LEAD_UA_BROWSER, 1, 0 },
        { "no status", 0, LEAD_UA_BROWSER, 1, 0 },
        /* controls: the same read does count otherwise */
        { "a browser", 200, LEAD_UA_BROWSER, 1, 1 },
        { "an unknown user agent", 200, LEAD_UA_UNKNOWN, 1, 1 },
        { "a range", 206, LEAD_UA_BROWSER, 1, 1 },
    };
    lead_event  ev;
    lead_score  r;
    model       m;
    size_t      i;

    (void) state;

    /* hot, so a read that slipped through would also trigger */
    model_open(&m, "", HEADER "/w,W,decision,40,fibre,hot\n");

    for (i = 0; i < N_ELEMS(cases); i++) {
        lead_scorer_reset(m.s, 0);
        ev_full(&ev, &m, "/w", T0);
        ev.status = cases[i].status;
        ev.ua_class = cases[i].ua_class;
        ev.nranges = 1;
        ev.ranges[0].start = 0;
        ev.ranges[0].end = SIZE - 1;
        if (!cases[i].tagged) {
            /* asset_id 0 even though points and names are left over */
            lead_event_set_asset(&ev, NULL);
        }
        add(&m, &ev);
        result(&m, T0, &r);

        if (cases[i].counts) {
            if (r.nhot != 1 || fabs(r.engagement - 40) >= 1e-9
                || r.trigger_ms != T0)
            {
                fail_msg("%s: nhot %u engagement %g trigger %llu",
                         cases[i].what, r.nhot, r.engagement,
                         (unsigned long long) r.trigger_ms);
            }
            continue;
        }
        if (r.engagement != 0 || r.nhot != 0 || r.nwhy != 0
            || r.ntopics != 0 || r.stage_index != -1 || r.band != 4
            || r.trigger_ms != 0 || r.trigger[0] != '\0'
            || lead_scorer_engagement(m.s, T0) != 0)
        {
            fail_msg("%s: engagement %g nhot %u nwhy %u ntopics %u stage %d "
                     "band %d trigger %llu", cases[i].what, r.engagement,
                     r.nhot, r.nwhy, r.ntopics, r.stage_index, r.band,
                     (unsigned long long) r.trigger_ms);
        }
    }

    model_close(&m);
}

/* ---- warm_after groups ------------------------------------------------- */

static unsigned
bonuses(const lead_score *r, const char *group, double *score)
{
    unsigned  i, n = 0;

    for (i = 0; i < r->nwhy; i++) {
        if (r->why[i].group_bonus) {
            assert_string_equal(r->why[i].group, group);
            assert_int_equal(r->why[i].asset_id, 0);
            assert_int_equal(r->why[i].stage_index, -1);
            *score = r->why[i].score;
            n++;
        }
    }
    for (i = 0; i < r->nhot; i++) {
        assert_false(r->hot[i].group_bonus);
    }
    return n;
}

/* Engagement minus what the assets add: the bonuses. */
static double
bonus_part(const lead_score *r)
{
    double    sum = r->engagement;
    unsigned  i;

    for (i = 0; i < r->nhot; i++) {
        sum -= r->hot[i].score;
    }
    return sum;
}

static void
test_group_bonus(void **state)
{
    const int64_t  t3 = 3 * HOUR;
    lead_score     r;
    model          m;
    double         score = 0;

    (void) state;

    model_open(&m, "warm_after guide 3 20;\n",
               HEADER
               "/g1,G1,awareness,5,fibre,group=guide\n"
               "/g2,G2,awareness,5,fibre,group=guide\n"
               "/g3,G3,interest,5,fibre,group=guide\n"
               "/g4,G4,interest,5,fibre,group=guide\n"
               "/x,X,interest,5,fibre,\n");

    /* two distinct, one of them twice, and one outside the group */
    read_at(&m, "/g1", T0);
    read_at(&m, "/g2", at(HOUR));
    read_at(&m, "/g1", at(2 * HOUR));
    read_at(&m, "/x", at(2 * HOUR));
    result(&m, at(t3 - 1), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 0);
    assert_near(bonus_part(&r), 0);

    /* the third distinct asset wins it, decaying from then */
    read_at(&m, "/g3", at(t3));
    result(&m, at(t3 - 1), &r);     /* not before it was won */
    assert_int_equal(bonuses(&r, "guide", &score), 0);
    result(&m, at(t3), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 1);
    assert_near(score, 20);
    result(&m, at(t3 + 10 * DAY), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 1);
    assert_near(score, 20 * decayed(10 * DAY, HL));
    assert_near(bonus_part(&r), score);
    assert_int_equal(r.why[0].group_bonus, 1);    /* the largest part */
    assert_int_equal(r.why[0].first_ms, at(t3));
    assert_int_equal(r.why[0].last_ms, at(t3));

    /* won once: a fourth asset and rereads add no second bonus */
    read_at(&m, "/g4", at(4 * HOUR));
    read_at(&m, "/g3", at(5 * HOUR));
    result(&m, at(t3 + 10 * DAY), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 1);
    assert_near(bonus_part(&r), 20 * decayed(10 * DAY, HL));

    model_close(&m);
}

/* ---- topics ------------------------------------------------------------ */

static double
topic_engagement(const lead_score *r, const char *topic)
{
    unsigned  i;

    for (i = 0; i < r->ntopics; i++) {
        if (strcmp(r->topics[i].topic, topic) == 0) {
            return r->topics[i].engagement;
        }
    }
    fail_msg("topic %s not listed", topic);
    return 0;
}

static void
test_topics(void **state)
{
    lead_score  r;
    model       m;
    unsigned    i;

    (void) state;

    model_open(&m, "",
               HEADER
               "/f1,F1,awareness,10,fibre,\n"
               "/f2,F2,decision,20,fibre,\n"
               "/s1,S1,awareness,5,sd-wan,\n"
               "/u,U,awareness,7,,\n");

    read_at(&m, "/f1", T0);
    read_at(&m, "/s1", T0);
    read_at(&m, "/u", T0);
    read_at(&m, "/f2", at(30 * DAY));

    result(&m, at(30 * DAY), &r);
    assert_int_equal(r.ntopics, 2);
    assert_near(topic_engagement(&r, "fibre"), 10 * 0.5 + 20);
    assert_near(topic_engagement(&r, "sd-wan"), 5 * 0.5);
    for (i = 0; i < r.ntopics; i++) {
        assert_true(r.topics[i].topic[0] != '\0');
    }
    /* the topics and the untagged asset make up the whole */
    assert_near(r.engagement, 25 + 2.5 + 7 * 0.5);

    model_close(&m);
}

/* The top topics are kept, the largest first, however many were read. */
static void
test_top_topics(void **state)
{
    char        assets[2048];
    lead_score  r;
    model       m;
    size_t      n;
    int         i;

    (void) state;

    n = (size_t) snprintf(assets, sizeof(assets), HEADER);
    for (i = 1; i <= 9; i++) {
        n += (size_t) snprintf(assets + n, sizeof(assets) - n,
                               "/k%d,K%d,awareness,%d,k%d,\n", i, i,
                               i == 9 ? 100 : 1, i);
    }
    model_open(&m, "", assets);
    for (i = 1; i <= 9; i++) {
        char  path[16];

        snprintf(path, sizeof(path), "/k%d", i);
        read_at(&m, path, T0);
    }

    result(&m, T0, &r);
    assert_int_equal(r.ntopics, LEAD_TOPICS_MAX);
    assert_string_equal(r.topics[0].topic, "k9");
    assert_near(r.topics[0].engagement, 100);

    model_close(&m);
}

/* Decoded events with empty topic and group (no data at all) score. */
static void
test_decoded_empty_fields(void **state)
{
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    lead_event  ev, back;
    lead_score  r;
    model       m;
    int         n;

    (void) state;

    model_open(&m, "", HEADER "/a,A,awareness,10,,\n");
    ev_full(&ev, &m, "/a", T0);
    n = lead_event_encode(&ev, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(lead_event_decode(buf, (size_t) n, &back), LEAD_OK);
    assert_null(back.topic.data);
    add(&m, &back);

    result(&m, T0, &r);
    assert_near(r.engagement, 10);

    model_close(&m);
}

/* ---- the buying stage -------------------------------------------------- */

static void
test_stage(void **state)
{
    static const char  assets[] =
        HEADER
        "/aw,Aw,awareness,10,,\n"
        "/aw3,Aw3,awareness,3,,\n"
        "/aw3b,Aw3b,awareness,3,,\n"
        "/de,De,decision,40,,\n"
        "/de2,De2,decision,40,,\n"
        "/neg,Neg,decision,-20,,\n";
    static const struct {
        const char  *what;
        const char  *scoring;
        timed        reads[4];
        int64_t      now;
        int          stage;
    } cases[] = {
        { "awareness only", "", { { "/aw", 0 }, { NULL, 0 } }, 0,
          AWARENESS },
        { "then a decision read", "",
          { { "/aw", 0 }, { "/de", HOUR }, { NULL, 0 } }, HOUR, DECISION },
        /* 40 after 4 half-lives is 2.5 < 5: back to awareness */
        { "the decision read has faded", "",
          { { "/de", 0 }, { "/aw", 120 * DAY }, { NULL, 0 } }, 120 * DAY,
          AWARENESS },
        { "exactly stage_min after 3 half-lives", "",
          { { "/de", 0 }, { "/aw", 90 * DAY }, { NULL, 0 } }, 90 * DAY,
          DECISION },
        { "below stage_min", "", { { "/aw3", 0 }, { NULL, 0 } }, 0, -1 },
        { "a stage sums its assets", "",
          { { "/aw3", 0 }, { "/aw3b", 0 }, { NULL, 0 } }, 0, AWARENESS },
        { "negative points make no stage", "",
          { { "/neg", 0 }, { NULL, 0 } }, 0, -1 },
        { "negative beside a real stage", "",
          { { "/neg", 0 }, { "/aw", 0 }, { NULL, 0 } }, 0, AWARENESS },
        { "stage_min 50 raises the bar", "stage_min 50;",
          { { "/aw", 0 }, { "/de", 0 }, { NULL, 0 } }, 0, -1 },
        { "two decision reads clear it", "stage_min 50;",
          { { "/aw", 0 }, { "/de", 0 }, { "/de2", 0 }, { NULL, 0 } }, 0,
          DECISION },
    };
    lead_score  r;
    model       m;
    size_t      i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        model_open(&m, cases[i].scoring, assets);
        read_all(&m, cases[i].reads);
        result(&m, at(cases[i].now), &r);
        if (r.stage_index != cases[i].stage) {
            fail_msg("%s: stage %d, want %d", cases[i].what, r.stage_index,
                     cases[i].stage);
        }
        model_close(&m);
    }
}

/* ---- MQL triggers ------------------------------------------------------ */

static void
test_triggers(void **state)
{
    static const char  assets[] =
        HEADER
        "/h,H,decision,1,,hot\n"
        "/a,A,awareness,10,,\n"
        "/b,B,awareness,10,,\n"
        "/c,C,awareness,10,,\n"
        "/d,D,awareness,10,,\n"
        "/e,E,awareness,15,,\n";
    static const struct {
        const char  *what;
        int64_t      since;
        timed        reads[5];
        int64_t      when;          /* -1: no trigger */
        const char  *why;           /* NULL: the hot asset /h */
    } cases[] = {
        { "hot read at since", 0, { { "/h", 0 }, { NULL, 0 } }, 0, NULL },
        { "hot read after since", 0, { { "/h", DAY }, { NULL, 0 } }, DAY,
          NULL },
        { "hot read before since", 0, { { "/h", -1 }, { NULL, 0 } }, -1,
          "" },
        { "hot read again later", 0,
          { { "/h", -HOUR }, { "/h", HOUR }, { NULL, 0 } }, HOUR, NULL },
        { "two reads stay below", 0,
          { { "/a", 0 }, { "/b", 0 }, { NULL, 0 } }, -1, "" },
        { "crossing exactly", 0,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 0 }, { NULL, 0 } }, 0,
          "engagement 30 reached mql_threshold 30" },
        /* 30 less the decay of one ms shows as 30: it has reached it */
        { "a hair short counts as shown", 0,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 1 }, { NULL, 0 } }, 1,
          "engagement 30 reached mql_threshold 30" },
        { "crossing later", 0,
          { { "/a", 0 }, { "/b", HOUR }, { "/e", 2 * HOUR }, { NULL, 0 } },
          2 * HOUR, "engagement 35 reached mql_threshold 30" },
        { "crossed before since, counted at the next read", HOUR,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 0 }, { "/d", 2 * HOUR },
            { NULL, 0 } },
          2 * HOUR, "engagement 40 reached mql_threshold 30" },
        { "the first trigger stays: hot", 0,
          { { "/h", 0 }, { "/a", HOUR }, { "/b", HOUR }, { "/c", HOUR },
            { NULL, 0 } }, 0, NULL },
        { "the first trigger stays: threshold", 0,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 0 }, { "/h", HOUR },
            { NULL, 0 } }, 0, "engagement 30 reached mql_threshold 30" },
    };
    lead_score  r;
    model       m;
    size_t      i;
    char        want[LEAD_CAUSE_MAX];

    (void) state;

    model_open(&m, "mql_threshold 30;\n", assets);
    snprintf(want, sizeof(want), "read hot asset %016llx",
             (unsigned long long) asset(&m, "/h")->id);

    for (i = 0; i < N_ELEMS(cases); i++) {
        const char  *why = cases[i].why ? cases[i].why : want;
        uint64_t     when = cases[i].when < 0 ? 0 : at(cases[i].when);

        lead_scorer_reset(m.s, at(cases[i].since));
        read_all(&m, cases[i].reads);
        result(&m, at(3 * HOUR), &r);
        if (r.trigger_ms != when || strcmp(r.trigger, why) != 0) {
            fail_msg("%s: trigger %llu [%s], want %llu [%s]", cases[i].what,
                     (unsigned long long) r.trigger_ms, r.trigger,
                     (unsigned long long) when, why);
        }
    }
    assert_int_equal(strncmp(want, "read hot asset ", 15), 0);

    model_close(&m);
}

static void
test_reset(void **state)
{
    lead_score  r;
    model       m;

    (void) state;

    model_open(&m, "warm_after g 2 20;\n",
               HEADER
               "/h,H,decision,40,fibre,hot group=g\n"
               "/g,G,awareness,10,fibre,group=g\n"
               "/x,X,awareness,7,sd-wan,\n");

    /* the first subject: a hot read, a bonus, a stage, topics */
    lead_scorer_reset(m.s, T0);
    read_at(&m, "/h", T0);
    read_at(&m, "/g", T0);
    result(&m, T0, &r);
    assert_near(r.engagement, 40 + 10 + 20);
    assert_int_equal(r.trigger_ms, T0);

    /* the second starts from nothing: no reads, no bonus, no trigger */
    lead_scorer_reset(m.s, at(DAY));
    result(&m, at(DAY), &r);
    assert_near(r.engagement, 0);
    assert_int_equal(r.nhot, 0);
    assert_int_equal(r.nwhy, 0);
    assert_int_equal(r.ntopics, 0);
    assert_int_equal(r.stage_index, -1);
    assert_int_equal(r.trigger_ms, 0);
    assert_string_equal(r.trigger, "");

    read_at(&m, "/x", at(DAY));
    read_at(&m, "/g", at(DAY));
    result(&m, at(DAY), &r);
    assert_near(r.engagement, 7 + 10);
    assert_int_equal(r.nhot, 2);
    assert_int_equal(hot_of(&m, &r, "/g")->reads, 1);
    assert_int_equal(r.ntopics, 2);
    assert_int_equal(r.trigger_ms, 0);

    /* and wins the bonus again on its own reads */
    read_at(&m, "/h", at(2 * DAY));
    result(&m, at(2 * DAY), &r);
    assert_int_equal(r.trigger_ms, at(2 * DAY));
    assert_near(bonus_part(&r), 20);

    model_close(&m);
}

/* ---- the hot and why lists --------------------------------------------- */

static void
test_hot_ranking(void **state)
{
    /* ranked: hot, then later stage, then score, then the latest read */
    static const char  *const hot[] = {
        "/h-de", "/h-aw", "/de40", "/de20b", "/de20a", "/in30", "/g1",
        "/g2", "/x1", "/x2",
    };
    static const char  *const why[] = {
        NULL /* the bonus */, "/de40", "/in30", "/de20b", "/de20a",
    };
    lead_score  r;
    model       m;
    unsigned    i;
    double      f = decayed(MIN, HL);

    (void) state;

    model_open(&m, "warm_after g 2 50;\n",
               HEADER
               "/h-aw,H,awareness,1,,hot\n"
               "/h-de,H,decision,1,,hot\n"
               "/de40,D,decision,40,,\n"
               "/de20a,D,decision,20,,\n"
               "/de20b,D,decision,20,,\n"
               "/in30,I,interest,30,,\n"
               "/g1,G,awareness,3,,group=g\n"
               "/g2,G,awareness,2,,group=g\n"
               "/x1,X,epiphany,5,,\n"
               "/x2,X,epiphany,4,,\n"
               "/zero,Z,epiphany,0,,\n"
               "/careers,C,epiphany,-20,,\n");

    /* read in an order unlike the ranking */
    read_at(&m, "/careers", T0);
    read_at(&m, "/zero", T0);
    read_at(&m, "/x2", T0);
    read_at(&m, "/g2", T0);
    read_at(&m, "/de20a", T0);
    read_at(&m, "/de20b", T0);
    read_at(&m, "/x1", T0);
    read_at(&m, "/g1", T0);
    read_at(&m, "/h-aw", T0);
    read_at(&m, "/in30", T0);
    read_at(&m, "/h-de", T0);
    read_at(&m, "/de40", T0);
    /* a reload: same score, but the later read */
    read_at(&m, "/de20b", at(MIN));

    result(&m, at(MIN), &r);

    /* 12 assets, at most 10 listed; the bonus is not content */
    assert_int_equal(r.nhot, LEAD_HOT_MAX);
    for (i = 0; i < r.nhot; i++) {
        if (r.hot[i].asset_id != asset(&m, hot[i])->id) {
            fail_msg("hot[%u] is not %s", i, hot[i]);
        }
    }

    /* the largest five; the bonus is one of them */
    assert_int_equal(r.nwhy, LEAD_WHY_MAX);
    for (i = 0; i < r.nwhy; i++) {
        if (why[i] == NULL ? !r.why[i].group_bonus
            : r.why[i].asset_id != asset(&m, why[i])->id)
        {
            fail_msg("why[%u] is not %s", i, why[i] ? why[i] : "the bonus");
        }
        assert_true(i == 0 || r.why[i].score <= r.why[i - 1].score);
    }
    assert_near(r.why[0].score, 50 * f);

    /* every read at T0: all decayed alike, careers counted negative */
    assert_near(r.engagement,
                (1 + 1 + 40 + 20 + 20 + 30 + 3 + 2 + 5 + 4 + 0 - 20 + 50) * f);

    model_close(&m);
}

static void
test_why_list(void **state)
{
    lead_score  r;
    model       m;

    (void) state;

    model_open(&m, "",
               HEADER
               "/a,A,awareness,10,,\n"
               "/zero,Z,awareness,0,,\n"
               "/careers,C,epiphany,-20,,\n");

    read_at(&m, "/careers", T0);
    read_at(&m, "/zero", T0);
    read_at(&m, "/a", T0);
    result(&m, T0, &r);

    /* non-zero parts only, largest first: the negative one last */
    assert_int_equal(r.nwhy, 2);
    assert_int_equal(r.why[0].asset_id, asset(&m, "/a")->id);
    assert_near(r.why[0].score, 10);
    assert_int_equal(r.why[1].asset_id, asset(&m, "/careers")->id);
    assert_near(r.why[1].score, -20);
    assert_int_equal(r.nhot, 3);
    assert_near(r.engagement, -10);
    assert_int_equal(r.band, 4);

    model_close(&m);
}

/* ---- bands and grades -------------------------------------------------- */

static void
test_band_grade(void **state)
{
    static const struct {
        double  engagement;
        int     band;
    } bands[] = {
        { 1000, 1 }, { 80, 1 }, { 79.999, 1 }, { 79.4, 2 }, { 40, 2 }, { 39.4, 3 },
        { 15, 3 }, { 14.9, 3 }, { 14.4, 4 }, { 0, 4 }, { -5, 4 },
    };
    static const struct {
        int   points;
        char  grade;
    } grades[] = {
        { 100, 'A' }, { 60, 'A' }, { 59, 'B' }, { 40, 'B' }, { 39, 'C' },
        { 20, 'C' }, { 19, 'D' }, { 0, 'D' }, { -10, 'D' },
    };
    model   m;
    size_t  i;

    (void) state;

    model_open(&m, "", HEADER);     /* the default thresholds */

    for (i = 0; i < N_ELEMS(bands); i++) {
        if (lead_band(m.sc, bands[i].engagement) != bands[i].band) {
            fail_msg("band of %g: %d, want %d", bands[i].engagement,
                     lead_band(m.sc, bands[i].engagement), bands[i].band);
        }
    }
    for (i = 0; i < N_ELEMS(grades); i++) {
        if (lead_grade(m.sc, grades[i].points) != grades[i].grade) {
            fail_msg("grade of %d: %c, want %c", grades[i].points,
                     lead_grade(m.sc, grades[i].points), grades[i].grade);
        }
    }

    model_close(&m);
}

/* ---- profile points, from rules in a folder ---------------------------- */

#include "dir_fixture.h"

static void
put_file(const char *dir, const char *name, const char *text)
{
    char    path[256];
    FILE   *f;
    size_t  len = strlen(text);

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void
test_profile_points(void **state)
{
    static const struct {
        const char  *email;
        int          subscribed, contact;
        const char  *country;
        int          points;
        char         grade;
    } cases[] = {
        { "ada@acme.com", 1, 1, "GB", 30 + 10 + 30 + 20, 'A' },
        { "ada@gmail.com", 0, 0, "", 0, 'D' },
        { "ada@acme.com", 0, 0, "", 30, 'C' },
        { "ada@acme.com", 0, 0, "FR", 30, 'C' },
        { "ada@acme.com", 0, 0, "IE", 30 + 20, 'B' },
        { "ada@gmail.com", 1, 0, "", 10, 'D' },
        { "ada@gmail.com", 0, 1, "GB", 30 + 20, 'B' },
        { "ada@gmail.com", 1, 1, "IE", 10 + 30 + 20, 'A' },
    };
    const char  *dir = dir_of(state);
    lead_person  p;
    lead_rules  *r;
    char         err[512] = "";
    size_t       i;
    int          points;

    put_file(dir, "scoring.conf",
             "profile company_email 30;\n"
             "profile freemail 0;\n"
             "profile subscribed 10;\n"
             "profile contact 30;\n"
             "profile country GB IE 20;\n"
             "freemail_domains free.txt;\n");
    put_file(dir, "free.txt", "gmail.com\n");
    put_file(dir, "assets.csv", HEADER "/a,A,awareness,10,,\n");

    if (lead_rules_load(&r, dir, err, sizeof(err)) != LEAD_OK) {
        fail_msg("lead_rules_load: %s", err);
    }

    for (i = 0; i < N_ELEMS(cases); i++) {
        memset(&p, 0, sizeof(p));
        p.email.data = cases[i].email;
        p.email.len = strlen(cases[i].email);
        p.subscribed = cases[i].subscribed;
        p.contact = cases[i].contact;

        points = lead_profile_points(r, &p, cases[i].country);
        if (points != cases[i].points
            || lead_grade(lead_rules_scoring(r), points) != cases[i].grade)
        {
            fail_msg("%s %d %d [%s]: %d points, grade %c, want %d %c",
                     cases[i].email, cases[i].subscribed, cases[i].contact,
                     cases[i].country, points,
                     lead_grade(lead_rules_scoring(r), points),
                     cases[i].points, cases[i].grade);
        }
    }

    lead_rules_free(r);
}

/* ---- random streams: the parts add up to the whole --------------------- */

#define R_ASSETS    6
#define R_EVENTS    2000
#define R_MAX_SIZE  4000
#define R_HL        (60 * DAY)

/* The model again, as the header comment states it, bytes as a bitmap. */
typedef struct {
    uint64_t  size;                 /* 0: unknown */
    uint8_t   got[R_MAX_SIZE];
    int       full, seen;
    unsigned  reads, events;
    uint64_t  last_read;
    uint64_t  read_ms[16];
} oracle_asset;

typedef struct {
    oracle_asset  a[R_ASSETS];
    uint64_t      won[2];           /* groups a and b; 0: not yet */
} oracle;

static const struct {
    const char  *path;
    int32_t      points;
    int          group;             /* 0: a, 1: b, -1: none */
    uint64_t     size;
    unsigned     weight;            /* how often it is picked */
} r_assets[R_ASSETS] = {
    { "/r0", 10, 0, 1000, 5 },
    { "/r1", 20, 0, 1500, 5 },
    { "/r2", 40, 0, 2000, 1 },      /* rare: group a is won later */
    { "/r3", -20, -1, 2500, 3 },
    { "/r4", 15, 1, 3000, 5 },
    { "/r5", 5, 1, 0, 5 },          /* size never known */
};

/* warm_after a 3 400; warm_after b 2 300; as test_random_stream says */
static const struct {
    unsigned  count;
    int32_t   points;
} r_groups[2] = { { 3, 400 }, { 2, 300 } };

/* xorshift64: the same stream on every platform */
static uint64_t
rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void
oracle_add(oracle *o, size_t i, const lead_event *ev)
{
    oracle_asset  *a = &o->a[i];
    uint64_t       b;
    unsigned       k, g, n;
    size_t         j;

    if (ev->ua_class == LEAD_UA_BOT
        || (ev->status != 200 && ev->status != 206))
    {
        return;
    }

    a->seen = 1;
    a->events++;
    if (ev->status == 200) {
        if (a->size == 0 || ev->bytes_sent >= a->size) {
            a->full = 1;
        }
        for (b = 0; b < ev->bytes_sent && b < a->size; b++) {
            a->got[b] = 1;
        }
    }
    for (k = 0; k < ev->nranges; k++) {
        for (b = ev->ranges[k].start; b <= ev->ranges[k].end; b++) {
            a->got[b] = 1;
        }
    }

    if (a->reads > 0 && ev->time_ms < a->last_read + 30 * MIN) {
        return;
    }
    a->last_read = ev->time_ms;
    if (a->reads < 16) {
        a->read_ms[a->reads] = ev->time_ms;
    }
    a->reads++;

    g = (unsigned) r_assets[i].group;
    if (r_assets[i].group < 0 || o->won[g]) {
        return;
    }
    for (j = 0, n = 0; j < R_ASSETS; j++) {
        n += r_assets[j].group == (int) g && o->a[j].reads > 0;
    }
    if (n == r_groups[g].count) {
        o->won[g] = ev->time_ms;
    }
}

static double
oracle_depth(const oracle_asset *a)
{
    uint64_t  b, n = 0;

    if (a->full || a->size == 0) {
        return 1;
    }
    for (b = 0; b < a->size; b++) {
        n += a->got[b];
    }
    return (double) n / (double) a->size;
}

static double
oracle_engagement(const oracle *o, uint64_t now)
{
    double    sum = 0, part, w;
    unsigned  k;
    size_t    i;

    for (i = 0; i < R_ASSETS; i++) {
        part = 0;
        w = r_assets[i].points;
        for (k = 0; k < o->a[i].reads && k < 16; k++, w /= 2) {
            part += w * decayed((int64_t) (now - o->a[i].read_ms[k]), R_HL);
        }
        sum += part * oracle_depth(&o->a[i]);
    }
    for (k = 0; k < 2; k++) {
        if (o->won[k]) {
            sum += r_groups[k].points
                   * decayed((int64_t) (now - o->won[k]), R_HL);
        }
    }
    return sum;
}

/* One random request of asset i at time t. */
static void
random_event(model *m, uint64_t *x, size_t i, uint64_t t, lead_event *ev)
{
    uint64_t  size = r_assets[i].size, kind = rnd(x) % 20, len;
    unsigned  k;

    ev_full(ev, m, r_assets[i].path, t);
    ev->file_size = size;
    ev->bytes_sent = size;
    ev->ua_class = rnd(x) % 2 ? LEAD_UA_BROWSER : LEAD_UA_UNKNOWN;

    if (kind < 2) {
        ev->ua_class = LEAD_UA_BOT;
    } else if (kind < 4) {
        ev->status = kind == 2 ? 404 : 304;
        ev->bytes_sent = 0;
    } else if (kind >= 12 && kind < 15 && size > 0) {
        ev->bytes_sent = rnd(x) % size;             /* cut short */
    } else if (kind >= 15 && size > 0) {
        /* ranges of a tenth or more: never more than 9 apart */
        ev->status = 206;
        ev->nranges = 1 + (unsigned) (rnd(x) % 3);
        ev->bytes_sent = 0;
        for (k = 0; k < ev->nranges; k++) {
            len = size / 10 + rnd(x) % (size / 2);
            ev->ranges[k].start = rnd(x) % (size - len + 1);
            ev->ranges[k].end = ev->ranges[k].start + len - 1;
            ev->bytes_sent += len;
        }
    }
}

/* Checks the scorer at now against its own parts and against the oracle. */
static void
check_whole(const model *m, const oracle *o, uint64_t now)
{
    const lead_contribution  *c;
    lead_score                r;
    double                    e, parts = 0, want;
    unsigned                  i, nbonus = 0, nwon, nseen = 0;
    size_t                    j;

    result(m, now, &r);
    e = lead_scorer_engagement(m->s, now);
    assert_near(r.engagement, e);

    /* every asset is in the hot list; the bonuses lead the why list */
    for (i = 0; i < r.nhot; i++) {
        parts += r.hot[i].score;
    }
    for (i = 0; i < r.nwhy; i++) {
        if (r.why[i].group_bonus) {
            parts += r.why[i].score;
            nbonus++;
        }
    }
    near(parts, e, 1e-9 * (1 + fabs(e)), __LINE__);

    nwon = (o->won[0] != 0) + (o->won[1] != 0);
    assert_int_equal(nbonus, nwon);

    for (j = 0; j < R_ASSETS; j++) {
        if (!o->a[j].seen) {
            continue;
        }
        nseen++;
        c = hot_of(m, &r, r_assets[j].path);
        assert_int_equal(c->reads, o->a[j].reads);
        assert_int_equal(c->events, o->a[j].events);
        assert_near(c->depth, oracle_depth(&o->a[j]));
    }
    assert_int_equal(r.nhot, nseen);

    want = oracle_engagement(o, now);
    near(e, want, 1e-9 * (1 + fabs(want)), __LINE__);
}

static void
test_random_stream(void **state)
{
    static oracle  o;               /* bitmaps: too big for the stack */
    lead_event     ev;
    model          m;
    uint64_t       x = UINT64_C(0x9e3779b97f4a7c15), t = T0, pick;
    unsigned       n, total = 0;
    size_t         i;

    (void) state;

    for (i = 0; i < R_ASSETS; i++) {
        total += r_assets[i].weight;
    }

    model_open(&m, "half_life 60d;\nwarm_after a 3 400;\nwarm_after b 2 300;\n",
               HEADER
               "/r0,R0,awareness,10,t1,group=a\n"
               "/r1,R1,interest,20,t1,group=a\n"
               "/r2,R2,decision,40,t2,hot group=a\n"
               "/r3,R3,epiphany,-20,,\n"
               "/r4,R4,evaluation,15,t2,group=b\n"
               "/r5,R5,awareness,5,t3,group=b\n");
    memset(&o, 0, sizeof(o));
    for (i = 0; i < R_ASSETS; i++) {
        assert_int_equal(asset(&m, r_assets[i].path)->points,
                         r_assets[i].points);
        o.a[i].size = r_assets[i].size;
    }

    /* about 90 days: 65 minutes apart on average, often within reloads */
    for (n = 0; n < R_EVENTS; n++) {
        t += rnd(&x) % (130 * MIN);
        pick = rnd(&x) % total;
        for (i = 0; pick >= r_assets[i].weight; i++) {
            pick -= r_assets[i].weight;
        }
        random_event(&m, &x, i, t, &ev);
        add(&m, &ev);
        oracle_add(&o, i, &ev);

        if (n % 250 == 249) {
            check_whole(&m, &o, t);
        }
    }
    assert_true(t - T0 > 80 * DAY);
    /* the stream won both groups, so bonuses were part of every check */
    assert_true(o.won[0] > T0);
    assert_true(o.won[1] > T0);

    check_whole(&m, &o, t + 1);
    check_whole(&m, &o, t + DAY);
    check_whole(&m, &o, t + 45 * DAY);

    model_close(&m);
}

/* Accounts: a company domain rolls leads up; free-mail does not. */
static void
test_company(void **state)
{
    static const struct {
        const char  *email;
        const char  *company;
    } cases[] = {
        { "ada@acme.example", "acme.example" },
        { "bob@sub.acme.example", "sub.acme.example" },
        { "carol@gmail.com", "" },
        { "no-at-sign", "" },
        { "trailing@", "" },
        { "", "" },
    };
    lead_rules  *r;
    lead_str     got;
    char         dir[] = "/tmp/lead-company-XXXXXX", path[128], err[256];
    size_t       i;
    FILE        *f;

    (void) state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/scoring.conf", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("freemail_domains free.txt;\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/free.txt", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("gmail.com\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/assets.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(HEADER, f);
    fclose(f);

    assert_int_equal(lead_rules_load(&r, dir, err, sizeof(err)), LEAD_OK);
    for (i = 0; i < N_ELEMS(cases); i++) {
        got = lead_company(r, (lead_str) { cases[i].email,
                                           strlen(cases[i].email) });
        assert_int_equal(got.len, strlen(cases[i].company));
        assert_memory_equal(got.data, cases[i].company, got.len);
    }
    lead_rules_free(r);

    for (i = 0; i < 3; i++) {
        static const char  *names[] = { "scoring.conf", "free.txt",
                                        "assets.csv" };

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_decay),
        cmocka_unit_test(test_company),
        cmocka_unit_test(test_top_topics),
        cmocka_unit_test(test_decoded_empty_fields),
        cmocka_unit_test(test_reload_window),
        cmocka_unit_test(test_repeat_curve),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_depth_all_reads),
        cmocka_unit_test(test_depth_many_ranges),
        cmocka_unit_test(test_worthless),
        cmocka_unit_test(test_group_bonus),
        cmocka_unit_test(test_topics),
        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_triggers),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_hot_ranking),
        cmocka_unit_test(test_why_list),
        cmocka_unit_test(test_band_grade),
        cmocka_unit_test_setup_teardown(test_profile_points, setup,
                                        teardown),
        cmocka_unit_test(test_random_stream),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
