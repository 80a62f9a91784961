
/*
 * The worker's state and the write path that owns it: its store, caches
 * and pending events.  Requests' hits (lead_hits_add) wait in memory;
 * every flush interval the batch is handed to a thread of nginx's
 * "default" thread pool (or "lead", where declared), which makes the
 * events of them (path, asset, place), commits those, folds the store
 * (its indexes, the kept scores), makes the leads that met a trigger
 * mql, and takes the notices due from the store (ngx_http_lead_outbox.c).
 * The event loop never waits for the disk, so serving keeps its latency.
 * One batch is written while the next one fills; a batch that fills
 * before the thread is free waits its turn, whole.  Anonymous data is
 * kept under its bound as it is committed (lead_store_commit_bounded).
 * An nginx built without threads does the same work on the flush timer.
 * Each tick also has the next new visitors made (ngx_http_lead_visitors.c).
 */


#include "ngx_http_lead.h"

#if (NGX_THREADS)
#include <sys/resource.h>
#if (NGX_LINUX)
#include <sys/syscall.h>
#endif
#endif


#define NGX_HTTP_LEAD_WRITE_NICE       10
#define NGX_HTTP_LEAD_FOLD_EXIT        1000    /* ms of folding at exit */


typedef struct {
    u_char                   lead[LEAD_ID_LEN];
    double                   engagement;
    char                     cause[LEAD_CAUSE_MAX];
} ngx_http_lead_promotion_t;


/* what the thread is given and gives back */
struct ngx_http_lead_write_s {
    lead_store                 *store;       /* the thread's own handle */
    u_char                     *path;        /* its directory */
    lead_hits                  *batch;
    lead_batch                 *events;      /* made of them */
    uint64_t                    anonymous;   /* their bound, bytes */
    lead_committed              result;
    const lead_rules           *rules;
    const lead_geoip           *geoip;
    uint64_t                    now_ms;
    uint64_t                    until_ms;
    int                         commit_rc;
    int                         fold_rc;
    int                         more;
    size_t                      committed;
    uint64_t                    purge_before_ms;   /* 0: no expiry now */
    u_char                      purge_from[LEAD_ID_LEN];
    lead_erased                 purged;            /* this sweep's */
    int                         purge_rc;
    int                         purge_more;
    char                        err[256];
    ngx_http_lead_promotion_t  *promoted;
    size_t                      npromoted;
    ngx_http_lead_sla_t         sla;         /* MQLs returned to nurture */
    ngx_http_lead_outbox_t      outbox;      /* notices to send, sent */
    ngx_atomic_t                done;
};


static ngx_int_t ngx_http_lead_write_init(ngx_cycle_t *cycle);
static void ngx_http_lead_write_exit(ngx_log_t *log);
static void ngx_http_lead_write_start(ngx_log_t *log);
static void ngx_http_lead_write_run(void *data, ngx_log_t *log);
#if (NGX_THREADS)
static void ngx_http_lead_thread_cpus(void);
static void ngx_http_lead_write_thread(void *data, ngx_log_t *log);
#endif
static void ngx_http_lead_write_queue(void);
static int ngx_http_lead_commit(ngx_http_lead_write_t *wr);
static void ngx_http_lead_evicted(ngx_log_t *log, lead_erased *e);
static void ngx_http_lead_write_error(ngx_http_lead_write_t *wr);
static int ngx_http_lead_write_promoted(void *arg, const uint8_t *lead_id,
    const char *cause, double engagement);
static void ngx_http_lead_written(ngx_event_t *ev);
static void ngx_http_lead_write_results(ngx_http_lead_write_t *wr,
    ngx_log_t *log);
static void ngx_http_lead_purged(ngx_http_lead_write_t *wr,
    ngx_log_t *log);
static void ngx_http_lead_tick(ngx_event_t *ev);
static void ngx_http_lead_fold_exit(ngx_log_t *log, uint64_t now_ms);
static void ngx_http_lead_open_store(ngx_log_t *log);
static void ngx_http_lead_check_store(ngx_log_t *log);
static ngx_int_t ngx_http_lead_store_file(ngx_file_info_t *fi);
static ngx_uint_t ngx_http_lead_report_due(void);


