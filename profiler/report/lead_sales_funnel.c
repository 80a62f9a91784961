/*
 * The sales view's overviews: the funnel with the assets that bring
 * leads and whether the score predicts, and the accounts with their
 * people.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

#define ACCOUNTS_PER_PAGE  20
#define MAX_ASSET_ROWS     200

/* ---- the funnel -------------------------------------------------------- */

/* an asset, with what it is ranked by: the leads it brings */
typedef struct {
    uint64_t          mql, identified, readers;
    size_t            index;
} asset_rank;

typedef struct {
    view             *v;
    lead_funnel       f;
    lead_asset_list   assets;
    asset_rank       *order;        /* the ones that bring leads first */
    size_t            nassets;
    uint64_t          max_ever, max_stage, max_identified, max_mql;
    size_t            month;        /* the month whose reasons are shown */
    lead_calibration  cal;
    const lead_calibration_row  *krows[1 + 4 + 4 + 16];
    char              klabels[1 + 4 + 4 + 16][8];
    size_t            nkrows;
} funnel_view;

static lead_str
pct(scratch *s, uint64_t n, uint64_t max)
{
    return lead_sales_fmt(s, "%.1f",
                          max ? 100.0 * (double) n / (double) max : 0.0);
}

/* "61.7% (50/81)", "—" with nothing to divide by */
static lead_str
rate(scratch *s, uint64_t n, uint64_t d)
{
    char  nb[32], db[32];

    return d ? lead_sales_fmt(s, "%.1f%% (%s/%s)",
                              lead_calibration_pct(n, d),
                              lead_format_count(n, nb),
                              lead_format_count(d, db))
             : cstr("—");
}

static lead_str
duration(scratch *s, uint64_t ms, int any)
{
    char  dur[32];

    lead_format_duration(ms, dur);
    return any ? lead_sales_fmt(s, "%s", dur) : cstr("—");
}

/* Does the score predict: the rows of the current table, cells seen. */
static void
calibration_rows(funnel_view *fv)
{
    const lead_calibration_table  *t = &fv->cal.current;
    size_t                         i, n = 0;

    fv->krows[n] = &t->all;
    snprintf(fv->klabels[n++], sizeof(fv->klabels[0]), "all");
    for (i = 0; i < 4; i++) {
        fv->krows[n] = &t->band[i];
        snprintf(fv->klabels[n++], sizeof(fv->klabels[0]), "band %c",
                 (char) ('1' + i));
    }
    for (i = 0; i < 4; i++) {
        fv->krows[n] = &t->grade[i];
        snprintf(fv->klabels[n++], sizeof(fv->klabels[0]), "grade %c",
                 (char) ('A' + i));
    }
    for (i = 0; i < 16; i++) {
        if (t->cell[i].mql) {
            fv->krows[n] = &t->cell[i];
            snprintf(fv->klabels[n++], sizeof(fv->klabels[0]), "%c%c",
                     (char) ('A' + i / 4), (char) ('1' + i % 4));
        }
    }
    fv->nkrows = n;
}

static int
calibration_item(funnel_view *fv, size_t i, lead_str *x)
{
    scratch                     *s = &fv->v->item;
    const lead_calibration_row  *k;

    if (i >= fv->nkrows) {
        return 0;
    }
    k = fv->krows[i];
    x[F_K_GROUP] = cstr(fv->klabels[i]);
    x[F_K_MQL] = lead_sales_count(s, k->mql);
    x[F_K_SMALL] = flag(k->mql < LEAD_CALIBRATION_SMALL);
    x[F_K_TO_SAL] = rate(s, k->sal, k->left_mql);
    x[F_K_TO_WON] = rate(s, k->won, k->closed);
    x[F_K_WIN] = rate(s, k->won, k->mql);
    x[F_K_READS_SAL] = k->nsal ? lead_sales_count(s, k->reads_to_sal)
                               : cstr("—");
    x[F_K_DAYS_SAL] = k->nsal ? lead_sales_fmt(s, "%.1f", k->ms_to_sal
                                                          / 86400000.0)
                              : cstr("—");
    x[F_K_READS_WON] = k->nwon ? lead_sales_count(s, k->reads_to_won)
                               : cstr("—");
    x[F_K_DAYS_WON] = k->nwon ? lead_sales_fmt(s, "%.1f", k->ms_to_won
                                                          / 86400000.0)
                              : cstr("—");
    return 1;
}

