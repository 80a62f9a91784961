/*
 * Rejection reasons grouped as people mean them: case and runs of white
 * space aside, most frequent first, the long tail folded into "other".
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

typedef struct {
    size_t      key, key_len;        /* offsets into the pool, then ... */
    size_t      spell, spell_len;
    uint64_t    at_ms;
    const char *key_p, *spell_p;     /* ... pointers once it stops growing */
} reason;

struct lead_reasons {
    lead_buf   pool;
    reason    *r;
    size_t     n, cap;
    int        oom;
};

/* Unicode's White_Space characters. */
static int
white(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85
           || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a)
           || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
           || cp == 0x3000;
}

/*
 * The lower case of a letter of the Latin (ASCII, Latin-1, Extended-A),
 * Greek and Cyrillic alphabets; every other character as it is.
 */
static uint32_t
fold(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
        || (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2)
        || (cp >= 0x410 && cp <= 0x42f))
    {
        return cp + 32;
    }
    if (cp == 0x130) {
        return 'i';                     /* dotted capital I */
    }
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14a && cp <= 0x177)) {
        return cp | 1;
    }
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) {
        return cp + (cp & 1);
    }
    if (cp >= 0x400 && cp <= 0x40f) {
        return cp + 80;
    }
    switch (cp) {
    case 0x178: return 0xff;
    case 0x386: return 0x3ac;
    case 0x388: case 0x389: case 0x38a: return cp + 37;
    case 0x38c: return 0x3cc;
    case 0x38e: case 0x38f: return cp + 63;
    case 0x3c2: return 0x3c3;           /* final sigma: the same letter */
    default: return cp;
    }
}

static void
put_utf8(lead_buf *b, uint32_t cp)
{
    char    u[4];
    size_t  n;

    if (cp < 0x80) {
        u[0] = (char) cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char) (0xc0 | cp >> 6);
        u[1] = (char) (0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char) (0xe0 | cp >> 12);
        u[1] = (char) (0x80 | (cp >> 6 & 0x3f));
        u[2] = (char) (0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char) (0xf0 | cp >> 18);
        u[1] = (char) (0x80 | (cp >> 12 & 0x3f));
        u[2] = (char) (0x80 | (cp >> 6 & 0x3f));
        u[3] = (char) (0x80 | (cp & 0x3f));
        n = 4;
    }
    lead_buf_put(b, u, n);
}

/*
 * Appends s with its white space trimmed and each run of it made one
 * space; folded, each letter in lower case too.  A byte that is not
 * UTF-8 is kept as it is.
 */
static void
normalize(lead_buf *b, const char *s, size_t len, int folded)
{
    const unsigned char  *p = (const unsigned char *) s;
    uint32_t              cp;
    size_t                i = 0, n;
    int                   space = 0, any = 0;

    while (i < len) {
        n = lead_utf8_char(p + i, len - i, &cp);
        if (n == 0) {
            n = 1;
            cp = 0xfffd;
        }
        if (cp != 0xfffd && white(cp)) {
            space = any;
            i += n;
            continue;
        }
        if (space) {
            lead_buf_put(b, " ", 1);
            space = 0;
        }
        if (cp == 0xfffd || !folded) {
            lead_buf_put(b, s + i, n);
        } else {
            put_utf8(b, fold(cp));
        }
        any = 1;
        i += n;
    }
}

size_t
lead_reason_key(const char *s, size_t len, char *out, size_t size)
{
    lead_buf  b;
    size_t    n;

    memset(&b, 0, sizeof(b));
    normalize(&b, s, len, 1);
    n = b.oom ? 0 : b.len;
    if (size) {
        n = n < size - 1 ? n : size - 1;
        if (n) {
            memcpy(out, b.data, n);
        }
        out[n] = '\0';
    }
    lead_buf_free(&b);
    return n;
}

lead_reasons *
lead_reasons_new(void)
{
    return calloc(1, sizeof(lead_reasons));
}

void
lead_reasons_free(lead_reasons *g)
{
    if (g) {
        lead_buf_free(&g->pool);
        free(g->r);
        free(g);
    }
}

