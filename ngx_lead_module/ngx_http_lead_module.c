
/*
 * ngx_http_lead_module's directives, configuration and process hooks.
 *
 * The module records what each visitor of a tracked location reads, with
 * the meaning marketers gave it in the rules.  Its handlers live in the
 * files below this one (ngx_http_lead.h lists them); what an event is,
 * how it is stored and how a cookie is signed, in profiler/ (lead.h).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lead.h"


static char *ngx_http_lead_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lead_confirm_url(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_lead_cookie_name(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_lead_rules(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_lead_free_rules(void *data);
static char *ngx_http_lead_retention(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lead_notify_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lead_geoip(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_lead_free_geoip(void *data);
static void *ngx_http_lead_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_lead_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_lead_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_lead_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_lead_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_lead_init_module(ngx_cycle_t *cycle);
static void ngx_http_lead_verify(ngx_cycle_t *cycle,
    ngx_http_lead_main_conf_t *lmcf);
static ngx_int_t ngx_http_lead_init_process(ngx_cycle_t *cycle);
static void ngx_http_lead_exit_process(ngx_cycle_t *cycle);


static ngx_conf_post_handler_pt  ngx_http_lead_confirm_url_p =
    ngx_http_lead_confirm_url;

static ngx_conf_post_handler_pt  ngx_http_lead_cookie_name_p =
    ngx_http_lead_cookie_name;


static ngx_conf_enum_t  ngx_http_lead_gate_modes[] = {
    { ngx_string("off"), NGX_HTTP_LEAD_GATE_OFF },
    { ngx_string("on"), NGX_HTTP_LEAD_GATE_ON },
    { ngx_string("auto"), NGX_HTTP_LEAD_GATE_AUTO },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_lead_commands[] = {

    { ngx_string("lead_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1234,
      ngx_http_lead_store,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_secret,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_rules"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_rules,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_geoip"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_geoip,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_retention"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_retention,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_notify"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_lead_notify_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_confirm_url"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_lead_main_conf_t, confirm_url),
      &ngx_http_lead_confirm_url_p },

    { ngx_string("lead_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_lead_main_conf_t, cookie),
      &ngx_http_lead_cookie_name_p },

    { ngx_string("lead_track"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, track),
      NULL },

    { ngx_string("lead_honor_gpc"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, honor_gpc),
      NULL },

    { ngx_string("lead_site_hosts"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, site_hosts),
      NULL },

    { ngx_string("lead_gate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, gate),
      &ngx_http_lead_gate_modes },

    { ngx_string("lead_form_uri"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, form_uri),
      NULL },

    { ngx_string("lead_form"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_lead_form,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_form_contact"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lead_loc_conf_t, form_contact),
      NULL },

    { ngx_string("lead_feedback"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_lead_feedback,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_sales"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_lead_sales,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lead_form_template"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_lead_form_template,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_lead_module_ctx = {
    ngx_http_lead_add_variables,           /* preconfiguration */
    ngx_http_lead_init,                    /* postconfiguration */

    ngx_http_lead_create_main_conf,        /* create main configuration */
    ngx_http_lead_init_main_conf,          /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_lead_create_loc_conf,         /* create location configuration */
    ngx_http_lead_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_http_lead_module = {
    NGX_MODULE_V1,
    &ngx_http_lead_module_ctx,             /* module context */
    ngx_http_lead_commands,                /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_lead_init_module,             /* init module */
    ngx_http_lead_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_lead_exit_process,            /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static char *
ngx_http_lead_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    u_char           *last;
    off_t             size;
    ngx_int_t         n;
    ngx_str_t        *value, s, dir;
    ngx_uint_t        i;
    ngx_file_info_t   fi;

    if (lmcf->store.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            lmcf->map_size = ngx_parse_offset(&s);
            if (lmcf->map_size < 1024 * 1024) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid lead_store size \"%V\": use at "
                                   "least 1m", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "anonymous=", 10) == 0) {
            s.data = value[i].data + 10;
            s.len = value[i].len - 10;

            if (s.len && s.data[s.len - 1] == '%') {
                n = ngx_atoi(s.data, s.len - 1);
                if (n < 1 || n > NGX_HTTP_LEAD_ANONYMOUS_MAX) {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "invalid lead_store anonymous \"%V\": "
                                       "use 1%% to %d%% of the size, or a "
                                       "size", &s, NGX_HTTP_LEAD_ANONYMOUS_MAX);
                    return NGX_CONF_ERROR;
                }
                lmcf->anonymous_pct = n;
                continue;
            }

            lmcf->anonymous = ngx_parse_offset(&s);
            if (lmcf->anonymous < 64 * 1024) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid lead_store anonymous \"%V\": "
                                   "use at least 64k, or a percentage", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "flush=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            lmcf->flush = ngx_parse_time(&s, 0);
            if (lmcf->flush == (ngx_msec_t) NGX_ERROR || lmcf->flush == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid lead_store flush \"%V\"", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid lead_store parameter \"%V\" "
                           "(expected size=N, anonymous=N or flush=TIME)",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    size = lmcf->map_size ? lmcf->map_size : (off_t) LEAD_DEFAULT_MAP_SIZE;
    if (lmcf->anonymous
        && lmcf->anonymous > size / 100 * NGX_HTTP_LEAD_ANONYMOUS_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lead_store anonymous=%O is over %d%% of the "
                           "store's size=%O: the rest is kept for leads",
                           lmcf->anonymous, NGX_HTTP_LEAD_ANONYMOUS_MAX,
                           size);
        return NGX_CONF_ERROR;
    }

    lmcf->store = value[1];

    if (ngx_conf_full_name(cf->cycle, &lmcf->store, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

#if (NGX_THREADS)
    /*
     * Commits, folds and sales pages run in nginx's default thread pool,
     * or in one named "lead" where the main context declares it (nginx
     * makes no other pool by itself); only the latter's threads are
     * lowered (ngx_http_lead_thread_aside).
     */
    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_CONF_ERROR;
    }
#endif

    /* a usable store is a directory, or one that can be made in a dir */
    if (ngx_file_info(lmcf->store.data, &fi) != NGX_FILE_ERROR) {
        if (!ngx_is_dir(&fi)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "lead_store \"%V\" is not a directory",
                               &lmcf->store);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    last = (u_char *) strrchr((char *) lmcf->store.data, '/');
    dir.data = lmcf->store.data;
    dir.len = (last && last != lmcf->store.data) ? (size_t) (last - dir.data)
                                                 : 1;
    dir.data = ngx_pnalloc(cf->pool, dir.len + 1);
    if (dir.data == NULL) {
        return NGX_CONF_ERROR;
    }
    ngx_cpystrn(dir.data, lmcf->store.data, dir.len + 1);

    if (ngx_file_info(dir.data, &fi) == NGX_FILE_ERROR || !ngx_is_dir(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "lead_store \"%V\" cannot be created: \"%V\" is "
                           "not a directory", &lmcf->store, &dir);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* lead_retention off | TIME: how long anonymous history is kept */
static char *
ngx_http_lead_retention(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    ngx_str_t  *value = cf->args->elts;

    if (lmcf->retention != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        lmcf->retention = 0;
        return NGX_CONF_OK;
    }

    lmcf->retention = ngx_parse_time(&value[1], 1);
    if (lmcf->retention == (time_t) NGX_ERROR || lmcf->retention == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid lead_retention \"%V\": use \"off\" or "
                           "a time such as 395d", &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* lead_notify URI [retry=TIME]: where notices go, and the first retry */
static char *
ngx_http_lead_notify_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    ngx_str_t  *value = cf->args->elts, s;

    if (lmcf->notify.data) {
        return "is duplicate";
    }

    if (value[1].len == 0 || value[1].data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lead_notify: \"%V\" is not a URI", &value[1]);
        return NGX_CONF_ERROR;
    }

    lmcf->notify = value[1];

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "retry=", 6) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "lead_notify: unknown parameter \"%V\"",
                               &value[2]);
            return NGX_CONF_ERROR;
        }

        s.data = value[2].data + 6;
        s.len = value[2].len - 6;

        lmcf->notify_retry = ngx_parse_time(&s, 0);
        if (lmcf->notify_retry == (ngx_msec_t) NGX_ERROR
            || lmcf->notify_retry == 0
            || lmcf->notify_retry > NGX_HTTP_LEAD_NOTIFY_RETRY_MAX)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "lead_notify: invalid \"%V\": a time from "
                               "1ms to 5m", &value[2]);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_lead_rules(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    char                err[8192], *line, *nl;
    ngx_str_t          *value, dir;
    ngx_pool_cleanup_t *cln;

    if (lmcf->rules) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dir = value[1];

    if (ngx_conf_full_name(cf->cycle, &dir, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (lead_rules_load(&lmcf->rules, (char *) dir.data, err, sizeof(err))
        != LEAD_OK)
    {
        /* every error in the rules, one a line */
        for (line = err; line != NULL; line = nl ? nl + 1 : NULL) {
            nl = ngx_strchr(line, '\n');
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%*s",
                               nl ? (size_t) (nl - line) : ngx_strlen(line),
                               line);
        }
        return NGX_CONF_ERROR;
    }

    /* the rules live as long as this configuration */
    cln->handler = ngx_http_lead_free_rules;
    cln->data = lmcf->rules;

    return NGX_CONF_OK;
}


static void
ngx_http_lead_free_rules(void *data)
{
    lead_rules_free(data);
}


static char *
ngx_http_lead_geoip(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    char                 err[1024];
    ngx_str_t           *value, path;
    ngx_pool_cleanup_t  *cln;

    if (lmcf->geoip) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    /* opened with this configuration, closed with it: a reload reads anew */
    if (lead_geoip_open(&lmcf->geoip, (char *) path.data, err, sizeof(err))
        != LEAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "lead_geoip: %s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_lead_free_geoip;
    cln->data = lmcf->geoip;

    return NGX_CONF_OK;
}


static void
ngx_http_lead_free_geoip(void *data)
{
    lead_geoip_close(data);
}


static void *
ngx_http_lead_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lead_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lmcf->store = { 0, NULL };
     *     lmcf->keys = { 0 };
     *     lmcf->cookie = { 0, NULL };
     *     lmcf->cookie_tail = { 0, NULL };
     *     lmcf->rules = NULL;
     *     lmcf->notify = { 0, NULL };
     *     lmcf->notify_ctx = NULL;
     *     lmcf->notify_match = 0;
     *     lmcf->notify_retry = 0;
     *     lmcf->confirm_url = { 0, NULL };
     *     lmcf->geoip = NULL;
     *     lmcf->map_size = 0;
     *     lmcf->anonymous = 0;
     *     lmcf->anonymous_pct = 0;
     *     lmcf->flush = 0;
     *     lmcf->damaged = 0;
     */

    /*
     * nginx has numbered the modules by now: the files below this one
     * find the module's configuration by this copy (ngx_http_lead.h)
     */
    ngx_http_lead_ctx_index = ngx_http_lead_module.ctx_index;

    lmcf->batch_size = 8 * 1024 * 1024;
    lmcf->retention = NGX_CONF_UNSET;

    return lmcf;
}


/*
 * The address a claim's link names: absolute http(s), and never taken
 * from a request's Host, which the claimer writes.
 */
static char *
ngx_http_lead_confirm_url(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *url = data;

    ngx_uint_t  i;

    for (i = 0; i < url->len; i++) {
        if (url->data[i] <= ' ' || url->data[i] >= 127
            || url->data[i] == '"' || url->data[i] == '\\')
        {
            break;
        }
    }

    if (i < url->len
        || !((url->len > sizeof("http://") - 1
              && ngx_strncasecmp(url->data, (u_char *) "http://",
                                 sizeof("http://") - 1) == 0)
             || (url->len > sizeof("https://") - 1
                 && ngx_strncasecmp(url->data, (u_char *) "https://",
                                    sizeof("https://") - 1) == 0)))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lead_confirm_url: \"%V\" is not an absolute "
                           "http or https URL", url);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* A name that browsers send back as it was set, and nothing else. */
static char *
ngx_http_lead_cookie_name(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *name = data;

    if (!lead_cookie_name_ok((char *) name->data, name->len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lead_cookie: \"%V\" is not a cookie name "
                           "(at most 64 bytes, no spaces, quotes or any of "
                           "()<>@,;:\\/[]?={})", name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_lead_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_lead_main_conf_t  *lmcf = conf;

    if (lmcf->cookie.len == 0) {
        ngx_str_set(&lmcf->cookie, "lv");
    }

    /* Set-Cookie's attributes, the same for every visitor: made once */
    lmcf->cookie_tail.data = ngx_pnalloc(cf->pool,
                      sizeof("; Max-Age=; Path=/; HttpOnly; SameSite=Lax"
                             "; Secure") - 1 + NGX_INT_T_LEN);
    if (lmcf->cookie_tail.data == NULL) {
        return NGX_CONF_ERROR;
    }
    lmcf->cookie_tail.len = ngx_sprintf(lmcf->cookie_tail.data,
                                "; Max-Age=%d; Path=/; HttpOnly; SameSite=Lax"
                                "; Secure", NGX_HTTP_LEAD_COOKIE_MAX_AGE)
                            - lmcf->cookie_tail.data;

    if (lmcf->flush == 0) {
        lmcf->flush = 1000;
    }

    if (lmcf->map_size == 0) {
        lmcf->map_size = (off_t) LEAD_DEFAULT_MAP_SIZE;
    }

    if (lmcf->anonymous == 0) {
        lmcf->anonymous = lmcf->map_size / 100
                          * (lmcf->anonymous_pct ? lmcf->anonymous_pct
                                                 : NGX_HTTP_LEAD_ANONYMOUS);
    }

    if (lmcf->retention == NGX_CONF_UNSET) {
        lmcf->retention = NGX_HTTP_LEAD_RETENTION;
    }

    if (lmcf->notify_retry == 0) {
        lmcf->notify_retry = 1000;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_lead_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_lead_loc_conf_t  *llcf;

    llcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lead_loc_conf_t));
    if (llcf == NULL) {
        return NULL;
    }

    llcf->track = NGX_CONF_UNSET;
    llcf->honor_gpc = NGX_CONF_UNSET;
    llcf->gate = NGX_CONF_UNSET_UINT;
    ngx_str_null(&llcf->form_uri);
    llcf->form = NGX_CONF_UNSET;
    llcf->form_contact = NGX_CONF_UNSET;
    llcf->form_template = NGX_CONF_UNSET_PTR;
    llcf->site_hosts = NGX_CONF_UNSET_PTR;

    return llcf;
}


static char *
ngx_http_lead_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_lead_loc_conf_t  *prev = parent;
    ngx_http_lead_loc_conf_t  *conf = child;

    ngx_http_lead_main_conf_t  *lmcf;

    ngx_conf_merge_value(conf->track, prev->track, 0);
    ngx_conf_merge_value(conf->honor_gpc, prev->honor_gpc, 1);
    ngx_conf_merge_ptr_value(conf->site_hosts, prev->site_hosts, NULL);
    if (ngx_http_lead_own_hosts(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }
    ngx_conf_merge_uint_value(conf->gate, prev->gate,
                              NGX_HTTP_LEAD_GATE_OFF);
    ngx_conf_merge_str_value(conf->form_uri, prev->form_uri, "/lead/form");
    ngx_conf_merge_value(conf->form, prev->form, 0);
    ngx_conf_merge_value(conf->form_contact, prev->form_contact, 0);
    ngx_conf_merge_ptr_value(conf->form_template, prev->form_template, NULL);

    lmcf = ngx_http_lead_cf_main_conf(cf);

    /* the server whose location lead_notify names, as each is merged */
    ngx_http_lead_notify_match(cf, lmcf);

    if (!conf->track && conf->gate == NGX_HTTP_LEAD_GATE_OFF && !conf->form
        && conf->sales.data == NULL && conf->feedback == NULL)
    {
        return NGX_CONF_OK;
    }

    if (lmcf->store.data == NULL || lmcf->keys.n == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs \"lead_store\" and \"lead_secret\" "
                           "in the http block",
                           conf->track ? "lead_track on"
                           : conf->form ? "lead_form"
                           : conf->feedback ? "lead_feedback"
                           : conf->sales.data ? "lead_sales" : "lead_gate");
        return NGX_CONF_ERROR;
    }

    if (conf->sales.data && lmcf->rules == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"lead_sales\" needs \"lead_rules\": the sales "
                           "view scores with them");
        return NGX_CONF_ERROR;
    }

    if (conf->gate == NGX_HTTP_LEAD_GATE_AUTO && lmcf->rules == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"lead_gate auto\" needs \"lead_rules\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_lead_init(ngx_conf_t *cf)
{
    if (ngx_http_lead_track_init(cf) != NGX_OK
        || ngx_http_lead_gate_init(cf) != NGX_OK
        || ngx_http_lead_notify_init(cf) != NGX_OK
        || ngx_http_lead_check(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The master checks the store before workers use it (nginx -t, start,
 * reload), and creates a missing store directory for the worker user, so
 * a packaged install needs no chown; LMDB's files are then made by workers.
 */
static ngx_int_t
ngx_http_lead_init_module(ngx_cycle_t *cycle)
{
    ngx_core_conf_t            *ccf;
    ngx_file_info_t             fi;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lead_module);

    if (lmcf == NULL || lmcf->store.data == NULL) {
        return NGX_OK;
    }

    if (ngx_file_info(lmcf->store.data, &fi) != NGX_FILE_ERROR) {
        ngx_http_lead_verify(cycle, lmcf);
        return NGX_OK;
    }

    if (ngx_test_config) {
        return NGX_OK;
    }

    if (ngx_create_dir(lmcf->store.data, 0750) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, ngx_errno,
                      "lead: cannot create store \"%s\"; content is still "
                      "served, without tracking", lmcf->store.data);
        return NGX_OK;
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    if (geteuid() == 0 && ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT
        && chown((char *) lmcf->store.data, ccf->user, ccf->group) == -1)
    {
        ngx_log_error(NGX_LOG_ERR, cycle->log, ngx_errno,
                      "lead: chown(\"%s\") failed", lmcf->store.data);
    }

    return NGX_OK;
}


/*
 * A damaged data.mdb crashes every worker that maps it, as each starts:
 * its file and trees are read here, in a child process of the master that
 * may crash instead.  Then workers serve content with tracking off, gated
 * assets show the form, and no worker maps the store until a reload
 * finds it whole.
 */
static void
ngx_http_lead_verify(ngx_cycle_t *cycle, ngx_http_lead_main_conf_t *lmcf)
{
    int   rc;
    char  err[512];

    rc = lead_store_verify((char *) lmcf->store.data, 1, err, sizeof(err));

    if (rc == LEAD_EDAMAGED) {
        lmcf->damaged = 1;
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "lead: store \"%s/data.mdb\" is damaged: %s; content "
                      "is served with tracking off and gated assets show "
                      "the form until a whole store is in place and nginx "
                      "reloads (see \"leadctl check\")",
                      lmcf->store.data, err);

    } else if (rc != LEAD_OK && rc != LEAD_ENOSTORE) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "lead: store \"%s\" was not checked: %s",
                      lmcf->store.data, err);
    }
}


static ngx_int_t
ngx_http_lead_init_process(ngx_cycle_t *cycle)
{
    ngx_int_t                   rc;
    ngx_http_lead_main_conf_t  *lmcf;

    /* cache manager and loader processes never record */
    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    lmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lead_module);

    if (lmcf == NULL || lmcf->store.data == NULL) {
        return NGX_OK;
    }

    rc = ngx_http_lead_worker_init(cycle, lmcf, ngx_http_lead_promoted);

    /* before the first flush: the write path sends notices through it */
    ngx_http_lead_worker.post = ngx_http_lead_notify_post;

    return rc;
}


static void
ngx_http_lead_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_lead_worker_exit(cycle->log);
}
