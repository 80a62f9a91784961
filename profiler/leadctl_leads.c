/*
 * leadctl's view of leads: who to call (leads), why (show), moving them
 * on (status), and the funnel and accounts marketers read.  Every number
 * comes from lead_store_score_leads / lead_scorer, as nginx's do.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadctl.h"

/* the rules to score with: --rules DIR, or the copy nginx keeps */
static lead_rules *
load_rules(ctl *c, lead_store *s)
{
    lead_rules  *r;
    char         err[1024];
    int          rc;

    rc = c->rules ? lead_rules_load(&r, c->rules, err, sizeof(err))
                  : lead_store_get_rules(s, &r, err, sizeof(err));

    /* a store written without lead_rules: default knobs, nothing tagged */
    if (rc == LEAD_ENOTFOUND) {
        static const char  header[] = "path,title,stage,points,topic,flags";

        rc = lead_rules_parse(&r, "(defaults)", "", 0, header,
                              sizeof(header) - 1, err, sizeof(err));
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s%s\n", err,
                c->rules ? "" : " (pass --rules DIR)");
        return NULL;
    }
    return r;
}

/* A lead as listed: copies, since the store's bytes live in a callback. */
typedef struct {
    uint8_t     id[LEAD_ID_LEN];
    char        email[LEAD_EMAIL_MAX + 1];
    char        name[LEAD_PERSON_NAME_MAX * 4 + 1];
    char        topics[512];
    char        domain[LEAD_EMAIL_MAX + 1];
    int         company;        /* not a free-mail domain */
    uint64_t    created_ms;
    uint64_t    last_ms;
    int         subscribed, contact;
    int         status;
    uint64_t    status_ms;
    double      score;
    int         stage_index;
    int         band;
    char        grade;
    uint64_t    top_asset;      /* the first of its hot content */
    uint64_t    first_ms;       /* its earliest device's first visit */
    char        country[LEAD_COUNTRY_LEN];   /* read from lately */
    size_t      devices;
} lead_row;

typedef struct {
    ctl                 *c;
    lead_store          *s;
    const lead_rules    *rules;
    lead_row            *rows;
    size_t               n, cap;
    int                  status;     /* --status filter, -1: all */
    int                  oom;
} lead_list;

static void
copy_str(char *dst, size_t size, lead_str v)
{
    size_t  n = v.len < size - 1 ? v.len : size - 1;

    memcpy(dst, v.data, n);
    dst[n] = '\0';
}

typedef struct {
    lead_store  *s;
    lead_row    *row;
} device_count;

static int
count_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    device_count  *d = arg;
    lead_visitor   v;

    (void) since;

    d->row->devices++;
    if (lead_store_get_visitor(d->s, visitor, &v) == LEAD_OK
        && v.first_ms < d->row->first_ms)
    {
        d->row->first_ms = v.first_ms;
    }
    return 0;
}

static int
add_row(void *arg, const lead_person *p, const lead_score *sc)
{
    lead_list     *l = arg;
    lead_row      *row, *grown;
    lead_str       company;
    unsigned       i;
    device_count   dc;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        grown = realloc(l->rows, l->cap * sizeof(lead_row));
        if (grown == NULL) {
            l->oom = 1;
            return 1;
        }
        l->rows = grown;
    }

    row = &l->rows[l->n];
    memset(row, 0, sizeof(*row));
    memcpy(row->id, p->id, LEAD_ID_LEN);
    copy_str(row->email, sizeof(row->email), p->email);
    copy_str(row->name, sizeof(row->name), p->name);
    copy_str(row->topics, sizeof(row->topics), p->topics);
    row->created_ms = p->created_ms;
    row->last_ms = p->updated_ms;
    row->subscribed = p->subscribed;
    row->contact = p->contact;

    company = lead_company(l->rules, p->email);
    copy_str(row->domain, sizeof(row->domain), company);
    row->company = company.len > 0;

    if (lead_store_get_status(l->s, p->id, &row->status, &row->status_ms)
        != LEAD_OK)
    {
        row->status = LEAD_STATUS_IDENTIFIED;
        row->status_ms = p->created_ms;
    }
    if (l->status >= 0 && row->status != l->status) {
        return 0;
    }

    row->score = sc->engagement;
    row->stage_index = sc->stage_index;
    row->band = sc->band;
    row->grade = lead_grade(lead_rules_scoring(l->rules),
                            lead_profile_points(l->rules, p,
                                                sc->ncountries
                                                ? sc->countries[0] : ""));
    memcpy(row->country, sc->ncountries ? sc->countries[0] : "",
           LEAD_COUNTRY_LEN);
    for (i = 0; i < sc->nhot; i++) {
        if (sc->hot[i].last_ms > row->last_ms) {
            row->last_ms = sc->hot[i].last_ms;
        }
    }
    row->top_asset = sc->nhot ? sc->hot[0].asset_id : 0;

    row->first_ms = p->created_ms;
    dc.s = l->s;
    dc.row = row;
    if (lead_store_each_device(l->s, p->id, count_device, &dc) != LEAD_OK) {
        return 1;
    }

    l->n++;
    return 0;
}

