/*
 * The sales view: a small web app, served by the module from memory.
 * Leads ranked by engagement, one lead in full with the actions sales
 * take, the funnel, the accounts, and the same data as JSON and CSV.
 * Every page comes from the templates in html/sales/ (built in), every
 * number from lead_query_*, every visitor's value escaped where it goes.
 *
 * The module hands over the request (path below the location, query,
 * body, who nginx authenticated, the browser's visitor id) and sends the
 * response this file fills; nothing here knows nginx.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_internal.h"

#define PER_PAGE           50
#define ACCOUNTS_PER_PAGE  20
#define MAX_PAGE           1000000
#define QUERY_MAX          4096
#define MAX_ASSET_ROWS     200
#define DAY_MS             ((uint64_t) 86400000)

/* ---- the templates ----------------------------------------------------- */

enum { T_LAYOUT, T_LEADS, T_LEAD, T_FUNNEL, T_ACCOUNTS, T_ERROR, T_COUNT };

/*
 * Each template's placeholders, in the order its values are given: one
 * line each, its index and its name in the template.  The enums below
 * and the name lists handed to lead_tmpl_parse are both made from these
 * tables, so they cannot get out of step.
 */

#define LAYOUT_VALUES(X)                                                      \
    X(L_BASE, "base")                                                         \
    X(L_TITLE, "title")                                                       \
    X(L_USER, "user")                                                         \
    X(L_NOW, "now")                                                           \
    X(L_NAV_LEADS, "nav_leads")                                               \
    X(L_NAV_FUNNEL, "nav_funnel")                                             \
    X(L_NAV_ACCOUNTS, "nav_accounts")                                         \
    X(L_BODY, "&body")

#define LEADS_VALUES(X)                                                       \
    X(LS_BASE, "base")                                                        \
    X(LS_COUNT, "count")                                                      \
    X(LS_TOTAL, "total")                                                      \
    X(LS_NEW_COUNT, "new_count")                                              \
    X(LS_NEW_PLURAL, "new_plural")                                            \
    X(LS_Q, "q")                                                              \
    X(LS_QUERY, "query")                                                      \
    X(LS_ERROR, "error")                                                      \
    X(LS_NONE, "none")                                                        \
    X(LS_PREV, "prev")                                                        \
    X(LS_NEXT, "next")                                                        \
    X(LS_PAGE, "page")                                                        \
    X(LS_PAGES, "pages")                                                      \
    X(LS_STATUSES, "*statuses")                                               \
    X(LS_STAGES, "*stages")                                                   \
    X(LS_TOPICS, "*topics")                                                   \
    X(LS_CELLS, "*cells")                                                     \
    X(LS_VALUE, "value")                                                      \
    X(LS_LABEL, "label")                                                      \
    X(LS_SELECTED, "selected")                                                \
    X(LS_ROWS, "*rows")                                                       \
    X(LS_NEW, "new")                                                          \
    X(LS_SCORE, "score")                                                      \
    X(LS_TREND_LABEL, "trend_label")                                          \
    X(LS_SPARK, "spark")                                                      \
    X(LS_ID, "id")                                                            \
    X(LS_NAME, "name")                                                        \
    X(LS_EMAIL, "email")                                                      \
    X(LS_COMPANY, "company")                                                  \
    X(LS_BAND, "band")                                                        \
    X(LS_CELL, "cell")                                                        \
    X(LS_STATUS, "status")                                                    \
    X(LS_STAGE, "stage")                                                      \
    X(LS_TOP_ASSET, "top_asset")                                              \
    X(LS_LAST_ISO, "last_iso")                                                \
    X(LS_LAST_AGO, "last_ago")                                                \
    X(LS_COUNTRY, "country")

#define LEAD_VALUES(X)                                                        \
    X(D_BASE, "base")                                                         \
    X(D_NAME, "name")                                                         \
    X(D_BAND, "band")                                                         \
    X(D_GRADE, "grade")                                                       \
    X(D_CELL, "cell")                                                         \
    X(D_EMAIL, "email")                                                       \
    X(D_COMPANY, "company")                                                   \
    X(D_NOTICE, "notice")                                                     \
    X(D_ERROR, "error")                                                       \
    X(D_SCORE, "score")                                                       \
    X(D_TREND_LABEL, "trend_label")                                           \
    X(D_SPARK, "spark")                                                       \
    X(D_STATUS, "status")                                                     \
    X(D_STATUS_ISO, "status_iso")                                             \
    X(D_STATUS_AGO, "status_ago")                                             \
    X(D_STAGE, "stage")                                                       \
    X(D_HAS_TOPICS, "has_topics")                                             \
    X(D_SUBSCRIBED, "subscribed")                                             \
    X(D_CONTACT, "contact")                                                   \
    X(D_COUNTRIES, "countries")                                               \
    X(D_IDENTIFIED_ISO, "identified_iso")                                     \
    X(D_IDENTIFIED_AGO, "identified_ago")                                     \
    X(D_FIRST_ISO, "first_iso")                                               \
    X(D_FIRST_AGO, "first_ago")                                               \
    X(D_CAN_ACT, "can_act")                                                   \
    X(D_CAN_ACCEPT, "can_accept")                                             \
    X(D_CAN_QUALIFY, "can_qualify")                                           \
    X(D_CAN_WIN, "can_win")                                                   \
    X(D_CAN_REJECT, "can_reject")                                             \
    X(D_ID, "id")                                                             \
    X(D_TOKEN, "token")                                                       \
    X(D_REASON, "reason")                                                     \
    X(D_HAS_HOT, "has_hot")                                                   \
    X(D_TOPICS, "*topics")                                                    \
    X(D_TOPIC, "topic")                                                       \
    X(D_TOPIC_SCORE, "topic_score")                                           \
    X(D_HOT, "*hot")                                                          \
    X(D_HOT_FLAG, "hot_flag")                                                 \
    X(D_TITLE, "title")                                                       \
    X(D_DEPTH, "depth")                                                       \
    X(D_READS, "reads")                                                       \
    X(D_LAST_ISO, "last_iso")                                                 \
    X(D_LAST_AGO, "last_ago")                                                 \
    X(D_WHY, "*why")                                                          \
    X(D_POINTS, "points")                                                     \
    X(D_DETAIL, "detail")                                                     \
    X(D_HISTORY, "*history")                                                  \
    X(D_WHEN, "when")                                                         \
    X(D_WHEN_ISO, "when_iso")                                                 \
    X(D_FROM, "from")                                                         \
    X(D_TO, "to")                                                             \
    X(D_CAUSE, "cause")                                                       \
    X(D_WHO, "who")                                                           \
    X(D_WHY_REASON, "why_rejected")                                           \
    X(D_TIMELINE, "*timeline")                                                \
    X(D_BEFORE, "before")                                                     \
    X(D_PATH, "path")                                                         \
    X(D_BOT, "bot")                                                           \
    X(D_REFERRER, "referrer")                                                 \
    X(D_CAMPAIGN, "campaign")                                                 \
    X(D_COUNTRY, "country")                                                   \
    X(D_DEVICES, "*devices")                                                  \
    X(D_VISITOR, "visitor")                                                   \
    X(D_SINCE, "since")                                                       \
    X(D_SINCE_ISO, "since_iso")

