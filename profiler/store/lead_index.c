/*
 * The log's visitor indexes written for a set of its events: "visitors"
 * (first, last, count by visitor id), "visited" (or an older store's
 * "visits") and "seen" (last seen + visitor, the anonymous ones), and
 * each visitor marked for its readers' rows.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"

/*
 * A visitor's row in "seen" to move, from was (0: none) to last, with
 * bytes more of anonymous data: found and counted from its old row.
 */
typedef struct {
    const uint8_t  *id;
    uint64_t        was, last, bytes, counted;
    int             found, linked;
} seen_move;

/*
 * The tables an indexing pass writes, each through one cursor: visits
 * come sorted by visitor, so the next visitor's row is most often on the
 * page the cursor is on, found without a search from the root (a search
 * of a dirty page list at every level in a large transaction).
 */
typedef struct {
    MDB_cursor  *visitors;
    MDB_cursor  *visits;        /* "visited", or "visits" */
    MDB_cursor  *seen;          /* NULL if the store keeps none */
    MDB_cursor  *links;
} index_cursors;

/* By visitor, then time: ids are random, so their first 8 bytes (as a
   big-endian number, memcmp's order) most often decide, without a call. */
static int
id_order(const uint8_t *a, const uint8_t *b)
{
    uint64_t  i = lead_get_be64(a), j = lead_get_be64(b);

    if (i != j) {
        return (i > j) - (i < j);
    }
    return memcmp(a + 8, b + 8, LEAD_ID_LEN - 8);
}

static int
visit_cmp(const void *a, const void *b)
{
    const lead_visit  *x = a, *y = b;
    int                c = id_order(x->id, y->id);

    if (c != 0) {
        return c;
    }
    return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

/* "seen"'s order: by a time, then the visitor. */
static int
seen_order(uint64_t t, const uint8_t *id, uint64_t u, const uint8_t *id2)
{
    return t != u ? (t > u) - (t < u) : id_order(id, id2);
}

static int
was_cmp(const void *a, const void *b)
{
    const seen_move  *x = *(seen_move *const *) a;
    const seen_move  *y = *(seen_move *const *) b;

    return seen_order(x->was, x->id, y->was, y->id);
}

static int
last_cmp(const void *a, const void *b)
{
    const seen_move  *x = *(seen_move *const *) a;
    const seen_move  *y = *(seen_move *const *) b;

    return seen_order(x->last, x->id, y->last, y->id);
}

int
lead_store_linked(lead_store *s, MDB_cursor *cur, const uint8_t *id,
    int *err)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET);
    *err = rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading links");
    return rc == 0;
}

static void
close_cursors(index_cursors *c)
{
    mdb_cursor_close(c->visitors);
    mdb_cursor_close(c->visits);
    mdb_cursor_close(c->seen);
    mdb_cursor_close(c->links);
}

