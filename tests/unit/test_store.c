#include "unit.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "event_fixture.h"

/* The LMDB store, each test in a fresh directory under /tmp. */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#include "dir_fixture.h"

static lead_store *
open_store(const char *dir, int read_only, uint64_t map_size)
{
    lead_store_opts  opts = { map_size, read_only, 0, 0 };

    return unit_store_open(dir, &opts);
}

/* Fixture events first .. first + n - 1, with paths of path_len bytes. */
static void
make_events(fx_event *evs, unsigned first, size_t n, size_t path_len)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        fx_event_make(&evs[i], first + (unsigned) i, path_len);
    }
}

static int
commit_events(lead_store *s, const fx_event *evs, size_t n)
{
    lead_batch  *b;
    size_t       i;
    int          rc;

    b = lead_batch_new((n + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    assert_non_null(b);
    for (i = 0; i < n; i++) {
        assert_int_equal(lead_batch_add(b, &evs[i].ev), LEAD_OK);
    }

    rc = lead_store_commit(s, b);
    lead_batch_free(b);
    return rc;
}

/* Commits evs[0 .. n-1], one batch per run of equal batch[] numbers. */
static void
commit_batches(lead_store *s, const fx_event *evs, const int *batch,
    size_t n)
{
    size_t  i, start = 0;

    for (i = 0; i < n; i++) {
        if (i + 1 == n || batch[i + 1] != batch[i]) {
            assert_int_equal(commit_events(s, evs + start, i + 1 - start),
                             LEAD_OK);
            start = i + 1;
        }
    }
}

/* ---- reading back ------------------------------------------------------ */

/*
 * Events come in time order and seq numbers them in the order they were
 * stored, so want[] is in storage order: the event with seq k must be
 * want[k - 1], every seq 1..n must come once, and (time, seq) must grow.
 */
typedef struct {
    const fx_event  *want;
    size_t           n;
    size_t           seen;
    size_t           stop_at;   /* return non-zero on this call; 0: never */
    uint64_t         last_time, last_seq;
    uint64_t        *order;     /* if not NULL: seqs as they came */
} event_check;

static int
check_event(void *arg, uint64_t seq, const lead_event *ev)
{
    event_check  *c = arg;

    if (c->seen == c->n || seq < 1 || seq > c->n) {
        fail_msg("unexpected event with seq %llu", (unsigned long long) seq);
    }
    fx_assert_event_equal(&c->want[seq - 1].ev, ev);

    /* seqs are unique, so growing also means none came twice */
    if (c->seen > 0
        && (ev->time_ms < c->last_time
            || (ev->time_ms == c->last_time && seq <= c->last_seq)))
    {
        fail_msg("seq %llu at %llu came after seq %llu at %llu",
                 (unsigned long long) seq, (unsigned long long) ev->time_ms,
                 (unsigned long long) c->last_seq,
                 (unsigned long long) c->last_time);
    }
    c->last_time = ev->time_ms;
    c->last_seq = seq;

    if (c->order != NULL) {
        c->order[c->seen] = seq;
    }
    c->seen++;
    return c->seen == c->stop_at;
}

/* The store holds exactly want[0 .. n-1], stored in that order. */
static void
expect_events(lead_store *s, const fx_event *want, size_t n)
{
    event_check  c = { .want = want, .n = n };

    assert_int_equal(lead_store_each_event(s, check_event, &c), LEAD_OK);
    assert_int_equal(c.seen, n);
}

typedef struct {
    lead_visitor  v[16];
    size_t        n;
    uint64_t      events;    /* summed over every visitor */
    size_t        stop_at;
} visitor_list;

static int
collect_visitor(void *arg, const lead_visitor *v)
{
    visitor_list  *l = arg;

    if (l->n < N_ELEMS(l->v)) {
        l->v[l->n] = *v;
    }
    l->n++;
    l->events += v->events;
    return l->n == l->stop_at;
}

static const lead_visitor *
find_visitor(const visitor_list *l, const uint8_t id[LEAD_ID_LEN])
{
    size_t  i;

    for (i = 0; i < l->n && i < N_ELEMS(l->v); i++) {
        if (memcmp(l->v[i].id, id, LEAD_ID_LEN) == 0) {
            return &l->v[i];
        }
    }
    fail_msg("visitor %02x... not in the index", id[0]);
    return NULL;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_open_creates(void **state)
{
    const char    *dir = dir_of(state);
    char           path[128], err[256];
    struct stat    st;
    lead_store    *s;
    event_check    c = { .n = 0 };
    visitor_list   l = { .n = 0 };

    assert_int_equal(lead_store_open(&s, dir, NULL, err, sizeof(err)),
                     LEAD_OK);
    assert_non_null(s);

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    assert_int_equal(stat(path, &st), 0);

    assert_int_equal(lead_store_each_event(s, check_event, &c), LEAD_OK);
    assert_int_equal(lead_store_each_visitor(s, collect_visitor, &l),
                     LEAD_OK);
    assert_int_equal(l.n, 0);
    lead_store_close(s);

    /* now there is a store, a reader finds it, still empty */
    s = open_store(dir, 1, 0);
    assert_int_equal(lead_store_each_event(s, check_event, &c), LEAD_OK);
    lead_store_close(s);
}

static void
test_commit_and_read(void **state)
{
    enum { FIRST = 20, SECOND = 15 };
    fx_event    *evs = calloc(FIRST + SECOND, sizeof(*evs));
    lead_store  *s;

    assert_non_null(evs);
    make_events(evs, 0, FIRST + SECOND, 0);

    s = open_store(dir_of(state), 0, 0);

    /* fixture times grow with the index: read back as seq 1, 2, 3... */
    assert_int_equal(commit_events(s, evs, FIRST), LEAD_OK);
    expect_events(s, evs, FIRST);

    /* the second commit continues the numbering: seq FIRST + 1 ... */
    assert_int_equal(commit_events(s, evs + FIRST, SECOND), LEAD_OK);
    expect_events(s, evs, FIRST + SECOND);

    lead_store_close(s);
    free(evs);
}

/*
 * A handle shared with another thread reads what the owner commits, and a
 * kept read snapshot is renewed: each read sees the latest commit.
 */
static void
test_shared_handle_reads_latest(void **state)
{
    enum { FIRST = 5, SECOND = 7 };
    fx_event    *evs = calloc(FIRST + SECOND, sizeof(*evs));
    lead_store  *s, *view;

    assert_non_null(evs);
    make_events(evs, 0, FIRST + SECOND, 0);

    s = open_store(dir_of(state), 0, 0);
    view = lead_store_share(s);
    assert_non_null(view);

    assert_int_equal(commit_events(s, evs, FIRST), LEAD_OK);
    expect_events(view, evs, FIRST);
    expect_events(s, evs, FIRST);

    assert_int_equal(commit_events(view, evs + FIRST, SECOND), LEAD_OK);
    expect_events(s, evs, FIRST + SECOND);
    expect_events(view, evs, FIRST + SECOND);

    lead_store_close(view);
    lead_store_close(s);
    free(evs);
}

/*
 * Inside a snapshot every read sees the state it began with, however many
 * reads there are and whatever is committed meanwhile; snapshots nest.
 */
static void
test_snapshot_holds_one_state(void **state)
{
    enum { FIRST = 3, SECOND = 4 };
    fx_event    *evs = calloc(FIRST + SECOND, sizeof(*evs));
    lead_store  *s, *writer;

    assert_non_null(evs);
    make_events(evs, 0, FIRST + SECOND, 0);

    s = open_store(dir_of(state), 0, 0);
    writer = lead_store_share(s);
    assert_non_null(writer);
    assert_int_equal(commit_events(writer, evs, FIRST), LEAD_OK);

    assert_int_equal(lead_store_snapshot(s), LEAD_OK);
    assert_int_equal(lead_store_snapshot(s), LEAD_OK);
    assert_int_equal(commit_events(writer, evs + FIRST, SECOND), LEAD_OK);
    expect_events(s, evs, FIRST);
    lead_store_snapshot_end(s);
    expect_events(s, evs, FIRST);         /* still the outer one's */
    lead_store_snapshot_end(s);

    expect_events(s, evs, FIRST + SECOND);
    lead_store_snapshot_end(s);           /* one too many: nothing */
    expect_events(s, evs, FIRST + SECOND);

    lead_store_close(writer);
    lead_store_close(s);
    free(evs);
}

/*
 * Workers commit in any order, so a later batch may hold older events:
 * they are read in time order (ties in storage order) with their seq.
 */
static void
test_time_order(void **state)
{
    /* batch 0 is stored first; seq follows the tables' order */
    static const int       batch[] = { 0, 0, 0, 1, 1, 1 };
    static const uint64_t  time_ms[] = { 300, 100, 200, 50, 250, 200 };
    static const uint64_t  want_order[] = { 4, 2, 3, 6, 5, 1 };
    fx_event      evs[N_ELEMS(batch)];
    uint64_t      order[N_ELEMS(batch)];
    event_check   c = { .want = evs, .n = N_ELEMS(batch), .order = order };
    lead_store   *s;
    size_t        i;

    for (i = 0; i < N_ELEMS(batch); i++) {
        fx_event_make(&evs[i], (unsigned) i, 0);
        evs[i].ev.time_ms = time_ms[i];
    }

    s = open_store(dir_of(state), 0, 0);
    commit_batches(s, evs, batch, N_ELEMS(batch));

    assert_int_equal(lead_store_each_event(s, check_event, &c), LEAD_OK);
    assert_int_equal(c.seen, N_ELEMS(batch));
    assert_memory_equal(order, want_order, sizeof(want_order));

    lead_store_close(s);
}

static void
test_visitor_aggregates(void **state)
{
    /* times arrive out of order, within a batch and across batches */
    static const int       batch[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1 };
    static const uint8_t   who[] = "abaacbaab";
    static const uint64_t  time_ms[] = {
        5000, 7000, 3000, 4000, 100, 6000, 1000, 9000, 6500
    };
    static const struct {
        uint8_t   who;
        uint64_t  events, first_ms, last_ms;
    } want[] = {
        { 'a', 5, 1000, 9000 },
        { 'b', 3, 6000, 7000 },
        { 'c', 1, 100, 100 },
    };
    fx_event             evs[N_ELEMS(batch)];
    uint8_t              id[LEAD_ID_LEN];
    visitor_list         l = { .n = 0 };
    const lead_visitor  *v;
    lead_store          *s;
    size_t               i;

    for (i = 0; i < N_ELEMS(batch); i++) {
        fx_event_make(&evs[i], (unsigned) i, 0);
        memset(evs[i].ev.visitor, who[i], LEAD_ID_LEN);
        evs[i].ev.time_ms = time_ms[i];
    }

    s = open_store(dir_of(state), 0, 0);
    commit_batches(s, evs, batch, N_ELEMS(batch));

    expect_events(s, evs, N_ELEMS(evs));

    assert_int_equal(lead_store_each_visitor(s, collect_visitor, &l),
                     LEAD_OK);
    assert_int_equal(l.n, N_ELEMS(want));

    for (i = 0; i < N_ELEMS(want); i++) {
        memset(id, want[i].who, LEAD_ID_LEN);
        v = find_visitor(&l, id);
        if (v->events != want[i].events || v->first_ms != want[i].first_ms
            || v->last_ms != want[i].last_ms)
        {
            fail_msg("visitor '%c': %llu events, %llu..%llu", want[i].who,
                     (unsigned long long) v->events,
                     (unsigned long long) v->first_ms,
                     (unsigned long long) v->last_ms);
        }
    }

    lead_store_close(s);
}

static void
test_reopen_keeps(void **state)
{
    enum { FIRST = 10, SECOND = 5 };
    const char    *dir = dir_of(state);
    fx_event      *evs = calloc(FIRST + SECOND, sizeof(*evs));
    visitor_list   l = { .n = 0 };
    lead_store    *s;
    size_t         i;

    assert_non_null(evs);
    make_events(evs, 0, FIRST + SECOND, 0);

    s = open_store(dir, 0, 0);
    assert_int_equal(commit_events(s, evs, FIRST), LEAD_OK);
    lead_store_close(s);

    s = open_store(dir, 0, 0);
    expect_events(s, evs, FIRST);
    assert_int_equal(commit_events(s, evs + FIRST, SECOND), LEAD_OK);
    lead_store_close(s);

    s = open_store(dir, 1, 0);
    expect_events(s, evs, FIRST + SECOND);

    /* the fixture gives each of these events its own visitor */
    assert_int_equal(lead_store_each_visitor(s, collect_visitor, &l),
                     LEAD_OK);
    assert_int_equal(l.n, FIRST + SECOND);
    for (i = 0; i < FIRST + SECOND; i++) {
        const lead_visitor  *v = find_visitor(&l, evs[i].ev.visitor);

        assert_int_equal(v->events, 1);
        assert_int_equal(v->first_ms, evs[i].ev.time_ms);
        assert_int_equal(v->last_ms, evs[i].ev.time_ms);
    }

    lead_store_close(s);
    free(evs);
}

static void
test_open_no_store(void **state)
{
    /* target: a name inside the temp dir, or the temp dir itself ("") */
    static const struct {
        const char  *target;
        int          make_file;
        int          read_only;
    } cases[] = {
        { "", 0, 1 },                  /* a directory without data.mdb */
        { "plain", 1, 0 },
        { "plain", 1, 1 },
        { "missing", 0, 0 },
        { "missing", 0, 1 },
    };
    const char       *dir = dir_of(state);
    char              path[128], err[256];
    lead_store       *s;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    DIR              *d;
    struct dirent    *e;
    FILE             *f;
    size_t            i;
    int               rc;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, cases[i].target);
        if (cases[i].make_file) {
            f = fopen(path, "w");
            assert_non_null(f);
            fclose(f);
        }

        opts.read_only = cases[i].read_only;
        s = (lead_store *) &opts;           /* must be overwritten */
        err[0] = '\0';

        rc = lead_store_open(&s, path, &opts, err, sizeof(err));
        if (rc != LEAD_ENOSTORE) {
            fail_msg("\"%s\" read_only=%d: got %d", cases[i].target,
                     cases[i].read_only, rc);
        }
        assert_null(s);
        assert_true(err[0] != '\0');
    }

    /* a refused reader leaves no lock.mdb or data.mdb behind */
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        assert_true(strcmp(e->d_name, ".") == 0
                    || strcmp(e->d_name, "..") == 0
                    || strcmp(e->d_name, "plain") == 0);
    }
    closedir(d);
}

