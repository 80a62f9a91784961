/*
 * The sales view's list of leads: ranked, filtered, a page at a time,
 * and the same leads as JSON and CSV.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

#define PER_PAGE  50

typedef struct {
    view          *v;
    lead_list      list;
    lead_filter    f;
    char           topics[64][LEAD_NAME_MAX + 1];
    size_t         ntopics;
    char           cells[24][3];
    char           cell[3];           /* the cell filter, as typed back */
} leads_view;

static const char  *status_choices[] = {
    "identified", "mql", "sal", "sql", "won", "nurture"
};

/* 1 when the filter's owner is the signed-in user ("mine"). */
static int
is_mine(const lead_filter *f, lead_str user)
{
    return user.len && f->owner[0] && strlen(f->owner) == user.len
           && memcmp(f->owner, user.data, user.len) == 0;
}

/* The filters as a query string, for links that keep them; page 0: none. */
static void
filter_query(lead_buf *out, const lead_rules *r, const lead_filter *f,
    lead_str user, size_t page)
{
    char  sep = '?';

#define ADD(key, value)                                                       \
    do {                                                                      \
        lead_buf_printf(out, "%c%s=", sep, key);                              \
        lead_sales_url_encode(out, value);                                    \
        sep = '&';                                                            \
    } while (0)

    if (f->status >= 0) {
        ADD("status", lead_status_name(f->status));
    }
    if (f->stage >= 0) {
        ADD("stage", lead_rules_scoring(r)->stages[f->stage]);
    }
    if (f->topic[0]) {
        ADD("topic", f->topic);
    }
    if (f->grade || f->band) {
        char  cell[3] = { 0, 0, 0 };

        cell[0] = f->grade ? f->grade : (char) ('0' + f->band);
        cell[1] = f->grade && f->band ? (char) ('0' + f->band) : '\0';
        ADD("cell", cell);
    }
    if (f->search[0]) {
        ADD("q", f->search);
    }
    if (is_mine(f, user)) {
        ADD("mine", "1");
    } else if (f->owner[0]) {
        ADD("owner", f->owner);
    }
    if (f->only & LEAD_ONLY_UNASSIGNED) {
        ADD("unassigned", "1");
    }
    if (f->only & LEAD_ONLY_OVERDUE) {
        ADD("overdue", "1");
    }
    if (f->only & LEAD_ONLY_CALLS) {
        ADD("calls", "1");
    }
    if (page) {
        lead_buf_printf(out, "%cpage=%zu", sep, page);
    }

#undef ADD
}

static int
option_item(leads_view *lv, unsigned list, size_t i, lead_str *v)
{
    const lead_scoring  *sc = lead_rules_scoring(lv->v->r);
    const lead_filter   *f = &lv->f;
    scratch             *s = &lv->v->item;

    s->used = 0;
    switch (list) {
    case LS_STATUSES:
        if (i >= sizeof(status_choices) / sizeof(status_choices[0])) {
            return 0;
        }
        v[LS_VALUE] = v[LS_LABEL] = cstr(status_choices[i]);
        v[LS_SELECTED] = flag(f->status == lead_status_parse(
                                  status_choices[i],
                                  strlen(status_choices[i])));
        return 1;
    case LS_STAGES:
        if (i >= sc->nstages) {
            return 0;
        }
        v[LS_VALUE] = v[LS_LABEL] = cstr(sc->stages[i]);
        v[LS_SELECTED] = flag(f->stage == (int) i);
        return 1;
    case LS_TOPICS:
        if (i >= lv->ntopics) {
            return 0;
        }
        v[LS_VALUE] = v[LS_LABEL] = cstr(lv->topics[i]);
        v[LS_SELECTED] = flag(strcmp(f->topic, lv->topics[i]) == 0);
        return 1;
    default:
        if (i >= 24) {
            return 0;
        }
        /* the 16 cells, then a grade alone, then a band alone */
        v[LS_VALUE] = cstr(lv->cells[i]);
        v[LS_LABEL] = i < 16 ? cstr(lv->cells[i])
                      : i < 20 ? lead_sales_fmt(s, "grade %s", lv->cells[i])
                               : lead_sales_fmt(s, "band %s", lv->cells[i]);
        v[LS_SELECTED] = flag(strcmp(lv->cell, lv->cells[i]) == 0);
        return 1;
    }
}

