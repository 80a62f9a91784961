/*
 * Visitor ids and their signed cookie value: base64url(id) "." base64url(
 * HMAC-SHA256(key, "visitor:" id)), or "~" and "identified:" for a visitor
 * that identified, and the tokens signed likewise (the form's, the sales
 * view's, a claim's confirmation link), the first key signing and every
 * key verifying.  The label keeps these MACs apart from any other thing
 * the same key signs.
 */

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "lead.h"
#include "lead_visitors.h"
#include "lead_parse.h"

#define ID_B64_LEN   22
#define MAC_B64_LEN  43

int
lead_cookie_name_ok(const char *name, size_t len)
{
    size_t  i;

    if (len == 0 || len > 64) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) name[i] <= ' ' || (unsigned char) name[i] >= 127
            || strchr("()<>@,;:\\\"/[]?={}", name[i]) != NULL)
        {
            return 0;
        }
    }

    return 1;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t
b64url_encode(const uint8_t *in, size_t len, char *out)
{
    size_t    i, n = 0;
    uint32_t  v;

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        out[n++] = b64url[v >> 18 & 63];
        out[n++] = b64url[v >> 12 & 63];
        out[n++] = b64url[v >> 6 & 63];
        out[n++] = b64url[v & 63];
    }

    if (len - i == 1) {
        v = (uint32_t) in[i] << 16;
        out[n++] = b64url[v >> 18 & 63];
        out[n++] = b64url[v >> 12 & 63];

    } else if (len - i == 2) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8;
        out[n++] = b64url[v >> 18 & 63];
        out[n++] = b64url[v >> 12 & 63];
        out[n++] = b64url[v >> 6 & 63];
    }

    return n;
}

static int
b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

/*
 * Decodes exactly out_len bytes from a canonical encoding: the unused low
 * bits of the last character must be zero, so each value has one spelling.
 */
