/*
 * Test events shared by test_event.c and test_store.c: each index gives
 * an event whose every field differs from its neighbours', so a decode or
 * a store that mixes up fields or records fails the comparison.
 *
 * Functions are static inline so a file that uses only some of them does
 * not trip -Wunused-function.  The Makefile does not list this header as a
 * dependency: after editing it, touch the test files that include it.
 */

#ifndef EVENT_FIXTURE_H
#define EVENT_FIXTURE_H

#include "unit.h"
#include "lead_support.h"

typedef struct {
    lead_event  ev;
    char        path[LEAD_PATH_MAX];
    char        host[LEAD_HOST_MAX];
    char        source[LEAD_UTM_MAX];
    char        medium[LEAD_UTM_MAX];
    char        campaign[LEAD_UTM_MAX];
} fx_event;

/* Points s at buf, filled with text then padded with 'x' up to len. */
static inline void
fx_str(lead_str *s, char *buf, size_t len, const char *text)
{
    size_t  n = strlen(text);

    if (n > len) {
        n = len;
    }
    memcpy(buf, text, n);
    memset(buf + n, 'x', len - n);
    s->data = buf;
    s->len = len;
}

/*
 * Event number i; path_len 0 picks a short path.  Odd events leave the
 * optional strings empty so both encodings of "absent" get exercised.
 */
static inline void
fx_event_make(fx_event *f, unsigned i, size_t path_len)
{
    char      text[64];
    unsigned  k;

    memset(f, 0, sizeof(*f));

    f->ev.time_ms = UINT64_C(1700000000000) + (uint64_t) i * 1000;
    for (k = 0; k < LEAD_ID_LEN; k++) {
        f->ev.visitor[k] = (uint8_t) (i * 31 + k);
    }
    f->ev.status = (uint16_t) (200 + i % 7 * 50);
    f->ev.ua_class = (uint8_t) (i % 3);
    f->ev.bytes_sent = 1000 + i;
    f->ev.file_size = (UINT64_C(1) << 40) + i;    /* needs all 8 bytes */
    f->ev.nranges = i % (LEAD_MAX_RANGES + 1);
    for (k = 0; k < f->ev.nranges; k++) {
        f->ev.ranges[k].start = (uint64_t) k * 100 + i;
        f->ev.ranges[k].end = (uint64_t) k * 100 + i + 50;
    }

    snprintf(text, sizeof(text), "/doc/%u", i);
    fx_str(&f->ev.path, f->path, path_len ? path_len : strlen(text), text);

    if (i % 2 == 0) {
        snprintf(text, sizeof(text), "ref%u.example.com", i);
        fx_str(&f->ev.referrer_host, f->host, strlen(text), text);
        snprintf(text, sizeof(text), "src%u", i);
        fx_str(&f->ev.utm_source, f->source, strlen(text), text);
        snprintf(text, sizeof(text), "med%u", i);
        fx_str(&f->ev.utm_medium, f->medium, strlen(text), text);
        snprintf(text, sizeof(text), "camp%u", i);
        fx_str(&f->ev.utm_campaign, f->campaign, strlen(text), text);
    }
}

static inline void
fx_assert_str_equal(lead_str want, lead_str got)
{
    assert_int_equal(want.len, got.len);
    if (want.len > 0) {
        assert_memory_equal(want.data, got.data, want.len);
    }
}

/* The head, ranges and path: what every reader of an event reads. */
static inline void
fx_assert_read_equal(const lead_event *want, const lead_event *got)
{
    unsigned  k;

    assert_int_equal(want->time_ms, got->time_ms);
    assert_int_equal(want->status, got->status);
    assert_int_equal(want->ua_class, got->ua_class);
    assert_int_equal(want->bytes_sent, got->bytes_sent);
    assert_int_equal(want->file_size, got->file_size);
    assert_int_equal(want->nranges, got->nranges);
    for (k = 0; k < want->nranges; k++) {
        assert_int_equal(want->ranges[k].start, got->ranges[k].start);
        assert_int_equal(want->ranges[k].end, got->ranges[k].end);
    }
    fx_assert_str_equal(want->path, got->path);
}

/* ... and the rest of what a scorer reads (lead_event_decode_scored) */
static inline void
fx_assert_scored_equal(const lead_event *want, const lead_event *got)
{
    fx_assert_read_equal(want, got);
    assert_int_equal(want->rating, got->rating);
    assert_int_equal(want->asset_id, got->asset_id);
    assert_int_equal(want->points, got->points);
    assert_int_equal(want->asset_flags, got->asset_flags);
    fx_assert_str_equal(want->stage, got->stage);
    fx_assert_str_equal(want->topic, got->topic);
    fx_assert_str_equal(want->group, got->group);
    fx_assert_str_equal(want->country, got->country);
}

static inline void
fx_assert_event_equal(const lead_event *want, const lead_event *got)
{
    fx_assert_read_equal(want, got);
    assert_memory_equal(want->visitor, got->visitor, LEAD_ID_LEN);
    fx_assert_str_equal(want->referrer_host, got->referrer_host);
    fx_assert_str_equal(want->utm_source, got->utm_source);
    fx_assert_str_equal(want->utm_medium, got->utm_medium);
    fx_assert_str_equal(want->utm_campaign, got->utm_campaign);
    fx_assert_str_equal(want->agent, got->agent);
}

/* A batch for hits and one for the events made of them. */
static inline void
fx_hit_batches(lead_hits **hits, lead_batch **events)
{
    *hits = lead_hits_new(1 << 20);
    *events = lead_batch_new(SIZE_MAX);
    assert_non_null(*hits);
    assert_non_null(*events);
}

/*
 * The events a batch of hits was made into, byte for byte the events a
 * worker would have encoded itself: nothing of the hit (its target, the
 * client's address) is left in them.
 */
static inline void
fx_assert_events_are(const lead_batch *events, const lead_event *want,
    size_t n)
{
    static uint8_t   expect[LEAD_EVENT_MAX_SIZE];
    const uint8_t   *rec;
    size_t           pos = 0, len, i;
    int              elen;

    assert_int_equal(lead_batch_count(events), n);
    for (i = 0; lead_batch_next(events, &pos, &rec, &len); i++) {
        elen = lead_event_encode(&want[i], expect, sizeof(expect));
        assert_true(elen > 0);
        if ((size_t) elen != len || memcmp(expect, rec, len) != 0) {
            fail_msg("event %zu is not the one expected", i);
        }
    }
    assert_int_equal(i, n);
}

#endif /* EVENT_FIXTURE_H */
