/*
 * The funnel: how many leads are in each status, went on from it, and
 * how long they stayed, and month by month why leads came back, from
 * every status change kept.
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
    uint8_t        lead[LEAD_ID_LEN];
    int            status;
    uint64_t       since;
    unsigned       reached;                /* bit per status ever held */
    int            requalified;            /* went nurture -> mql */
    uint64_t      *stays[LEAD_NSTATUSES];  /* durations, ms */
    size_t         nstays[LEAD_NSTATUSES], cap[LEAD_NSTATUSES];
    uint64_t       now;
    int            now_month;              /* year * 12 + month - 1, UTC */
    lead_reasons  *reasons[LEAD_FUNNEL_MONTHS];   /* by months before now */
    size_t         nmonths;                /* with a change, from now's */
    lead_funnel   *out;
    int            oom;
} funnel_walk;

/* The calendar month (UTC) of a time as year * 12 + month - 1; -1 if
   there is none (past what a struct tm holds). */
static int
utc_month(uint64_t ms)
{
    struct tm  tm;
    time_t     t;

    if (ms / 1000 > (uint64_t) INT64_MAX / 2) {
        return -1;
    }
    t = (time_t) (ms / 1000);
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year > 1000000) {
        return -1;
    }
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* A status change in its month's counts, if it is of the months shown. */
static void
count_month(funnel_walk *f, const lead_transition *t)
{
    lead_funnel_month  *m;
    size_t              ago;
    int                 month;

    if (t->time_ms > f->now || (t->to != LEAD_STATUS_MQL
                                && t->to != LEAD_STATUS_NURTURE))
    {
        return;
    }
    month = utc_month(t->time_ms);
    if (month < 0 || month > f->now_month
        || f->now_month - month >= LEAD_FUNNEL_MONTHS)
    {
        return;
    }
    ago = (size_t) (f->now_month - month);
    m = &f->out->months[ago];
    f->nmonths = ago + 1 > f->nmonths ? ago + 1 : f->nmonths;

    if (t->to == LEAD_STATUS_MQL) {
        if (t->from == LEAD_STATUS_NURTURE) {
            m->requalified++;
        } else {
            m->mql++;
        }
        return;
    }

    if (t->cause.len == sizeof(LEAD_RETURN_CAUSE) - 1
        && memcmp(t->cause.data, LEAD_RETURN_CAUSE, t->cause.len) == 0)
    {
        m->returned++;
        return;
    }

    m->rejected++;
    if (f->reasons[ago] == NULL) {
        f->reasons[ago] = lead_reasons_new();
    }
    if (f->reasons[ago] == NULL
        || lead_reasons_add(f->reasons[ago], t->reason.data, t->reason.len,
                            t->time_ms) != LEAD_OK)
    {
        f->oom = 1;
    }
}

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
    /* a lead rejected and qualified again is in the pipeline, not lost */
    if (f->requalified) {
        f->out->status[LEAD_STATUS_NURTURE].went_on++;
    }
    f->reached = 0;
    f->requalified = 0;
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
    f->requalified |= t->from == LEAD_STATUS_NURTURE
                      && t->to == LEAD_STATUS_MQL;
    count_month(f, t);
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
    out->arena = lead_arena_new();
    if (f == NULL || out->arena == NULL) {
        free(f);
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    f->out = out;
    f->now = now_ms;
    f->now_month = utc_month(now_ms);
    memset(f->lead, 0xff, LEAD_ID_LEN);

    rc = lead_store_each_transition(s, NULL, walk_transition, f);
    end_lead(f);

    out->nmonths = f->nmonths;
    for (i = 0; i < LEAD_FUNNEL_MONTHS; i++) {
        lead_funnel_month  *m = &out->months[i];
        int                 month = f->now_month - (int) i;

        m->year = month / 12;
        m->month = month % 12 + 1;
        if (f->reasons[i] != NULL
            && lead_reasons_top(f->reasons[i], out->arena, m->reasons,
                                LEAD_FUNNEL_REASONS, &m->nreasons,
                                &m->other) != LEAD_OK)
        {
            f->oom = 1;
        }
        lead_reasons_free(f->reasons[i]);
    }

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

void
lead_funnel_free(lead_funnel *f)
{
    lead_arena_free(f->arena);
    f->arena = NULL;
}
