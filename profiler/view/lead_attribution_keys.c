/*
 * Attribution's rows and which of them a read is: the catalogue's assets,
 * or the campaigns and channels made on first sight.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

#define NO_KEY    UINT32_MAX

static uint64_t
hash_str(const char *p, size_t len)
{
    uint64_t  h = UINT64_C(1469598103934665603);

    while (len--) {
        h = (h ^ (uint8_t) *p++) * UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t
hash_id(uint64_t id)
{
    uint64_t  h = id * UINT64_C(0x9e3779b97f4a7c15);

    return h ^ (h >> 32);
}

/* A row's slot: by asset its asset's id, else its name. */
static uint64_t
row_hash(const lead_attr_keys *k, const lead_attribution_row *row)
{
    return k->a->by == LEAD_BY_ASSET ? hash_id(row->asset_id)
                                     : hash_str(row->name.data,
                                                row->name.len);
}

static uint32_t
new_row(lead_attr_keys *k, lead_str name, uint64_t asset_id)
{
    lead_attribution_row  *grown, *row;

    if (k->a->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        grown = realloc(k->a->rows, k->cap * sizeof(*grown));
        if (grown == NULL) {
            k->oom = 1;
            return NO_KEY;
        }
        k->a->rows = grown;
    }
    row = &k->a->rows[k->a->n];
    memset(row, 0, sizeof(*row));
    row->name = lead_arena_copy(k->a->arena, name);
    row->asset_id = asset_id;
    row->cost = -1;
    return (uint32_t) k->a->n++;
}

/* The slots of the rows made, twice as many as rows at least. */
static int
grow_slots(lead_attr_keys *k, size_t rows)
{
    uint32_t  *slots;
    size_t     i, j, n = k->nslots ? k->nslots * 2 : 256;

    while (n < 2 * rows) {
        n *= 2;
    }
    slots = calloc(n, sizeof(uint32_t));
    if (slots == NULL) {
        return -1;
    }
    for (i = 0; i < k->a->n; i++) {
        j = row_hash(k, &k->a->rows[i]) & (n - 1);
        while (slots[j]) {
            j = (j + 1) & (n - 1);
        }
        slots[j] = (uint32_t) i + 1;
    }
    free(k->slots);
    k->slots = slots;
    k->nslots = n;
    return 0;
}

int
lead_attr_keys_catalogue(lead_attr_keys *k, lead_store *s)
{
    size_t  i;
    int     rc;

    if (k->a->by == LEAD_BY_ASSET) {
        rc = lead_query_assets(s, 0, &k->cat);
        if (rc != LEAD_OK) {
            return rc;
        }
        for (i = 0; i < k->cat.n; i++) {
            lead_str  t = { k->cat.rows[i].a.title,
                            strlen(k->cat.rows[i].a.title) };

            if (new_row(k, t, k->cat.rows[i].a.id) == NO_KEY) {
                return LEAD_ENOMEM;
            }
        }
    }
    return grow_slots(k, k->a->n + 1) == 0 ? LEAD_OK : LEAD_ENOMEM;
}

uint32_t
lead_attr_key(lead_attr_keys *k, const char *name, size_t len)
{
    lead_attribution_row  *row;
    lead_str               s = { name, len };
    size_t                 j;
    uint32_t               i;

    if (2 * (k->a->n + 1) > k->nslots && grow_slots(k, k->a->n + 1) != 0) {
        k->oom = 1;
        return NO_KEY;
    }
    j = hash_str(name, len) & (k->nslots - 1);
    while (k->slots[j]) {
        row = &k->a->rows[k->slots[j] - 1];
        if (row->name.len == len && memcmp(row->name.data, name, len) == 0) {
            return k->slots[j] - 1;
        }
        j = (j + 1) & (k->nslots - 1);
    }
    i = new_row(k, s, 0);
    if (i != NO_KEY) {
        k->slots[j] = i + 1;
    }
    return i;
}

/* By asset, the catalogue's row of an asset id: one probe, most reads. */
static uint32_t
asset_row(const lead_attr_keys *k, uint64_t id)
{
    size_t  j;

    for (j = hash_id(id) & (k->nslots - 1); id && k->slots[j];
         j = (j + 1) & (k->nslots - 1))
    {
        if (k->a->rows[k->slots[j] - 1].asset_id == id) {
            return k->slots[j] - 1;
        }
    }
    return NO_KEY;
}

/* The row of reads from nowhere: most reads, a visit's further pages. */
static uint32_t
plain_key(lead_attr_keys *k, const char *name, size_t len)
{
    if (k->plain == NO_KEY) {
        k->plain = lead_attr_key(k, name, len);
    }
    return k->plain;
}

/*
 * A read's key, and whether it is a touch: by asset, a tagged read; by
 * campaign, a read with utm_campaign; by channel, one from somewhere
 * (utm_source/medium, else the referrer's host).  A lead's first read is
 * a touch whatever it is ("(none)", "direct"): its source.
 */
uint32_t
lead_attr_read_key(lead_attr_keys *k, const lead_event *ev, int *touch)
{
    char     buf[2 * LEAD_UTM_MAX + 2];
    size_t   n;

    switch (k->a->by) {
    case LEAD_BY_ASSET:
        *touch = 1;
        return asset_row(k, ev->asset_id);

    case LEAD_BY_CAMPAIGN:
        *touch = ev->utm_campaign.len > 0;
        return *touch ? lead_attr_key(k, ev->utm_campaign.data,
                                      ev->utm_campaign.len)
                      : plain_key(k, "(none)", 6);

    default:
        if (ev->utm_source.len || ev->utm_medium.len) {
            /* as lead_touch names it: "source/medium", or either */
            memcpy(buf, ev->utm_source.data, ev->utm_source.len);
            n = ev->utm_source.len;
            if (ev->utm_medium.len) {
                if (n) {
                    buf[n++] = '/';
                }
                memcpy(buf + n, ev->utm_medium.data, ev->utm_medium.len);
                n += ev->utm_medium.len;
            }
            *touch = 1;
            return lead_attr_key(k, buf, n);
        }
        *touch = ev->referrer_host.len > 0;
        return *touch ? lead_attr_key(k, ev->referrer_host.data,
                                      ev->referrer_host.len)
                      : plain_key(k, "direct", 6);
    }
}

void
lead_attr_keys_free(lead_attr_keys *k)
{
    free(k->slots);
    lead_asset_list_free(&k->cat);
}
