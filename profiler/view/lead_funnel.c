/*
 * The funnel: how many leads are in each status, went on from it, and
 * how long they stayed, month by month why leads came back and what
 * became of the leads identified, from every status change kept; and how
 * long leads stay in each buying stage, from their reads.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

/* ---- the funnel -------------------------------------------------------- */

typedef struct {
    uint8_t             lead[LEAD_ID_LEN];
    int                 status;
    uint64_t            since;
    unsigned            reached;             /* bit per status ever held */
    int                 requalified;         /* went nurture -> mql */
    int                 cohort;              /* months before now's, or -1 */
    uint64_t           *stays[LEAD_NSTATUSES];     /* durations, ms */
    size_t              nstays[LEAD_NSTATUSES], cap[LEAD_NSTATUSES];
    uint64_t            now;
    int                 now_month;           /* year * 12 + month - 1, UTC */
    lead_reasons       *reasons[LEAD_FUNNEL_MONTHS];  /* by months ago */
    size_t              nmonths;             /* with a change, from now's */
    lead_funnel        *out;
    lead_funnel_rider  *also;
    int                 oom;
} funnel_walk;

/* The calendar month (UTC) of a time as year * 12 + month - 1; -1 if
   there is none (past what a struct tm holds), as gmtime_r tells it. */
static int
utc_month(uint64_t ms)
{
    uint64_t  y;
    unsigned  m, d;

    if (ms / 1000 > (uint64_t) INT64_MAX / 2) {
        return -1;
    }
    lead_civil_date(ms / 86400000, &y, &m, &d);
    if (y > 1900 + 1000000) {
        return -1;
    }
    return (int) (y * 12 + m - 1);
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
    if (f->cohort >= 0) {
        lead_funnel_cohort  *c = &f->out->cohorts[f->cohort];

        c->identified++;
        for (st = 0; st < LEAD_NSTATUSES; st++) {
            c->reached[st] += (f->reached >> st) & 1;
        }
        f->out->ncohorts = (size_t) f->cohort + 1 > f->out->ncohorts
                           ? (size_t) f->cohort + 1 : f->out->ncohorts;
    }
    f->reached = 0;
    f->requalified = 0;
    f->cohort = -1;
}

/* The months before now's a time is in, if it is one of those shown. */
static int
months_ago(const funnel_walk *f, uint64_t ms)
{
    int  month = utc_month(ms);

    if (ms > f->now || month < 0 || month > f->now_month
        || f->now_month - month >= LEAD_FUNNEL_MONTHS)
    {
        return -1;
    }
    return f->now_month - month;
}

static int
walk_transition(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    funnel_walk  *f = arg;

    if (f->also != NULL && f->also->transition != NULL
        && f->also->transition(f->also->arg, lead_id, t) != 0)
    {
        return 1;
    }
    if (t->time_ms > f->now) {
        return 0;           /* --now in the past: as things were then */
    }
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
    if (t->to == LEAD_STATUS_IDENTIFIED) {       /* once: from anonymous */
        f->cohort = months_ago(f, t->time_ms);
    }
    count_month(f, t);
    return f->oom;
}

/* ---- time in each buying stage ------------------------------------- */

typedef struct {
    const lead_scoring  *sc;
    lead_scorer         *scorer;
    lead_stage_walk      lead;        /* the lead being walked */
    uint64_t             now;
    uint64_t            *spent[LEAD_STAGE_NONE + 1];   /* per lead, ms */
    size_t               n[LEAD_STAGE_NONE + 1], cap[LEAD_STAGE_NONE + 1];
    size_t               walked;      /* leads that read */
    uint64_t            *now_in;      /* leads in each stage at now */
    lead_funnel_rider   *also;        /* another walk of the same reads */
    int                  oom;
} stage_walk;

/* A lead's walk carried on to now: its stage then and its samples. */
static int
add_walk(void *arg, const lead_stage_walk *lw)
{
    stage_walk  *w = arg;
    uint64_t     spent[LEAD_STAGE_NONE + 1], *grown;
    unsigned     in;
    size_t       i;
    int          stage;

    stage = lead_stage_walk_to(lw, w->now, spent, &in);
    w->now_in[stage >= 0 ? (size_t) stage : LEAD_STAGE_NONE]++;
    w->walked++;

    for (; in; in &= in - 1) {
        i = (size_t) __builtin_ctz(in);
        if (w->n[i] == w->cap[i]) {
            w->cap[i] = w->cap[i] ? 2 * w->cap[i] : 256;
            grown = realloc(w->spent[i], w->cap[i] * sizeof(uint64_t));
            if (grown == NULL) {
                w->oom = 1;
                return 1;
            }
            w->spent[i] = grown;
        }
        w->spent[i][w->n[i]++] = spent[i];
    }
    return 0;
}

/* A lead's reads for the stages, then for the walk that rides along. */
static int
walk_lead(void *arg, const lead_person *p, const MDB_val *events, size_t n)
{
    stage_walk  *w = arg;
    lead_event   ev;
    size_t       k;

    lead_stage_walk_reset(&w->lead);
    lead_scorer_reset(w->scorer, 0);
    for (k = 0; k < n; k++) {
        if (lead_event_decode(events[k].mv_data, events[k].mv_size, &ev)
            == LEAD_OK && lead_scorer_add(w->scorer, &ev) == LEAD_OK)
        {
            lead_stage_walk_read(&w->lead, w->sc, w->scorer, ev.time_ms);
        }
    }
    if (w->lead.reads == 0) {
        w->now_in[LEAD_STAGE_NONE]++;
    } else if (add_walk(w, &w->lead) != 0) {
        return 1;
    }
    return w->also != NULL && w->also->events != NULL
           ? w->also->events(w->also->arg, p, events, n) : 0;
}

