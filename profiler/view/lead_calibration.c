/*
 * Does the score predict: what became of the leads of each matrix cell,
 * band and grade, each judged by the score it had when it became mql.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

#define GROUPS   (1 + 4 + 4 + 16)       /* all, bands, grades, cells */

enum { M_READS_SAL, M_READS_WON, M_MS_SAL, M_MS_WON, M_N };

/* a lead that became mql, from its status changes up to now */
typedef struct {
    uint8_t     id[LEAD_ID_LEN];
    uint64_t    identified_ms, mql_ms, sal_ms, won_ms;
    unsigned    left_mql:1, lost:1;
} cal_lead;

typedef struct {
    uint64_t   *v;
    size_t      n, cap;
} samples;

typedef struct {
    const lead_rules        *r;
    lead_scorer             *scorer;
    lead_calibration_table  *t;
    samples                  m[GROUPS][M_N];
} cal_rules;

typedef struct {
    lead_store  *s;
    uint64_t     now;
    cal_lead    *leads;
    size_t       n, cap, at;
    cal_lead     cur;             /* the lead being walked */
    int          have;
    cal_rules    by[2];
    size_t       nby;
    lead_score   score;
    int          oom;
} cal_walk;

double
lead_calibration_pct(uint64_t n, uint64_t d)
{
    return d ? 100.0 * (double) n / (double) d : 0.0;
}

/* The lead whose status changes were walked, kept if it became mql. */
static void
end_lead(cal_walk *w)
{
    cal_lead  *grown;

    if (!w->have) {
        return;
    }
    w->have = 0;
    if (w->cur.mql_ms == 0) {
        return;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 256;
        grown = realloc(w->leads, w->cap * sizeof(cal_lead));
        if (grown == NULL) {
            w->oom = 1;
            return;
        }
        w->leads = grown;
    }
    w->leads[w->n++] = w->cur;
}

static int
walk_transition(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    cal_walk  *w = arg;
    cal_lead  *l = &w->cur;

    /* transitions come grouped by lead, in time order */
    if (!w->have || memcmp(lead_id, l->id, LEAD_ID_LEN) != 0) {
        end_lead(w);
        memset(l, 0, sizeof(*l));
        memcpy(l->id, lead_id, LEAD_ID_LEN);
        w->have = 1;
    }
    if (t->time_ms > w->now) {
        return w->oom;
    }

    if (t->to == LEAD_STATUS_IDENTIFIED && l->identified_ms == 0) {
        l->identified_ms = t->time_ms;
    }
    if (l->mql_ms == 0) {
        l->mql_ms = t->to == LEAD_STATUS_MQL ? t->time_ms : 0;
        return w->oom;
    }
    l->left_mql |= t->from == LEAD_STATUS_MQL;
    if (t->to == LEAD_STATUS_SAL && l->sal_ms == 0) {
        l->sal_ms = t->time_ms;
    }
    if (t->to == LEAD_STATUS_WON && l->won_ms == 0) {
        l->won_ms = t->time_ms;
    }
    l->lost |= t->to == LEAD_STATUS_LOST;
    return w->oom;
}

static void
add_sample(cal_walk *w, samples *sm, uint64_t v)
{
    uint64_t  *grown;

    if (sm->n == sm->cap) {
        sm->cap = sm->cap ? 2 * sm->cap : 64;
        grown = realloc(sm->v, sm->cap * sizeof(uint64_t));
        if (grown == NULL) {
            w->oom = 1;
            return;
        }
        sm->v = grown;
    }
    sm->v[sm->n++] = v;
}

static lead_calibration_row *
group_row(lead_calibration_table *t, size_t g)
{
    return g == 0 ? &t->all : g < 5 ? &t->band[g - 1]
           : g < 9 ? &t->grade[g - 5] : &t->cell[g - 9];
}