ngx_http_lead_worker_t  ngx_http_lead_worker;


/*
 * A worker's state, made anew in each worker (a new configuration's
 * secret: empty caches); promoted hears of the leads that become mql.
 */
ngx_int_t
ngx_http_lead_worker_init(ngx_cycle_t *cycle,
    ngx_http_lead_main_conf_t *lmcf, lead_promoted_fn promoted)
{
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    ngx_memzero(w, sizeof(ngx_http_lead_worker_t));
    w->lmcf = lmcf;
    w->promoted = promoted;

    w->cookies = lead_cookie_cache_new();
    w->agents = lead_ua_cache_new();
    w->known = ngx_pcalloc(cycle->pool, NGX_HTTP_LEAD_KNOWN
                                        * sizeof(ngx_http_lead_known_t));

    if (ngx_http_lead_write_init(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    /* after the write path: its thread pool makes them */
    ngx_http_lead_visitors_init(w, cycle);

    return NGX_OK;
}


void
ngx_http_lead_worker_exit(ngx_log_t *log)
{
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->lmcf == NULL) {
        return;
    }

    ngx_http_lead_write_exit(log);
    lead_cookie_cache_free(w->cookies);
    w->cookies = NULL;
    ngx_http_lead_visitors_exit(w);
    lead_ua_cache_free(w->agents);
    w->agents = NULL;
}


static ngx_int_t
ngx_http_lead_write_init(ngx_cycle_t *cycle)
{
    ngx_http_lead_write_t   *wr;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;
#if (NGX_THREADS)
    ngx_str_t                own = ngx_string("lead");
    ngx_str_t                shared = ngx_string("default");
#endif

    w->batch = lead_hits_new(w->lmcf->batch_size);
    w->writing = lead_hits_new(w->lmcf->batch_size);
    /* no bound of its own: the hits it is made of had one */
    w->events = lead_batch_new(SIZE_MAX);
    if (w->batch == NULL || w->writing == NULL || w->events == NULL) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "lead: no memory for the event batches, not tracking");
        lead_hits_free(w->batch);
        lead_hits_free(w->writing);
        lead_batch_free(w->events);
        w->batch = w->writing = NULL;
        w->events = NULL;
        return NGX_OK;
    }

#if (NGX_THREADS)
    /*
     * Only the threads of a pool of the module's own are lowered and may
     * leave the worker's core: the "default" pool's also serve aio and
     * other modules, so its threads are left as nginx made them.
     */
    w->pool = ngx_thread_pool_get(cycle, &own);
    if (w->pool) {
        /* relative to worker_priority, and the same for every write */
        w->thread_nice = ngx_min(getpriority(PRIO_PROCESS, 0)
                                 + NGX_HTTP_LEAD_WRITE_NICE, 19);
        w->thread_tune = 1;
        ngx_http_lead_thread_cpus();

    } else {
        w->pool = ngx_thread_pool_get(cycle, &shared);
    }
    w->task = ngx_thread_task_alloc(cycle->pool,
                                    sizeof(ngx_http_lead_write_t));
    if (w->task == NULL) {
        return NGX_ERROR;
    }
    w->task->handler = ngx_http_lead_write_thread;
    w->task->event.handler = ngx_http_lead_written;
    w->task->event.data = w->task->ctx;
    w->task->event.log = cycle->log;
    wr = w->task->ctx;
#else
    wr = ngx_pcalloc(cycle->pool, sizeof(ngx_http_lead_write_t));
    if (wr == NULL) {
        return NGX_ERROR;
    }
#endif
    w->write = wr;

    ngx_http_lead_open_store(cycle->log);

    w->tick.handler = ngx_http_lead_tick;
    w->tick.log = cycle->log;
    w->tick.data = w;
    w->tick.cancelable = 1;
    ngx_add_timer(&w->tick, w->lmcf->flush);

    return NGX_OK;
}