static void
test_read_only_refuses_commit(void **state)
{
    enum { N = 3 };
    const char  *dir = dir_of(state);
    fx_event     evs[N + 1];
    lead_store  *s;

    make_events(evs, 0, N + 1, 0);

    s = open_store(dir, 0, 0);
    assert_int_equal(commit_events(s, evs, N), LEAD_OK);
    lead_store_close(s);

    s = open_store(dir, 1, 0);
    assert_int_equal(commit_events(s, evs + N, 1), LEAD_EINVAL);
    assert_true(lead_store_errmsg(s)[0] != '\0');
    expect_events(s, evs, N);
    lead_store_close(s);
}

static void
test_callback_stops(void **state)
{
    enum { N = 5 };
    fx_event      evs[N];
    event_check   c = { .want = evs, .n = N, .stop_at = 3 };
    visitor_list  l = { .stop_at = 1 };
    lead_store   *s;

    make_events(evs, 0, N, 0);
    s = open_store(dir_of(state), 0, 0);
    assert_int_equal(commit_events(s, evs, N), LEAD_OK);

    assert_int_equal(lead_store_each_event(s, check_event, &c),
                     LEAD_ECALLBACK);
    assert_int_equal(c.seen, 3);

    assert_int_equal(lead_store_each_visitor(s, collect_visitor, &l),
                     LEAD_ECALLBACK);
    assert_int_equal(l.n, 1);

    /* stopping early released the snapshot: reads and writes go on */
    assert_int_equal(commit_events(s, evs, 0), LEAD_OK);
    expect_events(s, evs, N);

    lead_store_close(s);
}

