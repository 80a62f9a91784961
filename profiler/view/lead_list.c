/*
 * Who to call: the leads list, filtered and sorted as people ask, and the
 * accounts its leads roll up into.  leadctl and the sales view both ask
 * these functions, so what one shows the other shows too.
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

#define TOP_MAX  5000       /* deeper pages: the full list is as quick */

/* A word of a space-separated list, exactly. */
static int
has_word(lead_str list, const char *word)
{
    size_t       wlen = strlen(word), i = 0, end;

    while (i < list.len) {
        for (end = i; end < list.len && list.data[end] != ' '; end++) {
            /* void */
        }
        if (end - i == wlen && memcmp(list.data + i, word, wlen) == 0) {
            return 1;
        }
        i = end + 1;
    }
    return 0;
}

/* ---- the leads list ---------------------------------------------------- */

typedef struct {
    const lead_rules       *rules;
    const lead_filter      *filter;
    const lead_asset_list  *titles;
    lead_list              *list;
    size_t                  cap;
    char                    search[LEAD_EMAIL_MAX + 1];
    int                     oom;
    uint64_t                now_ms;
    lead_owner             *owners;     /* by lead id, in the snapshot */
    size_t                  nowners;
    lead_store             *owner_of;   /* or each row's read here */
    uint8_t                *calls;      /* listed first: sorted ids */
    size_t                  ncalls;
} list_build;

/* A lead as lists show it; with no grade and country: accounts'. */
static void
row_fill(lead_row *row, const lead_rules *r, const lead_person *p,
    const lead_score *sc, lead_str company, int graded)
{
    const char  *country = sc->ncountries ? sc->countries[0] : "";

    memset(row, 0, sizeof(*row));
    memcpy(row->id, p->id, LEAD_ID_LEN);
    row->email = p->email;
    row->name = p->name;
    row->topics = p->topics;
    row->company = company;
    row->created_ms = p->created_ms;
    row->first_ms = p->created_ms;
    row->last_ms = p->updated_ms;
    row->subscribed = p->subscribed;
    row->contact = p->contact;
    row->status = LEAD_STATUS_IDENTIFIED;
    row->status_ms = p->created_ms;
    row->engagement = sc->engagement;
    row->stage_index = sc->stage_index;
    row->band = sc->band;
    if (graded) {
        row->grade = lead_grade(lead_rules_scoring(r),
                                lead_profile_points(r, p, country));
        snprintf(row->country, sizeof(row->country), "%s", country);
    }
    row->top_asset_id = sc->nhot ? sc->hot[0].asset_id : 0;
    row->owner.data = "";
}

/* A lead as every list shows it, from its person and score. */
void
lead_row_fill(lead_row *row, const lead_rules *r, const lead_person *p,
    const lead_score *sc)
{
    row_fill(row, r, p, sc, lead_company(r, p->email), 1);
}

void
lead_row_due(lead_row *row, const lead_rules *r, uint64_t now_ms)
{
    uint64_t  within = lead_rules_scoring(r)->accept_within_ms;

    row->waiting_ms = 0;
    row->due_ms = 0;
    row->overdue = 0;
    if (row->status == LEAD_STATUS_MQL && now_ms > row->status_ms) {
        row->waiting_ms = now_ms - row->status_ms;
    }
    if (row->status == LEAD_STATUS_MQL && within) {
        row->due_ms = row->status_ms + within;
        row->overdue = now_ms >= row->due_ms;
    }
}

lead_str
lead_query_owner(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    lead_arena *a)
{
    MDB_txn   *txn;
    lead_str   owner = { "", 0 };

    if (!s->empty && !s->partial
        && lead_store_read_begin(s, &txn) == LEAD_OK)
    {
        if (lead_store_owner_txn(s, txn, lead_id, &owner) == LEAD_OK) {
            owner = lead_arena_copy(a, owner);
        }
        lead_store_read_end(s, txn);
    }
    return owner;
}

