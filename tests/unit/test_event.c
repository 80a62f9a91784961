#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "event_fixture.h"
#include "lead_support.h"

/* Event encoding, decoding and batches. */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

/* Every field at its limit and every integer at an extreme. */
static void
make_full(fx_event *f)
{
    unsigned  k;

    fx_event_make(f, 0, LEAD_PATH_MAX);
    fx_str(&f->ev.referrer_host, f->host, LEAD_HOST_MAX, "host.example");
    fx_str(&f->ev.utm_source, f->source, LEAD_UTM_MAX, "source");
    fx_str(&f->ev.utm_medium, f->medium, LEAD_UTM_MAX, "medium");
    fx_str(&f->ev.utm_campaign, f->campaign, LEAD_UTM_MAX, "campaign");

    f->ev.time_ms = UINT64_MAX;
    f->ev.status = UINT16_MAX;
    f->ev.ua_class = LEAD_UA_BOT;
    f->ev.bytes_sent = UINT64_MAX - 1;
    f->ev.file_size = UINT64_MAX - 2;
    f->ev.nranges = LEAD_MAX_RANGES;
    for (k = 0; k < LEAD_MAX_RANGES; k++) {
        f->ev.ranges[k].start = UINT64_MAX - 2 * k - 1;
        f->ev.ranges[k].end = UINT64_MAX - 2 * k;
    }
}

/* Only the fixed head: no strings, no ranges. */
static void
make_minimal(lead_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->time_ms = 1;
    ev->visitor[LEAD_ID_LEN - 1] = 0x80;
    ev->status = 304;
    ev->ua_class = LEAD_UA_BROWSER;
}

static int
encode(const lead_event *ev, uint8_t buf[LEAD_EVENT_MAX_SIZE])
{
    int  n = lead_event_encode(ev, buf, LEAD_EVENT_MAX_SIZE);

    assert_in_range(n, 1, LEAD_EVENT_MAX_SIZE);
    return n;
}

static void
test_round_trip_full(void **state)
{
    fx_event    f;
    lead_event  got;
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    int         n;

    (void) state;

    make_full(&f);
    n = encode(&f.ev, buf);
    assert_int_equal(lead_event_decode(buf, (size_t) n, &got), LEAD_OK);
    fx_assert_event_equal(&f.ev, &got);

    /* strings point into the buffer, not at copies */
    assert_true(got.path.data > (const char *) buf
                && got.path.data < (const char *) buf + n);
}

static void
test_round_trip_minimal(void **state)
{
    lead_event  ev, got;
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    int         n;

    (void) state;

    make_minimal(&ev);
    n = encode(&ev, buf);
    assert_int_equal(lead_event_decode(buf, (size_t) n, &got), LEAD_OK);
    fx_assert_event_equal(&ev, &got);
}

/* Each fixture index has another mix of strings and range counts. */
static void
test_round_trip_mixed(void **state)
{
    fx_event    f;
    lead_event  got;
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    unsigned    i;
    int         n;

    (void) state;

    for (i = 0; i < 2 * (LEAD_MAX_RANGES + 1); i++) {
        fx_event_make(&f, i, 0);
        n = encode(&f.ev, buf);
        assert_int_equal(lead_event_decode(buf, (size_t) n, &got), LEAD_OK);
        fx_assert_event_equal(&f.ev, &got);
    }
}

static void
test_encode_limits(void **state)
{
    static const struct {
        const char  *what;
        size_t       off;
        size_t       max;
    } fields[] = {
        { "path", offsetof(lead_event, path), LEAD_PATH_MAX },
        { "referrer_host", offsetof(lead_event, referrer_host),
          LEAD_HOST_MAX },
        { "utm_source", offsetof(lead_event, utm_source), LEAD_UTM_MAX },
        { "utm_medium", offsetof(lead_event, utm_medium), LEAD_UTM_MAX },
        { "utm_campaign", offsetof(lead_event, utm_campaign), LEAD_UTM_MAX },
    };
    static char  big[LEAD_PATH_MAX + 1];
    fx_event     f;
    uint8_t      buf[LEAD_EVENT_MAX_SIZE];
    size_t       i;
    int          rc;

    (void) state;

    memset(big, 'b', sizeof(big));

    for (i = 0; i < N_ELEMS(fields); i++) {
        lead_str  *s;

        /* make_full puts every field at its limit, which is fine */
        make_full(&f);
        s = (lead_str *) ((char *) &f.ev + fields[i].off);
        assert_int_equal(s->len, fields[i].max);
        encode(&f.ev, buf);

        s->data = big;
        s->len = fields[i].max + 1;
        rc = lead_event_encode(&f.ev, buf, sizeof(buf));
        if (rc != LEAD_EINVAL) {
            fail_msg("%s one over its limit: got %d", fields[i].what, rc);
        }
    }

    make_full(&f);
    f.ev.nranges = LEAD_MAX_RANGES + 1;
    assert_int_equal(lead_event_encode(&f.ev, buf, sizeof(buf)), LEAD_EINVAL);
}

