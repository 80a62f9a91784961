/*
 * What sales and marketers read: the leads list, one lead in full, the
 * funnel, the accounts and the assets.  leadctl and the sales view both
 * ask these functions, so what one shows the other shows too.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_internal.h"
#include "lead_store.h"

#define DAY_MS   ((uint64_t) 86400000)
#define TOP_MAX  5000       /* deeper pages: the full list is as quick */

/* ---- strings that outlive the store's snapshot ------------------------- */

typedef struct chunk {
    struct chunk  *next;
    size_t         used, size;
    char           data[];
} chunk;

struct lead_arena {
    chunk  *head;
    int     oom;
};

static void
arena_free(lead_arena *a)
{
    chunk  *c, *next;

    if (a == NULL) {
        return;
    }
    for (c = a->head; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

/* A NUL-terminated copy; "" (and oom set) when memory runs out. */
static lead_str
arena_str(lead_arena *a, const char *s, size_t len)
{
    chunk     *c = a->head;
    size_t     size;
    lead_str   out = { "", 0 };

    if (len == 0) {
        return out;
    }
    if (c == NULL || c->size - c->used < len + 1) {
        size = len + 1 > 65536 ? len + 1 : 65536;
        c = malloc(sizeof(chunk) + size);
        if (c == NULL) {
            a->oom = 1;
            return out;
        }
        c->next = a->head;
        c->used = 0;
        c->size = size;
        a->head = c;
    }
    memcpy(c->data + c->used, s, len);
    c->data[c->used + len] = '\0';
    out.data = c->data + c->used;
    out.len = len;
    c->used += len + 1;
    return out;
}

static lead_str
arena_copy(lead_arena *a, lead_str v)
{
    return arena_str(a, v.data, v.len);
}

int
lead_store_rules(lead_store *s, lead_rules **out, char *err, size_t errlen)
{
    static const char  header[] = "path,title,stage,points,topic,flags";
    int                rc;

    rc = lead_store_get_rules(s, out, err, errlen);

    /* a store written without lead_rules: default knobs, nothing tagged */
    if (rc == LEAD_ENOTFOUND) {
        rc = lead_rules_parse(out, "(defaults)", "", 0, header,
                              sizeof(header) - 1, err, errlen);
    }
    return rc;
}

/* ---- filters ----------------------------------------------------------- */

void
lead_filter_init(lead_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->status = -1;
    f->stage = -1;
    f->sort = LEAD_SORT_SCORE;
}

static int
stage_index(const lead_rules *r, const char *name, size_t len)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    unsigned             i;

    for (i = 0; i < sc->nstages; i++) {
        if (strlen(sc->stages[i]) == len
            && memcmp(sc->stages[i], name, len) == 0)
        {
            return (int) i;
        }
    }
    return -1;
}

static int
filter_err(char *err, size_t errlen, const char *key, const char *value,
    size_t len, const char *expected)
{
    snprintf(err, errlen, "unknown %s \"%.*s\" (%s)", key,
             (int) (len > 40 ? 40 : len), value, expected);
    return LEAD_EINVAL;
}

int
lead_filter_set(lead_filter *f, const lead_rules *r, const char *key,
    const char *value, size_t len, char *err, size_t errlen)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    char                 stages[LEAD_MAX_STAGES * (LEAD_NAME_MAX + 1)];
    size_t               i, n = 0;
    int                  v;

    if (strcmp(key, "status") == 0) {
        v = len ? lead_status_parse(value, len) : -1;
        if (len && v <= LEAD_STATUS_ANONYMOUS) {
            return filter_err(err, errlen, key, value, len,
                              "statuses: identified mql sal sql won "
                              "nurture");
        }
        f->status = v;

    } else if (strcmp(key, "stage") == 0) {
        v = len ? stage_index(r, value, len) : -1;
        if (len && v < 0) {
            for (i = 0; i < sc->nstages; i++) {
                n += (size_t) snprintf(stages + n, sizeof(stages) - n,
                                       "%s%s", i ? " " : "", sc->stages[i]);
            }
            snprintf(err, errlen, "unknown stage \"%.*s\" (stages: %s)",
                     (int) (len > 40 ? 40 : len), value, stages);
            return LEAD_EINVAL;
        }
        f->stage = v;

    } else if (strcmp(key, "topic") == 0) {
        for (i = 0; i < len; i++) {
            if (!isgraph((unsigned char) value[i])) {
                break;
            }
        }
        if (len > LEAD_NAME_MAX || i < len) {
            return filter_err(err, errlen, key, value, len,
                              "one word, as in assets.csv");
        }
        memcpy(f->topic, value, len);
        f->topic[len] = '\0';

    } else if (strcmp(key, "cell") == 0) {
        f->grade = 0;
        f->band = 0;
        for (i = 0; i < len; i++) {
            char  c = (char) toupper((unsigned char) value[i]);

            if (c >= 'A' && c <= 'D' && i == 0 && !f->grade) {
                f->grade = c;
            } else if (c >= '1' && c <= '4' && !f->band) {
                f->band = c - '0';
            } else {
                f->grade = 0;
                f->band = 0;
                return filter_err(err, errlen, key, value, len,
                                  "a cell such as A1, a grade A-D or a "
                                  "band 1-4");
            }
        }

    } else if (strcmp(key, "q") == 0) {
        if (len > LEAD_EMAIL_MAX || memchr(value, '\0', len)) {
            snprintf(err, errlen, "search text longer than %d bytes",
                     LEAD_EMAIL_MAX);
            return LEAD_EINVAL;
        }
        memcpy(f->search, value, len);
        f->search[len] = '\0';

    } else if (strcmp(key, "sort") == 0) {
        if (len == 0 || (len == 5 && memcmp(value, "score", 5) == 0)) {
            f->sort = LEAD_SORT_SCORE;
        } else if (len == 6 && memcmp(value, "recent", 6) == 0) {
            f->sort = LEAD_SORT_RECENT;
        } else if (len == 4 && memcmp(value, "name", 4) == 0) {
            f->sort = LEAD_SORT_NAME;
        } else {
            return filter_err(err, errlen, key, value, len,
                              "score, recent or name");
        }

    } else {
        snprintf(err, errlen, "unknown filter \"%s\"", key);
        return LEAD_EINVAL;
    }

    return LEAD_OK;
}

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
} list_build;

