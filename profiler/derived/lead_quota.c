/*
 * Commits that keep anonymous data under its bound: a batch goes in short
 * transactions, and before each the anonymous visitors seen longest ago
 * are evicted while anonymous data is over the bound, or while the map's
 * pages reach into the reserve kept for leads (their events, form posts,
 * status changes), which anonymous events never take.
 */

#include <stdint.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define QUOTA_CHUNKS       16     /* a chunk: this share of the bound */
#define QUOTA_EVICT_MAX    500    /* visitors per eviction transaction */
#define QUOTA_EVICT_ROUNDS 64     /* eviction transactions per chunk */
#define QUOTA_INDEX_BUDGET 20     /* ms of indexing when nothing is aged */
#define QUOTA_RESERVE_MIN  (512 * 1024)
#define QUOTA_RESERVE_MAX  (64 * 1024 * 1024)

static int
anonymous(lead_store *s, uint64_t *bytes)
{
    MDB_txn  *txn;
    int       rc;

    rc = lead_store_read_begin(s, &txn);
    if (rc == LEAD_OK) {
        rc = lead_store_anonymous(s, txn, bytes);
        lead_store_read_end(s, txn);
    }
    return rc;
}

/*
 * Once anonymous data is over over, visitors go until it is at to.  Only
 * indexed visitors are in "seen": when those are gone and the log's tail
 * (not indexed yet) still holds too much, the tail is indexed first.
 */
static int
make_room(lead_store *s, uint64_t over, uint64_t to, lead_committed *out)
{
    uint64_t  anon;
    unsigned  i;
    int       rc, more = 1, indexed = 0;

    rc = anonymous(s, &anon);
    if (rc != LEAD_OK || anon <= over) {
        return rc;
    }

    for (i = 0; rc == LEAD_OK && i < QUOTA_EVICT_ROUNDS; i++) {
        rc = lead_store_evict_anonymous(s, to, QUOTA_EVICT_MAX,
                                        &out->evicted, &more);
        if (rc != LEAD_OK || more) {
            continue;
        }
        rc = anonymous(s, &anon);
        if (rc != LEAD_OK || anon <= to || indexed) {
            break;
        }
        rc = lead_store_fold(s, NULL, UINT64_MAX, QUOTA_INDEX_BUDGET, NULL,
                             NULL, &more);
        indexed = !more;
    }
    return rc;
}

/*
 * Before a chunk: anonymous data under its bound, and out of the reserve
 * (the map's last 16th, within limits); *leads_only when the map is in
 * the reserve's deeper half all the same, and anonymous events must wait.
 */
static int
room_for_chunk(lead_store *s, uint64_t anon_max, lead_committed *out,
    int *leads_only)
{
    uint64_t  used, map, reserve, anon;
    int       rc;

    *leads_only = 0;
    rc = make_room(s, anon_max, anon_max - anon_max / 8, out);
    if (rc == LEAD_OK) {
        rc = lead_store_used(s, &used, &map);
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    reserve = map / 16;
    reserve = reserve < QUOTA_RESERVE_MIN ? QUOTA_RESERVE_MIN
              : reserve > QUOTA_RESERVE_MAX ? QUOTA_RESERVE_MAX : reserve;
    if (used + reserve <= map) {
        return LEAD_OK;
    }

    /* in the reserve: a quarter of anonymous data goes */
    rc = anonymous(s, &anon);
    if (rc == LEAD_OK) {
        rc = make_room(s, 0, anon - anon / 4, out);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_used(s, &used, &map);
    }
    *leads_only = used + reserve / 2 > map;
    return rc == LEAD_EFULL ? LEAD_OK : rc;
}

/* Past at most max bytes of b's records from *pos: how many. */
static size_t
skip_chunk(const lead_batch *b, size_t *pos, size_t max)
{
    size_t          len, took = 0, n = 0;
    const uint8_t  *rec;

    while (took < max && lead_batch_next(b, pos, &rec, &len)) {
        took += len + 2;
        n++;
    }
    return n;
}

int
lead_store_commit_bounded(lead_store *s, const lead_batch *b,
    uint64_t anon_max, lead_committed *out)
{
    size_t    total = lead_batch_count(b), pos = 0, at, chunk, n, skipped;
    uint64_t  anon;
    int       rc, leads_only;

    memset(out, 0, sizeof(*out));

    if (anon_max == 0) {
        rc = lead_store_commit(s, b);
        out->stored = rc == LEAD_OK ? total : 0;
        return rc;
    }

    /* what one chunk may take the bound over by */
    chunk = anon_max / QUOTA_CHUNKS;

    while (out->stored + out->dropped < total) {
        at = pos;
        rc = room_for_chunk(s, anon_max, out, &leads_only);
        if (rc == LEAD_OK) {
            rc = lead_store_commit_part(s, b, &pos, chunk, leads_only, &n,
                                        &skipped);
        }

        if (rc == LEAD_EFULL) {
            /* full all the same (leads, LMDB's own pages): half goes */
            rc = anonymous(s, &anon);
            if (rc == LEAD_OK) {
                rc = make_room(s, 0, anon / 2, out);
            }
            if (rc == LEAD_OK || rc == LEAD_EFULL) {
                rc = lead_store_commit_part(s, b, &pos, chunk, 0, &n,
                                            &skipped);
            }
            if (rc == LEAD_EFULL) {
                rc = lead_store_commit_part(s, b, &pos, chunk, 1, &n,
                                            &skipped);
            }
            if (rc == LEAD_EFULL) {
                /* no room even for a lead's: counted, and the next goes */
                pos = at;
                skipped = skip_chunk(b, &pos, chunk);
                n = 0;
                rc = LEAD_OK;
            }
        }

        if (rc != LEAD_OK || n + skipped == 0) {
            return rc;
        }
        out->stored += n;
        out->dropped += skipped;
    }

    return LEAD_OK;
}
