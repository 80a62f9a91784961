#include "unit.h"

#include <lmdb.h>

#include "event_fixture.h"
#include "dir_fixture.h"

/*
 * Anonymous data and its bound: what meta "anonymous" counts, the order
 * eviction takes visitors in, and commits that stay under the bound and
 * keep every event of a lead, even with the map full.
 */

#define T0  UINT64_C(1700000000000)

static lead_store *
open_store(const char *dir, uint64_t map_size)
{
    lead_store_opts  opts = { map_size, 0, 0, 1 };

    return unit_store_open(dir, &opts);
}

static void
visitor_of(uint8_t id[LEAD_ID_LEN], unsigned who)
{
    memset(id, 0, LEAD_ID_LEN);
    id[0] = 0xa5;
    id[1] = (uint8_t) (who >> 8);
    id[2] = (uint8_t) who;
}

/* One event of visitor who at T0 + at s, its path path_len bytes. */
static void
add_event(lead_batch *b, unsigned who, uint64_t at, size_t path_len,
    size_t *cost)
{
    fx_event  f;
    uint8_t   rec[LEAD_EVENT_MAX_SIZE];
    int       n;

    fx_event_make(&f, who, path_len);
    visitor_of(f.ev.visitor, who);
    f.ev.time_ms = T0 + at * 1000;
    assert_int_equal(lead_batch_add(b, &f.ev), LEAD_OK);
    if (cost) {
        n = lead_event_encode(&f.ev, rec, sizeof(rec));
        assert_true(n > 0);
        *cost += LEAD_ANON_EVENT_COST((size_t) n);
    }
}

static uint64_t
anon_bytes(lead_store *s)
{
    MDB_txn   *txn;
    uint64_t   bytes;

    assert_int_equal(lead_store_read_begin(s, &txn), LEAD_OK);
    assert_int_equal(lead_store_anonymous(s, txn, &bytes), LEAD_OK);
    lead_store_read_end(s, txn);
    return bytes;
}

static void
index_all(lead_store *s)
{
    int  more = 1;

    while (more) {
        assert_int_equal(lead_store_fold(s, NULL, UINT64_MAX, 1000, NULL,
                                         NULL, &more), LEAD_OK);
    }
}

