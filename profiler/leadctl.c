/*
 * leadctl: reads (and later manages) the store that the nginx module
 * writes.  Only the public API of lead.h is used here.
 */

#define _GNU_SOURCE            /* nftw() with FTW_ACTIONRETVAL */

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <ctype.h>
#include <strings.h>

#include "lead.h"

#include "leadctl.h"

void
print_time(uint64_t ms, char *buf, size_t size)
{
    time_t     t = (time_t) (ms / 1000);
    struct tm  tm;

    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + strlen(buf), size - strlen(buf), ".%03uZ",
             (unsigned) (ms % 1000));
}

/* A JSON string (a member when name is not NULL): control characters,
 * quotes and '<' escaped. */
void
json_str(const char *name, lead_str v)
{
    char    buf[512], *out = buf;
    size_t  n;

    if (name != NULL) {
        printf("\"%s\":", name);
    }

    n = lead_json_escape(v.data, v.len, buf, sizeof(buf));
    if (n > sizeof(buf)) {
        out = malloc(n);
        if (out == NULL) {
            printf("null");
            return;
        }
        lead_json_escape(v.data, v.len, out, n);
    }

    printf("\"%.*s\"", (int) n, out);

    if (out != buf) {
        free(out);
    }
}

/* Text output: one line per row, so anything unprintable becomes '?'. */
void
text_str(lead_str v)
{
    size_t  i;

    for (i = 0; i < v.len; i++) {
        unsigned char  c = (unsigned char) v.data[i];

        putchar(c < 0x20 || c == 0x7f ? '?' : c);
    }
}

/*
 * A CSV field (RFC 4180), quoted when it holds a comma, quote or line
 * break.  A value a spreadsheet would run as a formula (= + - @) gets a
 * leading apostrophe: CSV files are opened by people in spreadsheets.
 */
void
csv_field(const char *v, size_t len)
{
    size_t  i;
    int     quote = 0;

    for (i = 0; i < len; i++) {
        quote |= v[i] == ',' || v[i] == '"' || v[i] == '\r' || v[i] == '\n';
    }

    if (quote) {
        putchar('"');
    }
    if (len && strchr("=+-@", v[0]) != NULL) {
        putchar('\'');
    }
    for (i = 0; i < len; i++) {
        if (v[i] == '"') {
            putchar('"');
        }
        putchar(v[i]);
    }
    if (quote) {
        putchar('"');
    }
}

void
json_row_start(ctl *c)
{
    printf(c->first ? "\n  {" : ",\n  {");
    c->first = 0;
}