/* The caller must offer room for the worst case, whatever the event. */
static void
test_encode_buffer_size(void **state)
{
    static uint8_t  buf[LEAD_EVENT_MAX_SIZE];
    lead_event      ev;

    (void) state;

    make_minimal(&ev);
    assert_int_equal(lead_event_encode(&ev, buf, sizeof(buf) - 1),
                     LEAD_EINVAL);
    assert_int_equal(lead_event_encode(&ev, buf, 0), LEAD_EINVAL);
    assert_true(lead_event_encode(&ev, buf, sizeof(buf)) > 0);
}

/*
 * The bound holds with every field at its limit, the asset's and the
 * place's too: the buffer is exactly that big, on the heap, for ASan.
 */
static void
test_encode_worst_case_fits(void **state)
{
    static char  name[3][LEAD_NAME_MAX], region[LEAD_REGION_MAX],
                 city[LEAD_CITY_MAX], agent[LEAD_AGENT_MAX];
    fx_event     f;
    lead_event   got;
    uint8_t     *buf;
    int          n, k;

    (void) state;

    make_full(&f);
    f.ev.asset_id = UINT64_MAX;
    f.ev.points = INT32_MIN;
    f.ev.asset_flags = 0xff;
    fx_str(&f.ev.stage, name[0], LEAD_NAME_MAX, "stage");
    fx_str(&f.ev.topic, name[1], LEAD_NAME_MAX, "topic");
    fx_str(&f.ev.group, name[2], LEAD_NAME_MAX, "group");
    f.ev.country.data = "GB";
    f.ev.country.len = LEAD_COUNTRY_LEN - 1;
    fx_str(&f.ev.region, region, LEAD_REGION_MAX, "ENG");
    fx_str(&f.ev.city, city, LEAD_CITY_MAX, "London");
    fx_str(&f.ev.agent, agent, LEAD_AGENT_MAX, "HeadlessChrome");

    buf = malloc(LEAD_EVENT_MAX_SIZE);
    assert_non_null(buf);
    n = lead_event_encode(&f.ev, buf, LEAD_EVENT_MAX_SIZE);
    assert_in_range(n, 1, LEAD_EVENT_MAX_SIZE);

    assert_int_equal(lead_event_decode(buf, (size_t) n, &got), LEAD_OK);
    fx_assert_event_equal(&f.ev, &got);
    for (k = 0; k < 3; k++) {
        const lead_str  *want = k == 0 ? &f.ev.stage : k == 1 ? &f.ev.topic
                                                              : &f.ev.group;
        const lead_str  *have = k == 0 ? &got.stage : k == 1 ? &got.topic
                                                             : &got.group;

        assert_int_equal(have->len, LEAD_NAME_MAX);
        assert_memory_equal(have->data, want->data, LEAD_NAME_MAX);
    }
    assert_int_equal(got.city.len, LEAD_CITY_MAX);
    assert_int_equal(got.region.len, LEAD_REGION_MAX);
    assert_int_equal(got.agent.len, LEAD_AGENT_MAX);
    assert_true(got.asset_id == UINT64_MAX && got.points == INT32_MIN);
    free(buf);
}

static void
test_decode_truncated_head(void **state)
{
    lead_event  ev, got;
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    int         head, len;

    (void) state;

    /* a minimal event is nothing but the head */
    make_minimal(&ev);
    head = encode(&ev, buf);

    for (len = 0; len < head; len++) {
        if (lead_event_decode(buf, (size_t) len, &got) != LEAD_EINVAL) {
            fail_msg("head cut to %d of %d bytes was accepted", len, head);
        }
    }
}

