/*
 * Where a lead came from: its first touch and its last touch before it
 * identified, read from its events when asked, or "sales" for a lead
 * sales found themselves (lead_store_add_lead).
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

typedef struct {
    uint64_t      identified_ms;
    int           any;
    lead_source  *out;
} touches;

static int
add_touch(void *arg, uint64_t seq, const lead_event *ev)
{
    touches  *t = arg;
    char      touch[LEAD_TOUCH_MAX];
    int       n, campaign;

    (void) seq;

    n = lead_touch(ev, touch, &campaign);
    if (n < 0) {
        return 0;
    }
    if (!t->any) {
        t->any = 1;
        memcpy(t->out->first, n ? touch : "direct", n ? (size_t) n + 1 : 7);
    }
    /* internal links are no touch: the last campaign or referrer wins */
    if (n > 0 && ev->time_ms <= t->identified_ms) {
        memcpy(t->out->last, touch, (size_t) n + 1);
    }
    return 0;
}

int
lead_store_lead_source(lead_store *s, const lead_person *p,
    lead_source *out)
{
    touches  t;
    int      rc;

    memcpy(out->first, "direct", 7);
    memcpy(out->last, "direct", 7);
    if (p->sales) {
        memcpy(out->first, "sales", 6);
        memcpy(out->last, "sales", 6);
        return LEAD_OK;
    }

    t.identified_ms = p->created_ms;
    t.any = 0;
    t.out = out;
    rc = lead_store_lead_events(s, p->id, add_touch, &t);
    return rc == LEAD_ECALLBACK ? LEAD_OK : rc;
}

int
lead_store_add_lead(lead_store *s, const lead_form *form, const char *who,
    uint64_t now_ms, uint8_t lead_id[LEAD_ID_LEN])
{
    MDB_txn  *txn;
    MDB_val   key, val;
    int       rc, created = 0;

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    key.mv_data = (void *) form->email;
    key.mv_size = form->email_len;

    rc = mdb_get(txn, s->emails, &key, &val);
    if (rc == 0) {
        rc = lead_store_fail(s, LEAD_EINVAL, "%.*s is a lead already",
                             (int) form->email_len, form->email);
    } else if (rc != MDB_NOTFOUND) {
        rc = lead_store_mdb_fail(s, rc, "reading an e-mail");
    } else {
        rc = lead_visitor_new(lead_id);
    }

    if (rc == LEAD_OK) {
        val.mv_data = lead_id;
        val.mv_size = LEAD_ID_LEN;
        rc = mdb_put(txn, s->emails, &key, &val, 0);
        rc = rc == 0 ? LEAD_OK
                     : lead_store_mdb_fail(s, rc, "writing an e-mail");
    }
    if (rc == LEAD_OK) {
        rc = lead_store_put_lead_txn(s, txn, lead_id, form, "", 0, now_ms,
                                     &created);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_mark_sales_txn(s, txn, lead_id);
    }
    if (rc == LEAD_OK) {
        /* sales found it: accepted from the start, who added it owns it */
        rc = lead_store_transition(s, txn, lead_id, LEAD_STATUS_SAL, now_ms,
                                   LEAD_CAUSE_ADDED, who, "");
    }

    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }

    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}
