/*
 * leadctl events and visitors: the log and its visitors listed as they
 * are read, row by row (bounded memory however long), events filtered by
 * time and lead and cut at --limit.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"

#include "leadctl.h"

/* One row of a listing, written out at once: listings can be long. */
static int
flush_row(ctl *c)
{
    int  rc = c->line.oom
              || fwrite(c->line.data, 1, c->line.len, stdout) != c->line.len;

    c->line.len = 0;
    progress_add(1);
    /* --limit: the callback's non-zero stops the walk, reported as done */
    if (rc == 0 && c->max_rows && c->rows >= c->max_rows) {
        c->limited = 1;
        return 1;
    }
    return rc;
}

static void
json_member(lead_buf *out, const char *name, lead_str v)
{
    lead_buf_printf(out, ",\"%s\":", name);
    lead_buf_json(out, v.data, v.len);
}

/* The request's id ($request_id) an event was recorded with, if any. */
static void
print_event_id(lead_buf *out, const lead_event *ev)
{
    static const uint8_t  none[LEAD_ID_LEN];
    char                  id[LEAD_ID_HEX_LEN + 1];

    if (memcmp(ev->id, none, LEAD_ID_LEN) != 0) {
        lead_id_to_hex(ev->id, id);
        id[LEAD_ID_HEX_LEN] = '\0';
        lead_buf_printf(out, ",\"id\":\"%s\"", id);
    }
}

/* A rating (feedback: an event with one), on its row: " rate=4/5
   \"the comment\"", a line break a space. */
static void
print_rating(lead_buf *out, const lead_event *ev)
{
    size_t  i, from = 0;

    lead_buf_printf(out, " rate=%u/5", (unsigned) ev->rating);
    if (ev->comment.len == 0) {
        return;
    }
    lead_buf_puts(out, " \"");
    for (i = 0; i <= ev->comment.len; i++) {
        if (i == ev->comment.len || ev->comment.data[i] == '\n') {
            text_str(out, (lead_str) { ev->comment.data + from, i - from });
            lead_buf_puts(out, i < ev->comment.len ? " " : "\"");
            from = i + 1;
        }
    }
}

static int
print_event(void *arg, uint64_t seq, const lead_event *ev)
{
    ctl       *c = arg;
    lead_buf  *out = &c->line;
    char       when[LEAD_TIME_LEN], vid[LEAD_ID_HEX_LEN + 1];
    char       sent[32], size[32];
    unsigned   i;

    lead_format_time(ev->time_ms, when);
    lead_id_to_hex(ev->visitor, vid);
    vid[LEAD_ID_HEX_LEN] = '\0';

    if (c->json) {
        lead_buf_printf(out, "%s{\"seq\":%" PRIu64 ",\"time\":\"%s\","
                        "\"time_ms\":%" PRIu64 ",\"visitor\":\"%s\","
                        "\"kind\":\"%s\"",
                        c->rows ? ",\n  " : "\n  ", seq, when, ev->time_ms,
                        vid, ev->rating != 0 ? "rate" : "read");
        print_event_id(out, ev);
        if (ev->rating != 0) {
            lead_buf_printf(out, ",\"rating\":%u", (unsigned) ev->rating);
            json_member(out, "comment", ev->comment);
        }
        json_member(out, "path", ev->path);
        lead_buf_printf(out, ",\"status\":%u,\"bytes_sent\":%" PRIu64
                        ",\"file_size\":%" PRIu64 ",\"ranges\":[",
                        ev->status, ev->bytes_sent, ev->file_size);
        for (i = 0; i < ev->nranges; i++) {
            lead_buf_printf(out, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "",
                            ev->ranges[i].start, ev->ranges[i].end);
        }
        lead_buf_printf(out, "],\"ua\":\"%s\"",
                        lead_ua_class_name(ev->ua_class));
        json_member(out, "referrer_host", ev->referrer_host);
        json_member(out, "utm_source", ev->utm_source);
        json_member(out, "utm_medium", ev->utm_medium);
        json_member(out, "utm_campaign", ev->utm_campaign);
        json_member(out, "country", ev->country);
        json_member(out, "city", ev->city);
        if (ev->asset_id) {
            lead_buf_printf(out, ",\"asset\":\"%016" PRIx64 "\"",
                            ev->asset_id);
            json_member(out, "stage", ev->stage);
            json_member(out, "topic", ev->topic);
            json_member(out, "group", ev->group);
            lead_buf_printf(out, ",\"points\":%d,\"hot\":%s",
                            (int) ev->points,
                            (ev->asset_flags & LEAD_ASSET_HOT) ? "true"
                                                               : "false");
        } else {
            lead_buf_puts(out, ",\"asset\":null");
        }
        lead_buf_puts(out, "}");
        c->rows++;
        return flush_row(c);
    }

    c->rows++;
    lead_buf_printf(out, "%-24s %.12s %3u %11s/%-11s %-7s ", when, vid,
                    ev->status, lead_format_count(ev->bytes_sent, sent),
                    lead_format_count(ev->file_size, size),
                    lead_ua_class_name(ev->ua_class));
    text_str(out, ev->path);
    if (ev->asset_id) {
        lead_buf_puts(out, " [");
        text_str(out, ev->stage);
        if (ev->topic.len) {
            lead_buf_puts(out, "/");
            text_str(out, ev->topic);
        }
        lead_buf_printf(out, " %+d%s]", (int) ev->points,
                        (ev->asset_flags & LEAD_ASSET_HOT) ? " hot" : "");
    } else {
        lead_buf_puts(out, " [untagged]");
    }
    for (i = 0; i < ev->nranges; i++) {
        lead_buf_printf(out, "%s%" PRIu64 "-%" PRIu64, i ? "," : " range=",
                        ev->ranges[i].start, ev->ranges[i].end);
    }
    if (ev->country.len) {
        lead_buf_puts(out, " in=");
        text_str(out, ev->country);
        if (ev->city.len) {
            lead_buf_puts(out, "/");
            text_str(out, ev->city);
        }
    }
    if (ev->referrer_host.len) {
        lead_buf_puts(out, " from=");
        text_str(out, ev->referrer_host);
    }
    if (ev->utm_source.len || ev->utm_medium.len || ev->utm_campaign.len) {
        lead_buf_puts(out, " utm=");
        text_str(out, ev->utm_source);
        lead_buf_puts(out, "/");
        text_str(out, ev->utm_medium);
        lead_buf_puts(out, "/");
        text_str(out, ev->utm_campaign);
    }
    if (ev->rating != 0) {
        print_rating(out, ev);
    }
    lead_buf_puts(out, "\n");
    return flush_row(c);
}

