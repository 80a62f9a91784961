/*
 * What prospects said of each asset: the ratings of one pass over the log
 * (each visitor's newest per asset), their comments with who wrote them,
 * and sales' notes, in one snapshot.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_feedback.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"
#include "lead_view.h"

/* a feedback event as kept: memory grows with feedback, not with reads */
typedef struct {
    uint64_t   asset, time_ms, seq;
    uint8_t    visitor[LEAD_ID_LEN];
    unsigned   rating;
    int        bot;
    lead_str   comment, path;
} given;

typedef struct {
    lead_arena  *arena;
    uint64_t     asset;          /* 0: every asset's */
    given       *g;
    size_t       n, cap;
    lead_note   *notes;
    size_t       nnotes, ncap;
    int          oom;
} collect;

static int
keep_feedback(void *arg, uint64_t seq, const lead_event *ev)
{
    collect  *c = arg;
    given    *grown, *g;

    if (!lead_event_is_feedback(ev) || ev->asset_id == 0
        || ev->rating > 5 || (c->asset && ev->asset_id != c->asset))
    {
        return 0;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        grown = realloc(c->g, c->cap * sizeof(given));
        if (grown == NULL) {
            c->oom = 1;
            return 1;
        }
        c->g = grown;
    }
    g = &c->g[c->n++];
    g->asset = ev->asset_id;
    g->time_ms = ev->time_ms;
    g->seq = seq;
    memcpy(g->visitor, ev->visitor, LEAD_ID_LEN);
    g->rating = ev->rating;
    g->bot = ev->ua_class == LEAD_UA_BOT;
    g->comment = lead_arena_copy(c->arena, ev->comment);
    g->path = lead_arena_copy(c->arena, ev->path);
    return lead_arena_oom(c->arena);
}

static int
keep_note(void *arg, const lead_note *n)
{
    collect    *c = arg;
    lead_note  *grown, *k;

    if (c->nnotes == c->ncap) {
        c->ncap = c->ncap ? c->ncap * 2 : 16;
        grown = realloc(c->notes, c->ncap * sizeof(lead_note));
        if (grown == NULL) {
            c->oom = 1;
            return 1;
        }
        c->notes = grown;
    }
    k = &c->notes[c->nnotes++];
    *k = *n;
    k->who = lead_arena_copy(c->arena, n->who);
    k->text = lead_arena_copy(c->arena, n->text);
    return lead_arena_oom(c->arena);
}