/* The lead in one group of one table. */
static void
count(cal_walk *w, cal_rules *cr, size_t g, const cal_lead *l,
    uint64_t reads_sal, uint64_t reads_won)
{
    lead_calibration_row  *row = group_row(cr->t, g);
    uint64_t               from = l->identified_ms;

    row->mql++;
    row->left_mql += l->left_mql;
    row->sal += l->sal_ms != 0;
    row->closed += l->sal_ms && (l->won_ms || l->lost);
    row->won += l->won_ms != 0;
    row->lost += l->won_ms == 0 && l->lost;
    if (l->sal_ms) {
        add_sample(w, &cr->m[g][M_READS_SAL], reads_sal);
        add_sample(w, &cr->m[g][M_MS_SAL], l->sal_ms > from ? l->sal_ms - from
                                                            : 0);
    }
    if (l->won_ms) {
        add_sample(w, &cr->m[g][M_READS_WON], reads_won);
        add_sample(w, &cr->m[g][M_MS_WON], l->won_ms > from ? l->won_ms - from
                                                            : 0);
    }
}

static int
walk_lead(void *arg, const lead_person *p, const MDB_val *events, size_t n)
{
    cal_walk        *w = arg;
    const cal_lead  *l;
    cal_lead         lead;
    lead_event       ev;
    uint64_t         reads_sal = 0, reads_won = 0;
    size_t           k, i;
    int              band, grade;

    end_lead(w);                /* the last one of the status changes */
    /* both in lead id order */
    while (w->at < w->n
           && memcmp(w->leads[w->at].id, p->id, LEAD_ID_LEN) < 0)
    {
        w->at++;
    }
    if (w->at == w->n || memcmp(w->leads[w->at].id, p->id, LEAD_ID_LEN)) {
        return 0;
    }
    lead = w->leads[w->at++];
    l = &lead;
    if (lead.identified_ms == 0) {
        lead.identified_ms = p->created_ms;
    }

    for (i = 0; i < w->nby; i++) {
        lead_scorer_reset(w->by[i].scorer, 0);
    }
    for (k = 0; k < n; k++) {
        if (lead_event_decode(events[k].mv_data, events[k].mv_size, &ev)
            != LEAD_OK)
        {
            continue;
        }
        if (!lead_event_is_feedback(&ev)) {     /* reads, not ratings */
            reads_sal += l->sal_ms && ev.time_ms <= l->sal_ms;
            reads_won += l->won_ms && ev.time_ms <= l->won_ms;
        }
        for (i = 0; i < w->nby && ev.time_ms <= l->mql_ms; i++) {
            if (lead_scorer_add(w->by[i].scorer, &ev) != LEAD_OK) {
                w->oom = 1;
                return 1;
            }
        }
    }

    for (i = 0; i < w->nby; i++) {
        cal_rules           *cr = &w->by[i];
        const lead_scoring  *sc = lead_rules_scoring(cr->r);

        /* the cell it had then: its reads and where it read from then
           (band and countries, which a list's score has too) */
        if (lead_scorer_totals(cr->scorer, l->mql_ms, &w->score) != LEAD_OK)
        {
            w->oom = 1;
            return 1;
        }
        band = w->score.band;
        grade = lead_grade(sc, lead_profile_points(cr->r, p,
                                                   w->score.ncountries
                                                   ? w->score.countries[0]
                                                   : ""))
                - 'A';
        band = band < 1 ? 1 : band > 4 ? 4 : band;
        grade = grade < 0 ? 0 : grade > 3 ? 3 : grade;

        count(w, cr, 0, l, reads_sal, reads_won);
        count(w, cr, (size_t) band, l, reads_sal, reads_won);
        count(w, cr, 5 + (size_t) grade, l, reads_sal, reads_won);
        count(w, cr, 9 + (size_t) (grade * 4 + band - 1), l, reads_sal,
              reads_won);
    }
    return w->oom;
}