/*
 * A request's hit for the store (lead_hits_add).  A full batch goes to
 * the thread, or waits for it with the others filled meanwhile; a hit is
 * dropped (and counted) only when NGX_HTTP_LEAD_QUEUE batches wait.
 */
void
ngx_http_lead_write_add(ngx_log_t *log, const lead_event *ev,
    ngx_str_t *target, struct sockaddr *client)
{
    int                      rc;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    rc = lead_hits_add(w->batch, ev, (char *) target->data, target->len,
                            client);

    if (rc == LEAD_EBATCHFULL) {
        ngx_http_lead_write_start(log);

        if (lead_hits_count(w->batch) != 0) {
            ngx_http_lead_write_queue();
        }

        rc = lead_hits_add(w->batch, ev, (char *) target->data,
                                target->len, client);
    }

    if (rc != LEAD_OK) {
        w->dropped++;
    }
}


/* The full batch waits for the thread; a new one fills. */
static void
ngx_http_lead_write_queue(void)
{
    lead_hits               *b;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->nfull == NGX_HTTP_LEAD_QUEUE) {
        return;
    }

    b = lead_hits_new(w->lmcf->batch_size);
    if (b == NULL) {
        return;
    }

    w->full[w->nfull++] = w->batch;
    w->batch = b;
}


/* The pending batch to the thread, unless it is at work already. */
static void
ngx_http_lead_write_start(ngx_log_t *log)
{
    lead_hits               *swap;
    ngx_time_t              *tp;
    ngx_http_lead_write_t   *wr;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->busy) {
        return;
    }

    ngx_http_lead_check_store(log);

    if (w->store == NULL) {
        ngx_http_lead_open_store(log);
        if (w->store == NULL) {
            return;
        }
    }

    /* a batch the store refused before goes again, first */
    if (lead_hits_count(w->writing) == 0 && w->nfull) {
        /* then the ones filled while the thread was busy, in order */
        lead_hits_free(w->writing);
        w->writing = w->full[0];
        ngx_memmove(w->full, w->full + 1, --w->nfull * sizeof(lead_hits *));

    } else if (lead_hits_count(w->writing) == 0) {
        swap = w->writing;
        w->writing = w->batch;
        w->batch = swap;
    }

    tp = ngx_timeofday();
    wr = w->write;
    wr->store = w->thread_store;
    wr->path = w->lmcf->store.data;
    wr->batch = w->writing;
    wr->events = w->events;
    wr->anonymous = w->lmcf->anonymous;
    wr->rules = w->lmcf->rules;
    wr->geoip = w->lmcf->geoip;
    wr->now_ms = (uint64_t) tp->sec * 1000 + tp->msec;
    wr->until_ms = wr->now_ms - 3 * (uint64_t) w->lmcf->flush;
    wr->purge_before_ms = 0;
    if (w->lmcf->retention && w->lmcf->retention < tp->sec
        && ngx_worker == 0 && (w->purging || tp->sec >= w->next_purge))
    {
        /* one worker sweeps, so the others' writes never wait on it */
        wr->purge_before_ms = ((uint64_t) tp->sec - w->lmcf->retention)
                              * 1000 + tp->msec;
        w->purging = 1;
    }
    ngx_http_lead_outbox_start(w, &wr->outbox,
                               (uint64_t) tp->sec * 1000 + tp->msec);
    wr->done = 0;
    w->busy = 1;

#if (NGX_THREADS)
    if (w->pool && ngx_thread_task_post(w->pool, w->task) == NGX_OK) {
        return;
    }
#endif

    /* no thread: here and now */
    ngx_http_lead_write_run(wr, log);
    ngx_http_lead_write_results(wr, log);
}


/*
 * In the thread: the events of the hits, committed; their leads that met
 * a trigger made mql at once; then a fold up to a few flushes ago (the
 * other workers' batches of that time are in by then).  Only the store
 * and this context are touched here, never nginx's structures.
 */