/* Appends a tagged field (tag, varint length, bytes) and returns the end. */
static size_t
put_field(uint8_t *buf, size_t n, uint8_t tag, size_t len, size_t have)
{
    buf[n++] = tag;
    while (len >= 0x80) {
        buf[n++] = (uint8_t) (len | 0x80);
        len >>= 7;
    }
    buf[n++] = (uint8_t) len;
    memset(buf + n, 'z', have);
    return n + have;
}

static void
test_decode_bad_fields(void **state)
{
    /* fields appended to a minimal head; `have` bytes actually follow */
    static const struct {
        const char  *what;
        uint8_t      tag;
        size_t       len, have;
    } cases[] = {
        { "path longer than the input", 1, 10, 9 },
        { "length far past the end", 1, 0xffff, 4 },
        { "unknown tag longer than the input", 0x7f, 2, 1 },
        { "ranges of 15 varints", 6, 15, 15 },
        { "ranges of 17 varints", 6, 17, 17 },
        { "more than LEAD_MAX_RANGES ranges", 6, 2 * (LEAD_MAX_RANGES + 1),
          2 * (LEAD_MAX_RANGES + 1) },
        { "an asset cut short", 22, 3, 3 },
        { "an asset with bytes after its names", 22, 8, 8 },
    };
    static uint8_t  buf[2 * LEAD_EVENT_MAX_SIZE];
    lead_event      ev, got;
    size_t          i, head, n;

    (void) state;

    make_minimal(&ev);
    head = (size_t) encode(&ev, buf);

    for (i = 0; i < N_ELEMS(cases); i++) {
        n = put_field(buf, head, cases[i].tag, cases[i].len, cases[i].have);
        if (lead_event_decode(buf, n, &got) != LEAD_EINVAL) {
            fail_msg("%s was accepted", cases[i].what);
        }
    }

    /* a field header cut short: its tag alone, a varint length cut */
    put_field(buf, head, 1, 200, 200);
    assert_int_equal(lead_event_decode(buf, head + 1, &got), LEAD_EINVAL);
    assert_int_equal(lead_event_decode(buf, head + 2, &got), LEAD_EINVAL);

    /* a range's varint cut */
    n = put_field(buf, head, 6, 2, 0);
    buf[n] = 1;
    buf[n + 1] = 0x80;
    assert_int_equal(lead_event_decode(buf, n + 2, &got), LEAD_EINVAL);

    /* a size's varint cut in the head */
    buf[head - 1] = 0x80;
    assert_int_equal(lead_event_decode(buf, head, &got), LEAD_EINVAL);
}

static void
test_decode_truncated_field(void **state)
{
    fx_event    f;
    lead_event  got;
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    int         n;

    (void) state;

    /* the last field (the ranges) then loses its last byte */
    make_full(&f);
    n = encode(&f.ev, buf);
    assert_int_equal(lead_event_decode(buf, (size_t) n - 1, &got),
                     LEAD_EINVAL);
    assert_int_equal(lead_event_decode(buf, (size_t) n - 16, &got),
                     LEAD_EINVAL);
}

static void
test_decode_wrong_version(void **state)
{
    static const uint8_t  versions[] = { 0, 3, 0xff };
    fx_event              f;
    lead_event            got;
    uint8_t               buf[LEAD_EVENT_MAX_SIZE];
    size_t                i;
    int                   n;

    (void) state;

    make_full(&f);
    n = encode(&f.ev, buf);

    for (i = 0; i < N_ELEMS(versions); i++) {
        buf[0] = versions[i];
        if (lead_event_decode(buf, (size_t) n, &got) != LEAD_EINVAL) {
            fail_msg("version byte %u was accepted", versions[i]);
        }
    }
}

