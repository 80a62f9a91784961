/*
 * The machine formats of what sales read: JSON for scripts and the sales
 * view's .json, CSV for CRMs (RFC 4180, UTF-8, one row per lead, a stable
 * header, cells a spreadsheet will not run).  leadctl --json/--csv print
 * the very same bytes.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

static void
json_member(lead_buf *out, const char *name, lead_str v)
{
    lead_buf_printf(out, "\"%s\":", name);
    lead_buf_json(out, v.data, v.len);
}

static void
json_cstr(lead_buf *out, const char *name, const char *v)
{
    json_member(out, name, (lead_str) { v, strlen(v) });
}

static void
json_time(lead_buf *out, const char *name, uint64_t ms)
{
    char  when[LEAD_TIME_LEN];

    lead_format_time(ms, when);
    lead_buf_printf(out, "\"%s\":\"%s\"", name, when);
}

const char *
lead_report_stage(const lead_rules *r, int i)
{
    return i >= 0 ? lead_rules_scoring(r)->stages[i] : "";
}

/* ---- a lead's numbers explained ---------------------------------------- */

static void
duration(lead_buf *out, uint64_t ms)
{
    static const struct { uint64_t ms; const char *unit; } units[] = {
        { 86400000, "d" }, { 3600000, "h" }, { 60000, "min" }, { 1000, "s" },
    };
    size_t  i;

    for (i = 0; i < 4; i++) {
        if (ms >= units[i].ms && ms % units[i].ms == 0) {
            lead_buf_printf(out, "%" PRIu64 " %s", ms / units[i].ms,
                            units[i].unit);
            return;
        }
    }
    lead_buf_printf(out, "%" PRIu64 " ms", ms);
}

/* A value as people read it: whole, or with one decimal when it has one. */
static void
number(lead_buf *out, double v)
{
    double  tenths = rint(v * 10) / 10;

    lead_buf_printf(out, tenths == rint(tenths) ? "%.0f" : "%.1f", tenths);
}

void
lead_report_why_explain(lead_buf *out, const lead_rules *r,
    const lead_contribution *k, const char *minus)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    double               lost = k->base - k->score;
    unsigned             i;

    if (k->others) {
        lead_buf_puts(out, "the smaller parts, ");
        number(out, k->base);
        lead_buf_puts(out, " when read");
    } else if (k->rating) {
        lead_buf_printf(out, "rated %d/%d, %d points", k->rating,
                        LEAD_RATING_MAX, k->points);
    } else if (k->group_bonus) {
        for (i = 0; i < sc->ngroups; i++) {
            if (strcmp(sc->groups[i].name, k->group) == 0) {
                lead_buf_printf(out, "%+d for reading %u of its pages",
                                k->points, sc->groups[i].count);
            }
        }
    } else {
        lead_buf_printf(out, "%d points, read %.0f%%", k->points,
                        k->depth * 100);
        if (k->reads > 1) {
            lead_buf_printf(out, ", %u reads (each half the one before): ",
                            k->reads);
            number(out, k->base);
        }
    }
    /* decay, when it shows */
    if (fabs(lost) >= 0.05) {
        lead_buf_printf(out, ", %s", lost > 0 ? minus : "+");
        number(out, fabs(lost));
        lead_buf_puts(out, " since then (half-life ");
        duration(out, sc->half_life_ms);
        lead_buf_puts(out, ")");
    }
}

int
lead_report_bots(char out[160], const lead_detail *d)
{
    if (d->bot_reads == 0) {
        out[0] = '\0';
        return 0;
    }
    snprintf(out, 160, "%zu read%s by an automated agent, not scored%s%s",
             d->bot_reads, d->bot_reads == 1 ? "" : "s",
             d->bot_agents[0] ? ": " : "", d->bot_agents);
    return 1;
}

