/*
 * Every lead as the lists show it, from the scores the fold kept: each
 * summary scaled to now, and the leads with events after the fold (the
 * tail) scored here from their kept state.
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
#include "lead_kept.h"

#define TAIL_MAX  200000              /* more: a full scan is faster */

static int
id_cmp(const void *x, const void *y)
{
    return memcmp(x, y, LEAD_ID_LEN);
}

/*
 * The leads the fold has yet to score again (a visitor identified, a
 * late batch): they are scored here from all their events.
 */
static int
collect_refold(tail *t)
{
    MDB_cursor  *cur;
    MDB_val      key, val, lval;
    uint8_t     *grown;
    size_t       cap = 0, n;
    int          rc, op;

    rc = mdb_cursor_open(t->txn, t->s->refold, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(t->s, rc, "mdb_cursor_open");
    }
    for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != LEAD_ID_LEN
            || mdb_get(t->txn, t->s->links, &key, &lval) != 0
            || lval.mv_size % LINK_SIZE != 0)
        {
            continue;
        }
        for (n = 0; n < lval.mv_size / LINK_SIZE; n++) {
            if (t->nrebuild == TAIL_MAX) {
                t->too_long = 1;
                break;
            }
            if (t->nrebuild == cap) {
                cap = cap ? cap * 2 : 64;
                grown = realloc(t->rebuild, cap * LEAD_ID_LEN);
                if (grown == NULL) {
                    mdb_cursor_close(cur);
                    return lead_store_fail(t->s, LEAD_ENOMEM,
                                           "out of memory");
                }
                t->rebuild = grown;
            }
            memcpy(t->rebuild + t->nrebuild++ * LEAD_ID_LEN,
                   (uint8_t *) lval.mv_data + n * LINK_SIZE, LEAD_ID_LEN);
        }
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(t->s, rc, "reading refolds");
    }
    if (t->nrebuild > 1) {
        qsort(t->rebuild, t->nrebuild, LEAD_ID_LEN, id_cmp);
    }
    return LEAD_OK;
}

static int
rebuilt(const tail *t, const uint8_t *id)
{
    return t->nrebuild
           && bsearch(id, t->rebuild, t->nrebuild, LEAD_ID_LEN, id_cmp);
}

/* The events after the fold, up to now, copied with their lead's id. */
static int
collect_tail(tail *t)
{
    MDB_cursor     *cur;
    MDB_val         key, val, lkey, lval;
    lead_pending   *grown;
    const uint8_t  *e;
    uint64_t        time_ms;
    int             rc, op;

    rc = mdb_cursor_open(t->txn, t->s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(t->s, rc, "mdb_cursor_open");
    }
    key.mv_data = t->pos.key;
    key.mv_size = 16;

    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != 16 || memcmp(key.mv_data, t->pos.key, 16) == 0) {
            continue;
        }
        time_ms = lead_get_be64(key.mv_data);
        if (time_ms > t->now_ms) {
            break;
        }
        e = val.mv_data;
        if (val.mv_size < EVENT_HEAD || e[1] == LEAD_UA_BOT) {
            continue;
        }
        lkey.mv_data = (void *) (e + 12);
        lkey.mv_size = LEAD_ID_LEN;
        if (mdb_get(t->txn, t->s->links, &lkey, &lval) != 0
            || lval.mv_size % LINK_SIZE != 0 || lval.mv_size == 0)
        {
            continue;
        }
        if (t->n == TAIL_MAX) {
            t->too_long = 1;
            break;
        }
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 256;
            grown = realloc(t->p, t->cap * sizeof(lead_pending));
            if (grown == NULL) {
                mdb_cursor_close(cur);
                return lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
            }
            t->p = grown;
        }
        memcpy(t->p[t->n].lead, lead_attributed(lval.mv_data,
                                                lval.mv_size / LINK_SIZE,
                                                time_ms), LEAD_ID_LEN);
        t->p[t->n].at = t->copies.len;
        t->p[t->n].len = val.mv_size;
        t->p[t->n].order = t->n;
        lead_buf_put(&t->copies, val.mv_data, val.mv_size);
        t->n++;
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(t->s, rc, "reading the tail");
    }
    if (t->copies.oom) {
        return lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    }
    return collect_refold(t);
}

