/*
 * The profiler's read side against a store (a generated one: dataset.c):
 * scoring every lead (from the scores the fold keeps, and from every
 * event as new rules need), the leads list and its MQL top 100, leadctl's
 * calibration and funnel, and the sales view's pages as the module serves
 * them (server time, no network); with "scale", what run.sh scale
 * measures: the pages, the attributions, and the full re-score in turn
 * with a raw cursor scan of the same events to judge it by.
 * Prints one line per measurement, tab-separated: what, median, min and
 * max over RUNS runs in ms, and the size of the answer with its unit.
 *
 *   build/bench-profile DIR [RUNS] [scale] [ONLY]
 *
 * ONLY, a word, keeps the measurements whose name holds it ("funnel",
 * "assets" for the funnel page's assets' readers alone, "re-score" for
 * the scan and the full re-score in turn).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_report.h"
#include "lead_threads.h"
#include "lead_store.h"         /* the kept scores' reader, the raw scan */

#define MAX_RUNS 64

typedef struct {
    lead_store        *s;
    lead_rules        *r;
    lead_sales        *app;
    uint64_t           now;
    char               lead[LEAD_ID_HEX_LEN + 1];
    size_t             count;
    uint64_t           touched;     /* keeps the raw scan's reads */
    const char        *only;        /* a word the names kept hold */
} bench;

static int
count_lead(void *arg, const lead_person *p, const lead_score *score)
{
    (void) p;
    (void) score;
    ++*(size_t *) arg;
    return 0;
}

static int
count_scored(void *arg, const lead_scored *l)
{
    (void) l;
    ++*(size_t *) arg;
    return 0;
}

/* every lead's score now, as lists read it: kept scores and the tail */
static void
score_kept(bench *b, const char *arg)
{
    (void) arg;
    b->count = 0;
    if (lead_store_list_all(b->s, b->r, b->now, count_scored, &b->count)
        != LEAD_OK)
    {
        fprintf(stderr, "bench-profile: %s\n", lead_store_errmsg(b->s));
        exit(1);
    }
}

/*
 * every lead scored from all its events, as a change of rules needs, on
 * two threads as leadctl scores them (the module's pages, one thread)
 */
static void
score_all(bench *b, const char *arg)
{
    (void) arg;
    b->count = 0;
    lead_store_score_threads(b->s, 2);
    if (lead_store_score_leads(b->s, lead_rules_scoring(b->r), b->now,
                               count_lead, &b->count) != LEAD_OK)
    {
        fprintf(stderr, "bench-profile: %s\n", lead_store_errmsg(b->s));
        exit(1);
    }
    lead_store_score_threads(b->s, 1);
}

static void
raw_scan_failed(void)
{
    fprintf(stderr, "bench-profile: the raw scan failed\n");
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
        raw_scan_failed();
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
        raw_scan_failed();
    }
    b->touched += sum;
    b->count = n;
}

/* leadctl leads --status S, its first 100 rows */
static void
top_100(bench *b, const char *status)
{
    lead_filter  f;
    lead_list    l;
    char         err[256];

    lead_filter_init(&f);
    f.limit = 100;
    if (status && lead_filter_set(&f, b->r, "status", status,
                                  strlen(status), err, sizeof(err))
                  != LEAD_OK)
    {
        fprintf(stderr, "bench-profile: %s\n", err);
        exit(1);
    }
    if (lead_query_leads(b->s, b->r, b->now, &f, &l) != LEAD_OK) {
        fprintf(stderr, "bench-profile: %s\n", lead_store_errmsg(b->s));
        exit(1);
    }
    b->count = l.n < 100 ? l.n : 100;
    if (l.n && b->lead[0] == '\0') {
        lead_id_to_hex(l.rows[0].id, b->lead);
    }
    lead_list_free(&l);
}

static void
list_all(bench *b, const char *arg)
{
    lead_list  l;

    (void) arg;
    if (lead_query_leads(b->s, b->r, b->now, NULL, &l) != LEAD_OK) {
        fprintf(stderr, "bench-profile: %s\n", lead_store_errmsg(b->s));
        exit(1);
    }
    b->count = l.n;
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
        fprintf(stderr, "bench-profile: %s: %d\n", target, resp.status);
        exit(1);
    }
    b->count = resp.body.len;
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);
}

/* a leadctl report, as it prints it: "calibration", "funnel" */
static void
report(bench *b, const char *what)
{
    lead_report_request  req;
    lead_buf             out;

    memset(&req, 0, sizeof(req));
    req.what = strcmp(what, "calibration") == 0 ? LEAD_REPORT_CALIBRATION
                                                : LEAD_REPORT_FUNNEL;
    req.format = LEAD_REPORT_TEXT;
    req.rules = b->r;
    req.now_ms = b->now;
    memset(&out, 0, sizeof(out));
    if (lead_report(&out, b->s, &req) != LEAD_OK) {
        fprintf(stderr, "bench-profile: %s\n", lead_store_errmsg(b->s));
        exit(1);
    }
    b->count = out.len;
    lead_buf_free(&out);
}

