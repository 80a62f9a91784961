/*
 * A lead's kept state and summary as the fold writes them and the lists
 * read them: what a list shows of a lead, scaled by decay to any moment.
 */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_fold.h"
#include "lead_derived.h"

#define SUMMARY_VERSION  1

/*
 * FNV-1a of scoring.conf, the scorer's and the fold's versions: a change
 * of any (a marketer's edit, a new model, more kept) folds every lead
 * again.
 */
uint64_t
lead_fold_rules_hash(const lead_rules *r)
{
    lead_str  t = lead_rules_text(r, LEAD_RULES_SCORING);
    uint64_t  h = 0xcbf29ce484222325ULL;
    size_t    i;

    h = (h ^ lead_scorer_version()) * 0x100000001b3ULL;
    h = (h ^ FOLD_VERSION) * 0x100000001b3ULL;
    for (i = 0; i < t.len; i++) {
        h = (h ^ (uint8_t) t.data[i]) * 0x100000001b3ULL;
    }
    return h;
}

static void
put_f64(lead_buf *b, double d)
{
    uint64_t  bits;

    memcpy(&bits, &d, 8);
    lead_buf_put_u64(b, bits);
}

void
lead_summary_encode(lead_buf *b, const lead_scoring *sc, uint64_t ref_ms,
    const lead_score *score, uint64_t first_ms, uint64_t last_ms)
{
    uint8_t   head[4];
    unsigned  i;

    head[0] = SUMMARY_VERSION;
    head[1] = (uint8_t) sc->nstages;
    head[2] = (uint8_t) score->ncountries;
    head[3] = (uint8_t) score->ntopics;
    lead_buf_put(b, (const char *) head, 4);
    lead_buf_put_u64(b, ref_ms);
    put_f64(b, score->engagement);
    for (i = 0; i < sc->nstages; i++) {
        put_f64(b, score->stages[i]);
    }
    lead_buf_put_u64(b, score->nhot ? score->hot[0].asset_id : 0);
    lead_buf_put_u64(b, first_ms);
    lead_buf_put_u64(b, last_ms);
    for (i = 0; i < score->ncountries; i++) {
        lead_buf_put(b, score->countries[i], 2);
    }
    for (i = 0; i < score->ntopics; i++) {
        head[0] = (uint8_t) strlen(score->topics[i].topic);
        lead_buf_put(b, (const char *) head, 1);
        lead_buf_put(b, score->topics[i].topic, head[0]);
        put_f64(b, score->topics[i].engagement);
    }
}

/* A summary's moment and engagement, without the rules; LEAD_EINVAL if
   it is damaged. */
int
lead_summary_peek(const MDB_val *v, uint64_t *ref_ms, double *engagement)
{
    const uint8_t  *p = v->mv_data;

    if (v->mv_size < 20 || p[0] != SUMMARY_VERSION) {
        return LEAD_EINVAL;
    }
    *ref_ms = lead_get_u64(p + 4);
    *engagement = lead_get_f64(p + 12);
    return LEAD_OK;
}

/* What a list reads of a score, zero: a lead that read nothing yet. */
void
lead_summary_clear(const lead_scoring *sc, lead_score *score)
{
    memset(score, 0, offsetof(lead_score, hot));
    score->stage_index = -1;
    score->band = lead_band(sc, 0);
    score->nhot = 0;
    score->nwhy = 0;
    score->ntopics = 0;
    score->ncountries = 0;
    score->trigger_ms = 0;
    score->trigger_asset = 0;
}

/*
 * The summary's head checked and the decay from its moment to now_ms
 * (at or after it); NULL if it is damaged.
 */
static const uint8_t *
summary_scale(const MDB_val *v, const lead_scoring *sc, uint64_t now_ms,
    double *scale)
{
    const uint8_t  *p = v->mv_data;

    if (v->mv_size < 4 || p[0] != SUMMARY_VERSION || p[1] != sc->nstages
        || p[2] > 4 || p[3] > LEAD_TOPICS_MAX
        || v->mv_size < 4 + 8 + 8 + 8 * (size_t) p[1] + 24 + 2 * (size_t) p[2]
        || now_ms < lead_get_u64(p + 4))
    {
        return NULL;
    }
    *scale = exp2(-(double) (now_ms - lead_get_u64(p + 4))
                  / (double) sc->half_life_ms);
    return p;
}

/* Its stages' engagement at its moment, and the moment. */
int
lead_summary_stages(const MDB_val *v, const lead_scoring *sc,
    double by_stage[LEAD_MAX_STAGES], uint64_t *ref_ms)
{
    const uint8_t  *p;
    double          scale;
    unsigned        i;

    p = summary_scale(v, sc, UINT64_MAX, &scale);
    if (p == NULL) {
        return LEAD_EINVAL;
    }
    for (i = 0; i < sc->nstages; i++) {
        by_stage[i] = lead_get_f64(p + 20 + 8 * i);
    }
    *ref_ms = lead_get_u64(p + 4);
    return LEAD_OK;
}

