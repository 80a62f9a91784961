/*
 * libFuzzer: the visitor cookie value, the form's and the sales view's
 * anti-CSRF tokens, and a claim's confirmation token, as any client may
 * send them; and the visitor cookie found in a Cookie header, as nginx's
 * own loop finds it.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_visitors.h"
#include "lead_report.h"

#define FUZZ_EXPIRES  1790000000000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* nginx 1.22's ngx_http_parse_multi_header_lines, for one header */
static int
nginx_find(const char *start, size_t len, const char *name, size_t n,
    lead_str *value)
{
    const char  *end = start + len, *last;
    char         ch;
    size_t       i;

    while (start < end) {
        for (i = 0; i < n; i++) {
            if (start + i >= end) {
                goto skip;          /* nginx meets the header's NUL */
            }
            ch = start[i];
            if ((ch >= 'A' && ch <= 'Z' ? ch + 32 : ch)
                != (name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32
                                                     : name[i]))
            {
                goto skip;
            }
        }
        for (start += n; start < end && *start == ' '; start++) { }
        if (start == end || *start++ != '=') {
            goto skip;
        }
        while (start < end && *start == ' ') {
            start++;
        }
        last = start;
        while (last < end && *last != ';') {
            last++;
        }
        value->data = start;
        value->len = (size_t) (last - start);
        return 1;
    skip:
        while (start < end) {
            ch = *start++;
            if (ch == ';' || ch == ',') {
                break;
            }
        }
        while (start < end && *start == ' ') {
            start++;
        }
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a rotation under way: the first signs, both verify */
    static const lead_keys    keys = {
        { { "fuzzing-secret-of-thirty-two-bytes!", 35 },
          { "the key before it, still verifying", 34 } }, 2
    };
    static lead_cookie_cache  *cache;
    const char                *s = (const char *) data;
    lead_keys                  one;
    uint8_t                    id[LEAD_ID_LEN], cached[LEAD_ID_LEN];
    char                       again[LEAD_COOKIE_VALUE_LEN];
    char                       token[LEAD_TOKEN_LEN];
    char                       confirm[LEAD_CONFIRM_TOKEN_LEN];
    uint8_t                    visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN];
    uint8_t                    got[LEAD_ID_LEN];
    unsigned                   claims = 0, said = 0;
    int                        rc;

    /* the cookie in a header: where nginx's loop finds it, or nowhere */
    {
        lead_str  a = { NULL, 0 }, b = { NULL, 0 };
        int       fa = lead_cookie_find(s, size, "Lv", 2, &a);
        int       fb = nginx_find(s, size, "Lv", 2, &b);

        if (fa != fb || (fa && (a.data != b.data || a.len != b.len))) {
            __builtin_trap();
        }
    }

    /* one cache for the run, as a worker keeps one: hits and misses */
    if (cache == NULL && (cache = lead_cookie_cache_new()) == NULL) {
        abort();
    }

    rc = lead_cookie_verify(&keys, s, size, id, &claims);
    if (rc == LEAD_OK) {
        /* only a value a key signed may verify: that key signing what
           it says gives it again */
        one.n = 1;
        one.key[0] = keys.key[(claims & LEAD_COOKIE_RESIGN) ? 1 : 0];
        lead_cookie_sign(&one, id, claims & LEAD_COOKIE_IDENTIFIED, again);
        if (size != LEAD_COOKIE_VALUE_LEN || memcmp(again, data, size) != 0) {
            __builtin_trap();
        }
    }

    /* the cache answers as the MAC does, twice (the second from it) */
    if (lead_cookie_verify_cached(cache, &keys, s, size, cached, &said) != rc
        || lead_cookie_verify_cached(cache, &keys, s, size, cached, &said)
           != rc
        || (rc == LEAD_OK && (memcmp(cached, id, LEAD_ID_LEN) != 0
                              || said != claims)))
    {
        __builtin_trap();
    }

    /* a token verifies only as the very MAC a key gives the visitor */
    memset(id, 'v', sizeof(id));
    lead_form_token(&keys, id, token);
    if (lead_form_token_verify(&keys, id, s, size) == LEAD_OK
        && (size != LEAD_TOKEN_LEN || memcmp(token, data, size) != 0))
    {
        one.n = 1;
        one.key[0] = keys.key[1];
        lead_form_token(&one, id, token);
        if (size != LEAD_TOKEN_LEN || memcmp(token, data, size) != 0) {
            __builtin_trap();
        }
    }
    /* a confirmation token verifies only as the one this key signed,
       and only before it expires */
    memset(lead, 'l', sizeof(lead));
    lead_confirm_token(&keys, id, lead, FUZZ_EXPIRES, confirm);
    if (lead_confirm_token_verify(&keys, s, size, FUZZ_EXPIRES - 1, visitor,
                                  got) == LEAD_OK
        && (size != LEAD_CONFIRM_TOKEN_LEN
            || memcmp(confirm, data, size) != 0
            || memcmp(visitor, id, LEAD_ID_LEN) != 0
            || memcmp(got, lead, LEAD_ID_LEN) != 0))
    {
        __builtin_trap();
    }
    if (lead_confirm_token_verify(&keys, s, size, FUZZ_EXPIRES, visitor, got)
        == LEAD_OK)
    {
        __builtin_trap();
    }

    lead_sales_token(&keys, id, "sam", 3, token);
    if (lead_sales_token_verify(&keys, id, "sam", 3, s, size) == LEAD_OK
        && (size != LEAD_TOKEN_LEN || memcmp(token, data, size) != 0))
    {
        __builtin_trap();
    }

    return 0;
}
