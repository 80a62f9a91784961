
/*
 * The sales view at lead_sales's prefix location.  nginx glue only: the
 * pages, exports and actions are profiler/report/lead_sales.c; here the
 * request is handed over and the response sent, with the headers that
 * keep a page of leads' names private.  A page is made in nginx's thread
 * pool (the funnel reads every event: a second at 100k leads), so the
 * worker goes on serving the site meanwhile.
 */


#include "ngx_http_lead.h"
#include "lead_feedback.h"


/* one page in the making: what the thread is given and gives back */
typedef struct {
    ngx_http_request_t        *request;
    lead_sales                *app;
    lead_store                *store;      /* the thread's own handle */
    const lead_rules          *rules;
    lead_sales_request         req;
    lead_sales_response        resp;
    u_char                     body[LEAD_SALES_BODY_MAX];
} ngx_http_lead_page_t;


static ngx_int_t ngx_http_lead_sales_handler(ngx_http_request_t *r);
static void ngx_http_lead_sales_post(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_sales_serve(ngx_http_request_t *r,
    u_char *body, size_t len);
#if (NGX_THREADS)
static void ngx_http_lead_sales_thread(void *data, ngx_log_t *log);
static void ngx_http_lead_sales_made(ngx_event_t *ev);
#endif
static ngx_int_t ngx_http_lead_sales_reply(ngx_http_request_t *r,
    ngx_http_lead_page_t *page);
static ngx_int_t ngx_http_lead_sales_send(ngx_http_request_t *r,
    lead_sales_response *resp);
static void ngx_http_lead_free_sales(void *data);
static void ngx_http_lead_free_buf(void *data);


char *
ngx_http_lead_sales(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_loc_conf_t  *llcf = conf;

    char                        err[1024];
    ngx_pool_cleanup_t         *cln;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_lead_main_conf_t  *lmcf;

    if (llcf->sales.data) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    /* pages link to each other below the location's own prefix */
    if (clcf->exact_match || clcf->named
#if (NGX_PCRE)
        || clcf->regex
#endif
        || clcf->name.len == 0 || clcf->name.data[0] != '/')
    {
        return "needs a prefix location, such as \"location /lead/sales/\"";
    }

    llcf->sales.len = clcf->name.len
                      + (clcf->name.data[clcf->name.len - 1] != '/');
    llcf->sales.data = ngx_pnalloc(cf->pool, llcf->sales.len);
    if (llcf->sales.data == NULL) {
        return NGX_CONF_ERROR;
    }
    ngx_memcpy(llcf->sales.data, clcf->name.data, clcf->name.len);
    llcf->sales.data[llcf->sales.len - 1] = '/';

    clcf->handler = ngx_http_lead_sales_handler;

    /* "/lead/sales" is sent to "/lead/sales/", as for a proxied prefix */
    clcf->auto_redirect = 1;

    lmcf = ngx_http_lead_cf_main_conf(cf);

    if (lmcf->sales == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        if (lead_sales_new(&lmcf->sales, err, sizeof(err)) != LEAD_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "lead_sales: %s", err);
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_lead_free_sales;
        cln->data = lmcf->sales;
    }

    return NGX_CONF_OK;
}


static void
ngx_http_lead_free_sales(void *data)
{
    lead_sales_free(data);
}


static ngx_int_t
ngx_http_lead_sales_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_table_elt_t           *location;
    ngx_http_lead_loc_conf_t  *llcf;

    static ngx_str_t           allowed = ngx_string("GET, HEAD, POST");

    llcf = ngx_http_lead_loc_conf(r);

    /* "/lead/sales" goes to "/lead/sales/": links are relative to it */
    if (r->uri.len == llcf->sales.len - 1
        && ngx_strncmp(r->uri.data, llcf->sales.data, r->uri.len) == 0)
    {
        location = ngx_http_lead_add_header(r, "Location", &llcf->sales);
        if (location == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        r->headers_out.location = location;
        return NGX_HTTP_MOVED_PERMANENTLY;
    }

    if (r->method == NGX_HTTP_GET || r->method == NGX_HTTP_HEAD) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }
        return ngx_http_lead_sales_serve(r, NULL, 0);
    }

    if (r->method != NGX_HTTP_POST) {
        if (ngx_http_lead_add_header(r, "Allow", &allowed) == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_lead_read_body_max(r, ngx_http_lead_sales_post,
                                       LEAD_SALES_BODY_MAX);
}


static void
ngx_http_lead_sales_post(ngx_http_request_t *r)
{
    u_char     body[LEAD_SALES_BODY_MAX];
    size_t     len;
    ngx_int_t  rc;

    rc = ngx_http_lead_body_copy(r, body, LEAD_SALES_BODY_MAX, &len);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    ngx_http_finalize_request(r, ngx_http_lead_sales_serve(r, body, len));
}


static ngx_int_t
ngx_http_lead_sales_serve(ngx_http_request_t *r, u_char *body, size_t len)
{
    ngx_time_t                 *tp;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_page_t       *page;
    ngx_http_lead_loc_conf_t   *llcf;
    ngx_http_lead_main_conf_t  *lmcf;
    lead_sales_request         *req;
#if (NGX_THREADS)
    ngx_thread_task_t          *task = NULL;
#endif

    llcf = ngx_http_lead_loc_conf(r);
    lmcf = ngx_http_lead_main_conf(r);

    if (r->uri.len < llcf->sales.len
        || ngx_strncmp(r->uri.data, llcf->sales.data, llcf->sales.len) != 0)
    {
        return NGX_HTTP_NOT_FOUND;
    }

    if (ngx_http_lead_worker.store == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "lead: the sales view has no store \"%s\"",
                      lmcf->store.data);
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    /* the browser's visitor cookie binds the actions' anti-CSRF token */
    ctx = ngx_http_lead_get_ctx(r);
    if (ctx == NULL || ngx_http_lead_read_cookie(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

#if (NGX_THREADS)
    if (ngx_http_lead_worker.pool) {
        task = ngx_thread_task_alloc(r->pool, sizeof(ngx_http_lead_page_t));
        if (task == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        page = task->ctx;
    } else
#endif
    {
        page = ngx_pcalloc(r->pool, sizeof(ngx_http_lead_page_t));
        if (page == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    page->request = r;
    page->app = lmcf->sales;
    page->rules = lmcf->rules;

    req = &page->req;
    req->post = r->method == NGX_HTTP_POST;
    req->path.data = (char *) r->uri.data + llcf->sales.len;
    req->path.len = r->uri.len - llcf->sales.len;
    req->query.data = (char *) r->args.data;
    req->query.len = r->args.len;
    /* the body was read into the caller's stack */
    if (len) {
        ngx_memcpy(page->body, body, len);
    }
    req->body.data = (char *) page->body;
    req->body.len = len;
    req->base.data = (char *) llcf->sales.data;
    req->base.len = llcf->sales.len;
    /*
     * who acts: the user auth_basic checked ($remote_user); the module
     * never reads a name out of a client's Authorization header itself
     */
    req->user.data = (char *) r->headers_in.user.data;
    req->user.len = r->headers_in.user.len;
    req->keys = &lmcf->keys;
    ngx_memcpy(req->browser, ctx->visitor, LEAD_ID_LEN);
    req->browser_known = !ctx->new_visitor;
    tp = ngx_timeofday();
    req->now_ms = (uint64_t) tp->sec * 1000 + tp->msec;

#if (NGX_THREADS)
    if (task) {
        page->store = lead_store_share(ngx_http_lead_worker.store);
        if (page->store == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        task->handler = ngx_http_lead_sales_thread;
        task->event.handler = ngx_http_lead_sales_made;
        task->event.data = page;

        if (ngx_thread_task_post(ngx_http_lead_worker.pool, task) == NGX_OK)
        {
            /* the store stays open until the page is made */
            ngx_http_lead_worker.pages++;
            r->main->count++;
            return NGX_DONE;
        }

        lead_store_close(page->store);
    }
#endif

    /* no thread: here and now */
    page->store = ngx_http_lead_worker.store;
    lead_sales_serve(page->app, page->store, page->rules, req, &page->resp);

    return ngx_http_lead_sales_reply(r, page);
}


#if (NGX_THREADS)

/* In the thread: only the page and the store are touched here. */
static void
ngx_http_lead_sales_thread(void *data, ngx_log_t *log)
{
    ngx_http_lead_page_t  *page = data;

    (void) log;

    ngx_http_lead_thread_aside();
    lead_sales_serve(page->app, page->store, page->rules, &page->req,
                     &page->resp);
}


/* Back in the event loop: the page goes out. */
static void
ngx_http_lead_sales_made(ngx_event_t *ev)
{
    ngx_http_lead_page_t  *page = ev->data;
    ngx_http_request_t    *r = page->request;

    lead_store_close(page->store);
    ngx_http_lead_worker.pages--;

    ngx_http_finalize_request(r, ngx_http_lead_sales_reply(r, page));
}

#endif


/* The page made: the visitor's cookie if new, headers and body. */
static ngx_int_t
ngx_http_lead_sales_reply(ngx_http_request_t *r, ngx_http_lead_page_t *page)
{
    ngx_int_t                   rc;
    ngx_pool_cleanup_t         *cln;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);
    ctx = ngx_http_lead_find_ctx(r);

    /* the page leaves from where it was made, freed with the request */
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        free(page->resp.body.data);
        lead_buf_free(&page->resp.location);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    cln->handler = ngx_http_lead_free_buf;
    cln->data = page->resp.body.data;

    if (ctx->new_visitor && ngx_http_lead_set_cookie(r, lmcf, ctx) != NGX_OK)
    {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else if (page->resp.body.oom || page->resp.location.oom) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "lead: a sales view page did not fit in memory");
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        rc = ngx_http_lead_sales_send(r, &page->resp);
    }

    lead_buf_free(&page->resp.location);

    return rc;
}


static ngx_int_t
ngx_http_lead_sales_send(ngx_http_request_t *r, lead_sales_response *resp)
{
    ngx_str_t          value;
    ngx_uint_t         i;
    ngx_table_elt_t   *location;

    static struct {
        const char  *key;
        ngx_str_t    value;
    } headers[] = {
        /* no inline script or style; never framed, cached or referred */
        { "Content-Security-Policy",
          ngx_string("default-src 'none'; script-src 'self'; "
                     "style-src 'self'; img-src 'self'; "
                     "form-action 'self'; frame-ancestors 'none'; "
                     "base-uri 'none'") },
        { "X-Content-Type-Options", ngx_string("nosniff") },
        { "Referrer-Policy", ngx_string("no-referrer") },
        { "Cache-Control", ngx_string("no-store") },
    };

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        if (ngx_http_lead_add_header(r, headers[i].key, &headers[i].value)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (resp->disposition) {
        value.data = (u_char *) resp->disposition;
        value.len = ngx_strlen(resp->disposition);
        if (ngx_http_lead_add_header(r, "Content-Disposition", &value)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (resp->status == NGX_HTTP_SEE_OTHER) {
        value.data = ngx_pnalloc(r->pool, resp->location.len);
        if (value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        value.len = resp->location.len;
        ngx_memcpy(value.data, resp->location.data, value.len);
        location = ngx_http_lead_add_header(r, "Location", &value);
        if (location == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        r->headers_out.location = location;
    }

    r->headers_out.status = resp->status;
    r->headers_out.content_length_n = resp->body.len;
    r->headers_out.content_type.data = (u_char *) resp->type;
    r->headers_out.content_type.len = ngx_strlen(resp->type);
    r->headers_out.content_type_len = ngx_strchr(resp->type, ';')
                         ? (size_t) (ngx_strchr(resp->type, ';')
                                     - resp->type)
                         : r->headers_out.content_type.len;

    return ngx_http_lead_send(r, (u_char *) resp->body.data, resp->body.len);
}


static void
ngx_http_lead_free_buf(void *data)
{
    free(data);
}
