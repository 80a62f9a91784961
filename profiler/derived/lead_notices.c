/*
 * The queue of notices to sales and to leads, kept in the store: added in
 * the transaction of what each announces, leased by the one worker that
 * sends it, retried with a growing wait, kept as failed after the last try.
 *
 * "notices"  due (ms, big-endian), created (ms, big-endian), lead id, kind
 *            -> flags, tries, last status, visitor (confirm), text
 *
 * A sender reads from the first key until one is not due yet.  Taking a
 * notice moves it to now + the lease, so no other worker (nor the next
 * generation's, after a reload) takes it meanwhile; the sender's outcome
 * finds it by that key, and a lease that ran out belongs to whoever took
 * it next.  A failed notice waits at due UINT64_MAX, where no run reaches.
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define KEY_LEN      (8 + 8 + LEAD_ID_LEN + 1)
#define VAL_HEAD     (1 + 1 + 2 + LEAD_ID_LEN)
#define HAS_VISITOR  1
#define TEXT_MAX     (sizeof(((lead_notice *) 0)->text) - 1)
#define RUN_DROPS    1000        /* deleted per run, at most */

static void
make_key(uint8_t *key, uint64_t due, uint64_t at, const uint8_t *lead,
    int kind)
{
    lead_put_be64(key, due);
    lead_put_be64(key + 8, at);
    memcpy(key + 16, lead, LEAD_ID_LEN);
    key[16 + LEAD_ID_LEN] = (uint8_t) kind;
}

static int
decode(const MDB_val *key, const MDB_val *val, lead_notice *n)
{
    const uint8_t  *k = key->mv_data, *v = val->mv_data;
    size_t          len;

    if (key->mv_size != KEY_LEN || val->mv_size < VAL_HEAD) {
        return LEAD_EINVAL;
    }

    memset(n, 0, sizeof(lead_notice));
    n->due_ms = lead_get_be64(k);
    n->at_ms = lead_get_be64(k + 8);
    memcpy(n->lead, k + 16, LEAD_ID_LEN);
    n->kind = k[16 + LEAD_ID_LEN];
    n->tries = v[1];
    n->status = (unsigned) v[2] << 8 | v[3];
    if (v[0] & HAS_VISITOR) {
        memcpy(n->visitor, v + 4, LEAD_ID_LEN);
    }
    len = val->mv_size - VAL_HEAD;
    len = len < TEXT_MAX ? len : TEXT_MAX;
    memcpy(n->text, v + VAL_HEAD, len);
    n->text[len] = '\0';
    return LEAD_OK;
}

/* n under its due_ms; the value is rewritten from n. */
static int
put(lead_store *s, MDB_txn *txn, const lead_notice *n, const uint8_t *visitor,
    unsigned flags)
{
    uint8_t   key[KEY_LEN], val[VAL_HEAD + TEXT_MAX];
    size_t    len = strlen(n->text);
    MDB_val   k, v;
    int       rc;

    make_key(key, n->due_ms, n->at_ms, n->lead, n->kind);
    memset(val, 0, VAL_HEAD);
    val[0] = visitor ? HAS_VISITOR : 0;
    val[1] = (uint8_t) (n->tries > 255 ? 255 : n->tries);
    val[2] = (uint8_t) (n->status >> 8);
    val[3] = (uint8_t) n->status;
    if (visitor) {
        memcpy(val + 4, visitor, LEAD_ID_LEN);
    }
    memcpy(val + VAL_HEAD, n->text, len);

    k.mv_data = key;
    k.mv_size = KEY_LEN;
    v.mv_data = val;
    v.mv_size = VAL_HEAD + len;
    rc = mdb_put(txn, s->notices, &k, &v, flags);
    if (rc == MDB_KEYEXIST) {
        return LEAD_OK;         /* the same notice, queued already */
    }
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "queueing a notice");
}

