/*
 * Ingest (lead_ingest.c): lines from several nodes into one real store,
 * each id once, in any order, to the same leads a single store shows.
 */

#include "unit.h"
#include "lead_line.h"

#include <unistd.h>

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))
#define SEC         UINT64_C(1000)
#define HOUR        (3600 * SEC)
#define DAY         (24 * HOUR)
#define T0          UINT64_C(1790000000000)
#define NOW         (T0 + 2 * DAY)
#define SIZE        UINT64_C(1000)
#define HEADER      "path,title,stage,points,topic,flags\n"

static const char  scoring[] =
    "mql_threshold 30;\n"
    "signal webinar 25 pricing;\n"
    "signal clicked 5;\n";
static const char  assets[] =
    HEADER
    "/pricing,Pricing and plans,decision,40,pricing,hot\n"
    "/a,Guide A,interest,10,guides,\n"
    "/b,Guide B,interest,10,guides,\n";

/* ---- a store of its own, and lines -------------------------------------- */

typedef struct {
    char          dir[64];
    lead_store   *s;
    lead_rules   *r;
    lead_ingest  *in;
    char          ids[64][LEAD_LINE_ID_MAX];
    lead_line     lines[64];
    size_t        n;
    char          why[8][256];
    size_t        nwhy;
} world;

