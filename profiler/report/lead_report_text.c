/*
 * The reports as text for people at a terminal (leadctl): who to call,
 * one lead in full, the funnel, the accounts and the assets.  Every value
 * from outside goes through lead_buf_text.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

static void
text_str(lead_buf *out, lead_str v)
{
    lead_buf_text(out, v.data, v.len);
}

static void
text_time(lead_buf *out, uint64_t ms)
{
    char  when[LEAD_TIME_LEN];

    lead_format_time(ms, when);
    lead_buf_puts(out, when);
}

/* What to do next, at the list's moment: "  [waiting 3 h, overdue,
   asked for a call, owner ana]", or nothing. */
static void
text_next(lead_buf *out, const lead_row *row)
{
    char         waiting[32];
    const char  *sep = "  [";

    if (row->status == LEAD_STATUS_MQL) {
        lead_report_waiting(waiting, row->waiting_ms);
        lead_buf_printf(out, "%s%s", sep, waiting);
        sep = ", ";
    }
    if (row->overdue) {
        lead_buf_printf(out, "%soverdue", sep);
        sep = ", ";
    }
    if (row->contact) {
        lead_buf_printf(out, "%sasked for a call", sep);
        sep = ", ";
    }
    if (row->owner.len) {
        lead_buf_printf(out, "%sowner ", sep);
        text_str(out, row->owner);
        sep = ", ";
    }
    if (sep[0] == ',') {
        lead_buf_puts(out, "]");
    }
}

void
lead_report_leads_text(lead_buf *out, const lead_rules *r,
    const lead_list *l)
{
    const lead_row  *row;
    size_t           i;

    lead_buf_printf(out, "%6s  %-4s %-10s %-10s %-32s %s\n", "score",
                    "cell", "status", "stage", "email",
                    "name / hot content");
    for (i = 0; i < l->n; i++) {
        row = &l->rows[i];
        lead_buf_printf(out, "%6.0f  %c%-3d %-10s %-10s ",
                        row->engagement, row->grade, row->band,
                        lead_status_name(row->status),
                        lead_report_stage(r, row->stage_index));
        text_str(out, row->email);
        lead_buf_printf(out, "%*s", row->email.len < 32
                                    ? (int) (33 - row->email.len) : 1, "");
        text_str(out, row->name);
        if (row->top_asset.len) {
            lead_buf_puts(out, " / ");
            text_str(out, row->top_asset);
        }
        text_next(out, row);
        lead_buf_puts(out, "\n");
    }
}

/* Hot content: what to open first, with what it adds now. */
static void
text_hot(lead_buf *out, const lead_contribution *list,
    const lead_str *titles, unsigned n)
{
    unsigned  i;

    for (i = 0; i < n; i++) {
        const lead_contribution  *k = &list[i];

        lead_buf_printf(out, "    %+7.0f  %s", k->score, k->hot ? "HOT " : "");
        text_str(out, titles[i]);
        lead_buf_printf(out, " [%s]: %.0f%% read, %u time%s, last ", k->stage,
                        k->depth * 100, k->reads, k->reads == 1 ? "" : "s");
        text_time(out, k->last_ms);
        lead_buf_puts(out, "\n");
    }
}

/* Why: whole points that add up to the score shown, each explained. */
static void
text_why(lead_buf *out, const lead_rules *r, const lead_detail *d)
{
    const lead_score  *sc = &d->score;
    lead_buf           explain;
    unsigned           i;

    for (i = 0; i < sc->nwhy; i++) {
        const lead_contribution  *k = &sc->why[i];

        lead_buf_printf(out, "    %+7" PRId64 "  ", k->shown);
        text_str(out, d->why_titles[i]);
        if (k->stage[0]) {
            lead_buf_printf(out, " [%s]", k->stage);
        }
        memset(&explain, 0, sizeof(explain));
        lead_report_why_explain(&explain, r, k, "-");
        lead_buf_puts(out, ": ");
        text_str(out, (lead_str) { explain.data ? explain.data : "",
                                   explain.len });
        lead_buf_free(&explain);
        if (k->group_bonus == 1) {
            lead_buf_puts(out, ", warm since ");
            text_time(out, k->last_ms);
        }
        lead_buf_puts(out, "\n");
    }
    if (sc->nwhy) {
        lead_buf_printf(out, "    = %5" PRId64 "  the score\n", sc->shown);
    }
}

