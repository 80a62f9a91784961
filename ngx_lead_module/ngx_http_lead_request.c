
/*
 * What every handler of the module needs of a request: its context, the
 * visitor (cookie, opt-out and prefetch hints, its lead), headers and a
 * body out, a form's body in; and the keys that sign the cookie.
 */


#include "ngx_http_lead.h"


static void ngx_http_lead_read_headers(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx, ngx_http_lead_loc_conf_t *llcf);
static ngx_int_t ngx_http_lead_body_type(ngx_http_request_t *r, off_t max);


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

/* their names' lengths: any other header is passed over at once */
#define NGX_HTTP_LEAD_HINT_LENS  (1 << 3 | 1 << 5 | 1 << 7 | 1 << 11)


/* ngx_http_lead_module's, set by ngx_http_lead_module.c (see the header) */
ngx_uint_t  ngx_http_lead_ctx_index = NGX_MODULE_UNSET_INDEX;


/*
 * lead_secret file: a key, read whole.  Given more than once (as
 * ssl_session_ticket_key), the first signs and every one verifies, so a
 * key is rotated across nodes one reload at a time.
 */
char *
ngx_http_lead_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    u_char           *key;
    size_t            len;
    ssize_t           n;
    ngx_uint_t        i;
    ngx_str_t        *value, name;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (lmcf->keys.n == LEAD_KEYS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lead_secret \"%V\" is one key too many: at most "
                           "%d (the first signs, the others verify)",
                           &name, LEAD_KEYS_MAX);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < lmcf->keys.n; i++) {
        if (lmcf->key_files[i].len == name.len
            && ngx_strncmp(lmcf->key_files[i].data, name.data, name.len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "lead_secret \"%V\" is given twice", &name);
            return NGX_CONF_ERROR;
        }
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

    len = (size_t) ngx_file_size(&fi);
    key = ngx_pnalloc(cf->pool, len);
    if (key == NULL) {
        goto failed;
    }

    n = ngx_read_file(&file, key, len, 0);
    if (n != (ssize_t) len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "lead_secret: cannot read \"%V\"", &name);
        goto failed;
    }

    ngx_close_file(file.fd);

    for (i = 0; i < lmcf->keys.n; i++) {
        if (lmcf->keys.key[i].len == len
            && ngx_memcmp(lmcf->keys.key[i].data, key, len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "lead_secret \"%V\" holds the same key as "
                               "\"%V\"", &name, &lmcf->key_files[i]);
            return NGX_CONF_ERROR;
        }
    }

    lmcf->keys.key[lmcf->keys.n].data = (char *) key;
    lmcf->keys.key[lmcf->keys.n].len = len;
    lmcf->key_files[lmcf->keys.n] = name;
    lmcf->keys.n++;

    return NGX_CONF_OK;

failed:

    ngx_close_file(file.fd);

    return NGX_CONF_ERROR;
}


/* The request's lead context, one for the request and its subrequests. */
ngx_http_lead_ctx_t *
ngx_http_lead_get_ctx(ngx_http_request_t *r)
{
    ngx_http_lead_ctx_t  *ctx;

    ctx = ngx_http_lead_find_ctx(r);
    if (ctx) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_lead_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    r->main->ctx[ngx_http_lead_ctx_index] = ctx;

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

    lmcf = ngx_http_lead_main_conf(r);

    if (lmcf->rules && ctx->path.len) {
        ctx->asset = lead_rules_match(lmcf->rules, (char *) ctx->path.data,
                                      ctx->path.len);
    }

    ctx->asset_done = 1;

    return ctx;
}


/* ... with its visitor: opted out, or known by its cookie or new. */
ngx_http_lead_ctx_t *
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

        if (h[i].key.len > 11
            || !(NGX_HTTP_LEAD_HINT_LENS & 1 << h[i].key.len))
        {
            continue;
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


/*
 * The visitor of the cookie when it verifies under one of the keys, with
 * what it says (identified; signed again if an older key signed it), else
 * a new one (to be sent a cookie): a forged or damaged cookie never fails
 * the request.
 */
ngx_int_t
ngx_http_lead_read_cookie(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    unsigned                    claims;
    lead_str                    span;
    ngx_int_t                   found;
    ngx_str_t                   value;
    ngx_uint_t                  i;
    lead_visitors              *v;
    ngx_table_elt_t           **cookies;
    ngx_http_lead_main_conf_t  *lmcf;

    if (ctx->visitor_known) {
        return NGX_OK;
    }

    lmcf = ngx_http_lead_main_conf(r);

    /* the first cookie of that name, in any of the Cookie headers */
    cookies = r->headers_in.cookies.elts;
    found = 0;

    for (i = 0; i < r->headers_in.cookies.nelts && !found; i++) {
        found = lead_cookie_find((char *) cookies[i]->value.data,
                                 cookies[i]->value.len,
                                 (char *) lmcf->cookie.data,
                                 lmcf->cookie.len, &span);
    }

    if (found) {
        value.data = (u_char *) span.data;
        value.len = span.len;

        if (lead_cookie_verify_cached(ngx_http_lead_worker.cookies,
                                      &lmcf->keys, (char *) value.data,
                                      value.len, ctx->visitor, &claims)
            == LEAD_OK)
        {
            ctx->visitor_known = 1;
            ctx->cookie_identified = !!(claims & LEAD_COOKIE_IDENTIFIED);
            ctx->cookie_resign = !!(claims & LEAD_COOKIE_RESIGN);
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "client sent invalid lead cookie \"%V\"", &value);
    }

    /*
     * Made ahead in a thread, or now (ngx_http_lead_visitors.c); with a
     * quarter of the reserve left, the thread makes the next one.
     */
    v = ngx_http_lead_worker.visitors;

    if (v && lead_visitors_left(v) * 3 <= lead_visitors_asked(v, NULL)) {
        ngx_http_lead_visitors_refill(&ngx_http_lead_worker,
                                      r->connection->log, 0);
    }

    if (lead_visitors_take(v, &lmcf->keys, ctx->visitor,
                           (char *) ctx->cookie_value)
        != LEAD_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      "lead: getrandom() failed");
        return NGX_ERROR;
    }

    ctx->visitor_known = 1;
    ctx->new_visitor = 1;

    return NGX_OK;
}