/* Calibration's leads' reads, grouped apart from every other lead's. */
static int
walk_reads(lead_store *s, cal_walk *w)
{
    uint8_t  *ids;
    size_t    i;
    int       rc;

    end_lead(w);
    if (w->n == 0) {
        return LEAD_OK;
    }
    ids = malloc(w->n * LEAD_ID_LEN);
    if (ids == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    for (i = 0; i < w->n; i++) {
        memcpy(ids + i * LEAD_ID_LEN, w->leads[i].id, LEAD_ID_LEN);
    }
    rc = lead_store_each_lead_events(s, w->now, ids, w->n, walk_lead, w);
    free(ids);
    return rc;
}

static uint64_t
median(samples *sm)
{
    uint64_t  m, p90;

    lead_median_p90(sm->v, sm->n, &m, &p90);
    return m;
}

/* A walk of the leads that became mql, from the status changes walked
   in the caller's snapshot: the walk of their reads must see the same
   store. */
static int
cal_begin(lead_store *s, const lead_rules *r, const lead_rules *proposed,
    uint64_t now_ms, lead_calibration *out, cal_walk **walk)
{
    cal_walk  *w;
    size_t     i;

    w = calloc(1, sizeof(*w));
    *walk = w;
    if (w == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    w->s = s;
    w->now = now_ms;
    w->by[0].r = r;
    w->by[0].t = &out->current;
    w->by[1].r = proposed;
    w->by[1].t = &out->proposed;
    w->nby = proposed ? 2 : 1;
    out->has_proposed = proposed != NULL;
    for (i = 0; i < w->nby; i++) {
        w->by[i].scorer = lead_scorer_new(lead_rules_scoring(w->by[i].r));
        w->oom |= w->by[i].scorer == NULL;
    }
    return LEAD_OK;                 /* out of memory: said by cal_end */
}

/* The medians from the samples walked, and the walk freed. */
static int
cal_end(lead_store *s, cal_walk *w, int rc)
{
    lead_calibration_row  *row;
    size_t                 i, g, m;

    if (w == NULL) {
        return rc;
    }
    for (i = 0; i < w->nby; i++) {
        for (g = 0; g < GROUPS; g++) {
            row = group_row(w->by[i].t, g);
            row->nsal = w->by[i].m[g][M_MS_SAL].n;
            row->nwon = w->by[i].m[g][M_MS_WON].n;
            row->reads_to_sal = median(&w->by[i].m[g][M_READS_SAL]);
            row->reads_to_won = median(&w->by[i].m[g][M_READS_WON]);
            row->ms_to_sal = median(&w->by[i].m[g][M_MS_SAL]);
            row->ms_to_won = median(&w->by[i].m[g][M_MS_WON]);
            for (m = 0; m < M_N; m++) {
                free(w->by[i].m[g][m].v);
            }
        }
        lead_scorer_free(w->by[i].scorer);
    }

    if (w->oom || (rc == LEAD_ECALLBACK)) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    free(w->leads);
    free(w);
    return rc;
}

int
lead_query_calibration(lead_store *s, const lead_rules *r,
    const lead_rules *proposed, uint64_t now_ms, lead_calibration *out)
{
    cal_walk  *w = NULL;
    int        rc;

    memset(out, 0, sizeof(*out));
    /* both walks in one snapshot: the outcomes match the reads */
    rc = lead_store_snapshot(s);
    if (rc == LEAD_OK) {
        rc = cal_begin(s, r, proposed, now_ms, out, &w);
        if (rc == LEAD_OK && !w->oom) {
            rc = lead_store_each_transition(s, NULL, walk_transition, w);
        }
        if (rc == LEAD_OK && !w->oom) {
            rc = walk_reads(s, w);
        }
        lead_store_snapshot_end(s);
    }
    return cal_end(s, w, rc);
}

int
lead_query_funnel_calibration(lead_store *s, const lead_rules *r,
    uint64_t now_ms, lead_funnel *f, lead_calibration *out)
{
    lead_funnel_rider   also = { walk_transition, walk_lead, NULL, 1 };
    cal_walk           *w = NULL;
    int                 rc;

    memset(f, 0, sizeof(*f));
    memset(out, 0, sizeof(*out));
    /* the funnel's walks of the status changes and of every lead's reads
       walk calibration's too; with the stages kept, its leads' reads are
       walked alone */
    rc = lead_store_snapshot(s);
    if (rc == LEAD_OK) {
        rc = cal_begin(s, r, NULL, now_ms, out, &w);
        also.arg = w;
        if (rc == LEAD_OK && !w->oom) {
            rc = lead_query_funnel_with(s, r, now_ms, f, &also);
        }
        if (rc == LEAD_OK && !w->oom && !also.walked) {
            rc = walk_reads(s, w);
        }
        lead_store_snapshot_end(s);
    }
    return cal_end(s, w, rc);
}
