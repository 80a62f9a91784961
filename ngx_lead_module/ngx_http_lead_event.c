
/*
 * $lead_event: the event a request records, as one JSON line for an
 * access log that ships events to a central store (a read, the identify
 * of a form or a confirmed claim, a rating); empty when it records none.
 */


#include "ngx_http_lead.h"


static ngx_int_t ngx_http_lead_event_hit(ngx_http_request_t *r, int kind,
    const lead_event *ev, ngx_str_t *target, ngx_str_t *rid,
    ngx_str_t *line);
static void ngx_http_lead_event_id(lead_line *l, u_char *buf, ngx_str_t *rid,
    char kind);
static void ngx_http_lead_event_rid(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf, ngx_str_t *rid);
static ngx_int_t ngx_http_lead_event_render(ngx_http_request_t *r,
    lead_line *l, ngx_str_t *line);


/*
 * The line is made once and kept in the request's context: access_log
 * asks twice (its if= and its format), and it is the same event whether
 * the module's log handler has recorded it yet or not.
 */
ngx_int_t
ngx_http_lead_event_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_lead_ctx_t  *ctx;
    ngx_http_lead_hit_t  *hit;

    v->not_found = 1;

    /* one line per request the visitor made: subrequests are not reads */
    if (r != r->main) {
        return NGX_OK;
    }

    ctx = ngx_http_lead_find_ctx(r);

    if (ctx == NULL || !ctx->line_done) {

        /* before the response went out its status and size are unknown */
        if (!r->header_sent) {
            return NGX_OK;
        }

        hit = ngx_http_lead_get_hit(r);
        if (hit == NULL) {
            return NGX_OK;
        }

        /* none made (no memory) is no line: the event is still stored */
        ctx = ngx_http_lead_find_ctx(r);
        ctx->line_done = 1;
        (void) ngx_http_lead_event_hit(r, LEAD_LINE_READ, &hit->ev,
                                       &hit->target, &hit->request_id,
                                       &ctx->line);
    }

    if (ctx->line.len == 0) {
        return NGX_OK;
    }

    v->data = ctx->line.data;
    v->len = ctx->line.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * A rating the feedback form took (its event as it goes on the write
 * path, the target the thread will match): a rate line.
 */
void
ngx_http_lead_event_rated(ngx_http_request_t *r, const lead_event *ev,
    ngx_str_t *target)
{
    ngx_str_t                   line, rid;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (!lmcf->event_line) {
        return;
    }

    ngx_http_lead_event_rid(r, lmcf, &rid);

    if (ngx_http_lead_event_hit(r, LEAD_LINE_RATE, ev, target, &rid, &line)
        == NGX_OK)
    {
        ngx_http_lead_event_set(r, &line);
    }
}


/* A hit's event as the store's thread will make it, as a line of kind. */
static ngx_int_t
ngx_http_lead_event_hit(ngx_http_request_t *r, int kind,
    const lead_event *ev, ngx_str_t *target, ngx_str_t *rid, ngx_str_t *line)
{
    u_char                      id[2 * LEAD_ID_LEN + 2];
    char                        path[LEAD_PATH_MAX];
    lead_geo                    geo;
    lead_line                   l;
    struct sockaddr            *client;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    /* the address the hit keeps: an IP one (a unix socket's is none) */
    client = r->connection->sockaddr;
    if (lmcf->geoip == NULL
        || (client->sa_family != AF_INET
#if (NGX_HAVE_INET6)
            && client->sa_family != AF_INET6
#endif
           ))
    {
        client = NULL;
    }

    ngx_memzero(&l, sizeof(lead_line));
    l.kind = kind;
    l.ev = *ev;

    if (lead_hit_event(&l.ev, (char *) target->data, target->len,
                       client, lmcf->rules, lmcf->geoip, path, &geo)
        != LEAD_OK)
    {
        return NGX_DECLINED;            /* the thread drops it too */
    }

    ngx_http_lead_event_id(&l, id, rid, kind == LEAD_LINE_RATE ? 'v' : 'r');

    return ngx_http_lead_event_render(r, &l, line);
}


/*
 * A form that linked the visitor (created or updated its lead): what
 * the store took of it, as an identify line.
 */
