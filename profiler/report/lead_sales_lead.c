/*
 * One lead in the sales view: its page, its JSON, and the decisions
 * sales post from the page, checked before anything is recorded.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

typedef struct {
    view              *v;
    lead_detail        d;
    lead_sales_notes   notes;       /* its form and the notes taken here */
} lead_view;

static int
lead_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    lead_view                *lv = arg;
    view                     *v = lv->v;
    const lead_detail        *d = &lv->d;
    scratch                  *s = &v->item;
    uint64_t                  now = v->req->now_ms;
    const lead_contribution  *k;
    const lead_transition    *t;
    const lead_read          *rd;
    lead_str                  last;
    lead_buf                  explain;
    char                      counted[48];

    s->used = 0;
    switch (list) {
    case D_TOPICS:
        if (i >= d->score.ntopics) {
            return 0;
        }
        x[D_TOPIC] = cstr(d->score.topics[i].topic);
        x[D_TOPIC_SCORE] = lead_sales_fmt(s, "%.0f",
                                          d->score.topics[i].engagement);
        return 1;

    case D_HOT:
        if (i >= d->score.nhot) {
            return 0;
        }
        k = &d->score.hot[i];
        x[D_HOT_FLAG] = flag(k->hot);
        x[D_TITLE] = d->hot_titles[i];
        x[D_HOT_POINTS] = lead_sales_fmt(s, "%+.0f", k->score);
        x[D_STAGE] = cstr(k->stage);
        x[D_DEPTH] = lead_sales_fmt(s, "%.0f", k->depth * 100);
        x[D_READS] = lead_sales_fmt(s, "%u time%s", k->reads,
                                    k->reads == 1 ? "" : "s");
        x[D_LAST_ISO] = lead_sales_iso(s, k->last_ms);
        x[D_LAST_AGO] = lead_sales_ago(s, now, k->last_ms);
        return 1;

    case D_WHY:
        if (i >= d->score.nwhy) {
            return 0;
        }
        k = &d->score.why[i];
        /* whole points that add up to the score shown: "+0" is honest */
        x[D_POINTS] = lead_sales_fmt(s, "%s%lld", k->shown < 0 ? "−"
                                     : "+", (long long) llabs(k->shown));
        x[D_TITLE] = d->why_titles[i];
        x[D_OTHERS] = flag(k->others > 0);
        last = lead_sales_ago(s, now, k->last_ms);
        memset(&explain, 0, sizeof(explain));
        lead_report_why_explain(&explain, v->r, k, "−");
        x[D_DETAIL] = lead_sales_fmt(s, "%s%s%s, %s %s", k->stage,
                                     k->stage[0] ? ": " : "",
                                     explain.data ? explain.data : "",
                                     k->group_bonus == 1 ? "warm since"
                                                         : "last",
                                     last.data);
        lead_buf_free(&explain);
        return 1;

    case D_PROFILE:
        if (i >= d->nprofile) {
            return 0;
        }
        x[D_LABEL] = cstr(d->profile[i].label);
        x[D_POINTS] = lead_sales_fmt(s, "%+d", d->profile[i].points);
        return 1;

    case D_HISTORY:
        if (i >= d->nhistory) {
            return 0;
        }
        t = &d->history[i];
        x[D_WHEN_ISO] = lead_sales_iso(s, t->time_ms);
        x[D_WHEN] = lead_sales_ago(s, now, t->time_ms);
        x[D_FROM] = cstr(lead_status_name(t->from));
        x[D_TO] = cstr(lead_status_name(t->to));
        x[D_CAUSE] = t->cause;
        x[D_WHO] = t->who;
        x[D_WHY_REASON] = t->reason;
        return 1;

    case D_TIMELINE:
        /* the newest first: sales read from the top */
        if (i >= d->nreads) {
            return 0;
        }
        rd = &d->reads[d->nreads - 1 - i];
        x[D_WHEN_ISO] = lead_sales_iso(s, rd->ev.time_ms);
        x[D_WHEN] = lead_sales_ago(s, now, rd->ev.time_ms);
        x[D_TITLE] = rd->title;
        x[D_PATH] = rd->ev.path;
        x[D_BEFORE] = flag(rd->before_identified);
        x[D_BOT] = flag(rd->ev.ua_class == LEAD_UA_BOT);
        x[D_RATING] = cstr("");             /* a read: none */
        x[D_COMMENT] = cstr("");
        if (lead_event_is_feedback(&rd->ev)) {
            int  cut;

            x[D_RATING] = lead_sales_fmt(s, "%u", (unsigned) rd->ev.rating);
            x[D_COMMENT] = rd->ev.comment;
            x[D_COMMENT].len = lead_report_comment_cut(rd->ev.comment, &cut);
            if (cut) {
                x[D_COMMENT] = lead_sales_fmt(s, "%.*s\u2026",
                                              (int) x[D_COMMENT].len,
                                              x[D_COMMENT].data);
            }
        }
        x[D_STAGE] = rd->ev.stage;
        lead_report_read_points(counted, rd);
        x[D_POINTS] = lead_sales_fmt(s, "%s", counted);
        x[D_DEPTH] = rd->ev.file_size
                     ? lead_sales_fmt(s, "%.0f%%",
                                      100.0 * (double) rd->ev.bytes_sent
                                      / (double) rd->ev.file_size)
                     : cstr("");
        x[D_REFERRER] = rd->ev.referrer_host;
        x[D_CAMPAIGN] = rd->ev.utm_campaign;
        x[D_COUNTRY] = rd->ev.country;
        return 1;

    case D_DEVICES:
        if (i >= d->ndevices) {
            return 0;
        }
        x[D_VISITOR] = lead_sales_hex_id(s, d->devices[i].visitor);
        x[D_SINCE_ISO] = lead_sales_iso(s, d->devices[i].since_ms);
        x[D_SINCE] = lead_sales_ago(s, now, d->devices[i].since_ms);
        return 1;

    case D_NOTE_ASSETS:
    case D_NOTES:
        return lead_sales_notes_item(&lv->notes, v, list, i, x);

    case D_CLAIMS:
        if (i >= d->nclaims) {
            return 0;
        }
        x[D_VISITOR] = lead_sales_hex_id(s, d->claims[i].visitor);
        x[D_SINCE_ISO] = lead_sales_iso(s, d->claims[i].since_ms);
        x[D_SINCE] = lead_sales_ago(s, now, d->claims[i].since_ms);
        return 1;
    }
    return 0;
}