/* Every event of a lead up to now, for one to score from scratch. */
static int
feed_all(void *arg, uint64_t seq, const lead_event *ev)
{
    lead_folding  *f = arg;

    (void) seq;
    if (ev->ua_class == LEAD_UA_BOT || ev->time_ms > f->pos.time_ms) {
        return 0;
    }
    lead_folding_note(f, ev);
    return lead_scorer_add(f->scorer, ev) != LEAD_OK;
}

static int
keep_tail_lead(tail *t, lead_folding *f, const uint8_t *lead_id)
{
    tail_lead  *tl;
    int         rc;

    rc = lead_scorer_totals(f->scorer, t->now_ms, f->score);    /* no why */
    if (rc != LEAD_OK) {
        return lead_store_fail(t->s, rc, "out of memory");
    }
    tl = &t->leads[t->nleads++];
    memcpy(tl->lead, lead_id, LEAD_ID_LEN);
    tl->at = t->summaries.len;
    lead_summary_encode(&t->summaries, t->sc, t->now_ms, f->score, f->first_ms,
                   f->last_ms);
    tl->len = t->summaries.len - tl->at;
    return LEAD_OK;
}

static int
tail_lead_cmp(const void *x, const void *y)
{
    return memcmp(((const tail_lead *) x)->lead,
                  ((const tail_lead *) y)->lead, LEAD_ID_LEN);
}

/*
 * Each lead of the tail, its kept state fed its tail, and each lead to
 * refold, from scratch: scored now, kept as summaries by lead id.
 */
static int
score_tail(tail *t)
{
    lead_folding  f;
    lead_event    ev;
    size_t        i, k;
    int           rc = LEAD_OK;

    lead_sort(t->p, t->n, sizeof(lead_pending), lead_pending_cmp);
    t->leads = malloc((t->n + t->nrebuild + 1) * sizeof(tail_lead));
    memset(&f, 0, sizeof(f));
    f.s = t->s;
    f.sc = t->sc;
    f.pos.time_ms = t->now_ms;
    f.scorer = lead_scorer_new(t->sc);
    f.score = malloc(sizeof(lead_score));
    if (t->leads == NULL || f.scorer == NULL || f.score == NULL) {
        rc = lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    }

    for (i = 0; i < t->nrebuild && rc == LEAD_OK; i++) {
        if (i > 0 && memcmp(t->rebuild + i * LEAD_ID_LEN,
                            t->rebuild + (i - 1) * LEAD_ID_LEN,
                            LEAD_ID_LEN) == 0)
        {
            continue;
        }
        lead_scorer_reset(f.scorer, 0);
        f.first_ms = f.last_ms = 0;
        rc = lead_store_lead_events_txn(t->s, t->txn,
                                        t->rebuild + i * LEAD_ID_LEN,
                                        feed_all, &f);
        if (rc == LEAD_ECALLBACK) {
            rc = lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
        }
        if (rc == LEAD_OK) {
            rc = keep_tail_lead(t, &f, t->rebuild + i * LEAD_ID_LEN);
        }
    }

    for (i = 0; i < t->n && rc == LEAD_OK; i = k) {
        for (k = i + 1; k < t->n && memcmp(t->p[k].lead, t->p[i].lead,
                                           LEAD_ID_LEN) == 0; k++)
        {
            /* void: the lead's run of events */
        }
        if (rebuilt(t, t->p[i].lead)) {
            continue;                   /* scored from scratch above */
        }
        rc = lead_folding_load(&f, t->p[i].lead, t->txn);
        if (rc == LEAD_EINVAL) {
            t->too_long = 1;            /* damaged: the full scan knows */
            rc = LEAD_OK;
            break;
        }
        for (; rc == LEAD_OK && i < k; i++) {
            if (lead_event_decode((uint8_t *) t->copies.data + t->p[i].at,
                                  t->p[i].len, &ev) == LEAD_OK)
            {
                lead_folding_note(&f, &ev);
                if (lead_scorer_add(f.scorer, &ev) != LEAD_OK) {
                    rc = lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
                }
            }
        }
        if (rc == LEAD_OK) {
            rc = keep_tail_lead(t, &f, t->p[k - 1].lead);
        }
    }

    lead_scorer_free(f.scorer);
    free(f.score);
    if (rc == LEAD_OK && t->summaries.oom) {
        rc = lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK && t->nleads > 1) {
        qsort(t->leads, t->nleads, sizeof(tail_lead), tail_lead_cmp);
    }
    return rc;
}

