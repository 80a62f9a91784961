/*
 * The store's insides, shared by the files that implement it
 * (lead_store.c: events, visitors, assets; lead_leads.c: leads).
 */

#ifndef LEAD_STORE_H
#define LEAD_STORE_H

#include <lmdb.h>

#include "lead.h"

struct lead_store {
    MDB_env   *env;
    MDB_dbi    meta;
    MDB_dbi    events;
    MDB_dbi    visitors;
    MDB_dbi    assets;
    MDB_dbi    leads;       /* lead id -> lead */
    MDB_dbi    emails;      /* normalised e-mail -> lead id */
    MDB_dbi    links;       /* visitor -> the leads it was linked to */
    MDB_dbi    devices;     /* lead id + visitor -> linked at */
    int        read_only;
    int        empty;      /* read-only open of a store never written */
    int        partial;    /* read-only open of a store missing tables */
    char       err[256];
};

typedef int (*lead_row_fn)(const MDB_val *key, const MDB_val *val,
    void *ctx);

int lead_store_fail(lead_store *s, int code, const char *fmt, ...);
int lead_store_mdb_fail(lead_store *s, int rc, const char *what);
int lead_store_read_begin(lead_store *s, MDB_txn **txn);
int lead_store_write_begin(lead_store *s, MDB_txn **txn);
int lead_store_scan(lead_store *s, MDB_dbi dbi, lead_row_fn row, void *ctx);
void lead_put_be64(uint8_t *p, uint64_t v);
uint64_t lead_get_be64(const uint8_t *p);

#endif /* LEAD_STORE_H */
