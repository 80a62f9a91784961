/*
 * A store's data lifecycle: erasing a person (forget), letting anonymous
 * history expire (purge) or give way to newer (evict), and copies
 * (backup, compact).
 *
 * LMDB does not wipe the pages it frees: after a forget the person's bytes
 * may stay in free pages of data.mdb until they are reused.  A compacted
 * copy holds live data only, so backups are compacted, and `compact`
 * rewrites the store itself.
 */

#define _XOPEN_SOURCE 700         /* realpath() */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"
#include "lead_companies.h"

#define PURGE_SCAN_FACTOR  20   /* visitors looked at per one purged */

/* A visitor being erased from, with its links as they were. */
typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint8_t   links[LINKS_MAX * LINK_SIZE];
    size_t    nlinks;
} erasing;

/* Whether the event at t of this visitor goes: all, or the lead's. */
static int
goes(const erasing *v, const uint8_t *lead_id, uint64_t t)
{
    return lead_id == NULL
           || memcmp(lead_attributed(v->links, v->nlinks, t), lead_id,
                     LEAD_ID_LEN) == 0;
}

static int
del_key(lead_store *s, MDB_txn *txn, MDB_dbi dbi, const void *k, size_t len)
{
    MDB_val  key;
    int      rc;

    key.mv_data = (void *) k;
    key.mv_size = len;
    rc = mdb_del(txn, dbi, &key, NULL);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing");
}

/* Every key of dbi that starts with prefix goes. */
static int
del_prefix(lead_store *s, MDB_txn *txn, MDB_dbi dbi, const uint8_t *prefix,
    size_t len)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc, op;

    rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    key.mv_data = (void *) prefix;
    key.mv_size = len;
    for (op = MDB_SET_RANGE;
         (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size < len || memcmp(key.mv_data, prefix, len) != 0) {
            break;
        }
        /* after a delete the cursor is on the next key, which NEXT gives */
        rc = mdb_cursor_del(cur, 0);
        if (rc != 0) {
            break;
        }
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing");
}

/*
 * The visitor's indexed events that go (see goes()), from the log and
 * from the visits index; *kept is what is left of its "visitors" record.
 */
typedef struct {
    lead_store     *s;
    MDB_txn        *txn;
    const erasing  *v;
    const uint8_t  *lead_id;
    lead_erased    *out;
    uint64_t        first, last, count;
} erasing_visits;

static int
erase_visit(void *arg, const uint8_t key[16])
{
    erasing_visits  *e = arg;
    uint64_t         t = lead_get_be64(key);
    int              rc;

    if (!goes(e->v, e->lead_id, t)) {
        e->first = e->count ? e->first : t;
        e->last = t;
        e->count++;
        return LEAD_VISIT_KEEP;
    }
    /* the visit is the event's key: time and seq */
    rc = del_key(e->s, e->txn, e->s->events, key, 16);
    if (rc != LEAD_OK) {
        return rc;
    }
    e->out->events++;
    return LEAD_VISIT_DROP;
}

