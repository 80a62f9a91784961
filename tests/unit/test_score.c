/*
 * What the engagement model (lead_score.c) makes of reads, number by
 * number: decay, the reload window, the repeat curve, byte coverage, what
 * is worth nothing, and random streams checked against the model itself.
 */

#include "score_fixture.h"

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
        if (cases[i].depth == 0) {      /* worth nothing: not in why */
            assert_int_equal(r.nwhy, 0);
            assert_int_equal(r.nhot, 0);
            continue;
        }
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

    /* every part is in why (8 at most here), and it adds up */
    for (i = 0; i < r.nwhy; i++) {
        parts += r.why[i].score;
        nbonus += r.why[i].group_bonus != 0;
    }
    near(parts, e, 1e-9 * (1 + fabs(e)), __LINE__);
    why_adds_up(&r);

    nwon = (o->won[0] != 0) + (o->won[1] != 0);
    assert_int_equal(nbonus, nwon);

    for (j = 0; j < R_ASSETS; j++) {
        if (!o->a[j].seen) {
            continue;
        }
        nseen++;
        c = hot_of(m, &r, r_assets[j].path);
        if (c->score == 0) {
            continue;               /* worth nothing at now: not listed */
        }
        assert_int_equal(c->reads, o->a[j].reads);
        assert_int_equal(c->events, o->a[j].events);
        assert_near(c->depth, oracle_depth(&o->a[j]));
    }
    /* hot: the parts worth something, bonuses aside, at most 5 */
    for (i = 0, j = 0; i < r.nwhy; i++) {
        j += !r.why[i].group_bonus && r.why[i].score > 0;
    }
    assert_int_equal(r.nhot, j < LEAD_HOT_MAX ? j : LEAD_HOT_MAX);
    (void) nseen;

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

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_decay),
        cmocka_unit_test(test_reload_window),
        cmocka_unit_test(test_repeat_curve),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_depth_all_reads),
        cmocka_unit_test(test_depth_many_ranges),
        cmocka_unit_test(test_worthless),
        cmocka_unit_test(test_random_stream),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
