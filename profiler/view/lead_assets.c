/*
 * The content marketers tag, with who read it: readers, identified
 * readers, and the reads that came before an identification or an MQL.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

/* ---- assets ------------------------------------------------------------ */

typedef struct {
    lead_asset_list  *l;
    size_t            cap;
    /* people's reads of tagged assets, for the readers */
    struct asset_read {
        uint64_t        asset;
        uint8_t         visitor[LEAD_ID_LEN];
        uint64_t        time_ms;
    }                *reads;
    size_t            nreads, rcap;
    int               oom;
} asset_build;

static int
keep_asset(void *arg, const lead_asset *a)
{
    asset_build       *b = arg;
    lead_asset_stats  *grown, *row;
    lead_arena        *ar = b->l->arena;

    if (b->l->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        grown = realloc(b->l->rows, b->cap * sizeof(lead_asset_stats));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        b->l->rows = grown;
    }

    row = &b->l->rows[b->l->n++];
    memset(row, 0, sizeof(*row));
    row->a = *a;
    row->a.path = lead_arena_str(ar, a->path, strlen(a->path)).data;
    row->a.title = lead_arena_str(ar, a->title, strlen(a->title)).data;
    row->a.stage = lead_arena_str(ar, a->stage, strlen(a->stage)).data;
    row->a.topic = lead_arena_str(ar, a->topic, strlen(a->topic)).data;
    row->a.group = lead_arena_str(ar, a->group, strlen(a->group)).data;
    return lead_arena_oom(ar);
}

