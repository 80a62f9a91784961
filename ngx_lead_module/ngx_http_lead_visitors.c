/*
 * New visitors made ahead: a first visit takes an id and its signed
 * cookie from the worker's reserve (no getrandom, no MAC on the request
 * path); the write thread makes the next reserve while this one is
 * handed out, as many as the last interval took and a quarter more
 * (twice as many when it ran low; bounded: LEAD_VISITORS_MAX), and the
 * two swap when it is done.  The
 * event loop and the thread never hold the same one; when the reserve
 * runs out, the request makes its visitor at once.
 */


#include "ngx_http_lead.h"


#define NGX_HTTP_LEAD_VISITORS_MIN  256     /* made ahead, at least */


void
ngx_http_lead_visitors_init(ngx_http_lead_worker_t *w)
{
    /* NULL (no memory): each new visitor is made at once */
    w->visitors = lead_visitors_new();
    w->making = lead_visitors_new();

    if (w->visitors) {
        /* until the first flush */
        (void) lead_visitors_make(w->visitors, &w->lmcf->keys,
                                  NGX_HTTP_LEAD_VISITORS_MIN);
    }
}


/* m: what the thread was given, NULL: none */
void
ngx_http_lead_visitors_exit(ngx_http_lead_worker_t *w,
    ngx_http_lead_making_t *m)
{
    lead_visitors_free(w->visitors);
    w->visitors = NULL;

    if (m == NULL || m->visitors == NULL) {
        /* else a thread that never came back holds it: left to exit() */
        lead_visitors_free(w->making);
    }
    w->making = NULL;
}


/* In the event loop, as the thread is given its work. */
void
ngx_http_lead_visitors_start(ngx_http_lead_worker_t *w,
    ngx_http_lead_making_t *m)
{
    size_t  n, left;

    n = lead_visitors_asked(w->visitors, NULL);
    left = lead_visitors_left(w->visitors);

    /* a quarter left or less, before the tick: the rate grows, twice */
    m->n = (n && left * 3 <= n ? 2 * n : n + n / 4)
           + NGX_HTTP_LEAD_VISITORS_MIN;
    /* enough left for another interval (an idle worker): none to make */
    m->visitors = left >= m->n ? NULL : w->making;
    m->keys = &w->lmcf->keys;
}


/* In the thread (or on the flush timer without threads). */
void
ngx_http_lead_visitors_make(ngx_http_lead_making_t *m)
{
    if (m->visitors) {
        /* a failure leaves it empty: requests make theirs at once */
        (void) lead_visitors_make(m->visitors, m->keys, m->n);
    }
}


/* Back in the event loop: the new reserve is handed out. */
void
ngx_http_lead_visitors_made(ngx_http_lead_worker_t *w,
    ngx_http_lead_making_t *m)
{
    lead_visitors  *made = m->visitors;

    m->visitors = NULL;

    if (made && w->visitors) {
        w->making = w->visitors;
        w->visitors = made;
    }
}
