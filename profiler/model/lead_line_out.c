/*
 * Lines out: an event, identity, status change, erasure, signal or rating as one
 * JSON object on one line, or as one CSV row of the same fields.
 *
 * Every kind writes its keys in the order of the line format (docs/
 * design.md, "Lines"), empty, zero and false fields left out.  Strings go
 * through lead_buf_json, after bytes that are not UTF-8 (and NUL) are
 * made U+FFFD, so a JSON parser takes every line, whatever it holds.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_model.h"

#define F(name)  LEAD_LINE_F_##name
#define F_END    (-1)
#define NFIELDS  LEAD_LINE_NFIELDS
#define KEY_MAX  24             /* ',"utm_campaign":', the longest, 16 */

/* what a field holds: nothing, text to escape, text made here that needs
   no escaping (hex, times, names), or JSON as it is */
enum { V_NONE, V_TEXT, V_PLAIN, V_RAW };

/* each field's key as JSON writes it after another field, and its
   length, from the fields' own list: no name copied a byte at a time */
static const struct {
    char    text[KEY_MAX];
    size_t  len;
} keys[NFIELDS] = {
#define LINE_KEY(id, name)  { ",\"" name "\":", sizeof(name) + 3 },
    LEAD_LINE_FIELDS(LINE_KEY)
#undef LINE_KEY
};

typedef struct {
    lead_str  s;
    char      tmp[LEAD_MAX_RANGES * 48 + 64];
} line_value;

static const char  hexd[] = "0123456789abcdef";

static int
nonzero(const uint8_t id[LEAD_ID_LEN])
{
    static const uint8_t  zero[LEAD_ID_LEN];

    return memcmp(id, zero, LEAD_ID_LEN) != 0;
}

