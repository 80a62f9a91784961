/*
 * JSON text: one escaper for everything that leaves as JSON (leadctl's
 * output, the MQL notice the module posts).
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lead.h"

size_t
lead_json_escape(const char *s, size_t len, char *out, size_t size)
{
    static const char  hex[] = "0123456789abcdef";
    char               esc[7];
    size_t             i, n = 0, k, elen;

    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) s[i];

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            elen = 2;
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>'
                   || c == '&')
        {
            /* also <, > and &: safe inside an HTML <script> too */
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        } else {
            esc[0] = (char) c;
            elen = 1;
        }

        for (k = 0; k < elen; k++, n++) {
            if (n < size) {
                out[n] = esc[k];
            }
        }
    }

    return n;
}

/* Appends to out like snprintf, never past size; returns the new length. */
static size_t
put(char *out, size_t size, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t
put(char *out, size_t size, size_t n, const char *fmt, ...)
{
    va_list  ap;
    int      k;

    va_start(ap, fmt);
    k = vsnprintf(n < size ? out + n : NULL, n < size ? size - n : 0, fmt,
                  ap);
    va_end(ap);

    return k > 0 ? n + (size_t) k : n;
}

static size_t
put_str(char *out, size_t size, size_t n, const char *s, size_t len)
{
    n = put(out, size, n, "\"");
    n += lead_json_escape(s, len, n < size ? out + n : NULL,
                          n < size ? size - n : 0);
    return put(out, size, n, "\"");
}

static void
iso_time(uint64_t ms, char buf[32])
{
    time_t     t = (time_t) (ms / 1000);
    struct tm  tm;

    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

size_t
lead_mql_json(const lead_rules *r, const lead_person *p,
    const lead_score *score, const char *cause, uint64_t at_ms, char *out,
    size_t size)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    const lead_asset    *a;
    char                 id[LEAD_ID_HEX_LEN], when[32];
    size_t               n = 0;
    unsigned             i;

    lead_id_to_hex(p->id, id);
    iso_time(at_ms, when);

    n = put(out, size, n, "{\"event\":\"mql\",\"at\":\"%s\",\"lead\":"
            "{\"id\":\"%.*s\",\"email\":", when, LEAD_ID_HEX_LEN, id);
    n = put_str(out, size, n, p->email.data, p->email.len);
    n = put(out, size, n, ",\"name\":");
    n = put_str(out, size, n, p->name.data, p->name.len);
    n = put(out, size, n, ",\"score\":%.0f,\"cell\":\"%c%d\",\"stage\":\"%s\""
            ",\"subscribed\":%s,\"contact\":%s},\"cause\":",
            score->engagement,
            lead_grade(sc, lead_profile_points(r, p, score->ncountries
                                                     ? score->countries[0]
                                                     : "")),
            score->band,
            score->stage_index >= 0 ? sc->stages[score->stage_index] : "",
            p->subscribed ? "true" : "false", p->contact ? "true" : "false");
    n = put_str(out, size, n, cause, strlen(cause));
    n = put(out, size, n, ",\"hot\":[");

    for (i = 0; i < score->nhot; i++) {
        const lead_contribution  *c = &score->hot[i];

        a = lead_rules_find(r, c->asset_id);
        n = put(out, size, n, "%s{\"title\":", i ? "," : "");
        n = a ? put_str(out, size, n, a->title, strlen(a->title))
              : put(out, size, n, "null");
        n = put(out, size, n, ",\"path\":");
        n = a ? put_str(out, size, n, a->path, strlen(a->path))
              : put(out, size, n, "null");
        n = put(out, size, n, ",\"stage\":\"%s\",\"hot\":%s,\"reads\":%u,"
                "\"depth\":%.2f}", c->stage, c->hot ? "true" : "false",
                c->reads, c->depth);
    }

    return put(out, size, n, "]}");
}
