/*
 * Every lead's score kept in the store, so the lists (leadctl leads, the
 * sales view) read one record per lead instead of every event.
 *
 *   "states"     lead id -> first and last read, its scorer's state
 *   "summaries"  lead id -> what a list shows of it, scored at the fold
 *   "ranks"      sign, rank, lead id -> nothing: the leads hottest first
 *   "refold"     visitor id -> nothing: its leads to score again
 *   meta "fold"  the key of the last event folded in, and a hash of the
 *                scoring.conf the states were scored with
 *
 * The fold reads the event log in key (time) order, as the full scan
 * does, so a lead fed this way scores as if every event were read now.
 * What it cannot take in order goes to "refold" and its leads are scored
 * again from their own events: a batch stored after the fold passed its
 * time (another worker's, late), and a visitor that identified (what it
 * read before becomes its lead's).  Decay needs no writes: every number
 * of a summary halves with the same half-life, so a summary is scaled to
 * any later moment when it is read.  The fold leaves the last seconds
 * alone (until_ms): readers score those events themselves, the tail.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_fold.h"
#include "lead_derived.h"
#include "lead_companies.h"


/* Folded in already: the key is at or before the fold's. */
static int
folded(const lead_fold_pos *pos, uint64_t time_ms, uint64_t seq)
{
    uint64_t  pseq = lead_get_be64(pos->key + 8);

    return pos->started
           && (time_ms < pos->time_ms
               || (time_ms == pos->time_ms && seq <= pseq));
}

/* ---- summaries: what a list shows, scored at one moment ---------------- */

/*
 * Hottest last, and the same at every later moment: decay scales all
 * engagement alike, so log2(e) + ref / half_life orders leads as their
 * engagement will at any time (negative engagement below zero below
 * positive, its magnitude the other way round).
 */
static void
rank_key(uint8_t key[RANK_KEY_LEN], const lead_scoring *sc, double e,
    uint64_t ref_ms, const uint8_t *lead_id)
{
    double    l = 0;
    uint64_t  bits;

    if (e != 0) {
        l = log2(fabs(e)) + (double) ref_ms / (double) sc->half_life_ms;
        l = e > 0 ? l : -l;
    }
    memcpy(&bits, &l, 8);
    /* a double's bits, made to sort as the double does */
    bits = bits >> 63 ? ~bits : bits | 1ULL << 63;

    key[0] = e > 0 ? 2 : e == 0 ? 1 : 0;
    lead_put_be64(key + 1, bits);
    memcpy(key + 9, lead_id, LEAD_ID_LEN);
}

/* ---- folding ----------------------------------------------------------- */

/* A lead whose score just moved may have become an mql. */
static int
promote(lead_folding *f, const uint8_t *lead_id)
{
    lead_promotion  *grown;
    char             cause[LEAD_CAUSE_MAX];
    int              promoted, rc;

    rc = lead_store_promote_txn(f->s, f->txn, f->rules, lead_id,
                                f->pos.time_ms, f->score, f->scratch,
                                &promoted, cause);
    if (rc != LEAD_OK || !promoted) {
        return rc;
    }
    grown = realloc(f->promoted, (f->npromoted + 1) * sizeof(lead_promotion));
    if (grown == NULL) {
        return lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
    }
    f->promoted = grown;
    memcpy(grown[f->npromoted].lead, lead_id, LEAD_ID_LEN);
    grown[f->npromoted].engagement = f->scratch->engagement;
    memcpy(grown[f->npromoted].cause, cause, LEAD_CAUSE_MAX);
    f->npromoted++;
    return LEAD_OK;
}

