
/*
 * ngx_http_lead_module: records what each visitor of a tracked location
 * reads, with the meaning marketers gave it in the rules.  nginx glue
 * only: what an event is, how it is stored and how a cookie is signed
 * lives in profiler/ (lead.h).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lead.h"


static ngx_int_t ngx_http_lead_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_private(ngx_http_request_t *r);
static ngx_http_lead_ctx_t *ngx_http_lead_get_visitor(ngx_http_request_t *r,
    ngx_http_lead_loc_conf_t *llcf);
static void ngx_http_lead_read_headers(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx, ngx_http_lead_loc_conf_t *llcf);
static void ngx_http_lead_record(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);


static char *ngx_http_lead_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lead_secret(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lead_cookie_name(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_lead_rules(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_lead_free_rules(void *data);
static char *ngx_http_lead_retention(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lead_geoip(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_lead_free_geoip(void *data);
static lead_geo *ngx_http_lead_get_geo(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
static ngx_int_t ngx_http_lead_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_lead_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_lead_model(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
static int ngx_http_lead_keep_person(void *arg, const lead_person *p);
static void *ngx_http_lead_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_lead_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_lead_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_lead_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_lead_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_lead_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_lead_init_process(ngx_cycle_t *cycle);
static void ngx_http_lead_exit_process(ngx_cycle_t *cycle);


static ngx_conf_post_handler_pt  ngx_http_lead_cookie_name_p =
    ngx_http_lead_cookie_name;


static ngx_conf_enum_t  ngx_http_lead_gate_modes[] = {
    { ngx_string("off"), NGX_HTTP_LEAD_GATE_OFF },
    { ngx_string("on"), NGX_HTTP_LEAD_GATE_ON },
    { ngx_string("auto"), NGX_HTTP_LEAD_GATE_AUTO },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_lead_commands[] = {

    { ngx_string("lead_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE123,
      ngx_http_lead_store,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_secret,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_rules"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_rules,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_geoip"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_geoip,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_retention"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_retention,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_notify"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_lead_main_conf_t, notify),
      NULL },

    { ngx_string("lead_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_lead_main_conf_t, cookie),
      &ngx_http_lead_cookie_name_p },

    { ngx_string("lead_track"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, track),
      NULL },

    { ngx_string("lead_honor_gpc"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, honor_gpc),
      NULL },

    { ngx_string("lead_gate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, gate),
      &ngx_http_lead_gate_modes },

    { ngx_string("lead_form_uri"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, form_uri),
      NULL },

    { ngx_string("lead_form"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_lead_form,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_form_contact"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, form_contact),
      NULL },

    { ngx_string("lead_sales"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_lead_sales,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_sales_open"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, sales_open),
      NULL },

    { ngx_string("lead_form_template"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_form_template,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_lead_module_ctx = {
    ngx_http_lead_add_variables,           /* preconfiguration */
    ngx_http_lead_init,                    /* postconfiguration */

    ngx_http_lead_create_main_conf,        /* create main configuration */
    ngx_http_lead_init_main_conf,          /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_lead_create_loc_conf,         /* create location configuration */
    ngx_http_lead_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_http_lead_module = {
    NGX_MODULE_V1,
    &ngx_http_lead_module_ctx,             /* module context */
    ngx_http_lead_commands,                /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_lead_init_module,             /* init module */
    ngx_http_lead_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_lead_exit_process,            /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


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


/* request headers that opt out (value "1") or mark a prefetch */
typedef struct {
    ngx_str_t   name;
    ngx_uint_t  prefetch;
} ngx_http_lead_hint_t;


static ngx_http_lead_hint_t  ngx_http_lead_hints[] = {
    { ngx_string("DNT"), 0 },
    { ngx_string("Sec-GPC"), 0 },
    { ngx_string("Sec-Purpose"), 1 },
    { ngx_string("Purpose"), 1 },
    { ngx_string("X-Moz"), 1 },
    { ngx_null_string, 0 }
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


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;

ngx_http_lead_worker_t  ngx_http_lead_worker;


static ngx_int_t
ngx_http_lead_header_filter(ngx_http_request_t *r)
{
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_loc_conf_t   *llcf;
    ngx_http_lead_main_conf_t  *lmcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lead_module);

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_lead_module);

    /* gated content is one lead's: no shared cache may keep it */
    if (ctx && ctx->gated) {
        (void) ngx_http_lead_private(r);
    }

    if (!llcf->track) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_lead_get_visitor(r, llcf);

    if (ctx == NULL || ctx->opted_out) {
        return ngx_http_next_header_filter(r);
    }

    /* seen before the range filter turns a 200 into a 206 */
    if (r->headers_out.status == NGX_HTTP_OK
        && r->headers_out.content_length_n > 0)
    {
        ctx->file_size = r->headers_out.content_length_n;
    }

    if (ctx->new_visitor) {
        lmcf = ngx_http_get_module_main_conf(r, ngx_http_lead_module);

        /* tracking fails open: no cookie is better than no content */
        (void) ngx_http_lead_set_cookie(r, lmcf, ctx);

        /* nor may a shared cache hand this visitor's id to others */
        (void) ngx_http_lead_private(r);
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_lead_log_handler(ngx_http_request_t *r)
{
    ngx_http_lead_ctx_t       *ctx;
    ngx_http_lead_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lead_module);

    /* one event per request the visitor made: subrequests are not reads */
    if (!llcf->track
        || r != r->main
        || r->method != NGX_HTTP_GET
        || (r->headers_out.status != NGX_HTTP_OK
            && r->headers_out.status != NGX_HTTP_PARTIAL_CONTENT)
        || ngx_http_lead_worker.batch == NULL)
    {
        return NGX_OK;
    }

    /* as a rule the header filter knows the visitor already */
    ctx = ngx_http_get_module_ctx(r, ngx_http_lead_module);

    if (ctx == NULL || !ctx->visitor_known) {
        ctx = ngx_http_lead_get_visitor(r, llcf);
    }

    if (ctx == NULL || ctx->opted_out || ctx->prefetch) {
        return NGX_OK;
    }

    ngx_http_lead_record(r, ctx);

    return NGX_OK;
}


/* The request's lead context, one for the request and its subrequests. */
ngx_http_lead_ctx_t *
ngx_http_lead_get_ctx(ngx_http_request_t *r)
{
    ngx_http_lead_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_lead_module);
    if (ctx) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_lead_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ngx_http_set_ctx(r->main, ctx, ngx_http_lead_module);

    return ctx;
}


