/*
 * Events and hits as bytes, and batches of them: a fixed little-endian
 * head, then tagged fields.  Version 2 (written) packs sizes, lengths and
 * the asset's facts as varints; version 1 (tag u8, length u16, bytes)
 * is still read.  A decoder skips tags it does not know, so later
 * versions add fields without rewriting stored events.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_model.h"

#define EVENT_V1       1
#define EVENT_VERSION  2
#define HEAD_SIZE      (1 + 1 + 2 + 8 + LEAD_ID_LEN + 8 + 8)     /* v1 */
#define HEAD2_SIZE     (1 + 1 + 2 + 8 + LEAD_ID_LEN)     /* then 2 varints */

_Static_assert(HEAD2_SIZE + 20 == 48,
               "LEAD_EVENT_MAX_SIZE counts a 48-byte head");

enum {
    TAG_PATH = 1,
    TAG_REFERRER_HOST = 2,
    TAG_UTM_SOURCE = 3,
    TAG_UTM_MEDIUM = 4,
    TAG_UTM_CAMPAIGN = 5,
    TAG_RANGES = 6,
    TAG_ASSET_ID = 7,
    TAG_POINTS = 8,
    TAG_ASSET_FLAGS = 9,
    TAG_STAGE = 10,
    TAG_TOPIC = 11,
    TAG_GROUP = 12,
    TAG_COUNTRY = 13,
    TAG_REGION = 14,
    TAG_CITY = 15,
    /* a hit's only, never stored: the target as sent, the client */
    TAG_TARGET = 16,
    TAG_CLIENT = 17,
    /* added later: the event's id (the request's), where it has one */
    TAG_ID = 18,
    /* and the name a bot's agent gives */
    TAG_AGENT = 19,
    /* and feedback: a rating of the path's content, and a comment */
    TAG_RATING = 20,
    TAG_COMMENT = 21,
    /* version 2: the asset's id, points, flags, stage, topic and group
       in one field (u64, zigzag varint, byte, 3 length-prefixed names) */
    TAG_ASSET = 22
};

/* What a hit carries besides its event. */
typedef struct {
    lead_str  target;
    lead_str  client;       /* a sockaddr_in or sockaddr_in6, as it was */
} hit_extras;

static size_t
put_field(uint8_t *p, int tag, const void *data, size_t len)
{
    size_t  n;

    if (len == 0) {
        return 0;
    }

    p[0] = (uint8_t) tag;
    n = 1 + lead_put_varint(p + 1, len);
    memcpy(p + n, data, len);

    return n + len;
}

/*
 * Closes a field whose tag is at p[0] and whose bytes were written from
 * p + 3 up to end, with room for a 2-byte length: a length under 128
 * takes one byte, and the bytes move back one.  Returns the field's size.
 */
static size_t
close_field(uint8_t *p, uint8_t *end)
{
    size_t  len = (size_t) (end - p - 3);

    if (len < 0x80) {
        p[1] = (uint8_t) len;
        memmove(p + 2, p + 3, len);
        return 2 + len;
    }

    p[1] = (uint8_t) (len | 0x80);
    p[2] = (uint8_t) (len >> 7);
    return 3 + len;
}

static size_t
put_name(uint8_t *p, lead_str s)
{
    p[0] = (uint8_t) s.len;
    if (s.len > 0) {
        memcpy(p + 1, s.data, s.len);
    }
    return 1 + s.len;
}

/* The fixed head every record starts with, then its sizes. */
static size_t
put_head(uint8_t *buf, const lead_event *ev)
{
    size_t  n;

    buf[0] = EVENT_VERSION;
    buf[1] = ev->ua_class;
    buf[2] = (uint8_t) ev->status;
    buf[3] = (uint8_t) (ev->status >> 8);
    lead_put_u64(buf + 4, ev->time_ms);
    memcpy(buf + 12, ev->visitor, LEAD_ID_LEN);

    n = HEAD2_SIZE;
    n += lead_put_varint(buf + n, ev->bytes_sent);
    n += lead_put_varint(buf + n, ev->file_size);

    return n;
}