/*
 * A commit that does not fit is refused whole: the log holds exactly the
 * batches that were committed before, and the store stays readable.
 */
static void
test_map_full(void **state)
{
    enum { PER_BATCH = 16, MAX_EVENTS = 4096, PATH_LEN = 1000 };
    const char    *dir = dir_of(state);
    fx_event      *evs = calloc(MAX_EVENTS, sizeof(*evs));
    visitor_list   l = { .n = 0 };
    lead_store    *s;
    size_t         committed = 0;
    int            rc;

    assert_non_null(evs);
    s = open_store(dir, 0, 1 << 20);

    for ( ;; ) {
        /* 4 MiB of paths cannot fit in a 1 MiB map */
        assert_true(committed + PER_BATCH <= MAX_EVENTS);
        make_events(evs + committed, (unsigned) committed, PER_BATCH,
                    PATH_LEN);
        rc = commit_events(s, evs + committed, PER_BATCH);
        if (rc == LEAD_EFULL) {
            break;
        }
        assert_int_equal(rc, LEAD_OK);
        committed += PER_BATCH;
    }

    assert_true(committed >= PER_BATCH);
    assert_true(lead_store_errmsg(s)[0] != '\0');
    expect_events(s, evs, committed);
    lead_store_close(s);

    s = open_store(dir, 1, 0);
    expect_events(s, evs, committed);

    /* the visitor index was rolled back with the log */
    assert_int_equal(lead_store_each_visitor(s, collect_visitor, &l),
                     LEAD_OK);
    assert_int_equal(l.events, committed);

    lead_store_close(s);
    free(evs);
}

