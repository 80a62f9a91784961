#include "unit.h"

/*
 * Visitor ids, signed cookie values and the hex form of ids; the keys
 * rotating (the first signs, every one verifies), the identified claim,
 * and each use's label keeping its MACs apart.
 */

#define K1  "0123456789abcdef0123456789abcdef"
#define K2  "fedcba9876543210fedcba9876543210-rotated"

static const lead_keys  keys = { { { K1, sizeof(K1) - 1 } }, 1 };
/* after a rotation: K2 signs, K1 still verifies; then K1 removed */
static const lead_keys  rotating = {
    { { K2, sizeof(K2) - 1 }, { K1, sizeof(K1) - 1 } }, 2
};
static const lead_keys  rotated = { { { K2, sizeof(K2) - 1 } }, 1 };

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
    unsigned claims;

    (void) state;

    /* the extremes of the alphabet and a random id */
    memset(ids[0], 0x00, LEAD_ID_LEN);
    memset(ids[1], 0xff, LEAD_ID_LEN);
    assert_int_equal(lead_visitor_new(ids[2]), LEAD_OK);

    for (i = 0; i < 3; i++) {
        lead_cookie_sign(&keys, ids[i], 0, value);

        /* only base64url and the separator: safe in a cookie unquoted */
        for (k = 0; k < LEAD_COOKIE_VALUE_LEN; k++) {
            if (k == DOT_POS) {
                assert_int_equal(value[k], '.');
            } else {
                assert_true(b64url_index(value[k]) >= 0);
            }
        }

        memset(got, 0xaa, sizeof(got));
        claims = 99;
        assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                            &claims), LEAD_OK);
        assert_memory_equal(got, ids[i], LEAD_ID_LEN);
        assert_int_equal(claims, 0);
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
    { "'.' replaced by another cookie character", DOT_POS, '!', 0 },
    { "'.' replaced by '-'", DOT_POS, '-', 0 },
    { "non-canonical id end", ID_B64_LEN - 1, LOW_BIT, 0 },
    { "non-canonical MAC end", LEAD_COOKIE_VALUE_LEN - 1, LOW_BIT, 0 },
    { "empty", -1, 0, -LEAD_COOKIE_VALUE_LEN },
};

/* Every mutation of a value k signed with claims is refused. */
static void
reject_mutations(const lead_keys *k, unsigned claims)
{
    uint8_t   id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char      good[LEAD_COOKIE_VALUE_LEN], value[LEAD_COOKIE_VALUE_LEN + 1];
    size_t    i;
    int       c, rc;
    unsigned  said;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    lead_cookie_sign(k, id, claims, good);

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

        rc = lead_cookie_verify(k, value,
                                (size_t) (LEAD_COOKIE_VALUE_LEN + m->dlen),
                                got, &said);
        if (rc != LEAD_EINVAL) {
            fail_msg("%s (claims %u): got %d, want LEAD_EINVAL", m->what,
                     claims, rc);
        }
    }
}

static void
test_verify_rejects(void **state)
{
    (void) state;

    reject_mutations(&keys, 0);
    reject_mutations(&keys, LEAD_COOKIE_IDENTIFIED);
    reject_mutations(&rotating, 0);
    reject_mutations(&rotating, LEAD_COOKIE_IDENTIFIED);
}