static int
b64url_decode(const char *in, size_t len, uint8_t *out, size_t out_len)
{
    size_t    i, n = 0;
    int       d;
    uint32_t  acc = 0;
    unsigned  bits = 0;

    if (len != (out_len * 8 + 5) / 6) {
        return LEAD_EINVAL;
    }

    for (i = 0; i < len; i++) {
        d = b64url_value(in[i]);
        if (d < 0) {
            return LEAD_EINVAL;
        }
        acc = acc << 6 | (uint32_t) d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    return (n == out_len && acc == 0) ? LEAD_OK : LEAD_EINVAL;
}

static int
random_bytes(uint8_t *p, size_t len)
{
    size_t   got = 0;
    ssize_t  n;

    while (got < len) {
        n = getrandom(p + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return LEAD_ESTORE;
        }
        got += (size_t) n;
    }

    return LEAD_OK;
}

int
lead_visitor_new(uint8_t id[LEAD_ID_LEN])
{
    return random_bytes(id, LEAD_ID_LEN);
}


/*
 * HMAC-SHA256 keyed once and re-initialised for each MAC: one-shot HMAC()
 * fetches the digest and allocates its contexts every time (20,400
 * instructions a MAC under callgrind, against about 6,200 so).  A keyed
 * context has one owner (a thread, a worker's cache): never shared.
 */
typedef struct {
    EVP_MAC_CTX  *ctx;
    const char   *key;        /* what it is keyed with, NULL: not yet */
    size_t        key_len;
} keyed_mac;

static void
keyed_mac_free(keyed_mac *m)
{
    EVP_MAC_CTX_free(m->ctx);
    m->ctx = NULL;
    m->key = NULL;
}

/* 1 when m is ready for a MAC under key; 0: use the one-shot path. */
static int
keyed_mac_init(keyed_mac *m, const lead_str *key)
{
    EVP_MAC     *mac;
    OSSL_PARAM   params[2];

    if (key->len == 0) {
        return 0;
    }

    if (m->ctx != NULL && m->key == key->data && m->key_len == key->len) {
        return EVP_MAC_init(m->ctx, NULL, 0, NULL) == 1;
    }

    if (m->ctx == NULL) {
        mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        m->ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
        EVP_MAC_free(mac);
        if (m->ctx == NULL) {
            return 0;
        }
    }

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();

    m->key = NULL;
    if (EVP_MAC_init(m->ctx, (const unsigned char *) key->data, key->len,
                     params) != 1)
    {
        return 0;
    }
    m->key = key->data;
    m->key_len = key->len;
    return 1;
}

/* HMAC(key, label || id || extra): one key, a label per use ("visitor:",
   "identified:", "form:", "sales:", "confirm:"), so no MAC made for one
   use verifies for another.  With m, its keyed context. */
static void
labelled_mac_with(keyed_mac *m, const lead_str *key, const char *label,
    const uint8_t id[LEAD_ID_LEN], const char *extra, size_t extra_len,
    uint8_t mac[LEAD_MAC_LEN])
{
    uint8_t       msg[16 + LEAD_ID_LEN + LEAD_WHO_MAX];
    size_t        n = strlen(label), out_len;
    unsigned int  mac_len = LEAD_MAC_LEN;

    extra_len = extra_len < LEAD_WHO_MAX ? extra_len : LEAD_WHO_MAX;
    memcpy(msg, label, n);
    memcpy(msg + n, id, LEAD_ID_LEN);
    if (extra_len) {
        memcpy(msg + n + LEAD_ID_LEN, extra, extra_len);
    }

    if (m != NULL && keyed_mac_init(m, key)
        && EVP_MAC_update(m->ctx, msg, n + LEAD_ID_LEN + extra_len) == 1
        && EVP_MAC_final(m->ctx, mac, &out_len, LEAD_MAC_LEN) == 1
        && out_len == LEAD_MAC_LEN)
    {
        return;
    }

    HMAC(EVP_sha256(), key->data, (int) key->len, msg,
         n + LEAD_ID_LEN + extra_len, mac, &mac_len);
}

static void
labelled_mac(const lead_str *key, const char *label,
    const uint8_t id[LEAD_ID_LEN], const char *extra, size_t extra_len,
    uint8_t mac[LEAD_MAC_LEN])
{
    labelled_mac_with(NULL, key, label, id, extra, extra_len, mac);
}

/* The first key, which signs; with no key at all, an empty one (what it
   signs, nothing verifies: verifying takes a key). */
static const lead_str *
signing_key(const lead_keys *k)
{
    static const lead_str  none = { "", 0 };

    return k != NULL && k->n > 0 ? &k->key[0] : &none;
}

/*
 * A cookie's two kinds, told apart by the character between id and MAC
 * (both allowed in a cookie value unquoted), each with its own label.
 */
static const struct {
    char         sep;
    const char  *label;
    unsigned     claims;
} kinds[] = {
    { '.', "visitor:", 0 },
    { '~', "identified:", LEAD_COOKIE_IDENTIFIED },
};

static void
cookie_sign_with(keyed_mac *m, const lead_keys *k,
    const uint8_t id[LEAD_ID_LEN], unsigned claims,
    char out[LEAD_COOKIE_VALUE_LEN])
{
    uint8_t  mac[LEAD_MAC_LEN];
    size_t   i = (claims & LEAD_COOKIE_IDENTIFIED) ? 1 : 0;

    labelled_mac_with(m, signing_key(k), kinds[i].label, id, NULL, 0, mac);

    b64url_encode(id, LEAD_ID_LEN, out);
    out[ID_B64_LEN] = kinds[i].sep;
    b64url_encode(mac, LEAD_MAC_LEN, out + ID_B64_LEN + 1);
}

void
lead_cookie_sign(const lead_keys *k, const uint8_t id[LEAD_ID_LEN],
    unsigned claims, char out[LEAD_COOKIE_VALUE_LEN])
{
    cookie_sign_with(NULL, k, id, claims, out);
}

/*
 * Which key's MAC got is, by label: its index, or -1.  Each is compared
 * in constant time; the index a match was found at tells nothing secret.
 */
static int
which_key_with(keyed_mac *m, const lead_keys *k, const char *label,
    const uint8_t id[LEAD_ID_LEN], const char *extra, size_t extra_len,
    const uint8_t got[LEAD_MAC_LEN])
{
    uint8_t   want[LEAD_MAC_LEN];
    unsigned  i;

    for (i = 0; k != NULL && i < k->n && i < LEAD_KEYS_MAX; i++) {
        labelled_mac_with(m != NULL ? &m[i] : NULL, &k->key[i], label, id,
                          extra, extra_len, want);
        if (CRYPTO_memcmp(got, want, LEAD_MAC_LEN) == 0) {
            return (int) i;
        }
    }

    return -1;
}

static int
which_key(const lead_keys *k, const char *label,
    const uint8_t id[LEAD_ID_LEN], const char *extra, size_t extra_len,
    const uint8_t got[LEAD_MAC_LEN])
{
    return which_key_with(NULL, k, label, id, extra, extra_len, got);
}

/* m: a keyed context for each key, or NULL */
static int
cookie_verify_with(keyed_mac *m, const lead_keys *k, const char *value,
    size_t len, uint8_t id[LEAD_ID_LEN], unsigned *claims)
{
    int       key;
    size_t    i;
    uint8_t   got[LEAD_MAC_LEN];

    if (len != LEAD_COOKIE_VALUE_LEN) {
        return LEAD_EINVAL;
    }

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (value[ID_B64_LEN] == kinds[i].sep) {
            break;
        }
    }

    if (i == sizeof(kinds) / sizeof(kinds[0])
        || b64url_decode(value, ID_B64_LEN, id, LEAD_ID_LEN) != LEAD_OK
        || b64url_decode(value + ID_B64_LEN + 1, MAC_B64_LEN, got,
                         LEAD_MAC_LEN) != LEAD_OK
        || (key = which_key_with(m, k, kinds[i].label, id, NULL, 0, got))
           < 0)
    {
        return LEAD_EINVAL;
    }

    /* an older key's: signed again with the first, so it can go */
    *claims = kinds[i].claims | (key > 0 ? LEAD_COOKIE_RESIGN : 0);
    return LEAD_OK;
}

