
/*
 * Telling of notices: a line in the error log for each new MQL, and, with
 * lead_notify, each notice the write path takes from the store posted to
 * the lead_notify location, so nginx's own upstream machinery (proxy_pass,
 * TLS, timeouts) delivers it.  No visitor's request carries it: it goes
 * as a background subrequest of a request of its own, on a connection the
 * module makes for it and nginx closes once the subrequest is done; its
 * answer is the notice's outcome (ngx_http_lead_outbox.c).
 */


#include "ngx_http_lead.h"


/* what a send's answer is for: its slot, and which send of the slot */
typedef struct {
    ngx_uint_t   slot;
    ngx_uint_t   gen;
    ngx_uint_t   heard;
} ngx_http_lead_send_t;


static ngx_connection_t *ngx_http_lead_notify_connection(ngx_log_t *log);
static u_char *ngx_http_lead_notify_log(ngx_log_t *log, u_char *buf,
    size_t len);
static ngx_int_t ngx_http_lead_notify_done(ngx_http_request_t *r,
    void *data, ngx_int_t rc);


/*
 * After the configuration is read: where no location of any server
 * matched lead_notify, the notices go to the first server, said once.
 */
ngx_int_t
ngx_http_lead_notify_init(ngx_conf_t *cf)
{
    ngx_http_core_srv_conf_t   **cscfp;
    ngx_http_core_main_conf_t   *cmcf;
    ngx_http_lead_main_conf_t   *lmcf;

    lmcf = ngx_http_lead_cf_main_conf(cf);

    if (lmcf->notify.len == 0 || lmcf->notify_ctx) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    if (cmcf->servers.nelts == 0) {
        return NGX_OK;
    }

    cscfp = cmcf->servers.elts;
    lmcf->notify_ctx = cscfp[0]->ctx;

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                       "lead_notify: no location of any server matches "
                       "\"%V\"; notices go to the first server",
                       &lmcf->notify);

    return NGX_OK;
}


/*
 * As each location is merged (cf->ctx is the location and its server):
 * the server whose location the lead_notify URI names, as nginx would
 * find it, an exact match first, else the longest prefix.
 */
void
ngx_http_lead_notify_match(ngx_conf_t *cf, ngx_http_lead_main_conf_t *lmcf)
{
    size_t                     match;
    ngx_http_conf_ctx_t       *ctx = cf->ctx;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_core_srv_conf_t  *cscf;

    if (lmcf->notify.len == 0) {
        return;
    }

    clcf = ctx->loc_conf[ngx_http_core_module.ctx_index];

    if (clcf->name.len == 0 || clcf->named || clcf->noname
#if (NGX_PCRE)
        || clcf->regex
#endif
        || clcf->name.len > lmcf->notify.len
        || ngx_strncmp(clcf->name.data, lmcf->notify.data, clcf->name.len)
           != 0)
    {
        return;
    }

    if (clcf->exact_match) {
        if (clcf->name.len != lmcf->notify.len) {
            return;
        }
        match = NGX_MAX_SIZE_T_VALUE;

    } else {
        match = clcf->name.len;
    }

    if (lmcf->notify_ctx && match <= lmcf->notify_match) {
        return;
    }

    cscf = ctx->srv_conf[ngx_http_core_module.ctx_index];
    lmcf->notify_ctx = cscf->ctx;
    lmcf->notify_match = match;
}


/* A lead became mql (the write path's fold, or a form): said in the log. */
int
ngx_http_lead_promoted(void *arg, const uint8_t *lead_id,
    const char *cause, double engagement)
{
    u_char  hex[LEAD_ID_HEX_LEN];

    lead_id_to_hex(lead_id, (char *) hex);

    ngx_log_error(NGX_LOG_NOTICE, (ngx_log_t *) arg, 0,
                  "lead: lead %*s is now an MQL: %s (engagement %L)",
                  (size_t) LEAD_ID_HEX_LEN, hex, cause,
                  (int64_t) (engagement + 0.5));

    return 0;
}


