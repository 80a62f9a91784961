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
#include "lead_internal.h"
#include "lead_store.h"

#define SUMMARY_VERSION  1
#define STATE_HEAD       16           /* first_ms, last_ms */
#define EVENT_HEAD       (1 + 1 + 2 + 8 + LEAD_ID_LEN + 8 + 8)
#define RANK_KEY_LEN     (1 + 8 + LEAD_ID_LEN)
#define TAIL_MAX         200000       /* more: a full scan is faster */

/* FNV-1a of scoring.conf: a change of it scores every lead again. */
static uint64_t
rules_hash(const lead_rules *r)
{
    lead_str  t = lead_rules_text(r, LEAD_RULES_SCORING);
    uint64_t  h = 0xcbf29ce484222325ULL;
    size_t    i;

    for (i = 0; i < t.len; i++) {
        h = (h ^ (uint8_t) t.data[i]) * 0x100000001b3ULL;
    }
    return h;
}

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

static void
put_f64(lead_buf *b, double d)
{
    uint64_t  bits;

    memcpy(&bits, &d, 8);
    lead_buf_put_u64(b, bits);
}

static void
encode_summary(lead_buf *b, const lead_scoring *sc, uint64_t ref_ms,
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

typedef struct {
    uint64_t  ref_ms;
    uint64_t  first_ms, last_ms;
    double    engagement;
} summary_head;

static double
get_f64(const uint8_t *p)
{
    uint64_t  bits = lead_get_u64(p);
    double    d;

    memcpy(&d, &bits, 8);
    return d;
}

/* What a list reads of a score, zero: a lead that read nothing yet. */
static void
clear_score(const lead_scoring *sc, lead_score *score)
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
 * A summary as a list scores it at now_ms (at or after its moment):
 * everything scaled by the decay since.  LEAD_EINVAL if it is damaged.
 */
static int
decode_summary(const MDB_val *v, const lead_scoring *sc, uint64_t now_ms,
    lead_score *score, summary_head *h)
{
    const uint8_t  *p = v->mv_data, *end = p + v->mv_size;
    double          scale;
    unsigned        i, n;

    if (v->mv_size < 4 || p[0] != SUMMARY_VERSION || p[1] != sc->nstages
        || p[2] > 4 || p[3] > LEAD_TOPICS_MAX
        || v->mv_size < 4 + 8 + 8 + 8 * (size_t) p[1] + 24 + 2 * (size_t) p[2])
    {
        return LEAD_EINVAL;
    }

    clear_score(sc, score);
    score->ncountries = p[2];
    score->ntopics = p[3];
    h->ref_ms = lead_get_u64(p + 4);
    if (now_ms < h->ref_ms) {
        return LEAD_EINVAL;
    }
    scale = exp2(-(double) (now_ms - h->ref_ms) / (double) sc->half_life_ms);
    h->engagement = get_f64(p + 12);
    score->engagement = h->engagement * scale;
    p += 20;
    for (i = 0; i < sc->nstages; i++, p += 8) {
        score->stages[i] = get_f64(p) * scale;
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
        score->topics[i].engagement = get_f64(p + 1 + n) * scale;
        p += 1 + n + 8;
    }
    return p == end ? LEAD_OK : LEAD_EINVAL;
}

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

/* A lead the fold made mql, told to the caller once committed. */
typedef struct {
    uint8_t      lead[LEAD_ID_LEN];
    lead_score   score;
    char         cause[LEAD_CAUSE_MAX];
} promotion;

typedef struct {
    lead_store          *s;
    MDB_txn             *txn;
    const lead_rules    *rules;        /* NULL: score, promote nothing */
    const lead_scoring  *sc;
    lead_fold_pos             pos;
    lead_scorer         *scorer;
    lead_score          *score;
    lead_score          *scratch;
    lead_buf             buf;
    uint64_t             first_ms, last_ms;
    promotion           *promoted;
    size_t               npromoted;
    double               deadline;
} fold;

static void
note_read(fold *f, const lead_event *ev)
{
    if (f->first_ms == 0 || ev->time_ms < f->first_ms) {
        f->first_ms = ev->time_ms;
    }
    if (ev->time_ms > f->last_ms) {
        f->last_ms = ev->time_ms;
    }
}

/* The lead's kept state into f->scorer; a new one when it has none. */
static int
load_state(fold *f, const uint8_t *lead_id, MDB_txn *txn)
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

/* A lead whose score just moved may have become an mql. */
static int
promote(fold *f, const uint8_t *lead_id)
{
    promotion  *grown;
    char        cause[LEAD_CAUSE_MAX];
    int         promoted, rc;

    rc = lead_store_promote_txn(f->s, f->txn, f->rules, lead_id,
                                f->pos.time_ms, f->score, f->scratch,
                                &promoted, cause);
    if (rc != LEAD_OK || !promoted) {
        return rc;
    }
    grown = realloc(f->promoted, (f->npromoted + 1) * sizeof(promotion));
    if (grown == NULL) {
        return lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
    }
    f->promoted = grown;
    memcpy(grown[f->npromoted].lead, lead_id, LEAD_ID_LEN);
    grown[f->npromoted].score = *f->scratch;
    memcpy(grown[f->npromoted].cause, cause, LEAD_CAUSE_MAX);
    f->npromoted++;
    return LEAD_OK;
}

/* The scorer's state, summary and rank, as of the fold's moment. */
static int
save_lead(fold *f, const uint8_t *lead_id)
{
    MDB_val       key, val;
    uint8_t       rank[RANK_KEY_LEN];
    lead_score    old;
    summary_head  h;
    int           rc;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;

    /* its rank moves: the old one goes */
    rc = mdb_get(f->txn, f->s->summaries, &key, &val);
    if (rc == 0 && decode_summary(&val, f->sc, (uint64_t) -1 >> 1, &old, &h)
                   == LEAD_OK)
    {
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

    rc = lead_scorer_result(f->scorer, f->pos.time_ms, f->score);
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

    if (rc == 0) {
        f->buf.len = 0;
        encode_summary(&f->buf, f->sc, f->pos.time_ms, f->score, f->first_ms,
                       f->last_ms);
        val.mv_data = f->buf.data;
        val.mv_size = f->buf.len;
        rc = f->buf.oom ? ENOMEM
                        : mdb_put(f->txn, f->s->summaries, &key, &val, 0);
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
    return promote(f, lead_id);
}

static int
refeed(void *arg, uint64_t seq, const lead_event *ev)
{
    fold  *f = arg;

    if (ev->ua_class == LEAD_UA_BOT || !folded(&f->pos, ev->time_ms, seq)) {
        return 0;
    }
    note_read(f, ev);
    return lead_scorer_add(f->scorer, ev) != LEAD_OK;
}

/* A lead scored again from its own events, all those folded so far. */
static int
rebuild(fold *f, const uint8_t *lead_id)
{
    int  rc;

    lead_scorer_reset(f->scorer, 0);
    f->first_ms = f->last_ms = 0;
    rc = lead_store_lead_events_txn(f->s, f->txn, lead_id, refeed, f);
    if (rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
    }
    return rc == LEAD_OK ? save_lead(f, lead_id) : rc;
}

/* The leads of visitors marked for it, scored again. */
static int
refold(fold *f, int *more)
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

/* An event waiting to be fed, copied out: the fold writes as it goes. */
typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    size_t    at, len;             /* in the copies buffer */
    size_t    order;
} pending;

static int
pending_cmp(const void *x, const void *y)
{
    const pending  *a = x, *b = y;
    int             d = memcmp(a->lead, b->lead, LEAD_ID_LEN);

    return d ? d : (a->order > b->order) - (a->order < b->order);
}

/* The events after the fold's key, up to until_ms, into their leads. */
static int
fold_events(fold *f, uint64_t until_ms, int *more)
{
    MDB_cursor      *cur;
    MDB_val          key, val, lkey, lval;
    pending         *p = NULL, *grown;
    lead_buf         copies;
    lead_event       ev;
    size_t           n = 0, cap = 0, i, k;
    uint8_t          last_visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN] = { 0 };
    const uint8_t   *e, *link;
    int              rc, op, have_lead = 0, have_visitor = 0;
    uint64_t         t;

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
            grown = realloc(p, cap * sizeof(pending));
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

    lead_sort(p, n, sizeof(pending), pending_cmp);

    rc = LEAD_OK;
    for (i = 0; i < n && rc == LEAD_OK; i = k) {
        rc = load_state(f, p[i].lead, f->txn);
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
                note_read(f, &ev);
                if (lead_scorer_add(f->scorer, &ev) != LEAD_OK) {
                    rc = lead_store_fail(f->s, LEAD_ENOMEM, "out of memory");
                }
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

/* The per-visitor indexes brought up to until_ms, from where they are. */
static int
index_events(fold *f, uint64_t until_ms, int *more)
{
    MDB_cursor   *cur;
    MDB_val       key, val;
    lead_visit   *v = NULL, *grownv;
    uint8_t      *ids = NULL, *grownid, pos[16], last[16];
    size_t        n = 0, cap = 0, i;
    int           rc, op, all;

    rc = lead_store_indexed(f->s, f->txn, pos, &all);
    if (rc != LEAD_OK || all) {
        return rc;
    }
    memcpy(last, pos, 16);

    rc = mdb_cursor_open(f->txn, f->s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(f->s, rc, "mdb_cursor_open");
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
        if ((n & 255) == 0 && lead_clock_ms() > f->deadline) {
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
            n++;
        }
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        rc = rc == ENOMEM ? lead_store_fail(f->s, LEAD_ENOMEM,
                                            "out of memory")
                          : lead_store_mdb_fail(f->s, rc, "indexing");
    } else {
        /* the ids moved as the arrays grew: point at them now */
        for (i = 0; i < n; i++) {
            v[i].id = ids + i * LEAD_ID_LEN;
        }
        rc = n ? lead_store_index_visits(f->s, f->txn, v, n) : LEAD_OK;
        if (rc == LEAD_OK && memcmp(last, pos, 16) != 0) {
            rc = lead_store_set_indexed(f->s, f->txn, last);
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
    fold      f;
    lead_fold_pos  start;
    uint64_t  hash = r ? rules_hash(r) : 0;
    size_t    i;
    int       rc;

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
        rc = rc ? lead_store_mdb_fail(s, rc, "starting the fold") : LEAD_OK;
        memset(&f.pos, 0, sizeof(f.pos));
        f.pos.rules = hash;
    }
    /* the indexes first: scoring a lead again reads through them */
    if (rc == LEAD_OK) {
        rc = index_events(&f, until_ms, more);
    }
    /* without rules, nothing to score: the indexes alone */
    if (rc == LEAD_OK && r && !*more) {
        rc = refold(&f, more);
    }
    if (rc == LEAD_OK && r && !*more) {
        rc = fold_events(&f, until_ms, more);
    }
    /* nothing new: the transaction commits nothing, syncs nothing */
    if (rc == LEAD_OK && memcmp(&f.pos, &start, sizeof(start)) != 0) {
        rc = lead_store_set_fold_pos(s, f.txn, &f.pos);
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
        fn(arg, f.promoted[i].lead, &f.promoted[i].score,
           f.promoted[i].cause);
    }

    free(f.promoted);
    lead_buf_free(&f.buf);
    lead_scorer_free(f.scorer);
    free(f.score);
    free(f.scratch);
    return rc;
}

/* ---- reading: every lead, from its summary ----------------------------- */

/* A lead with events after the fold: scored here, kept as a summary. */
typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    size_t    at, len;            /* its summary in the tail's buffer */
} tail_lead;

typedef struct {
    lead_store          *s;
    MDB_txn             *txn;
    const lead_scoring  *sc;
    lead_fold_pos             pos;
    uint64_t             now_ms;
    pending             *p;
    size_t               n, cap;
    lead_buf             copies;
    tail_lead           *leads;
    size_t               nleads;
    lead_buf             summaries;
    uint8_t             *rebuild;      /* leads of visitors to refold */
    size_t               nrebuild;
    int                  too_long;
} tail;

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
    MDB_cursor      *cur;
    MDB_val          key, val, lkey, lval;
    pending         *grown;
    const uint8_t   *e;
    uint64_t         time_ms;
    int              rc, op;

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
            grown = realloc(t->p, t->cap * sizeof(pending));
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
    fold  *f = arg;

    (void) seq;
    if (ev->ua_class == LEAD_UA_BOT || ev->time_ms > f->pos.time_ms) {
        return 0;
    }
    note_read(f, ev);
    return lead_scorer_add(f->scorer, ev) != LEAD_OK;
}

static int
keep_tail_lead(tail *t, fold *f, const uint8_t *lead_id)
{
    tail_lead  *tl;
    int         rc;

    rc = lead_scorer_result(f->scorer, t->now_ms, f->score);
    if (rc != LEAD_OK) {
        return lead_store_fail(t->s, rc, "out of memory");
    }
    tl = &t->leads[t->nleads++];
    memcpy(tl->lead, lead_id, LEAD_ID_LEN);
    tl->at = t->summaries.len;
    encode_summary(&t->summaries, t->sc, t->now_ms, f->score, f->first_ms,
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
    fold        f;
    lead_event  ev;
    size_t      i, k;
    int         rc = LEAD_OK;

    lead_sort(t->p, t->n, sizeof(pending), pending_cmp);
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
        rc = load_state(&f, t->p[i].lead, t->txn);
        if (rc == LEAD_EINVAL) {
            t->too_long = 1;            /* damaged: the full scan knows */
            rc = LEAD_OK;
            break;
        }
        for (; rc == LEAD_OK && i < k; i++) {
            if (lead_event_decode((uint8_t *) t->copies.data + t->p[i].at,
                                  t->p[i].len, &ev) == LEAD_OK)
            {
                note_read(&f, &ev);
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

/* One of a table's rows at a time, walked alongside the leads. */
typedef struct {
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          more;
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

/* Moves w to the first row whose key starts at or after id; 1 if equal. */
static int
walk_to(walk *w, const uint8_t *id)
{
    int  d;

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

static int
by_lead(const void *key, const void *elt)
{
    return memcmp(key, ((const tail_lead *) elt)->lead, LEAD_ID_LEN);
}

/* Every lead from the summaries and the tail, in lead id order. */
static int
list_summaries(tail *t, lead_scored_all_fn fn, void *arg)
{
    walk           leads, statuses, devices, summaries;
    lead_person    p;
    lead_score    *score;
    lead_scored    out;
    summary_head   h;
    tail_lead     *tl;
    MDB_val        v;
    int            rc;

    memset(&leads, 0, sizeof(walk));
    memset(&statuses, 0, sizeof(walk));
    memset(&devices, 0, sizeof(walk));
    memset(&summaries, 0, sizeof(walk));

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

    for (; rc == LEAD_OK && leads.more; walk_next(&leads)) {
        const uint8_t  *id = leads.key.mv_data;

        if (leads.key.mv_size != LEAD_ID_LEN
            || lead_decode_person(id, &leads.val, &p) != LEAD_OK)
        {
            continue;
        }
        memset(&out, 0, sizeof(out));
        out.person = &p;
        out.score = score;
        out.status = LEAD_STATUS_IDENTIFIED;
        out.status_ms = p.created_ms;
        if (walk_to(&statuses, id) && statuses.val.mv_size == 9) {
            out.status = ((uint8_t *) statuses.val.mv_data)[0];
            out.status_ms = lead_get_u64((uint8_t *) statuses.val.mv_data
                                         + 1);
        }
        for (walk_to(&devices, id);
             devices.more && devices.key.mv_size == 2 * LEAD_ID_LEN
             && memcmp(devices.key.mv_data, id, LEAD_ID_LEN) == 0;
             walk_next(&devices))
        {
            out.devices++;
        }

        tl = t->nleads ? bsearch(id, t->leads, t->nleads, sizeof(tail_lead),
                                 by_lead)
                       : NULL;
        if (tl) {
            v.mv_data = (uint8_t *) t->summaries.data + tl->at;
            v.mv_size = tl->len;
        } else if (walk_to(&summaries, id)) {
            v = summaries.val;
        } else {
            v.mv_size = 0;
        }

        if (v.mv_size == 0
            || decode_summary(&v, t->sc, t->now_ms, score, &h) != LEAD_OK)
        {
            /* no event yet (or a damaged summary, scored again later) */
            clear_score(t->sc, score);
            h.first_ms = h.last_ms = 0;
        }
        out.first_ms = h.first_ms;
        out.last_ms = h.last_ms;

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

/*
 * The kept scores, with the tail scored, when they can answer for these
 * rules at now_ms; t->txn is left open for the caller when they can.
 */
static int
open_kept(lead_store *s, const lead_rules *r, uint64_t now_ms, tail *t,
    int *usable)
{
    int  rc;

    *usable = 0;
    memset(t, 0, sizeof(*t));
    t->s = s;
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
    if (rc == LEAD_OK && t->pos.started && t->pos.rules == rules_hash(r)
        && now_ms >= t->pos.time_ms)
    {
        rc = collect_tail(t);
        if (rc == LEAD_OK && !t->too_long) {
            rc = score_tail(t);
        }
        *usable = rc == LEAD_OK && !t->too_long;
    }
    return rc;
}

static void
close_kept(tail *t)
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

int
lead_store_list_all(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_scored_all_fn fn, void *arg)
{
    tail  t;
    int   rc, usable;

    rc = open_kept(s, r, now_ms, &t, &usable);
    if (rc == LEAD_OK && usable) {
        rc = list_summaries(&t, fn, arg);
    }
    close_kept(&t);

    if (rc == LEAD_OK && !usable && !s->empty && !s->partial) {
        rc = lead_store_score_all(s, lead_rules_scoring(r), now_ms, fn, arg);
    }
    return rc;
}

/* One lead, found by id, as list_summaries passes it on. */
static int
emit_lead(tail *t, const uint8_t *id, const MDB_val *summary,
    lead_score *score, lead_scored_all_fn fn, void *arg)
{
    MDB_val        key, val;
    MDB_cursor    *cur;
    lead_person    p;
    lead_scored    out;
    summary_head   h;
    int            rc;

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(t->txn, t->s->leads, &key, &val);
    if (rc == MDB_NOTFOUND || (rc == 0
                               && lead_decode_person(id, &val, &p) != LEAD_OK))
    {
        return LEAD_OK;                 /* a rank of a lead that is gone */
    }
    if (rc != 0) {
        return lead_store_mdb_fail(t->s, rc, "reading a lead");
    }

    memset(&out, 0, sizeof(out));
    out.person = &p;
    out.score = score;
    out.status = LEAD_STATUS_IDENTIFIED;
    out.status_ms = p.created_ms;
    if (mdb_get(t->txn, t->s->statuses, &key, &val) == 0
        && val.mv_size == 9)
    {
        out.status = ((uint8_t *) val.mv_data)[0];
        out.status_ms = lead_get_u64((uint8_t *) val.mv_data + 1);
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

    if (decode_summary(summary, t->sc, t->now_ms, score, &h) != LEAD_OK) {
        clear_score(t->sc, score);
        h.first_ms = h.last_ms = 0;
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
list_top(tail *t, int status, size_t want, lead_scored_all_fn fn, void *arg)
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
                                  by_lead))
            || (status >= 0 && status_of(t, id) != status))
        {
            continue;
        }
        key.mv_data = (void *) id;
        key.mv_size = LEAD_ID_LEN;
        if (mdb_get(t->txn, t->s->summaries, &key, &summary) != 0) {
            continue;
        }
        rc = emit_lead(t, id, &summary, score, fn, arg);
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
        if (status >= 0 && status_of(t, t->leads[i].lead) != status) {
            continue;
        }
        summary.mv_data = (uint8_t *) t->summaries.data + t->leads[i].at;
        summary.mv_size = t->leads[i].len;
        rc = emit_lead(t, t->leads[i].lead, &summary, score, fn, arg);
    }

    free(score);
    return rc;
}

int
lead_store_list_top(lead_store *s, const lead_rules *r, uint64_t now_ms,
    int status, size_t want, lead_scored_all_fn fn, void *arg)
{
    tail  t;
    int   rc, usable;

    rc = open_kept(s, r, now_ms, &t, &usable);
    if (rc == LEAD_OK) {
        rc = usable ? list_top(&t, status, want, fn, arg) : LEAD_ENOTFOUND;
    }
    close_kept(&t);
    return rc;
}