static void
ngx_http_lead_write_run(void *data, ngx_log_t *log)
{
    ngx_http_lead_write_t  *wr = data;

    (void) log;

    wr->commit_rc = LEAD_OK;
    wr->fold_rc = LEAD_OK;
    wr->more = 0;
    wr->err[0] = '\0';
    wr->committed = lead_hits_count(wr->batch);
    ngx_memzero(&wr->result, sizeof(lead_committed));

    if (wr->committed) {
        wr->commit_rc = ngx_http_lead_commit(wr);
        if (wr->commit_rc != LEAD_OK) {
            ngx_http_lead_write_error(wr);
        }
    }

    if (wr->commit_rc == LEAD_OK && wr->committed && wr->rules) {
        /* the batch's leads: mql now, not when the fold gets there */
        wr->fold_rc = lead_store_promote_batch(wr->store, wr->rules,
                                               wr->events, wr->now_ms,
                                               ngx_http_lead_write_promoted,
                                               wr);
        if (wr->fold_rc != LEAD_OK) {
            ngx_http_lead_write_error(wr);
        }
    }

    if (wr->commit_rc == LEAD_OK && wr->fold_rc == LEAD_OK) {
        wr->fold_rc = lead_store_fold(wr->store, wr->rules, wr->until_ms,
                                      NGX_HTTP_LEAD_FOLD_BUDGET,
                                      ngx_http_lead_write_promoted, wr,
                                      &wr->more);
        if (wr->fold_rc != LEAD_OK) {
            ngx_http_lead_write_error(wr);
        }
    }

    ngx_http_lead_sla_run(&wr->sla, wr->store, wr->rules,
                          wr->commit_rc == LEAD_OK);

    wr->purge_rc = LEAD_OK;
    if (wr->purge_before_ms && wr->commit_rc == LEAD_OK) {
        wr->purge_rc = lead_store_purge_anonymous(wr->store,
                           wr->purge_before_ms, NGX_HTTP_LEAD_PURGE_BATCH,
                           wr->purge_from, &wr->purged, &wr->purge_more);
        if (wr->purge_rc != LEAD_OK) {
            ngx_http_lead_write_error(wr);
        }
    }

    /* the notices: what was sent, then what is due (idle or not) */
    ngx_http_lead_outbox_run(&wr->outbox, wr->store, wr->rules);

    ngx_atomic_cmp_set(&wr->done, 0, 1);
}


#if (NGX_THREADS)

/*
 * worker_cpu_affinity pins a worker, and the pool's threads with it, so
 * the writes would take their turns from the requests on the worker's
 * core.  They may run on the other cores nginx was given (the master's
 * set) instead.  A worker not pinned, or nginx given one core only,
 * keeps them where they are.
 */
static void
ngx_http_lead_thread_cpus(void)
{
#if (NGX_HAVE_SCHED_SETAFFINITY)
    ngx_int_t                i;
    ngx_cpuset_t             own;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    w->thread_moves = 0;

    if (ngx_process != NGX_PROCESS_WORKER
        || sched_getaffinity(getppid(), sizeof(ngx_cpuset_t),
                             &w->thread_cpus) == -1
        || sched_getaffinity(0, sizeof(ngx_cpuset_t), &own) == -1)
    {
        return;
    }

    for (i = 0; i < CPU_SETSIZE; i++) {
        if (CPU_ISSET(i, &own)) {
            CPU_CLR(i, &w->thread_cpus);
        }
    }

    w->thread_moves = (CPU_COUNT(&w->thread_cpus) > 0);
#endif
}


/*
 * Every task of the module's in the pool, writes and sales pages, starts
 * here.  In the module's own pool ("thread_pool lead"), where the thread
 * still shares the worker's core, serving comes first and the task takes
 * the pauses.  Only the thread is lowered, never the worker (which
 * commits itself when no thread can), and it stays lowered: an
 * unprivileged worker could not raise it back.  That is why a thread of
 * the shared "default" pool is never touched.
 */
