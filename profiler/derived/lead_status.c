/*
 * Lead statuses and their history.  Every transition is kept with its
 * time, cause, who made it and why, so the funnel can tell how many leads
 * are in each status and for how long.
 *
 * "statuses"     lead id -> status (u8), since (u64)
 * "transitions"  lead id + time (BE) + n (BE u32) -> from, to (u8 each),
 *                then cause, who and reason, each NUL-terminated
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define TKEY_LEN  (LEAD_ID_LEN + 8 + 4)

int
lead_status_allowed(int from, int to)
{
    switch (to) {
    case LEAD_STATUS_IDENTIFIED:
        return from == LEAD_STATUS_ANONYMOUS;
    case LEAD_STATUS_MQL:
        /* a rejected lead can qualify again */
        return from == LEAD_STATUS_IDENTIFIED || from == LEAD_STATUS_NURTURE;
    case LEAD_STATUS_SAL:
        /* or a lead sales found themselves (lead_store_add_lead) */
        return from == LEAD_STATUS_MQL || from == LEAD_STATUS_ANONYMOUS;
    case LEAD_STATUS_SQL:
        return from == LEAD_STATUS_SAL;
    case LEAD_STATUS_WON:
        return from == LEAD_STATUS_SQL;
    case LEAD_STATUS_LOST:
        return from == LEAD_STATUS_SAL || from == LEAD_STATUS_SQL;
    case LEAD_STATUS_NURTURE:
        /* a deal lost may be worth nurturing again */
        return from == LEAD_STATUS_MQL || from == LEAD_STATUS_SAL
               || from == LEAD_STATUS_SQL || from == LEAD_STATUS_LOST;
    default:
        return 0;
    }
}

int
lead_store_get_status_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, int *status, uint64_t *since_ms)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;

    rc = mdb_get(txn, s->statuses, &key, &val);
    if (rc == 0 && val.mv_size == 9) {
        *status = ((uint8_t *) val.mv_data)[0];
        *since_ms = lead_get_u64((uint8_t *) val.mv_data + 1);
        return LEAD_OK;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        return LEAD_ENOTFOUND;
    }
    return lead_store_mdb_fail(s, rc, "reading a status");
}

int
lead_store_get_status(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int *status, uint64_t *since_ms)
{
    MDB_txn  *txn;
    int       rc;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc == LEAD_OK) {
        rc = lead_store_get_status_txn(s, txn, lead_id, status, since_ms);
        lead_store_read_end(s, txn);
    }
    return rc;
}

static size_t
put_text(uint8_t *p, const char *s, size_t max)
{
    size_t  n = s ? strnlen(s, max) : 0;

    memcpy(p, s ? s : "", n);
    p[n] = '\0';
    return n + 1;
}

int
lead_store_transition(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    int to, uint64_t now_ms, const char *cause, const char *who,
    const char *reason)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t      k[TKEY_LEN], v[2 + LEAD_CAUSE_MAX + LEAD_WHO_MAX
                                + LEAD_REASON_MAX + 3], st[9];
    uint64_t     since;
    uint32_t     n = 0;
    size_t       len;
    int          from, counted, rc;

    rc = lead_store_get_status_txn(s, txn, lead_id, &from, &since);
    counted = rc == LEAD_OK;
    if (rc == LEAD_ENOTFOUND) {
        from = LEAD_STATUS_ANONYMOUS;
        since = 0;
    } else if (rc != LEAD_OK) {
        return rc;
    }

    /* history only moves forward: a move is never before the last one */
    if (now_ms < since) {
        now_ms = since;
    }

    if (!lead_status_allowed(from, to)) {
        return lead_store_fail(s, LEAD_EINVAL, "a lead cannot go from %s to "
                               "%s", lead_status_name(from),
                               lead_status_name(to));
    }
    if (to == LEAD_STATUS_NURTURE && (reason == NULL || reason[0] == '\0')) {
        return lead_store_fail(s, LEAD_EINVAL, "a lead goes back to "
                               "marketing (nurture) with a reason");
    }
    if (to == LEAD_STATUS_LOST && (reason == NULL || reason[0] == '\0')) {
        return lead_store_fail(s, LEAD_EINVAL, "a deal is lost with a "
                               "reason");
    }

    rc = lead_sla_transition_txn(s, txn, lead_id, from, since, to, now_ms,
                                 who);
    if (rc != LEAD_OK) {
        return rc;
    }

    /* transitions of one lead in one millisecond keep their order */
    memcpy(k, lead_id, LEAD_ID_LEN);
    lead_put_be64(k + LEAD_ID_LEN, now_ms);
    memset(k + LEAD_ID_LEN + 8, 0xff, 4);

    rc = mdb_cursor_open(txn, s->transitions, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    key.mv_data = k;
    key.mv_size = TKEY_LEN;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(cur, &key, &val, MDB_PREV)
                 : mdb_cursor_get(cur, &key, &val, MDB_LAST);
    if (rc == 0 && key.mv_size == TKEY_LEN
        && memcmp(key.mv_data, k, LEAD_ID_LEN + 8) == 0)
    {
        const uint8_t  *p = (uint8_t *) key.mv_data + LEAD_ID_LEN + 8;

        n = ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
             | (uint32_t) p[2] << 8 | p[3]) + 1;
    }
    mdb_cursor_close(cur);

    k[LEAD_ID_LEN + 8] = (uint8_t) (n >> 24);
    k[LEAD_ID_LEN + 9] = (uint8_t) (n >> 16);
    k[LEAD_ID_LEN + 10] = (uint8_t) (n >> 8);
    k[LEAD_ID_LEN + 11] = (uint8_t) n;

    v[0] = (uint8_t) from;
    v[1] = (uint8_t) to;
    len = 2;
    len += put_text(v + len, cause, LEAD_CAUSE_MAX);
    len += put_text(v + len, who, LEAD_WHO_MAX);
    len += put_text(v + len, reason, LEAD_REASON_MAX);

    key.mv_data = k;
    key.mv_size = TKEY_LEN;
    val.mv_data = v;
    val.mv_size = len;
    rc = mdb_put(txn, s->transitions, &key, &val, 0);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing a transition");
    }

    rc = lead_status_count_txn(s, txn, counted ? from : -1, to);
    if (rc == LEAD_OK && to == LEAD_STATUS_MQL) {
        /* its readers' "before mql" may move */
        rc = lead_readers_mark_lead_txn(s, txn, lead_id);
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    st[0] = (uint8_t) to;
    lead_put_u64(st + 1, now_ms);
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    val.mv_data = st;
    val.mv_size = sizeof(st);
    rc = mdb_put(txn, s->statuses, &key, &val, 0);

    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing a status");
}