static int
print_visitor(void *arg, const lead_visitor *v)
{
    ctl   *c = arg;
    char   first[LEAD_TIME_LEN], last[LEAD_TIME_LEN];
    char   vid[LEAD_ID_HEX_LEN + 1], n[32];

    lead_format_time(v->first_ms, first);
    lead_format_time(v->last_ms, last);
    lead_id_to_hex(v->id, vid);
    vid[LEAD_ID_HEX_LEN] = '\0';

    if (c->json) {
        lead_buf_printf(&c->line, "%s{\"visitor\":\"%s\",\"events\":%" PRIu64
                        ",\"first_seen\":\"%s\",\"last_seen\":\"%s\"}",
                        c->rows ? ",\n  " : "\n  ", vid, v->events, first,
                        last);
    } else {
        lead_buf_printf(&c->line, "%s %10s  %s  %s\n", vid,
                        lead_format_count(v->events, n), first, last);
    }
    c->rows++;
    return flush_row(c);
}

static int
find_id(void *arg, const lead_person *p)
{
    memcpy(arg, p->id, LEAD_ID_LEN);
    return 0;
}

static int
run_listing(ctl *c, lead_store *s, int events)
{
    uint8_t   lead[LEAD_ID_LEN];
    int       rc;

    if (c->limit && count_option("--limit", c->limit, UINT64_MAX,
                                 &c->max_rows) != 0)
    {
        return EXIT_USAGE;
    }
    if (c->lead) {
        rc = lead_store_find_lead(s, c->lead, strlen(c->lead), find_id, lead);
        if (rc == LEAD_ENOTFOUND) {
            fprintf(stderr, "leadctl: no lead \"%s\"\n", c->lead);
            return 1;
        }
        if (rc != LEAD_OK) {
            fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
            return 1;
        }
    }

    if (c->json) {
        putchar('[');
    } else if (events) {
        printf("%-24s %-12s %3s %23s %-7s %s\n", "time", "visitor", "st",
               "bytes/size", "ua", "path");
    } else {
        printf("%-32s %10s  %-24s  %-24s\n", "visitor", "events",
               "first seen", "last seen");
    }

    progress_start(events ? "events" : "visitors", "rows", 1);
    rc = events ? lead_store_each_event_in(s, c->since_ms, c->until_ms,
                                           c->lead ? lead : NULL,
                                           print_event, c)
                : lead_store_each_visitor(s, print_visitor, c);
    progress_stop();
    lead_buf_free(&c->line);
    if (rc == LEAD_ECALLBACK && c->limited) {
        rc = LEAD_OK;
    }

    if (c->json) {
        printf(c->rows ? "\n]\n" : "]\n");
    }

    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", rc == LEAD_ECALLBACK
                                         ? "cannot write the listing"
                                         : lead_store_errmsg(s));
        return 1;
    }
    return 0;
}

int
cmd_events(ctl *c, lead_store *s)
{
    return run_listing(c, s, 1);
}

int
cmd_visitors(ctl *c, lead_store *s)
{
    return run_listing(c, s, 0);
}
