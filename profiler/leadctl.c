/*
 * leadctl: reads (and later manages) the store that the nginx module
 * writes.  Only the public API of lead.h is used here.
 */

#define _GNU_SOURCE            /* nftw() with FTW_ACTIONRETVAL */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <ctype.h>
#include <strings.h>

#include "lead.h"

#define EXIT_USAGE 2

#define MAX_POSITIONAL 4

typedef struct {
    const char  *store;
    const char  *rules;      /* --rules DIR */
    int          json;
    int          csv;
    int          first;      /* JSON: no comma before the first row */
    uint64_t     rows;
    int          nargs;      /* the command's positional arguments */
    const char  *args[MAX_POSITIONAL];
} ctl;

enum {
    OPT_STORE = 1,           /* reads the store */
    OPT_JSON = 2,            /* takes --json */
    OPT_RULES = 4,           /* takes --rules DIR */
    OPT_CSV = 8              /* takes --csv */
};

typedef struct {
    const char  *name;
    unsigned     opts;
    int          nargs;
    const char  *summary;
    const char  *usage;
    int        (*run)(ctl *c, lead_store *s);
} command;

static void
print_time(uint64_t ms, char *buf, size_t size)
{
    time_t     t = (time_t) (ms / 1000);
    struct tm  tm;

    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + strlen(buf), size - strlen(buf), ".%03uZ",
             (unsigned) (ms % 1000));
}

/* JSON string: control characters, quotes and '<' escaped. */
static void
json_str(const char *name, lead_str v)
{
    size_t  i;

    printf("\"%s\":\"", name);
    for (i = 0; i < v.len; i++) {
        unsigned char  c = (unsigned char) v.data[i];

        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20 || c == '<' || c == 0x7f) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

/* Text output: one line per row, so anything unprintable becomes '?'. */
static void
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
static void
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

static void
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

typedef struct {
    lead_asset  a;
    char       *strs;        /* owns a's strings */
    uint64_t    people;
    uint64_t    bots;
} asset_row;

typedef struct {
    asset_row  *rows;
    size_t      n, cap;
    uint64_t    untagged_people, untagged_bots;
    int         oom;
} catalogue;

static int
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
    size_t      lo = 0, hi = cat->n, mid;
    int         bot = ev->ua_class == LEAD_UA_BOT;

    (void) seq;

    /* the catalogue is sorted by id (the store's key order) */
    while (ev->asset_id && lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (cat->rows[mid].a.id == ev->asset_id) {
            if (bot) {
                cat->rows[mid].bots++;
            } else {
                cat->rows[mid].people++;
            }
            return 0;
        }
        if (cat->rows[mid].a.id < ev->asset_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    if (bot) {
        cat->untagged_bots++;
    } else {
        cat->untagged_people++;
    }
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
                   ",\"bot_reads\":%" PRIu64 "}", (int) a->points,
                   cat.rows[i].people, cat.rows[i].bots);
        }
        printf("%s]\n", cat.n ? "\n" : "");
        rc = 0;
        goto done;
    }

    printf("%8s %6s  %-11s %6s  %-40s %s\n", "people", "bots", "stage",
           "points", "path", "title");
    for (i = 0; i < cat.n; i++) {
        const lead_asset  *a = &cat.rows[i].a;

        printf("%8" PRIu64 " %6" PRIu64 "  %-11s %6d  %-40s %s\n",
               cat.rows[i].people, cat.rows[i].bots, a->stage,
               (int) a->points, a->path, a->title);
    }
    printf("%8" PRIu64 " %6" PRIu64 "  (untagged: see `leadctl rules "
           "scan`)\n", cat.untagged_people, cat.untagged_bots);
    rc = 0;

done:
    for (i = 0; i < cat.n; i++) {
        free(cat.rows[i].strs);
    }
    free(cat.rows);
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

/* ---- leads ------------------------------------------------------------- */

typedef struct {
    ctl         *c;
    lead_store  *s;
    uint64_t     first_seen;
    size_t       devices;
} lead_list;

static int
device_seen(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    lead_list     *l = arg;
    lead_visitor   v;

    (void) since;

    l->devices++;
    if (lead_store_get_visitor(l->s, visitor, &v) == LEAD_OK
        && (l->first_seen == 0 || v.first_ms < l->first_seen))
    {
        l->first_seen = v.first_ms;
    }
    return 0;
}

