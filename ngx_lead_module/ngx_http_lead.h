
/*
 * What the files of ngx_http_lead_module share: configuration, the
 * request context and the worker's store.
 *
 * Each file calls only the files listed before it, never one after it:
 *
 *   ngx_http_lead_sla.c        MQLs not accepted in time, returned
 *   ngx_http_lead_outbox.c     the notices a worker takes and sends
 *   ngx_http_lead_write.c      the worker's state and the write path
 *   ngx_http_lead_request.c    what handlers need of a request
 *   ngx_http_lead_notify.c     telling of new MQLs and of claims
 *   ngx_http_lead_track.c      recording what a visitor read
 *   ngx_http_lead_event.c      $lead_event: a request's event as a line
 *   ngx_http_lead_variables.c  $lead_* variables
 *   ngx_http_lead_gate.c       the gate in front of gated assets
 *   ngx_http_lead_form.c       the form, and a claim's confirmation
 *   ngx_http_lead_sales.c      the sales view
 *   ngx_http_lead_check.c      nginx -t: a gate reaches a form, rules a gate
 *   ngx_http_lead_module.c     directives, configuration, the module
 *
 * (tests/layers.py checks this from the objects, where using another
 * file's function or global counts as calling it.)  nginx enters through
 * ngx_http_lead_module, whose tables name handlers in every file: that
 * makes ngx_http_lead_module.c the top, and no other file names the
 * module.  They find their configuration and request context by its
 * ctx_index all the same: ngx_http_lead_module.c copies that number into
 * ngx_http_lead_ctx_index (ngx_http_lead_request.c) when nginx creates
 * the module's configuration, before any of their code runs (nginx has
 * numbered the modules by then, and keeps the number over reloads); the
 * macros below read the copy.  Likewise the write path, at the bottom,
 * tells of new MQLs through ngx_http_lead_worker.promoted, and hands the
 * notices it takes from the store to ngx_http_lead_worker.post, which
 * the module file sets to ngx_http_lead_promoted and
 * ngx_http_lead_notify_post (ngx_http_lead_notify.c).
 */


#ifndef _NGX_HTTP_LEAD_H_INCLUDED_
#define _NGX_HTTP_LEAD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif

#include "lead.h"
#include "lead_line.h"
#include "lead_visitors.h"


#define NGX_HTTP_LEAD_GATE_OFF   0
#define NGX_HTTP_LEAD_GATE_ON    1
#define NGX_HTTP_LEAD_GATE_AUTO  2


#define NGX_HTTP_LEAD_COOKIE_MAX_AGE  (365 * 24 * 60 * 60)
#define NGX_HTTP_LEAD_SECRET_MAX      4096
#define NGX_HTTP_LEAD_REPORT_EVERY    60
#define NGX_HTTP_LEAD_FOLD_BUDGET     20      /* ms of folding per flush */
/* anonymous history: the visitor cookie's year and a month */
#define NGX_HTTP_LEAD_RETENTION       (395 * 24 * 60 * 60)
#define NGX_HTTP_LEAD_PURGE_EVERY     60      /* s between expiry sweeps */
#define NGX_HTTP_LEAD_PURGE_BATCH     500     /* visitors per transaction */
#define NGX_HTTP_LEAD_RETURN_BATCH    64      /* MQLs returned per flush */
#define NGX_HTTP_LEAD_ANONYMOUS       50      /* % of the map, by default */
#define NGX_HTTP_LEAD_ANONYMOUS_MAX   90      /* % the rest kept for leads */
#define NGX_HTTP_LEAD_QUEUE           8       /* full batches held, at most */
#define NGX_HTTP_LEAD_NOTIFY_RETRY_MAX  300000  /* ms: lead_notify retry= */