/* A later version's fields must not stop this one reading the rest. */
static void
test_decode_skips_unknown_tags(void **state)
{
    static const struct {
        uint8_t  tag;
        size_t   len;
        int      first;   /* right after the head rather than at the end */
    } extras[] = {
        { 0x7f, 3, 0 },
        { 0xff, 0, 0 },
        { 0, 5, 0 },
        { 0x40, 300, 0 },
        { 0x7f, 3, 1 },
    };
    static uint8_t  buf[2 * LEAD_EVENT_MAX_SIZE];
    uint8_t         plain[LEAD_EVENT_MAX_SIZE], minimal[LEAD_EVENT_MAX_SIZE];
    fx_event        f;
    lead_event      got, min_ev;
    size_t          i, n, head;
    int             len;

    (void) state;

    make_full(&f);
    len = encode(&f.ev, plain);
    /* the head of this event: its sizes, nothing after them */
    make_minimal(&min_ev);
    min_ev.bytes_sent = f.ev.bytes_sent;
    min_ev.file_size = f.ev.file_size;
    head = (size_t) encode(&min_ev, minimal);

    for (i = 0; i < N_ELEMS(extras); i++) {
        if (extras[i].first) {
            memcpy(buf, plain, head);
            n = put_field(buf, head, extras[i].tag, extras[i].len,
                          extras[i].len);
            memcpy(buf + n, plain + head, (size_t) len - head);
            n += (size_t) len - head;
        } else {
            memcpy(buf, plain, (size_t) len);
            n = put_field(buf, (size_t) len, extras[i].tag, extras[i].len,
                          extras[i].len);
        }

        if (lead_event_decode(buf, n, &got) != LEAD_OK) {
            fail_msg("extra tag %u of %zu bytes refused", extras[i].tag,
                     extras[i].len);
        }
        fx_assert_event_equal(&f.ev, &got);
    }
}

/* ---- version 1, as stores written before version 2 hold it -------------- */

static size_t
v1_field(uint8_t *p, int tag, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }
    p[0] = (uint8_t) tag;
    p[1] = (uint8_t) len;
    p[2] = (uint8_t) (len >> 8);
    memcpy(p + 3, data, len);
    return 3 + len;
}

/* The encoder of version 1, byte for byte. */
static size_t
encode_v1(const lead_event *ev, uint8_t *buf)
{
    static const uint8_t  no_id[LEAD_ID_LEN];
    uint8_t               num[8];
    size_t                n;
    unsigned              i;

    buf[0] = 1;
    buf[1] = ev->ua_class;
    buf[2] = (uint8_t) ev->status;
    buf[3] = (uint8_t) (ev->status >> 8);
    lead_put_u64(buf + 4, ev->time_ms);
    memcpy(buf + 12, ev->visitor, LEAD_ID_LEN);
    lead_put_u64(buf + 12 + LEAD_ID_LEN, ev->bytes_sent);
    lead_put_u64(buf + 20 + LEAD_ID_LEN, ev->file_size);
    n = 44;

    n += v1_field(buf + n, 1, ev->path.data, ev->path.len);
    if (memcmp(ev->id, no_id, LEAD_ID_LEN) != 0) {
        n += v1_field(buf + n, 18, ev->id, LEAD_ID_LEN);
    }
    n += v1_field(buf + n, 2, ev->referrer_host.data, ev->referrer_host.len);
    n += v1_field(buf + n, 3, ev->utm_source.data, ev->utm_source.len);
    n += v1_field(buf + n, 4, ev->utm_medium.data, ev->utm_medium.len);
    n += v1_field(buf + n, 5, ev->utm_campaign.data, ev->utm_campaign.len);
    n += v1_field(buf + n, 19, ev->agent.data, ev->agent.len);
    if (ev->rating != 0) {
        n += v1_field(buf + n, 20, &ev->rating, 1);
    }
    n += v1_field(buf + n, 21, ev->comment.data, ev->comment.len);
    if (ev->nranges > 0) {
        buf[n] = 6;
        buf[n + 1] = (uint8_t) (ev->nranges * 16);
        buf[n + 2] = 0;
        n += 3;
        for (i = 0; i < ev->nranges; i++) {
            lead_put_u64(buf + n, ev->ranges[i].start);
            lead_put_u64(buf + n + 8, ev->ranges[i].end);
            n += 16;
        }
    }
    if (ev->asset_id != 0) {
        lead_put_u64(num, ev->asset_id);
        n += v1_field(buf + n, 7, num, 8);
        lead_put_u64(num, (uint64_t) (uint32_t) ev->points);
        n += v1_field(buf + n, 8, num, 4);
        n += v1_field(buf + n, 9, &ev->asset_flags, 1);
        n += v1_field(buf + n, 10, ev->stage.data, ev->stage.len);
        n += v1_field(buf + n, 11, ev->topic.data, ev->topic.len);
        n += v1_field(buf + n, 12, ev->group.data, ev->group.len);
    }
    n += v1_field(buf + n, 13, ev->country.data, ev->country.len);
    n += v1_field(buf + n, 14, ev->region.data, ev->region.len);
    n += v1_field(buf + n, 15, ev->city.data, ev->city.len);
    return n;
}