/* The lead's account, its summary's part moved from old to the new. */
static int
keep_account(lead_folding *f, const uint8_t *lead_id,
    const lead_summary_head *old)
{
    MDB_val      key, val;
    lead_person  p;
    int          rc;

    if (f->half_life == 0) {
        return LEAD_OK;
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(f->txn, f->s->leads, &key, &val);
    if (rc != 0 || lead_decode_person(lead_id, &val, &p) != LEAD_OK) {
        return rc == 0 || rc == MDB_NOTFOUND
               ? LEAD_OK : lead_store_mdb_fail(f->s, rc, "reading a lead");
    }
    return lead_companies_score_txn(f->s, f->txn, p.email, old,
                                    f->score->engagement, f->pos.time_ms,
                                    f->half_life);
}

/*
 * The accounts built where they are not (a store older than them, or
 * rules changed), in one transaction: every lead, once, with its summary;
 * the half-life they are kept with then holds for the whole fold (a sum
 * found damaged empties the table, and a change to none writes none).
 */
static int
build_accounts(lead_folding *f)
{
    MDB_cursor   *cur;
    MDB_val       key, val;
    lead_person   p;
    lead_str      none = { "", 0 };
    uint64_t      half_life_ms;
    int           rc, got;

    rc = lead_companies_half_life(f->s, f->txn, &half_life_ms);
    if (rc != LEAD_OK || !f->s->accounting) {
        return rc;
    }
    f->half_life = f->sc->half_life_ms;
    if (half_life_ms == f->half_life) {
        return LEAD_OK;
    }
    rc = lead_companies_start_txn(f->s, f->txn, f->sc->half_life_ms);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_cursor_open(f->txn, f->s->leads, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(f->s, rc, "mdb_cursor_open");
    }
    for (got = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
         got == 0 && rc == LEAD_OK;
         got = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        if (key.mv_size == LEAD_ID_LEN
            && lead_decode_person(key.mv_data, &val, &p) == LEAD_OK)
        {
            rc = lead_companies_move_txn(f->s, f->txn, key.mv_data, none,
                                         p.email);
        }
    }
    mdb_cursor_close(cur);
    if (rc == LEAD_OK && got != MDB_NOTFOUND) {
        rc = lead_store_mdb_fail(f->s, got, "building the accounts");
    }
    return rc;
}

/* The scorer's state, summary and rank, as of the fold's moment. */
static int
save_lead(lead_folding *f, const uint8_t *lead_id)
{
    MDB_val                key, val;
    uint8_t                rank[RANK_KEY_LEN];
    lead_score             old;
    lead_summary_head      h;
    lead_stage_ends_rows   ends, was;
    int                    rc, decoded;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;

    /* its rank and stages' ends move: the old ones go (the ends worked
       out now, before a write moves the page the summary lies in) */
    rc = mdb_get(f->txn, f->s->summaries, &key, &val);
    decoded = rc == 0 && lead_summary_decode(&val, f->sc, (uint64_t) -1 >> 1,
                                             &old, &h) == LEAD_OK;
    was.n = 0;
    if (rc == 0) {
        lead_stage_ends_rows_of(f->sc, lead_id, &val, &was);
    }
    if (decoded) {
        rank_key(rank, f->sc, h.engagement, h.ref_ms, lead_id);
        key.mv_data = rank;
        key.mv_size = RANK_KEY_LEN;
        rc = mdb_del(f->txn, f->s->ranks, &key, NULL);
        key.mv_data = (void *) lead_id;
        key.mv_size = LEAD_ID_LEN;
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(f->s, rc, "reading a summary");
    }

    /* a summary is what a list shows: no why */
    rc = lead_scorer_totals(f->scorer, f->pos.time_ms, f->score);
    if (rc != LEAD_OK) {
        return lead_store_fail(f->s, rc, "out of memory");
    }

    f->buf.len = 0;
    lead_buf_put_u64(&f->buf, f->first_ms);
    lead_buf_put_u64(&f->buf, f->last_ms);
    lead_scorer_save(f->scorer, &f->buf);
    if (f->buf.oom) {
        return lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
    }
    val.mv_data = f->buf.data;
    val.mv_size = f->buf.len;
    rc = mdb_put(f->txn, f->s->states, &key, &val, 0);
    if (rc == 0 && f->stage_rows) {
        rc = lead_stages_put(f->s, f->stage_rows, lead_id, &f->stages,
                             &f->buf);
        if (rc != LEAD_OK) {
            return rc;
        }
    }

    if (rc == 0) {
        f->buf.len = 0;
        lead_summary_encode(&f->buf, f->sc, f->pos.time_ms, f->score, f->first_ms,
                       f->last_ms);
        val.mv_data = f->buf.data;
        val.mv_size = f->buf.len;
        rc = f->buf.oom ? ENOMEM
                        : mdb_put(f->txn, f->s->summaries, &key, &val, 0);
    }
    if (rc == 0) {
        lead_stage_ends_rows_of(f->sc, lead_id, &val, &ends);
        rc = lead_stage_ends_move(f->s, f->txn, &was, &ends);
        if (rc != LEAD_OK) {
            return rc;
        }
    }
    if (rc == 0) {
        rank_key(rank, f->sc, f->score->engagement, f->pos.time_ms, lead_id);
        key.mv_data = rank;
        key.mv_size = RANK_KEY_LEN;
        val.mv_data = NULL;
        val.mv_size = 0;
        rc = mdb_put(f->txn, f->s->ranks, &key, &val, 0);
    }
    if (rc != 0) {
        return lead_store_mdb_fail(f->s, rc, "keeping a score");
    }
    rc = keep_account(f, lead_id, decoded ? &h : NULL);
    return rc == LEAD_OK ? promote(f, lead_id) : rc;
}

/* A read into the lead's state and its stage walk. */
static int
feed(lead_folding *f, const lead_event *ev)
{
    lead_folding_note(f, ev);
    if (lead_scorer_add(f->scorer, ev) != LEAD_OK) {
        return lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
    }
    lead_stage_walk_read(&f->stages, f->sc, f->scorer, ev->time_ms);
    return LEAD_OK;
}

static int
refeed(void *arg, uint64_t seq, const lead_event *ev)
{
    lead_folding  *f = arg;

    if (ev->ua_class == LEAD_UA_BOT || !folded(&f->pos, ev->time_ms, seq)) {
        return 0;
    }
    return feed(f, ev) != LEAD_OK;
}

/* A lead scored again from its own events, all those folded so far. */
static int
rebuild(lead_folding *f, const uint8_t *lead_id)
{
    int  rc;

    lead_scorer_reset(f->scorer, 0);
    lead_stage_walk_reset(&f->stages);
    f->first_ms = f->last_ms = 0;
    rc = lead_store_lead_events_txn(f->s, f->txn, lead_id, refeed, f);
    if (rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
    }
    return rc == LEAD_OK ? save_lead(f, lead_id) : rc;
}

/* The leads of visitors marked for it, scored again. */
static int
refold(lead_folding *f, int *more)
{
    MDB_cursor  *cur;
    MDB_val      key, val, lkey;
    uint8_t      leads[32 * LINK_SIZE], visitor[LEAD_ID_LEN];
    size_t       n, i;
    int          rc;

    rc = mdb_cursor_open(f->txn, f->s->refold, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(f->s, rc, "mdb_cursor_open");
    }

    while ((rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST)) == 0) {
        if (lead_clock_ms() > f->deadline) {
            *more = 1;
            break;
        }
        n = 0;
        if (key.mv_size == LEAD_ID_LEN) {
            memcpy(visitor, key.mv_data, LEAD_ID_LEN);
            lkey.mv_data = visitor;
            lkey.mv_size = LEAD_ID_LEN;
            rc = mdb_get(f->txn, f->s->links, &lkey, &val);
            if (rc == 0 && val.mv_size % LINK_SIZE == 0
                && val.mv_size <= sizeof(leads))
            {
                memcpy(leads, val.mv_data, val.mv_size);
                n = val.mv_size / LINK_SIZE;
            }
        }
        rc = mdb_cursor_del(cur, 0);
        for (i = 0; rc == 0 && i < n; i++) {
            rc = rebuild(f, leads + i * LINK_SIZE);
        }
        if (rc != 0) {
            break;
        }
    }

    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND || rc == 0) {
        return LEAD_OK;
    }
    return rc < 0 ? rc : lead_store_mdb_fail(f->s, rc, "refolding");
}

