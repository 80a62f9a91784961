/*
 * CSV records as spreadsheets and CRMs export them (RFC 4180), read one
 * at a time: what assets.csv and a CRM's export (lead_line.c) share.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_parse.h"

static int
fail(lead_csv *c, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    return LEAD_EINVAL;
}

int
lead_csv_next(lead_csv *c)
{
    size_t  used = 0, start;
    int     quoted;
    char    ch;

    if (c->p >= c->end) {
        return 0;
    }

    c->nfields = 0;

    for ( ;; ) {
        if ((size_t) c->nfields == c->max_fields) {
            return fail(c, "more than %zu fields", c->max_fields);
        }

        start = used;
        quoted = 0;

        while (c->p < c->end && *c->p == ' ') {
            c->p++;
        }

        if (c->p < c->end && *c->p == '"') {
            quoted = 1;
            c->p++;
            for ( ;; ) {
                if (c->p == c->end) {
                    return fail(c, "quoted field is not closed");
                }
                ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') {
                        c->p++;
                    } else {
                        break;
                    }
                } else if (ch == '\n') {
                    c->line++;
                }
                if (used - start == c->max_field_len) {
                    return fail(c, "field longer than %zu bytes",
                                c->max_field_len);
                }
                c->buf[used++] = ch;
            }
            while (c->p < c->end && *c->p == ' ') {
                c->p++;
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\r'
                && *c->p != '\n')
            {
                return fail(c, "unexpected text after a closing quote "
                            "(double a quote inside a quoted field: \"\")");
            }

        } else {
            while (c->p < c->end && *c->p != ',' && *c->p != '\r'
                   && *c->p != '\n')
            {
                if (used - start == c->max_field_len) {
                    return fail(c, "field longer than %zu bytes",
                                c->max_field_len);
                }
                c->buf[used++] = *c->p++;
            }
        }

        if (!quoted) {
            while (used > start && c->buf[used - 1] == ' ') {
                used--;
            }
        }

        c->off[c->nfields] = start;
        c->len[c->nfields] = used - start;
        c->nfields++;

        if (c->p == c->end) {
            return 1;
        }
        if (*c->p == ',') {
            c->p++;
            continue;
        }

        /* end of record: CRLF, LF or a lone CR */
        if (*c->p == '\r') {
            c->p++;
        }
        if (c->p < c->end && *c->p == '\n') {
            c->p++;
        }
        c->line++;
        return 1;
    }
}