/*
 * ... with its normalised path and the asset rule that matches it, found
 * once for the gate and the variables.  The event does not wait for
 * them: the store's thread finds them again for it.
 */
ngx_http_lead_ctx_t *
ngx_http_lead_get_asset(ngx_http_request_t *r)
{
    int                         n;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_main_conf_t  *lmcf;

    ctx = ngx_http_lead_get_ctx(r);
    if (ctx == NULL || ctx->asset_done) {
        return ctx;
    }

    ctx->path.data = ngx_pnalloc(r->pool, LEAD_PATH_MAX);
    if (ctx->path.data == NULL) {
        return NULL;
    }

    /* the URI as asked, not as rewritten by index or try_files */
    n = lead_path_normalize((char *) r->main->unparsed_uri.data,
                            r->main->unparsed_uri.len,
                            (char *) ctx->path.data);
    ctx->path.len = n > 0 ? n : 0;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lead_module);

    if (lmcf->rules && ctx->path.len) {
        ctx->asset = lead_rules_match(lmcf->rules, (char *) ctx->path.data,
                                      ctx->path.len);
    }

    ctx->asset_done = 1;

    return ctx;
}


static ngx_http_lead_ctx_t *
ngx_http_lead_get_visitor(ngx_http_request_t *r,
    ngx_http_lead_loc_conf_t *llcf)
{
    ngx_http_lead_ctx_t  *ctx;

    ctx = ngx_http_lead_get_ctx(r);
    if (ctx == NULL) {
        return NULL;
    }

    if (!ctx->headers_read) {
        ngx_http_lead_read_headers(r, ctx, llcf);
        ctx->headers_read = 1;
    }

    if (ctx->opted_out) {
        return ctx;
    }

    return ngx_http_lead_read_cookie(r, ctx) == NGX_OK ? ctx : NULL;
}


/*
 * The visitor of the cookie when it verifies, else a new one (to be sent
 * a cookie): a forged or damaged cookie never fails the request.
 */