typedef struct {
    ngx_str_t        store;          /* NUL-terminated */
    off_t            map_size;
    off_t            anonymous;      /* bytes; 0: a share of map_size */
    ngx_uint_t       anonymous_pct;  /* that share, when set */
    ngx_msec_t       flush;
    size_t           batch_size;
    time_t           retention;      /* s; 0: anonymous history kept */
    lead_keys        keys;           /* lead_secret's: the first signs */
    ngx_str_t        key_files[LEAD_KEYS_MAX];    /* and their files */
    ngx_str_t        cookie;
    ngx_str_t        cookie_tail;    /* "; Max-Age=...; ...", "; Secure" */
    lead_rules      *rules;
    ngx_str_t        notify;         /* internal location for notices */
    ngx_http_conf_ctx_t  *notify_ctx;     /* the server it is found in */
    size_t           notify_match;   /* how well: prefix length, or max */
    ngx_msec_t       notify_retry;   /* the first retry's wait */
    ngx_str_t        confirm_url;    /* a claim's link; NUL-terminated */
    lead_geoip      *geoip;
    lead_sales      *sales;          /* the sales view's pages */
    ngx_uint_t       damaged;        /* the master found the store so */
    ngx_int_t        request_id;     /* $request_id's index: events' ids,
                                        NGX_CONF_UNSET: none taken */
    ngx_uint_t       event_line;     /* $lead_event is used */
} ngx_http_lead_main_conf_t;


typedef struct {
    ngx_flag_t       track;
    ngx_flag_t       honor_gpc;
    ngx_uint_t       gate;
    ngx_str_t        form_uri;
    ngx_flag_t       form;
    ngx_flag_t       form_contact;
    lead_tmpl       *form_template;
    lead_tmpl       *form_builtin;   /* lead_form's page without one */
    lead_tmpl       *feedback;       /* lead_feedback's form, or NULL */
    ngx_str_t        sales;          /* lead_sales: its prefix, with '/' */
    ngx_array_t     *site_hosts;     /* lead_site_hosts, of ngx_str_t */
    ngx_array_t     *own_hosts;      /* and the server's names: no source */
} ngx_http_lead_loc_conf_t;


/* what the log phase records of a request, decided once: its hit */
typedef struct {
    lead_event         ev;               /* no path, asset or place yet */
    ngx_str_t          target;           /* the path as asked */
    ngx_str_t          request_id;       /* its $request_id, or empty */
    u_char             host[LEAD_HOST_MAX];   /* ev's strings */
    lead_utm           utm;
} ngx_http_lead_hit_t;


typedef struct {
    u_char             visitor[LEAD_ID_LEN];
    off_t              file_size;
    const lead_asset  *asset;
    ngx_str_t          path;            /* normalised; empty if invalid */
    u_char             lead[LEAD_ID_LEN];
    lead_geo           geo;
    int64_t            score;            /* for the variables: */
    int                status;
    u_char             cell[3];
    ngx_http_lead_hit_t  *hit;           /* NULL: the request records none */
    ngx_str_t          line;             /* $lead_event, once made */
    u_char             cookie_value[LEAD_COOKIE_VALUE_LEN];  /* made ahead */
    unsigned           hit_done:1;       /* hit decided */
    unsigned           line_done:1;      /* line made (or none) */
    unsigned           asset_done:1;     /* path and asset found */
    unsigned           headers_read:1;   /* DNT, GPC, prefetch */
    unsigned           visitor_known:1;  /* visitor holds its id */
    unsigned           lead_known:1;     /* lookup done; lead valid if ... */
    unsigned           identified:1;     /* ... this is set */
    unsigned           new_visitor:1;    /* cookie_value is its cookie's */
    unsigned           cookie_identified:1;  /* says so, signed */
    unsigned           cookie_resign:1;  /* to be signed again (first key) */
    unsigned           cookie_set:1;     /* this response sets its cookie */
    unsigned           upstream_set:1;   /* ... or the upstream's did */
    unsigned           opted_out:1;
    unsigned           prefetch:1;
    unsigned           geo_done:1;       /* geo looked up */
    unsigned           gated:1;          /* a gated asset, let through */
    unsigned           model_done:1;     /* score, cell, status looked up */
    unsigned           modelled:1;       /* ... and known */
} ngx_http_lead_ctx_t;