static int
erase_visits(lead_store *s, MDB_txn *txn, const erasing *v,
    const uint8_t *lead_id, uint8_t kept[VISITOR_SIZE], lead_erased *out)
{
    erasing_visits  e = { s, txn, v, lead_id, out, 0, 0, 0 };
    uint64_t        first, last, count;
    int             rc;

    rc = lead_store_each_visit(s, txn, v->id, erase_visit, &e);
    if (rc == LEAD_OK) {
        rc = lead_store_mark_reader(s, txn, v->id, 0);
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    first = e.first;
    last = e.last;
    count = e.count;

    lead_put_u64(kept, first);
    lead_put_u64(kept + 8, last);
    lead_put_u64(kept + 16, count);
    return LEAD_OK;
}

/* The same for events after the indexes' position (not in "visits" yet). */
static int
erase_tail(lead_store *s, MDB_txn *txn, const erasing *v, size_t n,
    const uint8_t *lead_id, lead_erased *out)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    size_t       i;
    int          rc;

    rc = lead_store_tail_first(s, txn, &cur, &key, &val);
    if (rc != LEAD_OK) {
        return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }
    while (rc == 0) {
        for (i = 0; val.mv_size >= EVENT_VISITOR_AT + LEAD_ID_LEN && i < n;
             i++)
        {
            if (memcmp((uint8_t *) val.mv_data + EVENT_VISITOR_AT, v[i].id,
                       LEAD_ID_LEN) == 0
                && goes(&v[i], lead_id,
                        lead_get_u64((uint8_t *) val.mv_data + 4)))
            {
                break;
            }
        }
        if (i < n) {
            rc = mdb_cursor_del(cur, 0);
            if (rc != 0) {
                break;
            }
            out->events++;
        }
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? LEAD_OK
                              : lead_store_mdb_fail(s, rc, "erasing events");
}

/*
 * What is left of a visitor once the lead's events are gone: its other
 * links (their leads are scored again), or nothing at all.
 */
static int
unlink_visitor(lead_store *s, MDB_txn *txn, erasing *v,
    const uint8_t *lead_id, const uint8_t kept[VISITOR_SIZE],
    lead_erased *out)
{
    MDB_val  key, val;
    uint8_t  links[LINKS_MAX * LINK_SIZE];
    size_t   i, n = 0;
    int      rc = 0;

    for (i = 0; i < v->nlinks; i++) {
        if (memcmp(v->links + i * LINK_SIZE, lead_id, LEAD_ID_LEN) != 0) {
            memcpy(links + n * LINK_SIZE, v->links + i * LINK_SIZE,
                   LINK_SIZE);
            n++;
        }
    }

    key.mv_data = v->id;
    key.mv_size = LEAD_ID_LEN;
    if (n) {
        val.mv_data = links;
        val.mv_size = n * LINK_SIZE;
        rc = mdb_put(txn, s->links, &key, &val, 0);
        if (rc == 0 && s->folding) {
            val.mv_data = NULL;
            val.mv_size = 0;
            rc = mdb_put(txn, s->refold, &key, &val, 0);
        }
        if (rc != 0) {
            return lead_store_mdb_fail(s, rc, "unlinking a visitor");
        }
    } else {
        rc = del_key(s, txn, s->links, v->id, LEAD_ID_LEN);
        if (rc == LEAD_OK && s->folding) {
            rc = del_key(s, txn, s->refold, v->id, LEAD_ID_LEN);
        }
        if (rc != LEAD_OK) {
            return rc;
        }
    }

    if (lead_get_u64(kept + 16) != 0) {
        val.mv_data = (void *) kept;
        val.mv_size = VISITOR_SIZE;
        rc = mdb_put(txn, s->visitors, &key, &val, 0);
        return rc == 0 ? LEAD_OK
                       : lead_store_mdb_fail(s, rc, "writing a visitor");
    }
    out->visitors += n == 0;
    return del_key(s, txn, s->visitors, v->id, LEAD_ID_LEN);
}

typedef struct {
    erasing  *v;
    size_t    n, cap;
} erasing_list;

static int
add_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    erasing_list  *l = arg;
    erasing       *grown;

    (void) since;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4;
        grown = realloc(l->v, l->cap * sizeof(erasing));
        if (grown == NULL) {
            return 1;
        }
        l->v = grown;
    }
    memset(&l->v[l->n], 0, sizeof(erasing));
    memcpy(l->v[l->n++].id, visitor, LEAD_ID_LEN);
    return 0;
}

static int
read_links(lead_store *s, MDB_txn *txn, erasing *v)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = v->id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->links, &key, &val);
    if (rc == 0 && val.mv_size % LINK_SIZE == 0
        && val.mv_size <= sizeof(v->links))
    {
        memcpy(v->links, val.mv_data, val.mv_size);
        v->nlinks = val.mv_size / LINK_SIZE;
        return LEAD_OK;
    }
    v->nlinks = 0;
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading links");
}

/* The lead's status row, and its count with it. */
static int
forget_status(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    uint64_t  since;
    int       rc, status;

    rc = lead_store_get_status_txn(s, txn, lead_id, &status, &since);
    if (rc == LEAD_OK) {
        rc = lead_status_count_txn(s, txn, status, -1);
    }
    if (rc != LEAD_OK && rc != LEAD_ENOTFOUND) {
        return rc;
    }
    return del_key(s, txn, s->statuses, lead_id, LEAD_ID_LEN);
}

