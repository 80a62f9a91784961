#include "unit.h"

/* Visitor ids, signed cookie values and the hex form of ids. */

static const uint8_t  secret[] = "0123456789abcdef0123456789abcdef";
#define SECRET_LEN  (sizeof(secret) - 1)

static const char  b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#define ID_B64_LEN  22
#define DOT_POS     ID_B64_LEN

static int
b64url_index(char c)
{
    const char  *p = strchr(b64url, c);

    return (p != NULL && c != '\0') ? (int) (p - b64url) : -1;
}

static void
test_visitor_new_distinct(void **state)
{
    enum { N = 64 };
    uint8_t  ids[N][LEAD_ID_LEN];
    int      i, j;

    (void) state;

    for (i = 0; i < N; i++) {
        assert_int_equal(lead_visitor_new(ids[i]), LEAD_OK);
        for (j = 0; j < i; j++) {
            assert_memory_not_equal(ids[i], ids[j], LEAD_ID_LEN);
        }
    }
}

static void
test_sign_verify_round_trip(void **state)
{
    uint8_t  ids[3][LEAD_ID_LEN], got[LEAD_ID_LEN];
    char     value[LEAD_COOKIE_VALUE_LEN];
    size_t   i, k;

    (void) state;

    /* the extremes of the alphabet and a random id */
    memset(ids[0], 0x00, LEAD_ID_LEN);
    memset(ids[1], 0xff, LEAD_ID_LEN);
    assert_int_equal(lead_visitor_new(ids[2]), LEAD_OK);

    for (i = 0; i < 3; i++) {
        lead_cookie_sign(secret, SECRET_LEN, ids[i], value);

        /* only base64url and the separator: safe in a cookie unquoted */
        for (k = 0; k < LEAD_COOKIE_VALUE_LEN; k++) {
            if (k == DOT_POS) {
                assert_int_equal(value[k], '.');
            } else {
                assert_true(b64url_index(value[k]) >= 0);
            }
        }

        memset(got, 0xaa, sizeof(got));
        assert_int_equal(lead_cookie_verify(secret, SECRET_LEN, value,
                                            sizeof(value), got), LEAD_OK);
        assert_memory_equal(got, ids[i], LEAD_ID_LEN);
    }
}

/* Replacement markers besides a literal character. */
#define FLIP     (-1)   /* another valid base64url character */
#define LOW_BIT  (-2)   /* same decoded bytes, an unused low bit set */

typedef struct {
    const char  *what;
    int          pos;    /* character to replace, -1 for none */
    int          with;   /* a character, FLIP or LOW_BIT */
    int          dlen;   /* added to the length given to verify */
} mutation;

static const mutation  mutations[] = {
    { "MAC character changed", 40, FLIP, 0 },
    { "first id character changed", 0, FLIP, 0 },
    { "middle id character changed", 10, FLIP, 0 },
    { "truncated by one", -1, 0, -1 },
    { "truncated to the id", -1, 0, -(LEAD_COOKIE_VALUE_LEN - ID_B64_LEN) },
    { "one extra character", -1, 0, 1 },
    { "'+' in the id", 5, '+', 0 },
    { "'/' in the MAC", 50, '/', 0 },
    { "'=' padding at the end", LEAD_COOKIE_VALUE_LEN - 1, '=', 0 },
    { "space in the id", 7, ' ', 0 },
    { "NUL in the MAC", 30, '\0', 0 },
    { "'.' replaced by a base64url char", DOT_POS, 'A', 0 },
    { "'.' moved", DOT_POS - 1, '.', 0 },
    { "non-canonical id end", ID_B64_LEN - 1, LOW_BIT, 0 },
    { "non-canonical MAC end", LEAD_COOKIE_VALUE_LEN - 1, LOW_BIT, 0 },
    { "empty", -1, 0, -LEAD_COOKIE_VALUE_LEN },
};

