/*
 * The engagement model, computed exactly from a subject's events (a lead's
 * or an anonymous visitor's) whenever it is read: no nightly job.
 *
 *   engagement(now) = sum over assets a of
 *                       depth(a) * sum over counted reads k of a of
 *                         points_k * 0.5^(k-1) * 2^(-(now - t_k) / half_life)
 *                     + warm_after bonuses, decayed from when they were won
 *
 * - A read is counted when it comes reload_window or more after the last
 *   counted read of the same asset; reads closer than that are one read.
 * - The k-th counted read weighs 0.5^(k-1): 1, 1/2, 1/4... so rereading
 *   one asset can at most double what it is worth.
 * - depth(a) is the share of the asset's bytes the subject has received,
 *   over all its requests (Range reads add up); a full 200 is 1.
 * - Bots, untagged content and responses other than 200/206 are worth 0.
 * - Feedback (a rating) is no read: an asset rated adds feedback_points
 *   once, decayed from its newest rating, to the asset's stage and topic.
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

lead_scorer *
lead_scorer_new(const lead_scoring *sc)
{
    lead_scorer  *s;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }

    s->sc = sc;
    s->groups = calloc(sc->ngroups ? sc->ngroups : 1, sizeof(group_state));
    if (s->groups == NULL) {
        free(s);
        return NULL;
    }

    return s;
}

void
lead_scorer_free(lead_scorer *s)
{
    unsigned  i;

    if (s != NULL) {
        for (i = 0; i < s->sc->ngroups; i++) {
            free(s->groups[i].paths);
        }
        free(s->assets);
        free(s->groups);
        free(s);
    }
}

void
lead_scorer_reset(lead_scorer *s, uint64_t since_ms)
{
    unsigned  i;

    s->nassets = 0;
    for (i = 0; i < s->sc->ngroups; i++) {
        s->groups[i].won_ms = 0;
        s->groups[i].npaths = 0;
    }
    s->since_ms = since_ms;
    s->trigger_ms = 0;
    s->trigger_asset = 0;
    s->trigger[0] = '\0';
    /* a score copies all four: none of a lead scored before stays */
    memset(s->countries, 0, sizeof(s->countries));
    s->ncountries = 0;
    s->bound = 0;
    s->bound_ms = 0;
}

static void
set_name(char *dst, lead_str v)
{
    size_t  n = v.len < LEAD_NAME_MAX ? v.len : LEAD_NAME_MAX;

    if (n) {                    /* a decoded empty field has no data */
        memcpy(dst, v.data, n);
    }
    dst[n] = '\0';
}

/* Keeps the name v in dst; 0 when it was there already (most reads). */
static int
copy_name(char *dst, lead_str v)
{
    size_t  n = v.len < LEAD_NAME_MAX ? v.len : LEAD_NAME_MAX;

    if (dst[n] == '\0' && (n == 0 || memcmp(dst, v.data, n) == 0)) {
        return 0;
    }
    set_name(dst, v);
    return 1;
}

static int
stage_of(const lead_scoring *sc, const char *name)
{
    unsigned  i;

    for (i = 0; i < sc->nstages; i++) {
        if (strcmp(sc->stages[i], name) == 0) {
            return (int) i;
        }
    }
    return -1;
}

/* An asset's meaning as its first read (or rating) gives it. */
static void
set_names(const lead_scoring *sc, asset_state *a, const lead_event *ev)
{
    set_name(a->stage, ev->stage);
    set_name(a->topic, ev->topic);
    set_name(a->group, ev->group);
    a->stage_index = stage_of(sc, a->stage);
}

static asset_state *
find_asset(lead_scorer *s, const lead_event *ev)
{
    asset_state  *a, *grown;
    size_t        i;

    for (i = 0; i < s->nassets; i++) {
        if (s->assets[i].id == ev->asset_id) {
            return &s->assets[i];
        }
    }

    if (s->nassets == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        grown = realloc(s->assets, s->cap * sizeof(asset_state));
        if (grown == NULL) {
            return NULL;
        }
        s->assets = grown;
    }

    a = &s->assets[s->nassets++];
    memset(a, 0, offsetof(asset_state, read_ms));
    a->id = ev->asset_id;
    a->first_ms = ev->time_ms;
    return a;
}

