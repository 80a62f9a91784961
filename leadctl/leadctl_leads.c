/*
 * leadctl's view of leads: who to call (leads), why (show), moving them
 * on (status), and the funnel and accounts marketers read.  Every number
 * comes from the query code the sales view uses (lead_query_*), and the
 * JSON and CSV are its very bytes (lead_report_*).
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadctl.h"

/* the rules to score with: --rules DIR, or the copy nginx keeps */
static lead_rules *
load_rules(ctl *c, lead_store *s)
{
    lead_rules  *r;
    char         err[1024];
    int          rc;

    rc = c->rules ? lead_rules_load(&r, c->rules, err, sizeof(err))
                  : lead_store_rules(s, &r, err, sizeof(err));
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s%s\n", err,
                c->rules ? "" : " (pass --rules DIR)");
        return NULL;
    }
    return r;
}

static const char *
stage_name(const lead_rules *r, int i)
{
    return i >= 0 ? lead_rules_scoring(r)->stages[i] : "";
}

/* Every lead that passes the command line's filters, with the rules. */
static int
list_leads(ctl *c, lead_store *s, lead_rules **r, lead_list *l)
{
    static const struct {
        const char  *key;
        size_t       field;
    } filters[] = {
        { "status", offsetof(ctl, status) },
        { "stage", offsetof(ctl, stage) },
        { "topic", offsetof(ctl, topic) },
        { "cell", offsetof(ctl, cell) },
        { "q", offsetof(ctl, search) },
        { "sort", offsetof(ctl, sort) },
    };
    lead_filter   f;
    const char   *value;
    char          err[512], *end;
    size_t        i;

    *r = load_rules(c, s);
    if (*r == NULL) {
        return 1;
    }

    lead_filter_init(&f);
    for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        value = *(const char *const *) ((const char *) c + filters[i].field);
        if (value != NULL
            && lead_filter_set(&f, *r, filters[i].key, value, strlen(value),
                               err, sizeof(err))
               != LEAD_OK)
        {
            fprintf(stderr, "leadctl: %s\n", err);
            lead_rules_free(*r);
            *r = NULL;
            return EXIT_USAGE;
        }
    }

    if (c->limit) {
        f.limit = strtoul(c->limit, &end, 10);
        if (*end != '\0' || f.limit == 0 || c->limit[0] == '-') {
            fprintf(stderr, "leadctl: --limit takes a number of rows, 1 or "
                    "more\n");
            lead_rules_free(*r);
            *r = NULL;
            return EXIT_USAGE;
        }
    }

    if (lead_query_leads(s, *r, c->now_ms, &f, l) != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        lead_rules_free(*r);
        *r = NULL;
        return 1;
    }
    return 0;
}

int
cmd_leads(ctl *c, lead_store *s)
{
    lead_rules      *r;
    lead_list        l;
    lead_buf         out;
    const lead_row  *row;
    size_t           i;
    int              rc;

    rc = list_leads(c, s, &r, &l);
    if (rc != 0) {
        return rc;
    }

    memset(&out, 0, sizeof(out));
    if (c->json) {
        lead_report_leads_json(&out, r, &l);
    } else if (c->csv) {
        lead_report_leads_csv(&out, r, &l);
    } else {
        lead_buf_printf(&out, "%6s  %-4s %-10s %-10s %-32s %s\n", "score",
                        "cell", "status", "stage", "email",
                        "name / hot content");
        for (i = 0; i < l.n; i++) {
            row = &l.rows[i];
            lead_buf_printf(&out, "%6.0f  %c%-3d %-10s %-10s ",
                            row->engagement, row->grade, row->band,
                            lead_status_name(row->status),
                            stage_name(r, row->stage_index));
            text_str(&out, row->email);
            lead_buf_printf(&out, "%*s", row->email.len < 32
                                         ? (int) (33 - row->email.len) : 1,
                            "");
            text_str(&out, row->name);
            if (row->top_asset.len) {
                lead_buf_puts(&out, " / ");
                text_str(&out, row->top_asset);
            }
            lead_buf_puts(&out, "\n");
        }
    }

    rc = print_buf(&out);
    lead_list_free(&l);
    lead_rules_free(r);
    return rc;
}

/* ---- one lead ---------------------------------------------------------- */

static void
text_time(lead_buf *out, uint64_t ms)
{
    char  when[LEAD_TIME_LEN];

    lead_format_time(ms, when);
    lead_buf_puts(out, when);
}