/* The k-th smallest of v[lo..hi] (reordered): Hoare's selection. */
static uint64_t
nth(uint64_t *v, long lo, long hi, long k)
{
    uint64_t  pivot, x, y, z, t;
    long      i, j;

    while (lo < hi) {
        x = v[lo];
        y = v[lo + (hi - lo) / 2];
        z = v[hi];
        pivot = x < y ? (y < z ? y : x < z ? z : x)
                      : (x < z ? x : y < z ? z : y);
        i = lo;
        j = hi;
        while (i <= j) {
            while (v[i] < pivot) {
                i++;
            }
            while (v[j] > pivot) {
                j--;
            }
            if (i <= j) {
                t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        /* v[lo..j] <= pivot <= v[i..hi], and between them the pivot */
        if (k <= j) {
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            return v[k];
        }
    }
    return v[k];
}

void
lead_median_p90(uint64_t *v, size_t n, uint64_t *median, uint64_t *p90)
{
    long  k90 = (long) ((n * 9 + 9) / 10) - 1;     /* nearest rank */

    *median = *p90 = 0;
    if (n == 0) {
        return;
    }
    *p90 = nth(v, 0, (long) n - 1, k90);
    /* the median is at or below it, in the part left of it */
    *median = nth(v, 0, k90, (long) (n / 2));
}

/*
 * How long leads stay in each buying stage: from the walks the fold kept
 * when they can answer, else one walk of every lead's reads with the
 * walk that rides along.
 */
static int
stage_times(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_funnel *out, lead_funnel_rider *also)
{
    stage_walk  w;
    size_t      i, leads = 0;
    int         rc = LEAD_OK, kept = 0;

    memset(&w, 0, sizeof(w));
    w.sc = lead_rules_scoring(r);
    w.now = now_ms;
    w.now_in = out->stage;
    w.also = also;

    rc = lead_store_each_stage_walk(s, r, now_ms, add_walk, &w, &leads,
                                    &kept);
    if (rc == LEAD_OK && kept) {
        /* the leads that read nothing have no walk */
        out->stage[LEAD_STAGE_NONE] += leads > w.walked ? leads - w.walked
                                                        : 0;
        if (also != NULL) {
            also->walked = 0;
        }
    } else if (rc == LEAD_OK) {
        /* what a damaged walk left, forgotten */
        memset(out->stage, 0, sizeof(out->stage));
        memset(w.n, 0, sizeof(w.n));
        w.scorer = lead_scorer_new(w.sc);
        rc = w.scorer ? lead_store_each_lead_events(s, now_ms, NULL, 0,
                                                    walk_lead, &w)
                      : lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    for (i = 0; i <= LEAD_STAGE_NONE; i++) {
        lead_funnel_stage_time  *st = &out->stage_time[i];

        st->leads = w.n[i];
        lead_median_p90(w.spent[i], w.n[i], &st->median_ms, &st->p90_ms);
        free(w.spent[i]);
    }
    lead_scorer_free(w.scorer);
    if (w.oom || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    return rc;
}

int
lead_query_funnel(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_funnel *out)
{
    return lead_query_funnel_with(s, r, now_ms, out, NULL);
}

int
lead_query_funnel_with(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_funnel *out, lead_funnel_rider *also)
{
    funnel_walk  *f;
    size_t        counts[LEAD_NSTATUSES], leads = 0, i;
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
    f->cohort = -1;
    f->also = also;
    memset(f->lead, 0xff, LEAD_ID_LEN);
    if (also != NULL) {
        also->walked = 1;
    }

    rc = lead_store_each_transition(s, NULL, walk_transition, f);
    end_lead(f);

    out->nmonths = f->nmonths;
    for (i = 0; i < LEAD_FUNNEL_MONTHS; i++) {
        lead_funnel_month  *m = &out->months[i];
        int                 month = f->now_month - (int) i;

        m->year = month / 12;
        m->month = month % 12 + 1;
        out->cohorts[i].year = m->year;
        out->cohorts[i].month = m->month;
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

    if (rc == LEAD_OK) {
        rc = lead_store_count_statuses(s, counts, &leads);
    }
    out->leads = leads;
    for (st = 0; rc == LEAD_OK && st < LEAD_NSTATUSES; st++) {
        out->status[st].now = counts[st];
    }

    for (st = 0; st < LEAD_NSTATUSES; st++) {
        lead_median_p90(f->stays[st], f->nstays[st],
                        &out->status[st].median_ms, &out->status[st].p90_ms);
        free(f->stays[st]);
    }
    free(f);

    if (rc == LEAD_OK) {
        rc = stage_times(s, r, now_ms, out, also);
    }
    return rc;
}

void
lead_funnel_free(lead_funnel *f)
{
    lead_arena_free(f->arena);
    f->arena = NULL;
}