/* What the request itself tells, in an event and in a hit alike. */
static int
request_fields_fit(const lead_event *ev)
{
    return ev->referrer_host.len <= LEAD_HOST_MAX
           && ev->utm_source.len <= LEAD_UTM_MAX
           && ev->utm_medium.len <= LEAD_UTM_MAX
           && ev->utm_campaign.len <= LEAD_UTM_MAX
           && ev->nranges <= LEAD_MAX_RANGES
           && ev->agent.len <= LEAD_AGENT_MAX
           && ev->rating <= LEAD_RATING_MAX
           && ev->comment.len <= LEAD_COMMENT_BYTES
           && (ev->rating != 0 || ev->comment.len == 0);
}

static const uint8_t  no_id[LEAD_ID_LEN];

static size_t
put_request_fields(uint8_t *buf, const lead_event *ev)
{
    size_t    n = 0, at;
    unsigned  i;

    if (memcmp(ev->id, no_id, LEAD_ID_LEN) != 0) {
        n += put_field(buf + n, TAG_ID, ev->id, LEAD_ID_LEN);
    }

    n += put_field(buf + n, TAG_REFERRER_HOST, ev->referrer_host.data,
                   ev->referrer_host.len);
    n += put_field(buf + n, TAG_UTM_SOURCE, ev->utm_source.data,
                   ev->utm_source.len);
    n += put_field(buf + n, TAG_UTM_MEDIUM, ev->utm_medium.data,
                   ev->utm_medium.len);
    n += put_field(buf + n, TAG_UTM_CAMPAIGN, ev->utm_campaign.data,
                   ev->utm_campaign.len);
    n += put_field(buf + n, TAG_AGENT, ev->agent.data, ev->agent.len);
    if (ev->rating != 0) {
        n += put_field(buf + n, TAG_RATING, &ev->rating, 1);
    }
    n += put_field(buf + n, TAG_COMMENT, ev->comment.data, ev->comment.len);

    if (ev->nranges > 0) {
        /* start and end as varints: at most 20 bytes a range */
        buf[n] = TAG_RANGES;
        at = n + 3;
        for (i = 0; i < ev->nranges; i++) {
            at += lead_put_varint(buf + at, ev->ranges[i].start);
            at += lead_put_varint(buf + at, ev->ranges[i].end);
        }
        n += close_field(buf + n, buf + at);
    }

    return n;
}

_Static_assert(LEAD_MAX_RANGES * 20 < 1 << 14, "a 2-byte length");
_Static_assert(LEAD_NAME_MAX < 256, "a name's length is a byte");

int
lead_event_encode(const lead_event *ev, uint8_t *buf, size_t size)
{
    size_t  n, at;

    if (ev->path.len > LEAD_PATH_MAX || !request_fields_fit(ev)
        || ev->stage.len > LEAD_NAME_MAX || ev->topic.len > LEAD_NAME_MAX
        || ev->group.len > LEAD_NAME_MAX
        || ev->country.len > LEAD_COUNTRY_LEN - 1
        || ev->region.len > LEAD_REGION_MAX || ev->city.len > LEAD_CITY_MAX
        || size < LEAD_EVENT_MAX_SIZE)
    {
        return LEAD_EINVAL;
    }

    n = put_head(buf, ev);
    n += put_field(buf + n, TAG_PATH, ev->path.data, ev->path.len);
    n += put_request_fields(buf + n, ev);

    if (ev->asset_id != 0) {
        /* at most 8 + 5 + 1 + 3 * 65 bytes: a 2-byte length at most; the
           id is a hash, as long as a u64 and quicker read */
        buf[n] = TAG_ASSET;
        at = n + 3;
        lead_put_u64(buf + at, ev->asset_id);
        at += 8;
        at += lead_put_varint(buf + at, (uint32_t) ((uint32_t) ev->points << 1)
                                   ^ (uint32_t) (ev->points < 0 ? -1 : 0));
        buf[at++] = ev->asset_flags;
        at += put_name(buf + at, ev->stage);
        at += put_name(buf + at, ev->topic);
        at += put_name(buf + at, ev->group);
        n += close_field(buf + n, buf + at);
    }

    n += put_field(buf + n, TAG_COUNTRY, ev->country.data, ev->country.len);
    n += put_field(buf + n, TAG_REGION, ev->region.data, ev->region.len);
    n += put_field(buf + n, TAG_CITY, ev->city.data, ev->city.len);

    return (int) n;
}