/* A rating in the timeline: "Rated Title 4/5: “the comment”". */
static void
text_rated(lead_buf *out, const lead_read *rd)
{
    const char  *p, *nl;
    size_t       n;
    int          cut;

    lead_buf_puts(out, "Rated ");
    text_str(out, rd->title.len ? rd->title : rd->ev.path);
    lead_buf_printf(out, " %u/%d", (unsigned) rd->ev.rating, LEAD_RATING_MAX);
    if (rd->ev.comment.len) {
        n = lead_report_comment_cut(rd->ev.comment, &cut);
        lead_buf_puts(out, ": \u201c");
        /* on one line: a line break is a space */
        for (p = rd->ev.comment.data; n > 0; n -= (size_t) (nl - p), p = nl) {
            nl = memchr(p, '\n', n);
            nl = nl ? nl : p + n;
            text_str(out, (lead_str) { p, (size_t) (nl - p) });
            if (nl < p + n) {
                lead_buf_puts(out, " ");
                nl++;
            }
        }
        lead_buf_puts(out, cut ? "\u2026\u201d" : "\u201d");
    }
}

void
lead_report_lead_text(lead_buf *out, const lead_rules *r,
    const lead_detail *d)
{
    const lead_row    *row = &d->row;
    const lead_score  *sc = &d->score;
    char               vid[LEAD_ID_HEX_LEN + 1], bots[160], counted[48];
    size_t             i;

    text_str(out, row->name);
    lead_buf_puts(out, " <");
    text_str(out, row->email);
    lead_buf_printf(out, ">\n  score %.0f, cell %c%d, status %s, stage %s\n"
                    "  identified ", row->engagement, row->grade, row->band,
                    lead_status_name(row->status),
                    row->stage_index >= 0
                        ? lead_report_stage(r, row->stage_index) : "-");
    text_time(out, row->created_ms);
    lead_buf_printf(out, ", subscribed %s", row->subscribed ? "yes" : "no");
    if (row->topics.len) {
        lead_buf_puts(out, " (");
        text_str(out, row->topics);
        lead_buf_puts(out, ")");
    }
    lead_buf_printf(out, ", asked for a call %s\n",
                    row->contact ? "yes" : "no");
    lead_buf_puts(out, "  owner ");
    if (row->owner.len) {
        text_str(out, row->owner);
    } else {
        lead_buf_puts(out, "none");
    }
    if (row->status == LEAD_STATUS_MQL) {
        char  waiting[32];

        lead_report_waiting(waiting, row->waiting_ms);
        lead_buf_printf(out, ", %s", waiting);
    }
    if (row->due_ms) {
        lead_buf_puts(out, row->overdue ? ", overdue since " : ", due ");
        text_time(out, row->due_ms);
    }
    lead_buf_puts(out, "\n");
    lead_report_deal_text(out, &row->deal);
    if (sc->ncountries) {
        lead_buf_puts(out, "  reads from:");
        for (i = 0; i < sc->ncountries; i++) {
            lead_buf_printf(out, " %s", sc->countries[i]);
        }
        lead_buf_puts(out, " (latest first)\n");
    }
    if (sc->ntopics) {
        lead_buf_puts(out, "  topics:");
        for (i = 0; i < sc->ntopics; i++) {
            lead_buf_printf(out, " %s %.0f", sc->topics[i].topic,
                            sc->topics[i].engagement);
        }
        lead_buf_puts(out, "\n");
    }

    lead_buf_puts(out, "  hot content\n");
    text_hot(out, sc->hot, d->hot_titles, sc->nhot);
    if (lead_report_bots(bots, d)) {
        lead_buf_printf(out, "    %s\n", bots);
    } else if (sc->nhot == 0) {
        lead_buf_puts(out, "    nothing read yet\n");
    }
    lead_buf_puts(out, "  why this score\n");
    text_why(out, r, d);
    if (sc->nwhy == 0) {
        lead_buf_printf(out, "    %s\n", bots[0] ? bots : "nothing scored yet");
    }
    lead_buf_printf(out, "  grade %c: %d profile points, the grade's, not "
                    "part of the score", row->grade, d->profile_points);
    for (i = 0; i < d->nprofile; i++) {
        lead_buf_printf(out, "%s %s %+d", i ? "," : ":",
                        d->profile[i].label, d->profile[i].points);
    }
    lead_buf_puts(out, "\n");

    lead_buf_puts(out, "  status history\n");
    for (i = 0; i < d->nhistory; i++) {
        const lead_transition  *t = &d->history[i];

        lead_buf_puts(out, "    ");
        text_time(out, t->time_ms);
        lead_buf_printf(out, "  %s -> %s  ", lead_status_name(t->from),
                        lead_status_name(t->to));
        text_str(out, t->cause);
        if (t->who.len) {
            lead_buf_puts(out, " (by ");
            text_str(out, t->who);
            lead_buf_puts(out, ")");
        }
        if (t->reason.len) {
            lead_buf_puts(out, ": ");
            text_str(out, t->reason);
        }
        lead_buf_puts(out, "\n");
    }

    lead_buf_printf(out, "  devices (%zu)\n", d->ndevices);
    for (i = 0; i < d->ndevices; i++) {
        lead_id_to_hex(d->devices[i].visitor, vid);
        vid[LEAD_ID_HEX_LEN] = '\0';
        lead_buf_printf(out, "    %s  linked ", vid);
        text_time(out, d->devices[i].since_ms);
        lead_buf_puts(out, "\n");
    }
    if (d->nclaims) {
        lead_buf_printf(out, "  pending claims (%zu): not the lead's until "
                        "confirmed\n", d->nclaims);
    }
    for (i = 0; i < d->nclaims; i++) {
        lead_id_to_hex(d->claims[i].visitor, vid);
        vid[LEAD_ID_HEX_LEN] = '\0';
        lead_buf_printf(out, "    %s  claimed ", vid);
        text_time(out, d->claims[i].since_ms);
        lead_buf_puts(out, "\n");
    }

    lead_buf_puts(out, "  timeline\n");
    for (i = 0; i < d->nreads; i++) {
        const lead_event  *ev = &d->reads[i].ev;

        lead_buf_puts(out, "    ");
        text_time(out, ev->time_ms);
        lead_buf_puts(out, "  ");
        if (lead_event_is_feedback(ev)) {
            text_rated(out, &d->reads[i]);
        } else {
            text_str(out, ev->path);
        }
        lead_report_read_points(counted, &d->reads[i]);
        if (ev->asset_id) {
            lead_buf_puts(out, "  [");
            text_str(out, ev->stage);
            lead_buf_printf(out, " %s]", counted);
        } else if (counted[0]) {
            lead_buf_printf(out, "  [%s]", counted);
        }
        if (d->reads[i].before_identified) {
            lead_buf_puts(out, "  (before identifying)");
        }
        lead_buf_puts(out, "\n");
    }
}