#define NGX_HTTP_LEAD_SENDING    8      /* notices in flight, per worker */
#define NGX_HTTP_LEAD_SEND_RUN   4      /* taken per write run, at most */
#define NGX_HTTP_LEAD_SEND_LOST  120000 /* ms: a send unanswered is lost
                                           (the store's lease) */

/* a notice taken from the store's queue, until its outcome is applied */
typedef struct {
    lead_notice      n;              /* its lease: its key in the store */
    ngx_uint_t       state;
    ngx_uint_t       gen;            /* this send's, for its answer */
    ngx_msec_t       posted;         /* when it went to the upstream */
} ngx_http_lead_sending_t;

/* the notices' part of a write run: given, done in the thread, back */
typedef struct {
    lead_notices_run  run;
    int               rc;
    char              err[256];
    const lead_keys  *keys;
    const char       *confirm_url;     /* NULL: none */
    ngx_uint_t        slot[NGX_HTTP_LEAD_SENDING];    /* of each done */
    lead_notice       done[NGX_HTTP_LEAD_SENDING];
    lead_notice       taken[NGX_HTTP_LEAD_SEND_RUN];
    lead_buf          body[NGX_HTTP_LEAD_SEND_RUN];   /* rendered */
    int               rendered[NGX_HTTP_LEAD_SEND_RUN];
} ngx_http_lead_outbox_t;

typedef ngx_int_t (*ngx_http_lead_post_pt)(ngx_log_t *log, ngx_uint_t slot,
    ngx_uint_t gen, u_char *body, size_t len);


typedef struct ngx_http_lead_write_s  ngx_http_lead_write_t;


#define NGX_HTTP_LEAD_RETURN_BATCH  64    /* MQLs returned to nurture a flush */

/* what a flush returned to nurture (ngx_http_lead_sla.c), for the log */
typedef struct {
    u_char           returned[NGX_HTTP_LEAD_RETURN_BATCH][LEAD_ID_LEN];
    size_t           nreturned;
    char             reason[64];
    int              rc;
    char             err[256];
} ngx_http_lead_sla_t;


#define NGX_HTTP_LEAD_KNOWN  4096      /* visitors known to be leads */

typedef struct {
    u_char           visitor[LEAD_ID_LEN];
    ngx_msec_t       until;
} ngx_http_lead_known_t;


/* one per worker process: its store handles and pending events */
typedef struct {
    lead_store      *store;
    lead_store      *thread_store;   /* the same, for the write thread */
    dev_t            store_dev;      /* its data.mdb, to see it replaced */
    ngx_file_uniq_t  store_uniq;
    lead_hits       *batch;          /* filling */
    lead_hits       *writing;        /* with the thread, or to retry */
    lead_hits       *full[NGX_HTTP_LEAD_QUEUE];   /* filled, oldest first */
    ngx_uint_t       nfull;
    lead_batch      *events;         /* the thread's, made of writing */
    ngx_uint_t       busy;           /* the thread has it */
    ngx_uint_t       pages;          /* sales pages made in threads */
    ngx_event_t      tick;
    ngx_uint_t       dropped;
    time_t           last_report;
    lead_erased      evicted;        /* since it was last logged */
    time_t           evict_report;
    time_t           next_purge;     /* the expiry sweep's next start */
    ngx_uint_t       purging;        /* a sweep is under way */
    ngx_http_lead_write_t      *write;
#if (NGX_THREADS)
    ngx_thread_pool_t          *pool;
    ngx_thread_task_t          *task;
    ngx_uint_t                  thread_tune;   /* the pool is "lead" */
    int                         thread_nice;   /* its tasks' priority */
#if (NGX_HAVE_SCHED_SETAFFINITY)
    ngx_cpuset_t                thread_cpus;   /* and their cores */
    ngx_uint_t                  thread_moves;  /* off the worker's */
#endif
#endif
    ngx_http_lead_main_conf_t  *lmcf;
    lead_promoted_fn            promoted;  /* a lead became mql */
    ngx_http_lead_post_pt       post;      /* sends a notice */
    ngx_http_lead_sending_t     sending[NGX_HTTP_LEAD_SENDING];
    ngx_uint_t                  sends;     /* generations of sends */
    ngx_uint_t                  exiting;   /* exit_process: send no more */
    lead_cookie_cache          *cookies;   /* values verified already */
    lead_visitors              *visitors;  /* new ones made ahead, */
    lead_visitors              *making;    /* the next of them, */
    ngx_thread_task_t          *visitors_task;   /* made by this task */
    ngx_uint_t                  visitors_busy;   /* a thread has making */
    lead_ua_cache              *agents;    /* user agents classified */
    ngx_http_lead_known_t      *known;     /* and visitors that are leads */
} ngx_http_lead_worker_t;


extern ngx_http_lead_worker_t   ngx_http_lead_worker;
extern ngx_uint_t               ngx_http_lead_ctx_index;


#define ngx_http_lead_main_conf(r)                                            \
    ((ngx_http_lead_main_conf_t *) (r)->main_conf[ngx_http_lead_ctx_index])
#define ngx_http_lead_loc_conf(r)                                             \
    ((ngx_http_lead_loc_conf_t *) (r)->loc_conf[ngx_http_lead_ctx_index])
#define ngx_http_lead_cf_main_conf(cf)                                        \
    ((ngx_http_lead_main_conf_t *)                                            \
     ((ngx_http_conf_ctx_t *) (cf)->ctx)->main_conf[ngx_http_lead_ctx_index])
/* the context of the request and its subrequests, NULL until made */
#define ngx_http_lead_find_ctx(r)                                             \
    ((ngx_http_lead_ctx_t *) (r)->main->ctx[ngx_http_lead_ctx_index])


/* ngx_http_lead_outbox.c: given the worker, never reading it as a global */
void ngx_http_lead_outbox_start(ngx_http_lead_worker_t *w,
    ngx_http_lead_outbox_t *ob, uint64_t now_ms);
void ngx_http_lead_outbox_run(ngx_http_lead_outbox_t *ob, lead_store *s,
    const lead_rules *r);
void ngx_http_lead_outbox_results(ngx_http_lead_worker_t *w,
    ngx_http_lead_outbox_t *ob, ngx_log_t *log);
void ngx_http_lead_outbox_exit(ngx_http_lead_worker_t *w, ngx_log_t *log);
void ngx_http_lead_notice_sent(ngx_http_lead_worker_t *w, ngx_uint_t slot,
    ngx_uint_t gen, ngx_uint_t status);

/* ngx_http_lead_write.c */
ngx_int_t ngx_http_lead_worker_init(ngx_cycle_t *cycle,
    ngx_http_lead_main_conf_t *lmcf, lead_promoted_fn promoted);
void ngx_http_lead_worker_exit(ngx_log_t *log);
void ngx_http_lead_visitors_init(ngx_http_lead_worker_t *w,
    ngx_cycle_t *cycle);
void ngx_http_lead_visitors_exit(ngx_http_lead_worker_t *w);
void ngx_http_lead_visitors_refill(ngx_http_lead_worker_t *w,
    ngx_log_t *log, ngx_uint_t tick);
void ngx_http_lead_visitors_swap(ngx_http_lead_worker_t *w);
void ngx_http_lead_write_add(ngx_log_t *log, const lead_event *ev,
    ngx_str_t *target, struct sockaddr *client);
#if (NGX_THREADS)
void ngx_http_lead_thread_aside(void);
#endif

/* ngx_http_lead_sla.c */
void ngx_http_lead_sla_run(ngx_http_lead_sla_t *sla, lead_store *store,
    const lead_rules *rules, ngx_uint_t committed);
void ngx_http_lead_sla_report(ngx_http_lead_sla_t *sla, ngx_log_t *log,
    ngx_str_t *store);

/* ngx_http_lead_request.c */
char *ngx_http_lead_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_http_lead_ctx_t *ngx_http_lead_get_ctx(ngx_http_request_t *r);
ngx_http_lead_ctx_t *ngx_http_lead_get_asset(ngx_http_request_t *r);
ngx_http_lead_ctx_t *ngx_http_lead_get_visitor(ngx_http_request_t *r,
    ngx_http_lead_loc_conf_t *llcf);
ngx_int_t ngx_http_lead_read_cookie(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
ngx_int_t ngx_http_lead_identified(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
ngx_int_t ngx_http_lead_is_lead(ngx_http_request_t *r,
    ngx_http_lead_ctx_t *ctx);
ngx_int_t ngx_http_lead_set_cookie(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf, ngx_http_lead_ctx_t *ctx);
ngx_uint_t ngx_http_lead_cookie_out(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf);
ngx_table_elt_t *ngx_http_lead_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);
ngx_int_t ngx_http_lead_redirect(ngx_http_request_t *r, u_char *uri,
    size_t len);
ngx_int_t ngx_http_lead_send(ngx_http_request_t *r, u_char *body,
    size_t len);
ngx_int_t ngx_http_lead_send_form(ngx_http_request_t *r, ngx_uint_t status,
    const lead_tmpl *tmpl, lead_str *values, ngx_http_lead_ctx_t *ctx);
ngx_int_t ngx_http_lead_send_html(ngx_http_request_t *r, ngx_uint_t status,
    u_char *page, size_t len, ngx_str_t *csp);
ngx_int_t ngx_http_lead_read_body(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt post);
ngx_int_t ngx_http_lead_body_bytes(ngx_http_request_t *r,
    u_char buf[LEAD_FORM_BODY_MAX], size_t *len);
ngx_int_t ngx_http_lead_read_body_max(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt post, size_t max);
ngx_int_t ngx_http_lead_body_copy(ngx_http_request_t *r, u_char *buf,
    size_t max, size_t *len);

/* ngx_http_lead_notify.c */
int ngx_http_lead_promoted(void *arg, const uint8_t *lead_id,
    const char *cause, double engagement);
ngx_int_t ngx_http_lead_notify_init(ngx_conf_t *cf);
void ngx_http_lead_notify_match(ngx_conf_t *cf,
    ngx_http_lead_main_conf_t *lmcf);
ngx_int_t ngx_http_lead_notify_post(ngx_log_t *log, ngx_uint_t slot,
    ngx_uint_t gen, u_char *body, size_t len);
void ngx_http_lead_notify_confirm(ngx_log_t *log, const uint8_t *visitor,
    const uint8_t *lead_id);

/* ngx_http_lead_track.c */
ngx_int_t ngx_http_lead_track_init(ngx_conf_t *cf);
char *ngx_http_lead_own_hosts(ngx_conf_t *cf, ngx_http_lead_loc_conf_t *llcf);
ngx_http_lead_hit_t *ngx_http_lead_get_hit(ngx_http_request_t *r);
void ngx_http_lead_request_id(ngx_http_request_t *r, u_char *id,
    ngx_str_t *text);

/* ngx_http_lead_event.c */
ngx_int_t ngx_http_lead_event_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
void ngx_http_lead_event_identify(ngx_http_request_t *r,
    const u_char *visitor, const u_char *lead_id, const lead_form *form,
    const char *topic, uint64_t time_ms);
void ngx_http_lead_event_confirmed(ngx_http_request_t *r,
    const u_char *visitor, const lead_person *p, ngx_str_t *line);
void ngx_http_lead_event_rated(ngx_http_request_t *r, const lead_event *ev,
    ngx_str_t *target);
void ngx_http_lead_event_set(ngx_http_request_t *r, ngx_str_t *line);

/* ngx_http_lead_variables.c */
ngx_int_t ngx_http_lead_add_variables(ngx_conf_t *cf);

/* ngx_http_lead_gate.c */
ngx_int_t ngx_http_lead_gate_init(ngx_conf_t *cf);

/* ngx_http_lead_form.c */
char *ngx_http_lead_form(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_lead_form_template(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_lead_feedback.c */
char *ngx_http_lead_feedback(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* ngx_http_lead_sales.c */
char *ngx_http_lead_sales(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* ngx_http_lead_check.c */
ngx_int_t ngx_http_lead_check(ngx_conf_t *cf);


#endif /* _NGX_HTTP_LEAD_H_INCLUDED_ */
