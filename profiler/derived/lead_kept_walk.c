/*
 * A filtered list from the kept scores: every lead walked in id order
 * beside the tables that answer the filter, or a buying stage's leads
 * from the stages' ends.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_fold.h"
#include "lead_derived.h"
#include "lead_kept.h"

#define WALK_SEEK  32     /* leads passed over: a seek beats the steps */

/* One of a table's rows at a time, walked alongside the leads. */
typedef struct {
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          more;
    size_t       seen;          /* the leads walked when it last moved */
} walk;

static int
walk_open(lead_store *s, MDB_txn *txn, MDB_dbi dbi, walk *w)
{
    int  rc = mdb_cursor_open(txn, dbi, &w->cur);

    if (rc != 0) {
        w->cur = NULL;
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    w->more = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_FIRST) == 0;
    return LEAD_OK;
}

/*
 * Moves w to the first row whose key starts at or after id, the seen'th
 * lead; 1 if equal.  Left behind by many leads passed over (a search),
 * it seeks: one descent of the tree rather than a step a lead.
 */
static int
walk_to(walk *w, const uint8_t *id, size_t seen)
{
    int  d;

    if (w->more && seen - w->seen > WALK_SEEK) {
        w->key.mv_data = (void *) id;
        w->key.mv_size = LEAD_ID_LEN;
        w->more = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_SET_RANGE)
                  == 0;
    }
    w->seen = seen;
    while (w->more) {
        d = w->key.mv_size >= LEAD_ID_LEN
            ? memcmp(w->key.mv_data, id, LEAD_ID_LEN) : -1;
        if (d >= 0) {
            return d == 0;
        }
        w->more = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_NEXT) == 0;
    }
    return 0;
}

static void
walk_next(walk *w)
{
    w->more = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_NEXT) == 0;
}

/* The lead's status and since when, if "statuses" has its row. */
static int
walk_status(walk *w, const uint8_t *id, size_t seen, lead_scored *out)
{
    if (!walk_to(w, id, seen) || w->val.mv_size != 9) {
        return 0;
    }
    out->status = ((uint8_t *) w->val.mv_data)[0];
    out->status_ms = lead_get_u64((uint8_t *) w->val.mv_data + 1);
    return 1;
}

/* The lead's summary, the tail's or the fold's; none: no event yet. */
static void
summary_of(const tail *t, walk *summaries, const uint8_t *id, size_t seen,
    MDB_val *v)
{
    tail_lead  *tl;

    tl = t->nleads ? bsearch(id, t->leads, t->nleads, sizeof(tail_lead),
                             lead_kept_by_lead)
                   : NULL;
    if (tl) {
        v->mv_data = (uint8_t *) t->summaries.data + tl->at;
        v->mv_size = tl->len;
    } else if (walk_to(summaries, id, seen)) {
        *v = summaries->val;
    } else {
        v->mv_size = 0;
    }
}

/*
 * Every lead that answers ask from the summaries and the tail, in lead
 * id order; with a status but identified, the walk of "statuses", and a
 * stage or band asked before the lead's person is read.
 */
static int
list_summaries(tail *t, const lead_list_ask *ask, lead_scored_all_fn fn,
    void *arg)
{
    walk               leads, statuses, devices, summaries, *by;
    lead_person        p;
    lead_score        *score;
    lead_scored        out;
    lead_summary_head  h;
    MDB_val            v;
    size_t             seen = 0;
    int                rc, stated, staged;

    memset(&leads, 0, sizeof(walk));
    memset(&statuses, 0, sizeof(walk));
    memset(&devices, 0, sizeof(walk));
    memset(&summaries, 0, sizeof(walk));
    by = ask->status >= 0 && ask->status != LEAD_STATUS_IDENTIFIED
         ? &statuses : &leads;

    score = malloc(sizeof(lead_score));
    rc = score ? LEAD_OK : lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->leads, &leads);
    }
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->statuses, &statuses);
    }
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->devices, &devices);
    }
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->summaries, &summaries);
    }

    for (; rc == LEAD_OK && by->more; walk_next(by)) {
        const uint8_t  *id = by->key.mv_data;

        if (by->key.mv_size != LEAD_ID_LEN) {
            continue;
        }
        memset(&out, 0, sizeof(out));
        out.status = LEAD_STATUS_IDENTIFIED;
        seen++;
        stated = ask->status >= 0 && walk_status(&statuses, id, seen, &out);
        if (ask->status >= 0 && out.status != ask->status) {
            continue;
        }

        staged = ask->stage >= 0 || ask->band;
        if ((staged && (summary_of(t, &summaries, id, seen, &v),
                        !lead_summary_in(&v, t->sc, t->now_ms, ask->stage, ask->band)))
            || (by != &leads && !walk_to(&leads, id, seen))
            || lead_decode_person(id, &leads.val, &p) != LEAD_OK
            || !lead_kept_person_asked(t, ask, &p))
        {
            continue;                   /* before its score is decoded */
        }
        if (ask->status < 0) {
            stated = walk_status(&statuses, id, seen, &out);
        }
        out.person = &p;
        out.score = score;
        if (!stated) {
            out.status_ms = p.created_ms;
        }
        if (!staged) {
            summary_of(t, &summaries, id, seen, &v);
        }
        if (v.mv_size == 0
            || lead_summary_decode(&v, t->sc, t->now_ms, score, &h) != LEAD_OK)
        {
            /* no event yet (or a damaged summary, scored again later) */
            lead_summary_clear(t->sc, score);
            h.first_ms = h.last_ms = 0;
        }
        if ((ask->stage >= 0 && score->stage_index != ask->stage)
            || (ask->band && score->band != ask->band))
        {
            continue;
        }
        out.first_ms = h.first_ms;
        out.last_ms = h.last_ms;
        for (walk_to(&devices, id, seen);
             devices.more && devices.key.mv_size == 2 * LEAD_ID_LEN
             && memcmp(devices.key.mv_data, id, LEAD_ID_LEN) == 0;
             walk_next(&devices))
        {
            out.devices++;
        }

        if (fn(arg, &out) != 0) {
            rc = LEAD_ECALLBACK;
        }
    }

    if (leads.cur) {
        mdb_cursor_close(leads.cur);
    }
    if (statuses.cur) {
        mdb_cursor_close(statuses.cur);
    }
    if (devices.cur) {
        mdb_cursor_close(devices.cur);
    }
    if (summaries.cur) {
        mdb_cursor_close(summaries.cur);
    }
    free(score);
    return rc;
}

