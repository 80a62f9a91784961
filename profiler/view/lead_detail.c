/*
 * One lead in full: its row, score, trend, history, devices and every
 * read, for the lead page and leadctl show.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

#define DAY_MS   ((uint64_t) 86400000)

/* ---- one lead ---------------------------------------------------------- */

/* Feeds a scorer in time order, noting the engagement at each day's end. */
typedef struct {
    lead_scorer  *scorer;
    uint64_t      now_ms;
    double       *trend;
    unsigned      next;           /* the first day not noted yet */
} trend_feed;

static uint64_t
day_end(const trend_feed *t, unsigned day)
{
    return t->now_ms - (uint64_t) (LEAD_TREND_DAYS - 1 - day) * DAY_MS;
}

static int
feed_event(trend_feed *t, const lead_event *ev)
{
    if (ev->time_ms > t->now_ms) {
        return LEAD_OK;
    }
    while (t->next < LEAD_TREND_DAYS && ev->time_ms > day_end(t, t->next)) {
        t->trend[t->next] = lead_scorer_engagement(t->scorer,
                                                   day_end(t, t->next));
        t->next++;
    }
    return lead_scorer_add(t->scorer, ev);
}

static void
feed_done(trend_feed *t)
{
    for (; t->next < LEAD_TREND_DAYS; t->next++) {
        t->trend[t->next] = lead_scorer_engagement(t->scorer,
                                                   day_end(t, t->next));
    }
}

static int
trend_event(void *arg, uint64_t seq, const lead_event *ev)
{
    (void) seq;
    return feed_event(arg, ev) != LEAD_OK;
}

