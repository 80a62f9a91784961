/*
 * The store's queue of notices (lead_notices.c): queued with what they
 * announce, leased, their outcomes (sent, retried with a growing wait,
 * failed after the last try, put back, dropped), the queue's bound, and
 * each kind rendered with the same id at every try (lead_notice.c).
 */

#include "status_fixture.h"

static const char  notice_assets[] =
    HEADER
    "/pricing,Pricing and plans,decision,40,,hot\n";

static lead_rules *
notice_rules(void)
{
    lead_rules  *r;
    char         err[256] = "";

    if (lead_rules_parse(&r, "rules", "", 0, notice_assets,
                         sizeof(notice_assets) - 1, err, sizeof(err))
        != LEAD_OK)
    {
        fail_msg("lead_rules_parse: %s", err);
    }
    return r;
}

/* A notice queued in a transaction of its own, as a promotion would. */
static void
add(lead_store *s, int kind, const uint8_t lead[LEAD_ID_LEN],
    const uint8_t *visitor, uint64_t at_ms, const char *text)
{
    MDB_txn  *txn;

    assert_int_equal(lead_store_write_begin(s, &txn), LEAD_OK);
    assert_int_equal(lead_store_notice_add_txn(s, txn, kind, lead, visitor,
                                               at_ms, text), LEAD_OK);
    assert_int_equal(mdb_txn_commit(txn), 0);
}

typedef struct {
    lead_notice  taken[8];
    lead_notice  done[8];
    lead_notices_run  run;
} runner;

/* One run at now: the outcomes in r->done[0..ndone), up to max taken. */
static size_t
run_at(lead_store *s, runner *r, uint64_t now, size_t ndone, size_t max,
    int send)
{
    memset(&r->run, 0, sizeof(r->run));
    r->run.now_ms = now;
    r->run.retry_ms = 1000;
    r->run.send = send;
    r->run.done = r->done;
    r->run.ndone = ndone;
    r->run.taken = r->taken;
    r->run.max = max;
    if (lead_store_notices_run(s, &r->run) != LEAD_OK) {
        fail_msg("lead_store_notices_run: %s", lead_store_errmsg(s));
    }
    return r->run.ntaken;
}

/* The outcome of taken[i] as the sender heard it, applied at now. */
static void
outcome(lead_store *s, runner *r, size_t i, unsigned status, uint64_t now)
{
    r->done[0] = r->taken[i];
    r->done[0].status = status;
    run_at(s, r, now, 1, 0, 1);
}

typedef struct {
    lead_notice  n[16];
    size_t       count;
} kept;

static int
keep(void *arg, const lead_notice *n)
{
    kept  *k = arg;

    if (k->count < N_ELEMS(k->n)) {
        k->n[k->count] = *n;
    }
    k->count++;
    return 0;
}

static kept
queue(lead_store *s)
{
    kept  k;

    memset(&k, 0, sizeof(k));
    assert_int_equal(lead_store_each_notice(s, keep, &k), LEAD_OK);
    return k;
}

/* ---- queued with what they announce ----------------------------------- */

static void
test_promotion_and_claim_queue(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      lead[LEAD_ID_LEN], claimer[LEAD_ID_LEN], again[LEAD_ID_LEN];
    kept         k;
    int          outcome_ = -1;
    lead_form    form;
    lead_rules  *rules = notice_rules();
    lead_erased  erased;

    /* a contact request makes an mql: its notice is in the same commit */
    identify(s, 'a', "ada@example.com", 1, T0, lead, 1);
    k = queue(s);
    assert_int_equal(k.count, 1);
    assert_int_equal(k.n[0].kind, LEAD_NOTICE_MQL);
    assert_memory_equal(k.n[0].lead, lead, LEAD_ID_LEN);
    assert_int_equal(k.n[0].at_ms, T0);
    assert_int_equal(k.n[0].due_ms, T0);
    assert_int_equal(k.n[0].tries, 0);
    assert_string_equal(k.n[0].text, "asked to be contacted");

    /* promoted already: nothing more is queued */
    assert_int_equal(lead_store_promote_lead(s, rules, lead, T0 + SEC, NULL,
                                             NULL), LEAD_OK);
    assert_int_equal(queue(s).count, 1);

    /* another browser gives the address: a confirm notice, its visitor */
    memset(&form, 0, sizeof(form));
    memcpy(form.email, "ada@example.com", 15);
    form.email_len = 15;
    form.ret[0] = '/';
    form.ret_len = 1;
    visitor_id(claimer, 'b');
    assert_int_equal(lead_store_identify(s, claimer, &form, NULL, 0,
                                         T0 + MIN, again, &outcome_),
                     LEAD_OK);
    assert_int_equal(outcome_, LEAD_IDENT_NOTIFY);
    k = queue(s);
    assert_int_equal(k.count, 2);
    assert_int_equal(k.n[1].kind, LEAD_NOTICE_CONFIRM);
    assert_memory_equal(k.n[1].visitor, claimer, LEAD_ID_LEN);
    assert_int_equal(k.n[1].at_ms, T0 + MIN);

    /* forgetting the lead takes its notices with it */
    assert_int_equal(lead_store_forget(s, "ada@example.com", 15, &erased),
                     LEAD_OK);
    assert_int_equal(queue(s).count, 0);

    lead_rules_free(rules);
    lead_store_close(s);
}

