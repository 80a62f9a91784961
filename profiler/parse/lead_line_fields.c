/*
 * A line's fields, each checked against what the store keeps and set, or
 * why not in words a person can act on: what a JSON line and a CRM's CSV
 * row (lead_line.c, lead_line_csv.c) share.
 *
 * Strict where a value means something (ids are hex of their length,
 * e-mails are normalised as the form does, strings are UTF-8 without
 * controls and within lead.h's bounds, numbers within range).  A CRM's
 * row is read more kindly (docs/design.md, "Lines"): its stage names, its
 * "12,000.00", its dates.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_parse.h"
#include "lead_rules_parser.h"
#include "lead_line_parser.h"

#define F(name)       LEAD_LINE_F_##name
#define F_END         (-1)
#define TOPICS_MAX    511           /* a lead's topics, as the store keeps */
#define LATEST_MS     UINT64_C(253402300799999)     /* 9999-12-31 */

static const char  *field_names[LEAD_LINE_NFIELDS] = {
#define LEAD_LINE_FIELD_NAME(id, name)  name,
    LEAD_LINE_FIELDS(LEAD_LINE_FIELD_NAME)
#undef LEAD_LINE_FIELD_NAME
};

static const char  *kind_names[LEAD_LINE_NKINDS] = {
    "read", "identify", "status", "forget", "signal", "rate", "note"
};

/* each kind's fields, in the order of its JSON */
static const int  read_fields[] = {
    F(ID), F(TIME), F(NODE), F(KIND), F(VISITOR), F(PATH), F(ASSET),
    F(STAGE), F(TOPIC), F(GROUP), F(FLAGS), F(POINTS), F(STATUS), F(BYTES),
    F(SIZE), F(RANGES), F(DEPTH), F(REFERRER), F(UTM_SOURCE), F(UTM_MEDIUM),
    F(UTM_CAMPAIGN), F(COUNTRY), F(REGION), F(CITY), F(AGENT), F(BOT), F_END
};
static const int  identify_fields[] = {
    F(ID), F(TIME), F(NODE), F(KIND), F(VISITOR), F(LEAD), F(EMAIL), F(NAME),
    F(SUBSCRIBE), F(CONTACT), F(TOPICS), F(SALES), F(OWNER), F_END
};
static const int  status_fields[] = {
    F(ID), F(TIME), F(NODE), F(KIND), F(EMAIL), F(LEAD), F(STATUS), F(AMOUNT),
    F(CURRENCY), F(CLOSED), F(CAUSE), F(WHO), F(REASON), F(OWNER), F_END
};
static const int  forget_fields[] = {
    F(ID), F(TIME), F(NODE), F(KIND), F(EMAIL), F(LEAD), F_END
};
static const int  signal_fields[] = {
    F(ID), F(TIME), F(NODE), F(KIND), F(EMAIL), F(LEAD), F(SIGNAL),
    F(VISITOR), F_END
};

static const int  rate_fields[] = {
    F(ID), F(TIME), F(NODE), F(KIND), F(VISITOR), F(PATH), F(ASSET),
    F(STAGE), F(TOPIC), F(GROUP), F(FLAGS), F(POINTS), F(AGENT), F(BOT),
    F(COUNTRY), F(REGION), F(CITY), F(RATING), F(COMMENT), F_END
};

static const int  note_fields[] = {
    F(ID), F(TIME), F(NODE), F(KIND), F(ASSET), F(PATH), F(WHO), F(LEAD),
    F(COMMENT), F_END
};

static const int  *kind_fields[LEAD_LINE_NKINDS] = {
    read_fields, identify_fields, status_fields, forget_fields, signal_fields,
    rate_fields, note_fields
};

/*
 * A CRM's stage names, as a CSV row gives them (case, '-' and '_' aside),
 * beside the statuses' own names.
 */