/* The lead's own records: person, e-mail, devices, statuses, scores. */
static int
erase_lead(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    MDB_val      key, val;
    MDB_cursor  *cur;
    lead_person  p;
    lead_str     none;
    int          rc;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->leads, &key, &val);
    if (rc == 0 && lead_decode_person(lead_id, &val, &p) == LEAD_OK) {
        /* out of its account, with its summary's part: both still here */
        none.data = "";
        none.len = 0;
        rc = lead_companies_move_txn(s, txn, lead_id, p.email, none);
        if (rc == LEAD_OK) {
            rc = del_key(s, txn, s->emails, p.email.data, p.email.len);
        }
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc < 0 ? rc : lead_store_mdb_fail(s, rc, "reading a lead");
    }

    rc = lead_sla_forget_txn(s, txn, lead_id);
    if (rc == LEAD_OK) {
        rc = del_key(s, txn, s->leads, lead_id, LEAD_ID_LEN);
    }
    if (rc == LEAD_OK) {
        rc = lead_texts_keep_txn(s, txn, lead_id, NULL);
    }
    if (rc == LEAD_OK) {
        rc = forget_status(s, txn, lead_id);
    }
    if (rc == LEAD_OK) {
        rc = del_prefix(s, txn, s->devices, lead_id, LEAD_ID_LEN);
    }
    if (rc == LEAD_OK) {
        rc = del_prefix(s, txn, s->transitions, lead_id, LEAD_ID_LEN);
    }
    if (rc == LEAD_OK) {
        rc = lead_claims_forget_txn(s, txn, lead_id);
    }
    if (rc == LEAD_OK) {
        rc = lead_notices_forget_txn(s, txn, lead_id);
    }
    if (rc == LEAD_OK) {
        rc = lead_outcome_forget_txn(s, txn, lead_id);
    }
    if (rc == LEAD_OK) {
        rc = lead_notes_forget_txn(s, txn, lead_id);
    }
    if (rc != LEAD_OK || !s->folding) {
        return rc;
    }
    rc = del_key(s, txn, s->states, lead_id, LEAD_ID_LEN);
    if (rc == LEAD_OK) {
        rc = del_key(s, txn, s->summaries, lead_id, LEAD_ID_LEN);
    }
    if (rc == LEAD_OK && s->staging) {
        rc = del_key(s, txn, s->stages, lead_id, LEAD_ID_LEN);
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    /* a rank key ends with the lead id; forgetting is rare, scan them */
    rc = mdb_cursor_open(txn, s->ranks, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    while ((rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) == 0) {
        if (key.mv_size >= LEAD_ID_LEN
            && memcmp((uint8_t *) key.mv_data + key.mv_size - LEAD_ID_LEN,
                      lead_id, LEAD_ID_LEN) == 0)
        {
            rc = mdb_cursor_del(cur, 0);
            break;
        }
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing a rank");
}

int
lead_store_forget_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    lead_erased *out)
{
    uint8_t        kept[VISITOR_SIZE];
    erasing_list   devices = { NULL, 0, 0 };
    size_t         i;
    int            rc;

    rc = lead_store_each_device_txn(s, txn, lead_id, add_device, &devices);
    if (rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    for (i = 0; rc == LEAD_OK && i < devices.n; i++) {
        rc = read_links(s, txn, &devices.v[i]);
    }
    if (rc == LEAD_OK) {
        rc = erase_tail(s, txn, devices.v, devices.n, lead_id, out);
    }
    for (i = 0; rc == LEAD_OK && i < devices.n; i++) {
        rc = erase_visits(s, txn, &devices.v[i], lead_id, kept, out);
        if (rc == LEAD_OK) {
            rc = unlink_visitor(s, txn, &devices.v[i], lead_id, kept, out);
        }
    }
    if (rc == LEAD_OK) {
        rc = erase_lead(s, txn, lead_id);
    }

    free(devices.v);
    if (rc == LEAD_OK) {
        out->leads++;
    }
    return rc;
}

int
lead_store_forget(lead_store *s, const char *who, size_t len,
    lead_erased *out)
{
    MDB_txn  *txn;
    MDB_val   val;
    uint8_t   lead_id[LEAD_ID_LEN];
    int       rc;

    memset(out, 0, sizeof(*out));
    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = lead_store_lookup_txn(s, txn, who, len, lead_id, &val);
    if (rc == LEAD_OK) {
        rc = lead_store_forget_txn(s, txn, lead_id, out);
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

/* An expired visitor's row in "seen" goes, and what it counted for. */
static int
unsee(lead_store *s, MDB_txn *txn, const uint8_t *id, uint64_t last,
    uint64_t *anon)
{
    MDB_val   key, val;
    uint8_t   k[LEAD_SEEN_KEY_LEN];
    uint64_t  bytes;
    int       rc;

    lead_put_be64(k, last);
    memcpy(k + 8, id, LEAD_ID_LEN);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    rc = mdb_get(txn, s->seen, &key, &val);
    if (rc == 0 && val.mv_size == 8) {
        bytes = lead_get_u64(val.mv_data);
        *anon -= bytes < *anon ? bytes : *anon;
    }
    return rc == 0 ? del_key(s, txn, s->seen, k, sizeof(k))
           : rc == MDB_NOTFOUND ? LEAD_OK
           : lead_store_mdb_fail(s, rc, "reading seen");
}

int
lead_store_purge_anonymous(lead_store *s, uint64_t before_ms, size_t max,
    uint8_t from[LEAD_ID_LEN], lead_erased *out, int *more)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val, lkey, lval;
    erasing      v;
    lead_erased  done = { 0, 0, 0, 0 };
    uint8_t      kept[VISITOR_SIZE], next[LEAD_ID_LEN];
    uint64_t     anon = 0, last;
    size_t       looked = 0;
    int          rc, op;

    *more = 0;
    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = lead_store_write_begin(s, &txn);
    if (rc == LEAD_OK && s->bounded) {
        rc = lead_store_anonymous(s, txn, &anon);
        if (rc != LEAD_OK) {
            mdb_txn_abort(txn);
        }
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_cursor_open(txn, s->visitors, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    memset(&v, 0, sizeof(v));
    memset(next, 0, sizeof(next));
    key.mv_data = from;
    key.mv_size = LEAD_ID_LEN;
    for (op = MDB_SET_RANGE;
         (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (done.visitors >= max || looked >= max * PURGE_SCAN_FACTOR) {
            /* enough for one short transaction: the next starts here */
            memcpy(next, key.mv_data, LEAD_ID_LEN);
            *more = 1;
            break;
        }
        looked++;
        if (key.mv_size != LEAD_ID_LEN || val.mv_size != VISITOR_SIZE
            || lead_get_u64((uint8_t *) val.mv_data + 8) >= before_ms)
        {
            continue;
        }
        lkey = key;
        rc = mdb_get(txn, s->links, &lkey, &lval);
        if (rc == 0) {
            continue;                   /* a lead's: kept until forgotten */
        }
        if (rc != MDB_NOTFOUND) {
            break;
        }

        memcpy(v.id, key.mv_data, LEAD_ID_LEN);
        last = lead_get_u64((uint8_t *) val.mv_data + 8);
        rc = erase_visits(s, txn, &v, NULL, kept, &done);
        if (rc == LEAD_OK && s->folding) {
            rc = del_key(s, txn, s->refold, v.id, LEAD_ID_LEN);
        }
        if (rc == LEAD_OK && s->bounded) {
            rc = unsee(s, txn, v.id, last, &anon);
        }
        if (rc == LEAD_OK) {
            rc = lead_claims_drop_visitor_txn(s, txn, v.id);
        }
        if (rc != LEAD_OK) {
            mdb_cursor_close(cur);
            mdb_txn_abort(txn);
            return rc;
        }
        rc = mdb_cursor_del(cur, 0);
        if (rc != 0) {
            break;
        }
        done.visitors++;
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "purging visitors");
    }
    rc = s->bounded ? lead_store_set_anonymous(s, txn, anon) : LEAD_OK;
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        *more = 0;
        return lead_store_mdb_fail(s, rc, "mdb_txn_commit");
    }
    /* only what was committed counts, and moves the start on */
    if (*more) {
        memcpy(from, next, LEAD_ID_LEN);
    } else {
        memset(from, 0, LEAD_ID_LEN);
    }
    out->visitors += done.visitors;
    out->events += done.events;
    out->bytes += done.bytes;
    return LEAD_OK;
}

int
lead_store_evict_anonymous(lead_store *s, uint64_t to_bytes, size_t max,
    lead_erased *out, int *more)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val, vkey, vval;
    erasing      v;
    lead_erased  done = { 0, 0, 0, 0 };
    uint8_t      kept[VISITOR_SIZE];
    uint64_t     anon, bytes, last;
    int          rc, op;

    *more = 0;
    if (s->empty || s->partial || !s->bounded) {
        return LEAD_OK;
    }

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_store_anonymous(s, txn, &anon);
    if (rc != LEAD_OK || anon <= to_bytes) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_cursor_open(txn, s->seen, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    memset(&v, 0, sizeof(v));
    for (op = MDB_FIRST;
         anon > to_bytes && (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (done.visitors >= max) {
            *more = 1;                  /* the next transaction goes on */
            break;
        }
        bytes = val.mv_size == 8 ? lead_get_u64(val.mv_data) : 0;
        anon -= bytes < anon ? bytes : anon;
        if (key.mv_size != LEAD_SEEN_KEY_LEN) {
            rc = mdb_cursor_del(cur, 0);
            if (rc != 0) {
                break;
            }
            continue;
        }
        last = lead_get_be64(key.mv_data);
        memcpy(v.id, (uint8_t *) key.mv_data + 8, LEAD_ID_LEN);
        rc = mdb_cursor_del(cur, 0);
        if (rc != 0) {
            break;
        }

        /* a lead's now, or erased since (forget, purge): nothing to do */
        vkey.mv_data = v.id;
        vkey.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, s->links, &vkey, &vval);
        if (rc == 0) {
            continue;
        }
        if (rc == MDB_NOTFOUND) {
            rc = mdb_get(txn, s->visitors, &vkey, &vval);
        }
        if (rc == MDB_NOTFOUND || (rc == 0 && (vval.mv_size != VISITOR_SIZE
                   || lead_get_u64((uint8_t *) vval.mv_data + 8) != last)))
        {
            rc = 0;
            continue;
        }
        if (rc != 0) {
            break;
        }

        rc = erase_visits(s, txn, &v, NULL, kept, &done);
        if (rc == LEAD_OK) {
            rc = del_key(s, txn, s->visitors, v.id, LEAD_ID_LEN);
        }
        if (rc == LEAD_OK && s->folding) {
            rc = del_key(s, txn, s->refold, v.id, LEAD_ID_LEN);
        }
        if (rc != LEAD_OK) {
            mdb_cursor_close(cur);
            mdb_txn_abort(txn);
            return rc;
        }
        done.visitors++;
        done.bytes += bytes;
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "evicting visitors");
    }
    rc = lead_store_set_anonymous(s, txn, anon);
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        *more = 0;
        return lead_store_mdb_fail(s, rc, "mdb_txn_commit");
    }
    out->visitors += done.visitors;
    out->events += done.events;
    out->bytes += done.bytes;
    return LEAD_OK;
}

/* A compacted copy of the store into the file path, synced. */
static int
write_copy(lead_store *s, const char *path)
{
    int  fd, rc;

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd == -1) {
        return lead_store_fail(s, LEAD_ESTORE, "cannot create \"%s\": %s",
                               path, strerror(errno));
    }
    rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
    if (rc == 0 && fsync(fd) != 0) {
        rc = errno;
    }
    if (close(fd) != 0 && rc == 0) {
        rc = errno;
    }
    if (rc != 0) {
        unlink(path);
        return lead_store_fail(s, LEAD_ESTORE, "cannot write \"%s\": %s",
                               path, mdb_strerror(rc));
    }
    return LEAD_OK;
}

/* The copy at tmp becomes dir/data.mdb, atomically and durably. */
static int
install_copy(lead_store *s, const char *dir, const char *tmp)
{
    char  data[PATH_MAX];
    int   fd;

    snprintf(data, sizeof(data), "%s/data.mdb", dir);
    if (rename(tmp, data) != 0) {
        unlink(tmp);
        return lead_store_fail(s, LEAD_ESTORE, "cannot replace \"%s\": %s",
                               data, strerror(errno));
    }
    fd = open(dir, O_RDONLY);
    if (fd != -1) {
        (void) fsync(fd);
        close(fd);
    }
    lead_store_match_owner(dir);
    return LEAD_OK;
}

/* dir/name into path, or LEAD_EINVAL when that is too long a path. */
static int
dir_file(lead_store *s, char path[PATH_MAX], const char *dir,
    const char *name)
{
    return snprintf(path, PATH_MAX, "%s/%s", dir, name) < PATH_MAX
           ? LEAD_OK : lead_store_fail(s, LEAD_EINVAL, "path too long");
}

int
lead_store_backup(lead_store *s, const char *dir)
{
    char         real_dir[PATH_MAX], real_store[PATH_MAX], tmp[PATH_MAX];
    const char  *store;
    int          rc;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return lead_store_fail(s, LEAD_ESTORE, "cannot create \"%s\": %s",
                               dir, strerror(errno));
    }
    if (mdb_env_get_path(s->env, &store) != 0
        || realpath(dir, real_dir) == NULL
        || realpath(store, real_store) == NULL)
    {
        return lead_store_fail(s, LEAD_ESTORE, "cannot resolve \"%s\": %s",
                               dir, strerror(errno));
    }
    if (strcmp(real_dir, real_store) == 0) {
        return lead_store_fail(s, LEAD_EINVAL,
                               "the backup cannot go into the store itself");
    }
    rc = dir_file(s, tmp, dir, "data.mdb.part");
    if (rc == LEAD_OK) {
        rc = write_copy(s, tmp);
    }
    return rc == LEAD_OK ? install_copy(s, dir, tmp) : rc;
}