void
ngx_http_lead_event_identify(ngx_http_request_t *r, const u_char *visitor,
    const u_char *lead_id, const lead_form *form, const char *topic,
    uint64_t time_ms)
{
    u_char                      id[2 * LEAD_ID_LEN + 2];
    lead_line                   l;
    ngx_str_t                   line, rid;
    ngx_http_lead_main_conf_t  *lmcf;

    lmcf = ngx_http_lead_main_conf(r);

    if (!lmcf->event_line) {
        return;
    }

    ngx_memzero(&l, sizeof(lead_line));
    l.kind = LEAD_LINE_IDENTIFY;
    l.ev.time_ms = time_ms;
    ngx_memcpy(l.ev.visitor, visitor, LEAD_ID_LEN);
    ngx_memcpy(l.lead, lead_id, LEAD_ID_LEN);
    l.email.data = form->email;
    l.email.len = form->email_len;
    l.name.data = form->name;
    l.name.len = form->name_len;
    l.subscribe = form->subscribe;
    l.contact = form->contact;

    /* the store adds the asset's topic to a subscriber's */
    if (form->subscribe && topic) {
        l.topics.data = topic;
        l.topics.len = ngx_strlen(topic);
    }

    ngx_http_lead_event_rid(r, lmcf, &rid);
    ngx_http_lead_event_id(&l, id, &rid, 'i');

    if (ngx_http_lead_event_render(r, &l, &line) == NGX_OK) {
        ngx_http_lead_event_set(r, &line);
    }
}


/*
 * A claim confirmed: its lead (p, as the store has it) and the device
 * the claim was made from.
 */
void
ngx_http_lead_event_confirmed(ngx_http_request_t *r, const u_char *visitor,
    const lead_person *p, ngx_str_t *line)
{
    u_char                      id[2 * LEAD_ID_LEN + 2];
    ngx_str_t                   rid;
    ngx_time_t                 *tp;
    lead_line                   l;
    ngx_http_lead_main_conf_t  *lmcf;

    ngx_str_null(line);

    lmcf = ngx_http_lead_main_conf(r);

    if (!lmcf->event_line) {
        return;
    }

    tp = ngx_timeofday();

    ngx_memzero(&l, sizeof(lead_line));
    l.kind = LEAD_LINE_IDENTIFY;
    l.ev.time_ms = (uint64_t) tp->sec * 1000 + tp->msec;
    ngx_memcpy(l.ev.visitor, visitor, LEAD_ID_LEN);
    ngx_memcpy(l.lead, p->id, LEAD_ID_LEN);
    l.email = p->email;
    l.name = p->name;
    l.topics = p->topics;
    l.subscribe = p->subscribed;
    l.contact = p->contact;

    ngx_http_lead_event_rid(r, lmcf, &rid);
    ngx_http_lead_event_id(&l, id, &rid, 'i');

    (void) ngx_http_lead_event_render(r, &l, line);
}


/* The request's line is this one (an identify, made by the form). */
void
ngx_http_lead_event_set(ngx_http_request_t *r, ngx_str_t *line)
{
    ngx_http_lead_ctx_t  *ctx;

    ctx = ngx_http_lead_get_ctx(r);

    if (ctx && line->len) {
        ctx->line = *line;
        ctx->line_done = 1;
    }
}


/* The request's $request_id, as the access log prints it. */
static void
ngx_http_lead_event_rid(ngx_http_request_t *r,
    ngx_http_lead_main_conf_t *lmcf, ngx_str_t *rid)
{
    ngx_http_variable_value_t  *vv;

    ngx_str_null(rid);

    if (lmcf->request_id == NGX_CONF_UNSET) {
        return;
    }

    vv = ngx_http_get_indexed_variable(r, lmcf->request_id);
    if (vv && !vv->not_found) {
        rid->data = vv->data;
        rid->len = vv->len;
    }
}


/* An edge's event id: its $request_id, '-', the kind's letter. */
static void
ngx_http_lead_event_id(lead_line *l, u_char *buf, ngx_str_t *rid, char kind)
{
    u_char  *p;

    if (rid->len == 0 || rid->len > 2 * LEAD_ID_LEN) {
        return;
    }

    p = ngx_cpymem(buf, rid->data, rid->len);
    *p++ = '-';
    *p++ = kind;

    l->id.data = (char *) buf;
    l->id.len = p - buf;
}


/* l as JSON, in the request's pool; node: this host's name. */
static ngx_int_t
ngx_http_lead_event_render(ngx_http_request_t *r, lead_line *l,
    ngx_str_t *line)
{
    lead_buf  out = { NULL, 0, 0, 0 };

    l->node.data = (char *) ngx_cycle->hostname.data;
    l->node.len = ngx_cycle->hostname.len;

    lead_line_json(&out, l);

    if (out.oom || out.len == 0) {
        lead_buf_free(&out);
        return NGX_ERROR;
    }

    line->data = ngx_pnalloc(r->pool, out.len);
    if (line->data == NULL) {
        lead_buf_free(&out);
        return NGX_ERROR;
    }

    line->len = ngx_cpymem(line->data, out.data, out.len) - line->data;
    lead_buf_free(&out);

    return NGX_OK;
}
