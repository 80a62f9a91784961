
/*
 * Tracking: the header filter finds the visitor (a new one gets its
 * cookie) and the log phase records what the visitor was served.
 */


#include "ngx_http_lead.h"


static ngx_int_t ngx_http_lead_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_private(ngx_http_request_t *r);
static ngx_uint_t ngx_http_lead_is_cache_control(ngx_table_elt_t *h);
static ngx_http_lead_hit_t *ngx_http_lead_make_hit(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
static ngx_uint_t ngx_http_lead_referrer_own(ngx_http_request_t *r,
    lead_str *host);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


ngx_int_t
ngx_http_lead_track_init(ngx_conf_t *cf)
{
    ngx_uint_t                  i, rid;
    ngx_http_variable_t        *v;
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;
    ngx_http_lead_main_conf_t  *lmcf;

    static ngx_str_t  request_id = ngx_string("request_id");
    static ngx_str_t  lead_event = ngx_string("lead_event");

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    lmcf = ngx_http_lead_cf_main_conf(cf);

    /*
     * An event's id is the one the access log prints, $request_id: taken
     * when the configuration uses it or $lead_event (it costs random
     * bytes a request, not to be spent for nothing on every hit).
     */
    rid = 0;
    lmcf->request_id = NGX_CONF_UNSET;
    v = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {
        if (v[i].name.len == lead_event.len
            && ngx_strncmp(v[i].name.data, lead_event.data, lead_event.len)
               == 0)
        {
            lmcf->event_line = 1;
            rid = 1;

        } else if (v[i].name.len == request_id.len
                   && ngx_strncmp(v[i].name.data, request_id.data,
                                  request_id.len)
                      == 0)
        {
            rid = 1;
        }
    }

    if (rid) {
        lmcf->request_id = ngx_http_get_variable_index(cf, &request_id);
        if (lmcf->request_id == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_log_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_lead_header_filter;

    return NGX_OK;
}


/*
 * The module's filter sits below ngx_http_headers_filter_module (see
 * ngx_module_order in config), so it sees the headers expires and
 * add_header made, and what it fixes is final.
 */
static ngx_int_t
ngx_http_lead_header_filter(ngx_http_request_t *r)
{
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_loc_conf_t   *llcf;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (r != r->main || lmcf->keys.n == 0) {
        return ngx_http_next_header_filter(r);
    }

    llcf = ngx_http_lead_loc_conf(r);

    /*
     * An error records nothing, so it gets no cookie either: an id made
     * for nothing, on the responses shared caches keep most carelessly.
     */
    if (llcf->track && r->headers_out.status < NGX_HTTP_BAD_REQUEST) {

        ctx = ngx_http_lead_get_visitor(r, llcf);

        if (ctx && !ctx->opted_out) {

            /* seen before the range filter turns a 200 into a 206 */
            if (r->headers_out.status == NGX_HTTP_OK
                && r->headers_out.content_length_n > 0)
            {
                ctx->file_size = r->headers_out.content_length_n;
            }

            if (ctx->new_visitor && !ctx->cookie_set) {

                if (ngx_http_lead_cookie_out(r, lmcf)) {
                    /*
                     * a tracked nginx upstream made this visitor and
                     * records the request: one cookie, one event
                     */
                    ctx->upstream_set = 1;

                } else {
                    /* tracking fails open: no cookie beats no content */
                    (void) ngx_http_lead_set_cookie(r, lmcf, ctx);
                }
            }
        }
    }

    ctx = ngx_http_lead_find_ctx(r);

    /* a cookie an older key signed, or that says more now: signed again */
    if (ctx && ctx->cookie_resign && !ctx->cookie_set
        && !ngx_http_lead_cookie_out(r, lmcf))
    {
        (void) ngx_http_lead_set_cookie(r, lmcf, ctx);
    }

    /*
     * Gated content is one lead's, and a cookie one visitor's: no shared
     * cache may keep either, whatever the location's headers say.
     */
    if ((ctx && (ctx->gated || ctx->cookie_set))
        || ngx_http_lead_cookie_out(r, lmcf))
    {
        (void) ngx_http_lead_private(r);
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_lead_log_handler(ngx_http_request_t *r)
{
    ngx_http_lead_hit_t        *hit;
    ngx_http_lead_main_conf_t  *lmcf;

    hit = ngx_http_lead_get_hit(r);

    if (hit) {
        lmcf = ngx_http_lead_main_conf(r);

        ngx_http_lead_write_add(r->connection->log, &hit->ev, &hit->target,
                                lmcf->geoip ? r->connection->sockaddr
                                            : NULL);
    }

    return NGX_OK;
}


/*
 * The request's hit, or NULL when it records nothing: decided once, for
 * the log handler and $lead_event alike, whichever asks first (both run
 * in the log phase, so they see one status, time and byte count).
 */
ngx_http_lead_hit_t *
ngx_http_lead_get_hit(ngx_http_request_t *r)
{
    ngx_http_lead_ctx_t       *ctx;
    ngx_http_lead_loc_conf_t  *llcf;

    llcf = ngx_http_lead_loc_conf(r);

    /* one event per request the visitor made: subrequests are not reads */
    if (!llcf->track
        || r != r->main
        || r->method != NGX_HTTP_GET
        || (r->headers_out.status != NGX_HTTP_OK
            && r->headers_out.status != NGX_HTTP_PARTIAL_CONTENT)
        || ngx_http_lead_worker.batch == NULL)
    {
        return NULL;
    }

    /* as a rule the header filter knows the visitor already */
    ctx = ngx_http_lead_find_ctx(r);

    if (ctx && ctx->hit_done) {
        return ctx->hit;
    }

    if (ctx == NULL || !ctx->visitor_known) {
        ctx = ngx_http_lead_get_visitor(r, llcf);
    }

    if (ctx == NULL) {
        return NULL;
    }

    ctx->hit_done = 1;

    if (ctx->opted_out || ctx->prefetch || ctx->upstream_set) {
        return NULL;
    }

    ctx->hit = ngx_http_lead_make_hit(r, ctx);

    return ctx->hit;
}


/* A live Cache-Control header of the response. */
static ngx_uint_t
ngx_http_lead_is_cache_control(ngx_table_elt_t *h)
{
    return h->hash != 0
           && h->key.len == sizeof("Cache-Control") - 1
           && ngx_strncasecmp(h->key.data, (u_char *) "Cache-Control",
                              sizeof("Cache-Control") - 1) == 0;
}


/*
 * One Cache-Control, "private" and what else the location, expires,
 * add_header or the upstream said (max-age stays the browser's); every
 * other Cache-Control header is dropped.
 */
static ngx_int_t
ngx_http_lead_private(ngx_http_request_t *r)
{
    u_char            *in, *p;
    size_t             len;
    ngx_uint_t         i;
    ngx_list_part_t   *part;
    ngx_table_elt_t   *h, *cc, **ccp;

    cc = NULL;
    len = 0;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (ngx_http_lead_is_cache_control(&h[i])) {
                len += h[i].value.len + 1;
            }
        }
    }

    in = ngx_pnalloc(r->pool, len + 1);
    p = ngx_pnalloc(r->pool, 2 * len + 9);
    if (in == NULL || p == NULL) {
        return NGX_ERROR;
    }

    len = 0;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (ngx_http_lead_is_cache_control(&h[i])) {
                if (len) {
                    in[len++] = ',';
                }
                len = ngx_cpymem(in + len, h[i].value.data, h[i].value.len)
                      - in;

                if (cc == NULL) {
                    cc = &h[i];
                } else {
                    h[i].hash = 0;
                }
            }
        }
    }

    if (cc == NULL) {
        if (r->headers_out.cache_control.elts == NULL
            && ngx_array_init(&r->headers_out.cache_control, r->pool, 1,
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
        *ccp = cc;
    }

    cc->value.data = p;
    cc->value.len = lead_cache_private((char *) in, len, (char *) p);

    return NGX_OK;
}


/* What the visitor was served, as a hit for the write path. */
static ngx_http_lead_hit_t *
ngx_http_lead_make_hit(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    int                         rc;
    u_char                     *query;
    off_t                       sent;
    lead_event                 *ev;
    ngx_time_t                 *tp;
    ngx_table_elt_t            *h;
    ngx_http_lead_hit_t        *hit;

    hit = ngx_pcalloc(r->pool, sizeof(ngx_http_lead_hit_t));
    if (hit == NULL) {
        return NULL;
    }

    ev = &hit->ev;

    /* the path as asked, for the store's thread to normalise and match */
    hit->target = r->main->unparsed_uri;
    query = memchr(hit->target.data, '?', hit->target.len);
    if (query) {
        hit->target.len = query - hit->target.data;
    }
    hit->target.len = ngx_min(hit->target.len, LEAD_TARGET_MAX);

    tp = ngx_timeofday();
    ev->time_ms = (uint64_t) tp->sec * 1000 + tp->msec;
    ngx_memcpy(ev->visitor, ctx->visitor, LEAD_ID_LEN);
    ev->status = (uint16_t) r->headers_out.status;
    ev->file_size = ctx->file_size;

    ngx_http_lead_request_id(r, hit->ev.id, &hit->request_id);

    sent = r->connection->sent - r->header_size;
    ev->bytes_sent = sent > 0 ? (uint64_t) sent : 0;

    h = r->headers_in.user_agent;
    if (h) {
        ev->ua_class = lead_ua_classify_cached(ngx_http_lead_worker.agents,
                                               (char *) h->value.data,
                                               h->value.len, &ev->agent);
    }

    h = r->headers_in.referer;
    if (h) {
        ev->referrer_host.data = (char *) hit->host;
        ev->referrer_host.len = lead_referrer_host((char *) h->value.data,
                                                   h->value.len,
                                                   (char *) hit->host);

        /* a link followed on the site itself is no source */
        if (ngx_http_lead_referrer_own(r, &ev->referrer_host)) {
            ev->referrer_host.len = 0;
        }
    }

    h = r->headers_in.range;
    if (h && ev->status == NGX_HTTP_PARTIAL_CONTENT) {
        rc = lead_range_parse((char *) h->value.data, h->value.len,
                              ev->file_size, ev->ranges);
        ev->nranges = rc > 0 ? rc : 0;
    }

    if (r->args.len) {
        lead_utm_parse((char *) r->args.data, r->args.len, &hit->utm);
        ev->utm_source.data = hit->utm.source;
        ev->utm_source.len = hit->utm.source_len;
        ev->utm_medium.data = hit->utm.medium;
        ev->utm_medium.len = hit->utm.medium_len;
        ev->utm_campaign.data = hit->utm.campaign;
        ev->utm_campaign.len = hit->utm.campaign_len;
    }

    return hit;
}


/* $request_id, as the access log prints it, and as 16 bytes in ev.id. */
/*
 * The site's own hosts besides the request's Host: lead_site_hosts and
 * the server's names (regular expressions aside).  The names are copied:
 * nginx keeps its array of them only while it reads the configuration.
 */
char *
ngx_http_lead_own_hosts(ngx_conf_t *cf, ngx_http_lead_loc_conf_t *llcf)
{
    ngx_str_t                 *name;
    ngx_uint_t                 i, n;
    ngx_http_server_name_t    *sn;
    ngx_http_core_srv_conf_t  *cscf;

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    n = cscf->server_names.nelts
        + (llcf->site_hosts ? llcf->site_hosts->nelts : 0);
    if (n == 0) {
        llcf->own_hosts = NULL;
        return NGX_CONF_OK;
    }

    llcf->own_hosts = ngx_array_create(cf->pool, n, sizeof(ngx_str_t));
    if (llcf->own_hosts == NULL) {
        return NGX_CONF_ERROR;
    }

    sn = cscf->server_names.elts;
    for (i = 0; i < cscf->server_names.nelts; i++) {
#if (NGX_PCRE)
        if (sn[i].regex) {
            continue;
        }
#endif
        if (sn[i].name.len == 0) {
            continue;
        }
        name = ngx_array_push(llcf->own_hosts);
        *name = sn[i].name;
    }

    if (llcf->site_hosts) {
        name = ngx_array_push_n(llcf->own_hosts, llcf->site_hosts->nelts);
        ngx_memcpy(name, llcf->site_hosts->elts,
                   llcf->site_hosts->nelts * sizeof(ngx_str_t));
    }

    return NGX_CONF_OK;
}


/* A link followed on the site itself: from its Host or one it names. */
static ngx_uint_t
ngx_http_lead_referrer_own(ngx_http_request_t *r, lead_str *host)
{
    ngx_str_t                 *own;
    ngx_uint_t                 i;
    ngx_http_lead_loc_conf_t  *llcf;
    ngx_http_core_srv_conf_t  *cscf;

    cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);

    own = r->headers_in.server.len ? &r->headers_in.server
                                   : &cscf->server_name;
    if (lead_referrer_own(host->data, host->len, (char *) own->data,
                          own->len))
    {
        return 1;
    }

    llcf = ngx_http_lead_loc_conf(r);
    if (llcf->own_hosts == NULL) {
        return 0;
    }

    own = llcf->own_hosts->elts;
    for (i = 0; i < llcf->own_hosts->nelts; i++) {
        if (lead_referrer_own(host->data, host->len, (char *) own[i].data,
                              own[i].len))
        {
            return 1;
        }
    }

    return 0;
}


void
ngx_http_lead_request_id(ngx_http_request_t *r, u_char *id, ngx_str_t *text)
{
    ngx_int_t                   hi, lo;
    ngx_uint_t                  i;
    ngx_http_variable_value_t  *vv;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (lmcf->request_id == NGX_CONF_UNSET) {
        return;
    }

    vv = ngx_http_get_indexed_variable(r, lmcf->request_id);

    if (vv == NULL || vv->not_found || vv->len != 2 * LEAD_ID_LEN) {
        return;
    }

    for (i = 0; i < LEAD_ID_LEN; i++) {
        hi = ngx_hextoi(&vv->data[2 * i], 1);
        lo = ngx_hextoi(&vv->data[2 * i + 1], 1);

        if (hi == NGX_ERROR || lo == NGX_ERROR) {
            ngx_memzero(id, LEAD_ID_LEN);
            return;
        }

        id[i] = (uint8_t) (hi << 4 | lo);
    }

    text->data = vv->data;
    text->len = vv->len;
}
