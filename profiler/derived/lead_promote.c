/*
 * Leads becoming mql by themselves: a lead that asked for a call, or whose
 * reads met a trigger, is promoted in the transaction that finds it so,
 * whether a form post, a commit of its events or the fold finds it first.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

typedef struct {
    lead_scorer  *scorer;
    uint64_t      since_ms;
} since_feed;

/* Back from sales, a lead is judged on what it does from then on only. */
static int
feed_since(void *arg, uint64_t seq, const lead_event *ev)
{
    since_feed  *f = arg;

    (void) seq;
    if (ev->time_ms < f->since_ms) {
        return 0;
    }
    return lead_scorer_add(f->scorer, ev) != LEAD_OK;
}

int
lead_store_promote_txn(lead_store *s, MDB_txn *txn, const lead_rules *r,
    const uint8_t *lead_id, uint64_t now_ms, const lead_score *from_start,
    lead_score *score, int *promoted, char cause[LEAD_CAUSE_MAX])
{
    const lead_asset  *a;
    lead_person        p;
    since_feed         feed;
    MDB_val            key, val;
    uint64_t           since, at;
    int                status, rc;

    *promoted = 0;
    rc = lead_store_get_status_txn(s, txn, lead_id, &status, &since);
    if (rc != LEAD_OK
        || (status != LEAD_STATUS_IDENTIFIED
            && status != LEAD_STATUS_NURTURE))
    {
        return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }

    if (status == LEAD_STATUS_IDENTIFIED && from_start) {
        *score = *from_start;
    } else {
        /* back from sales, only what it did since counts */
        since = status == LEAD_STATUS_IDENTIFIED ? 0 : since;
        feed.scorer = lead_scorer_new(lead_rules_scoring(r));
        if (feed.scorer == NULL) {
            return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        feed.since_ms = since;
        lead_scorer_reset(feed.scorer, since);
        rc = lead_store_lead_events_txn(s, txn, lead_id, feed_since, &feed);
        if (rc == LEAD_ECALLBACK) {
            rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        if (rc == LEAD_OK) {
            rc = lead_scorer_totals(feed.scorer, now_ms, score);
        }
        lead_scorer_free(feed.scorer);
        if (rc != LEAD_OK) {
            return rc;
        }
    }
    if (status == LEAD_STATUS_IDENTIFIED) {
        since = 0;
    }

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->leads, &key, &val);
    if (rc != 0 || lead_decode_person(lead_id, &val, &p) != LEAD_OK) {
        return rc == 0 || rc == MDB_NOTFOUND
               ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading a lead");
    }

    /* asking for a call is the strongest buying signal there is */
    if (p.contact && p.updated_ms >= since) {
        at = p.updated_ms;
        snprintf(cause, LEAD_CAUSE_MAX, "asked to be contacted");

    } else if (score->trigger_ms) {
        at = score->trigger_ms;
        a = score->trigger_asset ? lead_rules_find(r, score->trigger_asset)
                                 : NULL;
        if (a) {
            snprintf(cause, LEAD_CAUSE_MAX, "read \"%.100s\" (hot)",
                     a->title);
        } else {
            snprintf(cause, LEAD_CAUSE_MAX, "%s", score->trigger);
        }

    } else {
        return LEAD_OK;
    }

    rc = lead_store_transition(s, txn, lead_id, LEAD_STATUS_MQL, at, cause,
                               "", "");
    if (rc == LEAD_OK) {
        /* sales hear of it when this commits, from the store's queue */
        rc = lead_store_notice_add_txn(s, txn, LEAD_NOTICE_MQL, lead_id,
                                       NULL, at, cause);
    }
    *promoted = rc == LEAD_OK;
    return rc;
}

/* A promotion made in a transaction, told once it is committed. */
typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    double    engagement;
    char      cause[LEAD_CAUSE_MAX];
} promotion;

static int
id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, LEAD_ID_LEN);
}

/* Sorted, each once: how many are left. */
static size_t
unique_ids(uint8_t *ids, size_t n)
{
    size_t  i, m = 0;

    qsort(ids, n, LEAD_ID_LEN, id_cmp);
    for (i = 0; i < n; i++) {
        if (m == 0 || memcmp(ids + (m - 1) * LEAD_ID_LEN,
                             ids + i * LEAD_ID_LEN, LEAD_ID_LEN) != 0)
        {
            memmove(ids + m++ * LEAD_ID_LEN, ids + i * LEAD_ID_LEN,
                    LEAD_ID_LEN);
        }
    }
    return m;
}

