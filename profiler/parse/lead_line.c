/*
 * Lines in: one JSON line (jansson, duplicate keys refused) made a
 * lead_line.  Keys it does not know and fields of other kinds are
 * ignored, so lines of a later version still go in.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_parse.h"
#include "lead_line_parser.h"

#define F(name)       LEAD_LINE_F_##name
#define F_END         (-1)

lead_line_parser *
lead_line_parser_new(void)
{
    lead_line_parser  *p;

    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return NULL;
    }
    p->row.max_fields = LEAD_CSV_FIELDS_MAX;
    p->row.max_field_len = LEAD_LINE_CELL_MAX;
    p->row.buf = malloc(LEAD_CSV_FIELDS_MAX * LEAD_LINE_CELL_MAX);
    p->cells = malloc(LEAD_CSV_FIELDS_MAX * (LEAD_LINE_CELL_MAX + 1));
    if (p->row.buf == NULL || p->cells == NULL) {
        free(p->row.buf);
        free(p->cells);
        free(p);
        return NULL;
    }
    return p;
}

void
lead_line_parser_free(lead_line_parser *p)
{
    if (p == NULL) {
        return;
    }
    json_decref(p->doc);
    free(p->row.buf);
    free(p->cells);
    free(p);
}

/* ---- JSON -------------------------------------------------------------- */

static void
json_value(json_t *j, line_value *v)
{
    memset(v, 0, sizeof(*v));
    switch (json_typeof(j)) {
    case JSON_STRING:
        v->type = V_TEXT;
        v->s = json_string_value(j);
        v->len = json_string_length(j);
        break;
    case JSON_INTEGER:
        v->type = V_INT;
        v->i = json_integer_value(j);
        break;
    case JSON_TRUE:
        v->type = V_TRUE;
        break;
    case JSON_FALSE:
        v->type = V_FALSE;
        break;
    case JSON_ARRAY:
        v->type = V_ARRAY;
        v->j = j;
        break;
    case JSON_NULL:
        v->type = V_NONE;
        break;
    default:
        v->type = V_OTHER;
    }
}

/*
 * The line's values by field.  The encoder writes a kind's keys in the
 * order of its fields, so each key is found a step or two ahead in that
 * list, without a lookup; a line with a key out of that order (or one
 * unknown) is looked up field by field.
 */
static void
line_values(json_t *doc, const int *fields, json_t **val)
{
    const char  *key, *name;
    const int   *f = fields, *g;
    size_t       len;
    void        *it;

    for (it = json_object_iter(doc); it; it = json_object_iter_next(doc, it)) {
        key = json_object_iter_key(it);
        len = json_object_iter_key_len(it);
        for (g = f; *g != F_END; g++) {
            name = lead_line_field_name(*g);
            if (strlen(name) == len && memcmp(name, key, len) == 0) {
                break;
            }
        }
        if (*g == F_END) {
            for (g = fields; *g != F_END; g++) {
                val[*g] = json_object_get(doc, lead_line_field_name(*g));
            }
            return;
        }
        val[*g] = json_object_iter_value(it);
        f = g + 1;
    }
}

/* "" and null are left out, as the encoder leaves out what is empty */
static int
absent(const line_value *v)
{
    return v->type == V_NONE || (v->type == V_TEXT && v->len == 0);
}

int
lead_line_parse(lead_line_parser *p, const char *text, size_t len,
    lead_line *l, char *err, size_t errlen)
{
    json_error_t  e;
    json_t       *j, *val[LEAD_LINE_NFIELDS];
    line_value    v;
    const int    *f;
    unsigned      given[LEAD_LINE_NFIELDS];
    size_t        i;

    memset(l, 0, sizeof(*l));
    json_decref(p->doc);
    p->doc = NULL;
    p->what = "line";
    p->csv = 0;
    p->err = err;
    p->errlen = errlen;
    if (errlen) {
        err[0] = '\0';
    }

    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        len--;
    }
    for (i = 0; i < len && (text[i] == ' ' || text[i] == '\t'); i++) {
        /* void */
    }
    if (i == len) {
        return LEAD_ENOTFOUND;
    }
    if (len > LEAD_LINE_MAX) {
        return lead_line_bad(p, "longer than %d bytes", LEAD_LINE_MAX);
    }

    p->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                        &e);
    if (p->doc == NULL) {
        return lead_line_bad(p, "not JSON: %s (at byte %d)", e.text,
                             e.position);
    }
    if (!json_is_object(p->doc)) {
        return lead_line_bad(p, "not a JSON object");
    }

    j = json_object_get(p->doc, "kind");
    if (j == NULL) {
        return lead_line_bad(p, "no \"kind\"");
    }
    json_value(j, &v);
    if (lead_line_set_kind(p, l, &v) != LEAD_OK) {
        return LEAD_EINVAL;
    }

    memset(given, 0, sizeof(given));
    memset(val, 0, sizeof(val));
    line_values(p->doc, lead_line_kind_fields(l->kind), val);
    for (f = lead_line_kind_fields(l->kind); *f != F_END; f++) {
        if (val[*f] == NULL) {
            continue;
        }
        json_value(val[*f], &v);
        if (absent(&v)) {
            continue;
        }
        if (lead_line_set_field(p, l, *f, &v) != LEAD_OK) {
            return LEAD_EINVAL;
        }
        given[*f] = 1;
    }

    return lead_line_check(p, l, given);
}

