/*
 * A CRM's CSV export made lines: its header row's columns named as
 * fields (or mapped), then one row a call, a status change unless it
 * says otherwise, its id a hash of what it says when it has none.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_parse.h"
#include "lead_rules_parser.h"
#include "lead_line_parser.h"

#define F(name)       LEAD_LINE_F_##name
#define F_END         (-1)

/* ---- a CRM's CSV ------------------------------------------------------- */

int
lead_line_csv_open(const char *row, size_t len)
{
    size_t  i;
    int     open = 0;

    for (i = 0; i < len; i++) {
        open ^= row[i] == '"';
    }
    return open;
}

/* One record of text; LEAD_ENOTFOUND for a blank one. */
static int
read_record(lead_line_parser *p, const char *text, size_t len)
{
    int     i, rc, blank;
    size_t  n;

    p->row.p = text;
    p->row.end = text + len;
    p->row.line = 1;

    rc = lead_csv_next(&p->row);
    if (rc < 0) {
        return lead_line_bad(p, "%s", p->row.why);
    }
    if (p->row.p < p->row.end) {
        return lead_line_bad(p, "more than one record (a line break "
                             "outside quotes)");
    }
    for (i = 0, blank = 1, n = 0; rc == 1 && i < p->row.nfields; i++) {
        memcpy(p->cells + n, p->row.buf + p->row.off[i], p->row.len[i]);
        p->row.off[i] = n;
        n += p->row.len[i];
        p->cells[n++] = '\0';
        blank &= p->row.len[i] == 0;
    }
    return rc == 1 && !blank ? LEAD_OK : LEAD_ENOTFOUND;
}

