/*
 * Each report whole, as leadctl prints it: read in one snapshot of the
 * store, then written in the format asked for.  The sales view asks the
 * same queries and formats, so the two never disagree.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define CSV_PART  4096         /* rows a part: about 2 MB of them */

typedef struct {
    lead_buf                   *out;
    const lead_report_request  *req;
} csv_parts;

static int
csv_part(void *arg, const lead_list *part)
{
    csv_parts  *c = arg;

    lead_report_leads_csv_rows(c->out, c->req->rules, part);
    if (c->out->oom) {
        return 1;
    }
    return c->req->flush ? c->req->flush(c->req->flush_arg, c->out) : 0;
}

/* All the leads as CSV, the rows made and written a part at a time. */
static int
leads_csv(lead_buf *out, lead_store *s, const lead_report_request *req,
    const lead_filter *f)
{
    csv_parts  c;
    int        rc;

    c.out = out;
    c.req = req;
    lead_report_leads_csv_head(out);
    rc = lead_query_leads_parts(s, req->rules, req->now_ms, f, CSV_PART,
                                csv_part, &c);
    if (rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, out->oom ? LEAD_ENOMEM : LEAD_EINVAL,
                             out->oom ? "out of memory"
                                      : "the CSV could not be written");
    }
    return rc;
}

