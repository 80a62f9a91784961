/*
 * leadctl: reads (and later manages) the store that the nginx module
 * writes.  Only the public API of lead.h is used here.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"

#define EXIT_USAGE 2

typedef struct {
    const char  *store;
    int          json;
    int          first;      /* JSON: no comma before the first row */
    uint64_t     rows;
} ctl;

typedef struct {
    const char  *name;
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
        putchar('}');
        return 0;
    }

    printf("%-24s %.12s %3u %10" PRIu64 "/%-10" PRIu64 " %-7s ", when, vid,
           ev->status, ev->bytes_sent, ev->file_size,
           lead_ua_class_name(ev->ua_class));
    text_str(ev->path);
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

static const command  commands[] = {
    { "events", "list recorded events, oldest first",
      "leadctl [--store DIR] events [--json]\n\n"
      "Lists every recorded event: time (UTC), visitor, HTTP status, bytes\n"
      "sent / file size, user-agent class, path, byte ranges, referrer\n"
      "host and utm_source/medium/campaign.\n",
      cmd_events },
    { "visitors", "list visitors with event counts, first and last seen",
      "leadctl [--store DIR] visitors [--json]\n\n"
      "Lists every visitor id with its number of events and the times of\n"
      "its first and last recorded event.\n",
      cmd_visitors },
    { NULL, NULL, NULL, NULL }
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
        fprintf(f, "  %-10s %s\n", cmd->name, cmd->summary);
    }
    fprintf(f, "\n'leadctl COMMAND --help' describes one command.\n"
               "Exit status: 0 ok, 1 error, 2 usage error or no store.\n");
}

int
main(int argc, char **argv)
{
    ctl              c = { NULL, 0, 1, 0 };
    const command   *cmd = NULL;
    lead_store      *s;
    lead_store_opts  opts = { 0, 1 };
    char             err[512];
    int              i, rc;

    c.store = getenv("LEAD_STORE");

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            if (cmd) {
                fputs(cmd->usage, stdout);
            } else {
                usage(stdout);
            }
            return 0;

        } else if (strcmp(argv[i], "--store") == 0) {
            if (++i == argc) {
                fprintf(stderr, "leadctl: --store needs a directory\n");
                return EXIT_USAGE;
            }
            c.store = argv[i];

        } else if (strcmp(argv[i], "--json") == 0 && cmd) {
            c.json = 1;

        } else if (cmd == NULL && argv[i][0] != '-') {
            for (cmd = commands; cmd->name; cmd++) {
                if (strcmp(cmd->name, argv[i]) == 0) {
                    break;
                }
            }
            if (cmd->name == NULL) {
                fprintf(stderr, "leadctl: unknown command \"%s\"\n\n",
                        argv[i]);
                usage(stderr);
                return EXIT_USAGE;
            }

        } else {
            fprintf(stderr, "leadctl: unknown option \"%s\"\n\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }

    if (cmd == NULL) {
        usage(stderr);
        return EXIT_USAGE;
    }

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

    rc = cmd->run(&c, s);
    lead_store_close(s);
    return rc;
}