/* by asset, then visitor, then the log's order: a visitor's newest last */
static int
given_cmp(const void *x, const void *y)
{
    const given  *a = x, *b = y;
    int           c;

    if (a->asset != b->asset) {
        return a->asset < b->asset ? -1 : 1;
    }
    c = memcmp(a->visitor, b->visitor, LEAD_ID_LEN);
    if (c) {
        return c;
    }
    if (a->time_ms != b->time_ms) {
        return a->time_ms < b->time_ms ? -1 : 1;
    }
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* newest first */
static int
rating_cmp(const void *x, const void *y)
{
    const lead_rating  *a = x, *b = y;

    return (a->time_ms < b->time_ms) - (a->time_ms > b->time_ms);
}

static lead_feedback_asset *
row_of(lead_feedback_list *f, size_t *cap, uint64_t asset)
{
    lead_feedback_asset  *grown;

    if (f->n && f->rows[f->n - 1].asset_id == asset) {
        return &f->rows[f->n - 1];
    }
    if (f->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        grown = realloc(f->rows, *cap * sizeof(*grown));
        if (grown == NULL) {
            return NULL;
        }
        f->rows = grown;
    }
    memset(&f->rows[f->n], 0, sizeof(f->rows[0]));
    f->rows[f->n].asset_id = asset;
    return &f->rows[f->n++];
}

/* The lead of the visitor when it rated: its name, else its e-mail. */
static void
who_rated(lead_store *s, MDB_txn *txn, lead_arena *a, const given *g,
    lead_rating *r)
{
    MDB_val         key, val;
    const uint8_t  *lead;
    lead_person     p;

    key.mv_data = (void *) g->visitor;
    key.mv_size = LEAD_ID_LEN;
    if (s->empty || s->partial
        || mdb_get(txn, s->links, &key, &val) != 0
        || (lead = lead_attributed(val.mv_data, val.mv_size / LINK_SIZE,
                                   g->time_ms)) == NULL)
    {
        return;
    }
    memcpy(r->lead, lead, LEAD_ID_LEN);
    key.mv_data = r->lead;
    key.mv_size = LEAD_ID_LEN;
    if (mdb_get(txn, s->leads, &key, &val) != 0
        || lead_decode_person(r->lead, &val, &p) != LEAD_OK)
    {
        return;
    }
    r->has_lead = 1;
    r->who = lead_arena_copy(a, p.name.len ? p.name : p.email);
}

/* The ratings of rows, each visitor's newest per asset, into f. */
static int
fold_ratings(lead_store *s, MDB_txn *txn, collect *c, size_t max,
    lead_feedback_list *f, size_t *cap)
{
    lead_feedback_asset  *row;
    lead_rating          *r;
    double                sum = 0;
    size_t                i, j, start = 0;

    if (c->n > 1) {
        qsort(c->g, c->n, sizeof(given), given_cmp);
    }

    for (i = 0; i < c->n; i++) {
        const given  *g = &c->g[i];

        if (i + 1 < c->n && c->g[i + 1].asset == g->asset
            && memcmp(c->g[i + 1].visitor, g->visitor, LEAD_ID_LEN) == 0)
        {
            continue;                       /* a newer one replaces it */
        }
        row = row_of(f, cap, g->asset);
        if (row == NULL) {
            return LEAD_ENOMEM;
        }
        if (row->ratings == 0) {
            sum = 0;
            start = i;
            row->path = g->path;
        }
        row->ratings++;
        row->bots += (unsigned) g->bot;
        row->dist[g->rating - 1]++;
        sum += g->rating;
        row->average = sum / row->ratings;
        row->comments += g->comment.len > 0;

        if (i + 1 < c->n && c->g[i + 1].asset == g->asset) {
            continue;
        }

        /* the asset's last: its comments, newest first */
        row->latest = calloc(row->comments ? row->comments : 1,
                             sizeof(lead_rating));
        if (row->latest == NULL) {
            return LEAD_ENOMEM;
        }
        for (j = start; j <= i; j++) {
            if (c->g[j].comment.len == 0
                || (j + 1 <= i && memcmp(c->g[j + 1].visitor,
                                         c->g[j].visitor, LEAD_ID_LEN) == 0))
            {
                continue;
            }
            r = &row->latest[row->nlatest++];
            r->time_ms = c->g[j].time_ms;
            r->rating = c->g[j].rating;
            r->bot = c->g[j].bot;
            r->comment = c->g[j].comment;
            r->who.data = "";
            who_rated(s, txn, c->arena, &c->g[j], r);
        }
        qsort(row->latest, row->nlatest, sizeof(lead_rating), rating_cmp);
        if (max && row->nlatest > max) {
            row->nlatest = max;
        }
    }
    return LEAD_OK;
}

static int
row_cmp(const void *x, const void *y)
{
    const lead_feedback_asset  *a = x, *b = y;

    return (a->asset_id > b->asset_id) - (a->asset_id < b->asset_id);
}

const lead_feedback_asset *
lead_feedback_find(const lead_feedback_list *f, uint64_t asset_id)
{
    lead_feedback_asset  key;

    key.asset_id = asset_id;
    return f->n ? bsearch(&key, f->rows, f->n, sizeof(key), row_cmp) : NULL;
}

/* Notes (oldest first, by asset) onto their rows, newest first. */
static int
attach_notes(collect *c, lead_feedback_list *f, size_t *cap)
{
    lead_feedback_asset  *row;
    size_t                i, j, k;

    for (i = 0; i < c->nnotes; i = j) {
        for (j = i; j < c->nnotes && c->notes[j].asset_id
                                     == c->notes[i].asset_id; j++) {
            /* void */
        }
        row = (lead_feedback_asset *) lead_feedback_find(f,
                                                c->notes[i].asset_id);
        if (row == NULL) {
            row = row_of(f, cap, c->notes[i].asset_id);
            if (row == NULL) {
                return LEAD_ENOMEM;
            }
            qsort(f->rows, f->n, sizeof(f->rows[0]), row_cmp);
            row = (lead_feedback_asset *) lead_feedback_find(f,
                                                c->notes[i].asset_id);
        }
        row->notes = malloc((j - i) * sizeof(lead_note));
        if (row->notes == NULL) {
            return LEAD_ENOMEM;
        }
        for (k = j; k > i; k--) {
            row->notes[row->nnotes++] = c->notes[k - 1];
        }
    }
    return LEAD_OK;
}

/* Titles and paths from the catalogue of the rules read under. */
static void
name_rows(lead_feedback_list *f, const lead_asset_list *l, lead_arena *a)
{
    const lead_asset_stats  *as;
    size_t                   i, k;

    for (i = 0; i < f->n; i++) {
        for (k = 0, as = NULL; k < l->n; k++) {
            if (l->rows[k].a.id == f->rows[i].asset_id) {
                as = &l->rows[k];
                break;
            }
        }
        if (as != NULL) {
            f->rows[i].path = lead_arena_str(a, as->a.path,
                                             strlen(as->a.path));
            f->rows[i].title = lead_arena_str(a, as->a.title,
                                              strlen(as->a.title));
        }
        if (f->rows[i].path.data == NULL) {
            f->rows[i].path.data = "";
        }
        if (f->rows[i].title.data == NULL) {
            f->rows[i].title = f->rows[i].path;
        }
        for (k = 0; k < f->rows[i].nnotes; k++) {
            f->rows[i].notes[k].path = f->rows[i].path;
        }
    }
}

int
lead_query_feedback(lead_store *s, uint64_t asset_id, size_t max,
    lead_feedback_list *out)
{
    return lead_query_feedback_walk(s, asset_id, max, out, NULL, NULL);
}

int
lead_query_feedback_walk(lead_store *s, uint64_t asset_id, size_t max,
    lead_feedback_list *out, lead_feedback_walk_fn walk, void *arg)
{
    MDB_txn          *txn;
    collect           c;
    lead_asset_list   l;
    size_t            cap = 0;
    int               rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    out->arena = lead_arena_new();
    if (out->arena == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    c.arena = out->arena;
    c.asset = asset_id;

    rc = lead_store_snapshot(s);
    if (rc != LEAD_OK) {
        lead_feedback_list_free(out);
        return rc;
    }
    rc = lead_store_read_begin(s, &txn);
    if (rc == LEAD_OK) {
        if (walk != NULL) {
            rc = walk(arg, keep_feedback, &c);
        } else if (!s->empty && !s->partial) {
            rc = lead_store_scan_feedback_txn(s, txn, keep_feedback, &c);
        }
        if (rc == LEAD_OK && !c.oom) {
            rc = fold_ratings(s, txn, &c, max, out, &cap);
        }
        if (rc == LEAD_OK && !c.oom) {
            rc = lead_store_each_note(s, asset_id, NULL, keep_note, &c);
        }
        if (rc == LEAD_OK && !c.oom) {
            rc = attach_notes(&c, out, &cap);
        }
        if (rc == LEAD_OK && !c.oom) {
            rc = lead_query_assets(s, 0, &l);
            if (rc == LEAD_OK) {
                name_rows(out, &l, out->arena);
                lead_asset_list_free(&l);
            }
        }
        lead_store_read_end(s, txn);
    }
    lead_store_snapshot_end(s);

    free(c.g);
    free(c.notes);
    if (rc == LEAD_OK && (c.oom || lead_arena_oom(out->arena))) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    } else if (rc == LEAD_ENOMEM || rc == LEAD_ECALLBACK) {
        /* the callbacks stop only when memory runs out */
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_feedback_list_free(out);
    }
    return rc;
}

void
lead_feedback_list_free(lead_feedback_list *f)
{
    size_t  i;

    for (i = 0; i < f->n; i++) {
        free(f->rows[i].latest);
        free(f->rows[i].notes);
    }
    free(f->rows);
    lead_arena_free(f->arena);
    memset(f, 0, sizeof(*f));
}

int
lead_feedback_unrated(lead_store *s, uint64_t id, lead_feedback_asset *row,
    lead_asset_list *l)
{
    size_t  i;

    memset(l, 0, sizeof(*l));
    if (lead_query_assets(s, 0, l) != LEAD_OK) {
        return -1;
    }
    for (i = 0; i < l->n; i++) {
        if (l->rows[i].a.id == id) {
            memset(row, 0, sizeof(*row));
            row->asset_id = id;
            row->path.data = l->rows[i].a.path;
            row->path.len = strlen(l->rows[i].a.path);
            row->title.data = l->rows[i].a.title;
            row->title.len = strlen(l->rows[i].a.title);
            return 1;
        }
    }
    return 0;
}

uint64_t
lead_feedback_asset_id(lead_store *s, const char *what, size_t len)
{
    lead_asset_list  l;
    uint64_t         id = 0;
    size_t           i;
    int              d;

    if (len == 16) {
        for (i = 0; i < 16 && (d = lead_hex_digit(what[i])) >= 0; i++) {
            id = id << 4 | (uint64_t) d;
        }
        if (i == 16) {
            return id;
        }
        id = 0;
    }
    if (lead_query_assets(s, 0, &l) != LEAD_OK) {
        return 0;
    }
    for (i = 0; i < l.n; i++) {
        if (strlen(l.rows[i].a.path) == len
            && memcmp(l.rows[i].a.path, what, len) == 0)
        {
            id = l.rows[i].a.id;
            break;
        }
    }
    lead_asset_list_free(&l);
    return id;
}