static int
leads(lead_buf *out, lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, int format)
{
    lead_list  l;
    int        rc;

    rc = lead_query_leads(s, r, now_ms, f, &l);
    if (rc == LEAD_OK && format != LEAD_REPORT_TEXT) {
        rc = lead_query_deals(s, &l);
        if (rc != LEAD_OK) {
            lead_list_free(&l);
        }
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    switch (format) {
    case LEAD_REPORT_JSON:
        lead_report_leads_json(out, r, &l);
        break;
    default:
        lead_report_leads_text(out, r, &l);
    }

    lead_list_free(&l);
    return LEAD_OK;
}

static int
lead(lead_buf *out, lead_store *s, const lead_rules *r, const char *who,
    size_t len, uint64_t now_ms, int format)
{
    lead_detail  d;
    int          rc;

    rc = lead_query_lead(s, r, who, len, now_ms, &d);
    if (rc != LEAD_OK) {
        return rc;
    }

    if (format == LEAD_REPORT_JSON) {
        lead_report_lead_json(out, r, &d);
    } else {
        lead_report_lead_text(out, r, &d);
    }

    lead_detail_free(&d);
    return LEAD_OK;
}

static int
funnel(lead_buf *out, lead_store *s, const lead_rules *r, uint64_t now_ms,
    int format)
{
    lead_funnel  fn;
    int          rc;

    rc = lead_query_funnel(s, r, now_ms, &fn);
    if (rc == LEAD_OK) {
        if (format == LEAD_REPORT_JSON) {
            lead_report_funnel_json(out, r, &fn);
        } else {
            lead_report_funnel_text(out, r, &fn);
        }
    }

    lead_funnel_free(&fn);
    return rc;
}

static int
accounts(lead_buf *out, lead_store *s, const lead_rules *r,
    uint64_t now_ms, const lead_filter *f, int format)
{
    lead_list      l;
    lead_filter    companies;
    lead_account  *a;
    size_t         n;
    int            rc;

    if (f != NULL) {
        companies = *f;
    } else {
        lead_filter_init(&companies);
    }
    companies.only |= LEAD_ONLY_COMPANIES;
    rc = lead_query_leads(s, r, now_ms, &companies, &l);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = lead_query_accounts(&l, &a, &n);
    if (rc != LEAD_OK) {
        lead_list_free(&l);
        return lead_store_fail(s, rc, "out of memory");
    }

    if (format == LEAD_REPORT_JSON) {
        lead_report_accounts_json(out, &l, a, n);
    } else {
        lead_report_accounts_text(out, &l, a, n);
    }

    free(a);
    lead_list_free(&l);
    return LEAD_OK;
}

/* The assets with what people said of them: ratings, comments, notes. */
static int
assets_feedback(lead_buf *out, lead_store *s, lead_asset_list *l, int format)
{
    lead_feedback_list  f;
    int            rc;

    rc = lead_query_feedback(s, 0, LEAD_FEEDBACK_LATEST, &f);
    if (rc != LEAD_OK) {
        return rc;
    }
    if (format == LEAD_REPORT_JSON) {
        lead_report_assets_feedback_json(out, l, &f);
    } else if (format == LEAD_REPORT_CSV) {
        lead_report_assets_feedback_csv(out, l, &f);
    } else {
        lead_report_assets_feedback_text(out, l, &f);
    }
    lead_feedback_list_free(&f);
    return LEAD_OK;
}

/* One asset's ratings, every comment newest first, and sales' notes. */
static int
feedback(lead_buf *out, lead_store *s, const char *what, int format)
{
    const lead_feedback_asset  *row;
    lead_feedback_asset         none;
    lead_asset_list             l;
    lead_feedback_list               f;
    uint64_t                    id;
    int                         rc;

    id = lead_feedback_asset_id(s, what, strlen(what));
    if (id == 0) {
        return lead_store_fail(s, LEAD_ENOTFOUND, "no asset %s: name it by "
                               "its path in assets.csv or its 16 hex "
                               "digits", what);
    }
    rc = lead_query_feedback(s, id, 0, &f);
    if (rc != LEAD_OK) {
        return rc;
    }
    memset(&l, 0, sizeof(l));
    row = lead_feedback_find(&f, id);
    if (row == NULL) {
        rc = lead_feedback_unrated(s, id, &none, &l);
        if (rc <= 0) {
            lead_asset_list_free(&l);
            lead_feedback_list_free(&f);
            return rc < 0 ? LEAD_ESTORE
                          : lead_store_fail(s, LEAD_ENOTFOUND, "no asset "
                                            "%s in the store's catalogue",
                                            what);
        }
        row = &none;
    }
    if (format == LEAD_REPORT_JSON) {
        lead_report_feedback_json(out, row);
    } else {
        lead_report_feedback_text(out, row);
    }
    lead_asset_list_free(&l);
    lead_feedback_list_free(&f);
    return LEAD_OK;
}

static int
assets(lead_buf *out, lead_store *s, int format, int with_feedback)
{
    lead_asset_list  l;
    int              rc;

    rc = lead_query_assets(s, 1, &l);
    if (rc != LEAD_OK) {
        return rc;
    }
    lead_asset_list_by_reads(&l);

    if (with_feedback) {
        rc = assets_feedback(out, s, &l, format);
    } else if (format == LEAD_REPORT_JSON) {
        lead_report_assets_json(out, &l);
    } else {
        lead_report_assets_text(out, &l);
    }

    lead_asset_list_free(&l);
    return rc;
}

static int
attribution(lead_buf *out, lead_store *s, const lead_report_request *req)
{
    lead_attribution  a;
    int               rc;

    rc = lead_query_attribution(s, req->rules, req->by, req->model,
                                req->since_ms, req->now_ms, &a);
    if (rc != LEAD_OK) {
        return rc;
    }

    if (req->format == LEAD_REPORT_JSON) {
        lead_report_attribution_json(out, &a);
    } else {
        lead_report_attribution_text(out, &a);
    }

    lead_attribution_free(&a);
    return LEAD_OK;
}

static int
notices(lead_buf *out, lead_store *s, int format)
{
    lead_outbox  o;
    int          rc;

    rc = lead_query_outbox(s, 0, &o);
    if (rc != LEAD_OK) {
        return rc;
    }

    if (format == LEAD_REPORT_JSON) {
        lead_report_notices_json(out, &o);
    } else {
        lead_report_notices_text(out, &o);
    }

    lead_outbox_free(&o);
    return LEAD_OK;
}

static int
calibration(lead_buf *out, lead_store *s, const lead_report_request *req)
{
    lead_calibration  c;
    int               rc;

    rc = lead_query_calibration(s, req->rules, req->proposed, req->now_ms,
                                &c);
    if (rc != LEAD_OK) {
        return rc;
    }
    if (req->format == LEAD_REPORT_JSON) {
        lead_report_calibration_json(out, &c);
    } else {
        lead_report_calibration_text(out, &c);
    }
    return LEAD_OK;
}

int
lead_report(lead_buf *out, lead_store *s, const lead_report_request *req)
{
    lead_filter  any;
    int          rc;

    if (req->format == LEAD_REPORT_CSV && req->what != LEAD_REPORT_LEADS
        && (req->what != LEAD_REPORT_ASSETS || !req->feedback))
    {
        return lead_store_fail(s, LEAD_EINVAL, "only the leads and the "
                               "assets with feedback are CSV");
    }
    if (req->filter == NULL) {
        lead_filter_init(&any);
    }

    rc = lead_store_snapshot(s);
    if (rc != LEAD_OK) {
        return rc;
    }

    switch (req->what) {
    case LEAD_REPORT_LEADS:
        rc = req->format == LEAD_REPORT_CSV
             ? leads_csv(out, s, req, req->filter ? req->filter : &any)
             : leads(out, s, req->rules, req->now_ms,
                     req->filter ? req->filter : &any, req->format);
        break;
    case LEAD_REPORT_LEAD:
        rc = lead(out, s, req->rules, req->who, strlen(req->who),
                  req->now_ms, req->format);
        break;
    case LEAD_REPORT_FUNNEL:
        rc = funnel(out, s, req->rules, req->now_ms, req->format);
        break;
    case LEAD_REPORT_ACCOUNTS:
        rc = accounts(out, s, req->rules, req->now_ms,
                      req->filter ? req->filter : &any, req->format);
        break;
    case LEAD_REPORT_NOTICES:
        rc = notices(out, s, req->format);
        break;
    case LEAD_REPORT_CALIBRATION:
        rc = calibration(out, s, req);
        break;
    case LEAD_REPORT_ATTRIBUTION:
        rc = attribution(out, s, req);
        break;
    case LEAD_REPORT_FEEDBACK:
        rc = feedback(out, s, req->who ? req->who : "", req->format);
        break;
    default:
        rc = assets(out, s, req->format, req->feedback);
    }

    lead_store_snapshot_end(s);

    if (rc == LEAD_OK && out->oom) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    return rc;
}