static void
world_open(world *w)
{
    lead_store_opts  opts = { 0, 0, 0, 0 };
    char             err[512] = "";

    memset(w, 0, sizeof(*w));
    strcpy(w->dir, "/tmp/lead-ingest-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    w->s = unit_store_open(w->dir, &opts);
    if (lead_rules_parse(&w->r, "rules", scoring, strlen(scoring), assets,
                         strlen(assets), err, sizeof(err)) != LEAD_OK)
    {
        fail_msg("lead_rules_parse: %s", err);
    }
    assert_int_equal(lead_ingest_new(&w->in, w->s, w->r), LEAD_OK);
}

static void
world_close(world *w)
{
    char  path[128];

    lead_ingest_free(w->in);
    lead_store_close(w->s);
    lead_rules_free(w->r);
    snprintf(path, sizeof(path), "%s/data.mdb", w->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", w->dir);
    unlink(path);
    rmdir(w->dir);
}

static lead_str
str(const char *s)
{
    lead_str  v = { s, s ? strlen(s) : 0 };

    return v;
}

/* A line of kind with id "<node>-<n>-<letter>" at T0 + dt. */
static lead_line *
line(world *w, int kind, const char *id, uint64_t dt)
{
    lead_line  *l;

    assert_true(w->n < N_ELEMS(w->lines));
    l = &w->lines[w->n];
    memset(l, 0, sizeof(*l));
    snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s", id);
    l->kind = kind;
    l->id = str(w->ids[w->n]);
    l->node = str("edge");
    l->ev.time_ms = T0 + dt;
    w->n++;
    return l;
}

/* A browser's complete read of path by visitor who (its bytes). */
static lead_line *
read_line(world *w, const char *id, char who, const char *path, uint64_t dt)
{
    lead_line  *l = line(w, LEAD_LINE_READ, id, dt);

    memset(l->ev.visitor, who, LEAD_ID_LEN);
    l->ev.status = 200;
    l->ev.ua_class = LEAD_UA_BROWSER;
    l->ev.bytes_sent = SIZE;
    l->ev.file_size = SIZE;
    l->ev.path = str(path);
    lead_event_set_asset(&l->ev, lead_rules_match(w->r, path, strlen(path)));
    return l;
}

static lead_line *
identify_line(world *w, const char *id, char who, const char *email,
    const char *name, uint64_t dt)
{
    lead_line  *l = line(w, LEAD_LINE_IDENTIFY, id, dt);

    if (who) {
        memset(l->ev.visitor, who, LEAD_ID_LEN);
    }
    l->email = str(email);
    l->name = str(name);
    l->lead[0] = (uint8_t) email[0];    /* as the edge made it */
    l->lead[1] = (uint8_t) email[1];
    return l;
}

static lead_line *
status_line(world *w, const char *id, const char *email, int status,
    uint64_t dt)
{
    lead_line  *l = line(w, LEAD_LINE_STATUS, id, dt);

    l->email = str(email);
    l->status = status;
    return l;
}

static int
on_refused(void *arg, size_t index, const char *why)
{
    world  *w = arg;

    (void) index;
    if (w->nwhy < N_ELEMS(w->why)) {
        snprintf(w->why[w->nwhy++], sizeof(w->why[0]), "%s", why);
    }
    return 0;
}

/* Lines from..to (in that order, to exclusive) in one batch. */
static lead_ingested
ingest(world *w, const size_t *order, size_t n)
{
    lead_ingested  got;
    size_t         i;

    for (i = 0; i < n; i++) {
        assert_int_equal(lead_ingest_add(w->in, &w->lines[order[i]]),
                         LEAD_OK);
    }
    assert_int_equal(lead_ingest_pending(w->in), n);
    if (lead_ingest_commit(w->in, NOW, &got, on_refused, w) != LEAD_OK) {
        fail_msg("lead_ingest_commit: %s", lead_store_errmsg(w->s));
    }
    assert_int_equal(lead_ingest_pending(w->in), 0);
    return got;
}

static lead_ingested
ingest_all(world *w)
{
    size_t  order[64], i;

    for (i = 0; i < w->n; i++) {
        order[i] = i;
    }
    return ingest(w, order, w->n);
}

/* A report as leadctl prints it, at NOW (malloc'd). */
static char *
report(world *w, int what, const char *who)
{
    lead_report_request  req;
    lead_buf             out = { 0 };
    int                  rc;

    memset(&req, 0, sizeof(req));
    req.what = what;
    req.format = LEAD_REPORT_JSON;
    req.rules = w->r;
    req.now_ms = NOW;
    req.who = who;
    req.model = LEAD_MODEL_LINEAR;
    rc = lead_report(&out, w->s, &req);
    if (rc != LEAD_OK) {
        fail_msg("lead_report: %d %s", rc, lead_store_errmsg(w->s));
    }
    assert_false(out.oom);
    return out.data;
}

static char *
leads_json(world *w)
{
    return report(w, LEAD_REPORT_LEADS, NULL);
}

static int
count_one(void *arg, uint64_t seq, const lead_event *ev)
{
    (void) seq;
    (void) ev;
    (*(size_t *) arg)++;
    return 0;
}

static size_t
count_events(world *w)
{
    size_t  n = 0;

    assert_int_equal(lead_store_each_event(w->s, count_one, &n), LEAD_OK);
    return n;
}

/* ---- the lines of one person read on node a, identified on node b ----- */

static void
person(world *w)
{
    read_line(w, "a1-r", 'v', "/a", 0);
    read_line(w, "a2-r", 'v', "/b", 1 * HOUR);
    identify_line(w, "b1-i", 'v', "ann@example.com", "Ann", 2 * HOUR);
    read_line(w, "a3-r", 'v', "/pricing", 3 * HOUR);
    read_line(w, "c1-r", 'x', "/a", 3 * HOUR);     /* someone else */
}

static void
test_ingest_read_and_identify(void **state)
{
    world          w;
    lead_ingested  got;
    char          *json;

    (void) state;
    world_open(&w);
    person(&w);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 5);
    assert_int_equal(got.duplicates, 0);
    assert_int_equal(got.refused, 0);
    assert_int_equal(count_events(&w), 4);

    json = leads_json(&w);
    assert_non_null(strstr(json, "\"ann@example.com\""));
    assert_non_null(strstr(json, "\"Ann\""));
    /* the reads before the identify are hers: 10 + 10 + 10 */
    assert_non_null(strstr(json, "\"status\":\"mql\""));
    free(json);
    world_close(&w);
}

static void
test_ingest_twice_changes_nothing(void **state)
{
    world          w;
    lead_ingested  got;
    char          *before, *after;
    size_t         events;

    (void) state;
    world_open(&w);
    person(&w);
    ingest_all(&w);
    before = leads_json(&w);
    events = count_events(&w);

    got = ingest_all(&w);
    assert_int_equal(got.applied, 0);
    assert_int_equal(got.duplicates, 5);
    after = leads_json(&w);
    assert_string_equal(before, after);
    assert_int_equal(count_events(&w), events);

    /* and twice in one batch: the second of an id is a duplicate */
    free(after);
    w.n = 0;
    read_line(&w, "d1-r", 'y', "/a", 5 * HOUR);
    read_line(&w, "d1-r", 'y', "/a", 5 * HOUR);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 1);
    assert_int_equal(got.duplicates, 1);
    assert_int_equal(count_events(&w), events + 1);

    free(before);
    world_close(&w);
}

