/* A set of visitors by id, each with a dense number, for the views' scans. */

#define _DEFAULT_SOURCE                  /* madvise's MADV_HUGEPAGE */

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lead.h"
#include "lead_view.h"

static size_t
id_hash(const uint8_t id[LEAD_ID_LEN], size_t mask)
{
    uint64_t  h, l;

    /* both halves, mixed (splitmix64's finaliser): ids made in a series
       must not cluster */
    memcpy(&h, id, sizeof(h));
    memcpy(&l, id + 8, sizeof(l));
    h ^= l * UINT64_C(0x9e3779b97f4a7c15);
    h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
    return (size_t) (h ^ (h >> 31)) & mask;
}

#define HUGE_PAGE  (2 << 20)

/*
 * cap slots (a power of two), aligned to a cache line; -1 without the
 * memory.  A
 * table of many megabytes is in huge pages where the system has them:
 * every probe lands on a page of its own, and with 4 KiB pages the
 * address's translation would miss as often as the slot.
 */
static int
grow_set(lead_visitor_set *s, size_t cap)
{
    lead_visitor_slot  *slots;
    size_t              i, j, size = cap * sizeof(lead_visitor_slot);

    if (posix_memalign((void **) &slots, size < HUGE_PAGE ? 64 : HUGE_PAGE,
                       size)
        != 0)
    {
        return -1;
    }
#ifdef MADV_HUGEPAGE
    if (size >= HUGE_PAGE) {
        (void) madvise(slots, size, MADV_HUGEPAGE);   /* a hint only */
    }
#endif
    memset(slots, 0, size);
    for (i = 0; i < s->cap; i++) {
        if (s->slots[i].num) {
            j = id_hash(s->slots[i].id, cap - 1);
            while (slots[j].num) {
                j = (j + 1) & (cap - 1);
            }
            slots[j] = s->slots[i];
        }
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

lead_visitor_slot *
lead_visitor_set_add(lead_visitor_set *s, const uint8_t id[LEAD_ID_LEN])
{
    lead_visitor_slot  *v;
    size_t              i;

    if (2 * (s->n + 1) > s->cap
        && grow_set(s, s->cap ? 2 * s->cap : 1 << 16) != 0)
    {
        return NULL;
    }
    for (i = id_hash(id, s->cap - 1); s->slots[i].num;
         i = (i + 1) & (s->cap - 1))
    {
        if (memcmp(s->slots[i].id, id, LEAD_ID_LEN) == 0) {
            return &s->slots[i];
        }
    }
    v = &s->slots[i];
    memcpy(v->id, id, LEAD_ID_LEN);
    v->num = (uint32_t) ++s->n;
    v->lead = UINT32_MAX;
    v->link = UINT32_MAX;
    v->flags = 0;
    v->row = UINT32_MAX;
    v->time_ms = 0;
    return v;
}

int
lead_visitor_set_reserve(lead_visitor_set *s, size_t n)
{
    size_t  cap = s->cap ? s->cap : 1 << 16;

    while (cap < 2 * n) {
        cap *= 2;
    }
    return cap > s->cap ? grow_set(s, cap) : 0;
}

void
lead_visitor_set_prefetch(const lead_visitor_set *s,
    const uint8_t id[LEAD_ID_LEN])
{
    const lead_visitor_slot  *v;

    if (s->cap) {
        /* both ends: a slot may straddle two cache lines */
        v = &s->slots[id_hash(id, s->cap - 1)];
        __builtin_prefetch(v);
        __builtin_prefetch((const char *) (v + 1) - 1);
    }
}

void
lead_visitor_set_free(lead_visitor_set *s)
{
    free(s->slots);
    memset(s, 0, sizeof(*s));
}
