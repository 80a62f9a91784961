/*
 * A scorer over rules parsed from text, for test_score.c and
 * test_score_result.c.  Expected values in those files come from the
 * formula in the header comment of lead_score.c, worked out there, never
 * from running the code.
 *
 * Functions are static inline so a file that uses only some of them does
 * not trip -Wunused-function.
 */

#ifndef SCORE_FIXTURE_H
#define SCORE_FIXTURE_H

#include "unit.h"

#include <math.h>

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#define SEC     INT64_C(1000)
#define MIN     (60 * SEC)
#define HOUR    (60 * MIN)
#define DAY     (24 * HOUR)                 /* 86400000 ms */
#define T0      UINT64_C(1700000000000)     /* a realistic "now" */
#define SIZE    UINT64_C(1000)              /* bytes of a test file */
#define HL      (30 * DAY)                  /* the default half_life */
#define HEADER  "path,title,stage,points,topic,flags\n"

/* Doubles agree within eps; the message shows both and the caller. */
#define assert_near(got, want)  near((got), (want), 1e-9, __LINE__)

static inline void
near(double got, double want, double eps, int line)
{
    if (!(fabs(got - want) < eps)) {
        fail_msg("line %d: got %.17g, want %.17g", line, got, want);
    }
}

/* What decay leaves of one point read dt ms before now. */
static inline double
decayed(int64_t dt, int64_t half_life)
{
    return exp2(-(double) dt / (double) half_life);
}

static inline uint64_t
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

static inline void
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

static inline void
model_close(model *m)
{
    lead_scorer_free(m->s);
    lead_rules_free(m->rules);
}

static inline const lead_asset *
asset(const model *m, const char *path)
{
    const lead_asset  *a = lead_rules_match(m->rules, path, strlen(path));

    if (a == NULL) {
        fail_msg("no asset for %s", path);
    }
    return a;
}

/* A browser's complete 200 of path at time t, tagged as the rules say. */
static inline void
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

static inline void
add(model *m, const lead_event *ev)
{
    assert_int_equal(lead_scorer_add(m->s, ev), LEAD_OK);
}

static inline void
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

static inline void
read_all(model *m, const timed *t)
{
    for ( ; t->path != NULL; t++) {
        read_at(m, t->path, at(t->dt));
    }
}

static inline void
result(const model *m, uint64_t now, lead_score *r)
{
    assert_int_equal(lead_scorer_result(m->s, now, r), LEAD_OK);
}

/* The asset's part in why (which lists every part worth anything, when
   there are at most LEAD_WHY_MAX); one worth nothing is not listed. */
static inline const lead_contribution *
hot_of(const model *m, const lead_score *r, const char *path)
{
    static const lead_contribution  none;
    uint64_t                        id = asset(m, path)->id;
    unsigned                        i;

    for (i = 0; i < r->nwhy; i++) {
        if (r->why[i].asset_id == id && !r->why[i].group_bonus) {
            return &r->why[i];
        }
    }
    return &none;
}

/* Why adds up: its rows' whole points sum to the score shown. */
static inline void
why_adds_up(const lead_score *r)
{
    int64_t   sum = 0;
    double    exact = 0;
    unsigned  i;

    for (i = 0; i < r->nwhy; i++) {
        sum += r->why[i].shown;
        exact += r->why[i].score;
        /* each row is its value rounded up or down */
        assert_true(fabs((double) r->why[i].shown - r->why[i].score) < 1);
    }
    assert_true(r->shown == (int64_t) rint(r->engagement));
    if (sum != r->shown || fabs(exact - r->engagement)
                           > 1e-9 * (1 + fabs(r->engagement)))
    {
        fail_msg("why sums to %lld (%.9f), the score is %lld (%.9f)",
                 (long long) sum, exact, (long long) r->shown,
                 r->engagement);
    }
}

#endif /* SCORE_FIXTURE_H */