static const struct {
    const char  *done;
    const char  *notice;
} notices[] = {
    { "sal", "Accepted: the lead is sales accepted (SAL) now." },
    { "sql", "Qualified: the lead is sales qualified (SQL) now." },
    { "won", "Won: well done. The amount and close date are kept." },
    { "lost", "Lost: the reason is kept." },
    { "nurture", "Sent back to marketing (nurture) with your reason." },
    { "assign", "Owner changed." },
    { "note", "Note kept." },
};

/* The lead page; status and error explain a refused action. */
void
lead_sales_lead_page(view *v, const char *hex, int status,
    const char *error, const char *reason)
{
    lead_view        lv;
    lead_str         x[D_NVALUES];
    lead_buf         body;
    const lead_row  *row;
    char             token[LEAD_TOKEN_LEN], done[16], countries[32];
    char             bots[160];
    size_t           i, len, n = 0;
    int              st;

    memset(&lv, 0, sizeof(lv));
    lv.v = v;

    st = lead_query_lead(v->s, v->r, hex, LEAD_ID_HEX_LEN, v->req->now_ms,
                         &lv.d);
    if (st == LEAD_ENOTFOUND) {
        lead_sales_fail(v, 404, "No such lead", "There is no lead %s (it may "
                        "have been erased).", hex);
        return;
    }
    if (st != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }
    row = &lv.d.row;

    lead_sales_token(v->req->keys, v->req->browser, v->req->user.data,
                     v->req->user.len, token);

    memset(x, 0, sizeof(x));
    x[D_BASE] = v->req->base;
    x[D_ID] = lead_sales_fmt(&v->page, "%s", hex);
    x[D_NAME] = row->name;
    x[D_EMAIL] = row->email;
    x[D_COMPANY] = row->company;
    x[D_BAND] = lead_sales_fmt(&v->page, "%d", row->band);
    x[D_GRADE] = lead_sales_fmt(&v->page, "%c", row->grade);
    x[D_CELL] = lead_sales_fmt(&v->page, "%c%d", row->grade, row->band);
    x[D_SCORE] = lead_sales_fmt(&v->page, "%.0f", row->engagement);
    lead_sales_sparkline(&v->page, lv.d.trend, &x[D_SPARK],
                         &x[D_TREND_LABEL]);
    x[D_STATUS] = cstr(lead_status_name(row->status));
    x[D_STATUS_ISO] = lead_sales_iso(&v->page, row->status_ms);
    x[D_STATUS_AGO] = lead_sales_ago(&v->page, v->req->now_ms,
                                     row->status_ms);
    x[D_STAGE] = lead_sales_stage(v->r, row->stage_index);
    x[D_HAS_TOPICS] = flag(lv.d.score.ntopics > 0);
    x[D_SUBSCRIBED] = row->subscribed
                      ? lead_sales_fmt(&v->page, "yes%s%s%s",
                                       row->topics.len ? " (" : "",
                                       row->topics.data ? row->topics.data
                                                        : "",
                                       row->topics.len ? ")" : "")
                      : cstr("no");
    x[D_CONTACT] = cstr(row->contact ? "yes" : "no");
    for (i = 0; i < lv.d.score.ncountries; i++) {
        n += (size_t) snprintf(countries + n, sizeof(countries) - n, "%s%s",
                               i ? ", " : "", lv.d.score.countries[i]);
    }
    x[D_COUNTRIES] = n ? lead_sales_fmt(&v->page, "%s", countries)
                       : cstr("unknown");
    x[D_IDENTIFIED_ISO] = lead_sales_iso(&v->page, row->created_ms);
    x[D_IDENTIFIED_AGO] = lead_sales_ago(&v->page, v->req->now_ms,
                                         row->created_ms);
    x[D_FIRST_ISO] = lead_sales_iso(&v->page, row->first_ms);
    x[D_FIRST_AGO] = lead_sales_ago(&v->page, v->req->now_ms,
                                    row->first_ms);
    x[D_OWNER] = row->owner;
    x[D_OVERDUE] = flag(row->overdue);
    if (row->status == LEAD_STATUS_MQL) {
        char  waiting[32];

        lead_report_waiting(waiting, row->waiting_ms);
        x[D_WAITING] = lead_sales_fmt(&v->page, "%s", waiting);
    }
    if (row->due_ms) {
        x[D_DUE_ISO] = lead_sales_iso(&v->page, row->due_ms);
    }
    x[D_HAS_HOT] = flag(lv.d.score.nhot > 0);
    x[D_HAS_WHY] = flag(lv.d.score.nwhy > 0);
    if (lead_report_bots(bots, &lv.d)) {
        x[D_BOTS] = lead_sales_fmt(&v->page, "%s", bots);
    }
    x[D_PROFILE_POINTS] = lead_sales_fmt(&v->page, "%d",
                                         lv.d.profile_points);
    x[D_HAS_CLAIMS] = flag(lv.d.nclaims > 0);

    x[D_CAN_ACCEPT] = flag(lead_status_allowed(row->status,
                                               LEAD_STATUS_SAL));
    x[D_CAN_QUALIFY] = flag(lead_status_allowed(row->status,
                                                LEAD_STATUS_SQL));
    x[D_CAN_WIN] = flag(lead_status_allowed(row->status, LEAD_STATUS_WON));
    x[D_CAN_REJECT] = flag(lead_status_allowed(row->status,
                                               LEAD_STATUS_NURTURE));
    lead_sales_deal_values(v, row, x);
    x[D_CAN_ACT] = flag(x[D_CAN_ACCEPT].len || x[D_CAN_QUALIFY].len
                        || x[D_CAN_WIN].len || x[D_CAN_REJECT].len
                        || x[D_CAN_LOSE].len);
    x[D_TOKEN] = lead_sales_fmt(&v->page, "%.*s", LEAD_TOKEN_LEN, token);
    x[D_REASON] = reason ? cstr(reason) : cstr("");
    x[D_ERROR] = error ? cstr(error) : cstr("");

    if (lead_sales_arg(v->req->query, "done", done, sizeof(done), &len) > 0) {
        for (i = 0; i < sizeof(notices) / sizeof(notices[0]); i++) {
            if (strcmp(done, notices[i].done) == 0) {
                x[D_NOTICE] = cstr(notices[i].notice);
            }
        }
    }

    if (lead_sales_notes_load(v, &lv.d, row->id, &lv.notes) != LEAD_OK) {
        lead_sales_store_failed(v);
        lead_sales_notes_free(&lv.notes);
        lead_detail_free(&lv.d);
        return;
    }
    x[D_HAS_NOTE_ASSETS] = flag(lv.notes.nassets > 0);

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_LEAD], x, lead_item, &lv, &body);
    v->resp->status = status;
    lead_sales_layout(v, row->name.len ? row->name.data : "Lead", T_LEAD,
                      &body);
    lead_sales_notes_free(&lv.notes);
    lead_detail_free(&lv.d);
}

