/* The log's events as leadctl lists them: a time range, one lead's devices. */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead_derived.h"

typedef struct {
    uint8_t  *ids;
    size_t    n, cap;
} device_set;

static int
add_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since_ms)
{
    device_set  *d = arg;
    uint8_t     *grown;

    (void) since_ms;

    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 8;
        grown = realloc(d->ids, d->cap * LEAD_ID_LEN);
        if (grown == NULL) {
            return 1;
        }
        d->ids = grown;
    }
    memcpy(d->ids + d->n++ * LEAD_ID_LEN, visitor, LEAD_ID_LEN);
    return 0;
}

static int
id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, LEAD_ID_LEN);
}

int
lead_store_each_event_in(lead_store *s, uint64_t since_ms, uint64_t until_ms,
    const uint8_t *lead_id, lead_event_fn fn, void *arg)
{
    device_set   d = { NULL, 0, 0 };
    MDB_txn     *txn;
    int          rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    /* the lead's devices, from the same snapshot as its events */
    if (lead_id != NULL) {
        rc = lead_store_each_device_txn(s, txn, lead_id, add_device, &d);
        if (rc == LEAD_ECALLBACK) {
            rc = LEAD_ENOMEM;
        }
        lead_sort(d.ids, d.n, LEAD_ID_LEN, id_cmp);
    }

    if (rc == LEAD_OK && (lead_id == NULL || d.n > 0)) {
        rc = lead_store_scan_events_txn(s, txn, since_ms, until_ms,
                                        lead_id ? d.ids : NULL, d.n, fn,
                                        arg);
    }

    lead_store_read_end(s, txn);
    free(d.ids);
    return rc;
}
