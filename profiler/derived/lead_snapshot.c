/*
 * Every lead scored in one read snapshot, as the lists (leadctl, the sales
 * view) need them.  The event log is in time order, not by lead, so:
 *
 *   1. the leads, their statuses and devices (merged: all are in lead id
 *      order), and every visitor's links are read;
 *   2. one scan of the events keeps a pointer to each (into the
 *      snapshot), then each pointer's lead is looked up in a hash of the
 *      visitors, prefetched ahead: the table is larger than the caches;
 *   3. a counting sort groups the events by lead, time order kept, their
 *      bytes copied lead after lead;
 *   4. one scorer, reused, scores the leads one after the other.
 *
 * Memory is the events' bytes and a few words per event, never a scorer
 * per lead.  Where the store allows a second thread (leadctl's, never
 * the module's), steps 1 and 2 read beside each other, steps 2 and 3
 * work in halves, and step 4 takes every other chunk of leads.
 */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_threads.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define EVENT_HEAD  (1 + 1 + 2 + 8 + LEAD_ID_LEN + 8 + 8)
#define NO_LEAD     UINT32_MAX
#define AHEAD       16          /* lookups prefetched ahead */
#define SCORE_CHUNK 256         /* leads scored in one go, then handed on */

typedef struct {
    const uint8_t  *id;
    MDB_val         val;
    int             status;
    uint64_t        status_ms;
    unsigned        devices;
} lead_slot;

/* a visitor linked to more than one lead: which one depends on when */
typedef struct {
    const uint8_t  *links;
    uint32_t        nlinks;
    uint32_t        lead_of;      /* into snap.link_leads: one per link */
} relinked;

typedef struct {
    MDB_val         val;
    uint32_t        lead;
} kept_event;

/*
 * ids to their lead (a visitor: the lead of its only link, or NO_LEAD and
 * a relinked entry), open addressing; ids copied: no trips to the map
 */
typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint32_t  index;             /* NO_LEAD with no relinked: empty */
    uint32_t  relinked;          /* NO_LEAD: none */
} id_slot;

typedef struct {
    id_slot  *slots;
    size_t    mask;
} id_hash;

typedef struct {
    lead_store     *s;
    MDB_txn        *txn;
    lead_slot      *leads;
    size_t          nleads, lcap;
    size_t          merge_at;      /* the lead a sorted table is at */
    relinked       *relinked;
    size_t          nrelinked, rcap;
    uint32_t       *link_leads;
    size_t          nlink_leads, llcap;
    id_hash         by_visitor, by_lead;
    kept_event     *events;
    size_t          nevents, ecap;
    uint64_t        now_ms;
    int             oom;
    int             events_oom;    /* the events' scan's own: a thread's */
} snap;

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
    void    *q;
    size_t   c = *cap ? *cap * 2 : 1024;

    if (n < *cap) {
        return 1;
    }
    q = realloc(*p, c * size);
    if (q == NULL) {
        return 0;
    }
    *p = q;
    *cap = c;
    return 1;
}

static int
collect_lead(const MDB_val *key, const MDB_val *val, void *ctx)
{
    snap       *c = ctx;
    lead_slot  *l;

    if (key->mv_size != LEAD_ID_LEN) {
        return 0;
    }
    if (!grow((void **) &c->leads, &c->lcap, c->nleads, sizeof(lead_slot)))
    {
        c->oom = 1;
        return 1;
    }
    l = &c->leads[c->nleads++];
    l->id = key->mv_data;
    l->val = *val;
    l->status = LEAD_STATUS_IDENTIFIED;
    l->status_ms = 0;
    l->devices = 0;
    return 0;
}

/* The lead of a key from a table in lead id order, walked alongside. */
static lead_slot *
merge_lead(snap *c, const uint8_t *id)
{
    int  d = -1;

    while (c->merge_at < c->nleads
           && (d = memcmp(c->leads[c->merge_at].id, id, LEAD_ID_LEN)) < 0)
    {
        c->merge_at++;
    }
    return c->merge_at < c->nleads && d == 0 ? &c->leads[c->merge_at]
                                             : NULL;
}

