/*
 * Every lead's time in each buying stage, kept by the fold as it feeds
 * the lead's reads, so the funnel reads one row a lead, not every event.
 *
 *   "stages"  lead id -> its stage walk up to its last read folded
 *             (lead_stage_walk_save); a lead that read nothing has none
 *
 * Like the states it is kept with, it is dropped when the rules change.
 * The leads with reads after the fold (the tail) or to refold are walked
 * here from their own events, as the full scan walks them.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

typedef struct {
    const lead_scoring  *sc;
    lead_scorer         *scorer;
    lead_stage_walk      w;
    uint64_t             now_ms;
} stage_feed;

int
lead_stages_get(lead_store *s, MDB_cursor *cur, const uint8_t *lead_id,
    lead_stage_walk *w)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET);
    if (rc == MDB_NOTFOUND) {
        lead_stage_walk_reset(w);
        return LEAD_OK;
    }
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "reading a lead's stages");
    }
    return lead_stage_walk_load(w, val.mv_data, val.mv_size);
}

/* Whether the cursor is on the lead's row, as lead_stages_get left it. */
static int
on_row(MDB_cursor *cur, const uint8_t *lead_id)
{
    MDB_val  key, val;

    return mdb_cursor_get(cur, &key, &val, MDB_GET_CURRENT) == 0
           && key.mv_size == LEAD_ID_LEN
           && memcmp(key.mv_data, lead_id, LEAD_ID_LEN) == 0;
}

int
lead_stages_put(lead_store *s, MDB_cursor *cur, const uint8_t *lead_id,
    const lead_stage_walk *w, lead_buf *buf)
{
    MDB_val  key, val;
    int      rc, at;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    at = on_row(cur, lead_id);
    if (w->reads == 0) {
        rc = at ? 0 : mdb_cursor_get(cur, &key, &val, MDB_SET);
        rc = rc == 0 ? mdb_cursor_del(cur, 0) : rc;
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    } else {
        buf->len = 0;
        lead_stage_walk_save(w, buf);
        if (buf->oom) {
            return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        val.mv_data = buf->data;
        val.mv_size = buf->len;
        rc = mdb_cursor_put(cur, &key, &val, at ? MDB_CURRENT : 0);
    }
    return rc ? lead_store_mdb_fail(s, rc, "keeping a lead's stages")
              : LEAD_OK;
}

/* A read of the lead up to now, as the full scan feeds it. */
static int
feed(void *arg, uint64_t seq, const lead_event *ev)
{
    stage_feed  *f = arg;

    (void) seq;
    if (ev->ua_class == LEAD_UA_BOT || ev->time_ms > f->now_ms) {
        return 0;
    }
    if (lead_scorer_add(f->scorer, ev) != LEAD_OK) {
        return 1;
    }
    lead_stage_walk_read(&f->w, f->sc, f->scorer, ev->time_ms);
    return 0;
}

/* The leads of the tail and to refold, each from its own events. */
static int
walk_tail(lead_store *s, MDB_txn *txn, stage_feed *f, const uint8_t *ids,
    size_t n, lead_stage_walk_fn fn, void *arg)
{
    MDB_val  key, val;
    size_t   i;
    int      rc = LEAD_OK;

    for (i = 0; rc == LEAD_OK && i < n; i++) {
        key.mv_data = (void *) (ids + i * LEAD_ID_LEN);
        key.mv_size = LEAD_ID_LEN;
        if (mdb_get(txn, s->leads, &key, &val) != 0) {
            continue;                   /* forgotten: no one's */
        }
        lead_scorer_reset(f->scorer, 0);
        lead_stage_walk_reset(&f->w);
        rc = lead_store_lead_events_txn(s, txn, key.mv_data, feed, f);
        if (rc == LEAD_ECALLBACK) {
            rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        if (rc == LEAD_OK && f->w.reads && fn(arg, &f->w) != 0) {
            rc = LEAD_ECALLBACK;
        }
    }
    return rc;
}

/* The kept walks of the leads not in ids; *usable 0 if one is damaged. */
static int
walk_kept(lead_store *s, MDB_txn *txn, const uint8_t *ids, size_t n,
    lead_stage_walk_fn fn, void *arg, int *usable)
{
    MDB_cursor       *cur;
    MDB_val           key, val;
    lead_stage_walk   w;
    size_t            at = 0;
    int               rc, op, c;

    rc = mdb_cursor_open(txn, s->stages, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != LEAD_ID_LEN) {
            continue;
        }
        /* both in id order: the tail's leads are walked apart */
        c = -1;
        while (at < n && (c = memcmp(ids + at * LEAD_ID_LEN, key.mv_data,
                                     LEAD_ID_LEN)) < 0)
        {
            at++;
        }
        if (at < n && c == 0) {
            continue;
        }
        if (lead_stage_walk_load(&w, val.mv_data, val.mv_size) != LEAD_OK) {
            *usable = 0;                /* damaged: the full scan knows */
            rc = MDB_NOTFOUND;
            break;
        }
        if (fn(arg, &w) != 0) {
            mdb_cursor_close(cur);
            return LEAD_ECALLBACK;
        }
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? LEAD_OK
                              : lead_store_mdb_fail(s, rc, "reading stages");
}

int
lead_store_each_stage_walk(lead_store *s, const lead_rules *r,
    uint64_t now_ms, lead_stage_walk_fn fn, void *arg, size_t *leads,
    int *usable)
{
    MDB_txn     *txn;
    MDB_stat     st;
    stage_feed   f;
    uint8_t     *ids = NULL;
    size_t       n = 0;
    int          rc;

    *leads = 0;
    *usable = 0;
    if (s->empty || s->partial || !s->folding || !s->staging) {
        return LEAD_OK;
    }
    memset(&f, 0, sizeof(f));
    f.sc = lead_rules_scoring(r);
    f.now_ms = now_ms;

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_store_tail_leads(s, txn, r, now_ms, &ids, &n, usable);
    if (rc == LEAD_OK && *usable) {
        rc = mdb_stat(txn, s->leads, &st);
        *leads = st.ms_entries;
        rc = rc ? lead_store_mdb_fail(s, rc, "mdb_stat") : LEAD_OK;
    }
    if (rc == LEAD_OK && *usable) {
        rc = walk_kept(s, txn, ids, n, fn, arg, usable);
    }
    if (rc == LEAD_OK && *usable) {
        f.scorer = lead_scorer_new(f.sc);
        rc = f.scorer ? walk_tail(s, txn, &f, ids, n, fn, arg)
                      : lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    lead_scorer_free(f.scorer);
    free(ids);
    lead_store_read_end(s, txn);
    return rc;
}