static int
ms_cmp(const void *x, const void *y)
{
    double  a = *(const double *) x, b = *(const double *) y;

    return (a > b) - (a < b);
}

typedef void (*bench_fn)(bench *, const char *);

/* One run of fn, its time in ms put at t. */
static void
timed(bench *b, bench_fn fn, const char *arg, double *t)
{
    double  t0 = lead_clock_ms();

    fn(b, arg);
    *t = lead_clock_ms() - t0;
}

static void
print_line(const char *what, double *t, int runs, size_t count,
    const char *unit)
{
    qsort(t, (size_t) runs, sizeof(double), ms_cmp);
    printf("%s\t%.2f\t%.2f\t%.2f\t%zu\t%s\n", what, t[runs / 2], t[0],
           t[runs - 1], count, unit);
    fflush(stdout);
}

#define PROFILE  1      /* bench-profile DIR: a store of 100k leads */
#define SCALE    2      /* bench-profile DIR RUNS scale: of 1M */

static const struct {
    const char  *what, *unit;
    bench_fn     fn;
    const char  *arg;
    unsigned     sets;
} measurements[] = {
    { "score every lead", "leads", score_kept, NULL, PROFILE },
    { "score every lead from every event", "leads", score_all, NULL,
      PROFILE },
    { "leads --status mql, top 100", "rows", top_100, "mql", PROFILE },
    { "leads, top 100", "rows", top_100, NULL, PROFILE | SCALE },
    { "leads list, all", "rows", list_all, NULL, PROFILE },
    { "sales view: leads page", "bytes", page, "", PROFILE | SCALE },
    { "sales view: leads page 1000", "bytes", page, "?page=1000", PROFILE },
    { "sales view: mql, stage decision", "bytes", page,
      "?status=mql&stage=decision", PROFILE | SCALE },
    { "sales view: search", "bytes", page, "?q=person123", PROFILE | SCALE },
    { "sales view: one lead", "bytes", page, "lead", PROFILE | SCALE },
    { "leadctl calibration", "bytes", report, "calibration", PROFILE },
    { "leadctl funnel", "bytes", report, "funnel", PROFILE },
    { "sales view: funnel", "bytes", page, "funnel", PROFILE | SCALE },
    { "sales view: assets.json", "bytes", page, "assets.json",
      PROFILE | SCALE },
    { "sales view: accounts", "bytes", page, "accounts", PROFILE | SCALE },
    { "sales view: leads.csv", "bytes", page, "leads.csv", PROFILE },
    { "attribution by asset", "bytes", page,
      "attribution?by=asset&model=first", PROFILE | SCALE },
    { "attribution by campaign, JSON", "bytes", page,
      "attribution.json?by=campaign&model=linear", PROFILE | SCALE },
    { "attribution by channel, JSON", "bytes", page,
      "attribution.json?by=channel&model=last", PROFILE | SCALE },
};

int
main(int argc, char **argv)
{
    bench             b;
    lead_store_opts   opts = { 0, 1, 1, 0 };
    char              err[1024];
    double            t[MAX_RUNS], scan[MAX_RUNS];
    size_t            i, events = 0;
    unsigned          set;
    int               runs, k;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [RUNS] [scale] [ONLY]\n", argv[0]);
        return 2;
    }
    runs = argc > 2 ? atoi(argv[2]) : 5;
    runs = runs < 1 ? 1 : runs > MAX_RUNS ? MAX_RUNS : runs;
    set = argc > 3 && strcmp(argv[3], "scale") == 0 ? SCALE : PROFILE;

    memset(&b, 0, sizeof(b));
    b.only = argc > 4 ? argv[4] : "";
    b.now = (uint64_t) time(NULL) * 1000;
    if (lead_store_open(&b.s, argv[1], &opts, err, sizeof(err)) != LEAD_OK
        || lead_store_rules(b.s, &b.r, err, sizeof(err)) != LEAD_OK
        || lead_sales_new(&b.app, err, sizeof(err)) != LEAD_OK)
    {
        fprintf(stderr, "bench-profile: %s\n", err);
        return 1;
    }

    for (i = 0; i < sizeof(measurements) / sizeof(measurements[0]); i++) {
        if ((measurements[i].sets & set)
            && strstr(measurements[i].what, b.only) != NULL)
        {
            for (k = 0; k < runs; k++) {
                timed(&b, measurements[i].fn, measurements[i].arg, &t[k]);
            }
            print_line(measurements[i].what, t, runs, b.count,
                       measurements[i].unit);
        }
    }

    if (set == SCALE && strstr("re-score", b.only) != NULL) {
        /* in turn, so that the machine's moment falls on both */
        for (k = 0; k < runs; k++) {
            timed(&b, raw_scan, NULL, &scan[k]);
            events = b.count;
            timed(&b, score_all, NULL, &t[k]);
        }
        print_line("raw cursor scan of events", scan, runs, events, "events");
        print_line("score every lead from every event", t, runs, b.count,
                   "leads");
        if (b.touched == 1) {
            printf("\n");       /* never: the raw scan's reads are used */
        }
    }

    lead_sales_free(b.app);
    lead_rules_free(b.r);
    lead_store_close(b.s);
    return 0;
}
