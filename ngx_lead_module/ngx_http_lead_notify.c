
/*
 * Telling of new MQLs: a line in the error log, and, with lead_notify,
 * a notice to sales; and of claims, a confirm notice with the link the
 * lead is mailed.  When a lead becomes an MQL the worker queues a JSON
 * notice and posts it to the lead_notify location as a background
 * subrequest of the next request it serves, so nginx's own upstream
 * machinery (proxy_pass, TLS, timeouts) delivers it and no response
 * waits for it.  A failed delivery is retried with a growing delay.
 */


#include "ngx_http_lead.h"


#define NGX_HTTP_LEAD_NOTICE_MAX       1000    /* queued per worker */
#define NGX_HTTP_LEAD_NOTICE_TRIES     10
#define NGX_HTTP_LEAD_NOTICE_PER_REQ   4
#define NGX_HTTP_LEAD_NOTICE_MAX_WAIT  300000  /* ms between tries */
#define NGX_HTTP_LEAD_NOTICE_IN_FLIGHT 120000  /* ms a try may take */


struct ngx_http_lead_notice_s {
    ngx_http_lead_notice_t  *next;
    ngx_uint_t               id;
    ngx_msec_t               due;        /* also while in flight: */
    ngx_uint_t               tries;      /* a lost try is tried again */
    size_t                   len;
    u_char                   body[1];
};


static void ngx_http_lead_notify_queue(ngx_log_t *log,
    const uint8_t *lead_id, const char *cause);
static void ngx_http_lead_notice_add(ngx_log_t *log, lead_buf *json);
static ngx_int_t ngx_http_lead_notify_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_notice_done(ngx_http_request_t *r,
    void *data, ngx_int_t rc);
static ngx_http_lead_notice_t *ngx_http_lead_notice_find(ngx_uint_t id);
static void ngx_http_lead_notice_drop(ngx_http_lead_notice_t *n);


static ngx_uint_t  ngx_http_lead_notice_ids;


ngx_int_t
ngx_http_lead_notify_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_notify_handler;

    return NGX_OK;
}


/* A lead became mql (the write path's fold, or a form): say so. */
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

    ngx_http_lead_notify_queue(arg, lead_id, cause);

    return 0;
}


/*
 * Another device claims a lead: the lead is sent a link that confirms
 * it (the store allowed this notice: it counts them per device and lead).
 */
void
ngx_http_lead_notify_confirm(ngx_log_t *log, const uint8_t *visitor,
    const uint8_t *lead_id)
{
    lead_buf                    json;
    ngx_time_t                 *tp;
    ngx_http_lead_worker_t     *w = &ngx_http_lead_worker;
    ngx_http_lead_main_conf_t  *lmcf = w->lmcf;

    if (lmcf->notify.len == 0 || lmcf->confirm_url.len == 0) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "lead: a claim waits for confirmation, but without "
                      "\"lead_notify\" and \"lead_confirm_url\" no link "
                      "is sent");
        return;
    }

    tp = ngx_timeofday();

    ngx_memzero(&json, sizeof(lead_buf));
    if (lead_confirm_notice(&json, w->store, lmcf->secret.data,
                            lmcf->secret.len, (char *) lmcf->confirm_url.data,
                            visitor, lead_id,
                            (uint64_t) tp->sec * 1000 + tp->msec)
        != LEAD_OK || json.len == 0)
    {
        lead_buf_free(&json);
        return;
    }

    ngx_http_lead_notice_add(log, &json);
}


static void
ngx_http_lead_notify_queue(ngx_log_t *log, const uint8_t *lead_id,
    const char *cause)
{
    lead_buf                 json;
    ngx_time_t              *tp;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->lmcf->notify.len == 0) {
        return;
    }

    tp = ngx_timeofday();

    ngx_memzero(&json, sizeof(lead_buf));
    if (lead_mql_notice(&json, w->store, w->lmcf->rules, lead_id, cause,
                        (uint64_t) tp->sec * 1000 + tp->msec)
        != LEAD_OK || json.len == 0)
    {
        lead_buf_free(&json);
        return;
    }

    ngx_http_lead_notice_add(log, &json);
}


/* A notice's JSON queued for delivery; json is freed. */
static void
ngx_http_lead_notice_add(ngx_log_t *log, lead_buf *json)
{
    ngx_uint_t               queued;
    ngx_http_lead_notice_t  *n, **last;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    queued = 0;
    for (last = &w->notices; *last; last = &(*last)->next) {
        queued++;
    }

    if (queued >= NGX_HTTP_LEAD_NOTICE_MAX) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "lead: %ui notices wait for delivery to \"%V\"; "
                      "this one is dropped", queued, &w->lmcf->notify);
        lead_buf_free(json);
        return;
    }

    n = ngx_alloc(sizeof(ngx_http_lead_notice_t) + json->len, log);
    if (n == NULL) {
        lead_buf_free(json);
        return;
    }

    n->next = NULL;
    n->id = ++ngx_http_lead_notice_ids;
    n->due = ngx_current_msec;
    n->tries = 0;
    n->len = json->len;
    ngx_memcpy(n->body, json->data, json->len);
    lead_buf_free(json);

    *last = n;
}