static int
by_score(const void *x, const void *y)
{
    const lead_row  *a = x, *b = y;

    if (a->score != b->score) {
        return a->score < b->score ? 1 : -1;
    }
    return (a->last_ms < b->last_ms) - (a->last_ms > b->last_ms);
}

static int
by_recent(const void *x, const void *y)
{
    const lead_row  *a = x, *b = y;

    return (a->last_ms < b->last_ms) - (a->last_ms > b->last_ms);
}

static int
by_name(const void *x, const void *y)
{
    return strcmp(((const lead_row *) x)->email,
                  ((const lead_row *) y)->email);
}

/* Scores and lists every lead; the caller frees l->rows and the rules. */
static int
list_leads(ctl *c, lead_store *s, lead_list *l)
{
    int  rc;

    memset(l, 0, sizeof(*l));
    l->c = c;
    l->s = s;
    l->status = -1;

    if (c->status) {
        l->status = lead_status_parse(c->status, strlen(c->status));
        if (l->status < 0) {
            fprintf(stderr, "leadctl: unknown status \"%s\" (statuses: "
                    "identified mql sal sql won nurture)\n", c->status);
            return EXIT_USAGE;
        }
    }

    l->rules = load_rules(c, s);
    if (l->rules == NULL) {
        return 1;
    }

    rc = lead_store_score_leads(s, lead_rules_scoring(l->rules), c->now_ms,
                                add_row, l);
    if (rc != LEAD_OK || l->oom) {
        fprintf(stderr, "leadctl: %s\n", l->oom ? "out of memory"
                                                : lead_store_errmsg(s));
        return 1;
    }

    return 0;
}

static const char *
stage_name(const lead_rules *r, int i)
{
    return i >= 0 ? lead_rules_scoring(r)->stages[i] : "";
}

