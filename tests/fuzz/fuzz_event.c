/*
 * libFuzzer: a stored event's bytes, as a damaged store may hold them,
 * read by the decoder of both versions.  What decodes must encode again
 * (when its fields are within limits) and decode to the same event.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_str(lead_str a, lead_str b)
{
    if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) {
        abort();
    }
}

static void
same(const lead_event *a, const lead_event *b)
{
    unsigned  k;

    if (a->time_ms != b->time_ms || a->status != b->status
        || a->ua_class != b->ua_class || a->bytes_sent != b->bytes_sent
        || a->file_size != b->file_size || a->nranges != b->nranges
        || a->asset_id != b->asset_id || a->rating != b->rating
        || memcmp(a->visitor, b->visitor, LEAD_ID_LEN) != 0
        || memcmp(a->id, b->id, LEAD_ID_LEN) != 0)
    {
        abort();
    }
    for (k = 0; k < a->nranges; k++) {
        if (a->ranges[k].start != b->ranges[k].start
            || a->ranges[k].end != b->ranges[k].end)
        {
            abort();
        }
    }
    if (a->asset_id != 0
        && (a->points != b->points || a->asset_flags != b->asset_flags))
    {
        abort();
    }
    same_str(a->path, b->path);
    same_str(a->referrer_host, b->referrer_host);
    same_str(a->utm_source, b->utm_source);
    same_str(a->utm_medium, b->utm_medium);
    same_str(a->utm_campaign, b->utm_campaign);
    same_str(a->agent, b->agent);
    same_str(a->comment, b->comment);
    same_str(a->country, b->country);
    same_str(a->region, b->region);
    same_str(a->city, b->city);
    if (a->asset_id != 0) {
        same_str(a->stage, b->stage);
        same_str(a->topic, b->topic);
        same_str(a->group, b->group);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t  buf[LEAD_EVENT_MAX_SIZE];
    lead_event      ev, back;
    lead_str        target, client;
    uint8_t        *copy;
    int             n;

    /* a copy of exactly size bytes: ASan sees a read past the record */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);

    (void) lead_hit_decode(copy, size, &ev, &target, &client);

    if (lead_event_decode(copy, size, &ev) == LEAD_OK) {
        n = lead_event_encode(&ev, buf, sizeof(buf));
        if (n > 0) {
            if (buf[0] != 2
                || lead_event_decode(buf, (size_t) n, &back) != LEAD_OK)
            {
                abort();
            }
            same(&ev, &back);
        }
    }

    free(copy);
    return 0;
}