/*
 * Whether the stage and band at now_ms are stage (-1: any) and band (0:
 * any), worked out as lead_summary_decode does but from the head alone:
 * what a filtered list asks of most leads.  A damaged summary (decoding
 * fails too) or none: a lead that read nothing yet.
 */
int
lead_summary_in(const MDB_val *v, const lead_scoring *sc, uint64_t now_ms,
    int stage, int band)
{
    const uint8_t  *p = NULL;
    double          stages[LEAD_MAX_STAGES], scale;
    unsigned        i;
    int             is_stage = -1, is_band;

    if (v->mv_size) {
        p = summary_scale(v, sc, now_ms, &scale);
    }
    if (p == NULL) {
        is_band = lead_band(sc, 0);
    } else {
        for (i = 0; i < sc->nstages; i++) {
            stages[i] = lead_get_f64(p + 20 + 8 * i) * scale;
        }
        is_stage = lead_stage_of(sc, stages, 1.0);
        is_band = lead_band(sc, lead_get_f64(p + 12) * scale);
    }
    return (stage < 0 || is_stage == stage) && (!band || is_band == band);
}

/*
 * A summary as a list scores it at now_ms (at or after its moment):
 * everything scaled by the decay since.  LEAD_EINVAL if it is damaged.
 */
int
lead_summary_decode(const MDB_val *v, const lead_scoring *sc, uint64_t now_ms,
    lead_score *score, lead_summary_head *h)
{
    const uint8_t  *p, *end = (const uint8_t *) v->mv_data + v->mv_size;
    double          scale;
    unsigned        i, n;

    p = summary_scale(v, sc, now_ms, &scale);
    if (p == NULL) {
        return LEAD_EINVAL;
    }

    lead_summary_clear(sc, score);
    score->ncountries = p[2];
    score->ntopics = p[3];
    h->ref_ms = lead_get_u64(p + 4);
    h->engagement = lead_get_f64(p + 12);
    score->engagement = h->engagement * scale;
    p += 20;
    for (i = 0; i < sc->nstages; i++, p += 8) {
        score->stages[i] = lead_get_f64(p) * scale;
    }
    score->stage_index = lead_stage_of(sc, score->stages, 1.0);
    score->band = lead_band(sc, score->engagement);

    score->hot[0].asset_id = lead_get_u64(p);
    score->nhot = score->hot[0].asset_id != 0;
    h->first_ms = lead_get_u64(p + 8);
    h->last_ms = lead_get_u64(p + 16);
    p += 24;
    for (i = 0; i < score->ncountries; i++, p += 2) {
        memcpy(score->countries[i], p, 2);
        score->countries[i][2] = '\0';
    }
    for (i = 0; i < score->ntopics; i++) {
        if (p >= end || (n = *p) > LEAD_NAME_MAX
            || (size_t) (end - p) < 1 + n + 8)
        {
            return LEAD_EINVAL;
        }
        memcpy(score->topics[i].topic, p + 1, n);
        score->topics[i].topic[n] = '\0';
        score->topics[i].engagement = lead_get_f64(p + 1 + n) * scale;
        p += 1 + n + 8;
    }
    return p == end ? LEAD_OK : LEAD_EINVAL;
}

void
lead_folding_note(lead_folding *f, const lead_event *ev)
{
    if (f->first_ms == 0 || ev->time_ms < f->first_ms) {
        f->first_ms = ev->time_ms;
    }
    if (ev->time_ms > f->last_ms) {
        f->last_ms = ev->time_ms;
    }
}

/* The lead's kept state into f->scorer; a new one when it has none. */
int
lead_folding_load(lead_folding *f, const uint8_t *lead_id, MDB_txn *txn)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    f->first_ms = f->last_ms = 0;

    rc = mdb_get(txn, f->s->states, &key, &val);
    if (rc == MDB_NOTFOUND) {
        lead_scorer_reset(f->scorer, 0);
        return LEAD_OK;
    }
    if (rc != 0) {
        return lead_store_mdb_fail(f->s, rc, "reading a lead's state");
    }
    if (val.mv_size < STATE_HEAD
        || lead_scorer_load(f->scorer, (uint8_t *) val.mv_data + STATE_HEAD,
                            val.mv_size - STATE_HEAD) != LEAD_OK)
    {
        return LEAD_EINVAL;
    }
    f->first_ms = lead_get_u64(val.mv_data);
    f->last_ms = lead_get_u64((uint8_t *) val.mv_data + 8);
    return LEAD_OK;
}

int
lead_pending_cmp(const void *x, const void *y)
{
    const lead_pending  *a = x, *b = y;
    int                  d = memcmp(a->lead, b->lead, LEAD_ID_LEN);

    return d ? d : (a->order > b->order) - (a->order < b->order);
}