/* Every field of an event, the asset's, the place's and feedback too. */
static void
assert_same_event(const lead_event *want, const lead_event *got)
{
    fx_assert_event_equal(want, got);
    fx_assert_scored_equal(want, got);
    assert_memory_equal(want->id, got->id, LEAD_ID_LEN);
    fx_assert_str_equal(want->region, got->region);
    fx_assert_str_equal(want->city, got->city);
    fx_assert_str_equal(want->comment, got->comment);
}

static void
set_str(lead_str *s, const char *text)
{
    s->data = text[0] ? text : NULL;
    s->len = strlen(text);
}

/* An event with every kind of field: an asset's read with feedback. */
static void
make_asset(fx_event *f, unsigned i, int32_t points)
{
    fx_event_make(f, i, 0);
    memset(f->ev.id, 0xa0 + (int) i, LEAD_ID_LEN);
    f->ev.asset_id = 0x1234567 + i;
    f->ev.points = points;
    f->ev.asset_flags = (uint8_t) (i * 37);
    set_str(&f->ev.stage, "consideration");
    set_str(&f->ev.topic, i % 2 ? "" : "security");
    set_str(&f->ev.group, i % 3 ? "" : "pricing");
    set_str(&f->ev.country, "GB");
    set_str(&f->ev.region, i % 2 ? "ENG" : "");
    set_str(&f->ev.city, "London");
    f->ev.rating = (uint8_t) (i % (LEAD_RATING_MAX + 1));
    set_str(&f->ev.comment, f->ev.rating ? "useful" : "");
}

/*
 * A scan for feedback skips what lead_event_maybe_feedback says is none:
 * it must say "maybe" of all feedback, and of what it cannot read.
 */
static void
test_maybe_feedback(void **state)
{
    uint8_t     v1[LEAD_EVENT_MAX_SIZE], v2[LEAD_EVENT_MAX_SIZE];
    fx_event    f;
    lead_event  got;
    size_t      i, n1, k;
    int         n2;

    (void) state;

    for (i = 0; i < 2 * (LEAD_RATING_MAX + 1); i++) {
        make_asset(&f, (unsigned) i, 1);
        n1 = encode_v1(&f.ev, v1);
        n2 = encode(&f.ev, v2);
        assert_int_equal(lead_event_decode(v2, (size_t) n2, &got), LEAD_OK);
        assert_int_equal(lead_event_maybe_feedback(v2, (size_t) n2),
                         lead_event_is_feedback(&got));
        assert_true(lead_event_maybe_feedback(v1, n1));

        /* cut anywhere, it reads nothing past the end (ASan) */
        for (k = 0; k < (size_t) n2; k++) {
            (void) lead_event_maybe_feedback(v2, k);
        }
    }
    make_minimal(&f.ev);
    n2 = encode(&f.ev, v2);
    assert_false(lead_event_maybe_feedback(v2, (size_t) n2));
}

/* Every field comes back from both versions, the same. */
static void
test_v1_v2_decode_equal(void **state)
{
    static const int32_t  points[] = { 0, 1, -1, 63, -64, 64, 1000,
                                       INT32_MAX, INT32_MIN };
    uint8_t               v1[LEAD_EVENT_MAX_SIZE], v2[LEAD_EVENT_MAX_SIZE];
    fx_event              f;
    lead_event            got1, got2;
    size_t                n1, i;
    int                   n2;

    (void) state;

    for (i = 0; i < 2 * (LEAD_MAX_RANGES + 1); i++) {
        make_asset(&f, (unsigned) i, points[i % N_ELEMS(points)]);
        n1 = encode_v1(&f.ev, v1);
        n2 = encode(&f.ev, v2);

        assert_int_equal(v1[0], 1);
        assert_int_equal(v2[0], 2);
        assert_int_equal(lead_event_decode(v1, n1, &got1), LEAD_OK);
        assert_int_equal(lead_event_decode(v2, (size_t) n2, &got2), LEAD_OK);
        assert_same_event(&f.ev, &got1);
        assert_same_event(&f.ev, &got2);
        assert_same_event(&got1, &got2);

        /* the head's visitor and time where the store reads them */
        assert_memory_equal(v2 + 12, f.ev.visitor, LEAD_ID_LEN);
        assert_int_equal(lead_get_u64(v2 + 4), f.ev.time_ms);

        /* and version 2 is the smaller */
        assert_true((size_t) n2 < n1);
    }

    /* the extremes: every field at its limit */
    make_full(&f);
    n1 = encode_v1(&f.ev, v1);
    assert_int_equal(lead_event_decode(v1, n1, &got1), LEAD_OK);
    assert_same_event(&f.ev, &got1);
}