/* A field common to both versions: 0, or LEAD_EINVAL if it is bad. */
static int
common_field(unsigned tag, lead_str s, lead_event *ev, hit_extras *hit)
{
    switch (tag) {
    case TAG_PATH:
        ev->path = s;
        break;
    case TAG_REFERRER_HOST:
        ev->referrer_host = s;
        break;
    case TAG_UTM_SOURCE:
        ev->utm_source = s;
        break;
    case TAG_UTM_MEDIUM:
        ev->utm_medium = s;
        break;
    case TAG_UTM_CAMPAIGN:
        ev->utm_campaign = s;
        break;
    case TAG_STAGE:
        ev->stage = s;
        break;
    case TAG_TOPIC:
        ev->topic = s;
        break;
    case TAG_GROUP:
        ev->group = s;
        break;
    case TAG_COUNTRY:
        ev->country = s;
        break;
    case TAG_REGION:
        ev->region = s;
        break;
    case TAG_CITY:
        ev->city = s;
        break;
    case TAG_AGENT:
        ev->agent = s;
        break;
    case TAG_RATING:
        if (s.len != 1 || s.data[0] == 0
            || (uint8_t) s.data[0] > LEAD_RATING_MAX)
        {
            return LEAD_EINVAL;
        }
        ev->rating = (uint8_t) s.data[0];
        break;
    case TAG_COMMENT:
        ev->comment = s;
        break;
    case TAG_ID:
        if (s.len != LEAD_ID_LEN) {
            return LEAD_EINVAL;
        }
        memcpy(ev->id, s.data, LEAD_ID_LEN);
        break;
    case TAG_TARGET:
        if (hit != NULL) {
            hit->target = s;
        }
        break;
    case TAG_CLIENT:
        if (hit != NULL) {
            hit->client = s;
        }
        break;
    default:
        break;
    }

    return LEAD_OK;
}

static int
decode_v1(const uint8_t *buf, size_t len, lead_event *ev, hit_extras *hit)
{
    size_t    n, flen;
    unsigned  i;
    lead_str  s;

    if (len < HEAD_SIZE) {
        return LEAD_EINVAL;
    }

    ev->bytes_sent = lead_get_u64(buf + 12 + LEAD_ID_LEN);
    ev->file_size = lead_get_u64(buf + 20 + LEAD_ID_LEN);

    for (n = HEAD_SIZE; n < len; n += 3 + flen) {
        if (len - n < 3) {
            return LEAD_EINVAL;
        }
        flen = (size_t) (buf[n + 1] | buf[n + 2] << 8);
        if (len - n - 3 < flen) {
            return LEAD_EINVAL;
        }

        s.data = (const char *) buf + n + 3;
        s.len = flen;

        switch (buf[n]) {
        case TAG_RANGES:
            if (flen % 16 != 0 || flen / 16 > LEAD_MAX_RANGES) {
                return LEAD_EINVAL;
            }
            ev->nranges = (unsigned) (flen / 16);
            for (i = 0; i < ev->nranges; i++) {
                ev->ranges[i].start = lead_get_u64(buf + n + 3 + 16 * i);
                ev->ranges[i].end = lead_get_u64(buf + n + 11 + 16 * i);
            }
            break;
        case TAG_ASSET_ID:
        case TAG_POINTS:
        case TAG_ASSET_FLAGS:
            if (flen != (buf[n] == TAG_ASSET_ID ? 8u
                         : buf[n] == TAG_POINTS ? 4u : 1u))
            {
                return LEAD_EINVAL;
            }
            if (buf[n] == TAG_ASSET_ID) {
                ev->asset_id = lead_get_u64(buf + n + 3);
            } else if (buf[n] == TAG_POINTS) {
                ev->points = (int32_t) (uint32_t) (buf[n + 3]
                             | buf[n + 4] << 8 | buf[n + 5] << 16
                             | (uint32_t) buf[n + 6] << 24);
            } else {
                ev->asset_flags = buf[n + 3];
            }
            break;
        case TAG_ASSET:
            break;                      /* a version 2 field: unknown here */
        default:
            if (common_field(buf[n], s, ev, hit) != LEAD_OK) {
                return LEAD_EINVAL;
            }
        }
    }

    return LEAD_OK;
}