void
ngx_http_lead_thread_aside(void)
{
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (!w->thread_tune) {
        return;
    }

#if (NGX_HAVE_SCHED_SETAFFINITY)
    if (w->thread_moves) {
        (void) sched_setaffinity(0, sizeof(ngx_cpuset_t), &w->thread_cpus);
    }
#endif
#if (NGX_LINUX)
    (void) setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid),
                       w->thread_nice);
#endif
}


static void
ngx_http_lead_write_thread(void *data, ngx_log_t *log)
{
    ngx_http_lead_thread_aside();
    ngx_http_lead_write_run(data, log);
}

#endif


/*
 * In the thread: the store's error, and the room left where it is, since
 * LMDB reports a short write (as on a full disk) as an I/O error.
 */
/*
 * The hits made events (path, rule, place), then stored in commits that
 * keep anonymous data under its bound.
 */
static int
ngx_http_lead_commit(ngx_http_lead_write_t *wr)
{
    int  rc;

    rc = lead_hits_finish(wr->batch, wr->rules, wr->geoip, wr->events);

    return rc == LEAD_OK ? lead_store_commit_bounded(wr->store, wr->events,
                                                     wr->anonymous,
                                                     &wr->result)
                         : rc;
}


static void
ngx_http_lead_write_error(ngx_http_lead_write_t *wr)
{
    u_char  *p, *last;
    off_t    avail;

    last = (u_char *) wr->err + sizeof(wr->err) - 1;
    p = ngx_cpystrn((u_char *) wr->err,
                    (u_char *) lead_store_errmsg(wr->store), sizeof(wr->err));

    avail = ngx_fs_available(wr->path);
    if (avail != NGX_MAX_OFF_T_VALUE) {
        p = ngx_slprintf(p, last, " (%O bytes free on its file system)",
                         avail);
    }

    *p = '\0';
}


/* In the thread: a promotion kept for the event loop to announce. */
static int
ngx_http_lead_write_promoted(void *arg, const uint8_t *lead_id,
    const char *cause, double engagement)
{
    ngx_http_lead_write_t      *wr = arg;
    ngx_http_lead_promotion_t  *p;

    p = realloc(wr->promoted,
                (wr->npromoted + 1) * sizeof(ngx_http_lead_promotion_t));
    if (p == NULL) {
        return 0;               /* the lead is mql all the same */
    }
    wr->promoted = p;
    p += wr->npromoted++;
    ngx_memcpy(p->lead, lead_id, LEAD_ID_LEN);
    p->engagement = engagement;
    ngx_cpystrn((u_char *) p->cause, (u_char *) cause, sizeof(p->cause));
    return 0;
}


/* Back in the event loop, once the thread is done. */
static void
ngx_http_lead_written(ngx_event_t *ev)
{
    ngx_http_lead_write_results(ev->data, ev->log);

    if ((ngx_http_lead_worker.write->more || ngx_http_lead_worker.nfull)
        && !ngx_exiting)
    {
        /* more to fold, or full batches waiting: go on */
        ngx_http_lead_write_start(ev->log);
    }
}


