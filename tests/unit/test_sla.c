/*
 * The SLA clock and owners (lead_sla.c, lead_list.c): an MQL's age and
 * deadline at any moment, its return to nurture only past accept_within,
 * the mqls' index built for a store older than it, owners set, changed,
 * unset and forgotten, and the list's ranking and filters.
 */

#include "status_fixture.h"

static const char  sla_conf[] = "accept_within 2d;\n";

static lead_rules *
sla_rules(const char *conf)
{
    lead_rules  *r;
    char         err[256];

    if (lead_rules_parse(&r, "rules", conf, strlen(conf), HEADER,
                         sizeof(HEADER) - 1, err, sizeof(err)) != LEAD_OK)
    {
        fail_msg("rules: %s", err);
    }
    return r;
}

/* The returns a call of lead_store_return_overdue told. */
typedef struct {
    uint8_t  ids[8][LEAD_ID_LEN];
    char     reason[64];
    size_t   n;
} returns;

static int
heard(void *arg, const uint8_t lead_id[LEAD_ID_LEN], const char *reason)
{
    returns  *r = arg;

    assert_true(r->n < N_ELEMS(r->ids));
    memcpy(r->ids[r->n++], lead_id, LEAD_ID_LEN);
    snprintf(r->reason, sizeof(r->reason), "%s", reason);
    return 0;
}

static size_t
return_at(lead_store *s, const lead_rules *r, uint64_t now, returns *got)
{
    memset(got, 0, sizeof(*got));
    if (lead_store_return_overdue(s, r, now, 8, heard, got) != LEAD_OK) {
        fail_msg("return_overdue: %s", lead_store_errmsg(s));
    }
    return got->n;
}

/* The list at now with one filter (key NULL: none), every row. */
static void
list_at(lead_store *s, const lead_rules *r, uint64_t now, const char *key,
    const char *value, lead_list *l)
{
    lead_filter  f;
    char         err[256];

    lead_filter_init(&f);
    if (key != NULL) {
        if (lead_filter_set(&f, r, key, value, strlen(value), err,
                            sizeof(err))
            != LEAD_OK)
        {
            fail_msg("filter %s=%s: %s", key, value, err);
        }
    }
    assert_int_equal(lead_query_leads(s, r, now, &f, l), LEAD_OK);
}

static const lead_row *
row_of(const lead_list *l, const uint8_t lead[LEAD_ID_LEN])
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        if (memcmp(l->rows[i].id, lead, LEAD_ID_LEN) == 0) {
            return &l->rows[i];
        }
    }
    fail_msg("lead not in the list");
    return NULL;
}

static void
expect_owner(lead_store *s, const lead_rules *r, const char *email,
    const char *want)
{
    lead_detail  d;

    assert_int_equal(lead_query_lead(s, r, email, strlen(email), T0 + DAY,
                                     &d), LEAD_OK);
    if (d.row.owner.len != strlen(want)
        || memcmp(d.row.owner.data, want, d.row.owner.len) != 0)
    {
        fail_msg("owner \"%.*s\", want \"%s\"", (int) d.row.owner.len,
                 d.row.owner.data, want);
    }
    lead_detail_free(&d);
}

/* ---- 1. the clock ------------------------------------------------------ */