static void
test_verify_rejects(void **state)
{
    uint8_t  id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char     good[LEAD_COOKIE_VALUE_LEN], value[LEAD_COOKIE_VALUE_LEN + 1];
    size_t   i;
    int      c, rc;

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    lead_cookie_sign(secret, SECRET_LEN, id, good);

    for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        const mutation  *m = &mutations[i];

        memcpy(value, good, sizeof(good));
        value[LEAD_COOKIE_VALUE_LEN] = 'A';     /* the "extra" character */

        if (m->pos >= 0) {
            c = b64url_index(value[m->pos]);
            if (m->with == FLIP) {
                value[m->pos] = b64url[(c + 1) % 64];
            } else if (m->with == LOW_BIT) {
                /* sign wrote the canonical form: unused bits are zero */
                assert_int_equal(c & 1, 0);
                value[m->pos] = b64url[c | 1];
            } else {
                value[m->pos] = (char) m->with;
            }
        }

        rc = lead_cookie_verify(secret, SECRET_LEN, value,
                                (size_t) (LEAD_COOKIE_VALUE_LEN + m->dlen),
                                got);
        if (rc != LEAD_EINVAL) {
            fail_msg("%s: got %d, want LEAD_EINVAL", m->what, rc);
        }
    }
}

static void
test_verify_rejects_wrong_key(void **state)
{
    static const uint8_t  other[] = "0123456789abcdef0123456789abcdeF";
    uint8_t               id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char                  value[LEAD_COOKIE_VALUE_LEN];

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    lead_cookie_sign(secret, SECRET_LEN, id, value);

    assert_int_equal(lead_cookie_verify(other, sizeof(other) - 1, value,
                                        sizeof(value), got), LEAD_EINVAL);
    /* a prefix of the key is another key too */
    assert_int_equal(lead_cookie_verify(secret, SECRET_LEN - 1, value,
                                        sizeof(value), got), LEAD_EINVAL);
}

/* The cache answers as lead_cookie_verify does, from the second time on. */
static void
test_verify_cached(void **state)
{
    enum { N = 10000 };     /* more values than slots: they evict */
    lead_cookie_cache  *cache = lead_cookie_cache_new();
    uint8_t           (*ids)[LEAD_ID_LEN] = calloc(N, LEAD_ID_LEN);
    uint8_t             got[LEAD_ID_LEN];
    char                value[LEAD_COOKIE_VALUE_LEN];
    int                 i, round;

    (void) state;
    assert_non_null(cache);
    assert_non_null(ids);

    for (i = 0; i < N; i++) {
        assert_int_equal(lead_visitor_new(ids[i]), LEAD_OK);
    }
    for (round = 0; round < 2; round++) {
        for (i = 0; i < N; i++) {
            lead_cookie_sign(secret, SECRET_LEN, ids[i], value);
            assert_int_equal(lead_cookie_verify_cached(cache, secret,
                                 SECRET_LEN, value, sizeof(value), got),
                             LEAD_OK);
            assert_memory_equal(got, ids[i], LEAD_ID_LEN);
        }
    }

    /* a byte changed anywhere is refused, also right after the good
     * value hit (the compare goes a word at a time, then the rest) */
    for (i = 0; i < LEAD_COOKIE_VALUE_LEN; i++) {
        lead_cookie_sign(secret, SECRET_LEN, ids[0], value);
        assert_int_equal(lead_cookie_verify_cached(cache, secret, SECRET_LEN,
                             value, sizeof(value), got), LEAD_OK);
        value[i] = value[i] == 'A' ? 'B' : 'A';
        for (round = 0; round < 2; round++) {
            assert_int_equal(lead_cookie_verify_cached(cache, secret,
                                 SECRET_LEN, value, sizeof(value), got),
                             LEAD_EINVAL);
        }
    }

    /* a prefix of a cached value is not that value */
    lead_cookie_sign(secret, SECRET_LEN, ids[1], value);
    assert_int_equal(lead_cookie_verify_cached(cache, secret, SECRET_LEN,
                         value, sizeof(value) - 1, got), LEAD_EINVAL);

    /* without a cache, the plain check */
    assert_int_equal(lead_cookie_verify_cached(NULL, secret, SECRET_LEN,
                         value, sizeof(value), got), LEAD_OK);
    assert_memory_equal(got, ids[1], LEAD_ID_LEN);

    free(ids);
    lead_cookie_cache_free(cache);
}

