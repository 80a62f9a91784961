/*
 * Every number explains itself, over a whole store: for each lead, the
 * rows of "why" sum to the score shown, hot content is at most 5 parts
 * worth something, and the list's top asset is the lead page's first.
 *
 *   build/bench-why DIR RULES_DIR [NOW_MS]
 *
 * Prints the leads checked and the time taken; exits 1 on the first lead
 * that does not add up, naming it.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_report.h"

static int
check(lead_store *s, const lead_rules *r, const lead_row *row,
    uint64_t now, uint64_t *rows, uint64_t *folded)
{
    lead_detail  d;
    char         hex[LEAD_ID_HEX_LEN + 1];
    int64_t      sum = 0;
    unsigned     i;
    int          rc;

    lead_id_to_hex(row->id, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';

    rc = lead_query_lead(s, r, hex, LEAD_ID_HEX_LEN, now, &d);
    if (rc != LEAD_OK) {
        fprintf(stderr, "bench-why: lead %s: %s\n", hex,
                lead_store_errmsg(s));
        return -1;
    }

    for (i = 0; i < d.score.nwhy; i++) {
        sum += d.score.why[i].shown;
        *folded += d.score.why[i].others != 0;
    }
    *rows += d.score.nwhy;

    if (sum != (int64_t) rint(d.row.engagement) || sum != d.score.shown) {
        fprintf(stderr, "bench-why: lead %s: why sums to %" PRId64
                ", the score is %.0f\n", hex, sum, d.row.engagement);
        rc = -1;
    }
    /* the list (kept or scanned) and the page: one score, one top asset */
    if (fabs(row->engagement - d.row.engagement)
        > 1e-6 * (1 + fabs(d.row.engagement)))
    {
        fprintf(stderr, "bench-why: lead %s: the list says %.6f, the page "
                "%.6f\n", hex, row->engagement, d.row.engagement);
        rc = -1;
    }
    if (row->top_asset_id != (d.score.nhot ? d.score.hot[0].asset_id : 0)) {
        fprintf(stderr, "bench-why: lead %s: the list's top asset is not "
                "the page's first hot content\n", hex);
        rc = -1;
    }
    for (i = 0; i < d.score.nhot; i++) {
        if (d.score.hot[i].score <= 0 || d.score.hot[i].group_bonus
            || (i && d.score.hot[i].score > d.score.hot[i - 1].score))
        {
            fprintf(stderr, "bench-why: lead %s: hot content %u is out of "
                    "place\n", hex, i);
            rc = -1;
        }
    }

    lead_detail_free(&d);
    return rc;
}

int
main(int argc, char **argv)
{
    lead_store_opts   opts = { 0, 1, 1, 0 };
    lead_store       *s;
    lead_rules       *r;
    lead_list         l;
    lead_filter       f;
    uint64_t          now, rows = 0, folded = 0;
    struct timespec   t0, t1;
    char              err[1024];
    size_t            i;
    int               bad = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: %s DIR RULES_DIR [NOW_MS]\n", argv[0]);
        return 2;
    }
    now = argc > 3 ? strtoull(argv[3], NULL, 10)
                   : (uint64_t) time(NULL) * 1000;

    if (lead_rules_load(&r, argv[2], err, sizeof(err)) != LEAD_OK
        || lead_store_open(&s, argv[1], &opts, err, sizeof(err)) != LEAD_OK)
    {
        fprintf(stderr, "bench-why: %s\n", err);
        return 1;
    }

    clock_gettime(CLOCK_MONOTONIC, &t0);
    lead_filter_init(&f);
    if (lead_query_leads(s, r, now, &f, &l) != LEAD_OK) {
        fprintf(stderr, "bench-why: %s\n", lead_store_errmsg(s));
        return 1;
    }
    for (i = 0; i < l.n && bad < 10; i++) {
        bad += check(s, r, &l.rows[i], now, &rows, &folded) != 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);

    printf("%zu leads, %" PRIu64 " rows of why (%" PRIu64 " folding more), "
           "%s, in %.1f s\n", i, rows, folded,
           bad ? "SOME DO NOT ADD UP" : "every one adds up to its score",
           (double) (t1.tv_sec - t0.tv_sec)
           + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);

    lead_list_free(&l);
    lead_store_close(s);
    lead_rules_free(r);
    return bad ? 1 : 0;
}
