#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "event_fixture.h"
#include "rules_fixture.h"
#include "lead_model.h"
#include "lead_line.h"

/*
 * One hit's event ($lead_event's read) and a batch's (what the store
 * records) are one function's: for every target, with rules and a place,
 * lead_hit_event gives byte for byte the event lead_hits_finish makes,
 * and refuses exactly the targets the batch leaves out.
 */

#define SCORING  ""
#define ASSETS   HEADER \
                 "/guide/*,Guide,interest,10,fibre,gated group=guide\n" \
                 "/doc/b.pdf,Map,decision,40,fibre,hot\n"

static const struct {
    const char  *target;
    int          recorded;
} cases[] = {
    { "/guide/./intro%20one.html", 1 },
    { "/doc//a/../b.pdf", 1 },
    { "/page.html", 1 },
    { "/../etc/passwd", 0 },
    { "page.html", 0 },
    { "/bad%zzescape", 0 },
    { "", 0 },
};

static void
make_hit(fx_event *f, unsigned i)
{
    unsigned  k;

    fx_event_make(f, i, 0);
    f->ev.path.len = 0;
    for (k = 0; k < LEAD_ID_LEN; k++) {
        f->ev.id[k] = (uint8_t) (0xa0 + i + k);
    }
}

static void
run(const lead_rules *rules, const lead_geoip *geoip)
{
    fx_event             f[N_ELEMS(cases)];
    lead_event           one;
    lead_hits           *hits;
    lead_batch          *events, *want;
    struct sockaddr_in   client;
    char                 path[LEAD_PATH_MAX];
    lead_geo             geo;
    const uint8_t       *a, *b;
    size_t               i, pa = 0, pb = 0, la, lb;
    int                  rc;

    fx_hit_batches(&hits, &events);
    want = lead_batch_new(SIZE_MAX);
    assert_non_null(want);

    memset(&client, 0, sizeof(client));
    client.sin_family = AF_INET;
    client.sin_addr.s_addr = htonl(0xcb007109);    /* 203.0.113.9 */

    for (i = 0; i < N_ELEMS(cases); i++) {
        make_hit(&f[i], (unsigned) i);
        assert_int_equal(lead_hits_add(hits, &f[i].ev, cases[i].target,
                             strlen(cases[i].target),
                             (struct sockaddr *) &client), LEAD_OK);

        one = f[i].ev;
        memset(&geo, 0, sizeof(geo));
        rc = lead_hit_event(&one, cases[i].target, strlen(cases[i].target),
                            (struct sockaddr *) &client, rules, geoip, path,
                            &geo);
        assert_int_equal(rc, cases[i].recorded ? LEAD_OK : LEAD_EINVAL);
        if (rc == LEAD_OK) {
            assert_memory_equal(one.id, f[i].ev.id, LEAD_ID_LEN);
            assert_int_equal(one.city.len, geoip ? 6 : 0);    /* London */
            assert_int_equal(lead_batch_add(want, &one), LEAD_OK);
        }
    }

    assert_int_equal(lead_hits_finish(hits, rules, geoip, events), LEAD_OK);
    assert_int_equal(lead_batch_count(events), lead_batch_count(want));

    while (lead_batch_next(want, &pa, &a, &la)) {
        assert_true(lead_batch_next(events, &pb, &b, &lb));
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
    }

    lead_batch_free(want);
    lead_batch_free(events);
    lead_hits_free(hits);
}

static void
test_one_hit_is_the_batch_s_event(void **state)
{
    lead_rules  *r;

    (void) state;

    run(NULL, NULL);

    r = parse_ok(SCORING, ASSETS);
    run(r, NULL);
    lead_rules_free(r);
}

static void
test_one_hit_with_a_place(void **state)
{
    const char  *db = getenv("LEAD_TEST_GEOIP");
    lead_geoip  *g;
    lead_rules  *r;
    char         err[512];

    (void) state;
    if (db == NULL) {
        skip();
    }

    assert_int_equal(lead_geoip_open(&g, db, err, sizeof(err)), LEAD_OK);
    r = parse_ok(SCORING, ASSETS);
    run(r, g);
    lead_rules_free(r);
    lead_geoip_close(g);
}

/* The event the store gets has the hit's id, rule and place. */
static void
test_the_event_keeps_the_request_s_id(void **state)
{
    fx_event        f;
    lead_hits      *hits;
    lead_batch     *events;
    lead_rules     *r;
    lead_event      got;
    const uint8_t  *rec;
    size_t          pos = 0, len;

    (void) state;

    fx_hit_batches(&hits, &events);
    r = parse_ok(SCORING, ASSETS);

    make_hit(&f, 3);
    assert_int_equal(lead_hits_add(hits, &f.ev, "/guide/a.html", 13, NULL),
                     LEAD_OK);
    memset(f.ev.id, 0, LEAD_ID_LEN);              /* none: stays none */
    assert_int_equal(lead_hits_add(hits, &f.ev, "/page.html", 10, NULL),
                     LEAD_OK);
    assert_int_equal(lead_hits_finish(hits, r, NULL, events), LEAD_OK);

    assert_true(lead_batch_next(events, &pos, &rec, &len));
    assert_int_equal(lead_event_decode(rec, len, &got), LEAD_OK);
    make_hit(&f, 3);
    assert_memory_equal(got.id, f.ev.id, LEAD_ID_LEN);
    assert_int_equal(got.path.len, 13);
    assert_memory_equal(got.path.data, "/guide/a.html", 13);
    assert_int_equal(got.points, 10);
    assert_int_equal(got.topic.len, 5);

    assert_true(lead_batch_next(events, &pos, &rec, &len));
    assert_int_equal(lead_event_decode(rec, len, &got), LEAD_OK);
    memset(f.ev.id, 0, LEAD_ID_LEN);
    assert_memory_equal(got.id, f.ev.id, LEAD_ID_LEN);
    assert_int_equal(got.asset_id, 0);
    assert_false(lead_batch_next(events, &pos, &rec, &len));

    lead_rules_free(r);
    lead_batch_free(events);
    lead_hits_free(hits);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_one_hit_is_the_batch_s_event),
        cmocka_unit_test(test_one_hit_with_a_place),
        cmocka_unit_test(test_the_event_keeps_the_request_s_id),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
