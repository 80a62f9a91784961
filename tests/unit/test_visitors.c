#include "unit.h"
#include "lead_visitors.h"

/*
 * New visitors made ahead (lead_visitors): a batch's values verify as the
 * module's cookies do, its ids are distinct, an empty reserve makes one at
 * once, and the keyed context signs as the one-shot path does under every
 * key it is given in turn.
 */

#define K1  "0123456789abcdef0123456789abcdef"
#define K2  "fedcba9876543210fedcba9876543210-rotated"

static const lead_keys  keys = { { { K1, sizeof(K1) - 1 } }, 1 };
static const lead_keys  rotating = {
    { { K2, sizeof(K2) - 1 }, { K1, sizeof(K1) - 1 } }, 2
};
static const lead_keys  none = { { { NULL, 0 } }, 0 };

static int
by_id(const void *a, const void *b)
{
    return memcmp(a, b, LEAD_ID_LEN);
}

/* value is id's cookie under k, claims 0, as lead_cookie_sign makes it */
static void
assert_cookie(const lead_keys *k, const uint8_t id[LEAD_ID_LEN],
    const char value[LEAD_COOKIE_VALUE_LEN])
{
    char      want[LEAD_COOKIE_VALUE_LEN];
    uint8_t   got[LEAD_ID_LEN];
    unsigned  claims = 99;

    lead_cookie_sign(k, id, 0, want);
    assert_memory_equal(value, want, LEAD_COOKIE_VALUE_LEN);
    assert_int_equal(lead_cookie_verify(k, value, LEAD_COOKIE_VALUE_LEN, got,
                                        &claims), LEAD_OK);
    assert_memory_equal(got, id, LEAD_ID_LEN);
    assert_int_equal(claims, 0);
}

static void
test_batch_verifies_distinct(void **state)
{
    enum { N = 500 };
    static uint8_t  ids[N][LEAD_ID_LEN];
    char            value[LEAD_COOKIE_VALUE_LEN];
    size_t          made_now = 1;
    lead_visitors  *v = lead_visitors_new();
    int             i;

    (void) state;
    assert_non_null(v);

    assert_int_equal(lead_visitors_make(v, &keys, N), LEAD_OK);
    assert_int_equal(lead_visitors_left(v), N);

    for (i = 0; i < N; i++) {
        assert_int_equal(lead_visitors_take(v, &keys, ids[i], value),
                         LEAD_OK);
        assert_cookie(&keys, ids[i], value);
    }
    assert_int_equal(lead_visitors_left(v), 0);
    assert_int_equal(lead_visitors_asked(v, &made_now), N);
    assert_int_equal(made_now, 0);

    qsort(ids, N, LEAD_ID_LEN, by_id);
    for (i = 1; i < N; i++) {
        assert_true(memcmp(ids[i - 1], ids[i], LEAD_ID_LEN) != 0);
    }

    lead_visitors_free(v);
}

static void
test_empty_makes_at_once(void **state)
{
    enum { AHEAD = 3, TAKEN = 8 };
    uint8_t         ids[TAKEN][LEAD_ID_LEN];
    char            value[LEAD_COOKIE_VALUE_LEN];
    size_t          made_now = 0;
    lead_visitors  *v = lead_visitors_new();
    int             i, j;

    (void) state;

    /* never made: every one at once, each still a good cookie */
    assert_int_equal(lead_visitors_left(v), 0);
    assert_int_equal(lead_visitors_take(v, &keys, ids[0], value), LEAD_OK);
    assert_cookie(&keys, ids[0], value);
    assert_int_equal(lead_visitors_asked(v, &made_now), 1);
    assert_int_equal(made_now, 1);

    /* a batch of three: three ahead, the rest at once; the next batch is
       sized by what was asked, not by what was there */
    assert_int_equal(lead_visitors_make(v, &keys, AHEAD), LEAD_OK);
    assert_int_equal(lead_visitors_asked(v, &made_now), 0);
    for (i = 0; i < TAKEN; i++) {
        assert_int_equal(lead_visitors_take(v, &keys, ids[i], value),
                         LEAD_OK);
        assert_cookie(&keys, ids[i], value);
        assert_int_equal(lead_visitors_left(v),
                         i + 1 < AHEAD ? AHEAD - i - 1 : 0);
    }
    assert_int_equal(lead_visitors_asked(v, &made_now), TAKEN);
    assert_int_equal(made_now, TAKEN - AHEAD);

    for (i = 0; i < TAKEN; i++) {
        for (j = 0; j < i; j++) {
            assert_true(memcmp(ids[i], ids[j], LEAD_ID_LEN) != 0);
        }
    }

    /* a new batch drops what was left of the last */
    assert_int_equal(lead_visitors_make(v, &keys, 10), LEAD_OK);
    assert_int_equal(lead_visitors_take(v, &keys, ids[0], value), LEAD_OK);
    assert_int_equal(lead_visitors_make(v, &keys, 2), LEAD_OK);
    assert_int_equal(lead_visitors_left(v), 2);
    assert_int_equal(lead_visitors_make(v, &keys, 0), LEAD_OK);
    assert_int_equal(lead_visitors_left(v), 0);

    lead_visitors_free(v);
}

