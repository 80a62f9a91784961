/*
 * The read side against the scale store (run.sh scale): the sales view's
 * pages, the three attributions, the full re-score and a raw cursor scan
 * of the same events to judge it by.
 * Prints one line per measurement, tab-separated: what, median, min and
 * max over RUNS runs in ms, and the size of the answer with its unit.
 *
 *   build/bench-scale DIR [RUNS] [ONLY]
 *
 * ONLY: the measurements whose name holds it ("score": the re-score and
 * the raw scan), for profiling one.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_report.h"
#include "lead_store.h"         /* the raw scan's environment and table */

#define MAX_RUNS 64

typedef struct {
    lead_store        *s;
    lead_rules        *r;
    lead_sales        *app;
    uint64_t           now;
    char               lead[LEAD_ID_HEX_LEN + 1];
    size_t             count;
    uint64_t           touched;     /* keeps the raw scan's reads */
} bench;

static void
fail(bench *b, const char *what)
{
    fprintf(stderr, "bench-scale: %s: %s\n", what, lead_store_errmsg(b->s));
    exit(1);
}

/*
 * Every event of the log once, as LMDB hands it over: a cursor walk
 * reading each value's first and last bytes, nothing decoded.  What no
 * scan of the events can go below, in this store on this machine.
 */
static void
raw_scan(bench *b, const char *arg)
{
    MDB_txn     *txn;
    MDB_cursor  *c;
    MDB_val      k, v;
    uint64_t     sum = 0;
    size_t       n = 0;
    int          rc;

    (void) arg;
    if (mdb_txn_begin(b->s->env, NULL, MDB_RDONLY, &txn) != MDB_SUCCESS
        || mdb_cursor_open(txn, b->s->events, &c) != MDB_SUCCESS)
    {
        fail(b, "raw scan");
    }
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
    {
        sum += ((const uint8_t *) v.mv_data)[0]
               + ((const uint8_t *) v.mv_data)[v.mv_size - 1] + v.mv_size;
        n++;
    }
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    if (rc != MDB_NOTFOUND) {
        fail(b, "raw scan");
    }
    b->touched += sum;
    b->count = n;
}

static int
count_lead(void *arg, const lead_person *p, const lead_score *score)
{
    (void) p;
    (void) score;
    ++*(size_t *) arg;
    return 0;
}

/* every lead scored from all its events, as a change of rules needs */
static void
score_all(bench *b, const char *arg)
{
    (void) arg;
    b->count = 0;
    if (lead_store_score_leads(b->s, lead_rules_scoring(b->r), b->now,
                               count_lead, &b->count) != LEAD_OK)
    {
        fail(b, "score");
    }
}

/* the hottest lead: whose page "a lead's page" opens */
static void
first_lead(bench *b)
{
    lead_filter  f;
    lead_list    l;

    lead_filter_init(&f);
    f.limit = 1;
    if (lead_query_leads(b->s, b->r, b->now, &f, &l) != LEAD_OK) {
        fail(b, "leads");
    }
    if (l.n == 0) {
        fprintf(stderr, "bench-scale: the store has no lead\n");
        exit(1);
    }
    lead_id_to_hex(l.rows[0].id, b->lead);
    lead_list_free(&l);
}

/* a sales view page, as the module asks for it: "path?query" */
static void
page(bench *b, const char *target)
{
    static const lead_keys  keys = {
        { { "the benchmark's sales secret...", 32 } }, 1
    };
    lead_sales_request    req;
    lead_sales_response   resp;
    const char           *q = strchr(target, '?');
    char                  path[128];

    snprintf(path, sizeof(path), "%.*s", (int) (q ? q - target
                                                  : (long) strlen(target)),
             target);
    if (strcmp(path, "lead") == 0) {
        snprintf(path, sizeof(path), "lead/%s", b->lead);
    }

    memset(&req, 0, sizeof(req));
    req.path = (lead_str) { path, strlen(path) };
    req.query = q ? (lead_str) { q + 1, strlen(q + 1) } : (lead_str) { "", 0 };
    req.base = (lead_str) { "/lead/sales/", 12 };
    req.keys = &keys;
    req.browser_known = 1;
    req.now_ms = b->now;

    lead_sales_serve(b->app, b->s, b->r, &req, &resp);
    if (resp.status != 200) {
        fprintf(stderr, "bench-scale: %s: %d\n", target, resp.status);
        exit(1);
    }
    b->count = resp.body.len;
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);
}