/* A lead as every list shows it, from its person and score. */
static void
fill_row(lead_row *row, const lead_rules *r, const lead_person *p,
    const lead_score *sc)
{
    const char  *country = sc->ncountries ? sc->countries[0] : "";

    memset(row, 0, sizeof(*row));
    memcpy(row->id, p->id, LEAD_ID_LEN);
    row->email = p->email;
    row->name = p->name;
    row->topics = p->topics;
    row->company = lead_company(r, p->email);
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
    row->grade = lead_grade(lead_rules_scoring(r),
                            lead_profile_points(r, p, country));
    snprintf(row->country, sizeof(row->country), "%s", country);
    row->top_asset_id = sc->nhot ? sc->hot[0].asset_id : 0;
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
            && !lead_str_contains(row->email, b->search)))
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

/* The row's strings, copied out of the snapshot into the list's arena. */
static void
keep_strings(lead_arena *a, lead_row *row, const lead_score *sc,
    const lead_asset_list *titles)
{
    char      topics[LEAD_TOPICS_MAX * (LEAD_NAME_MAX + 1)];
    size_t    n = 0, len;
    unsigned  i;

    row->email = arena_copy(a, row->email);
    row->name = arena_copy(a, row->name);
    row->topics = arena_copy(a, row->topics);
    row->company = arena_copy(a, row->company);

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
    row->read_topics = arena_str(a, topics, n);

    if (row->top_asset_id) {
        const char  *title = lead_asset_title(titles, row->top_asset_id);

        row->top_asset = arena_str(a, title, strlen(title));
    } else {
        row->top_asset = arena_str(a, "", 0);
    }
}

