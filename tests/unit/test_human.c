#include "unit.h"

/* Numbers for people: thousands separators and sizes in binary units. */

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

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_size),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
