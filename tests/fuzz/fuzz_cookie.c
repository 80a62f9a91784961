/*
 * libFuzzer: the visitor cookie value, the form's and the sales view's
 * anti-CSRF tokens, and a claim's confirmation token, as any client may
 * send them.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define FUZZ_EXPIRES  1790000000000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t      secret[] = "fuzzing-secret-of-thirty-two-bytes!";
    static lead_cookie_cache  *cache;
    const char                *s = (const char *) data;
    uint8_t                    id[LEAD_ID_LEN], cached[LEAD_ID_LEN];
    char                       again[LEAD_COOKIE_VALUE_LEN];
    char                       token[LEAD_TOKEN_LEN];
    char                       confirm[LEAD_CONFIRM_TOKEN_LEN];
    uint8_t                    visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN];
    uint8_t                    got[LEAD_ID_LEN];
    int                        rc;

    /* one cache for the run, as a worker keeps one: hits and misses */
    if (cache == NULL && (cache = lead_cookie_cache_new()) == NULL) {
        abort();
    }

    rc = lead_cookie_verify(secret, sizeof(secret) - 1, s, size, id);
    if (rc == LEAD_OK) {
        /* only a value this key signed may verify: re-signing gives it */
        lead_cookie_sign(secret, sizeof(secret) - 1, id, again);
        if (size != LEAD_COOKIE_VALUE_LEN || memcmp(again, data, size) != 0) {
            __builtin_trap();
        }
    }

    /* the cache answers as the MAC does, twice (the second from it) */
    if (lead_cookie_verify_cached(cache, secret, sizeof(secret) - 1, s, size,
                                  cached) != rc
        || lead_cookie_verify_cached(cache, secret, sizeof(secret) - 1, s,
                                     size, cached) != rc
        || (rc == LEAD_OK && memcmp(cached, id, LEAD_ID_LEN) != 0))
    {
        __builtin_trap();
    }

    /* a token verifies only as the very MAC this key gives the visitor */
    memset(id, 'v', sizeof(id));
    lead_form_token(secret, sizeof(secret) - 1, id, token);
    if (lead_form_token_verify(secret, sizeof(secret) - 1, id, s, size)
        == LEAD_OK
        && (size != LEAD_TOKEN_LEN || memcmp(token, data, size) != 0))
    {
        __builtin_trap();
    }
    /* a confirmation token verifies only as the one this key signed,
       and only before it expires */
    memset(lead, 'l', sizeof(lead));
    lead_confirm_token(secret, sizeof(secret) - 1, id, lead, FUZZ_EXPIRES,
                       confirm);
    if (lead_confirm_token_verify(secret, sizeof(secret) - 1, s, size,
                                  FUZZ_EXPIRES - 1, visitor, got) == LEAD_OK
        && (size != LEAD_CONFIRM_TOKEN_LEN
            || memcmp(confirm, data, size) != 0
            || memcmp(visitor, id, LEAD_ID_LEN) != 0
            || memcmp(got, lead, LEAD_ID_LEN) != 0))
    {
        __builtin_trap();
    }
    if (lead_confirm_token_verify(secret, sizeof(secret) - 1, s, size,
                                  FUZZ_EXPIRES, visitor, got) == LEAD_OK)
    {
        __builtin_trap();
    }

    lead_sales_token(secret, sizeof(secret) - 1, id, "sam", 3, token);
    if (lead_sales_token_verify(secret, sizeof(secret) - 1, id, "sam", 3, s,
                                size) == LEAD_OK
        && (size != LEAD_TOKEN_LEN || memcmp(token, data, size) != 0))
    {
        __builtin_trap();
    }

    return 0;
}
