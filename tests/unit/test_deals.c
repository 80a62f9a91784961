#include "unit.h"
#include "rules_fixture.h"
#include "status_fixture.h"

#include <time.h>

/*
 * Deals and sources: amounts, currencies and close dates as typed, the
 * default currency, a read's touch and the site's own referrer, leads
 * sales add, and a lead's first touch and last before it identified.
 */

static void
test_amount_parse(void **state)
{
    /* want -1: refused */
    static const struct {
        const char  *in;
        int64_t      want;
    } cases[] = {
        { "12000", 1200000 },
        { "12000.50", 1200050 },
        { "12000.5", 1200050 },
        { "0", 0 },
        { "0.01", 1 },
        { "007", 700 },
        { "100000000000", INT64_C(10000000000000) },      /* the bound */
        { "99999999999.99", INT64_C(9999999999999) },
        { "100000000000.01", -1 },
        { "9223372036854775807", -1 },                   /* overflow */
        { "92233720368547758070000", -1 },
        { "-1", -1 },
        { "+1", -1 },
        { "1.234", -1 },
        { "1.", -1 },
        { ".5", -1 },
        { "1..2", -1 },
        { "1.2.3", -1 },
        { "", -1 },
        { " 12", -1 },
        { "12 ", -1 },
        { "12,000", -1 },
        { "1e3", -1 },
        { "12000 EUR", -1 },
        { "0x10", -1 },
    };
    int64_t  cents;
    size_t   i;
    int      rc;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        cents = 42;
        rc = lead_amount_parse(cases[i].in, strlen(cases[i].in), &cents);
        if (cases[i].want < 0 ? rc != LEAD_EINVAL || cents != 0
                              : rc != LEAD_OK || cents != cases[i].want)
        {
            fail_msg("\"%s\": got %d, %lld cents, want %lld", cases[i].in,
                     rc, (long long) cents, (long long) cases[i].want);
        }
    }

    /* the length is the end, not a NUL */
    assert_int_equal(lead_amount_parse("12.345", 5, &cents), LEAD_OK);
    assert_true(cents == 1234);
    assert_int_equal(lead_amount_parse("1\0" "2", 3, &cents), LEAD_EINVAL);
}

static void
test_currency_parse(void **state)
{
    char  cur[4];

    (void) state;

    assert_int_equal(lead_currency_parse("EUR", 3, cur), LEAD_OK);
    assert_string_equal(cur, "EUR");
    assert_int_equal(lead_currency_parse("USDX", 3, cur), LEAD_OK);
    assert_string_equal(cur, "USD");
    assert_int_equal(lead_currency_parse("eur", 3, cur), LEAD_EINVAL);
    assert_int_equal(lead_currency_parse("EU", 2, cur), LEAD_EINVAL);
    assert_int_equal(lead_currency_parse("EURO", 4, cur), LEAD_EINVAL);
    assert_int_equal(lead_currency_parse("E1R", 3, cur), LEAD_EINVAL);
    assert_int_equal(lead_currency_parse("\xc3\x89UR", 3, cur),
                     LEAD_EINVAL);
}

static void
test_currency_conf(void **state)
{
    lead_rules  *r;

    (void) state;

    r = parse_ok("", HEADER);
    assert_string_equal(lead_rules_currency(r), "EUR");
    lead_rules_free(r);

    r = parse_ok("mql_threshold 50;\ncurrency USD;\n", HEADER);
    assert_string_equal(lead_rules_currency(r), "USD");
    lead_rules_free(r);

    expect_err("currency eur;", HEADER, CONF(1) "invalid currency \"eur\" "
               "(expected three capital letters, ISO 4217: EUR, USD)");
    expect_err("currency EURO;", HEADER, CONF(1) "invalid currency \"EURO\" "
               "(expected three capital letters, ISO 4217: EUR, USD)");
    expect_err("currency;", HEADER, CONF(1) "\"currency\" takes one "
               "currency code, e.g. EUR");
    expect_err("currency EUR USD;", HEADER, CONF(1) "\"currency\" takes "
               "one currency code, e.g. EUR");
    expect_err("currency EUR;\ncurrency USD;", HEADER,
               CONF(2) "\"currency\" is duplicate");
}

