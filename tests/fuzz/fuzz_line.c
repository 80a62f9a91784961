/*
 * libFuzzer: a line as an edge, an export or a relay may send it.  What
 * parses must encode to one JSON object and one CSV row that parse again
 * to the very same fields; so the encoder meets every value the parser
 * lets through.  The input's bytes are also the strings of a line made
 * by hand: whatever they hold, the encoder writes one valid object.
 */

#include <string.h>

#include <jansson.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_report.h"
#include "../unit/line_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lead_line_parser  *json_p, *again_p, *csv_p;

static void
setup(void)
{
    lead_buf  head = { 0 };
    char      err[256];

    json_p = lead_line_parser_new();
    again_p = lead_line_parser_new();
    csv_p = lead_line_parser_new();
    if (json_p == NULL || again_p == NULL || csv_p == NULL) {
        __builtin_trap();
    }
    lead_line_csv_header(&head);
    if (head.oom || lead_line_csv_columns(csv_p, head.data, head.len, NULL,
                                          err, sizeof(err)) != LEAD_OK)
    {
        __builtin_trap();
    }
    lead_buf_free(&head);
}

/* One object jansson takes (valid UTF-8, no NUL), on one line. */
static void
check_object(const lead_buf *out, const char *kind)
{
    json_error_t  e;
    json_t       *j;

    if (out->oom || memchr(out->data, '\n', out->len) != NULL) {
        __builtin_trap();
    }
    j = json_loadb(out->data, out->len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL || !json_is_object(j)
        || strcmp(json_string_value(json_object_get(j, "kind")), kind) != 0)
    {
        __builtin_trap();
    }
    json_decref(j);
}

static void
round_trip(const lead_line *l)
{
    lead_line  back;
    lead_buf   out = { 0 };
    char       err[256];

    lead_line_json(&out, l);
    check_object(&out, lead_line_kind_name(l->kind));
    if (lead_line_parse(again_p, out.data, out.len, &back, err, sizeof(err))
        != LEAD_OK || line_diff(l, &back) != NULL)
    {
        __builtin_trap();
    }

    /* CSV readers trim spaces at a cell's ends: those aside, the same */
    if (!line_edge_spaces(l)) {
        out.len = 0;
        lead_line_csv(&out, l);
        if (out.oom
            || lead_line_parse_csv(csv_p, out.data, out.len, &back, err,
                                   sizeof(err)) != LEAD_OK
            || line_diff(l, &back) != NULL)
        {
            __builtin_trap();
        }
    }
    lead_buf_free(&out);
}

/* The input as every string of a line of each kind. */
static void
hostile(const char *s, size_t size)
{
    lead_line  l;
    lead_buf   out = { 0 };
    lead_str   v = { s, size };
    int        kind;

    for (kind = 0; kind < LEAD_LINE_NKINDS; kind++) {
        memset(&l, 0, sizeof(l));
        l.kind = kind;
        l.id = l.node = l.email = l.name = l.topics = l.owner = v;
        l.cause = l.who = l.reason = l.signal = v;
        l.ev.path = l.ev.referrer_host = l.ev.utm_source = v;
        l.ev.utm_medium = l.ev.utm_campaign = l.ev.stage = v;
        l.ev.topic = l.ev.group = l.ev.country = v;
        l.ev.region = l.ev.city = v;
        l.ev.comment = v;
        l.ev.rating = (uint8_t) (size % (LEAD_RATING_MAX + 1));
        l.ev.time_ms = size > 0 ? (uint64_t) s[0] << 40 : 0;
        l.ev.status = 200;
        l.ev.file_size = size;
        l.ev.bytes_sent = size / 2;
        l.status = size % LEAD_NSTATUSES;
        out.len = 0;
        lead_line_json(&out, &l);
        check_object(&out, lead_line_kind_name(kind));
    }
    lead_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lead_line  l;
    char       err[256];
    int        rc;

    if (json_p == NULL) {
        setup();
    }

    rc = lead_line_parse(json_p, (const char *) data, size, &l, err,
                         sizeof(err));
    if (rc == LEAD_OK) {
        round_trip(&l);
    } else if ((rc != LEAD_EINVAL || err[0] == '\0')
               && rc != LEAD_ENOTFOUND)
    {
        __builtin_trap();
    }

    /* short: every string of five lines, escaped byte by byte */
    if (size <= 256) {
        hostile((const char *) data, size);
    }
    return 0;
}
