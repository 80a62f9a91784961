/*
 * Lead statuses (lead_status.c): the transition table and the names, the
 * status a form gives, moves by hand and what they refuse, and the
 * history each move leaves.
 */

#include "status_fixture.h"

/* ---- 1. the transition table and the names ----------------------------- */

static void
test_status_allowed(void **state)
{
    /* every allowed move; all the other pairs are refused */
    static const struct {
        int  from, to;
    } allowed[] = {
        { ANON, IDENT },
        { IDENT, MQL },
        { NURTURE, MQL },           /* a rejected lead can qualify again */
        { MQL, SAL },
        { ANON, SAL },              /* a lead sales found (leadctl add) */
        { SAL, SQL },
        { SQL, WON },
        { MQL, NURTURE },
        { SAL, NURTURE },
        { SQL, NURTURE },
        { SAL, LOST },
        { SQL, LOST },
        { LOST, NURTURE },          /* a deal lost, worth nurturing again */
    };
    int     from, to, want;
    size_t  i;

    (void) state;

    /* -1 and LEAD_NSTATUSES: out of range on either side, never allowed */
    for (from = -1; from <= LEAD_NSTATUSES; from++) {
        for (to = -1; to <= LEAD_NSTATUSES; to++) {
            want = 0;
            for (i = 0; i < N_ELEMS(allowed); i++) {
                want |= allowed[i].from == from && allowed[i].to == to;
            }
            if (lead_status_allowed(from, to) != want) {
                fail_msg("%s -> %s: %d, want %d", lead_status_name(from),
                         lead_status_name(to), lead_status_allowed(from, to),
                         want);
            }
        }
    }
}

static void
test_status_names(void **state)
{
    static const char  *names[LEAD_NSTATUSES] = {
        "anonymous", "identified", "mql", "sal", "sql", "won", "nurture",
        "lost"
    };
    /* near misses: a prefix, a longer word, a trailing byte */
    static const struct {
        const char  *name;
        size_t       len;
    } unknown[] = {
        { "", 0 }, { "m", 1 }, { "mq", 2 }, { "mqlx", 4 },
        { "identify", 8 }, { "nurtured", 8 }, { "won ", 4 },
        { "mql\0", 4 }, { "lose", 4 }, { "unknown", 7 },
    };
    static const int    bad[] = { -1, LEAD_NSTATUSES, 100, -100 };
    size_t              i;
    int                 k;

    (void) state;

    for (k = 0; k < LEAD_NSTATUSES; k++) {
        assert_string_equal(lead_status_name(k), names[k]);
        assert_int_equal(lead_status_parse(names[k], strlen(names[k])), k);
    }
    for (i = 0; i < N_ELEMS(unknown); i++) {
        if (lead_status_parse(unknown[i].name, unknown[i].len) != -1) {
            fail_msg("\"%.*s\" parsed as %d", (int) unknown[i].len,
                     unknown[i].name,
                     lead_status_parse(unknown[i].name, unknown[i].len));
        }
    }
    /* only len bytes are looked at */
    assert_int_equal(lead_status_parse("sales", 3), SAL);

    for (i = 0; i < N_ELEMS(bad); i++) {
        assert_string_equal(lead_status_name(bad[i]), "unknown");
    }
}

/* ---- 2. identify ------------------------------------------------------- */

static void
test_identify_status(void **state)
{
    uint8_t       ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], got[LEAD_ID_LEN];
    lead_store   *s = open_store(state);

    /* a form: identified, with the one transition that says so */
    identify(s, 'a', "ada@example.com", 0, T0, ada, 1);
    expect_status(s, ada, IDENT, T0);
    EXPECT_HISTORY(s, ada, FORM(0));

    /* the same person again, no contact asked: nothing to record */
    identify(s, 'a', "ada@example.com", 0, T0 + MIN, got, 0);
    expect_status(s, ada, IDENT, T0);
    EXPECT_HISTORY(s, ada, FORM(0));

    /* asking for a call makes a known lead an mql at once */
    identify(s, 'a', "ada@example.com", 1, T0 + HOUR, got, 0);
    expect_status(s, ada, MQL, T0 + HOUR);
    EXPECT_HISTORY(s, ada, FORM(0), CALL(HOUR));

    /* and a new one too, in the same millisecond as its form */
    identify(s, 'b', "bob@example.com", 1, T0 + DAY, bob, 1);
    expect_status(s, bob, MQL, T0 + DAY);
    EXPECT_HISTORY(s, bob, FORM(DAY), CALL(DAY));

    /* asking again as an mql adds nothing */
    identify(s, 'b', "bob@example.com", 1, T0 + 2 * DAY, got, 0);
    expect_status(s, bob, MQL, T0 + DAY);
    EXPECT_HISTORY(s, bob, FORM(DAY), CALL(DAY));

    assert_int_equal(count_all(s), 4);
    lead_store_close(s);
}