static const struct {
    const char  *name;
    int          status;
} crm_stages[] = {
    { "closed won", LEAD_STATUS_WON },
    { "closedwon", LEAD_STATUS_WON },
    { "closed lost", LEAD_STATUS_LOST },
    { "closedlost", LEAD_STATUS_LOST },
    { "marketing qualified", LEAD_STATUS_MQL },
    { "marketing qualified lead", LEAD_STATUS_MQL },
    { "accepted", LEAD_STATUS_SAL },
    { "sales accepted", LEAD_STATUS_SAL },
    { "sales accepted lead", LEAD_STATUS_SAL },
    { "qualified", LEAD_STATUS_SQL },
    { "sales qualified", LEAD_STATUS_SQL },
    { "sales qualified lead", LEAD_STATUS_SQL },
    { "opportunity", LEAD_STATUS_SQL },
    { "recycled", LEAD_STATUS_NURTURE },
    { "nurturing", LEAD_STATUS_NURTURE },
};

const char *
lead_line_kind_name(int kind)
{
    return kind >= 0 && kind < LEAD_LINE_NKINDS ? kind_names[kind] : NULL;
}

const char *
lead_line_field_name(int field)
{
    return field >= 0 && field < LEAD_LINE_NFIELDS ? field_names[field]
                                                   : NULL;
}

const int *
lead_line_kind_fields(int kind)
{
    return kind >= 0 && kind < LEAD_LINE_NKINDS ? kind_fields[kind] : NULL;
}

int
lead_line_field(const char *name, size_t len, int ci)
{
    int  f;

    for (f = 0; f < LEAD_LINE_NFIELDS; f++) {
        if (strlen(field_names[f]) == len
            && (ci ? strncasecmp(field_names[f], name, len)
                   : memcmp(field_names[f], name, len)) == 0)
        {
            return f;
        }
    }
    return -1;
}

/* "line: " and the message in err, every byte of it printable ASCII */
int
lead_line_bad(lead_line_parser *p, const char *fmt, ...)
              {
              va_list  ap;
    int      n;
    size_t   i;

    if (p->errlen == 0) {
        return LEAD_EINVAL;
    }
    n = snprintf(p->err, p->errlen, "%s: ", p->what);
    if (n >= 0 && (size_t) n < p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t) n, fmt, ap);
        va_end(ap);
    }
    for (i = 0; p->err[i] != '\0'; i++) {
        if ((unsigned char) p->err[i] < 0x20
            || (unsigned char) p->err[i] >= 0x7f)
        {
            p->err[i] = '?';
        }
    }
    return LEAD_EINVAL;
}

/* ---- values ------------------------------------------------------------ */

static int
is_text(lead_line_parser *p, int f, const line_value *v)
{
    if (v->type != V_TEXT) {
        return lead_line_bad(p, "\"%s\" is not a string", field_names[f]);
    }
    return LEAD_OK;
}

/*
 * Text of at most max bytes: UTF-8 without NUL, and without a control
 * unless controls (a path: an edge records whatever nginx decoded).
 */
static int
some_text(lead_line_parser *p, int f, const line_value *v, size_t max,
    int controls, lead_str *out)
{
    size_t    i, n;
    uint32_t  cp;

    if (is_text(p, f, v) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    if (v->len > max) {
        return lead_line_bad(p, "\"%s\" is longer than %zu bytes",
                             field_names[f], max);
    }
    for (i = 0; i < v->len; i += n) {
        n = 1;
        if ((unsigned char) v->s[i] - 0x20u < 0x5fu) {
            continue;           /* printable ASCII, without a call */
        }
        n = lead_utf8_char((const unsigned char *) v->s + i, v->len - i, &cp);
        if (n == 0) {
            return lead_line_bad(p, "\"%s\" is not UTF-8", field_names[f]);
        }
        if (cp == 0 || (!controls && lead_char_control(cp))) {
            return lead_line_bad(p, "\"%s\" holds a control character "
                                 "(U+%04X)", field_names[f], (unsigned) cp);
        }
    }
    out->data = v->s;
    out->len = v->len;
    return LEAD_OK;
}

static int
text(lead_line_parser *p, int f, const line_value *v, size_t max,
    lead_str *out)
{
    return some_text(p, f, v, max, 0, out);
}

/* A decimal integer: digits, an optional '-' first. */
static int
decimal(const char *s, size_t len, int64_t *out)
{
    size_t    i = 0;
    uint64_t  v = 0;
    int       neg = 0;

    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len || len - i > 18) {
        return LEAD_EINVAL;
    }
    for ( /* void */ ; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return LEAD_EINVAL;
        }
        v = v * 10 + (uint64_t) (s[i] - '0');
    }
    *out = neg ? -(int64_t) v : (int64_t) v;
    return LEAD_OK;
}