static int
note_status(const MDB_val *key, const MDB_val *val, void *ctx)
{
    snap       *c = ctx;
    lead_slot  *l;

    if (key->mv_size == LEAD_ID_LEN && val->mv_size == 9
        && (l = merge_lead(c, key->mv_data)) != NULL)
    {
        l->status = ((uint8_t *) val->mv_data)[0];
        l->status_ms = lead_get_u64((uint8_t *) val->mv_data + 1);
    }
    return 0;
}

static int
note_device(const MDB_val *key, const MDB_val *val, void *ctx)
{
    snap       *c = ctx;
    lead_slot  *l;

    (void) val;
    if (key->mv_size == 2 * LEAD_ID_LEN
        && (l = merge_lead(c, key->mv_data)) != NULL)
    {
        l->devices++;
    }
    return 0;
}

static size_t
hash_id(const uint8_t *id)
{
    uint64_t  h = lead_get_u64(id) ^ lead_get_u64(id + 8);

    /* ids are random, but generated ones may not be: mix anyway */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t) h;
}

static int
hash_init(id_hash *h, size_t n)
{
    size_t  size = 16;

    while (size < 2 * n) {
        size *= 2;
    }
    h->slots = malloc(size * sizeof(id_slot));
    if (h->slots == NULL) {
        return 0;
    }
    memset(h->slots, 0xff, size * sizeof(id_slot));
    h->mask = size - 1;
    return 1;
}

static int
slot_empty(const id_slot *slot)
{
    return slot->index == NO_LEAD && slot->relinked == NO_LEAD;
}

static id_slot *
hash_add(id_hash *h, const uint8_t *id)
{
    size_t  i;

    for (i = hash_id(id) & h->mask; !slot_empty(&h->slots[i]);
         i = (i + 1) & h->mask)
    {
        /* void */
    }
    memcpy(h->slots[i].id, id, LEAD_ID_LEN);
    return &h->slots[i];
}

static const id_slot *
hash_find(const id_hash *h, const uint8_t *id)
{
    size_t  i;

    for (i = hash_id(id) & h->mask; !slot_empty(&h->slots[i]);
         i = (i + 1) & h->mask)
    {
        if (memcmp(h->slots[i].id, id, LEAD_ID_LEN) == 0) {
            return &h->slots[i];
        }
    }
    return NULL;
}

static void
hash_free(id_hash *h)
{
    free(h->slots);
}

static int
index_leads(snap *c)
{
    size_t  i;

    if (!hash_init(&c->by_lead, c->nleads)) {
        return 0;
    }
    for (i = 0; i < c->nleads; i++) {
        hash_add(&c->by_lead, c->leads[i].id)->index = (uint32_t) i;
    }
    return 1;
}

static uint32_t
lead_index(const snap *c, const uint8_t *id)
{
    const id_slot  *slot = hash_find(&c->by_lead, id);

    return slot ? slot->index : NO_LEAD;
}

/* Each linked visitor: its lead, or for a relinked one all its links. */
static int
index_visitor(const MDB_val *key, const MDB_val *val, void *ctx)
{
    snap      *c = ctx;
    id_slot   *slot;
    relinked  *v;
    size_t     i, n;

    if (key->mv_size != LEAD_ID_LEN || val->mv_size % LINK_SIZE != 0
        || val->mv_size == 0)
    {
        return 0;
    }
    n = val->mv_size / LINK_SIZE;
    slot = hash_add(&c->by_visitor, key->mv_data);

    if (n == 1) {
        slot->index = lead_index(c, val->mv_data);
        /* linked to a lead that is gone: still not empty */
        slot->relinked = slot->index == NO_LEAD ? NO_LEAD - 1 : NO_LEAD;
        return 0;
    }

    if (!grow((void **) &c->relinked, &c->rcap, c->nrelinked,
              sizeof(relinked)))
    {
        c->oom = 1;
        return 1;
    }
    slot->relinked = (uint32_t) c->nrelinked;
    v = &c->relinked[c->nrelinked++];
    v->links = val->mv_data;
    v->nlinks = (uint32_t) n;
    v->lead_of = (uint32_t) c->nlink_leads;

    for (i = 0; i < n; i++) {
        if (!grow((void **) &c->link_leads, &c->llcap, c->nlink_leads,
                  sizeof(uint32_t)))
        {
            c->oom = 1;
            return 1;
        }
        c->link_leads[c->nlink_leads++] = lead_index(c, v->links
                                                        + i * LINK_SIZE);
    }
    return 0;
}