/* s right-aligned in width columns: a UTF-8 character is one column. */
static void
text_right(lead_buf *out, const char *s, int width)
{
    int          cols = 0;
    const char  *p;

    for (p = s; *p; p++) {
        cols += ((unsigned char) *p & 0xc0) != 0x80;
    }
    lead_buf_printf(out, "%*s%s", width > cols ? width - cols : 0, "", s);
}

/* A count for people, right-aligned: "100,000". */
static void
text_count(lead_buf *out, uint64_t n, int width)
{
    char  buf[32];

    text_right(out, lead_format_count(n, buf), width);
}

/* A time spent, or "—" as the sales view shows none. */
static void
text_duration(lead_buf *out, int any, uint64_t ms, int width)
{
    char  dur[32];

    lead_format_duration(ms, dur);
    text_right(out, any ? dur : "\xe2\x80\x94", width);
}

/* Month by month: new and re-qualified mqls, and why leads came back. */
static void
funnel_months_text(lead_buf *out, const lead_funnel *f)
{
    const lead_funnel_month  *m;
    size_t                    i, k;
    int                       any = 0;

    if (f->nmonths == 0) {
        return;
    }
    lead_buf_printf(out, "\n%-7s %7s %12s %8s %8s\n", "month", "new mql",
                    "re-qualified", "rejected", "returned");
    for (i = 0; i < f->nmonths; i++) {
        m = &f->months[i];
        lead_buf_printf(out, "%04d-%02d ", m->year, m->month);
        text_count(out, m->mql, 7);
        text_count(out, m->requalified, 13);
        text_count(out, m->rejected, 9);
        text_count(out, m->returned, 9);
        lead_buf_puts(out, "\n");
        any |= m->rejected != 0;
    }
    if (!any) {
        return;
    }

    lead_buf_puts(out, "\nwhy leads were rejected\n");
    for (i = 0; i < f->nmonths; i++) {
        m = &f->months[i];
        for (k = 0; k < m->nreasons; k++) {
            if (k == 0) {
                lead_buf_printf(out, "%04d-%02d ", m->year, m->month);
            } else {
                lead_buf_printf(out, "%8s", "");
            }
            text_count(out, m->reasons[k].count, 6);
            lead_buf_puts(out, "  ");
            if (m->reasons[k].reason.len) {
                text_str(out, m->reasons[k].reason);
            } else {
                lead_buf_puts(out, "(blank)");
            }
            lead_buf_puts(out, "\n");
        }
        if (m->other) {
            lead_buf_printf(out, "%8s", "");
            text_count(out, m->other, 6);
            lead_buf_puts(out, "  (other reasons)\n");
        }
    }
}