int
lead_cookie_verify(const lead_keys *k, const char *value, size_t len,
    uint8_t id[LEAD_ID_LEN], unsigned *claims)
{
    return cookie_verify_with(NULL, k, value, len, id, claims);
}

static void
make_token(const lead_keys *k, const char *label,
    const uint8_t visitor[LEAD_ID_LEN], const char *extra, size_t extra_len,
    char out[LEAD_TOKEN_LEN])
{
    uint8_t  mac[LEAD_MAC_LEN];

    labelled_mac(signing_key(k), label, visitor, extra, extra_len, mac);
    b64url_encode(mac, LEAD_MAC_LEN, out);
}

static int
check_token(const lead_keys *k, const char *label,
    const uint8_t visitor[LEAD_ID_LEN], const char *extra, size_t extra_len,
    const char *token, size_t len)
{
    uint8_t  got[LEAD_MAC_LEN];

    if (token == NULL || len != LEAD_TOKEN_LEN
        || b64url_decode(token, len, got, LEAD_MAC_LEN) != LEAD_OK)
    {
        return LEAD_EINVAL;
    }

    return which_key(k, label, visitor, extra, extra_len, got) >= 0
           ? LEAD_OK : LEAD_EINVAL;
}

void
lead_form_token(const lead_keys *k, const uint8_t visitor[LEAD_ID_LEN],
    char out[LEAD_TOKEN_LEN])
{
    make_token(k, "form:", visitor, NULL, 0, out);
}

int
lead_form_token_verify(const lead_keys *k,
    const uint8_t visitor[LEAD_ID_LEN], const char *token, size_t len)
{
    return check_token(k, "form:", visitor, NULL, 0, token, len);
}

void
lead_sales_token(const lead_keys *k, const uint8_t visitor[LEAD_ID_LEN],
    const char *user, size_t user_len, char out[LEAD_TOKEN_LEN])
{
    make_token(k, "sales:", visitor, user, user_len, out);
}

int
lead_sales_token_verify(const lead_keys *k,
    const uint8_t visitor[LEAD_ID_LEN], const char *user, size_t user_len,
    const char *token, size_t len)
{
    return check_token(k, "sales:", visitor, user, user_len, token, len);
}