static void
test_verify_rejects_wrong_key(void **state)
{
    static const lead_keys  other = {
        { { "0123456789abcdef0123456789abcdeF", 32 } }, 1
    };
    /* a prefix of the key is another key too */
    static const lead_keys  prefix = { { { K1, sizeof(K1) - 2 } }, 1 };
    static const lead_keys  none = { { { K1, sizeof(K1) - 1 } }, 0 };
    uint8_t                 id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char                    value[LEAD_COOKIE_VALUE_LEN];
    unsigned                claims;

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    lead_cookie_sign(&keys, id, 0, value);

    assert_int_equal(lead_cookie_verify(&other, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
    assert_int_equal(lead_cookie_verify(&prefix, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
    /* no key at all verifies nothing */
    assert_int_equal(lead_cookie_verify(&none, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
    assert_int_equal(lead_cookie_verify(NULL, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
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
    unsigned            claims;

    (void) state;
    assert_non_null(cache);
    assert_non_null(ids);

    for (i = 0; i < N; i++) {
        assert_int_equal(lead_visitor_new(ids[i]), LEAD_OK);
    }
    for (round = 0; round < 2; round++) {
        for (i = 0; i < N; i++) {
            lead_cookie_sign(&keys, ids[i], i & 1, value);
            assert_int_equal(lead_cookie_verify_cached(cache, &keys, value,
                                 sizeof(value), got, &claims), LEAD_OK);
            assert_int_equal(claims, (unsigned) (i & 1));
            assert_memory_equal(got, ids[i], LEAD_ID_LEN);
        }
    }

    /* a byte changed anywhere is refused, also right after the good
     * value hit (the compare goes a word at a time, then the rest) */
    for (i = 0; i < LEAD_COOKIE_VALUE_LEN; i++) {
        lead_cookie_sign(&keys, ids[0], 0, value);
        assert_int_equal(lead_cookie_verify_cached(cache, &keys, value,
                             sizeof(value), got, &claims), LEAD_OK);
        value[i] = value[i] == 'A' ? 'B' : 'A';
        for (round = 0; round < 2; round++) {
            assert_int_equal(lead_cookie_verify_cached(cache, &keys, value,
                                 sizeof(value), got, &claims), LEAD_EINVAL);
        }
    }

    /* a prefix of a cached value is not that value */
    lead_cookie_sign(&keys, ids[1], 0, value);
    assert_int_equal(lead_cookie_verify_cached(cache, &keys, value,
                         sizeof(value) - 1, got, &claims), LEAD_EINVAL);

    /* without a cache, the plain check */
    assert_int_equal(lead_cookie_verify_cached(NULL, &keys, value,
                         sizeof(value), got, &claims), LEAD_OK);
    assert_memory_equal(got, ids[1], LEAD_ID_LEN);

    free(ids);
    lead_cookie_cache_free(cache);
}

/* ---- keys rotating ----------------------------------------------------- */

/*
 * A value K1 signed verifies while K1 is among the keys, saying to sign
 * it again when K1 is no longer the first; signed again (K2 first) it
 * keeps its id and claims and verifies with K1 gone; K1's own does not.
 */
static void
test_rotation(void **state)
{
    uint8_t   id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char      old[LEAD_COOKIE_VALUE_LEN], again[LEAD_COOKIE_VALUE_LEN];
    char      want[LEAD_COOKIE_VALUE_LEN];
    unsigned  claims, said;

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);

    for (claims = 0; claims <= LEAD_COOKIE_IDENTIFIED; claims++) {
        lead_cookie_sign(&keys, id, claims, old);

        /* K1 alone: as before, nothing to do */
        assert_int_equal(lead_cookie_verify(&keys, old, sizeof(old), got,
                                            &said), LEAD_OK);
        assert_int_equal(said, claims);

        /* K2 first, K1 second: verified, to be signed again */
        memset(got, 0, sizeof(got));
        assert_int_equal(lead_cookie_verify(&rotating, old, sizeof(old), got,
                                            &said), LEAD_OK);
        assert_memory_equal(got, id, LEAD_ID_LEN);
        assert_int_equal(said, claims | LEAD_COOKIE_RESIGN);

        /* signed again with what it said: the first key's value */
        lead_cookie_sign(&rotating, got, said & ~LEAD_COOKIE_RESIGN, again);
        lead_cookie_sign(&rotated, id, claims, want);
        assert_memory_equal(again, want, LEAD_COOKIE_VALUE_LEN);
        assert_memory_not_equal(again, old, LEAD_COOKIE_VALUE_LEN);
        assert_int_equal(lead_cookie_verify(&rotating, again, sizeof(again),
                                            got, &said), LEAD_OK);
        assert_int_equal(said, claims);

        /* K1 removed: the value signed again stays, K1's is a stranger's */
        assert_int_equal(lead_cookie_verify(&rotated, again, sizeof(again),
                                            got, &said), LEAD_OK);
        assert_memory_equal(got, id, LEAD_ID_LEN);
        assert_int_equal(said, claims);
        assert_int_equal(lead_cookie_verify(&rotated, old, sizeof(old), got,
                                            &said), LEAD_EINVAL);
    }
}

/* Tokens issued before a rotation verify after it, until the key goes. */
static void
test_tokens_rotate(void **state)
{
    uint8_t  id[LEAD_ID_LEN], lead[LEAD_ID_LEN], v[LEAD_ID_LEN];
    uint8_t  l[LEAD_ID_LEN];
    char     form[LEAD_TOKEN_LEN], sales[LEAD_TOKEN_LEN];
    char     confirm[LEAD_CONFIRM_TOKEN_LEN], now[LEAD_TOKEN_LEN];

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    assert_int_equal(lead_visitor_new(lead), LEAD_OK);
    lead_form_token(&keys, id, form);
    lead_sales_token(&keys, id, "sam", 3, sales);
    lead_confirm_token(&keys, id, lead, 2000, confirm);

    assert_int_equal(lead_form_token_verify(&rotating, id, form,
                                            LEAD_TOKEN_LEN), LEAD_OK);
    assert_int_equal(lead_sales_token_verify(&rotating, id, "sam", 3, sales,
                                             LEAD_TOKEN_LEN), LEAD_OK);
    assert_int_equal(lead_confirm_token_verify(&rotating, confirm,
                                               sizeof(confirm), 1000, v, l),
                     LEAD_OK);
    assert_memory_equal(v, id, LEAD_ID_LEN);
    assert_memory_equal(l, lead, LEAD_ID_LEN);

    /* the page made after the rotation carries the first key's token */
    lead_form_token(&rotating, id, now);
    assert_memory_not_equal(now, form, LEAD_TOKEN_LEN);
    assert_int_equal(lead_form_token_verify(&rotated, id, now,
                                            LEAD_TOKEN_LEN), LEAD_OK);

    /* K1 removed: what only it signed fails */
    assert_int_equal(lead_form_token_verify(&rotated, id, form,
                                            LEAD_TOKEN_LEN), LEAD_EINVAL);
    assert_int_equal(lead_sales_token_verify(&rotated, id, "sam", 3, sales,
                                             LEAD_TOKEN_LEN), LEAD_EINVAL);
    assert_int_equal(lead_confirm_token_verify(&rotated, confirm,
                                               sizeof(confirm), 1000, v, l),
                     LEAD_EINVAL);
}

/* More keys than LEAD_KEYS_MAX are not read past the array. */
static void
test_keys_bounded(void **state)
{
    lead_keys  many = rotating;
    uint8_t    id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char       value[LEAD_COOKIE_VALUE_LEN];
    unsigned   claims;

    (void) state;

    many.n = 1000;
    many.key[2] = many.key[3] = many.key[0];
    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    lead_cookie_sign(&keys, id, 0, value);
    assert_int_equal(lead_cookie_verify(&many, value, sizeof(value), got,
                                        &claims), LEAD_OK);
    assert_int_equal(claims, LEAD_COOKIE_RESIGN);
}

/* ---- the identified claim ---------------------------------------------- */

static void
test_identified_claim(void **state)
{
    uint8_t   id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char      plain[LEAD_COOKIE_VALUE_LEN], known[LEAD_COOKIE_VALUE_LEN];
    unsigned  claims;
    size_t    k;

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    lead_cookie_sign(&keys, id, 0, plain);
    lead_cookie_sign(&keys, id, LEAD_COOKIE_IDENTIFIED, known);

    /* the same length and id; told apart by the separator alone */
    assert_memory_equal(plain, known, ID_B64_LEN);
    assert_int_equal(plain[DOT_POS], '.');
    assert_int_equal(known[DOT_POS], '~');
    assert_memory_not_equal(plain + DOT_POS + 1, known + DOT_POS + 1,
                            LEAD_COOKIE_VALUE_LEN - DOT_POS - 1);
    for (k = DOT_POS + 1; k < LEAD_COOKIE_VALUE_LEN; k++) {
        assert_true(b64url_index(known[k]) >= 0);
    }

    assert_int_equal(lead_cookie_verify(&keys, known, sizeof(known), got,
                                        &claims), LEAD_OK);
    assert_memory_equal(got, id, LEAD_ID_LEN);
    assert_int_equal(claims, LEAD_COOKIE_IDENTIFIED);

    /* RESIGN is what verify says, never what a value carries */
    lead_cookie_sign(&keys, id, LEAD_COOKIE_RESIGN, plain);
    assert_int_equal(plain[DOT_POS], '.');
    assert_int_equal(lead_cookie_verify(&keys, plain, sizeof(plain), got,
                                        &claims), LEAD_OK);
    assert_int_equal(claims, 0);
}

/*
 * Label separation: a plain visitor's MAC never passes for an identified
 * one (nor the reverse), nor does any token for either, nor a cookie's
 * MAC for a token: each use signs its own label.
 */
static void
test_label_separation(void **state)
{
    uint8_t   id[LEAD_ID_LEN], got[LEAD_ID_LEN], lead[LEAD_ID_LEN];
    char      plain[LEAD_COOKIE_VALUE_LEN], known[LEAD_COOKIE_VALUE_LEN];
    char      value[LEAD_COOKIE_VALUE_LEN], confirm[LEAD_CONFIRM_TOKEN_LEN];
    char      tokens[3][LEAD_TOKEN_LEN];
    unsigned  claims;
    size_t    i;

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    memset(lead, 0, sizeof(lead));
    lead_cookie_sign(&keys, id, 0, plain);
    lead_cookie_sign(&keys, id, LEAD_COOKIE_IDENTIFIED, known);

    /* the separator swapped: the other label's MAC is wanted */
    memcpy(value, plain, sizeof(value));
    value[DOT_POS] = '~';
    assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
    memcpy(value, known, sizeof(value));
    value[DOT_POS] = '.';
    assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);

    /* tokens of the same visitor (and a sales user of none) as the MAC */
    lead_form_token(&keys, id, tokens[0]);
    lead_sales_token(&keys, id, "", 0, tokens[1]);
    lead_sales_token(&keys, id, "sam", 3, tokens[2]);
    lead_confirm_token(&keys, id, lead, 0, confirm);
    for (i = 0; i < 4; i++) {
        const char  *mac = i < 3 ? tokens[i] : confirm + 54 + 1;

        memcpy(value, plain, sizeof(value));
        memcpy(value + DOT_POS + 1, mac, LEAD_TOKEN_LEN);
        assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                            &claims), LEAD_EINVAL);
        value[DOT_POS] = '~';
        assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                            &claims), LEAD_EINVAL);
    }

    /* and the cookies' MACs as tokens */
    assert_int_equal(lead_form_token_verify(&keys, id, plain + DOT_POS + 1,
                                            LEAD_TOKEN_LEN), LEAD_EINVAL);
    assert_int_equal(lead_form_token_verify(&keys, id, known + DOT_POS + 1,
                                            LEAD_TOKEN_LEN), LEAD_EINVAL);
    assert_int_equal(lead_sales_token_verify(&keys, id, "", 0,
                                             plain + DOT_POS + 1,
                                             LEAD_TOKEN_LEN), LEAD_EINVAL);
    assert_int_equal(lead_sales_token_verify(&keys, id, "", 0,
                                             known + DOT_POS + 1,
                                             LEAD_TOKEN_LEN), LEAD_EINVAL);
    assert_int_equal(lead_form_token_verify(&keys, id, tokens[1],
                                            LEAD_TOKEN_LEN), LEAD_EINVAL);
}

/* Forged identified values: a MAC of zeros, of another id, of no key. */
static void
test_identified_forged(void **state)
{
    static const lead_keys  empty = { { { "", 0 } }, 1 };
    uint8_t                 id[LEAD_ID_LEN], other[LEAD_ID_LEN];
    uint8_t                 got[LEAD_ID_LEN];
    char                    value[LEAD_COOKIE_VALUE_LEN];
    char                    theirs[LEAD_COOKIE_VALUE_LEN];
    unsigned                claims;

    (void) state;

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    assert_int_equal(lead_visitor_new(other), LEAD_OK);

    lead_cookie_sign(&keys, id, LEAD_COOKIE_IDENTIFIED, value);
    memset(value + DOT_POS + 1, 'A', LEAD_COOKIE_VALUE_LEN - DOT_POS - 1);
    assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);

    /* another visitor's identified MAC on this id */
    lead_cookie_sign(&keys, id, LEAD_COOKIE_IDENTIFIED, value);
    lead_cookie_sign(&keys, other, LEAD_COOKIE_IDENTIFIED, theirs);
    memcpy(value + DOT_POS + 1, theirs + DOT_POS + 1,
           LEAD_COOKIE_VALUE_LEN - DOT_POS - 1);
    assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);

    /* signed with an empty key, or one of the others' */
    lead_cookie_sign(&empty, id, LEAD_COOKIE_IDENTIFIED, value);
    assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
    lead_cookie_sign(NULL, id, LEAD_COOKIE_IDENTIFIED, value);
    assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
    lead_cookie_sign(&rotated, id, LEAD_COOKIE_IDENTIFIED, value);
    assert_int_equal(lead_cookie_verify(&keys, value, sizeof(value), got,
                                        &claims), LEAD_EINVAL);
}

