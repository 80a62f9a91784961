/*
 * The event log and its visitor indexes (written by lead_index.c).
 *
 * "events" is the log in time order (see append_events); a commit only
 * appends to it, which is what makes it fast.  "visitors" (first, last,
 * count by visitor id) and "visited" (visitor -> time + seq, sorted
 * duplicates; a store older than it keeps its "visits" rows, visitor +
 * time + seq, and adds new ones to "visited") index it by visitor, and
 * "seen" (last seen + visitor) its anonymous visitors oldest first: the
 * fold keeps them (lead_fold.c) up to meta "indexed", and readers add the
 * events after that themselves.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"

static const char  seq_key[] = "seq";

/*
 * Keys are the event time then a store-wide sequence number (kept in
 * "meta"), both big-endian: the log reads in time order, and since every
 * batch is recent its keys land at the end, where MDB_APPEND is cheap.
 * The events of b from *pos on go, at most max_bytes of them (see
 * lead_store_commit_part); each one stored is counted as anonymous data
 * until the indexes find its visitor is a lead's.
 */
static int
append_events(lead_store *s, MDB_txn *txn, const lead_batch *b, size_t *pos,
    size_t max_bytes, int leads_only, lead_visit *visits, size_t *n,
    size_t *skipped)
{
    MDB_cursor     *cur, *lc = NULL;
    MDB_val         key, val, skey, sval;
    uint8_t         kbuf[16], seqbuf[8];
    uint64_t        seq = 0, anon = 0;
    size_t          len, took = 0;
    const uint8_t  *rec;
    int             rc, lrc;

    *n = 0;
    skey.mv_data = (void *) seq_key;
    skey.mv_size = sizeof(seq_key) - 1;

    rc = mdb_get(txn, s->meta, &skey, &sval);
    if (rc == 0 && sval.mv_size == 8) {
        seq = lead_get_u64(sval.mv_data);
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading the event sequence");
    }

    rc = s->bounded ? lead_store_anonymous(s, txn, &anon) : LEAD_OK;
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = mdb_cursor_open(txn, s->events, &cur);
    if (rc == 0 && leads_only) {
        rc = mdb_cursor_open(txn, s->links, &lc);
        if (rc != 0) {
            mdb_cursor_close(cur);
        }
    }
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    while (took < max_bytes && lead_batch_next(b, pos, &rec, &len)) {
        took += len + 2;

        if (leads_only
            && !lead_store_linked(s, lc, rec + EVENT_VISITOR_AT, &lrc))
        {
            if (lrc < 0) {
                mdb_cursor_close(cur);
                mdb_cursor_close(lc);
                return lrc;
            }
            (*skipped)++;
            continue;
        }

        /* the visitor id and time sit at fixed offsets of the head */
        visits[*n].id = rec + EVENT_VISITOR_AT;
        visits[*n].time_ms = lead_get_u64(rec + 4);
        visits[*n].size = len;

        lead_put_be64(kbuf, visits[*n].time_ms);
        visits[*n].seq = ++seq;
        lead_put_be64(kbuf + 8, seq);
        key.mv_data = kbuf;
        key.mv_size = sizeof(kbuf);
        val.mv_data = (void *) rec;
        val.mv_size = len;

        rc = mdb_cursor_put(cur, &key, &val, MDB_APPEND);
        if (rc == MDB_KEYEXIST) {
            /* older than the newest stored event: another worker's */
            rc = mdb_cursor_put(cur, &key, &val, 0);
        }
        if (rc != 0) {
            mdb_cursor_close(cur);
            mdb_cursor_close(lc);
            return lead_store_mdb_fail(s, rc, "appending an event");
        }

        anon += LEAD_ANON_EVENT_COST(len);
        (*n)++;
    }

    mdb_cursor_close(cur);
    mdb_cursor_close(lc);

    lead_put_u64(seqbuf, seq);
    sval.mv_data = seqbuf;
    sval.mv_size = 8;

    rc = mdb_put(txn, s->meta, &skey, &sval, 0);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing the event sequence");
    }

    return s->bounded ? lead_store_set_anonymous(s, txn, anon) : LEAD_OK;
}

/* The rows lead_store_each_visit drops, deleted after its walk. */
typedef struct {
    uint8_t  (*keys)[16];
    size_t     n, cap;
} dropped;

