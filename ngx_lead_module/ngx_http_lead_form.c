
/*
 * The form at lead_form: it asks for name and e-mail only, and links the
 * visitor to its lead; a claim of a known e-mail from another device
 * waits for the link the lead is sent (?confirm=TOKEN, here too).  Its
 * page is lead_form_template's, or html/form.html as built in; a post
 * too long, or one limit_req refused (error_page 429 to the form), gets
 * the form again with a message.
 */


#include "ngx_http_lead.h"


/* a form with mistakes: shown again, with what to fix */
#define NGX_HTTP_LEAD_UNPROCESSABLE  422
/* a confirmation link whose claim no longer waits */
#define NGX_HTTP_LEAD_GONE           410


/* the placeholders form.html may use, in the order values are given */
enum {
    FORM_TITLE,
    FORM_TOPIC,
    FORM_ACTION,
    FORM_RETURN,
    FORM_TOKEN,
    FORM_NAME,
    FORM_EMAIL,
    FORM_NAME_ERROR,
    FORM_EMAIL_ERROR,
    FORM_SUBSCRIBE,
    FORM_CONTACT_ENABLED,
    FORM_CONTACT,
    FORM_BUSY,
    FORM_TOO_LONG,
    FORM_NVALUES
};


/* what a confirmation page shows of its lead */
typedef struct {
    ngx_pool_t      *pool;
    ngx_str_t        email;
    ngx_http_request_t  *r;          /* applying: $lead_event's line */
    ngx_uint_t       apply;
    u_char           visitor[LEAD_ID_LEN];   /* the claim's device */
    ngx_str_t        line;
} ngx_http_lead_confirm_t;


static const char  *ngx_http_lead_form_names[] = {
    "title", "topic", "action", "return", "token", "name", "email",
    "name_error", "email_error", "subscribe", "contact_enabled", "contact",
    "busy", "too_long", NULL
};


static void ngx_http_lead_free_template(void *data);
static ngx_int_t ngx_http_lead_form_handler(ngx_http_request_t *r);
static void ngx_http_lead_form_post(ngx_http_request_t *r);
static ngx_int_t ngx_http_lead_form_body(ngx_http_request_t *r,
    lead_form_fields *fields);
static ngx_int_t ngx_http_lead_form_again(ngx_http_request_t *r,
    ngx_uint_t status);
static ngx_int_t ngx_http_lead_form_render(ngx_http_request_t *r,
    ngx_uint_t status, lead_form *form, lead_str *ret);
static const lead_asset *ngx_http_lead_return_asset(ngx_http_request_t *r,
    lead_str *ret);
static ngx_int_t ngx_http_lead_confirm(ngx_http_request_t *r,
    ngx_str_t *token);
static int ngx_http_lead_confirm_email(void *arg, const lead_person *p);
static ngx_int_t ngx_http_lead_confirm_page(ngx_http_request_t *r,
    ngx_uint_t status, const char *text, ngx_str_t *email, ngx_str_t *token);


