/*
 * The attribution report as text (leadctl attribution) and as JSON (the
 * same for --json and the sales view's attribution.json).
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

static const char *const  by_names[] = { "asset", "campaign", "channel" };
static const char *const  model_names[] = { "first", "last", "linear" };

const char *
lead_attribution_by_name(int by)
{
    return by >= 0 && by <= LEAD_BY_CHANNEL ? by_names[by] : "asset";
}

const char *
lead_attribution_model_name(int model)
{
    return model >= 0 && model < LEAD_NMODELS ? model_names[model] : "first";
}

int
lead_attribution_parse(const char *name, int model)
{
    const char *const  *names = model ? model_names : by_names;
    int                 i, n = model ? LEAD_NMODELS : LEAD_BY_CHANNEL + 1;

    for (i = 0; i < n; i++) {
        if (strcmp(name, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* Cents as "12000.50" (an amount may be negative: a refund). */
void
lead_report_money(char out[32], int64_t cents)
{
    uint64_t  u = cents < 0 ? (uint64_t) 0 - (uint64_t) cents
                            : (uint64_t) cents;

    snprintf(out, 32, "%s%" PRIu64 ".%02u", cents < 0 ? "-" : "", u / 100,
             (unsigned) (u % 100));
}

/* cost / n, to the nearest cent; -1 when n is 0 or there is no cost */
int64_t
lead_report_per(int64_t cost, uint64_t n)
{
    return cost < 0 || n == 0 ? -1
           : (int64_t) (((uint64_t) cost + n / 2) / n);
}

/* "12000.50", or "-" for -1 */
static const char *
money_or_dash(char out[32], int64_t cents)
{
    if (cents < 0) {
        return "-";
    }
    lead_report_money(out, cents);
    return out;
}

static void
text_costs(lead_buf *out, const lead_attribution_row *r, int model)
{
    char  m[4][32], dollar[32];

    if (r->cost >= 0 && r->revenue[model] > 0) {
        snprintf(dollar, sizeof(dollar), "%.4f",
                 (double) r->cost / (double) r->revenue[model]);
    } else {
        snprintf(dollar, sizeof(dollar), "-");
    }
    lead_buf_text(out, r->name.data, r->name.len < 30 ? r->name.len : 30);
    lead_buf_printf(out, "%*s %12s %12s %12s %12s %12s\n",
                    (int) (30 - (r->name.len < 30 ? r->name.len : 30)), "",
                    money_or_dash(m[0], r->cost),
                    money_or_dash(m[1], lead_report_per(r->cost,
                                                        r->identified)),
                    money_or_dash(m[2], lead_report_per(r->cost, r->mqls)),
                    money_or_dash(m[3], lead_report_per(r->cost, r->won)),
                    dollar);
}

static void
text_row(lead_buf *out, const char *name, size_t len,
    const lead_attribution_row *r)
{
    char    money[LEAD_NMODELS][32];
    size_t  i;

    for (i = 0; i < LEAD_NMODELS; i++) {
        lead_report_money(money[i], r->revenue[i]);
    }
    /* a name is cut to its column (bytes: a UTF-8 name may be cut short) */
    lead_buf_text(out, name, len < 30 ? len : 30);
    lead_buf_printf(out, "%*s %7" PRIu64 " %6" PRIu64 " %5" PRIu64 " %5"
                    PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64 " %12s %12s"
                    " %12s\n", (int) (30 - (len < 30 ? len : 30)), "",
                    r->readers, r->identified, r->mqls, r->sal, r->sql,
                    r->won, r->lost, money[0], money[1], money[2]);
}

void
lead_report_attribution_text(lead_buf *out, const lead_attribution *a)
{
    char    since[LEAD_TIME_LEN], now[LEAD_TIME_LEN], money[2][32];
    size_t  i;

    lead_format_time(a->now_ms, now);
    lead_format_time(a->since_ms, since);
    lead_buf_printf(out, "By %s, from %s until %s; revenue won%s%s under "
                    "each model, sorted by %s\n\n",
                    lead_attribution_by_name(a->by),
                    a->since_ms ? since : "the start", now,
                    a->currency[0] ? " in " : "", a->currency,
                    lead_attribution_model_name(a->model));
    lead_buf_printf(out, "%-30s %7s %6s %5s %5s %5s %5s %5s %12s %12s %12s\n",
                    lead_attribution_by_name(a->by), "readers", "ident",
                    "mql", "sal", "sql", "won", "lost", "first", "last",
                    "linear");
    for (i = 0; i < a->n; i++) {
        text_row(out, a->rows[i].name.data, a->rows[i].name.len,
                 &a->rows[i]);
    }
    text_row(out, "total", 5, &a->total);

    if (a->costs) {
        lead_buf_printf(out, "\n%-30s %12s %12s %12s %12s %12s\n",
                        "costs (campaigns.csv)", "cost", "per lead",
                        "per MQL", "per won", "per order $");
        for (i = 0; i < a->n; i++) {
            if (a->rows[i].cost >= 0) {
                text_costs(out, &a->rows[i], a->model);
            }
        }
        text_costs(out, &a->total, a->model);
    }

    lead_report_money(money[0], a->revenue);
    lead_report_money(money[1], a->unattributed);
    lead_buf_printf(out, "\n%" PRIu64 " deal%s won", a->won_leads,
                    a->won_leads == 1 ? "" : "s");
    if (a->currency[0]) {
        lead_buf_printf(out, ": %s %s, of which %s from leads that read "
                        "nothing (not marketing's)", money[0], a->currency,
                        money[1]);
    }
    if (a->other_currency) {
        lead_buf_printf(out, "; %" PRIu64 " in other currencies, not summed",
                        a->other_currency);
    }
    lead_buf_puts(out, ".\n");
}