int
lead_reasons_add(lead_reasons *g, const char *s, size_t len, uint64_t at_ms)
{
    reason  *grown, *r;

    if (g->oom) {
        return LEAD_ENOMEM;
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        grown = realloc(g->r, g->cap * sizeof(reason));
        if (grown == NULL) {
            g->oom = 1;
            return LEAD_ENOMEM;
        }
        g->r = grown;
    }

    r = &g->r[g->n];
    r->at_ms = at_ms;
    r->key = g->pool.len;
    normalize(&g->pool, s, len, 1);
    r->key_len = g->pool.len - r->key;
    r->spell = g->pool.len;
    normalize(&g->pool, s, len, 0);
    r->spell_len = g->pool.len - r->spell;
    if (g->pool.oom) {
        g->oom = 1;
        return LEAD_ENOMEM;
    }
    g->n++;
    return LEAD_OK;
}

size_t
lead_reasons_count(const lead_reasons *g)
{
    return g->n;
}

static int
str_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int  c = memcmp(a, b, alen < blen ? alen : blen);

    return c ? c : (alen > blen) - (alen < blen);
}

/* by group, then spelling, then time */
static int
by_key(const void *x, const void *y)
{
    const reason  *a = x, *b = y;
    int            c;

    c = str_cmp(a->key_p, a->key_len, b->key_p, b->key_len);
    if (c == 0) {
        c = str_cmp(a->spell_p, a->spell_len, b->spell_p, b->spell_len);
    }
    return c ? c : (a->at_ms > b->at_ms) - (a->at_ms < b->at_ms);
}

/* the same group; spelled: and spelled the same */
static int
same(const reason *a, const reason *b, int spelled)
{
    return str_cmp(a->key_p, a->key_len, b->key_p, b->key_len) == 0
           && (!spelled || str_cmp(a->spell_p, a->spell_len, b->spell_p,
                                   b->spell_len) == 0);
}

typedef struct {
    const reason  *spelling;       /* shown */
    uint64_t       count, first_ms;
} group;

/* most frequent first; on a tie, the one given first, then by spelling */
static int
by_count(const void *x, const void *y)
{
    const group  *a = x, *b = y;

    if (a->count != b->count) {
        return a->count < b->count ? 1 : -1;
    }
    if (a->first_ms != b->first_ms) {
        return a->first_ms > b->first_ms ? 1 : -1;
    }
    return by_key(a->spelling, b->spelling);
}

int
lead_reasons_top(lead_reasons *g, lead_arena *a, lead_reason_count *out,
    size_t max, size_t *n, uint64_t *other)
{
    group       *groups;
    const char  *pool;
    size_t       i, j, k, ngroups = 0, shown;
    uint64_t     best;

    *n = 0;
    *other = 0;
    if (g->oom) {
        return LEAD_ENOMEM;
    }
    if (g->n == 0 || max == 0) {
        *other = max == 0 ? g->n : 0;
        return LEAD_OK;
    }

    /* reasons all blank leave the pool empty, without bytes */
    pool = g->pool.data ? g->pool.data : "";
    for (i = 0; i < g->n; i++) {
        g->r[i].key_p = pool + g->r[i].key;
        g->r[i].spell_p = pool + g->r[i].spell;
    }
    lead_sort(g->r, g->n, sizeof(reason), by_key);

    groups = malloc(g->n * sizeof(group));
    if (groups == NULL) {
        return LEAD_ENOMEM;
    }

    /* runs of one key, in runs of one spelling, each in time order */
    for (i = 0; i < g->n; i = j) {
        group  *gr = &groups[ngroups++];

        gr->spelling = &g->r[i];
        gr->count = 0;
        gr->first_ms = g->r[i].at_ms;
        best = 0;
        for (j = i; j < g->n && same(&g->r[j], &g->r[i], 0); j = k) {
            for (k = j + 1; k < g->n && same(&g->r[k], &g->r[j], 1); k++) {
                /* void */
            }

            /* the spelling given most often; on a tie, the one first */
            if (k - j > best || (k - j == best
                                 && g->r[j].at_ms < gr->spelling->at_ms))
            {
                best = k - j;
                gr->spelling = &g->r[j];
            }
            gr->count += k - j;
            gr->first_ms = g->r[j].at_ms < gr->first_ms ? g->r[j].at_ms
                                                        : gr->first_ms;
        }
    }

    lead_sort(groups, ngroups, sizeof(group), by_count);

    /* past max rows, the last row is the others together */
    shown = ngroups <= max ? ngroups : max - 1;
    for (i = 0; i < ngroups; i++) {
        if (i < shown) {
            out[i].reason = lead_arena_str(a, groups[i].spelling->spell_p,
                                           groups[i].spelling->spell_len);
            out[i].count = groups[i].count;
        } else {
            *other += groups[i].count;
        }
    }
    *n = shown;
    free(groups);
    return lead_arena_oom(a) ? LEAD_ENOMEM : LEAD_OK;
}