char *
ngx_http_lead_form(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_loc_conf_t  *llcf = conf;

    char                       err[1024];
    ngx_pool_cleanup_t        *cln;
    ngx_http_core_loc_conf_t  *clcf;

    if (llcf->form != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    llcf->form = 1;

    /* the built-in page, for a location that names no template */
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (lead_form_builtin(&llcf->form_builtin, ngx_http_lead_form_names,
                          err, sizeof(err))
        != LEAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_lead_free_template;
    cln->data = llcf->form_builtin;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_lead_form_handler;

    return NGX_CONF_OK;
}


char *
ngx_http_lead_form_template(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lead_loc_conf_t  *llcf = conf;

    char                 err[1024];
    ngx_str_t           *value, path;
    ngx_pool_cleanup_t  *cln;

    if (llcf->form_template != NGX_CONF_UNSET_PTR) {
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

    if (lead_tmpl_load(&llcf->form_template, (char *) path.data,
                       ngx_http_lead_form_names, err, sizeof(err))
        != LEAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_lead_free_template;
    cln->data = llcf->form_template;

    return NGX_CONF_OK;
}


static void
ngx_http_lead_free_template(void *data)
{
    lead_tmpl_free(data);
}


static ngx_int_t
ngx_http_lead_form_handler(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_str_t             arg;
    ngx_http_lead_ctx_t  *ctx;

    if (ngx_http_arg(r, (u_char *) "confirm", 7, &arg) == NGX_OK
        && (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST)))
    {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_lead_confirm(r, &arg);
    }

    if (r->method == NGX_HTTP_GET || r->method == NGX_HTTP_HEAD) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        /* error_page's redirect of a refused post: the form again */
        if (r->err_status == NGX_HTTP_TOO_MANY_REQUESTS
            || r->err_status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE)
        {
            return ngx_http_lead_form_again(r, r->err_status);
        }

        return ngx_http_lead_form_again(r, NGX_HTTP_OK);
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    ctx = ngx_http_lead_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_lead_read_body(r, ngx_http_lead_form_post);

    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_lead_form_again(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
    }

    return rc;
}


/*
 * The form, empty, for ?return=: asked for (200), or again after a post
 * refused, with why: too long (413), or too many (429).
 */
static ngx_int_t
ngx_http_lead_form_again(ngx_http_request_t *r, ngx_uint_t status)
{
    u_char     *dst, *src;
    lead_str    ret;
    ngx_str_t   arg;
    lead_form   form;

    ngx_memzero(&form, sizeof(lead_form));
    ret.data = NULL;
    ret.len = 0;

    if (ngx_http_arg(r, (u_char *) "return", 6, &arg) == NGX_OK) {
        dst = ngx_pnalloc(r->pool, arg.len);
        if (dst == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        src = arg.data;
        ret.data = (char *) dst;
        ngx_unescape_uri(&dst, &src, arg.len, 0);
        ret.len = dst - (u_char *) ret.data;
    }

    return ngx_http_lead_form_render(r, status, &form, &ret);
}


static void
ngx_http_lead_form_post(ngx_http_request_t *r)
{
    int                         outcome;
    u_char                      lead_id[LEAD_ID_LEN];
    lead_str                    ret;
    ngx_int_t                   rc;
    ngx_time_t                 *tp;
    u_char                     *ret_copy;
    lead_form                   form;
    const lead_asset           *asset;
    lead_form_fields           *fields;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);
    ctx = ngx_http_lead_get_ctx(r);

    fields = ngx_palloc(r->pool, sizeof(lead_form_fields));
    if (ctx == NULL || fields == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = ngx_http_lead_form_body(r, fields);
    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        ngx_http_finalize_request(r, ngx_http_lead_form_again(r, rc));
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    /* the token ties the post to this visitor's cookie: no cross-site post */
    if (ngx_http_lead_read_cookie(r, ctx) != NGX_OK || ctx->new_visitor
        || lead_form_token_verify(&lmcf->keys, ctx->visitor,
                                  fields->field[LEAD_FORM_TOKEN].data,
                                  fields->field[LEAD_FORM_TOKEN].len)
           != LEAD_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "lead: form posted without a valid token");
        ngx_http_finalize_request(r, NGX_HTTP_FORBIDDEN);
        return;
    }

    ret = fields->field[LEAD_FORM_RETURN];

    if (lead_form_validate(fields, &form) != 0) {
        ngx_http_finalize_request(r,
            ngx_http_lead_form_render(r, NGX_HTTP_LEAD_UNPROCESSABLE,
                                      &form, &ret));
        return;
    }

    if (ngx_http_lead_worker.store == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        return;
    }

    asset = ngx_http_lead_return_asset(r, &ret);
    tp = ngx_timeofday();

    if (lead_store_identify(ngx_http_lead_worker.store, ctx->visitor, &form,
                            asset ? asset->topic : NULL,
                            asset ? ngx_strlen(asset->topic) : 0,
                            (uint64_t) tp->sec * 1000 + tp->msec, lead_id,
                            &outcome)
        != LEAD_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "lead: cannot record a form: %s",
                      lead_store_errmsg(ngx_http_lead_worker.store));
        ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        return;
    }

    if (outcome == LEAD_IDENT_REFUSED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "lead: a browser claimed too many known e-mails "
                      "today; refused");
        form.email_error = "This browser has used several known addresses "
                           "today. Please try again tomorrow.";
        ngx_http_finalize_request(r,
            ngx_http_lead_form_render(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                      &form, &ret));
        return;
    }

    if (outcome == LEAD_IDENT_CREATED || outcome == LEAD_IDENT_UPDATED) {
        ngx_http_lead_event_identify(r, ctx->visitor, lead_id, &form,
                                     asset ? asset->topic : NULL,
                                     (uint64_t) tp->sec * 1000 + tp->msec);
    }

    if (outcome == LEAD_IDENT_NOTIFY) {
        ngx_http_lead_notify_confirm(r->connection->log, ctx->visitor,
                                     lead_id);
    }

    /* a browser linked: its cookie says so, for every node's gate */
    if (outcome == LEAD_IDENT_CREATED || outcome == LEAD_IDENT_UPDATED) {
        ctx->cookie_identified = 1;
        ctx->cookie_resign = 1;
    }

    /* a claim changes nothing of the lead: no status, no notice of it */
    if (lmcf->rules
        && (outcome == LEAD_IDENT_CREATED || outcome == LEAD_IDENT_UPDATED)
        && lead_store_promote_lead(ngx_http_lead_worker.store, lmcf->rules,
                                   lead_id,
                                   (uint64_t) tp->sec * 1000 + tp->msec,
                                   ngx_http_lead_promoted,
                                   r->connection->log)
           != LEAD_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "lead: cannot update a status: %s",
                      lead_store_errmsg(ngx_http_lead_worker.store));
    }

    /* the header outlives this function: the pool's copy, not the stack's */
    ret_copy = ngx_pnalloc(r->pool, form.ret_len);
    if (ret_copy == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }
    ngx_memcpy(ret_copy, form.ret, form.ret_len);

    ngx_http_finalize_request(r,
        ngx_http_lead_redirect(r, ret_copy, form.ret_len));
}


