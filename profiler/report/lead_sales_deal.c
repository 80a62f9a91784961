/*
 * A deal closed from the lead page: the won form's amount, currency and
 * close date, checked as the parse layer reads them, and how the page
 * shows a lead's source and deal.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_sales.h"

const char *
lead_sales_deal_form(view *v, int to, lead_outcome *o)
{
    lead_str  body = v->req->body;
    char      amount[32], currency[8], closed[16];
    size_t    len;
    int       rc;

    memset(o, 0, sizeof(*o));
    o->closed_ms = v->req->now_ms;

    rc = lead_sales_arg(body, "closed", closed, sizeof(closed), &len);
    if (rc < 0 || (rc > 0 && len
                   && lead_date_parse(closed, len, &o->closed_ms) != LEAD_OK))
    {
        return "The close date is a day such as 2026-12-24. Nothing was "
               "changed.";
    }
    if (to != LEAD_STATUS_WON) {
        return NULL;
    }

    rc = lead_sales_arg(body, "amount", amount, sizeof(amount), &len);
    if (rc <= 0 || lead_amount_parse(amount, len, &o->amount) != LEAD_OK) {
        return "The amount won is a number with up to 2 decimals, such as "
               "12000 or 12000.50. Nothing was changed.";
    }

    rc = lead_sales_arg(body, "currency", currency, sizeof(currency), &len);
    if (rc < 0 || (rc > 0 && len
                   && lead_currency_parse(currency, len, o->currency)
                      != LEAD_OK))
    {
        return "The currency is three capital letters, such as EUR or USD. "
               "Nothing was changed.";
    }
    if (rc == 0 || len == 0) {
        memcpy(o->currency, lead_rules_currency(v->r), 4);
    }
    return NULL;
}

/* The page's source and deal: x[D_SOURCE] and the others. */
void
lead_sales_deal_values(view *v, const lead_row *row, lead_str *x)
{
    const lead_deal  *d = &row->deal;
    char              amount[LEAD_AMOUNT_LEN];
    time_t            t = (time_t) (v->req->now_ms / 1000);
    struct tm         tm;

    x[D_SOURCE] = d->source;
    x[D_LAST_TOUCH] = d->last_touch;
    x[D_CURRENCY] = cstr(lead_rules_currency(v->r));
    if (gmtime_r(&t, &tm)) {
        x[D_TODAY] = lead_sales_fmt(&v->page, "%04d-%02d-%02d",
                                    tm.tm_year + 1900, tm.tm_mon + 1,
                                    tm.tm_mday);
    }
    x[D_CAN_LOSE] = flag(lead_status_allowed(row->status, LEAD_STATUS_LOST));

    if (d->closed) {
        x[D_CLOSED_ISO] = lead_sales_fmt(&v->page, "%.10s",
                                         lead_sales_iso(&v->page,
                                             d->outcome.closed_ms).data);
    }
    if (d->closed == LEAD_STATUS_WON) {
        lead_report_amount(amount, d->outcome.amount);
        x[D_WON] = lead_sales_fmt(&v->page, "%s %s", amount,
                                  d->outcome.currency);
    } else if (d->closed == LEAD_STATUS_LOST) {
        x[D_LOST] = d->lost_reason.len ? d->lost_reason : cstr("lost");
    }
}
