/*
 * A lead's source and deal in every format: JSON members, CSV cells,
 * lines for people; amounts as "12000.50 EUR" (exact: cents, no float).
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

void
lead_report_amount(char out[LEAD_AMOUNT_LEN], int64_t cents)
{
    uint64_t  u = cents < 0 ? 0 - (uint64_t) cents : (uint64_t) cents;

    snprintf(out, LEAD_AMOUNT_LEN, "%s%" PRIu64 ".%02u", cents < 0 ? "-" : "",
             u / 100, (unsigned) (u % 100));
}

static const char *
deal_name(const lead_deal *d)
{
    return d->closed ? lead_status_name(d->closed) : "";
}

/* ,"source":..,"last_touch":..,"deal":..,"amount":..: only when read */
void
lead_report_deal_json(lead_buf *out, const lead_deal *d)
{
    char  amount[LEAD_AMOUNT_LEN], when[LEAD_TIME_LEN];

    if (!d->known) {
        return;
    }

    lead_buf_puts(out, ",\"source\":");
    lead_buf_json(out, d->source.data, d->source.len);
    lead_buf_puts(out, ",\"last_touch\":");
    lead_buf_json(out, d->last_touch.data, d->last_touch.len);

    if (d->closed == 0) {
        lead_buf_puts(out, ",\"deal\":null,\"amount\":null,"
                      "\"amount_cents\":null,\"currency\":null,"
                      "\"closed_at\":null,\"lost_reason\":null");
        return;
    }

    lead_format_time(d->outcome.closed_ms, when);
    lead_buf_printf(out, ",\"deal\":\"%s\",", deal_name(d));
    if (d->closed == LEAD_STATUS_WON) {
        lead_report_amount(amount, d->outcome.amount);
        lead_buf_printf(out, "\"amount\":\"%s\",\"amount_cents\":%" PRId64
                        ",\"currency\":", amount, d->outcome.amount);
        lead_buf_json(out, d->outcome.currency, strlen(d->outcome.currency));
    } else {
        lead_buf_puts(out, "\"amount\":null,\"amount_cents\":null,"
                      "\"currency\":null");
    }
    lead_buf_printf(out, ",\"closed_at\":\"%s\",\"lost_reason\":", when);
    if (d->closed == LEAD_STATUS_LOST) {
        lead_buf_json(out, d->lost_reason.data, d->lost_reason.len);
    } else {
        lead_buf_puts(out, "null");
    }
}

/* ,source,last_touch,deal,amount,currency,closed_at,lost_reason */
void
lead_report_deal_csv(lead_buf *out, const lead_deal *d)
{
    char  amount[LEAD_AMOUNT_LEN], when[LEAD_TIME_LEN];
    int   won = d->closed == LEAD_STATUS_WON;

    lead_buf_puts(out, ",");
    lead_buf_csv(out, d->source.data, d->source.len);
    lead_buf_puts(out, ",");
    lead_buf_csv(out, d->last_touch.data, d->last_touch.len);
    lead_buf_printf(out, ",%s,", deal_name(d));

    if (d->closed) {
        lead_report_amount(amount, d->outcome.amount);
        lead_format_time(d->outcome.closed_ms, when);
        lead_buf_printf(out, "%s,%s,%s,", won ? amount : "",
                        won ? d->outcome.currency : "", when);
    } else {
        lead_buf_puts(out, ",,,");
    }
    if (d->closed == LEAD_STATUS_LOST) {
        lead_buf_csv(out, d->lost_reason.data, d->lost_reason.len);
    }
}

/* For people, as leadctl show prints them: "  source ..." and "  deal ...". */
void
lead_report_deal_text(lead_buf *out, const lead_deal *d)
{
    char  amount[LEAD_AMOUNT_LEN], when[LEAD_TIME_LEN];

    if (!d->known) {
        return;
    }

    lead_buf_puts(out, "  source ");
    lead_buf_text(out, d->source.data, d->source.len);
    lead_buf_puts(out, " (first touch), ");
    lead_buf_text(out, d->last_touch.data, d->last_touch.len);
    lead_buf_puts(out, " (last touch before identified)\n");

    if (d->closed == 0) {
        return;
    }
    lead_format_time(d->outcome.closed_ms, when);
    if (d->closed == LEAD_STATUS_WON) {
        lead_report_amount(amount, d->outcome.amount);
        lead_buf_printf(out, "  deal won %s %s, closed %.10s\n", amount,
                        d->outcome.currency, when);
    } else {
        lead_buf_printf(out, "  deal lost %.10s: ", when);
        lead_buf_text(out, d->lost_reason.data, d->lost_reason.len);
        lead_buf_puts(out, "\n");
    }
}
