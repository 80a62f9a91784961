/*
 * A read's touch: the campaign or channel it came from, or direct, as a
 * lead's source and every report of campaigns name it.
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_model.h"

static size_t
append(char *out, size_t n, lead_str v)
{
    size_t  len = v.len < LEAD_UTM_MAX ? v.len : LEAD_UTM_MAX;

    memcpy(out + n, v.data, len);
    return n + len;
}

int
lead_touch(const lead_event *ev, char out[LEAD_TOUCH_MAX], int *campaign)
{
    size_t  n = 0;

    out[0] = '\0';
    *campaign = 0;

    /* a bot's read is no one's; feedback is no read (lead_model.h) */
    if (ev->ua_class == LEAD_UA_BOT || lead_event_is_feedback(ev)) {
        return -1;
    }

    if (ev->utm_campaign.len) {
        *campaign = 1;
        n = append(out, 0, ev->utm_campaign);

    } else if (ev->utm_source.len || ev->utm_medium.len) {
        n = append(out, 0, ev->utm_source);
        if (ev->utm_source.len && ev->utm_medium.len) {
            out[n++] = '/';
        }
        n = append(out, n, ev->utm_medium);

    } else if (ev->referrer_host.len) {
        n = ev->referrer_host.len < LEAD_HOST_MAX ? ev->referrer_host.len
                                                  : LEAD_HOST_MAX;
        memcpy(out, ev->referrer_host.data, n);
    }

    out[n] = '\0';
    return (int) n;
}
