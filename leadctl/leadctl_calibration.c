/*
 * leadctl calibration: does the score predict, under the rules nginx runs
 * and, with --rules DIR, under proposed ones beside them.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "leadctl.h"

int
cmd_calibration(ctl *c, lead_store *s)
{
    lead_report_request  req;
    lead_rules          *current, *proposed = NULL;
    lead_buf             out;
    char                 err[1024];
    int                  rc;

    if (lead_store_rules(s, &current, err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", err);
        return 1;
    }
    if (c->rules
        && lead_rules_load(&proposed, c->rules, err, sizeof(err)) != LEAD_OK)
    {
        fprintf(stderr, "leadctl: %s\n", err);
        lead_rules_free(current);
        return 1;
    }

    memset(&req, 0, sizeof(req));
    req.what = LEAD_REPORT_CALIBRATION;
    req.format = c->json ? LEAD_REPORT_JSON : LEAD_REPORT_TEXT;
    req.rules = current;
    req.proposed = proposed;
    req.now_ms = c->now_ms;

    memset(&out, 0, sizeof(out));
    progress_start(c->command, NULL, 0);
    rc = lead_report(&out, s, &req);
    progress_stop();
    lead_rules_free(current);
    lead_rules_free(proposed);
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        lead_buf_free(&out);
        return 1;
    }
    return print_buf(&out);
}