/* The same lines in three orders and batchings: the same leads. */
static void
test_ingest_any_order(void **state)
{
    static const size_t  in_order[] = { 0, 1, 2, 3, 4 };
    static const size_t  reads_first[] = { 4, 3, 1, 0, 2 };
    static const size_t  identify_first[] = { 2, 3, 0, 4, 1 };
    world                w;
    char                *want, *got;

    (void) state;
    world_open(&w);
    person(&w);
    ingest(&w, in_order, 5);
    want = leads_json(&w);
    world_close(&w);

    world_open(&w);
    person(&w);
    ingest(&w, reads_first, 5);
    got = leads_json(&w);
    assert_string_equal(want, got);
    free(got);
    world_close(&w);

    /* across batches: the identify first, the reads after it */
    world_open(&w);
    person(&w);
    ingest(&w, identify_first, 1);
    ingest(&w, identify_first + 1, 2);
    ingest(&w, identify_first + 3, 2);
    got = leads_json(&w);
    assert_string_equal(want, got);
    free(got);
    world_close(&w);

    /* and the reads first, the identify in a later batch */
    world_open(&w);
    person(&w);
    ingest(&w, reads_first, 4);
    ingest(&w, reads_first + 4, 1);
    got = leads_json(&w);
    assert_string_equal(want, got);
    free(got);
    world_close(&w);

    free(want);
}

/* A CRM's outcomes: moves in time order, a deal won with its amount. */
static void
test_ingest_status_won(void **state)
{
    world          w;
    lead_ingested  got;
    lead_line     *won;
    char          *json;

    (void) state;
    world_open(&w);
    person(&w);
    status_line(&w, "crm-1-s", "ann@example.com", LEAD_STATUS_SAL,
                5 * HOUR)->who = str("bob");
    status_line(&w, "crm-2-s", "ann@example.com", LEAD_STATUS_SQL, 6 * HOUR);
    won = status_line(&w, "crm-3-s", "Ann@Example.com", LEAD_STATUS_WON,
                      7 * HOUR);
    assert_int_equal(lead_amount_parse("12000.50", 8, &won->deal.amount),
                     LEAD_OK);
    /* the mql an edge promoted: one here already, nothing changes */
    status_line(&w, "edge-9-s", "ann@example.com", LEAD_STATUS_MQL, 4 * HOUR);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 9);
    assert_int_equal(got.refused, 0);

    json = leads_json(&w);
    assert_non_null(strstr(json, "\"status\":\"won\""));
    free(json);
    assert_int_equal(lead_store_put_assets(w.s, w.r), LEAD_OK);
    json = report(&w, LEAD_REPORT_ATTRIBUTION, NULL);
    if (strstr(json, "\"revenue\":1200050,\"unattributed\":0,") == NULL
        || strstr(json, "\"name\":\"Pricing and plans\"") == NULL)
    {
        fail_msg("%s", json);
    }
    free(json);
    world_close(&w);
}

/* Moves not allowed, unknown leads: refused, told, the rest applied. */
static void
test_ingest_refused(void **state)
{
    world          w;
    lead_ingested  got;
    char          *json;

    (void) state;
    world_open(&w);
    identify_line(&w, "b1-i", 'v', "ann@example.com", "Ann", 0);
    status_line(&w, "crm-1-s", "ann@example.com", LEAD_STATUS_WON, HOUR);
    status_line(&w, "crm-2-s", "nobody@example.com", LEAD_STATUS_MQL,
                HOUR + 1);
    status_line(&w, "crm-3-s", "ann@example.com", LEAD_STATUS_LOST,
                2 * HOUR);
    read_line(&w, "a1-r", 'v', "/a", 3 * HOUR);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 2);
    assert_int_equal(got.refused, 3);
    assert_int_equal(w.nwhy, 3);
    assert_string_equal(w.why[0], "a lead cannot go from identified to won");
    assert_string_equal(w.why[1], "no such lead");
    assert_string_equal(w.why[2], "a lead cannot go from identified to "
                        "lost");

    json = leads_json(&w);
    assert_non_null(strstr(json, "\"status\":\"identified\""));
    free(json);

    /* a refused line's id is not kept: once its lead is there, it applies */
    w.n = 0;
    identify_line(&w, "b2-i", 0, "nobody@example.com", "No Body", 0);
    status_line(&w, "crm-2-s", "nobody@example.com", LEAD_STATUS_MQL, HOUR);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 2);
    assert_int_equal(got.refused, 0);
    world_close(&w);
}

static lead_line *
signal_line(world *w, const char *id, const char *email, const char *name,
    uint64_t dt)
{
    lead_line  *l = line(w, LEAD_LINE_SIGNAL, id, dt);

    l->email = str(email);
    l->signal = str(name);
    return l;
}