static void
text_contributions(lead_buf *out, const lead_contribution *list,
    const lead_str *titles, unsigned n)
{
    unsigned  i;

    for (i = 0; i < n; i++) {
        const lead_contribution  *k = &list[i];

        lead_buf_printf(out, "    %+7.1f  ", k->score);
        if (k->group_bonus) {
            lead_buf_puts(out, "read enough of \"");
            text_str(out, titles[i]);
            lead_buf_puts(out, "\" to be warm (");
            text_time(out, k->last_ms);
            lead_buf_puts(out, ")\n");
            continue;
        }
        lead_buf_puts(out, k->hot ? "HOT " : "");
        text_str(out, titles[i]);
        lead_buf_printf(out, " [%s]: %.0f%% read, %u time%s, last ", k->stage,
                        k->depth * 100, k->reads, k->reads == 1 ? "" : "s");
        text_time(out, k->last_ms);
        lead_buf_puts(out, "\n");
    }
}

static void
text_lead(lead_buf *out, const lead_rules *r, const lead_detail *d)
{
    const lead_row    *row = &d->row;
    const lead_score  *sc = &d->score;
    char               vid[LEAD_ID_HEX_LEN + 1];
    size_t             i;

    text_str(out, row->name);
    lead_buf_puts(out, " <");
    text_str(out, row->email);
    lead_buf_printf(out, ">\n  score %.0f, cell %c%d, status %s, stage %s\n"
                    "  identified ", row->engagement, row->grade, row->band,
                    lead_status_name(row->status),
                    row->stage_index >= 0 ? stage_name(r, row->stage_index)
                                          : "-");
    text_time(out, row->created_ms);
    lead_buf_printf(out, ", subscribed %s", row->subscribed ? "yes" : "no");
    if (row->topics.len) {
        lead_buf_puts(out, " (");
        text_str(out, row->topics);
        lead_buf_puts(out, ")");
    }
    lead_buf_printf(out, ", asked for a call %s\n",
                    row->contact ? "yes" : "no");
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
    text_contributions(out, sc->hot, d->hot_titles, sc->nhot);
    lead_buf_puts(out, "  why this score\n");
    text_contributions(out, sc->why, d->why_titles, sc->nwhy);

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

    lead_buf_puts(out, "  timeline\n");
    for (i = 0; i < d->nreads; i++) {
        const lead_event  *ev = &d->reads[i].ev;

        lead_buf_puts(out, "    ");
        text_time(out, ev->time_ms);
        lead_buf_puts(out, "  ");
        text_str(out, ev->path);
        if (ev->asset_id) {
            lead_buf_puts(out, "  [");
            text_str(out, ev->stage);
            lead_buf_printf(out, " %+d]", (int) ev->points);
        }
        if (ev->ua_class == LEAD_UA_BOT) {
            lead_buf_puts(out, "  (bot)");
        }
        if (d->reads[i].before_identified) {
            lead_buf_puts(out, "  (before identifying)");
        }
        lead_buf_puts(out, "\n");
    }
}

int
cmd_show(ctl *c, lead_store *s)
{
    lead_rules   *r;
    lead_detail   d;
    lead_buf      out;
    int           rc;

    r = load_rules(c, s);
    if (r == NULL) {
        return 1;
    }

    rc = lead_query_lead(s, r, c->args[0], strlen(c->args[0]), c->now_ms,
                         &d);
    if (rc != LEAD_OK) {
        if (rc == LEAD_ENOTFOUND) {
            fprintf(stderr, "leadctl: no lead \"%s\"\n", c->args[0]);
        } else {
            fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        }
        lead_rules_free(r);
        return 1;
    }

    memset(&out, 0, sizeof(out));
    if (c->json) {
        lead_report_lead_json(&out, r, &d);
    } else {
        text_lead(&out, r, &d);
    }

    rc = print_buf(&out);
    lead_detail_free(&d);
    lead_rules_free(r);
    return rc;
}

/* ---- sales actions ----------------------------------------------------- */

static int
find_id(void *arg, const lead_person *p)
{
    memcpy(arg, p->id, LEAD_ID_LEN);
    return 0;
}