/* A list of one stage: the leads the index finds, then the tail's. */
typedef struct {
    tail                *t;
    const lead_list_ask *ask;
    lead_score          *score;
    lead_scored_all_fn   fn;
    void                *arg;
    int                  rc;            /* lead_kept_emit's, if it stopped */
} staged;

static int
emit_staged(void *arg, const uint8_t *id)
{
    staged  *st = arg;
    MDB_val  key, summary;

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;
    if ((st->t->nleads && bsearch(id, st->t->leads, st->t->nleads,
                                  sizeof(tail_lead), lead_kept_by_lead))
        || mdb_get(st->t->txn, st->t->s->summaries, &key, &summary) != 0
        || !lead_summary_in(&summary, st->t->sc, st->t->now_ms,
                            st->ask->stage, st->ask->band))
    {
        return 0;                       /* the tail's, or gone, or left */
    }
    st->rc = lead_kept_emit(st->t, st->ask, id, &summary, st->score, st->fn,
                       st->arg);
    return st->rc != LEAD_OK;
}

/*
 * The leads of ask's stage, not in lead id order: from the stages' ends
 * kept for these rules, when they are; 0 in *done when they are not.
 */
static int
list_staged(tail *t, const lead_list_ask *ask, lead_scored_all_fn fn,
    void *arg, int *done)
{
    staged   st;
    MDB_val  summary;
    size_t   i;
    int      rc;

    *done = 0;
    if (!lead_stage_ends_usable(t->s, t->txn, t->pos.rules)) {
        return LEAD_OK;
    }
    st.t = t;
    st.ask = ask;
    st.fn = fn;
    st.arg = arg;
    st.score = malloc(sizeof(lead_score));
    if (st.score == NULL) {
        return lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    }
    st.rc = LEAD_OK;
    rc = lead_stage_ends_each(t->s, t->txn, ask->stage, t->now_ms,
                              emit_staged, &st);
    rc = rc == LEAD_ECALLBACK ? st.rc : rc;
    for (i = 0; rc == LEAD_OK && i < t->nleads; i++) {
        summary.mv_data = (uint8_t *) t->summaries.data + t->leads[i].at;
        summary.mv_size = t->leads[i].len;
        if (lead_summary_in(&summary, t->sc, t->now_ms, ask->stage,
                            ask->band))
        {
            rc = lead_kept_emit(t, ask, t->leads[i].lead, &summary, st.score, fn,
                           arg);
        }
    }
    free(st.score);
    *done = 1;
    return rc;
}

int
lead_store_list_all(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_scored_all_fn fn, void *arg)
{
    return lead_store_list_status(s, r, now_ms, NULL, fn, arg);
}

int
lead_store_list_status(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_list_ask *ask, lead_scored_all_fn fn, void *arg)
{
    static const lead_list_ask  any = { -1, -1, 0, 0, "" };
    tail                        t;
    int                         rc, usable, staged_done = 0;

    rc = lead_kept_open(s, r, now_ms, &t, &usable);
    ask = ask ? ask : &any;
    /* a stage: its leads, few of all, from the index */
    if (rc == LEAD_OK && usable && ask->stage >= 0) {
        rc = list_staged(&t, ask, fn, arg, &staged_done);
    }
    if (rc == LEAD_OK && usable && !staged_done) {
        rc = list_summaries(&t, ask, fn, arg);
    }
    lead_kept_close(&t);

    if (rc == LEAD_OK && !usable && !s->empty && !s->partial) {
        rc = lead_store_score_all(s, lead_rules_scoring(r), now_ms, fn, arg);
    }
    return rc;
}