/* A version 1 event's fields, bad as version 1 reads them. */
static void
test_v1_bad_fields(void **state)
{
    static const struct {
        const char  *what;
        uint8_t      tag;
        size_t       len, have;
    } cases[] = {
        { "path longer than the input", 1, 10, 9 },
        { "length far past the end", 1, 0xffff, 4 },
        { "ranges of 15 bytes", 6, 15, 15 },
        { "ranges of 8 bytes", 6, 8, 8 },
        { "more than LEAD_MAX_RANGES ranges", 6, 16 * (LEAD_MAX_RANGES + 1),
          16 * (LEAD_MAX_RANGES + 1) },
        { "an asset id of 4 bytes", 7, 4, 4 },
        { "points of 8 bytes", 8, 8, 8 },
    };
    static uint8_t  buf[2 * LEAD_EVENT_MAX_SIZE];
    lead_event      ev, got;
    size_t          i, head, n;

    (void) state;

    make_minimal(&ev);
    head = encode_v1(&ev, buf);
    assert_int_equal(head, 44);
    assert_int_equal(lead_event_decode(buf, head, &got), LEAD_OK);
    assert_same_event(&ev, &got);

    for (i = 0; i < N_ELEMS(cases); i++) {
        buf[head] = cases[i].tag;
        buf[head + 1] = (uint8_t) cases[i].len;
        buf[head + 2] = (uint8_t) (cases[i].len >> 8);
        memset(buf + head + 3, 'z', cases[i].have);
        n = head + 3 + cases[i].have;
        if (lead_event_decode(buf, n, &got) != LEAD_EINVAL) {
            fail_msg("v1: %s was accepted", cases[i].what);
        }
    }

    for (n = 0; n < head; n++) {
        assert_int_equal(lead_event_decode(buf, n, &got), LEAD_EINVAL);
    }
}

/* ---- batches ----------------------------------------------------------- */

static void
test_batch_add_count_clear(void **state)
{
    lead_batch  *b;
    fx_event     f;
    unsigned     i;

    (void) state;

    b = lead_batch_new(64 * LEAD_EVENT_MAX_SIZE);
    assert_non_null(b);
    assert_int_equal(lead_batch_count(b), 0);

    for (i = 0; i < 5; i++) {
        fx_event_make(&f, i, 0);
        assert_int_equal(lead_batch_add(b, &f.ev), LEAD_OK);
        assert_int_equal(lead_batch_count(b), i + 1);
    }

    /* an event the encoder refuses is not counted */
    f.ev.nranges = LEAD_MAX_RANGES + 1;
    assert_int_equal(lead_batch_add(b, &f.ev), LEAD_EINVAL);
    assert_int_equal(lead_batch_count(b), 5);

    lead_batch_clear(b);
    assert_int_equal(lead_batch_count(b), 0);

    fx_event_make(&f, 7, 0);
    assert_int_equal(lead_batch_add(b, &f.ev), LEAD_OK);
    assert_int_equal(lead_batch_count(b), 1);

    lead_batch_free(b);
    lead_batch_free(NULL);
}

/* Adds events first..first+n-1 and reads them back, in order. */
static void
fill_and_check(lead_batch *b, unsigned first, unsigned n)
{
    fx_event          f;
    lead_event        ev;
    const uint8_t    *rec;
    size_t            pos = 0, len;
    unsigned          i;

    for (i = 0; i < n; i++) {
        fx_event_make(&f, first + i, 0);
        assert_int_equal(lead_batch_add(b, &f.ev), LEAD_OK);
    }
    for (i = 0; lead_batch_next(b, &pos, &rec, &len); i++) {
        fx_event_make(&f, first + i, 0);
        assert_int_equal(lead_event_decode(rec, len, &ev), LEAD_OK);
        assert_int_equal(ev.time_ms, f.ev.time_ms);
        assert_memory_equal(ev.visitor, f.ev.visitor, LEAD_ID_LEN);
    }
    assert_int_equal(i, n);
    lead_batch_clear(b);
}

