/*
 * The store's batch write path alone: requests' hits into batches of the
 * size a busy worker commits, made events (the target normalised, as the
 * store's thread does) and committed, all timed.  Prints events/s.
 *
 *   build/bench-ingest DIR [EVENTS] [VISITORS] [BATCH]
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

/* As the store's thread does: the hits made events, then committed. */
static int
commit(lead_store *s, const lead_hits *hits, lead_batch *events)
{
    if (lead_hits_finish(hits, NULL, NULL, events) != LEAD_OK
        || lead_store_commit(s, events) != LEAD_OK)
    {
        fprintf(stderr, "%s\n", lead_store_errmsg(s));
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    lead_store       *s;
    lead_hits        *b;
    lead_batch       *events;
    lead_event        ev;
    lead_store_opts   opts = { (uint64_t) 4 << 30, 0, 0, 0 };
    char              err[512], paths[50][64], *path;
    long              n, visitors, batch, i;
    double            t0, t;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [EVENTS] [VISITORS] [BATCH]\n",
                argv[0]);
        return 2;
    }
    n = argc > 2 ? atol(argv[2]) : 1000000;
    visitors = argc > 3 ? atol(argv[3]) : 100000;
    batch = argc > 4 ? atol(argv[4]) : 10000;

    if (lead_store_open(&s, argv[1], &opts, err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    b = lead_hits_new((size_t) batch * 256);
    events = lead_batch_new(SIZE_MAX);

    memset(&ev, 0, sizeof(ev));
    ev.status = 200;
    ev.ua_class = LEAD_UA_BROWSER;
    ev.file_size = ev.bytes_sent = 4096;
    ev.time_ms = 1700000000000ULL;

    /* made before the clock starts: formatting them is not the store's */
    for (i = 0; i < 50; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/library/doc-%ld.html", i);
    }

    t0 = lead_clock_ms();
    for (i = 0; i < n; i++) {
        long  v = (i * 7919) % visitors;            /* visitors interleave */

        memset(ev.visitor, 0, LEAD_ID_LEN);
        memcpy(ev.visitor, &v, sizeof(v));
        path = paths[i % 50];
        ev.time_ms++;

        if (lead_hits_add(b, &ev, path, strlen(path), NULL)
            == LEAD_EBATCHFULL
            || (long) lead_hits_count(b) == batch)
        {
            if (commit(s, b, events) != 0) {
                return 1;
            }
            lead_hits_clear(b);
            if (lead_hits_count(b) == 0 && i % batch != batch - 1) {
                lead_hits_add(b, &ev, path, strlen(path), NULL);
            }
        }
    }
    if (commit(s, b, events) != 0) {
        return 1;
    }
    t = (lead_clock_ms() - t0) / 1e3;

    printf("%ld events, %ld visitors, batches of %ld: %.3f s, %.0f events/s\n",
           n, visitors, batch, t, n / t);

    lead_hits_free(b);
    lead_batch_free(events);
    lead_store_close(s);
    return 0;
}