/*
 * NGX_OK when the request's visitor is linked to a lead (cached); a cookie
 * that does not say so yet is signed again saying it, for other nodes.
 */
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

        if (ctx->identified && !ctx->cookie_identified) {
            ctx->cookie_identified = 1;
            ctx->cookie_resign = 1;
        }
    }

    return ctx->identified ? NGX_OK : NGX_DECLINED;
}


/*
 * For the gate: NGX_OK when the visitor's cookie says, signed, that it
 * identified (on this node or another that shares a key), when it is a
 * lead's, or claims one (it told who it is, the gate asks no more; its
 * variables stay its own).  A
 * lead's browser asks on every gated request, and once linked a visitor
 * stays linked: the answer is remembered (for a second, as the lead may
 * be erased).  Which lead it is, $lead_id asks the store for.
 */
ngx_int_t
ngx_http_lead_is_lead(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx)
{
    uint32_t                 h;
    ngx_time_t              *tp;
    ngx_http_lead_known_t   *k;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (ctx->cookie_identified) {
        return NGX_OK;
    }

    ngx_memcpy(&h, ctx->visitor, sizeof(h));
    k = w->known && !ctx->new_visitor ? &w->known[h % NGX_HTTP_LEAD_KNOWN]
                                      : NULL;

    if (k && k->until > ngx_current_msec
        && ngx_memcmp(k->visitor, ctx->visitor, LEAD_ID_LEN) == 0)
    {
        return NGX_OK;
    }

    if (ngx_http_lead_identified(r, ctx) != NGX_OK) {
        tp = ngx_timeofday();

        if (ctx->new_visitor || w->store == NULL
            || lead_store_visitor_claims(w->store, ctx->visitor,
                                         (uint64_t) tp->sec * 1000 + tp->msec)
               != LEAD_OK)
        {
            return NGX_DECLINED;
        }
    }

    if (k) {
        ngx_memcpy(k->visitor, ctx->visitor, LEAD_ID_LEN);
        k->until = ngx_current_msec + 1000;
    }
    return NGX_OK;
}


ngx_int_t
ngx_http_lead_set_cookie(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf, ngx_http_lead_ctx_t *ctx)
{
    u_char           *p;
    size_t            len, tail;
    ngx_table_elt_t  *set_cookie;

    /* the attributes, made at configuration: "; Secure" ends them */
    tail = lmcf->cookie_tail.len - (sizeof("; Secure") - 1);

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        tail = lmcf->cookie_tail.len;
    }
#endif

    len = lmcf->cookie.len + 1 + LEAD_COOKIE_VALUE_LEN + tail;

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

    if (ctx->new_visitor && !ctx->cookie_identified) {
        p = ngx_cpymem(p, ctx->cookie_value, LEAD_COOKIE_VALUE_LEN);

    } else {
        lead_visitors_sign(ngx_http_lead_worker.visitors, &lmcf->keys,
                           ctx->visitor,
                           ctx->cookie_identified ? LEAD_COOKIE_IDENTIFIED
                                                  : 0,
                           (char *) p);
        p += LEAD_COOKIE_VALUE_LEN;
    }

    p = ngx_cpymem(p, lmcf->cookie_tail.data, tail);

    set_cookie->value.len = p - set_cookie->value.data;

    ctx->cookie_set = 1;

    return NGX_OK;
}


/*
 * Whether the response sets the visitor cookie: this module's, or an
 * upstream's (a tracked nginx behind this one, or an application that
 * sets a cookie of that name).
 */
ngx_uint_t
ngx_http_lead_cookie_out(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0
            || h[i].key.len != sizeof("Set-Cookie") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "Set-Cookie",
                               sizeof("Set-Cookie") - 1)
               != 0)
        {
            continue;
        }

        /* "name=value; attributes" */
        if (h[i].value.len > lmcf->cookie.len
            && ngx_strncmp(h[i].value.data, lmcf->cookie.data,
                           lmcf->cookie.len)
               == 0
            && h[i].value.data[lmcf->cookie.len] == '=')
        {
            return 1;
        }
    }
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