/* Whether another process has the store in dir open; *pid one of them. */
static int
store_in_use(const char *dir, long *pid)
{
    struct flock  lk;
    char          path[PATH_MAX];
    int           fd, rc;

    *pid = 0;
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    fd = open(path, O_RDWR);
    if (fd == -1) {
        return 0;                       /* no lock file: nobody has it */
    }

    /* every process with the store open holds a read lock on byte 0 */
    memset(&lk, 0, sizeof(lk));
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = 0;
    lk.l_len = 1;
    rc = fcntl(fd, F_GETLK, &lk);
    close(fd);
    if (rc == 0 && lk.l_type != F_UNLCK) {
        *pid = (long) lk.l_pid;
        return 1;
    }
    return 0;
}

int
lead_store_compact(lead_store *s)
{
    const char   *dir;
    char          tmp[PATH_MAX], data[PATH_MAX];
    struct stat   st;
    long          pid;
    int           rc;

    if (mdb_env_get_path(s->env, &dir) != 0) {
        return lead_store_fail(s, LEAD_ESTORE, "no store path");
    }
    rc = dir_file(s, tmp, dir, "data.mdb.compact");
    if (rc == LEAD_OK) {
        rc = dir_file(s, data, dir, "data.mdb");
    }
    if (rc == LEAD_OK) {
        rc = write_copy(s, tmp);
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    /* whoever could read the store before still can */
    if (stat(data, &st) == 0) {
        (void) chmod(tmp, st.st_mode & 0777);
    }
    /* a writer with the old file mapped would go on writing to it */
    if (store_in_use(dir, &pid)) {
        unlink(tmp);
        return lead_store_fail(s, LEAD_EINVAL, "the store is open in "
                               "process %ld (nginx?): stop it first, or "
                               "make a compacted copy with backup DIR", pid);
    }
    return install_copy(s, dir, tmp);
}