int
cmd_status(ctl *c, lead_store *s)
{
    uint8_t   id[LEAD_ID_LEN];
    uint64_t  since;
    int       to, from, rc;

    to = lead_status_parse(c->args[1], strlen(c->args[1]));
    if (to != LEAD_STATUS_SAL && to != LEAD_STATUS_SQL
        && to != LEAD_STATUS_WON && to != LEAD_STATUS_NURTURE)
    {
        fprintf(stderr, "leadctl: sales set sal, sql, won or nurture, not "
                "\"%s\"\n", c->args[1]);
        return EXIT_USAGE;
    }

    rc = lead_store_find_lead(s, c->args[0], strlen(c->args[0]), find_id,
                              id);
    if (rc == LEAD_ENOTFOUND) {
        fprintf(stderr, "leadctl: no lead \"%s\"\n", c->args[0]);
        return 1;
    }
    if (rc == LEAD_OK
        && lead_store_get_status(s, id, &from, &since) != LEAD_OK)
    {
        from = LEAD_STATUS_IDENTIFIED;
    }

    if (rc == LEAD_OK) {
        rc = lead_store_set_status(s, id, to, c->now_ms, "set with leadctl",
                                   c->by ? c->by : "leadctl",
                                   c->reason ? c->reason : "");
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }

    printf("%s: %s -> %s\n", c->args[0], lead_status_name(from),
           lead_status_name(to));
    return 0;
}

/* ---- the funnel -------------------------------------------------------- */

int
cmd_funnel(ctl *c, lead_store *s)
{
    lead_rules    *r;
    lead_list      l;
    lead_funnel    f;
    lead_buf       out;
    char           dur[32];
    unsigned       k, nstages;
    int            st, rc;

    c->status = NULL;               /* the funnel is of every lead */
    rc = list_leads(c, s, &r, &l);
    if (rc != 0) {
        return rc;
    }
    if (lead_query_funnel(s, &l, c->now_ms, &f) != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        lead_list_free(&l);
        lead_rules_free(r);
        return 1;
    }

    memset(&out, 0, sizeof(out));
    if (c->json) {
        lead_report_funnel_json(&out, r, &f);
        goto done;
    }

    lead_buf_printf(&out, "%" PRIu64 " leads\n\n%-11s %6s %6s %9s  %s\n",
                    f.leads, "status", "now", "ever", "median",
                    "went on to the next");
    for (st = LEAD_STATUS_IDENTIFIED; st < LEAD_NSTATUSES; st++) {
        lead_buf_printf(&out, "%-11s %6" PRIu64 " %6" PRIu64 "  ",
                        lead_status_name(st), f.status[st].now,
                        f.status[st].ever);
        lead_format_duration(f.status[st].median_ms, dur);
        lead_buf_puts(&out, dur);
        if (st < LEAD_STATUS_WON && f.status[st].ever) {
            lead_buf_printf(&out, "  %3.0f%% (%" PRIu64 ")",
                            100.0 * f.status[st].went_on / f.status[st].ever,
                            f.status[st].went_on);
        }
        lead_buf_puts(&out, "\n");
    }
    nstages = lead_rules_scoring(r)->nstages;
    lead_buf_printf(&out, "\n%-11s %6s\n", "stage", "leads");
    for (k = 0; k <= nstages; k++) {
        lead_buf_printf(&out, "%-11s %6" PRIu64 "\n",
                        k < nstages ? stage_name(r, (int) k) : "(none yet)",
                        f.stage[k < nstages ? k : LEAD_MAX_STAGES]);
    }

done:
    rc = print_buf(&out);
    lead_list_free(&l);
    lead_rules_free(r);
    return rc;
}

/* ---- accounts ---------------------------------------------------------- */

int
cmd_accounts(ctl *c, lead_store *s)
{
    lead_rules     *r;
    lead_list       l;
    lead_account   *acc;
    lead_buf        out;
    size_t          i, k, n;
    int             rc;

    rc = list_leads(c, s, &r, &l);
    if (rc != 0) {
        return rc;
    }
    if (lead_query_accounts(&l, &acc, &n) != LEAD_OK) {
        fprintf(stderr, "leadctl: out of memory\n");
        lead_list_free(&l);
        lead_rules_free(r);
        return 1;
    }

    memset(&out, 0, sizeof(out));
    if (c->json) {
        lead_report_accounts_json(&out, &l, acc, n);
    } else {
        lead_buf_printf(&out, "%8s %6s  %-30s %s\n", "score", "people",
                        "company", "hottest people");
        for (i = 0; i < n; i++) {
            lead_buf_printf(&out, "%8.0f %6zu  %-30.*s ", acc[i].engagement,
                            acc[i].count, (int) acc[i].company.len,
                            acc[i].company.data);
            for (k = acc[i].first;
                 k < acc[i].first + acc[i].count && k < acc[i].first + 3;
                 k++)
            {
                lead_buf_puts(&out, k > acc[i].first ? ", " : "");
                text_str(&out, l.rows[k].name);
                lead_buf_printf(&out, " (%.0f)", l.rows[k].engagement);
            }
            lead_buf_puts(&out, "\n");
        }
    }

    rc = print_buf(&out);
    free(acc);
    lead_list_free(&l);
    lead_rules_free(r);
    return rc;
}
