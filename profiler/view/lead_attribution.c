/*
 * Which content, campaigns and channels produced leads, MQLs, deals and
 * revenue: every lead's reads, credited under the three models at once.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_view.h"

#define NO_KEY    UINT32_MAX
#define NO_LEAD   UINT32_MAX

/* ---- the leads, their devices, statuses and outcomes ------------------- */

/* what each read looks at, apart: 16 bytes a lead stay in the caches */
typedef struct {
    uint64_t  ident_ms;            /* its first device linked */
    uint32_t  back;                /* by asset: read back from the form */
    uint32_t  seen;                /* a read of it was seen */
} lead_hot;

typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint64_t  reached[LEAD_NSTATUSES];   /* first in each status, or 0 */
    uint64_t  won_ms;              /* the close date, when won */
    int64_t   amount;              /* cents, when won in the currency */
    char      currency[4];
} lead_info;

typedef struct {
    uint8_t   visitor[LEAD_ID_LEN];
    uint32_t  lead;
    uint64_t  since;
} link_row;

typedef struct {
    uint32_t  lead, key;
    uint64_t  time_ms;
} touch;

/* a visitor's flags; its time_ms: it identified its lead then, or 0 */
#define VIS_SEEN  1                /* a read of it was seen */
#define VIS_MORE  2                /* it has more than one link */

/*
 * A read waiting for its visitor's slot: the slot is asked of memory
 * when the read comes and used AHEAD reads later, so the misses of a
 * table larger than the caches overlap instead of following each other.
 */
#define AHEAD  16

typedef struct {
    uint8_t   visitor[LEAD_ID_LEN];
    uint64_t  time_ms;
    uint32_t  key;
    int       touch;
} pending;

typedef struct {
    lead_store  *s;
    lead_attr_keys k;
    lead_info   *leads;
    lead_hot    *hot;
    size_t       nleads, lcap, hcap;
    link_row    *links;            /* by lead, as the devices come */
    size_t       nlinks, kcap;
    link_row    *more;             /* the links of visitors with several */
    size_t       nmore, mcap;
    touch       *touches;
    size_t       ntouches, tcap;
    uint64_t    *readers;         /* row << 32 | visitor number */
    size_t       nreaders, rcap;
    lead_visitor_set vis;          /* who read: their numbers, links */
    pending      ring[AHEAD];      /* the reads whose slots are asked */
    size_t       npending;
    uint32_t     cur;              /* the lead a table walked is at */
    uint32_t     linked;           /* the last lead a link was its */
    uint64_t     since_ms, now_ms;
    lead_event_fn also;            /* feedback's, on the page */
    void        *also_arg;
} build;

static int
grow(void **p, size_t *cap, size_t n, size_t size, size_t first)
{
    void   *grown;
    size_t  c;

    if (n < *cap) {
        return 0;
    }
    c = *cap ? *cap * 2 : first;
    grown = realloc(*p, c * size);
    if (grown == NULL) {
        return -1;
    }
    *p = grown;
    *cap = c;
    return 0;
}

static int
add_lead(void *arg, const lead_person *p)
{
    build      *b = arg;
    lead_info  *l;
    lead_hot   *h;

    if (grow((void **) &b->leads, &b->lcap, b->nleads, sizeof(lead_info),
             256) != 0
        || grow((void **) &b->hot, &b->hcap, b->nleads, sizeof(lead_hot),
                256) != 0)
    {
        return 1;
    }
    l = &b->leads[b->nleads];
    memset(l, 0, sizeof(*l));
    memcpy(l->id, p->id, LEAD_ID_LEN);
    h = &b->hot[b->nleads++];
    memset(h, 0, sizeof(*h));
    h->back = NO_KEY;
    h->ident_ms = p->created_ms;       /* until its devices say */
    return 0;
}

/*
 * The lead of a row of a table keyed by lead id first (devices,
 * transitions), as the leads were: a cursor follows them, where a search
 * a row would miss the caches at every step of it.  NO_LEAD: a lead
 * gone since.
 */
static uint32_t
lead_in_order(build *b, const uint8_t *lead_id)
{
    int  c = 1;

    while (b->cur < b->nleads
           && (c = memcmp(b->leads[b->cur].id, lead_id, LEAD_ID_LEN)) < 0)
    {
        b->cur++;
    }
    return c == 0 ? b->cur : NO_LEAD;
}

