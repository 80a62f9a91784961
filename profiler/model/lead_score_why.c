/*
 * A score's lists from its parts: why (every part, rounded so that the
 * rows add up to the score shown) and hot content (what to open first).
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_model.h"

/* What sales should open first: the largest part first, then hot. */
static int
contribution_cmp_hot(const void *x, const void *y)
{
    const lead_contribution  *a = x, *b = y;

    if (a->score != b->score) {
        return a->score < b->score ? 1 : -1;
    }
    if (a->hot != b->hot) {
        return b->hot - a->hot;
    }
    if (a->stage_index != b->stage_index) {
        return b->stage_index - a->stage_index;
    }
    if (a->last_ms != b->last_ms) {
        return (a->last_ms < b->last_ms) - (a->last_ms > b->last_ms);
    }
    return (a->asset_id > b->asset_id) - (a->asset_id < b->asset_id);
}

/* Hot-flagged parts before the others, each the largest first. */
static int
contribution_cmp_flag(const void *x, const void *y)
{
    const lead_contribution  *a = x, *b = y;

    if (a->hot != b->hot) {
        return b->hot - a->hot;
    }
    return contribution_cmp_hot(x, y);
}

/* The largest parts, whatever their sign, first; the bonus on a tie. */
static int
contribution_cmp_size(const void *x, const void *y)
{
    const lead_contribution  *a = x, *b = y;

    if (fabs(a->score) != fabs(b->score)) {
        return fabs(a->score) < fabs(b->score) ? 1 : -1;
    }
    if (a->group_bonus != b->group_bonus) {
        return b->group_bonus - a->group_bonus;
    }
    return contribution_cmp_hot(x, y);
}

/* As why shows them: the largest first, the negative and folded last. */
static int
contribution_cmp_score(const void *x, const void *y)
{
    const lead_contribution  *a = x, *b = y;

    if ((a->others != 0) != (b->others != 0)) {
        return (a->others != 0) - (b->others != 0);
    }
    if (a->score != b->score) {
        return a->score < b->score ? 1 : -1;
    }
    return contribution_cmp_size(x, y);
}

void
lead_round_parts(const double *v, size_t n, int64_t total, int64_t *out)
{
    int64_t  left = total;
    size_t   i, best;
    double   f, bf;

    for (i = 0; i < n; i++) {
        out[i] = (int64_t) floor(v[i]);
        left -= out[i];
    }

    /*
     * left is 0..n (but for a rounding error off a half): one more to the
     * largest fractions, the earlier row on a tie; a row bumped has no
     * fraction left, so the next goes elsewhere.
     */
    for ( ; left != 0 && n > 0; left += left > 0 ? -1 : 1) {
        best = n;
        bf = 0;
        for (i = 0; i < n; i++) {
            f = v[i] - (double) out[i];           /* < 1 until bumped */
            if (left > 0 ? f > 0 && (best == n || f > bf)
                         : f < 1 && (best == n || f < bf))
            {
                best = i;
                bf = f;
            }
        }
        if (best == n) {
            best = n - 1;                 /* only to keep the sum */
        }
        out[best] += left > 0 ? 1 : -1;
    }
}

/*
 * Every part but zeros (all keeps the n left, returned), so that the rows add up to the score: the largest
 * (by size) LEAD_WHY_MAX - 1 and the rest in one row, each rounded so
 * that the rows sum to the score as shown.
 */
static size_t
why_rows(lead_contribution *all, size_t n, lead_score *out)
{
    lead_contribution  *rest;
    double              v[LEAD_WHY_MAX];
    int64_t             shown[LEAD_WHY_MAX];
    size_t              i, j, k;

    for (i = 0, j = 0; i < n; i++) {
        if (all[i].score != 0) {
            all[j++] = all[i];
        }
    }
    n = j;
    qsort(all, n, sizeof(*all), contribution_cmp_size);

    for (i = 0; i < n && i < LEAD_WHY_MAX; i++) {
        out->why[i] = all[i];
    }
    if (n > LEAD_WHY_MAX) {
        rest = &out->why[LEAD_WHY_MAX - 1];
        memset(rest, 0, sizeof(*rest));
        rest->stage_index = -1;
        rest->first_ms = UINT64_MAX;
        for (k = LEAD_WHY_MAX - 1; k < n; k++) {
            rest->others++;
            rest->score += all[k].score;
            rest->base += all[k].base;
            rest->reads += all[k].reads;
            rest->events += all[k].events;
            rest->group_bonus |= all[k].group_bonus;
            rest->first_ms = all[k].first_ms < rest->first_ms
                             ? all[k].first_ms : rest->first_ms;
            rest->last_ms = all[k].last_ms > rest->last_ms
                            ? all[k].last_ms : rest->last_ms;
        }
        rest->group_bonus = rest->group_bonus ? 2 : 0;  /* among them */
        i = LEAD_WHY_MAX;
    }
    out->nwhy = (unsigned) i;

    for (i = 0; i < out->nwhy; i++) {
        v[i] = out->why[i].score;
    }
    lead_round_parts(v, out->nwhy, out->shown, shown);
    for (i = 0; i < out->nwhy; i++) {
        out->why[i].shown = shown[i];
    }
    qsort(out->why, out->nwhy, sizeof(out->why[0]), contribution_cmp_score);
    return n;
}

/* A part hot content may show: a read's, worth more than nothing. */
static int
hot_part(const lead_contribution *c)
{
    return !c->group_bonus && !c->rating && c->score > 0;
}

/*
 * Hot content: what sales should open first.  The hot-flagged parts and
 * the largest others, only those worth more than nothing, at most
 * LEAD_HOT_MAX, ranked by what they add now: as every part decays alike,
 * the order a fold keeps (the list's top asset) holds at any later time.
 */
static void
hot_rows(lead_contribution *all, size_t n, lead_score *out)
{
    size_t  i, j;

    for (i = 0, j = 0; i < n; i++) {
        if (hot_part(&all[i])) {
            all[j++] = all[i];
        }
    }
    qsort(all, j, sizeof(*all), contribution_cmp_flag);
    out->nhot = (unsigned) (j < LEAD_HOT_MAX ? j : LEAD_HOT_MAX);
    memcpy(out->hot, all, out->nhot * sizeof(*all));
    qsort(out->hot, out->nhot, sizeof(*all), contribution_cmp_hot);
}

/*
 * The first row hot_rows would give, without a sort: the largest part,
 * or the largest hot-flagged one when those fill the rows on their own.
 */
void
lead_score_top(const lead_contribution *all, size_t n, lead_score *out)
{
    const lead_contribution  *top = NULL, *hot = NULL;
    size_t                    i, nflagged = 0;

    for (i = 0; i < n; i++) {
        if (!hot_part(&all[i])) {
            continue;
        }
        if (top == NULL || contribution_cmp_hot(&all[i], top) < 0) {
            top = &all[i];
        }
        if (all[i].hot) {
            nflagged++;
            if (hot == NULL || contribution_cmp_hot(&all[i], hot) < 0) {
                hot = &all[i];
            }
        }
    }
    if (nflagged >= LEAD_HOT_MAX) {
        top = hot;
    }
    out->nhot = top != NULL;
    if (top != NULL) {
        out->hot[0] = *top;
    }
    out->nwhy = 0;
}

void
lead_score_lists(lead_contribution *all, size_t n, lead_score *out)
{
    hot_rows(all, why_rows(all, n, out), out);    /* zeros left out */
}