/* Pages in use: the map's high-water mark less its free pages. */
static uint64_t
used_bytes(lead_store *s)
{
    MDB_envinfo   info;
    MDB_stat      st;
    MDB_txn      *txn;
    MDB_cursor   *cur;
    MDB_val       key, val;
    uint64_t      free_pages = 0;

    assert_int_equal(mdb_env_info(s->env, &info), 0);
    assert_int_equal(mdb_env_stat(s->env, &st), 0);
    assert_int_equal(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_cursor_open(txn, 0, &cur), 0);
    while (mdb_cursor_get(cur, &key, &val, MDB_NEXT) == 0) {
        free_pages += *(size_t *) val.mv_data;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return (info.me_last_pgno + 1 - free_pages) * st.ms_psize;
}

static int
known(lead_store *s, unsigned who)
{
    lead_visitor  v;
    uint8_t       id[LEAD_ID_LEN];

    visitor_of(id, who);
    return lead_store_get_visitor(s, id, &v) == LEAD_OK;
}

static void
identify(lead_store *s, unsigned who, const char *email,
    uint8_t lead[LEAD_ID_LEN])
{
    lead_form  form;
    uint8_t    id[LEAD_ID_LEN];
    int        created;

    memset(&form, 0, sizeof(form));
    strcpy(form.email, email);
    form.email_len = strlen(form.email);
    strcpy(form.name, "Ada");
    form.name_len = 3;
    form.ret[0] = '/';
    form.ret_len = 1;
    visitor_of(id, who);
    assert_int_equal(lead_store_identify(s, id, &form, NULL, 0, T0, lead,
                                         &created), LEAD_OK);
}

typedef struct {
    uint8_t  visitor[LEAD_ID_LEN];
    size_t   n;
} count_ctx;

static int
count_visitor(void *arg, uint64_t seq, const lead_event *ev)
{
    count_ctx  *c = arg;

    (void) seq;
    c->n += memcmp(ev->visitor, c->visitor, LEAD_ID_LEN) == 0;
    return 0;
}

static size_t
events_of(lead_store *s, unsigned who)
{
    count_ctx  c = { { 0 }, 0 };

    visitor_of(c.visitor, who);
    assert_int_equal(lead_store_each_event(s, count_visitor, &c), LEAD_OK);
    return c.n;
}

/* Every event counts at its commit, every visitor once it is indexed. */
static void
test_counts_anonymous_bytes(void **state)
{
    fixture     *fx = *state;
    lead_store  *s = open_store(fx->dir, 0);
    lead_batch  *b = lead_batch_new(SIZE_MAX);
    size_t       cost = 0;
    unsigned     i;

    for (i = 0; i < 10; i++) {
        add_event(b, i % 5, i, 100 + i, &cost);
    }
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    assert_int_equal(anon_bytes(s), cost);

    index_all(s);
    assert_int_equal(anon_bytes(s), cost + 5 * LEAD_ANON_VISITOR_COST);

    /* ... and it survives a reopen */
    lead_store_close(s);
    s = open_store(fx->dir, 0);
    assert_int_equal(anon_bytes(s), cost + 5 * LEAD_ANON_VISITOR_COST);

    lead_batch_free(b);
    lead_store_close(s);
}

/* A lead's events are not anonymous data, once indexed. */
static void
test_leads_not_counted(void **state)
{
    fixture     *fx = *state;
    lead_store  *s = open_store(fx->dir, 0);
    lead_batch  *b = lead_batch_new(SIZE_MAX);
    uint8_t      lead[LEAD_ID_LEN];
    size_t       cost = 0;

    identify(s, 1, "ada@example.com", lead);
    add_event(b, 1, 1, 300, NULL);
    add_event(b, 2, 2, 300, &cost);
    add_event(b, 1, 3, 300, NULL);
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    index_all(s);
    assert_int_equal(anon_bytes(s), cost + LEAD_ANON_VISITOR_COST);

    lead_batch_free(b);
    lead_store_close(s);
}

/*
 * Visitors go by when they were last seen, oldest first, and only as many
 * as take anonymous data under the bound; a lead's visitor never goes.
 */
static void
test_evicts_oldest_first(void **state)
{
    fixture      *fx = *state;
    lead_store   *s = open_store(fx->dir, 0);
    lead_batch   *b = lead_batch_new(SIZE_MAX);
    lead_erased   out;
    uint8_t       lead[LEAD_ID_LEN];
    uint64_t      anon, one;
    unsigned      i;
    int           more;

    identify(s, 100, "ada@example.com", lead);
    add_event(b, 100, 0, 200, NULL);           /* the oldest of all */
    for (i = 1; i <= 10; i++) {
        add_event(b, i, i, 200, NULL);
    }
    add_event(b, 1, 20, 200, NULL);            /* visitor 1 came back */
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    index_all(s);

    anon = anon_bytes(s);
    one = anon_bytes(s) / 11 * 1;              /* roughly one visit's */
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_store_evict_anonymous(s, anon - 5 * one / 2, 500,
                                                &out, &more), LEAD_OK);
    assert_int_equal(more, 0);
    assert_int_equal(out.visitors, 3);
    assert_int_equal(out.events, 3);
    assert_true(anon_bytes(s) == anon - out.bytes);

    assert_true(known(s, 1));                  /* seen last */
    assert_false(known(s, 2));
    assert_false(known(s, 3));
    assert_false(known(s, 4));
    for (i = 5; i <= 10; i++) {
        assert_true(known(s, i));
    }
    assert_int_equal(events_of(s, 100), 1);
    assert_int_equal(events_of(s, 1), 2);
    assert_int_equal(events_of(s, 2), 0);

    /* a bound already kept: nothing goes */
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_store_evict_anonymous(s, anon, 500, &out, &more),
                     LEAD_OK);
    assert_int_equal(out.visitors, 0);

    /* at most max a transaction, and more says so */
    assert_int_equal(lead_store_evict_anonymous(s, 0, 2, &out, &more),
                     LEAD_OK);
    assert_int_equal(out.visitors, 2);
    assert_int_equal(more, 1);
    assert_int_equal(lead_store_evict_anonymous(s, 0, 500, &out, &more),
                     LEAD_OK);
    assert_int_equal(more, 0);
    assert_int_equal(out.visitors, 7);
    assert_int_equal(anon_bytes(s), 0);
    assert_int_equal(events_of(s, 100), 1);

    lead_batch_free(b);
    lead_store_close(s);
}