int
cmd_leads(ctl *c, lead_store *s)
{
    lead_list    l;
    catalogue    cat;
    lead_row    *row;
    char         id[LEAD_ID_HEX_LEN + 1], created[40], last[40], cell[3];
    char         first[40];
    const char  *stage, *top;
    size_t       i;
    int          rc;

    rc = list_leads(c, s, &l);
    if (rc != 0) {
        goto done;
    }

    memset(&cat, 0, sizeof(cat));
    if (lead_store_each_asset(s, add_asset, &cat) != LEAD_OK || cat.oom) {
        fprintf(stderr, "leadctl: cannot read the asset catalogue\n");
        free_catalogue(&cat);
        rc = 1;
        goto done;
    }

    qsort(l.rows, l.n, sizeof(lead_row),
          c->sort == NULL || strcmp(c->sort, "score") == 0 ? by_score
          : strcmp(c->sort, "recent") == 0 ? by_recent : by_name);

    c->first = 1;
    if (c->json) {
        putchar('[');
    } else if (c->csv) {
        printf("id,name,email,company,status,stage,score,cell,grade,band,"
               "topics,subscribed,contact,top_asset,first_seen,"
               "identified_at,last_seen,devices,country\r\n");
    } else {
        printf("%6s  %-4s %-10s %-10s %-32s %s\n", "score", "cell", "status",
               "stage", "email", "name / hot content");
    }

    for (i = 0; i < l.n; i++) {
        row = &l.rows[i];
        lead_id_to_hex(row->id, id);
        id[LEAD_ID_HEX_LEN] = '\0';
        print_time(row->created_ms, created, sizeof(created));
        print_time(row->last_ms, last, sizeof(last));
        print_time(row->first_ms, first, sizeof(first));
        snprintf(cell, sizeof(cell), "%c%d", row->grade, row->band);
        stage = stage_name(l.rules, row->stage_index);
        top = row->top_asset ? asset_title(&cat, row->top_asset) : "";

        if (c->json) {
            json_row_start(c);
            printf("\"id\":\"%s\",", id);
            json_str("name", (lead_str) { row->name, strlen(row->name) });
            putchar(',');
            json_str("email", (lead_str) { row->email, strlen(row->email) });
            printf(",\"company\":");
            if (row->company) {
                json_str(NULL, (lead_str) { row->domain,
                                           strlen(row->domain) });
            } else {
                printf("null");
            }
            printf(",\"status\":\"%s\",\"stage\":\"%s\",\"score\":%.0f,"
                   "\"engagement\":%.6f,\"cell\":\"%s\",\"grade\":\"%c\","
                   "\"band\":%d,", lead_status_name(row->status), stage,
                   row->score, row->score, cell, row->grade, row->band);
            json_str("topics", (lead_str) { row->topics,
                                            strlen(row->topics) });
            printf(",\"subscribed\":%s,\"contact\":%s,",
                   row->subscribed ? "true" : "false",
                   row->contact ? "true" : "false");
            json_str("top_asset", (lead_str) { top, strlen(top) });
            printf(",\"first_seen\":\"%s\",\"identified_at\":\"%s\","
                   "\"last_seen\":\"%s\",\"devices\":%zu,\"country\":\"%s\"}",
                   first, created, last, row->devices, row->country);

        } else if (c->csv) {
            printf("%s,", id);
            csv_field(row->name, strlen(row->name));
            putchar(',');
            csv_field(row->email, strlen(row->email));
            putchar(',');
            csv_field(row->company ? row->domain : "",
                      row->company ? strlen(row->domain) : 0);
            printf(",%s,%s,%.0f,%s,%c,%d,", lead_status_name(row->status),
                   stage, row->score, cell, row->grade, row->band);
            csv_field(row->topics, strlen(row->topics));
            printf(",%s,%s,", row->subscribed ? "yes" : "no",
                   row->contact ? "yes" : "no");
            csv_field(top, strlen(top));
            printf(",%s,%s,%s,%zu,%s\r\n", first, created, last, row->devices,
                   row->country);

        } else {
            printf("%6.0f  %-4s %-10s %-10s ", row->score, cell,
                   lead_status_name(row->status), stage);
            text_str((lead_str) { row->email, strlen(row->email) });
            printf("%*s", (int) (strlen(row->email) < 32
                                 ? 33 - strlen(row->email) : 1), "");
            text_str((lead_str) { row->name, strlen(row->name) });
            if (top[0]) {
                printf(" / ");
                text_str((lead_str) { top, strlen(top) });
            }
            putchar('\n');
        }
    }

    if (c->json) {
        printf(l.n ? "\n]\n" : "]\n");
    }

    free_catalogue(&cat);

done:
    free(l.rows);
    lead_rules_free((lead_rules *) l.rules);
    return rc;
}

/* ---- one lead ---------------------------------------------------------- */

#define SHOW_MAX_DEVICES 64