void
lead_report_read_points(char out[48], const lead_read *rd)
{
    switch (rd->counted) {
    case LEAD_READ_SCORED:
        snprintf(out, 48, rd->nth > 1 ? "%+.1f (read %u)" : "%+.0f",
                 rd->worth, rd->nth);
        if (rd->nth > 1 && strstr(out, ".0 ")) {
            snprintf(out, 48, "%+.0f (read %u)", rd->worth, rd->nth);
        }
        break;
    case LEAD_READ_BOT:
        snprintf(out, 48, "0: bot");
        break;
    case LEAD_READ_STATUS:
        snprintf(out, 48, "0: status %u", (unsigned) rd->ev.status);
        break;
    case LEAD_READ_RELOAD:
        snprintf(out, 48, "0: reload");
        break;
    case LEAD_READ_RATED:
        snprintf(out, 48, rd->worth != 0 ? "%+.0f" : "0", rd->worth);
        break;
    case LEAD_READ_REPLACED:
        snprintf(out, 48, "0: rated again");
        break;
    default:
        out[0] = '\0';
    }
}

size_t
lead_report_comment_cut(lead_str comment, int *cut)
{
    size_t  n, chars = 0;

    for (n = 0; n < comment.len; n++) {
        if (((unsigned char) comment.data[n] & 0xc0) != 0x80
            && chars++ == LEAD_COMMENT_SHOWN)
        {
            break;
        }
    }
    /* a cut at a space or line end: the word before it whole */
    *cut = n < comment.len;
    while (*cut && n > 0 && (comment.data[n - 1] == ' '
                             || comment.data[n - 1] == '\n'))
    {
        n--;
    }
    return n;
}

static void
row_json(lead_buf *out, const lead_rules *r, const lead_row *row)
{
    char  id[LEAD_ID_HEX_LEN + 1];

    lead_id_to_hex(row->id, id);
    id[LEAD_ID_HEX_LEN] = '\0';

    lead_buf_printf(out, "\"id\":\"%s\",", id);
    json_member(out, "name", row->name);
    lead_buf_puts(out, ",");
    json_member(out, "email", row->email);
    lead_buf_puts(out, ",\"company\":");
    if (row->company.len) {
        lead_buf_json(out, row->company.data, row->company.len);
    } else {
        lead_buf_puts(out, "null");
    }
    lead_buf_printf(out, ",\"status\":\"%s\",",
                    lead_status_name(row->status));
    json_time(out, "status_since", row->status_ms);
    lead_buf_puts(out, ",");
    json_cstr(out, "stage", lead_report_stage(r, row->stage_index));
    lead_buf_printf(out, ",\"score\":%.0f,\"engagement\":%.6f,"
                    "\"cell\":\"%c%d\",\"grade\":\"%c\",\"band\":%d,",
                    row->engagement, row->engagement, row->grade, row->band,
                    row->grade, row->band);
    json_member(out, "topics", row->topics);
    lead_buf_puts(out, ",");
    json_member(out, "read_topics", row->read_topics);
    lead_buf_printf(out, ",\"subscribed\":%s,\"contact\":%s,",
                    row->subscribed ? "true" : "false",
                    row->contact ? "true" : "false");
    json_member(out, "top_asset", row->top_asset);
    lead_buf_puts(out, ",");
    json_time(out, "first_seen", row->first_ms);
    lead_buf_puts(out, ",");
    json_time(out, "identified_at", row->created_ms);
    lead_buf_puts(out, ",");
    json_time(out, "last_seen", row->last_ms);
    lead_buf_printf(out, ",\"devices\":%u,", row->devices);
    json_cstr(out, "country", row->country);
    lead_buf_puts(out, ",\"owner\":");
    if (row->owner.len) {
        lead_buf_json(out, row->owner.data, row->owner.len);
    } else {
        lead_buf_puts(out, "null");
    }
    /* the SLA clock at the report's moment: an mql's age and deadline */
    if (row->status == LEAD_STATUS_MQL) {
        lead_buf_printf(out, ",\"waiting_ms\":%" PRIu64 ",",
                        row->waiting_ms);
    } else {
        lead_buf_puts(out, ",\"waiting_ms\":null,");
    }
    if (row->due_ms) {
        json_time(out, "due", row->due_ms);
    } else {
        lead_buf_puts(out, "\"due\":null");
    }
    lead_buf_printf(out, ",\"overdue\":%s", row->overdue ? "true" : "false");
    lead_report_deal_json(out, &row->deal);
}