ngx_int_t
ngx_http_lead_read_cookie(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    ngx_str_t                   value;
    ngx_http_lead_main_conf_t  *lmcf;

    if (ctx->visitor_known) {
        return NGX_OK;
    }

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lead_module);

    /* the first cookie of that name, in any of the Cookie headers */
    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies,
                                          &lmcf->cookie, &value)
        != NGX_DECLINED)
    {
        if (lead_cookie_verify_cached(ngx_http_lead_worker.cookies,
                                      lmcf->secret.data, lmcf->secret.len,
                                      (char *) value.data, value.len,
                                      ctx->visitor)
            == LEAD_OK)
        {
            ctx->visitor_known = 1;
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "client sent invalid lead cookie \"%V\"", &value);
    }

    if (lead_visitor_new(ctx->visitor) != LEAD_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      "lead: getrandom() failed");
        return NGX_ERROR;
    }

    ctx->visitor_known = 1;
    ctx->new_visitor = 1;

    return NGX_OK;
}


/* NGX_OK when the request's visitor is linked to a lead (cached). */
ngx_int_t
ngx_http_lead_identified(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    if (!ctx->lead_known) {
        ctx->lead_known = 1;

        if (ctx->visitor_known && !ctx->new_visitor
            && ngx_http_lead_worker.store != NULL)
        {
            ctx->identified = lead_store_visitor_lead(
                                  ngx_http_lead_worker.store, ctx->visitor,
                                  ctx->lead)
                              == LEAD_OK;
        }
    }

    return ctx->identified ? NGX_OK : NGX_DECLINED;
}


/*
 * For the gate: NGX_OK when the visitor is a lead's.  A lead's browser
 * asks on every gated request, and once linked a visitor stays linked:
 * the answer is remembered (for a second, as the lead may be erased).
 * Which lead it is, $lead_id asks the store for.
 */
ngx_int_t
ngx_http_lead_is_lead(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    uint32_t                 h;
    ngx_http_lead_known_t   *k;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    ngx_memcpy(&h, ctx->visitor, sizeof(h));
    k = w->known && !ctx->new_visitor ? &w->known[h % NGX_HTTP_LEAD_KNOWN]
                                      : NULL;

    if (k && k->until > ngx_current_msec
        && ngx_memcmp(k->visitor, ctx->visitor, LEAD_ID_LEN) == 0)
    {
        return NGX_OK;
    }

    if (ngx_http_lead_identified(r, ctx) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (k) {
        ngx_memcpy(k->visitor, ctx->visitor, LEAD_ID_LEN);
        k->until = ngx_current_msec + 1000;
    }
    return NGX_OK;
}


/* Do Not Track, Global Privacy Control and prefetch hints. */
static void
ngx_http_lead_read_headers(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx,
    ngx_http_lead_loc_conf_t *llcf)
{
    ngx_uint_t             i;
    ngx_list_part_t       *part;
    ngx_table_elt_t       *h;
    ngx_http_lead_hint_t  *hint;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        for (hint = ngx_http_lead_hints; hint->name.len; hint++) {
            if (h[i].key.len == hint->name.len
                && ngx_strncasecmp(h[i].key.data, hint->name.data,
                                   hint->name.len)
                   == 0)
            {
                break;
            }
        }

        if (hint->name.len == 0) {
            continue;
        }

        if (!hint->prefetch) {
            if (llcf->honor_gpc
                && h[i].value.len == 1 && h[i].value.data[0] == '1')
            {
                ctx->opted_out = 1;
            }

        } else if (h[i].value.len >= 8
                   && ngx_strncasecmp(h[i].value.data, (u_char *) "prefetch",
                                      8)
                      == 0)
        {
            ctx->prefetch = 1;
        }
    }
}


