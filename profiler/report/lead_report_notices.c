/*
 * The notices the store holds, as `leadctl notices` prints them: kind,
 * lead, created, tries, the next try or "failed", and the last answer.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

void
lead_report_notices_text(lead_buf *out, const lead_outbox *o)
{
    const lead_outbox_row  *row;
    char                    created[LEAD_TIME_LEN], next[LEAD_TIME_LEN];
    size_t                  i;

    lead_buf_printf(out, "%-9s %-24s %-24s %5s  %-24s %4s  %s\n", "kind",
                    "created", "next try", "tries", "lead", "last", "text");
    for (i = 0; i < o->n; i++) {
        row = &o->rows[i];
        lead_format_time(row->n.at_ms, created);
        if (row->n.due_ms == UINT64_MAX) {
            strcpy(next, "failed");
        } else {
            lead_format_time(row->n.due_ms, next);
        }
        lead_buf_printf(out, "%-9s %-24s %-24s %5u  ",
                        lead_notice_kind(row->n.kind), created, next,
                        row->n.tries);
        lead_buf_text(out, row->email, strlen(row->email));
        lead_buf_printf(out, "%*s", (int) (strlen(row->email) < 24
                                           ? 24 - strlen(row->email) : 0), "");
        if (row->n.status) {
            lead_buf_printf(out, " %4u  ", row->n.status);
        } else {
            lead_buf_printf(out, " %4s  ", "-");
        }
        lead_buf_text(out, row->n.text, strlen(row->n.text));
        lead_buf_puts(out, "\n");
    }
    lead_buf_printf(out, "%zu pending, %zu failed\n", o->pending, o->failed);
}

void
lead_report_notices_json(lead_buf *out, const lead_outbox *o)
{
    const lead_outbox_row  *row;
    char                    id[LEAD_NOTICE_ID_MAX], hex[LEAD_ID_HEX_LEN];
    char                    created[LEAD_TIME_LEN], next[LEAD_TIME_LEN];
    size_t                  i;

    lead_buf_puts(out, "[");
    for (i = 0; i < o->n; i++) {
        row = &o->rows[i];
        lead_notice_id(id, sizeof(id), &row->n);
        lead_id_to_hex(row->n.lead, hex);
        lead_format_time(row->n.at_ms, created);
        lead_buf_printf(out, "%s\"id\":\"%s\",\"kind\":\"%s\",\"lead\":"
                        "\"%.*s\",\"email\":", i ? ",\n  {" : "\n  {", id,
                        lead_notice_kind(row->n.kind), LEAD_ID_HEX_LEN, hex);
        lead_buf_json(out, row->email, strlen(row->email));
        lead_buf_printf(out, ",\"created\":\"%s\",\"tries\":%u,", created,
                        row->n.tries);
        if (row->n.due_ms == UINT64_MAX) {
            lead_buf_puts(out, "\"failed\":true,\"next_try\":null,");
        } else {
            lead_format_time(row->n.due_ms, next);
            lead_buf_printf(out, "\"failed\":false,\"next_try\":\"%s\",",
                            next);
        }
        lead_buf_printf(out, "\"status\":%u,\"text\":", row->n.status);
        lead_buf_json(out, row->n.text, strlen(row->n.text));
        lead_buf_puts(out, "}");
    }
    lead_buf_puts(out, o->n ? "\n]\n" : "]\n");
}