void
lead_report_waiting(char out[32], uint64_t ms)
{
    if (ms < 3600000) {
        snprintf(out, 32, "waiting %" PRIu64 " min", ms / 60000);
    } else if (ms < 48 * 3600000ULL) {
        snprintf(out, 32, "waiting %" PRIu64 " h", ms / 3600000);
    } else {
        snprintf(out, 32, "waiting %" PRIu64 " d", ms / 86400000);
    }
}

void
lead_report_leads_json(lead_buf *out, const lead_rules *r,
    const lead_list *l)
{
    size_t  i;

    lead_buf_puts(out, "[");
    for (i = 0; i < l->n; i++) {
        lead_buf_puts(out, i ? ",\n  {" : "\n  {");
        row_json(out, r, &l->rows[i]);
        lead_buf_puts(out, "}");
    }
    lead_buf_puts(out, l->n ? "\n]\n" : "]\n");
}

void
lead_report_leads_csv(lead_buf *out, const lead_rules *r,
    const lead_list *l)
{
    lead_report_leads_csv_head(out);
    lead_report_leads_csv_rows(out, r, l);
}

void
lead_report_leads_csv_head(lead_buf *out)
{
    /* the header is a contract with every CRM import mapping out there */
    lead_buf_puts(out, "id,name,email,company,status,stage,score,cell,grade,"
                  "band,topics,subscribed,contact,top_asset,first_seen,"
                  "identified_at,last_seen,devices,country,owner,source,"
                  "last_touch,deal,amount,currency,closed_at,lost_reason\r\n");
}

void
lead_report_leads_csv_rows(lead_buf *out, const lead_rules *r,
    const lead_list *l)
{
    const lead_row  *row;
    char             id[LEAD_ID_HEX_LEN + 1], first[LEAD_TIME_LEN];
    char             created[LEAD_TIME_LEN], last[LEAD_TIME_LEN];
    const char      *stage;
    size_t           i;

    for (i = 0; i < l->n; i++) {
        row = &l->rows[i];
        lead_id_to_hex(row->id, id);
        id[LEAD_ID_HEX_LEN] = '\0';
        lead_format_time(row->first_ms, first);
        lead_format_time(row->created_ms, created);
        lead_format_time(row->last_ms, last);
        stage = lead_report_stage(r, row->stage_index);

        lead_buf_printf(out, "%s,", id);
        lead_buf_csv(out, row->name.data, row->name.len);
        lead_buf_puts(out, ",");
        lead_buf_csv(out, row->email.data, row->email.len);
        lead_buf_puts(out, ",");
        lead_buf_csv(out, row->company.data, row->company.len);
        lead_buf_printf(out, ",%s,", lead_status_name(row->status));
        lead_buf_csv(out, stage, strlen(stage));
        lead_buf_printf(out, ",%.0f,%c%d,%c,%d,", row->engagement, row->grade,
                        row->band, row->grade, row->band);
        lead_buf_csv(out, row->topics.data, row->topics.len);
        lead_buf_printf(out, ",%s,%s,", row->subscribed ? "yes" : "no",
                        row->contact ? "yes" : "no");
        lead_buf_csv(out, row->top_asset.data, row->top_asset.len);
        lead_buf_printf(out, ",%s,%s,%s,%u,", first, created, last,
                        row->devices);
        lead_buf_csv(out, row->country, strlen(row->country));
        lead_buf_puts(out, ",");
        lead_buf_csv(out, row->owner.data, row->owner.len);
        lead_report_deal_csv(out, &row->deal);
        lead_buf_puts(out, "\r\n");
    }
}

/* A lead's devices, or the devices that claim it: ,"name":[...]. */
static void
devices_json(lead_buf *out, const char *name, const char *since,
    const lead_device *d, size_t n, const char *more)
{
    char    vid[LEAD_ID_HEX_LEN + 1];
    size_t  i;

    lead_buf_printf(out, ",\"%s\":[", name);
    for (i = 0; i < n; i++) {
        lead_id_to_hex(d[i].visitor, vid);
        vid[LEAD_ID_HEX_LEN] = '\0';
        lead_buf_printf(out, "%s{\"visitor\":\"%s\",", i ? "," : "", vid);
        json_time(out, since, d[i].since_ms);
        lead_buf_printf(out, "%s}", more);
    }
    lead_buf_puts(out, "]");
}