static int
index_visitors(snap *c)
{
    MDB_stat  st;
    int       rc;

    /* the table's count, kept by LMDB: no scan to size the hash */
    rc = mdb_stat(c->txn, c->s->links, &st);
    if (rc != 0) {
        return lead_store_mdb_fail(c->s, rc, "mdb_stat");
    }
    if (!hash_init(&c->by_visitor, st.ms_entries)) {
        c->oom = 1;
        return LEAD_OK;
    }
    return lead_store_scan_txn(c->s, c->txn, c->s->links, index_visitor, c);
}

/* Keeps a pointer to each event people read by now: bots score nothing. */
static int
keep_event(const MDB_val *key, const MDB_val *val, void *ctx)
{
    snap           *c = ctx;
    const uint8_t  *e = val->mv_data;

    if (key->mv_size != 16 || val->mv_size < EVENT_HEAD
        || e[1] == LEAD_UA_BOT || lead_get_u64(e + 4) > c->now_ms)
    {
        return 0;
    }

    if (!grow((void **) &c->events, &c->ecap, c->nevents,
              sizeof(kept_event)))
    {
        c->events_oom = 1;
        return 1;
    }
    c->events[c->nevents].val = *val;
    c->events[c->nevents].lead = NO_LEAD;
    c->nevents++;
    return 0;
}

/* The scan of the events, on a helper's thread beside the other scans. */
typedef struct {
    snap        *c;
    lead_store   quiet;      /* for the helper's errors: s->err is not its */
    int          scanned;    /* 0: not in the snapshot's txn: scan again */
    int          rc;
} events_scan;

static void *
scan_events(void *arg)
{
    events_scan  *e = arg;
    snap         *c = e->c;
    MDB_txn      *txn;

    if (mdb_txn_begin(c->s->env, NULL, MDB_RDONLY, &txn) != 0) {
        return NULL;
    }
    /* the same commit as c->txn's, whose reader keeps its pages */
    if (mdb_txn_id(txn) == mdb_txn_id(c->txn)) {
        e->rc = lead_store_scan_txn(&e->quiet, txn, c->s->events, keep_event,
                                    c);
        e->scanned = 1;
    }
    mdb_txn_abort(txn);
    return NULL;
}

static uint32_t
event_lead(const snap *c, const uint8_t *e)
{
    const id_slot   *slot = hash_find(&c->by_visitor, e + 12);
    const relinked  *v;
    const uint8_t   *link;

    if (slot == NULL || slot->relinked >= NO_LEAD - 1) {
        return slot ? slot->index : NO_LEAD;
    }
    v = &c->relinked[slot->relinked];
    link = lead_attributed(v->links, v->nlinks, lead_get_u64(e + 4));
    return c->link_leads[v->lead_of + (size_t) (link - v->links) / LINK_SIZE];
}

/* Lead i's events: first how many and their bytes, then where they go. */
typedef struct {
    size_t  n, bytes;
} lead_span;

/* Half of a step's work: events from..to, or the leads from..to. */
typedef struct {
    snap       *c;
    size_t      from, to;
    lead_span  *span;
    MDB_val    *order;
    char       *bytes;
} half;

/*
 * Runs fn on both halves: the second in a thread of its own when the
 * store allows a second thread, each writing only what is its own.
 */
static void
in_halves(snap *c, void *(*fn)(void *), half h[2])
{
    pthread_t  helper;
    int        helped;

    helped = c->s->score_threads > 1
             && pthread_create(&helper, NULL, fn, &h[1]) == 0;
    (void) fn(&h[0]);
    if (helped) {
        pthread_join(helper, NULL);
    } else {
        (void) fn(&h[1]);
    }
}

static void *
attribute_half(void *arg)
{
    half           *h = arg;
    snap           *c = h->c;
    size_t          i;
    const uint8_t  *ahead;

    for (i = h->from; i < h->to; i++) {
        if (i + AHEAD < h->to) {
            ahead = c->events[i + AHEAD].val.mv_data;
            __builtin_prefetch(&c->by_visitor.slots[hash_id(ahead + 12)
                                                    & c->by_visitor.mask]);
        }
        c->events[i].lead = event_lead(c, c->events[i].val.mv_data);
    }
    return NULL;
}