static int
leads_item(void *arg, unsigned list, size_t i, lead_str *v)
{
    leads_view       *lv = arg;
    view             *vw = lv->v;
    scratch          *s = &vw->item;
    const lead_row   *row;
    double            trend[LEAD_TREND_DAYS];

    if (list != LS_ROWS) {
        return option_item(lv, list, i, v);
    }
    if (i >= lv->list.n) {
        return 0;
    }

    row = &lv->list.rows[i];
    s->used = 0;

    /* the trend, for the rows on the page only */
    if (lead_query_trend(vw->s, vw->r, row->id, vw->req->now_ms, trend)
        != LEAD_OK)
    {
        memset(trend, 0, sizeof(trend));
    }
    lead_sales_sparkline(s, trend, &v[LS_SPARK], &v[LS_TREND_LABEL]);

    v[LS_NEW] = flag(row->status == LEAD_STATUS_MQL);
    v[LS_SCORE] = lead_sales_fmt(s, "%.0f", row->engagement);
    v[LS_ID] = lead_sales_hex_id(s, row->id);
    v[LS_NAME] = row->name;
    v[LS_EMAIL] = row->email;
    v[LS_COMPANY] = row->company;
    v[LS_BAND] = lead_sales_fmt(s, "%d", row->band);
    v[LS_CELL] = lead_sales_fmt(s, "%c%d", row->grade, row->band);
    v[LS_STATUS] = cstr(lead_status_name(row->status));
    v[LS_STAGE] = lead_sales_stage(vw->r, row->stage_index);
    v[LS_TOP_ASSET] = row->top_asset;
    v[LS_LAST_ISO] = lead_sales_iso(s, row->last_ms);
    v[LS_LAST_AGO] = lead_sales_ago(s, vw->req->now_ms, row->last_ms);
    v[LS_COUNTRY] = cstr(row->country);
    v[LS_CALL] = flag(row->contact);
    v[LS_OWNER] = row->owner;
    v[LS_OVERDUE] = flag(row->overdue);
    v[LS_WAITING] = cstr("");
    if (row->status == LEAD_STATUS_MQL) {
        char  waiting[32];

        lead_report_waiting(waiting, row->waiting_ms);
        v[LS_WAITING] = lead_sales_fmt(s, "%s", waiting);
    }
    return 1;
}

/* Topics the filter offers: the rules' assets', each once. */
static void
rule_topics(leads_view *lv)
{
    size_t             i, k;
    const lead_asset  *a;

    for (i = 0; i < lead_rules_count(lv->v->r) && lv->ntopics < 64; i++) {
        a = lead_rules_asset(lv->v->r, i);
        if (a->topic[0] == '\0') {
            continue;
        }
        for (k = 0; k < lv->ntopics; k++) {
            if (strcmp(lv->topics[k], a->topic) == 0) {
                break;
            }
        }
        if (k == lv->ntopics) {
            snprintf(lv->topics[lv->ntopics++], LEAD_NAME_MAX + 1, "%s",
                     a->topic);
        }
    }
}

/*
 * What to do next: mine (the signed-in user's leads), unassigned, overdue
 * and asked for a call, each a checkbox ("1" when ticked).
 */
