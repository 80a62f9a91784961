/*
 * lead_store_each_line (view/lead_export.c): a store's lines in their
 * order (identities, devices, status changes, reads), ids the same every
 * time, the last deal with its change, and [since, until) kept.
 */

#include "status_fixture.h"
#include "lead_line.h"

#define MAX_LINES  32

typedef struct {
    size_t    n;
    int       kind[MAX_LINES];
    uint64_t  time_ms[MAX_LINES];
    int       status[MAX_LINES];
    int64_t   amount[MAX_LINES];
    int       visitor[MAX_LINES];      /* the visitor's byte, 0: none */
    char      id[MAX_LINES][LEAD_LINE_ID_MAX + 1];
    char      json[MAX_LINES][1024];
} lines;

static int
keep(void *arg, const lead_line *l)
{
    lines     *all = arg;
    lead_buf   out = { 0 };
    size_t     i = all->n++;
    uint8_t    none[LEAD_ID_LEN] = { 0 };

    assert_true(i < MAX_LINES);
    all->kind[i] = l->kind;
    all->time_ms[i] = l->ev.time_ms;
    all->status[i] = l->status;
    all->amount[i] = l->deal.amount;
    all->visitor[i] = memcmp(l->ev.visitor, none, LEAD_ID_LEN)
                      ? l->ev.visitor[0] : 0;
    assert_true(l->id.len > 2 && l->id.len <= LEAD_LINE_ID_MAX);
    memcpy(all->id[i], l->id.data, l->id.len);
    all->id[i][l->id.len] = '\0';

    lead_line_json(&out, l);
    assert_false(out.oom);
    assert_true(out.len < sizeof(all->json[i]));
    memcpy(all->json[i], out.data, out.len + 1);
    lead_buf_free(&out);
    return 0;
}

static void
read_at(lead_store *s, char who, uint64_t t, const uint8_t *request_id)
{
    lead_batch  *b = lead_batch_new(4096);
    lead_event   ev;

    assert_non_null(b);
    memset(&ev, 0, sizeof(ev));
    ev.time_ms = t;
    visitor_id(ev.visitor, who);
    if (request_id) {
        memcpy(ev.id, request_id, LEAD_ID_LEN);
    }
    ev.status = 200;
    ev.ua_class = LEAD_UA_BROWSER;
    ev.bytes_sent = ev.file_size = SIZE;
    ev.path.data = "/paper.pdf";
    ev.path.len = 10;
    assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
}

/* Ada reads, identifies (a call: mql), is won; Bob reads anonymously. */
static lead_store *
world(void **state, uint8_t ada[LEAD_ID_LEN])
{
    static const uint8_t  rid[LEAD_ID_LEN] = { 0xab, 0xcd };
    lead_store           *s = open_store(state);
    lead_outcome          won = { 1200050, "EUR", T0 + 5 * DAY };

    read_at(s, 'a', T0, rid);
    identify(s, 'a', "ada@example.com", 1, T0 + HOUR, ada, LEAD_IDENT_CREATED);
    read_at(s, 'b', T0 + 2 * HOUR, NULL);
    set_status_ok(s, ada, SAL, T0 + DAY, "", "pat", "");
    set_status_ok(s, ada, SQL, T0 + 2 * DAY, "", "pat", "");
    assert_int_equal(lead_store_close_deal(s, ada, WON, T0 + 3 * DAY, &won,
                                           "pat", ""), LEAD_OK);
    return s;
}

static void
test_export_order(void **state)
{
    uint8_t      ada[LEAD_ID_LEN];
    lead_store  *s = world(state, ada);
    lines        all, again;
    static const int  kinds[] = {
        LEAD_LINE_IDENTIFY, LEAD_LINE_IDENTIFY, LEAD_LINE_STATUS,
        LEAD_LINE_STATUS, LEAD_LINE_STATUS, LEAD_LINE_STATUS,
        LEAD_LINE_READ, LEAD_LINE_READ
    };
    size_t       i;

    memset(&all, 0, sizeof(all));
    assert_int_equal(lead_store_each_line(s, 0, 0, keep, &all), LEAD_OK);
    assert_int_equal(all.n, N_ELEMS(kinds));
    for (i = 0; i < all.n; i++) {
        assert_int_equal(all.kind[i], kinds[i]);
    }

    /* the lead at its creation, no device; then its device */
    assert_int_equal(all.time_ms[0], T0 + HOUR);
    assert_int_equal(all.visitor[0], 0);
    assert_int_equal(all.visitor[1], 'a');
    assert_non_null(strstr(all.json[0], "\"email\":\"ada@example.com\""));
    assert_non_null(strstr(all.json[0], "\"contact\":true"));
    assert_non_null(strstr(all.json[1], "\"email\":\"ada@example.com\""));

    /* mql, sal, sql, won: the deal on the last only, becoming none */
    assert_int_equal(all.status[2], MQL);
    assert_int_equal(all.status[5], WON);
    assert_int_equal(all.amount[5], 1200050);
    assert_int_equal(all.amount[4], 0);
    assert_non_null(strstr(all.json[5], "\"amount\":\"12000.50\""));
    assert_non_null(strstr(all.json[5], "\"owner\":\"pat\""));

    /* the request's id, else the log's key; each kind its letter */
    assert_string_equal(all.id[6], "abcd0000000000000000000000000000-r");
    assert_int_equal(strlen(all.id[7]), LEAD_ID_HEX_LEN + 2);
    for (i = 0; i < all.n; i++) {
        assert_int_equal(all.id[i][LEAD_ID_HEX_LEN + 1],
                         "risfg"[all.kind[i]]);
    }

    /* the same store, the same lines */
    memset(&again, 0, sizeof(again));
    assert_int_equal(lead_store_each_line(s, 0, 0, keep, &again), LEAD_OK);
    assert_int_equal(again.n, all.n);
    for (i = 0; i < all.n; i++) {
        assert_string_equal(again.json[i], all.json[i]);
        assert_string_equal(again.id[i], all.id[i]);
    }

    lead_store_close(s);
}

static void
test_export_window(void **state)
{
    uint8_t      ada[LEAD_ID_LEN];
    lead_store  *s = world(state, ada);
    lines        all;
    size_t       i;

    /* [T0 + 1h, T0 + 1d): the identity, its device, mql; Bob's read */
    memset(&all, 0, sizeof(all));
    assert_int_equal(lead_store_each_line(s, T0 + HOUR, T0 + DAY, keep, &all),
                     LEAD_OK);
    assert_int_equal(all.n, 4);
    for (i = 0; i < all.n; i++) {
        assert_true(all.time_ms[i] >= T0 + HOUR && all.time_ms[i] < T0 + DAY);
    }
    assert_int_equal(all.kind[3], LEAD_LINE_READ);
    assert_int_equal(all.visitor[3], 'b');

    /* the won deal alone keeps its amount */
    memset(&all, 0, sizeof(all));
    assert_int_equal(lead_store_each_line(s, T0 + 3 * DAY, 0, keep, &all),
                     LEAD_OK);
    assert_int_equal(all.n, 1);
    assert_int_equal(all.status[0], WON);
    assert_int_equal(all.amount[0], 1200050);

    lead_store_close(s);
}

static void
test_export_empty(void **state)
{
    lead_store  *s = open_store(state);
    lines        all;

    memset(&all, 0, sizeof(all));
    assert_int_equal(lead_store_each_line(s, 0, 0, keep, &all), LEAD_OK);
    assert_int_equal(all.n, 0);
    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_export_order),
        T(test_export_window),
        T(test_export_empty),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