/* "Deal Stage", trimmed, as a column the map names */
static int
same_name(const char *a, size_t alen, const char *b, size_t blen)
{
    while (alen > 0 && a[0] == ' ') {
        a++;
        alen--;
    }
    while (alen > 0 && a[alen - 1] == ' ') {
        alen--;
    }
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

int
lead_line_csv_columns(lead_line_parser *p, const char *header, size_t len,
    const char *map, char *err, size_t errlen)
{
    const char  *m, *eq, *end, *cell, *key, *col;
    int          i, f, rc, named = 0;
    char         b[80];
    size_t       n;

    p->what = "header";
    p->csv = 1;
    p->err = err;
    p->errlen = errlen;
    p->ncols = 0;
    if (errlen) {
        err[0] = '\0';
    }

    if (len >= 3 && memcmp(header, "\xef\xbb\xbf", 3) == 0) {
        header += 3;            /* a spreadsheet's byte order mark */
        len -= 3;
    }

    rc = read_record(p, header, len);
    if (rc == LEAD_ENOTFOUND) {
        return lead_line_bad(p, "blank: the first row names the columns");
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    for (i = 0; i < p->row.nfields; i++) {
        cell = p->cells + p->row.off[i];
        p->col[i] = lead_line_field(cell, p->row.len[i], 1);
    }

    /* "field=Column,...": the map's names win over the header's own */
    p->what = "map";
    for (m = map; m != NULL && *m != '\0'; m = *end ? end + 1 : end) {
        end = strchr(m, ',');
        end = end ? end : m + strlen(m);
        eq = memchr(m, '=', (size_t) (end - m));
        if (eq == NULL) {
            return lead_line_bad(p, "\"%s\" is not field=Column",
                                 lead_rules_shown(m, (size_t) (end - m), b));
        }
        for (key = m; key < eq && *key == ' '; key++) {
            /* void */
        }
        for (n = (size_t) (eq - key); n > 0 && key[n - 1] == ' '; n--) {
            /* void */
        }
        f = lead_line_field(key, n, 0);
        if (f < 0 || f == F(DEPTH)) {
            return lead_line_bad(p, "\"%s\" is not a field of a line",
                                 lead_rules_shown(key, n, b));
        }
        for (col = eq + 1; col < end && *col == ' '; col++) {
            /* void */
        }
        for (n = (size_t) (end - col); n > 0 && col[n - 1] == ' '; n--) {
            /* void */
        }
        for (rc = -1, i = 0; i < p->row.nfields; i++) {
            if (p->col[i] == f) {
                p->col[i] = -1;         /* a column named as f gives way */
            }
            if (same_name(p->cells + p->row.off[i], p->row.len[i], col, n))
            {
                rc = i;
            }
        }
        if (rc < 0) {
            return lead_line_bad(p, "no column \"%s\" in the header",
                                 lead_rules_shown(col, n, b));
        }
        p->col[rc] = f;
    }

    p->what = "header";
    for (i = 0; i < p->row.nfields; i++) {
        for (f = 0; p->col[i] >= 0 && f < i; f++) {
            if (p->col[f] == p->col[i]) {
                return lead_line_bad(p, "two columns give \"%s\"",
                                     lead_line_field_name(p->col[i]));
            }
        }
        named |= p->col[i] >= 0;
    }
    if (!named) {
        return lead_line_bad(p, "no column names a field of a line "
                             "(email, status, amount, ...; or map them)");
    }

    p->ncols = p->row.nfields;
    return LEAD_OK;
}

/* The same row twice is the same id: a hash of what it says. */
static void
derive_id(lead_line_parser *p, lead_line *l)
{
    unsigned char  md[SHA256_DIGEST_LENGTH];
    char           b[2 * LEAD_EMAIL_MAX + 2 * LEAD_NAME_MAX];
    int            n;

    lead_id_to_hex(l->lead, p->id);
    n = snprintf(b, sizeof(b), "%d\n%llu\n%.*s\n%.32s\n%d\n%lld\n%s\n%llu\n"
                 "%.*s", l->kind, (unsigned long long) l->ev.time_ms,
                 (int) l->email.len, l->email.data ? l->email.data : "",
                 p->id, l->status, (long long) l->deal.amount,
                 l->deal.currency, (unsigned long long) l->deal.closed_ms,
                 (int) l->signal.len, l->signal.data ? l->signal.data : "");
    SHA256((const unsigned char *) b,
           n > 0 && (size_t) n < sizeof(b) ? (size_t) n : 0, md);

    memcpy(p->id, "csv-", 4);
    lead_id_to_hex(md, p->id + 4);
    p->id[4 + LEAD_ID_HEX_LEN] = '\0';
    l->id.data = p->id;
    l->id.len = 4 + LEAD_ID_HEX_LEN;
}

int
lead_line_parse_csv(lead_line_parser *p, const char *row, size_t len,
    lead_line *l, char *err, size_t errlen)
{
    line_value       v;
    const int  *f;
    int         i, col[LEAD_LINE_NFIELDS], rc;
    unsigned    given[LEAD_LINE_NFIELDS];
    char       *cell;
    size_t      n;

    memset(l, 0, sizeof(*l));
    json_decref(p->doc);
    p->doc = NULL;
    p->what = "row";
    p->csv = 1;
    p->err = err;
    p->errlen = errlen;
    if (errlen) {
        err[0] = '\0';
    }

    if (p->ncols == 0) {
        return lead_line_bad(p, "no header row read yet");
    }
    rc = read_record(p, row, len);
    if (rc != LEAD_OK) {
        return rc;
    }
    if (p->row.nfields != p->ncols) {
        return lead_line_bad(p, "%d cells, the header has %d",
                             p->row.nfields, p->ncols);
    }

    for (i = 0; i < LEAD_LINE_NFIELDS; i++) {
        col[i] = -1;
    }
    for (i = 0; i < p->ncols; i++) {
        if (p->col[i] >= 0) {
            col[p->col[i]] = i;
        }
    }

    memset(&v, 0, sizeof(v));
    l->kind = LEAD_LINE_STATUS;         /* a CRM passes outcomes back */
    if (col[F(KIND)] >= 0 && p->row.len[col[F(KIND)]] > 0) {
        v.type = V_TEXT;
        v.s = p->cells + p->row.off[col[F(KIND)]];
        v.len = p->row.len[col[F(KIND)]];
        if (lead_line_set_kind(p, l, &v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
    }

    memset(given, 0, sizeof(given));
    for (f = lead_line_kind_fields(l->kind); *f != F_END; f++) {
        if (col[*f] < 0 || p->row.len[col[*f]] == 0) {
            continue;
        }
        cell = p->cells + p->row.off[col[*f]];
        v.type = V_TEXT;
        v.s = cell;
        v.len = p->row.len[col[*f]];
        /* lead_buf_csv's guard against formulas ("'=", "''=") taken off */
        for (n = 0; n < v.len && cell[n] == '\''; n++) {
            /* void */
        }
        if (n > 0 && n < v.len && memchr("=+-@\t\r", cell[n], 6) != NULL) {
            v.s++;
            v.len--;
        }
        if (lead_line_set_field(p, l, *f, &v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        given[*f] = 1;
    }

    /* a CRM's row is as of its close date, when it has no time */
    if (!given[F(TIME)] && l->deal.closed_ms) {
        l->ev.time_ms = l->deal.closed_ms;
        given[F(TIME)] = 1;
    }
    if (!given[F(TIME)]) {
        return lead_line_bad(p, "no \"time\" (map a date column to time "
                             "or closed)");
    }
    if (l->id.len == 0) {
        derive_id(p, l);
    }

    return lead_line_check(p, l, given);
}