static int
count_mql(void *arg, const lead_notice *n)
{
    if (n->kind == LEAD_NOTICE_MQL) {
        (*(size_t *) arg)++;
    }
    return 0;
}

static size_t
mql_notices(world *w)
{
    size_t  n = 0;

    assert_int_equal(lead_store_each_notice(w->s, count_mql, &n), LEAD_OK);
    return n;
}

/* Signals score as reads of their points and topic, on the lead's own. */
static void
test_ingest_signals(void **state)
{
    world          w;
    lead_ingested  got;
    char          *json;

    (void) state;
    world_open(&w);
    identify_line(&w, "b1-i", 'v', "ann@example.com", "Ann", 0);
    identify_line(&w, "b2-i", 0, "bob@example.com", "Bob", 0);
    signal_line(&w, "w1-g", "ann@example.com", "webinar", HOUR);
    signal_line(&w, "w2-g", "bob@example.com", "clicked", HOUR);
    signal_line(&w, "w3-g", "ann@example.com", "podcast", HOUR + 1);
    signal_line(&w, "w4-g", "carl@example.com", "webinar", HOUR + 2);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 4);
    assert_int_equal(got.refused, 2);
    assert_string_equal(w.why[0], "unknown signal \"podcast\" (no such "
                        "signal in scoring.conf)");
    assert_string_equal(w.why[1], "no such lead");

    json = report(&w, LEAD_REPORT_LEAD, "ann@example.com");
    /* 25 points, two days of a 30-day half life ago */
    if (strstr(json, "\"score\":24,") == NULL
        || strstr(json, "\"read_topics\":\"pricing\"") == NULL
        || strstr(json, "\"devices\":1,") == NULL)
    {
        fail_msg("%s", json);
    }
    free(json);
    /* a lead with no browser: its signals have a device of their own */
    json = report(&w, LEAD_REPORT_LEAD, "bob@example.com");
    if (strstr(json, "\"score\":5,") == NULL
        || strstr(json, "\"devices\":1,") == NULL)
    {
        fail_msg("%s", json);
    }
    free(json);
    world_close(&w);
}

/* A forget line erases the person and their reads; the rest stays. */
static void
test_ingest_forget(void **state)
{
    world          w;
    lead_ingested  got;
    lead_line     *l;
    char          *json;

    (void) state;
    world_open(&w);
    person(&w);
    ingest_all(&w);
    assert_int_equal(count_events(&w), 4);

    w.n = 0;
    line(&w, LEAD_LINE_FORGET, "f1-f", 5 * HOUR)->email =
        str("ann@example.com");
    l = line(&w, LEAD_LINE_FORGET, "f2-f", 5 * HOUR);
    l->email = str("nobody@example.com");           /* nothing to erase */
    got = ingest_all(&w);
    assert_int_equal(got.applied, 2);
    assert_int_equal(count_events(&w), 1);          /* someone else's */
    json = leads_json(&w);
    assert_null(strstr(json, "ann@example.com"));
    free(json);
    assert_int_equal(lead_store_find_lead(w.s, "ann@example.com", 15, NULL,
                                          NULL), LEAD_ENOTFOUND);
    world_close(&w);
}

/* Promoted once on the central store, however its mql is told again. */
static void
test_ingest_promotes_once(void **state)
{
    world          w;
    lead_ingested  got;

    (void) state;
    world_open(&w);
    person(&w);
    ingest_all(&w);
    assert_int_equal(mql_notices(&w), 1);

    w.n = 0;
    status_line(&w, "e1-s", "ann@example.com", LEAD_STATUS_MQL, 3 * HOUR);
    read_line(&w, "a9-r", 'v', "/pricing", 4 * HOUR);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 2);
    assert_int_equal(got.refused, 0);
    assert_int_equal(mql_notices(&w), 1);
    world_close(&w);
}

static void
fold_all(world *w)
{
    int  more = 1;

    while (more) {
        if (lead_store_fold(w->s, w->r, NOW, 1000, NULL, NULL, &more)
            != LEAD_OK)
        {
            fail_msg("lead_store_fold: %s", lead_store_errmsg(w->s));
        }
    }
}

/*
 * Reads that arrive after the fold passed their time (an edge's rsyslog
 * caught up late) are indexed and scored as another worker's late batch:
 * the kept scores end as if they had come in order.
 */
