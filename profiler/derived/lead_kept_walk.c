/*
 * A filtered list from the kept scores: every lead walked in id order
 * beside the tables that answer the filter, a search's leads from their
 * kept texts, or a buying stage's leads from the stages' ends.
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

static void
walk_close(walk *w)
{
    if (w->cur != NULL) {
        mdb_cursor_close(w->cur);
    }
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

/* The tables a list walks alongside the leads, and what it asks. */
typedef struct {
    tail                 *t;
    const lead_list_ask  *ask;
    walk                  leads, statuses, devices, summaries;
    lead_score           *score;
    lead_scored_all_fn    fn;
    void                 *arg;
} listing;

/*
 * The lead id, the seen'th of the walk (at_lead: "leads" is at its row),
 * to fn if it answers the ask: its status before its person is read, a
 * stage or band before its person, its person before its score.
 */
static int
ask_lead(listing *c, const uint8_t *id, size_t seen, int at_lead)
{
    const lead_list_ask  *ask = c->ask;
    lead_person           p;
    lead_scored           out;
    lead_summary_head     h;
    MDB_val               v;
    int                   stated, staged;

    memset(&out, 0, sizeof(out));
    out.status = LEAD_STATUS_IDENTIFIED;
    stated = ask->status >= 0 && walk_status(&c->statuses, id, seen, &out);
    if (ask->status >= 0 && out.status != ask->status) {
        return LEAD_OK;
    }

    staged = ask->stage >= 0 || ask->band;
    if ((staged && (summary_of(c->t, &c->summaries, id, seen, &v),
                    !lead_summary_in(&v, c->t->sc, c->t->now_ms, ask->stage,
                                     ask->band)))
        || (!at_lead && !walk_to(&c->leads, id, seen))
        || lead_decode_person(id, &c->leads.val, &p) != LEAD_OK
        || !lead_kept_person_asked(c->t, ask, &p))
    {
        return LEAD_OK;                 /* before its score is decoded */
    }
    if (ask->status < 0) {
        stated = walk_status(&c->statuses, id, seen, &out);
    }
    out.person = &p;
    out.score = c->score;
    if (!stated) {
        out.status_ms = p.created_ms;
    }
    if (!staged) {
        summary_of(c->t, &c->summaries, id, seen, &v);
    }
    if (v.mv_size == 0
        || lead_summary_decode(&v, c->t->sc, c->t->now_ms, c->score, &h)
           != LEAD_OK)
    {
        /* no event yet (or a damaged summary, scored again later) */
        lead_summary_clear(c->t->sc, c->score);
        h.first_ms = h.last_ms = 0;
    }
    if ((ask->stage >= 0 && c->score->stage_index != ask->stage)
        || (ask->band && c->score->band != ask->band))
    {
        return LEAD_OK;
    }
    out.first_ms = h.first_ms;
    out.last_ms = h.last_ms;
    for (walk_to(&c->devices, id, seen);
         c->devices.more && c->devices.key.mv_size == 2 * LEAD_ID_LEN
         && memcmp(c->devices.key.mv_data, id, LEAD_ID_LEN) == 0;
         walk_next(&c->devices))
    {
        out.devices++;
    }

    return c->fn(c->arg, &out) != 0 ? LEAD_ECALLBACK : LEAD_OK;
}

/* A lead_texts_fn: a lead whose name or e-mail holds the search. */
static int
ask_found(void *arg, const uint8_t *id, size_t seen)
{
    return ask_lead(arg, id, seen, 0) != LEAD_OK;
}

/*
 * Every lead that answers ask from the summaries and the tail, in lead
 * id order: a search from the leads' texts, a status but identified
 * from the walk of "statuses", any other from the walk of "leads".
 */
static int
list_summaries(tail *t, const lead_list_ask *ask, lead_scored_all_fn fn,
    void *arg)
{
    listing   c = { .t = t, .ask = ask, .fn = fn, .arg = arg };
    walk     *by;
    size_t    seen = 0;
    int       rc;

    by = ask->status >= 0 && ask->status != LEAD_STATUS_IDENTIFIED
         ? &c.statuses : &c.leads;

    c.score = malloc(sizeof(lead_score));
    rc = c.score ? LEAD_OK
                 : lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->leads, &c.leads);
    }
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->statuses, &c.statuses);
    }
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->devices, &c.devices);
    }
    if (rc == LEAD_OK) {
        rc = walk_open(t->s, t->txn, t->s->summaries, &c.summaries);
    }

    if (rc == LEAD_OK && ask->search[0] && lead_texts_usable(t->s, t->txn)) {
        rc = lead_texts_each(t->s, t->txn, ask->search, ask_found, &c);
        by = NULL;
    }
    for (; rc == LEAD_OK && by != NULL && by->more; walk_next(by)) {
        if (by->key.mv_size == LEAD_ID_LEN) {
            rc = ask_lead(&c, by->key.mv_data, ++seen, by == &c.leads);
        }
    }

    walk_close(&c.leads);
    walk_close(&c.statuses);
    walk_close(&c.devices);
    walk_close(&c.summaries);
    free(c.score);
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
