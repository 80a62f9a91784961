#include "unit.h"

/* The log as leadctl events lists it: a time range and one lead's reads. */

#include "status_fixture.h"

/* Visitor who reads /N at T0 + N minutes. */
static void
read_at(lead_store *s, char who, unsigned n)
{
    lead_batch  *b;
    lead_event   ev;
    char         path[16];

    memset(&ev, 0, sizeof(ev));
    visitor_id(ev.visitor, who);
    ev.time_ms = T0 + n * MIN;
    ev.status = 200;
    ev.ua_class = LEAD_UA_BROWSER;
    ev.path.len = (size_t) snprintf(path, sizeof(path), "/%u", n);
    ev.path.data = path;

    b = lead_batch_new(2 * LEAD_EVENT_MAX_SIZE);
    assert_non_null(b);
    assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
}

typedef struct {
    char      got[64];      /* "who:minute who:minute ..." */
    size_t    len;
    unsigned  stop_after;   /* 0: never */
    unsigned  seen;
} listed;

static int
list_event(void *arg, uint64_t seq, const lead_event *ev)
{
    listed  *l = arg;

    (void) seq;
    l->len += (size_t) snprintf(l->got + l->len, sizeof(l->got) - l->len,
                                "%s%c%u", l->len ? " " : "",
                                (char) ev->visitor[0],
                                (unsigned) ((ev->time_ms - T0) / MIN));
    return ++l->seen == l->stop_after;
}

static void
expect_listed(lead_store *s, uint64_t since, uint64_t until,
    const uint8_t *lead, unsigned stop_after, int want_rc, const char *want)
{
    listed  l;

    memset(&l, 0, sizeof(l));
    l.stop_after = stop_after;
    assert_int_equal(lead_store_each_event_in(s, since, until, lead,
                                              list_event, &l),
                     want_rc);
    assert_string_equal(l.got, want);
}

static void
test_range_and_lead(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], none[LEAD_ID_LEN];

    /* ada reads on two devices (a, b), bob on one (c); d is anonymous */
    identify(s, 'a', "ada@example.com", 0, T0, ada, LEAD_IDENT_CREATED);
    identify(s, 'b', "ada@example.com", 0, T0, ada, 0);
    identify(s, 'c', "bob@example.com", 0, T0, bob, LEAD_IDENT_CREATED);
    read_at(s, 'a', 1);
    read_at(s, 'd', 2);
    read_at(s, 'b', 3);
    read_at(s, 'c', 4);
    read_at(s, 'a', 5);

    expect_listed(s, 0, 0, NULL, 0, LEAD_OK, "a1 d2 b3 c4 a5");
    /* since included, until not */
    expect_listed(s, T0 + 2 * MIN, T0 + 5 * MIN, NULL, 0, LEAD_OK,
                  "d2 b3 c4");
    expect_listed(s, T0 + 2 * MIN + 1, 0, NULL, 0, LEAD_OK, "b3 c4 a5");
    expect_listed(s, T0 + 6 * MIN, 0, NULL, 0, LEAD_OK, "");
    /* a lead's devices, all of them and nobody else's */
    expect_listed(s, 0, 0, ada, 0, LEAD_OK, "a1 b3 a5");
    expect_listed(s, 0, T0 + 5 * MIN, ada, 0, LEAD_OK, "a1 b3");
    expect_listed(s, 0, 0, bob, 0, LEAD_OK, "c4");
    /* the callback stops it (a --limit) */
    expect_listed(s, 0, 0, NULL, 2, LEAD_ECALLBACK, "a1 d2");
    /* a lead with no device lists nothing */
    memset(none, 0x77, sizeof(none));
    expect_listed(s, 0, 0, none, 0, LEAD_OK, "");

    lead_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_range_and_lead, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