void
lead_id_to_hex(const uint8_t id[LEAD_ID_LEN], char *out)
{
#define HEX_ROW(h)  h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8"    \
                    h "9" h "a" h "b" h "c" h "d" h "e" h "f"
    /* each byte's two digits: a copy a byte, not two look-ups and shifts
       (an export writes three ids a line) */
    static const char  pairs[] = HEX_ROW("0") HEX_ROW("1") HEX_ROW("2")
        HEX_ROW("3") HEX_ROW("4") HEX_ROW("5") HEX_ROW("6") HEX_ROW("7")
        HEX_ROW("8") HEX_ROW("9") HEX_ROW("a") HEX_ROW("b") HEX_ROW("c")
        HEX_ROW("d") HEX_ROW("e") HEX_ROW("f");
#undef HEX_ROW
    size_t             i;

    for (i = 0; i < LEAD_ID_LEN; i++) {
        memcpy(out + 2 * i, pairs + 2 * id[i], 2);
    }
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int
lead_id_from_hex(const char *hex, size_t len, uint8_t id[LEAD_ID_LEN])
{
    size_t  i;
    int     hi, lo;

    if (len != LEAD_ID_HEX_LEN) {
        return LEAD_EINVAL;
    }

    for (i = 0; i < LEAD_ID_LEN; i++) {
        hi = hex_value(hex[2 * i]);
        lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return LEAD_EINVAL;
        }
        id[i] = (uint8_t) (hi << 4 | lo);
    }

    return LEAD_OK;
}

/* ---- cookies verified already ----------------------------------------- */

/*
 * A returning visitor sends the same cookie on every request: its MAC is
 * checked once, then the value is recognised.  Direct-mapped, and the
 * value compared in constant time, as the MAC is.  The cache holds what
 * verified under one key set, the one it was last given: other keys (a
 * configuration that removed one) empty it first, so a value verified
 * under a key no longer given never verifies from it.
 */
#define CACHE_SLOTS  4096

typedef struct {
    char      value[LEAD_COOKIE_VALUE_LEN];
    uint8_t   id[LEAD_ID_LEN];
    unsigned  claims;
    int       used;
} cache_slot;

struct lead_cookie_cache {
    lead_keys   keys;
    keyed_mac   macs[LEAD_KEYS_MAX];    /* the cache's owner's, a key each */
    cache_slot  slots[CACHE_SLOTS];
};

lead_cookie_cache *
lead_cookie_cache_new(void)
{
    return calloc(1, sizeof(lead_cookie_cache));
}

void
lead_cookie_cache_free(lead_cookie_cache *c)
{
    unsigned  i;

    for (i = 0; c != NULL && i < LEAD_KEYS_MAX; i++) {
        keyed_mac_free(&c->macs[i]);
    }
    free(c);
}

/*
 * A value against a cached one, in constant time and a word at a time:
 * every returning visitor's request compares one.  CRYPTO_memcmp's byte
 * loop took 470 instructions a request; the whole lookup with this, 95
 * (callgrind, bench/compare.py).
 */
