/*
 * The machine formats of what sales read: JSON for scripts and the sales
 * view's .json, CSV for CRMs (RFC 4180, UTF-8, one row per lead, a stable
 * header, cells a spreadsheet will not run).  leadctl --json/--csv print
 * the very same bytes.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
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
    const lead_row  *row;
    char             id[LEAD_ID_HEX_LEN + 1], first[LEAD_TIME_LEN];
    char             created[LEAD_TIME_LEN], last[LEAD_TIME_LEN];
    const char      *stage;
    size_t           i;

    /* the header is a contract with every CRM import mapping out there */
    lead_buf_puts(out, "id,name,email,company,status,stage,score,cell,grade,"
                  "band,topics,subscribed,contact,top_asset,first_seen,"
                  "identified_at,last_seen,devices,country,owner,source,"
                  "last_touch,deal,amount,currency,closed_at,lost_reason\r\n");

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
contributions_json(lead_buf *out, const char *name,
    const lead_contribution *list, const lead_str *titles, unsigned n)
{
    unsigned  i;

    lead_buf_printf(out, ",\"%s\":[", name);
    for (i = 0; i < n; i++) {
        const lead_contribution  *k = &list[i];

        lead_buf_puts(out, i ? ",{" : "{");
        json_member(out, "title", titles[i]);
        lead_buf_printf(out, ",\"asset\":\"%016" PRIx64 "\",\"group_bonus\":"
                        "%s,", k->asset_id, k->group_bonus ? "true"
                                                           : "false");
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
    contributions_json(out, "hot", sc->hot, d->hot_titles, sc->nhot);
    contributions_json(out, "why", sc->why, d->why_titles, sc->nwhy);

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
        lead_buf_printf(out, ",\"points\":%d,\"before_identified\":%s}",
                        (int) ev->points,
                        d->reads[i].before_identified ? "true" : "false");
    }
    lead_buf_puts(out, d->nreads ? "\n  ]}\n" : "]}\n");
}

void
lead_report_funnel_json(lead_buf *out, const lead_rules *r,
    const lead_funnel *f)
{
    unsigned  k, nstages = lead_rules_scoring(r)->nstages;
    size_t    i;
    int       st;

    lead_buf_printf(out, "{\"leads\":%" PRIu64 ",\"statuses\":[", f->leads);
    for (st = LEAD_STATUS_IDENTIFIED; st < LEAD_NSTATUSES; st++) {
        const lead_funnel_status  *s = &f->status[st];

        lead_buf_printf(out, "%s{\"status\":\"%s\",\"now\":%" PRIu64
                        ",\"ever\":%" PRIu64 ",\"went_on\":%" PRIu64
                        ",\"median_ms\":%" PRIu64 "}",
                        st > LEAD_STATUS_IDENTIFIED ? "," : "",
                        lead_status_name(st), s->now, s->ever, s->went_on,
                        s->median_ms);
    }
    lead_buf_puts(out, "],\"stages\":[");
    for (k = 0; k <= nstages; k++) {
        lead_buf_puts(out, k ? ",{" : "{");
        json_cstr(out, "stage", k < nstages ? lead_report_stage(r, (int) k) : "");
        lead_buf_printf(out, ",\"leads\":%" PRIu64 "}",
                        f->stage[k < nstages ? k : LEAD_MAX_STAGES]);
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