/* Expiry takes what it erases off the count too. */
static void
test_purge_uncounts(void **state)
{
    fixture      *fx = *state;
    lead_store   *s = open_store(fx->dir, 0);
    lead_batch   *b = lead_batch_new(SIZE_MAX);
    lead_erased   out;
    uint8_t       from[LEAD_ID_LEN] = { 0 };
    size_t        cost = 0;
    unsigned      i;
    int           more;

    for (i = 0; i < 20; i++) {
        add_event(b, i, i, 64, i >= 10 ? &cost : NULL);
    }
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    index_all(s);

    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_store_purge_anonymous(s, T0 + 10 * 1000, 500, from,
                                                &out, &more), LEAD_OK);
    assert_int_equal(out.visitors, 10);
    assert_int_equal(anon_bytes(s), cost + 10 * LEAD_ANON_VISITOR_COST);

    lead_batch_free(b);
    lead_store_close(s);
}

/*
 * A flood of one-visit visitors through a small store: anonymous data
 * stays under its bound, nothing is dropped, and every event of the lead
 * reading meanwhile is kept.
 */
static void
test_bounded_commits(void **state)
{
    fixture         *fx = *state;
    lead_store      *s = open_store(fx->dir, 4 << 20);
    lead_batch      *b = lead_batch_new(SIZE_MAX);
    lead_committed   c;
    uint8_t          lead[LEAD_ID_LEN];
    uint64_t         bound = 1 << 20;
    size_t           evicted = 0, k;
    unsigned         i, who = 1;

    identify(s, 0, "ada@example.com", lead);
    for (k = 0; k < 60; k++) {
        lead_batch_clear(b);
        for (i = 0; i < 100; i++) {
            add_event(b, who++, k * 100 + i, 600, NULL);
        }
        add_event(b, 0, k * 100 + 99, 600, NULL);
        assert_int_equal(lead_store_commit_bounded(s, b, bound, &c), LEAD_OK);
        assert_int_equal(c.stored, 101);
        assert_int_equal(c.dropped, 0);
        evicted += c.evicted.visitors;
        index_all(s);
        assert_true(anon_bytes(s) <= bound + bound / 16 + 4096);
    }

    assert_true(used_bytes(s) < (2 << 20));
    assert_true(evicted > 3000);
    assert_int_equal(events_of(s, 0), 60);
    assert_true(known(s, who - 1));                 /* the newest stay */
    assert_false(known(s, 1));

    lead_batch_free(b);
    lead_store_close(s);
}

/*
 * A bound larger than the map: it fills all the same.  Anonymous data
 * gives way, and the lead's events are all stored.
 */
static void
test_full_map_keeps_leads(void **state)
{
    fixture         *fx = *state;
    lead_store      *s = open_store(fx->dir, 2 << 20);
    lead_batch      *b = lead_batch_new(SIZE_MAX);
    lead_committed   c;
    uint8_t          lead[LEAD_ID_LEN];
    size_t           stored = 0, evicted = 0, k;
    unsigned         i, who = 1;
    int              more;

    identify(s, 0, "ada@example.com", lead);
    for (k = 0; k < 60; k++) {
        lead_batch_clear(b);
        for (i = 0; i < 100; i++) {
            add_event(b, who++, k * 100 + i, 600, NULL);
        }
        add_event(b, 0, k * 100 + 99, 600, NULL);
        assert_int_equal(lead_store_commit_bounded(s, b, UINT64_C(1) << 40,
                                                   &c), LEAD_OK);
        stored += c.stored;
        evicted += c.evicted.visitors;
        more = 1;
        while (more && lead_store_fold(s, NULL, UINT64_MAX, 1000, NULL, NULL,
                                       &more) == LEAD_OK)
        {
            /* a full map may refuse the indexes: the next commit evicts */
        }
    }

    assert_true(evicted > 0);
    assert_true(stored > 60 * 50);
    assert_int_equal(events_of(s, 0), 60);

    /* the reserve is kept: a new visitor can still fill the form */
    assert_true(used_bytes(s) + (256 << 10) <= (2 << 20));
    identify(s, 9999, "grace@example.com", lead);

    lead_batch_free(b);
    lead_store_close(s);
}