static int
print_event(void *arg, uint64_t seq, const lead_event *ev)
{
    ctl       *c = arg;
    char       when[40], vid[LEAD_ID_HEX_LEN + 1], range[64];
    unsigned   i;
    size_t     n = 0;

    print_time(ev->time_ms, when, sizeof(when));
    lead_id_to_hex(ev->visitor, vid);
    vid[LEAD_ID_HEX_LEN] = '\0';

    range[0] = '\0';
    for (i = 0; i < ev->nranges && n < sizeof(range) - 1; i++) {
        n += (size_t) snprintf(range + n, sizeof(range) - n, "%s%" PRIu64
                               "-%" PRIu64, i ? "," : "",
                               ev->ranges[i].start, ev->ranges[i].end);
    }
    if (n >= sizeof(range)) {
        n = sizeof(range) - 1;
    }

    c->rows++;

    if (c->json) {
        json_row_start(c);
        printf("\"seq\":%" PRIu64 ",\"time\":\"%s\",\"time_ms\":%" PRIu64
               ",\"visitor\":\"%s\",", seq, when, ev->time_ms, vid);
        json_str("path", ev->path);
        printf(",\"status\":%u,\"bytes_sent\":%" PRIu64
               ",\"file_size\":%" PRIu64 ",\"ranges\":[",
               ev->status, ev->bytes_sent, ev->file_size);
        for (i = 0; i < ev->nranges; i++) {
            printf("%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "",
                   ev->ranges[i].start, ev->ranges[i].end);
        }
        printf("],\"ua\":\"%s\",", lead_ua_class_name(ev->ua_class));
        json_str("referrer_host", ev->referrer_host);
        putchar(',');
        json_str("utm_source", ev->utm_source);
        putchar(',');
        json_str("utm_medium", ev->utm_medium);
        putchar(',');
        json_str("utm_campaign", ev->utm_campaign);
        putchar(',');
        json_str("country", ev->country);
        putchar(',');
        json_str("city", ev->city);
        if (ev->asset_id) {
            printf(",\"asset\":\"%016" PRIx64 "\",", ev->asset_id);
            json_str("stage", ev->stage);
            putchar(',');
            json_str("topic", ev->topic);
            putchar(',');
            json_str("group", ev->group);
            printf(",\"points\":%d,\"hot\":%s", (int) ev->points,
                   (ev->asset_flags & LEAD_ASSET_HOT) ? "true" : "false");
        } else {
            printf(",\"asset\":null");
        }
        putchar('}');
        return 0;
    }

    printf("%-24s %.12s %3u %10" PRIu64 "/%-10" PRIu64 " %-7s ", when, vid,
           ev->status, ev->bytes_sent, ev->file_size,
           lead_ua_class_name(ev->ua_class));
    text_str(ev->path);
    if (ev->asset_id) {
        printf(" [");
        text_str(ev->stage);
        if (ev->topic.len) {
            putchar('/');
            text_str(ev->topic);
        }
        printf(" %+d%s]", (int) ev->points,
               (ev->asset_flags & LEAD_ASSET_HOT) ? " hot" : "");
    } else {
        printf(" [untagged]");
    }
    if (ev->nranges) {
        printf(" range=%s", range);
    }
    if (ev->country.len) {
        printf(" in=");
        text_str(ev->country);
        if (ev->city.len) {
            putchar('/');
            text_str(ev->city);
        }
    }
    if (ev->referrer_host.len) {
        printf(" from=");
        text_str(ev->referrer_host);
    }
    if (ev->utm_source.len || ev->utm_medium.len || ev->utm_campaign.len) {
        printf(" utm=");
        text_str(ev->utm_source);
        putchar('/');
        text_str(ev->utm_medium);
        putchar('/');
        text_str(ev->utm_campaign);
    }
    putchar('\n');
    return 0;
}

static int
print_visitor(void *arg, const lead_visitor *v)
{
    ctl   *c = arg;
    char   first[40], last[40], vid[LEAD_ID_HEX_LEN + 1];

    print_time(v->first_ms, first, sizeof(first));
    print_time(v->last_ms, last, sizeof(last));
    lead_id_to_hex(v->id, vid);
    vid[LEAD_ID_HEX_LEN] = '\0';

    c->rows++;

    if (c->json) {
        json_row_start(c);
        printf("\"visitor\":\"%s\",\"events\":%" PRIu64 ",\"first_seen\":"
               "\"%s\",\"last_seen\":\"%s\"}", vid, v->events, first, last);
        return 0;
    }

    printf("%s %8" PRIu64 "  %s  %s\n", vid, v->events, first, last);
    return 0;
}

static int
run_listing(ctl *c, lead_store *s, int events)
{
    int  rc;

    c->first = 1;

    if (c->json) {
        putchar('[');
    } else if (events) {
        printf("%-24s %-12s %3s %21s %-7s %s\n", "time", "visitor", "st",
               "bytes/size", "ua", "path");
    } else {
        printf("%-32s %8s  %-24s  %-24s\n", "visitor", "events",
               "first seen", "last seen");
    }

    rc = events ? lead_store_each_event(s, print_event, c)
                : lead_store_each_visitor(s, print_visitor, c);

    if (c->json) {
        printf(c->rows ? "\n]\n" : "]\n");
    }

    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    return 0;
}

static int
cmd_events(ctl *c, lead_store *s)
{
    return run_listing(c, s, 1);
}

static int
cmd_visitors(ctl *c, lead_store *s)
{
    return run_listing(c, s, 0);
}

/* ---- assets ------------------------------------------------------------ */

void
free_catalogue(catalogue *cat)
{
    size_t  i;

    for (i = 0; i < cat->n; i++) {
        free(cat->rows[i].strs);
    }
    free(cat->rows);
    free(cat->reads);
    free(cat->visitors);
}

static int
memcmp_id(const void *key, const void *row)
{
    return memcmp(key, row, LEAD_ID_LEN);
}