/* ---- 3. moving a lead by hand ------------------------------------------ */

static void
test_status_chain(void **state)
{
    uint8_t       lead[LEAD_ID_LEN];
    lead_store   *s = open_store(state);

    identify(s, 'a', "ada@example.com", 1, T0, lead, 1);
    set_status_ok(s, lead, SAL, T0 + HOUR, "accepted", "sam", NULL);
    expect_status(s, lead, SAL, T0 + HOUR);
    set_status_ok(s, lead, SQL, T0 + DAY, "budget confirmed", "sam", "");
    set_status_ok(s, lead, WON, T0 + 9 * DAY, "signed", "kim", NULL);
    expect_status(s, lead, WON, T0 + 9 * DAY);

    EXPECT_HISTORY(s, lead, FORM(0), CALL(0),
                   { HOUR, MQL, SAL, "accepted", "sam", "" },
                   { DAY, SAL, SQL, "budget confirmed", "sam", "" },
                   { 9 * DAY, SQL, WON, "signed", "kim", "" });

    lead_store_close(s);
}

static void
test_status_refused(void **state)
{
    /* each lead is walked to from (through path), then asked to go to to */
    static const struct {
        int          path[4];       /* after the form; -1 ends */
        int          to;
        const char  *msg;
    } cases[] = {
        { { -1 }, SAL, "a lead cannot go from identified to sal" },
        { { -1 }, IDENT, "a lead cannot go from identified to identified" },
        { { -1 }, ANON, "a lead cannot go from identified to anonymous" },
        { { MQL, SAL, SQL, WON }, NURTURE,
          "a lead cannot go from won to nurture" },
        { { MQL, SAL, -1 }, WON, "a lead cannot go from sal to won" },
        { { MQL, SAL, -1 }, MQL, "a lead cannot go from sal to mql" },
        { { MQL, -1 }, LEAD_NSTATUSES,
          "a lead cannot go from mql to unknown" },
    };
    uint8_t       lead[LEAD_ID_LEN];
    char          email[64];
    lead_store   *s = open_store(state);
    history       before, after;
    uint64_t      t;
    size_t        i, k;
    int           rc, status = IDENT;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(email, sizeof(email), "lead%zu@example.com", i);
        t = T0 + i * DAY;
        identify(s, (char) ('a' + i), email, 0, t, lead, 1);
        status = IDENT;
        for (k = 0; k < N_ELEMS(cases[i].path) && cases[i].path[k] >= 0;
             k++)
        {
            status = cases[i].path[k];
            set_status_ok(s, lead, status, ++t, "moved", "sam", NULL);
        }
        read_history(s, lead, &before);

        /* refused, with a reason that would do for nurture */
        rc = lead_store_set_status(s, lead, cases[i].to, t + HOUR, "try",
                                   "sam", "because");
        if (rc != LEAD_EINVAL
            || strcmp(lead_store_errmsg(s), cases[i].msg) != 0)
        {
            fail_msg("case %zu: %d [%s], want [%s]", i, rc,
                     lead_store_errmsg(s), cases[i].msg);
        }

        /* and nothing changed */
        expect_status(s, lead, status, t);
        read_history(s, lead, &after);
        assert_int_equal(after.n, before.n);
        assert_memory_equal(after.s, before.s, before.n * sizeof(step));
    }

    lead_store_close(s);
}

static void
test_nurture_reason(void **state)
{
    static const char  *none[] = { NULL, "" };
    uint8_t       lead[LEAD_ID_LEN];
    lead_store   *s = open_store(state);
    size_t        i;

    identify(s, 'a', "ada@example.com", 1, T0, lead, 1);

    /* back to marketing says why, or does not happen */
    for (i = 0; i < N_ELEMS(none); i++) {
        assert_int_equal(lead_store_set_status(s, lead, NURTURE, T0 + HOUR,
                                               "rejected", "sam", none[i]),
                         LEAD_EINVAL);
        assert_non_null(strstr(lead_store_errmsg(s), "with a reason"));
        expect_status(s, lead, MQL, T0);
    }

    set_status_ok(s, lead, NURTURE, T0 + HOUR, "rejected", "sam",
                  "no budget this year");
    expect_status(s, lead, NURTURE, T0 + HOUR);
    EXPECT_HISTORY(s, lead, FORM(0), CALL(0),
                   { HOUR, MQL, NURTURE, "rejected", "sam",
                     "no budget this year" });

    lead_store_close(s);
}

