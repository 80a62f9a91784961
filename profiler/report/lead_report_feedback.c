/*
 * Feedback on content as leadctl prints it and the sales view exports it:
 * the assets with their ratings, and one asset's ratings, comments and
 * notes, as text, JSON and CSV, every string escaped for where it goes.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

static const lead_feedback_asset  no_feedback;

static const lead_feedback_asset *
of(const lead_feedback_list *f, uint64_t id)
{
    const lead_feedback_asset  *row = lead_feedback_find(f, id);

    return row ? row : &no_feedback;
}

void
lead_report_average(char out[16], const lead_feedback_asset *row)
{
    if (row->ratings) {
        snprintf(out, 16, "%.1f", row->average);
    } else {
        memcpy(out, "-", 2);
    }
}

/* A text kept as it is, each line of it indented, for a terminal. */
static void
text_lines(lead_buf *out, lead_str s, const char *indent)
{
    size_t       i, start = 0;

    for (i = 0; i <= s.len; i++) {
        if (i == s.len || s.data[i] == '\n') {
            lead_buf_puts(out, indent);
            lead_buf_text(out, s.data + start, i - start);
            lead_buf_puts(out, "\n");
            start = i + 1;
        }
    }
}

static void
json_str(lead_buf *out, const char *name, lead_str s)
{
    lead_buf_printf(out, "\"%s\":", name);
    lead_buf_json(out, s.data ? s.data : "", s.len);
}

/* A comment with its rating, time and who wrote it, as JSON. */
static void
comment_json(lead_buf *out, const lead_rating *c)
{
    char  t[LEAD_TIME_LEN], hex[LEAD_ID_HEX_LEN + 1];

    lead_format_time(c->time_ms, t);
    lead_buf_printf(out, "{\"time\":\"%s\",\"rating\":%u,", t, c->rating);
    json_str(out, "who", c->who);
    if (c->has_lead) {
        lead_id_to_hex(c->lead, hex);
        lead_buf_printf(out, ",\"lead\":\"%.*s\"", LEAD_ID_HEX_LEN, hex);
    }
    lead_buf_puts(out, c->bot ? ",\"bot\":true," : ",");
    json_str(out, "comment", c->comment);
    lead_buf_puts(out, "}");
}

/* ---- the assets, with their ratings ------------------------------------ */

void
lead_report_assets_feedback_text(lead_buf *out, const lead_asset_list *l,
    const lead_feedback_list *f)
{
    const lead_feedback_asset  *fb;
    size_t                      i;
    char                        avg[16];

    lead_buf_printf(out, "%7s %5s %7s %7s %8s %5s  %s\n", "reads", "bots",
                    "ratings", "average", "comments", "notes", "path");
    for (i = 0; i < l->n; i++) {
        fb = of(f, l->rows[i].a.id);
        lead_report_average(avg, fb);
        lead_buf_printf(out, "%7" PRIu64 " %5" PRIu64 " %7u %7s %8u %5zu  ",
                        l->rows[i].people, l->rows[i].bots, fb->ratings, avg,
                        fb->comments, fb->nnotes);
        lead_buf_text(out, l->rows[i].a.path, strlen(l->rows[i].a.path));
        lead_buf_puts(out, "\n");
    }
    lead_buf_puts(out, "\nratings: each visitor's newest rating of the "
                  "asset (1 to 5); comments:\nthose with a comment; notes: "
                  "sales' notes (leadctl feedback ASSET shows them)\n");
}

void
lead_report_assets_feedback_json(lead_buf *out, const lead_asset_list *l,
    const lead_feedback_list *f)
{
    const lead_feedback_asset  *fb;
    size_t                      i, k;

    lead_buf_puts(out, "[");
    for (i = 0; i < l->n; i++) {
        const lead_asset_stats  *row = &l->rows[i];

        fb = of(f, row->a.id);
        lead_buf_printf(out, "%s\"asset\":\"%016" PRIx64 "\",",
                        i ? ",\n  {" : "\n  {", row->a.id);
        json_str(out, "path", (lead_str) { row->a.path,
                                           strlen(row->a.path) });
        lead_buf_puts(out, ",");
        json_str(out, "title", (lead_str) { row->a.title,
                                            strlen(row->a.title) });
        lead_buf_printf(out, ",\"people_reads\":%" PRIu64 ",\"bot_reads\":%"
                        PRIu64 ",\"ratings\":%u,\"average\":%.2f,"
                        "\"distribution\":[%u,%u,%u,%u,%u],"
                        "\"comments\":%u,\"notes\":%zu,\"latest\":[",
                        row->people, row->bots, fb->ratings, fb->average,
                        fb->dist[0], fb->dist[1], fb->dist[2], fb->dist[3],
                        fb->dist[4], fb->comments, fb->nnotes);
        for (k = 0; k < fb->nlatest; k++) {
            lead_buf_puts(out, k ? "," : "");
            comment_json(out, &fb->latest[k]);
        }
        lead_buf_puts(out, "]}");
    }
    lead_buf_puts(out, l->n ? "\n]\n" : "]\n");
}

