#include "unit.h"

#include <time.h>

#include "lead_support.h"

/* Numbers for people: thousands separators, sizes in binary units and
   the civil dates the funnel's months and export's times are of. */

static void
test_count(void **state)
{
    static const struct {
        uint64_t     n;
        const char  *want;
    } cases[] = {
        { 0, "0" }, { 7, "7" }, { 999, "999" }, { 1000, "1,000" },
        { 12345, "12,345" }, { 100000, "100,000" }, { 999999, "999,999" },
        { 1000000, "1,000,000" }, { 464359424, "464,359,424" },
        { UINT64_MAX, "18,446,744,073,709,551,615" },
    };
    char    out[32];
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(lead_format_count(cases[i].n, out),
                            cases[i].want);
    }
}

static void
test_size(void **state)
{
    static const struct {
        uint64_t     n;
        const char  *want;
    } cases[] = {
        { 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" },
        { 1536, "1.5 KiB" }, { 10 * 1024, "10 KiB" },
        { 1048575, "1.0 MiB" },                 /* rounds up a unit */
        { 464359424, "443 MiB" }, { 374394880, "357 MiB" },
        { UINT64_C(5) << 30, "5.0 GiB" }, { UINT64_C(1) << 40, "1.0 TiB" },
        { UINT64_MAX, "16 EiB" },
    };
    char    out[32];
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(lead_format_size(cases[i].n, out),
                            cases[i].want);
    }
}

/* gmtime_r's dates: every day of 1970 to 2500, and some far on. */
static void
test_civil_date(void **state)
{
    uint64_t   day, y;
    unsigned   m, d;
    struct tm  tm;
    time_t     t;

    (void) state;

    for (day = 0; day < 1000000000; day = day < 193000 ? day + 1
                                                       : day * 3 + 7)
    {
        t = (time_t) (day * 86400);
        assert_non_null(gmtime_r(&t, &tm));
        lead_civil_date(day, &y, &m, &d);
        assert_int_equal(y, (uint64_t) tm.tm_year + 1900);
        assert_int_equal(m, (unsigned) tm.tm_mon + 1);
        assert_int_equal(d, (unsigned) tm.tm_mday);
    }
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_civil_date),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
