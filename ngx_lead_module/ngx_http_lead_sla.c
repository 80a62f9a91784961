
/*
 * The SLA clock in the write thread: every flush, the first worker
 * returns to nurture the MQLs sales did not accept within accept_within
 * (a few at a time, lead_store_return_overdue), and the event loop logs
 * each one as it logs a new MQL.
 */


#include "ngx_http_lead.h"


static int ngx_http_lead_sla_returned(void *arg, const uint8_t *lead_id,
    const char *reason);


/*
 * In the thread, after the commit and the fold.  One worker does it, as
 * the expiry sweep, so the other workers' commits never wait on it; a
 * store error is kept for the event loop, and the next flush tries again.
 */
void
ngx_http_lead_sla_run(ngx_http_lead_sla_t *sla, lead_store *store,
    const lead_rules *rules, ngx_uint_t committed)
{
    struct timeval  tv;

    sla->nreturned = 0;
    sla->rc = LEAD_OK;

    if (ngx_worker != 0 || rules == NULL || !committed) {
        return;
    }

    ngx_gettimeofday(&tv);

    sla->rc = lead_store_return_overdue(store, rules,
                  (uint64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000,
                  NGX_HTTP_LEAD_RETURN_BATCH, ngx_http_lead_sla_returned,
                  sla);
    if (sla->rc != LEAD_OK) {
        ngx_cpystrn((u_char *) sla->err, (u_char *) lead_store_errmsg(store),
                    sizeof(sla->err));
    }
}


static int
ngx_http_lead_sla_returned(void *arg, const uint8_t *lead_id,
    const char *reason)
{
    ngx_http_lead_sla_t  *sla = arg;

    if (sla->nreturned < NGX_HTTP_LEAD_RETURN_BATCH) {
        ngx_memcpy(sla->returned[sla->nreturned++], lead_id, LEAD_ID_LEN);
        ngx_cpystrn((u_char *) sla->reason, (u_char *) reason,
                    sizeof(sla->reason));
    }

    return 0;
}


/* Back in the event loop: each return logged, an error once a minute. */
void
ngx_http_lead_sla_report(ngx_http_lead_sla_t *sla, ngx_log_t *log,
    ngx_str_t *store)
{
    size_t         i;
    u_char         hex[LEAD_ID_HEX_LEN];
    static time_t  reported;

    if (sla->rc != LEAD_OK && ngx_time() - reported >= 60) {
        reported = ngx_time();
        ngx_log_error(NGX_LOG_ERR, log, 0, "lead: cannot return overdue "
                      "MQLs to nurture in \"%V\": %s; will retry", store,
                      sla->err);
    }

    for (i = 0; i < sla->nreturned; i++) {
        lead_id_to_hex(sla->returned[i], (char *) hex);
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "lead: lead %*s is back in nurture: %s",
                      (size_t) LEAD_ID_HEX_LEN, hex, sla->reason);
    }

    sla->nreturned = 0;
}