static void
ngx_http_lead_write_results(ngx_http_lead_write_t *wr, ngx_log_t *log)
{
    size_t                   i;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    w->busy = 0;

    w->dropped += wr->result.dropped;
    ngx_http_lead_evicted(log, &wr->result.evicted);

    if (wr->commit_rc == LEAD_OK) {
        lead_hits_clear(w->writing);

    } else if (wr->result.stored) {
        /* some went in: the batch cannot go again whole */
        w->dropped += wr->committed - wr->result.stored - wr->result.dropped;
        lead_hits_clear(w->writing);

    } else if (wr->commit_rc == LEAD_EFULL) {
        /*
         * A batch too big for the room left would be refused again and
         * again, newer events queueing behind it: it goes, so tracking
         * resumes as soon as there is room (leadctl purge, a larger size=)
         */
        w->dropped += wr->committed;
        lead_hits_clear(w->writing);
    }

    if (wr->commit_rc != LEAD_OK && ngx_http_lead_report_due()) {
        /* else it stays pending, to go again on the next tick */
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "lead: cannot record %uz events in \"%s\": %s; "
                      "content is still served, %s", wr->committed,
                      w->lmcf->store.data, wr->err,
                      wr->commit_rc == LEAD_EFULL
                      ? "events are dropped until there is room "
                        "(leadctl purge, a larger size=)"
                      : "will retry");
    }

    if (wr->fold_rc != LEAD_OK && ngx_http_lead_report_due()) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "lead: cannot keep scores in "
                      "\"%s\": %s; lists read every event meanwhile",
                      w->lmcf->store.data, wr->err);
    }

    /* a purge step runs after a commit that went in (else: next tick) */
    if (wr->purge_before_ms && wr->commit_rc == LEAD_OK) {
        ngx_http_lead_purged(wr, log);
    }

    for (i = 0; i < wr->npromoted; i++) {
        (void) w->promoted(log, wr->promoted[i].lead, wr->promoted[i].cause,
                           wr->promoted[i].engagement);
    }
    ngx_http_lead_sla_report(&wr->sla, log, &w->lmcf->store);
    free(wr->promoted);
    wr->promoted = NULL;
    wr->npromoted = 0;

    ngx_http_lead_outbox_results(w, &wr->outbox, log);

    if (w->dropped && ngx_http_lead_report_due()) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "lead: %ui events were dropped because the store "
                      "\"%s\" could not take them", w->dropped,
                      w->lmcf->store.data);
        w->dropped = 0;
    }
}


/*
 * What eviction took to keep anonymous data under its bound, told once
 * per NGX_HTTP_LEAD_REPORT_EVERY.
 */
static void
ngx_http_lead_evicted(ngx_log_t *log, lead_erased *e)
{
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    w->evicted.visitors += e->visitors;
    w->evicted.events += e->events;
    w->evicted.bytes += e->bytes;

    if (w->evicted.visitors == 0
        || ngx_time() - w->evict_report < NGX_HTTP_LEAD_REPORT_EVERY)
    {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "lead: evicted %uz anonymous visitors (%uz events, %uz "
                  "bytes) to stay under the anonymous bound of %O bytes "
                  "in \"%s\"", w->evicted.visitors, w->evicted.events,
                  w->evicted.bytes, w->lmcf->anonymous, w->lmcf->store.data);

    ngx_memzero(&w->evicted, sizeof(lead_erased));
    w->evict_report = ngx_time();
}


/* An expiry step done: the sweep goes on at the next flush, or ends. */
static void
ngx_http_lead_purged(ngx_http_lead_write_t *wr, ngx_log_t *log)
{
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (wr->purge_rc != LEAD_OK) {
        if (ngx_http_lead_report_due()) {
            ngx_log_error(NGX_LOG_ERR, log, 0, "lead: cannot expire "
                          "anonymous history in \"%s\": %s",
                          w->lmcf->store.data, wr->err);
        }
        wr->purge_more = 0;
    }

    if (wr->purge_more) {
        return;
    }

    if (wr->purged.visitors) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0, "lead: expired %uz anonymous "
                      "visitors and %uz events not seen for %T s",
                      wr->purged.visitors, wr->purged.events,
                      w->lmcf->retention);
    }
    ngx_memzero(&wr->purged, sizeof(lead_erased));
    ngx_memzero(wr->purge_from, LEAD_ID_LEN);
    w->purging = 0;
    /* sweeps come at least twice per retention period */
    w->next_purge = ngx_time() + ngx_min(NGX_HTTP_LEAD_PURGE_EVERY,
                                         w->lmcf->retention / 2 + 1);
}


static void
ngx_http_lead_tick(ngx_event_t *ev)
{
    ngx_http_lead_write_start(ev->log);
    ngx_http_lead_visitors_refill(&ngx_http_lead_worker, ev->log, 1);

    if (!ngx_exiting) {
        ngx_add_timer(ev, ngx_http_lead_worker.lmcf->flush);
    }
}


/*
 * A graceful stop or reload: nothing recorded may be lost.  The thread
 * pool stops first and finishes what it was given; then the rest is
 * written here.
 */