/* A name of a TAG_ASSET field: a length byte, its bytes. */
static int
get_name(const uint8_t **p, const uint8_t *end, lead_str *s)
{
    size_t  n;

    if (*p >= end || (n = **p) > (size_t) (end - *p - 1)) {
        return LEAD_EINVAL;
    }
    if (n > 0) {                        /* "" reads as absent, as in v1 */
        s->data = (const char *) *p + 1;
        s->len = n;
    }
    *p += 1 + n;
    return LEAD_OK;
}

static int
decode_asset(const uint8_t *p, const uint8_t *end, lead_event *ev)
{
    uint64_t  z;

    if (end - p < 8) {
        return LEAD_EINVAL;
    }
    ev->asset_id = lead_get_u64(p);
    p += 8;
    z = lead_get_varint(&p, end);
    if (p >= end || z > UINT32_MAX) {
        return LEAD_EINVAL;
    }
    ev->points = (int32_t) (uint32_t) ((z >> 1) ^ (z & 1 ? 0xffffffff : 0));
    ev->asset_flags = *p++;

    if (get_name(&p, end, &ev->stage) != LEAD_OK
        || get_name(&p, end, &ev->topic) != LEAD_OK
        || get_name(&p, end, &ev->group) != LEAD_OK
        || p != end)
    {
        return LEAD_EINVAL;
    }
    return LEAD_OK;
}

/* The fields a scorer does not read (lead_scorer_add): checked, not kept. */
#define UNSCORED  (1u << TAG_REFERRER_HOST | 1u << TAG_UTM_SOURCE            \
                   | 1u << TAG_UTM_MEDIUM | 1u << TAG_UTM_CAMPAIGN           \
                   | 1u << TAG_REGION | 1u << TAG_CITY | 1u << TAG_TARGET    \
                   | 1u << TAG_CLIENT | 1u << TAG_ID | 1u << TAG_AGENT       \
                   | 1u << TAG_COMMENT)