/* An mql at T0, accept_within 2d: waiting, then overdue, then returned. */
static void
test_sla_clock(void **state)
{
    lead_store      *s = open_store(state);
    lead_rules      *r = sla_rules(sla_conf);
    lead_list        l;
    const lead_row  *row;
    returns          got;
    uint8_t          lead[LEAD_ID_LEN];

    identify(s, 'a', "ana@corp.example", 1, T0, lead, 1);
    expect_status(s, lead, MQL, T0);

    /* 47 hours on: waiting, not overdue; the deadline is T0 + 2 days */
    list_at(s, r, T0 + 47 * HOUR, NULL, NULL, &l);
    row = row_of(&l, lead);
    assert_int_equal(row->waiting_ms, 47 * HOUR);
    assert_int_equal(row->due_ms, T0 + 2 * DAY);
    assert_false(row->overdue);
    lead_list_free(&l);
    list_at(s, r, T0 + 47 * HOUR, "only", "overdue", &l);
    assert_int_equal(l.n, 0);
    lead_list_free(&l);

    /* 49 hours on: overdue, in the list and with the filter */
    list_at(s, r, T0 + 49 * HOUR, "only", "overdue", &l);
    assert_int_equal(l.n, 1);
    assert_true(l.rows[0].overdue);
    assert_int_equal(l.rows[0].waiting_ms, 49 * HOUR);
    lead_list_free(&l);

    /* the same store at an earlier moment is not overdue (--now) */
    list_at(s, r, T0 + HOUR, NULL, NULL, &l);
    assert_false(row_of(&l, lead)->overdue);
    lead_list_free(&l);

    /* returned only past the deadline */
    assert_int_equal(return_at(s, r, T0 + 47 * HOUR, &got), 0);
    assert_int_equal(return_at(s, r, T0 + 2 * DAY - 1, &got), 0);
    expect_status(s, lead, MQL, T0);

    assert_int_equal(return_at(s, r, T0 + 49 * HOUR, &got), 1);
    assert_memory_equal(got.ids[0], lead, LEAD_ID_LEN);
    assert_string_equal(got.reason, "not accepted within 2d");
    expect_status(s, lead, NURTURE, T0 + 49 * HOUR);
    EXPECT_HISTORY(s, lead, FORM(0), CALL(0),
                   { 49 * HOUR, MQL, NURTURE, "accept_within", "",
                     "not accepted within 2d" });

    /* once: a nurture lead is no longer waiting, nor returned again */
    assert_int_equal(return_at(s, r, T0 + 10 * DAY, &got), 0);
    list_at(s, r, T0 + 10 * DAY, NULL, NULL, &l);
    row = row_of(&l, lead);
    assert_int_equal(row->waiting_ms, 0);
    assert_int_equal(row->due_ms, 0);
    assert_false(row->overdue);
    lead_list_free(&l);

    lead_rules_free(r);
    lead_store_close(s);
}

/* Without accept_within nothing is overdue, and nothing goes back. */
static void
test_sla_off(void **state)
{
    lead_store  *s = open_store(state);
    lead_rules  *r = sla_rules("");
    lead_list    l;
    returns      got;
    uint8_t      lead[LEAD_ID_LEN];

    identify(s, 'a', "ana@corp.example", 1, T0, lead, 1);
    assert_int_equal(return_at(s, r, T0 + 365 * DAY, &got), 0);
    expect_status(s, lead, MQL, T0);
    list_at(s, r, T0 + 365 * DAY, NULL, NULL, &l);
    assert_int_equal(l.rows[0].waiting_ms, 365 * DAY);
    assert_int_equal(l.rows[0].due_ms, 0);
    assert_false(l.rows[0].overdue);
    lead_list_free(&l);

    lead_rules_free(r);
    lead_store_close(s);
}

/* Accepted in time: its owner is who accepted it, and it stays sal. */
static void
test_sla_accepted_in_time(void **state)
{
    lead_store  *s = open_store(state);
    lead_rules  *r = sla_rules(sla_conf);
    returns      got;
    uint8_t      a[LEAD_ID_LEN], b[LEAD_ID_LEN];

    identify(s, 'a', "ana@corp.example", 1, T0, a, 1);
    identify(s, 'b', "bo@corp.example", 1, T0 + MIN, b, 1);
    set_status_ok(s, a, SAL, T0 + HOUR, "sales view", "carla", "");
    expect_owner(s, r, "ana@corp.example", "carla");

    /* the oldest, accepted, no longer waits; the other one goes back */
    assert_int_equal(return_at(s, r, T0 + 3 * DAY, &got), 1);
    assert_memory_equal(got.ids[0], b, LEAD_ID_LEN);
    expect_status(s, a, SAL, T0 + HOUR);
    expect_owner(s, r, "ana@corp.example", "carla");
    expect_status(s, b, NURTURE, T0 + 3 * DAY);

    /* rejected by hand before its deadline: never returned by the clock */
    identify(s, 'c', "cy@corp.example", 1, T0 + 4 * DAY, a, 1);
    set_status_ok(s, a, NURTURE, T0 + 4 * DAY + HOUR, "sales view", "carla",
                  "no budget");
    assert_int_equal(return_at(s, r, T0 + 30 * DAY, &got), 0);

    /* a re-qualified lead gets a new deadline from its new mql time */
    set_status_ok(s, b, MQL, T0 + 5 * DAY, "test", "", "");
    assert_int_equal(return_at(s, r, T0 + 6 * DAY, &got), 0);
    assert_int_equal(return_at(s, r, T0 + 7 * DAY, &got), 1);
    expect_status(s, b, NURTURE, T0 + 7 * DAY);

    lead_rules_free(r);
    lead_store_close(s);
}