/*
 * A deal closes won with its amount and date, or lost with a reason; the
 * outcome is kept with the change, read back, and forgotten with the lead.
 */
static void
test_close_deal(void **state)
{
    uint8_t        ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];
    lead_store    *s = open_store(state);
    lead_outcome   won = { 1200050, "EUR", T0 + 5 * DAY }, lost = { 0, "", 0 },
                   got;
    lead_erased    erased;
    MDB_txn       *txn;

    identify(s, 'a', "ada@example.com", 1, T0, ada, 1);
    identify(s, 'b', "bob@example.com", 1, T0, bob, 1);

    /* won only from sql, an amount not negative, lost with a reason */
    assert_int_equal(lead_store_close_deal(s, ada, WON, T0 + HOUR, &won,
                                           "sam", ""), LEAD_EINVAL);
    assert_int_equal(lead_store_close_deal(s, ada, SQL, T0 + HOUR, &won,
                                           "sam", ""), LEAD_EINVAL);
    set_status_ok(s, ada, SAL, T0 + HOUR, "", "sam", "");
    set_status_ok(s, ada, SQL, T0 + 2 * HOUR, "", "sam", "");
    won.amount = -1;
    assert_int_equal(lead_store_close_deal(s, ada, WON, T0 + 3 * HOUR, &won,
                                           "sam", ""), LEAD_EINVAL);
    won.amount = 1200050;
    assert_int_equal(lead_store_close_deal(s, ada, WON, T0 + 3 * HOUR, &won,
                                           "sam", ""), LEAD_OK);
    expect_status(s, ada, WON, T0 + 3 * HOUR);

    set_status_ok(s, bob, SAL, T0 + HOUR, "", "sam", "");
    assert_int_equal(lead_store_close_deal(s, bob, LOST, T0 + 2 * HOUR,
                                           &lost, "sam", ""), LEAD_EINVAL);
    assert_non_null(strstr(lead_store_errmsg(s), "with a reason"));
    assert_int_equal(lead_store_close_deal(s, bob, LOST, T0 + 2 * HOUR,
                                           &lost, "sam", "went with a rival"),
                     LEAD_OK);
    EXPECT_HISTORY(s, bob, FORM(0), CALL(0), { HOUR, MQL, SAL, "", "sam", "" },
                   { 2 * HOUR, SAL, LOST, "", "sam", "went with a rival" });

    assert_int_equal(lead_store_read_begin(s, &txn), LEAD_OK);
    assert_int_equal(lead_store_outcome_txn(s, txn, ada, &got), LEAD_OK);
    assert_true(got.amount == 1200050 && got.closed_ms == T0 + 5 * DAY);
    assert_string_equal(got.currency, "EUR");
    assert_int_equal(lead_store_outcome_txn(s, txn, bob, &got), LEAD_OK);
    assert_true(got.amount == 0 && got.currency[0] == '\0');
    lead_store_read_end(s, txn);

    /* lost is no end: marketing may nurture it again */
    set_status_ok(s, bob, NURTURE, T0 + DAY, "", "sam", "ask again in Q3");

    assert_int_equal(lead_store_forget(s, "ada@example.com", 15, &erased),
                     LEAD_OK);
    assert_int_equal(lead_store_read_begin(s, &txn), LEAD_OK);
    assert_int_equal(lead_store_outcome_txn(s, txn, ada, &got),
                     LEAD_ENOTFOUND);
    lead_store_read_end(s, txn);

    lead_store_close(s);
}

static void
test_status_unknown_lead(void **state)
{
    uint8_t       lead[LEAD_ID_LEN], ghost[LEAD_ID_LEN];
    uint64_t      since;
    lead_store   *s = open_store(state);
    int           status;

    /* a visitor id is no lead id, even of a visitor that identified */
    identify(s, 'a', "ada@example.com", 0, T0, lead, 1);
    visitor_id(ghost, 'a');

    assert_int_equal(lead_store_set_status(s, ghost, MQL, T0 + 1, "x", "",
                                           ""),
                     LEAD_ENOTFOUND);
    assert_int_equal(lead_store_get_status(s, ghost, &status, &since),
                     LEAD_ENOTFOUND);
    assert_int_equal(count_all(s), 1);

    lead_store_close(s);
}