void
lead_sales_lead_json(view *v, const char *hex)
{
    lead_detail  d;
    int          rc;

    v->resp->type = "application/json";
    rc = lead_query_lead(v->s, v->r, hex, LEAD_ID_HEX_LEN, v->req->now_ms,
                         &d);
    if (rc == LEAD_ENOTFOUND) {
        lead_sales_fail(v, 404, "No such lead", "no lead %s", hex);
        return;
    }
    if (rc != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }
    lead_report_lead_json(&v->resp->body, v->r, &d);
    lead_detail_free(&d);
}

/* A reason as people type it: trimmed, valid UTF-8, no control bytes. */
static int
clean_reason(const char *in, size_t len, char *out, size_t size)
{
    size_t  i, k;

    while (len && isspace((unsigned char) in[0])) {
        in++;
        len--;
    }
    while (len && isspace((unsigned char) in[len - 1])) {
        len--;
    }
    if (len >= size) {
        return -1;
    }
    for (i = 0; i < len; i += k) {
        k = lead_utf8_len((const unsigned char *) in + i, len - i);
        if (k == 0 || (k == 1 && ((unsigned char) in[i] < 0x20
                                  || in[i] == 0x7f)))
        {
            return -1;
        }
    }
    memcpy(out, in, len);
    out[len] = '\0';
    return (int) len;
}