/* One change of a known lead in its own transaction, with its outcome. */
static int
change(lead_store *s, const uint8_t *lead_id, int to, uint64_t now_ms,
    const char *cause, const char *who, const char *reason,
    const lead_outcome *o)
{
    MDB_txn  *txn;
    MDB_val   key, val;
    int       rc;

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->leads, &key, &val);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? LEAD_ENOTFOUND
                                  : lead_store_mdb_fail(s, rc, "mdb_get");
    }

    rc = lead_store_transition(s, txn, lead_id, to, now_ms, cause, who,
                               reason);
    if (rc == LEAD_OK && o) {
        rc = lead_outcome_put_txn(s, txn, lead_id, o);
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }

    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

int
lead_store_set_status(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int to, uint64_t now_ms, const char *cause, const char *who,
    const char *reason)
{
    return change(s, lead_id, to, now_ms, cause, who, reason, NULL);
}

int
lead_deal_check(lead_store *s, int to, const lead_outcome *o)
{
    char  cur[4];

    if (to != LEAD_STATUS_WON && to != LEAD_STATUS_LOST) {
        return lead_store_fail(s, LEAD_EINVAL, "only a deal won or lost "
                               "has an outcome");
    }
    if (o->amount < 0 || o->amount > LEAD_AMOUNT_MAX
        || (to == LEAD_STATUS_LOST && o->amount != 0))
    {
        return lead_store_fail(s, LEAD_EINVAL, "an amount won is not "
                               "negative, and a deal lost has none");
    }
    if ((to == LEAD_STATUS_WON || o->currency[0] != '\0')
        && lead_currency_parse(o->currency, strnlen(o->currency, 4), cur)
           != LEAD_OK)
    {
        return lead_store_fail(s, LEAD_EINVAL, "a currency is three "
                               "capital letters (ISO 4217: EUR, USD)");
    }
    return LEAD_OK;
}

int
lead_store_close_deal(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int to, uint64_t now_ms, const lead_outcome *o, const char *who,
    const char *reason)
{
    int  rc;

    rc = lead_deal_check(s, to, o);
    return rc != LEAD_OK ? rc
                         : change(s, lead_id, to, now_ms, "", who, reason, o);
}

typedef struct {
    const uint8_t       *lead_id;
    lead_transition_fn   fn;
    void                *arg;
} transition_scan;

static int
transition_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    transition_scan  *c = ctx;
    lead_transition   t;
    const char       *p = (const char *) val->mv_data + 2;
    size_t            left, len, i;
    lead_str         *strs[3] = { &t.cause, &t.who, &t.reason };

    if (key->mv_size != TKEY_LEN || val->mv_size < 5) {
        return 0;
    }
    if (c->lead_id && memcmp(key->mv_data, c->lead_id, LEAD_ID_LEN) != 0) {
        return 0;
    }

    t.time_ms = lead_get_be64((uint8_t *) key->mv_data + LEAD_ID_LEN);
    t.from = ((uint8_t *) val->mv_data)[0];
    t.to = ((uint8_t *) val->mv_data)[1];

    left = val->mv_size - 2;
    for (i = 0; i < 3; i++) {
        len = strnlen(p, left);
        if (len == left) {
            return 0;
        }
        strs[i]->data = p;
        strs[i]->len = len;
        p += len + 1;
        left -= len + 1;
    }

    return c->fn(c->arg, key->mv_data, &t);
}

/* One lead's rows, from its key on: a page's history never scans all. */
static int
lead_transitions(lead_store *s, transition_scan *c)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc, op;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }
    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_cursor_open(txn, s->transitions, &cur);
    if (rc != 0) {
        lead_store_read_end(s, txn);
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    key.mv_data = (void *) c->lead_id;
    key.mv_size = LEAD_ID_LEN;
    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size < LEAD_ID_LEN
            || memcmp(key.mv_data, c->lead_id, LEAD_ID_LEN) != 0)
        {
            rc = MDB_NOTFOUND;
            break;
        }
        if (transition_row(&key, &val, c) != 0) {
            rc = LEAD_ECALLBACK;
            break;
        }
    }

    mdb_cursor_close(cur);
    lead_store_read_end(s, txn);
    return rc == MDB_NOTFOUND ? LEAD_OK
           : rc == LEAD_ECALLBACK ? rc
           : lead_store_mdb_fail(s, rc, "reading transitions");
}

int
lead_store_each_transition(lead_store *s,
    const uint8_t lead_id[LEAD_ID_LEN], lead_transition_fn fn, void *arg)
{
    transition_scan  c = { lead_id, fn, arg };

    if (lead_id) {
        return lead_transitions(s, &c);
    }
    return lead_store_scan(s, s->transitions, transition_row, &c);
}
