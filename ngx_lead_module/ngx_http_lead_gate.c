
/*
 * The gate: an unidentified visitor asking for a gated asset, by the URI
 * (access phase) or by the file nginx is about to serve (content phase),
 * is sent to the form instead.
 */


#include "ngx_http_lead.h"


static ngx_int_t ngx_http_lead_gate_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_file_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_gate_visitor(ngx_http_request_t *r,
    ngx_http_lead_loc_conf_t *llcf, ngx_http_lead_ctx_t *ctx);
static const lead_asset *ngx_http_lead_file_asset(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf);
static ngx_uint_t ngx_http_lead_gated(ngx_http_lead_loc_conf_t *llcf,
    ngx_http_lead_main_conf_t *lmcf, const lead_asset *a);
static const lead_asset *ngx_http_lead_served(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf);


ngx_int_t
ngx_http_lead_gate_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_gate_handler;

    /* registered after ngx_http_static_module's: called before it */
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_CONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lead_file_handler;

    return NGX_OK;
}


/*
 * Access phase: a gated asset is served only to a visitor whose cookie
 * verifies and who is linked to a lead; anyone else (a forged cookie, a
 * store that cannot answer) is sent to the form: the gate fails closed.
 */
static ngx_int_t
ngx_http_lead_gate_handler(ngx_http_request_t *r)
{
    ngx_uint_t                 gated;
    ngx_http_lead_ctx_t       *ctx;
    ngx_http_lead_loc_conf_t  *llcf;
    ngx_http_lead_main_conf_t *lmcf;

    llcf = ngx_http_lead_loc_conf(r);

    /* the form is never behind the gate, even where "lead_gate on" */
    if (llcf->gate == NGX_HTTP_LEAD_GATE_OFF || llcf->form || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_lead_get_asset(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lmcf = ngx_http_lead_main_conf(r);

    /*
     * The asset asked for, and the file nginx will serve for it (r->uri,
     * as nginx normalised it; an index file stands for its directory):
     * gated if either is.  A path this module cannot normalise is gated:
     * the gate fails closed.
     */
    gated = ctx->path.len == 0
            || ngx_http_lead_gated(llcf, lmcf, ctx->asset)
            || ngx_http_lead_gated(llcf, lmcf, ngx_http_lead_served(r, lmcf));

    if (!gated) {
        return NGX_DECLINED;
    }

    return ngx_http_lead_gate_visitor(r, llcf, ctx);
}


/*
 * Content phase, where a location serves files (static, index, autoindex,
 * gzip_static; not proxy_pass and the like, which set their own handler):
 * the file r->uri maps to now, after alias, root and try_files, with its
 * symlinks resolved, is matched by its path below the server's root, so
 * a gated file is gated however a location with a gate reaches it.
 */
static ngx_int_t
ngx_http_lead_file_handler(ngx_http_request_t *r)
{
    const lead_asset           *a;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_loc_conf_t   *llcf;
    ngx_http_lead_main_conf_t  *lmcf;

    llcf = ngx_http_lead_loc_conf(r);
    lmcf = ngx_http_lead_main_conf(r);

    if (llcf->gate == NGX_HTTP_LEAD_GATE_OFF || llcf->form
        || r != r->main || lmcf->rules == NULL
        || r->uri.len == 0 || r->uri.data[r->uri.len - 1] == '/'
        || !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)))
    {
        return NGX_DECLINED;
    }

    ctx = ngx_http_lead_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->gated) {
        return NGX_DECLINED;            /* a lead's already */
    }

    a = ngx_http_lead_file_asset(r, lmcf);

    if (a == NULL || !lead_rules_gated(lmcf->rules, a)) {
        return NGX_DECLINED;
    }

    return ngx_http_lead_gate_visitor(r, llcf, ctx);
}