static int
print_lead(void *arg, const lead_person *p)
{
    lead_list  *l = arg;
    ctl        *c = l->c;
    char        id[LEAD_ID_HEX_LEN + 1], first[40], identified[40];

    l->first_seen = 0;
    l->devices = 0;
    if (lead_store_each_device(l->s, p->id, device_seen, l) != LEAD_OK) {
        return 1;
    }

    lead_id_to_hex(p->id, id);
    id[LEAD_ID_HEX_LEN] = '\0';
    print_time(l->first_seen ? l->first_seen : p->created_ms, first,
               sizeof(first));
    print_time(p->created_ms, identified, sizeof(identified));
    c->rows++;

    if (c->json) {
        json_row_start(c);
        printf("\"id\":\"%s\",", id);
        json_str("name", p->name);
        putchar(',');
        json_str("email", p->email);
        putchar(',');
        json_str("topics", p->topics);
        printf(",\"subscribed\":%s,\"contact\":%s,\"first_seen\":\"%s\","
               "\"identified_at\":\"%s\",\"devices\":%zu}",
               p->subscribed ? "true" : "false",
               p->contact ? "true" : "false", first, identified, l->devices);

    } else if (c->csv) {
        csv_field(id, strlen(id));
        putchar(',');
        csv_field(p->name.data, p->name.len);
        putchar(',');
        csv_field(p->email.data, p->email.len);
        putchar(',');
        csv_field(p->topics.data, p->topics.len);
        printf(",%s,%s,%s,%s,%zu\r\n", p->subscribed ? "yes" : "no",
               p->contact ? "yes" : "no", first, identified, l->devices);

    } else {
        printf("%-32s  ", id);
        text_str(p->email);
        printf("  ");
        text_str(p->name);
        printf("  identified %s, %zu device%s%s", identified, l->devices,
               l->devices == 1 ? "" : "s", p->topics.len ? ", topics: " : "");
        text_str(p->topics);
        putchar('\n');
    }

    return 0;
}

static int
cmd_leads(ctl *c, lead_store *s)
{
    lead_list  l = { c, s, 0, 0 };
    int        rc;

    c->first = 1;
    if (c->json) {
        putchar('[');
    } else if (c->csv) {
        printf("id,name,email,topics,subscribed,contact,first_seen,"
               "identified_at,devices\r\n");
    }

    rc = lead_store_each_lead(s, print_lead, &l);

    if (c->json) {
        printf(c->rows ? "\n]\n" : "]\n");
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    return 0;
}

#define SHOW_MAX_DEVICES 64

typedef struct {
    ctl          *c;
    lead_store   *s;
    lead_person   p;
    char          strs[LEAD_EMAIL_MAX + 512 + 512];
    size_t        ndevices;
    uint8_t       device[SHOW_MAX_DEVICES][LEAD_ID_LEN];
    uint64_t      since[SHOW_MAX_DEVICES];
    uint64_t      events;
} lead_view;

/* Keeps a copy: the store's strings live only during its callback. */
static int
keep_lead(void *arg, const lead_person *p)
{
    lead_view  *v = arg;
    char       *q = v->strs;
    lead_str   *dst[3] = { &v->p.email, &v->p.name, &v->p.topics };
    lead_str    src[3] = { p->email, p->name, p->topics };
    size_t      i;

    v->p = *p;
    for (i = 0; i < 3; i++) {
        size_t  n = src[i].len < 500 ? src[i].len : 500;

        memcpy(q, src[i].data, n);
        dst[i]->data = q;
        dst[i]->len = n;
        q += n;
    }
    return 0;
}

static int
keep_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    lead_view  *v = arg;

    if (v->ndevices < SHOW_MAX_DEVICES) {
        memcpy(v->device[v->ndevices], visitor, LEAD_ID_LEN);
        v->since[v->ndevices++] = since;
    }
    return 0;
}

/* Read by this device before it was linked to the lead: anonymous. */
static int
before_identifying(const lead_view *v, const lead_event *ev)
{
    size_t  i;

    for (i = 0; i < v->ndevices; i++) {
        if (memcmp(v->device[i], ev->visitor, LEAD_ID_LEN) == 0) {
            return ev->time_ms < v->since[i];
        }
    }
    return 0;
}

static int
print_history(void *arg, uint64_t seq, const lead_event *ev)
{
    lead_view  *v = arg;
    char        when[40];

    (void) seq;
    v->events++;
    print_time(ev->time_ms, when, sizeof(when));

    if (v->c->json) {
        printf("%s\n    {\"time\":\"%s\",", v->events > 1 ? "," : "", when);
        json_str("path", ev->path);
        printf(",\"status\":%u,\"bytes_sent\":%" PRIu64 ",\"file_size\":%"
               PRIu64 ",", ev->status, ev->bytes_sent, ev->file_size);
        json_str("stage", ev->stage);
        putchar(',');
        json_str("topic", ev->topic);
        printf(",\"points\":%d,\"before_identified\":%s}", (int) ev->points,
               before_identifying(v, ev) ? "true" : "false");
        return 0;
    }

    printf("  %s  ", when);
    text_str(ev->path);
    if (ev->asset_id) {
        printf("  [");
        text_str(ev->stage);
        printf(" %+d]", (int) ev->points);
    }
    if (before_identifying(v, ev)) {
        printf("  (before identifying)");
    }
    putchar('\n');
    return 0;
}