/* skip: the tags whose fields are left out of ev (UNSCORED or 0) */
static int
decode_v2(const uint8_t *buf, size_t len, lead_event *ev, hit_extras *hit,
    uint32_t skip)
{
    const uint8_t  *p, *end, *fend;
    uint64_t        flen;
    unsigned        tag;
    lead_str        s;

    if (len < HEAD2_SIZE + 2) {
        return LEAD_EINVAL;
    }

    end = buf + len;
    p = buf + HEAD2_SIZE;
    ev->bytes_sent = lead_get_varint(&p, end);
    ev->file_size = lead_get_varint(&p, end);

    while (p < end) {
        tag = *p++;
        flen = lead_get_varint(&p, end);
        if (p > end || flen > (uint64_t) (end - p)) {
            return LEAD_EINVAL;
        }
        fend = p + flen;

        if (tag == TAG_ASSET) {
            if (decode_asset(p, fend, ev) != LEAD_OK) {
                return LEAD_EINVAL;
            }

        } else if (tag == TAG_RANGES) {
            while (p < fend) {
                if (ev->nranges == LEAD_MAX_RANGES) {
                    return LEAD_EINVAL;
                }
                ev->ranges[ev->nranges].start = lead_get_varint(&p, fend);
                ev->ranges[ev->nranges].end = lead_get_varint(&p, fend);
                if (p > fend) {
                    return LEAD_EINVAL;
                }
                ev->nranges++;
            }

        } else if (tag < 32 && (skip >> tag & 1)) {
            if (tag == TAG_ID && flen != LEAD_ID_LEN) {
                return LEAD_EINVAL;             /* as common_field has it */
            }

        } else if (tag < TAG_ASSET_ID || tag > TAG_ASSET_FLAGS) {
            /* v1's numeric asset fields are not version 2's: skipped */
            s.data = (const char *) p;
            s.len = (size_t) flen;
            if (common_field(tag, s, ev, hit) != LEAD_OK) {
                return LEAD_EINVAL;
            }
        }

        p = fend;
    }

    /* a cut varint in the head leaves p past the end */
    return p == end ? LEAD_OK : LEAD_EINVAL;
}

static void
decode_head(const uint8_t *buf, lead_event *ev)
{
    ev->ua_class = buf[1];
    ev->status = (uint16_t) (buf[2] | buf[3] << 8);
    ev->time_ms = lead_get_u64(buf + 4);
}

static int
decode(const uint8_t *buf, size_t len, lead_event *ev, hit_extras *hit)
{
    memset(ev, 0, sizeof(*ev));

    if (len < HEAD2_SIZE || (buf[0] != EVENT_VERSION && buf[0] != EVENT_V1)) {
        return LEAD_EINVAL;
    }

    decode_head(buf, ev);
    memcpy(ev->visitor, buf + 12, LEAD_ID_LEN);

    return buf[0] == EVENT_VERSION ? decode_v2(buf, len, ev, hit, 0)
                                   : decode_v1(buf, len, ev, hit);
}

int
lead_event_decode(const uint8_t *buf, size_t len, lead_event *ev)
{
    return decode(buf, len, ev, NULL);
}

int
lead_event_decode_scored(const uint8_t *buf, size_t len, lead_event *ev)
{
    static const lead_str  none;

    if (len < HEAD2_SIZE || buf[0] != EVENT_VERSION) {
        return decode(buf, len, ev, NULL);      /* version 1: whole */
    }

    /* what decode_v2 sets only when the field is there; not the rest */
    ev->rating = 0;
    ev->nranges = 0;
    ev->path = none;
    ev->asset_id = 0;
    ev->points = 0;
    ev->asset_flags = 0;
    ev->stage = none;
    ev->topic = none;
    ev->group = none;
    ev->country = none;

    decode_head(buf, ev);
    return decode_v2(buf, len, ev, NULL, UNSCORED);
}

int
lead_event_maybe_feedback(const uint8_t *buf, size_t len)
{
    const uint8_t  *p, *end = buf + len;
    uint64_t        flen;

    /* version 1, or a record cut short: decoding it decides */
    if (len < HEAD2_SIZE + 2 || buf[0] != EVENT_VERSION) {
        return 1;
    }
    p = buf + HEAD2_SIZE;
    (void) lead_get_varint(&p, end);
    (void) lead_get_varint(&p, end);
    while (p < end) {
        if (*p++ == TAG_RATING) {
            return 1;
        }
        flen = lead_get_varint(&p, end);
        if (p > end || flen > (uint64_t) (end - p)) {
            return 1;
        }
        p += flen;
    }
    return 0;
}