/* The share of the file one read covered, as the scorer counts it. */
static double
read_depth(const lead_event *ev)
{
    lead_range  r[LEAD_MAX_RANGES], t;
    uint64_t    covered = 0, end, last = 0;
    unsigned    i, j, n = 0;
    int         any = 0;

    if (ev->status == 200
        && (ev->file_size == 0 || ev->bytes_sent >= ev->file_size))
    {
        return 1.0;
    }
    if (ev->status == 200 && ev->bytes_sent > 0) {
        r[n].start = 0;
        r[n++].end = ev->bytes_sent - 1;
    }
    for (i = 0; i < ev->nranges && i < LEAD_MAX_RANGES && n < LEAD_MAX_RANGES;
         i++)
    {
        if (ev->ranges[i].end < ev->ranges[i].start) {
            continue;
        }
        end = ev->ranges[i].end;
        if (ev->nranges == 1 && ev->bytes_sent > 0
            && end - ev->ranges[i].start + 1 > ev->bytes_sent)
        {
            end = ev->ranges[i].start + ev->bytes_sent - 1;
        }
        r[n].start = ev->ranges[i].start;
        r[n++].end = end;
    }

    /* the union of the ranges, sorted by start */
    for (i = 1; i < n; i++) {
        for (j = i; j > 0 && r[j - 1].start > r[j].start; j--) {
            t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    }
    for (i = 0; i < n; i++) {
        uint64_t  start = r[i].start;

        if (any && start <= last) {
            if (r[i].end <= last) {
                continue;
            }
            start = last + 1;
        }
        covered += r[i].end - start + 1;
        last = r[i].end;
        any = 1;
    }

    return covered >= ev->file_size
           ? 1.0 : (double) covered / (double) ev->file_size;
}

static int
text(line_value *v, lead_str s)
{
    v->s = s;
    return s.len ? V_TEXT : V_NONE;
}

/* text this file made, or a name of its own: nothing in it to escape */
static int
plain(line_value *v, const char *s, size_t len)
{
    v->s.data = s;
    v->s.len = len;
    return V_PLAIN;
}

static int
raw(line_value *v, int n)
{
    v->s.data = v->tmp;
    v->s.len = n > 0 && (size_t) n < sizeof(v->tmp) ? (size_t) n : 0;
    return v->s.len ? V_RAW : V_NONE;
}

/* v in decimal at p, no NUL: its length (snprintf was a fifth of export) */
static size_t
dec(char *p, uint64_t v)
{
    char    d[20];
    size_t  n = 0, i;

    do {
        d[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++) {
        p[i] = d[n - 1 - i];
    }
    return n;
}

static int
number(line_value *v, uint64_t n)
{
    return raw(v, (int) dec(v->tmp, n));
}

static int
hex(line_value *v, const uint8_t id[LEAD_ID_LEN])
{
    if (!nonzero(id)) {
        return V_NONE;
    }
    lead_id_to_hex(id, v->tmp);
    return plain(v, v->tmp, LEAD_ID_HEX_LEN);
}

static int
time_text(line_value *v, uint64_t ms)
{
    lead_format_time(ms, v->tmp);
    return plain(v, v->tmp, strlen(v->tmp));
}

static int
flag(line_value *v, int on, int csv)
{
    if (!on) {
        return V_NONE;
    }
    v->s.data = csv ? "1" : "true";
    v->s.len = csv ? 1 : 4;
    return V_RAW;
}

/*
 * d (0 <= d < 1) as printf's "%.3f" writes it, a tie rounded to even as
 * printf rounds, without printf (a reread read's line spent a fifth of
 * itself in snprintf): d is m 2^-s with m < 2^53, so m 1000 and its
 * rounding are exact in 64 bits.
 */
static int
thousandths(line_value *v, double d)
{
    uint64_t  m, k, rest, half;
    int       e, s;

    m = (uint64_t) ldexp(frexp(d, &e), 53) * 1000;
    s = 53 - e;
    k = 0;                      /* s >= 64: d 1000 < 2^63 2^-64, under a half */
    if (s < 64) {
        k = m >> s;
        rest = m & ((UINT64_C(1) << s) - 1);
        half = UINT64_C(1) << (s - 1);
        k += rest > half || (rest == half && (k & 1));
    }
    v->tmp[0] = (char) ('0' + k / 1000);
    v->tmp[1] = '.';
    v->tmp[2] = (char) ('0' + k / 100 % 10);
    v->tmp[3] = (char) ('0' + k / 10 % 10);
    v->tmp[4] = (char) ('0' + k % 10);
    return raw(v, 5);
}

static int
ranges(line_value *v, const lead_event *ev, int csv)
{
    size_t    n = 0;
    unsigned  i;

    if (ev->nranges == 0) {
        return V_NONE;
    }
    if (!csv) {
        v->tmp[n++] = '[';
    }
    for (i = 0; i < ev->nranges && i < LEAD_MAX_RANGES; i++) {
        n += (size_t) snprintf(v->tmp + n, sizeof(v->tmp) - n,
                               csv ? "%s%" PRIu64 "-%" PRIu64
                                   : "%s[%" PRIu64 ",%" PRIu64 "]",
                               i ? (csv ? " " : ",") : "",
                               ev->ranges[i].start, ev->ranges[i].end);
    }
    if (!csv) {
        v->tmp[n++] = ']';
    }
    v->tmp[n] = '\0';
    return raw(v, (int) n);
}

static int
flags(line_value *v, unsigned f)
{
    size_t  n = 0;

    /* "hot open gated", those set, one space apart */
    if (f & LEAD_ASSET_HOT) {
        memcpy(v->tmp, "hot", 3);
        n = 3;
    }
    if (f & LEAD_ASSET_OPEN) {
        memcpy(v->tmp + n, n ? " open" : "open", n ? 5 : 4);
        n += n ? 5 : 4;
    }
    if (f & LEAD_ASSET_GATED) {
        memcpy(v->tmp + n, n ? " gated" : "gated", n ? 6 : 5);
        n += n ? 6 : 5;
    }
    return n ? plain(v, v->tmp, n) : V_NONE;
}

/* Field f of l in v: V_NONE when the line leaves it out. */
static int
field(const lead_line *l, int f, int csv, line_value *v)
{
    const lead_event  *ev = &l->ev;
    const char        *name;
    int                is_read = l->kind == LEAD_LINE_READ;
    int                is_rate = l->kind == LEAD_LINE_RATE;
    double             depth;
    unsigned           i, byte;

    switch (f) {
    case F(ID):
        if (l->id.len || !(is_read || is_rate) || !nonzero(ev->id)) {
            return text(v, l->id);
        }
        lead_id_to_hex(ev->id, v->tmp);
        memcpy(v->tmp + LEAD_ID_HEX_LEN, is_rate ? "-v" : "-r", 3);
        return plain(v, v->tmp, LEAD_ID_HEX_LEN + 2);
    case F(TIME):
        return time_text(v, ev->time_ms);
    case F(NODE):
        return text(v, l->node);
    case F(KIND):
        name = lead_line_kind_name(l->kind);
        return plain(v, name, strlen(name));
    case F(VISITOR):
        return hex(v, ev->visitor);
    case F(PATH):
        return text(v, ev->path);
    case F(ASSET):
        if (ev->asset_id == 0) {
            return V_NONE;
        }
        for (i = 0; i < 8; i++) {
            byte = (unsigned) (ev->asset_id >> (56 - 8 * i)) & 0xff;
            v->tmp[2 * i] = hexd[byte >> 4];
            v->tmp[2 * i + 1] = hexd[byte & 15];
        }
        return plain(v, v->tmp, 16);
    case F(STAGE):
        return text(v, ev->stage);
    case F(TOPIC):
        return text(v, ev->topic);
    case F(GROUP):
        return text(v, ev->group);
    case F(FLAGS):
        return flags(v, ev->asset_flags);
    case F(POINTS):
        if (ev->points < 0) {
            v->tmp[0] = '-';
            return raw(v, (int) dec(v->tmp + 1,
                                    (uint64_t) -(int64_t) ev->points) + 1);
        }
        return ev->points ? number(v, (uint64_t) ev->points) : V_NONE;
    case F(STATUS):
        if (is_read) {
            return ev->status ? number(v, ev->status) : V_NONE;
        }
        name = lead_status_name(l->status);
        return plain(v, name, strlen(name));
    case F(BYTES):
        return ev->bytes_sent ? number(v, ev->bytes_sent) : V_NONE;
    case F(SIZE):
        return ev->file_size ? number(v, ev->file_size) : V_NONE;
    case F(RANGES):
        return ranges(v, ev, csv);
    case F(DEPTH):
        if (ev->file_size == 0) {
            return V_NONE;
        }
        depth = read_depth(ev);
        if (depth == 1.0) {                     /* most reads: the whole */
            memcpy(v->tmp, "1.000", 5);
            return raw(v, 5);
        }
        return thousandths(v, depth);
    case F(REFERRER):
        return text(v, ev->referrer_host);
    case F(UTM_SOURCE):
        return text(v, ev->utm_source);
    case F(UTM_MEDIUM):
        return text(v, ev->utm_medium);
    case F(UTM_CAMPAIGN):
        return text(v, ev->utm_campaign);
    case F(COUNTRY):
        return text(v, ev->country);
    case F(REGION):
        return text(v, ev->region);
    case F(CITY):
        return text(v, ev->city);
    case F(AGENT):
        if (ev->ua_class == LEAD_UA_UNKNOWN) {
            return V_NONE;
        }
        name = lead_ua_class_name(ev->ua_class);
        return plain(v, name, strlen(name));
    case F(BOT):
        return text(v, ev->agent);
    case F(LEAD):
        return hex(v, l->lead);
    case F(EMAIL):
        return text(v, l->email);
    case F(NAME):
        return text(v, l->name);
    case F(SUBSCRIBE):
        return flag(v, l->subscribe, csv);
    case F(CONTACT):
        return flag(v, l->contact, csv);
    case F(TOPICS):
        return text(v, l->topics);
    case F(SALES):
        return flag(v, l->sales, csv);
    case F(OWNER):
        return text(v, l->owner);
    case F(AMOUNT):
        if (l->deal.amount <= 0) {
            return V_NONE;
        }
        raw(v, snprintf(v->tmp, sizeof(v->tmp), "%" PRId64 ".%02d",
                        l->deal.amount / 100, (int) (l->deal.amount % 100)));
        return v->s.len ? V_PLAIN : V_NONE;
    case F(CURRENCY):
        v->s.data = l->deal.currency;
        v->s.len = strnlen(l->deal.currency, sizeof(l->deal.currency));
        return v->s.len ? V_TEXT : V_NONE;
    case F(CLOSED):
        return l->deal.closed_ms ? time_text(v, l->deal.closed_ms) : V_NONE;
    case F(CAUSE):
        return text(v, l->cause);
    case F(WHO):
        return text(v, l->who);
    case F(REASON):
        return text(v, l->reason);
    case F(SIGNAL):
        return text(v, l->signal);
    case F(RATING):
        return ev->rating ? number(v, ev->rating) : V_NONE;
    case F(COMMENT):
        return text(v, ev->comment);
    }
    return V_NONE;
}

/* 1 when s is UTF-8 with no NUL: it can go as it is */
static int
clean(const char *s, size_t len)
{
    size_t  i, n;

    for (i = 0; i < len; i += n) {
        n = (unsigned char) s[i] < 0x80
            ? 1 : lead_utf8_len((const unsigned char *) s + i, len - i);
        if (n == 0 || s[i] == '\0') {
            return 0;
        }
    }
    return 1;
}

/*
 * s as JSON or as a CSV field.  A value that looks as lead_buf_csv's
 * guard against formulas does ("'=...", "''=...") gets one more
 * apostrophe, as the reader (lead_line_csv.c) takes one off.
 */
static void
put_text(lead_buf *out, const char *s, size_t len, int csv)
{
    char    small[1024], *fixed;
    size_t  i, n, k = 0;
    int     guarded;

    for (i = 0; csv && i < len && s[i] == '\''; i++) {
        /* void */
    }
    guarded = i > 0 && i < len && memchr("=+-@\t\r", s[i], 6) != NULL;

    if (clean(s, len) && !guarded) {
        if (csv) {
            lead_buf_csv(out, s, len);
        } else {
            lead_buf_json(out, s, len);
        }
        return;
    }

    /* each byte at most U+FFFD's three */
    fixed = len < (sizeof(small) - 1) / 3 ? small : malloc(3 * len + 1);
    if (fixed == NULL) {
        out->oom = 1;
        return;
    }
    if (guarded) {
        fixed[k++] = '\'';
    }
    for (i = 0; i < len; i += n) {
        n = (unsigned char) s[i] < 0x80
            ? 1 : lead_utf8_len((const unsigned char *) s + i, len - i);
        if (n == 0 || s[i] == '\0') {
            memcpy(fixed + k, "\xef\xbf\xbd", 3);      /* U+FFFD */
            k += 3;
            n = 1;
        } else {
            memcpy(fixed + k, s + i, n);
            k += n;
        }
    }
    if (csv) {
        lead_buf_csv(out, fixed, k);
    } else {
        lead_buf_json(out, fixed, k);
    }
    if (fixed != small) {
        free(fixed);
    }
}

/*
 * A line is put together here and handed to out in one piece: a copy
 * and a length check a field rather than a few per byte.
 */
typedef struct {
    lead_buf  *out;
    size_t     n;
    char       b[4096];
} line_w;

static inline void
w_flush(line_w *w)
{
    lead_buf_put(w->out, w->b, w->n);
    w->n = 0;
}

/* room for need bytes at w->b + w->n, or 0 (more than the whole of b) */
static inline int
w_room(line_w *w, size_t need)
{
    if (w->n + need > sizeof(w->b)) {
        w_flush(w);
    }
    return need <= sizeof(w->b);
}

static inline void
w_put(line_w *w, const char *s, size_t len)
{
    if (w_room(w, len)) {
        memcpy(w->b + w->n, s, len);
        w->n += len;
    } else {
        lead_buf_put(w->out, s, len);
    }
}

/*
 * s as a JSON string, as put_text and lead_buf_json make it: bytes that
 * are not UTF-8, and NUL, become U+FFFD; '"', '\\', control characters,
 * DEL, '<', '>' and '&' are escaped.
 */
/* 1: a byte a JSON string holds as it is (ASCII, not escaped) */
static const uint8_t  json_plain[256] = {
    ['\x20'] = 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,    /* " & */
    ['0'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,        /* < > */
    ['@'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['P'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,        /* \\ */
    ['`'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['p'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,        /* DEL */
};

static void
w_json(line_w *w, const char *s, size_t len)
{
    unsigned char      c;
    size_t             i, n, run;
    char              *p;

    if (!w_room(w, 6 * len + 2)) {
        w_flush(w);
        put_text(w->out, s, len, 0);
        return;
    }
    p = w->b + w->n;
    *p++ = '"';
    for (i = 0; i < len; i += n) {
        for (run = i; run < len && json_plain[(unsigned char) s[run]]; run++)
        {
            /* void */
        }
        if (run > i) {
            memcpy(p, s + i, run - i);
            p += run - i;
            n = run - i;
            continue;
        }
        c = (unsigned char) s[i];
        n = 1;
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char) c;

        } else if (c < 0x80 && c != 0) {
            memcpy(p, "\\u00", 4);
            p[4] = hexd[c >> 4];
            p[5] = hexd[c & 15];
            p += 6;

        } else {
            n = c ? lead_utf8_len((const unsigned char *) s + i, len - i) : 0;
            if (n == 0) {
                memcpy(p, "\xef\xbf\xbd", 3);     /* U+FFFD */
                p += 3;
                n = 1;
            } else {
                memcpy(p, s + i, n);
                p += n;
            }
        }
    }
    *p++ = '"';
    w->n = (size_t) (p - w->b);
}

void
lead_line_json(lead_buf *out, const lead_line *l)
{
    const int   *f;
    char        *p;
    line_value   v;
    line_w       w;
    int          type, first = 1;

    if (l->kind < 0 || l->kind >= LEAD_LINE_NKINDS) {
        lead_buf_puts(out, "{}");
        return;
    }

    w.out = out;
    w.n = 0;
    for (f = lead_line_kind_fields(l->kind); *f != F_END; f++) {
        type = field(l, *f, 0, &v);
        if (type == V_NONE) {
            continue;
        }
        /* ,"name": ('{' for the first) copied whole: one fixed-size copy */
        if (w_room(&w, KEY_MAX)) {
            memcpy(w.b + w.n, keys[*f].text, KEY_MAX);
            w.b[w.n] = first ? '{' : ',';
            w.n += keys[*f].len;
        }
        if (type == V_RAW) {
            w_put(&w, v.s.data, v.s.len);
        } else if (type == V_PLAIN && w_room(&w, v.s.len + 2)) {
            p = w.b + w.n;
            *p = '"';
            memcpy(p + 1, v.s.data, v.s.len);
            p[v.s.len + 1] = '"';
            w.n += v.s.len + 2;
        } else {
            w_json(&w, v.s.data, v.s.len);
        }
        first = 0;
    }
    w_put(&w, first ? "{}" : "}", first ? 2 : 1);
    w_flush(&w);
}

void
lead_line_csv_header(lead_buf *out)
{
    int  f;

    for (f = 0; f < NFIELDS; f++) {
        lead_buf_puts(out, f ? "," : "");
        lead_buf_puts(out, lead_line_field_name(f));
    }
}

void
lead_line_csv(lead_buf *out, const lead_line *l)
{
    const int   *f;
    line_value   v;
    int          i, type;
    unsigned     in[NFIELDS];

    memset(in, 0, sizeof(in));
    if (l->kind >= 0 && l->kind < LEAD_LINE_NKINDS) {
        for (f = lead_line_kind_fields(l->kind); *f != F_END; f++) {
            in[*f] = 1;
        }
    }

    for (i = 0; i < NFIELDS; i++) {
        if (i) {
            lead_buf_put(out, ",", 1);
        }
        type = in[i] ? field(l, i, 1, &v) : V_NONE;
        if (type != V_NONE) {
            put_text(out, v.s.data, v.s.len, 1);
        }
    }
}