static int
row_matches(const list_build *b, const lead_row *row, const lead_score *sc)
{
    const lead_filter  *f = b->filter;
    unsigned            i;

    if ((f->status >= 0 && row->status != f->status)
        || (f->stage >= 0 && row->stage_index != f->stage)
        || (f->grade && row->grade != f->grade)
        || (f->band && row->band != f->band)
        || (b->search[0] && !lead_str_contains(row->name, b->search)
            && !lead_str_contains(row->email, b->search))
        || (f->owner[0] && (row->owner.len != strlen(f->owner)
                            || memcmp(row->owner.data, f->owner,
                                      row->owner.len) != 0))
        || ((f->only & LEAD_ONLY_UNASSIGNED) && row->owner.len)
        || ((f->only & LEAD_ONLY_OVERDUE) && !row->overdue)
        || ((f->only & LEAD_ONLY_CALLS) && !row->contact))
    {
        return 0;
    }
    if (f->topic[0] && !has_word(row->topics, f->topic)) {
        for (i = 0; i < sc->ntopics; i++) {
            if (sc->topics[i].engagement > 0
                && strcmp(sc->topics[i].topic, f->topic) == 0)
            {
                break;
            }
        }
        return i < sc->ntopics;
    }
    return 1;
}

/*
 * What row_matches asks that needs no row: most leads of a filtered list
 * go here, before their grade and company are worked out.
 */
static int
may_match(const list_build *b, const lead_scored *l)
{
    const lead_filter  *f = b->filter;

    return (f->status < 0 || l->status == f->status)
           && (f->stage < 0 || l->score->stage_index == f->stage)
           && (!f->band || l->score->band == f->band)
           && (!b->search[0] || lead_str_contains(l->person->name, b->search)
               || lead_str_contains(l->person->email, b->search));
}

/* The row's strings, copied out of the snapshot into the list's arena. */
void
lead_row_keep(lead_arena *a, lead_row *row, const lead_score *sc,
    const lead_asset_list *titles)
{
    char      topics[LEAD_TOPICS_MAX * (LEAD_NAME_MAX + 1)];
    size_t    n = 0, len;
    unsigned  i;

    row->email = lead_arena_copy(a, row->email);
    row->name = lead_arena_copy(a, row->name);
    row->topics = lead_arena_copy(a, row->topics);
    row->company = lead_arena_copy(a, row->company);
    row->owner = lead_arena_copy(a, row->owner);
    row->read_topics = lead_arena_str(a, "", 0);
    row->top_asset = row->read_topics;
    if (sc == NULL) {
        return;
    }

    for (i = 0; i < sc->ntopics; i++) {
        if (sc->topics[i].engagement > 0) {
            len = strlen(sc->topics[i].topic);
            if (n) {
                topics[n++] = ' ';
            }
            memcpy(topics + n, sc->topics[i].topic, len);
            n += len;
        }
    }
    row->read_topics = lead_arena_str(a, topics, n);

    if (row->top_asset_id) {
        const char  *title = lead_asset_title(titles, row->top_asset_id);

        row->top_asset = lead_arena_str(a, title, strlen(title));
    }
}

static int
owner_cmp(const void *key, const void *elt)
{
    return memcmp(key, ((const lead_owner *) elt)->id, LEAD_ID_LEN);
}

/* The lead's row, counted in the list; 1 if it matches the filter. */
static int
row_build(list_build *b, const lead_scored *l, lead_row *row)
{
    lead_list  *list = b->list;
    lead_str    company;

    list->total++;
    if (l->status >= 0 && l->status < LEAD_NSTATUSES) {
        list->by_status[l->status]++;
    }
    if (!may_match(b, l)) {
        return 0;
    }
    company = lead_company(b->rules, l->person->email);
    if ((b->filter->only & LEAD_ONLY_COMPANIES) && company.len == 0) {
        return 0;
    }

    row_fill(row, b->rules, l->person, l->score, company,
             !(b->filter->only & LEAD_ONLY_COMPANIES) || b->filter->grade);
    row->status = l->status;
    row->status_ms = l->status_ms;
    row->devices = l->devices;
    if (l->first_ms && l->first_ms < row->first_ms) {
        row->first_ms = l->first_ms;
    }
    if (l->last_ms > row->last_ms) {
        row->last_ms = l->last_ms;
    }
    if (b->owner_of != NULL) {
        row->owner = lead_query_owner(b->owner_of, row->id, b->list->arena);
    } else if (b->nowners) {
        const lead_owner  *o = bsearch(row->id, b->owners, b->nowners,
                                       sizeof(lead_owner), owner_cmp);

        if (o != NULL) {
            row->owner = o->name;
        }
    }
    lead_row_due(row, b->rules, b->now_ms);

    return row_matches(b, row, l->score);
}