/* Leads by month identified, and how many of them reached each status. */
static void
funnel_cohorts_text(lead_buf *out, const lead_funnel *f)
{
    static const int  shown[] = { LEAD_STATUS_MQL, LEAD_STATUS_SAL,
                                  LEAD_STATUS_SQL, LEAD_STATUS_WON,
                                  LEAD_STATUS_LOST, LEAD_STATUS_NURTURE };
    const lead_funnel_cohort  *c;
    size_t                     i, k;

    if (f->ncohorts == 0) {
        return;
    }
    lead_buf_printf(out, "\n%-10s %6s", "identified", "leads");
    for (k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) {
        lead_buf_printf(out, " %7s", lead_status_name(shown[k]));
    }
    lead_buf_puts(out, "   (reached by now)\n");
    for (i = 0; i < f->ncohorts; i++) {
        c = &f->cohorts[i];
        lead_buf_printf(out, "%04d-%02d    ", c->year, c->month);
        text_count(out, c->identified, 6);
        for (k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) {
            text_count(out, c->reached[shown[k]], 8);
        }
        lead_buf_puts(out, "\n");
    }
}

void
lead_report_funnel_text(lead_buf *out, const lead_rules *r,
    const lead_funnel *f)
{
    char      n[32];
    unsigned  k, nstages = lead_rules_scoring(r)->nstages;
    int       st;

    lead_buf_printf(out, "%s leads\n\n%-11s %7s %7s %9s %9s  %s\n",
                    lead_format_count(f->leads, n), "status", "now", "ever",
                    "median", "p90", "went on to the next");
    for (st = LEAD_STATUS_IDENTIFIED; st < LEAD_NSTATUSES; st++) {
        lead_buf_printf(out, "%-11s", lead_status_name(st));
        text_count(out, f->status[st].now, 8);
        text_count(out, f->status[st].ever, 8);
        text_duration(out, f->status[st].ever != 0, f->status[st].median_ms,
                      10);
        text_duration(out, f->status[st].ever != 0, f->status[st].p90_ms,
                      10);
        if (st != LEAD_STATUS_WON && st != LEAD_STATUS_LOST
            && f->status[st].ever)
        {
            lead_buf_printf(out, "  %3.0f%% (%s)%s",
                            100.0 * f->status[st].went_on
                            / f->status[st].ever,
                            lead_format_count(f->status[st].went_on, n),
                            st == LEAD_STATUS_NURTURE ? " re-qualified" : "");
        }
        lead_buf_puts(out, "\n");
    }
    lead_buf_printf(out, "\n%-11s %7s %7s %9s %9s\n", "stage", "now",
                    "ever", "median", "p90");
    for (k = 0; k <= nstages; k++) {
        const lead_funnel_stage_time  *t;

        t = &f->stage_time[k < nstages ? k : LEAD_MAX_STAGES];
        lead_buf_printf(out, "%-11s",
                        k < nstages ? lead_report_stage(r, (int) k)
                                    : "(none yet)");
        text_count(out, f->stage[k < nstages ? k : LEAD_MAX_STAGES], 8);
        text_count(out, t->leads, 8);
        text_duration(out, t->leads != 0, t->median_ms, 10);
        text_duration(out, t->leads != 0, t->p90_ms, 10);
        lead_buf_puts(out, "\n");
    }
    funnel_months_text(out, f);
    funnel_cohorts_text(out, f);
    lead_buf_puts(out, "\nmedian, p90: time spent in a status (each stay, "
                  "the last one up to now) or in a\nbuying stage (a lead's "
                  "stays added up, from its first read to now).\n");
}