/* For bsearch of t->leads: the tail's lead of an id. */
int
lead_kept_by_lead(const void *key, const void *elt)
{
    return memcmp(key, ((const tail_lead *) elt)->lead, LEAD_ID_LEN);
}

/* Whether the fold's kept scores answer for these rules at now_ms. */
static int
kept_answers(const lead_fold_pos *pos, const lead_rules *r, uint64_t now_ms)
{
    return pos->started && pos->rules == lead_fold_rules_hash(r)
           && now_ms >= pos->time_ms;
}

/*
 * The kept scores, with the tail scored, when they can answer for these
 * rules at now_ms; t->txn is left open for the caller when they can.
 */
int
lead_kept_open(lead_store *s, const lead_rules *r, uint64_t now_ms, tail *t,
    int *usable)
{
    int  rc;

    *usable = 0;
    memset(t, 0, sizeof(*t));
    t->s = s;
    t->r = r;
    t->sc = lead_rules_scoring(r);
    t->now_ms = now_ms;

    if (s->empty || s->partial || !s->folding) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &t->txn);
    if (rc == LEAD_OK) {
        rc = lead_store_fold_pos(s, t->txn, &t->pos);
    }

    /* kept scores, where they are the rules' and not after now */
    if (rc == LEAD_OK && kept_answers(&t->pos, r, now_ms)) {
        rc = collect_tail(t);
        if (rc == LEAD_OK && !t->too_long) {
            rc = score_tail(t);
        }
        *usable = rc == LEAD_OK && !t->too_long;
    }
    return rc;
}

void
lead_kept_close(tail *t)
{
    if (t->txn != NULL) {
        lead_store_read_end(t->s, t->txn);
    }
    free(t->p);
    free(t->leads);
    free(t->rebuild);
    lead_buf_free(&t->copies);
    lead_buf_free(&t->summaries);
}

/* Whether the lead's person answers ask; its status already does. */
int
lead_kept_person_asked(const tail *t, const lead_list_ask *ask, const lead_person *p)
{
    return (!ask->search[0] || lead_str_contains(p->name, ask->search)
            || lead_str_contains(p->email, ask->search))
           && (!ask->companies || lead_company(t->r, p->email).len);
}

/*
 * One lead, found by id, as the lists pass it on, if it answers
 * ask (NULL: any); its stage and band already do.
 */
