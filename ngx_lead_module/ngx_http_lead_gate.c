
/*
 * The gate: in the access phase, an unidentified visitor asking for a
 * gated asset is sent to the form instead.
 */


#include "ngx_http_lead.h"


static ngx_int_t ngx_http_lead_gate_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_lead_gated(ngx_http_lead_loc_conf_t *llcf,
    ngx_http_lead_main_conf_t *lmcf, const lead_asset *a);
static const lead_asset *ngx_http_lead_served(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf);


ngx_int_t
ngx_http_lead_gate_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_gate_handler;

    return NGX_OK;
}


/*
 * Access phase: a gated asset is served only to a visitor whose cookie
 * verifies and who is linked to a lead; anyone else (a forged cookie, a
 * store that cannot answer) is sent to the form: the gate fails closed.
 */
static ngx_int_t
ngx_http_lead_gate_handler(ngx_http_request_t *r)
{
    u_char                    *loc, *p;
    size_t                     len;
    ngx_uint_t                 gated;
    ngx_http_lead_ctx_t       *ctx;
    ngx_http_lead_loc_conf_t  *llcf;
    ngx_http_lead_main_conf_t *lmcf;

    llcf = ngx_http_lead_loc_conf(r);

    /* the form is never behind the gate, even where "lead_gate on" */
    if (llcf->gate == NGX_HTTP_LEAD_GATE_OFF || llcf->form || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_lead_get_asset(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lmcf = ngx_http_lead_main_conf(r);

    /*
     * The asset asked for, and the file nginx will serve for it (r->uri,
     * as nginx normalised it; an index file stands for its directory):
     * gated if either is.  A path this module cannot normalise is gated:
     * the gate fails closed.
     */
    gated = ctx->path.len == 0
            || ngx_http_lead_gated(llcf, lmcf, ctx->asset)
            || ngx_http_lead_gated(llcf, lmcf, ngx_http_lead_served(r, lmcf));

    if (!gated) {
        return NGX_DECLINED;
    }

    if (ngx_http_lead_read_cookie(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_lead_is_lead(r, ctx) == NGX_OK) {
        ctx->gated = 1;                 /* served, but to this lead only */
        return NGX_DECLINED;
    }

    /* form_uri?return=<what was asked for, path and query> */
    len = llcf->form_uri.len + sizeof("?return=") - 1
          + r->unparsed_uri.len
          + 2 * ngx_escape_uri(NULL, r->unparsed_uri.data,
                               r->unparsed_uri.len, NGX_ESCAPE_ARGS);

    loc = ngx_pnalloc(r->pool, len);
    if (loc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_copy(loc, llcf->form_uri.data, llcf->form_uri.len);
    p = ngx_cpymem(p, "?return=", sizeof("?return=") - 1);
    p = (u_char *) ngx_escape_uri(p, r->unparsed_uri.data,
                                  r->unparsed_uri.len, NGX_ESCAPE_ARGS);

    return ngx_http_lead_redirect(r, loc, p - loc);
}


/* Whether an asset (NULL: untagged) is gated in this location. */
static ngx_uint_t
ngx_http_lead_gated(ngx_http_lead_loc_conf_t *llcf,
    ngx_http_lead_main_conf_t *lmcf, const lead_asset *a)
{
    if (llcf->gate == NGX_HTTP_LEAD_GATE_ON) {
        return a == NULL || !(a->flags & LEAD_ASSET_OPEN);
    }

    return a != NULL && lead_rules_gated(lmcf->rules, a);
}


/*
 * The asset of what nginx serves: r->uri, or for an index file
 * ("/guide/index.html") its directory ("/guide/"), the usual rule.
 */
static const lead_asset *
ngx_http_lead_served(ngx_http_request_t *r, ngx_http_lead_main_conf_t *lmcf)
{
    u_char            *slash;
    const lead_asset  *a;

    if (lmcf->rules == NULL || r->uri.len == 0) {
        return NULL;
    }

    a = lead_rules_match(lmcf->rules, (char *) r->uri.data, r->uri.len);
    if (a) {
        return a;
    }

    for (slash = r->uri.data + r->uri.len - 1; *slash != '/'; slash--) {
        /* void */
    }

    if ((size_t) (r->uri.data + r->uri.len - slash) > sizeof("/index.") - 1
        && ngx_strncmp(slash, "/index.", sizeof("/index.") - 1) == 0)
    {
        return lead_rules_match(lmcf->rules, (char *) r->uri.data,
                                slash + 1 - r->uri.data);
    }

    return NULL;
}