int
lead_hit_encode(uint8_t *buf, const lead_event *ev, const char *target,
    size_t len, const void *client, size_t client_len)
{
    size_t  n;

    if (len > LEAD_TARGET_MAX || client_len > 28 || ev->path.len
        || ev->asset_id || ev->country.len || ev->region.len || ev->city.len
        || !request_fields_fit(ev))
    {
        return LEAD_EINVAL;
    }

    /* a target that does not normalise is a hit too: the thread drops it */
    n = put_head(buf, ev);
    n += put_request_fields(buf + n, ev);
    n += put_field(buf + n, TAG_TARGET, target, len);
    n += put_field(buf + n, TAG_CLIENT, client, client_len);

    return (int) n;
}

int
lead_hit_decode(const uint8_t *buf, size_t len, lead_event *ev,
    lead_str *target, lead_str *client)
{
    hit_extras  hit;
    int         rc;

    memset(&hit, 0, sizeof(hit));
    rc = decode(buf, len, ev, &hit);
    *target = hit.target;
    *client = hit.client;
    return rc;
}

/* ---- batches ----------------------------------------------------------- */

/* Records are stored back to back: u16 length, then the encoded event. */
#define BATCH_MIN  (64 * 1024)

struct lead_batch {
    uint8_t  *buf;
    size_t    used;
    size_t    cap;
    size_t    max;
    size_t    count;
};

lead_batch *
lead_batch_new(size_t max_bytes)
{
    lead_batch  *b;

    /* room for one record of either kind, whatever the size asked */
    if (max_bytes < LEAD_HIT_MAX_SIZE + 2) {
        max_bytes = LEAD_HIT_MAX_SIZE + 2;
    }

    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return NULL;
    }

    b->max = max_bytes;
    return b;
}

void
lead_batch_free(lead_batch *b)
{
    if (b != NULL) {
        free(b->buf);
        free(b);
    }
}

uint8_t *
lead_batch_reserve(lead_batch *b, size_t max, int *rc)
{
    size_t    cap;
    uint8_t  *p;

    if (b->max - b->used < max + 2) {
        *rc = LEAD_EBATCHFULL;
        return NULL;
    }

    if (b->cap - b->used < max + 2) {
        /* by a quarter: a worker holds what its bursts need, not twice */
        cap = b->cap ? b->cap + b->cap / 4 : BATCH_MIN;
        if (cap > b->max) {
            cap = b->max;
        }
        p = realloc(b->buf, cap);
        if (p == NULL) {
            *rc = LEAD_ENOMEM;
            return NULL;
        }
        b->buf = p;
        b->cap = cap;
    }

    *rc = LEAD_OK;
    return b->buf + b->used + 2;
}

void
lead_batch_took(lead_batch *b, size_t n)
{
    b->buf[b->used] = (uint8_t) n;
    b->buf[b->used + 1] = (uint8_t) (n >> 8);
    b->used += 2 + n;
    b->count++;
}

int
lead_batch_add(lead_batch *b, const lead_event *ev)
{
    int       rc, n;
    uint8_t  *p;

    p = lead_batch_reserve(b, LEAD_EVENT_MAX_SIZE, &rc);
    if (p == NULL) {
        return rc;
    }

    n = lead_event_encode(ev, p, LEAD_EVENT_MAX_SIZE);
    if (n < 0) {
        return n;
    }

    lead_batch_took(b, (size_t) n);
    return LEAD_OK;
}

size_t
lead_batch_count(const lead_batch *b)
{
    return b->count;
}

void
lead_batch_clear(lead_batch *b)
{
    uint8_t  *p;

    /* a burst is over: most of its room goes back, a half at a time */
    if (b->cap > BATCH_MIN && b->used < b->cap / 4) {
        p = realloc(b->buf, b->cap / 2);
        if (p != NULL) {
            b->buf = p;
            b->cap /= 2;
        }
    }
    b->used = 0;
    b->count = 0;
}

int
lead_batch_next(const lead_batch *b, size_t *pos, const uint8_t **rec,
    size_t *len)
{
    if (*pos >= b->used) {
        return 0;
    }

    *len = (size_t) (b->buf[*pos] | b->buf[*pos + 1] << 8);
    *rec = b->buf + *pos + 2;
    *pos += 2 + *len;

    return 1;
}