#define FUNNEL_VALUES(X)                                                      \
    X(F_BASE, "base")                                                         \
    X(F_LEADS, "leads")                                                       \
    X(F_BOTS, "bots")                                                         \
    X(F_STATUSES, "*statuses")                                                \
    X(F_STATUS, "status")                                                     \
    X(F_NOW, "now")                                                           \
    X(F_EVER, "ever")                                                         \
    X(F_NOW_PCT, "now_pct")                                                   \
    X(F_EVER_PCT, "ever_pct")                                                 \
    X(F_MEDIAN, "median")                                                     \
    X(F_CONVERSION, "conversion")                                             \
    X(F_STAGES, "*stages")                                                    \
    X(F_STAGE, "stage")                                                       \
    X(F_PCT, "pct")                                                           \
    X(F_ASSETS, "*assets")                                                    \
    X(F_HOT, "hot")                                                           \
    X(F_TITLE, "title")                                                       \
    X(F_PATH, "path")                                                         \
    X(F_READERS, "readers")                                                   \
    X(F_IDENTIFIED, "identified")                                             \
    X(F_IDENTIFIED_PCT, "identified_pct")                                     \
    X(F_MQL, "mql")                                                           \
    X(F_MQL_PCT, "mql_pct")                                                   \
    X(F_ASSET_BOTS, "bot_reads")

#define ACCOUNTS_VALUES(X)                                                    \
    X(A_BASE, "base")                                                         \
    X(A_Q, "q")                                                               \
    X(A_COUNT, "count")                                                       \
    X(A_PLURAL, "plural")                                                     \
    X(A_NONE, "none")                                                         \
    X(A_PREV, "prev")                                                         \
    X(A_NEXT, "next")                                                         \
    X(A_PAGE, "page")                                                         \
    X(A_PAGES, "pages")                                                       \
    X(A_ACCOUNTS, "*accounts")                                                \
    X(A_COMPANY, "company")                                                   \
    X(A_SCORE, "score")                                                       \
    X(A_PEOPLE, "*people")                                                    \
    X(A_ID, "id")                                                             \
    X(A_NAME, "name")                                                         \
    X(A_EMAIL, "email")                                                       \
    X(A_STATUS, "status")

#define ERROR_VALUES(X)                                                       \
    X(E_BASE, "base")                                                         \
    X(E_HEADING, "heading")                                                   \
    X(E_MESSAGE, "message")

#define INDEX(index, name)  index,
#define NAME(index, name)   name,

enum { LAYOUT_VALUES(INDEX) L_COUNT };
enum { LEADS_VALUES(INDEX) LS_NVALUES };
enum { LEAD_VALUES(INDEX) D_NVALUES };
enum { FUNNEL_VALUES(INDEX) F_NVALUES };
enum { ACCOUNTS_VALUES(INDEX) A_NVALUES };
enum { ERROR_VALUES(INDEX) E_NVALUES };

static const char *const  layout_names[] = { LAYOUT_VALUES(NAME) NULL };
static const char *const  leads_names[] = { LEADS_VALUES(NAME) NULL };
static const char *const  lead_names[] = { LEAD_VALUES(NAME) NULL };
static const char *const  funnel_names[] = { FUNNEL_VALUES(NAME) NULL };
static const char *const  accounts_names[] = { ACCOUNTS_VALUES(NAME) NULL };
static const char *const  error_names[] = { ERROR_VALUES(NAME) NULL };

#undef INDEX
#undef NAME

static const struct {
    const char         *file;
    const char *const  *names;
} templates[T_COUNT] = {
    [T_LAYOUT] = { "layout.html", layout_names },
    [T_LEADS] = { "leads.html", leads_names },
    [T_LEAD] = { "lead.html", lead_names },
    [T_FUNNEL] = { "funnel.html", funnel_names },
    [T_ACCOUNTS] = { "accounts.html", accounts_names },
    [T_ERROR] = { "error.html", error_names },
};

struct lead_sales {
    lead_tmpl  *tmpl[T_COUNT];
};