/* Adds [start, end] to the asset's covered bytes, merging overlaps. */
static void
cover(asset_state *a, uint64_t start, uint64_t end)
{
    unsigned  i, j;

    for (i = 0; i < a->ncover; i++) {
        if (start <= a->cover[i].end + 1 && end + 1 >= a->cover[i].start) {
            /* overlaps or touches: absorb it, then whatever else it meets */
            start = start < a->cover[i].start ? start : a->cover[i].start;
            end = end > a->cover[i].end ? end : a->cover[i].end;
            a->cover[i] = a->cover[--a->ncover];
            i = (unsigned) -1;
        }
    }

    if (a->ncover == MAX_COVER) {
        /* out of room: keep the larger intervals, never overcount */
        for (i = 0, j = 0; i < a->ncover; i++) {
            if (a->cover[i].end - a->cover[i].start
                < a->cover[j].end - a->cover[j].start)
            {
                j = i;
            }
        }
        if (a->cover[j].end - a->cover[j].start >= end - start) {
            return;
        }
        a->cover[j] = a->cover[--a->ncover];
    }

    a->cover[a->ncover].start = start;
    a->cover[a->ncover].end = end;
    a->ncover++;
}

double
lead_asset_depth(const asset_state *a)
{
    uint64_t  covered = 0;
    unsigned  i;

    if (a->full || a->file_size == 0) {
        return 1.0;
    }

    for (i = 0; i < a->ncover; i++) {
        covered += a->cover[i].end - a->cover[i].start + 1;
    }

    return covered >= a->file_size ? 1.0
                                   : (double) covered / (double) a->file_size;
}

static double
decay(const lead_scoring *sc, uint64_t now_ms, uint64_t t_ms)
{
    if (now_ms <= t_ms) {
        return 1.0;
    }
    return exp2(-(double) (now_ms - t_ms) / (double) sc->half_life_ms);
}

double
lead_asset_score(const lead_scoring *sc, const asset_state *a, uint64_t now_ms)
{
    double    sum = 0, weight = 1;
    unsigned  k;

    for (k = 0; k < a->reads && k < MAX_READS; k++, weight /= 2) {
        if (a->read_ms[k] <= now_ms) {
            sum += a->read_points[k] * weight
                   * decay(sc, now_ms, a->read_ms[k]);
        }
    }

    return sum * lead_asset_depth(a);
}

/* feedback_points, once for the asset, from its newest rating. */
double
lead_rated_score(const lead_scoring *sc, const asset_state *a, uint64_t now_ms)
{
    if (a->rated_ms == 0 || a->rated_ms > now_ms) {
        return 0;
    }
    return sc->feedback_points * decay(sc, now_ms, a->rated_ms);
}

double
lead_group_score(const lead_scorer *s, unsigned i, uint64_t now_ms)
{
    const group_state  *g = &s->groups[i];

    if (g->won_ms == 0 || g->won_ms > now_ms) {
        return 0;
    }
    return s->sc->groups[i].points * decay(s->sc, now_ms, g->won_ms);
}

double
lead_scorer_engagement(const lead_scorer *s, uint64_t now_ms)
{
    double  sum = 0;
    size_t  i;

    for (i = 0; i < s->nassets; i++) {
        sum += lead_asset_score(s->sc, &s->assets[i], now_ms)
               + lead_rated_score(s->sc, &s->assets[i], now_ms);
    }
    for (i = 0; i < s->sc->ngroups; i++) {
        sum += lead_group_score(s, (unsigned) i, now_ms);
    }

    return sum;
}

void
lead_scorer_stages(const lead_scorer *s, uint64_t now_ms,
    double by_stage[LEAD_MAX_STAGES])
{
    double  v;
    size_t  i;

    memset(by_stage, 0, LEAD_MAX_STAGES * sizeof(double));
    for (i = 0; i < s->nassets; i++) {
        if (s->assets[i].stage_index >= 0) {
            v = lead_asset_score(s->sc, &s->assets[i], now_ms);
            by_stage[s->assets[i].stage_index] += v > 0 ? v : 0;
            v = lead_rated_score(s->sc, &s->assets[i], now_ms);
            by_stage[s->assets[i].stage_index] += v > 0 ? v : 0;
        }
    }
}

/*
 * Engagement from bound_ms on is at most bound: each part's points (a
 * read's halved as rereads are, those below 0 left out) decayed from its
 * own time, before depth (at most 1).  A loaded state has none: HUGE_VAL.
 */