static void
contributions_json(lead_buf *out, const lead_rules *r, const char *name,
    const lead_contribution *list, const lead_str *titles, unsigned n)
{
    lead_buf  explain;
    unsigned  i;

    lead_buf_printf(out, ",\"%s\":[", name);
    for (i = 0; i < n; i++) {
        const lead_contribution  *k = &list[i];

        lead_buf_puts(out, i ? ",{" : "{");
        json_member(out, "title", titles[i]);
        lead_buf_printf(out, ",\"asset\":\"%016" PRIx64 "\",\"group_bonus\":"
                        "%s,\"others\":%u,", k->asset_id,
                        k->group_bonus == 1 ? "true" : "false", k->others);
        if (k->group_bonus == 1) {
            json_cstr(out, "group", k->group);
            lead_buf_puts(out, ",");
        }
        if (k->rating) {
            lead_buf_printf(out, "\"rating\":%d,", k->rating);
        }
        lead_buf_printf(out, "\"points\":%" PRId64 ",\"worth\":%.3f,"
                        "\"rule_points\":%d,", k->shown, k->base,
                        (int) k->points);
        memset(&explain, 0, sizeof(explain));
        lead_report_why_explain(&explain, r, k, "-");
        json_member(out, "explain", (lead_str) { explain.data ? explain.data
                                                            : "",
                                                 explain.len });
        lead_buf_free(&explain);
        lead_buf_puts(out, ",");
        json_cstr(out, "stage", k->stage);
        lead_buf_printf(out, ",\"hot\":%s,\"reads\":%u,\"events\":%" PRIu64
                        ",\"depth\":%.3f,\"score\":%.3f,",
                        k->hot ? "true" : "false", k->reads, k->events,
                        k->depth, k->score);
        json_time(out, "first_read", k->first_ms);
        lead_buf_puts(out, ",");
        json_time(out, "last_read", k->last_ms);
        lead_buf_puts(out, "}");
    }
    lead_buf_puts(out, "]");
}