/*
 * The cache keeps what it says (claims, a key to sign again) and answers
 * for one key set: given other keys (a key removed), a value only the
 * removed key signed is checked again, and refused.
 */
static void
test_cache_keys(void **state)
{
    lead_cookie_cache  *cache = lead_cookie_cache_new();
    lead_keys           copy = rotating;
    uint8_t             id[LEAD_ID_LEN], got[LEAD_ID_LEN];
    char                old[LEAD_COOKIE_VALUE_LEN];
    unsigned            claims;
    int                 round;

    (void) state;
    assert_non_null(cache);

    assert_int_equal(lead_visitor_new(id), LEAD_OK);
    lead_cookie_sign(&keys, id, LEAD_COOKIE_IDENTIFIED, old);

    for (round = 0; round < 2; round++) {
        assert_int_equal(lead_cookie_verify_cached(cache, &rotating, old,
                             sizeof(old), got, &claims), LEAD_OK);
        assert_int_equal(claims,
                         LEAD_COOKIE_IDENTIFIED | LEAD_COOKIE_RESIGN);
        assert_memory_equal(got, id, LEAD_ID_LEN);
    }

    /* the same keys in another struct: still answered */
    assert_int_equal(lead_cookie_verify_cached(cache, &copy, old,
                         sizeof(old), got, &claims), LEAD_OK);

    /* K1 removed: K1's value is refused, not remembered */
    for (round = 0; round < 2; round++) {
        assert_int_equal(lead_cookie_verify_cached(cache, &rotated, old,
                             sizeof(old), got, &claims), LEAD_EINVAL);
    }

    /* fewer keys at the same addresses are other keys too */
    assert_int_equal(lead_cookie_verify_cached(cache, &rotating, old,
                         sizeof(old), got, &claims), LEAD_OK);
    copy.n = 1;
    assert_int_equal(lead_cookie_verify_cached(cache, &copy, old,
                         sizeof(old), got, &claims), LEAD_EINVAL);

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
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_tokens_rotate),
        cmocka_unit_test(test_keys_bounded),
        cmocka_unit_test(test_identified_claim),
        cmocka_unit_test(test_label_separation),
        cmocka_unit_test(test_identified_forged),
        cmocka_unit_test(test_cache_keys),
        cmocka_unit_test(test_cookie_name_ok),
        cmocka_unit_test(test_id_hex_round_trip),
        cmocka_unit_test(test_id_from_hex_rejects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