static const lead_embedded *
embedded(const char *name)
{
    const lead_embedded  *f;

    for (f = lead_sales_files; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

int
lead_sales_new(lead_sales **out, char *err, size_t errlen)
{
    lead_sales           *app;
    const lead_embedded  *f;
    char                  label[64];
    int                   i, rc;

    *out = NULL;
    app = calloc(1, sizeof(*app));
    if (app == NULL) {
        snprintf(err, errlen, "out of memory");
        return LEAD_ENOMEM;
    }

    for (i = 0; i < T_COUNT; i++) {
        f = embedded(templates[i].file);
        if (f == NULL) {
            snprintf(err, errlen, "html/sales/%s is not built in",
                     templates[i].file);
            lead_sales_free(app);
            return LEAD_EINVAL;
        }
        snprintf(label, sizeof(label), "html/sales/%s", f->name);
        rc = lead_tmpl_parse(&app->tmpl[i], (const char *) f->data, f->len,
                             templates[i].names, label, err, errlen);
        if (rc != LEAD_OK) {
            lead_sales_free(app);
            return rc;
        }
    }

    *out = app;
    return LEAD_OK;
}

void
lead_sales_free(lead_sales *app)
{
    int  i;

    if (app != NULL) {
        for (i = 0; i < T_COUNT; i++) {
            lead_tmpl_free(app->tmpl[i]);
        }
        free(app);
    }
}

/* ---- values: formatted text that lives until its item is rendered ------ */

typedef struct {
    char    buf[4096];
    size_t  used;
} scratch;

static lead_str
sfmt(scratch *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static lead_str
sfmt(scratch *s, const char *fmt, ...)
{
    va_list   ap;
    int       n;
    lead_str  v = { "", 0 };

    if (s->used >= sizeof(s->buf)) {
        return v;
    }
    va_start(ap, fmt);
    n = vsnprintf(s->buf + s->used, sizeof(s->buf) - s->used, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return v;
    }
    if ((size_t) n >= sizeof(s->buf) - s->used) {
        n = (int) (sizeof(s->buf) - s->used - 1);
    }
    v.data = s->buf + s->used;
    v.len = (size_t) n;
    s->used += (size_t) n + 1;
    return v;
}

static lead_str
cstr(const char *s)
{
    return (lead_str) { s, strlen(s) };
}

static lead_str
flag(int on)
{
    return on ? cstr("1") : cstr("");
}

static lead_str
iso(scratch *s, uint64_t ms)
{
    char  when[LEAD_TIME_LEN];

    lead_format_time(ms, when);
    return sfmt(s, "%s", when);
}

/* "just now", "5 min ago", "2 h ago", "3 days ago", or the date */
static lead_str
ago(scratch *s, uint64_t now_ms, uint64_t ms)
{
    uint64_t  d = now_ms > ms ? now_ms - ms : 0;
    char      when[LEAD_TIME_LEN];

    if (ms == 0) {
        return cstr("never");
    }
    if (ms > now_ms || d >= 60 * DAY_MS) {
        lead_format_time(ms, when);
        return sfmt(s, "%.10s", when);
    }
    if (d < 60000) {
        return cstr("just now");
    }
    if (d < 3600000) {
        return sfmt(s, "%" PRIu64 " min ago", d / 60000);
    }
    if (d < 2 * DAY_MS) {
        return sfmt(s, "%" PRIu64 " h ago", d / 3600000);
    }
    return sfmt(s, "%" PRIu64 " days ago", d / DAY_MS);
}

static lead_str
hex_id(scratch *s, const uint8_t id[LEAD_ID_LEN])
{
    char  hex[LEAD_ID_HEX_LEN];

    lead_id_to_hex(id, hex);
    return sfmt(s, "%.*s", LEAD_ID_HEX_LEN, hex);
}

static lead_str
stage_of(const lead_rules *r, int i)
{
    return i >= 0 ? cstr(lead_rules_scoring(r)->stages[i]) : cstr("—");
}

/* The polyline of a 30-day trend in a 58x16 box, and words for it. */
static void
sparkline(scratch *s, const double trend[LEAD_TREND_DAYS], lead_str *points,
    lead_str *label)
{
    char    buf[LEAD_TREND_DAYS * 12];
    double  max = 1;
    size_t  n = 0;
    int     i;

    for (i = 0; i < LEAD_TREND_DAYS; i++) {
        max = trend[i] > max ? trend[i] : max;
    }
    for (i = 0; i < LEAD_TREND_DAYS; i++) {
        double  v = trend[i] > 0 ? trend[i] : 0;

        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s%d,%.1f",
                               i ? " " : "", i * 2, 15 - 14 * v / max);
    }
    *points = sfmt(s, "%s", buf);
    *label = sfmt(s, "score 30 days ago %.0f, now %.0f", trend[0],
                  trend[LEAD_TREND_DAYS - 1]);
}

/* ---- requests ---------------------------------------------------------- */

/* The next key=value of a query or form body, decoded into buf. */
typedef struct {
    const char  *p, *end;
    char         buf[QUERY_MAX];
} pairs;

static int
next_pair(pairs *q, lead_str *key, lead_str *value)
{
    const char  *amp, *eq;
    size_t       klen, vlen;

    while (q->p < q->end) {
        amp = memchr(q->p, '&', (size_t) (q->end - q->p));
        amp = amp ? amp : q->end;
        eq = memchr(q->p, '=', (size_t) (amp - q->p));
        eq = eq ? eq : amp;

        klen = (size_t) (eq - q->p);
        vlen = eq < amp ? (size_t) (amp - eq - 1) : 0;
        if (klen + vlen + 2 > sizeof(q->buf)) {
            return -1;
        }
        memcpy(q->buf, q->p, klen);
        klen = lead_url_decode(q->buf, klen);
        q->buf[klen] = '\0';
        memcpy(q->buf + klen + 1, eq + 1, vlen);
        vlen = lead_url_decode(q->buf + klen + 1, vlen);
        q->buf[klen + 1 + vlen] = '\0';

        q->p = amp < q->end ? amp + 1 : amp;
        if (klen == 0) {
            continue;
        }
        key->data = q->buf;
        key->len = klen;
        value->data = q->buf + klen + 1;
        value->len = vlen;
        return 1;
    }
    return 0;
}

/* The first value of key, copied to out (NUL-terminated); 0 if absent. */
static int
arg(lead_str query, const char *name, char *out, size_t size, size_t *len)
{
    pairs     q;
    lead_str  key, value;
    int       rc;

    q.p = query.data;
    q.end = query.data + query.len;
    while ((rc = next_pair(&q, &key, &value)) > 0) {
        if (key.len == strlen(name) && memcmp(key.data, name, key.len) == 0)
        {
            if (value.len >= size) {
                return -1;
            }
            memcpy(out, value.data, value.len);
            out[value.len] = '\0';
            *len = value.len;
            return 1;
        }
    }
    return rc;
}

/* ---- responses --------------------------------------------------------- */

typedef struct {
    const lead_sales           *app;
    lead_store                 *s;
    const lead_rules           *r;
    const lead_sales_request   *req;
    lead_sales_response        *resp;
    scratch                     page;     /* the page's own values */
    scratch                     item;     /* the list item being shown */
    scratch                     inner;    /* an item of a list in an item */
} view;

static void
layout(view *v, const char *title, int nav, lead_buf *body)
{
    lead_str  l[L_COUNT];

    memset(l, 0, sizeof(l));
    l[L_BASE] = v->req->base;
    l[L_TITLE] = cstr(title);
    l[L_USER] = v->req->user;
    l[L_NOW] = iso(&v->page, v->req->now_ms);
    l[L_NAV_LEADS] = flag(nav == T_LEADS || nav == T_LEAD);
    l[L_NAV_FUNNEL] = flag(nav == T_FUNNEL);
    l[L_NAV_ACCOUNTS] = flag(nav == T_ACCOUNTS);
    l[L_BODY].data = body->data ? body->data : "";
    l[L_BODY].len = body->len;

    if (body->oom) {
        v->resp->body.oom = 1;
    }
    lead_tmpl_render_buf(v->app->tmpl[T_LAYOUT], l, NULL, NULL,
                         &v->resp->body);
    lead_buf_free(body);
}

static void
fail(view *v, int status, const char *heading, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fail(view *v, int status, const char *heading, const char *fmt, ...)
{
    lead_sales_response  *resp = v->resp;
    lead_str              e[E_NVALUES];
    lead_buf              body;
    char                  message[512];
    va_list               ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    lead_buf_free(&resp->body);
    resp->status = status;

    if (resp->type && strncmp(resp->type, "text/html", 9) != 0) {
        /* a script asked: it gets its error as data */
        resp->type = "application/json";
        resp->disposition = NULL;
        lead_buf_puts(&resp->body, "{\"error\":");
        lead_buf_json(&resp->body, message, strlen(message));
        lead_buf_puts(&resp->body, "}\n");
        return;
    }

    memset(e, 0, sizeof(e));
    memset(&body, 0, sizeof(body));
    e[E_BASE] = v->req->base;
    e[E_HEADING] = cstr(heading);
    e[E_MESSAGE] = cstr(message);
    lead_tmpl_render_buf(v->app->tmpl[T_ERROR], e, NULL, NULL, &body);
    layout(v, heading, -1, &body);
}

static void
store_failed(view *v)
{
    fail(v, 503, "The store cannot answer",
         "The lead store cannot answer right now (%s). Nothing was "
         "changed; try again in a moment.", lead_store_errmsg(v->s));
}

/* ---- the leads page ---------------------------------------------------- */

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

/* Percent-encodes all but the unreserved characters (RFC 3986). */
static void
url_encode(lead_buf *out, const char *s)
{
    static const char  hex[] = "0123456789ABCDEF";
    char               esc[3] = { '%', 0, 0 };
    size_t             i;

    for (i = 0; s[i]; i++) {
        unsigned char  c = (unsigned char) s[i];

        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            lead_buf_put(out, s + i, 1);
        } else {
            esc[1] = hex[c >> 4];
            esc[2] = hex[c & 15];
            lead_buf_put(out, esc, 3);
        }
    }
}

/* The filters as a query string, for links that keep them; page 0: none. */
static void
filter_query(lead_buf *out, const lead_rules *r, const lead_filter *f,
    size_t page)
{
    char  sep = '?';

#define ADD(key, value)                                                       \
    do {                                                                      \
        lead_buf_printf(out, "%c%s=", sep, key);                              \
        url_encode(out, value);                                               \
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
                      : i < 20 ? sfmt(s, "grade %s", lv->cells[i])
                               : sfmt(s, "band %s", lv->cells[i]);
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
    sparkline(s, trend, &v[LS_SPARK], &v[LS_TREND_LABEL]);

    v[LS_NEW] = flag(row->status == LEAD_STATUS_MQL);
    v[LS_SCORE] = sfmt(s, "%.0f", row->engagement);
    v[LS_ID] = hex_id(s, row->id);
    v[LS_NAME] = row->name;
    v[LS_EMAIL] = row->email;
    v[LS_COMPANY] = row->company;
    v[LS_BAND] = sfmt(s, "%d", row->band);
    v[LS_CELL] = sfmt(s, "%c%d", row->grade, row->band);
    v[LS_STATUS] = cstr(lead_status_name(row->status));
    v[LS_STAGE] = stage_of(vw->r, row->stage_index);
    v[LS_TOP_ASSET] = row->top_asset;
    v[LS_LAST_ISO] = iso(s, row->last_ms);
    v[LS_LAST_AGO] = ago(s, vw->req->now_ms, row->last_ms);
    v[LS_COUNTRY] = cstr(row->country);
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

/* Reads the filters of the query; on a bad one, fails the view. */
static int
read_filters(view *v, lead_filter *f, size_t *page)
{
    static const char  *keys[] = { "status", "stage", "topic", "cell", "q",
                                   "sort" };
    char                value[QUERY_MAX], err[512], *end;
    size_t              i, len;
    int                 rc;

    lead_filter_init(f);
    *page = 1;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        rc = arg(v->req->query, keys[i], value, sizeof(value), &len);
        if (rc < 0) {
            fail(v, 400, "Cannot show that", "The address is too long.");
            return 0;
        }
        if (rc > 0
            && lead_filter_set(f, v->r, keys[i], value, len, err, sizeof(err))
               != LEAD_OK)
        {
            fail(v, 400, "Cannot show that", "%s.", err);
            return 0;
        }
    }

    rc = arg(v->req->query, "page", value, sizeof(value), &len);
    if (rc > 0) {
        unsigned long  n = strtoul(value, &end, 10);

        if (len == 0 || *end != '\0' || n < 1 || n > MAX_PAGE
            || !isdigit((unsigned char) value[0]))
        {
            fail(v, 400, "Cannot show that",
                 "\"page\" is a number from 1 to %d.", MAX_PAGE);
            return 0;
        }
        *page = n;
    }
    return 1;
}

static void
leads_page(view *v)
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
            store_failed(v);
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
    filter_query(&query, v->r, &lv.f, 0);
    if (page > 1) {
        filter_query(&prev, v->r, &lv.f, page - 1);
    }
    if (page < pages) {
        filter_query(&next, v->r, &lv.f, page + 1);
    }

    memset(x, 0, sizeof(x));
    x[LS_BASE] = v->req->base;
    x[LS_COUNT] = sfmt(&v->page, "%zu", lv.list.matched);
    x[LS_TOTAL] = sfmt(&v->page, "%zu", lv.list.total);
    x[LS_NEW_COUNT] = fresh ? sfmt(&v->page, "%zu", fresh) : cstr("");
    x[LS_NEW_PLURAL] = flag(fresh > 1);
    x[LS_Q] = cstr(lv.f.search);
    x[LS_QUERY] = (lead_str) { query.data ? query.data : "", query.len };
    x[LS_NONE] = flag(lv.list.matched == 0);
    x[LS_PREV] = (lead_str) { prev.data ? prev.data : "", prev.len };
    x[LS_NEXT] = (lead_str) { next.data ? next.data : "", next.len };
    x[LS_PAGE] = sfmt(&v->page, "%zu", page);
    x[LS_PAGES] = sfmt(&v->page, "%zu", pages);

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_LEADS], x, leads_item, &lv, &body);
    layout(v, "Leads", T_LEADS, &body);

    lead_buf_free(&query);
    lead_buf_free(&prev);
    lead_buf_free(&next);
    lead_list_free(&lv.list);
}

