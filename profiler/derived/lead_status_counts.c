/*
 * How many leads are in each status, kept as every status changes so
 * that a list's counts are one read rather than a scan of every status.
 *
 * meta "statuses" -> a u64 per status: the rows of "statuses" that hold
 *                    it (a store without it is counted by a scan, and
 *                    has it made at its next status change)
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

static const char  counts_key[] = "statuses";

typedef struct {
    uint64_t  *counts;
    uint64_t   n;
} status_count;

static int
count_status(const MDB_val *key, const MDB_val *val, void *ctx)
{
    status_count  *c = ctx;
    int            st;

    if (key->mv_size == LEAD_ID_LEN && val->mv_size == 9) {
        st = ((uint8_t *) val->mv_data)[0];
        if (st < LEAD_NSTATUSES) {
            c->counts[st]++;
            c->n++;
        }
    }
    return 0;
}

/* The long way: every row of "statuses" read. */
static int
scan_counts(lead_store *s, MDB_txn *txn, uint64_t counts[LEAD_NSTATUSES])
{
    status_count  c = { counts, 0 };

    memset(counts, 0, LEAD_NSTATUSES * sizeof(uint64_t));
    return lead_store_scan_txn(s, txn, s->statuses, count_status, &c);
}

/* The kept counts; *kept 0 when the store has none (or a damaged one). */
static int
kept_counts(lead_store *s, MDB_txn *txn, uint64_t counts[LEAD_NSTATUSES],
    int *kept)
{
    MDB_val   key, val;
    unsigned  i;
    int       rc;

    key.mv_data = (void *) counts_key;
    key.mv_size = sizeof(counts_key) - 1;
    rc = mdb_get(txn, s->meta, &key, &val);
    *kept = rc == 0 && val.mv_size == LEAD_NSTATUSES * 8;
    if (*kept) {
        for (i = 0; i < LEAD_NSTATUSES; i++) {
            counts[i] = lead_get_be64((uint8_t *) val.mv_data + i * 8);
        }
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading meta statuses");
}

/*
 * A row of "statuses" about to go from one status to another (-1: no
 * row, before or after), called before the row is written: a store
 * without the counts has them made here from the rows as they are.
 */
int
lead_status_count_txn(lead_store *s, MDB_txn *txn, int from, int to)
{
    MDB_val   key, val;
    uint64_t  counts[LEAD_NSTATUSES];
    uint8_t   v[LEAD_NSTATUSES * 8];
    unsigned  i;
    int       rc, kept;

    rc = kept_counts(s, txn, counts, &kept);
    if (rc == LEAD_OK && !kept) {
        rc = scan_counts(s, txn, counts);
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    if (from >= 0 && from < LEAD_NSTATUSES && counts[from] > 0) {
        counts[from]--;
    }
    if (to >= 0 && to < LEAD_NSTATUSES) {
        counts[to]++;
    }
    for (i = 0; i < LEAD_NSTATUSES; i++) {
        lead_put_be64(v + i * 8, counts[i]);
    }
    key.mv_data = (void *) counts_key;
    key.mv_size = sizeof(counts_key) - 1;
    val.mv_data = v;
    val.mv_size = sizeof(v);
    rc = mdb_put(txn, s->meta, &key, &val, 0);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "writing meta statuses");
}

int
lead_store_count_statuses(lead_store *s, size_t counts[LEAD_NSTATUSES],
    size_t *leads)
{
    MDB_txn   *txn;
    MDB_stat   st;
    uint64_t   c[LEAD_NSTATUSES], n = 0;
    unsigned   i;
    int        rc, kept;

    memset(counts, 0, LEAD_NSTATUSES * sizeof(size_t));
    *leads = 0;
    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_stat(txn, s->leads, &st);
    if (rc == 0) {
        *leads = st.ms_entries;
        rc = kept_counts(s, txn, c, &kept);
        if (rc == LEAD_OK && !kept) {
            rc = scan_counts(s, txn, c);
        }
    } else {
        rc = lead_store_mdb_fail(s, rc, "mdb_stat");
    }
    lead_store_read_end(s, txn);

    for (i = 0; rc == LEAD_OK && i < LEAD_NSTATUSES; i++) {
        counts[i] = (size_t) c[i];
        n += c[i];
    }
    /* a lead with no status kept is identified */
    if (rc == LEAD_OK && *leads > n) {
        counts[LEAD_STATUS_IDENTIFIED] += *leads - n;
    }
    return rc;
}