/* Cache-Control: private, unless the location set a Cache-Control. */
static ngx_int_t
ngx_http_lead_private(ngx_http_request_t *r)
{
    ngx_table_elt_t  *cc, **ccp;

    if (r->headers_out.cache_control.nelts) {
        return NGX_OK;
    }

    if (ngx_array_init(&r->headers_out.cache_control, r->pool, 1,
                       sizeof(ngx_table_elt_t *))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    cc = ngx_list_push(&r->headers_out.headers);
    ccp = ngx_array_push(&r->headers_out.cache_control);
    if (cc == NULL || ccp == NULL) {
        return NGX_ERROR;
    }

    cc->hash = 1;
    ngx_str_set(&cc->key, "Cache-Control");
    ngx_str_set(&cc->value, "private");
    *ccp = cc;

    return NGX_OK;
}


ngx_int_t
ngx_http_lead_set_cookie(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf, ngx_http_lead_ctx_t *ctx)
{
    u_char           *p;
    size_t            len;
    ngx_table_elt_t  *set_cookie;

    len = lmcf->cookie.len + 1 + LEAD_COOKIE_VALUE_LEN
          + sizeof("; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax") - 1
          + sizeof("; Secure") - 1;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    set_cookie = ngx_list_push(&r->headers_out.headers);
    if (set_cookie == NULL) {
        return NGX_ERROR;
    }

    set_cookie->hash = 1;
    ngx_str_set(&set_cookie->key, "Set-Cookie");
    set_cookie->value.data = p;

    p = ngx_copy(p, lmcf->cookie.data, lmcf->cookie.len);
    *p++ = '=';
    lead_cookie_sign(lmcf->secret.data, lmcf->secret.len, ctx->visitor,
                     (char *) p);
    p += LEAD_COOKIE_VALUE_LEN;
    p = ngx_sprintf(p, "; Max-Age=%d; Path=/; HttpOnly; SameSite=Lax",
                    NGX_HTTP_LEAD_COOKIE_MAX_AGE);

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        p = ngx_cpymem(p, "; Secure", sizeof("; Secure") - 1);
    }
#endif

    set_cookie->value.len = p - set_cookie->value.data;

    return NGX_OK;
}


ngx_table_elt_t *
ngx_http_lead_add_header(ngx_http_request_t *r, const char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;

    return h;
}


/* The response's headers, set by the caller, then body from memory. */
ngx_int_t
ngx_http_lead_send(ngx_http_request_t *r, u_char *body, size_t len)
{
    ngx_buf_t    *b;
    ngx_int_t     rc;
    ngx_chain_t   out;

    if (len == 0) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static void
ngx_http_lead_record(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    int                         rc;
    u_char                      host[LEAD_HOST_MAX], *query;
    off_t                       sent;
    lead_utm                    utm;
    ngx_str_t                   target;
    lead_event                  ev;
    ngx_time_t                 *tp;
    ngx_table_elt_t            *h;
    ngx_http_lead_main_conf_t  *lmcf;

    /* the path as asked, for the store's thread to normalise and match */
    target = r->main->unparsed_uri;
    query = memchr(target.data, '?', target.len);
    if (query) {
        target.len = query - target.data;
    }
    target.len = ngx_min(target.len, LEAD_TARGET_MAX);

    ngx_memzero(&ev, sizeof(lead_event));

    tp = ngx_timeofday();
    ev.time_ms = (uint64_t) tp->sec * 1000 + tp->msec;
    ngx_memcpy(ev.visitor, ctx->visitor, LEAD_ID_LEN);
    ev.status = (uint16_t) r->headers_out.status;
    ev.file_size = ctx->file_size;

    sent = r->connection->sent - r->header_size;
    ev.bytes_sent = sent > 0 ? (uint64_t) sent : 0;

    h = r->headers_in.user_agent;
    if (h) {
        ev.ua_class = lead_ua_classify_cached(ngx_http_lead_worker.agents,
                                              (char *) h->value.data,
                                              h->value.len);
    }

    h = r->headers_in.referer;
    if (h) {
        ev.referrer_host.data = (char *) host;
        ev.referrer_host.len = lead_referrer_host((char *) h->value.data,
                                                  h->value.len, (char *) host);
    }

    h = r->headers_in.range;
    if (h && ev.status == NGX_HTTP_PARTIAL_CONTENT) {
        rc = lead_range_parse((char *) h->value.data, h->value.len,
                              ev.file_size, ev.ranges);
        ev.nranges = rc > 0 ? rc : 0;
    }

    if (r->args.len) {
        lead_utm_parse((char *) r->args.data, r->args.len, &utm);
        ev.utm_source.data = utm.source;
        ev.utm_source.len = utm.source_len;
        ev.utm_medium.data = utm.medium;
        ev.utm_medium.len = utm.medium_len;
        ev.utm_campaign.data = utm.campaign;
        ev.utm_campaign.len = utm.campaign_len;
    }

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lead_module);

    ngx_http_lead_write_add(r->connection->log, &ev, &target,
                            lmcf->geoip ? r->connection->sockaddr : NULL);
}


