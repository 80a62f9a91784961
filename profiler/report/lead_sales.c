/*
 * The sales view's app and router: its templates parsed once, and each
 * request sent to its page, or answered with a built-in file.
 *
 * The sales view is a small web app, served by the module from memory:
 * leads ranked by engagement (lead_sales_leads.c), one lead in full with
 * the actions sales take (lead_sales_lead.c), the funnel and the accounts
 * (lead_sales_funnel.c), and the same data as JSON and CSV.  Every page
 * comes from the templates in html/sales/ (built in), every number from
 * lead_query_*, every visitor's value escaped where it goes.
 *
 * The module hands over the request (path below the location, query,
 * body, who nginx authenticated, the browser's visitor id) and sends the
 * response these files fill; nothing here knows nginx.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

/* ---- the app: its templates, parsed once ------------------------------- */

#define NAME(index, name)  name,

static const char *const  layout_names[] = { LAYOUT_VALUES(NAME) NULL };
static const char *const  leads_names[] = { LEADS_VALUES(NAME) NULL };
static const char *const  lead_names[] = { LEAD_VALUES(NAME) NULL };
static const char *const  funnel_names[] = { FUNNEL_VALUES(NAME) NULL };
static const char *const  accounts_names[] = { ACCOUNTS_VALUES(NAME) NULL };
static const char *const  error_names[] = { ERROR_VALUES(NAME) NULL };
static const char *const  notices_names[] = { NOTICES_VALUES(NAME) NULL };
static const char *const  attribution_names[] = {
    ATTRIBUTION_VALUES(NAME) NULL
};
static const char *const  asset_names[] = { ASSET_VALUES(NAME) NULL };

#undef NAME

static const struct {
    const char         *file;
    const char *const  *names;
} templates[T_COUNT] = {
    [T_LAYOUT] = { "layout.html", layout_names },
    [T_LEADS] = { "leads.html", leads_names },
    [T_LEAD] = { "lead.html", lead_names },
    [T_FUNNEL] = { "funnel.html", funnel_names },
    [T_ACCOUNTS] = { "accounts.html", accounts_names },
    [T_ERROR] = { "error.html", error_names },
    [T_NOTICES] = { "notices.html", notices_names },
    [T_ATTRIBUTION] = { "attribution.html", attribution_names },
    [T_ASSET] = { "asset.html", asset_names },
};

static const lead_embedded *
embedded(const char *name)
{
    const lead_embedded  *f;

    for (f = lead_sales_files; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

int
lead_sales_new(lead_sales **out, char *err, size_t errlen)
{
    lead_sales           *app;
    const lead_embedded  *f;
    char                  label[64];
    int                   i, rc;

    *out = NULL;
    app = calloc(1, sizeof(*app));
    if (app == NULL) {
        snprintf(err, errlen, "out of memory");
        return LEAD_ENOMEM;
    }

    for (i = 0; i < T_COUNT; i++) {
        f = embedded(templates[i].file);
        if (f == NULL) {
            snprintf(err, errlen, "html/sales/%s is not built in",
                     templates[i].file);
            lead_sales_free(app);
            return LEAD_EINVAL;
        }
        snprintf(label, sizeof(label), "html/sales/%s", f->name);
        rc = lead_tmpl_parse(&app->tmpl[i], (const char *) f->data, f->len,
                             templates[i].names, label, err, errlen);
        if (rc != LEAD_OK) {
            lead_sales_free(app);
            return rc;
        }
    }

    *out = app;
    return LEAD_OK;
}

void
lead_sales_free(lead_sales *app)
{
    int  i;

    if (app != NULL) {
        for (i = 0; i < T_COUNT; i++) {
            lead_tmpl_free(app->tmpl[i]);
        }
        free(app);
    }
}

/* ---- routing ----------------------------------------------------------- */

/* The style sheet, script and icon, served as they are. */
static const lead_embedded *
asset_file(lead_str path, const char **type)
{
    static const struct {
        const char  *name, *type;
    } files[] = {
        { "sales.css", "text/css; charset=utf-8" },
        { "sales.js", "text/javascript; charset=utf-8" },
        { "favicon.svg", "image/svg+xml" },
    };
    size_t  i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (path.len == strlen(files[i].name)
            && memcmp(path.data, files[i].name, path.len) == 0)
        {
            *type = files[i].type;
            return embedded(files[i].name);
        }
    }
    return NULL;
}

static int
is_hex(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!isxdigit((unsigned char) p[i])) {
            return 0;
        }
    }
    return 1;
}

static int
is_lead_id(const char *p, size_t len)
{
    return len == LEAD_ID_HEX_LEN && is_hex(p, len);
}