int
lead_kept_emit(tail *t, const lead_list_ask *ask, const uint8_t *id,
    const MDB_val *summary, lead_score *score, lead_scored_all_fn fn,
    void *arg)
{
    MDB_val            key, val;
    MDB_cursor        *cur;
    lead_person        p;
    lead_scored        out;
    lead_summary_head  h;
    int                rc, stated;

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;
    memset(&out, 0, sizeof(out));
    out.person = &p;
    out.score = score;
    out.status = LEAD_STATUS_IDENTIFIED;
    stated = mdb_get(t->txn, t->s->statuses, &key, &val) == 0
             && val.mv_size == 9;
    if (stated) {
        out.status = ((uint8_t *) val.mv_data)[0];
        out.status_ms = lead_get_u64((uint8_t *) val.mv_data + 1);
    }
    if (ask != NULL && ask->status >= 0 && out.status != ask->status) {
        return LEAD_OK;                 /* before its row is read */
    }

    rc = mdb_get(t->txn, t->s->leads, &key, &val);
    if (rc == MDB_NOTFOUND || (rc == 0
                               && lead_decode_person(id, &val, &p) != LEAD_OK))
    {
        return LEAD_OK;                 /* a rank of a lead that is gone */
    }
    if (rc != 0) {
        return lead_store_mdb_fail(t->s, rc, "reading a lead");
    }
    if (!stated) {
        out.status_ms = p.created_ms;
    }
    if (ask != NULL && !lead_kept_person_asked(t, ask, &p)) {
        return LEAD_OK;
    }

    rc = mdb_cursor_open(t->txn, t->s->devices, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(t->s, rc, "mdb_cursor_open");
    }
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
         rc == 0 && key.mv_size == 2 * LEAD_ID_LEN
         && memcmp(key.mv_data, id, LEAD_ID_LEN) == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        out.devices++;
    }
    mdb_cursor_close(cur);

    if (lead_summary_decode(summary, t->sc, t->now_ms, score, &h) != LEAD_OK) {
        lead_summary_clear(t->sc, score);
        h.first_ms = h.last_ms = 0;
    }
    if (ask != NULL && ((ask->stage >= 0 && score->stage_index != ask->stage)
                        || (ask->band && score->band != ask->band)))
    {
        return LEAD_OK;                 /* a damaged summary */
    }
    out.first_ms = h.first_ms;
    out.last_ms = h.last_ms;

    return fn(arg, &out) != 0 ? LEAD_ECALLBACK : LEAD_OK;
}

static int
status_of(tail *t, const uint8_t *id)
{
    MDB_val  key, val;

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;
    if (mdb_get(t->txn, t->s->statuses, &key, &val) == 0
        && val.mv_size == 9)
    {
        return ((uint8_t *) val.mv_data)[0];
    }
    return LEAD_STATUS_IDENTIFIED;
}

/*
 * The ranks, hottest first, until want leads of the status (-1: any)
 * are passed on, and any that tie with the last; then the tail's leads.
 * LEAD_ENOTFOUND when the ranks run out of positive engagement first.
 */
static int
list_top(tail *t, int status, size_t want, const uint8_t *skip, size_t nskip,
    lead_scored_all_fn fn, void *arg)
{
    MDB_cursor  *cur;
    MDB_val      key, val, summary;
    lead_score  *score;
    uint8_t      last[1 + 8];
    size_t       got = 0, i;
    int          rc, op;

    score = malloc(sizeof(lead_score));
    if (score == NULL) {
        return lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    }
    rc = mdb_cursor_open(t->txn, t->s->ranks, &cur);
    if (rc != 0) {
        free(score);
        return lead_store_mdb_fail(t->s, rc, "mdb_cursor_open");
    }

    for (op = MDB_LAST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_PREV)
    {
        const uint8_t  *k = key.mv_data, *id = k + 9;

        if (key.mv_size != RANK_KEY_LEN) {
            continue;
        }
        if (k[0] != 2) {
            rc = MDB_NOTFOUND;          /* zero and below: ties galore */
            break;
        }
        if (got >= want && memcmp(k, last, sizeof(last)) != 0) {
            break;
        }
        if ((t->nleads && bsearch(id, t->leads, t->nleads, sizeof(tail_lead),
                                  lead_kept_by_lead))
            || (nskip && bsearch(id, skip, nskip, LEAD_ID_LEN, id_cmp))
            || (status >= 0 && status_of(t, id) != status))
        {
            continue;
        }
        key.mv_data = (void *) id;
        key.mv_size = LEAD_ID_LEN;
        if (mdb_get(t->txn, t->s->summaries, &key, &summary) != 0) {
            continue;
        }
        rc = lead_kept_emit(t, NULL, id, &summary, score, fn, arg);
        if (rc != LEAD_OK) {
            break;
        }
        memcpy(last, k, sizeof(last));
        got++;
    }
    mdb_cursor_close(cur);

    if (rc == MDB_NOTFOUND) {
        rc = got >= want ? LEAD_OK : LEAD_ENOTFOUND;
    } else if (rc > 0) {
        rc = lead_store_mdb_fail(t->s, rc, "reading the ranks");
    }

    for (i = 0; rc == LEAD_OK && i < t->nleads; i++) {
        if ((status >= 0 && status_of(t, t->leads[i].lead) != status)
            || (nskip && bsearch(t->leads[i].lead, skip, nskip, LEAD_ID_LEN,
                                 id_cmp)))
        {
            continue;
        }
        summary.mv_data = (uint8_t *) t->summaries.data + t->leads[i].at;
        summary.mv_size = t->leads[i].len;
        rc = lead_kept_emit(t, NULL, t->leads[i].lead, &summary, score, fn, arg);
    }

    free(score);
    return rc;
}