int
ngx_http_lead_promoted(void *arg, const uint8_t *lead_id,
    const lead_score *score, const char *cause)
{
    u_char  hex[LEAD_ID_HEX_LEN];

    lead_id_to_hex(lead_id, (char *) hex);

    ngx_log_error(NGX_LOG_NOTICE, (ngx_log_t *) arg, 0,
                  "lead: lead %*s is now an MQL: %s (engagement %L)",
                  (size_t) LEAD_ID_HEX_LEN, hex, cause,
                  (int64_t) (score->engagement + 0.5));

    ngx_http_lead_notify_queue(arg, lead_id, score, cause);

    return 0;
}


static char *
ngx_http_lead_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    u_char           *last;
    ngx_str_t        *value, s, dir;
    ngx_uint_t        i;
    ngx_file_info_t   fi;

    if (lmcf->store.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            lmcf->map_size = ngx_parse_offset(&s);
            if (lmcf->map_size < 1024 * 1024) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid lead_store size \"%V\": use at "
                                   "least 1m", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "flush=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            lmcf->flush = ngx_parse_time(&s, 0);
            if (lmcf->flush == (ngx_msec_t) NGX_ERROR || lmcf->flush == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid lead_store flush \"%V\"", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid lead_store parameter \"%V\" "
                           "(expected size=N or flush=TIME)", &value[i]);
        return NGX_CONF_ERROR;
    }

    lmcf->store = value[1];

    if (ngx_conf_full_name(cf->cycle, &lmcf->store, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

#if (NGX_THREADS)
    /*
     * Commits, folds and sales pages run in nginx's default thread pool,
     * or in one named "lead" where the main context declares it (nginx
     * makes no other pool by itself); only the latter's threads are
     * lowered (ngx_http_lead_thread_aside).
     */
    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_CONF_ERROR;
    }
#endif

    /* a usable store is a directory, or one that can be made in a dir */
    if (ngx_file_info(lmcf->store.data, &fi) != NGX_FILE_ERROR) {
        if (!ngx_is_dir(&fi)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "lead_store \"%V\" is not a directory",
                               &lmcf->store);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    last = (u_char *) strrchr((char *) lmcf->store.data, '/');
    dir.data = lmcf->store.data;
    dir.len = (last && last != lmcf->store.data) ? (size_t) (last - dir.data)
                                                 : 1;
    dir.data = ngx_pnalloc(cf->pool, dir.len + 1);
    if (dir.data == NULL) {
        return NGX_CONF_ERROR;
    }
    ngx_cpystrn(dir.data, lmcf->store.data, dir.len + 1);

    if (ngx_file_info(dir.data, &fi) == NGX_FILE_ERROR || !ngx_is_dir(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "lead_store \"%V\" cannot be created: \"%V\" is "
                           "not a directory", &lmcf->store, &dir);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* lead_retention off | TIME: how long anonymous history is kept */
static char *
ngx_http_lead_retention(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    ngx_str_t  *value = cf->args->elts;

    if (lmcf->retention != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        lmcf->retention = 0;
        return NGX_CONF_OK;
    }

    lmcf->retention = ngx_parse_time(&value[1], 1);
    if (lmcf->retention == (time_t) NGX_ERROR || lmcf->retention == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid lead_retention \"%V\": use \"off\" or "
                           "a time such as 395d", &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_lead_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    ssize_t           n;
    ngx_str_t        *value, name;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    if (lmcf->secret.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = name;
    file.log = cf->log;

    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "lead_secret: cannot open \"%V\"", &name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "lead_secret: cannot stat \"%V\"", &name);
        goto failed;
    }

    if (ngx_file_size(&fi) < LEAD_SECRET_MIN_LEN
        || ngx_file_size(&fi) > NGX_HTTP_LEAD_SECRET_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lead_secret \"%V\" has %O bytes: a key of %d to "
                           "%d bytes is needed (e.g. head -c 48 /dev/urandom)",
                           &name, ngx_file_size(&fi), LEAD_SECRET_MIN_LEN,
                           NGX_HTTP_LEAD_SECRET_MAX);
        goto failed;
    }

    lmcf->secret.len = (size_t) ngx_file_size(&fi);
    lmcf->secret.data = ngx_pnalloc(cf->pool, lmcf->secret.len);
    if (lmcf->secret.data == NULL) {
        goto failed;
    }

    n = ngx_read_file(&file, lmcf->secret.data, lmcf->secret.len, 0);
    if (n != (ssize_t) lmcf->secret.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "lead_secret: cannot read \"%V\"", &name);
        goto failed;
    }

    ngx_close_file(file.fd);

    return NGX_CONF_OK;

failed:

    ngx_close_file(file.fd);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_lead_rules(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    char                err[1024];
    ngx_str_t          *value, dir;
    ngx_pool_cleanup_t *cln;

    if (lmcf->rules) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dir = value[1];

    if (ngx_conf_full_name(cf->cycle, &dir, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (lead_rules_load(&lmcf->rules, (char *) dir.data, err, sizeof(err))
        != LEAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    /* the rules live as long as this configuration */
    cln->handler = ngx_http_lead_free_rules;
    cln->data = lmcf->rules;

    return NGX_CONF_OK;
}


static void
ngx_http_lead_free_rules(void *data)
{
    lead_rules_free(data);
}


static char *
ngx_http_lead_geoip(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    char                 err[1024];
    ngx_str_t           *value, path;
    ngx_pool_cleanup_t  *cln;

    if (lmcf->geoip) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    /* opened with this configuration, closed with it: a reload reads anew */
    if (lead_geoip_open(&lmcf->geoip, (char *) path.data, err, sizeof(err))
        != LEAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "lead_geoip: %s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_lead_free_geoip;
    cln->data = lmcf->geoip;

    return NGX_CONF_OK;
}


static void
ngx_http_lead_free_geoip(void *data)
{
    lead_geoip_close(data);
}


/* The client's place, from nginx's address for it (after realip). */
static lead_geo *
ngx_http_lead_get_geo(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lead_module);

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
        llcf = ngx_http_get_module_loc_conf(r, ngx_http_lead_module);

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
        llcf = ngx_http_get_module_loc_conf(r, ngx_http_lead_module);

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


static int
ngx_http_lead_keep_person(void *arg, const lead_person *p)
{
    ngx_http_lead_person_t  *kp = arg;

    kp->points = lead_profile_points(kp->rules, p, kp->country);
    return 0;
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

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lead_module);

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


static ngx_int_t
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


static void *
ngx_http_lead_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lead_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lmcf->store = { 0, NULL };
     *     lmcf->secret = { 0, NULL };
     *     lmcf->cookie = { 0, NULL };
 *     lmcf->rules = NULL;
 *     lmcf->notify = { 0, NULL };
 *     lmcf->geoip = NULL;
     *     lmcf->map_size = 0;
     *     lmcf->flush = 0;
     */

    lmcf->batch_size = 8 * 1024 * 1024;
    lmcf->retention = NGX_CONF_UNSET;

    return lmcf;
}


/* A name that browsers send back as it was set, and nothing else. */
static char *
ngx_http_lead_cookie_name(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *name = data;

    if (!lead_cookie_name_ok((char *) name->data, name->len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lead_cookie: \"%V\" is not a cookie name "
                           "(at most 64 bytes, no spaces, quotes or any of "
                           "()<>@,;:\\/[]?={})", name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_lead_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    if (lmcf->cookie.len == 0) {
        ngx_str_set(&lmcf->cookie, "lv");
    }

    if (lmcf->flush == 0) {
        lmcf->flush = 1000;
    }

    if (lmcf->map_size == 0) {
        lmcf->map_size = (off_t) LEAD_DEFAULT_MAP_SIZE;
    }

    if (lmcf->retention == NGX_CONF_UNSET) {
        lmcf->retention = NGX_HTTP_LEAD_RETENTION;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_lead_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_lead_loc_conf_t  *llcf;

    llcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lead_loc_conf_t));
    if (llcf == NULL) {
        return NULL;
    }

    llcf->track = NGX_CONF_UNSET;
    llcf->honor_gpc = NGX_CONF_UNSET;
    llcf->gate = NGX_CONF_UNSET_UINT;
    ngx_str_null(&llcf->form_uri);
    llcf->form = NGX_CONF_UNSET;
    llcf->form_contact = NGX_CONF_UNSET;
    llcf->form_template = NGX_CONF_UNSET_PTR;
    llcf->sales_open = NGX_CONF_UNSET;

    return llcf;
}


static char *
ngx_http_lead_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_lead_loc_conf_t  *prev = parent;
    ngx_http_lead_loc_conf_t  *conf = child;

    ngx_http_lead_main_conf_t  *lmcf;

    ngx_conf_merge_value(conf->track, prev->track, 0);
    ngx_conf_merge_value(conf->honor_gpc, prev->honor_gpc, 1);
    ngx_conf_merge_uint_value(conf->gate, prev->gate,
                              NGX_HTTP_LEAD_GATE_OFF);
    ngx_conf_merge_str_value(conf->form_uri, prev->form_uri, "/lead/form");
    ngx_conf_merge_value(conf->form, prev->form, 0);
    ngx_conf_merge_value(conf->form_contact, prev->form_contact, 0);
    ngx_conf_merge_ptr_value(conf->form_template, prev->form_template, NULL);
    ngx_conf_merge_value(conf->sales_open, prev->sales_open, 0);

    if (!conf->track && conf->gate == NGX_HTTP_LEAD_GATE_OFF && !conf->form
        && conf->sales.data == NULL)
    {
        return NGX_CONF_OK;
    }

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_lead_module);

    if (lmcf->store.data == NULL || lmcf->secret.data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs \"lead_store\" and \"lead_secret\" "
                           "in the http block",
                           conf->track ? "lead_track on"
                           : conf->form ? "lead_form"
                           : conf->sales.data ? "lead_sales" : "lead_gate");
        return NGX_CONF_ERROR;
    }

    if (conf->sales.data && lmcf->rules == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"lead_sales\" needs \"lead_rules\": the sales "
                           "view scores with them");
        return NGX_CONF_ERROR;
    }

    if (conf->gate == NGX_HTTP_LEAD_GATE_AUTO && lmcf->rules == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"lead_gate auto\" needs \"lead_rules\"");
        return NGX_CONF_ERROR;
    }

    if (conf->form && conf->form_template == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"lead_form\" needs \"lead_form_template\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_lead_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_log_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_gate_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_notify_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_lead_header_filter;

    return NGX_OK;
}


/*
 * The master creates a missing store directory for the worker user, so a
 * packaged install needs no chown; LMDB's files are then made by workers.
 */
static ngx_int_t
ngx_http_lead_init_module(ngx_cycle_t *cycle)
{
    ngx_core_conf_t            *ccf;
    ngx_file_info_t             fi;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lead_module);

    if (ngx_test_config || lmcf == NULL || lmcf->store.data == NULL
        || ngx_file_info(lmcf->store.data, &fi) != NGX_FILE_ERROR)
    {
        return NGX_OK;
    }

    if (ngx_create_dir(lmcf->store.data, 0750) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, ngx_errno,
                      "lead: cannot create store \"%s\"; content is still "
                      "served, without tracking", lmcf->store.data);
        return NGX_OK;
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    if (geteuid() == 0 && ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT
        && chown((char *) lmcf->store.data, ccf->user, ccf->group) == -1)
    {
        ngx_log_error(NGX_LOG_ERR, cycle->log, ngx_errno,
                      "lead: chown(\"%s\") failed", lmcf->store.data);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_lead_init_process(ngx_cycle_t *cycle)
{
    ngx_http_lead_worker_t     *w = &ngx_http_lead_worker;
    ngx_http_lead_main_conf_t  *lmcf;

    /* cache manager and loader processes never record */
    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    lmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lead_module);

    if (lmcf == NULL || lmcf->store.data == NULL) {
        return NGX_OK;
    }

    ngx_memzero(w, sizeof(ngx_http_lead_worker_t));
    w->lmcf = lmcf;

    /* a new worker, a new configuration's secret: empty caches */
    w->cookies = lead_cookie_cache_new();
    w->agents = lead_ua_cache_new();
    w->known = ngx_pcalloc(cycle->pool, NGX_HTTP_LEAD_KNOWN
                                        * sizeof(ngx_http_lead_known_t));

    return ngx_http_lead_write_init(cycle);
}


static void
ngx_http_lead_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->lmcf == NULL) {
        return;
    }

    ngx_http_lead_write_exit(cycle->log);
    ngx_http_lead_notify_exit(cycle->log);
    lead_cookie_cache_free(w->cookies);
    w->cookies = NULL;
    lead_ua_cache_free(w->agents);
    w->agents = NULL;
}