static int
cohort_item(funnel_view *fv, size_t i, lead_str *x)
{
    scratch                   *s = &fv->v->item;
    const lead_funnel_cohort  *c;

    if (i >= fv->f.ncohorts) {
        return 0;
    }
    c = &fv->f.cohorts[i];
    x[F_COHORT] = lead_sales_fmt(s, "%04d-%02d", c->year, c->month);
    x[F_C_IDENTIFIED] = lead_sales_count(s, c->identified);
    x[F_C_MQL] = lead_sales_count(s, c->reached[LEAD_STATUS_MQL]);
    x[F_C_SAL] = lead_sales_count(s, c->reached[LEAD_STATUS_SAL]);
    x[F_C_SQL] = lead_sales_count(s, c->reached[LEAD_STATUS_SQL]);
    x[F_C_WON] = lead_sales_count(s, c->reached[LEAD_STATUS_WON]);
    x[F_C_LOST] = lead_sales_count(s, c->reached[LEAD_STATUS_LOST]);
    x[F_C_NURTURE] = lead_sales_count(s, c->reached[LEAD_STATUS_NURTURE]);
    return 1;
}

static int
funnel_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    funnel_view               *fv = arg;
    scratch                   *s = &fv->v->item;
    const lead_scoring        *sc = lead_rules_scoring(fv->v->r);
    const lead_funnel_status  *st;
    const lead_asset_stats    *a;
    const lead_funnel_month   *m;
    char                       dur[32], n[32];
    int                        status;

    if (list != F_REASONS) {
        s->used = 0;
    }
    switch (list) {
    case F_STATUSES:
        status = LEAD_STATUS_IDENTIFIED + (int) i;
        if (status >= LEAD_NSTATUSES) {
            return 0;
        }
        st = &fv->f.status[status];
        x[F_STATUS] = cstr(lead_status_name(status));
        x[F_NOW] = lead_sales_count(s, st->now);
        x[F_EVER] = lead_sales_count(s, st->ever);
        x[F_NOW_PCT] = pct(s, st->now, fv->max_ever);
        x[F_EVER_PCT] = pct(s, st->ever, fv->max_ever);
        lead_format_duration(st->median_ms, dur);
        x[F_MEDIAN] = st->ever ? lead_sales_fmt(s, "%s", dur) : cstr("—");
        x[F_P90] = duration(s, st->p90_ms, st->ever != 0);
        x[F_CONVERSION] = status != LEAD_STATUS_WON
                          && status != LEAD_STATUS_LOST && st->ever
                          ? lead_sales_fmt(s, "%.0f%% (%s)%s",
                                           100.0 * (double) st->went_on
                                           / (double) st->ever,
                                           lead_format_count(st->went_on, n),
                                           status == LEAD_STATUS_NURTURE
                                           ? " re-qualified" : "")
                          : cstr("—");
        return 1;

    case F_MONTHS:
        if (i >= fv->f.nmonths) {
            return 0;
        }
        fv->month = i;
        m = &fv->f.months[i];
        x[F_MONTH] = lead_sales_fmt(s, "%04d-%02d", m->year, m->month);
        x[F_NEW_MQL] = lead_sales_count(s, m->mql);
        x[F_REQUALIFIED] = lead_sales_count(s, m->requalified);
        x[F_REJECTED] = lead_sales_count(s, m->rejected);
        x[F_RETURNED] = lead_sales_count(s, m->returned);
        x[F_OTHER] = m->other ? lead_sales_count(s, m->other)
                              : cstr("");
        return 1;

    case F_REASONS:
        m = &fv->f.months[fv->month];
        if (i >= m->nreasons) {
            return 0;
        }
        s = &fv->v->inner;
        s->used = 0;
        x[F_REASON] = m->reasons[i].reason.len ? m->reasons[i].reason
                                               : cstr("(blank)");
        x[F_COUNT] = lead_sales_count(s, m->reasons[i].count);
        return 1;

    case F_STAGES:
        if (i > sc->nstages) {
            return 0;
        }
        x[F_STAGE] = i < sc->nstages ? cstr(sc->stages[i])
                                     : cstr("(none yet)");
        x[F_LEADS] = lead_sales_count(s, fv->f.stage[i < sc->nstages
                                                ? i : LEAD_MAX_STAGES]);
        x[F_PCT] = pct(s, fv->f.stage[i < sc->nstages ? i : LEAD_MAX_STAGES],
                       fv->max_stage);
        {
            const lead_funnel_stage_time  *t;

            t = &fv->f.stage_time[i < sc->nstages ? i : LEAD_MAX_STAGES];
            x[F_STAGE_EVER] = lead_sales_count(s, t->leads);
            x[F_STAGE_MEDIAN] = duration(s, t->median_ms, t->leads != 0);
            x[F_STAGE_P90] = duration(s, t->p90_ms, t->leads != 0);
        }
        return 1;

    case F_COHORTS:
        return cohort_item(fv, i, x);

    case F_CALIBRATION:
        return calibration_item(fv, i, x);

    default:
        if (i >= fv->nassets) {
            return 0;
        }
        a = &fv->assets.rows[fv->order[i].index];
        x[F_HOT] = flag(a->a.flags & LEAD_ASSET_HOT);
        x[F_TITLE] = cstr(a->a.title);
        x[F_PATH] = cstr(a->a.path);
        x[F_STAGE] = cstr(a->a.stage);
        x[F_READERS] = lead_sales_count(s, a->readers);
        x[F_IDENTIFIED] = lead_sales_count(s, a->before_identified);
        x[F_IDENTIFIED_PCT] = pct(s, a->before_identified,
                                  fv->max_identified);
        x[F_MQL] = lead_sales_count(s, a->before_mql);
        x[F_MQL_PCT] = pct(s, a->before_mql, fv->max_mql);
        x[F_ASSET_BOTS] = lead_sales_count(s, a->bots);
        return 1;
    }
}