/*
 * Precontent phase of any main request: post the notices that are due,
 * as background subrequests the visitor's response does not wait for.
 * As with mirror, its connection is kept alive when the subrequests are
 * done, so its next request may wait for the webhook: the notify
 * location's proxy timeouts bound that.  The visitor's request itself
 * is left as it is.
 */
static ngx_int_t
ngx_http_lead_notify_handler(ngx_http_request_t *r)
{
    ngx_uint_t                   sent;
    ngx_buf_t                   *b;
    ngx_chain_t                 *cl;
    ngx_http_request_t          *sr;
    ngx_http_request_body_t     *rb;
    ngx_http_lead_notice_t      *n;
    ngx_http_post_subrequest_t  *ps;
    ngx_http_lead_worker_t      *w = &ngx_http_lead_worker;

    if (w->notices == NULL || r != r->main) {
        return NGX_DECLINED;
    }

    sent = 0;

    for (n = w->notices; n && sent < NGX_HTTP_LEAD_NOTICE_PER_REQ;
         n = n->next)
    {
        if ((ngx_msec_int_t) (n->due - ngx_current_msec) > 0) {
            continue;
        }

        ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
        rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
        b = ngx_create_temp_buf(r->pool, n->len);
        cl = ngx_alloc_chain_link(r->pool);
        if (ps == NULL || rb == NULL || b == NULL || cl == NULL) {
            break;
        }

        /* the body is the request's own copy: the notice may go first */
        b->last = ngx_cpymem(b->pos, n->body, n->len);
        b->last_buf = 1;
        cl->buf = b;
        cl->next = NULL;
        rb->bufs = cl;
        rb->buf = b;

        /* the notice by id, not by pointer: it may be gone by the answer */
        ps->handler = ngx_http_lead_notice_done;
        ps->data = (void *) (uintptr_t) n->id;

        if (ngx_http_subrequest(r, &w->lmcf->notify, NULL, &sr, ps,
                                NGX_HTTP_SUBREQUEST_BACKGROUND)
            != NGX_OK)
        {
            break;
        }

        /* its response goes nowhere: a body would wait to be sent */
        sr->header_only = 1;
        sr->method = NGX_HTTP_POST;
        ngx_str_set(&sr->method_name, "POST");
        sr->request_body = rb;
        sr->headers_in.content_length = NULL;
        sr->headers_in.content_length_n = n->len;
        sr->headers_in.chunked = 0;

        n->due = ngx_current_msec + NGX_HTTP_LEAD_NOTICE_IN_FLIGHT;
        n->tries++;
        sent++;
    }

    return NGX_DECLINED;
}


/*
 * The webhook's answer.  nginx may call this twice for one error status,
 * and a try may outlive its notice: the id is looked up each time, and
 * the handler forgets it once heard.
 */
static ngx_int_t
ngx_http_lead_notice_done(ngx_http_request_t *r, void *data, ngx_int_t rc)
{
    ngx_msec_t               wait;
    ngx_http_lead_notice_t  *n;

    n = ngx_http_lead_notice_find((uintptr_t) data);
    r->post_subrequest->data = (void *) 0;

    if (n == NULL) {
        return NGX_OK;
    }

    if (rc == NGX_OK && r->headers_out.status >= NGX_HTTP_OK
        && r->headers_out.status < NGX_HTTP_SPECIAL_RESPONSE)
    {
        ngx_http_lead_notice_drop(n);
        return NGX_OK;
    }

    if (n->tries >= NGX_HTTP_LEAD_NOTICE_TRIES) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "lead: an MQL notice was refused %ui times by \"%V\" "
                      "(last status %ui), giving up",
                      n->tries, &r->uri, r->headers_out.status);
        ngx_http_lead_notice_drop(n);
        return NGX_OK;
    }

    wait = ngx_min((ngx_msec_t) 1000 << n->tries,
                   (ngx_msec_t) NGX_HTTP_LEAD_NOTICE_MAX_WAIT);
    n->due = ngx_current_msec + wait;

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "lead: MQL notice to \"%V\" failed (status %ui), "
                  "retrying in %M ms", &r->uri, r->headers_out.status, wait);

    return NGX_OK;
}


static ngx_http_lead_notice_t *
ngx_http_lead_notice_find(ngx_uint_t id)
{
    ngx_http_lead_notice_t  *n;

    for (n = ngx_http_lead_worker.notices; n; n = n->next) {
        if (n->id == id) {
            return n;
        }
    }
    return NULL;
}


static void
ngx_http_lead_notice_drop(ngx_http_lead_notice_t *n)
{
    ngx_http_lead_notice_t  **p;

    for (p = &ngx_http_lead_worker.notices; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            ngx_free(n);
            return;
        }
    }
}


/* At exit: what could not be delivered is counted (no personal data). */
void
ngx_http_lead_notify_exit(ngx_log_t *log)
{
    ngx_uint_t               left = 0;
    ngx_http_lead_notice_t  *n, *next;

    for (n = ngx_http_lead_worker.notices; n; n = next) {
        next = n->next;
        ngx_free(n);
        left++;
    }

    ngx_http_lead_worker.notices = NULL;

    if (left) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "lead: %ui MQL notices were not delivered before exit; "
                      "the leads are mql in the store", left);
    }
}