int
lead_query_trend(lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms,
    double trend[LEAD_TREND_DAYS])
{
    trend_feed  t;
    int         rc;

    memset(&t, 0, sizeof(t));
    t.scorer = lead_scorer_new(lead_rules_scoring(r));
    if (t.scorer == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    lead_scorer_reset(t.scorer, 0);
    t.now_ms = now_ms;
    t.trend = trend;

    rc = lead_store_lead_events(s, lead_id, trend_event, &t);
    if (rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    feed_done(&t);
    lead_scorer_free(t.scorer);
    return rc;
}

typedef struct {
    lead_detail  *d;
    lead_person   person;
    trend_feed    feed;
    size_t        cap;
    int           oom;
} detail_build;

static int
keep_person(void *arg, const lead_person *p)
{
    detail_build  *b = arg;
    lead_arena    *a = b->d->arena;

    b->person = *p;
    b->person.email = lead_arena_copy(a, p->email);
    b->person.name = lead_arena_copy(a, p->name);
    b->person.topics = lead_arena_copy(a, p->topics);
    return lead_arena_oom(a);
}

static int
keep_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    detail_build  *b = arg;
    lead_detail   *d = b->d;
    lead_device   *grown;

    if ((d->ndevices & 15) == 0) {
        grown = realloc(d->devices, (d->ndevices + 16) * sizeof(lead_device));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        d->devices = grown;
    }
    memcpy(d->devices[d->ndevices].visitor, visitor, LEAD_ID_LEN);
    d->devices[d->ndevices++].since_ms = since;
    return 0;
}

/* A device that claims the lead, not confirmed: shown, nothing more. */
static int
keep_claim(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    lead_detail  *d = ((detail_build *) arg)->d;

    if (d->nclaims == LEAD_CLAIMS_SHOWN) {
        return 1;
    }
    memcpy(d->claims[d->nclaims].visitor, visitor, LEAD_ID_LEN);
    d->claims[d->nclaims++].since_ms = since;
    return 0;
}

/* Read by this device before it was linked to the lead: anonymous. */
static int
before_identifying(const lead_detail *d, const lead_event *ev)
{
    size_t  i;

    for (i = 0; i < d->ndevices; i++) {
        if (memcmp(d->devices[i].visitor, ev->visitor, LEAD_ID_LEN) == 0) {
            return ev->time_ms < d->devices[i].since_ms;
        }
    }
    return 0;
}

static int
keep_read(void *arg, uint64_t seq, const lead_event *ev)
{
    detail_build  *b = arg;
    lead_detail   *d = b->d;
    lead_arena    *a = d->arena;
    lead_read     *grown, *r;

    (void) seq;

    if (feed_event(&b->feed, ev) != LEAD_OK) {
        b->oom = 1;
        return 1;
    }

    if (d->nreads == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        grown = realloc(d->reads, b->cap * sizeof(lead_read));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        d->reads = grown;
    }

    r = &d->reads[d->nreads++];
    r->ev = *ev;
    r->ev.path = lead_arena_copy(a, ev->path);
    r->ev.referrer_host = lead_arena_copy(a, ev->referrer_host);
    r->ev.utm_source = lead_arena_copy(a, ev->utm_source);
    r->ev.utm_medium = lead_arena_copy(a, ev->utm_medium);
    r->ev.utm_campaign = lead_arena_copy(a, ev->utm_campaign);
    r->ev.stage = lead_arena_copy(a, ev->stage);
    r->ev.topic = lead_arena_copy(a, ev->topic);
    r->ev.group = lead_arena_copy(a, ev->group);
    r->ev.country = lead_arena_copy(a, ev->country);
    r->ev.region = lead_arena_copy(a, ev->region);
    r->ev.city = lead_arena_copy(a, ev->city);
    r->ev.agent = lead_arena_copy(a, ev->agent);
    r->ev.comment = lead_arena_copy(a, ev->comment);
    r->title.data = "";
    r->title.len = 0;
    r->before_identified = before_identifying(d, ev);
    return lead_arena_oom(a);
}

static int
keep_transition(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    detail_build     *b = arg;
    lead_detail      *d = b->d;
    lead_arena       *a = d->arena;
    lead_transition  *grown, *h;

    (void) lead_id;

    if ((d->nhistory & 15) == 0) {
        grown = realloc(d->history,
                        (d->nhistory + 16) * sizeof(lead_transition));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        d->history = grown;
    }
    h = &d->history[d->nhistory++];
    *h = *t;
    h->cause = lead_arena_copy(a, t->cause);
    h->who = lead_arena_copy(a, t->who);
    h->reason = lead_arena_copy(a, t->reason);
    return lead_arena_oom(a);
}

/* A group as people read it: scoring.conf's title, else its one row's in
   assets.csv, else its name. */
static const char *
group_title(const lead_rules *r, const char *name)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    const lead_asset    *a, *one = NULL;
    unsigned             i;
    size_t               k, n = 0;

    for (i = 0; i < sc->ngroups; i++) {
        if (strcmp(sc->groups[i].name, name) == 0 && sc->groups[i].title
            && sc->groups[i].title[0])
        {
            return sc->groups[i].title;
        }
    }
    for (k = 0; k < lead_rules_count(r); k++) {
        a = lead_rules_asset(r, k);
        if (a->group && strcmp(a->group, name) == 0) {
            one = a;
            n++;
        }
    }
    return n == 1 && one->title && one->title[0] ? one->title : name;
}

static lead_str
title_of(lead_arena *a, const lead_rules *r, const lead_asset_list *titles,
    const lead_contribution *c)
{
    const char  *t;
    char         other[48];

    if (c->others) {
        snprintf(other, sizeof(other), "%u other %s", c->others,
                 c->group_bonus ? "reads and bonuses"
                                : c->others == 1 ? "read" : "reads");
        t = other;
    } else if (c->group_bonus) {
        t = group_title(r, c->group);
    } else {
        t = lead_asset_title(titles, c->asset_id);
    }
    return lead_arena_str(a, t, strlen(t));
}

/* A bot read: counted, and its agent's name kept (a few, each once). */
static void
bot_agent(lead_detail *d, lead_str name)
{
    char    *p = d->bot_agents;
    size_t   n = strlen(p), k;

    d->bot_reads++;
    if (name.len == 0) {
        return;
    }
    for (k = 0; k < n; k += strcspn(p + k, ",") + 2) {
        if (strncmp(p + k, name.data, name.len) == 0
            && (p[k + name.len] == ',' || p[k + name.len] == '\0'))
        {
            return;
        }
    }
    if (n + 2 + name.len < sizeof(d->bot_agents)) {
        snprintf(p + n, sizeof(d->bot_agents) - n, "%s%.*s", n ? ", " : "",
                 (int) name.len, name.data);
    }
}

