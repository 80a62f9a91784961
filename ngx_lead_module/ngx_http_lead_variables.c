
/*
 * The $lead_* variables: what the module knows of a request, for
 * add_header, log_format, map and the rest of nginx, each computed when
 * first asked for.
 */


#include "ngx_http_lead.h"


typedef struct {
    const lead_rules  *rules;
    const char        *country;
    int                points;
} ngx_http_lead_person_t;


static ngx_int_t ngx_http_lead_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static lead_geo *ngx_http_lead_get_geo(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
static ngx_int_t ngx_http_lead_model(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
static int ngx_http_lead_keep_person(void *arg, const lead_person *p);


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
    int                         status;
    char                        hex[LEAD_ID_HEX_LEN];
    uint64_t                    now, since;
    lead_score                 *score;
    ngx_time_t                 *tp;
    const lead_scoring         *sc;
    ngx_http_lead_person_t      kp;
    ngx_http_lead_main_conf_t  *lmcf;
    lead_store                 *store = ngx_http_lead_worker.store;

    lmcf = ngx_http_lead_main_conf(r);

    if (ctx->model_done || ctx->opted_out || lmcf->rules == NULL
        || store == NULL)
    {
        return NGX_OK;
    }

    ctx->model_done = 1;

    score = ngx_palloc(r->pool, sizeof(lead_score));
    if (score == NULL) {
        return NGX_ERROR;
    }

    sc = lead_rules_scoring(lmcf->rules);
    tp = ngx_timeofday();
    now = (uint64_t) tp->sec * 1000 + tp->msec;

    if (ngx_http_lead_identified(r, ctx) != NGX_OK) {
        if (!ctx->new_visitor
            && lead_store_score_visitor(store, sc, ctx->visitor, now, score)
               != LEAD_OK)
        {
            return NGX_OK;
        }
        ctx->score = ctx->new_visitor ? 0 : (int64_t) (score->engagement
                                                       + 0.5);
        ctx->status = LEAD_STATUS_ANONYMOUS;
        ctx->modelled = 1;
        return NGX_OK;
    }

    if (lead_store_score_lead(store, sc, ctx->lead, 0, now, score)
        != LEAD_OK)
    {
        return NGX_OK;
    }

    if (lead_store_get_status(store, ctx->lead, &status, &since) != LEAD_OK) {
        status = LEAD_STATUS_IDENTIFIED;
    }

    kp.rules = lmcf->rules;
    kp.points = 0;
    kp.country = score->ncountries ? score->countries[0] : "";
    lead_id_to_hex(ctx->lead, hex);
    (void) lead_store_find_lead(store, hex, LEAD_ID_HEX_LEN,
                                ngx_http_lead_keep_person, &kp);

    ctx->score = (int64_t) (score->engagement + 0.5);
    ctx->status = status;
    ctx->cell[0] = (u_char) lead_grade(sc, kp.points);
    ctx->cell[1] = (u_char) ('0' + score->band);
    ctx->cell[2] = '\0';
    ctx->modelled = 1;

    return NGX_OK;
}


static int
ngx_http_lead_keep_person(void *arg, const lead_person *p)
{
    ngx_http_lead_person_t  *kp = arg;

    kp->points = lead_profile_points(kp->rules, p, kp->country);
    return 0;
}