static void
test_ingest_late_reads(void **state)
{
    static const size_t  all[] = { 0, 1, 2, 3, 4 };
    static const size_t  late[] = { 1, 2, 3, 4, 0 };
    world                w;
    char                *want, *got;

    (void) state;
    world_open(&w);
    person(&w);
    ingest(&w, all, 5);
    fold_all(&w);
    want = leads_json(&w);
    world_close(&w);

    world_open(&w);
    person(&w);
    ingest(&w, late, 4);
    fold_all(&w);
    ingest(&w, late + 4, 1);            /* older than the fold */
    fold_all(&w);
    got = leads_json(&w);
    assert_string_equal(want, got);
    free(got);
    free(want);
    world_close(&w);
}

/* Reads of node a and an identify of node b, merged on one store. */
static void
test_ingest_nodes_merge(void **state)
{
    world   w;
    char   *json;
    size_t  i;

    (void) state;
    world_open(&w);
    person(&w);
    for (i = 0; i < w.n; i++) {
        w.lines[i].node = str(w.lines[i].kind == LEAD_LINE_IDENTIFY
                              ? "edge-b" : "edge-a");
    }
    ingest_all(&w);
    json = report(&w, LEAD_REPORT_LEAD, "ann@example.com");
    /* all three of her reads on a, from before and after b's form */
    if (strstr(json, "\"devices\":1,") == NULL
        || strstr(json, "\"first_seen\":\"2026-09-21T14:13:20.000Z\"")
           == NULL
        || strstr(json, "Pricing and plans") == NULL)
    {
        fail_msg("%s", json);
    }
    free(json);
    world_close(&w);
}

/* A store from before "ingested" opens, read-only too; ingest makes it. */
static void
test_ingest_older_store(void **state)
{
    world             w;
    lead_store       *ro;
    lead_store_opts   opts = { 0, 1, 1, 0 };
    lead_ingested     got;
    MDB_txn          *txn;
    char              err[256], *before, *after;

    (void) state;
    world_open(&w);
    person(&w);
    ingest_all(&w);
    before = leads_json(&w);
    assert_int_equal(mdb_txn_begin(w.s->env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_drop(txn, w.s->ingested, 1), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    lead_ingest_free(w.in);
    lead_store_close(w.s);

    assert_int_equal(lead_store_open(&ro, w.dir, &opts, err, sizeof(err)),
                     LEAD_OK);
    assert_false(ro->ingesting);
    lead_store_close(ro);

    opts.read_only = 0;
    assert_int_equal(lead_store_open(&w.s, w.dir, &opts, err, sizeof(err)),
                     LEAD_OK);
    assert_true(w.s->ingesting);
    assert_int_equal(lead_ingest_new(&w.in, w.s, w.r), LEAD_OK);
    w.n = 0;
    read_line(&w, "z1-r", 'z', "/a", 5 * HOUR);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 1);
    after = leads_json(&w);
    assert_string_equal(before, after);
    free(before);
    free(after);
    world_close(&w);
}

/* A lead sales added: its identify says so, and it enters at sal. */
static void
test_ingest_sales_lead(void **state)
{
    world          w;
    lead_ingested  got;
    lead_line     *l;
    char          *json;

    (void) state;
    world_open(&w);
    l = identify_line(&w, "s1-i", 0, "cfo@example.com", "Cee", 0);
    l->sales = 1;
    l->owner = str("bob");
    status_line(&w, "s1-s", "cfo@example.com", LEAD_STATUS_SAL, 0);
    got = ingest_all(&w);
    assert_int_equal(got.applied, 1);
    assert_int_equal(got.refused, 1);
    assert_string_equal(w.why[0], "a lead cannot go from sal to sal");
    json = report(&w, LEAD_REPORT_LEAD, "cfo@example.com");
    if (strstr(json, "\"status\":\"sal\"") == NULL
        || strstr(json, "\"owner\":\"bob\"") == NULL
        || strstr(json, "\"source\":\"sales\"") == NULL)
    {
        fail_msg("%s", json);
    }
    free(json);
    world_close(&w);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_ingest_read_and_identify),
        cmocka_unit_test(test_ingest_twice_changes_nothing),
        cmocka_unit_test(test_ingest_any_order),
        cmocka_unit_test(test_ingest_status_won),
        cmocka_unit_test(test_ingest_refused),
        cmocka_unit_test(test_ingest_signals),
        cmocka_unit_test(test_ingest_forget),
        cmocka_unit_test(test_ingest_promotes_once),
        cmocka_unit_test(test_ingest_late_reads),
        cmocka_unit_test(test_ingest_nodes_merge),
        cmocka_unit_test(test_ingest_older_store),
        cmocka_unit_test(test_ingest_sales_lead),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
