/*
 * The profiler's read side against a store (a generated one, see
 * dataset.c): scoring every lead, the leads list and its top 100.
 * Prints the median of RUNS runs of each, in ms.
 *
 *   build/bench-profile DIR [RUNS]
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lead.h"

static double
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
count_lead(void *arg, const lead_person *p, const lead_score *score)
{
    (void) p;
    (void) score;
    ++*(size_t *) arg;
    return 0;
}

static int
ms_cmp(const void *x, const void *y)
{
    double  a = *(const double *) x, b = *(const double *) y;

    return (a > b) - (a < b);
}

int
main(int argc, char **argv)
{
    lead_store       *s;
    lead_rules       *r;
    lead_store_opts   opts = { 0, 1, 1, 0 };
    char              err[1024];
    double            t[64], t0;
    size_t            n = 0;
    int               runs, i;
    uint64_t          now = (uint64_t) time(NULL) * 1000;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [RUNS]\n", argv[0]);
        return 2;
    }
    runs = argc > 2 ? atoi(argv[2]) : 5;
    runs = runs < 1 ? 1 : runs > 64 ? 64 : runs;

    if (lead_store_open(&s, argv[1], &opts, err, sizeof(err)) != LEAD_OK
        || lead_store_get_rules(s, &r, err, sizeof(err)) != LEAD_OK)
    {
        fprintf(stderr, "bench-profile: %s\n", err);
        return 1;
    }

    for (i = 0; i < runs; i++) {
        n = 0;
        t0 = now_ms();
        if (lead_store_score_leads(s, lead_rules_scoring(r), now,
                                   count_lead, &n) != LEAD_OK)
        {
            fprintf(stderr, "bench-profile: %s\n", lead_store_errmsg(s));
            return 1;
        }
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t) runs, sizeof(double), ms_cmp);
    printf("score every lead (%zu leads): %.1f ms (median of %d)\n", n,
           t[runs / 2], runs);

    lead_rules_free(r);
    lead_store_close(s);
    return 0;
}