static int
add_link(void *arg, const uint8_t *lead_id, const uint8_t *visitor,
    uint64_t since)
{
    build     *b = arg;
    link_row  *l;
    lead_hot  *h;
    uint32_t   lead = lead_in_order(b, lead_id);

    if (lead == NO_LEAD) {
        return 0;
    }
    if (grow((void **) &b->links, &b->kcap, b->nlinks, sizeof(link_row),
             256) != 0)
    {
        return 1;
    }
    l = &b->links[b->nlinks++];
    memcpy(l->visitor, visitor, LEAD_ID_LEN);
    l->lead = lead;
    l->since = since;
    h = &b->hot[lead];
    if (b->linked != lead || since < h->ident_ms) {
        h->ident_ms = since;               /* its first device linked */
    }
    b->linked = lead;
    return 0;
}

static int
note_status(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    build      *b = arg;
    uint32_t    lead = lead_in_order(b, lead_id);
    lead_info  *l = lead != NO_LEAD ? &b->leads[lead] : NULL;

    if (l && t->to >= 0 && t->to < LEAD_NSTATUSES && t->time_ms < b->now_ms
        && l->reached[t->to] == 0)
    {
        l->reached[t->to] = t->time_ms ? t->time_ms : 1;
    }
    return 0;
}

static int
link_cmp(const void *x, const void *y)
{
    const link_row  *a = x, *b = y;
    int              c = memcmp(a->visitor, b->visitor, LEAD_ID_LEN);

    return c ? c : (a->since > b->since) - (a->since < b->since);
}

/* The lead an event is its: the link in force then, or the first. */
static uint32_t
lead_at(const build *b, const lead_visitor_slot *v, uint64_t t)
{
    const link_row  *l;

    if (!(v->flags & VIS_MORE)) {
        return v->lead;                  /* none, or its only link's */
    }
    l = &b->more[v->link];
    while (l + 1 < b->more + b->nmore
           && memcmp(l[1].visitor, l->visitor, LEAD_ID_LEN) == 0
           && l[1].since <= t)
    {
        l++;
    }
    return l->lead;
}

static int
in_window(const build *b, uint64_t t)
{
    return t != 0 && t >= b->since_ms && t < b->now_ms;
}

/* A read, its visitor's slot at hand: the reader, the lead's touch. */
static int
take_read(build *b, const pending *r)
{
    lead_visitor_slot  *v;
    uint32_t            lead;
    int                 touch_it = r->touch;

    v = lead_visitor_set_add(&b->vis, r->visitor);
    if (v == NULL) {
        return 1;
    }
    /* a reader once a row: reads of the row its visitor read last add none */
    if (in_window(b, r->time_ms) && v->row != r->key) {
        v->row = r->key;
        if (grow((void **) &b->readers, &b->rcap, b->nreaders,
                 sizeof(uint64_t), 4096) != 0)
        {
            return 1;
        }
        b->readers[b->nreaders++] = (uint64_t) r->key << 32 | v->num;
    }

    lead = lead_at(b, v, r->time_ms);
    if (lead == NO_LEAD) {
        return 0;
    }

    /*
     * The form sends its browser back to the gated asset (lead_view.h).
     * What each read looks at is in its visitor's slot, which it has
     * read already; a lead's own data only at a visitor's first read.
     */
    if (v->time_ms && r->time_ms >= v->time_ms) {
        if (r->time_ms - v->time_ms <= LEAD_FORM_BACK_MS
            && b->k.a->by == LEAD_BY_ASSET)
        {
            b->hot[lead].back = r->key;
        }
        v->time_ms = 0;
    }
    if (!(v->flags & VIS_SEEN) || (v->flags & VIS_MORE)) {
        v->flags |= VIS_SEEN;
        if (!b->hot[lead].seen) {
            b->hot[lead].seen = 1;
            touch_it = 1;                /* a lead's first read: a touch */
        }
    }
    if (!touch_it) {
        return 0;
    }

    if (grow((void **) &b->touches, &b->tcap, b->ntouches, sizeof(touch),
             4096) != 0)
    {
        return 1;
    }
    b->touches[b->ntouches].lead = lead;
    b->touches[b->ntouches].key = r->key;
    b->touches[b->ntouches].time_ms = r->time_ms;
    b->ntouches++;
    return 0;
}

