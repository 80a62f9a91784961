#include "unit.h"
#include "event_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * The lookup wrapper against the tests' own database (build.sh makes it:
 * $LEAD_TEST_GEOIP) and, where they are beside, MaxMind's test files.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

static void
lookup(const lead_geoip *g, const char *ip, lead_geo *geo)
{
    struct sockaddr_storage  ss;
    struct sockaddr_in      *s4 = (struct sockaddr_in *) &ss;
    struct sockaddr_in6     *s6 = (struct sockaddr_in6 *) &ss;

    memset(&ss, 0, sizeof(ss));
    if (strchr(ip, ':')) {
        s6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
    } else {
        s4->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
    }
    assert_int_equal(lead_geoip_lookup(g, (struct sockaddr *) &ss, geo),
                     LEAD_OK);
}

static void
test_lookups(void **state)
{
    static const struct {
        const char  *ip, *country, *region, *city;
    } cases[] = {
        { "203.0.113.9", "GB", "ENG", "London" },
        { "198.51.100.200", "SE", "", "" },         /* country only */
        { "2001:db8::42", "JP", "", "Tokyo" },      /* IPv6 */
        { "10.0.0.1", "", "", "" },                 /* a miss */
        { "::1", "", "", "" },
    };
    const char  *db = getenv("LEAD_TEST_GEOIP");
    lead_geoip  *g;
    lead_geo     geo;
    char         err[512];
    size_t       i;

    (void) state;
    if (db == NULL) {
        skip();
    }

    assert_int_equal(lead_geoip_open(&g, db, err, sizeof(err)), LEAD_OK);
    for (i = 0; i < N_ELEMS(cases); i++) {
        lookup(g, cases[i].ip, &geo);
        assert_string_equal(geo.country, cases[i].country);
        assert_string_equal(geo.region, cases[i].region);
        assert_string_equal(geo.city, cases[i].city);
    }
    lead_geoip_close(g);
}

static void
test_bad_files(void **state)
{
    static const struct {
        const char  *path;
        const char  *message;
    } cases[] = {
        { "/nonexistent.mmdb", "Error opening the specified MaxMind DB" },
        { "/etc/passwd", "invalid metadata" },
        { "../shared/geoip/GeoIP2-City-Test-Broken-Double-Format.mmdb",
          "bad data" },
        { "../shared/geoip/GeoIP2-City-Test-Invalid-Node-Count.mmdb",
          "invalid metadata" },
    };
    lead_geoip  *g;
    char         err[512], path[512];
    const char  *root = getenv("LEAD_ROOT");
    size_t       i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(path, sizeof(path), "%s%s%s",
                 cases[i].path[0] == '.' && root ? root : "",
                 cases[i].path[0] == '.' && root ? "/" : "", cases[i].path);
        if (cases[i].path[0] == '.' && access(path, R_OK) != 0) {
            continue;               /* MaxMind's files are not beside */
        }
        g = (lead_geoip *) err;
        assert_int_equal(lead_geoip_open(&g, path, err, sizeof(err)),
                         LEAD_EINVAL);
        assert_null(g);
        assert_non_null(strstr(err, cases[i].message));
    }
}

/*
 * A hit's place is looked up in the store's thread, from the address the
 * worker kept; the event has the place and never the address.
 */
static void
test_hits_take_the_place(void **state)
{
    static const lead_geo    london = { "GB", "ENG", "London" },
                             tokyo = { "JP", "", "Tokyo" };
    const char              *db = getenv("LEAD_TEST_GEOIP");
    lead_geoip              *g;
    lead_hits               *hits;
    lead_batch              *events;
    lead_event               ev, want[2];
    struct sockaddr_in       s4;
    struct sockaddr_in6      s6;
    char                     err[512];

    (void) state;
    if (db == NULL) {
        skip();
    }
    assert_int_equal(lead_geoip_open(&g, db, err, sizeof(err)), LEAD_OK);

    fx_hit_batches(&hits, &events);

    memset(&s4, 0, sizeof(s4));
    s4.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, "203.0.113.9", &s4.sin_addr), 1);
    memset(&s6, 0, sizeof(s6));
    s6.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::42", &s6.sin6_addr), 1);

    memset(&ev, 0, sizeof(ev));
    ev.time_ms = 1;
    ev.status = 200;
    assert_int_equal(lead_hits_add(hits, &ev, "/a", 2,
                                        (struct sockaddr *) &s4), LEAD_OK);
    assert_int_equal(lead_hits_add(hits, &ev, "/a", 2,
                                        (struct sockaddr *) &s6), LEAD_OK);

    want[0] = ev;
    want[0].path.data = "/a";
    want[0].path.len = 2;
    want[1] = want[0];
    lead_event_set_geo(&want[0], &london);
    lead_event_set_geo(&want[1], &tokyo);

    assert_int_equal(lead_hits_finish(hits, NULL, g, events), LEAD_OK);
    fx_assert_events_are(events, want, 2);

    lead_hits_free(hits);
    lead_batch_free(events);
    lead_geoip_close(g);
}

/* MaxMind's own test databases, where ../shared has them. */
static void
test_maxmind_databases(void **state)
{
    static const struct {
        const char  *db, *ip, *country, *city;
    } cases[] = {
        { "GeoLite2-City-Test.mmdb", "81.2.69.142", "GB", "London" },
        { "GeoLite2-City-Test.mmdb", "89.160.20.112", "SE", "Link\xc3\xb6ping" },
        { "GeoLite2-City-Test.mmdb", "216.160.83.56", "US", "Milton" },
        { "GeoLite2-City-Test.mmdb", "2001:218::", "JP", "" },
        /* a Country database: no city, and no error for that */
        { "GeoLite2-Country-Test.mmdb", "81.2.69.142", "GB", "" },
    };
    const char  *root = getenv("LEAD_ROOT");
    lead_geoip  *g;
    lead_geo     geo;
    char         path[512], err[512];
    size_t       i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(path, sizeof(path), "%s/../shared/geoip/%s",
                 root ? root : ".", cases[i].db);
        if (access(path, R_OK) != 0) {
            skip();
        }
        assert_int_equal(lead_geoip_open(&g, path, err, sizeof(err)),
                         LEAD_OK);
        lookup(g, cases[i].ip, &geo);
        assert_string_equal(geo.country, cases[i].country);
        assert_string_equal(geo.city, cases[i].city);
        lead_geoip_close(g);
    }
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_hits_take_the_place),
        cmocka_unit_test(test_maxmind_databases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