/* ---- leased, sent, retried, failed ------------------------------------- */

static void
test_take_and_lease(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      a[LEAD_ID_LEN], b[LEAD_ID_LEN];
    runner       r;

    visitor_id(a, 'a');
    visitor_id(b, 'b');
    add(s, LEAD_NOTICE_MQL, a, NULL, T0, "read it");
    add(s, LEAD_NOTICE_MQL, b, NULL, T0 + 5 * SEC, "read it too");

    /* only what is due, oldest first */
    assert_int_equal(run_at(s, &r, T0 + SEC, 0, 4, 1), 1);
    assert_memory_equal(r.taken[0].lead, a, LEAD_ID_LEN);
    assert_int_equal(r.taken[0].due_ms, T0 + SEC + LEAD_NOTICE_LEASE_MS);
    assert_string_equal(r.taken[0].text, "read it");

    /* leased: no other worker takes it meanwhile */
    assert_int_equal(run_at(s, &r, T0 + 10 * SEC, 0, 4, 1), 1);
    assert_memory_equal(r.taken[0].lead, b, LEAD_ID_LEN);
    assert_int_equal(run_at(s, &r, T0 + 60 * SEC, 0, 4, 1), 0);

    /* a lease that ran out (its worker died) is anyone's again */
    assert_int_equal(run_at(s, &r, T0 + SEC + LEAD_NOTICE_LEASE_MS, 0, 4, 1),
                     1);
    assert_memory_equal(r.taken[0].lead, a, LEAD_ID_LEN);

    /* at most max a run */
    add(s, LEAD_NOTICE_MQL, a, NULL, T0 + 1, "x");
    add(s, LEAD_NOTICE_MQL, a, NULL, T0 + 2, "y");
    assert_int_equal(run_at(s, &r, T0 + 3 * MIN, 0, 1, 1), 1);
    assert_int_equal(run_at(s, &r, T0 + 3 * MIN, 0, 0, 1), 0);

    lead_store_close(s);
}

static void
test_outcomes(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      a[LEAD_ID_LEN];
    uint64_t     now = T0;
    runner       r;
    kept         k;

    visitor_id(a, 'a');
    add(s, LEAD_NOTICE_MQL, a, NULL, T0, "cause");

    /* refused: tried again after 1 s, then 2 s */
    assert_int_equal(run_at(s, &r, now, 0, 4, 1), 1);
    outcome(s, &r, 0, 502, now);
    assert_int_equal(r.done[0].tries, 1);
    assert_int_equal(r.done[0].due_ms, now + SEC);
    assert_int_equal(run_at(s, &r, now + SEC - 1, 0, 4, 1), 0);
    now += SEC;
    assert_int_equal(run_at(s, &r, now, 0, 4, 1), 1);
    assert_int_equal(r.taken[0].tries, 1);
    assert_int_equal(r.taken[0].status, 502);
    outcome(s, &r, 0, 500, now);
    assert_int_equal(r.done[0].due_ms, now + 2 * SEC);

    /* never sent (the worker stopped): due now, no try counted */
    now += 2 * SEC;
    assert_int_equal(run_at(s, &r, now, 0, 4, 1), 1);
    outcome(s, &r, 0, LEAD_NOTICE_RELEASE, now);
    k = queue(s);
    assert_int_equal(k.count, 1);
    assert_int_equal(k.n[0].due_ms, now);
    assert_int_equal(k.n[0].tries, 2);

    /* an outcome for a lease taken over since is not this sender's */
    assert_int_equal(run_at(s, &r, now, 0, 4, 1), 1);
    r.done[0] = r.taken[0];
    r.done[0].due_ms -= 1;
    r.done[0].status = 200;
    run_at(s, &r, now, 1, 0, 1);
    assert_int_equal(r.done[0].due_ms, 0);
    assert_int_equal(queue(s).count, 1);

    /* sent: it leaves the store */
    outcome(s, &r, 0, 204, now);
    assert_int_equal(r.done[0].due_ms, 0);
    assert_int_equal(queue(s).count, 0);

    lead_store_close(s);
}