/* The reads still waiting, in the order they came. */
static int
drain(build *b)
{
    size_t  i, n = b->npending < AHEAD ? b->npending : AHEAD;

    for (i = 0; i < n; i++) {
        if (take_read(b, &b->ring[(b->npending - n + i) % AHEAD]) != 0) {
            return 1;
        }
    }
    b->npending = 0;
    return 0;
}

static int
each_read(void *arg, uint64_t seq, const lead_event *ev)
{
    build     *b = arg;
    pending   *r;
    uint32_t   key;
    int        touch_it;

    /* feedback is no read, touch or reader (lead_model.h) */
    if (lead_event_is_feedback(ev)) {
        return b->also ? b->also(b->also_arg, seq, ev) : 0;
    }
    if (ev->time_ms >= b->now_ms) {
        return 0;
    }
    key = lead_attr_read_key(&b->k, ev, &touch_it);
    if (b->k.oom) {
        return 1;
    }
    if (key == NO_KEY) {
        return 0;
    }

    if (ev->ua_class == LEAD_UA_BOT) {
        b->k.a->rows[key].bots += in_window(b, ev->time_ms);
        return 0;
    }

    /* the slot of the read AHEAD before this one is used in its place */
    r = &b->ring[b->npending % AHEAD];
    if (b->npending >= AHEAD && take_read(b, r) != 0) {
        return 1;
    }
    memcpy(r->visitor, ev->visitor, LEAD_ID_LEN);
    r->time_ms = ev->time_ms;
    r->key = key;
    r->touch = touch_it;
    b->npending++;
    lead_visitor_set_prefetch(&b->vis, ev->visitor);
    return 0;
}

/* The touches by lead, each lead's in time order (the events' order). */
static int
sort_touches(build *b)
{
    touch   *sorted;
    size_t  *first, i;

    sorted = malloc((b->ntouches ? b->ntouches : 1) * sizeof(touch));
    first = calloc(b->nleads + 1, sizeof(size_t));
    if (sorted == NULL || first == NULL) {
        free(sorted);
        free(first);
        return -1;
    }
    for (i = 0; i < b->ntouches; i++) {
        first[b->touches[i].lead + 1]++;
    }
    for (i = 0; i < b->nleads; i++) {
        first[i + 1] += first[i];
    }
    for (i = 0; i < b->ntouches; i++) {
        sorted[first[b->touches[i].lead]++] = b->touches[i];
    }
    free(first);
    free(b->touches);
    b->touches = sorted;
    return 0;
}

/* The last of a lead's touches t[0..n) at or before when, or NULL. */
static const touch *
last_by(const touch *t, size_t n, uint64_t when)
{
    const touch  *last = NULL;
    size_t        i;

    for (i = 0; i < n && t[i].time_ms <= when; i++) {
        last = &t[i];
    }
    return last;
}

/* Each key of the touches by when counted once in *field of its row. */
static void
influenced(lead_attribution *a, const touch *t, size_t n, uint64_t when,
    size_t field, uint32_t *stamp, uint32_t mark)
{
    size_t  i;

    for (i = 0; i < n && t[i].time_ms <= when; i++) {
        if (stamp[t[i].key] != mark) {
            stamp[t[i].key] = mark;
            (*(uint64_t *) ((char *) &a->rows[t[i].key] + field))++;
        }
    }
}

