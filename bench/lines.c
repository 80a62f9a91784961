/*
 * Ingest's commit path alone: read lines already parsed, as leadctl
 * ingest hands them on, added and committed in batches (lead_ingest_add,
 * lead_ingest_commit), all timed.  Prints events/s.  Visitors interleave,
 * and one line in ten arrives a few seconds late, as several edges' do.
 *
 *   build/bench-lines DIR [LINES] [VISITORS] [nosync|identify]
 *
 * identify: every line an identify of a visitor of its own (a lead each),
 * the slow path's cost.
 * nosync: commits not flushed to disk (the store's bulk-load option), to
 * tell the commit path's CPU from the disk's time.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_report.h"

static int
commit(lead_store *s, lead_ingest *in, size_t *applied)
{
    lead_ingested  got;

    if (lead_ingest_commit(in, 0, &got, NULL, NULL) != LEAD_OK) {
        fprintf(stderr, "%s\n", lead_store_errmsg(s));
        return 1;
    }
    *applied += got.applied;
    return 0;
}

int
main(int argc, char **argv)
{
    lead_store       *s;
    lead_ingest      *in;
    lead_line         l;
    lead_store_opts   opts = { (uint64_t) 4 << 30, 0, 0, 0 };
    char              err[512], paths[50][64], id[LEAD_ID_HEX_LEN + 3];
    uint8_t           req[LEAD_ID_LEN];
    long              n, visitors, i;
    int               identify;
    char              email[64];
    size_t            applied = 0;
    uint64_t          t0_ms = 1700000000000ULL;
    double            t0, t;
    int               rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [LINES] [VISITORS] "
                "[nosync|identify]\n", argv[0]);
        return 2;
    }
    n = argc > 2 ? atol(argv[2]) : 1000000;
    visitors = argc > 3 ? atol(argv[3]) : 100000;
    opts.nosync = argc > 4 && strcmp(argv[4], "nosync") == 0;
    identify = argc > 4 && strcmp(argv[4], "identify") == 0;

    if (lead_store_open(&s, argv[1], &opts, err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (lead_ingest_new(&in, s, NULL) != LEAD_OK) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }

    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_READ;
    l.node.data = "edge-1";
    l.node.len = 6;
    l.ev.status = 200;
    l.ev.ua_class = LEAD_UA_BROWSER;
    l.ev.file_size = l.ev.bytes_sent = 4096;
    l.ev.asset_id = 0x1234567890abcdefULL;
    l.ev.points = 10;
    l.ev.stage.data = "interest";
    l.ev.stage.len = 8;
    l.ev.topic.data = "guides";
    l.ev.topic.len = 6;

    /* made before the clock starts: formatting them is not ingest's */
    for (i = 0; i < 50; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/library/doc-%ld.html", i);
    }
    memset(req, 0, sizeof(req));

    t0 = lead_clock_ms();
    for (i = 0; i < n; i++) {
        long  v = (i * 7919) % visitors;            /* visitors interleave */

        memset(l.ev.visitor, 0, LEAD_ID_LEN);
        memcpy(l.ev.visitor, &v, sizeof(v));
        l.ev.path.data = paths[i % 50];
        l.ev.path.len = strlen(paths[i % 50]);
        l.ev.time_ms = t0_ms + (uint64_t) i - (i % 10 == 0 ? 5000 : 0);

        /* an edge's id: its $request_id, then "-r" */
        memcpy(req, &i, sizeof(i));
        req[15] = 0x5a;
        lead_id_to_hex(req, id);
        memcpy(id + LEAD_ID_HEX_LEN, "-r", 3);
        l.id.data = id;
        l.id.len = LEAD_ID_HEX_LEN + 2;
        if (identify) {
            l.kind = LEAD_LINE_IDENTIFY;
            id[LEAD_ID_HEX_LEN + 1] = 'i';
            snprintf(email, sizeof(email), "person%ld@example.com", i);
            l.email.data = email;
            l.email.len = strlen(email);
            l.name.data = "A Person";
            l.name.len = 8;
        }

        rc = lead_ingest_add(in, &l);
        if (rc == LEAD_EBATCHFULL) {
            if (commit(s, in, &applied) != 0) {
                return 1;
            }
            rc = lead_ingest_add(in, &l);
        }
        if (rc != LEAD_OK) {
            fprintf(stderr, "lead_ingest_add: %d\n", rc);
            return 1;
        }
    }
    if (commit(s, in, &applied) != 0) {
        return 1;
    }
    t = (lead_clock_ms() - t0) / 1e3;

    printf("%ld lines, %ld visitors, %zu applied: %.3f s, %.0f events/s\n",
           n, visitors, applied, t, n / t);

    lead_ingest_free(in);
    lead_store_close(s);
    return applied == (size_t) n ? 0 : 1;
}
