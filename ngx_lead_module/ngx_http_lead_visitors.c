
/*
 * New visitors made ahead: a first visit takes an id and its signed
 * cookie from the worker's reserve (no getrandom, no MAC on the request
 * path); a small task of the store's thread pool makes the next reserve
 * while this one is handed out, at each flush tick or as soon as a
 * quarter is left, and the two swap when it is done: the event loop and
 * the thread never hold the same one.  It is a task of its own, not the
 * store's write, so a burst of new visitors never brings more commits.
 * When the reserve runs out, the request makes its visitor at once.
 */


#include "ngx_http_lead.h"


#define NGX_HTTP_LEAD_VISITORS_MIN  256     /* made ahead, at least */


/* what the thread is given */
typedef struct {
    ngx_http_lead_worker_t  *worker;
    lead_visitors           *visitors;      /* to make */
    size_t                   n;
    const lead_keys         *keys;
} ngx_http_lead_making_t;


#if (NGX_THREADS)
static void ngx_http_lead_visitors_thread(void *data, ngx_log_t *log);
static void ngx_http_lead_visitors_made(ngx_event_t *ev);
#endif


/* After the worker's write path: its thread pool, if any, is known. */
void
ngx_http_lead_visitors_init(ngx_http_lead_worker_t *w, ngx_cycle_t *cycle)
{
    /* NULL (no memory): each new visitor is made at once */
    w->visitors = lead_visitors_new();
    w->making = lead_visitors_new();

    if (w->visitors) {
        /* until the first tick */
        (void) lead_visitors_make(w->visitors, &w->lmcf->keys,
                                  NGX_HTTP_LEAD_VISITORS_MIN);
    }

#if (NGX_THREADS)
    if (w->pool && w->making) {
        w->visitors_task = ngx_thread_task_alloc(cycle->pool,
                                          sizeof(ngx_http_lead_making_t));
        if (w->visitors_task) {
            w->visitors_task->handler = ngx_http_lead_visitors_thread;
            w->visitors_task->event.handler = ngx_http_lead_visitors_made;
            w->visitors_task->event.data = w->visitors_task->ctx;
            w->visitors_task->event.log = cycle->log;
        }
    }
#endif
}


void
ngx_http_lead_visitors_exit(ngx_http_lead_worker_t *w)
{
    lead_visitors_free(w->visitors);
    w->visitors = NULL;

    if (!w->visitors_busy) {
        /* else a thread that has not come back holds it: left to exit() */
        lead_visitors_free(w->making);
    }
    w->making = NULL;
}


/*
 * The next reserve, made in a thread: as many as the last interval took
 * and a quarter more, twice as many when it ran low (bounded:
 * LEAD_VISITORS_MAX); none for an idle worker whose reserve covers the
 * next interval.  tick: from the flush timer, where a worker without
 * threads makes it itself; a request never does.
 */
void
ngx_http_lead_visitors_refill(ngx_http_lead_worker_t *w, ngx_log_t *log,
    ngx_uint_t tick)
{
    size_t                   n, left;
#if (NGX_THREADS)
    ngx_http_lead_making_t  *m;
#endif

    if (w->visitors == NULL || w->making == NULL || w->visitors_busy) {
        return;
    }

    n = lead_visitors_asked(w->visitors, NULL);
    left = lead_visitors_left(w->visitors);

    n = (n && left * 3 <= n ? 2 * n : n + n / 4) + NGX_HTTP_LEAD_VISITORS_MIN;

    if (left >= n) {
        return;
    }

#if (NGX_THREADS)
    if (w->visitors_task) {
        m = w->visitors_task->ctx;
        m->worker = w;
        m->visitors = w->making;
        m->n = n;
        m->keys = &w->lmcf->keys;

        if (ngx_thread_task_post(w->pool, w->visitors_task) == NGX_OK) {
            w->visitors_busy = 1;
        }
        return;
    }
#endif

    if (tick) {
        /* no thread: here, on the timer */
        (void) lead_visitors_make(w->making, &w->lmcf->keys, n);
        ngx_http_lead_visitors_swap(w);
    }
}


/* The new reserve is handed out; the old one is made next. */
void
ngx_http_lead_visitors_swap(ngx_http_lead_worker_t *w)
{
    lead_visitors  *made = w->making;

    w->making = w->visitors;
    w->visitors = made;
}


#if (NGX_THREADS)

static void
ngx_http_lead_visitors_thread(void *data, ngx_log_t *log)
{
    ngx_http_lead_making_t  *m = data;

    (void) log;

    /* a failure leaves it empty: requests make theirs at once */
    (void) lead_visitors_make(m->visitors, m->keys, m->n);
}


static void
ngx_http_lead_visitors_made(ngx_event_t *ev)
{
    ngx_http_lead_making_t  *m = ev->data;

    m->worker->visitors_busy = 0;

    if (m->worker->visitors != NULL) {
        ngx_http_lead_visitors_swap(m->worker);
    }
}

#endif
