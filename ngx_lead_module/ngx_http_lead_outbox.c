
/*
 * The notices a worker takes from the store's queue and sends, each run
 * of the write path: the outcomes of the sends finished since the last
 * run are applied, then a few due notices are leased and rendered, all in
 * the write thread; back in the event loop each is handed to the sender
 * (ngx_http_lead_notify.c) and waits in a slot for its answer.  Nothing
 * lives only here but what is in flight: a worker that dies leaves its
 * leases to run out, and another worker sends them.
 */


#include "ngx_http_lead.h"


enum {
    NGX_HTTP_LEAD_SLOT_FREE = 0,
    NGX_HTTP_LEAD_SLOT_POSTED,       /* with the upstream */
    NGX_HTTP_LEAD_SLOT_DONE,         /* its outcome waits for a run */
    NGX_HTTP_LEAD_SLOT_APPLYING      /* the thread has the outcome */
};


static const char *ngx_http_lead_notice_kinds[] = {
    "a", "an MQL", "a returned", "a confirm"
};


/* In the event loop: what the thread is to apply and how many to take. */
void
ngx_http_lead_outbox_start(ngx_http_lead_worker_t *w,
    ngx_http_lead_outbox_t *ob, uint64_t now_ms)
{
    ngx_uint_t                  i, room;
    ngx_http_lead_sending_t    *sd;
    ngx_http_lead_main_conf_t  *lmcf = w->lmcf;

    ngx_memzero(&ob->run, sizeof(lead_notices_run));
    ob->run.now_ms = now_ms;
    ob->run.retry_ms = lmcf->notify_retry;
    ob->run.send = lmcf->notify.len != 0 && lmcf->notify_ctx != NULL;
    ob->run.done = ob->done;
    ob->run.taken = ob->taken;
    ob->keys = &lmcf->keys;
    ob->confirm_url = lmcf->confirm_url.len ? (char *) lmcf->confirm_url.data
                                            : NULL;
    room = 0;

    for (i = 0; i < NGX_HTTP_LEAD_SENDING; i++) {
        sd = &w->sending[i];

        if (sd->state == NGX_HTTP_LEAD_SLOT_POSTED
            && ngx_current_msec - sd->posted > NGX_HTTP_LEAD_SEND_LOST)
        {
            /* never answered, its lease run out: a try, and the slot back */
            sd->n.status = 0;
            sd->state = NGX_HTTP_LEAD_SLOT_DONE;
        }

        if (sd->state == NGX_HTTP_LEAD_SLOT_DONE) {
            ob->slot[ob->run.ndone] = i;
            ob->done[ob->run.ndone++] = sd->n;
            sd->state = NGX_HTTP_LEAD_SLOT_APPLYING;
        }

        if (sd->state == NGX_HTTP_LEAD_SLOT_FREE
            || sd->state == NGX_HTTP_LEAD_SLOT_APPLYING)
        {
            room++;
        }
    }

    ob->run.max = w->exiting ? 0 : ngx_min(room, NGX_HTTP_LEAD_SEND_RUN);
}


/*
 * In the thread: one transaction of the queue, then each notice taken
 * made JSON from the store as it is now.  A notice that cannot be made
 * (its lead forgotten, no confirm URL) goes; one the store could not read
 * now is put back.
 */
void
ngx_http_lead_outbox_run(ngx_http_lead_outbox_t *ob, lead_store *s,
    const lead_rules *r)
{
    int     rc;
    size_t  i;

    ob->err[0] = '\0';
    ob->rc = lead_store_notices_run(s, &ob->run);
    if (ob->rc != LEAD_OK) {
        ngx_cpystrn((u_char *) ob->err, (u_char *) lead_store_errmsg(s),
                    sizeof(ob->err));
        return;
    }

    for (i = 0; i < ob->run.ntaken; i++) {
        ngx_memzero(&ob->body[i], sizeof(lead_buf));
        rc = lead_notice_json(&ob->body[i], s, r, &ob->taken[i], ob->keys,
                              ob->confirm_url);
        if (rc != LEAD_OK) {
            lead_buf_free(&ob->body[i]);
            ngx_memzero(&ob->body[i], sizeof(lead_buf));
        }
        ob->rendered[i] = rc;
    }
}


