/*
 * The calibration table (does the score predict?) as text and as JSON,
 * for leadctl calibration and the sales view's funnel page.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define DAY_MS  86400000.0

static const char  grades[] = "ABCD";

/* ---- text -------------------------------------------------------------- */

/* "62% 50/81", "*" after a small sample, "-" for none */
static void
rate_text(lead_buf *out, uint64_t n, uint64_t d)
{
    char  cell[48];

    if (d == 0) {
        snprintf(cell, sizeof(cell), "-");
    } else {
        snprintf(cell, sizeof(cell), "%5.1f%% %" PRIu64 "/%" PRIu64 "%s",
                 lead_calibration_pct(n, d), n, d,
                 d < LEAD_CALIBRATION_SMALL ? "*" : "");
    }
    lead_buf_printf(out, " %-18s", cell);
}

static void
median_text(lead_buf *out, uint64_t samples, uint64_t reads, uint64_t ms)
{
    if (samples == 0) {
        lead_buf_printf(out, " %6s %6s", "-", "-");
    } else {
        lead_buf_printf(out, " %6" PRIu64 " %6.1f", reads,
                        (double) ms / DAY_MS);
    }
}

static void
row_text(lead_buf *out, const char *label, const lead_calibration_row *row)
{
    lead_buf_printf(out, "%-7s %5" PRIu64, label, row->mql);
    rate_text(out, row->sal, row->left_mql);
    rate_text(out, row->won, row->closed);
    rate_text(out, row->won, row->mql);
    median_text(out, row->nsal, row->reads_to_sal, row->ms_to_sal);
    median_text(out, row->nwon, row->reads_to_won, row->ms_to_won);
    lead_buf_puts(out, "\n");
}

static void
table_text(lead_buf *out, const lead_calibration_table *t)
{
    char  label[16];
    int   i;

    lead_buf_printf(out, "%-7s %5s %-18s %-18s %-18s %13s %13s\n", "", "",
                    "", "", "", "to SAL:", "to won:");
    lead_buf_printf(out, "%-7s %5s %-18s %-18s %-18s %6s %6s %6s %6s\n", "",
                    "MQLs", " MQL->SAL", " SAL->won", " win rate", "reads",
                    "days", "reads", "days");
    row_text(out, "all", &t->all);
    for (i = 0; i < 4; i++) {
        snprintf(label, sizeof(label), "band %c", (char) ('1' + i));
        row_text(out, label, &t->band[i]);
    }
    for (i = 0; i < 4; i++) {
        snprintf(label, sizeof(label), "grade %c", grades[i]);
        row_text(out, label, &t->grade[i]);
    }
    for (i = 0; i < 16; i++) {
        if (t->cell[i].mql) {
            snprintf(label, sizeof(label), "%c%d", grades[i / 4], i % 4 + 1);
            row_text(out, label, &t->cell[i]);
        }
    }
}

static void
side_text(lead_buf *out, const char *label, const lead_calibration_row *a,
    const lead_calibration_row *b)
{
    lead_buf_printf(out, "%-7s %5" PRIu64, label, a->mql);
    rate_text(out, a->won, a->mql);
    lead_buf_printf(out, "  %5" PRIu64, b->mql);
    rate_text(out, b->won, b->mql);
    while (out->len && out->data[out->len - 1] == ' ') {
        out->len--;                     /* the last column's padding */
    }
    lead_buf_puts(out, "\n");
}

void
lead_report_calibration_text(lead_buf *out, const lead_calibration *c)
{
    char  label[16];
    int   i;

    lead_buf_puts(out, "Does the score predict?  Leads that became MQL, by "
                  "the cell, band and grade\nthey had at that moment, and "
                  "what became of them by now.\n\n");
    if (c->has_proposed) {
        lead_buf_puts(out, "Win rate (won, of every MQL) under the current "
                      "rules and the proposed ones");
        lead_buf_printf(out, "\n\n%-7s %5s %-18s  %5s %-18s\n", "", "MQLs",
                        " win rate", "MQLs", " win rate (proposed)");
        for (i = 0; i < 4; i++) {
            snprintf(label, sizeof(label), "band %c", (char) ('1' + i));
            side_text(out, label, &c->current.band[i], &c->proposed.band[i]);
        }
        for (i = 0; i < 4; i++) {
            snprintf(label, sizeof(label), "grade %c", grades[i]);
            side_text(out, label, &c->current.grade[i],
                      &c->proposed.grade[i]);
        }
        lead_buf_puts(out, "\nUnder the current rules\n\n");
    }
    table_text(out, &c->current);
    if (c->has_proposed) {
        lead_buf_puts(out, "\nUnder the proposed rules\n\n");
        table_text(out, &c->proposed);
    }
    lead_buf_printf(out, "\nMQL->SAL: accepted, of the MQLs sales decided on "
                    "(accepted or sent back);\nSAL->won: won, of those "
                    "accepted that were won or lost; win rate: won, of\n"
                    "every MQL; then the medians of reads and of days from "
                    "identified to SAL and\nto won.  *: fewer than %d leads, "
                    "a small sample.\n", LEAD_CALIBRATION_SMALL);
}