/* Every row of a table, keys and values, one after another. */
static void
dump_table(lead_store *s, MDB_dbi dbi, lead_buf *out)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;

    assert_int_equal(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    while (mdb_cursor_get(cur, &key, &val, MDB_NEXT) == 0) {
        lead_buf_put(out, (const char *) key.mv_data, key.mv_size);
        lead_buf_put(out, (const char *) val.mv_data, val.mv_size);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
}

/* The second batch of test_seen_moved_in_order: returning visitors, some
   of their events late, new ones, a lead's. */
static void
second_batch(lead_batch *b, unsigned i)
{
    add_event(b, i % 3 ? 2 * i % 30 : 31 + i % 7, 100 + i * 7 % 40, 150,
              NULL);
    if (i % 5 == 0) {
        add_event(b, i % 30, 10 + i, 150, NULL);             /* late */
    }
    if (i % 4 == 0) {
        add_event(b, 100, 50 + i, 150, NULL);
    }
}

/*
 * The indexes of many visitors written in one pass ("seen" moved in its
 * keys' order) are the indexes written a visitor at a time: "seen",
 * "visitors" and the anonymous count alike.
 */
static void
test_seen_moved_in_order(void **state)
{
    fixture     *fx = *state;
    void        *other = NULL;
    lead_store  *s[2];
    lead_batch  *b = lead_batch_new(SIZE_MAX);
    lead_buf     rows[2];
    uint8_t      lead[LEAD_ID_LEN];
    unsigned     i, k;

    assert_int_equal(setup(&other), 0);
    s[0] = open_store(fx->dir, 0);
    s[1] = open_store(((fixture *) other)->dir, 0);

    for (k = 0; k < 2; k++) {
        identify(s[k], 100, "ada@example.com", lead);
        lead_batch_clear(b);
        for (i = 0; i < 60; i++) {
            add_event(b, i % 30, i, 100 + i, NULL);
        }
        assert_int_equal(lead_store_commit(s[k], b), LEAD_OK);
        index_all(s[k]);
    }

    /* the second batch: in one pass, and an event a pass */
    lead_batch_clear(b);
    for (i = 0; i < 40; i++) {
        second_batch(b, i);
    }
    assert_int_equal(lead_store_commit(s[0], b), LEAD_OK);
    index_all(s[0]);
    for (i = 0; i < 40; i++) {
        lead_batch_clear(b);
        second_batch(b, i);
        assert_int_equal(lead_store_commit(s[1], b), LEAD_OK);
        index_all(s[1]);
    }

    assert_int_equal(anon_bytes(s[0]), anon_bytes(s[1]));
    for (k = 0; k < 2; k++) {
        memset(&rows[k], 0, sizeof(rows[k]));
        dump_table(s[k], s[k]->seen, &rows[k]);
        dump_table(s[k], s[k]->visitors, &rows[k]);
        dump_table(s[k], s[k]->visited, &rows[k]);
        assert_false(rows[k].oom);
    }
    assert_true(rows[0].len > 0);
    assert_int_equal(rows[0].len, rows[1].len);
    assert_memory_equal(rows[0].data, rows[1].data, rows[0].len);

    for (k = 0; k < 2; k++) {
        lead_buf_free(&rows[k]);
        lead_store_close(s[k]);
    }
    lead_batch_free(b);
    assert_int_equal(teardown(&other), 0);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_counts_anonymous_bytes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_leads_not_counted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_evicts_oldest_first,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_uncounts,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_commits,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_map_keeps_leads,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen_moved_in_order,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