static lead_asset_stats *
find_asset(const lead_asset_list *l, uint64_t id)
{
    size_t  lo = 0, hi = l->n, mid;

    /* the catalogue is in id order (the store's key order) */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (l->rows[mid].a.id == id) {
            return &l->rows[mid];
        }
        if (l->rows[mid].a.id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const char *
lead_asset_title(const lead_asset_list *l, uint64_t id)
{
    lead_asset_stats  *row = find_asset(l, id);

    return row ? row->a.title : "(unknown asset)";
}

static int
count_read(void *arg, uint64_t seq, const lead_event *ev)
{
    asset_build        *b = arg;
    lead_asset_stats   *row = ev->asset_id ? find_asset(b->l, ev->asset_id)
                                           : NULL;
    struct asset_read  *grown;
    int                 bot = ev->ua_class == LEAD_UA_BOT;

    (void) seq;

    if (lead_event_is_feedback(ev)) {
        return 0;               /* no read: its stats are feedback's own */
    }
    if (row) {
        *(bot ? &row->bots : &row->people) += 1;
    } else {
        *(bot ? &b->l->untagged_bots : &b->l->untagged_people) += 1;
    }
    if (row == NULL || bot) {
        return 0;
    }

    if (b->nreads == b->rcap) {
        b->rcap = b->rcap ? b->rcap * 2 : 4096;
        grown = realloc(b->reads, b->rcap * sizeof(*b->reads));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        b->reads = grown;
    }
    b->reads[b->nreads].asset = ev->asset_id;
    memcpy(b->reads[b->nreads].visitor, ev->visitor, LEAD_ID_LEN);
    b->reads[b->nreads].time_ms = ev->time_ms;
    b->nreads++;
    return 0;
}

/* which content generates leads: each visitor's first link, and mql */
typedef struct {
    uint8_t   visitor[LEAD_ID_LEN];
    uint8_t   lead[LEAD_ID_LEN];
    uint64_t  since;              /* linked to the lead */
    uint64_t  mql;                /* the lead became mql, or 0 */
    uint64_t  back;               /* the asset read back from the form */
} device_row;

typedef struct {
    device_row  *rows;
    size_t       n, cap;
    uint32_t    *firsts;          /* a visitor's first row + 1, by hash */
    size_t       mask;
    int          oom;
} device_map;

static int
add_link(void *arg, const uint8_t *lead_id, const uint8_t *visitor,
    uint64_t since)
{
    device_map  *d = arg;
    device_row  *grown;

    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        grown = realloc(d->rows, d->cap * sizeof(device_row));
        if (grown == NULL) {
            d->oom = 1;
            return 1;
        }
        d->rows = grown;
    }
    memcpy(d->rows[d->n].visitor, visitor, LEAD_ID_LEN);
    memcpy(d->rows[d->n].lead, lead_id, LEAD_ID_LEN);
    d->rows[d->n].since = since;
    d->rows[d->n].mql = 0;
    d->rows[d->n].back = 0;
    d->n++;
    return 0;
}

static int
lead_cmp(const void *x, const void *y)
{
    const device_row  *a = x, *b = y;
    int                c = memcmp(a->lead, b->lead, LEAD_ID_LEN);

    return c ? c : (a->since > b->since) - (a->since < b->since);
}

static int
note_mql(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    device_map  *d = arg;
    size_t       lo = 0, hi = d->n, mid;

    if (t->to != LEAD_STATUS_MQL) {
        return 0;
    }

    /* the first time each lead became mql, on all its devices */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (memcmp(d->rows[mid].lead, lead_id, LEAD_ID_LEN) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; lo < d->n && memcmp(d->rows[lo].lead, lead_id, LEAD_ID_LEN) == 0;
         lo++)
    {
        if (d->rows[lo].mql == 0) {
            d->rows[lo].mql = t->time_ms;
        }
    }
    return 0;
}

static int
device_cmp(const void *x, const void *y)
{
    const device_row  *a = x, *b = y;
    int                c = memcmp(a->visitor, b->visitor, LEAD_ID_LEN);

    c = c ? c : (a->since > b->since) - (a->since < b->since);
    /* links at one time: the lowest lead id, as the kept rows take it */
    return c ? c : memcmp(a->lead, b->lead, LEAD_ID_LEN);
}

/*
 * Whether read i is its visitor's first of its asset: seen holds read
 * numbers + 1 by (asset, visitor), open addressing, mask + 1 slots.
 */
static int
first_read(const asset_build *b, uint32_t *seen, size_t mask, size_t i)
{
    const struct asset_read  *r = &b->reads[i], *o;
    uint64_t                  h;
    size_t                    j;

    memcpy(&h, r->visitor, sizeof(h));
    h = (h ^ r->asset * UINT64_C(0x9e3779b97f4a7c15))
        * UINT64_C(0xff51afd7ed558ccd);
    for (j = (size_t) (h >> 32) & mask; seen[j]; j = (j + 1) & mask) {
        o = &b->reads[seen[j] - 1];
        if (o->asset == r->asset
            && memcmp(o->visitor, r->visitor, LEAD_ID_LEN) == 0)
        {
            return 0;
        }
    }
    seen[j] = (uint32_t) i + 1;
    return 1;
}

static size_t
visitor_slot(const device_map *d, const uint8_t visitor[LEAD_ID_LEN])
{
    uint64_t  h;

    memcpy(&h, visitor, sizeof(h));
    return (size_t) ((h * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & d->mask;
}

/* Each visitor's first link (the rows by visitor, then since), hashed. */
static int
index_firsts(device_map *d)
{
    size_t  i, j;

    if (d->n >= UINT32_MAX / 2) {
        return -1;
    }
    for (d->mask = 1; d->mask < 2 * d->n; d->mask <<= 1) {
        /* void */
    }
    d->firsts = calloc(d->mask, sizeof(uint32_t));
    if (d->firsts == NULL) {
        return -1;
    }
    d->mask--;
    for (i = 0; i < d->n; i++) {
        if (i > 0 && memcmp(d->rows[i].visitor, d->rows[i - 1].visitor,
                            LEAD_ID_LEN) == 0)
        {
            continue;
        }
        for (j = visitor_slot(d, d->rows[i].visitor); d->firsts[j];
             j = (j + 1) & d->mask)
        {
            /* void */
        }
        d->firsts[j] = (uint32_t) i + 1;
    }
    return 0;
}

/* What a visitor's reads count for, from its first link (NULL: none). */
static lead_reader_link
link_of(const device_row *dev)
{
    lead_reader_link  l = { 0, 0, 0, 0 };

    if (dev) {
        l.linked = 1;
        l.since = dev->since;
        l.mql = dev->mql;
        l.back = dev->back;
    }
    return l;
}

/* A visitor's first link, or NULL. */
static device_row *
first_link(const device_map *d, const uint8_t visitor[LEAD_ID_LEN])
{
    device_row  *dev;
    size_t       j;

    for (j = visitor_slot(d, visitor); d->firsts[j]; j = (j + 1) & d->mask) {
        dev = &d->rows[d->firsts[j] - 1];
        if (memcmp(dev->visitor, visitor, LEAD_ID_LEN) == 0) {
            return dev;
        }
    }
    return NULL;
}

/*
 * The asset whose gate sent each identifying browser to the form: the
 * 303 to the form is no event, but the form sends the browser back to
 * it (return=), so it is that browser's first tagged read within
 * LEAD_FORM_BACK_MS of its identification.  The reads are in time order.
 */
static void
note_back(device_map *d, const asset_build *b)
{
    device_row        *dev;
    lead_reader_link   l;
    size_t             i;

    for (i = 0; i < b->nreads; i++) {
        dev = first_link(d, b->reads[i].visitor);
        l = link_of(dev);
        if (lead_reader_back(&l, b->reads[i].time_ms)) {
            dev->back = b->reads[i].asset;
        }
    }
}

/* Readers per asset, and how many went on to identify or become mql. */
static int
count_readers(lead_store *s, asset_build *b)
{
    device_map   d;
    uint32_t    *seen;
    size_t       i, mask;
    int          rc;

    memset(&d, 0, sizeof(d));

    /* the devices table whole, not a cursor per lead */
    rc = lead_store_each_link(s, add_link, &d);
    if (rc == LEAD_OK && !d.oom) {
        lead_sort(d.rows, d.n, sizeof(device_row), lead_cmp);
        rc = lead_store_each_transition(s, NULL, note_mql, &d);
    }
    if (rc != LEAD_OK || d.oom) {
        free(d.rows);
        return rc != LEAD_OK ? rc : LEAD_ENOMEM;
    }
    /* a visitor's first link comes first */
    lead_sort(d.rows, d.n, sizeof(device_row), device_cmp);
    if (index_firsts(&d) != 0) {
        free(d.firsts);
        free(d.rows);
        return LEAD_ENOMEM;
    }
    note_back(&d, b);

    /* one reader once: its first read of the asset, the reads being in
       time order; a set of the pairs seen, not a sort of every read */
    if (b->nreads >= UINT32_MAX / 2) {
        free(d.firsts);
        free(d.rows);
        return LEAD_ENOMEM;
    }
    for (mask = 1; mask < 2 * b->nreads; mask <<= 1) {
        /* void */
    }
    seen = calloc(mask, sizeof(uint32_t));
    if (seen == NULL) {
        free(d.firsts);
        free(d.rows);
        return LEAD_ENOMEM;
    }
    mask--;

    for (i = 0; i < b->nreads; i++) {
        const struct asset_read  *r = &b->reads[i];
        lead_asset_stats         *row;
        lead_reader_link          l;
        unsigned                  f;

        if (!first_read(b, seen, mask, i)) {
            continue;
        }

        row = find_asset(b->l, r->asset);
        l = link_of(first_link(&d, r->visitor));
        f = lead_reader_flags(r->time_ms, r->asset, &l);
        row->readers++;
        row->identified_readers += (f & LEAD_READ_IDENTIFIED) != 0;
        row->before_identified += (f & LEAD_READ_BEFORE_ID) != 0;
        row->before_mql += (f & LEAD_READ_BEFORE_MQL) != 0;
    }

    free(seen);
    free(d.firsts);
    free(d.rows);
    return LEAD_OK;
}

/* The counts kept per asset (lead_readers.c), LEAD_ENOTFOUND if none;
   what no row of the catalogue has is untagged. */
static int
kept_readers(lead_store *s, lead_asset_list *l)
{
    lead_reader_counts  *c;
    lead_asset_stats    *row;
    size_t               n, i;
    int                  rc;

    rc = lead_store_reader_counts(s, &c, &n);
    if (rc != LEAD_OK) {
        return rc;
    }
    for (i = 0; i < n; i++) {
        row = c[i].asset ? find_asset(l, c[i].asset) : NULL;
        if (row == NULL) {
            l->untagged_people += c[i].n[LEAD_READER_PEOPLE];
            l->untagged_bots += c[i].n[LEAD_READER_BOTS];
            continue;
        }
        row->people = c[i].n[LEAD_READER_PEOPLE];
        row->bots = c[i].n[LEAD_READER_BOTS];
        row->readers = c[i].n[LEAD_READER_READERS];
        row->identified_readers = c[i].n[LEAD_READER_ID];
        row->before_identified = c[i].n[LEAD_READER_BEFORE_ID];
        row->before_mql = c[i].n[LEAD_READER_BEFORE_MQL];
    }
    free(c);
    return LEAD_OK;
}

/* The order people read a list in: most read by people first, then by
   path, so that equal counts always come in the same order. */
static int
reads_cmp(const void *x, const void *y)
{
    const lead_asset_stats  *a = x, *b = y;

    if (a->people != b->people) {
        return a->people > b->people ? -1 : 1;
    }
    return strcmp(a->a.path, b->a.path);
}

static int
list_assets(lead_store *s, int counts, lead_asset_list *out)
{
    asset_build  b;
    int          rc;

    memset(out, 0, sizeof(*out));
    memset(&b, 0, sizeof(b));
    b.l = out;

    out->arena = lead_arena_new();
    if (out->arena == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_each_asset(s, keep_asset, &b);
    if (rc == LEAD_OK && counts && !b.oom) {
        rc = kept_readers(s, out);
        counts = rc == LEAD_ENOTFOUND;
        rc = counts ? LEAD_OK : rc;
    }
    /* the long way: every event read */
    if (rc == LEAD_OK && counts && !b.oom) {
        rc = lead_store_each_event(s, count_read, &b);
    }
    if (rc == LEAD_OK && counts && !b.oom) {
        rc = count_readers(s, &b);
    }
    free(b.reads);

    /* the callbacks stop only when memory runs out */
    if (b.oom || rc == LEAD_ENOMEM || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_asset_list_free(out);
    }
    return rc;
}

void
lead_asset_list_by_reads(lead_asset_list *l)
{
    lead_sort(l->rows, l->n, sizeof(*l->rows), reads_cmp);
}

void
lead_asset_list_free(lead_asset_list *l)
{
    free(l->rows);
    lead_arena_free(l->arena);
    memset(l, 0, sizeof(*l));
}

/* One snapshot: the catalogue and its readers agree. */
int
lead_query_assets(lead_store *s, int counts, lead_asset_list *out)
{
    int  rc;

    rc = lead_store_snapshot(s);
    if (rc == LEAD_OK) {
        rc = list_assets(s, counts, out);
        lead_store_snapshot_end(s);
    }
    return rc;
}