void
lead_report_lead_json(lead_buf *out, const lead_rules *r,
    const lead_detail *d)
{
    const lead_score  *sc = &d->score;
    size_t             i;

    lead_buf_puts(out, "{");
    row_json(out, r, &d->row);

    lead_buf_puts(out, ",\"topic_scores\":{");
    for (i = 0; i < sc->ntopics; i++) {
        lead_buf_puts(out, i ? "," : "");
        lead_buf_json(out, sc->topics[i].topic, strlen(sc->topics[i].topic));
        lead_buf_printf(out, ":%.3f", sc->topics[i].engagement);
    }
    lead_buf_puts(out, "},\"countries\":[");
    for (i = 0; i < sc->ncountries; i++) {
        lead_buf_puts(out, i ? "," : "");
        lead_buf_json(out, sc->countries[i], strlen(sc->countries[i]));
    }
    lead_buf_puts(out, "],\"trend\":[");
    for (i = 0; i < LEAD_TREND_DAYS; i++) {
        lead_buf_printf(out, "%s%.3f", i ? "," : "", d->trend[i]);
    }
    lead_buf_puts(out, "]");
    devices_json(out, "devices", "linked_at", d->devices, d->ndevices, "");
    devices_json(out, "claims", "since", d->claims, d->nclaims,
                 ",\"pending\":true");
    contributions_json(out, r, "hot", sc->hot, d->hot_titles, sc->nhot);
    contributions_json(out, r, "why", sc->why, d->why_titles, sc->nwhy);
    /* the grade's points, apart: never part of the score */
    lead_buf_printf(out, ",\"profile\":{\"grade\":\"%c\",\"points\":%d,"
                    "\"parts\":[", d->row.grade, d->profile_points);
    for (i = 0; i < d->nprofile; i++) {
        lead_buf_puts(out, i ? ",{" : "{");
        json_cstr(out, "label", d->profile[i].label);
        lead_buf_printf(out, ",\"points\":%d}", d->profile[i].points);
    }
    {
        char  bots[160];

        lead_buf_printf(out, "]},\"bot_reads\":%zu,\"bots\":",
                        d->bot_reads);
        if (lead_report_bots(bots, d)) {
            lead_buf_json(out, bots, strlen(bots));
        } else {
            lead_buf_puts(out, "null");
        }
    }

    lead_buf_puts(out, ",\"history\":[");
    for (i = 0; i < d->nhistory; i++) {
        const lead_transition  *t = &d->history[i];

        lead_buf_puts(out, i ? ",{" : "{");
        json_time(out, "time", t->time_ms);
        lead_buf_printf(out, ",\"from\":\"%s\",\"to\":\"%s\",",
                        lead_status_name(t->from), lead_status_name(t->to));
        json_member(out, "cause", t->cause);
        lead_buf_puts(out, ",");
        json_member(out, "who", t->who);
        lead_buf_puts(out, ",");
        json_member(out, "reason", t->reason);
        lead_buf_puts(out, "}");
    }

    lead_buf_puts(out, "],\"events\":[");
    for (i = 0; i < d->nreads; i++) {
        const lead_event  *ev = &d->reads[i].ev;

        lead_buf_puts(out, i ? ",\n    {" : "\n    {");
        json_time(out, "time", ev->time_ms);
        lead_buf_puts(out, ",");
        json_member(out, "path", ev->path);
        lead_buf_puts(out, ",");
        json_member(out, "title", d->reads[i].title);
        lead_buf_printf(out, ",\"status\":%u,\"bytes_sent\":%" PRIu64
                        ",\"file_size\":%" PRIu64 ",\"ua\":\"%s\",",
                        ev->status, ev->bytes_sent, ev->file_size,
                        lead_ua_class_name(ev->ua_class));
        json_member(out, "stage", ev->stage);
        lead_buf_puts(out, ",");
        json_member(out, "topic", ev->topic);
        lead_buf_puts(out, ",");
        json_member(out, "referrer_host", ev->referrer_host);
        lead_buf_puts(out, ",");
        json_member(out, "utm_campaign", ev->utm_campaign);
        lead_buf_puts(out, ",");
        json_member(out, "country", ev->country);
        if (lead_event_is_feedback(ev)) {
            lead_buf_printf(out, ",\"kind\":\"rate\",\"rating\":%u,",
                            (unsigned) ev->rating);
            json_member(out, "comment", ev->comment);
        }
        lead_buf_printf(out, ",\"points\":%d,\"counted\":%.3f,"
                        "\"before_identified\":%s}", (int) ev->points,
                        d->reads[i].counted == LEAD_READ_SCORED
                        || d->reads[i].counted == LEAD_READ_RATED
                            ? d->reads[i].worth : 0.0,
                        d->reads[i].before_identified ? "true" : "false");
    }
    lead_buf_puts(out, d->nreads ? "\n  ]}\n" : "]}\n");
}

