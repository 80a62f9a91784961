/*
 * The funnel: how many leads are in each status, went on from it, and
 * how long they stayed, from every status change kept.
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

/* ---- the funnel -------------------------------------------------------- */

typedef struct {
    uint8_t    lead[LEAD_ID_LEN];
    int        status;
    uint64_t   since;
    unsigned   reached;                    /* bit per status ever held */
    uint64_t  *stays[LEAD_NSTATUSES];      /* durations, ms */
    size_t     nstays[LEAD_NSTATUSES], cap[LEAD_NSTATUSES];
    uint64_t   now;
    lead_funnel *out;
    int        oom;
} funnel_walk;

static void
add_stay(funnel_walk *f, int status, uint64_t ms)
{
    uint64_t  *grown;

    if (f->nstays[status] == f->cap[status]) {
        f->cap[status] = f->cap[status] ? f->cap[status] * 2 : 64;
        grown = realloc(f->stays[status], f->cap[status] * sizeof(uint64_t));
        if (grown == NULL) {
            f->oom = 1;
            return;
        }
        f->stays[status] = grown;
    }
    f->stays[status][f->nstays[status]++] = ms;
}

/* Closes the lead being walked: its last stay lasts until now. */
static void
end_lead(funnel_walk *f)
{
    int  st;

    if (f->reached == 0) {
        return;
    }
    add_stay(f, f->status, f->now > f->since ? f->now - f->since : 0);
    for (st = 0; st < LEAD_NSTATUSES; st++) {
        if (f->reached & 1u << st) {
            f->out->status[st].ever++;
            if (st + 1 < LEAD_STATUS_NURTURE && (f->reached & 1u << (st + 1)))
            {
                f->out->status[st].went_on++;
            }
        }
    }
    f->reached = 0;
}

static int
walk_transition(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    funnel_walk  *f = arg;

    /* transitions come grouped by lead, in time order */
    if (memcmp(lead_id, f->lead, LEAD_ID_LEN) != 0 || f->reached == 0) {
        end_lead(f);
        memcpy(f->lead, lead_id, LEAD_ID_LEN);
    } else {
        add_stay(f, f->status, t->time_ms > f->since ? t->time_ms - f->since
                                                     : 0);
    }

    f->status = t->to < LEAD_NSTATUSES ? t->to : 0;
    f->since = t->time_ms;
    f->reached |= 1u << f->status;
    return f->oom;
}

static int
u64_cmp(const void *x, const void *y)
{
    uint64_t  a = *(const uint64_t *) x, b = *(const uint64_t *) y;

    return (a > b) - (a < b);
}

int
lead_query_funnel(lead_store *s, const lead_list *all, uint64_t now_ms,
    lead_funnel *out)
{
    funnel_walk  *f;
    size_t        i;
    int           st, rc;

    memset(out, 0, sizeof(*out));

    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    f->out = out;
    f->now = now_ms;
    memset(f->lead, 0xff, LEAD_ID_LEN);

    rc = lead_store_each_transition(s, NULL, walk_transition, f);
    end_lead(f);
    if (f->oom || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    out->leads = all->n;
    for (i = 0; i < all->n; i++) {
        const lead_row  *row = &all->rows[i];

        out->status[row->status].now++;
        out->stage[row->stage_index >= 0 ? (unsigned) row->stage_index
                                         : LEAD_MAX_STAGES]++;
    }

    for (st = 0; st < LEAD_NSTATUSES; st++) {
        if (f->nstays[st]) {
            lead_sort(f->stays[st], f->nstays[st], sizeof(uint64_t), u64_cmp);
            out->status[st].median_ms = f->stays[st][f->nstays[st] / 2];
        }
        free(f->stays[st]);
    }
    free(f);
    return rc;
}