static void
test_same_millisecond(void **state)
{
    uint8_t       ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];
    lead_store   *s = open_store(state);

    /* two leads moving in the very same millisecond, interleaved */
    identify(s, 'a', "ada@example.com", 1, T0, ada, 1);
    identify(s, 'b', "bob@example.com", 1, T0, bob, 1);
    set_status_ok(s, ada, SAL, T0, "a1", "sam", NULL);
    set_status_ok(s, bob, NURTURE, T0, "b1", "kim", "later");
    set_status_ok(s, ada, SQL, T0, "a2", "sam", NULL);
    set_status_ok(s, bob, MQL, T0, "b2", "", NULL);
    set_status_ok(s, ada, NURTURE, T0, "a3", "sam", "lost");
    set_status_ok(s, ada, MQL, T0, "a4", "", NULL);
    set_status_ok(s, ada, SAL, T0, "a5", "kim", NULL);

    EXPECT_HISTORY(s, ada, FORM(0), CALL(0),
                   { 0, MQL, SAL, "a1", "sam", "" },
                   { 0, SAL, SQL, "a2", "sam", "" },
                   { 0, SQL, NURTURE, "a3", "sam", "lost" },
                   { 0, NURTURE, MQL, "a4", "", "" },
                   { 0, MQL, SAL, "a5", "kim", "" });
    EXPECT_HISTORY(s, bob, FORM(0), CALL(0),
                   { 0, MQL, NURTURE, "b1", "kim", "later" },
                   { 0, NURTURE, MQL, "b2", "", "" });
    expect_status(s, ada, SAL, T0);
    expect_status(s, bob, MQL, T0);

    lead_store_close(s);
}

/* ---- 4. every lead's transitions --------------------------------------- */

static void
test_all_transitions(void **state)
{
    /* moves of three leads, interleaved in time (from T0) */
    static const struct {
        unsigned  lead;
        int       to;
        uint64_t  dt;
    } moves[] = {
        { 0, MQL, 2 * HOUR },
        { 1, MQL, 3 * HOUR },
        { 0, SAL, 4 * HOUR },
        { 2, MQL, 5 * HOUR },
        { 1, SAL, 5 * HOUR },
        { 0, NURTURE, 6 * HOUR },
        { 2, SAL, 7 * HOUR },
        { 0, MQL, 8 * HOUR },
        { 1, SQL, 9 * HOUR },
    };
    static const char  *emails[3] = {
        "ada@example.com", "bob@example.com", "cy@example.com"
    };
    static history      all;
    uint8_t             leads[3][LEAD_ID_LEN];
    lead_store         *s = open_store(state);
    size_t              i, k, start, n;
    int                 seen[3] = { 0, 0, 0 };

    for (i = 0; i < 3; i++) {
        identify(s, (char) ('a' + i), emails[i], 0, T0 + i * HOUR, leads[i],
                 1);
    }
    for (i = 0; i < N_ELEMS(moves); i++) {
        set_status_ok(s, leads[moves[i].lead], moves[i].to,
                      T0 + moves[i].dt, "moved", "sam", "why");
    }

    /* one run per lead, in any lead order, each one's steps in order */
    read_history(s, NULL, &all);
    assert_int_equal(all.n, 3 + N_ELEMS(moves));
    for (start = 0; start < all.n; start += n) {
        for (i = 0; i < 3; i++) {
            if (memcmp(all.s[start].lead, leads[i], LEAD_ID_LEN) == 0) {
                break;
            }
        }
        assert_true(i < 3);
        assert_false(seen[i]);
        seen[i] = 1;

        /* the form, then this lead's moves */
        assert_int_equal(all.s[start].to, IDENT);
        assert_int_equal(all.s[start].time_ms, T0 + i * HOUR);
        n = 1;
        for (k = 0; k < N_ELEMS(moves); k++) {
            if (moves[k].lead != i) {
                continue;
            }
            assert_true(start + n < all.n);
            assert_memory_equal(all.s[start + n].lead, leads[i],
                                LEAD_ID_LEN);
            assert_int_equal(all.s[start + n].to, moves[k].to);
            assert_int_equal(all.s[start + n].from, all.s[start + n - 1].to);
            assert_int_equal(all.s[start + n].time_ms, T0 + moves[k].dt);
            n++;
        }
    }
    assert_true(seen[0] && seen[1] && seen[2]);

    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_status_allowed),
        cmocka_unit_test(test_status_names),
        T(test_identify_status),
        T(test_status_chain),
        T(test_status_refused),
        T(test_nurture_reason),
        T(test_close_deal),
        T(test_status_unknown_lead),
        T(test_same_millisecond),
        T(test_all_transitions),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
