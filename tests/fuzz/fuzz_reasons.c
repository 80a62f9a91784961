/*
 * libFuzzer: rejection reasons as a store file may hold them (any bytes,
 * one per line), grouped: a key is its own key, every rejection is in a
 * row or in "other", and no two rows are one group.
 */

#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define MAX_REASONS  64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char         key[LEAD_REASON_MAX + 1], again[LEAD_REASON_MAX + 1];
    static char         k2[LEAD_REASON_MAX + 1];
    lead_reason_count   rows[LEAD_FUNNEL_REASONS];
    lead_reasons       *g;
    lead_arena         *a;
    const char         *s = (const char *) data, *end = s + size, *nl;
    uint64_t            other, sum;
    size_t              n = 0, nrows, i, j, len, klen, k2len;

    g = lead_reasons_new();
    a = lead_arena_new();
    if (g == NULL || a == NULL) {
        __builtin_trap();
    }

    while (s < end && n < MAX_REASONS) {
        nl = memchr(s, '\n', (size_t) (end - s));
        len = nl ? (size_t) (nl - s) : (size_t) (end - s);
        len = len < LEAD_REASON_MAX ? len : LEAD_REASON_MAX;

        klen = lead_reason_key(s, len, key, sizeof(key));
        if (klen > 4 * len
            || lead_reason_key(key, klen, again, sizeof(again)) != klen
            || memcmp(key, again, klen) != 0)
        {
            __builtin_trap();
        }
        if (lead_reasons_add(g, s, len, n % 7) != LEAD_OK) {
            __builtin_trap();
        }
        n++;
        s = nl ? nl + 1 : end;
    }

    if (lead_reasons_top(g, a, rows, LEAD_FUNNEL_REASONS, &nrows, &other)
        != LEAD_OK || nrows > LEAD_FUNNEL_REASONS)
    {
        __builtin_trap();
    }
    sum = other;
    for (i = 0; i < nrows; i++) {
        if (rows[i].count == 0
            || (i > 0 && rows[i].count > rows[i - 1].count))
        {
            __builtin_trap();
        }
        sum += rows[i].count;
        klen = lead_reason_key(rows[i].reason.data, rows[i].reason.len, key,
                               sizeof(key));
        for (j = 0; j < i; j++) {
            k2len = lead_reason_key(rows[j].reason.data, rows[j].reason.len,
                                    k2, sizeof(k2));
            if (klen == k2len && memcmp(key, k2, klen) == 0) {
                __builtin_trap();
            }
        }
    }
    if (sum != n) {
        __builtin_trap();
    }

    lead_reasons_free(g);
    lead_arena_free(a);
    return 0;
}