static int
read_cmp(const void *x, const void *y)
{
    const lead_read  *a = *(const lead_read *const *) x;
    const lead_read  *b = *(const lead_read *const *) y;

    if (a->ev.asset_id != b->ev.asset_id) {
        return a->ev.asset_id < b->ev.asset_id ? -1 : 1;
    }
    return (a > b) - (a < b);           /* in time order */
}

/* Ratings, the newest of each asset first (by is by asset, in time
   order): feedback_points for the newest of a person's, none for those
   it replaced, as the scorer takes them. */
static void
count_ratings(lead_read **by, size_t n, const lead_scoring *sc)
{
    lead_read  *rd;
    size_t      i;
    int         newer = 0;

    for (i = n; i-- > 0; ) {
        rd = by[i];
        if (i + 1 == n || rd->ev.asset_id != by[i + 1]->ev.asset_id) {
            newer = 0;
        }
        if (!lead_event_is_feedback(&rd->ev)) {
            continue;
        }
        rd->nth = 0;
        if (rd->ev.ua_class == LEAD_UA_BOT) {
            rd->counted = LEAD_READ_BOT;
        } else if (rd->ev.asset_id == 0) {
            rd->counted = LEAD_READ_UNTAGGED;
        } else {
            rd->counted = newer ? LEAD_READ_REPLACED : LEAD_READ_RATED;
            rd->worth = newer ? 0 : sc->feedback_points;
            newer = 1;
        }
    }
}

/* What each read counted for, as the scorer takes them (lead_score.c):
   bots and other statuses nothing, a reload within the window nothing
   more, the nth read of an asset its points halved n - 1 times; a
   rating is no read (count_ratings). */
static int
count_reads(lead_detail *d, const lead_rules *r)
{
    uint64_t    window = lead_rules_scoring(r)->reload_window_ms, last = 0;
    lead_read **by, *rd;
    size_t      i;
    unsigned    nth = 0;

    by = malloc((d->nreads + 1) * sizeof(*by));
    if (by == NULL) {
        return LEAD_ENOMEM;
    }
    for (i = 0; i < d->nreads; i++) {
        by[i] = &d->reads[i];
    }
    qsort(by, d->nreads, sizeof(*by), read_cmp);

    for (i = 0; i < d->nreads; i++) {
        rd = by[i];
        if (i == 0 || rd->ev.asset_id != by[i - 1]->ev.asset_id) {
            nth = 0;
        }
        if (lead_event_is_feedback(&rd->ev)) {
            continue;
        }
        if (rd->ev.ua_class == LEAD_UA_BOT) {
            rd->counted = LEAD_READ_BOT;
        } else if (rd->ev.asset_id == 0) {
            rd->counted = LEAD_READ_UNTAGGED;
        } else if (rd->ev.status != 200 && rd->ev.status != 206) {
            rd->counted = LEAD_READ_STATUS;
        } else if (nth > 0 && rd->ev.time_ms < last + window) {
            rd->counted = LEAD_READ_RELOAD;
        } else {
            rd->counted = LEAD_READ_SCORED;
            rd->nth = ++nth;
            rd->worth = ldexp(rd->ev.points, -(int) (nth < 64 ? nth - 1
                                                               : 63));
            last = rd->ev.time_ms;
        }
    }
    count_ratings(by, d->nreads, lead_rules_scoring(r));
    free(by);
    return LEAD_OK;
}

