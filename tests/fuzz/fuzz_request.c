/*
 * libFuzzer: every request fact the module parses from a client: the
 * target path, the query's utm parameters (kept without controls),
 * Referer (a host's bytes only), User-Agent and Range; and a
 * Cache-Control an upstream sent, made private.
 * The target also goes the way the module sends it, cut to its query and
 * to LEAD_TARGET_MAX, as a hit the store's thread makes an event of.
 */

#include <stdint.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"
#include "lead_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The event of the hit has the path of the whole target, or there is none. */
static void
check_hit(const char *target, size_t size, int n, const char *path)
{
    static lead_hits   *hits;
    static lead_batch  *events;
    lead_event          ev, got;
    const char         *query;
    const uint8_t      *rec;
    size_t              len, pos = 0;

    query = memchr(target, '?', size);
    len = query ? (size_t) (query - target) : size;
    if (len > LEAD_TARGET_MAX) {
        len = LEAD_TARGET_MAX;
    }

    /* kept from one input to the next: a batch's first room is 64 KiB */
    if (hits == NULL) {
        hits = lead_hits_new(1 << 16);
        events = lead_batch_new(SIZE_MAX);
        if (hits == NULL || events == NULL) {
            __builtin_trap();
        }
    }
    lead_hits_clear(hits);
    memset(&ev, 0, sizeof(ev));
    ev.status = 200;
    if (lead_hits_add(hits, &ev, target, len, NULL) != LEAD_OK
        || lead_hits_finish(hits, NULL, NULL, events) != LEAD_OK
        || lead_batch_count(events) != (n > 0))
    {
        __builtin_trap();
    }
    if (n > 0) {
        if (!lead_batch_next(events, &pos, &rec, &len)
            || lead_event_decode(rec, len, &got) != LEAD_OK
            || got.path.len != (size_t) n
            || memcmp(got.path.data, path, (size_t) n) != 0)
        {
            __builtin_trap();
        }
    }
}

/* A campaign value kept: valid UTF-8, no control, something visible. */
static void
check_utm(const char *v, size_t len)
{
    size_t    i, k;
    uint32_t  cp;
    int       visible = 0;

    if (len > LEAD_UTM_MAX) {
        __builtin_trap();
    }
    for (i = 0; i < len; i += k) {
        k = lead_utf8_char((const unsigned char *) v + i, len - i, &cp);
        if (k == 0 || lead_char_control(cp)) {
            __builtin_trap();
        }
        visible |= !lead_char_blank(cp);
    }
    if (len > 0 && !visible) {
        __builtin_trap();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char  *s = (const char *) data;
    char         path[LEAD_PATH_MAX], again[LEAD_PATH_MAX];
    char         host[LEAD_HOST_MAX];
    lead_utm     utm;
    lead_range   ranges[LEAD_MAX_RANGES];
    int          n, m, i;
    size_t       h, hlen;
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

    check_hit(s, size, n, path);

    lead_utm_parse(s, size, &utm);
    check_utm(utm.source, utm.source_len);
    check_utm(utm.medium, utm.medium_len);
    check_utm(utm.campaign, utm.campaign_len);

    /* a host: lower-case letters, digits, '-', '.', '_' and no more */
    hlen = lead_referrer_host(s, size, host);
    if (hlen > LEAD_HOST_MAX) {
        __builtin_trap();
    }
    for (h = 0; h < hlen; h++) {
        if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-._", host[h]) == NULL
            || host[h] == '\0')
        {
            __builtin_trap();
        }
    }

    /* the worker's cache answers as the classifier, seen before or not */
    {
        static lead_ua_cache  *agents;
        lead_ua_class          want = lead_ua_classify(s, size);
        lead_str               bot, name = lead_ua_bot_name(s, size);

        if (agents == NULL) {
            agents = lead_ua_cache_new();
        }
        if (lead_ua_classify_cached(agents, s, size, NULL) != want
            || lead_ua_classify_cached(agents, s, size, &bot) != want
            || bot.len != name.len || bot.len > LEAD_AGENT_MAX
            || (want == LEAD_UA_BOT) != (bot.len > 0)
            || (bot.len && (bot.data < s || bot.data + bot.len > s + size)))
        {
            __builtin_trap();
        }
    }

    /* an upstream's Cache-Control, made private: within its bound */
    {
        static char  cc[2 * 65536 + 9];
        size_t       k;

        if (size <= 65536) {
            k = lead_cache_private(s, size, cc);
            if (k > 2 * size + 9 || k == 0) {
                __builtin_trap();
            }
        }
    }

    n = lead_range_parse(s, size, file_size, ranges);
    for (i = 0; i < n; i++) {
        if (ranges[i].start > ranges[i].end || ranges[i].end >= file_size) {
            __builtin_trap();
        }
    }

    return 0;
}