static void
leads_export(view *v, int csv)
{
    lead_filter  f;
    lead_list    list;
    size_t       page;

    v->resp->type = csv ? "text/csv; charset=utf-8"
                        : "application/json";
    if (!read_filters(v, &f, &page)) {
        return;
    }
    if (lead_query_leads(v->s, v->r, v->req->now_ms, &f, &list) != LEAD_OK) {
        store_failed(v);
        return;
    }
    if (csv) {
        v->resp->disposition = "attachment; filename=\"leads.csv\"";
        lead_report_leads_csv(&v->resp->body, v->r, &list);
    } else {
        lead_report_leads_json(&v->resp->body, v->r, &list);
    }
    lead_list_free(&list);
}

/* ---- one lead ---------------------------------------------------------- */

typedef struct {
    view          *v;
    lead_detail    d;
} lead_view;

static int
lead_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    lead_view                *lv = arg;
    view                     *v = lv->v;
    const lead_detail        *d = &lv->d;
    scratch                  *s = &v->item;
    uint64_t                  now = v->req->now_ms;
    const lead_contribution  *k;
    const lead_transition    *t;
    const lead_read          *rd;

    s->used = 0;
    switch (list) {
    case D_TOPICS:
        if (i >= d->score.ntopics) {
            return 0;
        }
        x[D_TOPIC] = cstr(d->score.topics[i].topic);
        x[D_TOPIC_SCORE] = sfmt(s, "%.0f", d->score.topics[i].engagement);
        return 1;

    case D_HOT:
        if (i >= d->score.nhot) {
            return 0;
        }
        k = &d->score.hot[i];
        x[D_HOT_FLAG] = flag(k->hot);
        x[D_TITLE] = d->hot_titles[i];
        x[D_STAGE] = cstr(k->stage);
        x[D_DEPTH] = sfmt(s, "%.0f", k->depth * 100);
        x[D_READS] = sfmt(s, "%u time%s", k->reads, k->reads == 1 ? "" : "s");
        x[D_LAST_ISO] = iso(s, k->last_ms);
        x[D_LAST_AGO] = ago(s, now, k->last_ms);
        return 1;

    case D_WHY:
        if (i >= d->score.nwhy) {
            return 0;
        }
        k = &d->score.why[i];
        x[D_POINTS] = sfmt(s, "%+.1f", k->score);
        x[D_TITLE] = d->why_titles[i];
        x[D_DETAIL] = k->group_bonus
                      ? sfmt(s, "read enough of the group to be warm, %s",
                             ago(s, now, k->last_ms).data)
                      : sfmt(s, "%s, read %.0f%%, %u time%s, last %s",
                             k->stage, k->depth * 100, k->reads,
                             k->reads == 1 ? "" : "s",
                             ago(s, now, k->last_ms).data);
        return 1;

    case D_HISTORY:
        if (i >= d->nhistory) {
            return 0;
        }
        t = &d->history[i];
        x[D_WHEN_ISO] = iso(s, t->time_ms);
        x[D_WHEN] = ago(s, now, t->time_ms);
        x[D_FROM] = cstr(lead_status_name(t->from));
        x[D_TO] = cstr(lead_status_name(t->to));
        x[D_CAUSE] = t->cause;
        x[D_WHO] = t->who;
        x[D_WHY_REASON] = t->reason;
        return 1;

    case D_TIMELINE:
        /* the newest first: sales read from the top */
        if (i >= d->nreads) {
            return 0;
        }
        rd = &d->reads[d->nreads - 1 - i];
        x[D_WHEN_ISO] = iso(s, rd->ev.time_ms);
        x[D_WHEN] = ago(s, now, rd->ev.time_ms);
        x[D_TITLE] = rd->title;
        x[D_PATH] = rd->ev.path;
        x[D_BEFORE] = flag(rd->before_identified);
        x[D_BOT] = flag(rd->ev.ua_class == LEAD_UA_BOT);
        x[D_STAGE] = rd->ev.stage;
        x[D_POINTS] = rd->ev.asset_id ? sfmt(s, "%+d", (int) rd->ev.points)
                                      : cstr("");
        x[D_DEPTH] = rd->ev.file_size
                     ? sfmt(s, "%.0f%%", 100.0 * (double) rd->ev.bytes_sent
                                         / (double) rd->ev.file_size)
                     : cstr("");
        x[D_REFERRER] = rd->ev.referrer_host;
        x[D_CAMPAIGN] = rd->ev.utm_campaign;
        x[D_COUNTRY] = rd->ev.country;
        return 1;

    case D_DEVICES:
        if (i >= d->ndevices) {
            return 0;
        }
        x[D_VISITOR] = hex_id(s, d->devices[i].visitor);
        x[D_SINCE_ISO] = iso(s, d->devices[i].since_ms);
        x[D_SINCE] = ago(s, now, d->devices[i].since_ms);
        return 1;
    }
    return 0;
}