/* Writes meta/schema behind the library's back, as another version would. */
static void
put_schema(const char *dir, const void *value, size_t len)
{
    MDB_env  *env;
    MDB_txn  *txn;
    MDB_dbi   dbi;
    MDB_val   key = { 6, (void *) "schema" };
    MDB_val   val = { len, (void *) value };

    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0660), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &key, &val, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void
test_schema_mismatch(void **state)
{
    /* little-endian u32 versions, and values of the wrong size */
    static const struct {
        const char  *what;
        uint8_t      bytes[8];
        size_t       len;
    } bad[] = {
        { "version 2", { 2, 0, 0, 0 }, 4 },
        { "version 0", { 0, 0, 0, 0 }, 4 },
        { "version 0x101", { 1, 1, 0, 0 }, 4 },
        { "version 1 as u16", { 1, 0 }, 2 },
        { "version 1 as u64", { 1, 0, 0, 0, 0, 0, 0, 0 }, 8 },
    };
    static const uint8_t  good[4] = { LEAD_SCHEMA_VERSION, 0, 0, 0 };
    const char       *dir = dir_of(state);
    char              err[256];
    lead_store       *s;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    size_t            i;
    int               ro, rc;

    s = open_store(dir, 0, 0);
    lead_store_close(s);

    for (i = 0; i < N_ELEMS(bad); i++) {
        put_schema(dir, bad[i].bytes, bad[i].len);

        for (ro = 0; ro <= 1; ro++) {
            opts.read_only = ro;
            s = (lead_store *) &opts;
            rc = lead_store_open(&s, dir, &opts, err, sizeof(err));
            if (rc != LEAD_ESCHEMA) {
                fail_msg("%s, read_only=%d: got %d", bad[i].what, ro, rc);
            }
            assert_null(s);
        }
    }

    /* the key written above is the one the library reads */
    put_schema(dir, good, sizeof(good));
    s = open_store(dir, 0, 0);
    lead_store_close(s);
}

