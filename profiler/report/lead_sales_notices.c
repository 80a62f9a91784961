/*
 * The sales view's notices page: the notices the receiver refused until
 * they were given up, so that sales still hear of those leads, and how
 * many wait; the same notices as JSON as `leadctl notices --json`.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

#define NOTICES_SHOWN  200

typedef struct {
    view         *v;
    lead_outbox   o;
} notices_view;

static int
notices_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    notices_view           *nv = arg;
    const lead_outbox_row  *row;
    scratch                *s = &nv->v->item;

    (void) list;
    if (i >= nv->o.n || i >= NOTICES_SHOWN) {
        return 0;
    }

    s->used = 0;
    row = &nv->o.rows[i];
    x[N_KIND] = cstr(lead_notice_kind(row->n.kind));
    /* a lead forgotten took its notices: one without an e-mail is rare */
    x[N_ID] = row->email[0] ? lead_sales_hex_id(s, row->n.lead) : cstr("");
    x[N_EMAIL] = cstr(row->email);
    x[N_CREATED_ISO] = lead_sales_iso(s, row->n.at_ms);
    x[N_CREATED_AGO] = lead_sales_ago(s, nv->v->req->now_ms, row->n.at_ms);
    x[N_TRIES] = lead_sales_fmt(s, "%u", row->n.tries);
    x[N_STATUS] = row->n.status ? lead_sales_fmt(s, "%u", row->n.status)
                                : cstr("none");
    x[N_TEXT] = cstr(row->n.text);
    return 1;
}

void
lead_sales_notices_page(view *v, int json)
{
    notices_view  nv;
    lead_str      x[N_NVALUES];
    lead_buf      body;

    memset(&nv, 0, sizeof(nv));
    nv.v = v;

    if (lead_query_outbox(v->s, !json, &nv.o) != LEAD_OK) {
        if (json) {
            v->resp->type = "application/json";
        }
        lead_sales_store_failed(v);
        return;
    }

    if (json) {
        v->resp->type = "application/json";
        lead_report_notices_json(&v->resp->body, &nv.o);
        lead_outbox_free(&nv.o);
        return;
    }

    memset(x, 0, sizeof(x));
    x[N_BASE] = v->req->base;
    x[N_FAILED_COUNT] = lead_sales_count(&v->page, nv.o.failed);
    x[N_PENDING] = lead_sales_count(&v->page, nv.o.pending);
    x[N_NONE] = flag(nv.o.n == 0);
    x[N_MORE] = nv.o.n > NOTICES_SHOWN
                ? lead_sales_fmt(&v->page, "%zu", nv.o.n - NOTICES_SHOWN)
                : cstr("");

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_NOTICES], x, notices_item, &nv,
                         &body);
    lead_sales_layout(v, "Notices", T_NOTICES, &body);
    lead_outbox_free(&nv.o);
}