typedef struct {
    ctl          *c;
    lead_person   p;
    char          strs[LEAD_EMAIL_MAX + 512 + 512];
    size_t        ndevices;
    uint8_t       device[SHOW_MAX_DEVICES][LEAD_ID_LEN];
    uint64_t      since[SHOW_MAX_DEVICES];
    lead_scorer  *scorer;
    uint64_t      events;
    int           printing;          /* second pass: the timeline */
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
view_event(void *arg, uint64_t seq, const lead_event *ev)
{
    lead_view  *v = arg;
    char        when[40];

    (void) seq;

    if (!v->printing) {
        if (ev->time_ms <= v->c->now_ms) {
            return lead_scorer_add(v->scorer, ev) != LEAD_OK;
        }
        return 0;
    }

    v->events++;
    print_time(ev->time_ms, when, sizeof(when));

    if (v->c->json) {
        printf("%s\n    {\"time\":\"%s\",", v->events > 1 ? "," : "", when);
        json_str("path", ev->path);
        printf(",\"status\":%u,\"bytes_sent\":%" PRIu64 ",\"file_size\":%"
               PRIu64 ",\"ua\":\"%s\",", ev->status, ev->bytes_sent,
               ev->file_size, lead_ua_class_name(ev->ua_class));
        json_str("stage", ev->stage);
        putchar(',');
        json_str("topic", ev->topic);
        printf(",\"points\":%d,\"before_identified\":%s}", (int) ev->points,
               before_identifying(v, ev) ? "true" : "false");
        return 0;
    }

    printf("    %s  ", when);
    text_str(ev->path);
    if (ev->asset_id) {
        printf("  [");
        text_str(ev->stage);
        printf(" %+d]", (int) ev->points);
    }
    if (ev->ua_class == LEAD_UA_BOT) {
        printf("  (bot)");
    }
    if (before_identifying(v, ev)) {
        printf("  (before identifying)");
    }
    putchar('\n');
    return 0;
}

static int
print_transition(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    lead_view  *v = arg;
    char        when[40];

    (void) lead_id;
    print_time(t->time_ms, when, sizeof(when));

    if (v->c->json) {
        printf("%s{\"time\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",",
               v->events++ ? "," : "", when, lead_status_name(t->from),
               lead_status_name(t->to));
        json_str("cause", t->cause);
        putchar(',');
        json_str("who", t->who);
        putchar(',');
        json_str("reason", t->reason);
        putchar('}');
        return 0;
    }

    printf("    %s  %s -> %s  ", when, lead_status_name(t->from),
           lead_status_name(t->to));
    text_str(t->cause);
    if (t->who.len) {
        printf(" (by ");
        text_str(t->who);
        putchar(')');
    }
    if (t->reason.len) {
        printf(": ");
        text_str(t->reason);
    }
    putchar('\n');
    return 0;
}

static void
print_contributions(ctl *c, const catalogue *cat,
    const lead_contribution *list, unsigned n, const char *name)
{
    char      first[40], last[40];
    unsigned  i;

    if (c->json) {
        printf(",\"%s\":[", name);
    }

    for (i = 0; i < n; i++) {
        const lead_contribution  *k = &list[i];
        const char               *title = k->group_bonus
                                          ? k->group
                                          : asset_title(cat, k->asset_id);

        print_time(k->first_ms, first, sizeof(first));
        print_time(k->last_ms, last, sizeof(last));

        if (c->json) {
            printf("%s{", i ? "," : "");
            json_str("title", (lead_str) { title, strlen(title) });
            printf(",\"asset\":\"%016" PRIx64 "\",\"group_bonus\":%s,"
                   "\"stage\":\"%s\",\"hot\":%s,\"reads\":%u,\"depth\":%.3f,"
                   "\"score\":%.3f,\"first_read\":\"%s\",\"last_read\":"
                   "\"%s\"}", k->asset_id, k->group_bonus ? "true" : "false",
                   k->stage, k->hot ? "true" : "false", k->reads, k->depth,
                   k->score, first, last);
            continue;
        }

        if (k->group_bonus) {
            printf("    %+7.1f  read enough of \"%s\" to be warm (%s)\n",
                   k->score, title, last);
            continue;
        }
        printf("    %+7.1f  %s", k->score, k->hot ? "HOT " : "");
        text_str((lead_str) { title, strlen(title) });
        printf(" [%s]: %.0f%% read, %u time%s, last %s\n", k->stage,
               k->depth * 100, k->reads, k->reads == 1 ? "" : "s", last);
    }

    if (c->json) {
        putchar(']');
    }
}

int
cmd_show(ctl *c, lead_store *s)
{
    lead_view    *v;
    lead_rules   *r;
    lead_score   *sc;
    catalogue     cat;
    char          id[LEAD_ID_HEX_LEN + 1], when[40], vid[LEAD_ID_HEX_LEN + 1];
    int           rc, status;
    uint64_t      since;
    size_t        i;
    unsigned      t;
    char          grade;

    r = load_rules(c, s);
    v = calloc(1, sizeof(*v));
    sc = malloc(sizeof(*sc));
    memset(&cat, 0, sizeof(cat));
    if (r == NULL || v == NULL || sc == NULL) {
        rc = 1;
        goto done;
    }

    v->c = c;
    v->scorer = lead_scorer_new(lead_rules_scoring(r));
    if (v->scorer == NULL) {
        rc = 1;
        goto done;
    }
    lead_scorer_reset(v->scorer, 0);

    rc = lead_store_find_lead(s, c->args[0], strlen(c->args[0]), keep_lead,
                              v);
    if (rc == LEAD_ENOTFOUND) {
        fprintf(stderr, "leadctl: no lead \"%s\"\n", c->args[0]);
        rc = 1;
        goto done;
    }
    if (rc == LEAD_OK) {
        rc = lead_store_each_device(s, v->p.id, keep_device, v);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_lead_events(s, v->p.id, view_event, v);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_each_asset(s, add_asset, &cat);
    }
    if (rc == LEAD_OK) {
        rc = lead_scorer_result(v->scorer, c->now_ms, sc);
    }
    if (rc != LEAD_OK || cat.oom) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        rc = 1;
        goto done;
    }

    if (lead_store_get_status(s, v->p.id, &status, &since) != LEAD_OK) {
        status = LEAD_STATUS_IDENTIFIED;
    }
    grade = lead_grade(lead_rules_scoring(r),
                       lead_profile_points(r, &v->p,
                                           sc->ncountries ? sc->countries[0]
                                                          : ""));

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
               "\"status\":\"%s\",\"score\":%.0f,\"engagement\":%.6f,"
               "\"cell\":\"%c%d\",\"grade\":\"%c\",\"band\":%d,"
               "\"stage\":\"%s\",\"topic_scores\":{",
               v->p.subscribed ? "true" : "false",
               v->p.contact ? "true" : "false", when,
               lead_status_name(status), sc->engagement, sc->engagement,
               grade, sc->band, grade, sc->band,
               stage_name(r, sc->stage_index));
        for (t = 0; t < sc->ntopics; t++) {
            printf("%s\"%s\":%.3f", t ? "," : "", sc->topics[t].topic,
                   sc->topics[t].engagement);
        }
        printf("},\"countries\":[");
        for (t = 0; t < sc->ncountries; t++) {
            printf("%s\"%s\"", t ? "," : "", sc->countries[t]);
        }
        printf("],\"devices\":[");
        for (i = 0; i < v->ndevices; i++) {
            lead_id_to_hex(v->device[i], vid);
            vid[LEAD_ID_HEX_LEN] = '\0';
            print_time(v->since[i], when, sizeof(when));
            printf("%s{\"visitor\":\"%s\",\"linked_at\":\"%s\"}",
                   i ? "," : "", vid, when);
        }
        putchar(']');
        print_contributions(c, &cat, sc->hot, sc->nhot, "hot");
        print_contributions(c, &cat, sc->why, sc->nwhy, "why");
        printf(",\"history\":[");
        v->events = 0;
        lead_store_each_transition(s, v->p.id, print_transition, v);
        printf("],\"events\":[");

    } else {
        text_str(v->p.name);
        printf(" <");
        text_str(v->p.email);
        printf(">\n  score %.0f, cell %c%d, status %s, stage %s\n"
               "  identified %s, subscribed %s", sc->engagement, grade,
               sc->band, lead_status_name(status),
               sc->stage_index >= 0 ? stage_name(r, sc->stage_index) : "-",
               when, v->p.subscribed ? "yes" : "no");
        if (v->p.topics.len) {
            printf(" (");
            text_str(v->p.topics);
            putchar(')');
        }
        printf(", asked for a call %s\n", v->p.contact ? "yes" : "no");
        if (sc->ncountries) {
            printf("  reads from:");
            for (t = 0; t < sc->ncountries; t++) {
                printf(" %s", sc->countries[t]);
            }
            printf(" (latest first)\n");
        }
        if (sc->ntopics) {
            printf("  topics:");
            for (t = 0; t < sc->ntopics; t++) {
                printf(" %s %.0f", sc->topics[t].topic,
                       sc->topics[t].engagement);
            }
            putchar('\n');
        }
        printf("  hot content\n");
        print_contributions(c, &cat, sc->hot, sc->nhot, "hot");
        printf("  why this score\n");
        print_contributions(c, &cat, sc->why, sc->nwhy, "why");
        printf("  status history\n");
        lead_store_each_transition(s, v->p.id, print_transition, v);
        printf("  devices (%zu)\n", v->ndevices);
        for (i = 0; i < v->ndevices; i++) {
            lead_id_to_hex(v->device[i], vid);
            vid[LEAD_ID_HEX_LEN] = '\0';
            print_time(v->since[i], when, sizeof(when));
            printf("    %s  linked %s\n", vid, when);
        }
        printf("  timeline\n");
    }

    v->printing = 1;
    v->events = 0;
    rc = lead_store_lead_events(s, v->p.id, view_event, v);

    if (c->json) {
        printf("%s]}\n", v->events ? "\n  " : "");
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        rc = 1;
    }