static const struct {
    const char  *done;
    const char  *notice;
} notices[] = {
    { "sal", "Accepted: the lead is sales accepted (SAL) now." },
    { "sql", "Qualified: the lead is sales qualified (SQL) now." },
    { "won", "Won: well done." },
    { "nurture", "Sent back to marketing (nurture) with your reason." },
};

/* The lead page; status and error explain a refused action. */
static void
lead_page(view *v, const char *hex, int status, const char *error,
    const char *reason)
{
    lead_view        lv;
    lead_str         x[D_NVALUES];
    lead_buf         body;
    const lead_row  *row;
    char             token[LEAD_TOKEN_LEN], done[16], countries[32];
    size_t           i, len, n = 0;
    int              st;

    memset(&lv, 0, sizeof(lv));
    lv.v = v;

    st = lead_query_lead(v->s, v->r, hex, LEAD_ID_HEX_LEN, v->req->now_ms,
                         &lv.d);
    if (st == LEAD_ENOTFOUND) {
        fail(v, 404, "No such lead", "There is no lead %s (it may have "
             "been erased).", hex);
        return;
    }
    if (st != LEAD_OK) {
        store_failed(v);
        return;
    }
    row = &lv.d.row;

    lead_sales_token(v->req->secret, v->req->secret_len, v->req->browser,
                     v->req->user.data, v->req->user.len, token);

    memset(x, 0, sizeof(x));
    x[D_BASE] = v->req->base;
    x[D_ID] = sfmt(&v->page, "%s", hex);
    x[D_NAME] = row->name;
    x[D_EMAIL] = row->email;
    x[D_COMPANY] = row->company;
    x[D_BAND] = sfmt(&v->page, "%d", row->band);
    x[D_GRADE] = sfmt(&v->page, "%c", row->grade);
    x[D_CELL] = sfmt(&v->page, "%c%d", row->grade, row->band);
    x[D_SCORE] = sfmt(&v->page, "%.0f", row->engagement);
    sparkline(&v->page, lv.d.trend, &x[D_SPARK], &x[D_TREND_LABEL]);
    x[D_STATUS] = cstr(lead_status_name(row->status));
    x[D_STATUS_ISO] = iso(&v->page, row->status_ms);
    x[D_STATUS_AGO] = ago(&v->page, v->req->now_ms, row->status_ms);
    x[D_STAGE] = stage_of(v->r, row->stage_index);
    x[D_HAS_TOPICS] = flag(lv.d.score.ntopics > 0);
    x[D_SUBSCRIBED] = row->subscribed
                      ? sfmt(&v->page, "yes%s%s%s",
                             row->topics.len ? " (" : "",
                             row->topics.data ? row->topics.data : "",
                             row->topics.len ? ")" : "")
                      : cstr("no");
    x[D_CONTACT] = cstr(row->contact ? "yes" : "no");
    for (i = 0; i < lv.d.score.ncountries; i++) {
        n += (size_t) snprintf(countries + n, sizeof(countries) - n, "%s%s",
                               i ? ", " : "", lv.d.score.countries[i]);
    }
    x[D_COUNTRIES] = n ? sfmt(&v->page, "%s", countries) : cstr("unknown");
    x[D_IDENTIFIED_ISO] = iso(&v->page, row->created_ms);
    x[D_IDENTIFIED_AGO] = ago(&v->page, v->req->now_ms, row->created_ms);
    x[D_FIRST_ISO] = iso(&v->page, row->first_ms);
    x[D_FIRST_AGO] = ago(&v->page, v->req->now_ms, row->first_ms);
    x[D_HAS_HOT] = flag(lv.d.score.nhot > 0);

    x[D_CAN_ACCEPT] = flag(lead_status_allowed(row->status,
                                               LEAD_STATUS_SAL));
    x[D_CAN_QUALIFY] = flag(lead_status_allowed(row->status,
                                                LEAD_STATUS_SQL));
    x[D_CAN_WIN] = flag(lead_status_allowed(row->status, LEAD_STATUS_WON));
    x[D_CAN_REJECT] = flag(lead_status_allowed(row->status,
                                               LEAD_STATUS_NURTURE));
    x[D_CAN_ACT] = flag(x[D_CAN_ACCEPT].len || x[D_CAN_QUALIFY].len
                        || x[D_CAN_WIN].len || x[D_CAN_REJECT].len);
    x[D_TOKEN] = sfmt(&v->page, "%.*s", LEAD_TOKEN_LEN, token);
    x[D_REASON] = reason ? cstr(reason) : cstr("");
    x[D_ERROR] = error ? cstr(error) : cstr("");

    if (arg(v->req->query, "done", done, sizeof(done), &len) > 0) {
        for (i = 0; i < sizeof(notices) / sizeof(notices[0]); i++) {
            if (strcmp(done, notices[i].done) == 0) {
                x[D_NOTICE] = cstr(notices[i].notice);
            }
        }
    }

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_LEAD], x, lead_item, &lv, &body);
    v->resp->status = status;
    layout(v, row->name.len ? row->name.data : "Lead", T_LEAD, &body);
    lead_detail_free(&lv.d);
}

