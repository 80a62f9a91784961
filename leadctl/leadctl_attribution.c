/* leadctl attribution: its options read, the report printed. */

#include <stdio.h>
#include <string.h>

#include "lead.h"

#include "leadctl.h"

static int
pick(const char *value, const char *const *names, int n, int dflt)
{
    int  i;

    if (value == NULL) {
        return dflt;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(value, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

int
cmd_attribution(ctl *c, lead_store *s)
{
    static const char *const  bys[] = { "asset", "campaign", "channel" };
    static const char *const  models[] = { "first", "last", "linear" };
    lead_report_request       req;
    lead_rules               *r = NULL;
    lead_buf                  out;
    char                      err[512];
    int                       rc;

    memset(&req, 0, sizeof(req));
    req.what = LEAD_REPORT_ATTRIBUTION;
    req.format = c->json ? LEAD_REPORT_JSON : LEAD_REPORT_TEXT;
    req.now_ms = c->now_ms;
    req.by = pick(c->group_by, bys, 3, LEAD_BY_ASSET);
    req.model = pick(c->model, models, 3, LEAD_MODEL_FIRST);

    if (req.by < 0 || req.model < 0) {
        fprintf(stderr, "leadctl: %s\n", req.by < 0
                ? "--by takes asset, campaign or channel"
                : "--model takes first, last or linear");
        return EXIT_USAGE;
    }
    req.since_ms = c->since_ms;

    /* campaigns.csv's costs come with a rules folder */
    if (c->rules && lead_rules_load(&r, c->rules, err, sizeof(err))
                    != LEAD_OK)
    {
        fprintf(stderr, "leadctl: %s\n", err);
        return 1;
    }
    req.rules = r;

    memset(&out, 0, sizeof(out));
    progress_start(c->command, NULL, 0);
    rc = lead_report(&out, s, &req);
    progress_stop();
    lead_rules_free(r);
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        lead_buf_free(&out);
        return 1;
    }
    return print_buf(&out);
}