done:
    if (v) {
        lead_scorer_free(v->scorer);
    }
    free(v);
    free(sc);
    free_catalogue(&cat);
    lead_rules_free(r);
    return rc;
}

/* ---- sales actions ----------------------------------------------------- */

static int
find_id(void *arg, const lead_person *p)
{
    memcpy(arg, p->id, LEAD_ID_LEN);
    return 0;
}

int
cmd_status(ctl *c, lead_store *s)
{
    uint8_t   id[LEAD_ID_LEN];
    uint64_t  since;
    int       to, from, rc;
    char      cause[64];

    to = lead_status_parse(c->args[1], strlen(c->args[1]));
    if (to != LEAD_STATUS_SAL && to != LEAD_STATUS_SQL
        && to != LEAD_STATUS_WON && to != LEAD_STATUS_NURTURE)
    {
        fprintf(stderr, "leadctl: sales set sal, sql, won or nurture, not "
                "\"%s\"\n", c->args[1]);
        return EXIT_USAGE;
    }

    rc = lead_store_find_lead(s, c->args[0], strlen(c->args[0]), find_id,
                              id);
    if (rc == LEAD_ENOTFOUND) {
        fprintf(stderr, "leadctl: no lead \"%s\"\n", c->args[0]);
        return 1;
    }
    if (rc == LEAD_OK
        && lead_store_get_status(s, id, &from, &since) != LEAD_OK)
    {
        from = LEAD_STATUS_IDENTIFIED;
    }

    snprintf(cause, sizeof(cause), "set with leadctl");
    if (rc == LEAD_OK) {
        rc = lead_store_set_status(s, id, to, c->now_ms, cause,
                                   c->by ? c->by : "leadctl",
                                   c->reason ? c->reason : "");
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }

    printf("%s: %s -> %s\n", c->args[0], lead_status_name(from),
           lead_status_name(to));
    return 0;
}

