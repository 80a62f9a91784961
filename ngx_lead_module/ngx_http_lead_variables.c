
/*
 * The $lead_* variables: what the module knows of a request, for
 * add_header, log_format, map and the rest of nginx, each computed when
 * first asked for.
 */


#include "ngx_http_lead.h"


static ngx_int_t ngx_http_lead_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static lead_geo *ngx_http_lead_get_geo(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
static ngx_int_t ngx_http_lead_model(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);


enum {
    NGX_HTTP_LEAD_VAR_ASSET,
    NGX_HTTP_LEAD_VAR_STAGE,
    NGX_HTTP_LEAD_VAR_VISITOR,
    NGX_HTTP_LEAD_VAR_ID,
    NGX_HTTP_LEAD_VAR_SCORE,
    NGX_HTTP_LEAD_VAR_GRADE,
    NGX_HTTP_LEAD_VAR_STATUS,
    NGX_HTTP_LEAD_VAR_COUNTRY,
    NGX_HTTP_LEAD_VAR_CITY
};


static ngx_http_variable_t  ngx_http_lead_vars[] = {

    { ngx_string("lead_asset"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_ASSET, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_stage"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_STAGE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_visitor"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_VISITOR, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_id"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_score"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_SCORE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_grade"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_GRADE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_status"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_country"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_COUNTRY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lead_city"), NULL, ngx_http_lead_variable,
      NGX_HTTP_LEAD_VAR_CITY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    /* the request's event as a line (ngx_http_lead_event.c) */
    { ngx_string("lead_event"), NULL, ngx_http_lead_event_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_lead_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_lead_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_lead_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    u_char                *hex;
    lead_geo              *geo;
    const char            *s = "";
    ngx_http_lead_ctx_t   *ctx;
    ngx_http_lead_loc_conf_t  *llcf;

    ctx = ngx_http_lead_get_ctx(r);

    if (ctx == NULL) {
        return NGX_ERROR;
    }

    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    switch (data) {

    case NGX_HTTP_LEAD_VAR_COUNTRY:
    case NGX_HTTP_LEAD_VAR_CITY:
        geo = ngx_http_lead_get_geo(r, ctx);
        s = geo == NULL ? "" : data == NGX_HTTP_LEAD_VAR_COUNTRY ? geo->country
                                                               : geo->city;
        v->data = (u_char *) s;
        v->len = ngx_strlen(s);
        return NGX_OK;

    case NGX_HTTP_LEAD_VAR_SCORE:
    case NGX_HTTP_LEAD_VAR_GRADE:
    case NGX_HTTP_LEAD_VAR_STATUS:
        llcf = ngx_http_lead_loc_conf(r);

        if (ngx_http_lead_get_visitor(r, llcf) == NULL
            || ngx_http_lead_model(r, ctx) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (ctx->opted_out || !ctx->modelled) {
            return NGX_OK;              /* not tracked, or no rules */
        }

        if (data == NGX_HTTP_LEAD_VAR_SCORE) {
            hex = ngx_pnalloc(r->pool, NGX_INT64_LEN);
            if (hex == NULL) {
                return NGX_ERROR;
            }
            v->data = hex;
            v->len = ngx_sprintf(hex, "%L", ctx->score) - hex;

        } else if (data == NGX_HTTP_LEAD_VAR_GRADE) {
            v->data = ctx->cell;
            v->len = ngx_strlen(ctx->cell);

        } else {
            v->data = (u_char *) lead_status_name(ctx->status);
            v->len = ngx_strlen(v->data);
        }

        return NGX_OK;

    case NGX_HTTP_LEAD_VAR_VISITOR:
    case NGX_HTTP_LEAD_VAR_ID:
        llcf = ngx_http_lead_loc_conf(r);

        if (ngx_http_lead_get_visitor(r, llcf) == NULL) {
            return NGX_ERROR;
        }

        /* empty for an opted-out visitor, and $lead_id when anonymous */
        if (ctx->opted_out
            || (data == NGX_HTTP_LEAD_VAR_ID
                && ngx_http_lead_identified(r, ctx) != NGX_OK))
        {
            return NGX_OK;
        }

        hex = ngx_pnalloc(r->pool, LEAD_ID_HEX_LEN);
        if (hex == NULL) {
            return NGX_ERROR;
        }

        lead_id_to_hex(data == NGX_HTTP_LEAD_VAR_ID ? ctx->lead
                                                    : ctx->visitor,
                       (char *) hex);
        v->data = hex;
        v->len = LEAD_ID_HEX_LEN;
        return NGX_OK;

    default:
        /* untagged content: an empty value, which add_header leaves out */
        ctx = ngx_http_lead_get_asset(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        if (ctx->asset) {
            s = (data == NGX_HTTP_LEAD_VAR_ASSET) ? ctx->asset->title
                                                  : ctx->asset->stage;
        }

        v->data = (u_char *) s;
        v->len = ngx_strlen(s);
        return NGX_OK;
    }
}


/* The client's place, from nginx's address for it (after realip). */
static lead_geo *
ngx_http_lead_get_geo(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (lmcf->geoip == NULL) {
        return NULL;
    }

    if (!ctx->geo_done) {
        ctx->geo_done = 1;
        (void) lead_geoip_lookup(lmcf->geoip, r->connection->sockaddr,
                                 &ctx->geo);
    }

    return &ctx->geo;
}


/*
 * Score, cell and status of the request's visitor, computed once per
 * request from the store, as leadctl computes them.
 */
static ngx_int_t
ngx_http_lead_model(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    ngx_int_t                   identified;
    ngx_time_t                 *tp;
    lead_profile                profile;
    ngx_http_lead_main_conf_t  *lmcf;
    lead_store                 *store = ngx_http_lead_worker.store;

    lmcf = ngx_http_lead_main_conf(r);

    if (ctx->model_done || ctx->opted_out || lmcf->rules == NULL
        || store == NULL)
    {
        return NGX_OK;
    }

    ctx->model_done = 1;

    identified = ngx_http_lead_identified(r, ctx) == NGX_OK;

    if (ctx->new_visitor && !identified) {
        ctx->score = 0;
        ctx->status = LEAD_STATUS_ANONYMOUS;
        ctx->modelled = 1;
        return NGX_OK;
    }

    tp = ngx_timeofday();

    if (lead_store_profile(store, lmcf->rules, ctx->visitor,
                           identified ? ctx->lead : NULL,
                           (uint64_t) tp->sec * 1000 + tp->msec, &profile)
        != LEAD_OK)
    {
        return NGX_OK;
    }

    ctx->score = profile.score;
    ctx->status = profile.status;
    ngx_memcpy(ctx->cell, profile.cell, sizeof(profile.cell));
    ctx->modelled = 1;

    return NGX_OK;
}
