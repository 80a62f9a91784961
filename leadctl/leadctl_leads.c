/*
 * leadctl's reports (leads, show, funnel, accounts, assets) and sales'
 * one action (status).  Every report is lead_report's, the very query
 * code and formats of the sales view, so the numbers agree.
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

/* The command line's filters; 0, or the exit code after saying why not. */
static int
read_filter(ctl *c, const lead_rules *r, lead_filter *f)
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
        { "owner", offsetof(ctl, owner) },
        { "only", offsetof(ctl, only) },
    };
    const char  *value;
    char         err[512];
    size_t       i;
    uint64_t     n;

    lead_filter_init(f);
    for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        value = *(const char *const *) ((const char *) c + filters[i].field);
        if (value != NULL
            && lead_filter_set(f, r, filters[i].key, value, strlen(value),
                               err, sizeof(err))
               != LEAD_OK)
        {
            fprintf(stderr, "leadctl: %s\n", err);
            return EXIT_USAGE;
        }
    }

    if (c->limit) {
        if (count_option("--limit", c->limit, SIZE_MAX, &n) != 0) {
            return EXIT_USAGE;
        }
        f->limit = (size_t) n;
    }
    return 0;
}

/* The command's report, under the command line's rules and filters. */
/* A part of a report written out as it is made: memory stays flat. */
static int
write_part(void *arg, lead_buf *out)
{
    (void) arg;

    if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
        return 1;
    }
    out->len = 0;
    return 0;
}

int
cmd_report(ctl *c, lead_store *s)
{
    lead_report_request  req;
    lead_filter          f;
    lead_rules          *r;
    lead_buf             out;
    int                  rc;

    r = load_rules(c, s);
    if (r == NULL) {
        return 1;
    }

    rc = read_filter(c, r, &f);
    if (rc != 0) {
        lead_rules_free(r);
        return rc;
    }

    memset(&req, 0, sizeof(req));
    req.what = c->report;
    req.format = c->json ? LEAD_REPORT_JSON
                 : c->csv ? LEAD_REPORT_CSV : LEAD_REPORT_TEXT;
    req.rules = r;
    req.now_ms = c->now_ms;
    req.filter = &f;
    req.who = c->nargs ? c->args[0] : NULL;
    req.feedback = c->feedback || (c->csv && c->report == LEAD_REPORT_ASSETS);
    req.flush = write_part;           /* the leads' CSV, in parts */

    memset(&out, 0, sizeof(out));
    progress_start(c->command, NULL, 0);
    rc = lead_report(&out, s, &req);
    progress_stop();
    lead_rules_free(r);

    if (rc == LEAD_ENOTFOUND && c->report == LEAD_REPORT_FEEDBACK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        lead_buf_free(&out);
        return 1;
    }
    if (rc == LEAD_ENOTFOUND) {
        fprintf(stderr, "leadctl: no lead \"%s\"\n", req.who);
        lead_buf_free(&out);
        return 1;
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        lead_buf_free(&out);
        return 1;
    }
    return print_buf(&out);
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
        && to != LEAD_STATUS_WON && to != LEAD_STATUS_LOST
        && to != LEAD_STATUS_NURTURE)
    {
        fprintf(stderr, "leadctl: sales set sal, sql, won, lost or nurture, "
                "not \"%s\"\n", c->args[1]);
        return EXIT_USAGE;
    }
    if (((c->amount || c->currency) && to != LEAD_STATUS_WON)
        || (c->at && to != LEAD_STATUS_WON && to != LEAD_STATUS_LOST))
    {
        fprintf(stderr, "leadctl: --amount and --currency are for won, "
                "--at for won and lost\n");
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

    if (rc == LEAD_OK
        && (to == LEAD_STATUS_WON || to == LEAD_STATUS_LOST))
    {
        rc = close_deal(c, s, id, to);
        if (rc != 0) {
            return rc;
        }

    } else if (rc == LEAD_OK) {
        rc = lead_store_set_status(s, id, to, c->now_ms, "set with leadctl",
                                   actor(c),
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
