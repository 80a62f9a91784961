/*
 * The line parser's insides, shared by its files: lead_line_fields.c
 * (each field checked and set) under lead_line.c (JSON) and
 * lead_line_csv.c (a CRM's CSV).
 */

#ifndef LEAD_LINE_PARSER_H
#define LEAD_LINE_PARSER_H

#include <jansson.h>

#include "lead_line.h"
#include "lead_parse.h"

#define LEAD_LINE_CELL_MAX  4096       /* a CSV cell: a reason, a path */

struct lead_line_parser {
    json_t       *doc;                  /* the last JSON line's */
    const char   *what;                 /* "line" or "row", for messages */
    int           csv;
    char         *err;
    size_t        errlen;
    char          email[LEAD_EMAIL_MAX + 1];
    char          name[LEAD_PERSON_NAME_MAX * 4 + 1];
    char          id[LEAD_LINE_ID_MAX + 1];
    /* a CRM's CSV: its columns' fields (-1: none), the row's cells */
    int           col[LEAD_CSV_FIELDS_MAX];
    int           ncols;
    lead_csv      row;
    char         *cells;                /* the row's cells, each NUL-ended */
};

/* a field's value, from JSON or from a CSV cell (text, always) */
enum { V_NONE, V_TEXT, V_INT, V_TRUE, V_FALSE, V_ARRAY, V_OTHER };

typedef struct {
    int          type;
    const char  *s;
    size_t       len;
    int64_t      i;
    json_t      *j;
} line_value;

/* "line: " (what) and the message in err, all printable; LEAD_EINVAL. */
int lead_line_bad(lead_line_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The line's kind from v (read first: fields depend on it); a field. */
int lead_line_set_kind(lead_line_parser *p, lead_line *l,
    const line_value *v);
int lead_line_set_field(lead_line_parser *p, lead_line *l, int f,
    const line_value *v);
/* What the line's kind needs, once its fields are set (given[f]: set). */
int lead_line_check(lead_line_parser *p, lead_line *l,
    const unsigned *given);

#endif /* LEAD_LINE_PARSER_H */