static void
test_cookie_name_ok(void **state)
{
    static const char  *good[] = { "lv", "lead_visitor", "a.b-c~1", "__x" };
    static const char  *bad[] = { "", "a b", "a=b", "a;b", "a,b", "\"a\"",
                                  "a\tb", "a/b", "caf\xc3\xa9" };
    char                long_name[66];
    size_t              i;

    (void) state;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(lead_cookie_name_ok(good[i], strlen(good[i])));
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lead_cookie_name_ok(bad[i], strlen(bad[i]))) {
            fail_msg("\"%s\" accepted", bad[i]);
        }
    }

    memset(long_name, 'a', sizeof(long_name));
    assert_true(lead_cookie_name_ok(long_name, 64));
    assert_false(lead_cookie_name_ok(long_name, 65));
}

static void
test_id_hex_round_trip(void **state)
{
    static const char  want[] = "00017f80abcdeff0123456789abcdeff";
    static const uint8_t  id[LEAD_ID_LEN] = {
        0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xf0,
        0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xff
    };
    char     hex[LEAD_ID_HEX_LEN];
    uint8_t  got[LEAD_ID_LEN], rnd[LEAD_ID_LEN];

    (void) state;

    lead_id_to_hex(id, hex);
    assert_memory_equal(hex, want, LEAD_ID_HEX_LEN);
    assert_int_equal(lead_id_from_hex(hex, sizeof(hex), got), LEAD_OK);
    assert_memory_equal(got, id, LEAD_ID_LEN);

    /* upper case is read too, since people paste ids from elsewhere */
    assert_int_equal(lead_id_from_hex("00017F80ABCDEFF0123456789ABCDEFF",
                                      LEAD_ID_HEX_LEN, got), LEAD_OK);
    assert_memory_equal(got, id, LEAD_ID_LEN);

    assert_int_equal(lead_visitor_new(rnd), LEAD_OK);
    lead_id_to_hex(rnd, hex);
    assert_int_equal(lead_id_from_hex(hex, sizeof(hex), got), LEAD_OK);
    assert_memory_equal(got, rnd, LEAD_ID_LEN);
}

static void
test_id_from_hex_rejects(void **state)
{
    static const struct {
        const char  *hex;
        size_t       len;
    } bad[] = {
        { "", 0 },
        { "00017f80abcdeff0123456789abcdef", 31 },
        { "00017f80abcdeff0123456789abcdeff0", 33 },
        { "00017f80abcdeff0123456789abcdefg", 32 },
        { "g0017f80abcdeff0123456789abcdeff", 32 },
        { "00017f80abcdeff0 123456789abcdef", 32 },
        { "0x017f80abcdeff0123456789abcdeff", 32 },
        { "00017f80abcdeff0123456789abcde-f", 32 },
    };
    uint8_t  got[LEAD_ID_LEN];
    size_t   i;
    int      rc;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rc = lead_id_from_hex(bad[i].hex, bad[i].len, got);
        if (rc != LEAD_EINVAL) {
            fail_msg("\"%s\": got %d, want LEAD_EINVAL", bad[i].hex, rc);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_visitor_new_distinct),
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_verify_rejects),
        cmocka_unit_test(test_verify_rejects_wrong_key),
        cmocka_unit_test(test_verify_cached),
        cmocka_unit_test(test_cookie_name_ok),
        cmocka_unit_test(test_id_hex_round_trip),
        cmocka_unit_test(test_id_from_hex_rejects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