static int
cmd_show(ctl *c, lead_store *s)
{
    lead_view  *v;
    char        id[LEAD_ID_HEX_LEN + 1], when[40], vid[LEAD_ID_HEX_LEN + 1];
    size_t      i;
    int         rc;

    v = calloc(1, sizeof(*v));
    if (v == NULL) {
        fprintf(stderr, "leadctl: out of memory\n");
        return 1;
    }
    v->c = c;
    v->s = s;

    rc = lead_store_find_lead(s, c->args[0], strlen(c->args[0]), keep_lead,
                              v);
    if (rc == LEAD_ENOTFOUND) {
        fprintf(stderr, "leadctl: no lead \"%s\"\n", c->args[0]);
        free(v);
        return 1;
    }
    if (rc == LEAD_OK) {
        rc = lead_store_each_device(s, v->p.id, keep_device, v);
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        free(v);
        return 1;
    }

    lead_id_to_hex(v->p.id, id);
    id[LEAD_ID_HEX_LEN] = '\0';
    print_time(v->p.created_ms, when, sizeof(when));

    if (c->json) {
        printf("{\"id\":\"%s\",", id);
        json_str("name", v->p.name);
        putchar(',');
        json_str("email", v->p.email);
        putchar(',');
        json_str("topics", v->p.topics);
        printf(",\"subscribed\":%s,\"contact\":%s,\"identified_at\":\"%s\","
               "\"devices\":[", v->p.subscribed ? "true" : "false",
               v->p.contact ? "true" : "false", when);
        for (i = 0; i < v->ndevices; i++) {
            lead_id_to_hex(v->device[i], vid);
            vid[LEAD_ID_HEX_LEN] = '\0';
            print_time(v->since[i], when, sizeof(when));
            printf("%s{\"visitor\":\"%s\",\"linked_at\":\"%s\"}",
                   i ? "," : "", vid, when);
        }
        printf("],\"events\":[");
    } else {
        text_str(v->p.name);
        printf(" <");
        text_str(v->p.email);
        printf(">\n  lead id       %s\n  identified    %s\n  subscribed    "
               "%s", id, when, v->p.subscribed ? "yes" : "no");
        if (v->p.topics.len) {
            printf(" (");
            text_str(v->p.topics);
            putchar(')');
        }
        printf("\n  asked for a call  %s\n  devices       %zu\n",
               v->p.contact ? "yes" : "no", v->ndevices);
        for (i = 0; i < v->ndevices; i++) {
            lead_id_to_hex(v->device[i], vid);
            vid[LEAD_ID_HEX_LEN] = '\0';
            print_time(v->since[i], when, sizeof(when));
            printf("    %s  linked %s\n", vid, when);
        }
        printf("history\n");
    }

    rc = lead_store_lead_events(s, v->p.id, print_history, v);

    if (c->json) {
        printf("%s]}\n", v->events ? "\n  " : "");
    }

    free(v);
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    return 0;
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
    { "leads", OPT_STORE | OPT_JSON | OPT_CSV, 0,
      "list identified leads",
      "leadctl [--store DIR] leads [--json|--csv]\n\n"
      "Lists every identified lead: id, name, e-mail, subscribed topics,\n"
      "first seen (its earliest device), identified at, devices.  The CSV\n"
      "is RFC 4180 with a header row, safe to open in a spreadsheet.\n",
      cmd_leads },
    { "show", OPT_STORE | OPT_JSON, 1,
      "one lead with its devices and full history",
      "leadctl [--store DIR] show EMAIL|ID [--json]\n\n"
      "Shows one lead and everything it read, oldest first, including\n"
      "what its devices read before it identified (marked so).\n",
      cmd_show },
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
    lead_store      *s = NULL;
    lead_store_opts  opts = { 0, 1 };
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

        } else if (strcmp(argv[i], "--store") == 0
                   || (strcmp(argv[i], "--rules") == 0 && cmd
                       && (cmd->opts & OPT_RULES)))
        {
            if (i + 1 == argc) {
                fprintf(stderr, "leadctl: %s needs a directory\n", argv[i]);
                return EXIT_USAGE;
            }
            if (argv[i][2] == 's') {
                c.store = argv[++i];
            } else {
                c.rules = argv[++i];
            }

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