/*
 * Another device claims a lead: the store queued the confirm notice with
 * the claim; without somewhere to send it, it is dropped, said here.
 */
void
ngx_http_lead_notify_confirm(ngx_log_t *log, const uint8_t *visitor,
    const uint8_t *lead_id)
{
    ngx_http_lead_main_conf_t  *lmcf = ngx_http_lead_worker.lmcf;

    (void) visitor;
    (void) lead_id;

    if (lmcf->notify.len == 0 || lmcf->confirm_url.len == 0) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "lead: a claim waits for confirmation, but without "
                      "\"lead_notify\" and \"lead_confirm_url\" no link "
                      "is sent");
    }
}


/*
 * A notice's JSON posted to the lead_notify location: a request of its
 * own, in the server found for it, whose one background subrequest is
 * the POST.  The request holds no reference of its own once the
 * subrequest is made: nginx frees it, and closes its connection, when
 * the subrequest is done, as it would a client's.  It writes no access
 * log line; the subrequest does where its location has log_subrequest.
 */
ngx_int_t
ngx_http_lead_notify_post(ngx_log_t *log, ngx_uint_t slot, ngx_uint_t gen,
    u_char *body, size_t len)
{
    ngx_buf_t                   *b;
    ngx_chain_t                 *cl;
    ngx_connection_t            *c;
    ngx_http_request_t          *r, *sr;
    ngx_http_lead_send_t        *send;
    ngx_http_connection_t       *hc;
    ngx_http_request_body_t     *rb;
    ngx_http_post_subrequest_t  *ps;
    ngx_http_lead_main_conf_t   *lmcf = ngx_http_lead_worker.lmcf;

    if (lmcf->notify_ctx == NULL) {
        return NGX_ERROR;
    }

    c = ngx_http_lead_notify_connection(log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    hc = ngx_pcalloc(c->pool, sizeof(ngx_http_connection_t));
    if (hc == NULL) {
        goto failed;
    }

    hc->conf_ctx = lmcf->notify_ctx;
    c->data = hc;

    /* the server's error_log, and counted as nginx counts requests */
    r = ngx_http_create_request(c);
    if (r == NULL) {
        goto failed;
    }

    c->data = r;

    /* nothing reads it, nothing logs it: the subrequest is the notice */
    r->logged = 1;
    r->method = NGX_HTTP_POST;
    ngx_str_set(&r->method_name, "POST");
    r->uri = lmcf->notify;
    r->unparsed_uri = lmcf->notify;
    r->write_event_handler = ngx_http_request_empty_handler;

    if (ngx_list_init(&r->headers_in.headers, r->pool, 2,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        goto failed_request;
    }

    send = ngx_palloc(r->pool, sizeof(ngx_http_lead_send_t));
    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    b = ngx_create_temp_buf(r->pool, len ? len : 1);
    cl = ngx_alloc_chain_link(r->pool);
    if (send == NULL || ps == NULL || rb == NULL || b == NULL || cl == NULL) {
        goto failed_request;
    }

    b->last = ngx_cpymem(b->pos, body, len);
    b->last_buf = 1;
    cl->buf = b;
    cl->next = NULL;
    rb->bufs = cl;
    rb->buf = b;

    /* the subrequest copies both */
    r->request_body = rb;
    r->headers_in.content_length_n = len;

    send->slot = slot;
    send->gen = gen;
    send->heard = 0;
    ps->handler = ngx_http_lead_notify_done;
    ps->data = send;

    if (ngx_http_subrequest(r, &lmcf->notify, NULL, &sr, ps,
                            NGX_HTTP_SUBREQUEST_BACKGROUND)
        != NGX_OK)
    {
        goto failed_request;
    }

    /* its response goes nowhere: a body would wait to be sent */
    sr->header_only = 1;
    sr->method = NGX_HTTP_POST;
    ngx_str_set(&sr->method_name, "POST");

    /*
     * The request lets go of itself: the subrequest holds it now, and
     * once that is done, the connection's eof makes nginx close both.
     */
    c->read->eof = 1;
    ngx_http_finalize_request(r, NGX_DONE);

    ngx_http_run_posted_requests(c);

    return NGX_OK;

failed_request:

    ngx_http_free_request(r, 0);

failed:

    ngx_http_close_connection(c);

    return NGX_ERROR;
}


/*
 * A connection that is nobody's: a socket never connected nor watched,
 * so that nginx may close it as any other; its events never fire.
 */
static ngx_connection_t *
ngx_http_lead_notify_connection(ngx_log_t *log)
{
    ngx_log_t           *cl;
    ngx_socket_t         s;
    ngx_connection_t    *c;
    ngx_http_log_ctx_t  *ctx;
    struct sockaddr_in  *sin;

    s = ngx_socket(AF_INET, SOCK_STREAM, 0);
    if (s == (ngx_socket_t) -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_socket_errno,
                      "lead: cannot send a notice: " ngx_socket_n " failed");
        return NULL;
    }

    c = ngx_get_connection(s, log);
    if (c == NULL) {
        (void) ngx_close_socket(s);
        return NULL;
    }

    c->pool = ngx_create_pool(1024, log);
    if (c->pool == NULL) {
        ngx_close_connection(c);
        return NULL;
    }

#if (NGX_STAT_STUB)
    /* ngx_http_close_connection counts it out */
    (void) ngx_atomic_fetch_add(ngx_stat_active, 1);
#endif

    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);

    cl = ngx_palloc(c->pool, sizeof(ngx_log_t));
    ctx = ngx_pcalloc(c->pool, sizeof(ngx_http_log_ctx_t));
    sin = ngx_pcalloc(c->pool, sizeof(struct sockaddr_in));
    if (cl == NULL || ctx == NULL || sin == NULL) {
        goto failed;
    }

    /* nginx itself, on this machine */
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->sockaddr = (struct sockaddr *) sin;
    c->socklen = sizeof(struct sockaddr_in);
    c->local_sockaddr = c->sockaddr;
    c->local_socklen = c->socklen;
    ngx_str_set(&c->addr_text, "127.0.0.1");

    *cl = *ngx_cycle->log;
    ctx->connection = c;
    cl->connection = c->number;
    cl->handler = ngx_http_lead_notify_log;
    cl->data = ctx;
    cl->action = NULL;
    c->log = cl;
    c->log_error = NGX_ERROR_INFO;
    c->read->log = cl;
    c->write->log = cl;

    /*
     * Neither event is watched, and both say they are, so that nothing
     * adds them: the upstream would, to hear of a client gone; nothing
     * is ever to be read, and writing is always possible.
     */
    c->read->handler = ngx_http_empty_handler;
    c->write->handler = ngx_http_empty_handler;
    c->read->active = 1;
    c->write->active = 1;
    c->write->ready = 1;

    return c;

failed:

    ngx_http_close_connection(c);

    return NULL;
}


static u_char *
ngx_http_lead_notify_log(ngx_log_t *log, u_char *buf, size_t len)
{
    u_char  *p;

    p = buf;

    if (log->action) {
        p = ngx_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    return ngx_snprintf(buf, len, ", sending a lead notice to \"%V\"",
                        &ngx_http_lead_worker.lmcf->notify);
}


/*
 * The webhook's answer, heard once (nginx may call this again for one
 * error status): its status, or none.  The subrequest then ends as
 * finished, so no error page is made of a status nobody reads.
 */
static ngx_int_t
ngx_http_lead_notify_done(ngx_http_request_t *r, void *data, ngx_int_t rc)
{
    ngx_uint_t             status;
    ngx_http_lead_send_t  *send = data;

    if (!send->heard) {
        send->heard = 1;

        status = r->headers_out.status;
        if (status == 0 && rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            status = rc;
        }

        ngx_http_lead_notice_sent(&ngx_http_lead_worker, send->slot,
                                  send->gen, status);
    }

    return (rc == NGX_ERROR || rc == NGX_HTTP_CLOSE) ? rc : NGX_OK;
}