static void
lead_json(view *v, const char *hex)
{
    lead_detail  d;
    int          rc;

    v->resp->type = "application/json";
    rc = lead_query_lead(v->s, v->r, hex, LEAD_ID_HEX_LEN, v->req->now_ms,
                         &d);
    if (rc == LEAD_ENOTFOUND) {
        fail(v, 404, "No such lead", "no lead %s", hex);
        return;
    }
    if (rc != LEAD_OK) {
        store_failed(v);
        return;
    }
    lead_report_lead_json(&v->resp->body, v->r, &d);
    lead_detail_free(&d);
}

/* A reason as people type it: trimmed, valid UTF-8, no control bytes. */
static int
clean_reason(const char *in, size_t len, char *out, size_t size)
{
    size_t  i, k;

    while (len && isspace((unsigned char) in[0])) {
        in++;
        len--;
    }
    while (len && isspace((unsigned char) in[len - 1])) {
        len--;
    }
    if (len >= size) {
        return -1;
    }
    for (i = 0; i < len; i += k) {
        k = lead_utf8_len((const unsigned char *) in + i, len - i);
        if (k == 0 || (k == 1 && ((unsigned char) in[i] < 0x20
                                  || in[i] == 0x7f)))
        {
            return -1;
        }
    }
    memcpy(out, in, len);
    out[len] = '\0';
    return (int) len;
}

/* POST lead/ID: a sales decision, checked, then recorded with who made it. */
static void
lead_action(view *v, const char *hex)
{
    const lead_sales_request  *req = v->req;
    lead_str                   body = req->body;
    char                       token[LEAD_TOKEN_LEN + 1], to_name[16];
    char                       raw[LEAD_REASON_MAX * 2], reason[LEAD_REASON_MAX];
    char                       who[LEAD_WHO_MAX], msg[256];
    uint8_t                    id[LEAD_ID_LEN];
    uint64_t                   since;
    size_t                     len, wlen, k;
    int                        to, from, rc;

    if (body.len > LEAD_FORM_BODY_MAX) {
        fail(v, 413, "Too much", "That form is larger than %d bytes.",
             LEAD_FORM_BODY_MAX);
        return;
    }

    /* the token ties the post to this browser and user: no cross-site post */
    if (!req->browser_known
        || arg(body, "token", token, sizeof(token), &len) <= 0
        || lead_sales_token_verify(req->secret, req->secret_len,
                                   req->browser, req->user.data,
                                   req->user.len, token, len)
           != LEAD_OK)
    {
        fail(v, 403, "Not sent from this page",
             "This action did not come from a sales view page opened in "
             "this browser (or the page is too old). Nothing was changed: "
             "open the lead again and retry.");
        return;
    }

    to = arg(body, "status", to_name, sizeof(to_name), &len) > 0
         ? lead_status_parse(to_name, len) : -1;
    if (to != LEAD_STATUS_SAL && to != LEAD_STATUS_SQL
        && to != LEAD_STATUS_WON && to != LEAD_STATUS_NURTURE)
    {
        fail(v, 400, "Unknown action",
             "Sales set sal, sql, won or nurture. Nothing was changed.");
        return;
    }

    reason[0] = '\0';
    rc = arg(body, "reason", raw, sizeof(raw), &len);
    if (rc < 0 || (rc > 0 && clean_reason(raw, len, reason, sizeof(reason))
                             < 0))
    {
        lead_page(v, hex, 422, "The reason must be plain text of at most "
                  "500 bytes. Nothing was changed.", NULL);
        return;
    }
    if (to == LEAD_STATUS_NURTURE && reason[0] == '\0') {
        lead_page(v, hex, 422, "Say why the lead goes back to marketing: "
                  "a reason is required. Nothing was changed.", NULL);
        return;
    }
    if (to != LEAD_STATUS_NURTURE) {
        reason[0] = '\0';
    }

    if (lead_id_from_hex(hex, LEAD_ID_HEX_LEN, id) != LEAD_OK) {
        fail(v, 404, "No such lead", "There is no lead %s.", hex);
        return;
    }
    rc = lead_store_get_status(v->s, id, &from, &since);
    if (rc == LEAD_ENOTFOUND) {
        from = LEAD_STATUS_IDENTIFIED;
    } else if (rc != LEAD_OK) {
        store_failed(v);
        return;
    }

    /* who made it, as nginx authenticated them; cut on a character */
    wlen = req->user.len < sizeof(who) - 1 ? req->user.len : sizeof(who) - 1;
    for (k = 0; k < wlen; k += len) {
        len = lead_utf8_len((const unsigned char *) req->user.data + k,
                            wlen - k);
        if (len == 0) {
            break;
        }
    }
    if (k) {
        memcpy(who, req->user.data, k);
    }
    who[k] = '\0';
    wlen = k;

    rc = lead_store_set_status(v->s, id, to, req->now_ms, "sales view",
                               wlen ? who : "(not signed in)", reason);
    if (rc == LEAD_EINVAL) {
        snprintf(msg, sizeof(msg), "This lead is %s now, so it cannot go to "
                 "%s (someone may have acted on it first). Nothing was "
                 "changed.", lead_status_name(from), lead_status_name(to));
        lead_page(v, hex, 409, msg, reason);
        return;
    }
    if (rc == LEAD_ENOTFOUND) {
        fail(v, 404, "No such lead", "There is no lead %s.", hex);
        return;
    }
    if (rc != LEAD_OK) {
        store_failed(v);
        return;
    }

    /* after a post, a redirect: a reload does not post again */
    v->resp->status = 303;
    lead_buf_free(&v->resp->location);
    lead_buf_put(&v->resp->location, req->base.data, req->base.len);
    lead_buf_printf(&v->resp->location, "lead/%s?done=%s", hex,
                    lead_status_name(to));
}

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
} funnel_view;

