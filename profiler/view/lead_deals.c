/*
 * A lead's source and deal as reports show them: its first touch and
 * the touch before it identified, and the deal it closed, won (amount,
 * currency, close date) or lost (the reason).
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_view.h"

typedef struct {
    lead_person   p;
    int           closed;
    const char   *reason;
    size_t        reason_len;
    lead_arena   *arena;
    lead_str      kept;
} deal_read;

static int
copy_person(void *arg, const lead_person *p)
{
    deal_read  *d = arg;

    memcpy(d->p.id, p->id, LEAD_ID_LEN);
    d->p.created_ms = p->created_ms;
    d->p.sales = p->sales;
    return 0;
}

/* the last change that closed a deal says how, and lost's why */
static int
last_close(void *arg, const uint8_t *lead_id, const lead_transition *t)
{
    deal_read  *d = arg;

    (void) lead_id;

    if (t->to == LEAD_STATUS_WON || t->to == LEAD_STATUS_LOST) {
        d->closed = t->to;
        d->kept = t->to == LEAD_STATUS_LOST
                  ? lead_arena_copy(d->arena, t->reason) : (lead_str) { "", 0 };
    }
    return 0;
}

int
lead_row_deal(lead_store *s, lead_arena *a, lead_row *row)
{
    char          hex[LEAD_ID_HEX_LEN];
    lead_source   src;
    deal_read     d;
    MDB_txn      *txn;
    int           rc;

    memset(&d, 0, sizeof(d));
    memset(&row->deal, 0, sizeof(lead_deal));
    d.arena = a;

    lead_id_to_hex(row->id, hex);
    rc = lead_store_find_lead(s, hex, sizeof(hex), copy_person, &d);
    if (rc == LEAD_ENOTFOUND) {
        return LEAD_OK;                 /* an empty store's */
    }
    if (rc == LEAD_OK) {
        rc = lead_store_lead_source(s, &d.p, &src);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_each_transition(s, row->id, last_close, &d);
    }
    if (rc == LEAD_OK && d.closed) {
        rc = lead_store_read_begin(s, &txn);
        if (rc == LEAD_OK) {
            rc = lead_store_outcome_txn(s, txn, row->id, &row->deal.outcome);
            rc = rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
            lead_store_read_end(s, txn);
        }
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    row->deal.known = 1;
    row->deal.source = lead_arena_str(a, src.first, strlen(src.first));
    row->deal.last_touch = lead_arena_str(a, src.last, strlen(src.last));
    row->deal.closed = d.closed;
    row->deal.lost_reason = d.kept;
    return lead_arena_oom(a) ? LEAD_ENOMEM : LEAD_OK;
}

int
lead_query_deals(lead_store *s, lead_list *l)
{
    size_t  i;
    int     rc;

    if (l->n == 0) {
        return LEAD_OK;
    }
    rc = lead_store_snapshot(s);
    if (rc != LEAD_OK) {
        return rc;
    }
    for (i = 0; rc == LEAD_OK && i < l->n; i++) {
        rc = lead_row_deal(s, l->arena, &l->rows[i]);
    }
    lead_store_snapshot_end(s);
    return rc;
}