void
lead_report_accounts_text(lead_buf *out, const lead_list *l,
    const lead_account *a, size_t n)
{
    size_t  i, k;

    lead_buf_printf(out, "%8s %6s  %-30s %s\n", "score", "people",
                    "company", "hottest people");
    for (i = 0; i < n; i++) {
        lead_buf_printf(out, "%8.0f %6zu  %-30.*s ", a[i].engagement,
                        a[i].count, (int) a[i].company.len,
                        a[i].company.data);
        for (k = a[i].first;
             k < a[i].first + a[i].count && k < a[i].first + 3;
             k++)
        {
            lead_buf_puts(out, k > a[i].first ? ", " : "");
            text_str(out, l->rows[k].name);
            lead_buf_printf(out, " (%.0f)", l->rows[k].engagement);
        }
        lead_buf_puts(out, "\n");
    }
}

void
lead_report_assets_text(lead_buf *out, const lead_asset_list *l)
{
    const lead_asset_stats  *row;
    size_t                   i;

    lead_buf_printf(out, "%7s %5s %7s %6s %6s %5s  %-11s %6s  %s\n",
                    "reads", "bots", "readers", "leads", "ident.", "mql",
                    "stage", "points", "path");
    for (i = 0; i < l->n; i++) {
        row = &l->rows[i];
        text_count(out, row->people, 7);
        text_count(out, row->bots, 6);
        text_count(out, row->readers, 8);
        text_count(out, row->identified_readers, 7);
        text_count(out, row->before_identified, 7);
        text_count(out, row->before_mql, 6);
        lead_buf_printf(out, "  %-11s %6d  ", row->a.stage,
                        (int) row->a.points);
        lead_buf_text(out, row->a.path, strlen(row->a.path));
        lead_buf_puts(out, "\n");
    }
    text_count(out, l->untagged_people, 7);
    text_count(out, l->untagged_bots, 6);
    lead_buf_printf(out, "  (untagged: see "
                    "`leadctl rules scan`)\n\nreaders: distinct visitors; "
                    "leads: those identified; ident.: read it before\n"
                    "identifying; mql: read it before their lead became an "
                    "MQL\n");
}
