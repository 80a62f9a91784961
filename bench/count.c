/*
 * The events in a store and the size of its file, for the benchmark's
 * nothing-lost check: prints "EVENTS BYTES" (LMDB's file grows with the
 * pages it uses, without a WRITEMAP: its size is the store's).
 *
 *   build/bench-count DIR
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "lead.h"
#include "lead_report.h"

static int
count_event(void *arg, uint64_t seq, const lead_event *ev)
{
    (void) seq;
    (void) ev;
    ++*(uint64_t *) arg;
    return 0;
}

int
main(int argc, char **argv)
{
    lead_store       *s;
    lead_store_opts   opts = { 0, 1, 1, 0 };
    char              err[512], path[4096];
    uint64_t          n = 0;
    struct stat       st;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    if (lead_store_open(&s, argv[1], &opts, err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "bench-count: %s\n", err);
        return 1;
    }
    if (lead_store_each_event(s, count_event, &n) != LEAD_OK) {
        fprintf(stderr, "bench-count: %s\n", lead_store_errmsg(s));
        lead_store_close(s);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/data.mdb", argv[1]);
    printf("%" PRIu64 " %lld\n", n,
           stat(path, &st) == 0 ? (long long) st.st_size : 0LL);
    lead_store_close(s);
    return 0;
}
