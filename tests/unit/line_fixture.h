/*
 * Lines compared field by field, for the unit tests and the fuzz targets
 * (plain C: no cmocka here).
 */

#ifndef LINE_FIXTURE_H
#define LINE_FIXTURE_H

#include <string.h>

#include "lead_line.h"

static int
same_str(lead_str a, lead_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

/* Every field the line format carries, compared: the name of the first
   that differs, or NULL. */
static const char *
line_diff(const lead_line *a, const lead_line *b)
{
    const lead_event  *x = &a->ev, *y = &b->ev;

#define SAME(cond, name)  if (!(cond)) return name
    SAME(a->kind == b->kind, "kind");
    SAME(same_str(a->id, b->id), "id");
    SAME(same_str(a->node, b->node), "node");
    SAME(x->time_ms == y->time_ms, "time");
    SAME(memcmp(x->visitor, y->visitor, LEAD_ID_LEN) == 0, "visitor");
    SAME(memcmp(x->id, y->id, LEAD_ID_LEN) == 0, "ev.id");
    SAME(x->status == y->status, "http status");
    SAME(x->ua_class == y->ua_class, "agent");
    SAME(same_str(x->agent, y->agent), "bot");
    SAME(x->bytes_sent == y->bytes_sent, "bytes");
    SAME(x->file_size == y->file_size, "size");
    SAME(x->nranges == y->nranges, "nranges");
    SAME(memcmp(x->ranges, y->ranges, x->nranges * sizeof(lead_range)) == 0,
         "ranges");
    SAME(same_str(x->path, y->path), "path");
    SAME(same_str(x->referrer_host, y->referrer_host), "referrer");
    SAME(same_str(x->utm_source, y->utm_source), "utm_source");
    SAME(same_str(x->utm_medium, y->utm_medium), "utm_medium");
    SAME(same_str(x->utm_campaign, y->utm_campaign), "utm_campaign");
    SAME(x->asset_id == y->asset_id, "asset");
    SAME(x->points == y->points, "points");
    SAME(x->asset_flags == y->asset_flags, "flags");
    SAME(same_str(x->stage, y->stage), "stage");
    SAME(same_str(x->topic, y->topic), "topic");
    SAME(same_str(x->group, y->group), "group");
    SAME(same_str(x->country, y->country), "country");
    SAME(same_str(x->region, y->region), "region");
    SAME(same_str(x->city, y->city), "city");
    SAME(x->rating == y->rating, "rating");
    SAME(same_str(x->comment, y->comment), "comment");
    SAME(memcmp(a->lead, b->lead, LEAD_ID_LEN) == 0, "lead");
    SAME(same_str(a->email, b->email), "email");
    SAME(same_str(a->name, b->name), "name");
    SAME(same_str(a->topics, b->topics), "topics");
    SAME(a->subscribe == b->subscribe, "subscribe");
    SAME(a->contact == b->contact, "contact");
    SAME(a->sales == b->sales, "sales");
    SAME(same_str(a->owner, b->owner), "owner");
    SAME(a->kind == LEAD_LINE_READ || a->status == b->status, "status");
    SAME(a->deal.amount == b->deal.amount, "amount");
    SAME(strcmp(a->deal.currency, b->deal.currency) == 0, "currency");
    SAME(a->deal.closed_ms == b->deal.closed_ms, "closed");
    SAME(same_str(a->cause, b->cause), "cause");
    SAME(same_str(a->who, b->who), "who");
    SAME(same_str(a->reason, b->reason), "reason");
    SAME(same_str(a->signal, b->signal), "signal");
#undef SAME
    return NULL;
}

/* 1 when a string of l starts or ends with a space, which CSV readers
   (lead_csv_next) trim. */
static inline int
line_edge_spaces(const lead_line *l)
{
    const lead_str  s[] = {
        l->id, l->node, l->ev.path, l->ev.referrer_host, l->ev.utm_source,
        l->ev.utm_medium, l->ev.utm_campaign, l->ev.stage, l->ev.topic,
        l->ev.group, l->ev.region, l->ev.city, l->owner, l->cause, l->who,
        l->reason
    };
    size_t          i;

    for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        if (s[i].len > 0
            && (s[i].data[0] == ' ' || s[i].data[s[i].len - 1] == ' '))
        {
            return 1;
        }
    }
    return 0;
}

#endif /* LINE_FIXTURE_H */