void
lead_report_assets_feedback_csv(lead_buf *out, const lead_asset_list *l,
    const lead_feedback_list *f)
{
    const lead_feedback_asset  *fb;
    size_t                      i;
    char                        avg[16];

    lead_buf_puts(out, "asset,path,title,people_reads,bot_reads,ratings,"
                  "average,comments,notes\r\n");
    for (i = 0; i < l->n; i++) {
        const lead_asset_stats  *row = &l->rows[i];

        fb = of(f, row->a.id);
        if (fb->ratings) {
            snprintf(avg, sizeof(avg), "%.2f", fb->average);
        } else {
            avg[0] = '\0';
        }
        lead_buf_printf(out, "%016" PRIx64 ",", row->a.id);
        lead_buf_csv(out, row->a.path, strlen(row->a.path));
        lead_buf_puts(out, ",");
        lead_buf_csv(out, row->a.title, strlen(row->a.title));
        lead_buf_printf(out, ",%" PRIu64 ",%" PRIu64 ",%u,%s,%u,%zu\r\n",
                        row->people, row->bots, fb->ratings, avg,
                        fb->comments, fb->nnotes);
    }
}

/* ---- one asset --------------------------------------------------------- */

void
lead_report_feedback_text(lead_buf *out, const lead_feedback_asset *row)
{
    char    t[LEAD_TIME_LEN], avg[16];
    size_t  i;
    int     r;

    lead_buf_text(out, row->title.data, row->title.len);
    lead_buf_puts(out, "  ");
    lead_buf_text(out, row->path.data, row->path.len);
    lead_buf_printf(out, "  (asset %016" PRIx64 ")\n", row->asset_id);
    lead_report_average(avg, row);
    lead_buf_printf(out, "\nratings: %u, average %s", row->ratings, avg);
    if (row->bots) {
        lead_buf_printf(out, " (%u by bots' agents)", row->bots);
    }
    lead_buf_puts(out, "\n");
    for (r = 5; r >= 1; r--) {
        unsigned  n = row->dist[r - 1], w = row->ratings
                      ? (n * 40 + row->ratings - 1) / row->ratings : 0;

        lead_buf_printf(out, "  %d  %5u  ", r, n);
        while (w--) {
            lead_buf_puts(out, "#");
        }
        lead_buf_puts(out, "\n");
    }

    lead_buf_printf(out, "\ncomments: %u, newest first\n", row->comments);
    for (i = 0; i < row->nlatest; i++) {
        const lead_rating  *c = &row->latest[i];

        lead_format_time(c->time_ms, t);
        lead_buf_printf(out, "  %s  %u/5  ", t, c->rating);
        if (c->who.len) {
            lead_buf_text(out, c->who.data, c->who.len);
        } else {
            lead_buf_puts(out, "a visitor");
        }
        lead_buf_puts(out, "\n");
        text_lines(out, c->comment, "    ");
    }

    lead_buf_printf(out, "\nsales' notes: %zu, newest first\n", row->nnotes);
    for (i = 0; i < row->nnotes; i++) {
        const lead_note  *n = &row->notes[i];
        char              hex[LEAD_ID_HEX_LEN + 1];

        lead_format_time(n->time_ms, t);
        lead_buf_printf(out, "  %s  ", t);
        if (n->who.len) {
            lead_buf_text(out, n->who.data, n->who.len);
        } else {
            lead_buf_puts(out, "(not signed in)");
        }
        if (n->has_lead) {
            lead_id_to_hex(n->lead, hex);
            hex[LEAD_ID_HEX_LEN] = '\0';
            lead_buf_printf(out, "  on lead %s", hex);
        }
        lead_buf_puts(out, "\n");
        text_lines(out, n->text, "    ");
    }
}

void
lead_report_feedback_json(lead_buf *out, const lead_feedback_asset *row)
{
    char    t[LEAD_TIME_LEN], hex[LEAD_ID_HEX_LEN + 1];
    size_t  i;

    lead_buf_printf(out, "{\"asset\":\"%016" PRIx64 "\",", row->asset_id);
    json_str(out, "path", row->path);
    lead_buf_puts(out, ",");
    json_str(out, "title", row->title);
    lead_buf_printf(out, ",\"ratings\":%u,\"bots\":%u,\"average\":%.2f,"
                    "\"distribution\":[%u,%u,%u,%u,%u],\"comment_count\":%u,"
                    "\n \"comments\":[", row->ratings, row->bots,
                    row->average, row->dist[0], row->dist[1], row->dist[2],
                    row->dist[3], row->dist[4], row->comments);
    for (i = 0; i < row->nlatest; i++) {
        lead_buf_puts(out, i ? ",\n  " : "\n  ");
        comment_json(out, &row->latest[i]);
    }
    lead_buf_puts(out, "],\n \"notes\":[");
    for (i = 0; i < row->nnotes; i++) {
        const lead_note  *n = &row->notes[i];

        lead_format_time(n->time_ms, t);
        lead_buf_printf(out, "%s{\"time\":\"%s\",", i ? ",\n  " : "\n  ", t);
        json_str(out, "who", n->who);
        if (n->has_lead) {
            lead_id_to_hex(n->lead, hex);
            lead_buf_printf(out, ",\"lead\":\"%.*s\"", LEAD_ID_HEX_LEN, hex);
        }
        lead_buf_puts(out, ",");
        json_str(out, "text", n->text);
        lead_buf_puts(out, "}");
    }
    lead_buf_puts(out, "]}\n");
}