/* After a post, a redirect: a reload does not post again. */
static void
done(view *v, const char *hex, const char *what)
{
    v->resp->status = 303;
    lead_buf_free(&v->resp->location);
    lead_buf_put(&v->resp->location, v->req->base.data, v->req->base.len);
    lead_buf_printf(&v->resp->location, "lead/%s?done=%s", hex, what);
}

/* POST lead/ID assign=1&owner=NAME (the token checked): "" unassigns. */
static void
assign(view *v, const char *hex)
{
    char    raw[LEAD_WHO_MAX * 3 + 1], owner[LEAD_WHO_MAX + 1];
    size_t  len;
    int     rc, n = 0;

    rc = lead_sales_arg(v->req->body, "owner", raw, sizeof(raw), &len);
    if (rc > 0) {
        n = clean_reason(raw, len, owner, sizeof(owner));
    }
    if (rc < 0 || n < 0 || (n > 0 && !lead_owner_valid(owner, (size_t) n))) {
        lead_sales_lead_page(v, hex, 422, "An owner is a name of at most "
                             "128 bytes of plain text. Nothing was changed.",
                             NULL);
        return;
    }

    rc = lead_store_assign(v->s, hex, LEAD_ID_HEX_LEN, owner, (size_t) n);
    if (rc == LEAD_ENOTFOUND) {
        lead_sales_fail(v, 404, "No such lead", "There is no lead %s.",
                        hex);
        return;
    }
    if (rc != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }
    done(v, hex, "assign");
}