static void
ngx_http_lead_write_exit(ngx_log_t *log)
{
    int                      rc;
    uint64_t                 now_ms;
    ngx_uint_t               i, n;
    ngx_time_t              *tp;
    lead_hits               *b[NGX_HTTP_LEAD_QUEUE + 2];
    lead_erased              none;
    ngx_http_lead_write_t   *wr;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->batch == NULL) {
        return;
    }

    w->exiting = 1;             /* notices taken now wait in the store */

    if (w->busy) {
        /* not expected: the pool has stopped; do not outrun the thread */
        for (i = 0; i < 5000 && !w->write->done; i++) {
            ngx_msleep(1);
        }
        ngx_http_lead_write_results(w->write, log);
    }

    /* the last chance: why a store cannot be opened is logged now */
    w->last_report = 0;

    ngx_http_lead_check_store(log);

    /* a store replaced since is mapped only for something to write */
    if (w->store == NULL
        && lead_hits_count(w->writing) + lead_hits_count(w->batch) != 0)
    {
        ngx_http_lead_open_store(log);
    }

    tp = ngx_timeofday();
    now_ms = (uint64_t) tp->sec * 1000 + tp->msec;

    /* in the order they were filled */
    n = 0;
    b[n++] = w->writing;
    for (i = 0; i < w->nfull; i++) {
        b[n++] = w->full[i];
    }
    b[n++] = w->batch;

    wr = w->write;
    wr->store = w->store;
    wr->events = w->events;
    wr->anonymous = w->lmcf->anonymous;
    wr->rules = w->lmcf->rules;
    wr->geoip = w->lmcf->geoip;

    for (i = 0; i < n; i++) {
        if (lead_hits_count(b[i]) == 0) {
            continue;
        }
        wr->batch = b[i];
        rc = w->store ? ngx_http_lead_commit(wr) : LEAD_ENOSTORE;
        if (rc == LEAD_OK) {
            w->dropped += wr->result.dropped;
            ngx_http_lead_evicted(log, &wr->result.evicted);
            if (wr->rules) {
                (void) lead_store_promote_batch(w->store, wr->rules,
                                                wr->events, now_ms,
                                                w->promoted, log);
            }
        }
        if (rc != LEAD_OK) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "lead: %uz events lost at exit: store \"%s\": %s",
                          lead_hits_count(b[i]), w->lmcf->store.data,
                          w->store ? lead_store_errmsg(w->store)
                                   : "cannot be opened");
        }
    }

    ngx_http_lead_fold_exit(log, now_ms);

    /* what was evicted since it was last told */
    ngx_memzero(&none, sizeof(lead_erased));
    w->evict_report = 0;
    ngx_http_lead_evicted(log, &none);

    if (w->dropped) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "lead: %ui events were dropped because the store "
                      "\"%s\" could not take them", w->dropped,
                      w->lmcf->store.data);
    }

    ngx_http_lead_outbox_exit(w, log);

    lead_store_close(w->thread_store);
    lead_store_close(w->store);
    for (i = 0; i < w->nfull; i++) {
        lead_hits_free(w->full[i]);
    }
    w->nfull = 0;
    lead_hits_free(w->batch);
    lead_hits_free(w->writing);
    lead_batch_free(w->events);
    w->thread_store = NULL;
    w->store = NULL;
    w->batch = w->writing = NULL;
    w->events = NULL;
}


/*
 * At exit the fold catches up with every event stored, the last seconds
 * too, for NGX_HTTP_LEAD_FOLD_EXIT ms at most: a stopped nginx leaves the
 * kept scores as the events say (a lagging fold, after a change of the
 * rules, goes on at the next start).
 */