static int
add_row(void *arg, const lead_scored *l)
{
    list_build  *b = arg;
    lead_list   *list = b->list;
    lead_row     row, *grown;

    if (!row_build(b, l, &row)) {
        return 0;
    }

    if (list->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        grown = realloc(list->rows, b->cap * sizeof(lead_row));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        list->rows = grown;
    }

    lead_row_keep(list->arena, &row,
                  b->filter->only & LEAD_ONLY_COMPANIES ? NULL : l->score,
                  b->titles);
    list->rows[list->n++] = row;
    return lead_arena_oom(list->arena);
}

/*
 * What rows sort by, apart from the rows: sorting 100,000 rows of 200
 * bytes moves megabytes, sorting these a fifth of it.
 */
typedef struct {
    int             call;           /* an mql that asked for a call */
    double          engagement;
    uint64_t        last_ms;
    lead_str        email;
    size_t          row;
} sort_key;

int
lead_hotter_cmp(double ea, uint64_t la, lead_str ma, double eb, uint64_t lb,
    lead_str mb)
{
    if (ea != eb) {
        return ea < eb ? 1 : -1;
    }
    if (la != lb) {
        return la < lb ? 1 : -1;
    }
    return lead_str_cmp(ma, mb);
}

/* MQLs that asked for a call first, then the hottest */
static int
key_by_score(const void *x, const void *y)
{
    const sort_key  *a = x, *b = y;

    if (a->call != b->call) {
        return b->call - a->call;
    }
    return lead_hotter_cmp(a->engagement, a->last_ms, a->email,
                           b->engagement, b->last_ms, b->email);
}

static int
key_by_recent(const void *x, const void *y)
{
    const sort_key  *a = x, *b = y;

    if (a->last_ms != b->last_ms) {
        return a->last_ms < b->last_ms ? 1 : -1;
    }
    return lead_str_cmp(a->email, b->email);
}

static int
key_by_name(const void *x, const void *y)
{
    return lead_str_cmp(((const sort_key *) x)->email,
                   ((const sort_key *) y)->email);
}

/* Sorts the list and keeps rows offset..offset+limit (limit 0: all). */
static int
sort_rows(lead_list *l, int by, size_t offset, size_t limit)
{
    sort_key  *keys;
    lead_row  *rows;
    size_t     i, n;

    offset = offset < l->n ? offset : l->n;
    n = limit && limit < l->n - offset ? limit : l->n - offset;

    keys = malloc((l->n ? l->n : 1) * sizeof(sort_key));
    rows = malloc((n ? n : 1) * sizeof(lead_row));
    if (keys == NULL || rows == NULL) {
        free(keys);
        free(rows);
        return LEAD_ENOMEM;
    }
    for (i = 0; i < l->n; i++) {
        keys[i].call = l->rows[i].status == LEAD_STATUS_MQL
                       && l->rows[i].contact;
        keys[i].engagement = l->rows[i].engagement;
        keys[i].last_ms = l->rows[i].last_ms;
        keys[i].email = l->rows[i].email;
        keys[i].row = i;
    }
    lead_sort(keys, l->n, sizeof(sort_key),
              by == LEAD_SORT_RECENT ? key_by_recent
              : by == LEAD_SORT_NAME ? key_by_name : key_by_score);

    for (i = 0; i < n; i++) {
        rows[i] = l->rows[keys[offset + i].row];
    }
    free(keys);
    free(l->rows);
    l->rows = rows;
    l->n = n;
    return LEAD_OK;
}

