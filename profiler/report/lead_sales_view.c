/*
 * What every page of the sales view uses: values formatted for a
 * template, a query's arguments, and the layout and error pages.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

#define DAY_MS  ((uint64_t) 86400000)

/* ---- values: formatted text that lives until its item is rendered ------ */

lead_str
lead_sales_fmt(scratch *s, const char *fmt, ...)
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

lead_str
lead_sales_count(scratch *s, uint64_t n)
{
    char  buf[32];

    return lead_sales_fmt(s, "%s", lead_format_count(n, buf));
}

lead_str
lead_sales_iso(scratch *s, uint64_t ms)
{
    char  when[LEAD_TIME_LEN];

    lead_format_time(ms, when);
    return lead_sales_fmt(s, "%s", when);
}

/* "just now", "5 min ago", "2 h ago", "3 days ago", or the date */
lead_str
lead_sales_ago(scratch *s, uint64_t now_ms, uint64_t ms)
{
    uint64_t  d = now_ms > ms ? now_ms - ms : 0;
    char      when[LEAD_TIME_LEN];

    if (ms == 0) {
        return cstr("never");
    }
    if (ms > now_ms || d >= 60 * DAY_MS) {
        lead_format_time(ms, when);
        return lead_sales_fmt(s, "%.10s", when);
    }
    if (d < 60000) {
        return cstr("just now");
    }
    if (d < 3600000) {
        return lead_sales_fmt(s, "%" PRIu64 " min ago", d / 60000);
    }
    if (d < 2 * DAY_MS) {
        return lead_sales_fmt(s, "%" PRIu64 " h ago", d / 3600000);
    }
    return lead_sales_fmt(s, "%" PRIu64 " days ago", d / DAY_MS);
}

lead_str
lead_sales_hex_id(scratch *s, const uint8_t id[LEAD_ID_LEN])
{
    char  hex[LEAD_ID_HEX_LEN];

    lead_id_to_hex(id, hex);
    return lead_sales_fmt(s, "%.*s", LEAD_ID_HEX_LEN, hex);
}

lead_str
lead_sales_stage(const lead_rules *r, int i)
{
    return i >= 0 ? cstr(lead_rules_scoring(r)->stages[i]) : cstr("—");
}

/* The polyline of a 30-day trend in a 58x16 box, and words for it. */
void
lead_sales_sparkline(scratch *s, const double trend[LEAD_TREND_DAYS],
    lead_str *points, lead_str *label)
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
    *points = lead_sales_fmt(s, "%s", buf);
    *label = lead_sales_fmt(s, "score 30 days ago %.0f, now %.0f",
                            trend[0], trend[LEAD_TREND_DAYS - 1]);
}

/* ---- requests ---------------------------------------------------------- */

/* The next key=value of a query or form body, decoded into buf: a
   post's longest (a note) fits. */
typedef struct {
    const char  *p, *end;
    char         buf[LEAD_SALES_BODY_MAX];
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
int
lead_sales_arg(lead_str query, const char *name, char *out, size_t size,
    size_t *len)
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

/* Percent-encodes all but the unreserved characters (RFC 3986). */
void
lead_sales_url_encode(lead_buf *out, const char *s)
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

/* ---- responses --------------------------------------------------------- */

void
lead_sales_layout(view *v, const char *title, int nav, lead_buf *body)
{
    lead_str  l[L_COUNT];

    memset(l, 0, sizeof(l));
    l[L_BASE] = v->req->base;
    l[L_TITLE] = cstr(title);
    l[L_USER] = v->req->user;
    l[L_NOW] = lead_sales_iso(&v->page, v->req->now_ms);
    l[L_NAV_LEADS] = flag(nav == T_LEADS || nav == T_LEAD);
    l[L_NAV_FUNNEL] = flag(nav == T_FUNNEL);
    l[L_NAV_ACCOUNTS] = flag(nav == T_ACCOUNTS);
    l[L_NAV_NOTICES] = flag(nav == T_NOTICES);
    l[L_NAV_ATTRIBUTION] = flag(nav == T_ATTRIBUTION);
    l[L_BODY].data = body->data ? body->data : "";
    l[L_BODY].len = body->len;

    if (body->oom) {
        v->resp->body.oom = 1;
    }
    lead_tmpl_render_buf(v->app->tmpl[T_LAYOUT], l, NULL, NULL,
                         &v->resp->body);
    lead_buf_free(body);
}

void
lead_sales_fail(view *v, int status, const char *heading, const char *fmt,
    ...)
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
    lead_sales_layout(v, heading, -1, &body);
}

void
lead_sales_store_failed(view *v)
{
    lead_sales_fail(v, 503, "The store cannot answer",
                    "The lead store cannot answer right now (%s). Nothing "
                    "was changed; try again in a moment.",
                    lead_store_errmsg(v->s));
}

