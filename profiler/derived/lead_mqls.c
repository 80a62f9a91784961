/*
 * The SLA clock's tables row by row, for the status changes and forms
 * that keep them: MQLs by when they became one, leads that asked for a
 * call, and owners.  Nothing here reads a lead or a status: the callers
 * know them (lead_sla.c builds and reads the tables whole).
 *
 * "mqls"     became mql (BE u64) + lead id -> nothing
 * "calls"    lead id -> nothing: it asked for a call (as "leads" says)
 * "owners"   lead id -> the owner's name (bytes, no NUL)
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

static int
mql_row(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    uint64_t since_ms, int put)
{
    MDB_val  key, val;
    uint8_t  k[LEAD_MQL_KEY_LEN];
    int      rc;

    lead_put_be64(k, since_ms);
    memcpy(k + 8, lead_id, LEAD_ID_LEN);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    val.mv_data = (void *) "";
    val.mv_size = 0;

    rc = put ? mdb_put(txn, s->mqls, &key, &val, 0)
             : mdb_del(txn, s->mqls, &key, NULL);
    return rc == 0 || (!put && rc == MDB_NOTFOUND)
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "indexing an mql");
}

int
lead_mqls_put_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    uint64_t since_ms)
{
    return s->sla ? mql_row(s, txn, lead_id, since_ms, 1) : LEAD_OK;
}

int
lead_mqls_del_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    uint64_t since_ms)
{
    return s->sla ? mql_row(s, txn, lead_id, since_ms, 0) : LEAD_OK;
}

int
lead_calls_put_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    MDB_val  key, val;
    int      rc;

    if (!s->sla) {
        return LEAD_OK;
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    val.mv_data = (void *) "";
    val.mv_size = 0;
    rc = mdb_put(txn, s->calls, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing a call");
}

int
lead_sla_transition_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    int from, uint64_t since_ms, int to, uint64_t now_ms, const char *who)
{
    int  rc = LEAD_OK;

    if (!s->sla) {
        return LEAD_OK;
    }
    if (from == LEAD_STATUS_MQL) {
        rc = mql_row(s, txn, lead_id, since_ms, 0);
    }
    if (rc == LEAD_OK && to == LEAD_STATUS_MQL) {
        rc = mql_row(s, txn, lead_id, now_ms, 1);
    }

    /*
     * Who accepts a lead owns it.  A who that cannot name an owner (none,
     * a system move, bytes nginx took for a user name) changes no owner,
     * and never refuses the status change.
     */
    if (rc == LEAD_OK && to == LEAD_STATUS_SAL && who != NULL
        && lead_owner_valid(who, strlen(who)))
    {
        rc = lead_owner_set_txn(s, txn, lead_id, who, strlen(who));
    }
    return rc;
}

/* 1 when name may be an owner's: a line of UTF-8 text, no controls. */
int
lead_owner_valid(const char *name, size_t len)
{
    uint32_t  cp;
    size_t    i, n;

    if (len == 0 || len > LEAD_WHO_MAX) {
        return 0;
    }
    for (i = 0; i < len; i += n) {
        n = lead_utf8_char((const unsigned char *) name + i, len - i, &cp);
        if (n == 0 || lead_char_control(cp)) {
            return 0;
        }
    }
    return 1;
}

int
lead_owner_set_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    const char *owner, size_t len)
{
    MDB_val  key, val;
    int      rc;

    if (!s->sla) {
        return lead_store_fail(s, LEAD_ESTORE, "this store keeps no owners "
                               "(opened read-only before it had them)");
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    if (len == 0) {
        rc = mdb_del(txn, s->owners, &key, NULL);
        return rc == 0 || rc == MDB_NOTFOUND
               ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing an owner");
    }
    if (!lead_owner_valid(owner, len)) {
        return lead_store_fail(s, LEAD_EINVAL, "an owner is a name of 1 to "
                               "%d bytes of UTF-8 text, without control "
                               "characters", LEAD_WHO_MAX);
    }
    val.mv_data = (void *) owner;
    val.mv_size = len;
    rc = mdb_put(txn, s->owners, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing an owner");
}

int
lead_store_owner_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    lead_str *owner)
{
    MDB_val  key, val;
    int      rc;

    owner->data = "";
    owner->len = 0;
    if (!s->sla) {
        return LEAD_OK;
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->owners, &key, &val);
    if (rc == 0) {
        owner->data = val.mv_data;
        owner->len = val.mv_size;
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading an owner");
}