static void
test_backoff_and_failed(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      a[LEAD_ID_LEN];
    uint64_t     now = T0, wait, waits[LEAD_NOTICE_TRIES];
    unsigned     i;
    runner       r;
    kept         k;

    visitor_id(a, 'a');
    add(s, LEAD_NOTICE_CONFIRM, a, a, T0, "");

    for (i = 0; i < LEAD_NOTICE_TRIES; i++) {
        assert_int_equal(run_at(s, &r, now, 0, 4, 1), 1);
        assert_int_equal(r.taken[0].tries, i);
        r.done[0] = r.taken[0];
        r.done[0].status = 503;
        memset(&r.run, 0, sizeof(r.run));
        r.run.now_ms = now;
        r.run.retry_ms = 100 * SEC;         /* reaches the 5 min cap */
        r.run.send = 1;
        r.run.done = r.done;
        r.run.ndone = 1;
        r.run.taken = r.taken;
        assert_int_equal(lead_store_notices_run(s, &r.run), LEAD_OK);
        assert_int_equal(r.done[0].tries, i + 1);
        waits[i] = r.done[0].due_ms - now;
        if (r.done[0].due_ms != UINT64_MAX) {
            now = r.done[0].due_ms;
        }
    }

    /* 100 s, 200 s, then 5 min; the tenth refusal leaves it failed */
    assert_int_equal(waits[0], 100 * SEC);
    assert_int_equal(waits[1], 200 * SEC);
    for (i = 2; i < LEAD_NOTICE_TRIES - 1; i++) {
        assert_int_equal(waits[i], LEAD_NOTICE_MAX_WAIT_MS);
    }
    wait = waits[LEAD_NOTICE_TRIES - 1];
    assert_int_equal(wait, UINT64_MAX - now);

    k = queue(s);
    assert_int_equal(k.count, 1);
    assert_int_equal(k.n[0].due_ms, UINT64_MAX);
    assert_int_equal(k.n[0].tries, LEAD_NOTICE_TRIES);
    assert_int_equal(k.n[0].status, 503);
    assert_memory_equal(k.n[0].visitor, a, LEAD_ID_LEN);

    /* kept, and never taken again */
    assert_int_equal(run_at(s, &r, now + 365 * DAY, 0, 4, 1), 0);
    assert_int_equal(queue(s).count, 1);

    lead_store_close(s);
}

/* ---- nobody to tell, and the bound ------------------------------------- */

static void
test_no_receiver_drops(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      a[LEAD_ID_LEN];
    runner       r;
    kept         k;

    visitor_id(a, 'a');
    add(s, LEAD_NOTICE_MQL, a, NULL, T0, "now");
    add(s, LEAD_NOTICE_MQL, a, NULL, T0 + HOUR, "later");

    assert_int_equal(run_at(s, &r, T0 + SEC, 0, 4, 0), 0);
    k = queue(s);
    assert_int_equal(k.count, 1);
    assert_string_equal(k.n[0].text, "later");

    lead_store_close(s);
}