static void
ngx_http_lead_fold_exit(ngx_log_t *log, uint64_t now_ms)
{
    int                      rc, more;
    ngx_msec_t               start;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->store == NULL) {
        return;
    }

    start = ngx_current_msec;

    do {
        rc = lead_store_fold(w->store, w->lmcf->rules, now_ms,
                             NGX_HTTP_LEAD_FOLD_BUDGET, w->promoted, log,
                             &more);
        ngx_time_update();

    } while (rc == LEAD_OK && more
             && ngx_current_msec - start < NGX_HTTP_LEAD_FOLD_EXIT);

    if (rc != LEAD_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "lead: cannot keep scores in "
                      "\"%s\" at exit: %s", w->lmcf->store.data,
                      lead_store_errmsg(w->store));
    }
}


static void
ngx_http_lead_open_store(ngx_log_t *log)
{
    int                      rc;
    char                     err[512];
    ngx_uint_t               level;
    lead_store_opts          opts;
    ngx_file_info_t          fi;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    if (w->lmcf->damaged) {
        return;                 /* never mapped: the master said why */
    }

    ngx_memzero(&opts, sizeof(lead_store_opts));
    opts.map_size = w->lmcf->map_size;

    rc = lead_store_open(&w->store, (char *) w->lmcf->store.data, &opts,
                         err, sizeof(err));

    if (rc == LEAD_OK) {
        w->thread_store = lead_store_share(w->store);
        if (w->thread_store == NULL) {
            lead_store_close(w->store);
            w->store = NULL;
            ngx_cpystrn((u_char *) err, (u_char *) "out of memory",
                        sizeof(err));
            rc = LEAD_ENOMEM;
        }
    }

    if (rc == LEAD_OK) {
        if (ngx_http_lead_store_file(&fi) == NGX_OK) {
            w->store_dev = fi.st_dev;
            w->store_uniq = ngx_file_uniq(&fi);

        } else {
            w->store_uniq = 0;        /* gone already: checked next time */
        }
    }

    /* leadctl scores with the rules nginx records under: keep them there */
    if (rc == LEAD_OK && w->lmcf->rules
        && lead_store_put_assets(w->store, w->lmcf->rules) != LEAD_OK)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0, "lead: cannot record the rules "
                      "in \"%s\": %s", w->lmcf->store.data,
                      lead_store_errmsg(w->store));
    }

    if (rc != LEAD_OK && ngx_http_lead_report_due()) {
        level = (rc == LEAD_EDAMAGED) ? NGX_LOG_ALERT : NGX_LOG_ERR;
        ngx_log_error(level, log, 0,
                      "lead: %s; content is still served, tracking retries "
                      "every %M ms", err, w->lmcf->flush);
    }
}


/*
 * A store whose files were removed (or replaced) while open would take
 * the events into a file no one can read any more: it is closed, to be
 * opened anew where it is now, or reported missing and retried.
 */
static void
ngx_http_lead_check_store(ngx_log_t *log)
{
    ngx_file_info_t          fi;
    ngx_http_lead_worker_t  *w = &ngx_http_lead_worker;

    /* a sales page being made reads through the store: not now */
    if (w->store == NULL || w->pages
        || (ngx_http_lead_store_file(&fi) == NGX_OK
            && fi.st_dev == w->store_dev
            && ngx_file_uniq(&fi) == w->store_uniq))
    {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, log, 0, "lead: store \"%s\" was removed or "
                  "replaced, opening it again", w->lmcf->store.data);

    lead_store_close(w->thread_store);
    lead_store_close(w->store);
    w->thread_store = NULL;
    w->store = NULL;
}


static ngx_int_t
ngx_http_lead_store_file(ngx_file_info_t *fi)
{
    u_char  path[NGX_MAX_PATH];

    (void) ngx_snprintf(path, sizeof(path), "%s/data.mdb%Z",
                        ngx_http_lead_worker.lmcf->store.data);

    return ngx_file_info(path, fi) == NGX_FILE_ERROR ? NGX_ERROR : NGX_OK;
}


/* Store errors are logged at most once a minute: no log flood. */
static ngx_uint_t
ngx_http_lead_report_due(void)
{
    if (ngx_time() - ngx_http_lead_worker.last_report
        < NGX_HTTP_LEAD_REPORT_EVERY)
    {
        return 0;
    }

    ngx_http_lead_worker.last_report = ngx_time();

    return 1;
}