/* At most max a call, the oldest first. */
static void
test_sla_batch(void **state)
{
    lead_store  *s = open_store(state);
    lead_rules  *r = sla_rules("accept_within 1h;");
    returns      got;
    uint8_t      lead[12][LEAD_ID_LEN];
    char         email[64];
    unsigned     i;

    for (i = 0; i < 12; i++) {
        snprintf(email, sizeof(email), "p%u@corp.example", i);
        identify(s, (char) ('a' + i), email, 1, T0 + i * MIN, lead[i], 1);
    }
    assert_int_equal(return_at(s, r, T0 + DAY, &got), 8);
    for (i = 0; i < 8; i++) {
        assert_memory_equal(got.ids[i], lead[i], LEAD_ID_LEN);
    }
    expect_status(s, lead[8], MQL, T0 + 8 * MIN);
    assert_int_equal(return_at(s, r, T0 + DAY, &got), 4);
    assert_memory_equal(got.ids[0], lead[8], LEAD_ID_LEN);
    assert_int_equal(return_at(s, r, T0 + DAY, &got), 0);

    lead_rules_free(r);
    lead_store_close(s);
}

/* A store written before the index: built from "statuses" once. */
static void
test_sla_backfill(void **state)
{
    lead_store  *s = open_store(state);
    lead_rules  *r = sla_rules(sla_conf);
    MDB_txn     *txn;
    MDB_val      key;
    returns      got;
    uint8_t      a[LEAD_ID_LEN], b[LEAD_ID_LEN], c[LEAD_ID_LEN], *ids;
    size_t       n;
    int          known;

    identify(s, 'a', "ana@corp.example", 1, T0, a, 1);
    identify(s, 'b', "bo@corp.example", 0, T0 + MIN, b, 1);
    set_status_ok(s, b, MQL, T0 + 2 * MIN, "test", "", "");
    identify(s, 'c', "cy@corp.example", 1, T0 + 3 * MIN, c, 1);
    set_status_ok(s, c, SAL, T0 + HOUR, "test", "dan", "");

    /* what an older version left: no rows, no meta "mqls" */
    assert_int_equal(mdb_txn_begin(s->env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_drop(txn, s->mqls, 0), 0);
    assert_int_equal(mdb_drop(txn, s->calls, 0), 0);
    key.mv_data = (void *) LEAD_META_MQLS;
    key.mv_size = strlen(LEAD_META_MQLS);
    assert_int_equal(mdb_del(txn, s->meta, &key, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    s->sla_built = 0;

    assert_int_equal(lead_store_calls(s, &ids, &n, &known), LEAD_OK);
    assert_false(known);

    /* the first call builds it: not due yet, but the index is whole */
    assert_int_equal(return_at(s, r, T0 + HOUR, &got), 0);
    assert_int_equal(lead_store_calls(s, &ids, &n, &known), LEAD_OK);
    assert_true(known);
    assert_int_equal(n, 1);                 /* ana asked for a call */
    assert_memory_equal(ids, a, LEAD_ID_LEN);
    free(ids);

    assert_int_equal(return_at(s, r, T0 + 3 * DAY, &got), 2);
    assert_memory_equal(got.ids[0], a, LEAD_ID_LEN);
    assert_memory_equal(got.ids[1], b, LEAD_ID_LEN);
    expect_status(s, c, SAL, T0 + HOUR);

    lead_rules_free(r);
    lead_store_close(s);
}

/* ---- 2. owners --------------------------------------------------------- */

static void
test_owner(void **state)
{
    lead_store   *s = open_store(state);
    lead_rules   *r = sla_rules("");
    lead_owner   *owners;
    lead_erased   e;
    uint8_t       a[LEAD_ID_LEN], b[LEAD_ID_LEN];
    char          hex[LEAD_ID_HEX_LEN], name[200];
    size_t        n;

    identify(s, 'a', "ana@corp.example", 0, T0, a, 1);
    identify(s, 'b', "bo@corp.example", 1, T0, b, 1);
    expect_owner(s, r, "ana@corp.example", "");

    /* set, by e-mail or id; changed; blanks around it trimmed */
    assert_int_equal(lead_store_assign(s, "ana@corp.example", 16, "carla", 5),
                     LEAD_OK);
    expect_owner(s, r, "ana@corp.example", "carla");
    lead_id_to_hex(a, hex);
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), " Dan Ö ", 8),
                     LEAD_OK);
    expect_owner(s, r, "ana@corp.example", "Dan Ö");

    /* unset: "" (or blanks) */
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), "  ", 2),
                     LEAD_OK);
    expect_owner(s, r, "ana@corp.example", "");

    /* refused, and nothing changes */
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), "carla", 5),
                     LEAD_OK);
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), "a\x01b", 3),
                     LEAD_EINVAL);
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), "a\xff", 2),
                     LEAD_EINVAL);
    memset(name, 'x', sizeof(name));
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), name, 129),
                     LEAD_EINVAL);
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), name, 128),
                     LEAD_OK);
    assert_int_equal(lead_store_assign(s, hex, sizeof(hex), "carla", 5),
                     LEAD_OK);
    assert_int_equal(lead_store_assign(s, "nobody@corp.example", 19, "x", 1),
                     LEAD_ENOTFOUND);
    expect_owner(s, r, "ana@corp.example", "carla");

    /* accepting makes who accepted the owner, over an earlier one */
    assert_int_equal(lead_store_assign(s, "bo@corp.example", 15, "carla", 5),
                     LEAD_OK);
    set_status_ok(s, b, SAL, T0 + HOUR, "sales view", "dan", "");
    expect_owner(s, r, "bo@corp.example", "dan");

    /* a who that names no one (control bytes) moves the lead all the same */
    identify(s, 'c', "cy@corp.example", 1, T0, a, 1);
    set_status_ok(s, a, SAL, T0 + HOUR, "sales view", "x\x7fy", "");
    expect_status(s, a, SAL, T0 + HOUR);
    expect_owner(s, r, "cy@corp.example", "");
    assert_int_equal(lead_store_forget(s, "cy@corp.example", 15, &e),
                     LEAD_OK);

    /* forgotten with the lead */
    assert_int_equal(lead_store_snapshot(s), LEAD_OK);
    assert_int_equal(lead_store_owners(s, &owners, &n), LEAD_OK);
    assert_int_equal(n, 2);
    free(owners);
    lead_store_snapshot_end(s);
    assert_int_equal(lead_store_forget(s, "ana@corp.example", 16, &e),
                     LEAD_OK);
    assert_int_equal(lead_store_forget(s, "bo@corp.example", 15, &e),
                     LEAD_OK);
    assert_int_equal(lead_store_snapshot(s), LEAD_OK);
    assert_int_equal(lead_store_owners(s, &owners, &n), LEAD_OK);
    assert_int_equal(n, 0);
    free(owners);
    lead_store_snapshot_end(s);

    lead_rules_free(r);
    lead_store_close(s);
}