static int
sla_filters(view *v, lead_filter *f)
{
    static const struct {
        const char  *key;
        unsigned     bit;
    } only[] = {
        { "unassigned", LEAD_ONLY_UNASSIGNED }, { "overdue", LEAD_ONLY_OVERDUE },
        { "calls", LEAD_ONLY_CALLS }
    };
    char    value[8];
    size_t  i, len;
    int     rc;

    for (i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
        rc = lead_sales_arg(v->req->query, only[i].key, value, sizeof(value),
                            &len);
        if (rc > 0 && len) {
            f->only |= only[i].bit;
        }
    }

    rc = lead_sales_arg(v->req->query, "mine", value, sizeof(value), &len);
    if (rc <= 0 || len == 0) {
        return 1;
    }
    if (v->req->user.len == 0 || v->req->user.len >= sizeof(f->owner)
        || !lead_owner_valid(v->req->user.data, v->req->user.len))
    {
        lead_sales_fail(v, 400, "Cannot show that", "\"Mine\" needs a user "
                        "signed in (auth_basic in front of the sales "
                        "view).");
        return 0;
    }
    memcpy(f->owner, v->req->user.data, v->req->user.len);
    f->owner[v->req->user.len] = '\0';
    return 1;
}

/* Reads the filters of the query; on a bad one, fails the view. */
static int
read_filters(view *v, lead_filter *f, size_t *page)
{
    static const char  *keys[] = { "status", "stage", "topic", "cell", "q",
                                   "sort", "owner" };
    char                value[QUERY_MAX], err[512], *end;
    size_t              i, len;
    int                 rc;

    lead_filter_init(f);
    *page = 1;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        rc = lead_sales_arg(v->req->query, keys[i], value, sizeof(value),
                            &len);
        if (rc < 0) {
            lead_sales_fail(v, 400, "Cannot show that",
                            "The address is too long.");
            return 0;
        }
        if (rc > 0
            && lead_filter_set(f, v->r, keys[i], value, len, err, sizeof(err))
               != LEAD_OK)
        {
            lead_sales_fail(v, 400, "Cannot show that", "%s.", err);
            return 0;
        }
    }

    rc = sla_filters(v, f);
    if (rc != 1) {
        return rc;
    }

    rc = lead_sales_arg(v->req->query, "page", value, sizeof(value), &len);
    if (rc > 0) {
        unsigned long  n = strtoul(value, &end, 10);

        if (len == 0 || *end != '\0' || n < 1 || n > MAX_PAGE
            || !isdigit((unsigned char) value[0]))
        {
            lead_sales_fail(v, 400, "Cannot show that",
                            "\"page\" is a number from 1 to %d.", MAX_PAGE);
            return 0;
        }
        *page = n;
    }
    return 1;
}