static int
drop_later(lead_store *s, dropped *d, const uint8_t key[16])
{
    uint8_t  (*k)[16];
    size_t     cap;

    if (d->n == d->cap) {
        cap = d->cap ? 2 * d->cap : 64;
        k = realloc(d->keys, cap * sizeof(*k));
        if (k == NULL) {
            return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        d->keys = k;
        d->cap = cap;
    }
    memcpy(d->keys[d->n++], key, 16);
    return LEAD_OK;
}

/* One table's rows of id: "visits" (dense 0) or "visited" (1). */
static int
walk_visits(lead_store *s, MDB_txn *txn, int dense, const uint8_t *id,
    lead_visit_fn fn, void *arg, dropped *d)
{
    MDB_cursor     *cur;
    MDB_val         key, val;
    const uint8_t  *ek;
    uint8_t         ekey[16];
    int             rc, op, r;

    rc = mdb_cursor_open(txn, dense ? s->visited : s->visits, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;
    r = LEAD_OK;

    for (op = dense ? MDB_SET_KEY : MDB_SET_RANGE;
         (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = dense ? MDB_NEXT_DUP : MDB_NEXT)
    {
        if (dense) {
            if (val.mv_size != 16) {
                continue;
            }
            ek = val.mv_data;
        } else {
            if (key.mv_size != LEAD_VISIT_KEY_LEN
                || memcmp(key.mv_data, id, LEAD_ID_LEN) != 0)
            {
                break;
            }
            ek = (const uint8_t *) key.mv_data + LEAD_ID_LEN;
        }

        memcpy(ekey, ek, 16);
        r = fn(arg, ekey);
        if (r == LEAD_VISIT_DROP) {
            r = drop_later(s, d, ekey);
        }
        if (r != LEAD_OK) {
            break;
        }
    }
    mdb_cursor_close(cur);

    if (r != LEAD_OK) {
        return r;
    }
    return rc == 0 || rc == MDB_NOTFOUND ? LEAD_OK
                                         : lead_store_mdb_fail(s, rc,
                                                         "reading visits");
}

int
lead_store_each_visit(lead_store *s, MDB_txn *txn, const uint8_t *id,
    lead_visit_fn fn, void *arg)
{
    MDB_val   key, val;
    uint8_t   k[LEAD_VISIT_KEY_LEN];
    dropped   d;
    size_t    i;
    size_t    pass;
    int       rc;

    memset(&d, 0, sizeof(d));
    rc = walk_visits(s, txn, 0, id, fn, arg, &d);
    pass = d.n;
    if (rc == LEAD_OK && s->dense) {
        rc = walk_visits(s, txn, 1, id, fn, arg, &d);
    }

    memcpy(k, id, LEAD_ID_LEN);
    for (i = 0; rc == LEAD_OK && i < d.n; i++) {
        if (i < pass) {
            memcpy(k + LEAD_ID_LEN, d.keys[i], 16);
            key.mv_data = k;
            key.mv_size = sizeof(k);
            rc = mdb_del(txn, s->visits, &key, NULL);
        } else {
            key.mv_data = k;
            key.mv_size = LEAD_ID_LEN;
            val.mv_data = d.keys[i];
            val.mv_size = 16;
            rc = mdb_del(txn, s->visited, &key, &val);
        }
        rc = rc == 0 || rc == MDB_NOTFOUND
             ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing visits");
    }

    free(d.keys);
    return rc;
}

/*
 * Events older than the indexes' position (another worker's batch, late)
 * are indexed at once, so the indexes stay whole up to it; older than the
 * kept scores' too, their visitors' leads will be scored again.
 */
static int
index_late(lead_store *s, MDB_txn *txn, lead_visit *v, size_t n)
{
    MDB_val        key, val;
    uint8_t        indexed[16];
    uint64_t       folded, indexed_ms;
    lead_fold_pos  pos = { 0 };
    size_t         i, late = 0;
    int            rc, all;

    if (!s->folding) {
        return lead_store_index_visits(s, txn, v, n);
    }

    rc = lead_store_indexed(s, txn, indexed, &all);
    if (rc == LEAD_OK) {
        rc = lead_store_fold_pos(s, txn, &pos);
    }
    folded = pos.started ? pos.time_ms : 0;

    indexed_ms = rc == LEAD_OK ? lead_get_be64(indexed) : 0;
    val.mv_data = NULL;
    val.mv_size = 0;
    for (i = 0; rc == LEAD_OK && i < n; i++) {
        /* its seq is the newest: only an older time puts it behind */
        if (!all && v[i].time_ms >= indexed_ms) {
            continue;
        }
        v[late++] = v[i];
        if (v[i].time_ms < folded) {
            key.mv_data = (void *) v[i].id;
            key.mv_size = LEAD_ID_LEN;
            rc = mdb_put(txn, s->refold, &key, &val, 0);
            rc = rc == 0 ? LEAD_OK
                         : lead_store_mdb_fail(s, rc, "marking a refold");
        }
    }
    return rc == LEAD_OK && late ? lead_store_index_visits(s, txn, v, late)
                                 : rc;
}

int
lead_store_append_txn(lead_store *s, MDB_txn *txn, const lead_batch *b,
    size_t *pos, size_t max_bytes, int leads_only, lead_visit *visits,
    size_t *n, size_t *skipped)
{
    int  rc;

    rc = append_events(s, txn, b, pos, max_bytes, leads_only, visits, n,
                       skipped);
    return rc == LEAD_OK && *n ? index_late(s, txn, visits, *n) : rc;
}

int
lead_store_commit_part(lead_store *s, const lead_batch *b, size_t *pos,
    size_t max_bytes, int leads_only, size_t *stored, size_t *skipped)
{
    MDB_txn     *txn;
    lead_visit  *visits;
    size_t       next = *pos, n = 0, skip = 0;
    int          rc;

    *stored = 0;
    *skipped = 0;

    if (s->read_only) {
        return lead_store_fail(s, LEAD_EINVAL, "store opened read-only");
    }
    if (lead_batch_count(b) == 0) {
        return LEAD_OK;
    }

    visits = malloc(lead_batch_count(b) * sizeof(lead_visit));
    if (visits == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_write_begin(s, &txn);
    if (rc == LEAD_OK) {
        rc = lead_store_append_txn(s, txn, b, &next, max_bytes, leads_only,
                                   visits, &n, &skip);
        if (rc == LEAD_OK) {
            rc = mdb_txn_commit(txn);
            rc = rc == 0 ? LEAD_OK
                         : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
        } else {
            mdb_txn_abort(txn);
        }
    }

    free(visits);
    if (rc == LEAD_OK) {
        *pos = next;
        *stored = n;
        *skipped = skip;
    }
    return rc;
}

int
lead_store_commit(lead_store *s, const lead_batch *b)
{
    size_t  pos = 0, stored, skipped;

    return lead_store_commit_part(s, b, &pos, SIZE_MAX, 0, &stored,
                                  &skipped);
}

/* One of the n visitors (sorted), or any when visitors is NULL. */
static int
visitor_wanted(const uint8_t *visitors, size_t n, const uint8_t *id)
{
    size_t  lo = 0, hi = n, mid;
    int     d;

    if (visitors == NULL) {
        return 1;
    }
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        d = memcmp(visitors + mid * LEAD_ID_LEN, id, LEAD_ID_LEN);
        if (d == 0) {
            return 1;
        }
        if (d < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return 0;
}

/*
 * The log from since_ms up to until_ms (0: its end), by its keys: a
 * cursor set at since_ms, so a range costs what it holds, not the log.
 */
static int
scan_events(lead_store *s, MDB_txn *txn, uint64_t since_ms,
    uint64_t until_ms, const uint8_t *visitors, size_t n, int feedback,
    lead_event_fn fn, void *arg)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    lead_event   ev;
    uint8_t      from[16];
    int          rc, op;

    rc = mdb_cursor_open(txn, s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    lead_put_be64(from, since_ms);
    memset(from + 8, 0, 8);
    key.mv_data = from;
    key.mv_size = sizeof(from);

    for (op = MDB_SET_RANGE;
         (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != 16) {
            continue;
        }
        if (until_ms && lead_get_be64(key.mv_data) >= until_ms) {
            break;
        }
        if (val.mv_size < EVENT_VISITOR_AT + LEAD_ID_LEN
            || !visitor_wanted(visitors, n,
                               (uint8_t *) val.mv_data + EVENT_VISITOR_AT)
            || (feedback
                && !lead_event_maybe_feedback(val.mv_data, val.mv_size))
            || lead_event_decode(val.mv_data, val.mv_size, &ev) != LEAD_OK)
        {
            continue;   /* not wanted, or not an event this version reads */
        }
        if (fn(arg, lead_get_be64((uint8_t *) key.mv_data + 8), &ev) != 0) {
            mdb_cursor_close(cur);
            return LEAD_ECALLBACK;
        }
    }
    mdb_cursor_close(cur);

    if (rc == 0 || rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    return lead_store_mdb_fail(s, rc, "reading events");
}

int
lead_store_scan_events_txn(lead_store *s, MDB_txn *txn, uint64_t since_ms,
    uint64_t until_ms, const uint8_t *visitors, size_t n, lead_event_fn fn,
    void *arg)
{
    return scan_events(s, txn, since_ms, until_ms, visitors, n, 0, fn, arg);
}

/* Feedback is a few events in millions: the others are never decoded. */
int
lead_store_scan_feedback_txn(lead_store *s, MDB_txn *txn, lead_event_fn fn,
    void *arg)
{
    return scan_events(s, txn, 0, 0, NULL, 0, 1, fn, arg);
}

/* A visitor's events after the index: a visitor row to add to its own. */
typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint64_t  time_ms, seq;
} tail_visit;

static int
tail_visit_cmp(const void *x, const void *y)
{
    const tail_visit  *a = x, *b = y;
    int                d = memcmp(a->id, b->id, LEAD_ID_LEN);

    d = d ? d : (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
    return d ? d : (a->seq > b->seq) - (a->seq < b->seq);
}

int
lead_store_tail_first(lead_store *s, MDB_txn *txn, MDB_cursor **cur,
    MDB_val *key, MDB_val *val)
{
    uint8_t  pos[16];
    int      rc, all;

    *cur = NULL;
    rc = lead_store_indexed(s, txn, pos, &all);
    if (rc != LEAD_OK || all) {
        return rc != LEAD_OK ? rc : LEAD_ENOTFOUND;
    }
    rc = mdb_cursor_open(txn, s->events, cur);
    if (rc != 0) {
        *cur = NULL;
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    key->mv_data = pos;
    key->mv_size = 16;
    rc = mdb_cursor_get(*cur, key, val, MDB_SET_RANGE);
    if (rc == 0 && key->mv_size == 16 && memcmp(key->mv_data, pos, 16) == 0) {
        rc = mdb_cursor_get(*cur, key, val, MDB_NEXT);    /* indexed */
    }
    if (rc != 0) {
        mdb_cursor_close(*cur);
        *cur = NULL;
        return rc == MDB_NOTFOUND
               ? LEAD_ENOTFOUND : lead_store_mdb_fail(s, rc, "reading events");
    }
    return LEAD_OK;
}

/* Visits after the indexes' position, of one visitor or (NULL) all. */
static int
tail_visits(lead_store *s, MDB_txn *txn, const uint8_t *only,
    tail_visit **out, size_t *n)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    tail_visit  *grown;
    size_t       cap = 0;
    int          rc;

    *out = NULL;
    *n = 0;
    rc = lead_store_tail_first(s, txn, &cur, &key, &val);
    if (rc != LEAD_OK) {
        return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }

    for (; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        const uint8_t  *e = val.mv_data;

        if (key.mv_size != 16 || val.mv_size < EVENT_VISITOR_AT + LEAD_ID_LEN
            || (only && memcmp(e + EVENT_VISITOR_AT, only, LEAD_ID_LEN) != 0))
        {
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            grown = realloc(*out, cap * sizeof(tail_visit));
            if (grown == NULL) {
                mdb_cursor_close(cur);
                return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
            }
            *out = grown;
        }
        memcpy((*out)[*n].id, e + EVENT_VISITOR_AT, LEAD_ID_LEN);
        (*out)[*n].time_ms = lead_get_be64(key.mv_data);
        (*out)[*n].seq = lead_get_be64((const uint8_t *) key.mv_data + 8);
        (*n)++;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading events");
    }
    lead_sort(*out, *n, sizeof(tail_visit), tail_visit_cmp);
    return LEAD_OK;
}

/*
 * A snapshot's tail is read once, all visitors', and kept until the
 * snapshot ends: a list of leads asks for each lead's events, and while
 * nginx's index is behind (60,000 events after a few seconds of load),
 * reading the tail whole for every lead took leads --json from 0.3 s to
 * 10 s.  Outside a snapshot, the visitor's own visits are picked out.
 */
int
lead_store_each_tail_visit(lead_store *s, MDB_txn *txn, const uint8_t *id,
    lead_visit_fn fn, void *arg)
{
    tail_visit  *t, *own = NULL;
    uint8_t      key[16];
    size_t       n, lo, hi, mid;
    int          rc = LEAD_OK;

    if (txn != s->snapshot) {
        rc = tail_visits(s, txn, id, &own, &n);
        t = own;
    } else {
        if (!s->tail_read) {
            free(s->tail);                      /* a read that failed */
            rc = tail_visits(s, txn, NULL, &own, &s->ntail);
            s->tail = own;
            s->tail_read = rc == LEAD_OK;
            own = NULL;
        }
        t = s->tail;
        n = s->ntail;
    }

    /* the first of id's: they are sorted by visitor, then time */
    for (lo = 0, hi = rc == LEAD_OK ? n : 0; lo < hi; ) {
        mid = lo + (hi - lo) / 2;
        if (memcmp(t[mid].id, id, LEAD_ID_LEN) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; rc == LEAD_OK && lo < n && memcmp(t[lo].id, id, LEAD_ID_LEN) == 0;
         lo++)
    {
        lead_put_be64(key, t[lo].time_ms);
        lead_put_be64(key + 8, t[lo].seq);
        rc = fn(arg, key);
    }

    free(own);
    return rc;
}

/* Adds the tail's visits of v->id from *i on to v (they are sorted). */
static void
add_tail(lead_visitor *v, const tail_visit *t, size_t n, size_t *i)
{
    for (; *i < n && memcmp(t[*i].id, v->id, LEAD_ID_LEN) == 0; (*i)++) {
        if (v->events == 0 || t[*i].time_ms < v->first_ms) {
            v->first_ms = t[*i].time_ms;
        }
        if (t[*i].time_ms > v->last_ms) {
            v->last_ms = t[*i].time_ms;
        }
        v->events++;
    }
}

static void
decode_visitor(const uint8_t *id, const MDB_val *val, lead_visitor *v)
{
    const uint8_t  *p = val->mv_data;

    memcpy(v->id, id, LEAD_ID_LEN);
    v->first_ms = lead_get_u64(p);
    v->last_ms = lead_get_u64(p + 8);
    v->events = lead_get_u64(p + 16);
}

/* The next well-formed row of "visitors", or 0 at the end. */
static int
next_visitor(MDB_cursor *cur, MDB_cursor_op op, lead_visitor *v, int *rc)
{
    MDB_val  key, val;

    while ((*rc = mdb_cursor_get(cur, &key, &val, op)) == 0) {
        if (key.mv_size == LEAD_ID_LEN && val.mv_size == VISITOR_SIZE) {
            decode_visitor(key.mv_data, &val, v);
            return 1;
        }
        op = MDB_NEXT;
    }
    if (*rc == MDB_NOTFOUND) {
        *rc = 0;
    }
    return 0;
}

int
lead_store_each_visitor(lead_store *s, lead_visitor_fn fn, void *arg)
{
    MDB_txn       *txn;
    MDB_cursor    *cur = NULL;
    tail_visit    *t = NULL;
    lead_visitor   row, v;
    size_t         n = 0, i = 0;
    int            rc, mrc = 0, have, d;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }
    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = tail_visits(s, txn, NULL, &t, &n);
    if (rc == LEAD_OK && mdb_cursor_open(txn, s->visitors, &cur) != 0) {
        rc = lead_store_fail(s, LEAD_ESTORE, "cannot read visitors");
    }

    /* the indexed visitors and the tail's, merged in id order */
    have = rc == LEAD_OK && next_visitor(cur, MDB_FIRST, &row, &mrc);
    while (rc == LEAD_OK && mrc == 0 && (have || i < n)) {
        /* d >= 0: the indexed row comes first (or is the same visitor) */
        d = !have ? -1 : i < n ? memcmp(t[i].id, row.id, LEAD_ID_LEN) : 1;
        if (d >= 0) {
            v = row;
            have = next_visitor(cur, MDB_NEXT, &row, &mrc);
        } else {
            memset(&v, 0, sizeof(v));
            memcpy(v.id, t[i].id, LEAD_ID_LEN);
        }
        add_tail(&v, t, n, &i);
        if (fn(arg, &v) != 0) {
            rc = LEAD_ECALLBACK;
        }
    }
    if (rc == LEAD_OK && mrc != 0) {
        rc = lead_store_mdb_fail(s, mrc, "reading visitors");
    }

    if (cur) {
        mdb_cursor_close(cur);
    }
    lead_store_read_end(s, txn);
    free(t);
    return rc;
}

int
lead_store_get_visitor(lead_store *s, const uint8_t id[LEAD_ID_LEN],
    lead_visitor *v)
{
    MDB_txn     *txn;
    MDB_val      key, val;
    tail_visit  *t = NULL;
    size_t       n = 0, i = 0;
    int          rc;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    memset(v, 0, sizeof(*v));
    memcpy(v->id, id, LEAD_ID_LEN);
    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;

    rc = mdb_get(txn, s->visitors, &key, &val);
    if (rc == 0 && val.mv_size == VISITOR_SIZE) {
        decode_visitor(id, &val, v);
        rc = LEAD_OK;
    } else if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = LEAD_OK;
    } else {
        rc = lead_store_mdb_fail(s, rc, "mdb_get");
    }
    if (rc == LEAD_OK) {
        rc = tail_visits(s, txn, id, &t, &n);
    }
    if (rc == LEAD_OK) {
        add_tail(v, t, n, &i);
        rc = v->events ? LEAD_OK : LEAD_ENOTFOUND;
    }

    lead_store_read_end(s, txn);
    free(t);
    return rc;
}