static int
number(lead_line_parser *p, int f, const line_value *v, int64_t min,
    int64_t max, int64_t *out)
{
    int64_t  n;

    if (v->type == V_INT) {
        n = v->i;
    } else if (!p->csv || v->type != V_TEXT
               || decimal(v->s, v->len, &n) != LEAD_OK)
    {
        return lead_line_bad(p, "\"%s\" is not a whole number",
                             field_names[f]);
    }
    if (n < min || n > max) {
        return lead_line_bad(p, "\"%s\" is out of range (%lld to %lld)",
                             field_names[f], (long long) min, (long long) max);
    }
    *out = n;
    return LEAD_OK;
}

static int
boolean(lead_line_parser *p, int f, const line_value *v, int *out)
{
    static const char  *yes[] = { "true", "1", "yes" };
    static const char  *no[] = { "false", "0", "no" };
    size_t             i;

    if (v->type == V_TRUE || v->type == V_FALSE) {
        *out = v->type == V_TRUE;
        return LEAD_OK;
    }
    for (i = 0; p->csv && v->type == V_TEXT && i < 3; i++) {
        if (strlen(yes[i]) == v->len && strncasecmp(yes[i], v->s, v->len) == 0)
        {
            *out = 1;
            return LEAD_OK;
        }
        if (strlen(no[i]) == v->len && strncasecmp(no[i], v->s, v->len) == 0) {
            *out = 0;
            return LEAD_OK;
        }
    }
    return lead_line_bad(p, "\"%s\" is not true or false", field_names[f]);
}

