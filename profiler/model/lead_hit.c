/*
 * Hits: what a worker keeps of a request it served, and their enrichment
 * into events off the request path (the path normalised, matched against
 * the rules, the place looked up) before the store ever sees them.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_support.h"
#include "lead_model.h"

struct lead_hits {
    lead_batch  *records;         /* encoded by lead_hit_encode */
};

static lead_str
text(const char *s)
{
    lead_str  t = { s, strlen(s) };

    return t;
}

void
lead_event_set_asset(lead_event *ev, const lead_asset *a)
{
    if (a == NULL) {
        ev->asset_id = 0;
        return;
    }

    ev->asset_id = a->id;
    ev->points = a->points;
    ev->asset_flags = (uint8_t) a->flags;
    ev->stage = text(a->stage);
    ev->topic = text(a->topic);
    ev->group = text(a->group);
}

void
lead_event_set_geo(lead_event *ev, const lead_geo *geo)
{
    ev->country = text(geo->country);
    ev->region = text(geo->region);
    ev->city = text(geo->city);
}

lead_hits *
lead_hits_new(size_t max_bytes)
{
    lead_hits  *h;

    h = malloc(sizeof(*h));
    if (h == NULL) {
        return NULL;
    }

    h->records = lead_batch_new(max_bytes);
    if (h->records == NULL) {
        free(h);
        return NULL;
    }
    return h;
}

void
lead_hits_free(lead_hits *h)
{
    if (h != NULL) {
        lead_batch_free(h->records);
        free(h);
    }
}

int
lead_hits_add(lead_hits *h, const lead_event *ev, const char *target,
    size_t len, const struct sockaddr *client)
{
    int       rc, n;
    size_t    client_len = 0;
    uint8_t  *p;

    if (client != NULL) {
        client_len = client->sa_family == AF_INET
                     ? sizeof(struct sockaddr_in)
                     : client->sa_family == AF_INET6
                     ? sizeof(struct sockaddr_in6) : 0;
    }

    p = lead_batch_reserve(h->records, LEAD_HIT_MAX_SIZE, &rc);
    if (p == NULL) {
        return rc;
    }

    n = lead_hit_encode(p, ev, target, len, client, client_len);
    if (n < 0) {
        return n;
    }

    lead_batch_took(h->records, (size_t) n);
    return LEAD_OK;
}

size_t
lead_hits_count(const lead_hits *h)
{
    return lead_batch_count(h->records);
}

void
lead_hits_clear(lead_hits *h)
{
    lead_batch_clear(h->records);
}

int
lead_hit_event(lead_event *ev, const char *target, size_t len,
    const struct sockaddr *client, const lead_rules *rules,
    const lead_geoip *geoip, char path[LEAD_PATH_MAX], lead_geo *geo)
{
    int  rc;

    rc = lead_path_normalize(target, len, path);
    if (rc <= 0) {
        return LEAD_EINVAL;             /* not a path nginx would serve */
    }
    ev->path.data = path;
    ev->path.len = (size_t) rc;

    if (rules != NULL) {
        lead_event_set_asset(ev, lead_rules_match(rules, path, ev->path.len));
    }

    if (geoip != NULL && client != NULL
        && lead_geoip_lookup(geoip, client, geo) == LEAD_OK)
    {
        lead_event_set_geo(ev, geo);
    }

    return LEAD_OK;
}

int
lead_hits_finish(const lead_hits *h, const lead_rules *rules,
    const lead_geoip *geoip, lead_batch *events)
{
    int                      rc;
    char                     path[LEAD_PATH_MAX];
    size_t                   pos = 0, len;
    lead_geo                 geo;
    lead_str                 target, client;
    lead_event               ev;
    const uint8_t           *rec;
    struct sockaddr_storage  addr;
    const struct sockaddr   *sa;

    lead_batch_clear(events);

    while (lead_batch_next(h->records, &pos, &rec, &len)) {
        if (lead_hit_decode(rec, len, &ev, &target, &client) != LEAD_OK) {
            continue;
        }

        sa = NULL;
        if (client.len > 0 && client.len <= sizeof(addr)) {
            memset(&addr, 0, sizeof(addr));
            memcpy(&addr, client.data, client.len);
            sa = (const struct sockaddr *) &addr;
        }

        if (lead_hit_event(&ev, target.data, target.len, sa, rules, geoip,
                           path, &geo)
            != LEAD_OK)
        {
            continue;
        }

        rc = lead_batch_add(events, &ev);
        if (rc != LEAD_OK) {
            return rc;
        }
    }

    return LEAD_OK;
}