/* ---- the funnel -------------------------------------------------------- */

#define FUNNEL_MAX_STAYS  (1 << 20)

typedef struct {
    uint8_t    lead[LEAD_ID_LEN];
    int        status;
    uint64_t   since;
    unsigned   reached;                    /* bit per status ever held */
    uint64_t  *stays[LEAD_NSTATUSES];      /* durations, ms */
    size_t     nstays[LEAD_NSTATUSES], cap[LEAD_NSTATUSES];
    uint64_t   count[LEAD_NSTATUSES];      /* leads ever in each */
    uint64_t   next[LEAD_NSTATUSES];       /* ... that went on to the next */
    uint64_t   now;
    int        oom;
} funnel;

static void
add_stay(funnel *f, int status, uint64_t ms)
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
end_lead(funnel *f)
{
    int  st;

    if (f->reached == 0) {
        return;
    }
    add_stay(f, f->status, f->now > f->since ? f->now - f->since : 0);
    for (st = 0; st < LEAD_NSTATUSES; st++) {
        if (f->reached & 1u << st) {
            f->count[st]++;
            if (st + 1 < LEAD_STATUS_NURTURE && (f->reached & 1u << (st + 1)))
            {
                f->next[st]++;
            }
        }
    }
    f->reached = 0;
}