static void
test_batch_bounded(void **state)
{
    lead_visitors  *v = lead_visitors_new();

    (void) state;

    assert_int_equal(lead_visitors_make(v, &keys, (size_t) -1), LEAD_OK);
    assert_int_equal(lead_visitors_left(v), LEAD_VISITORS_MAX);
    lead_visitors_free(v);
}

/* The keyed context follows the keys it is given: the first of each set
   signs, the same as the one-shot HMAC; no keys at all, as before. */
static void
test_keyed_signs_as_one_shot(void **state)
{
    static const lead_keys  *sets[] = { &keys, &rotating, &keys, &none,
                                        &rotating };
    uint8_t                  id[LEAD_ID_LEN];
    char                     got[LEAD_COOKIE_VALUE_LEN];
    char                     want[LEAD_COOKIE_VALUE_LEN];
    lead_visitors           *v = lead_visitors_new();
    size_t                   i;
    unsigned                 claims;

    (void) state;

    for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        assert_int_equal(lead_visitors_make(v, sets[i], 2), LEAD_OK);
        assert_int_equal(lead_visitors_take(v, sets[i], id, got), LEAD_OK);
        lead_cookie_sign(sets[i], id, 0, want);
        assert_memory_equal(got, want, LEAD_COOKIE_VALUE_LEN);

        for (claims = 0; claims <= LEAD_COOKIE_IDENTIFIED; claims++) {
            lead_visitors_sign(v, sets[i], id, claims, got);
            lead_cookie_sign(sets[i], id, claims, want);
            assert_memory_equal(got, want, LEAD_COOKIE_VALUE_LEN);
        }
    }

    /* a K1 cookie under the rotating set: the cache's keyed contexts, one
       a key, verify it with RESIGN, as the uncached path does */
    {
        lead_cookie_cache  *c = lead_cookie_cache_new();
        uint8_t             back[LEAD_ID_LEN];

        lead_cookie_sign(&keys, id, LEAD_COOKIE_IDENTIFIED, want);
        for (i = 0; i < 2; i++) {
            claims = 0;
            assert_int_equal(lead_cookie_verify_cached(c, &rotating, want,
                                 LEAD_COOKIE_VALUE_LEN, back, &claims),
                             LEAD_OK);
            assert_memory_equal(back, id, LEAD_ID_LEN);
            assert_int_equal(claims,
                             LEAD_COOKIE_IDENTIFIED | LEAD_COOKIE_RESIGN);
        }
        want[LEAD_COOKIE_VALUE_LEN - 5] ^= 1;
        assert_int_equal(lead_cookie_verify_cached(c, &rotating, want,
                             LEAD_COOKIE_VALUE_LEN, back, &claims),
                         LEAD_EINVAL);
        lead_cookie_cache_free(c);
    }

    lead_visitors_free(v);
}

static void
test_no_reserve(void **state)
{
    uint8_t  id[LEAD_ID_LEN];
    char     value[LEAD_COOKIE_VALUE_LEN];
    size_t   made_now = 7;

    (void) state;

    assert_int_equal(lead_visitors_make(NULL, &keys, 4), LEAD_EINVAL);
    assert_int_equal(lead_visitors_take(NULL, &keys, id, value), LEAD_OK);
    assert_cookie(&keys, id, value);
    lead_visitors_sign(NULL, &keys, id, 0, value);
    assert_cookie(&keys, id, value);
    assert_int_equal(lead_visitors_asked(NULL, &made_now), 0);
    assert_int_equal(made_now, 0);
    lead_visitors_free(NULL);
}

/* As nginx 1.22's ngx_http_parse_multi_header_lines finds them. */
static void
test_cookie_find(void **state)
{
    static const struct {
        const char  *header;
        const char  *want;         /* NULL: not found */
    } cases[] = {
        { "lv=abc", "abc" },
        { "a=1; lv=abc; b=2", "abc" },
        { "LV=abc", "abc" },                   /* the name without case */
        { "lv = abc ;b=2", "abc " },           /* spaces around "=" */
        { "a=1, lv=abc", "abc" },              /* ',' ends a cookie too */
        { "a=lv=x; lv=abc", "abc" },           /* not inside a value */
        { "xlv=abc", NULL },
        { "lvx=abc", NULL },
        { "lv", NULL },
        { "lv;lv=abc", NULL },                 /* nginx skips past ';' */
        { "lv=", "" },
        { "a=1;lv=abc", "abc" },
        { "", NULL },
        { "a=1; lv=first; lv=second", "first" },
    };
    lead_str  v;
    size_t    i;
    int       found;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v.data = NULL;
        v.len = 0;
        found = lead_cookie_find(cases[i].header, strlen(cases[i].header),
                                 "lv", 2, &v);
        if (found != (cases[i].want != NULL)) {
            fail_msg("\"%s\": found %d", cases[i].header, found);
        }
        if (found && (v.len != strlen(cases[i].want)
                      || memcmp(v.data, cases[i].want, v.len) != 0))
        {
            fail_msg("\"%s\": got \"%.*s\"", cases[i].header, (int) v.len,
                     v.data);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_batch_verifies_distinct),
        cmocka_unit_test(test_empty_makes_at_once),
        cmocka_unit_test(test_batch_bounded),
        cmocka_unit_test(test_keyed_signs_as_one_shot),
        cmocka_unit_test(test_no_reserve),
        cmocka_unit_test(test_cookie_find),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
