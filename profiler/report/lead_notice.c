/*
 * The notices the module posts, each one JSON object with an "id" that
 * is the same at every try, so that a receiver keeps one of each: a lead
 * became mql (the lead, its cell, the cause and its hot content), went
 * back to nurture unaccepted (the lead and the reason), or another device
 * claims it (the lead and the link that confirms the claim).  The lead is
 * read as it is when the notice leaves.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_report.h"

static const char  *kinds[] = { "", "mql", "returned", "confirm" };

const char *
lead_notice_kind(int kind)
{
    return kind > 0 && kind <= LEAD_NOTICE_CONFIRM ? kinds[kind] : "notice";
}

/* "mql-<lead>-<created ms>": one per promotion, claim or return */
void
lead_notice_id(char *out, size_t size, const lead_notice *n)
{
    char  hex[LEAD_ID_HEX_LEN];

    lead_id_to_hex(n->lead, hex);
    snprintf(out, size, "%s-%.*s-%llu", lead_notice_kind(n->kind),
             LEAD_ID_HEX_LEN, hex, (unsigned long long) n->at_ms);
}

void
lead_mql_json(lead_buf *out, const lead_rules *r, const lead_person *p,
    const lead_score *score, const char *id, const char *cause,
    uint64_t at_ms)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    const lead_asset    *a;
    time_t               t = (time_t) (at_ms / 1000);
    struct tm            tm;
    char                 hex[LEAD_ID_HEX_LEN], when[32];
    const char          *notice = id;
    unsigned             i;

    lead_id_to_hex(p->id, hex);
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

    lead_buf_printf(out, "{\"event\":\"mql\",\"id\":\"%s\",\"at\":\"%s\","
                    "\"lead\":{\"id\":\"%.*s\",\"email\":", notice, when,
                    LEAD_ID_HEX_LEN, hex);
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
    const lead_notice   *n;
    const char          *id;
    const char          *url;          /* confirm: the link's */
    const char          *token;
} notice;

static int
write_mql(void *arg, const lead_person *p)
{
    notice  *c = arg;

    lead_mql_json(c->out, c->rules, p, c->score, c->id, c->n->text,
                  c->n->at_ms);
    return 0;
}

/* The lead, as the mql notice gives it, without what it read. */
static int
write_returned(void *arg, const lead_person *p)
{
    notice              *c = arg;
    const lead_scoring  *sc = lead_rules_scoring(c->rules);
    const lead_score    *score = c->score;
    char                 hex[LEAD_ID_HEX_LEN], at[LEAD_TIME_LEN];

    lead_id_to_hex(p->id, hex);
    lead_format_time(c->n->at_ms, at);

    lead_buf_printf(c->out, "{\"event\":\"returned\",\"id\":\"%s\","
                    "\"at\":\"%s\",\"lead\":{\"id\":\"%.*s\",\"email\":",
                    c->id, at, LEAD_ID_HEX_LEN, hex);
    lead_buf_json(c->out, p->email.data, p->email.len);
    lead_buf_puts(c->out, ",\"name\":");
    lead_buf_json(c->out, p->name.data, p->name.len);
    lead_buf_printf(c->out, ",\"score\":%.0f,\"cell\":\"%c%d\","
                    "\"stage\":\"%s\"},\"reason\":", score->engagement,
                    lead_grade(sc, lead_profile_points(c->rules, p,
                                   score->ncountries ? score->countries[0]
                                                     : "")),
                    score->band,
                    score->stage_index >= 0
                        ? sc->stages[score->stage_index] : "");
    lead_buf_json(c->out, c->n->text, strlen(c->n->text));
    lead_buf_puts(c->out, "}");
    return 0;
}

static int
write_confirm(void *arg, const lead_person *p)
{
    notice  *c = arg;
    char     hex[LEAD_ID_HEX_LEN], at[LEAD_TIME_LEN], until[LEAD_TIME_LEN];

    lead_id_to_hex(p->id, hex);
    lead_format_time(c->n->at_ms, at);
    lead_format_time(c->n->at_ms + LEAD_CLAIM_TTL_MS, until);

    /* only what the lead gave: the claimer's own words never reach them */
    lead_buf_printf(c->out, "{\"event\":\"confirm\",\"id\":\"%s\","
                    "\"at\":\"%s\",\"lead\":{\"id\":\"%.*s\",\"email\":",
                    c->id, at, LEAD_ID_HEX_LEN, hex);
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

/* The URL goes into JSON as is: the module checked it, check again. */
static int
url_ok(const char *url)
{
    size_t  i;

    if (url == NULL || url[0] == '\0') {
        return 0;
    }
    for (i = 0; url[i]; i++) {
        if ((unsigned char) url[i] <= ' ' || (unsigned char) url[i] >= 127
            || url[i] == '"' || url[i] == '\\')
        {
            return 0;
        }
    }
    return 1;
}

int
lead_notice_json(lead_buf *out, lead_store *s, const lead_rules *r,
    const lead_notice *n, const lead_keys *k, const char *confirm_url)
{
    char             hex[LEAD_ID_HEX_LEN], id[LEAD_NOTICE_ID_MAX];
    char             token[LEAD_CONFIRM_TOKEN_LEN + 1];
    notice           c;
    lead_score      *score = NULL;
    lead_person_fn   fn;
    int              rc;

    memset(&c, 0, sizeof(notice));
    lead_notice_id(id, sizeof(id), n);
    c.out = out;
    c.rules = r;
    c.n = n;
    c.id = id;

    switch (n->kind) {
    case LEAD_NOTICE_CONFIRM:
        if (!url_ok(confirm_url) || k == NULL || k->n == 0) {
            return LEAD_EINVAL;
        }
        /* the claim's own time: the same link at every try */
        lead_confirm_token(k, n->visitor, n->lead,
                           n->at_ms + LEAD_CLAIM_TTL_MS, token);
        token[LEAD_CONFIRM_TOKEN_LEN] = '\0';
        c.url = confirm_url;
        c.token = token;
        fn = write_confirm;
        break;
    case LEAD_NOTICE_MQL:
    case LEAD_NOTICE_RETURNED:
        if (r == NULL) {
            return LEAD_EINVAL;
        }
        fn = n->kind == LEAD_NOTICE_MQL ? write_mql : write_returned;
        break;
    default:
        return LEAD_EINVAL;
    }

    rc = lead_store_snapshot(s);
    if (rc != LEAD_OK) {
        return rc;
    }

    if (n->kind != LEAD_NOTICE_CONFIRM) {
        score = malloc(sizeof(lead_score));
        rc = score ? lead_store_score_lead(s, lead_rules_scoring(r), n->lead,
                                           0, n->at_ms, score)
                   : lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        c.score = score;
    }
    if (rc == LEAD_OK) {
        lead_id_to_hex(n->lead, hex);
        rc = lead_store_find_lead(s, hex, LEAD_ID_HEX_LEN, fn, &c);
    }

    lead_store_snapshot_end(s);
    free(score);
    return rc == LEAD_OK && out->oom ? LEAD_ENOMEM : rc;
}