/* The events after the fold's key, up to until_ms, into their leads. */
static int
fold_events(lead_folding *f, uint64_t until_ms, int *more)
{
    MDB_cursor     *cur;
    MDB_val         key, val, lkey, lval;
    lead_pending   *p = NULL, *grown;
    lead_buf        copies;
    lead_event      ev;
    size_t          n = 0, cap = 0, i, k;
    uint8_t         last_visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN] = { 0 };
    const uint8_t  *e, *link;
    int             rc, op, have_lead = 0, have_visitor = 0;
    uint64_t        t;

    memset(&copies, 0, sizeof(copies));

    rc = mdb_cursor_open(f->txn, f->s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(f->s, rc, "mdb_cursor_open");
    }
    key.mv_data = f->pos.key;
    key.mv_size = 16;
    op = f->pos.started ? MDB_SET_RANGE : MDB_FIRST;

    for (; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0; op = MDB_NEXT) {
        if (key.mv_size != 16) {
            continue;
        }
        if (f->pos.started && memcmp(key.mv_data, f->pos.key, 16) == 0) {
            continue;
        }
        t = lead_get_be64(key.mv_data);
        if (t > until_ms) {
            break;
        }
        if ((n & 255) == 0 && lead_clock_ms() > f->deadline) {
            *more = 1;
            break;
        }

        memcpy(f->pos.key, key.mv_data, 16);
        f->pos.time_ms = t;
        f->pos.started = 1;

        e = val.mv_data;
        if (val.mv_size < EVENT_HEAD || e[1] == LEAD_UA_BOT) {
            continue;
        }

        /* a visitor's events come in runs: its lead is looked up once */
        if (!have_visitor || memcmp(last_visitor, e + 12, LEAD_ID_LEN) != 0) {
            memcpy(last_visitor, e + 12, LEAD_ID_LEN);
            have_visitor = 1;
            have_lead = 0;
            lkey.mv_data = last_visitor;
            lkey.mv_size = LEAD_ID_LEN;
            if (mdb_get(f->txn, f->s->links, &lkey, &lval) == 0
                && lval.mv_size % LINK_SIZE == 0 && lval.mv_size)
            {
                link = lead_attributed(lval.mv_data,
                                       lval.mv_size / LINK_SIZE, t);
                memcpy(lead, link, LEAD_ID_LEN);
                have_lead = 1;
                /* relinked: which lead depends on each event's time */
                have_visitor = lval.mv_size == LINK_SIZE;
            }
        }
        if (!have_lead) {
            continue;                   /* anonymous: no lead to score */
        }

        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            grown = realloc(p, cap * sizeof(lead_pending));
            if (grown == NULL) {
                rc = ENOMEM;
                break;
            }
            p = grown;
        }
        memcpy(p[n].lead, lead, LEAD_ID_LEN);
        p[n].at = copies.len;
        p[n].len = val.mv_size;
        p[n].order = n;
        lead_buf_put(&copies, val.mv_data, val.mv_size);
        n++;
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        free(p);
        lead_buf_free(&copies);
        return rc == ENOMEM ? lead_store_fail(f->s, LEAD_ENOMEM,
                                              "out of memory")
                            : lead_store_mdb_fail(f->s, rc, "folding");
    }
    if (copies.oom) {
        free(p);
        lead_buf_free(&copies);
        return lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
    }

    lead_sort(p, n, sizeof(lead_pending), lead_pending_cmp);

    rc = LEAD_OK;
    for (i = 0; i < n && rc == LEAD_OK; i = k) {
        rc = lead_folding_load(f, p[i].lead, f->txn);
        if (rc == LEAD_OK && f->stage_rows) {
            rc = lead_stages_get(f->s, f->stage_rows, p[i].lead, &f->stages);
        }
        if (rc == LEAD_EINVAL) {
            /* a damaged state: this lead from scratch */
            rc = rebuild(f, p[i].lead);
            for (k = i; k < n && memcmp(p[k].lead, p[i].lead,
                                        LEAD_ID_LEN) == 0; k++)
            {
                /* void: its events were folded by the rebuild */
            }
            continue;
        }
        for (k = i; rc == LEAD_OK && k < n
                    && memcmp(p[k].lead, p[i].lead, LEAD_ID_LEN) == 0; k++)
        {
            if (lead_event_decode((uint8_t *) copies.data + p[k].at, p[k].len,
                                  &ev) == LEAD_OK)
            {
                rc = feed(f, &ev);
            }
        }
        if (rc == LEAD_OK) {
            rc = save_lead(f, p[i].lead);
        }
    }

    free(p);
    lead_buf_free(&copies);
    return rc;
}