static lead_str
pct(scratch *s, uint64_t n, uint64_t max)
{
    return sfmt(s, "%.1f", max ? 100.0 * (double) n / (double) max : 0.0);
}

static int
funnel_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    funnel_view               *fv = arg;
    scratch                   *s = &fv->v->item;
    const lead_scoring        *sc = lead_rules_scoring(fv->v->r);
    const lead_funnel_status  *st;
    const lead_asset_stats    *a;
    char                       dur[32];
    int                        status;

    s->used = 0;
    switch (list) {
    case F_STATUSES:
        status = LEAD_STATUS_IDENTIFIED + (int) i;
        if (status >= LEAD_NSTATUSES) {
            return 0;
        }
        st = &fv->f.status[status];
        x[F_STATUS] = cstr(lead_status_name(status));
        x[F_NOW] = sfmt(s, "%" PRIu64, st->now);
        x[F_EVER] = sfmt(s, "%" PRIu64, st->ever);
        x[F_NOW_PCT] = pct(s, st->now, fv->max_ever);
        x[F_EVER_PCT] = pct(s, st->ever, fv->max_ever);
        lead_format_duration(st->median_ms, dur);
        x[F_MEDIAN] = st->ever ? sfmt(s, "%s", dur) : cstr("—");
        x[F_CONVERSION] = status < LEAD_STATUS_WON && st->ever
                          ? sfmt(s, "%.0f%% (%" PRIu64 ")",
                                 100.0 * (double) st->went_on
                                 / (double) st->ever, st->went_on)
                          : cstr("—");
        return 1;

    case F_STAGES:
        if (i > sc->nstages) {
            return 0;
        }
        x[F_STAGE] = i < sc->nstages ? cstr(sc->stages[i])
                                     : cstr("(none yet)");
        x[F_LEADS] = sfmt(s, "%" PRIu64,
                          fv->f.stage[i < sc->nstages ? i : LEAD_MAX_STAGES]);
        x[F_PCT] = pct(s, fv->f.stage[i < sc->nstages ? i : LEAD_MAX_STAGES],
                       fv->max_stage);
        return 1;

    default:
        if (i >= fv->nassets) {
            return 0;
        }
        a = &fv->assets.rows[fv->order[i].index];
        x[F_HOT] = flag(a->a.flags & LEAD_ASSET_HOT);
        x[F_TITLE] = cstr(a->a.title);
        x[F_PATH] = cstr(a->a.path);
        x[F_STAGE] = cstr(a->a.stage);
        x[F_READERS] = sfmt(s, "%" PRIu64, a->readers);
        x[F_IDENTIFIED] = sfmt(s, "%" PRIu64, a->before_identified);
        x[F_IDENTIFIED_PCT] = pct(s, a->before_identified,
                                  fv->max_identified);
        x[F_MQL] = sfmt(s, "%" PRIu64, a->before_mql);
        x[F_MQL_PCT] = pct(s, a->before_mql, fv->max_mql);
        x[F_ASSET_BOTS] = sfmt(s, "%" PRIu64, a->bots);
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

static void
funnel_page(view *v, int json)
{
    funnel_view    fv;
    lead_list      all;
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

    if (lead_query_leads(v->s, v->r, v->req->now_ms, NULL, &all) != LEAD_OK)
    {
        store_failed(v);
        return;
    }
    st = lead_query_funnel(v->s, &all, v->req->now_ms, &fv.f);
    lead_list_free(&all);
    if (st != LEAD_OK) {
        store_failed(v);
        return;
    }
    if (json) {
        lead_report_funnel_json(&v->resp->body, v->r, &fv.f);
        return;
    }
    if (lead_query_assets(v->s, 1, &fv.assets) != LEAD_OK) {
        store_failed(v);
        return;
    }

    fv.order = malloc((fv.assets.n ? fv.assets.n : 1) * sizeof(asset_rank));
    if (fv.order == NULL) {
        lead_asset_list_free(&fv.assets);
        fail(v, 500, "Out of memory", "The funnel did not fit in memory.");
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
    x[F_LEADS] = sfmt(&v->page, "%" PRIu64, fv.f.leads);
    x[F_BOTS] = sfmt(&v->page, "%" PRIu64, bots);

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_FUNNEL], x, funnel_item, &fv, &body);
    layout(v, "Funnel", T_FUNNEL, &body);

    free(fv.order);
    lead_asset_list_free(&fv.assets);
}

static void
assets_json(view *v)
{
    lead_asset_list  l;

    v->resp->type = "application/json";
    if (lead_query_assets(v->s, 1, &l) != LEAD_OK) {
        store_failed(v);
        return;
    }
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
        x[A_SCORE] = sfmt(s, "%.0f", a->engagement);
        return 1;
    }

    a = &av->acc[av->current];
    if (i >= a->count) {
        return 0;
    }
    s = &av->v->inner;
    s->used = 0;
    row = &av->list.rows[a->first + i];
    x[A_ID] = hex_id(s, row->id);
    x[A_NAME] = row->name;
    x[A_EMAIL] = row->email;
    x[A_SCORE] = sfmt(s, "%.0f", row->engagement);
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