static int
walk_transition(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    funnel  *f = arg;

    /* transitions come grouped by lead, in time order */
    if (memcmp(lead_id, f->lead, LEAD_ID_LEN) != 0 || f->reached == 0) {
        end_lead(f);
        memcpy(f->lead, lead_id, LEAD_ID_LEN);
    } else {
        add_stay(f, f->status, t->time_ms - f->since);
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

static void
print_duration(uint64_t ms)
{
    if (ms >= 86400000ULL) {
        printf("%.1fd", ms / 86400000.0);
    } else if (ms >= 3600000ULL) {
        printf("%.1fh", ms / 3600000.0);
    } else {
        printf("%.0fm", ms / 60000.0);
    }
}

int
cmd_funnel(ctl *c, lead_store *s)
{
    funnel     *f;
    lead_list   l;
    uint64_t    now_count[LEAD_NSTATUSES], median[LEAD_NSTATUSES];
    uint64_t    by_stage[LEAD_MAX_STAGES + 1];
    size_t      i;
    int         st, rc;
    unsigned    k, nstages;

    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return 1;
    }
    f->now = c->now_ms;
    memset(f->lead, 0xff, LEAD_ID_LEN);

    rc = list_leads(c, s, &l);
    if (rc == 0
        && lead_store_each_transition(s, NULL, walk_transition, f)
           != LEAD_OK)
    {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        rc = 1;
    }
    end_lead(f);
    if (rc != 0 || f->oom) {
        rc = rc ? rc : 1;
        goto done;
    }

    memset(now_count, 0, sizeof(now_count));
    memset(by_stage, 0, sizeof(by_stage));
    nstages = lead_rules_scoring(l.rules)->nstages;
    for (i = 0; i < l.n; i++) {
        now_count[l.rows[i].status]++;
        by_stage[l.rows[i].stage_index >= 0 ? (unsigned) l.rows[i].stage_index
                                            : nstages]++;
    }

    for (st = 0; st < LEAD_NSTATUSES; st++) {
        median[st] = 0;
        if (f->nstays[st]) {
            qsort(f->stays[st], f->nstays[st], sizeof(uint64_t), u64_cmp);
            median[st] = f->stays[st][f->nstays[st] / 2];
        }
    }

    if (c->json) {
        printf("{\"leads\":%zu,\"statuses\":[", l.n);
        for (st = LEAD_STATUS_IDENTIFIED; st < LEAD_NSTATUSES; st++) {
            printf("%s{\"status\":\"%s\",\"now\":%" PRIu64 ",\"ever\":%"
                   PRIu64 ",\"went_on\":%" PRIu64 ",\"median_ms\":%" PRIu64
                   "}", st > LEAD_STATUS_IDENTIFIED ? "," : "",
                   lead_status_name(st), now_count[st], f->count[st],
                   f->next[st], median[st]);
        }
        printf("],\"stages\":[");
        for (k = 0; k <= nstages; k++) {
            printf("%s{\"stage\":\"%s\",\"leads\":%" PRIu64 "}",
                   k ? "," : "", k < nstages ? stage_name(l.rules, (int) k)
                                             : "", by_stage[k]);
        }
        printf("]}\n");
        goto done;
    }

    printf("%zu leads\n\n%-11s %6s %6s %9s  %s\n", l.n, "status", "now",
           "ever", "median", "went on to the next");
    for (st = LEAD_STATUS_IDENTIFIED; st < LEAD_NSTATUSES; st++) {
        printf("%-11s %6" PRIu64 " %6" PRIu64 "  ", lead_status_name(st),
               now_count[st], f->count[st]);
        print_duration(median[st]);
        if (st < LEAD_STATUS_WON && f->count[st]) {
            printf("  %3.0f%% (%" PRIu64 ")",
                   100.0 * f->next[st] / f->count[st], f->next[st]);
        }
        putchar('\n');
    }
    printf("\n%-11s %6s\n", "stage", "leads");
    for (k = 0; k <= nstages; k++) {
        printf("%-11s %6" PRIu64 "\n",
               k < nstages ? stage_name(l.rules, (int) k) : "(none yet)",
               by_stage[k]);
    }

done:
    for (st = 0; st < LEAD_NSTATUSES; st++) {
        free(f->stays[st]);
    }
    free(f);
    free(l.rows);
    lead_rules_free((lead_rules *) l.rules);
    return rc;
}

/* ---- accounts ---------------------------------------------------------- */

static int
by_domain(const void *x, const void *y)
{
    const lead_row  *a = x, *b = y;
    int              d = strcmp(a->domain, b->domain);

    return d ? d : by_score(x, y);
}

typedef struct {
    size_t   first, end;       /* its people: rows first..end-1 */
    double   score;
} account;

static int
by_account_score(const void *x, const void *y)
{
    const account  *a = x, *b = y;

    return (a->score < b->score) - (a->score > b->score);
}

int
cmd_accounts(ctl *c, lead_store *s)
{
    lead_list   l;
    account    *acc = NULL;
    size_t      i, j, k, n = 0;
    int         rc;

    rc = list_leads(c, s, &l);
    if (rc != 0) {
        goto done;
    }

    /* companies only: people with a free-mail address are no account */
    for (i = 0, j = 0; i < l.n; i++) {
        if (l.rows[i].company) {
            l.rows[j++] = l.rows[i];
        }
    }
    l.n = j;
    qsort(l.rows, l.n, sizeof(lead_row), by_domain);

    acc = malloc((l.n ? l.n : 1) * sizeof(account));
    if (acc == NULL) {
        rc = 1;
        goto done;
    }
    for (i = 0; i < l.n; i = j) {
        acc[n].first = i;
        acc[n].score = 0;
        for (j = i; j < l.n && strcmp(l.rows[j].domain, l.rows[i].domain)
                               == 0; j++)
        {
            acc[n].score += l.rows[j].score;
        }
        acc[n++].end = j;
    }
    qsort(acc, n, sizeof(account), by_account_score);

    c->first = 1;
    if (c->json) {
        putchar('[');
    } else {
        printf("%8s %6s  %-30s %s\n", "score", "people", "company",
               "hottest people");
    }

    for (i = 0; i < n; i++) {
        lead_row  *first = &l.rows[acc[i].first];

        if (c->json) {
            json_row_start(c);
            json_str("company", (lead_str) { first->domain,
                                             strlen(first->domain) });
            printf(",\"score\":%.0f,\"engagement\":%.6f,\"people\":%zu,"
                   "\"leads\":[", acc[i].score, acc[i].score,
                   acc[i].end - acc[i].first);
            for (k = acc[i].first; k < acc[i].end; k++) {
                printf("%s{", k > acc[i].first ? "," : "");
                json_str("email", (lead_str) { l.rows[k].email,
                                               strlen(l.rows[k].email) });
                putchar(',');
                json_str("name", (lead_str) { l.rows[k].name,
                                              strlen(l.rows[k].name) });
                printf(",\"score\":%.0f,\"status\":\"%s\"}", l.rows[k].score,
                       lead_status_name(l.rows[k].status));
            }
            printf("]}");
            continue;
        }

        printf("%8.0f %6zu  %-30s ", acc[i].score, acc[i].end - acc[i].first,
               first->domain);
        for (k = acc[i].first; k < acc[i].end && k < acc[i].first + 3; k++) {
            printf("%s", k > acc[i].first ? ", " : "");
            text_str((lead_str) { l.rows[k].name, strlen(l.rows[k].name) });
            printf(" (%.0f)", l.rows[k].score);
        }
        putchar('\n');
    }

    if (c->json) {
        printf(n ? "\n]\n" : "]\n");
    }

done:
    free(acc);
    free(l.rows);
    lead_rules_free((lead_rules *) l.rules);
    return rc;
}