int
lead_store_notice_add_txn(lead_store *s, MDB_txn *txn, int kind,
    const uint8_t lead[LEAD_ID_LEN], const uint8_t *visitor, uint64_t at_ms,
    const char *text)
{
    lead_notice  n;
    size_t       len = text ? strlen(text) : 0;

    if (!s->noticing) {
        return LEAD_OK;         /* a store of an older version: read only */
    }

    memset(&n, 0, sizeof(lead_notice));
    n.due_ms = at_ms;           /* due at once */
    n.at_ms = at_ms;
    n.kind = kind;
    memcpy(n.lead, lead, LEAD_ID_LEN);
    len = len < TEXT_MAX ? len : TEXT_MAX;
    if (len) {
        memcpy(n.text, text, len);
    }
    n.text[len] = '\0';

    return put(s, txn, &n, visitor, MDB_NOOVERWRITE);
}

/* The notice under key, moved to n->due_ms with n's tries and status. */
static int
move(lead_store *s, MDB_txn *txn, MDB_cursor *cur, lead_notice *n)
{
    int  rc;

    rc = mdb_cursor_del(cur, 0);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "moving a notice");
    }
    return put(s, txn, n, n->kind == LEAD_NOTICE_CONFIRM ? n->visitor : NULL,
               0);
}

static uint64_t
retry_after(const lead_notices_run *run, unsigned tries)
{
    uint64_t  wait = run->retry_ms ? run->retry_ms : 1000;
    unsigned  i;

    for (i = 1; i < tries && wait < LEAD_NOTICE_MAX_WAIT_MS; i++) {
        wait *= 2;
    }
    return wait < LEAD_NOTICE_MAX_WAIT_MS ? wait : LEAD_NOTICE_MAX_WAIT_MS;
}

/* A send's outcome on the notice it leased; due_ms 0 when it is gone. */
static int
apply(lead_store *s, MDB_txn *txn, MDB_cursor *cur,
    const lead_notices_run *run, lead_notice *d)
{
    uint8_t      key[KEY_LEN];
    lead_notice  n;
    MDB_val      k, v;
    int          rc;

    make_key(key, d->due_ms, d->at_ms, d->lead, d->kind);
    k.mv_data = key;
    k.mv_size = KEY_LEN;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
    if (rc == MDB_NOTFOUND) {
        d->due_ms = 0;          /* its lease ran out: another sender's */
        return LEAD_OK;
    }
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "reading a notice");
    }
    if (decode(&k, &v, &n) != LEAD_OK) {
        d->status = LEAD_NOTICE_DROP;
    }

    if ((d->status >= 200 && d->status < 300)
        || d->status == LEAD_NOTICE_DROP)
    {
        d->due_ms = 0;
        rc = mdb_cursor_del(cur, 0);
        return rc == 0 ? LEAD_OK
                       : lead_store_mdb_fail(s, rc, "deleting a notice");
    }

    if (d->status == LEAD_NOTICE_RELEASE) {
        n.due_ms = run->now_ms;         /* never sent: no try counted */

    } else {
        n.tries++;
        n.status = d->status;
        n.due_ms = n.tries >= LEAD_NOTICE_TRIES
                   ? UINT64_MAX : run->now_ms + retry_after(run, n.tries);
    }

    d->due_ms = n.due_ms;
    d->tries = n.tries;
    return move(s, txn, cur, &n);
}

/*
 * Whether a run has anything to do (without the writer's lock, which a
 * run on every flush of every worker would otherwise take): an outcome,
 * a notice due, or the queue over its bound.
 */
static int
work_to_do(lead_store *s, const lead_notices_run *run, int *todo)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_stat     st;
    MDB_val      k, v;
    int          rc;

    *todo = 1;
    if (run->ndone) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_stat(txn, s->notices, &st);
    if (rc == 0) {
        rc = mdb_cursor_open(txn, s->notices, &cur);
    }
    if (rc == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        mdb_cursor_close(cur);
        *todo = st.ms_entries > LEAD_NOTICES_MAX
                || (rc == 0 && (k.mv_size != KEY_LEN
                                || lead_get_be64(k.mv_data) <= run->now_ms));
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    lead_store_read_end(s, txn);

    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading notices");
}

/*
 * Over the bound, the oldest failed notice goes first (it will not be
 * sent again), then the one due first: the queue's oldest pending.
 */