/*
 * The leads, in one transaction; fn hears of those promoted once it is
 * committed.  A lead already past identified (or nurture) is left alone:
 * a promotion is never undone, whoever finds it first.
 */
static int
promote_leads(lead_store *s, const lead_rules *r, const uint8_t *ids,
    size_t n, uint64_t now_ms, lead_promoted_fn fn, void *arg)
{
    MDB_txn     *txn = NULL;
    promotion   *told;
    lead_score  *score;
    size_t       i, ntold = 0;
    int          rc, promoted;

    score = malloc(sizeof(lead_score));
    told = malloc(n * sizeof(promotion));
    if (score == NULL || told == NULL) {
        free(score);
        free(told);
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_write_begin(s, &txn);
    for (i = 0; rc == LEAD_OK && i < n; i++) {
        rc = lead_store_promote_txn(s, txn, r, ids + i * LEAD_ID_LEN, now_ms,
                                    NULL, score, &promoted,
                                    told[ntold].cause);
        if (rc == LEAD_OK && promoted) {
            memcpy(told[ntold].lead, ids + i * LEAD_ID_LEN, LEAD_ID_LEN);
            told[ntold++].engagement = score->engagement;
        }
    }
    if (rc == LEAD_OK && ntold) {
        rc = mdb_txn_commit(txn);
        rc = rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
    } else if (txn) {
        mdb_txn_abort(txn);
    }

    for (i = 0; rc == LEAD_OK && fn && i < ntold; i++) {
        fn(arg, told[i].lead, told[i].cause, told[i].engagement);
    }
    free(told);
    free(score);
    return rc;
}

int
lead_store_promote_lead(lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms,
    lead_promoted_fn fn, void *arg)
{
    return promote_leads(s, r, lead_id, 1, now_ms, fn, arg);
}

/*
 * The leads of a batch's visitors, each once: every lead a visitor was
 * ever linked to, since an event is its lead's of that moment (a visitor
 * that is no lead's costs one lookup).  *ids is malloc()ed.
 */
static int
batch_leads(lead_store *s, const lead_batch *b, uint8_t **ids, size_t *n)
{
    MDB_txn         *txn = NULL;
    MDB_val          key, val;
    lead_event       ev;
    const uint8_t   *rec;
    uint8_t         *visitors, *leads = NULL, *grown;
    size_t           pos = 0, len, i, j, nv = 0, nl = 0, cap = 0, links;
    int              rc;

    visitors = malloc(lead_batch_count(b) * LEAD_ID_LEN);
    if (visitors == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    while (lead_batch_next(b, &pos, &rec, &len)) {
        if (lead_event_decode(rec, len, &ev) == LEAD_OK) {
            memcpy(visitors + nv++ * LEAD_ID_LEN, ev.visitor, LEAD_ID_LEN);
        }
    }
    nv = unique_ids(visitors, nv);

    rc = lead_store_read_begin(s, &txn);
    for (i = 0; rc == LEAD_OK && i < nv; i++) {
        key.mv_data = visitors + i * LEAD_ID_LEN;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, s->links, &key, &val);
        if (rc != 0) {
            rc = rc == MDB_NOTFOUND ? LEAD_OK
                 : lead_store_mdb_fail(s, rc, "reading a link");
            continue;
        }
        links = val.mv_size % LINK_SIZE == 0 ? val.mv_size / LINK_SIZE : 0;
        if (nl + links > cap) {
            cap = 2 * (nl + links);
            grown = realloc(leads, cap * LEAD_ID_LEN);
            if (grown == NULL) {
                rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
                break;
            }
            leads = grown;
        }
        for (j = 0; j < links; j++) {
            memcpy(leads + nl++ * LEAD_ID_LEN,
                   (uint8_t *) val.mv_data + j * LINK_SIZE, LEAD_ID_LEN);
        }
    }
    if (txn) {
        lead_store_read_end(s, txn);
    }
    free(visitors);

    *ids = leads;
    *n = rc == LEAD_OK && nl ? unique_ids(leads, nl) : 0;
    return rc;
}

int
lead_store_promote_batch(lead_store *s, const lead_rules *r,
    const lead_batch *b, uint64_t now_ms, lead_promoted_fn fn, void *arg)
{
    uint8_t  *ids = NULL;
    size_t    n = 0;
    int       rc;

    if (lead_batch_count(b) == 0 || s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = batch_leads(s, b, &ids, &n);
    if (rc == LEAD_OK && n) {
        rc = promote_leads(s, r, ids, n, now_ms, fn, arg);
    }

    free(ids);
    return rc;
}