static int
hex_id(lead_line_parser *p, int f, const line_value *v,
    uint8_t id[LEAD_ID_LEN])
{
    static const uint8_t  zero[LEAD_ID_LEN];

    if (is_text(p, f, v) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    if (lead_id_from_hex(v->s, v->len, id) != LEAD_OK) {
        return lead_line_bad(p, "\"%s\" is not %d hex digits", field_names[f],
                             LEAD_ID_HEX_LEN);
    }
    if (memcmp(id, zero, LEAD_ID_LEN) == 0) {
        return lead_line_bad(p, "\"%s\" is all zeros, which names no one",
                             field_names[f]);
    }
    return LEAD_OK;
}

static size_t
digits(const char *s, size_t len, size_t n, unsigned *v)
{
    size_t  i;

    *v = 0;
    if (len < n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        *v = *v * 10 + (unsigned) (s[i] - '0');
    }
    return n;
}

/*
 * "2026-12-24", "2026-12-24T09:30:00Z", "...09:30:00.123+01:00" (or a
 * space for the 'T', no zone: UTC), or from JSON ms since the epoch.
 */
static int
parse_time(const char *s, size_t len, uint64_t *ms)
{
    unsigned  h, m, sec = 0, frac = 0, k, oh, om;
    size_t    i = 10;
    uint64_t  day, t;
    int64_t   off = 0;

    if (len < 10 || lead_date_parse(s, 10, &day) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    if (len == 10) {
        *ms = day;
        return LEAD_OK;
    }
    if ((s[i] != 'T' && s[i] != ' ') || len < 16
        || !digits(s + 11, 2, 2, &h) || s[13] != ':'
        || !digits(s + 14, 2, 2, &m) || h > 23 || m > 59)
    {
        return LEAD_EINVAL;
    }
    i = 16;
    if (i < len && s[i] == ':') {
        if (!digits(s + i + 1, len - i - 1, 2, &sec) || sec > 60) {
            return LEAD_EINVAL;
        }
        i += 3;
        if (i < len && s[i] == '.') {
            for (i++, k = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, k++) {
                if (k < 3) {
                    frac = frac * 10 + (unsigned) (s[i] - '0');
                }
            }
            if (k == 0) {
                return LEAD_EINVAL;
            }
            for ( /* void */ ; k < 3; k++) {
                frac *= 10;
            }
        }
    }
    if (i < len && s[i] == 'Z') {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        if (len - i != 6 || !digits(s + i + 1, 2, 2, &oh) || s[i + 3] != ':'
            || !digits(s + i + 4, 2, 2, &om) || oh > 23 || om > 59)
        {
            return LEAD_EINVAL;
        }
        off = (int64_t) (oh * 60 + om) * 60000 * (s[i] == '+' ? 1 : -1);
        i += 6;
    }
    if (i != len) {
        return LEAD_EINVAL;
    }
    t = day + ((uint64_t) h * 3600 + m * 60 + sec) * 1000 + frac;
    if (off > 0 && t < (uint64_t) off) {
        return LEAD_EINVAL;
    }
    *ms = (uint64_t) ((int64_t) t - off);
    return LEAD_OK;
}

static int
time_value(lead_line_parser *p, int f, const line_value *v, uint64_t *ms)
{
    if (v->type == V_INT && v->i >= 0 && (uint64_t) v->i <= LATEST_MS) {
        *ms = (uint64_t) v->i;
        return LEAD_OK;
    }
    if (v->type == V_TEXT && parse_time(v->s, v->len, ms) == LEAD_OK
        && *ms <= LATEST_MS)
    {
        return LEAD_OK;
    }
    if (p->csv && v->type == V_TEXT && decimal(v->s, v->len, (int64_t *) ms)
        == LEAD_OK && (int64_t) *ms >= 0 && *ms <= LATEST_MS)
    {
        return LEAD_OK;
    }
    return lead_line_bad(p, "\"%s\" is not a time like "
                         "2026-12-24T09:30:00.000Z or 2026-12-24",
                         field_names[f]);
}

static int
flags(lead_line_parser *p, const line_value *v, uint8_t *out)
{
    size_t  i, end;
    char    b[80];

    if (is_text(p, F(FLAGS), v) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    *out = 0;
    for (i = 0; i < v->len; i = end + 1) {
        for (end = i; end < v->len && v->s[end] != ' '; end++) {
            /* void */
        }
        if (end - i == 3 && memcmp(v->s + i, "hot", 3) == 0) {
            *out |= LEAD_ASSET_HOT;
        } else if (end - i == 4 && memcmp(v->s + i, "open", 4) == 0) {
            *out |= LEAD_ASSET_OPEN;
        } else if (end - i == 5 && memcmp(v->s + i, "gated", 5) == 0) {
            *out |= LEAD_ASSET_GATED;
        } else if (end > i) {
            return lead_line_bad(p, "\"flags\" has \"%s\", not hot, open "
                                 "or gated",
                                 lead_rules_shown(v->s + i, end - i, b));
        }
    }
    return LEAD_OK;
}

static int
add_range(lead_line_parser *p, lead_event *ev, int64_t start, int64_t end)
{
    if (ev->nranges == LEAD_MAX_RANGES) {
        return lead_line_bad(p, "\"ranges\" has more than %d ranges",
                             LEAD_MAX_RANGES);
    }
    if (start < 0 || end < start) {
        return lead_line_bad(p, "\"ranges\" has a range that ends before "
                             "it starts");
    }
    ev->ranges[ev->nranges].start = (uint64_t) start;
    ev->ranges[ev->nranges].end = (uint64_t) end;
    ev->nranges++;
    return LEAD_OK;
}

/* JSON [[0,499],[1000,1999]]; a CSV cell "0-499 1000-1999" */
static int
ranges(lead_line_parser *p, const line_value *v, lead_event *ev)
{
    static const char  *msg = "\"ranges\" is not a list of [start,end] "
                              "byte ranges";
    size_t             i, end, dash;
    int64_t            a, b;
    json_t            *r;

    ev->nranges = 0;

    if (v->type == V_ARRAY) {
        json_array_foreach(v->j, i, r) {
            if (!json_is_array(r) || json_array_size(r) != 2
                || !json_is_integer(json_array_get(r, 0))
                || !json_is_integer(json_array_get(r, 1)))
            {
                return lead_line_bad(p, "%s", msg);
            }
            a = json_integer_value(json_array_get(r, 0));
            b = json_integer_value(json_array_get(r, 1));
            if (add_range(p, ev, a, b) != LEAD_OK) {
                return LEAD_EINVAL;
            }
        }
        return LEAD_OK;
    }

    if (!p->csv || v->type != V_TEXT) {
        return lead_line_bad(p, "%s", msg);
    }
    for (i = 0; i < v->len; i = end + 1) {
        for (end = i; end < v->len && v->s[end] != ' '; end++) {
            /* void */
        }
        for (dash = i; dash < end && v->s[dash] != '-'; dash++) {
            /* void */
        }
        if (dash == end || decimal(v->s + i, dash - i, &a) != LEAD_OK
            || decimal(v->s + dash + 1, end - dash - 1, &b) != LEAD_OK)
        {
            return lead_line_bad(p, "%s", msg);
        }
        if (add_range(p, ev, a, b) != LEAD_OK) {
            return LEAD_EINVAL;
        }
    }
    return LEAD_OK;
}

/* A CRM's stage name: lower case, '-' and '_' as spaces, one between. */
static int
crm_status(const char *s, size_t len)
{
    char    b[32];
    size_t  i, n = 0;

    for (i = 0; i < len; i++) {
        char  c = (char) tolower((unsigned char) s[i]);

        if (c == '-' || c == '_') {
            c = ' ';
        }
        if (c == ' ' && (n == 0 || b[n - 1] == ' ')) {
            continue;
        }
        if (n == sizeof(b)) {
            return -1;
        }
        b[n++] = c;
    }
    while (n > 0 && b[n - 1] == ' ') {
        n--;
    }
    for (i = 0; i < sizeof(crm_stages) / sizeof(crm_stages[0]); i++) {
        if (strlen(crm_stages[i].name) == n
            && memcmp(crm_stages[i].name, b, n) == 0)
        {
            return crm_stages[i].status;
        }
    }
    return lead_status_parse(b, n);
}

/* "12000.50"; in a CRM's row also "12,000.50" (commas between thousands) */
static int
amount(lead_line_parser *p, const line_value *v, int64_t *cents)
{
    char    b[40];
    size_t  i, n = 0, group = 0;
    int     commas = 0, point = 0;

    if (v->type == V_INT && v->i >= 0 && v->i <= LEAD_AMOUNT_MAX / 100) {
        *cents = v->i * 100;
        return LEAD_OK;
    }
    if (v->type == V_TEXT && p->csv && memchr(v->s, ',', v->len) != NULL
        && v->len < sizeof(b))
    {
        for (i = 0; i < v->len; i++) {
            if (v->s[i] == ',' && !point) {
                if (n == 0 || (commas && group != 3) || (!commas && group > 3))
                {
                    break;
                }
                commas = 1;
                group = 0;
                continue;
            }
            point |= v->s[i] == '.';
            if (!point) {
                group++;
            }
            b[n++] = v->s[i];
        }
        if (i == v->len && group == 3
            && lead_amount_parse(b, n, cents) == LEAD_OK)
        {
            return LEAD_OK;
        }
    } else if (v->type == V_TEXT
               && lead_amount_parse(v->s, v->len, cents) == LEAD_OK)
    {
        return LEAD_OK;
    }
    return lead_line_bad(p, "\"amount\" is not an amount like 12000.50 "
                         "(at most 2 decimals, no sign)");
}

/*
 * A rating's comment as the form keeps it: UTF-8 text of at most
 * LEAD_COMMENT_MAX characters, line breaks (LF) its only control.
 */
static int
comment(lead_line_parser *p, const line_value *v, lead_str *out)
{
    size_t    i, n, chars = 0;
    uint32_t  cp;

    if (is_text(p, F(COMMENT), v) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    for (i = 0; i < v->len; i += n, chars++) {
        n = lead_utf8_char((const unsigned char *) v->s + i, v->len - i, &cp);
        if (n == 0) {
            return lead_line_bad(p, "\"comment\" is not UTF-8");
        }
        if (cp != '\n' && (cp == 0 || lead_char_control(cp))) {
            return lead_line_bad(p, "\"comment\" holds a control character "
                                 "(U+%04X)", (unsigned) cp);
        }
    }
    if (chars > LEAD_COMMENT_MAX || v->len > LEAD_COMMENT_BYTES) {
        return lead_line_bad(p, "\"comment\" is longer than %d characters",
                             LEAD_COMMENT_MAX);
    }
    out->data = v->s;
    out->len = v->len;
    return LEAD_OK;
}

/* ---- fields ------------------------------------------------------------ */

int
lead_line_set_field(lead_line_parser *p, lead_line *l, int f,
    const line_value *v)
{
    lead_event  *ev = &l->ev;
    lead_str     s;
    int64_t      n;
    uint64_t     asset;
    size_t       i;
    int          d;

    switch (f) {
    case F(ID):
        if (text(p, f, v, LEAD_LINE_ID_MAX, &l->id) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        /* an edge's read: "<the request's id>-r", its event's own (a
           rating's: "-v") */
        if (v->len == LEAD_ID_HEX_LEN + 2
            && ((l->kind == LEAD_LINE_READ
                 && memcmp(v->s + LEAD_ID_HEX_LEN, "-r", 2) == 0)
                || (l->kind == LEAD_LINE_RATE
                    && memcmp(v->s + LEAD_ID_HEX_LEN, "-v", 2) == 0))
            && lead_id_from_hex(v->s, LEAD_ID_HEX_LEN, ev->id) != LEAD_OK)
        {
            memset(ev->id, 0, LEAD_ID_LEN);
        }
        return LEAD_OK;
    case F(TIME):
        return time_value(p, f, v, &ev->time_ms);
    case F(NODE):
        return text(p, f, v, LEAD_HOST_MAX, &l->node);
    case F(KIND):
        return LEAD_OK;                 /* read first, by the caller */
    case F(VISITOR):
        return hex_id(p, f, v, ev->visitor);
    case F(PATH):
        if (some_text(p, f, v, LEAD_PATH_MAX, 1, &ev->path) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        if (v->s[0] != '/') {
            return lead_line_bad(p, "\"path\" does not start with '/'");
        }
        return LEAD_OK;
    case F(ASSET):
        if (is_text(p, f, v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        asset = 0;
        for (i = 0; i < v->len && v->len == 16; i++) {
            d = lead_hex_digit((unsigned char) v->s[i]);
            if (d < 0) {
                break;
            }
            asset = asset << 4 | (uint64_t) d;
        }
        if (v->len != 16 || i != 16) {
            return lead_line_bad(p, "\"asset\" is not 16 hex digits");
        }
        ev->asset_id = asset;
        return LEAD_OK;
    case F(STAGE):
        return text(p, f, v, LEAD_NAME_MAX, &ev->stage);
    case F(TOPIC):
        return text(p, f, v, LEAD_NAME_MAX, &ev->topic);
    case F(GROUP):
        return text(p, f, v, LEAD_NAME_MAX, &ev->group);
    case F(FLAGS):
        return flags(p, v, &ev->asset_flags);
    case F(POINTS):
        if (number(p, f, v, -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT, &n)
            != LEAD_OK)
        {
            return LEAD_EINVAL;
        }
        ev->points = (int32_t) n;
        return LEAD_OK;
    case F(STATUS):
        if (l->kind == LEAD_LINE_READ) {
            if (number(p, f, v, 100, 599, &n) != LEAD_OK) {
                return LEAD_EINVAL;
            }
            ev->status = (uint16_t) n;
            return LEAD_OK;
        }
        if (is_text(p, f, v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        l->status = p->csv ? crm_status(v->s, v->len)
                           : lead_status_parse(v->s, v->len);
        if (l->status <= LEAD_STATUS_ANONYMOUS) {
            char  b[80];

            return lead_line_bad(p, "\"status\" \"%s\" is not a status "
                                 "(identified, mql, sal, sql, won, nurture, "
                                 "lost)", lead_rules_shown(v->s, v->len, b));
        }
        return LEAD_OK;
    case F(BYTES):
        if (number(p, f, v, 0, INT64_MAX, &n) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        ev->bytes_sent = (uint64_t) n;
        return LEAD_OK;
    case F(SIZE):
        if (number(p, f, v, 0, INT64_MAX, &n) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        ev->file_size = (uint64_t) n;
        return LEAD_OK;
    case F(RANGES):
        return ranges(p, v, ev);
    case F(DEPTH):
        return LEAD_OK;                 /* the encoder's: from the rest */
    case F(REFERRER):
        return text(p, f, v, LEAD_HOST_MAX, &ev->referrer_host);
    case F(UTM_SOURCE):
        return text(p, f, v, LEAD_UTM_MAX, &ev->utm_source);
    case F(UTM_MEDIUM):
        return text(p, f, v, LEAD_UTM_MAX, &ev->utm_medium);
    case F(UTM_CAMPAIGN):
        return text(p, f, v, LEAD_UTM_MAX, &ev->utm_campaign);
    case F(COUNTRY):
        if (is_text(p, f, v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        if (v->len != 2 || !isupper((unsigned char) v->s[0])
            || !isupper((unsigned char) v->s[1]))
        {
            return lead_line_bad(p, "\"country\" is not two capitals "
                                 "(ISO 3166)");
        }
        ev->country.data = v->s;
        ev->country.len = 2;
        return LEAD_OK;
    case F(REGION):
        return text(p, f, v, LEAD_REGION_MAX, &ev->region);
    case F(CITY):
        return text(p, f, v, LEAD_CITY_MAX, &ev->city);
    case F(AGENT):
        if (is_text(p, f, v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        for (d = LEAD_UA_UNKNOWN; d <= LEAD_UA_BOT; d++) {
            if (strlen(lead_ua_class_name(d)) == v->len
                && memcmp(lead_ua_class_name(d), v->s, v->len) == 0)
            {
                ev->ua_class = (uint8_t) d;
                return LEAD_OK;
            }
        }
        return lead_line_bad(p, "\"agent\" is not browser, bot or unknown");
    case F(BOT):
        /* a bot's name ("HeadlessChrome"), as the edge's classifier took it */
        return text(p, f, v, LEAD_AGENT_MAX, &ev->agent);
    case F(LEAD):
        return hex_id(p, f, v, l->lead);
    case F(EMAIL):
        if (is_text(p, f, v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        d = lead_email_normalize(v->s, v->len, p->email);
        if (d < 0) {
            return lead_line_bad(p, "\"email\" is not an e-mail address like "
                                 "name@company.com");
        }
        p->email[d] = '\0';
        l->email.data = p->email;
        l->email.len = (size_t) d;
        return LEAD_OK;
    case F(NAME):
        /* checked with the e-mail, as the form checks them: see identify */
        return text(p, f, v, LEAD_PERSON_NAME_MAX * 4, &l->name);
    case F(SUBSCRIBE):
        return boolean(p, f, v, &l->subscribe);
    case F(CONTACT):
        return boolean(p, f, v, &l->contact);
    case F(SALES):
        return boolean(p, f, v, &l->sales);
    case F(TOPICS):
        if (text(p, f, v, TOPICS_MAX, &l->topics) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        for (i = 0, n = 0; i <= v->len; i++) {
            if (i < v->len && v->s[i] != ' ') {
                continue;
            }
            if (!lead_rules_valid_name(v->s + n, i - (size_t) n)) {
                return lead_line_bad(p, "\"topics\" is not topic names, "
                                     "one space between (letters, digits, "
                                     "- _ .)");
            }
            n = (int64_t) i + 1;
        }
        return LEAD_OK;
    case F(OWNER):
        return text(p, f, v, LEAD_WHO_MAX, &l->owner);
    case F(AMOUNT):
        return amount(p, v, &l->deal.amount);
    case F(CURRENCY):
        if (text(p, f, v, 3, &s) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        if (p->csv && v->len == 3) {
            char  up[3];

            for (i = 0; i < 3; i++) {
                up[i] = (char) toupper((unsigned char) v->s[i]);
            }
            d = lead_currency_parse(up, 3, l->deal.currency);
        } else {
            d = lead_currency_parse(v->s, v->len, l->deal.currency);
        }
        if (d != LEAD_OK) {
            return lead_line_bad(p, "\"currency\" is not a currency code "
                                 "like EUR (ISO 4217)");
        }
        return LEAD_OK;
    case F(CLOSED):
        return time_value(p, f, v, &l->deal.closed_ms);
    case F(CAUSE):
        return text(p, f, v, LEAD_CAUSE_MAX - 1, &l->cause);
    case F(WHO):
        return text(p, f, v, LEAD_WHO_MAX, &l->who);
    case F(REASON):
        return text(p, f, v, LEAD_REASON_MAX, &l->reason);
    case F(RATING):
        if (number(p, f, v, 1, LEAD_RATING_MAX, &n) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        ev->rating = (uint8_t) n;
        return LEAD_OK;
    case F(COMMENT):
        return comment(p, v, &ev->comment);
    case F(SIGNAL):
        if (is_text(p, f, v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        if (!lead_rules_valid_name(v->s, v->len)) {
            return lead_line_bad(p, "\"signal\" is not a signal's name (at "
                                 "most %d letters, digits, - _ .)",
                                 LEAD_NAME_MAX);
        }
        l->signal.data = v->s;
        l->signal.len = v->len;
        return LEAD_OK;
    }
    return LEAD_OK;
}

int
lead_line_set_kind(lead_line_parser *p, lead_line *l, const line_value *v)
{
    int   k;
    char  b[80];

    if (v->type == V_NONE) {
        return lead_line_bad(p, "no \"kind\"");
    }
    if (is_text(p, F(KIND), v) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    for (k = 0; k < LEAD_LINE_NKINDS; k++) {
        if (strlen(kind_names[k]) == v->len
            && (p->csv ? strncasecmp(kind_names[k], v->s, v->len)
                       : memcmp(kind_names[k], v->s, v->len)) == 0)
        {
            l->kind = k;
            return LEAD_OK;
        }
    }
    return lead_line_bad(p, "\"kind\" \"%s\" is not read, identify, "
                         "status, forget, signal, rate or note",
                         lead_rules_shown(v->s, v->len, b));
}

/* What every kind needs, once all its fields are read. */
int
lead_line_check(lead_line_parser *p, lead_line *l, const unsigned *given)
{
    static const uint8_t  zero[LEAD_ID_LEN];
    int                   who = l->email.len > 0
                                || memcmp(l->lead, zero, LEAD_ID_LEN) != 0;

    if (l->id.len == 0) {
        return lead_line_bad(p, "no \"id\"");
    }
    if (!given[F(TIME)]) {
        return lead_line_bad(p, "no \"time\"");
    }

    switch (l->kind) {
    case LEAD_LINE_READ:
        if (!given[F(VISITOR)]) {
            return lead_line_bad(p, "a read has no \"visitor\"");
        }
        if (l->ev.path.len == 0) {
            return lead_line_bad(p, "a read has no \"path\"");
        }
        break;
    case LEAD_LINE_IDENTIFY:
        if (l->email.len == 0) {
            return lead_line_bad(p, "an identify has no \"email\"");
        }
        if (l->name.len > 0) {
            lead_form_fields  ff;
            lead_form         form;

            /* the name as the form takes it: trimmed, checked, cut */
            memset(ff.field, 0, sizeof(ff.field));
            ff.field[LEAD_FORM_NAME] = l->name;
            ff.field[LEAD_FORM_EMAIL] = l->email;
            lead_form_validate(&ff, &form);
            if (form.name_error) {
                return lead_line_bad(p, "\"name\" is not one the form takes "
                                     "(%s)", form.name_error);
            }
            memcpy(p->name, form.name, form.name_len);
            p->name[form.name_len] = '\0';
            l->name.data = p->name;
            l->name.len = form.name_len;
        }
        break;
    case LEAD_LINE_STATUS:
        if (!who) {
            return lead_line_bad(p, "a status has no \"email\" or \"lead\"");
        }
        if (!given[F(STATUS)]) {
            return lead_line_bad(p, "a status has no \"status\"");
        }
        break;
    case LEAD_LINE_FORGET:
        if (!who) {
            return lead_line_bad(p, "a forget has no \"email\" or \"lead\"");
        }
        break;
    case LEAD_LINE_SIGNAL:
        if (!who) {
            return lead_line_bad(p, "a signal has no \"email\" or \"lead\"");
        }
        if (l->signal.len == 0) {
            return lead_line_bad(p, "a signal has no \"signal\"");
        }
        break;
    case LEAD_LINE_RATE:
        if (!given[F(VISITOR)]) {
            return lead_line_bad(p, "a rate has no \"visitor\"");
        }
        if (l->ev.path.len == 0) {
            return lead_line_bad(p, "a rate has no \"path\"");
        }
        if (l->ev.rating == 0) {
            return lead_line_bad(p, "a rate has no \"rating\"");
        }
        break;
    case LEAD_LINE_NOTE:
        if (l->ev.asset_id == 0) {
            return lead_line_bad(p, "a note has no \"asset\"");
        }
        if (l->ev.comment.len == 0) {
            return lead_line_bad(p, "a note has no \"comment\" (its text)");
        }
        break;
    }
    return LEAD_OK;
}