/*
 * A burst grows the batch, quiet flushes give the room back a half at a
 * time: what it holds reads back the same through every size it takes.
 */
static void
test_batch_grows_and_shrinks(void **state)
{
    lead_batch  *b;
    unsigned     round, quiet;

    (void) state;

    b = lead_batch_new(4 << 20);
    assert_non_null(b);
    for (round = 0; round < 3; round++) {
        fill_and_check(b, round * 10000, 8000);            /* a burst */
        for (quiet = 0; quiet < 10; quiet++) {
            fill_and_check(b, quiet, 3);
        }
    }
    lead_batch_free(b);
}

/* A tiny maximum is raised so that one event of any size still fits. */
static void
test_batch_min_size(void **state)
{
    static char  target[LEAD_TARGET_MAX];
    lead_batch  *b;
    lead_hits   *h;
    fx_event     f;

    (void) state;

    b = lead_batch_new(0);
    h = lead_hits_new(0);
    assert_non_null(b);
    assert_non_null(h);

    /* the smallest batch takes the largest event, and the largest hit */
    make_full(&f);
    assert_int_equal(lead_batch_add(b, &f.ev), LEAD_OK);
    lead_batch_clear(b);

    memset(target, 'a', sizeof(target));
    target[0] = '/';
    f.ev.path.len = 0;
    assert_int_equal(lead_hits_add(h, &f.ev, target, sizeof(target), NULL),
                     LEAD_OK);
    assert_int_equal(lead_hits_add(h, &f.ev, target, sizeof(target), NULL),
                     LEAD_EBATCHFULL);
    assert_int_equal(lead_hits_count(h), 1);

    lead_batch_free(b);
    lead_hits_free(h);
}

static void
test_batch_full(void **state)
{
    const size_t     max = 3 * LEAD_EVENT_MAX_SIZE;
    fx_event         small, full;
    const fx_event  *kinds[2];
    uint8_t          buf[LEAD_EVENT_MAX_SIZE];
    lead_batch      *b;
    size_t           i, count, rec, guard;
    int              rc = LEAD_OK;

    (void) state;

    fx_event_make(&small, 3, 0);
    make_full(&full);
    kinds[0] = &small;
    kinds[1] = &full;

    for (i = 0; i < N_ELEMS(kinds); i++) {
        /* a record is the event with a two-byte length in front */
        rec = 2 + (size_t) encode(&kinds[i]->ev, buf);

        b = lead_batch_new(max);
        assert_non_null(b);

        for (guard = 0; guard < max; guard++) {
            rc = lead_batch_add(b, &kinds[i]->ev);
            if (rc != LEAD_OK) {
                break;
            }
        }
        assert_int_equal(rc, LEAD_EBATCHFULL);
        count = lead_batch_count(b);

        /* never over max, and only full once a worst case no longer fits */
        assert_true(count >= 1);
        assert_true(count * rec <= max);
        assert_true(count * rec + LEAD_EVENT_MAX_SIZE + 2 > max);

        assert_int_equal(lead_batch_add(b, &kinds[i]->ev), LEAD_EBATCHFULL);
        assert_int_equal(lead_batch_count(b), count);

        /* clearing makes the room usable again */
        lead_batch_clear(b);
        assert_int_equal(lead_batch_add(b, &kinds[i]->ev), LEAD_OK);
        assert_int_equal(lead_batch_count(b), 1);

        lead_batch_free(b);
    }
}

/*
 * A worker's hits made events: the target normalised as nginx maps it, a
 * target nginx would refuse left out, every other field as it was.
 */
