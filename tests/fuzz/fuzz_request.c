/*
 * libFuzzer: every request fact the module parses from a client: the
 * target path, the query's utm parameters, Referer, User-Agent and Range.
 */

#include <string.h>

#include "lead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char  *s = (const char *) data;
    char         path[LEAD_PATH_MAX], again[LEAD_PATH_MAX];
    char         host[LEAD_HOST_MAX];
    lead_utm     utm;
    lead_range   ranges[LEAD_MAX_RANGES];
    int          n, m, i;
    uint64_t     file_size = 1000003;

    n = lead_path_normalize(s, size, path);
    if (n >= 0) {
        /* a normalised path is its own normal form and starts with '/' */
        if (n == 0 || path[0] != '/') {
            __builtin_trap();
        }
        if (memchr(path, '\0', (size_t) n) == NULL
            && memchr(path, '%', (size_t) n) == NULL
            && memchr(path, '?', (size_t) n) == NULL
            && memchr(path, '#', (size_t) n) == NULL)
        {
            m = lead_path_normalize(path, (size_t) n, again);
            if (m != n || memcmp(path, again, (size_t) n) != 0) {
                __builtin_trap();
            }
        }
    }

    lead_utm_parse(s, size, &utm);
    if (utm.source_len > LEAD_UTM_MAX || utm.medium_len > LEAD_UTM_MAX
        || utm.campaign_len > LEAD_UTM_MAX)
    {
        __builtin_trap();
    }

    if (lead_referrer_host(s, size, host) > LEAD_HOST_MAX) {
        __builtin_trap();
    }

    (void) lead_ua_classify(s, size);

    n = lead_range_parse(s, size, file_size, ranges);
    for (i = 0; i < n; i++) {
        if (ranges[i].start > ranges[i].end || ranges[i].end >= file_size) {
            __builtin_trap();
        }
    }

    return 0;
}