static int
trim_one(lead_store *s, MDB_cursor *cur)
{
    uint8_t  key[KEY_LEN];
    MDB_val  k, v;
    int      rc;

    memset(key, 0, KEY_LEN);
    lead_put_be64(key, UINT64_MAX);
    k.mv_data = key;
    k.mv_size = KEY_LEN;

    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    }
    if (rc == 0) {
        rc = mdb_cursor_del(cur, 0);
    }
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "trimming notices");
}

int
lead_store_notices_run(lead_store *s, lead_notices_run *run)
{
    MDB_txn      *txn;
    MDB_cursor   *cur;
    MDB_stat      st;
    MDB_val       k, v;
    lead_notice   n;
    size_t        i, drops = 0;
    int           rc, todo;

    run->ntaken = 0;
    run->trimmed = 0;
    if (!s->noticing) {
        return LEAD_OK;
    }

    rc = work_to_do(s, run, &todo);
    if (rc != LEAD_OK || !todo) {
        return rc;
    }

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_cursor_open(txn, s->notices, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    for (i = 0, rc = LEAD_OK; rc == LEAD_OK && i < run->ndone; i++) {
        rc = apply(s, txn, cur, run, &run->done[i]);
    }

    /* the queue's bound: a receiver down for weeks never fills the map */
    if (rc == LEAD_OK) {
        rc = mdb_stat(txn, s->notices, &st);
        rc = rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_stat");
    }
    while (rc == LEAD_OK && st.ms_entries - run->trimmed > LEAD_NOTICES_MAX
           && drops < RUN_DROPS)
    {
        rc = trim_one(s, cur);
        run->trimmed++;
        drops++;
    }

    while (rc == LEAD_OK && run->ntaken < run->max && drops < RUN_DROPS) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        if (rc == MDB_NOTFOUND) {
            rc = LEAD_OK;
            break;
        }
        if (rc != 0) {
            rc = lead_store_mdb_fail(s, rc, "reading a notice");
            break;
        }
        if (decode(&k, &v, &n) != LEAD_OK || !run->send) {
            if (k.mv_size == KEY_LEN && lead_get_be64(k.mv_data) > run->now_ms)
            {
                break;
            }
            /* unreadable, or nobody to tell */
            rc = mdb_cursor_del(cur, 0);
            rc = rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "dropping");
            drops++;
            continue;
        }
        if (n.due_ms > run->now_ms) {
            break;
        }
        n.due_ms = run->now_ms + LEAD_NOTICE_LEASE_MS;
        rc = move(s, txn, cur, &n);
        run->taken[run->ntaken++] = n;
    }

    mdb_cursor_close(cur);
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        run->ntaken = 0;
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        run->ntaken = 0;
        return lead_store_mdb_fail(s, rc, "mdb_txn_commit");
    }
    return LEAD_OK;
}

int
lead_store_each_notice(lead_store *s, lead_notice_fn fn, void *arg)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      k, v;
    lead_notice  n;
    int          rc, op = MDB_FIRST;

    if (s->empty || s->partial || !s->noticing) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_cursor_open(txn, s->notices, &cur);
    if (rc != 0) {
        lead_store_read_end(s, txn);
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (decode(&k, &v, &n) == LEAD_OK && fn(arg, &n) != 0) {
            rc = LEAD_ECALLBACK;
            break;
        }
    }

    mdb_cursor_close(cur);
    lead_store_read_end(s, txn);
    if (rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    return rc == LEAD_ECALLBACK ? rc : lead_store_mdb_fail(s, rc, "notices");
}

int
lead_notices_forget_txn(lead_store *s, MDB_txn *txn,
    const uint8_t lead[LEAD_ID_LEN])
{
    MDB_cursor  *cur;
    MDB_val      k, v;
    int          rc, op = MDB_FIRST;

    if (!s->noticing) {
        return LEAD_OK;
    }

    rc = mdb_cursor_open(txn, s->notices, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    /* the queue is bounded: a scan of it is too */
    while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size == KEY_LEN
            && memcmp((uint8_t *) k.mv_data + 16, lead, LEAD_ID_LEN) == 0)
        {
            /* MDB_NEXT then reads the record that took its place */
            rc = mdb_cursor_del(cur, 0);
            if (rc != 0) {
                break;
            }
        }
    }

    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? LEAD_OK
                              : lead_store_mdb_fail(s, rc, "forgetting notices");
}