static void
test_empty_batch(void **state)
{
    fx_event      evs[1];
    visitor_list  l = { .n = 0 };
    lead_store   *s;

    make_events(evs, 0, 1, 0);
    s = open_store(dir_of(state), 0, 0);

    assert_int_equal(commit_events(s, evs, 0), LEAD_OK);
    expect_events(s, evs, 0);
    assert_int_equal(lead_store_each_visitor(s, collect_visitor, &l),
                     LEAD_OK);
    assert_int_equal(l.n, 0);

    /* nothing was numbered either: the first real event is seq 1 */
    assert_int_equal(commit_events(s, evs, 1), LEAD_OK);
    expect_events(s, evs, 1);

    lead_store_close(s);
}

/* Each of the first n fixture visitors is listed once, with one event. */
static void
expect_visitors(lead_store *s, const fx_event *evs, size_t n)
{
    visitor_list  l = { .n = 0 };
    size_t        k;

    assert_int_equal(lead_store_each_visitor(s, collect_visitor, &l),
                     LEAD_OK);
    assert_int_equal(l.n, n);
    for (k = 0; k < n; k++) {
        assert_non_null(find_visitor(&l, evs[k].ev.visitor));
        assert_int_equal(find_visitor(&l, evs[k].ev.visitor)->events, 1);
    }
}

/*
 * Visitors listed from the log's tail, the indexes or both: every one
 * once, whether the tail is empty, ends before the indexes or after.
 */
static void
test_visitors_indexed_and_tail(void **state)
{
    enum { N = 6 };
    fx_event      evs[N];
    lead_store   *s;
    int           more;

    make_events(evs, 0, N, 0);
    s = open_store(dir_of(state), 0, 0);

    /* fixture ids grow with the index: evs[1] sorts before evs[4] */
    assert_int_equal(commit_events(s, evs + 1, 2), LEAD_OK);
    expect_visitors(s, evs + 1, 2);                      /* tail only */
    assert_int_equal(lead_store_fold(s, NULL, UINT64_MAX >> 1, 10000, NULL,
                                     NULL, &more), LEAD_OK);
    expect_visitors(s, evs + 1, 2);                      /* indexes only */
    assert_int_equal(commit_events(s, evs + 3, 3), LEAD_OK);
    expect_visitors(s, evs + 1, 5);                      /* tail after */
    assert_int_equal(lead_store_fold(s, NULL, UINT64_MAX >> 1, 10000, NULL,
                                     NULL, &more), LEAD_OK);
    assert_int_equal(commit_events(s, evs, 1), LEAD_OK);
    expect_visitors(s, evs, 6);                          /* tail before */
    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_open_creates),
        T(test_commit_and_read),
        T(test_shared_handle_reads_latest),
        T(test_snapshot_holds_one_state),
        T(test_time_order),
        T(test_visitor_aggregates),
        T(test_reopen_keeps),
        T(test_open_no_store),
        T(test_read_only_refuses_commit),
        T(test_callback_stops),
        T(test_visitors_indexed_and_tail),
        T(test_map_full),
        T(test_schema_mismatch),
        T(test_empty_batch),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