static int
open_cursors(lead_store *s, MDB_txn *txn, index_cursors *c)
{
    int  rc;

    memset(c, 0, sizeof(*c));
    rc = mdb_cursor_open(txn, s->visitors, &c->visitors);
    if (rc == 0) {
        rc = mdb_cursor_open(txn, s->dense ? s->visited : s->visits,
                             &c->visits);
    }
    if (rc == 0 && s->bounded) {
        rc = mdb_cursor_open(txn, s->seen, &c->seen);
    }
    if (rc == 0 && s->bounded) {
        rc = mdb_cursor_open(txn, s->links, &c->links);
    }
    if (rc != 0) {
        close_cursors(c);
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    return LEAD_OK;
}

/*
 * "visited": visitor -> time + seq as sorted fixed-size duplicates, so
 * one person's events are found without scanning everyone's, at 16 bytes
 * an event.  A store older than it adds to "visits" (visitor + time + seq
 * -> nothing) only if a read-only open could not make it.
 */
static int
index_visits(lead_store *s, MDB_cursor *cur, const lead_visit *v, size_t n)
{
    MDB_val   key, val;
    uint8_t   k[LEAD_VISIT_KEY_LEN];
    size_t    i;
    int       rc;

    for (i = 0; i < n; i++) {
        memcpy(k, v[i].id, LEAD_ID_LEN);
        lead_put_be64(k + LEAD_ID_LEN, v[i].time_ms);
        lead_put_be64(k + LEAD_ID_LEN + 8, v[i].seq);
        key.mv_data = k;
        key.mv_size = s->dense ? LEAD_ID_LEN : sizeof(k);
        val.mv_data = s->dense ? k + LEAD_ID_LEN : NULL;
        val.mv_size = s->dense ? 16 : 0;

        rc = mdb_cursor_put(cur, &key, &val, 0);
        if (rc != 0) {
            return lead_store_mdb_fail(s, rc, "indexing an event");
        }
    }

    return LEAD_OK;
}

/*
 * The visitors' rows in "seen" moved, each to its last seen time with
 * its bytes more of anonymous data; a visitor linked to a lead has none,
 * and what it counted for (then and now) leaves *anon.  The old rows go
 * in the order of their keys, then the new ones in theirs (at the table's
 * end, most of them): a cursor walks the table once each way, where a
 * visitor at a time searched it at random.  *anon adds up in the
 * visitors' order, as each alone would have.
 */
static int
move_seen(lead_store *s, MDB_cursor *cur, seen_move *m, size_t n,
    uint64_t *anon)
{
    MDB_val      key, val;
    seen_move  **o;
    uint8_t      k[LEAD_SEEN_KEY_LEN], v[8];
    size_t       i, np = 0;
    int          rc = 0;

    o = malloc((n ? n : 1) * sizeof(*o));
    if (o == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    key.mv_data = k;
    key.mv_size = sizeof(k);

    for (i = 0; i < n; i++) {
        if (m[i].was) {
            o[np++] = &m[i];
        }
    }
    lead_sort(o, np, sizeof(*o), was_cmp);
    for (i = 0; i < np; i++) {
        lead_put_be64(k, o[i]->was);
        memcpy(k + 8, o[i]->id, LEAD_ID_LEN);
        rc = mdb_cursor_get(cur, &key, &val, MDB_SET);
        o[i]->found = rc == 0;
        if (rc == 0 && val.mv_size == 8) {
            o[i]->counted = lead_get_u64(val.mv_data);
            rc = mdb_cursor_del(cur, 0);
        }
        if (rc != 0 && rc != MDB_NOTFOUND) {
            break;
        }
        rc = 0;
    }

    for (i = 0, np = 0; rc == 0 && i < n; i++) {
        if (!m[i].found) {
            /* new to "seen": its own rows count too */
            m[i].bytes += LEAD_ANON_VISITOR_COST;
            *anon += LEAD_ANON_VISITOR_COST;
        }
        m[i].counted += m[i].bytes;
        if (m[i].linked) {
            *anon -= m[i].counted < *anon ? m[i].counted : *anon;
        } else {
            o[np++] = &m[i];
        }
    }
    lead_sort(o, np, sizeof(*o), last_cmp);
    for (i = 0; rc == 0 && i < np; i++) {
        lead_put_be64(k, o[i]->last);
        memcpy(k + 8, o[i]->id, LEAD_ID_LEN);
        lead_put_u64(v, o[i]->counted);
        val.mv_data = v;
        val.mv_size = sizeof(v);
        rc = mdb_cursor_put(cur, &key, &val, 0);
    }
    free(o);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "seeing a visitor");
}

int
lead_store_index_visits(lead_store *s, MDB_txn *txn, lead_visit *visits,
    size_t n)
{
    index_cursors  c;
    seen_move     *m = NULL;
    MDB_val        key, val;
    uint8_t        rec[VISITOR_SIZE];
    uint64_t       first, last, count, was, from, bytes, anon = 0;
    size_t         i, j, nm = 0;
    int            rc, op, lrc;

    lead_sort(visits, n, sizeof(lead_visit), visit_cmp);

    rc = s->bounded ? lead_store_anonymous(s, txn, &anon) : LEAD_OK;
    if (rc == LEAD_OK && s->bounded) {
        m = malloc((n ? n : 1) * sizeof(seen_move));
        rc = m ? LEAD_OK : lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        rc = open_cursors(s, txn, &c);
    }
    if (rc != LEAD_OK) {
        free(m);
        return rc;
    }

    for (i = 0; rc == LEAD_OK && i < n; i = j) {
        bytes = 0;
        for (j = i; j < n; j++) {
            if (memcmp(visits[j].id, visits[i].id, LEAD_ID_LEN) != 0) {
                break;
            }
            bytes += LEAD_ANON_EVENT_COST(visits[j].size);
        }

        first = visits[i].time_ms;
        last = visits[j - 1].time_ms;
        count = j - i;
        was = 0;

        key.mv_data = (void *) visits[i].id;
        key.mv_size = LEAD_ID_LEN;

        rc = mdb_cursor_get(c.visitors, &key, &val, MDB_SET);
        op = 0;
        if (rc == 0 && val.mv_size == VISITOR_SIZE) {
            uint64_t  f = lead_get_u64(val.mv_data);
            uint64_t  l = lead_get_u64((uint8_t *) val.mv_data + 8);

            first = f < first ? f : first;
            last = l > last ? l : last;
            count += lead_get_u64((uint8_t *) val.mv_data + 16);
            was = l;
            op = MDB_CURRENT;       /* the same size, overwritten there */

        } else if (rc != 0 && rc != MDB_NOTFOUND) {
            rc = lead_store_mdb_fail(s, rc, "reading a visitor");
            break;
        }
        /* reads later than all it had: its readers' rows grow by them */
        from = rc == MDB_NOTFOUND || op == MDB_CURRENT ? visits[i].time_ms : 0;
        from = from > was ? from : 0;

        lead_put_u64(rec, first);
        lead_put_u64(rec + 8, last);
        lead_put_u64(rec + 16, count);
        val.mv_data = rec;
        val.mv_size = VISITOR_SIZE;

        rc = mdb_cursor_put(c.visitors, &key, &val, op);
        if (rc != 0) {
            rc = lead_store_mdb_fail(s, rc, "writing a visitor");
            break;
        }

        if (s->bounded) {
            memset(&m[nm], 0, sizeof(seen_move));
            m[nm].id = visits[i].id;
            m[nm].was = was;
            m[nm].last = last;
            m[nm].bytes = bytes;
            m[nm].linked = lead_store_linked(s, c.links, visits[i].id, &lrc);
            nm++;
            rc = lrc;
        }
        if (rc == LEAD_OK) {
            rc = index_visits(s, c.visits, visits + i, j - i);
        }
        if (rc == LEAD_OK) {
            rc = lead_store_mark_reader(s, txn, visits[i].id, from);
        }
    }
    if (rc == LEAD_OK && s->bounded) {
        rc = move_seen(s, c.seen, m, nm, &anon);
    }
    close_cursors(&c);
    free(m);

    return rc == LEAD_OK && s->bounded
           ? lead_store_set_anonymous(s, txn, anon) : rc;
}

/* The visitor's readers' rows to be made again (derived/lead_readers.c). */
int
lead_store_mark_reader(lead_store *s, MDB_txn *txn,
    const uint8_t visitor[LEAD_ID_LEN], uint64_t from_ms)
{
    MDB_val  key, val;
    uint8_t  k[1 + LEAD_ID_LEN], v[8];
    int      rc;

    if (!s->reading) {
        return LEAD_OK;
    }
    k[0] = LEAD_READERS_MARK;
    memcpy(k + 1, visitor, LEAD_ID_LEN);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    if (from_ms != 0) {
        /* marked to be made whole, or from an earlier read: it stays */
        rc = mdb_get(txn, s->readers, &key, &val);
        if (rc == 0 && (val.mv_size != 8
                        || lead_get_be64(val.mv_data) <= from_ms))
        {
            return LEAD_OK;
        }
        if (rc != 0 && rc != MDB_NOTFOUND) {
            return lead_store_mdb_fail(s, rc, "reading readers");
        }
        lead_put_be64(v, from_ms);
    }
    val.mv_data = v;
    val.mv_size = from_ms ? 8 : 0;
    rc = mdb_put(txn, s->readers, &key, &val, 0);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "marking a reader");
}
