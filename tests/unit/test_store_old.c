#include "unit.h"

#include <dirent.h>
#include <unistd.h>

#include <lmdb.h>

#include "event_fixture.h"
#include "lead_support.h"

/*
 * A store an older version wrote, read by this one: version 1 events,
 * and visits indexed as rows of "visits" rather than in "visited".
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#include "dir_fixture.h"

typedef struct {
    char      who;
    uint64_t  time_ms;
} moment;

typedef struct {
    moment  m[16];
    size_t  n;
} moments;

static lead_store *
open_store(void **state, int read_only)
{
    lead_store_opts  opts = { 0, read_only, 0, 0 };

    return unit_store_open(dir_of(state), &opts);
}

/* An event as version 1 wrote it (the head, a path), in a batch. */
static void
commit_v1(lead_store *s, char who, uint64_t time_ms)
{
    lead_batch  *b = lead_batch_new(1 << 16);
    uint8_t     *p;
    int          rc;

    assert_non_null(b);
    p = lead_batch_reserve(b, LEAD_EVENT_MAX_SIZE, &rc);
    assert_non_null(p);
    memset(p, 0, 44);
    p[0] = 1;
    p[1] = LEAD_UA_BROWSER;
    p[2] = 200;
    lead_put_u64(p + 4, time_ms);
    memset(p + 12, who, LEAD_ID_LEN);
    lead_put_u64(p + 28, 1000);
    lead_put_u64(p + 36, 1000);
    memcpy(p + 44, "\x01\x02\x00/a", 5);
    lead_batch_took(b, 49);
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
}

/* And as this version writes it. */
static void
commit_v2(lead_store *s, char who, uint64_t time_ms)
{
    lead_batch  *b = lead_batch_new(1 << 16);
    fx_event     f;

    assert_non_null(b);
    fx_event_make(&f, 1, 0);
    memset(f.ev.visitor, who, LEAD_ID_LEN);
    f.ev.time_ms = time_ms;
    f.ev.path.data = "/a";
    f.ev.path.len = 2;
    assert_int_equal(lead_batch_add(b, &f.ev), LEAD_OK);
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
}

/*
 * The store as a version before "visited" left it: its visits as rows
 * of "visits" (visitor + time + seq), no "visited".
 */
static void
make_old_visits(const char *dir, int want)
{
    MDB_env     *env;
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_dbi      dense, old;
    MDB_val      key, val, okey;
    uint8_t      k[LEAD_ID_LEN + 16];
    int          rc, n = 0;

    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0660), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "visited", MDB_DUPSORT | MDB_DUPFIXED,
                                  &dense), 0);
    assert_int_equal(mdb_dbi_open(txn, "visits", 0, &old), 0);
    assert_int_equal(mdb_cursor_open(txn, dense, &cur), 0);
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        assert_int_equal(val.mv_size, 16);
        memcpy(k, key.mv_data, LEAD_ID_LEN);
        memcpy(k + LEAD_ID_LEN, val.mv_data, 16);
        okey.mv_data = k;
        okey.mv_size = sizeof(k);
        val.mv_data = NULL;
        val.mv_size = 0;
        assert_int_equal(mdb_put(txn, old, &okey, &val, 0), 0);
        n++;
    }
    mdb_cursor_close(cur);
    assert_int_equal(n, want);
    assert_int_equal(mdb_drop(txn, dense, 1), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static int
collect(void *arg, uint64_t seq, const lead_event *ev)
{
    moments  *l = arg;

    (void) seq;
    assert_true(l->n < N_ELEMS(l->m));
    assert_int_equal(ev->path.len, 2);
    assert_memory_equal(ev->path.data, "/a", 2);
    l->m[l->n].who = (char) ev->visitor[0];
    l->m[l->n].time_ms = ev->time_ms;
    l->n++;
    return 0;
}

static void
expect(const moments *got, const moment *want, size_t n)
{
    size_t  i;

    assert_int_equal(got->n, n);
    for (i = 0; i < n; i++) {
        assert_int_equal(got->m[i].who, want[i].who);
        assert_int_equal(got->m[i].time_ms, want[i].time_ms);
    }
}

static void
expect_lead(lead_store *s, const uint8_t *lead, const moment *want, size_t n)
{
    moments  got = { .n = 0 };

    assert_int_equal(lead_store_lead_events(s, lead, collect, &got),
                     LEAD_OK);
    expect(&got, want, n);
}

static void
identify(lead_store *s, char who, uint64_t now_ms, uint8_t lead[LEAD_ID_LEN])
{
    lead_form  form;
    uint8_t    visitor[LEAD_ID_LEN];
    int        n, created;

    memset(&form, 0, sizeof(form));
    n = lead_email_normalize("ada@example.com", 15, form.email);
    assert_true(n > 0);
    form.email_len = (size_t) n;
    memcpy(form.name, "Ada", 3);
    form.name_len = 3;
    form.ret[0] = '/';
    form.ret_len = 1;
    memset(visitor, who, LEAD_ID_LEN);
    assert_int_equal(lead_store_identify(s, visitor, &form, NULL, 0, now_ms,
                                         lead, &created), LEAD_OK);
    assert_int_equal(created, 1);
}

/*
 * Version 1 events indexed in "visits" are read beside version 2 events
 * indexed in "visited", by a writer and a reader, and forgotten from both.
 */
static void
test_old_store(void **state)
{
    static const moment  ada[] = { { 'a', 100 }, { 'a', 200 }, { 'a', 400 } };
    static const moment  rest[] = { { 'b', 150 }, { 'b', 450 } };
    uint8_t       lead[LEAD_ID_LEN], id[LEAD_ID_LEN];
    lead_erased   e;
    lead_visitor  v;
    moments       all = { .n = 0 };
    int           more;
    lead_store   *s = open_store(state, 0);

    commit_v1(s, 'a', 100);
    commit_v1(s, 'b', 150);
    commit_v1(s, 'a', 200);
    assert_int_equal(lead_store_fold(s, NULL, 250, 10000, NULL, NULL, &more),
                     LEAD_OK);
    lead_store_close(s);
    make_old_visits(dir_of(state), 3);

    s = open_store(state, 0);
    identify(s, 'a', 300, lead);
    commit_v2(s, 'a', 400);
    commit_v2(s, 'b', 450);
    assert_int_equal(lead_store_fold(s, NULL, 1000, 10000, NULL, NULL, &more),
                     LEAD_OK);
    expect_lead(s, lead, ada, N_ELEMS(ada));
    lead_store_close(s);

    s = open_store(state, 1);
    expect_lead(s, lead, ada, N_ELEMS(ada));
    lead_store_close(s);

    s = open_store(state, 0);
    assert_int_equal(lead_store_forget(s, "ada@example.com", 15, &e),
                     LEAD_OK);
    assert_int_equal(e.events, 3);
    assert_int_equal(lead_store_each_event(s, collect, &all), LEAD_OK);
    expect(&all, rest, N_ELEMS(rest));
    memset(id, 'a', LEAD_ID_LEN);
    assert_int_not_equal(lead_store_get_visitor(s, id, &v) == LEAD_OK
                         && v.events > 0, 1);
    lead_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_old_store, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