static void
json_cents(lead_buf *out, const char *name, int64_t cents)
{
    if (cents < 0) {
        lead_buf_printf(out, ",\"%s\":null", name);
    } else {
        lead_buf_printf(out, ",\"%s\":%" PRId64, name, cents);
    }
}

static void
json_costs(lead_buf *out, const lead_attribution_row *r)
{
    json_cents(out, "cost", r->cost);
    json_cents(out, "cost_per_lead", lead_report_per(r->cost, r->identified));
    json_cents(out, "cost_per_mql", lead_report_per(r->cost, r->mqls));
    json_cents(out, "cost_per_won", lead_report_per(r->cost, r->won));
    if (r->cost >= 0 && r->revenue_model > 0) {
        lead_buf_printf(out, ",\"cost_per_order_dollar\":%.4f",
                        (double) r->cost / (double) r->revenue_model);
    } else {
        lead_buf_puts(out, ",\"cost_per_order_dollar\":null");
    }
}

static void
json_row(lead_buf *out, const lead_attribution_row *r, int by)
{
    lead_buf_puts(out, "{\"name\":");
    lead_buf_json(out, r->name.data, r->name.len);
    if (by == LEAD_BY_ASSET && r->asset_id) {
        lead_buf_printf(out, ",\"asset\":\"%016" PRIx64 "\"", r->asset_id);
    }
    lead_buf_printf(out, ",\"readers\":%" PRIu64 ",\"bot_reads\":%" PRIu64
                    ",\"identified\":%" PRIu64 ",\"mqls\":%" PRIu64
                    ",\"sal\":%" PRIu64 ",\"sql\":%" PRIu64 ",\"won\":%"
                    PRIu64 ",\"lost\":%" PRIu64 ",\"revenue\":%" PRId64
                    ",\"revenue_first\":%" PRId64 ",\"revenue_last\":%" PRId64
                    ",\"revenue_linear\":%" PRId64,
                    r->readers, r->bots, r->identified, r->mqls, r->sal,
                    r->sql, r->won, r->lost, r->revenue_model,
                    r->revenue[LEAD_MODEL_FIRST], r->revenue[LEAD_MODEL_LAST],
                    r->revenue[LEAD_MODEL_LINEAR]);
    json_costs(out, r);
    lead_buf_puts(out, "}");
}

void
lead_report_attribution_json(lead_buf *out, const lead_attribution *a)
{
    char    since[LEAD_TIME_LEN], now[LEAD_TIME_LEN];
    size_t  i;

    lead_format_time(a->now_ms, now);
    lead_format_time(a->since_ms, since);
    lead_buf_printf(out, "{\"by\":\"%s\",\"model\":\"%s\",\"since\":",
                    lead_attribution_by_name(a->by),
                    lead_attribution_model_name(a->model));
    if (a->since_ms) {
        lead_buf_printf(out, "\"%s\"", since);
    } else {
        lead_buf_puts(out, "null");
    }
    lead_buf_printf(out, ",\"now\":\"%s\",\"currency\":", now);
    lead_buf_json(out, a->currency, strlen(a->currency));
    lead_buf_printf(out, ",\"revenue\":%" PRId64 ",\"unattributed\":%" PRId64
                    ",\"won_leads\":%" PRIu64 ",\"other_currency\":%" PRIu64
                    ",\n \"total\":", a->revenue, a->unattributed,
                    a->won_leads, a->other_currency);
    json_row(out, &a->total, a->by);
    lead_buf_puts(out, ",\n \"rows\":[");
    for (i = 0; i < a->n; i++) {
        lead_buf_puts(out, i ? ",\n  " : "\n  ");
        json_row(out, &a->rows[i], a->by);
    }
    lead_buf_puts(out, a->n ? "\n]}\n" : "]}\n");
}