static void
accounts_page(view *v, int json)
{
    accounts_view   av;
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
    rc = arg(v->req->query, "q", value, sizeof(value), &len);
    if (rc < 0 || len > LEAD_EMAIL_MAX) {
        fail(v, 400, "Cannot show that", "The search is too long.");
        return;
    }
    for (i = 0; rc > 0 && i <= len; i++) {
        q[i] = (char) tolower((unsigned char) value[i]);
    }
    rc = arg(v->req->query, "page", value, sizeof(value), &len);
    if (rc > 0) {
        page = strtoul(value, &end, 10);
        if (len == 0 || *end != '\0' || page < 1 || page > MAX_PAGE
            || !isdigit((unsigned char) value[0]))
        {
            fail(v, 400, "Cannot show that",
                 "\"page\" is a number from 1 to %d.", MAX_PAGE);
            return;
        }
    }

    if (lead_query_leads(v->s, v->r, v->req->now_ms, NULL, &av.list)
        != LEAD_OK)
    {
        store_failed(v);
        return;
    }
    if (lead_query_accounts(&av.list, &av.acc, &av.n) != LEAD_OK) {
        lead_list_free(&av.list);
        fail(v, 500, "Out of memory", "The accounts did not fit in memory.");
        return;
    }

    for (i = 0, k = 0; i < av.n; i++) {
        if (account_matches(&av, &av.acc[i], q)) {
            av.acc[k++] = av.acc[i];
        }
    }
    av.n = k;

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
        url_encode(&prev, q);
        lead_buf_printf(&prev, "&page=%zu", page - 1);
    }
    if (page < pages) {
        lead_buf_puts(&next, "accounts?q=");
        url_encode(&next, q);
        lead_buf_printf(&next, "&page=%zu", page + 1);
    }

    memset(x, 0, sizeof(x));
    x[A_BASE] = v->req->base;
    x[A_Q] = cstr(q);
    x[A_COUNT] = sfmt(&v->page, "%zu", av.n);
    x[A_PLURAL] = flag(av.n != 1);
    x[A_NONE] = flag(av.n == 0);
    x[A_PREV] = (lead_str) { prev.data ? prev.data : "", prev.len };
    x[A_NEXT] = (lead_str) { next.data ? next.data : "", next.len };
    x[A_PAGE] = sfmt(&v->page, "%zu", page);
    x[A_PAGES] = sfmt(&v->page, "%zu", pages);

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_ACCOUNTS], x, accounts_item, &av,
                         &body);
    layout(v, "Accounts", T_ACCOUNTS, &body);
    lead_buf_free(&prev);
    lead_buf_free(&next);

done:
    free(av.acc);
    lead_list_free(&av.list);
}

/* ---- routing ----------------------------------------------------------- */

/* The style sheet, script and icon, served as they are. */
static const lead_embedded *
asset_file(lead_str path, const char **type)
{
    static const struct {
        const char  *name, *type;
    } files[] = {
        { "sales.css", "text/css; charset=utf-8" },
        { "sales.js", "text/javascript; charset=utf-8" },
        { "favicon.svg", "image/svg+xml" },
    };
    size_t  i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (path.len == strlen(files[i].name)
            && memcmp(path.data, files[i].name, path.len) == 0)
        {
            *type = files[i].type;
            return embedded(files[i].name);
        }
    }
    return NULL;
}

static int
is_lead_id(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!isxdigit((unsigned char) p[i])) {
            return 0;
        }
    }
    return len == LEAD_ID_HEX_LEN;
}

static int
path_is(lead_str path, const char *name)
{
    return path.len == strlen(name) && memcmp(path.data, name, path.len) == 0;
}

void
lead_sales_serve(const lead_sales *app, lead_store *s, const lead_rules *r,
    const lead_sales_request *req, lead_sales_response *resp)
{
    view                  v;
    lead_str              p = req->path;
    const lead_embedded  *file;
    char                  hex[LEAD_ID_HEX_LEN + 1];

    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
    resp->type = "text/html; charset=utf-8";

    memset(&v, 0, sizeof(v));
    v.app = app;
    v.s = s;
    v.r = r;
    v.req = req;
    v.resp = resp;

    /* lead/ID, lead/ID.json */
    if (p.len >= 5 + LEAD_ID_HEX_LEN && memcmp(p.data, "lead/", 5) == 0
        && is_lead_id(p.data + 5, LEAD_ID_HEX_LEN)
        && (p.len == 5 + LEAD_ID_HEX_LEN
            || (p.len == 5 + LEAD_ID_HEX_LEN + 5
                && memcmp(p.data + 5 + LEAD_ID_HEX_LEN, ".json", 5) == 0)))
    {
        size_t  i;

        for (i = 0; i < LEAD_ID_HEX_LEN; i++) {
            hex[i] = (char) tolower((unsigned char) p.data[5 + i]);
        }
        hex[LEAD_ID_HEX_LEN] = '\0';

        if (p.len > 5 + LEAD_ID_HEX_LEN) {
            if (req->post) {
                goto not_allowed;
            }
            lead_json(&v, hex);
        } else if (req->post) {
            lead_action(&v, hex);
        } else {
            lead_page(&v, hex, 200, NULL, NULL);
        }
        return;
    }

    if (req->post) {
        goto not_allowed;
    }

    if (path_is(p, "")) {
        leads_page(&v);
    } else if (path_is(p, "leads.json")) {
        leads_export(&v, 0);
    } else if (path_is(p, "leads.csv")) {
        leads_export(&v, 1);
    } else if (path_is(p, "funnel")) {
        funnel_page(&v, 0);
    } else if (path_is(p, "funnel.json")) {
        funnel_page(&v, 1);
    } else if (path_is(p, "accounts")) {
        accounts_page(&v, 0);
    } else if (path_is(p, "accounts.json")) {
        accounts_page(&v, 1);
    } else if (path_is(p, "assets.json")) {
        assets_json(&v);
    } else if ((file = asset_file(p, &resp->type)) != NULL) {
        resp->cacheable = 1;
        lead_buf_put(&resp->body, (const char *) file->data, file->len);
    } else {
        fail(&v, 404, "Not found", "The sales view has no page here.");
    }
    return;

not_allowed:
    fail(&v, 405, "Not allowed", "Only a lead's page takes a POST.");
}