/* The filter's search in lower case, and what the kept scores check. */
static void
list_ask(list_build *b, const lead_filter *f, lead_list_ask *ask)
{
    size_t  i;

    for (i = 0; f->search[i]; i++) {
        b->search[i] = (char) tolower((unsigned char) f->search[i]);
    }
    ask->status = f->status;
    ask->stage = f->stage;
    ask->band = f->band;
    ask->companies = (f->only & LEAD_ONLY_COMPANIES) != 0;
    ask->search = b->search;
}

static int
list_leads(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, lead_list *out)
{
    list_build        b;
    lead_asset_list   titles;
    lead_filter       any;
    lead_list_ask     ask;
    int               rc, top, known = 1, counted = 1;

    memset(out, 0, sizeof(*out));
    memset(&b, 0, sizeof(b));
    if (f == NULL) {
        lead_filter_init(&any);
        f = &any;
    }

    out->arena = lead_arena_new();
    if (out->arena == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_query_assets(s, 0, &titles);
    if (rc != LEAD_OK) {
        lead_list_free(out);
        return rc;
    }

    b.rules = r;
    b.filter = f;
    b.titles = &titles;
    b.list = out;
    list_ask(&b, f, &ask);

    b.now_ms = now_ms;
    out->now_ms = now_ms;
    rc = LEAD_OK;

    /*
     * The hottest few, by status or not: the kept ranks know them, and
     * the mqls' index the MQLs that asked for a call, which come first
     * (an index older than the store, not built yet: the full list).
     */
    top = f->limit && f->offset + f->limit <= TOP_MAX
          && f->sort == LEAD_SORT_SCORE && f->stage < 0
          && !f->topic[0] && !f->grade && !f->band && !f->search[0]
          && !f->owner[0] && !f->only;
    if (top && rc == LEAD_OK
        && (f->status < 0 || f->status == LEAD_STATUS_MQL))
    {
        rc = lead_store_calls(s, &b.calls, &b.ncalls, &known);
        top = known;
    }
    if (top && rc == LEAD_OK) {
        /* a page's owners read row by row, not every owner there is */
        b.owner_of = s;
        rc = lead_store_list_top(s, r, now_ms, f->status,
                                 f->offset + f->limit, b.calls, b.ncalls,
                                 add_row, &b);
        if (rc == LEAD_ENOTFOUND) {
            top = 0;
            b.owner_of = NULL;
            out->n = 0;
            out->total = 0;
            memset(out->by_status, 0, sizeof(out->by_status));
            rc = LEAD_OK;
        }
    }
    if (!top && rc == LEAD_OK) {
        rc = lead_store_owners(s, &b.owners, &b.nowners);
    }
    if (!top && rc == LEAD_OK) {
        /* what the kept scores pass over is not counted: the counts are
           the kept ones then */
        rc = lead_store_list_status(s, r, now_ms, &ask, add_row, &b);
        counted = ask.status < 0 && ask.stage < 0 && !ask.band
                  && !ask.companies && !ask.search[0];
    }
    lead_asset_list_free(&titles);
    free(b.owners);
    free(b.calls);

    if (b.oom || lead_arena_oom(out->arena) || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        out->matched = out->n;
        if (top || !counted) {
            rc = lead_store_count_statuses(s, out->by_status, &out->total);
        }
        if (top) {
            out->matched = f->status >= 0 ? out->by_status[f->status]
                                          : out->total;
        }
    }
    /* accounts sort their rows themselves, all of them */
    if (rc == LEAD_OK
        && !((f->only & LEAD_ONLY_COMPANIES) && !f->offset && !f->limit)
        && sort_rows(out, f->sort, f->offset, f->limit) != LEAD_OK)
    {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_list_free(out);
    }
    return rc;
}

/* ---- the leads a part at a time ---------------------------------------- */

/*
 * An export: a first pass keeps each matching lead's sort key (an e-mail's
 * first 8 bytes; ties read the whole e-mails) and id, 40 bytes; a second
 * builds the rows a part at a time from the kept scores, by id, in the
 * same snapshot: the rows and their order are the whole list's.
 */
#define CALL_BIT  (UINT64_C(1) << 63)

typedef struct {
    double          engagement;
    uint64_t        last_ms;        /* | CALL_BIT: an mql that asked */
    uint64_t        email;          /* its first 8 bytes, big-endian */
    uint8_t         id[LEAD_ID_LEN];
} part_key;

typedef struct {
    list_build      b;
    part_key       *keys;
    size_t          n, cap;
    const uint8_t  *first;         /* the part's ids, sorted */
    const size_t   *at;            /* ... and each one's row in the part */
    size_t          nfirst, got;
} parts_build;

static int
id_cmp(const void *x, const void *y)
{
    return memcmp(x, y, LEAD_ID_LEN);
}

static int
u64_cmp(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

/* as key_by_score, key_by_recent and key_by_name, but for the e-mails */
static int
part_by_score(const void *x, const void *y)
{
    const part_key  *a = x, *b = y;
    int              d;

    d = u64_cmp(b->last_ms & CALL_BIT, a->last_ms & CALL_BIT);
    if (d == 0 && a->engagement != b->engagement) {
        d = a->engagement < b->engagement ? 1 : -1;
    }
    if (d == 0) {
        d = u64_cmp(b->last_ms & ~CALL_BIT, a->last_ms & ~CALL_BIT);
    }
    return d ? d : u64_cmp(a->email, b->email);
}

static int
part_by_recent(const void *x, const void *y)
{
    const part_key  *a = x, *b = y;
    int              d;

    d = u64_cmp(b->last_ms & ~CALL_BIT, a->last_ms & ~CALL_BIT);
    return d ? d : u64_cmp(a->email, b->email);
}

static int
part_by_name(const void *x, const void *y)
{
    return u64_cmp(((const part_key *) x)->email,
                   ((const part_key *) y)->email);
}

static int
add_key(void *arg, const lead_scored *l)
{
    parts_build  *p = arg;
    lead_row      row;
    part_key     *k;

    if (!row_build(&p->b, l, &row)) {
        return 0;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap + p->cap / 2 : 1024;
        k = realloc(p->keys, p->cap * sizeof(part_key));
        if (k == NULL) {
            p->b.oom = 1;
            return 1;
        }
        p->keys = k;
    }
    k = &p->keys[p->n++];
    k->engagement = row.engagement;
    k->last_ms = row.last_ms & ~CALL_BIT;
    if (row.status == LEAD_STATUS_MQL && row.contact) {
        k->last_ms |= CALL_BIT;
    }
    k->email = lead_str_prefix(row.email);
    memcpy(k->id, row.id, LEAD_ID_LEN);
    return 0;
}

/* Keys equal but for the e-mail: their whole e-mails read. */
typedef struct {
    lead_str   email;
    size_t     key;
} tie;

static int
tie_cmp(const void *x, const void *y)
{
    return lead_str_cmp(((const tie *) x)->email, ((const tie *) y)->email);
}

static int
copy_email(void *arg, const lead_person *p)
{
    lead_arena  *a = ((void **) arg)[0];
    lead_str    *out = ((void **) arg)[1];

    *out = lead_arena_copy(a, p->email);
    return 0;
}

static int
order_ties(lead_store *s, part_key *k, size_t n,
    int (*cmp)(const void *, const void *))
{
    lead_arena  *a;
    part_key    *run;
    tie         *t;
    void        *args[2];
    size_t       i, j, m;
    char         hex[LEAD_ID_HEX_LEN];
    int          rc = LEAD_OK;

    for (i = 0; rc == LEAD_OK && i < n; i = j) {
        for (j = i + 1; j < n && cmp(&k[i], &k[j]) == 0; j++) {
            /* void */
        }
        if (j - i < 2) {
            continue;
        }
        m = j - i;
        a = lead_arena_new();
        t = malloc(m * sizeof(tie));
        run = malloc(m * sizeof(part_key));
        rc = a && t && run ? LEAD_OK
             : lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        for (args[0] = a, m = 0; rc == LEAD_OK && m < j - i; m++) {
            lead_id_to_hex(k[i + m].id, hex);
            t[m].email = (lead_str) { "", 0 };
            t[m].key = i + m;
            args[1] = &t[m].email;
            rc = lead_store_find_lead(s, hex, sizeof(hex), copy_email, args);
        }
        if (rc == LEAD_OK && lead_arena_oom(a)) {
            rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        if (rc == LEAD_OK) {
            lead_sort(t, m, sizeof(tie), tie_cmp);
            for (m = 0; m < j - i; m++) {
                run[m] = k[t[m].key];
            }
            memcpy(k + i, run, m * sizeof(part_key));
        }
        lead_arena_free(a);
        free(t);
        free(run);
    }
    return rc;
}

/* A lead of the part: its row where the sort put it. */
static int
add_part_row(void *arg, const lead_scored *l)
{
    parts_build    *p = arg;
    const uint8_t  *hit;
    lead_row        row;

    hit = bsearch(l->person->id, p->first, p->nfirst, LEAD_ID_LEN, id_cmp);
    if (hit == NULL || !row_build(&p->b, l, &row)) {
        return 0;
    }
    lead_row_keep(p->b.list->arena, &row, l->score, p->b.titles);
    p->b.list->rows[p->at[(size_t) (hit - p->first) / LEAD_ID_LEN]] = row;
    p->got++;
    return lead_arena_oom(p->b.list->arena);
}

/* The keys' ids from..from+n, sorted, each with its place in the part. */
typedef struct {
    const uint8_t  *id;
    size_t          at;
} part_id;

static int
part_id_cmp(const void *x, const void *y)
{
    return memcmp(((const part_id *) x)->id, ((const part_id *) y)->id,
                  LEAD_ID_LEN);
}

/* One part's rows, with their deals, handed to fn. */
static int
one_part(lead_store *s, const lead_rules *r, uint64_t now_ms,
    parts_build *p, size_t from, size_t n, lead_list_part_fn fn, void *arg)
{
    lead_list   part;
    part_id    *pid;
    uint8_t    *first;
    size_t     *at, i;
    int         rc;

    memset(&part, 0, sizeof(part));
    part.now_ms = now_ms;
    part.arena = lead_arena_new();
    part.rows = calloc(n, sizeof(lead_row));
    pid = malloc(n * sizeof(part_id));
    first = malloc(n * LEAD_ID_LEN);
    at = malloc(n * sizeof(size_t));
    rc = part.arena && part.rows && pid && first && at ? LEAD_OK
         : lead_store_fail(s, LEAD_ENOMEM, "out of memory");

    for (i = 0; rc == LEAD_OK && i < n; i++) {
        pid[i].id = p->keys[from + i].id;
        pid[i].at = i;
    }
    if (rc == LEAD_OK) {
        qsort(pid, n, sizeof(part_id), part_id_cmp);
        for (i = 0; i < n; i++) {
            memcpy(first + i * LEAD_ID_LEN, pid[i].id, LEAD_ID_LEN);
            at[i] = pid[i].at;
        }
        p->b.list = &part;
        p->first = first;
        p->at = at;
        p->nfirst = n;
        p->got = 0;
        rc = lead_store_list_top(s, r, now_ms, -1, n, first, n, add_part_row,
                                 p);
        if (rc == LEAD_ECALLBACK || (rc == LEAD_OK
                                     && lead_arena_oom(part.arena)))
        {
            rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        } else if (rc == LEAD_OK && p->got != n) {
            rc = lead_store_fail(s, LEAD_EINVAL, "a listed lead was not "
                                 "found again in the same snapshot");
        }
    }
    free(pid);
    free(first);
    free(at);

    if (rc == LEAD_OK) {
        part.n = n;
        part.matched = n;
        rc = lead_query_deals(s, &part);
    }
    if (rc == LEAD_OK && fn(arg, &part) != 0) {
        rc = LEAD_ECALLBACK;
    }
    lead_list_free(&part);
    return rc;
}

/* The whole list at once: the kept scores could not say (or a page). */
static int
whole_list(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, lead_list_part_fn fn, void *arg)
{
    lead_list  l;
    int        rc;

    rc = list_leads(s, r, now_ms, f, &l);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_query_deals(s, &l);
    if (rc == LEAD_OK && fn(arg, &l) != 0) {
        rc = LEAD_ECALLBACK;
    }
    lead_list_free(&l);
    return rc;
}

static int
parts(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, size_t size, lead_list_part_fn fn, void *arg)
{
    parts_build       p;
    lead_list         keys;
    lead_asset_list   titles;
    lead_list_ask     ask;
    size_t            i, from, n;
    int               rc, (*cmp)(const void *, const void *);

    memset(&p, 0, sizeof(p));
    memset(&keys, 0, sizeof(keys));
    keys.arena = lead_arena_new();
    if (keys.arena == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    rc = lead_query_assets(s, 0, &titles);
    if (rc != LEAD_OK) {
        lead_list_free(&keys);
        return rc;
    }
    p.b.rules = r;
    p.b.filter = f;
    p.b.titles = &titles;
    p.b.list = &keys;
    p.b.now_ms = now_ms;
    list_ask(&p.b, f, &ask);

    rc = lead_store_owners(s, &p.b.owners, &p.b.nowners);
    if (rc == LEAD_OK) {
        rc = lead_store_list_status(s, r, now_ms, &ask, add_key, &p);
    }
    if (p.b.oom || lead_arena_oom(keys.arena) || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    if (rc == LEAD_OK) {
        cmp = f->sort == LEAD_SORT_RECENT ? part_by_recent
              : f->sort == LEAD_SORT_NAME ? part_by_name : part_by_score;
        lead_sort(p.keys, p.n, sizeof(part_key), cmp);
        rc = order_ties(s, p.keys, p.n, cmp);
    }
    if (rc == LEAD_OK) {
        from = f->offset < p.n ? f->offset : p.n;
        n = f->limit && f->limit < p.n - from ? f->limit : p.n - from;

        for (i = from; rc == LEAD_OK && i < from + n; i += size) {
            rc = one_part(s, r, now_ms, &p, i,
                          from + n - i < size ? from + n - i : size, fn, arg);
        }
    }

    lead_asset_list_free(&titles);
    free(p.b.owners);
    free(p.keys);
    lead_list_free(&keys);
    return rc;
}

static int
no_row(void *arg, const lead_scored *l)
{
    (void) arg;
    (void) l;
    return 0;
}

int
lead_query_leads_parts(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, size_t size, lead_list_part_fn fn, void *arg)
{
    lead_filter  any;
    int          rc, parted;

    if (f == NULL) {
        lead_filter_init(&any);
        f = &any;
    }
    rc = lead_store_snapshot(s);
    if (rc != LEAD_OK) {
        return rc;
    }
    /* a page, accounts, or no kept scores (asked of one lead: a rank
       or the tail's): the list as the pages have it */
    parted = !(f->limit && f->offset + f->limit <= TOP_MAX)
             && !(f->only & LEAD_ONLY_COMPANIES) && size != 0;
    if (parted) {
        rc = lead_store_list_top(s, r, now_ms, -1, 1, NULL, 0, no_row, NULL);
        parted = rc == LEAD_OK;
        rc = rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }
    if (rc == LEAD_OK) {
        rc = parted ? parts(s, r, now_ms, f, size, fn, arg)
                    : whole_list(s, r, now_ms, f, fn, arg);
    }
    lead_store_snapshot_end(s);
    return rc;
}

void
lead_list_free(lead_list *l)
{
    free(l->rows);
    lead_arena_free(l->arena);
    memset(l, 0, sizeof(*l));
}

/* One snapshot: the titles, the rows and the counts agree. */
int
lead_query_leads(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, lead_list *out)
{
    int  rc;

    rc = lead_store_snapshot(s);
    if (rc == LEAD_OK) {
        rc = list_leads(s, r, now_ms, f, out);
        lead_store_snapshot_end(s);
    }
    return rc;
}