/* One lead's credit: what it caused, reached, and its revenue. */
static void
credit(build *b, const lead_info *l, const lead_hot *h, const touch *t,
    size_t n, uint32_t *stamp, uint32_t *mark)
{
    static const struct { int status; size_t field; }  reached[] = {
        { LEAD_STATUS_SAL, offsetof(lead_attribution_row, sal) },
        { LEAD_STATUS_SQL, offsetof(lead_attribution_row, sql) },
        { LEAD_STATUS_WON, offsetof(lead_attribution_row, won) },
        { LEAD_STATUS_LOST, offsetof(lead_attribution_row, lost) },
    };
    lead_attribution  *a = b->k.a;
    const touch       *c;
    uint64_t           mql = l->reached[LEAD_STATUS_MQL], won;
    int64_t            share, rest;
    size_t             i, m;

    if (in_window(b, h->ident_ms)) {
        a->total.identified++;
        if (h->back != NO_KEY) {
            a->rows[h->back].identified++;
        } else if ((c = last_by(t, n, h->ident_ms)) != NULL) {
            a->rows[c->key].identified++;
        }
    }
    if (in_window(b, mql)) {
        a->total.mqls++;
        if ((c = last_by(t, n, mql)) != NULL) {
            a->rows[c->key].mqls++;
        }
    }
    for (i = 0; i < sizeof(reached) / sizeof(reached[0]); i++) {
        uint64_t  when = l->reached[reached[i].status];

        if (in_window(b, when)) {
            (*(uint64_t *) ((char *) &a->total + reached[i].field))++;
            influenced(a, t, n, when, reached[i].field, stamp, ++*mark);
        }
    }

    won = l->won_ms;
    if (!in_window(b, won) || l->amount == INT64_MIN) {
        return;
    }
    a->won_leads++;
    a->revenue += l->amount;
    for (m = 0; m < n && t[m].time_ms <= won; m++) { /* reads before it */ }
    if (m == 0) {
        a->unattributed += l->amount;
        return;
    }

    a->rows[t[0].key].revenue[LEAD_MODEL_FIRST] += l->amount;
    c = mql ? last_by(t, m, mql) : NULL;
    a->rows[(c ? c : &t[m - 1])->key].revenue[LEAD_MODEL_LAST] += l->amount;

    /* to the cent: the first reads take the remainder's cents */
    share = l->amount / (int64_t) m;
    rest = l->amount - share * (int64_t) m;
    for (i = 0; i < m; i++) {
        a->rows[t[i].key].revenue[LEAD_MODEL_LINEAR] +=
            share + ((int64_t) i < rest ? 1 : 0);
    }
}

/* The currency most won deals are in; the others are not summed. */
static void
read_outcomes(build *b)
{
    struct { char cur[4]; size_t n; }  seen[8];
    lead_outcome                        o;
    MDB_txn                            *txn;
    size_t                              i, j, nseen = 0, best = 0;

    if (lead_store_read_begin(b->s, &txn) != LEAD_OK) {
        return;
    }
    for (i = 0; i < b->nleads; i++) {
        lead_info  *l = &b->leads[i];

        l->amount = INT64_MIN;
        if (l->reached[LEAD_STATUS_WON] == 0) {
            continue;
        }
        if (lead_store_outcome_txn(b->s, txn, l->id, &o) != LEAD_OK) {
            memset(&o, 0, sizeof(o));       /* won before amounts: 0 */
        }
        l->amount = o.amount;
        memcpy(l->currency, o.currency, 4);
        l->won_ms = o.closed_ms ? o.closed_ms : l->reached[LEAD_STATUS_WON];
        for (j = 0; j < nseen && strcmp(seen[j].cur, o.currency) != 0; j++) {
            /* find it */
        }
        if (j == nseen && nseen < 8 && o.currency[0]) {
            memcpy(seen[nseen].cur, o.currency, 4);
            seen[nseen++].n = 0;
        }
        if (j < nseen) {
            seen[j].n++;
        }
    }
    lead_store_read_end(b->s, txn);

    for (j = 1; j < nseen; j++) {
        best = seen[j].n > seen[best].n ? j : best;
    }
    if (nseen) {
        memcpy(b->k.a->currency, seen[best].cur, 4);
    }
    for (i = 0; i < b->nleads; i++) {
        lead_info  *l = &b->leads[i];

        if (l->amount != INT64_MIN && l->currency[0]
            && strcmp(l->currency, b->k.a->currency) != 0)
        {
            b->k.a->other_currency += in_window(b, l->won_ms);
            l->amount = INT64_MIN;
        }
    }
}

