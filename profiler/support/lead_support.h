/* The support layer: what every layer above uses and the API does not show. */

#ifndef LEAD_SUPPORT_H
#define LEAD_SUPPORT_H

#include <stdlib.h>
#include <string.h>

#include "lead.h"

#define LEAD_WHO_MAX     128      /* who moved a lead on */
#define LEAD_REASON_MAX  500      /* why sales sent it back */

/*
 * Little-endian u64s of the store's records, spelled out byte by byte:
 * the same bytes on every machine, and one load or store to a compiler.
 */
static inline void
lead_put_u64(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
    p[2] = (uint8_t) (v >> 16);
    p[3] = (uint8_t) (v >> 24);
    p[4] = (uint8_t) (v >> 32);
    p[5] = (uint8_t) (v >> 40);
    p[6] = (uint8_t) (v >> 48);
    p[7] = (uint8_t) (v >> 56);
}

static inline uint64_t
lead_get_u64(const uint8_t *p)
{
    return (uint64_t) p[0] | (uint64_t) p[1] << 8 | (uint64_t) p[2] << 16
           | (uint64_t) p[3] << 24 | (uint64_t) p[4] << 32
           | (uint64_t) p[5] << 40 | (uint64_t) p[6] << 48
           | (uint64_t) p[7] << 56;
}

/* A double as its bits, kept as lead_put_u64 keeps them. */
static inline void
lead_put_f64(uint8_t *p, double d)
{
    uint64_t  bits;

    memcpy(&bits, &d, 8);
    lead_put_u64(p, bits);
}

static inline double
lead_get_f64(const uint8_t *p)
{
    uint64_t  bits = lead_get_u64(p);
    double    d;

    memcpy(&d, &bits, 8);
    return d;
}

/* v as a varint at p: 1 to 10 bytes, its length returned. */
static inline size_t
lead_put_varint(uint8_t *p, uint64_t v)
{
    size_t  n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t) v;

    return n;
}

/*
 * A varint at *p before end (7 bits a byte, the low ones first), or 0
 * with *p past end if it is cut or long.
 */
static inline uint64_t
lead_get_varint(const uint8_t **p, const uint8_t *end)
{
    const uint8_t  *q = *p;
    uint64_t        v = 0;
    unsigned        shift;

    /* most are a length (one byte) or a size (up to three) */
    if (end - q >= 3) {
        if (q[0] < 0x80) {
            *p = q + 1;
            return q[0];
        }
        if (q[1] < 0x80) {
            *p = q + 2;
            return (uint64_t) (q[0] & 0x7f) | (uint64_t) q[1] << 7;
        }
        if (q[2] < 0x80) {
            *p = q + 3;
            return (uint64_t) (q[0] & 0x7f) | (uint64_t) (q[1] & 0x7f) << 7
                   | (uint64_t) q[2] << 14;
        }
    }

    for (shift = 0; q < end && shift < 64; shift += 7) {
        v |= (uint64_t) (*q & 0x7f) << shift;
        if (*q++ < 0x80) {
            *p = q;
            return v;
        }
    }

    *p = end + 1;
    return 0;
}

/* Appends v as lead_put_u64 writes it (little-endian). */
void lead_buf_put_u64(lead_buf *b, uint64_t v);

/* Appends v as a varint. */
void lead_buf_put_varint(lead_buf *b, uint64_t v);

/*
 * Room for a record of up to max bytes at the batch's end: where to write
 * it, or NULL and *rc says why; lead_batch_took then counts the n bytes
 * written there.
 */
uint8_t *lead_batch_reserve(lead_batch *b, size_t max, int *rc);
void lead_batch_took(lead_batch *b, size_t n);

/*
 * A hit's record: an event's head and the request's own fields, with the
 * target and client; at most LEAD_HIT_MAX_SIZE bytes.  Returns its length
 * or LEAD_EINVAL.  Decoding, target and client point into buf.
 */
int lead_hit_encode(uint8_t *buf, const lead_event *ev, const char *target,
    size_t len, const void *client, size_t client_len);
int lead_hit_decode(const uint8_t *buf, size_t len, lead_event *ev,
    lead_str *target, lead_str *client);

/* Walks a batch's records: returns 0 when there are no more. */
int lead_batch_next(const lead_batch *b, size_t *pos, const uint8_t **rec,
    size_t *len);

/* The value of a hex digit, or -1. */
int lead_hex_digit(int c);

/* Length of the valid UTF-8 sequence at s (1 to 4), 0 if invalid. */
size_t lead_utf8_len(const unsigned char *s, size_t len);
/* ... and its code point in *cp. */
size_t lead_utf8_char(const unsigned char *s, size_t len, uint32_t *cp);
/* 1 when s is valid UTF-8 with no C0 control or DEL. */
int lead_utf8_plain(const char *s, size_t len);

/* A control: C0, DEL, C1, U+2028/U+2029, bidi controls; never stored. */
int lead_char_control(uint32_t cp);
/* A character that shows nothing (spaces, zero-width, fillers). */
int lead_char_blank(uint32_t cp);


/* needle, already lower-case, in s, ignoring ASCII case */
int lead_str_contains(lead_str s, const char *needle);
/* Byte order, a string before any it begins. */
int lead_str_cmp(lead_str a, lead_str b);
/* Its first 8 bytes big-endian, zeros after its end: where two differ,
   they order as lead_str_cmp orders the strings. */
uint64_t lead_str_prefix(lead_str s);

/* Decodes in place: '+' is a space, %XX a byte, a bad escape stays. */
size_t lead_url_decode(char *s, size_t len);

/* qsort, for arrays that may be empty and NULL (qsort's may not be). */
static inline void
lead_sort(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
    if (n > 1) {
        qsort(base, n, size, cmp);
    }
}

/* Sorts n numbers in place (lead_radix.c); -1 without the memory. */
int lead_sort_u64(uint64_t *a, size_t n);

/* A monotonic clock in milliseconds, for budgets and timings. */
double lead_clock_ms(void);
/* The civil (proleptic Gregorian) date of a day since the epoch. */
void lead_civil_date(uint64_t days, uint64_t *y, unsigned *m, unsigned *d);

void lead_buf_put(lead_buf *b, const char *s, size_t len);

/* s escaped for HTML text and quoted attribute values */
void lead_buf_html(lead_buf *b, const char *s, size_t len);

/* The names a record has written or read, for lead_name_put and _get:
   zero n to start a record.  A name read points at where it was read
   into, which must outlive the record's reading. */
#define LEAD_NAME_REFS_MAX  0x80
typedef struct {
    const char  *name[LEAD_NAME_REFS_MAX];
    size_t       len[LEAD_NAME_REFS_MAX];
    unsigned     n;
} lead_name_refs;

/* A name: a byte 0x80 + its place if written before, else a length byte
   and its bytes. */
void lead_name_put(lead_buf *out, lead_name_refs *names, const char *name);
/* Reads one into out (size bytes, NUL-terminated); LEAD_EINVAL if cut,
   too long or a reference to no name read before. */
int lead_name_get(const uint8_t **p, const uint8_t *end,
    lead_name_refs *names, char *out, size_t size);

/* "45m", "3.5h", "12.0d" */
void lead_format_duration(uint64_t ms, char out[32]);

#endif /* LEAD_SUPPORT_H */