/* The body, in memory and within LEAD_FORM_BODY_MAX, parsed. */
static ngx_int_t
ngx_http_lead_form_body(ngx_http_request_t *r, lead_form_fields *fields)
{
    u_char     body[LEAD_FORM_BODY_MAX];
    size_t     len;
    ngx_int_t  rc;

    rc = ngx_http_lead_body_bytes(r, body, &len);
    if (rc != NGX_OK) {
        return rc;
    }

    if (lead_form_parse((char *) body, len, fields) != LEAD_OK) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    return NGX_OK;
}


/* The asset the visitor was on its way to, for the form's wording. */
static const lead_asset *
ngx_http_lead_return_asset(ngx_http_request_t *r, lead_str *ret)
{
    int                         n;
    char                       *path;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (lmcf->rules == NULL || !lead_return_valid(ret->data, ret->len)) {
        return NULL;
    }

    path = ngx_pnalloc(r->pool, LEAD_PATH_MAX);
    if (path == NULL) {
        return NULL;
    }

    n = lead_path_normalize(ret->data, ret->len, path);

    return n > 0 ? lead_rules_match(lmcf->rules, path, n) : NULL;
}


static ngx_int_t
ngx_http_lead_form_render(ngx_http_request_t *r, ngx_uint_t status,
    lead_form *form, lead_str *ret)
{
    u_char                     *action, *p;
    lead_str                    v[FORM_NVALUES];
    const lead_tmpl            *tmpl;
    const lead_asset           *asset;
    ngx_http_lead_ctx_t        *ctx;
    ngx_http_lead_loc_conf_t   *llcf;
    ngx_http_lead_main_conf_t  *lmcf;
    char                        token[LEAD_TOKEN_LEN];

    llcf = ngx_http_lead_loc_conf(r);
    lmcf = ngx_http_lead_main_conf(r);

    ctx = ngx_http_lead_get_ctx(r);
    if (ctx == NULL || ngx_http_lead_read_cookie(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lead_form_token(&lmcf->keys, ctx->visitor, token);

    /* a return the form would refuse is not even shown back */
    if (!lead_return_valid(ret->data, ret->len)) {
        ret->data = "/";
        ret->len = 1;
    }

    asset = ngx_http_lead_return_asset(r, ret);

    ngx_memzero(v, sizeof(v));

#define FORM_SET(i, s, n)  v[i].data = (s); v[i].len = (n)

    if (asset) {
        FORM_SET(FORM_TITLE, asset->title, ngx_strlen(asset->title));
        FORM_SET(FORM_TOPIC, asset->topic, ngx_strlen(asset->topic));
    }
    /* the post's own ?return=, for error_page's "?$args" after a refusal */
    if (ret->len > 1) {
        action = ngx_pnalloc(r->pool, r->uri.len + sizeof("?return=") - 1
                             + ret->len
                             + 2 * ngx_escape_uri(NULL, (u_char *) ret->data,
                                                  ret->len,
                                                  NGX_ESCAPE_URI_COMPONENT));
        if (action == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_cpymem(action, r->uri.data, r->uri.len);
        p = ngx_cpymem(p, "?return=", sizeof("?return=") - 1);
        p = (u_char *) ngx_escape_uri(p, (u_char *) ret->data, ret->len,
                                      NGX_ESCAPE_URI_COMPONENT);
        FORM_SET(FORM_ACTION, (char *) action, p - action);

    } else {
        FORM_SET(FORM_ACTION, (char *) r->uri.data, r->uri.len);
    }
    FORM_SET(FORM_RETURN, ret->data, ret->len);
    FORM_SET(FORM_TOKEN, token, LEAD_TOKEN_LEN);
    FORM_SET(FORM_NAME, form->name, form->name_len);
    FORM_SET(FORM_EMAIL, form->email, form->email_len);
    if (form->name_error) {
        FORM_SET(FORM_NAME_ERROR, form->name_error,
                 ngx_strlen(form->name_error));
    }
    if (form->email_error) {
        FORM_SET(FORM_EMAIL_ERROR, form->email_error,
                 ngx_strlen(form->email_error));
    }
    if (form->subscribe) {
        FORM_SET(FORM_SUBSCRIBE, "1", 1);
    }
    if (llcf->form_contact) {
        FORM_SET(FORM_CONTACT_ENABLED, "1", 1);
    }
    if (form->contact) {
        FORM_SET(FORM_CONTACT, "1", 1);
    }
    if (status == NGX_HTTP_TOO_MANY_REQUESTS && form->email_error == NULL) {
        FORM_SET(FORM_BUSY, "1", 1);
    }
    if (status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        FORM_SET(FORM_TOO_LONG, "1", 1);
    }

#undef FORM_SET

    tmpl = llcf->form_template ? llcf->form_template : llcf->form_builtin;

    return ngx_http_lead_send_form(r, status, tmpl, v, ctx);
}


/*
 * A claim's link: GET shows what it confirms and a button, POST confirms
 * (a mail gateway that follows links confirms nothing).  The token says
 * which device and lead; it is checked, and the claim must be pending.
 */
static ngx_int_t
ngx_http_lead_confirm(ngx_http_request_t *r, ngx_str_t *token)
{
    int                      apply;
    ngx_int_t                rc;
    ngx_time_t              *tp;
    ngx_http_lead_ctx_t     *ctx;
    ngx_http_lead_confirm_t  c;

    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (ngx_http_lead_worker.store == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    apply = r->method == NGX_HTTP_POST;
    tp = ngx_timeofday();
    c.pool = r->pool;
    ngx_str_null(&c.email);
    c.r = r;
    c.apply = apply;
    ngx_str_null(&c.line);

    rc = lead_store_confirm(ngx_http_lead_worker.store, &lmcf->keys,
                            (char *) token->data, token->len,
                            (uint64_t) tp->sec * 1000 + tp->msec, apply,
                            c.visitor, ngx_http_lead_confirm_email, &c);

    switch (rc) {

    case LEAD_OK:
        if (c.email.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (apply) {
            ngx_http_lead_event_set(r, &c.line);
            ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                          "lead: a claim was confirmed; the browser is "
                          "the lead's now");

            /* confirmed from the claiming browser: its cookie says so */
            ctx = ngx_http_lead_get_ctx(r);
            if (ctx == NULL || ngx_http_lead_read_cookie(r, ctx) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
            (void) ngx_http_lead_identified(r, ctx);

            return ngx_http_lead_confirm_page(r, NGX_HTTP_OK,
                       "Confirmed. That browser now reads as ", &c.email,
                       NULL);
        }

        return ngx_http_lead_confirm_page(r, NGX_HTTP_OK,
                   "A browser asked to read as ", &c.email, token);

    case LEAD_EINVAL:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "lead: a confirmation link that is not valid or "
                      "has expired");
        return ngx_http_lead_confirm_page(r, NGX_HTTP_BAD_REQUEST,
                   "This link is not valid, or it has expired.", NULL,
                   NULL);

    case LEAD_ENOTFOUND:
        return ngx_http_lead_confirm_page(r, NGX_HTTP_LEAD_GONE,
                   "Nothing waits for confirmation at this link any more.",
                   NULL, NULL);

    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "lead: cannot confirm a claim: %s",
                      lead_store_errmsg(ngx_http_lead_worker.store));
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }
}


/* The lead's e-mail, HTML-escaped into the request's pool. */
static int
ngx_http_lead_confirm_email(void *arg, const lead_person *p)
{
    ngx_http_lead_confirm_t  *c = arg;

    if (c->apply) {
        ngx_http_lead_event_confirmed(c->r, c->visitor, p, &c->line);
    }

    c->email.len = p->email.len
                   + ngx_escape_html(NULL, (u_char *) p->email.data,
                                     p->email.len);
    c->email.data = ngx_pnalloc(c->pool, c->email.len);
    if (c->email.data == NULL) {
        return 1;
    }

    ngx_escape_html(c->email.data, (u_char *) p->email.data, p->email.len);

    return 0;
}


static ngx_int_t
ngx_http_lead_confirm_page(ngx_http_request_t *r, ngx_uint_t status,
    const char *text, ngx_str_t *email, ngx_str_t *token)
{
    u_char  *page, *p;
    size_t   len;

    static ngx_str_t  csp = ngx_string(
        "default-src 'none'; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'");

    static u_char  head[] =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">"
        "<title>Confirm</title></head><body><p>";
    static u_char  ask[] =
        ". If it was you, confirm; if not, close this page and nothing "
        "changes.</p><form method=\"post\" action=\"";
    static u_char  button[] =
        "\"><button type=\"submit\">Confirm</button></form>";
    static u_char  tail[] = "</body></html>\n";

    len = sizeof(head) - 1 + ngx_strlen(text) + sizeof("</p>") - 1
          + sizeof(tail) - 1;
    if (email) {
        len += email->len;
    }
    if (token) {
        len += sizeof(ask) - 1 + r->uri.len
               + ngx_escape_html(NULL, r->uri.data, r->uri.len)
               + sizeof("?confirm=") - 1 + token->len + sizeof(button) - 1;
    }

    page = ngx_pnalloc(r->pool, len);
    if (page == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(page, head, sizeof(head) - 1);
    p = ngx_cpymem(p, text, ngx_strlen(text));

    if (email) {
        p = ngx_cpymem(p, email->data, email->len);
    }

    if (token) {
        /* a token that verified is base64url and a dot: safe as it is */
        p = ngx_cpymem(p, ask, sizeof(ask) - 1);
        p = (u_char *) ngx_escape_html(p, r->uri.data, r->uri.len);
        p = ngx_cpymem(p, "?confirm=", sizeof("?confirm=") - 1);
        p = ngx_cpymem(p, token->data, token->len);
        p = ngx_cpymem(p, button, sizeof(button) - 1);

    } else {
        p = ngx_cpymem(p, email ? ".</p>" : "</p>", email ? 5 : 4);
    }

    p = ngx_cpymem(p, tail, sizeof(tail) - 1);
    len = p - page;

    return ngx_http_lead_send_html(r, status, page, len, &csp);
}