static asset_row *
find_row(const catalogue *cat, uint64_t id)
{
    size_t  lo = 0, hi = cat->n, mid;

    /* the catalogue is sorted by id (the store's key order) */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (cat->rows[mid].a.id == id) {
            return &cat->rows[mid];
        }
        if (cat->rows[mid].a.id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const char *
asset_title(const catalogue *cat, uint64_t id)
{
    asset_row  *row = find_row(cat, id);

    return row ? row->a.title : "(unknown asset)";
}

int
add_asset(void *arg, const lead_asset *a)
{
    catalogue   *cat = arg;
    asset_row   *grown, *row;
    const char  *src[5] = { a->path, a->title, a->stage, a->topic,
                            a->group };
    size_t       len[5], total = 0, i;
    char        *p;

    if (cat->n == cat->cap) {
        cat->cap = cat->cap ? cat->cap * 2 : 64;
        grown = realloc(cat->rows, cat->cap * sizeof(asset_row));
        if (grown == NULL) {
            cat->oom = 1;
            return 1;
        }
        cat->rows = grown;
    }

    for (i = 0; i < 5; i++) {
        len[i] = strlen(src[i]) + 1;
        total += len[i];
    }
    p = malloc(total);
    if (p == NULL) {
        cat->oom = 1;
        return 1;
    }

    row = &cat->rows[cat->n++];
    memset(row, 0, sizeof(*row));
    row->a = *a;
    row->strs = p;
    for (i = 0; i < 5; i++) {
        memcpy(p, src[i], len[i]);
        src[i] = p;
        p += len[i];
    }
    row->a.path = src[0];
    row->a.title = src[1];
    row->a.stage = src[2];
    row->a.topic = src[3];
    row->a.group = src[4];
    return 0;
}

static int
count_read(void *arg, uint64_t seq, const lead_event *ev)
{
    catalogue  *cat = arg;
    asset_row  *row = ev->asset_id ? find_row(cat, ev->asset_id) : NULL;
    int         bot = ev->ua_class == LEAD_UA_BOT;

    (void) seq;

    if (row) {
        *(bot ? &row->bots : &row->people) += 1;
    } else {
        *(bot ? &cat->untagged_bots : &cat->untagged_people) += 1;
    }

    if (row && !bot) {
        if (cat->nreads == cat->rcap) {
            asset_read  *r;
            uint8_t     *v;

            cat->rcap = cat->rcap ? cat->rcap * 2 : 4096;
            r = realloc(cat->reads, cat->rcap * sizeof(asset_read));
            if (r != NULL) {
                cat->reads = r;
            }
            v = realloc(cat->visitors, cat->rcap * LEAD_ID_LEN);
            if (v != NULL) {
                cat->visitors = v;
            }
            if (r == NULL || v == NULL) {
                cat->oom = 1;
                return 1;
            }
        }
        memcpy(cat->visitors + cat->nreads * LEAD_ID_LEN, ev->visitor,
               LEAD_ID_LEN);
        cat->reads[cat->nreads].asset = ev->asset_id;
        cat->reads[cat->nreads].time_ms = ev->time_ms;
        cat->nreads++;
    }
    return 0;
}

/* ---- which content generates leads ------------------------------------- */

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
note_mql(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    device_map  *d = arg;
    size_t       i;

    /* the first time each lead became mql */
    for (i = 0; t->to == LEAD_STATUS_MQL && i < d->n; i++) {
        if (memcmp(d->rows[i].lead, lead_id, LEAD_ID_LEN) == 0
            && d->rows[i].mql == 0)
        {
            d->rows[i].mql = t->time_ms;
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
    const asset_read  *a = x, *b = y;
    int                c;

    if (a->asset != b->asset) {
        return a->asset < b->asset ? -1 : 1;
    }
    c = memcmp(a->visitor, b->visitor, LEAD_ID_LEN);
    return c ? c : (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
}

/* Readers per asset, and how many went on to identify or become mql. */
static int
count_readers(lead_store *s, catalogue *cat)
{
    device_map   d;
    device_row  *dev;
    asset_row   *row;
    size_t       i;
    int          rc;

    memset(&d, 0, sizeof(d));
    d.s = s;

    rc = lead_store_each_lead(s, add_lead_devices, &d);
    if (rc == LEAD_OK && !d.oom) {
        rc = lead_store_each_transition(s, NULL, note_mql, &d);
    }
    if (rc != LEAD_OK || d.oom) {
        free(d.rows);
        return 1;
    }
    /* a visitor's first link comes first */
    qsort(d.rows, d.n, sizeof(device_row), device_cmp);

    for (i = 0; i < cat->nreads; i++) {
        cat->reads[i].visitor = cat->visitors + i * LEAD_ID_LEN;
    }
    qsort(cat->reads, cat->nreads, sizeof(asset_read), read_cmp);

    for (i = 0; i < cat->nreads; i++) {
        const asset_read  *r = &cat->reads[i];

        /* one reader once: its first read of the asset */
        if (i > 0 && r->asset == r[-1].asset
            && memcmp(r->visitor, r[-1].visitor, LEAD_ID_LEN) == 0)
        {
            continue;
        }

        row = find_row(cat, r->asset);
        dev = bsearch(r->visitor, d.rows, d.n, sizeof(device_row),
                      memcmp_id);
        if (row == NULL) {
            continue;
        }
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
    return 0;
}

static int
cmd_assets(ctl *c, lead_store *s)
{
    catalogue   cat;
    size_t      i;
    int         rc;

    memset(&cat, 0, sizeof(cat));

    rc = lead_store_each_asset(s, add_asset, &cat);
    if (rc == LEAD_OK) {
        rc = lead_store_each_event(s, count_read, &cat);
    }
    if (rc == LEAD_OK && !cat.oom && count_readers(s, &cat) != 0) {
        cat.oom = 1;
    }

    if (rc != LEAD_OK || cat.oom) {
        fprintf(stderr, "leadctl: %s\n", cat.oom ? "out of memory"
                                                 : lead_store_errmsg(s));
        rc = 1;
        goto done;
    }

    if (c->json) {
        putchar('[');
        c->first = 1;
        for (i = 0; i < cat.n; i++) {
            const lead_asset  *a = &cat.rows[i].a;

            json_row_start(c);
            printf("\"asset\":\"%016" PRIx64 "\",", a->id);
            json_str("path", (lead_str) { a->path, strlen(a->path) });
            putchar(',');
            json_str("title", (lead_str) { a->title, strlen(a->title) });
            putchar(',');
            json_str("stage", (lead_str) { a->stage, strlen(a->stage) });
            putchar(',');
            json_str("topic", (lead_str) { a->topic, strlen(a->topic) });
            printf(",\"points\":%d,\"people_reads\":%" PRIu64
                   ",\"bot_reads\":%" PRIu64 ",\"readers\":%" PRIu64
                   ",\"identified_readers\":%" PRIu64 ",\"before_identified\":"
                   "%" PRIu64 ",\"before_mql\":%" PRIu64 "}", (int) a->points,
                   cat.rows[i].people, cat.rows[i].bots, cat.rows[i].readers,
                   cat.rows[i].identified_readers,
                   cat.rows[i].before_identified, cat.rows[i].before_mql);
        }
        printf("%s]\n", cat.n ? "\n" : "");
        rc = 0;
        goto done;
    }

    printf("%7s %5s %7s %6s %6s %5s  %-11s %6s  %s\n", "reads", "bots",
           "readers", "leads", "ident.", "mql", "stage", "points", "path");
    for (i = 0; i < cat.n; i++) {
        const asset_row  *row = &cat.rows[i];

        printf("%7" PRIu64 " %5" PRIu64 " %7" PRIu64 " %6" PRIu64 " %6"
               PRIu64 " %5" PRIu64 "  %-11s %6d  %s\n", row->people,
               row->bots, row->readers, row->identified_readers,
               row->before_identified, row->before_mql, row->a.stage,
               (int) row->a.points, row->a.path);
    }
    printf("%7" PRIu64 " %5" PRIu64 "  (untagged: see `leadctl rules "
           "scan`)\n\nreaders: distinct visitors; leads: those identified; "
           "ident.: read it before\nidentifying; mql: read it before their "
           "lead became an MQL\n", cat.untagged_people, cat.untagged_bots);
    rc = 0;

done:
    free_catalogue(&cat);
    return rc;
}

/* ---- rules ------------------------------------------------------------- */

static int
cmd_rules_check(ctl *c, lead_store *s)
{
    lead_rules  *r;
    char         err[1024];
    size_t       i, j, groups = 0;

    (void) s;

    if (lead_rules_load(&r, c->args[0], err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    /* distinct group names among the assets */
    for (i = 0; i < lead_rules_count(r); i++) {
        const char  *g = lead_rules_asset(r, i)->group;

        for (j = 0; j < i && g[0]; j++) {
            if (strcmp(lead_rules_asset(r, j)->group, g) == 0) {
                break;
            }
        }
        groups += g[0] && j == i;
    }

    printf("%s: ok, %zu assets, %u stages, %zu groups\n", c->args[0],
           lead_rules_count(r), lead_rules_scoring(r)->nstages, groups);
    lead_rules_free(r);
    return 0;
}

/* nftw() has no argument for its callback: the scan's state is here. */
static struct {
    const lead_rules  *rules;
    size_t             root_len;
    char             **paths;
    size_t             n, cap;
    int                oom;
} scan;

/*
 * A title to start from: an HTML file's <title>, else the file name.
 * Whitespace runs become one space; commas and quotes are csv_field's job.
 */
static void
file_title(const char *fpath, const char *base, char *out, size_t size)
{
    char    buf[8192], *start, *end, *p;
    size_t  n = 0, len;
    FILE   *f;

    snprintf(out, size, "%s", base);

    len = strlen(base);
    if (len < 5 || strcasecmp(base + len - 5, ".html") != 0
        || (f = fopen(fpath, "rb")) == NULL)
    {
        return;
    }
    len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = '\0';

    start = strcasestr(buf, "<title>");
    end = start ? strcasestr(start, "</title>") : NULL;
    if (end == NULL) {
        return;
    }

    for (p = start + 7; p < end && n + 1 < size; p++) {
        if (isspace((unsigned char) *p) || (unsigned char) *p < 0x20) {
            if (n > 0 && out[n - 1] != ' ') {
                out[n++] = ' ';
            }
        } else {
            out[n++] = *p;
        }
    }
    while (n > 0 && out[n - 1] == ' ') {
        n--;
    }
    if (n > 0) {
        out[n] = '\0';
    }
}

static int
scan_file(const char *fpath, const struct stat *st, int type,
    struct FTW *ftw)
{
    const char  *rel = fpath + scan.root_len;
    const char  *base = fpath + ftw->base;
    char         url[LEAD_PATH_MAX + 2], title[LEAD_TITLE_MAX + 1];
    char       **grown;
    size_t       len;

    (void) st;

    if (ftw->level > 0 && base[0] == '.') {
        return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
    }
    if (type != FTW_F) {
        return FTW_CONTINUE;
    }

    /* a directory's index file is read at the directory's URL */
    len = strlen(rel);
    if (len >= 10 && strcmp(rel + len - 10, "index.html") == 0
        && (len == 10 || rel[len - 11] == '/'))
    {
        len -= 10;
    }
    if (len + 2 > sizeof(url)) {
        return FTW_CONTINUE;
    }
    url[0] = '/';
    memcpy(url + 1, rel[0] == '/' ? rel + 1 : rel, len);
    len = rel[0] == '/' ? len : len + 1;
    url[len] = '\0';

    if (lead_rules_match(scan.rules, url, len) != NULL) {
        return FTW_CONTINUE;
    }

    if (scan.n == scan.cap) {
        scan.cap = scan.cap ? scan.cap * 2 : 64;
        grown = realloc(scan.paths, scan.cap * sizeof(char *));
        if (grown == NULL) {
            scan.oom = 1;
            return FTW_STOP;
        }
        scan.paths = grown;
    }
    /* "url" NUL "title": sorted by url, printed as two fields */
    file_title(fpath, base, title, sizeof(title));
    scan.paths[scan.n] = malloc(len + 1 + strlen(title) + 1);
    if (scan.paths[scan.n] != NULL) {
        memcpy(scan.paths[scan.n], url, len + 1);
        strcpy(scan.paths[scan.n] + len + 1, title);
    }
    if (scan.paths[scan.n] == NULL) {
        scan.oom = 1;
        return FTW_STOP;
    }
    scan.n++;
    return FTW_CONTINUE;
}

static int
path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
cmd_rules_scan(ctl *c, lead_store *s)
{
    lead_rules  *r;
    char         err[1024], root[4096];
    size_t       i;
    int          rc = 0;

    (void) s;

    if (c->rules == NULL) {
        fprintf(stderr, "leadctl: rules scan needs --rules DIR\n");
        return EXIT_USAGE;
    }
    if (lead_rules_load(&r, c->rules, err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    snprintf(root, sizeof(root), "%s", c->args[0]);
    while (strlen(root) > 1 && root[strlen(root) - 1] == '/') {
        root[strlen(root) - 1] = '\0';
    }

    memset(&scan, 0, sizeof(scan));
    scan.rules = r;
    scan.root_len = strlen(root);

    if (nftw(root, scan_file, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0
        || scan.oom)
    {
        fprintf(stderr, "leadctl: cannot scan \"%s\"%s\n", root,
                scan.oom ? ": out of memory" : "");
        rc = scan.oom ? 1 : EXIT_USAGE;
    }

    if (rc == 0) {
        qsort(scan.paths, scan.n, sizeof(char *), path_cmp);
        printf("path,title,stage,points,topic,flags\n");
        for (i = 0; i < scan.n; i++) {
            const char  *title = scan.paths[i] + strlen(scan.paths[i]) + 1;

            csv_field(scan.paths[i], strlen(scan.paths[i]));
            putchar(',');
            csv_field(title, strlen(title));
            printf(",,,,\n");
        }
    }

    for (i = 0; i < scan.n; i++) {
        free(scan.paths[i]);
    }
    free(scan.paths);
    lead_rules_free(r);
    return rc;
}

static const command  commands[] = {
    { "events", OPT_STORE | OPT_JSON, 0,
      "list recorded events, oldest first",
      "leadctl [--store DIR] events [--json]\n\n"
      "Lists every recorded event: time (UTC), visitor, HTTP status, bytes\n"
      "sent / file size, user-agent class, path, the asset's stage, topic\n"
      "and points when it was read, byte ranges, referrer host and\n"
      "utm_source/medium/campaign.\n",
      cmd_events },
    { "visitors", OPT_STORE | OPT_JSON, 0,
      "list visitors with event counts, first and last seen",
      "leadctl [--store DIR] visitors [--json]\n\n"
      "Lists every visitor id with its number of events and the times of\n"
      "its first and last recorded event.\n",
      cmd_visitors },
    { "assets", OPT_STORE | OPT_JSON, 0,
      "list tagged assets and how often people and bots read them",
      "leadctl [--store DIR] assets [--json]\n\n"
      "Lists every asset rule events were recorded under, with reads by\n"
      "people and by bots, and the reads of untagged content.\n",
      cmd_assets },
    { "leads", OPT_STORE | OPT_JSON | OPT_CSV | OPT_MODEL, 0,
      "identified leads ranked by engagement: who to call",
      "leadctl [--store DIR] leads [--status S] [--sort score|recent|name]\n"
      "        [--json|--csv] [--now TIME]\n\n"
      "Lists identified leads, hottest first: score (engagement decayed to\n"
      "now), matrix cell (grade A-D and band 1-4), status, buying stage,\n"
      "e-mail, name and the top of their hot content.  The CSV (RFC 4180,\n"
      "one row per lead, spreadsheet-safe) imports into CRMs.\n",
      cmd_leads },
    { "show", OPT_STORE | OPT_JSON | OPT_MODEL, 1,
      "one lead: score, hot content, why, history, timeline",
      "leadctl [--store DIR] show EMAIL|ID [--json] [--now TIME]\n\n"
      "Shows one lead: score, cell, status and stage; its hot content (what\n"
      "it read that signals intent, with depth and reads); why the score is\n"
      "what it is; its status history, devices and everything it read,\n"
      "what came before it identified marked so.\n",
      cmd_show },
    { "status", OPT_STORE | OPT_SALES, 2,
      "move a lead on (sal, sql, won) or back to marketing (nurture)",
      "leadctl [--store DIR] status EMAIL|ID sal|sql|won|nurture\n"
      "        [--reason TEXT] [--by WHO] [--now TIME]\n\n"
      "Records a sales decision: sal (accepted, from mql), sql (qualified,\n"
      "from sal), won (from sql), or nurture (rejected back to marketing,\n"
      "from mql, sal or sql; --reason is required).\n",
      cmd_status },
    { "funnel", OPT_STORE | OPT_JSON | OPT_MODEL, 0,
      "leads per status and stage, time in each, conversions",
      "leadctl [--store DIR] funnel [--json] [--now TIME]\n\n"
      "How many leads are in each status now and ever were, the median\n"
      "time spent in each, how many went on to the next, and leads per\n"
      "buying stage.\n",
      cmd_funnel },
    { "accounts", OPT_STORE | OPT_JSON | OPT_MODEL, 0,
      "companies: summed engagement and their people",
      "leadctl [--store DIR] accounts [--json] [--now TIME]\n\n"
      "Leads with the same company e-mail domain (not free-mail) rolled up\n"
      "into accounts, hottest first.\n",
      cmd_accounts },
    { "rules check", 0, 1,
      "check a rules folder as nginx -t does",
      "leadctl rules check DIR\n\n"
      "Loads DIR/scoring.conf and DIR/assets.csv with the module's parser.\n"
      "Prints file:line: what is wrong and exits 1, or a one-line summary.\n",
      cmd_rules_check },
    { "rules scan", OPT_RULES, 1,
      "list content files no rule matches, as assets.csv rows",
      "leadctl rules scan CONTENT_DIR --rules DIR\n\n"
      "Walks CONTENT_DIR (the nginx root) and prints, as CSV rows ready to\n"
      "paste into assets.csv, the URL path of every file that no rule in\n"
      "DIR matches (an index.html as its directory). Fill in title, stage,\n"
      "points, topic and flags.\n",
      cmd_rules_scan },
    { NULL, 0, 0, NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
    const command  *cmd;

    fprintf(f,
        "usage: leadctl [--store DIR] COMMAND [OPTIONS]\n\n"
        "Reads the lead store written by ngx_http_lead_module; safe while\n"
        "nginx runs.  The store is --store DIR or $LEAD_STORE.\n\n"
        "commands:\n");
    for (cmd = commands; cmd->name; cmd++) {
        fprintf(f, "  %-12s %s\n", cmd->name, cmd->summary);
    }
    fprintf(f, "\n'leadctl COMMAND --help' describes one command.\n"
               "Exit status: 0 ok, 1 error, 2 usage error or no store.\n");
}

typedef struct {
    const char  *name;
    unsigned     commands;     /* the OPT_ bits of commands taking it */
    size_t       field;        /* where in ctl its value goes */
} option;

static const option  options[] = {
    { "--store", ~0u, offsetof(ctl, store) },
    { "--rules", OPT_RULES | OPT_MODEL, offsetof(ctl, rules) },
    { "--now", OPT_MODEL | OPT_SALES, offsetof(ctl, now) },
    { "--status", OPT_MODEL, offsetof(ctl, status) },
    { "--sort", OPT_MODEL, offsetof(ctl, sort) },
    { "--reason", OPT_SALES, offsetof(ctl, reason) },
    { "--by", OPT_SALES, offsetof(ctl, by) },
    { NULL, 0, 0 }
};

/* --store goes anywhere; the others after a command that takes them */
static const option *
find_option(const char *arg, const command *cmd)
{
    const option  *o;

    for (o = options; o->name; o++) {
        if (strcmp(arg, o->name) == 0
            && (o->commands == ~0u || (cmd && (cmd->opts & o->commands))))
        {
            return o;
        }
    }
    return NULL;
}

/*
 * --now: "2026-12-24T09:30:00Z", "2026-12-24", or an offset from the
 * clock such as "+30d", "-12h", "+90m", "+45s".
 */
static int
parse_now(const char *s, uint64_t *ms)
{
    struct timespec  ts;
    struct tm        tm;
    char            *end;
    long long        n, unit;
    time_t           t;

    clock_gettime(CLOCK_REALTIME, &ts);
    *ms = (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;

    if (s == NULL || strcmp(s, "now") == 0) {
        return 0;
    }

    if (s[0] == '+' || s[0] == '-') {
        n = strtoll(s + 1, &end, 10);
        unit = *end == 'd' ? 86400000LL : *end == 'h' ? 3600000LL
               : *end == 'm' ? 60000LL : *end == 's' ? 1000LL : 0;
        if (end == s + 1 || unit == 0 || end[1] != '\0' || n > 36500LL * 24
            * 3600)
        {
            return -1;
        }
        *ms = s[0] == '+' ? *ms + (uint64_t) (n * unit)
                          : *ms - (uint64_t) (n * unit);
        return 0;
    }

    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%d", &tm);
    if (end != NULL && *end == 'T') {
        end = strptime(end + 1, "%H:%M:%S", &tm);
        if (end != NULL && *end == 'Z') {
            end++;
        }
    }
    if (end == NULL || *end != '\0') {
        return -1;
    }

    t = timegm(&tm);
    *ms = (uint64_t) t * 1000;
    return 0;
}

static const command *
find_command(int argc, char **argv, int *i)
{
    const command  *cmd;
    char            name[64];

    snprintf(name, sizeof(name), "%s", argv[*i]);
    if (strcmp(name, "rules") == 0 && *i + 1 < argc) {
        snprintf(name, sizeof(name), "rules %s", argv[++*i]);
    }

    for (cmd = commands; cmd->name; cmd++) {
        if (strcmp(cmd->name, name) == 0) {
            return cmd;
        }
    }

    fprintf(stderr, "leadctl: unknown command \"%s\"\n\n", name);
    usage(stderr);
    return NULL;
}

int
main(int argc, char **argv)
{
    ctl              c;
    const command   *cmd = NULL;
    const option    *opt;
    lead_store      *s = NULL;
    lead_store_opts  opts = { 0, 1, 1 };
    char             err[512];
    int              i, rc;

    memset(&c, 0, sizeof(c));
    c.store = getenv("LEAD_STORE");

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            if (cmd) {
                fputs(cmd->usage, stdout);
            } else {
                usage(stdout);
            }
            return 0;

        } else if ((opt = find_option(argv[i], cmd)) != NULL) {
            if (i + 1 == argc) {
                fprintf(stderr, "leadctl: %s needs a value\n", argv[i]);
                return EXIT_USAGE;
            }
            *(const char **) ((char *) &c + opt->field) = argv[++i];

        } else if (strcmp(argv[i], "--json") == 0 && cmd
                   && (cmd->opts & OPT_JSON))
        {
            c.json = 1;

        } else if (strcmp(argv[i], "--csv") == 0 && cmd
                   && (cmd->opts & OPT_CSV))
        {
            c.csv = 1;

        } else if (cmd == NULL && argv[i][0] != '-') {
            cmd = find_command(argc, argv, &i);
            if (cmd == NULL) {
                return EXIT_USAGE;
            }

        } else if (cmd && argv[i][0] != '-' && c.nargs < cmd->nargs) {
            c.args[c.nargs++] = argv[i];

        } else {
            fprintf(stderr, "leadctl: unexpected \"%s\"\n\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }

    if (cmd == NULL) {
        usage(stderr);
        return EXIT_USAGE;
    }

    if (c.nargs < cmd->nargs) {
        fprintf(stderr, "usage: %.*s\n", (int) strcspn(cmd->usage, "\n"),
                cmd->usage);
        return EXIT_USAGE;
    }

    if (parse_now(c.now, &c.now_ms) != 0) {
        fprintf(stderr, "leadctl: --now takes an ISO 8601 time "
                "(2026-12-24T09:30:00Z, 2026-12-24) or an offset from now "
                "(+30d, -12h, +90m)\n");
        return EXIT_USAGE;
    }

    /* sales decisions are the one thing leadctl writes */
    opts.read_only = (cmd->opts & OPT_SALES) == 0;

    if (cmd->opts & OPT_STORE) {
        if (c.store == NULL || c.store[0] == '\0') {
            fprintf(stderr, "leadctl: no store: use --store DIR or set "
                            "LEAD_STORE\n");
            return EXIT_USAGE;
        }

        rc = lead_store_open(&s, c.store, &opts, err, sizeof(err));
        if (rc != LEAD_OK) {
            fprintf(stderr, "leadctl: %s\n", err);
            return rc == LEAD_ENOSTORE ? EXIT_USAGE : 1;
        }
    }

    rc = cmd->run(&c, s);
    lead_store_close(s);
    return rc;
}
