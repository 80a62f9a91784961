/*
 * The outbox: every notice the store still holds, pending or failed, with
 * its lead's e-mail, for `leadctl notices` and the sales view alike.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

typedef struct {
    lead_outbox  *o;
    lead_store   *s;
    int           failed_only;
    size_t        cap;
} outbox_ctx;

static int
email_of(void *arg, const lead_person *p)
{
    lead_outbox_row  *row = arg;
    size_t            len = p->email.len < LEAD_EMAIL_MAX ? p->email.len
                                                          : LEAD_EMAIL_MAX;

    memcpy(row->email, p->email.data, len);
    row->email[len] = '\0';
    return 0;
}

static int
add_row(void *arg, const lead_notice *n)
{
    outbox_ctx       *c = arg;
    lead_outbox_row  *row;
    char              hex[LEAD_ID_HEX_LEN];
    int               failed = n->due_ms == UINT64_MAX;

    c->o->pending += !failed;
    c->o->failed += failed;
    if (c->failed_only && !failed) {
        return 0;
    }

    if (c->o->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        row = realloc(c->o->rows, c->cap * sizeof(lead_outbox_row));
        if (row == NULL) {
            return 1;
        }
        c->o->rows = row;
    }

    row = &c->o->rows[c->o->n++];
    row->n = *n;
    row->email[0] = '\0';
    lead_id_to_hex(n->lead, hex);
    /* a forgotten lead's notices went with it: none is missing here */
    (void) lead_store_find_lead(c->s, hex, LEAD_ID_HEX_LEN, email_of, row);
    return 0;
}

int
lead_query_outbox(lead_store *s, int failed_only, lead_outbox *out)
{
    outbox_ctx  c;
    int         rc;

    memset(out, 0, sizeof(lead_outbox));
    c.o = out;
    c.s = s;
    c.failed_only = failed_only;
    c.cap = 0;

    rc = lead_store_snapshot(s);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_store_each_notice(s, add_row, &c);
    lead_store_snapshot_end(s);

    if (rc != LEAD_OK) {
        lead_outbox_free(out);
        return rc == LEAD_ECALLBACK
               ? lead_store_fail(s, LEAD_ENOMEM, "out of memory") : rc;
    }
    return LEAD_OK;
}

void
lead_outbox_free(lead_outbox *o)
{
    free(o->rows);
    o->rows = NULL;
    o->n = 0;
}