void
lead_sales_leads_page(view *v)
{
    leads_view   lv;
    lead_str     x[LS_NVALUES];
    lead_buf     body, query, prev, next;
    size_t       page, pages, i, fresh;
    const char  *grades = "ABCD";

    memset(&lv, 0, sizeof(lv));
    lv.v = v;
    if (!read_filters(v, &lv.f, &page)) {
        return;
    }

    /* one page of rows; past the last page, the last page */
    lv.f.limit = PER_PAGE;
    for (;;) {
        lv.f.offset = (page - 1) * PER_PAGE;
        if (lead_query_leads(v->s, v->r, v->req->now_ms, &lv.f, &lv.list)
            != LEAD_OK)
        {
            lead_sales_store_failed(v);
            return;
        }
        pages = lv.list.matched ? (lv.list.matched + PER_PAGE - 1) / PER_PAGE
                                : 1;
        if (page <= pages) {
            break;
        }
        page = pages;
        lead_list_free(&lv.list);
    }
    fresh = lv.list.by_status[LEAD_STATUS_MQL];

    rule_topics(&lv);
    for (i = 0; i < 16; i++) {
        lv.cells[i][0] = grades[i / 4];
        lv.cells[i][1] = (char) ('1' + i % 4);
    }
    for (i = 0; i < 4; i++) {
        lv.cells[16 + i][0] = grades[i];
        lv.cells[20 + i][0] = (char) ('1' + i);
    }
    if (lv.f.grade) {
        lv.cell[0] = lv.f.grade;
        lv.cell[1] = lv.f.band ? (char) ('0' + lv.f.band) : '\0';
    } else if (lv.f.band) {
        lv.cell[0] = (char) ('0' + lv.f.band);
    }

    memset(&query, 0, sizeof(query));
    memset(&prev, 0, sizeof(prev));
    memset(&next, 0, sizeof(next));
    filter_query(&query, v->r, &lv.f, v->req->user, 0);
    if (page > 1) {
        filter_query(&prev, v->r, &lv.f, v->req->user, page - 1);
    }
    if (page < pages) {
        filter_query(&next, v->r, &lv.f, v->req->user, page + 1);
    }

    memset(x, 0, sizeof(x));
    x[LS_BASE] = v->req->base;
    x[LS_COUNT] = lead_sales_count(&v->page, lv.list.matched);
    x[LS_TOTAL] = lead_sales_count(&v->page, lv.list.total);
    x[LS_NEW_COUNT] = fresh ? lead_sales_count(&v->page, fresh)
                            : cstr("");
    x[LS_NEW_PLURAL] = flag(fresh > 1);
    x[LS_Q] = cstr(lv.f.search);
    x[LS_QUERY] = (lead_str) { query.data ? query.data : "", query.len };
    x[LS_NONE] = flag(lv.list.matched == 0);
    x[LS_PREV] = (lead_str) { prev.data ? prev.data : "", prev.len };
    x[LS_NEXT] = (lead_str) { next.data ? next.data : "", next.len };
    x[LS_PAGE] = lead_sales_fmt(&v->page, "%zu", page);
    x[LS_PAGES] = lead_sales_fmt(&v->page, "%zu", pages);
    x[LS_USER] = v->req->user;
    x[LS_MINE] = flag(is_mine(&lv.f, v->req->user));
    x[LS_ONLY_OVERDUE] = flag(lv.f.only & LEAD_ONLY_OVERDUE);
    x[LS_ONLY_UNASSIGNED] = flag(lv.f.only & LEAD_ONLY_UNASSIGNED);
    x[LS_ONLY_CALLS] = flag(lv.f.only & LEAD_ONLY_CALLS);

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_LEADS], x, leads_item, &lv, &body);
    lead_sales_layout(v, "Leads", T_LEADS, &body);

    lead_buf_free(&query);
    lead_buf_free(&prev);
    lead_buf_free(&next);
    lead_list_free(&lv.list);
}

/* A part of leads.csv: the body holds the text, not the rows too. */
static int
csv_part(void *arg, const lead_list *part)
{
    view  *v = arg;

    lead_report_leads_csv_rows(&v->resp->body, v->r, part);
    return v->resp->body.oom;
}

void
lead_sales_leads_export(view *v, int csv)
{
    lead_filter  f;
    lead_list    list;
    size_t       page;

    v->resp->type = csv ? "text/csv; charset=utf-8"
                        : "application/json";
    if (!read_filters(v, &f, &page)) {
        return;
    }
    if (csv) {
        v->resp->disposition = "attachment; filename=\"leads.csv\"";
        lead_report_leads_csv_head(&v->resp->body);
        if (lead_query_leads_parts(v->s, v->r, v->req->now_ms, &f, 4096,
                                   csv_part, v)
            != LEAD_OK)
        {
            lead_sales_store_failed(v);
        }
        return;
    }
    if (lead_query_leads(v->s, v->r, v->req->now_ms, &f, &list) != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }
    if (lead_query_deals(v->s, &list) != LEAD_OK) {
        lead_list_free(&list);
        lead_sales_store_failed(v);
        return;
    }
    lead_report_leads_json(&v->resp->body, v->r, &list);
    lead_list_free(&list);
}