static int
path_is(lead_str path, const char *name)
{
    return path.len == strlen(name) && memcmp(path.data, name, path.len) == 0;
}

static void
route(const lead_sales *app, lead_store *s, const lead_rules *r,
    const lead_sales_request *req, lead_sales_response *resp)
{
    view                  v;
    lead_str              p = req->path;
    const lead_embedded  *file;
    char                  hex[LEAD_ID_HEX_LEN + 1];

    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
    resp->type = "text/html; charset=utf-8";

    memset(&v, 0, sizeof(v));
    v.app = app;
    v.s = s;
    v.r = r;
    v.req = req;
    v.resp = resp;

    /* lead/ID, lead/ID.json */
    if (p.len >= 5 + LEAD_ID_HEX_LEN && memcmp(p.data, "lead/", 5) == 0
        && is_lead_id(p.data + 5, LEAD_ID_HEX_LEN)
        && (p.len == 5 + LEAD_ID_HEX_LEN
            || (p.len == 5 + LEAD_ID_HEX_LEN + 5
                && memcmp(p.data + 5 + LEAD_ID_HEX_LEN, ".json", 5) == 0)))
    {
        size_t  i;

        for (i = 0; i < LEAD_ID_HEX_LEN; i++) {
            hex[i] = (char) tolower((unsigned char) p.data[5 + i]);
        }
        hex[LEAD_ID_HEX_LEN] = '\0';

        if (p.len > 5 + LEAD_ID_HEX_LEN) {
            if (req->post) {
                goto not_allowed;
            }
            lead_sales_lead_json(&v, hex);
        } else if (req->post) {
            lead_sales_lead_action(&v, hex);
        } else {
            lead_sales_lead_page(&v, hex, 200, NULL, NULL);
        }
        return;
    }

    /* asset/HEX (16 hex digits), asset/HEX.json */
    if (p.len >= 6 + 16 && memcmp(p.data, "asset/", 6) == 0
        && is_hex(p.data + 6, 16)
        && (p.len == 6 + 16
            || (p.len == 6 + 16 + 5 && memcmp(p.data + 22, ".json", 5) == 0)))
    {
        uint64_t  id = 0;
        size_t    i;

        for (i = 0; i < 16; i++) {
            id = id << 4 | (uint64_t) lead_hex_digit(p.data[6 + i]);
        }
        if (req->post && p.len > 6 + 16) {
            goto not_allowed;
        }
        if (req->post) {
            lead_sales_asset_action(&v, id);
        } else {
            lead_sales_asset_page(&v, id, 200, NULL, p.len > 6 + 16);
        }
        return;
    }

    if (req->post) {
        goto not_allowed;
    }

    if (path_is(p, "")) {
        lead_sales_leads_page(&v);
    } else if (path_is(p, "leads.json")) {
        lead_sales_leads_export(&v, 0);
    } else if (path_is(p, "leads.csv")) {
        lead_sales_leads_export(&v, 1);
    } else if (path_is(p, "funnel")) {
        lead_sales_funnel_page(&v, 0);
    } else if (path_is(p, "funnel.json")) {
        lead_sales_funnel_page(&v, 1);
    } else if (path_is(p, "accounts")) {
        lead_sales_accounts_page(&v, 0);
    } else if (path_is(p, "accounts.json")) {
        lead_sales_accounts_page(&v, 1);
    } else if (path_is(p, "notices")) {
        lead_sales_notices_page(&v, 0);
    } else if (path_is(p, "notices.json")) {
        lead_sales_notices_page(&v, 1);
    } else if (path_is(p, "attribution")) {
        lead_sales_attribution_page(&v, 0);
    } else if (path_is(p, "attribution.json")) {
        lead_sales_attribution_page(&v, 1);
    } else if (path_is(p, "assets.json")) {
        lead_sales_assets_json(&v);
    } else if (path_is(p, "calibration.json")) {
        lead_sales_calibration_json(&v);
    } else if ((file = asset_file(p, &resp->type)) != NULL) {
        resp->cacheable = 1;
        lead_buf_put(&resp->body, (const char *) file->data, file->len);
    } else {
        lead_sales_fail(&v, 404, "Not found",
                        "The sales view has no page here.");
    }
    return;

not_allowed:
    lead_sales_fail(&v, 405, "Not allowed",
                    "Only a lead's page takes a POST, and an asset's.");
}

/* A page reads one snapshot, however many queries it makes. */
void
lead_sales_serve(const lead_sales *app, lead_store *s, const lead_rules *r,
    const lead_sales_request *req, lead_sales_response *resp)
{
    int  snapshot;

    snapshot = !req->post && lead_store_snapshot(s) == LEAD_OK;

    route(app, s, r, req, resp);

    if (snapshot) {
        lead_store_snapshot_end(s);
    }
}