static void
test_date_parse(void **state)
{
    static const char  *bad[] = {
        "2026-02-29", "1969-12-31", "2026-1-01", "2026/12/01", "2026-13-01",
        "2026-12-32", "2026-12-00", "2026-00-10", "20261201", "2026-12-01 ",
        "+026-12-01", "2026-12-0a", "", "2026-12-01T00:00:00Z",
    };
    struct tm  tm;
    uint64_t   ms;
    time_t     t;
    char       day[16];
    size_t     i;

    (void) state;

    assert_int_equal(lead_date_parse("2026-12-01", 10, &ms), LEAD_OK);
    assert_true(ms == UINT64_C(1796083200000));
    assert_int_equal(lead_date_parse("2024-02-29", 10, &ms), LEAD_OK);
    assert_int_equal(lead_date_parse("2000-02-29", 10, &ms), LEAD_OK);
    assert_int_equal(lead_date_parse("2100-02-29", 10, &ms), LEAD_EINVAL);
    assert_int_equal(lead_date_parse("1970-01-01", 10, &ms), LEAD_OK);
    assert_true(ms == 0);

    for (i = 0; i < N_ELEMS(bad); i++) {
        if (lead_date_parse(bad[i], strlen(bad[i]), &ms) != LEAD_EINVAL) {
            fail_msg("\"%s\" was taken", bad[i]);
        }
    }

    /* every 13th day from 1970 to 2200 agrees with the C library */
    for (t = 0; t < (time_t) 7258118400; t += 13 * 86400) {
        assert_non_null(gmtime_r(&t, &tm));
        strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        assert_int_equal(lead_date_parse(day, 10, &ms), LEAD_OK);
        if (ms != (uint64_t) t * 1000) {
            fail_msg("%s: %llu, want %llu", day, (unsigned long long) ms,
                     (unsigned long long) t * 1000);
        }
    }
}

/* ---- a read's touch, and the site's own referrer ----------------------- */

static lead_event
read_from(const char *referrer, const char *source, const char *medium,
    const char *campaign)
{
    lead_event  ev;

    memset(&ev, 0, sizeof(ev));
    ev.ua_class = LEAD_UA_BROWSER;
    ev.path = (lead_str) { "/x", 2 };
    ev.referrer_host = (lead_str) { referrer, strlen(referrer) };
    ev.utm_source = (lead_str) { source, strlen(source) };
    ev.utm_medium = (lead_str) { medium, strlen(medium) };
    ev.utm_campaign = (lead_str) { campaign, strlen(campaign) };
    return ev;
}

static void
test_touch(void **state)
{
    static const struct {
        const char  *referrer, *source, *medium, *campaign, *want;
        int          campaign_flag;
    } cases[] = {
        { "www.linkedin.com", "linkedin", "social", "q4-fibre", "q4-fibre",
          1 },
        { "www.linkedin.com", "linkedin", "social", "", "linkedin/social",
          0 },
        { "", "newsletter", "", "", "newsletter", 0 },
        { "", "", "email", "", "email", 0 },
        { "news.example.com", "", "", "", "news.example.com", 0 },
        { "", "", "", "", "", 0 },
    };
    lead_event  ev;
    char        out[LEAD_TOUCH_MAX], big[LEAD_UTM_MAX];
    size_t      i;
    int         n, campaign;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        ev = read_from(cases[i].referrer, cases[i].source, cases[i].medium,
                       cases[i].campaign);
        n = lead_touch(&ev, out, &campaign);
        assert_int_equal(n, (int) strlen(cases[i].want));
        assert_string_equal(out, cases[i].want);
        assert_int_equal(campaign, cases[i].campaign_flag);
    }

    /* a bot's read is no touch at all */
    ev = read_from("", "", "", "q4-fibre");
    ev.ua_class = LEAD_UA_BOT;
    assert_int_equal(lead_touch(&ev, out, &campaign), -1);

    /* the longest channel fits */
    memset(big, 's', sizeof(big));
    ev = read_from("", "", "", "");
    ev.utm_source = (lead_str) { big, sizeof(big) };
    ev.utm_medium = (lead_str) { big, sizeof(big) };
    n = lead_touch(&ev, out, &campaign);
    assert_int_equal(n, 2 * LEAD_UTM_MAX + 1);
    assert_int_equal(out[LEAD_UTM_MAX], '/');
}