/* Back in the event loop: outcomes told, slots freed, new notices sent. */
void
ngx_http_lead_outbox_results(ngx_http_lead_worker_t *w,
    ngx_http_lead_outbox_t *ob, ngx_log_t *log)
{
    size_t                    i, j;
    lead_notice              *d;
    ngx_http_lead_sending_t  *sd;

    for (i = 0; i < ob->run.ndone; i++) {
        sd = &w->sending[ob->slot[i]];

        if (ob->rc != LEAD_OK) {
            sd->state = NGX_HTTP_LEAD_SLOT_DONE;      /* next run, again */
            continue;
        }

        sd->state = NGX_HTTP_LEAD_SLOT_FREE;
        d = &ob->done[i];

        if (d->due_ms == 0 || d->status == LEAD_NOTICE_RELEASE
            || (d->status >= 200 && d->status < 300))
        {
            continue;
        }

        if (d->due_ms == UINT64_MAX) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "lead: %s notice was refused %ui times by \"%V\" "
                          "(last status %ui) and is kept as failed; see "
                          "\"leadctl notices\"",
                          ngx_http_lead_notice_kinds[d->kind & 3],
                          (ngx_uint_t) d->tries, &w->lmcf->notify,
                          (ngx_uint_t) d->status);

        } else if (d->status != LEAD_NOTICE_DROP) {
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "lead: %s notice to \"%V\" failed (status %ui), "
                          "retrying in %uL ms",
                          ngx_http_lead_notice_kinds[d->kind & 3],
                          &w->lmcf->notify, (ngx_uint_t) d->status,
                          d->due_ms - ob->run.now_ms);
        }
    }

    if (ob->rc != LEAD_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "lead: cannot take notices from "
                      "\"%s\": %s; they wait there", w->lmcf->store.data,
                      ob->err);
    }

    if (ob->run.trimmed) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "lead: %uz notices were dropped, "
                      "the oldest waiting, to keep the queue in \"%s\" under "
                      "its bound", ob->run.trimmed, w->lmcf->store.data);
    }

    for (i = 0, j = 0; i < ob->run.ntaken; i++) {
        while (j < NGX_HTTP_LEAD_SENDING
               && w->sending[j].state != NGX_HTTP_LEAD_SLOT_FREE)
        {
            j++;
        }

        if (j == NGX_HTTP_LEAD_SENDING) {
            /* not expected: taken only for the room there was */
            lead_buf_free(&ob->body[i]);
            continue;
        }

        sd = &w->sending[j];
        sd->n = ob->taken[i];
        sd->gen = ++w->sends;
        sd->state = NGX_HTTP_LEAD_SLOT_DONE;

        if (ob->rendered[i] == LEAD_ENOTFOUND
            || ob->rendered[i] == LEAD_EINVAL)
        {
            sd->n.status = LEAD_NOTICE_DROP;          /* nothing to send */

        } else if (ob->rendered[i] != LEAD_OK || w->exiting
                   || w->post == NULL)
        {
            sd->n.status = LEAD_NOTICE_RELEASE;       /* later */

        } else {
            sd->state = NGX_HTTP_LEAD_SLOT_POSTED;
            sd->posted = ngx_current_msec;
            if (w->post(log, j, sd->gen, (u_char *) ob->body[i].data,
                        ob->body[i].len)
                != NGX_OK)
            {
                sd->state = NGX_HTTP_LEAD_SLOT_DONE;
                sd->n.status = 0;                     /* a try that failed */
            }
        }

        lead_buf_free(&ob->body[i]);
    }

    ob->run.ndone = 0;
    ob->run.ntaken = 0;
}


/* The answer to a send (0: none); a late one, for a slot reused, is not. */
void
ngx_http_lead_notice_sent(ngx_http_lead_worker_t *w, ngx_uint_t slot,
    ngx_uint_t gen, ngx_uint_t status)
{
    ngx_http_lead_sending_t  *sd;

    if (slot >= NGX_HTTP_LEAD_SENDING) {
        return;
    }

    sd = &w->sending[slot];

    if (sd->gen != gen || sd->state != NGX_HTTP_LEAD_SLOT_POSTED) {
        return;
    }

    /* statuses below 200 are the store's own outcomes: never an answer's */
    sd->n.status = status >= 200 ? status : 0;
    sd->state = NGX_HTTP_LEAD_SLOT_DONE;
}


/*
 * A graceful exit, before the store closes: the outcomes heard are
 * applied, and a notice still out (not expected: nginx waits for the
 * upstream's timers) is put back to be sent again.
 */
void
ngx_http_lead_outbox_exit(ngx_http_lead_worker_t *w, ngx_log_t *log)
{
    ngx_uint_t                i;
    lead_notice               done[NGX_HTTP_LEAD_SENDING];
    lead_notices_run          run;
    ngx_http_lead_sending_t  *sd;
    ngx_time_t               *tp;

    w->exiting = 1;

    ngx_memzero(&run, sizeof(lead_notices_run));
    run.done = done;

    for (i = 0; i < NGX_HTTP_LEAD_SENDING; i++) {
        sd = &w->sending[i];

        if (sd->state == NGX_HTTP_LEAD_SLOT_FREE) {
            continue;
        }

        if (sd->state != NGX_HTTP_LEAD_SLOT_DONE) {
            sd->n.status = LEAD_NOTICE_RELEASE;
        }

        done[run.ndone++] = sd->n;
        sd->state = NGX_HTTP_LEAD_SLOT_FREE;
    }

    if (run.ndone == 0 || w->store == NULL) {
        return;
    }

    tp = ngx_timeofday();
    run.now_ms = (uint64_t) tp->sec * 1000 + tp->msec;
    run.retry_ms = w->lmcf->notify_retry;

    if (lead_store_notices_run(w->store, &run) != LEAD_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "lead: cannot record the "
                      "outcome of %uz notices in \"%s\": %s; they are sent "
                      "again", run.ndone, w->lmcf->store.data,
                      lead_store_errmsg(w->store));
    }
}
