/*
 * The notices the module posts, each one JSON object: a lead became mql
 * (the lead, its cell, the cause and its hot content), or another device
 * claims a lead (the lead and the link that confirms the claim).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_report.h"

void
lead_mql_json(lead_buf *out, const lead_rules *r, const lead_person *p,
    const lead_score *score, const char *cause, uint64_t at_ms)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    const lead_asset    *a;
    time_t               t = (time_t) (at_ms / 1000);
    struct tm            tm;
    char                 id[LEAD_ID_HEX_LEN], when[32];
    unsigned             i;

    lead_id_to_hex(p->id, id);
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

    lead_buf_printf(out, "{\"event\":\"mql\",\"at\":\"%s\",\"lead\":"
                    "{\"id\":\"%.*s\",\"email\":", when, LEAD_ID_HEX_LEN,
                    id);
    lead_buf_json(out, p->email.data, p->email.len);
    lead_buf_puts(out, ",\"name\":");
    lead_buf_json(out, p->name.data, p->name.len);
    lead_buf_printf(out, ",\"score\":%.0f,\"cell\":\"%c%d\",\"stage\":\"%s\""
                    ",\"subscribed\":%s,\"contact\":%s},\"cause\":",
                    score->engagement,
                    lead_grade(sc, lead_profile_points(r, p,
                                   score->ncountries ? score->countries[0]
                                                     : "")),
                    score->band,
                    score->stage_index >= 0
                        ? sc->stages[score->stage_index] : "",
                    p->subscribed ? "true" : "false",
                    p->contact ? "true" : "false");
    lead_buf_json(out, cause, strlen(cause));
    lead_buf_puts(out, ",\"hot\":[");

    for (i = 0; i < score->nhot; i++) {
        const lead_contribution  *c = &score->hot[i];

        a = lead_rules_find(r, c->asset_id);
        lead_buf_puts(out, i ? ",{\"title\":" : "{\"title\":");
        if (a) {
            lead_buf_json(out, a->title, strlen(a->title));
            lead_buf_puts(out, ",\"path\":");
            lead_buf_json(out, a->path, strlen(a->path));
        } else {
            lead_buf_puts(out, "null,\"path\":null");
        }
        lead_buf_printf(out, ",\"stage\":\"%s\",\"hot\":%s,\"reads\":%u,"
                        "\"depth\":%.2f}", c->stage,
                        c->hot ? "true" : "false", c->reads, c->depth);
    }

    lead_buf_puts(out, "]}");
}

typedef struct {
    lead_buf            *out;
    const lead_rules    *rules;
    const lead_score    *score;
    const char          *cause;
    uint64_t             at_ms;
} notice;

static int
write_notice(void *arg, const lead_person *p)
{
    notice  *n = arg;

    lead_mql_json(n->out, n->rules, p, n->score, n->cause, n->at_ms);
    return 0;
}

int
lead_mql_notice(lead_buf *out, lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], const char *cause, uint64_t at_ms)
{
    char         hex[LEAD_ID_HEX_LEN];
    notice       n;
    lead_score  *score;
    int          rc;

    score = malloc(sizeof(lead_score));
    if (score == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_snapshot(s);
    if (rc == LEAD_OK) {
        rc = lead_store_score_lead(s, lead_rules_scoring(r), lead_id, 0,
                                   at_ms, score);
        if (rc == LEAD_OK) {
            n.out = out;
            n.rules = r;
            n.score = score;
            n.cause = cause;
            n.at_ms = at_ms;
            lead_id_to_hex(lead_id, hex);
            rc = lead_store_find_lead(s, hex, LEAD_ID_HEX_LEN, write_notice,
                                      &n);
        }
        lead_store_snapshot_end(s);
    }

    free(score);
    return rc == LEAD_OK && out->oom ? LEAD_ENOMEM : rc;
}

typedef struct {
    lead_buf        *out;
    const char      *url;
    const char      *token;
    uint64_t         at_ms;
} confirm;

static int
write_confirm(void *arg, const lead_person *p)
{
    confirm  *c = arg;
    char      id[LEAD_ID_HEX_LEN], at[LEAD_TIME_LEN], until[LEAD_TIME_LEN];

    lead_id_to_hex(p->id, id);
    lead_format_time(c->at_ms, at);
    lead_format_time(c->at_ms + LEAD_CLAIM_TTL_MS, until);

    /* only what the lead gave: the claimer's own words never reach them */
    lead_buf_printf(c->out, "{\"event\":\"confirm\",\"at\":\"%s\","
                    "\"lead\":{\"id\":\"%.*s\",\"email\":", at,
                    LEAD_ID_HEX_LEN, id);
    lead_buf_json(c->out, p->email.data, p->email.len);
    lead_buf_puts(c->out, ",\"name\":");
    lead_buf_json(c->out, p->name.data, p->name.len);
    lead_buf_printf(c->out, "},\"expires\":\"%s\",\"confirm_url\":\"",
                    until);
    lead_buf_puts(c->out, c->url);
    lead_buf_puts(c->out, strchr(c->url, '?') ? "&confirm=" : "?confirm=");
    lead_buf_puts(c->out, c->token);
    lead_buf_puts(c->out, "\"}");
    return 0;
}

int
lead_confirm_notice(lead_buf *out, lead_store *s, const uint8_t *secret,
    size_t secret_len, const char *url, const uint8_t visitor[LEAD_ID_LEN],
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms)
{
    char     hex[LEAD_ID_HEX_LEN], token[LEAD_CONFIRM_TOKEN_LEN + 1];
    confirm  c;
    size_t   i;
    int      rc;

    /* the URL goes into JSON as is: the module checked it, check again */
    for (i = 0; url[i]; i++) {
        if ((unsigned char) url[i] <= ' ' || (unsigned char) url[i] >= 127
            || url[i] == '"' || url[i] == '\\')
        {
            return LEAD_EINVAL;
        }
    }

    lead_confirm_token(secret, secret_len, visitor, lead_id,
                       now_ms + LEAD_CLAIM_TTL_MS, token);
    token[LEAD_CONFIRM_TOKEN_LEN] = '\0';

    c.out = out;
    c.url = url;
    c.token = token;
    c.at_ms = now_ms;
    lead_id_to_hex(lead_id, hex);
    rc = lead_store_find_lead(s, hex, LEAD_ID_HEX_LEN, write_confirm, &c);

    return rc == LEAD_OK && out->oom ? LEAD_ENOMEM : rc;
}