int
lead_store_index_txn(lead_store *s, MDB_txn *txn, uint64_t until_ms,
    uint64_t deadline_ms, int *more)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    lead_visit  *v = NULL, *grownv;
    uint8_t     *ids = NULL, *grownid, pos[16], last[16];
    size_t       n = 0, cap = 0, i;
    int          rc, op, all;

    rc = lead_store_indexed(s, txn, pos, &all);
    if (rc != LEAD_OK || all) {
        return rc;
    }
    memcpy(last, pos, 16);

    rc = mdb_cursor_open(txn, s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    key.mv_data = pos;
    key.mv_size = 16;
    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != 16 || memcmp(key.mv_data, pos, 16) == 0) {
            continue;
        }
        if (lead_get_be64(key.mv_data) > until_ms) {
            break;
        }
        if ((n & 255) == 0 && lead_clock_ms() > deadline_ms) {
            *more = 1;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            grownv = realloc(v, cap * sizeof(lead_visit));
            grownid = realloc(ids, cap * LEAD_ID_LEN);
            v = grownv ? grownv : v;
            ids = grownid ? grownid : ids;
            if (grownv == NULL || grownid == NULL) {
                rc = ENOMEM;
                break;
            }
        }
        memcpy(last, key.mv_data, 16);
        if (val.mv_size >= EVENT_HEAD) {
            memcpy(ids + n * LEAD_ID_LEN, (uint8_t *) val.mv_data + 12,
                   LEAD_ID_LEN);
            v[n].time_ms = lead_get_be64(last);
            v[n].seq = lead_get_be64(last + 8);
            v[n].size = val.mv_size;
            n++;
        }
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        rc = rc == ENOMEM ? lead_store_fail(s, LEAD_ENOMEM,
                                            "out of memory")
                          : lead_store_mdb_fail(s, rc, "indexing");
    } else {
        /* the ids moved as the arrays grew: point at them now */
        for (i = 0; i < n; i++) {
            v[i].id = ids + i * LEAD_ID_LEN;
        }
        rc = n ? lead_store_index_visits(s, txn, v, n) : LEAD_OK;
        if (rc == LEAD_OK && memcmp(last, pos, 16) != 0) {
            rc = lead_store_set_indexed(s, txn, last);
        }
    }
    free(v);
    free(ids);
    return rc;
}

