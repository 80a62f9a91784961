/*
 * A scorer's result at a moment: every part that explains it, or for a
 * list (lean) only its totals and the first of its hot content.
 */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_model.h"
#include "lead_scorer.h"

#define RESULT_ON_STACK  32 /* parts of a result without malloc */

/*
 * Topics by engagement, largest first, ties in the order met: stable, as
 * glibc's qsort (a merge sort) was, without its calls for the few a lead
 * reads (a tenth of a lean score's instructions).
 */
static void
sort_topics(lead_topic *topics, size_t n)
{
    lead_topic  t;
    size_t      i, j;

    for (i = 1; i < n; i++) {
        t = topics[i];
        for (j = i; j > 0 && topics[j - 1].engagement < t.engagement; j--) {
            topics[j] = topics[j - 1];
        }
        topics[j] = t;
    }
}

/* Per topic: all of them, the top ones kept by the caller. */
static void
add_topic(lead_topic *topics, size_t *ntopics, const char *topic, double v)
{
    size_t  j;

    if (topic[0] == '\0') {
        return;
    }
    for (j = 0; j < *ntopics; j++) {
        if (strcmp(topics[j].topic, topic) == 0) {
            break;
        }
    }
    if (j == *ntopics) {
        /* as snprintf "%s" would, a tenth of a result's time less */
        memset(&topics[j], 0, sizeof(topics[j]));
        memcpy(topics[j].topic, topic,
               strnlen(topic, sizeof(topics[j].topic) - 1));
        topics[j].engagement = 0;
        (*ntopics)++;
    }
    topics[j].engagement += v;
}

/* An asset's rating as a part of its own, beside its reads. */
static lead_contribution *
feedback_part(const lead_scorer *s, const asset_state *a,
    lead_contribution *c, uint64_t now_ms)
{
    c->asset_id = a->id;
    c->rating = a->rating;
    memcpy(c->stage, a->stage, sizeof(c->stage));
    memcpy(c->topic, a->topic, sizeof(c->topic));
    memcpy(c->group, a->group, sizeof(c->group));
    c->stage_index = a->stage_index;
    c->first_ms = c->last_ms = a->rated_ms;
    c->depth = 1;
    c->points = s->sc->feedback_points;
    c->base = c->points;
    c->score = lead_rated_score(s->sc, a, now_ms);
    return c;
}

/* Every part, or when lean only the first of hot content's. */
static int
result(const lead_scorer *s, uint64_t now_ms, lead_score *out, int lean)
{
    lead_contribution  *all, all_here[RESULT_ON_STACK];
    lead_topic         *topics, topics_here[RESULT_ON_STACK];
    size_t              n = 0, i, ntopics = 0, nall;
    double              by_stage[LEAD_MAX_STAGES], w;
    unsigned            k;

    /* the lists are most of a score's bytes: a lean one leaves them */
    memset(out, 0, lean ? offsetof(lead_score, hot) : sizeof(*out));
    memset(by_stage, 0, sizeof(by_stage));

    /*
     * Most leads read a few assets: their parts fit on the stack, and
     * each is zeroed as it is taken (a calloc of every possible part was
     * a seventh of a full re-score's instructions).
     */
    nall = 2 * s->nassets + s->sc->ngroups + 1;
    all = nall <= RESULT_ON_STACK ? all_here : malloc(nall * sizeof(*all));
    topics = s->nassets + 1 <= RESULT_ON_STACK
             ? topics_here : malloc((s->nassets + 1) * sizeof(*topics));
    if (all == NULL || topics == NULL) {
        if (all != all_here) {
            free(all);
        }
        if (topics != topics_here) {
            free(topics);
        }
        return LEAD_ENOMEM;
    }

    for (i = 0; i < s->nassets; i++) {
        const asset_state  *a = &s->assets[i];
        lead_contribution  *c;

        if (lead_rated_score(s->sc, a, now_ms) != 0) {
            memset(&all[n], 0, sizeof(all[n]));
            c = feedback_part(s, a, &all[n++], now_ms);
            out->engagement += c->score;
            if (a->stage_index >= 0 && c->score > 0) {
                by_stage[a->stage_index] += c->score;
            }
            add_topic(topics, &ntopics, a->topic, c->score);
        }
        if (a->events == 0) {
            continue;                   /* rated, never read */
        }

        c = &all[n++];
        memset(c, 0, sizeof(*c));
        c->asset_id = a->id;
        memcpy(c->stage, a->stage, sizeof(c->stage));
        memcpy(c->topic, a->topic, sizeof(c->topic));
        memcpy(c->group, a->group, sizeof(c->group));
        c->stage_index = a->stage_index;
        c->hot = a->hot;
        c->reads = a->reads;
        c->events = a->events;
        c->first_ms = a->first_ms;
        c->last_ms = a->last_ms;
        c->depth = lead_asset_depth(a);
        for (k = 0, w = 1; k < a->reads && k < MAX_READS; k++, w /= 2) {
            if (a->read_ms[k] <= now_ms) {
                c->points = a->read_points[k];
                c->base += a->read_points[k] * w;
            }
        }
        c->base *= c->depth;
        c->score = lead_asset_score(s->sc, a, now_ms);
        out->engagement += c->score;

        if (a->stage_index >= 0 && c->score > 0) {
            by_stage[a->stage_index] += c->score;
        }

        add_topic(topics, &ntopics, a->topic, c->score);
    }

    for (i = 0; i < s->sc->ngroups; i++) {
        if (s->groups[i].won_ms && s->groups[i].won_ms <= now_ms) {
            lead_contribution  *c = &all[n++];

            memset(c, 0, sizeof(*c));
            c->group_bonus = 1;
            c->stage_index = -1;
            snprintf(c->group, sizeof(c->group), "%s", s->sc->groups[i].name);
            c->first_ms = c->last_ms = s->groups[i].won_ms;
            c->depth = 1;
            c->points = s->sc->groups[i].points;
            c->base = c->points;
            c->score = lead_group_score(s, (unsigned) i, now_ms);
            out->engagement += c->score;
        }
    }
    out->shown = (int64_t) rint(out->engagement);     /* as "%.0f" shows */

    sort_topics(topics, ntopics);
    out->ntopics = ntopics < LEAD_TOPICS_MAX ? (unsigned) ntopics
                                             : LEAD_TOPICS_MAX;
    memcpy(out->topics, topics, out->ntopics * sizeof(*topics));
    if (topics != topics_here) {
        free(topics);
    }

    memcpy(out->stages, by_stage, sizeof(out->stages));
    out->stage_index = lead_stage_of(s->sc, by_stage, 1.0);

    out->band = lead_band(s->sc, out->engagement);

    if (lean) {
        lead_score_top(all, n, out);
    } else {
        lead_score_lists(all, n, out);
    }

    out->trigger_ms = s->trigger_ms;
    out->trigger_asset = s->trigger_asset;
    memcpy(out->countries, s->countries, sizeof(out->countries));
    out->ncountries = s->ncountries;
    memcpy(out->trigger, s->trigger, sizeof(out->trigger));

    if (all != all_here) {
        free(all);
    }
    return LEAD_OK;
}

int
lead_scorer_result(const lead_scorer *s, uint64_t now_ms, lead_score *out)
{
    return result(s, now_ms, out, 0);
}

int
lead_scorer_totals(const lead_scorer *s, uint64_t now_ms, lead_score *out)
{
    return result(s, now_ms, out, 1);
}
