
/*
 * Configuration checks at nginx -t, start and reload: a gate must reach
 * a form in its own server, rules that gate should meet a gate, and a
 * post of the feedback form or the sales view should fit in memory.
 */


#include "ngx_http_lead.h"
#include "lead_feedback.h"


typedef struct {
    ngx_http_core_srv_conf_t   *cscf;
    ngx_http_lead_main_conf_t  *lmcf;
    ngx_log_t                  *log;
    ngx_http_core_loc_conf_t   *root;        /* the server's own */
    ngx_uint_t                  gates;       /* locations gated, all servers */
    ngx_http_core_loc_conf_t   *autos;       /* the first "lead_gate auto" */
    ngx_http_core_srv_conf_t   *autos_srv;
} ngx_http_lead_check_t;


/* a location's configuration of this module; the server's own has no
   loc_conf pointer of its own, its ctx has it */
#define ngx_http_lead_check_conf(ck, clcf)                                    \
    ((ngx_http_lead_loc_conf_t *)                                             \
     ((clcf) == (ck)->root ? (ck)->cscf->ctx->loc_conf                        \
                           : (clcf)->loc_conf)[ngx_http_lead_ctx_index])


static ngx_int_t ngx_http_lead_check_server(ngx_http_lead_check_t *ck);
static ngx_int_t ngx_http_lead_check_loc(ngx_http_lead_check_t *ck,
    ngx_http_core_loc_conf_t *clcf);
static ngx_int_t ngx_http_lead_check_tree(ngx_http_lead_check_t *ck,
    ngx_http_location_tree_node_t *node);
static ngx_int_t ngx_http_lead_check_form(ngx_http_lead_check_t *ck,
    ngx_http_core_loc_conf_t *clcf, ngx_http_lead_loc_conf_t *llcf);
static ngx_int_t ngx_http_lead_find_location(ngx_http_core_loc_conf_t *pclcf,
    ngx_str_t *uri, ngx_http_core_loc_conf_t **found);
static ngx_int_t ngx_http_lead_find_static(
    ngx_http_location_tree_node_t *node, u_char *uri, size_t len,
    ngx_http_core_loc_conf_t **found);
static u_char *ngx_http_lead_server_name(ngx_http_core_srv_conf_t *cscf,
    u_char *buf, size_t size);
static void ngx_http_lead_check_rules(ngx_http_lead_check_t *ck);


/*
 * Postconfiguration: nginx has merged every location and built each
 * server's location trees (ngx_http_init_static_location_trees), so the
 * location a URI reaches is found as a request would find it.
 */