static int
row_cmp(const void *p, const void *q)
{
    const lead_attribution_row  *x = p, *y = q;
    size_t                       n = x->name.len < y->name.len ? x->name.len
                                                               : y->name.len;
    int                          c;

    if (x->revenue_model != y->revenue_model) {
        return x->revenue_model > y->revenue_model ? -1 : 1;
    }
    if (x->mqls != y->mqls) {
        return x->mqls > y->mqls ? -1 : 1;
    }
    if (x->identified != y->identified) {
        return x->identified > y->identified ? -1 : 1;
    }
    if (x->readers != y->readers) {
        return x->readers > y->readers ? -1 : 1;
    }
    c = n ? memcmp(x->name.data, y->name.data, n) : 0;
    return c ? c : (x->name.len > y->name.len) - (x->name.len < y->name.len);
}

/* By campaign, every campaign campaigns.csv lists has a row and a cost. */
static int
add_costs(build *b, const lead_rules *r, int rows)
{
    lead_attribution     *a = b->k.a;
    const lead_campaign  *c;
    size_t                i, n;

    n = lead_rules_campaigns(r, &c);
    if (a->by != LEAD_BY_CAMPAIGN || n == 0) {
        return LEAD_OK;
    }
    a->costs = 1;
    for (i = 0; rows && i < n; i++) {
        if (lead_attr_key(&b->k, c[i].name, c[i].len) == NO_KEY) {
            return LEAD_ENOMEM;
        }
        a->total.cost = (i ? a->total.cost : 0) + c[i].cost;
    }
    for (i = 0; !rows && i < a->n; i++) {
        a->rows[i].cost = lead_rules_campaign_cost(r, a->rows[i].name.data,
                                                   a->rows[i].name.len);
    }
    return LEAD_OK;
}

static int
add_more(build *b, const link_row *l)
{
    if (grow((void **) &b->more, &b->mcap, b->nmore, sizeof(link_row), 256)
        != 0)
    {
        return -1;
    }
    b->more[b->nmore++] = *l;
    return 0;
}

/*
 * Each linked visitor's slot: its lead, and whether it identified it.
 * Most have one link; the few with several have theirs put in order
 * apart, where lead_at walks them, and not every link sorted.
 */
static int
map_visitors(build *b)
{
    lead_visitor_slot  *v;
    const link_row     *l;
    size_t              i;

    /* the linked visitors, most of those who read (a hint: at most) */
    if (lead_visitor_set_reserve(&b->vis, b->nlinks) != 0) {
        return -1;
    }
    for (i = 0; i < b->nlinks; i++) {
        l = &b->links[i];
        v = lead_visitor_set_add(&b->vis, l->visitor);
        if (v == NULL) {
            return -1;
        }
        if (v->lead == NO_LEAD) {
            v->lead = l->lead;
            v->link = (uint32_t) i;
            if (l->since == b->hot[l->lead].ident_ms) {
                v->time_ms = l->since;         /* it identified its lead */
            }
            continue;
        }
        if (!(v->flags & VIS_MORE)) {
            v->flags |= VIS_MORE;
            if (add_more(b, &b->links[v->link]) != 0) {
                return -1;
            }
        }
        if (add_more(b, l) != 0) {
            return -1;
        }
    }

    /* a visitor of several links: the oldest is its lead before them */
    lead_sort(b->more, b->nmore, sizeof(link_row), link_cmp);
    for (i = 0; i < b->nmore; i++) {
        l = &b->more[i];
        if (i > 0 && memcmp(l->visitor, l[-1].visitor, LEAD_ID_LEN) == 0) {
            continue;
        }
        v = lead_visitor_set_add(&b->vis, l->visitor);
        if (v == NULL) {
            return -1;
        }
        v->lead = l->lead;
        v->link = (uint32_t) i;
        v->time_ms = l->since == b->hot[l->lead].ident_ms ? l->since : 0;
    }
    return 0;
}