static void
test_cap(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      a[LEAD_ID_LEN];
    MDB_txn     *txn;
    runner       r;
    size_t       i;

    visitor_id(a, 'a');
    assert_int_equal(lead_store_write_begin(s, &txn), LEAD_OK);
    for (i = 0; i < LEAD_NOTICES_MAX + 3; i++) {
        assert_int_equal(lead_store_notice_add_txn(s, txn, LEAD_NOTICE_MQL, a,
                                                   NULL, T0 + i, "c"),
                         LEAD_OK);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);

    /* the oldest go, and the run says how many */
    assert_int_equal(run_at(s, &r, T0 - 1, 0, 4, 1), 0);
    assert_int_equal(r.run.trimmed, 3);
    assert_int_equal(run_at(s, &r, T0 - 1, 0, 4, 1), 0);
    assert_int_equal(r.run.trimmed, 0);

    assert_int_equal(run_at(s, &r, T0 + 3, 0, 4, 1), 1);
    assert_int_equal(r.taken[0].at_ms, T0 + 3);

    lead_store_close(s);
}

static void
test_cap_failed_first(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      a[LEAD_ID_LEN];
    MDB_txn     *txn;
    uint64_t     now = T0;
    runner       r;
    kept         k;
    size_t       i;

    /* one notice refused until it failed */
    visitor_id(a, 'a');
    add(s, LEAD_NOTICE_MQL, a, NULL, T0, "old");
    for (i = 0; i < LEAD_NOTICE_TRIES; i++) {
        assert_int_equal(run_at(s, &r, now, 0, 1, 1), 1);
        outcome(s, &r, 0, 500, now);
        now = r.done[0].due_ms;
    }
    k = queue(s);
    assert_int_equal(k.n[0].due_ms, UINT64_MAX);

    /* then the bound's worth of pending ones: the failed one goes */
    assert_int_equal(lead_store_write_begin(s, &txn), LEAD_OK);
    for (i = 0; i < LEAD_NOTICES_MAX; i++) {
        assert_int_equal(lead_store_notice_add_txn(s, txn, LEAD_NOTICE_MQL, a,
                                                   NULL, T0 + DAY + i, "c"),
                         LEAD_OK);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(run_at(s, &r, T0, 0, 0, 1), 0);
    assert_int_equal(r.run.trimmed, 1);
    k = queue(s);
    assert_int_equal(k.count, LEAD_NOTICES_MAX);
    assert_int_equal(k.n[0].at_ms, T0 + DAY);
    assert_string_equal(k.n[0].text, "c");

    lead_store_close(s);
}

/* ---- each kind rendered, with its id ---------------------------------- */

static char *
render(lead_store *s, const lead_rules *rules, const lead_notice *n,
    const char *url, int want)
{
    lead_buf  out;
    int       rc;

    memset(&out, 0, sizeof(out));
    rc = lead_notice_json(&out, s, rules, n, &claim_keys, url);
    assert_int_equal(rc, want);
    if (rc != LEAD_OK) {
        lead_buf_free(&out);
        return NULL;
    }
    return out.data;
}

static void
expect_in(const char *json, const char *part)
{
    if (strstr(json, part) == NULL) {
        fail_msg("%s not in %s", part, json);
    }
}

static void
test_render(void **state)
{
    lead_store   *s = open_store(state);
    lead_rules   *rules = notice_rules();
    uint8_t       lead[LEAD_ID_LEN], claimer[LEAD_ID_LEN];
    char          hex[LEAD_ID_HEX_LEN + 1], part[160];
    char          token[LEAD_CONFIRM_TOKEN_LEN + 1];
    char         *json, *again;
    lead_notice   n;
    lead_erased   erased;
    kept          k;

    identify(s, 'a', "ada@example.com", 1, T0, lead, 1);
    lead_id_to_hex(lead, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    k = queue(s);
    n = k.n[0];

    /* mql: the fields it always had, and an id the same at every try */
    json = render(s, rules, &n, NULL, LEAD_OK);
    snprintf(part, sizeof(part), "{\"event\":\"mql\",\"id\":\"mql-%s-%llu\"",
             hex, (unsigned long long) T0);
    expect_in(json, part);
    expect_in(json, "\"email\":\"ada@example.com\"");
    expect_in(json, "\"cause\":\"asked to be contacted\"");
    expect_in(json, "\"contact\":true");
    expect_in(json, "\"hot\":[");
    n.tries = 3;
    n.due_ms += HOUR;
    again = render(s, rules, &n, NULL, LEAD_OK);
    assert_string_equal(json, again);
    free(again);
    free(json);

    /* another promotion (back from nurture): another id */
    n.at_ms = T0 + DAY;
    json = render(s, rules, &n, NULL, LEAD_OK);
    snprintf(part, sizeof(part), "\"id\":\"mql-%s-%llu\"", hex,
             (unsigned long long) (T0 + DAY));
    expect_in(json, part);
    free(json);

    /* returned: the lead and the reason, nothing it read */
    add(s, LEAD_NOTICE_RETURNED, lead, NULL, T0 + 2 * DAY,
        "not accepted within 2d");
    k = queue(s);
    assert_int_equal(k.count, 2);
    assert_int_equal(k.n[1].kind, LEAD_NOTICE_RETURNED);
    json = render(s, rules, &k.n[1], NULL, LEAD_OK);
    snprintf(part, sizeof(part), "{\"event\":\"returned\",\"id\":\"returned-"
             "%s-%llu\",\"at\":\"", hex, (unsigned long long) (T0 + 2 * DAY));
    expect_in(json, part);
    expect_in(json, "\"reason\":\"not accepted within 2d\"}");
    expect_in(json, "\"cell\":\"");
    assert_null(strstr(json, "\"hot\""));
    free(json);

    /* confirm: the link of the claim's own time, at every try */
    visitor_id(claimer, 'b');
    memset(&n, 0, sizeof(n));
    n.kind = LEAD_NOTICE_CONFIRM;
    n.at_ms = T0 + MIN;
    memcpy(n.lead, lead, LEAD_ID_LEN);
    memcpy(n.visitor, claimer, LEAD_ID_LEN);
    json = render(s, rules, &n, "https://example.com/lead/form?x=1",
                  LEAD_OK);
    claim_token(claimer, lead, T0 + MIN, token);
    token[LEAD_CONFIRM_TOKEN_LEN] = '\0';
    snprintf(part, sizeof(part), "\"confirm_url\":\"https://example.com/"
             "lead/form?x=1&confirm=%s\"", token);
    expect_in(json, part);
    snprintf(part, sizeof(part), "\"id\":\"confirm-%s-%llu\"", hex,
             (unsigned long long) (T0 + MIN));
    expect_in(json, part);
    free(json);

    /* no link to send, a URL that is no URL, a lead forgotten: none */
    (void) render(s, rules, &n, NULL, LEAD_EINVAL);
    (void) render(s, rules, &n, "https://x/\"", LEAD_EINVAL);
    assert_int_equal(lead_store_forget(s, "ada@example.com", 15, &erased),
                     LEAD_OK);
    (void) render(s, rules, &k.n[0], NULL, LEAD_ENOTFOUND);

    lead_rules_free(rules);
    lead_store_close(s);
}

/* ---- what leadctl notices shows --------------------------------------- */

static void
test_report(void **state)
{
    lead_store           *s = open_store(state);
    lead_rules           *rules = notice_rules();
    uint8_t               lead[LEAD_ID_LEN];
    lead_report_request   req;
    lead_buf              out;
    runner                r;
    unsigned              i;

    identify(s, 'a', "ada@example.com", 1, T0, lead, 1);
    for (i = 0; i < LEAD_NOTICE_TRIES; i++) {
        assert_int_equal(run_at(s, &r, T0 + i * 10 * MIN, 0, 4, 1), 1);
        outcome(s, &r, 0, 502, T0 + i * 10 * MIN);
    }

    memset(&req, 0, sizeof(req));
    req.what = LEAD_REPORT_NOTICES;
    req.rules = rules;
    req.now_ms = T0;
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_report(&out, s, &req), LEAD_OK);
    expect_in(out.data, "mql ");
    expect_in(out.data, "failed");
    expect_in(out.data, "ada@example.com");
    expect_in(out.data, " 502  asked to be contacted");
    expect_in(out.data, "0 pending, 1 failed");
    lead_buf_free(&out);

    req.format = LEAD_REPORT_JSON;
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_report(&out, s, &req), LEAD_OK);
    expect_in(out.data, "\"kind\":\"mql\"");
    expect_in(out.data, "\"email\":\"ada@example.com\"");
    expect_in(out.data, "\"tries\":10,\"failed\":true,\"next_try\":null");
    expect_in(out.data, "\"status\":502");
    lead_buf_free(&out);

    lead_rules_free(rules);
    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_promotion_and_claim_queue),
        T(test_take_and_lease),
        T(test_outcomes),
        T(test_backoff_and_failed),
        T(test_no_receiver_drops),
        T(test_cap),
        T(test_cap_failed_first),
        T(test_render),
        T(test_report),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