static int
by_leads_brought(const void *x, const void *y)
{
    const asset_rank  *a = x, *b = y;

    if (a->mql != b->mql) {
        return a->mql < b->mql ? 1 : -1;
    }
    if (a->identified != b->identified) {
        return a->identified < b->identified ? 1 : -1;
    }
    return (a->readers < b->readers) - (a->readers > b->readers);
}

void
lead_sales_funnel_page(view *v, int json)
{
    funnel_view    fv;
    lead_str       x[F_NVALUES];
    lead_buf       body;
    uint64_t       bots;
    size_t         i;
    int            st;

    memset(&fv, 0, sizeof(fv));
    fv.v = v;
    if (json) {
        v->resp->type = "application/json";
    }

    if (json) {
        if (lead_query_funnel(v->s, v->r, v->req->now_ms, &fv.f) != LEAD_OK) {
            lead_funnel_free(&fv.f);
            lead_sales_store_failed(v);
            return;
        }
        lead_report_funnel_json(&v->resp->body, v->r, &fv.f);
        lead_funnel_free(&fv.f);
        return;
    }
    /* calibration rides on the funnel's walks */
    if (lead_query_funnel_calibration(v->s, v->r, v->req->now_ms, &fv.f,
                                      &fv.cal)
        != LEAD_OK)
    {
        lead_funnel_free(&fv.f);
        lead_sales_store_failed(v);
        return;
    }
    if (lead_query_assets(v->s, 1, &fv.assets) != LEAD_OK) {
        lead_funnel_free(&fv.f);
        lead_sales_store_failed(v);
        return;
    }
    calibration_rows(&fv);

    fv.order = malloc((fv.assets.n ? fv.assets.n : 1) * sizeof(asset_rank));
    if (fv.order == NULL) {
        lead_funnel_free(&fv.f);
        lead_asset_list_free(&fv.assets);
        lead_sales_fail(v, 500, "Out of memory",
                        "The funnel did not fit in memory.");
        return;
    }
    bots = fv.assets.untagged_bots;
    for (i = 0; i < fv.assets.n; i++) {
        const lead_asset_stats  *a = &fv.assets.rows[i];

        bots += a->bots;
        if (a->readers || a->bots) {
            fv.order[fv.nassets++] = (asset_rank) { a->before_mql,
                                                    a->before_identified,
                                                    a->readers, i };
        }
        fv.max_identified = a->before_identified > fv.max_identified
                            ? a->before_identified : fv.max_identified;
        fv.max_mql = a->before_mql > fv.max_mql ? a->before_mql : fv.max_mql;
    }
    qsort(fv.order, fv.nassets, sizeof(asset_rank), by_leads_brought);
    fv.nassets = fv.nassets < MAX_ASSET_ROWS ? fv.nassets : MAX_ASSET_ROWS;

    for (st = LEAD_STATUS_IDENTIFIED; st < LEAD_NSTATUSES; st++) {
        fv.max_ever = fv.f.status[st].ever > fv.max_ever
                      ? fv.f.status[st].ever : fv.max_ever;
    }
    for (i = 0; i <= LEAD_MAX_STAGES; i++) {
        fv.max_stage = fv.f.stage[i] > fv.max_stage ? fv.f.stage[i]
                                                    : fv.max_stage;
    }

    memset(x, 0, sizeof(x));
    x[F_BASE] = v->req->base;
    x[F_LEADS] = lead_sales_count(&v->page, fv.f.leads);
    x[F_BOTS] = lead_sales_count(&v->page, bots);
    x[F_HAS_MONTHS] = flag(fv.f.nmonths != 0);
    x[F_HAS_COHORTS] = flag(fv.f.ncohorts != 0);

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_FUNNEL], x, funnel_item, &fv, &body);
    lead_sales_layout(v, "Funnel", T_FUNNEL, &body);

    free(fv.order);
    lead_asset_list_free(&fv.assets);
    lead_funnel_free(&fv.f);
}

