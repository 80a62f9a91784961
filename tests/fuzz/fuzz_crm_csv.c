/*
 * libFuzzer: a CRM's CSV export.  The input's first line is a map
 * ("email=E-mail,..."), its second the header row, the rest its rows
 * (a record goes on over a line break in quotes).  A row taken must hold
 * together, and say the same again as a JSON line.
 */

#include <string.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_report.h"
#include "../unit/line_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lead_line_parser  *csv_p, *json_p;

static void
check_row(const lead_line *l)
{
    lead_line  back;
    lead_buf   out = { 0 };
    char       err[256];

    if (l->id.len == 0 || l->id.len > LEAD_LINE_ID_MAX
        || l->id.data[l->id.len] != '\0' || l->kind < 0
        || l->kind >= LEAD_LINE_NKINDS || l->deal.amount < 0
        || l->deal.amount > LEAD_AMOUNT_MAX)
    {
        __builtin_trap();
    }

    lead_line_json(&out, l);
    if (out.oom
        || lead_line_parse(json_p, out.data, out.len, &back, err, sizeof(err))
           != LEAD_OK
        || line_diff(l, &back) != NULL)
    {
        __builtin_trap();
    }
    lead_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char  *s = (const char *) data, *end = s + size, *nl, *row;
    char         map[512], err[256];
    lead_line    l;
    size_t       n;
    int          rc;

    if (csv_p == NULL) {
        csv_p = lead_line_parser_new();
        json_p = lead_line_parser_new();
        if (csv_p == NULL || json_p == NULL) {
            __builtin_trap();
        }
    }

    nl = memchr(s, '\n', size);
    if (nl == NULL || (size_t) (nl - s) >= sizeof(map)) {
        return 0;
    }
    memcpy(map, s, (size_t) (nl - s));
    map[nl - s] = '\0';
    if (memchr(map, '\0', (size_t) (nl - s)) != NULL) {
        return 0;
    }
    s = nl + 1;

    nl = memchr(s, '\n', (size_t) (end - s));
    nl = nl ? nl + 1 : end;
    if (lead_line_csv_columns(csv_p, s, (size_t) (nl - s),
                              map[0] ? map : NULL, err, sizeof(err))
        != LEAD_OK)
    {
        return 0;
    }

    for (s = nl; s < end; s = nl) {
        /* one record: lines joined while a quote is open */
        row = s;
        n = 0;
        do {
            nl = memchr(row + n, '\n', (size_t) (end - row - n));
            nl = nl ? nl + 1 : end;
            n = (size_t) (nl - row);
        } while (nl < end && lead_line_csv_open(row, n));

        rc = lead_line_parse_csv(csv_p, row, n, &l, err, sizeof(err));
        if (rc == LEAD_OK) {
            check_row(&l);
        } else if (rc != LEAD_ENOTFOUND && (rc != LEAD_EINVAL || !err[0])) {
            __builtin_trap();
        }
    }
    return 0;
}