static void
attribute_events(snap *c)
{
    half  h[2] = { { c, 0, c->nevents / 2, NULL, NULL, NULL },
                   { c, c->nevents / 2, c->nevents, NULL, NULL, NULL } };

    in_halves(c, attribute_half, h);
}

/* Copies the events of the leads from..to, each to its lead's place. */
static void *
copy_half(void *arg)
{
    half       *h = arg;
    snap       *c = h->c;
    lead_span  *at;
    MDB_val    *v;
    size_t      i;
    uint32_t    l;

    for (i = 0; i < c->nevents; i++) {
        l = c->events[i].lead;
        if (l >= h->from && l < h->to) {
            at = &h->span[l];
            v = &h->order[at->n++];
            v->mv_size = c->events[i].val.mv_size;
            v->mv_data = h->bytes + at->bytes;
            memcpy(v->mv_data, c->events[i].val.mv_data, v->mv_size);
            at->bytes += v->mv_size;
        }
    }
    return NULL;
}

/*
 * Groups the events by lead with a stable counting sort: lead i's are
 * order[span[i - 1].n .. span[i].n) (span[-1].n being 0), in time order.
 * Their bytes are copied, lead after lead, into *bytesp: read in log
 * order and written at random, then read in order, where reading them at
 * random in the map stalled on every one.  A lead's count and bytes are
 * side by side (one cache miss an event, not two), and with two threads
 * each copies the events of half the leads.
 */