/* ---- JSON -------------------------------------------------------------- */

static void
rate_json(lead_buf *out, const char *name, uint64_t n, uint64_t d)
{
    if (d == 0) {
        lead_buf_printf(out, ",\"%s\":null", name);
    } else {
        lead_buf_printf(out, ",\"%s\":%.1f", name, lead_calibration_pct(n, d));
    }
}

static void
median_json(lead_buf *out, const char *to, uint64_t samples, uint64_t reads,
    uint64_t ms)
{
    if (samples == 0) {
        lead_buf_printf(out, ",\"median_reads_to_%s\":null,"
                        "\"median_days_to_%s\":null", to, to);
    } else {
        lead_buf_printf(out, ",\"median_reads_to_%s\":%" PRIu64
                        ",\"median_days_to_%s\":%.1f", to, reads, to,
                        (double) ms / DAY_MS);
    }
}

/* The row's members, after the caller's first one. */
static void
row_json(lead_buf *out, const lead_calibration_row *row)
{
    lead_buf_printf(out, ",\"mql\":%" PRIu64 ",\"left_mql\":%" PRIu64
                    ",\"sal\":%" PRIu64 ",\"closed\":%" PRIu64 ",\"won\":%"
                    PRIu64 ",\"lost\":%" PRIu64 ",\"small\":%s",
                    row->mql, row->left_mql, row->sal, row->closed, row->won,
                    row->lost,
                    row->mql < LEAD_CALIBRATION_SMALL ? "true" : "false");
    rate_json(out, "mql_to_sal_pct", row->sal, row->left_mql);
    rate_json(out, "sal_to_won_pct", row->won, row->closed);
    rate_json(out, "win_rate_pct", row->won, row->mql);
    median_json(out, "sal", row->nsal, row->reads_to_sal, row->ms_to_sal);
    median_json(out, "won", row->nwon, row->reads_to_won, row->ms_to_won);
    lead_buf_puts(out, "}");
}

static void
table_json(lead_buf *out, const lead_calibration_table *t)
{
    int  i;

    lead_buf_puts(out, "{\"all\":{\"group\":\"all\"");
    row_json(out, &t->all);
    lead_buf_puts(out, ",\"bands\":[");
    for (i = 0; i < 4; i++) {
        lead_buf_printf(out, "%s\n  {\"band\":%d", i ? "," : "", i + 1);
        row_json(out, &t->band[i]);
    }
    lead_buf_puts(out, "],\"grades\":[");
    for (i = 0; i < 4; i++) {
        lead_buf_printf(out, "%s\n  {\"grade\":\"%c\"", i ? "," : "",
                        grades[i]);
        row_json(out, &t->grade[i]);
    }
    lead_buf_puts(out, "],\"cells\":[");
    for (i = 0; i < 16; i++) {
        lead_buf_printf(out, "%s\n  {\"cell\":\"%c%d\"", i ? "," : "",
                        grades[i / 4], i % 4 + 1);
        row_json(out, &t->cell[i]);
    }
    lead_buf_puts(out, "]}");
}

void
lead_report_calibration_json(lead_buf *out, const lead_calibration *c)
{
    lead_buf_printf(out, "{\"small_below\":%d,\"current\":",
                    LEAD_CALIBRATION_SMALL);
    table_json(out, &c->current);
    if (c->has_proposed) {
        lead_buf_puts(out, ",\n\"proposed\":");
        table_json(out, &c->proposed);
    }
    lead_buf_puts(out, "}\n");
}