static int
ms_cmp(const void *x, const void *y)
{
    double  a = *(const double *) x, b = *(const double *) y;

    return (a > b) - (a < b);
}

static const char  *only;

static void
measure(bench *b, int runs, const char *what, const char *unit,
    void (*fn)(bench *, const char *), const char *arg)
{
    double  t[MAX_RUNS], t0;
    int     i;

    if (only && strstr(what, only) == NULL) {
        return;
    }
    for (i = 0; i < runs; i++) {
        t0 = lead_clock_ms();
        fn(b, arg);
        t[i] = lead_clock_ms() - t0;
    }
    qsort(t, (size_t) runs, sizeof(double), ms_cmp);
    printf("%s\t%.2f\t%.2f\t%.2f\t%zu\t%s\n", what, t[runs / 2], t[0],
           t[runs - 1], b->count, unit);
    fflush(stdout);
}

/* a and b in turn, runs times each, so the machine's moment falls on both */
static void
measure_pair(bench *b, int runs, const char *what_a, const char *unit_a,
    void (*a)(bench *, const char *), const char *what_b,
    const char *unit_b, void (*fn_b)(bench *, const char *))
{
    double  ta[MAX_RUNS], tb[MAX_RUNS], t0;
    size_t  na = 0;
    int     i;

    if (only && strstr(what_a, only) == NULL && strstr(what_b, only) == NULL)
    {
        return;
    }
    for (i = 0; i < runs; i++) {
        t0 = lead_clock_ms();
        a(b, NULL);
        ta[i] = lead_clock_ms() - t0;
        na = b->count;
        t0 = lead_clock_ms();
        fn_b(b, NULL);
        tb[i] = lead_clock_ms() - t0;
    }
    qsort(ta, (size_t) runs, sizeof(double), ms_cmp);
    qsort(tb, (size_t) runs, sizeof(double), ms_cmp);
    printf("%s\t%.2f\t%.2f\t%.2f\t%zu\t%s\n", what_a, ta[runs / 2], ta[0],
           ta[runs - 1], na, unit_a);
    printf("%s\t%.2f\t%.2f\t%.2f\t%zu\t%s\n", what_b, tb[runs / 2], tb[0],
           tb[runs - 1], b->count, unit_b);
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    bench             b;
    lead_store_opts   opts = { 0, 1, 1, 0 };
    char              err[1024];
    int               runs;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [RUNS]\n", argv[0]);
        return 2;
    }
    runs = argc > 2 ? atoi(argv[2]) : 3;
    runs = runs < 1 ? 1 : runs > MAX_RUNS ? MAX_RUNS : runs;
    only = argc > 3 ? argv[3] : NULL;

    memset(&b, 0, sizeof(b));
    b.now = (uint64_t) time(NULL) * 1000;
    if (lead_store_open(&b.s, argv[1], &opts, err, sizeof(err)) != LEAD_OK
        || lead_store_rules(b.s, &b.r, err, sizeof(err)) != LEAD_OK
        || lead_sales_new(&b.app, err, sizeof(err)) != LEAD_OK)
    {
        fprintf(stderr, "bench-scale: %s\n", err);
        return 1;
    }
    first_lead(&b);

    measure(&b, runs, "sales view: leads page", "bytes", page, "");
    measure(&b, runs, "sales view: one lead", "bytes", page, "lead");
    measure(&b, runs, "sales view: mql, stage decision", "bytes", page,
            "?status=mql&stage=decision");
    measure(&b, runs, "sales view: search", "bytes", page, "?q=person123");
    measure(&b, runs, "sales view: funnel", "bytes", page, "funnel");
    measure(&b, runs, "sales view: accounts", "bytes", page, "accounts");
    measure(&b, runs, "attribution by asset", "bytes", page,
            "attribution?by=asset&model=first");
    measure(&b, runs, "attribution by campaign, JSON", "bytes", page,
            "attribution.json?by=campaign&model=linear");
    measure(&b, runs, "attribution by channel, JSON", "bytes", page,
            "attribution.json?by=channel&model=last");
    measure_pair(&b, runs, "raw cursor scan of events", "events", raw_scan,
                 "score every lead from every event", "leads", score_all);

    if (b.touched == 1) {
        printf("\n");           /* never: the raw scan's reads are used */
    }
    lead_sales_free(b.app);
    lead_rules_free(b.r);
    lead_store_close(b.s);
    return 0;
}