static int
group_events(snap *c, lead_span **spanp, MDB_val **orderp, char **bytesp)
{
    lead_span  *span;
    MDB_val    *order;
    size_t      i, lo, hi;
    char       *bytes = NULL;
    half        h[2];

    span = calloc(c->nleads + 1, sizeof(lead_span));
    order = malloc((c->nevents ? c->nevents : 1) * sizeof(MDB_val));
    if (span == NULL || order == NULL) {
        goto failed;
    }

    /* anonymous events (NO_LEAD) are left out */
    for (i = 0; i < c->nevents; i++) {
        if (c->events[i].lead != NO_LEAD) {
            span[c->events[i].lead + 1].n++;
            span[c->events[i].lead + 1].bytes += c->events[i].val.mv_size;
        }
    }
    for (i = 0; i < c->nleads; i++) {
        span[i + 1].n += span[i].n;
        span[i + 1].bytes += span[i].bytes;
    }
    bytes = malloc(span[c->nleads].bytes ? span[c->nleads].bytes : 1);
    if (bytes == NULL) {
        goto failed;
    }

    /* the halves split at the lead where half the events are copied */
    for (lo = 0, hi = c->nleads; lo < hi; ) {
        i = lo + (hi - lo) / 2;
        if (span[i].n < span[c->nleads].n / 2) {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    h[0] = (half) { c, 0, lo, span, order, bytes };
    h[1] = (half) { c, lo, c->nleads, span, order, bytes };
    in_halves(c, copy_half, h);
    /* span[i].n is now where lead i's events end */

    *spanp = span;
    *orderp = order;
    *bytesp = bytes;
    return LEAD_OK;

failed:
    free(span);
    free(order);
    return lead_store_fail(c->s, LEAD_ENOMEM, "out of memory");
}

/* One lead scored, kept until its turn to be handed on. */
typedef struct {
    lead_person  person;
    lead_score   score;         /* lean: the lists stay 0 */
    lead_scored  out;
    int          ok;            /* 0: its row did not decode: skipped */
} scored_row;

/* A chunk of leads the helper scored, waiting for the caller's thread. */
typedef struct {
    scored_row  *rows;
    size_t       chunk;
    int          full;
} scored_chunk;

/*
 * The caller's thread scores the even chunks and hands every lead on in
 * order; with a helper, it scores the odd ones a chunk or two ahead.
 */
typedef struct {
    snap                *c;
    const lead_scoring  *sc;
    const lead_span     *span;
    const MDB_val       *order;
    size_t               nchunks;
    pthread_mutex_t      lock;
    pthread_cond_t       changed;
    scored_chunk         ahead[2];
    int                  stop;      /* the caller is done: the helper too */
    int                  rc;        /* the helper's failure */
} scoring;

/* Scores the leads of chunk k into rows, each from its grouped events. */
static int
score_chunk(const scoring *t, lead_scorer *scorer, size_t k,
    scored_row *rows)
{
    const snap  *c = t->c;
    scored_row  *row;
    lead_event   ev;
    size_t       i, j, to, end;
    int          rc;

    memset(&ev, 0, sizeof(ev));     /* what a scored decode leaves */
    i = k * SCORE_CHUNK;
    to = i + SCORE_CHUNK < c->nleads ? i + SCORE_CHUNK : c->nleads;
    for (j = i ? t->span[i - 1].n : 0; i < to; i++) {
        row = &rows[i % SCORE_CHUNK];
        end = t->span[i].n;
        row->ok = lead_decode_person(c->leads[i].id, &c->leads[i].val,
                                     &row->person) == LEAD_OK;
        if (!row->ok) {
            j = end;
            continue;
        }

        lead_scorer_reset(scorer, 0);
        memset(&row->out, 0, sizeof(row->out));
        for (; j < end; j++) {
            if (lead_event_decode_scored(t->order[j].mv_data,
                                         t->order[j].mv_size, &ev)
                != LEAD_OK)
            {
                continue;
            }
            if (row->out.first_ms == 0) {
                row->out.first_ms = ev.time_ms;
            }
            row->out.last_ms = ev.time_ms;
            rc = lead_scorer_add(scorer, &ev);
            if (rc != LEAD_OK) {
                return rc;
            }
        }

        rc = lead_scorer_totals(scorer, c->now_ms, &row->score);
        if (rc != LEAD_OK) {
            return rc;
        }
        row->out.person = &row->person;
        row->out.score = &row->score;
        row->out.status = c->leads[i].status;
        row->out.status_ms = c->leads[i].status_ms ? c->leads[i].status_ms
                                                   : row->person.created_ms;
        row->out.devices = c->leads[i].devices;
    }
    return LEAD_OK;
}

/* The helper: the odd chunks, each in a buffer the caller has emptied. */
static void *
score_ahead(void *arg)
{
    scoring       *t = arg;
    scored_chunk  *b;
    lead_scorer   *scorer;
    size_t         k;
    int            rc = LEAD_OK, stop;

    scorer = lead_scorer_new(t->sc);
    for (k = 1; k < t->nchunks && rc == LEAD_OK; k += 2) {
        b = &t->ahead[k / 2 % 2];
        pthread_mutex_lock(&t->lock);
        while (b->full && !t->stop) {
            pthread_cond_wait(&t->changed, &t->lock);
        }
        stop = t->stop;
        pthread_mutex_unlock(&t->lock);
        if (stop) {
            break;
        }

        rc = scorer ? score_chunk(t, scorer, k, b->rows) : LEAD_ENOMEM;

        pthread_mutex_lock(&t->lock);
        b->chunk = k;
        b->full = rc == LEAD_OK;
        t->rc = rc;
        pthread_cond_broadcast(&t->changed);
        pthread_mutex_unlock(&t->lock);
    }
    lead_scorer_free(scorer);
    return NULL;
}

/* Chunk k from the helper once scored, or NULL and why it failed. */
static scored_chunk *
wait_ahead(scoring *t, size_t k, int *rc)
{
    scored_chunk  *b = &t->ahead[k / 2 % 2];
    int            ready;

    pthread_mutex_lock(&t->lock);
    while (!(ready = b->full && b->chunk == k) && t->rc == LEAD_OK) {
        pthread_cond_wait(&t->changed, &t->lock);
    }
    *rc = ready ? LEAD_OK : t->rc;
    pthread_mutex_unlock(&t->lock);
    return ready ? b : NULL;
}

/* Tells the helper a buffer is free again, or (b NULL) to stop. */
static void
tell_helper(scoring *t, scored_chunk *b)
{
    pthread_mutex_lock(&t->lock);
    if (b != NULL) {
        b->full = 0;
    } else {
        t->stop = 1;
    }
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->lock);
}

/* Hands chunk k's leads on, in lead order, on the caller's thread. */
static int
hand_on(const scoring *t, size_t k, const scored_row *rows,
    lead_scored_all_fn fn, void *arg)
{
    size_t  i, n;

    n = t->c->nleads - k * SCORE_CHUNK;
    n = n < SCORE_CHUNK ? n : SCORE_CHUNK;
    for (i = 0; i < n; i++) {
        if (rows[i].ok && fn(arg, &rows[i].out) != 0) {
            return LEAD_ECALLBACK;
        }
    }
    return LEAD_OK;
}

/*
 * Scores each lead from its events, grouped by lead, in chunks: a second
 * thread when the store allows one scores every other chunk.
 */
static int
score_each(snap *c, const lead_scoring *sc, lead_scored_all_fn fn,
    void *arg)
{
    lead_span     *span = NULL;
    MDB_val       *order = NULL;
    size_t         k;
    char          *bytes = NULL;
    lead_scorer   *scorer;
    scored_row    *mine, *rows;
    scored_chunk  *b;
    pthread_t      helper;
    scoring        t;
    int            rc, helped = 0;

    memset(&t, 0, sizeof(t));
    scorer = lead_scorer_new(sc);
    mine = calloc(3 * SCORE_CHUNK, sizeof(scored_row));
    if (scorer == NULL || mine == NULL) {
        rc = lead_store_fail(c->s, LEAD_ENOMEM, "out of memory");
        goto done;
    }
    rc = group_events(c, &span, &order, &bytes);
    if (rc != LEAD_OK) {
        goto done;
    }

    t.c = c;
    t.sc = sc;
    t.span = span;
    t.order = order;
    t.nchunks = (c->nleads + SCORE_CHUNK - 1) / SCORE_CHUNK;
    t.ahead[0].rows = mine + SCORE_CHUNK;
    t.ahead[1].rows = mine + 2 * SCORE_CHUNK;
    if (c->s->score_threads > 1 && t.nchunks > 1) {
        pthread_mutex_init(&t.lock, NULL);
        pthread_cond_init(&t.changed, NULL);
        helped = pthread_create(&helper, NULL, score_ahead, &t) == 0;
        if (!helped) {
            pthread_cond_destroy(&t.changed);
            pthread_mutex_destroy(&t.lock);
        }
    }

    for (k = 0; k < t.nchunks && rc == LEAD_OK; k++) {
        b = NULL;
        if (helped && k % 2) {
            b = wait_ahead(&t, k, &rc);
            rows = b ? b->rows : NULL;
        } else {
            rows = mine;
            rc = score_chunk(&t, scorer, k, mine);
        }
        if (rc == LEAD_OK) {
            rc = hand_on(&t, k, rows, fn, arg);
        }
        if (b != NULL) {
            tell_helper(&t, b);
        }
    }
    if (rc == LEAD_ENOMEM) {
        rc = lead_store_fail(c->s, LEAD_ENOMEM, "out of memory");
    }

    if (helped) {
        tell_helper(&t, NULL);
        pthread_join(helper, NULL);
        pthread_cond_destroy(&t.changed);
        pthread_mutex_destroy(&t.lock);
    }

done:
    free(span);
    free(order);
    free(bytes);
    lead_scorer_free(scorer);
    free(mine);
    return rc;
}

/*
 * Reads, in one snapshot, what grouping the events by lead needs; with
 * two threads, the events in a read transaction of the same commit on
 * the second, while the first reads the rest.
 */
static int
snap_read(snap *c, lead_store *s, uint64_t now_ms)
{
    events_scan  e;
    pthread_t    helper;
    int          rc, helped = 0;

    memset(c, 0, sizeof(*c));
    c->s = s;
    c->now_ms = now_ms;

    /* one snapshot for all of it: the numbers agree with each other */
    rc = lead_store_read_begin(s, &c->txn);
    memset(&e, 0, sizeof(e));
    if (rc == LEAD_OK && s->score_threads > 1) {
        e.c = c;
        e.quiet = *s;
        helped = pthread_create(&helper, NULL, scan_events, &e) == 0;
    }
    if (rc == LEAD_OK) {
        rc = lead_store_scan_txn(s, c->txn, s->leads, collect_lead, c);
    }
    if (rc == LEAD_OK && !c->oom) {
        rc = lead_store_scan_txn(s, c->txn, s->statuses, note_status, c);
    }
    if (rc == LEAD_OK && !c->oom) {
        c->merge_at = 0;
        rc = lead_store_scan_txn(s, c->txn, s->devices, note_device, c);
    }
    if (rc == LEAD_OK && !c->oom && !index_leads(c)) {
        c->oom = 1;
    }
    if (rc == LEAD_OK && !c->oom) {
        rc = index_visitors(c);
    }
    if (helped) {
        pthread_join(helper, NULL);
    }
    if (rc == LEAD_OK && e.scanned && e.rc != LEAD_OK && !c->events_oom) {
        rc = lead_store_fail(s, e.rc, "%s", e.quiet.err);
    }
    if (rc == LEAD_OK && !c->oom && !e.scanned) {
        rc = lead_store_scan_txn(s, c->txn, s->events, keep_event, c);
    }
    c->oom |= c->events_oom;
    if (rc == LEAD_OK && !c->oom) {
        attribute_events(c);
    }
    if (c->oom) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    return rc;
}

static void
snap_free(snap *c)
{
    if (c->txn != NULL) {
        lead_store_read_end(c->s, c->txn);
    }
    free(c->leads);
    free(c->relinked);
    free(c->link_leads);
    hash_free(&c->by_lead);
    hash_free(&c->by_visitor);
    free(c->events);
}

int
lead_store_score_all(lead_store *s, const lead_scoring *sc, uint64_t now_ms,
    lead_scored_all_fn fn, void *arg)
{
    snap  c;
    int   rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = snap_read(&c, s, now_ms);
    if (rc == LEAD_OK) {
        rc = score_each(&c, sc, fn, arg);
    }
    snap_free(&c);
    return rc;
}

/* The leads of ids (sorted) marked, the others' events left ungrouped. */
static int
only_leads(snap *c, const uint8_t *ids, size_t n, uint8_t **wanted)
{
    size_t  i, at = 0;
    int     cmp = -1;

    *wanted = calloc(c->nleads + 1, 1);
    if (*wanted == NULL) {
        return lead_store_fail(c->s, LEAD_ENOMEM, "out of memory");
    }
    for (i = 0; i < c->nleads; i++) {
        while (at < n && (cmp = memcmp(ids + at * LEAD_ID_LEN, c->leads[i].id,
                                       LEAD_ID_LEN)) < 0)
        {
            at++;
        }
        (*wanted)[i] = at < n && cmp == 0;
    }
    for (i = 0; i < c->nevents; i++) {
        if (c->events[i].lead != NO_LEAD && !(*wanted)[c->events[i].lead]) {
            c->events[i].lead = NO_LEAD;
        }
    }
    return LEAD_OK;
}

int
lead_store_each_lead_events(lead_store *s, uint64_t now_ms,
    const uint8_t *ids, size_t n, lead_events_fn fn, void *arg)
{
    lead_span    *span = NULL;
    MDB_val      *order = NULL;
    size_t        i, k;
    char         *bytes = NULL;
    uint8_t      *wanted = NULL;
    lead_person   p;
    snap          c;
    int           rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = snap_read(&c, s, now_ms);
    if (rc == LEAD_OK && ids != NULL) {
        rc = only_leads(&c, ids, n, &wanted);
    }
    if (rc == LEAD_OK) {
        rc = group_events(&c, &span, &order, &bytes);
    }
    for (i = 0, k = 0; rc == LEAD_OK && i < c.nleads; k = span[i++].n) {
        if ((wanted == NULL || wanted[i])
            && lead_decode_person(c.leads[i].id, &c.leads[i].val, &p)
               == LEAD_OK
            && fn(arg, &p, order + k, span[i].n - k) != 0)
        {
            rc = LEAD_ECALLBACK;
        }
    }
    free(wanted);
    free(span);
    free(order);
    free(bytes);
    snap_free(&c);
    return rc;
}

typedef struct {
    lead_scored_fn   fn;
    void            *arg;
} person_and_score;

static int
pass_on(void *arg, const lead_scored *l)
{
    person_and_score  *ps = arg;

    return ps->fn(ps->arg, l->person, l->score);
}

int
lead_store_score_leads(lead_store *s, const lead_scoring *sc,
    uint64_t now_ms, lead_scored_fn fn, void *arg)
{
    person_and_score  ps = { fn, arg };

    return lead_store_score_all(s, sc, now_ms, pass_on, &ps);
}

void
lead_store_score_threads(lead_store *s, unsigned n)
{
    s->score_threads = n;
}