void
lead_report_funnel_json(lead_buf *out, const lead_rules *r,
    const lead_funnel *f)
{
    const lead_funnel_stage_time  *t;
    unsigned                       k, nstages;
    size_t                         i;
    int                            st;

    nstages = lead_rules_scoring(r)->nstages;
    lead_buf_printf(out, "{\"leads\":%" PRIu64 ",\"statuses\":[", f->leads);
    for (st = LEAD_STATUS_IDENTIFIED; st < LEAD_NSTATUSES; st++) {
        const lead_funnel_status  *s = &f->status[st];

        lead_buf_printf(out, "%s{\"status\":\"%s\",\"now\":%" PRIu64
                        ",\"ever\":%" PRIu64 ",\"went_on\":%" PRIu64
                        ",\"median_ms\":%" PRIu64 ",\"p90_ms\":%" PRIu64 "}",
                        st > LEAD_STATUS_IDENTIFIED ? "," : "",
                        lead_status_name(st), s->now, s->ever, s->went_on,
                        s->median_ms, s->p90_ms);
    }
    lead_buf_puts(out, "],\"stages\":[");
    for (k = 0; k <= nstages; k++) {
        lead_buf_puts(out, k ? ",{" : "{");
        json_cstr(out, "stage", k < nstages ? lead_report_stage(r, (int) k) : "");
        t = &f->stage_time[k < nstages ? k : LEAD_MAX_STAGES];
        lead_buf_printf(out, ",\"leads\":%" PRIu64 ",\"ever\":%" PRIu64
                        ",\"median_ms\":%" PRIu64 ",\"p90_ms\":%" PRIu64 "}",
                        f->stage[k < nstages ? k : LEAD_MAX_STAGES],
                        t->leads, t->median_ms, t->p90_ms);
    }
    lead_buf_puts(out, "],\"months\":[");
    for (i = 0; i < f->nmonths; i++) {
        const lead_funnel_month  *m = &f->months[i];

        lead_buf_printf(out, "%s{\"month\":\"%04d-%02d\",\"mql\":%" PRIu64
                        ",\"requalified\":%" PRIu64 ",\"rejected\":%" PRIu64
                        ",\"returned\":%" PRIu64 ",\"reasons\":[",
                        i ? "," : "", m->year, m->month, m->mql,
                        m->requalified, m->rejected, m->returned);
        for (k = 0; k < m->nreasons; k++) {
            lead_buf_puts(out, k ? ",{" : "{");
            json_member(out, "reason", m->reasons[k].reason);
            lead_buf_printf(out, ",\"count\":%" PRIu64 "}",
                            m->reasons[k].count);
        }
        lead_buf_printf(out, "],\"other\":%" PRIu64 "}", m->other);
    }
    lead_buf_puts(out, "],\"cohorts\":[");
    for (i = 0; i < f->ncohorts; i++) {
        const lead_funnel_cohort  *c = &f->cohorts[i];

        lead_buf_printf(out, "%s{\"month\":\"%04d-%02d\",\"identified\":%"
                        PRIu64, i ? "," : "", c->year, c->month,
                        c->identified);
        for (st = LEAD_STATUS_MQL; st < LEAD_NSTATUSES; st++) {
            lead_buf_printf(out, ",\"%s\":%" PRIu64, lead_status_name(st),
                            c->reached[st]);
        }
        lead_buf_puts(out, "}");
    }
    lead_buf_puts(out, "]}\n");
}

void
lead_report_accounts_json(lead_buf *out, const lead_list *l,
    const lead_account *a, size_t n)
{
    size_t  i, k;

    lead_buf_puts(out, "[");
    for (i = 0; i < n; i++) {
        lead_buf_puts(out, i ? ",\n  {" : "\n  {");
        json_member(out, "company", a[i].company);
        lead_buf_printf(out, ",\"score\":%.0f,\"engagement\":%.6f,"
                        "\"people\":%zu,\"leads\":[", a[i].engagement,
                        a[i].engagement, a[i].count);
        for (k = a[i].first; k < a[i].first + a[i].count; k++) {
            lead_buf_puts(out, k > a[i].first ? ",{" : "{");
            json_member(out, "email", l->rows[k].email);
            lead_buf_puts(out, ",");
            json_member(out, "name", l->rows[k].name);
            lead_buf_printf(out, ",\"score\":%.0f,\"status\":\"%s\"}",
                            l->rows[k].engagement,
                            lead_status_name(l->rows[k].status));
        }
        lead_buf_puts(out, "]}");
    }
    lead_buf_puts(out, n ? "\n]\n" : "]\n");
}

void
lead_report_assets_json(lead_buf *out, const lead_asset_list *l)
{
    size_t  i;

    lead_buf_puts(out, "[");
    for (i = 0; i < l->n; i++) {
        const lead_asset_stats  *row = &l->rows[i];

        lead_buf_printf(out, "%s\"asset\":\"%016" PRIx64 "\",",
                        i ? ",\n  {" : "\n  {", row->a.id);
        json_cstr(out, "path", row->a.path);
        lead_buf_puts(out, ",");
        json_cstr(out, "title", row->a.title);
        lead_buf_puts(out, ",");
        json_cstr(out, "stage", row->a.stage);
        lead_buf_puts(out, ",");
        json_cstr(out, "topic", row->a.topic);
        lead_buf_printf(out, ",\"points\":%d,\"people_reads\":%" PRIu64
                        ",\"bot_reads\":%" PRIu64 ",\"readers\":%" PRIu64
                        ",\"identified_readers\":%" PRIu64
                        ",\"before_identified\":%" PRIu64
                        ",\"before_mql\":%" PRIu64 "}", (int) row->a.points,
                        row->people, row->bots, row->readers,
                        row->identified_readers, row->before_identified,
                        row->before_mql);
    }
    lead_buf_puts(out, l->n ? "\n]\n" : "]\n");
}