int
lead_store_fold(lead_store *s, const lead_rules *r, uint64_t until_ms,
    unsigned budget_ms, lead_promoted_fn fn, void *arg, int *more)
{
    lead_folding   f;
    lead_fold_pos  start;
    uint64_t       hash = r ? lead_fold_rules_hash(r) : 0;
    size_t         i;
    int            rc;

    *more = 0;
    memset(&start, 0, sizeof(start));
    if (s->read_only) {
        return lead_store_fail(s, LEAD_EINVAL, "store opened read-only");
    }

    memset(&f, 0, sizeof(f));
    f.s = s;
    f.rules = r;
    f.sc = r ? lead_rules_scoring(r) : NULL;
    f.deadline = lead_clock_ms() + budget_ms;
    f.scorer = r ? lead_scorer_new(f.sc) : NULL;
    f.score = malloc(sizeof(lead_score));
    f.scratch = malloc(sizeof(lead_score));
    if ((r && f.scorer == NULL) || f.score == NULL || f.scratch == NULL) {
        lead_scorer_free(f.scorer);
        free(f.score);
        free(f.scratch);
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_write_begin(s, &f.txn);
    if (rc == LEAD_OK) {
        rc = lead_store_fold_pos(s, f.txn, &f.pos);
        start = f.pos;
    }

    /* other scoring rules: every lead again, from the first event */
    if (rc == LEAD_OK && r && f.pos.rules != hash) {
        rc = mdb_drop(f.txn, s->states, 0);
        rc = rc ? rc : mdb_drop(f.txn, s->summaries, 0);
        rc = rc ? rc : mdb_drop(f.txn, s->ranks, 0);
        rc = rc ? rc : mdb_drop(f.txn, s->refold, 0);
        rc = rc || !s->staging ? rc : mdb_drop(f.txn, s->stages, 0);
        rc = rc ? lead_store_mdb_fail(s, rc, "starting the fold") : LEAD_OK;
        rc = rc ? rc : lead_companies_start_txn(s, f.txn, 0);
        memset(&f.pos, 0, sizeof(f.pos));
        f.pos.rules = hash;
    }
    if (rc == LEAD_OK && r && s->staging) {
        rc = mdb_cursor_open(f.txn, s->stages, &f.stage_rows);
        rc = rc ? lead_store_mdb_fail(s, rc, "mdb_cursor_open") : LEAD_OK;
    }
    if (rc == LEAD_OK && r) {
        rc = build_accounts(&f);
    }
    if (rc == LEAD_OK && r) {
        rc = lead_stage_ends_build(s, f.txn, f.sc, f.pos.rules);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_texts_build(s, f.txn);
    }
    /* the indexes first: scoring a lead again reads through them */
    if (rc == LEAD_OK) {
        rc = lead_store_index_txn(s, f.txn, until_ms, f.deadline, more);
    }
    /* without rules, nothing to score: the indexes alone */
    if (rc == LEAD_OK && r && !*more) {
        rc = refold(&f, more);
    }
    if (rc == LEAD_OK && r && !*more) {
        rc = fold_events(&f, until_ms, more);
    }
    /* the assets' readers of the visitors indexed or marked since (ingest
       leaves them to this), with what the scores leave of the budget */
    if (rc == LEAD_OK && !*more) {
        rc = lead_readers_keep_txn(s, f.txn, f.deadline, more);
    }
    /* nothing new: the transaction commits nothing, syncs nothing */
    if (rc == LEAD_OK && memcmp(&f.pos, &start, sizeof(start)) != 0) {
        rc = lead_store_set_fold_pos(s, f.txn, &f.pos);
    }

    if (f.stage_rows) {
        mdb_cursor_close(f.stage_rows);
    }
    if (f.txn != NULL) {
        if (rc == LEAD_OK) {
            rc = mdb_txn_commit(f.txn);
            rc = rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc,
                                                         "mdb_txn_commit");
        } else {
            mdb_txn_abort(f.txn);
        }
    }

    for (i = 0; rc == LEAD_OK && fn && i < f.npromoted; i++) {
        fn(arg, f.promoted[i].lead, f.promoted[i].cause,
           f.promoted[i].engagement);
    }

    free(f.promoted);
    lead_buf_free(&f.buf);
    lead_scorer_free(f.scorer);
    free(f.score);
    free(f.scratch);
    return rc;
}