static int
same_value(const char *a, const char *b)
{
    uint64_t  x, y, diff = 0;
    size_t    i;

    for (i = 0; i + 8 <= LEAD_COOKIE_VALUE_LEN; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    for (; i < LEAD_COOKIE_VALUE_LEN; i++) {
        diff |= (unsigned char) (a[i] ^ b[i]);
    }
    return diff == 0;
}

/*
 * The slot of a value: two characters of its MAC, 6 random bits each (the
 * last character carries only 4).  A forger can aim at a slot as well as
 * at any hash of the value, and pays a failed MAC for each try.
 */
static int
slot_of(const char *value)
{
    const char  *last = value + LEAD_COOKIE_VALUE_LEN - 1;
    int          hi = b64url_value(last[-1]), lo = b64url_value(last[-2]);

    return hi < 0 || lo < 0 ? -1 : (hi << 6 | lo) & (CACHE_SLOTS - 1);
}

/* 1 when k is the key set the cache was filled under: the same keys. */
static int
same_keys(const lead_keys *a, const lead_keys *b)
{
    unsigned  i;

    if (a->n != b->n) {
        return 0;
    }
    for (i = 0; i < a->n && i < LEAD_KEYS_MAX; i++) {
        if (a->key[i].data != b->key[i].data
            || a->key[i].len != b->key[i].len)
        {
            return 0;
        }
    }
    return 1;
}

int
lead_cookie_verify_cached(lead_cookie_cache *c, const lead_keys *k,
    const char *value, size_t len, uint8_t id[LEAD_ID_LEN], unsigned *claims)
{
    int          i;
    cache_slot  *slot;

    if (c == NULL || len != LEAD_COOKIE_VALUE_LEN
        || (i = slot_of(value)) < 0)
    {
        return lead_cookie_verify(k, value, len, id, claims);
    }

    if (!same_keys(&c->keys, k)) {
        memset(c->slots, 0, sizeof(c->slots));
        c->keys = *k;
    }

    slot = &c->slots[i];

    if (slot->used && same_value(slot->value, value)) {
        memcpy(id, slot->id, LEAD_ID_LEN);
        *claims = slot->claims;
        return LEAD_OK;
    }
    if (cookie_verify_with(c->macs, k, value, len, id, claims) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    memcpy(slot->value, value, len);
    memcpy(slot->id, id, LEAD_ID_LEN);
    slot->claims = *claims;
    slot->used = 1;
    return LEAD_OK;
}

#define CONFIRM_LEN      (2 * LEAD_ID_LEN + 8)   /* visitor, lead, expiry */
#define CONFIRM_B64_LEN  54

void
lead_confirm_token(const lead_keys *k, const uint8_t visitor[LEAD_ID_LEN],
    const uint8_t lead_id[LEAD_ID_LEN],
    uint64_t expires_ms, char out[LEAD_CONFIRM_TOKEN_LEN])
{
    uint8_t   payload[CONFIRM_LEN], mac[LEAD_MAC_LEN];
    unsigned  i;

    memcpy(payload, visitor, LEAD_ID_LEN);
    memcpy(payload + LEAD_ID_LEN, lead_id, LEAD_ID_LEN);
    for (i = 0; i < 8; i++) {
        payload[2 * LEAD_ID_LEN + i] = (uint8_t) (expires_ms >> (56 - 8 * i));
    }

    labelled_mac(signing_key(k), "confirm:", visitor,
                 (const char *) payload + LEAD_ID_LEN,
                 CONFIRM_LEN - LEAD_ID_LEN, mac);

    b64url_encode(payload, CONFIRM_LEN, out);
    out[CONFIRM_B64_LEN] = '.';
    b64url_encode(mac, LEAD_MAC_LEN, out + CONFIRM_B64_LEN + 1);
}

int
lead_confirm_token_verify(const lead_keys *k, const char *token, size_t len,
    uint64_t now_ms,
    uint8_t visitor[LEAD_ID_LEN], uint8_t lead_id[LEAD_ID_LEN])
{
    uint8_t   payload[CONFIRM_LEN], got[LEAD_MAC_LEN];
    uint64_t  expires = 0;
    unsigned  i;

    if (token == NULL || len != LEAD_CONFIRM_TOKEN_LEN
        || token[CONFIRM_B64_LEN] != '.'
        || b64url_decode(token, CONFIRM_B64_LEN, payload, CONFIRM_LEN)
           != LEAD_OK
        || b64url_decode(token + CONFIRM_B64_LEN + 1, MAC_B64_LEN, got,
                         LEAD_MAC_LEN) != LEAD_OK)
    {
        return LEAD_EINVAL;
    }

    if (which_key(k, "confirm:", payload,
                  (const char *) payload + LEAD_ID_LEN,
                  CONFIRM_LEN - LEAD_ID_LEN, got) < 0)
    {
        return LEAD_EINVAL;
    }

    for (i = 0; i < 8; i++) {
        expires = expires << 8 | payload[2 * LEAD_ID_LEN + i];
    }
    if (expires <= now_ms) {
        return LEAD_EINVAL;
    }

    memcpy(visitor, payload, LEAD_ID_LEN);
    memcpy(lead_id, payload + LEAD_ID_LEN, LEAD_ID_LEN);
    return LEAD_OK;
}

/* ---- a cookie in a Cookie header --------------------------------------- */

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * Step for step as nginx 1.22's ngx_http_parse_multi_header_lines finds
 * a cookie (the name without case, spaces before and after "=", a cookie
 * that is not it skipped to the next ';' or ','), but its value's end is
 * found with memchr: nginx's byte loop over a visitor's 66 characters
 * was most of its 445 instructions a returning visitor's request.
 */
int
lead_cookie_find(const char *header, size_t len, const char *name,
    size_t name_len, lead_str *value)
{
    char         c;
    size_t       i;
    const char  *p = header, *end = header + len, *last;

    while (p < end) {
        for (i = 0; i < name_len && i < (size_t) (end - p); i++) {
            if (lower((unsigned char) p[i]) != lower((unsigned char) name[i])) {
                break;
            }
        }

        if (i == name_len && name_len > 0) {
            for (p += name_len; p < end && *p == ' '; p++) { /* void */ }

            if (p < end && *p++ == '=') {
                while (p < end && *p == ' ') {
                    p++;
                }
                last = memchr(p, ';', (size_t) (end - p));
                value->data = p;
                value->len = (size_t) ((last ? last : end) - p);
                return 1;
            }
        }

        while (p < end) {
            c = *p++;
            if (c == ';' || c == ',') {
                break;
            }
        }
        while (p < end && *p == ' ') {
            p++;
        }
    }

    return 0;
}


/* ---- visitors made ahead ---------------------------------------------- */

/*
 * New visitors' ids and signed cookie values, made in a batch off the
 * request path (one getrandom, one keyed context) and handed out one by
 * one; when none is left, one is made at once with the same context.
 * Whoever holds the reserve owns its context: the event loop hands out,
 * a thread makes, never both at a time.
 */
struct lead_visitors {
    keyed_mac   mac;
    size_t      cap, n, next;
    size_t      asked;          /* taken since the last batch, made or not */
    size_t      inline_made;    /* of those, made at once */
    uint8_t   (*id)[LEAD_ID_LEN];
    char      (*value)[LEAD_COOKIE_VALUE_LEN];
};

lead_visitors *
lead_visitors_new(void)
{
    return calloc(1, sizeof(lead_visitors));
}

void
lead_visitors_free(lead_visitors *v)
{
    if (v != NULL) {
        keyed_mac_free(&v->mac);
        free(v->id);
        free(v->value);
        free(v);
    }
}

int
lead_visitors_make(lead_visitors *v, const lead_keys *k, size_t n)
{
    size_t   i;
    void    *p;

    if (v == NULL) {
        return LEAD_EINVAL;
    }

    v->n = v->next = v->asked = v->inline_made = 0;
    n = n < LEAD_VISITORS_MAX ? n : LEAD_VISITORS_MAX;

    if (n > v->cap) {
        p = realloc(v->id, n * LEAD_ID_LEN);
        if (p == NULL) {
            return LEAD_ENOMEM;
        }
        v->id = p;
        p = realloc(v->value, n * LEAD_COOKIE_VALUE_LEN);
        if (p == NULL) {
            return LEAD_ENOMEM;
        }
        v->value = p;
        v->cap = n;
    }

    if (n == 0) {
        return LEAD_OK;
    }
    if (random_bytes(v->id[0], n * LEAD_ID_LEN) != LEAD_OK) {
        return LEAD_ESTORE;
    }
    for (i = 0; i < n; i++) {
        cookie_sign_with(&v->mac, k, v->id[i], 0, v->value[i]);
    }
    v->n = n;
    return LEAD_OK;
}

int
lead_visitors_take(lead_visitors *v, const lead_keys *k,
    uint8_t id[LEAD_ID_LEN], char value[LEAD_COOKIE_VALUE_LEN])
{
    if (v == NULL) {
        if (random_bytes(id, LEAD_ID_LEN) != LEAD_OK) {
            return LEAD_ESTORE;
        }
        cookie_sign_with(NULL, k, id, 0, value);
        return LEAD_OK;
    }

    v->asked++;

    if (v->next < v->n) {
        memcpy(id, v->id[v->next], LEAD_ID_LEN);
        memcpy(value, v->value[v->next], LEAD_COOKIE_VALUE_LEN);
        /* handed out once: what stays of it is no one's */
        memset(v->id[v->next], 0, LEAD_ID_LEN);
        v->next++;
        return LEAD_OK;
    }

    v->inline_made++;
    if (random_bytes(id, LEAD_ID_LEN) != LEAD_OK) {
        return LEAD_ESTORE;
    }
    cookie_sign_with(&v->mac, k, id, 0, value);
    return LEAD_OK;
}

void
lead_visitors_sign(lead_visitors *v, const lead_keys *k,
    const uint8_t id[LEAD_ID_LEN], unsigned claims,
    char out[LEAD_COOKIE_VALUE_LEN])
{
    cookie_sign_with(v != NULL ? &v->mac : NULL, k, id, claims, out);
}

size_t
lead_visitors_asked(const lead_visitors *v, size_t *made_now)
{
    if (made_now != NULL) {
        *made_now = v != NULL ? v->inline_made : 0;
    }
    return v != NULL ? v->asked : 0;
}

size_t
lead_visitors_left(const lead_visitors *v)
{
    return v != NULL ? v->n - v->next : 0;
}