static void
test_hits_finish(void **state)
{
    static const struct {
        const char  *target, *path;   /* path NULL: not recorded */
    } cases[] = {
        { "/guide/./intro%20one.html", "/guide/intro one.html" },
        { "/doc//a/../b.pdf", "/doc/b.pdf" },
        { "/page.html", "/page.html" },
        { "/../etc/passwd", NULL },
        { "page.html", NULL },
        { "/bad%zzescape", NULL },
        { "", NULL },
    };
    lead_event           want[N_ELEMS(cases)];
    fx_event             f[N_ELEMS(cases)];
    lead_hits           *hits;
    lead_batch          *events;
    struct sockaddr_in   client;
    size_t               i, n = 0;

    (void) state;

    fx_hit_batches(&hits, &events);

    memset(&client, 0, sizeof(client));
    client.sin_family = AF_INET;
    client.sin_addr.s_addr = htonl(0xcb007109);    /* 203.0.113.9 */

    for (i = 0; i < N_ELEMS(cases); i++) {
        fx_event_make(&f[i], (unsigned) i, 0);
        f[i].ev.path.len = 0;
        assert_int_equal(lead_hits_add(hits, &f[i].ev, cases[i].target,
                             strlen(cases[i].target),
                             i % 2 ? (struct sockaddr *) &client : NULL),
                         LEAD_OK);
        if (cases[i].path) {
            want[n] = f[i].ev;
            want[n].path.data = cases[i].path;
            want[n].path.len = strlen(cases[i].path);
            n++;
        }
    }
    assert_int_equal(lead_hits_count(hits), N_ELEMS(cases));

    /* no rules, no GeoIP: the address is dropped unread */
    assert_int_equal(lead_hits_finish(hits, NULL, NULL, events), LEAD_OK);
    fx_assert_events_are(events, want, n);

    /* made again (a commit to retry): the same, not twice as many */
    assert_int_equal(lead_hits_finish(hits, NULL, NULL, events), LEAD_OK);
    fx_assert_events_are(events, want, n);

    lead_hits_free(hits);
    lead_batch_free(events);
}

/* A hit carries what the worker copied, nothing it should not have made. */
static void
test_hit_refused(void **state)
{
    static char  target[LEAD_TARGET_MAX + 1];
    lead_hits   *hits;
    fx_event     f;

    (void) state;

    hits = lead_hits_new(1 << 20);
    assert_non_null(hits);
    memset(target, 'a', sizeof(target));
    target[0] = '/';

    fx_event_make(&f, 1, 0);
    assert_int_equal(lead_hits_add(hits, &f.ev, "/a", 2, NULL),
                     LEAD_EINVAL);             /* a path already: no hit */

    f.ev.path.len = 0;
    assert_int_equal(lead_hits_add(hits, &f.ev, target, sizeof(target),
                                        NULL), LEAD_EINVAL);
    assert_int_equal(lead_hits_add(hits, &f.ev, target,
                                        LEAD_TARGET_MAX, NULL), LEAD_OK);
    assert_int_equal(lead_hits_count(hits), 1);
    lead_hits_free(hits);
}

/* Hits fill a batch as events do: refused once there is no room left. */
static void
test_hits_fill_a_batch(void **state)
{
    static char  target[LEAD_TARGET_MAX];
    lead_hits   *hits;
    fx_event     f;
    size_t       added = 0;

    (void) state;

    hits = lead_hits_new(4 * LEAD_HIT_MAX_SIZE);
    assert_non_null(hits);
    memset(target, 'a', sizeof(target));
    target[0] = '/';
    make_full(&f);
    f.ev.path.len = 0;

    while (lead_hits_add(hits, &f.ev, target, sizeof(target), NULL)
           == LEAD_OK)
    {
        added++;
    }
    assert_int_equal(lead_hits_add(hits, &f.ev, target, sizeof(target),
                                        NULL), LEAD_EBATCHFULL);
    assert_in_range(added, 3, 8);     /* hits are smaller than the bound */
    lead_hits_free(hits);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_round_trip_full),
        cmocka_unit_test(test_round_trip_minimal),
        cmocka_unit_test(test_round_trip_mixed),
        cmocka_unit_test(test_encode_limits),
        cmocka_unit_test(test_encode_buffer_size),
        cmocka_unit_test(test_encode_worst_case_fits),
        cmocka_unit_test(test_hits_finish),
        cmocka_unit_test(test_hit_refused),
        cmocka_unit_test(test_hits_fill_a_batch),
        cmocka_unit_test(test_decode_truncated_head),
        cmocka_unit_test(test_decode_bad_fields),
        cmocka_unit_test(test_decode_truncated_field),
        cmocka_unit_test(test_decode_wrong_version),
        cmocka_unit_test(test_decode_skips_unknown_tags),
        cmocka_unit_test(test_v1_v2_decode_equal),
        cmocka_unit_test(test_v1_bad_fields),
        cmocka_unit_test(test_batch_add_count_clear),
        cmocka_unit_test(test_maybe_feedback),
        cmocka_unit_test(test_batch_min_size),
        cmocka_unit_test(test_batch_grows_and_shrinks),
        cmocka_unit_test(test_batch_full),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
