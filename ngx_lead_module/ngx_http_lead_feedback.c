
/*
 * The feedback form at lead_feedback: GET gives the form (a fragment for
 * a page's SSI include, or a page of its own for ?path=), POST takes a
 * visitor's rating and comment of an asset into the write path as an
 * event, like a read, and answers 303 back to the asset's page.
 */


#include "ngx_http_lead.h"
#include "lead_feedback.h"


/* the placeholders feedback.html uses, in the order values are given */
enum {
    FEEDBACK_PAGE,
    FEEDBACK_TITLE,
    FEEDBACK_ACTION,
    FEEDBACK_PATH,
    FEEDBACK_TOKEN,
    FEEDBACK_THANKS,
    FEEDBACK_NO_COOKIE,
    FEEDBACK_NVALUES
};


static const char  *ngx_http_lead_feedback_names[] = {
    "page", "title", "action", "path", "token", "thanks", "no_cookie", NULL
};


static void ngx_http_lead_feedback_free(void *data);
static ngx_int_t ngx_http_lead_feedback_handler(ngx_http_request_t *r);
static void ngx_http_lead_feedback_post(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_feedback_store(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx, lead_feedback *fb);
static ngx_int_t ngx_http_lead_feedback_form(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_feedback_arg_path(ngx_http_request_t *r,
    ngx_str_t *path);
static u_char *ngx_http_lead_feedback_escape(ngx_http_request_t *r,
    u_char *path, size_t len, size_t *out);
static ngx_int_t ngx_http_lead_feedback_refuse(ngx_http_request_t *r,
    ngx_uint_t status, const char *text);


char *
ngx_http_lead_feedback(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_loc_conf_t  *llcf = conf;

    char                       err[1024];
    ngx_pool_cleanup_t        *cln;
    ngx_http_core_loc_conf_t  *clcf;

    if (llcf->feedback != NULL) {
        return "is duplicate";
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (lead_feedback_builtin(&llcf->feedback, ngx_http_lead_feedback_names,
                              err, sizeof(err))
        != LEAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_lead_feedback_free;
    cln->data = llcf->feedback;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_lead_feedback_handler;

    return NGX_CONF_OK;
}


static void
ngx_http_lead_feedback_free(void *data)
{
    lead_tmpl_free(data);
}


static ngx_int_t
ngx_http_lead_feedback_handler(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_http_lead_ctx_t  *ctx;

    ctx = ngx_http_lead_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method == NGX_HTTP_GET || r->method == NGX_HTTP_HEAD) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_lead_feedback_form(r);
    }

    if (r->method != NGX_HTTP_POST || r != r->main) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_lead_read_body_max(r, ngx_http_lead_feedback_post,
                                     LEAD_FEEDBACK_BODY_MAX);

    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_lead_feedback_refuse(r,
                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                   "The feedback sent is too long.");
    }

    return rc;
}


/*
 * A post: the cookie's visitor, the token made for it, the fields, an
 * asset; then its event.  A refusal answers and changes nothing.
 */
static void
ngx_http_lead_feedback_post(ngx_http_request_t *r)
{
    u_char                     *body, *loc, *p;
    size_t                      len, elen;
    ngx_int_t                   rc;
    ngx_str_t                   arg;
    lead_feedback              *fb;
    const lead_asset           *asset;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);
    ctx = ngx_http_lead_get_ctx(r);

    body = ngx_pnalloc(r->pool, LEAD_FEEDBACK_BODY_MAX);
    fb = ngx_palloc(r->pool, sizeof(lead_feedback));
    if (ctx == NULL || body == NULL || fb == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = ngx_http_lead_body_copy(r, body, LEAD_FEEDBACK_BODY_MAX, &len);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r,
            ngx_http_lead_feedback_refuse(r, rc,
                                          "The feedback sent is too long."));
        return;
    }

    rc = lead_feedback_parse((char *) body, len, fb);

    /* the token ties the post to this visitor's cookie: no cross-site post */
    if (ngx_http_lead_read_cookie(r, ctx) != NGX_OK || ctx->new_visitor
        || lead_form_token_verify(&lmcf->keys, ctx->visitor,
                                  fb->field[LEAD_FEEDBACK_TOKEN].data,
                                  fb->field[LEAD_FEEDBACK_TOKEN].len)
           != LEAD_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "lead: feedback posted without a valid token");
        ngx_http_finalize_request(r,
            ngx_http_lead_feedback_refuse(r, NGX_HTTP_FORBIDDEN,
                "This form has expired or was not sent from this site: "
                "please reload the page and try again."));
        return;
    }

    if (rc != LEAD_OK) {
        ngx_http_finalize_request(r,
            ngx_http_lead_feedback_refuse(r, NGX_HTTP_BAD_REQUEST,
                                          fb->error));
        return;
    }

    asset = lmcf->rules ? lead_rules_match(lmcf->rules, fb->path,
                                           fb->path_len)
                        : NULL;
    if (asset == NULL) {
        ngx_http_finalize_request(r,
            ngx_http_lead_feedback_refuse(r, NGX_HTTP_NOT_FOUND,
                                          "There is no such asset to rate."));
        return;
    }

    rc = ngx_http_lead_feedback_store(r, ctx, fb);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    /*
     * Back to the asset's page, or to this one when the form was posted
     * from it (action "?page=1"): a path of this site's, escaped.
     */
    loc = ngx_http_lead_feedback_escape(r, (u_char *) fb->path, fb->path_len,
                                        &elen);
    if (loc == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (ngx_http_arg(r, (u_char *) "page", 4, &arg) == NGX_OK) {
        len = r->uri.len + sizeof("?path=&feedback=thanks") - 1
              + elen + 2 * ngx_escape_uri(NULL, loc, elen,
                                          NGX_ESCAPE_URI_COMPONENT);
        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        body = p;
        p = ngx_cpymem(p, r->uri.data, r->uri.len);
        p = ngx_cpymem(p, "?path=", sizeof("?path=") - 1);
        p = (u_char *) ngx_escape_uri(p, loc, elen,
                                      NGX_ESCAPE_URI_COMPONENT);
        p = ngx_cpymem(p, "&feedback=thanks", sizeof("&feedback=thanks") - 1);

    } else {
        p = ngx_pnalloc(r->pool, elen + sizeof("?feedback=thanks#feedback"));
        if (p == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        body = p;
        p = ngx_cpymem(p, loc, elen);
        p = ngx_cpymem(p, "?feedback=thanks#feedback",
                       sizeof("?feedback=thanks#feedback") - 1);
    }

    ngx_http_finalize_request(r, ngx_http_lead_redirect(r, body, p - body));
}


/*
 * The feedback's event, on the write path like a read's hit: the path
 * (escaped, for the thread to normalise and match again), the visitor,
 * the request's id and agent, the rating and the comment; no status, no
 * bytes.  The worker's flush stores it with the reads.
 */
static ngx_int_t
ngx_http_lead_feedback_store(ngx_http_request_t *r, ngx_http_lead_ctx_t *ctx,
    lead_feedback *fb)
{
    size_t                      len;
    ngx_str_t                   target, id;
    ngx_time_t                 *tp;
    lead_event                  ev;
    ngx_table_elt_t            *h;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (ngx_http_lead_worker.batch == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    target.data = ngx_http_lead_feedback_escape(r, (u_char *) fb->path,
                                                fb->path_len, &len);
    if (target.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    target.len = ngx_min(len, LEAD_TARGET_MAX);

    ngx_memzero(&ev, sizeof(lead_event));

    tp = ngx_timeofday();
    ev.time_ms = (uint64_t) tp->sec * 1000 + tp->msec;
    ngx_memcpy(ev.visitor, ctx->visitor, LEAD_ID_LEN);
    ngx_http_lead_request_id(r, ev.id, &id);

    h = r->headers_in.user_agent;
    if (h) {
        ev.ua_class = lead_ua_classify_cached(ngx_http_lead_worker.agents,
                                              (char *) h->value.data,
                                              h->value.len, &ev.agent);
    }

    ev.rating = fb->rating;
    ev.comment.data = fb->comment.data;
    ev.comment.len = fb->comment.len;

    ngx_http_lead_write_add(r->connection->log, &ev, &target,
                            lmcf->geoip ? r->connection->sockaddr : NULL);
    ngx_http_lead_event_rated(r, &ev, &target);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "lead: feedback of %uD on \"%*s\"",
                  (uint32_t) fb->rating, fb->path_len, fb->path);

    return NGX_OK;
}


/*
 * The form: in a page's SSI include, for the page's path and visitor and
 * with the thanks its ?feedback=thanks asks for; asked for itself, a page
 * for ?path= (a new visitor gets its cookie here).
 */
static ngx_int_t
ngx_http_lead_feedback_form(ngx_http_request_t *r)
{
    u_char                     *action, *p;
    size_t                      elen;
    ngx_str_t                   arg, path;
    lead_str                    v[FEEDBACK_NVALUES];
    ngx_uint_t                  sub;
    const lead_asset           *asset;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_loc_conf_t   *llcf;
    ngx_http_lead_main_conf_t  *lmcf;
    char                       *token;

    llcf = ngx_http_lead_loc_conf(r);
    lmcf = ngx_http_lead_main_conf(r);
    sub = (r != r->main);

    ctx = ngx_http_lead_get_ctx(r);
    token = ngx_pnalloc(r->pool, LEAD_TOKEN_LEN);
    if (ctx == NULL || token == NULL
        || ngx_http_lead_read_cookie(r, ctx) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(v, sizeof(v));

#define FEEDBACK_SET(i, s, n)  v[i].data = (char *) (s); v[i].len = (n)

    asset = NULL;

    if (sub) {
        /* the including page's own path, as tracking found it */
        ctx = ngx_http_lead_get_asset(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        path = ctx->path;
        asset = ctx->asset;

    } else {
        /* this request records no read of its own */
        ctx->hit_done = 1;
        ctx->hit = NULL;

        if (ngx_http_lead_feedback_arg_path(r, &path) != NGX_OK) {
            return ngx_http_lead_feedback_refuse(r, NGX_HTTP_BAD_REQUEST,
                       "Which page? Link here with ?path=/the/page.html.");
        }

        if (path.len && lmcf->rules) {
            asset = lead_rules_match(lmcf->rules, (char *) path.data,
                                     path.len);
        }

        FEEDBACK_SET(FEEDBACK_PAGE, "1", 1);
    }

    if (path.len == 0 || asset == NULL) {
        /* a page no asset rule names has no form: its post would fail */
        if (sub) {
            r->headers_out.status = NGX_HTTP_OK;
            r->headers_out.content_length_n = 0;
            return ngx_http_lead_send(r, NULL, 0);
        }

        return ngx_http_lead_feedback_refuse(r, NGX_HTTP_NOT_FOUND,
                                             "There is no such asset to "
                                             "rate.");
    }

    FEEDBACK_SET(FEEDBACK_TITLE, asset->title, ngx_strlen(asset->title));

    p = ngx_http_lead_feedback_escape(r, path.data, path.len, &elen);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    FEEDBACK_SET(FEEDBACK_PATH, p, elen);

    if (sub) {
        FEEDBACK_SET(FEEDBACK_ACTION, r->uri.data, r->uri.len);

    } else {
        action = ngx_pnalloc(r->pool, r->uri.len + sizeof("?page=1") - 1);
        if (action == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        p = ngx_cpymem(action, r->uri.data, r->uri.len);
        p = ngx_cpymem(p, "?page=1", sizeof("?page=1") - 1);
        FEEDBACK_SET(FEEDBACK_ACTION, action, p - action);
    }

    if (ngx_http_arg(r->main, (u_char *) "feedback", 8, &arg) == NGX_OK
        && arg.len == 6 && ngx_strncmp(arg.data, "thanks", 6) == 0)
    {
        FEEDBACK_SET(FEEDBACK_THANKS, "1", 1);
    }

    /*
     * A visitor made for this very page goes out with the page's cookie;
     * one the page's response could not tell the browser of (tracking
     * off there) cannot post.
     */
    if (sub && ctx->new_visitor && !ctx->cookie_set) {
        FEEDBACK_SET(FEEDBACK_NO_COOKIE, "1", 1);

    } else {
        lead_form_token(&lmcf->keys, ctx->visitor, token);
        FEEDBACK_SET(FEEDBACK_TOKEN, token, LEAD_TOKEN_LEN);
    }

#undef FEEDBACK_SET

    return ngx_http_lead_send_form(r, NGX_HTTP_OK, llcf->feedback, v, ctx);
}


/* ?path=, decoded and normalised: NGX_DECLINED when missing or foreign. */
static ngx_int_t
ngx_http_lead_feedback_arg_path(ngx_http_request_t *r, ngx_str_t *path)
{
    int        n;
    u_char    *dst, *src;
    ngx_str_t  arg;
    lead_str   raw;

    if (ngx_http_arg(r, (u_char *) "path", 4, &arg) != NGX_OK) {
        return NGX_DECLINED;
    }

    dst = ngx_pnalloc(r->pool, arg.len + LEAD_PATH_MAX);
    if (dst == NULL) {
        return NGX_ERROR;
    }

    raw.data = (char *) dst;
    src = arg.data;
    ngx_unescape_uri(&dst, &src, arg.len, 0);
    raw.len = dst - (u_char *) raw.data;

    if (!lead_return_valid(raw.data, raw.len)) {
        return NGX_DECLINED;
    }

    path->data = (u_char *) raw.data + arg.len;
    n = lead_path_normalize(raw.data, raw.len, (char *) path->data);
    path->len = n > 0 ? n : 0;

    return NGX_OK;
}


/* A normalised path as a URI's path again: '%', '?', '#' and the rest. */
static u_char *
ngx_http_lead_feedback_escape(ngx_http_request_t *r, u_char *path,
    size_t len, size_t *out)
{
    u_char  *p, *last;

    p = ngx_pnalloc(r->pool, len + 2 * ngx_escape_uri(NULL, path, len,
                                                      NGX_ESCAPE_URI));
    if (p == NULL) {
        return NULL;
    }

    last = (u_char *) ngx_escape_uri(p, path, len, NGX_ESCAPE_URI);
    *out = last - p;

    return p;
}


/* A refusal, said in a line of plain text; nothing was stored. */
static ngx_int_t
ngx_http_lead_feedback_refuse(ngx_http_request_t *r, ngx_uint_t status,
    const char *text)
{
    u_char     *body, *p;
    size_t      len;

    static ngx_str_t  no_store = ngx_string("private, no-store");

    len = ngx_strlen(text) + 1;

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(body, text, len - 1);
    *p = '\n';

    if (ngx_http_lead_add_header(r, "Cache-Control", &no_store) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "text/plain; charset=utf-8");
    r->headers_out.content_type_len = sizeof("text/plain") - 1;

    return ngx_http_lead_send(r, body, len);
}