/* One of first, with its summary and engagement now. */
typedef struct {
    const uint8_t  *id;
    MDB_val         summary;
    double          engagement;
} first_lead;

static void
swap_first(first_lead *f, size_t i, size_t j)
{
    first_lead  tmp = f[i];

    f[i] = f[j];
    f[j] = tmp;
}

/*
 * Puts the hottest want (< n) of f first, in no order, and any that tie
 * with the want'th right after them; returns how many that is.  A
 * selection, not a sort: the leads that asked for a call are thousands,
 * a page fifty, and the list is sorted after.
 */
static size_t
hottest(first_lead *f, size_t n, size_t want)
{
    size_t  lo = 0, hi = n, lt, gt, i, k = want - 1;
    double  pivot;

    while (hi - lo > 1) {
        /* three ways: hotter, as hot, colder; ties never take long */
        pivot = f[lo + (hi - lo) / 2].engagement;
        for (lt = lo, gt = hi, i = lo; i < gt; /* void */) {
            if (f[i].engagement > pivot) {
                swap_first(f, lt++, i++);
            } else if (f[i].engagement < pivot) {
                swap_first(f, i, --gt);
            } else {
                i++;
            }
        }
        if (k < lt) {
            hi = lt;
        } else if (k >= gt) {
            lo = gt;
        } else {
            return gt;
        }
    }
    return k + 1;
}

/*
 * The hottest want leads of first (sorted ids), and any that tie with
 * the last, each from its summary or the tail; *emitted counts them.
 * Only their summaries are read for the others: every lead that asked
 * for a call may be many, a page is want.
 */
int
lead_kept_first(tail *t, const uint8_t *first, size_t nfirst, size_t want,
    lead_scored_all_fn fn, void *arg, size_t *emitted)
{
    MDB_val             key;
    lead_summary_head   h;
    first_lead         *f;
    lead_score         *score;
    tail_lead          *tl;
    size_t              i, n;
    int                 rc = LEAD_OK;

    *emitted = 0;
    score = malloc(sizeof(lead_score));
    f = malloc(nfirst * sizeof(first_lead));
    if (score == NULL || f == NULL) {
        free(score);
        free(f);
        return lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    }
    for (i = 0; i < nfirst; i++) {
        f[i].id = first + i * LEAD_ID_LEN;
        tl = t->nleads ? bsearch(f[i].id, t->leads, t->nleads,
                                 sizeof(tail_lead), lead_kept_by_lead)
                       : NULL;
        key.mv_data = (void *) f[i].id;
        key.mv_size = LEAD_ID_LEN;
        if (tl) {
            f[i].summary.mv_data = (uint8_t *) t->summaries.data + tl->at;
            f[i].summary.mv_size = tl->len;
        } else if (mdb_get(t->txn, t->s->summaries, &key, &f[i].summary)
                   != 0)
        {
            f[i].summary.mv_size = 0;   /* no event yet: it scores 0 */
        }
        f[i].engagement = f[i].summary.mv_size
                          && lead_summary_decode(&f[i].summary, t->sc,
                                                 t->now_ms, score, &h)
                             == LEAD_OK
                          ? score->engagement : 0;
    }
    n = want && want < nfirst ? hottest(f, nfirst, want) : nfirst;
    for (i = 0; rc == LEAD_OK && i < n; i++) {
        rc = lead_kept_emit(t, NULL, f[i].id, &f[i].summary, score, fn, arg);
    }
    *emitted = n;
    free(f);
    free(score);
    return rc;
}

