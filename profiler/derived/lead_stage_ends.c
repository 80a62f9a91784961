/*
 * The leads of each buying stage by when they leave it: a stage moves by
 * decay alone, so the fold keys each summary's stages by the moment
 * their engagement falls below stage_min, and a list of a stage reads
 * the leads still in it without a walk of every lead.
 *
 *   "stage_ends"  stage, leaves at (BE), lead id -> enters it at (BE)
 *   meta "stage_ends" -> the fold's rules hash: it holds every summary
 *
 * A lead is in stage d at t when its stage d engagement is still over
 * stage_min and no later stage's is: from "leaves at" of d and the
 * latest of the later stages' ("enters it at").  Both are rounded
 * outward by a second, so the index finds every lead in the stage and a
 * few more, and the list asks each one's summary, as the walk does.
 */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_fold.h"
#include "lead_derived.h"

#define MARGIN_MS    1000.0             /* floating point's error, and more */
#define NEVER        9.0e18             /* ms: past any store's time */

static const char  built_key[] = "stage_ends";

/*
 * The moment each stage's engagement of the summary falls below
 * stage_min, in ms (-1: it never reaches it); 0 if it is damaged.
 */
static int
ends_of(const MDB_val *summary, const lead_scoring *sc,
    double ends[LEAD_MAX_STAGES])
{
    double    by_stage[LEAD_MAX_STAGES];
    uint64_t  ref_ms;
    unsigned  i;

    if (lead_summary_stages(summary, sc, by_stage, &ref_ms) != LEAD_OK) {
        return 0;
    }
    for (i = 0; i < sc->nstages; i++) {
        ends[i] = by_stage[i] >= sc->stage_min && sc->stage_min > 0
                  ? (double) ref_ms + (double) sc->half_life_ms
                    * log2(by_stage[i] / sc->stage_min)
                  : -1;
        if (ends[i] > NEVER) {
            ends[i] = NEVER;
        }
    }
    return 1;
}

void
lead_stage_ends_rows_of(const lead_scoring *sc, const uint8_t *id,
    const MDB_val *summary, lead_stage_ends_rows *rows)
{
    double            ends[LEAD_MAX_STAGES], later = -1, enter;
    lead_stage_end   *r;
    unsigned          i;

    rows->n = 0;
    if (!ends_of(summary, sc, ends)) {
        return;                         /* damaged: scored again later */
    }
    for (i = sc->nstages; i-- > 0; /* void */) {
        if (ends[i] < 0 || ends[i] + MARGIN_MS <= later - MARGIN_MS) {
            continue;                   /* a later stage outlasts it */
        }
        enter = later - MARGIN_MS;
        r = &rows->row[rows->n++];
        r->key[0] = (uint8_t) i;
        lead_put_be64(r->key + 1, (uint64_t) (ends[i] + MARGIN_MS));
        memcpy(r->key + 9, id, LEAD_ID_LEN);
        lead_put_be64(r->enter, enter > 0 ? (uint64_t) enter : 0);
        if (ends[i] > later) {
            later = ends[i];
        }
    }
}

/* Whether rows has r: its key alone (key_only), or its value too. */
static int
has_row(const lead_stage_ends_rows *rows, const lead_stage_end *r,
    int key_only)
{
    unsigned  i;

    for (i = 0; i < rows->n; i++) {
        if (memcmp(rows->row[i].key, r->key, LEAD_STAGE_END_KEY) == 0
            && (key_only || memcmp(rows->row[i].enter, r->enter, 8) == 0))
        {
            return 1;
        }
    }
    return 0;
}

int
lead_stage_ends_move(lead_store *s, MDB_txn *txn,
    const lead_stage_ends_rows *from, const lead_stage_ends_rows *to)
{
    MDB_val   key, val;
    unsigned  i;
    int       rc = 0;

    key.mv_size = LEAD_STAGE_END_KEY;
    val.mv_size = 8;
    for (i = 0; rc == 0 && i < from->n; i++) {
        if (!has_row(to, &from->row[i], 1)) {
            key.mv_data = (void *) from->row[i].key;
            rc = mdb_del(txn, s->stage_ends, &key, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : rc;
        }
    }
    for (i = 0; rc == 0 && i < to->n; i++) {
        if (!has_row(from, &to->row[i], 0)) {
            key.mv_data = (void *) to->row[i].key;
            val.mv_data = (void *) to->row[i].enter;
            rc = mdb_put(txn, s->stage_ends, &key, &val, 0);
        }
    }
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "keeping the stages' ends");
}

int
lead_stage_ends_usable(lead_store *s, MDB_txn *txn, uint64_t rules)
{
    MDB_val  key, val;

    key.mv_data = (void *) built_key;
    key.mv_size = sizeof(built_key) - 1;
    return s->ending && mdb_get(txn, s->meta, &key, &val) == 0
           && val.mv_size == 8 && lead_get_u64(val.mv_data) == rules;
}

/*
 * Built from every summary once for these rules (a store older than the
 * index, or the fold starting over), in the fold's transaction.
 */
int
lead_stage_ends_build(lead_store *s, MDB_txn *txn, const lead_scoring *sc,
    uint64_t rules)
{
    MDB_cursor            *cur;
    MDB_val                key, val;
    lead_stage_ends_rows   none, rows;
    int                    rc, op;

    if (lead_stage_ends_usable(s, txn, rules)) {
        return LEAD_OK;
    }
    none.n = 0;
    rc = mdb_drop(txn, s->stage_ends, 0);
    if (rc == 0) {
        rc = mdb_cursor_open(txn, s->summaries, &cur);
    }
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "building the stages' ends");
    }
    for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size == LEAD_ID_LEN) {
            lead_stage_ends_rows_of(sc, key.mv_data, &val, &rows);
            rc = lead_stage_ends_move(s, txn, &none, &rows);
            if (rc != LEAD_OK) {
                mdb_cursor_close(cur);
                return rc;
            }
        }
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "building the stages' ends");
    }

    return lead_store_set_meta_u64(s, txn, built_key, rules);
}

int
lead_stage_ends_each(lead_store *s, MDB_txn *txn, int stage, uint64_t now_ms,
    int (*fn)(void *arg, const uint8_t *id), void *arg)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t      k[LEAD_STAGE_END_KEY];
    int          rc, op;

    rc = mdb_cursor_open(txn, s->stage_ends, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    memset(k, 0, sizeof(k));
    k[0] = (uint8_t) stage;
    lead_put_be64(k + 1, now_ms);
    key.mv_data = k;
    key.mv_size = LEAD_STAGE_END_KEY;

    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        const uint8_t  *p = key.mv_data;

        if (key.mv_size != LEAD_STAGE_END_KEY || p[0] != (uint8_t) stage) {
            break;
        }
        if (val.mv_size == 8 && lead_get_be64(val.mv_data) < now_ms
            && fn(arg, p + 9) != 0)
        {
            rc = LEAD_ECALLBACK;
            break;
        }
    }
    mdb_cursor_close(cur);
    if (rc == LEAD_ECALLBACK) {
        return rc;
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading the stages' ends");
}