static int
detail_lead(lead_store *s, const lead_rules *r, const char *who,
    size_t len, uint64_t now_ms, lead_detail *out)
{
    detail_build      b;
    lead_asset_list   titles;
    lead_row         *row = &out->row;
    size_t            i;
    int               rc;

    memset(out, 0, sizeof(*out));
    memset(&b, 0, sizeof(b));
    memset(&titles, 0, sizeof(titles));
    b.d = out;

    out->arena = lead_arena_new();
    b.feed.scorer = lead_scorer_new(lead_rules_scoring(r));
    if (out->arena == NULL || b.feed.scorer == NULL) {
        lead_scorer_free(b.feed.scorer);
        lead_detail_free(out);
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    lead_scorer_reset(b.feed.scorer, 0);
    b.feed.now_ms = now_ms;
    b.feed.trend = out->trend;

    rc = lead_store_find_lead(s, who, len, keep_person, &b);
    if (rc == LEAD_OK) {
        rc = lead_store_each_device(s, b.person.id, keep_device, &b);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_each_claim(s, b.person.id, now_ms, keep_claim, &b);
        rc = rc == LEAD_ECALLBACK ? LEAD_OK : rc;
    }
    if (rc == LEAD_OK) {
        rc = lead_store_lead_events(s, b.person.id, keep_read, &b);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_each_transition(s, b.person.id, keep_transition, &b);
    }
    if (rc == LEAD_OK) {
        rc = lead_query_assets(s, 0, &titles);
    }
    if (rc == LEAD_OK && count_reads(out, r) != LEAD_OK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        feed_done(&b.feed);
        rc = lead_scorer_result(b.feed.scorer, now_ms, &out->score);
    }
    lead_scorer_free(b.feed.scorer);

    /* the callbacks stop only when memory runs out */
    if (b.oom || lead_arena_oom(out->arena) || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_asset_list_free(&titles);
        lead_detail_free(out);
        return rc;
    }

    lead_row_fill(row, r, &b.person, &out->score);
    row->devices = (unsigned) out->ndevices;
    if (lead_store_get_status(s, b.person.id, &row->status, &row->status_ms)
        != LEAD_OK)
    {
        row->status = LEAD_STATUS_IDENTIFIED;
        row->status_ms = b.person.created_ms;
    }
    for (i = 0; i < out->nreads; i++) {
        const lead_event  *ev = &out->reads[i].ev;

        if (ev->asset_id) {
            const char  *t = lead_asset_title(&titles, ev->asset_id);

            out->reads[i].title = lead_arena_str(out->arena, t, strlen(t));
        }
        if (ev->ua_class == LEAD_UA_BOT && !lead_event_is_feedback(ev)) {
            bot_agent(out, ev->agent);      /* its reads: a rating is none */
        }
        if (ev->ua_class != LEAD_UA_BOT && ev->time_ms <= now_ms) {
            if (ev->time_ms < row->first_ms) {
                row->first_ms = ev->time_ms;
            }
            if (ev->time_ms > row->last_ms) {
                row->last_ms = ev->time_ms;
            }
        }
    }
    lead_row_keep(out->arena, row, &out->score, &titles);
    row->owner = lead_query_owner(s, row->id, out->arena);
    lead_row_due(row, r, now_ms);
    for (i = 0; i < out->score.nhot; i++) {
        out->hot_titles[i] = title_of(out->arena, r, &titles,
                                      &out->score.hot[i]);
    }
    for (i = 0; i < out->score.nwhy; i++) {
        out->why_titles[i] = title_of(out->arena, r, &titles,
                                      &out->score.why[i]);
    }
    out->nprofile = lead_profile_parts(r, &b.person, row->country,
                                       out->profile);
    for (i = 0; i < out->nprofile; i++) {
        out->profile_points += out->profile[i].points;
    }
    lead_asset_list_free(&titles);

    if (lead_arena_oom(out->arena)) {
        lead_detail_free(out);
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    return LEAD_OK;
}

void
lead_detail_free(lead_detail *d)
{
    free(d->history);
    free(d->devices);
    free(d->reads);
    lead_arena_free(d->arena);
    memset(d, 0, sizeof(*d));
}

/* One snapshot: the lead, its reads, devices and history agree. */
int
lead_query_lead(lead_store *s, const lead_rules *r, const char *who,
    size_t len, uint64_t now_ms, lead_detail *out)
{
    int  rc;

    rc = lead_store_snapshot(s);
    if (rc == LEAD_OK) {
        rc = detail_lead(s, r, who, len, now_ms, out);
        if (rc == LEAD_OK) {
            rc = lead_row_deal(s, out->arena, &out->row);
            if (rc != LEAD_OK) {
                lead_detail_free(out);
            }
        }
        lead_store_snapshot_end(s);
    }
    return rc;
}