/* POST lead/ID: a sales decision, checked, then recorded with who made it. */
void
lead_sales_lead_action(view *v, const char *hex)
{
    const lead_sales_request  *req = v->req;
    lead_str                   body = req->body;
    char                       token[LEAD_TOKEN_LEN + 1], to_name[16];
    char                       raw[LEAD_REASON_MAX * 2], reason[LEAD_REASON_MAX];
    char                       who[LEAD_WHO_MAX], msg[256];
    uint8_t                    id[LEAD_ID_LEN];
    uint64_t                   since;
    size_t                     len, wlen, k;
    int                        to, from, rc;
    lead_outcome               outcome;
    const char                *deal_error;

    if (body.len > LEAD_SALES_BODY_MAX) {
        lead_sales_fail(v, 413, "Too much",
                        "That form is larger than %d bytes.",
                        LEAD_SALES_BODY_MAX);
        return;
    }

    /* the token ties the post to this browser and user: no cross-site post */
    if (!req->browser_known
        || lead_sales_arg(body, "token", token, sizeof(token), &len) <= 0
        || lead_sales_token_verify(req->keys, req->browser, req->user.data,
                                   req->user.len, token, len)
           != LEAD_OK)
    {
        lead_sales_fail(v, 403, "Not sent from this page",
                        "This action did not come from a sales view page "
                        "opened in this browser (or the page is too old). "
                        "Nothing was changed: open the lead again and "
                        "retry.");
        return;
    }

    if (lead_sales_arg(body, "status", to_name, sizeof(to_name), &len) == 0
        && lead_sales_arg(body, "assign", to_name, sizeof(to_name), &len) > 0)
    {
        assign(v, hex);
        return;
    }

    /* a note on content, taken on the lead's page */
    if (lead_sales_arg(body, "status", to_name, sizeof(to_name), &len) == 0
        && lead_sales_arg(body, "asset", to_name, sizeof(to_name), &len) != 0)
    {
        const char  *why = lead_sales_lead_note(v, hex, &rc);

        if (why != NULL) {
            lead_sales_lead_page(v, hex, rc, why, NULL);
        }
        return;
    }

    to = lead_sales_arg(body, "status", to_name, sizeof(to_name), &len) > 0
         ? lead_status_parse(to_name, len) : -1;
    if (to != LEAD_STATUS_SAL && to != LEAD_STATUS_SQL
        && to != LEAD_STATUS_WON && to != LEAD_STATUS_LOST
        && to != LEAD_STATUS_NURTURE)
    {
        lead_sales_fail(v, 400, "Unknown action",
                        "Sales set sal, sql, won, lost or nurture. Nothing "
                        "was changed.");
        return;
    }

    reason[0] = '\0';
    rc = lead_sales_arg(body, "reason", raw, sizeof(raw), &len);
    if (rc < 0 || (rc > 0 && clean_reason(raw, len, reason, sizeof(reason))
                             < 0))
    {
        lead_sales_lead_page(v, hex, 422, "The reason must be plain text of "
                             "at most 500 bytes. Nothing was changed.",
                             NULL);
        return;
    }
    if (to == LEAD_STATUS_NURTURE && reason[0] == '\0') {
        lead_sales_lead_page(v, hex, 422, "Say why the lead goes back to "
                             "marketing: a reason is required. Nothing was "
                             "changed.", NULL);
        return;
    }
    if (to == LEAD_STATUS_LOST && reason[0] == '\0') {
        lead_sales_lead_page(v, hex, 422, "Say why the deal was lost: a "
                             "reason is required. Nothing was changed.",
                             NULL);
        return;
    }
    if (to != LEAD_STATUS_NURTURE && to != LEAD_STATUS_LOST) {
        reason[0] = '\0';
    }

    if (lead_id_from_hex(hex, LEAD_ID_HEX_LEN, id) != LEAD_OK) {
        lead_sales_fail(v, 404, "No such lead", "There is no lead %s.",
                        hex);
        return;
    }
    rc = lead_store_get_status(v->s, id, &from, &since);
    if (rc == LEAD_ENOTFOUND) {
        from = LEAD_STATUS_IDENTIFIED;
    } else if (rc != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }

    /* a deal's form once it may close (if not, the store says why not) */
    memset(&outcome, 0, sizeof(outcome));
    if ((to == LEAD_STATUS_WON || to == LEAD_STATUS_LOST)
        && lead_status_allowed(from, to)
        && (deal_error = lead_sales_deal_form(v, to, &outcome)) != NULL)
    {
        lead_sales_lead_page(v, hex, 422, deal_error, reason);
        return;
    }

    /* who made it, as nginx authenticated them; cut on a character */
    wlen = req->user.len < sizeof(who) - 1 ? req->user.len : sizeof(who) - 1;
    for (k = 0; k < wlen; k += len) {
        len = lead_utf8_len((const unsigned char *) req->user.data + k,
                            wlen - k);
        if (len == 0) {
            break;
        }
    }
    if (k) {
        memcpy(who, req->user.data, k);
    }
    who[k] = '\0';
    wlen = k;

    if (to == LEAD_STATUS_WON || to == LEAD_STATUS_LOST) {
        rc = lead_store_close_deal(v->s, id, to, req->now_ms, &outcome,
                                   wlen ? who : "(not signed in)", reason);
    } else {
        rc = lead_store_set_status(v->s, id, to, req->now_ms, "sales view",
                                   wlen ? who : "(not signed in)", reason);
    }
    if (rc == LEAD_EINVAL) {
        snprintf(msg, sizeof(msg), "This lead is %s now, so it cannot go to "
                 "%s (someone may have acted on it first). Nothing was "
                 "changed.", lead_status_name(from), lead_status_name(to));
        lead_sales_lead_page(v, hex, 409, msg, reason);
        return;
    }
    if (rc == LEAD_ENOTFOUND) {
        lead_sales_fail(v, 404, "No such lead", "There is no lead %s.",
                        hex);
        return;
    }
    if (rc != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }

    /* accepted by no one signed in: the lead is no one's */
    if (to == LEAD_STATUS_SAL && wlen == 0
        && lead_store_assign(v->s, hex, LEAD_ID_HEX_LEN, "", 0) != LEAD_OK)
    {
        lead_sales_store_failed(v);
        return;
    }

    done(v, hex, lead_status_name(to));
}