/* A lead's visitor goes on (NGX_DECLINED); anyone else to the form. */
static ngx_int_t
ngx_http_lead_gate_visitor(ngx_http_request_t *r,
    ngx_http_lead_loc_conf_t *llcf, ngx_http_lead_ctx_t *ctx)
{
    u_char  *loc, *p;
    size_t   len;

    if (ngx_http_lead_read_cookie(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_lead_is_lead(r, ctx) == NGX_OK) {
        ctx->gated = 1;                 /* served, but to this lead only */
        return NGX_DECLINED;
    }

    /* form_uri?return=<what was asked for, path and query> */
    len = llcf->form_uri.len + sizeof("?return=") - 1
          + r->unparsed_uri.len
          + 2 * ngx_escape_uri(NULL, r->unparsed_uri.data,
                               r->unparsed_uri.len, NGX_ESCAPE_ARGS);

    loc = ngx_pnalloc(r->pool, len);
    if (loc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_copy(loc, llcf->form_uri.data, llcf->form_uri.len);
    p = ngx_cpymem(p, "?return=", sizeof("?return=") - 1);
    p = (u_char *) ngx_escape_uri(p, r->unparsed_uri.data,
                                  r->unparsed_uri.len, NGX_ESCAPE_ARGS);

    return ngx_http_lead_redirect(r, loc, p - loc);
}


/* Whether an asset (NULL: untagged) is gated in this location. */
static ngx_uint_t
ngx_http_lead_gated(ngx_http_lead_loc_conf_t *llcf,
    ngx_http_lead_main_conf_t *lmcf, const lead_asset *a)
{
    if (llcf->gate == NGX_HTTP_LEAD_GATE_ON) {
        return a == NULL || !(a->flags & LEAD_ASSET_OPEN);
    }

    return a != NULL && lead_rules_gated(lmcf->rules, a);
}


/* The asset of what nginx serves: r->uri (an index file: its directory). */
static const lead_asset *
ngx_http_lead_served(ngx_http_request_t *r, ngx_http_lead_main_conf_t *lmcf)
{
    if (lmcf->rules == NULL) {
        return NULL;
    }

    return lead_rules_match_file(lmcf->rules, (char *) r->uri.data,
                                 r->uri.len);
}


/* files resolved lately, per worker: a path's asset without a syscall */
#define NGX_HTTP_LEAD_FILES      256
#define NGX_HTTP_LEAD_FILE_MAX   192
#define NGX_HTTP_LEAD_FILE_TTL   1000      /* ms: symlinks change */

typedef struct {
    void              *server;
    const lead_asset  *asset;
    ngx_msec_t         until;
    u_short            len;
    u_char             path[NGX_HTTP_LEAD_FILE_MAX];
} ngx_http_lead_file_t;

static ngx_http_lead_file_t  *ngx_http_lead_files;


/*
 * The rule of the file r->uri maps to in this location: its real path
 * (realpath(3): symlinks, "..") below the server's real root, the path
 * the rules are written for.  NULL: no such file, none below the root,
 * or a server root made of variables (then the URI's gate alone).
 */
static const lead_asset *
ngx_http_lead_file_asset(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf)
{
    u_char                     *last;
    size_t                      root, len;
    uint32_t                    hash;
    ngx_str_t                   path;
    const lead_asset           *a;
    ngx_http_lead_file_t       *f;
    ngx_http_core_srv_conf_t   *cscf;
    ngx_http_core_loc_conf_t   *slcf;
    char                        file[PATH_MAX], top[PATH_MAX];

    cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);
    slcf = cscf->ctx->loc_conf[ngx_http_core_module.ctx_index];

    if (slcf->root_lengths != NULL || slcf->root.len == 0) {
        return NULL;
    }

    last = ngx_http_map_uri_to_path(r, &path, &root, 0);
    if (last == NULL) {
        return NULL;
    }

    path.len = last - path.data;

    f = NULL;

    if (ngx_http_lead_files == NULL) {
        ngx_http_lead_files = ngx_calloc(NGX_HTTP_LEAD_FILES
                                         * sizeof(ngx_http_lead_file_t),
                                         r->connection->log);
    }

    if (ngx_http_lead_files && path.len <= NGX_HTTP_LEAD_FILE_MAX) {
        hash = ngx_crc32_short(path.data, path.len) ^ (uintptr_t) cscf;
        f = &ngx_http_lead_files[hash % NGX_HTTP_LEAD_FILES];

        if (f->server == cscf && f->len == path.len
            && f->until > ngx_current_msec
            && ngx_memcmp(f->path, path.data, path.len) == 0)
        {
            return f->asset;
        }
    }

    a = NULL;

    /* slcf->root is NUL-terminated (ngx_http_core_root, merge) */
    if (realpath((char *) path.data, file) != NULL
        && realpath((char *) slcf->root.data, top) != NULL)
    {
        len = ngx_strlen(top);

        if (len == 1) {                 /* root "/" */
            len = 0;
        }

        if (ngx_strncmp(file, top, len) == 0 && file[len] == '/') {
            a = lead_rules_match_file(lmcf->rules, file + len,
                                      ngx_strlen(file + len));
        }
    }

    if (f) {
        f->server = cscf;
        f->asset = a;
        f->until = ngx_current_msec + NGX_HTTP_LEAD_FILE_TTL;
        f->len = (u_short) path.len;
        ngx_memcpy(f->path, path.data, path.len);
    }

    return a;
}