/* ---- 3. the list: ranking and filters ---------------------------------- */

static void
expect_order(const lead_list *l, const uint8_t *const *want, size_t n)
{
    size_t  i;

    assert_int_equal(l->n, n);
    for (i = 0; i < n; i++) {
        if (memcmp(l->rows[i].id, want[i], LEAD_ID_LEN) != 0) {
            fail_msg("row %zu is %.*s", i, (int) l->rows[i].email.len,
                     l->rows[i].email.data);
        }
    }
}

static void
test_list_next(void **state)
{
    lead_store  *s = open_store(state);
    lead_rules  *r = sla_rules(sla_conf);
    lead_list    l;
    uint8_t      a[LEAD_ID_LEN], b[LEAD_ID_LEN], c[LEAD_ID_LEN];
    uint8_t      d[LEAD_ID_LEN], e[LEAD_ID_LEN];
    char         err[256];
    lead_filter  f;

    /*
     * Nobody read anything (every score 0), so the existing order is the
     * most recent first: e, d, c, b, a.  Calls among MQLs rank first.
     */
    identify(s, 'a', "a@corp.example", 1, T0, a, 1);          /* mql, call */
    identify(s, 'b', "b@corp.example", 0, T0 + MIN, b, 1);    /* identified */
    identify(s, 'c', "c@corp.example", 0, T0 + 2 * MIN, c, 1);
    set_status_ok(s, c, MQL, T0 + 2 * MIN, "test", "", "");   /* mql */
    identify(s, 'd', "d@corp.example", 1, T0 + 3 * MIN, d, 1);
    set_status_ok(s, d, SAL, T0 + HOUR, "test", "ana", "");   /* sal, call */
    identify(s, 'e', "e@corp.example", 1, T0 + DAY, e, 1);    /* mql, call */
    assert_int_equal(lead_store_assign(s, "e@corp.example", 14, "bo", 2),
                     LEAD_OK);

    list_at(s, r, T0 + DAY + HOUR, NULL, NULL, &l);
    {
        const uint8_t  *want[] = { e, a, d, c, b };

        expect_order(&l, want, N_ELEMS(want));
    }
    lead_list_free(&l);

    /* the first page of the kept ranks' path keeps the calls first too */
    lead_filter_init(&f);
    f.limit = 2;
    assert_int_equal(lead_query_leads(s, r, T0 + DAY + HOUR, &f, &l),
                     LEAD_OK);
    {
        const uint8_t  *want[] = { e, a };

        expect_order(&l, want, N_ELEMS(want));
    }
    assert_int_equal(l.matched, 5);
    lead_list_free(&l);

    /* owners */
    list_at(s, r, T0 + DAY + HOUR, "owner", "ana", &l);
    {
        const uint8_t  *want[] = { d };

        expect_order(&l, want, N_ELEMS(want));
    }
    assert_string_equal(l.rows[0].owner.data, "ana");
    lead_list_free(&l);
    list_at(s, r, T0 + DAY + HOUR, "only", "unassigned", &l);
    {
        const uint8_t  *want[] = { a, c, b };

        expect_order(&l, want, N_ELEMS(want));
    }
    lead_list_free(&l);

    /* asked for a call, whatever the status */
    list_at(s, r, T0 + DAY + HOUR, "only", "calls", &l);
    {
        const uint8_t  *want[] = { e, a, d };

        expect_order(&l, want, N_ELEMS(want));
    }
    lead_list_free(&l);

    /* overdue: a and c (mql since T0), not e (since T0 + 1 day) */
    list_at(s, r, T0 + 2 * DAY + HOUR, "only", "overdue", &l);
    {
        const uint8_t  *want[] = { a, c };

        expect_order(&l, want, N_ELEMS(want));
    }
    lead_list_free(&l);
    list_at(s, r, T0 + 2 * DAY + HOUR, "only", "overdue,unassigned calls",
            &l);
    {
        const uint8_t  *want[] = { a };

        expect_order(&l, want, N_ELEMS(want));
    }
    lead_list_free(&l);

    /* bad filters are refused, with what is expected */
    lead_filter_init(&f);
    assert_int_equal(lead_filter_set(&f, r, "only", "late", 4, err,
                                     sizeof(err)), LEAD_EINVAL);
    assert_non_null(strstr(err, "overdue, unassigned or calls"));
    assert_int_equal(lead_filter_set(&f, r, "owner", "a\nb", 3, err,
                                     sizeof(err)), LEAD_EINVAL);
    assert_int_equal(f.only, 0);
    assert_string_equal(f.owner, "");

    lead_rules_free(r);
    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_sla_clock),
        T(test_sla_off),
        T(test_sla_accepted_in_time),
        T(test_sla_batch),
        T(test_sla_backfill),
        T(test_owner),
        T(test_list_next),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