static void
raise_bound(lead_scorer *s, double points, uint64_t t)
{
    if (s->trigger_ms) {
        return;                         /* found: no need of it */
    }
    if (t > s->bound_ms && s->bound > 0 && s->bound < HUGE_VAL) {
        s->bound *= decay(s->sc, t, s->bound_ms);
    }
    s->bound_ms = t > s->bound_ms ? t : s->bound_ms;
    s->bound += points > 0 ? points : 0;
}

/* A path's key among a group's: FNV-1a, or the asset's id without one. */
static uint64_t
path_key(const lead_event *ev)
{
    uint64_t  h = 0xcbf29ce484222325ULL;
    size_t    i;

    if (ev->path.len == 0) {
        return ev->asset_id;
    }
    for (i = 0; i < ev->path.len; i++) {
        h ^= (unsigned char) ev->path.data[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Adds a path to a group's; LEAD_ENOMEM when there is no room for it. */
static int
group_add_path(group_state *g, uint64_t key)
{
    uint64_t  *grown;
    unsigned   k;

    for (k = 0; k < g->npaths; k++) {
        if (g->paths[k] == key) {
            return LEAD_OK;
        }
    }
    if (g->npaths == g->cap) {
        grown = realloc(g->paths, (g->cap ? g->cap * 2 : 8) * sizeof(*grown));
        if (grown == NULL) {
            return LEAD_ENOMEM;
        }
        g->paths = grown;
        g->cap = g->cap ? g->cap * 2 : 8;
    }
    g->paths[g->npaths++] = key;
    return LEAD_OK;
}

/* Distinct paths read under a group's rows, exact or prefix: warm at N. */
static int
check_group(lead_scorer *s, const lead_event *ev, const asset_state *a,
    int *won)
{
    group_state  *g;
    unsigned      i;

    *won = 0;
    if (a->group[0] == '\0') {
        return LEAD_OK;
    }
    for (i = 0; i < s->sc->ngroups; i++) {
        g = &s->groups[i];
        if (g->won_ms || strcmp(s->sc->groups[i].name, a->group) != 0) {
            continue;
        }
        if (group_add_path(g, path_key(ev)) != LEAD_OK) {
            return LEAD_ENOMEM;
        }
        if (g->npaths >= s->sc->groups[i].count) {
            g->won_ms = ev->time_ms;
            g->npaths = 0;          /* won for good: the paths are done */
            raise_bound(s, s->sc->groups[i].points, ev->time_ms);
            *won = 1;
        }
    }
    return LEAD_OK;
}

/* hot: a read of a hot asset (a rating of one is no read of it) */
static void
check_triggers(lead_scorer *s, const asset_state *a, int hot, uint64_t t)
{
    double  e;

    if (s->trigger_ms || t < s->since_ms) {
        return;
    }

    if (hot && a->hot) {
        s->trigger_ms = t;
        s->trigger_asset = a->id;
        snprintf(s->trigger, sizeof(s->trigger), "read hot asset %016llx",
                 (unsigned long long) a->id);
        return;
    }

    /*
     * judged as shown: a score of 60 has reached a threshold of 60; a
     * bound a point below it needs no sum (most reads of most leads)
     */
    if (t >= s->bound_ms && s->bound < s->sc->mql_threshold - 1.0) {
        return;
    }
    e = floor(lead_scorer_engagement(s, t) + 0.5);
    if (e >= s->sc->mql_threshold) {
        s->trigger_ms = t;
        snprintf(s->trigger, sizeof(s->trigger),
                 "engagement %.0f reached mql_threshold %d", e,
                 (int) s->sc->mql_threshold);
    }
}

/* Countries read from, the latest first, each once. */
static void
note_country(lead_scorer *s, lead_str cc)
{
    unsigned  i, last;

    /* most reads are from where the one before was: nothing moves */
    if (cc.len != 2
        || (s->ncountries && s->countries[0][0] == cc.data[0]
            && s->countries[0][1] == cc.data[1]))
    {
        return;
    }
    for (i = 0; i < s->ncountries; i++) {
        if (memcmp(s->countries[i], cc.data, 2) == 0) {
            break;
        }
    }
    last = i < s->ncountries ? i : (s->ncountries < 4 ? s->ncountries++ : 3);
    memmove(s->countries[1], s->countries[0], last * LEAD_COUNTRY_LEN);
    memcpy(s->countries[0], cc.data, 2);
    s->countries[0][2] = '\0';
}

/* A rating: the asset's newest replaces the ones before it. */
static int
add_feedback(lead_scorer *s, const lead_event *ev)
{
    asset_state  *a;

    if (s->sc->feedback_points == 0 || ev->asset_id == 0
        || ev->ua_class == LEAD_UA_BOT)
    {
        return LEAD_OK;
    }

    a = find_asset(s, ev);
    if (a == NULL) {
        return LEAD_ENOMEM;
    }
    if (a->events == 0) {               /* rated, not read: its meaning */
        set_names(s->sc, a, ev);
    }
    if (ev->time_ms >= a->rated_ms) {
        a->rated_ms = ev->time_ms;
        a->rating = ev->rating;
    }

    raise_bound(s, s->sc->feedback_points, ev->time_ms);
    check_triggers(s, a, 0, ev->time_ms);
    return LEAD_OK;
}

int
lead_scorer_add(lead_scorer *s, const lead_event *ev)
{
    asset_state  *a;
    unsigned      i;
    int           won;

    if (lead_event_is_feedback(ev)) {
        return add_feedback(s, ev);
    }

    if (ev->ua_class != LEAD_UA_BOT) {
        note_country(s, ev->country);
    }

    if (ev->asset_id == 0 || ev->ua_class == LEAD_UA_BOT
        || (ev->status != 200 && ev->status != 206))
    {
        return LEAD_OK;
    }

    a = find_asset(s, ev);
    if (a == NULL) {
        return LEAD_ENOMEM;
    }

    if (a->events == 0) {
        set_names(s->sc, a, ev);        /* nothing to compare them with */
    } else {
        if (copy_name(a->stage, ev->stage)) {
            a->stage_index = stage_of(s->sc, a->stage);
        }
        (void) copy_name(a->topic, ev->topic);
        (void) copy_name(a->group, ev->group);
    }
    a->hot = (ev->asset_flags & LEAD_ASSET_HOT) != 0;
    if (a->events == 0) {
        a->first_ms = ev->time_ms;      /* rated before it was read */
    }
    a->events++;
    a->last_ms = ev->time_ms;

    if (ev->file_size) {
        a->file_size = ev->file_size;
    }
    if (ev->status == 200) {
        if (ev->file_size == 0 || ev->bytes_sent >= ev->file_size) {
            a->full = 1;
        } else if (ev->bytes_sent > 0) {
            cover(a, 0, ev->bytes_sent - 1);
        }
    }
    for (i = 0; i < ev->nranges; i++) {
        uint64_t  end = ev->ranges[i].end;

        /* one range: only what was sent before the client went away */
        if (ev->nranges == 1 && ev->bytes_sent > 0
            && end - ev->ranges[i].start + 1 > ev->bytes_sent)
        {
            end = ev->ranges[i].start + ev->bytes_sent - 1;
        }
        cover(a, ev->ranges[i].start, end);
    }

    /* another page under a prefix row counts for its group at once */
    if (check_group(s, ev, a, &won) != LEAD_OK) {
        return LEAD_ENOMEM;
    }

    /* a reload within the window is the same read */
    if (a->reads > 0
        && ev->time_ms < a->last_read_ms + s->sc->reload_window_ms)
    {
        if (won) {
            check_triggers(s, a, 1, ev->time_ms);
        }
        return LEAD_OK;
    }

    a->last_read_ms = ev->time_ms;

    if (a->reads < MAX_READS) {
        a->read_ms[a->reads] = ev->time_ms;
        a->read_points[a->reads] = ev->points;
        raise_bound(s, ev->points / (double) (1u << a->reads), ev->time_ms);
    }
    a->reads++;

    check_triggers(s, a, 1, ev->time_ms);

    return LEAD_OK;
}

/* ---- a scorer's state, kept in the store between folds ----------------- */

/*
 * Varints, times as zigzag differences (from the asset's first event, the
 * read before); strings as a length byte and their bytes, an asset's
 * names once per state (lead_name_put: a lead reads a few stages and
 * topics, many times).  Only what lead_scorer_add reads back: a state
 * loaded and fed on scores exactly as one fed every event.  Another
 * version's is not read: the fold's hash holds the version, and scores
 * every lead again. */
#define STATE_VERSION  5    /* 2: a group's paths; 3: ratings; 4: varints;
                               5: names once, asset ids as u64 */

unsigned
lead_scorer_version(void)
{
    return STATE_VERSION;
}

static void
put_name(lead_buf *out, const char *name)
{
    uint8_t  len = (uint8_t) strlen(name);

    lead_buf_put(out, (const char *) &len, 1);
    lead_buf_put(out, name, len);
}

/* v - base, wrapping, as a zigzag varint: exact for any two values. */
static void
put_diff(lead_buf *out, uint64_t v, uint64_t base)
{
    uint64_t  d = v - base;

    lead_buf_put_varint(out, d << 1 ^ (d >> 63 ? UINT64_MAX : 0));
}

void
lead_scorer_save(const lead_scorer *s, lead_buf *out)
{
    const asset_state  *a;
    lead_name_refs      names;
    uint8_t             head[4];
    uint64_t            prev;
    size_t              i;
    unsigned            k;

    names.n = 0;
    head[0] = STATE_VERSION;
    head[1] = (uint8_t) s->ncountries;
    head[2] = (uint8_t) s->sc->ngroups;
    head[3] = 0;
    lead_buf_put(out, (const char *) head, 4);
    lead_buf_put_varint(out, s->nassets);
    lead_buf_put_varint(out, s->trigger_ms);
    lead_buf_put_varint(out, s->trigger_asset);
    put_name(out, s->trigger);
    for (k = 0; k < s->ncountries; k++) {
        lead_buf_put(out, s->countries[k], 2);
    }
    for (k = 0; k < s->sc->ngroups; k++) {
        lead_buf_put_varint(out, s->groups[k].won_ms);
        lead_buf_put_varint(out, s->groups[k].npaths);
        for (i = 0; i < s->groups[k].npaths; i++) {
            lead_buf_put_u64(out, s->groups[k].paths[i]);
        }
    }

    for (i = 0; i < s->nassets; i++) {
        a = &s->assets[i];
        lead_buf_put_u64(out, a->id);      /* a hash: a varint is longer */
        lead_name_put(out, &names, a->stage);
        lead_name_put(out, &names, a->topic);
        lead_name_put(out, &names, a->group);
        head[0] = (uint8_t) ((a->hot ? 1 : 0) | (a->full ? 2 : 0));
        head[1] = (uint8_t) a->ncover;
        head[2] = a->rating;
        lead_buf_put(out, (const char *) head, 3);
        lead_buf_put_varint(out, a->reads);
        lead_buf_put_varint(out, a->events);
        lead_buf_put_varint(out, a->first_ms);
        put_diff(out, a->last_ms, a->first_ms);
        put_diff(out, a->last_read_ms, a->first_ms);
        lead_buf_put_varint(out, a->file_size);
        if (a->rating != 0) {
            put_diff(out, a->rated_ms, a->first_ms);
        }
        prev = a->first_ms;
        for (k = 0; k < a->reads && k < MAX_READS; k++) {
            put_diff(out, a->read_ms[k], prev);
            put_diff(out, (uint64_t) (int64_t) a->read_points[k], 0);
            prev = a->read_ms[k];
        }
        for (k = 0; k < a->ncover; k++) {
            lead_buf_put_varint(out, a->cover[k].start);
            put_diff(out, a->cover[k].end, a->cover[k].start);
        }
    }
}

typedef struct {
    const uint8_t  *p, *end;
    int             bad;
} reader;

static uint64_t
get_var(reader *r)
{
    uint64_t  v = lead_get_varint(&r->p, r->end);

    if (r->p > r->end) {
        r->bad = 1;
        r->p = r->end;
    }
    return v;
}

static uint64_t
get_diff(reader *r, uint64_t base)
{
    uint64_t  z = get_var(r);

    return base + ((z >> 1) ^ (z & 1 ? UINT64_MAX : 0));
}

static void
get_bytes(reader *r, void *out, size_t n)
{
    if ((size_t) (r->end - r->p) < n) {
        r->bad = 1;
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
}

static void
get_name(reader *r, char *out, size_t size)
{
    uint8_t  len = 0;

    get_bytes(r, &len, 1);
    if (r->bad || len >= size) {
        r->bad = 1;
        out[0] = '\0';
        return;
    }
    get_bytes(r, out, len);
    out[r->bad ? 0 : len] = '\0';
}

int
lead_scorer_load(lead_scorer *s, const uint8_t *data, size_t len)
{
    reader          r = { data, data + len, 0 };
    asset_state    *a;
    lead_name_refs  names;
    uint8_t         head[8];
    uint64_t        n = 0, n_assets, i, prev;
    unsigned        k;

    lead_scorer_reset(s, 0);
    names.n = 0;

    get_bytes(&r, head, 4);
    if (r.bad || head[0] != STATE_VERSION || head[1] > 4
        || head[2] != s->sc->ngroups)
    {
        return LEAD_EINVAL;
    }
    s->ncountries = head[1];
    n_assets = get_var(&r);
    s->trigger_ms = get_var(&r);
    s->trigger_asset = get_var(&r);
    get_name(&r, s->trigger, sizeof(s->trigger));
    for (k = 0; k < s->ncountries; k++) {
        get_bytes(&r, s->countries[k], 2);
        s->countries[k][2] = '\0';
    }
    for (k = 0; k < s->sc->ngroups && !r.bad; k++) {
        s->groups[k].won_ms = get_var(&r);
        n = get_var(&r);
        if (n > s->sc->groups[k].count || n > (uint64_t) (r.end - r.p) / 8) {
            r.bad = 1;
            break;
        }
        for (i = 0; i < n; i++, r.p += 8) {
            if (group_add_path(&s->groups[k], lead_get_u64(r.p)) != LEAD_OK) {
                lead_scorer_reset(s, 0);
                return LEAD_ENOMEM;
            }
        }
    }
    n = n_assets;
    /* each asset takes at least 15 bytes: a count beyond that is damage */
    if (r.bad || n > (uint64_t) (r.end - r.p) / 15) {
        return LEAD_EINVAL;
    }

    if (n > s->cap) {
        a = realloc(s->assets, n * sizeof(asset_state));
        if (a == NULL) {
            return LEAD_ENOMEM;
        }
        s->assets = a;
        s->cap = n;
    }

    for (i = 0; i < n && !r.bad; i++) {
        a = &s->assets[i];
        memset(a, 0, offsetof(asset_state, read_ms));
        get_bytes(&r, head, 8);
        a->id = r.bad ? 0 : lead_get_u64(head);
        if (lead_name_get(&r.p, r.end, &names, a->stage, sizeof(a->stage))
            || lead_name_get(&r.p, r.end, &names, a->topic,
                              sizeof(a->topic))
            || lead_name_get(&r.p, r.end, &names, a->group,
                              sizeof(a->group)))
        {
            r.bad = 1;
            break;
        }
        get_bytes(&r, head, 3);
        a->hot = (head[0] & 1) != 0;
        a->full = (head[0] & 2) != 0;
        a->ncover = head[1];
        a->rating = head[2];
        a->reads = (unsigned) get_var(&r);
        a->events = get_var(&r);
        a->first_ms = get_var(&r);
        a->last_ms = get_diff(&r, a->first_ms);
        a->last_read_ms = get_diff(&r, a->first_ms);
        a->file_size = get_var(&r);
        a->rated_ms = a->rating ? get_diff(&r, a->first_ms) : 0;
        if (a->ncover > MAX_COVER || a->rating > LEAD_RATING_MAX
            || (a->rating == 0) != (a->rated_ms == 0) || head[0] > 3)
        {
            r.bad = 1;
            break;
        }
        prev = a->first_ms;
        for (k = 0; k < a->reads && k < MAX_READS; k++) {
            a->read_ms[k] = get_diff(&r, prev);
            a->read_points[k] = (int32_t) (int64_t) get_diff(&r, 0);
            prev = a->read_ms[k];
        }
        for (k = 0; k < a->ncover; k++) {
            a->cover[k].start = get_var(&r);
            a->cover[k].end = get_diff(&r, a->cover[k].start);
        }
        a->stage_index = stage_of(s->sc, a->stage);
    }

    if (r.bad || r.p != r.end) {
        lead_scorer_reset(s, 0);
        return LEAD_EINVAL;
    }
    s->nassets = (size_t) n;
    s->bound = HUGE_VAL;
    return LEAD_OK;
}