static int
attribute(lead_store *s, const lead_rules *rules, build *b)
{
    lead_attribution  *a = b->k.a;
    uint32_t          *stamp = NULL, mark = 0;
    size_t             i, j;
    int                rc;

    rc = lead_attr_keys_catalogue(&b->k, s);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = add_costs(b, rules, 1);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_store_each_lead(s, add_lead, b);
    if (rc == LEAD_OK) {
        rc = lead_store_each_link(s, add_link, b);
    }
    b->cur = 0;
    if (rc == LEAD_OK) {
        rc = lead_store_each_transition(s, NULL, note_status, b);
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    read_outcomes(b);
    if (map_visitors(b) != 0) {
        return LEAD_ENOMEM;
    }

    rc = lead_store_each_event(s, each_read, b);
    if (rc == LEAD_OK && drain(b) != 0) {
        rc = LEAD_ENOMEM;
    }
    if (rc != LEAD_OK || b->k.oom) {
        return rc != LEAD_OK ? rc : LEAD_ENOMEM;
    }

    /* readers: distinct people per row */
    if (lead_sort_u64(b->readers, b->nreaders) != 0 || sort_touches(b) != 0) {
        return LEAD_ENOMEM;
    }
    for (i = 0; i < b->nreaders; i++) {
        if (i == 0 || b->readers[i] != b->readers[i - 1]) {
            a->rows[b->readers[i] >> 32].readers++;
        }
    }

    stamp = calloc(a->n ? a->n : 1, sizeof(uint32_t));
    if (stamp == NULL) {
        return LEAD_ENOMEM;
    }
    for (i = 0, j = 0; i < b->nleads; i++) {
        size_t  first = j;

        while (j < b->ntouches && b->touches[j].lead == i) {
            j++;
        }
        credit(b, &b->leads[i], &b->hot[i], b->touches + first, j - first,
               stamp, &mark);
    }
    free(stamp);

    /* the rows' sums; readers may count a person in several rows */
    for (i = 0; i < a->n; i++) {
        a->total.readers += a->rows[i].readers;
        a->total.bots += a->rows[i].bots;
        for (j = 0; j < LEAD_NMODELS; j++) {
            a->total.revenue[j] += a->rows[i].revenue[j];
        }
        a->rows[i].revenue_model = a->rows[i].revenue[a->model];
    }
    add_costs(b, rules, 0);
    a->total.revenue_model = a->total.revenue[a->model];

    /* rows with nothing in the window go */
    for (i = 0, j = 0; i < a->n; i++) {
        lead_attribution_row  *r = &a->rows[i];

        if (r->readers || r->bots || r->identified || r->mqls || r->sal
            || r->sql || r->won || r->lost || r->cost >= 0)
        {
            a->rows[j++] = *r;
        }
    }
    a->n = j;
    lead_sort(a->rows, a->n, sizeof(*a->rows), row_cmp);
    return LEAD_OK;
}

int
lead_query_attribution(lead_store *s, const lead_rules *r, int by, int model,
    uint64_t since_ms, uint64_t now_ms, lead_attribution *out)
{
    return lead_query_attribution_also(s, r, by, model, since_ms, now_ms,
                                       NULL, NULL, out);
}

int
lead_query_attribution_also(lead_store *s, const lead_rules *r, int by,
    int model, uint64_t since_ms, uint64_t now_ms, lead_event_fn also,
    void *also_arg, lead_attribution *out)
{
    build  b;
    int    rc;

    memset(out, 0, sizeof(*out));
    memset(&b, 0, sizeof(b));
    out->by = by;
    out->model = model;
    out->since_ms = since_ms;
    out->now_ms = now_ms;
    out->arena = lead_arena_new();
    if (out->arena == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    out->total.name.data = "total";
    out->total.name.len = 5;
    out->total.cost = -1;
    b.s = s;
    b.k.a = out;
    b.k.plain = NO_KEY;
    b.linked = NO_LEAD;
    b.since_ms = since_ms;
    b.now_ms = now_ms;
    b.also = also;
    b.also_arg = also_arg;

    rc = lead_store_snapshot(s);
    if (rc == LEAD_OK) {
        rc = attribute(s, r, &b);
        lead_store_snapshot_end(s);
    }

    free(b.leads);
    free(b.hot);
    free(b.links);
    free(b.more);
    free(b.touches);
    free(b.readers);
    lead_visitor_set_free(&b.vis);
    lead_attr_keys_free(&b.k);

    if (rc == LEAD_OK && lead_arena_oom(out->arena)) {
        rc = LEAD_ENOMEM;
    }
    if (rc == LEAD_ENOMEM || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_attribution_free(out);
    }
    return rc;
}

void
lead_attribution_free(lead_attribution *a)
{
    free(a->rows);
    lead_arena_free(a->arena);
    memset(a, 0, sizeof(*a));
}