ngx_int_t
ngx_http_lead_check(ngx_conf_t *cf)
{
    ngx_uint_t                  s;
    ngx_http_lead_check_t       ck;
    ngx_http_core_srv_conf_t  **cscfp;
    ngx_http_core_main_conf_t  *cmcf;

    ngx_memzero(&ck, sizeof(ngx_http_lead_check_t));

    ck.lmcf = ngx_http_lead_cf_main_conf(cf);
    ck.log = cf->log;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    cscfp = cmcf->servers.elts;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        ck.cscf = cscfp[s];

        if (ngx_http_lead_check_server(&ck) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    ngx_http_lead_check_rules(&ck);

    return NGX_OK;
}


/* Every location of one server: prefix, exact, regex, nested, named. */
static ngx_int_t
ngx_http_lead_check_server(ngx_http_lead_check_t *ck)
{
    ngx_http_core_loc_conf_t  **clcfp;

    ck->root = ck->cscf->ctx->loc_conf[ngx_http_core_module.ctx_index];

    /*
     * The server's own configuration serves what no location matches; it
     * is checked as a location only where the server has none (else it
     * would repeat what "location /" says, or cry wolf where every
     * location sets "lead_gate off").
     */
    if (ck->root->static_locations == NULL
#if (NGX_PCRE)
        && ck->root->regex_locations == NULL
#endif
        && ck->cscf->named_locations == NULL)
    {
        return ngx_http_lead_check_loc(ck, ck->root);
    }

    if (ngx_http_lead_check_tree(ck, ck->root->static_locations) != NGX_OK) {
        return NGX_ERROR;
    }

#if (NGX_PCRE)
    for (clcfp = ck->root->regex_locations; clcfp && *clcfp; clcfp++) {
        if (ngx_http_lead_check_loc(ck, *clcfp) != NGX_OK) {
            return NGX_ERROR;
        }
    }
#endif

    for (clcfp = ck->cscf->named_locations; clcfp && *clcfp; clcfp++) {
        if (ngx_http_lead_check_loc(ck, *clcfp) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_lead_check_tree(ngx_http_lead_check_t *ck,
    ngx_http_location_tree_node_t *node)
{
    if (node == NULL) {
        return NGX_OK;
    }

    if ((node->exact && ngx_http_lead_check_loc(ck, node->exact) != NGX_OK)
        || (node->inclusive
            && ngx_http_lead_check_loc(ck, node->inclusive) != NGX_OK)
        || ngx_http_lead_check_tree(ck, node->left) != NGX_OK
        || ngx_http_lead_check_tree(ck, node->right) != NGX_OK
        || ngx_http_lead_check_tree(ck, node->tree) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* A location, then the locations nested in it. */
static ngx_int_t
ngx_http_lead_check_loc(ngx_http_lead_check_t *ck,
    ngx_http_core_loc_conf_t *clcf)
{
    ngx_http_lead_loc_conf_t   *llcf;
#if (NGX_PCRE)
    ngx_http_core_loc_conf_t  **clcfp;
#endif

    llcf = ngx_http_lead_check_conf(ck, clcf);

    if (llcf->gate != NGX_HTTP_LEAD_GATE_OFF) {
        ck->gates++;

        if (llcf->gate == NGX_HTTP_LEAD_GATE_AUTO && ck->autos == NULL) {
            ck->autos = clcf;
            ck->autos_srv = ck->cscf;
        }

        if (ngx_http_lead_check_form(ck, clcf, llcf) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /* a body beyond the buffer goes to a file, and the module refuses it
       (413): then 1,000 characters of a comment or note may not fit */
    if ((llcf->feedback || llcf->sales.data)
        && clcf->client_body_buffer_size < LEAD_SALES_BODY_MAX)
    {
        ngx_log_error(NGX_LOG_WARN, ck->log, 0,
                      "lead: \"%s\" in location \"%V\" takes posts of up "
                      "to %uz bytes, but reads only %uz in memory: set "
                      "\"client_body_buffer_size 16k;\" there",
                      llcf->feedback ? "lead_feedback" : "lead_sales",
                      &clcf->name, (size_t) LEAD_SALES_BODY_MAX,
                      clcf->client_body_buffer_size);
    }

    if (clcf == ck->root) {
        return NGX_OK;
    }

    if (ngx_http_lead_check_tree(ck, clcf->static_locations) != NGX_OK) {
        return NGX_ERROR;
    }

#if (NGX_PCRE)
    for (clcfp = clcf->regex_locations; clcfp && *clcfp; clcfp++) {
        if (ngx_http_lead_check_loc(ck, *clcfp) != NGX_OK) {
            return NGX_ERROR;
        }
    }
#endif

    return NGX_OK;
}


/*
 * A gated location sends visitors to lead_form_uri (ngx_http_lead_gate.c):
 * the location nginx picks for that URI in this server must serve the
 * form, or every gated asset ends at a 404.
 */
static ngx_int_t
ngx_http_lead_check_form(ngx_http_lead_check_t *ck,
    ngx_http_core_loc_conf_t *clcf, ngx_http_lead_loc_conf_t *llcf)
{
    u_char                    *q, name[256], *last, where0[512], *where;
    ngx_int_t                  rc;
    ngx_str_t                  uri;
    const char                *why;
    ngx_http_lead_loc_conf_t  *flcf;
    ngx_http_core_loc_conf_t  *found;

    uri = llcf->form_uri;

    q = ngx_strlchr(uri.data, uri.data + uri.len, '?');
    if (q) {
        uri.len = q - uri.data;
    }

    last = ngx_http_lead_server_name(ck->cscf, name, sizeof(name));

    if (uri.len == 0 || uri.data[0] != '/') {
        ngx_log_error(NGX_LOG_EMERG, ck->log, 0,
                      "lead_form_uri \"%V\" in %*s is not a URI of this "
                      "server: it must start with \"/\"",
                      &llcf->form_uri, (size_t) (last - name), name);
        return NGX_ERROR;
    }

    found = ck->root;
    rc = ngx_http_lead_find_location(ck->root, &uri, &found);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_EMERG, ck->log, 0,
                      "lead: cannot match \"%V\" against the locations of "
                      "%*s", &uri, (size_t) (last - name), name);
        return NGX_ERROR;
    }

    flcf = ngx_http_lead_check_conf(ck, found);

    /*
     * lead_form sets the location's handler; a location nested in the
     * form's inherits the flag but not the handler, and serves files
     */
    if (flcf->form == 1 && found->handler && !found->internal) {
        return NGX_OK;
    }

    why = (flcf->form == 1 && found->handler)
          ? " (its location is \"internal\")" : "";

    if (clcf == ck->root) {
        where = ngx_slprintf(where0, where0 + sizeof(where0), "%*s",
                             (size_t) (last - name), name);

    } else {
        where = ngx_slprintf(where0, where0 + sizeof(where0),
                             "location \"%V\" of %*s", &clcf->name,
                             (size_t) (last - name), name);
    }

    if (found == ck->root) {
        ngx_log_error(NGX_LOG_EMERG, ck->log, 0,
                      "lead_gate in %*s sends visitors to \"%V\", which no "
                      "location with \"lead_form\" handles in that "
                      "server%s", (size_t) (where - where0), where0, &uri,
                      why);

    } else {
        ngx_log_error(NGX_LOG_EMERG, ck->log, 0,
                      "lead_gate in %*s sends visitors to \"%V\", which no "
                      "location with \"lead_form\" handles in that server "
                      "(location \"%V\" gets it)%s",
                      (size_t) (where - where0), where0, &uri, &found->name,
                      why);
    }

    return NGX_ERROR;
}


/*
 * The location a request for uri gets, as ngx_http_core_find_location()
 * finds it (static there): "=" then the longest prefix, its nested
 * locations, then the regular expressions in order unless the prefix
 * had "^~".  The URI is a constant, so a regex location is matched with
 * its own compiled expression, as a request would be.
 */
static ngx_int_t
ngx_http_lead_find_location(ngx_http_core_loc_conf_t *pclcf, ngx_str_t *uri,
    ngx_http_core_loc_conf_t **found)
{
    ngx_int_t                   rc;
    ngx_uint_t                  noregex;
#if (NGX_PCRE)
    ngx_int_t                   n;
    ngx_http_core_loc_conf_t  **clcfp;
#endif

    noregex = 0;

    rc = ngx_http_lead_find_static(pclcf->static_locations, uri->data,
                                   uri->len, found);

    if (rc == NGX_AGAIN) {
        noregex = (*found)->noregex;
        rc = ngx_http_lead_find_location(*found, uri, found);
    }

    if (rc == NGX_OK || rc == NGX_DONE || rc == NGX_ERROR) {
        return rc;
    }

#if (NGX_PCRE)
    if (noregex == 0 && pclcf->regex_locations) {

        for (clcfp = pclcf->regex_locations; *clcfp; clcfp++) {

            n = ngx_regex_exec((*clcfp)->regex->regex, uri, NULL, 0);

            if (n == NGX_REGEX_NO_MATCHED) {
                continue;
            }

            if (n < 0) {
                return NGX_ERROR;
            }

            *found = *clcfp;
            rc = ngx_http_lead_find_location(*clcfp, uri, found);

            return (rc == NGX_ERROR) ? rc : NGX_OK;
        }
    }
#endif

    return rc;
}


/* ngx_http_core_find_static_location()'s walk of a location tree. */
static ngx_int_t
ngx_http_lead_find_static(ngx_http_location_tree_node_t *node, u_char *uri,
    size_t len, ngx_http_core_loc_conf_t **found)
{
    size_t     n;
    ngx_int_t  rc, cmp;

    rc = NGX_DECLINED;

    for ( ;; ) {

        if (node == NULL) {
            return rc;
        }

        n = (len <= (size_t) node->len) ? len : node->len;

        cmp = ngx_filename_cmp(uri, node->name, n);

        if (cmp != 0) {
            node = (cmp < 0) ? node->left : node->right;
            continue;
        }

        if (len > (size_t) node->len) {

            if (node->inclusive) {
                *found = node->inclusive;
                rc = NGX_AGAIN;

                node = node->tree;
                uri += n;
                len -= n;

                continue;
            }

            /* exact only */

            node = node->right;
            continue;
        }

        if (len == (size_t) node->len) {

            if (node->exact) {
                *found = node->exact;
                return NGX_OK;
            }

            *found = node->inclusive;
            return NGX_AGAIN;
        }

        /* len < node->len: "/form" and location "/form/", redirected */

        if (len + 1 == (size_t) node->len && node->auto_redirect) {
            *found = node->exact ? node->exact : node->inclusive;
            return NGX_DONE;
        }

        node = node->left;
    }
}


/* 'server "example.com" (/etc/nginx/nginx.conf:12)', for messages. */
static u_char *
ngx_http_lead_server_name(ngx_http_core_srv_conf_t *cscf, u_char *buf,
    size_t size)
{
    u_char  *p, *last;

    last = buf + size;

    if (cscf->server_name.len) {
        p = ngx_slprintf(buf, last, "server \"%V\"", &cscf->server_name);

    } else {
        p = ngx_slprintf(buf, last, "server");
    }

    if (cscf->file_name) {
        p = ngx_slprintf(p, last, " (%s:%ui)", cscf->file_name, cscf->line);
    }

    return p;
}


/*
 * Warnings, not refusals: rules that gate assets no location gates
 * (served to anyone), and "lead_gate auto" with rules that gate nothing
 * (it lets everything through).
 */
static void
ngx_http_lead_check_rules(ngx_http_lead_check_t *ck)
{
    u_char            name[256], *last;
    size_t            i, n, gated;
    const lead_asset  *a, *first;

    if (ck->lmcf->rules == NULL) {
        return;
    }

    gated = 0;
    first = NULL;
    n = lead_rules_count(ck->lmcf->rules);

    for (i = 0; i < n; i++) {
        a = lead_rules_asset(ck->lmcf->rules, i);

        if (lead_rules_gated(ck->lmcf->rules, a)) {
            if (first == NULL) {
                first = a;
            }
            gated++;
        }
    }

    if (gated && ck->gates == 0) {
        ngx_log_error(NGX_LOG_WARN, ck->log, 0,
                      "lead_rules gate %uz asset%s (\"%s\", assets.csv "
                      "line %ud), but no location has \"lead_gate\": they "
                      "are served to anyone", gated, gated == 1 ? "" : "s",
                      first->path, first->line);
    }

    if (gated == 0 && ck->autos) {
        last = ngx_http_lead_server_name(ck->autos_srv, name, sizeof(name));

        ngx_log_error(NGX_LOG_WARN, ck->log, 0,
                      "\"lead_gate auto\" in location \"%V\" of %*s gates "
                      "nothing: lead_rules mark no asset \"gated\" and "
                      "set no \"gate_from\"", &ck->autos->name,
                      (size_t) (last - name), name);
    }
}