/* The calibration table as leadctl calibration --json prints it. */
void
lead_sales_calibration_json(view *v)
{
    lead_calibration  c;

    v->resp->type = "application/json";
    if (lead_query_calibration(v->s, v->r, NULL, v->req->now_ms, &c)
        != LEAD_OK)
    {
        lead_sales_store_failed(v);
        return;
    }
    lead_report_calibration_json(&v->resp->body, &c);
}

void
lead_sales_assets_json(view *v)
{
    lead_asset_list  l;

    v->resp->type = "application/json";
    if (lead_query_assets(v->s, 1, &l) != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }
    lead_asset_list_by_reads(&l);
    lead_report_assets_json(&v->resp->body, &l);
    lead_asset_list_free(&l);
}

/* ---- accounts ---------------------------------------------------------- */

typedef struct {
    view           *v;
    lead_list       list;
    lead_account   *acc;
    size_t          n;             /* matching accounts, first..end shown */
    size_t          first, end;
    size_t          current;       /* the account whose people are shown */
} accounts_view;

static int
accounts_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    accounts_view       *av = arg;
    const lead_account  *a;
    const lead_row      *row;
    scratch             *s;

    if (list == A_ACCOUNTS) {
        if (av->first + i >= av->end) {
            return 0;
        }
        s = &av->v->item;
        s->used = 0;
        av->current = av->first + i;
        a = &av->acc[av->current];
        x[A_COMPANY] = a->company;
        x[A_SCORE] = lead_sales_fmt(s, "%.0f", a->engagement);
        return 1;
    }

    a = &av->acc[av->current];
    if (i >= a->count) {
        return 0;
    }
    s = &av->v->inner;
    s->used = 0;
    row = &av->list.rows[a->first + i];
    x[A_ID] = lead_sales_hex_id(s, row->id);
    x[A_NAME] = row->name;
    x[A_EMAIL] = row->email;
    x[A_SCORE] = lead_sales_fmt(s, "%.0f", row->engagement);
    x[A_STATUS] = cstr(lead_status_name(row->status));
    return 1;
}

/* An account shown for a search: its domain or one of its people. */
static int
account_matches(const accounts_view *av, const lead_account *a,
    const char *q)
{
    size_t  k;

    if (lead_str_contains(a->company, q)) {
        return 1;
    }
    for (k = a->first; k < a->first + a->count; k++) {
        if (lead_str_contains(av->list.rows[k].email, q)
            || lead_str_contains(av->list.rows[k].name, q))
        {
            return 1;
        }
    }
    return 0;
}

