#include "unit.h"

/* Deals: amounts and currencies as typed, the default currency. */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

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

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_amount_parse),
        cmocka_unit_test(test_currency_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