static void
test_referrer_own(void **state)
{
    static const struct {
        const char  *host, *own;
        int          want;
    } cases[] = {
        { "example.com", "example.com", 1 },
        { "example.com", "example.com:8080", 1 },
        { "example.com", "Example.COM", 1 },
        { "example.com.", "example.com", 1 },
        { "example.com", "example.com.:443", 1 },
        { "127.0.0.1", "127.0.0.1:8081", 1 },
        { "www.example.com", "example.com", 0 },
        { "example.com", "www.example.com", 0 },
        { "example.co", "example.com", 0 },
        { "example.com", "", 0 },
        { "", "", 0 },
        { "", "example.com", 0 },
        { "1", "[::1]:8080", 0 },
        { "www.example.com", "*.example.com", 1 },
        { "a.b.Example.com", "*.example.com", 1 },
        { "example.com", "*.example.com", 0 },
        { "badexample.com", "*.example.com", 0 },
        { "example.com", ".example.com", 1 },
        { "cdn.example.com", ".example.com", 1 },
        { "xexample.com", ".example.com", 0 },
        { "com", ".", 0 },
        { "example.com", "*.", 0 },
    };
    size_t  i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        if (lead_referrer_own(cases[i].host, strlen(cases[i].host),
                              cases[i].own, strlen(cases[i].own))
            != cases[i].want)
        {
            fail_msg("%s from %s: want %d", cases[i].host, cases[i].own,
                     cases[i].want);
        }
    }
}

/* ---- leads sales add, and where leads came from ------------------------ */

static void
add_form(const char *email, const char *name, lead_form *form)
{
    lead_form_fields  f;

    memset(&f, 0, sizeof(f));
    f.field[LEAD_FORM_NAME] = (lead_str) { name, strlen(name) };
    f.field[LEAD_FORM_EMAIL] = (lead_str) { email, strlen(email) };
    assert_int_equal(lead_form_validate(&f, form), 0);
}

static int
copy_person(void *arg, const lead_person *p)
{
    lead_person  *out = arg;

    *out = *p;
    out->email = out->name = out->topics = (lead_str) { "", 0 };
    return 0;
}

static lead_person
person(lead_store *s, const char *who)
{
    lead_person  p;

    memset(&p, 0, sizeof(p));
    assert_int_equal(lead_store_find_lead(s, who, strlen(who), copy_person,
                                          &p), LEAD_OK);
    return p;
}

static void
test_add_lead(void **state)
{
    lead_store   *s = open_store(state);
    lead_form     form;
    lead_source   src;
    lead_person   p;
    lead_outcome  won = { 500000, "USD", T0 + DAY };
    uint8_t       carol[LEAD_ID_LEN], again[LEAD_ID_LEN];
    history       h;
    MDB_txn      *txn;
    lead_str      owner;
    lead_arena   *a;

    add_form("Carol@Babbage.example", "Carol", &form);
    assert_int_equal(lead_store_add_lead(s, &form, "pat", T0, carol),
                     LEAD_OK);
    assert_int_equal(lead_store_add_lead(s, &form, "sam", T0 + 1, again),
                     LEAD_EINVAL);
    assert_non_null(strstr(lead_store_errmsg(s), "is a lead already"));

    /* accepted by who added it, who owns it; no device, source "sales" */
    expect_status(s, carol, SAL, T0);
    read_history(s, carol, &h);
    assert_int_equal(h.n, 1);
    assert_true(h.s[0].from == ANON && h.s[0].to == SAL);
    assert_string_equal(h.s[0].cause, "added by sales");
    assert_string_equal(h.s[0].who, "pat");
    a = lead_arena_new();
    owner = lead_query_owner(s, carol, a);
    assert_true(owner.len == 3 && memcmp(owner.data, "pat", 3) == 0);
    lead_arena_free(a);

    p = person(s, "carol@babbage.example");
    assert_true(p.sales && !p.contact && !p.subscribed);
    assert_int_equal(lead_store_lead_source(s, &p, &src), LEAD_OK);
    assert_string_equal(src.first, "sales");
    assert_string_equal(src.last, "sales");

    /* a form later keeps it sales' */
    identify(s, 'c', "carol@babbage.example", 0, T0 + HOUR, again, 0);
    assert_memory_equal(again, carol, LEAD_ID_LEN);
    assert_true(person(s, "carol@babbage.example").sales);

    /* and it closes a deal as any other lead */
    set_status_ok(s, carol, SQL, T0 + 2 * HOUR, "", "pat", "");
    assert_int_equal(lead_store_close_deal(s, carol, WON, T0 + 3 * HOUR,
                                           &won, "pat", ""), LEAD_OK);
    assert_int_equal(lead_store_read_begin(s, &txn), LEAD_OK);
    assert_int_equal(lead_store_outcome_txn(s, txn, carol, &won), LEAD_OK);
    lead_store_read_end(s, txn);
    assert_true(won.amount == 500000 && won.closed_ms == T0 + DAY);

    /* the store refuses what no form would send */
    memcpy(won.currency, "usd", 4);
    identify(s, 'd', "dan@babbage.example", 0, T0, again, 1);
    assert_int_equal(lead_store_close_deal(s, again, WON, T0, &won, "pat",
                                           ""), LEAD_EINVAL);
    lead_store_close(s);
}