void
lead_sales_accounts_page(view *v, int json)
{
    accounts_view   av;
    lead_filter     companies;
    lead_str        x[A_NVALUES];
    lead_buf        body, prev, next;
    char            q[LEAD_EMAIL_MAX + 1], value[QUERY_MAX], *end;
    size_t          i, k, len, page = 1, pages;
    int             rc;

    memset(&av, 0, sizeof(av));
    av.v = v;
    if (json) {
        v->resp->type = "application/json";
    }

    q[0] = '\0';
    len = 0;
    rc = lead_sales_arg(v->req->query, "q", value, sizeof(value), &len);
    if (rc < 0 || len > LEAD_EMAIL_MAX) {
        lead_sales_fail(v, 400, "Cannot show that",
                        "The search is too long.");
        return;
    }
    for (i = 0; rc > 0 && i <= len; i++) {
        q[i] = (char) tolower((unsigned char) value[i]);
    }
    rc = lead_sales_arg(v->req->query, "page", value, sizeof(value), &len);
    if (rc > 0) {
        page = strtoul(value, &end, 10);
        if (len == 0 || *end != '\0' || page < 1 || page > MAX_PAGE
            || !isdigit((unsigned char) value[0]))
        {
            lead_sales_fail(v, 400, "Cannot show that",
                            "\"page\" is a number from 1 to %d.", MAX_PAGE);
            return;
        }
    }

    /* a page of every account: the kept accounts know the hottest */
    rc = LEAD_ENOTFOUND;
    if (!json && !q[0]) {
        rc = lead_query_accounts_top(v->s, v->r, v->req->now_ms,
                                     page * ACCOUNTS_PER_PAGE, &av.list,
                                     &av.acc, &k, &av.n);
    }
    if (rc != LEAD_OK && rc != LEAD_ENOTFOUND) {
        lead_sales_store_failed(v);
        return;
    }
    if (rc == LEAD_ENOTFOUND) {
        lead_filter_init(&companies);
        companies.only = LEAD_ONLY_COMPANIES;
        if (lead_query_leads(v->s, v->r, v->req->now_ms, &companies,
                             &av.list)
            != LEAD_OK)
        {
            lead_sales_store_failed(v);
            return;
        }
        if (lead_query_accounts(&av.list, &av.acc, &av.n) != LEAD_OK) {
            lead_list_free(&av.list);
            lead_sales_fail(v, 500, "Out of memory",
                            "The accounts did not fit in memory.");
            return;
        }

        for (i = 0, k = 0; i < av.n; i++) {
            if (account_matches(&av, &av.acc[i], q)) {
                av.acc[k++] = av.acc[i];
            }
        }
        av.n = k;
    }

    if (json) {
        lead_report_accounts_json(&v->resp->body, &av.list, av.acc, av.n);
        goto done;
    }

    pages = av.n ? (av.n + ACCOUNTS_PER_PAGE - 1) / ACCOUNTS_PER_PAGE : 1;
    page = page < pages ? page : pages;
    av.first = (page - 1) * ACCOUNTS_PER_PAGE;
    av.end = av.first + ACCOUNTS_PER_PAGE < av.n ? av.first
                                                   + ACCOUNTS_PER_PAGE
                                                 : av.n;

    memset(&prev, 0, sizeof(prev));
    memset(&next, 0, sizeof(next));
    if (page > 1) {
        lead_buf_puts(&prev, "accounts?q=");
        lead_sales_url_encode(&prev, q);
        lead_buf_printf(&prev, "&page=%zu", page - 1);
    }
    if (page < pages) {
        lead_buf_puts(&next, "accounts?q=");
        lead_sales_url_encode(&next, q);
        lead_buf_printf(&next, "&page=%zu", page + 1);
    }

    memset(x, 0, sizeof(x));
    x[A_BASE] = v->req->base;
    x[A_Q] = cstr(q);
    x[A_COUNT] = lead_sales_count(&v->page, av.n);
    x[A_PLURAL] = flag(av.n != 1);
    x[A_NONE] = flag(av.n == 0);
    x[A_PREV] = (lead_str) { prev.data ? prev.data : "", prev.len };
    x[A_NEXT] = (lead_str) { next.data ? next.data : "", next.len };
    x[A_PAGE] = lead_sales_fmt(&v->page, "%zu", page);
    x[A_PAGES] = lead_sales_fmt(&v->page, "%zu", pages);

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_ACCOUNTS], x, accounts_item, &av,
                         &body);
    lead_sales_layout(v, "Accounts", T_ACCOUNTS, &body);
    lead_buf_free(&prev);
    lead_buf_free(&next);

done:
    free(av.acc);
    lead_list_free(&av.list);
}

