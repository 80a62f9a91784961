/*
 * What a closed deal came to: the amount won (in cents of its currency)
 * or nothing for a deal lost, and the close date, one record per lead.
 *
 * "outcomes"  lead id -> amount (i64), currency (4 bytes, NUL-padded),
 *             closed (u64 ms)
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define OUTCOME_SIZE  (8 + 4 + 8)

int
lead_outcome_put_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    const lead_outcome *o)
{
    MDB_val  key, val;
    uint8_t  v[OUTCOME_SIZE];
    int      rc;

    if (!s->closing) {
        return lead_store_fail(s, LEAD_EINVAL, "the store predates "
                               "outcomes: open it for writing once");
    }

    lead_put_u64(v, (uint64_t) o->amount);
    memset(v + 8, 0, 4);
    memcpy(v + 8, o->currency, strnlen(o->currency, 3));
    lead_put_u64(v + 12, o->closed_ms);

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    val.mv_data = v;
    val.mv_size = sizeof(v);
    rc = mdb_put(txn, s->outcomes, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing an outcome");
}

int
lead_store_outcome_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    lead_outcome *o)
{
    MDB_val  key, val;
    int      rc;

    memset(o, 0, sizeof(*o));
    if (!s->closing) {
        return LEAD_ENOTFOUND;
    }

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->outcomes, &key, &val);
    if (rc == 0 && val.mv_size == OUTCOME_SIZE) {
        o->amount = (int64_t) lead_get_u64(val.mv_data);
        memcpy(o->currency, (uint8_t *) val.mv_data + 8, 3);
        o->currency[3] = '\0';
        o->closed_ms = lead_get_u64((uint8_t *) val.mv_data + 12);
        return LEAD_OK;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        return LEAD_ENOTFOUND;
    }
    return lead_store_mdb_fail(s, rc, "reading an outcome");
}

int
lead_outcome_forget_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    MDB_val  key;
    int      rc;

    if (!s->closing) {
        return LEAD_OK;
    }

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_del(txn, s->outcomes, &key, NULL);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing an outcome");
}
