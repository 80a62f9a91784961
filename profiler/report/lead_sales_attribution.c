/*
 * The sales view's "Content & campaigns" page and its JSON: the
 * attribution query (lead_attribution.c) between two dates, by asset,
 * campaign or channel, as leadctl attribution shows it.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

#define DAY_MS  UINT64_C(86400000)

typedef struct {
    view              *v;
    lead_attribution   a;
    int                by, model;
    size_t             next_cost;     /* the next row with a cost */
    lead_feedback_list      feedback;      /* ratings, comments, notes */
    size_t             next_feedback; /* by asset: the next row's */
} attribution_view;

static const char *const  model_labels[] = { "first touch",
                                             "last touch before MQL",
                                             "linear" };

/* "2026-12-24" as the ms of its midnight (UTC); 0 if it is no date. */
static uint64_t
parse_day(const char *s, size_t len)
{
    static const unsigned char  mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
                                            30, 31, 30, 31 };
    unsigned                    y, m, d, i;
    int64_t                     era, yoe, doy, doe, days, yy;

    if (len != 10 || s[4] != '-' || s[7] != '-') {
        return 0;
    }
    for (i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return 0;
        }
    }
    y = (unsigned) ((s[0] - '0') * 1000 + (s[1] - '0') * 100
                    + (s[2] - '0') * 10 + (s[3] - '0'));
    m = (unsigned) ((s[5] - '0') * 10 + (s[6] - '0'));
    d = (unsigned) ((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]
        || (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
    {
        return 0;
    }

    /* days from 1970-01-01 (H. Hinnant's days_from_civil) */
    yy = (int64_t) y - (m <= 2);
    era = yy / 400;
    yoe = yy - era * 400;
    doy = (153 * (int64_t) (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;
    return (uint64_t) days * DAY_MS;
}

/* The query's since and until (dates, until included), by and model. */
static const char *
read_query(view *v, attribution_view *av, char since[16], char until[16])
{
    static const char *const  bys[] = { "asset", "campaign", "channel" };
    static const char *const  models[] = { "first", "last", "linear" };
    char                      value[16];
    size_t                    len;
    uint64_t                  day;
    int                       i;

    av->by = LEAD_BY_ASSET;
    av->model = LEAD_MODEL_FIRST;
    since[0] = until[0] = '\0';

    if (lead_sales_arg(v->req->query, "by", value, sizeof(value), &len) > 0
        && len)
    {
        for (i = 0; i < 3 && strcmp(value, bys[i]) != 0; i++) { /* find */ }
        if (i == 3) {
            return "By is asset, campaign or channel.";
        }
        av->by = i;
    }
    if (lead_sales_arg(v->req->query, "model", value, sizeof(value), &len)
        > 0 && len)
    {
        for (i = 0; i < 3 && strcmp(value, models[i]) != 0; i++) { /* find */ }
        if (i == 3) {
            return "The model is first, last or linear.";
        }
        av->model = i;
    }

    av->a.since_ms = 0;
    av->a.now_ms = v->req->now_ms;
    if (lead_sales_arg(v->req->query, "since", value, sizeof(value), &len)
        > 0 && len)
    {
        day = parse_day(value, len);
        if (day == 0) {
            return "From is a date (2026-12-24).";
        }
        av->a.since_ms = day;
        memcpy(since, value, len + 1);
    }
    if (lead_sales_arg(v->req->query, "until", value, sizeof(value), &len)
        > 0 && len)
    {
        day = parse_day(value, len);
        if (day == 0 || day < av->a.since_ms) {
            return "To is a date (2026-12-24), not before From.";
        }
        av->a.now_ms = day + DAY_MS;           /* the day included */
        memcpy(until, value, len + 1);
    }
    return NULL;
}

static lead_str
money(scratch *s, int64_t cents)
{
    char  m[32];

    lead_report_money(m, cents);
    return lead_sales_fmt(s, "%s", m);
}

static void
row_values(scratch *s, const lead_attribution_row *r, lead_str *x, int first)
{
    /* the total's placeholders follow the rows' in the same order */
    x[first] = r->name;
    x[first + AT_READERS - AT_NAME] = lead_sales_count(s, r->readers);
    x[first + AT_IDENTIFIED - AT_NAME] = lead_sales_count(s, r->identified);
    x[first + AT_MQLS - AT_NAME] = lead_sales_count(s, r->mqls);
    x[first + AT_SAL - AT_NAME] = lead_sales_count(s, r->sal);
    x[first + AT_SQL - AT_NAME] = lead_sales_count(s, r->sql);
    x[first + AT_WON - AT_NAME] = lead_sales_count(s, r->won);
    x[first + AT_LOST - AT_NAME] = lead_sales_count(s, r->lost);
    x[first + AT_FIRST - AT_NAME] = money(s, r->revenue[LEAD_MODEL_FIRST]);
    x[first + AT_LAST - AT_NAME] = money(s, r->revenue[LEAD_MODEL_LAST]);
    x[first + AT_LINEAR - AT_NAME] = money(s, r->revenue[LEAD_MODEL_LINEAR]);
    x[first + AT_FIRST_CENTS - AT_NAME] =
        lead_sales_fmt(s, "%" PRId64, r->revenue[LEAD_MODEL_FIRST]);
    x[first + AT_LAST_CENTS - AT_NAME] =
        lead_sales_fmt(s, "%" PRId64, r->revenue[LEAD_MODEL_LAST]);
    x[first + AT_LINEAR_CENTS - AT_NAME] =
        lead_sales_fmt(s, "%" PRId64, r->revenue[LEAD_MODEL_LINEAR]);
}

/* A row's costs; first: AT_C_NAME for a row, AT_TC_NAME for the total. */
static void
cost_values(scratch *s, const lead_attribution_row *r, lead_str *x,
    int first)
{
    int64_t  per[3];
    size_t   k;

    per[0] = lead_report_per(r->cost, r->identified);
    per[1] = lead_report_per(r->cost, r->mqls);
    per[2] = lead_report_per(r->cost, r->won);
    x[first] = r->name;
    x[first + AT_C_COST - AT_C_NAME] = money(s, r->cost);
    for (k = 0; k < 3; k++) {
        x[first + AT_C_LEAD - AT_C_NAME + (int) k] =
            per[k] < 0 ? cstr("—") : money(s, per[k]);
    }
    x[first + AT_C_DOLLAR - AT_C_NAME] =
        r->revenue_model > 0
        ? lead_sales_fmt(s, "%.4f", (double) r->cost
                                    / (double) r->revenue_model)
        : cstr("—");
}

/*
 * What people say of the content: by asset, the table's assets in its
 * order; else those with feedback.  Its rating, "4.2 ★ (12)", comments
 * and notes, linked to its page.
 */
static int
feedback_item(attribution_view *av, scratch *s, size_t i, lead_str *x)
{
    const lead_feedback_asset  *fb;
    uint64_t                    id;
    lead_str                    title;

    if (av->by == LEAD_BY_ASSET) {
        while (av->next_feedback < av->a.n
               && av->a.rows[av->next_feedback].asset_id == 0)
        {
            av->next_feedback++;
        }
        if (av->next_feedback == av->a.n) {
            return 0;
        }
        id = av->a.rows[av->next_feedback].asset_id;
        title = av->a.rows[av->next_feedback++].name;
        fb = lead_feedback_find(&av->feedback, id);
    } else {
        if (i >= av->feedback.n) {
            return 0;
        }
        fb = &av->feedback.rows[i];
        id = fb->asset_id;
        title = fb->title;
    }

    x[AT_ASSET] = lead_sales_fmt(s, "%016" PRIx64, id);
    x[AT_F_TITLE] = title;
    x[AT_RATING] = fb && fb->ratings
                   ? lead_sales_fmt(s, "%.1f ★ (%u)", fb->average,
                                    fb->ratings)
                   : cstr("—");
    x[AT_F_COMMENTS] = lead_sales_count(s, fb ? fb->comments : 0);
    x[AT_F_NOTES] = lead_sales_count(s, fb ? fb->nnotes : 0);
    return 1;
}

static int
attribution_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    static const char *const  bys[] = { "asset", "campaign", "channel" };
    static const char *const  by_labels[] = { "Asset", "Campaign",
                                              "Channel" };
    static const char *const  models[] = { "first", "last", "linear" };
    attribution_view         *av = arg;
    scratch                  *s = &av->v->item;

    s->used = 0;
    switch (list) {
    case AT_BYS:
        if (i >= 3) {
            return 0;
        }
        x[AT_VALUE] = cstr(bys[i]);
        x[AT_LABEL] = cstr(by_labels[i]);
        x[AT_SELECTED] = flag((int) i == av->by);
        return 1;

    case AT_MODELS:
        if (i >= 3) {
            return 0;
        }
        x[AT_VALUE] = cstr(models[i]);
        x[AT_LABEL] = cstr(model_labels[i]);
        x[AT_SELECTED] = flag((int) i == av->model);
        return 1;

    case AT_FEEDBACK:
        return feedback_item(av, s, i, x);

    case AT_COST_ROWS:
        while (av->next_cost < av->a.n && av->a.rows[av->next_cost].cost < 0)
        {
            av->next_cost++;
        }
        if (av->next_cost == av->a.n) {
            return 0;
        }
        cost_values(s, &av->a.rows[av->next_cost++], x, AT_C_NAME);
        return 1;

    default:
        if (i >= av->a.n) {
            return 0;
        }
        row_values(s, &av->a.rows[i], x, AT_NAME);
        return 1;
    }
}

void
lead_sales_attribution_page(view *v, int json)
{
    static const char *const  by_labels[] = { "Asset", "Campaign",
                                              "Channel" };
    attribution_view          av;
    lead_str                  x[AT_NVALUES];
    lead_buf                  body, query;
    const char               *error;
    char                      since[16], until[16], from[LEAD_TIME_LEN],
                              to[LEAD_TIME_LEN];
    int                       rc;

    memset(&av, 0, sizeof(av));
    av.v = v;
    error = read_query(v, &av, since, until);
    if (error != NULL) {
        lead_sales_fail(v, 400, "Bad filter", "%s", error);
        return;
    }

    /* the page shows the assets' ratings too: found in the same walk */
    rc = json ? lead_query_attribution(v->s, v->r, av.by, av.model,
                                       av.a.since_ms, av.a.now_ms, &av.a)
              : lead_query_attribution_feedback(v->s, v->r, av.by, av.model,
                                                av.a.since_ms, av.a.now_ms,
                                                LEAD_FEEDBACK_LATEST, &av.a,
                                                &av.feedback);
    if (rc != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }
    if (json) {
        v->resp->type = "application/json";
        lead_report_attribution_json(&v->resp->body, &av.a);
        lead_attribution_free(&av.a);
        return;
    }

    memset(&query, 0, sizeof(query));
    lead_buf_printf(&query, "by=%s&model=%s", lead_attribution_by_name(av.by),
                    lead_attribution_model_name(av.model));
    if (since[0]) {
        lead_buf_printf(&query, "&since=%s", since);
    }
    if (until[0]) {
        lead_buf_printf(&query, "&until=%s", until);
    }

    lead_format_time(av.a.since_ms, from);
    lead_format_time(av.a.now_ms, to);

    memset(x, 0, sizeof(x));
    x[AT_BASE] = v->req->base;
    x[AT_SINCE] = cstr(since);
    x[AT_UNTIL] = cstr(until);
    x[AT_QUERY] = query.data ? (lead_str) { query.data, query.len }
                             : cstr("");
    x[AT_BY_LABEL] = cstr(by_labels[av.by]);
    x[AT_MODEL_LABEL] = cstr(model_labels[av.model]);
    x[AT_COSTS] = flag(av.a.costs);
    if (av.a.costs) {
        cost_values(&v->page, &av.a.total, x, AT_TC_NAME);
    }
    x[AT_WINDOW] = lead_sales_fmt(&v->page, "From %s until %s (UTC)",
                                  av.a.since_ms ? from : "the start", to);
    x[AT_WON_LEADS] = lead_sales_count(&v->page, av.a.won_leads);
    x[AT_CURRENCY] = cstr(av.a.currency);
    x[AT_REVENUE] = money(&v->page, av.a.revenue);
    x[AT_UNATTRIBUTED] = money(&v->page, av.a.unattributed);
    x[AT_OTHER] = av.a.other_currency
                  ? lead_sales_count(&v->page, av.a.other_currency)
                  : cstr("");
    x[AT_NONE] = flag(av.a.n == 0);
    row_values(&v->page, &av.a.total, x, AT_T_NAME);
    x[AT_HAS_FEEDBACK] = flag(av.feedback.n > 0
                              || (av.by == LEAD_BY_ASSET && av.a.n > 0));

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_ATTRIBUTION], x, attribution_item,
                         &av, &body);
    lead_sales_layout(v, "Content & campaigns", T_ATTRIBUTION, &body);

    lead_buf_free(&query);
    lead_attribution_free(&av.a);
    if (av.feedback.arena != NULL) {
        lead_feedback_list_free(&av.feedback);
    }
}