static int
add_row(void *arg, const lead_scored *l)
{
    list_build  *b = arg;
    lead_list   *list = b->list;
    lead_row     row, *grown;

    list->total++;
    if (l->status >= 0 && l->status < LEAD_NSTATUSES) {
        list->by_status[l->status]++;
    }

    fill_row(&row, b->rules, l->person, l->score);
    row.status = l->status;
    row.status_ms = l->status_ms;
    row.devices = l->devices;
    if (l->first_ms && l->first_ms < row.first_ms) {
        row.first_ms = l->first_ms;
    }
    if (l->last_ms > row.last_ms) {
        row.last_ms = l->last_ms;
    }

    if (!row_matches(b, &row, l->score)) {
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

    keep_strings(list->arena, &row, l->score, b->titles);
    list->rows[list->n++] = row;
    return list->arena->oom;
}

static int
str_cmp(lead_str a, lead_str b)
{
    int  d = memcmp(a.data, b.data, a.len < b.len ? a.len : b.len);

    return d ? d : (a.len > b.len) - (a.len < b.len);
}

static int
by_score(const void *x, const void *y)
{
    const lead_row  *a = x, *b = y;

    if (a->engagement != b->engagement) {
        return a->engagement < b->engagement ? 1 : -1;
    }
    if (a->last_ms != b->last_ms) {
        return a->last_ms < b->last_ms ? 1 : -1;
    }
    return str_cmp(a->email, b->email);
}

/*
 * What rows sort by, apart from the rows: sorting 100,000 rows of 200
 * bytes moves megabytes, sorting these a fifth of it.
 */
typedef struct {
    double          engagement;
    uint64_t        last_ms;
    lead_str        email;
    size_t          row;
} sort_key;

static int
key_by_score(const void *x, const void *y)
{
    const sort_key  *a = x, *b = y;

    if (a->engagement != b->engagement) {
        return a->engagement < b->engagement ? 1 : -1;
    }
    if (a->last_ms != b->last_ms) {
        return a->last_ms < b->last_ms ? 1 : -1;
    }
    return str_cmp(a->email, b->email);
}

static int
key_by_recent(const void *x, const void *y)
{
    const sort_key  *a = x, *b = y;

    if (a->last_ms != b->last_ms) {
        return a->last_ms < b->last_ms ? 1 : -1;
    }
    return str_cmp(a->email, b->email);
}

static int
key_by_name(const void *x, const void *y)
{
    return str_cmp(((const sort_key *) x)->email,
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

int
lead_query_leads(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, lead_list *out)
{
    list_build        b;
    lead_asset_list   titles;
    lead_filter       any;
    size_t            i;
    int               rc, top;

    memset(out, 0, sizeof(*out));
    memset(&b, 0, sizeof(b));
    if (f == NULL) {
        lead_filter_init(&any);
        f = &any;
    }

    out->arena = calloc(1, sizeof(lead_arena));
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
    for (i = 0; f->search[i]; i++) {
        b.search[i] = (char) tolower((unsigned char) f->search[i]);
    }

    /* the hottest few, by status or not: the kept ranks know them */
    top = f->limit && f->offset + f->limit <= TOP_MAX
          && f->sort == LEAD_SORT_SCORE && f->stage < 0
          && !f->topic[0] && !f->grade && !f->band && !f->search[0];
    if (top) {
        rc = lead_store_list_top(s, r, now_ms, f->status,
                                 f->offset + f->limit, add_row, &b);
        if (rc == LEAD_ENOTFOUND) {
            top = 0;
            out->n = 0;
            out->total = 0;
            memset(out->by_status, 0, sizeof(out->by_status));
            rc = LEAD_OK;
        }
    }
    if (!top && rc == LEAD_OK) {
        rc = lead_store_list_all(s, r, now_ms, add_row, &b);
    }
    lead_asset_list_free(&titles);

    if (b.oom || out->arena->oom || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        out->matched = out->n;
        if (top) {
            rc = lead_store_count_statuses(s, out->by_status, &out->total);
            out->matched = f->status >= 0 ? out->by_status[f->status]
                                          : out->total;
        }
    }
    if (rc == LEAD_OK && sort_rows(out, f->sort, f->offset, f->limit)
                         != LEAD_OK)
    {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_list_free(out);
    }
    return rc;
}

void
lead_list_free(lead_list *l)
{
    free(l->rows);
    arena_free(l->arena);
    memset(l, 0, sizeof(*l));
}

/* ---- accounts ---------------------------------------------------------- */

static int
by_company(const void *x, const void *y)
{
    const lead_row  *a = x, *b = y;
    int              d = str_cmp(a->company, b->company);

    return d ? d : by_score(x, y);
}

static int
by_account_score(const void *x, const void *y)
{
    const lead_account  *a = x, *b = y;

    if (a->engagement != b->engagement) {
        return a->engagement < b->engagement ? 1 : -1;
    }
    return str_cmp(a->company, b->company);
}

int
lead_query_accounts(lead_list *l, lead_account **out, size_t *n)
{
    lead_account  *acc;
    size_t         i, j, k = 0;

    /* companies only: people with a free-mail address are no account */
    for (i = 0, j = 0; i < l->n; i++) {
        if (l->rows[i].company.len) {
            l->rows[j++] = l->rows[i];
        }
    }
    l->n = j;
    lead_sort(l->rows, l->n, sizeof(lead_row), by_company);

    acc = malloc((l->n ? l->n : 1) * sizeof(lead_account));
    if (acc == NULL) {
        return LEAD_ENOMEM;
    }

    for (i = 0; i < l->n; i = j) {
        acc[k].company = l->rows[i].company;
        acc[k].engagement = 0;
        acc[k].first = i;
        for (j = i; j < l->n
                    && str_cmp(l->rows[j].company, l->rows[i].company) == 0;
             j++)
        {
            acc[k].engagement += l->rows[j].engagement;
        }
        acc[k++].count = j - i;
    }
    lead_sort(acc, k, sizeof(lead_account), by_account_score);

    *out = acc;
    *n = k;
    return LEAD_OK;
}

/* ---- assets ------------------------------------------------------------ */

typedef struct {
    lead_asset_list  *l;
    size_t            cap;
    /* people's reads of tagged assets, for the readers */
    struct asset_read {
        uint64_t        asset;
        uint8_t         visitor[LEAD_ID_LEN];
        uint64_t        time_ms;
    }                *reads;
    size_t            nreads, rcap;
    int               oom;
} asset_build;

static int
keep_asset(void *arg, const lead_asset *a)
{
    asset_build       *b = arg;
    lead_asset_stats  *grown, *row;
    lead_arena        *ar = b->l->arena;

    if (b->l->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        grown = realloc(b->l->rows, b->cap * sizeof(lead_asset_stats));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        b->l->rows = grown;
    }

    row = &b->l->rows[b->l->n++];
    memset(row, 0, sizeof(*row));
    row->a = *a;
    row->a.path = arena_str(ar, a->path, strlen(a->path)).data;
    row->a.title = arena_str(ar, a->title, strlen(a->title)).data;
    row->a.stage = arena_str(ar, a->stage, strlen(a->stage)).data;
    row->a.topic = arena_str(ar, a->topic, strlen(a->topic)).data;
    row->a.group = arena_str(ar, a->group, strlen(a->group)).data;
    return ar->oom;
}

static lead_asset_stats *
find_asset(const lead_asset_list *l, uint64_t id)
{
    size_t  lo = 0, hi = l->n, mid;

    /* the catalogue is in id order (the store's key order) */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (l->rows[mid].a.id == id) {
            return &l->rows[mid];
        }
        if (l->rows[mid].a.id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const char *
lead_asset_title(const lead_asset_list *l, uint64_t id)
{
    lead_asset_stats  *row = find_asset(l, id);

    return row ? row->a.title : "(unknown asset)";
}

static int
count_read(void *arg, uint64_t seq, const lead_event *ev)
{
    asset_build        *b = arg;
    lead_asset_stats   *row = ev->asset_id ? find_asset(b->l, ev->asset_id)
                                           : NULL;
    struct asset_read  *grown;
    int                 bot = ev->ua_class == LEAD_UA_BOT;

    (void) seq;

    if (row) {
        *(bot ? &row->bots : &row->people) += 1;
    } else {
        *(bot ? &b->l->untagged_bots : &b->l->untagged_people) += 1;
    }
    if (row == NULL || bot) {
        return 0;
    }

    if (b->nreads == b->rcap) {
        b->rcap = b->rcap ? b->rcap * 2 : 4096;
        grown = realloc(b->reads, b->rcap * sizeof(*b->reads));
        if (grown == NULL) {
            b->oom = 1;
            return 1;
        }
        b->reads = grown;
    }
    b->reads[b->nreads].asset = ev->asset_id;
    memcpy(b->reads[b->nreads].visitor, ev->visitor, LEAD_ID_LEN);
    b->reads[b->nreads].time_ms = ev->time_ms;
    b->nreads++;
    return 0;
}

/* which content generates leads: each visitor's first link, and mql */
typedef struct {
    uint8_t   visitor[LEAD_ID_LEN];
    uint8_t   lead[LEAD_ID_LEN];
    uint64_t  since;              /* linked to the lead */
    uint64_t  mql;                /* the lead became mql, or 0 */
} device_row;

typedef struct {
    lead_store  *s;
    device_row  *rows;
    size_t       n, cap;
    uint8_t      lead[LEAD_ID_LEN];
    int          oom;
} device_map;

static int
add_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    device_map  *d = arg;
    device_row  *grown;

    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        grown = realloc(d->rows, d->cap * sizeof(device_row));
        if (grown == NULL) {
            d->oom = 1;
            return 1;
        }
        d->rows = grown;
    }
    memcpy(d->rows[d->n].visitor, visitor, LEAD_ID_LEN);
    memcpy(d->rows[d->n].lead, d->lead, LEAD_ID_LEN);
    d->rows[d->n].since = since;
    d->rows[d->n].mql = 0;
    d->n++;
    return 0;
}

static int
add_lead_devices(void *arg, const lead_person *p)
{
    device_map  *d = arg;

    memcpy(d->lead, p->id, LEAD_ID_LEN);
    return lead_store_each_device(d->s, p->id, add_device, d) != LEAD_OK;
}

static int
lead_cmp(const void *x, const void *y)
{
    const device_row  *a = x, *b = y;
    int                c = memcmp(a->lead, b->lead, LEAD_ID_LEN);

    return c ? c : (a->since > b->since) - (a->since < b->since);
}

static int
note_mql(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    device_map  *d = arg;
    size_t       lo = 0, hi = d->n, mid;

    if (t->to != LEAD_STATUS_MQL) {
        return 0;
    }

    /* the first time each lead became mql, on all its devices */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (memcmp(d->rows[mid].lead, lead_id, LEAD_ID_LEN) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; lo < d->n && memcmp(d->rows[lo].lead, lead_id, LEAD_ID_LEN) == 0;
         lo++)
    {
        if (d->rows[lo].mql == 0) {
            d->rows[lo].mql = t->time_ms;
        }
    }
    return 0;
}

static int
device_cmp(const void *x, const void *y)
{
    const device_row  *a = x, *b = y;
    int                c = memcmp(a->visitor, b->visitor, LEAD_ID_LEN);

    return c ? c : (a->since > b->since) - (a->since < b->since);
}

static int
read_cmp(const void *x, const void *y)
{
    const struct asset_read  *a = x, *b = y;
    int                       c;

    if (a->asset != b->asset) {
        return a->asset < b->asset ? -1 : 1;
    }
    c = memcmp(a->visitor, b->visitor, LEAD_ID_LEN);
    return c ? c : (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
}

static int
id_cmp(const void *key, const void *row)
{
    return memcmp(key, row, LEAD_ID_LEN);
}

/* Readers per asset, and how many went on to identify or become mql. */
static int
count_readers(lead_store *s, asset_build *b)
{
    device_map   d;
    device_row  *dev;
    size_t       i;
    int          rc;

    memset(&d, 0, sizeof(d));
    d.s = s;

    rc = lead_store_each_lead(s, add_lead_devices, &d);
    if (rc == LEAD_OK && !d.oom) {
        lead_sort(d.rows, d.n, sizeof(device_row), lead_cmp);
        rc = lead_store_each_transition(s, NULL, note_mql, &d);
    }
    if (rc != LEAD_OK || d.oom) {
        free(d.rows);
        return rc != LEAD_OK ? rc : LEAD_ENOMEM;
    }
    /* a visitor's first link comes first */
    lead_sort(d.rows, d.n, sizeof(device_row), device_cmp);
    lead_sort(b->reads, b->nreads, sizeof(*b->reads), read_cmp);

    for (i = 0; i < b->nreads; i++) {
        const struct asset_read  *r = &b->reads[i];
        lead_asset_stats         *row;

        /* one reader once: its first read of the asset */
        if (i > 0 && r->asset == r[-1].asset
            && memcmp(r->visitor, r[-1].visitor, LEAD_ID_LEN) == 0)
        {
            continue;
        }

        row = find_asset(b->l, r->asset);
        dev = d.n ? bsearch(r->visitor, d.rows, d.n, sizeof(device_row),
                            id_cmp)
                  : NULL;
        row->readers++;
        if (dev) {
            /* bsearch may land on any link of the visitor: the first */
            while (dev > d.rows
                   && memcmp(dev[-1].visitor, r->visitor, LEAD_ID_LEN) == 0)
            {
                dev--;
            }
            row->identified_readers++;
            row->before_identified += r->time_ms < dev->since;
            row->before_mql += dev->mql && r->time_ms < dev->mql;
        }
    }

    free(d.rows);
    return LEAD_OK;
}

int
lead_query_assets(lead_store *s, int counts, lead_asset_list *out)
{
    asset_build  b;
    int          rc;

    memset(out, 0, sizeof(*out));
    memset(&b, 0, sizeof(b));
    b.l = out;

    out->arena = calloc(1, sizeof(lead_arena));
    if (out->arena == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_each_asset(s, keep_asset, &b);
    if (rc == LEAD_OK && counts && !b.oom) {
        rc = lead_store_each_event(s, count_read, &b);
    }
    if (rc == LEAD_OK && counts && !b.oom) {
        rc = count_readers(s, &b);
    }
    free(b.reads);

    /* the callbacks stop only when memory runs out */
    if (b.oom || rc == LEAD_ENOMEM || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_asset_list_free(out);
    }
    return rc;
}

void
lead_asset_list_free(lead_asset_list *l)
{
    free(l->rows);
    arena_free(l->arena);
    memset(l, 0, sizeof(*l));
}

/* ---- the funnel -------------------------------------------------------- */

typedef struct {
    uint8_t    lead[LEAD_ID_LEN];
    int        status;
    uint64_t   since;
    unsigned   reached;                    /* bit per status ever held */
    uint64_t  *stays[LEAD_NSTATUSES];      /* durations, ms */
    size_t     nstays[LEAD_NSTATUSES], cap[LEAD_NSTATUSES];
    uint64_t   now;
    lead_funnel *out;
    int        oom;
} funnel_walk;

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
    f->reached = 0;
}

static int
walk_transition(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    funnel_walk  *f = arg;

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
    return f->oom;
}

static int
u64_cmp(const void *x, const void *y)
{
    uint64_t  a = *(const uint64_t *) x, b = *(const uint64_t *) y;

    return (a > b) - (a < b);
}

int
lead_query_funnel(lead_store *s, const lead_list *all, uint64_t now_ms,
    lead_funnel *out)
{
    funnel_walk  *f;
    size_t        i;
    int           st, rc;

    memset(out, 0, sizeof(*out));

    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    f->out = out;
    f->now = now_ms;
    memset(f->lead, 0xff, LEAD_ID_LEN);

    rc = lead_store_each_transition(s, NULL, walk_transition, f);
    end_lead(f);
    if (f->oom || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    out->leads = all->n;
    for (i = 0; i < all->n; i++) {
        const lead_row  *row = &all->rows[i];

        out->status[row->status].now++;
        out->stage[row->stage_index >= 0 ? (unsigned) row->stage_index
                                         : LEAD_MAX_STAGES]++;
    }

    for (st = 0; st < LEAD_NSTATUSES; st++) {
        if (f->nstays[st]) {
            lead_sort(f->stays[st], f->nstays[st], sizeof(uint64_t), u64_cmp);
            out->status[st].median_ms = f->stays[st][f->nstays[st] / 2];
        }
        free(f->stays[st]);
    }
    free(f);
    return rc;
}

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
    b->person.email = arena_copy(a, p->email);
    b->person.name = arena_copy(a, p->name);
    b->person.topics = arena_copy(a, p->topics);
    return a->oom;
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
    r->ev.path = arena_copy(a, ev->path);
    r->ev.referrer_host = arena_copy(a, ev->referrer_host);
    r->ev.utm_source = arena_copy(a, ev->utm_source);
    r->ev.utm_medium = arena_copy(a, ev->utm_medium);
    r->ev.utm_campaign = arena_copy(a, ev->utm_campaign);
    r->ev.stage = arena_copy(a, ev->stage);
    r->ev.topic = arena_copy(a, ev->topic);
    r->ev.group = arena_copy(a, ev->group);
    r->ev.country = arena_copy(a, ev->country);
    r->ev.region = arena_copy(a, ev->region);
    r->ev.city = arena_copy(a, ev->city);
    r->title.data = "";
    r->title.len = 0;
    r->before_identified = before_identifying(d, ev);
    return a->oom;
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
    h->cause = arena_copy(a, t->cause);
    h->who = arena_copy(a, t->who);
    h->reason = arena_copy(a, t->reason);
    return a->oom;
}

static lead_str
title_of(lead_arena *a, const lead_asset_list *titles,
    const lead_contribution *c)
{
    const char  *t = c->group_bonus ? c->group
                                    : lead_asset_title(titles, c->asset_id);

    return arena_str(a, t, strlen(t));
}

int
lead_query_lead(lead_store *s, const lead_rules *r, const char *who,
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

    out->arena = calloc(1, sizeof(lead_arena));
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
        rc = lead_store_lead_events(s, b.person.id, keep_read, &b);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_each_transition(s, b.person.id, keep_transition, &b);
    }
    if (rc == LEAD_OK) {
        rc = lead_query_assets(s, 0, &titles);
    }
    if (rc == LEAD_OK) {
        feed_done(&b.feed);
        rc = lead_scorer_result(b.feed.scorer, now_ms, &out->score);
    }
    lead_scorer_free(b.feed.scorer);

    /* the callbacks stop only when memory runs out */
    if (b.oom || out->arena->oom || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc != LEAD_OK) {
        lead_asset_list_free(&titles);
        lead_detail_free(out);
        return rc;
    }

    fill_row(row, r, &b.person, &out->score);
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

            out->reads[i].title = arena_str(out->arena, t, strlen(t));
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
    keep_strings(out->arena, row, &out->score, &titles);
    for (i = 0; i < out->score.nhot; i++) {
        out->hot_titles[i] = title_of(out->arena, &titles,
                                      &out->score.hot[i]);
    }
    for (i = 0; i < out->score.nwhy; i++) {
        out->why_titles[i] = title_of(out->arena, &titles,
                                      &out->score.why[i]);
    }
    lead_asset_list_free(&titles);

    if (out->arena->oom) {
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
    arena_free(d->arena);
    memset(d, 0, sizeof(*d));
}
