/*
 * A lead's time in each buying stage, read by read, as the fold keeps it
 * and the funnel's scan makes it.
 *
 * After a read the stage is the latest one at stage_min or more.  Between
 * reads every stage's engagement decays alike, so the stage only steps
 * down, when the current one falls below stage_min (at t + half_life *
 * log2(v / stage_min)): those moments are worked out at the read and kept,
 * so the walk goes on to any later moment without the scorer.
 */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_model.h"

/* When engagement v of a stage at t0, decaying, falls below stage_min. */
static uint64_t
stage_ends(const lead_scoring *sc, double v, uint64_t t0)
{
    double  after;

    if (sc->stage_min <= 0) {
        return UINT64_MAX;
    }
    if (v < sc->stage_min) {
        return t0;
    }
    after = (double) sc->half_life_ms * log2(v / sc->stage_min);
    return after < 1e15 ? t0 + (uint64_t) after : UINT64_MAX;
}

static void
spend(uint64_t *spent, unsigned *in, int stage, uint64_t from, uint64_t to)
{
    size_t  i = stage >= 0 ? (size_t) stage : LEAD_STAGE_NONE;

    spent[i] += to > from ? to - from : 0;
    *in |= 1u << i;
}

/* From the last read worked out to t1, with no read between: the stage
   at t1. */
static int
walk_between(const lead_stage_walk *w, uint64_t t1, uint64_t *spent,
    unsigned *in)
{
    uint64_t  at = w->t;
    int       stage = w->stage, j;

    while (stage >= 0 && w->ends[stage] < t1) {
        spend(spent, in, stage, at, w->ends[stage]);
        at = w->ends[stage];
        for (j = stage - 1; j >= 0 && w->ends[j] <= at; j--) {
            /* void */
        }
        stage = j;
    }
    spend(spent, in, stage, at, t1);
    return stage;
}

void
lead_stage_walk_reset(lead_stage_walk *w)
{
    memset(w, 0, sizeof(*w));
    w->stage = -1;
}

void
lead_stage_walk_read(lead_stage_walk *w, const lead_scoring *sc,
    const lead_scorer *scorer, uint64_t t)
{
    double  by[LEAD_MAX_STAGES];
    int     j;

    w->reads++;
    if (w->reads % (w->reads / LEAD_STAGE_EVALS + 1) != 0) {
        return;
    }
    if (w->reads > 1) {                 /* the first read is worked out */
        walk_between(w, t, w->spent, &w->in);
    }
    w->t = t;
    lead_scorer_stages(scorer, t, by);
    w->stage = lead_stage_of(sc, by, 1.0);
    for (j = 0; j <= w->stage; j++) {
        w->ends[j] = stage_ends(sc, by[j], t);
    }
}

int
lead_stage_walk_to(const lead_stage_walk *w, uint64_t now_ms,
    uint64_t spent[LEAD_MAX_STAGES + 1], unsigned *in)
{
    memcpy(spent, w->spent, sizeof(w->spent));
    *in = w->in;
    return walk_between(w, now_ms > w->t ? now_ms : w->t, spent, in);
}

/*
 * reads, t, stage + 1 (a byte), each stage's end to the stage's from t
 * (+ 1; 0: never), the stages held (bits), the ms of each held: varints.
 */
void
lead_stage_walk_save(const lead_stage_walk *w, lead_buf *out)
{
    unsigned  bits;
    int       j;

    lead_buf_put_varint(out, w->reads);
    lead_buf_put_varint(out, w->t);
    lead_buf_put_varint(out, (uint64_t) (w->stage + 1));
    for (j = 0; j <= w->stage; j++) {
        lead_buf_put_varint(out, w->ends[j] == UINT64_MAX
                                 ? 0 : w->ends[j] - w->t + 1);
    }
    lead_buf_put_varint(out, w->in);
    for (bits = w->in; bits; bits &= bits - 1) {
        lead_buf_put_varint(out, w->spent[__builtin_ctz(bits)]);
    }
}

int
lead_stage_walk_load(lead_stage_walk *w, const uint8_t *data, size_t len)
{
    const uint8_t  *p = data, *end = data + len;
    uint64_t        v;
    unsigned        bits;
    int             j;

    /* a row a lead, all of them for the funnel: only what is read is set */
    memset(w->spent, 0, sizeof(w->spent));
    w->reads = lead_get_varint(&p, end);
    w->t = lead_get_varint(&p, end);
    v = lead_get_varint(&p, end);
    if (p > end || v > LEAD_MAX_STAGES) {
        return LEAD_EINVAL;
    }
    w->stage = (int) v - 1;
    for (j = 0; j <= w->stage; j++) {
        v = lead_get_varint(&p, end);
        if (v != 0 && v - 1 > UINT64_MAX - 1 - w->t) {     /* never */
            return LEAD_EINVAL;
        }
        w->ends[j] = v == 0 ? UINT64_MAX : w->t + v - 1;
    }
    v = lead_get_varint(&p, end);
    if (p > end || v >> (LEAD_STAGE_NONE + 1)) {
        return LEAD_EINVAL;
    }
    w->in = (unsigned) v;
    for (bits = w->in; bits; bits &= bits - 1) {
        w->spent[__builtin_ctz(bits)] = lead_get_varint(&p, end);
    }
    return p == end && w->reads ? LEAD_OK : LEAD_EINVAL;
}