/* A 303 to uri, for a handler to return. */
ngx_int_t
ngx_http_lead_redirect(ngx_http_request_t *r, u_char *uri, size_t len)
{
    ngx_str_t         value;
    ngx_table_elt_t  *location;

    value.data = uri;
    value.len = len;
    location = ngx_http_lead_add_header(r, "Location", &value);
    if (location == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.location = location;

    return NGX_HTTP_SEE_OTHER;
}


/*
 * A form's page (lead_form's, lead_feedback's), rendered from tmpl: with
 * the cookie of a visitor made for it, no-store (a token inside) and a
 * policy that runs no script; in a subrequest (an SSI include), the
 * fragment alone.
 */
ngx_int_t
ngx_http_lead_send_form(ngx_http_request_t *r, ngx_uint_t status,
    const lead_tmpl *tmpl, lead_str *values, ngx_http_lead_ctx_t *ctx)
{
    u_char  *page;
    size_t   len;

    /* the page runs no script at all; its style is inline */
    static ngx_str_t  csp = ngx_string(
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'");

    len = lead_tmpl_render(tmpl, values, NULL, 0);

    page = ngx_pnalloc(r->pool, len ? len : 1);
    if (page == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lead_tmpl_render(tmpl, values, (char *) page, len);

    if (r == r->main && ctx->new_visitor && !ctx->cookie_set
        && ngx_http_lead_set_cookie(r, ngx_http_lead_main_conf(r), ctx)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_lead_send_html(r, status, page, len, &csp);
}


/*
 * A page of the module's own: no-store (a token inside), no referrer
 * (a token in its address), its policy; in a subrequest, the body alone.
 */
ngx_int_t
ngx_http_lead_send_html(ngx_http_request_t *r, ngx_uint_t status,
    u_char *page, size_t len, ngx_str_t *csp)
{
    static ngx_str_t  no_store = ngx_string("no-store");
    static ngx_str_t  no_referrer = ngx_string("no-referrer");

    if (r == r->main
        && (ngx_http_lead_add_header(r, "Cache-Control", &no_store) == NULL
            || ngx_http_lead_add_header(r, "Referrer-Policy", &no_referrer)
               == NULL
            || ngx_http_lead_add_header(r, "Content-Security-Policy", csp)
               == NULL))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
    r->headers_out.content_type_len = sizeof("text/html") - 1;

    return ngx_http_lead_send(r, page, len);
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


/*
 * A form's post (lead_form's, or a sales view action): refused before a
 * byte of its body is read or anything stored when its type or size is
 * wrong, else read, then post.
 */
ngx_int_t
ngx_http_lead_read_body(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt post)
{
    return ngx_http_lead_read_body_max(r, post, LEAD_FORM_BODY_MAX);
}


/* ... of at most max bytes (lead_feedback's are longer). */
ngx_int_t
ngx_http_lead_read_body_max(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt post, size_t max)
{
    ngx_int_t  rc;

    rc = ngx_http_lead_body_type(r, (off_t) max);
    if (rc != NGX_OK) {
        return rc;
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, post);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/*
 * A form post's type and size, checked before a byte of its body is
 * read: NGX_OK, or the status to answer.
 */
static ngx_int_t
ngx_http_lead_body_type(ngx_http_request_t *r, off_t max)
{
    ngx_str_t  type;

    type = r->headers_in.content_type ? r->headers_in.content_type->value
                                      : (ngx_str_t) ngx_null_string;

    if (type.len < sizeof("application/x-www-form-urlencoded") - 1
        || ngx_strncasecmp(type.data,
                           (u_char *) "application/x-www-form-urlencoded",
                           sizeof("application/x-www-form-urlencoded") - 1)
           != 0
        || (type.len > sizeof("application/x-www-form-urlencoded") - 1
            && type.data[sizeof("application/x-www-form-urlencoded") - 1]
               != ';'))
    {
        return NGX_HTTP_UNSUPPORTED_MEDIA_TYPE;
    }

    if (r->headers_in.content_length_n > max) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    return NGX_OK;
}


/* The body read, in memory and within LEAD_FORM_BODY_MAX, copied out. */
ngx_int_t
ngx_http_lead_body_bytes(ngx_http_request_t *r,
    u_char buf[LEAD_FORM_BODY_MAX], size_t *len)
{
    return ngx_http_lead_body_copy(r, buf, LEAD_FORM_BODY_MAX, len);
}


/* ... within max bytes. */
ngx_int_t
ngx_http_lead_body_copy(ngx_http_request_t *r, u_char *buf, size_t max,
    size_t *len)
{
    u_char       *p = buf;
    size_t        n;
    ngx_chain_t  *cl;

    if (r->request_body == NULL || r->request_body->temp_file) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        n = cl->buf->last - cl->buf->pos;

        if (cl->buf->in_file || n > (size_t) (buf + max - p)) {
            return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
        }

        p = ngx_cpymem(p, cl->buf->pos, n);
    }

    *len = p - buf;

    return NGX_OK;
}