/*
 * The hottest want of first (sorted ids: the MQLs that asked for a call,
 * which lists put first), then, unless they fill the want, the hottest as
 * list_top gives them, each once.
 */
int
lead_store_list_top(lead_store *s, const lead_rules *r, uint64_t now_ms,
    int status, size_t want, const uint8_t *first, size_t nfirst,
    lead_scored_all_fn fn, void *arg)
{
    tail    t;
    size_t  emitted = 0;
    int     rc, usable;

    rc = lead_kept_open(s, r, now_ms, &t, &usable);
    if (rc == LEAD_OK && !usable) {
        rc = LEAD_ENOTFOUND;
    }
    if (rc == LEAD_OK && nfirst) {
        rc = lead_kept_first(&t, first, nfirst, want, fn, arg, &emitted);
    }
    /* as many of first as wanted: those alone make the page */
    if (rc == LEAD_OK && emitted < want) {
        rc = list_top(&t, status, want, first, nfirst, fn, arg);
    }
    lead_kept_close(&t);
    return rc;
}

int
lead_store_tail_leads(lead_store *s, MDB_txn *txn, const lead_rules *r,
    uint64_t now_ms, uint8_t **ids, size_t *n, int *usable)
{
    tail    t;
    size_t  i, k;
    int     rc;

    *ids = NULL;
    *n = 0;
    *usable = 0;
    memset(&t, 0, sizeof(t));
    t.s = s;
    t.txn = txn;
    t.now_ms = now_ms;

    rc = lead_store_fold_pos(s, txn, &t.pos);
    if (rc != LEAD_OK || !kept_answers(&t.pos, r, now_ms)) {
        return rc;
    }
    rc = collect_tail(&t);
    if (rc == LEAD_OK && !t.too_long) {
        /* the tail's leads, then those to refold, in id order, once */
        *ids = malloc((t.n + t.nrebuild + 1) * LEAD_ID_LEN);
        if (*ids == NULL) {
            rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        for (i = 0; rc == LEAD_OK && i < t.n; i++) {
            memcpy(*ids + i * LEAD_ID_LEN, t.p[i].lead, LEAD_ID_LEN);
        }
        if (rc == LEAD_OK && t.nrebuild) {
            memcpy(*ids + t.n * LEAD_ID_LEN, t.rebuild,
                   t.nrebuild * LEAD_ID_LEN);
        }
        if (rc == LEAD_OK) {
            qsort(*ids, t.n + t.nrebuild, LEAD_ID_LEN, id_cmp);
            for (i = 0, k = 0; i < t.n + t.nrebuild; i++) {
                if (k == 0 || memcmp(*ids + i * LEAD_ID_LEN,
                                     *ids + (k - 1) * LEAD_ID_LEN,
                                     LEAD_ID_LEN) != 0)
                {
                    memmove(*ids + k++ * LEAD_ID_LEN,
                            *ids + i * LEAD_ID_LEN, LEAD_ID_LEN);
                }
            }
            *n = k;
            *usable = 1;
        }
    }
    free(t.p);
    free(t.rebuild);
    lead_buf_free(&t.copies);
    return rc;
}