static void
commit_reads(lead_store *s, char who, const lead_event *evs, size_t n)
{
    lead_batch  *b = lead_batch_new(1 << 20);
    lead_event   ev;
    size_t       i;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        ev = evs[i];
        visitor_id(ev.visitor, who);
        ev.status = 200;
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
}

static void
test_lead_source(void **state)
{
    lead_store   *s = open_store(state);
    lead_event    evs[6];
    lead_source   src;
    lead_person   p;
    uint8_t       ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];

    /* a bot first, the campaign, a referrer, a direct read; the form;
       then another campaign */
    evs[0] = read_from("", "", "", "scanner");
    evs[0].ua_class = LEAD_UA_BOT;
    evs[1] = read_from("www.linkedin.com", "linkedin", "social", "q4-fibre");
    evs[2] = read_from("news.example.com", "", "", "");
    evs[3] = read_from("", "", "", "");
    evs[4] = read_from("", "mail", "email", "");
    evs[0].time_ms = T0;
    evs[1].time_ms = T0 + MIN;
    evs[2].time_ms = T0 + 2 * MIN;
    evs[3].time_ms = T0 + 3 * MIN;
    evs[4].time_ms = T0 + 5 * MIN;
    commit_reads(s, 'a', evs, 4);
    identify(s, 'a', "ada@example.com", 0, T0 + 4 * MIN, ada, 1);
    commit_reads(s, 'a', evs + 4, 1);

    p = person(s, "ada@example.com");
    assert_false(p.sales);
    assert_int_equal(lead_store_lead_source(s, &p, &src), LEAD_OK);
    assert_string_equal(src.first, "q4-fibre");
    assert_string_equal(src.last, "news.example.com");

    /* only direct reads, or none at all: direct */
    evs[5] = read_from("", "", "", "");
    evs[5].time_ms = T0;
    commit_reads(s, 'b', evs + 5, 1);
    identify(s, 'b', "bob@example.com", 0, T0 + MIN, bob, 1);
    p = person(s, "bob@example.com");
    assert_int_equal(lead_store_lead_source(s, &p, &src), LEAD_OK);
    assert_string_equal(src.first, "direct");
    assert_string_equal(src.last, "direct");
    identify(s, 'e', "eve@example.com", 0, T0 + MIN, bob, 1);
    p = person(s, "eve@example.com");
    assert_int_equal(lead_store_lead_source(s, &p, &src), LEAD_OK);
    assert_string_equal(src.first, "direct");
    assert_string_equal(src.last, "direct");
    lead_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_amount_parse),
        cmocka_unit_test(test_currency_parse),
        cmocka_unit_test(test_currency_conf),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_touch),
        cmocka_unit_test(test_referrer_own),
        cmocka_unit_test_setup_teardown(test_add_lead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lead_source, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
