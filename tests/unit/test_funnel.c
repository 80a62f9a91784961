/*
 * Why leads come back (lead_reasons.c, lead_funnel.c): reasons grouped
 * whatever their case and spacing, in any script, the long tail folded
 * into "other"; and the funnel's months (UTC, honest at their ends) of
 * new and re-qualified mqls, rejections and automatic returns, as
 * leadctl and the sales view show them.
 */

#include "status_fixture.h"

#define RETURNED  "not accepted within 2d"

/* Milliseconds since the epoch of a UTC date and time (not gmtime's). */
static uint64_t
utc(int y, unsigned m, unsigned d, unsigned hh, unsigned mm, unsigned ss,
    unsigned ms)
{
    int64_t   era, days;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + (int64_t) doe - 719468;
    return (uint64_t) days * DAY + hh * HOUR + mm * MIN + ss * SEC + ms;
}

/* ---- 1. the key a reason is grouped by --------------------------------- */

static void
expect_key(const char *reason, const char *want)
{
    char  key[LEAD_REASON_MAX + 1];

    lead_reason_key(reason, strlen(reason), key, sizeof(key));
    if (strcmp(key, want) != 0) {
        fail_msg("\"%s\": key \"%s\", want \"%s\"", reason, key, want);
    }
}

static void
test_reason_key(void **state)
{
    char    cut[4];
    size_t  n;

    (void) state;

    /* case and white space: around, in runs, of every kind */
    expect_key("No budget", "no budget");
    expect_key("no budget ", "no budget");
    expect_key("NO  BUDGET", "no budget");
    expect_key("\t No\n\r budget\v\f", "no budget");
    expect_key("no\xc2\xa0" "budget", "no budget");           /* NBSP */
    expect_key("no\xe3\x80\x80" "budget", "no budget");       /* U+3000 */
    expect_key("no\xe2\x80\x83\xe2\x80\xaf" "budget", "no budget");
    expect_key("   ", "");
    expect_key("", "");

    /* letters of other alphabets fold too */
    expect_key("KEIN BÜDGET", "kein büdget");
    expect_key("DÉJÀ CLIENT", "déjà client");
    expect_key("ŁÓDŹ ŻÓŁW Ÿ", "łódź żółw ÿ");
    expect_key("İSTANBUL ıi", "istanbul ıi");
    expect_key("ΠΡΟΫΠΟΛΟΓΙΣΜΟΣ", "προϋπολογισμοσ");
    expect_key("προϋπολογισμός", "προϋπολογισμόσ");
    expect_key("Ά", "ά");
    expect_key("НЕТ БЮДЖЕТА", "нет бюджета");
    expect_key("ЁЖ", "ёж");
    expect_key("×÷", "×÷");                 /* not letters: kept */

    /* what has no case stays as written: CJK, emoji, ß */
    expect_key("予算なし", "予算なし");
    expect_key("No \xf0\x9f\x92\xb8 ", "no \xf0\x9f\x92\xb8");
    expect_key("STRAßE", "straße");

    /* bytes that are not UTF-8 are kept, never read past */
    expect_key("A\xff" "B\xc3", "a\xff" "b\xc3");
    expect_key("\xe2\x80", "\xe2\x80");

    /* a key cut to fit its buffer is still terminated */
    n = lead_reason_key("ABCDEF", 6, cut, sizeof(cut));
    assert_int_equal(n, 3);
    assert_string_equal(cut, "abc");
}

/* ---- 2. grouping, the spelling shown, "other" -------------------------- */

typedef struct {
    const char  *reason;
    uint64_t     at;
} given;

static void
group(const given *g, size_t n, size_t max, lead_reason_count *out,
    size_t *rows, uint64_t *other, lead_arena *a)
{
    lead_reasons  *r = lead_reasons_new();
    size_t         i;

    assert_non_null(r);
    for (i = 0; i < n; i++) {
        assert_int_equal(lead_reasons_add(r, g[i].reason,
                                          strlen(g[i].reason), g[i].at),
                         LEAD_OK);
    }
    assert_int_equal(lead_reasons_count(r), n);
    assert_int_equal(lead_reasons_top(r, a, out, max, rows, other), LEAD_OK);
    lead_reasons_free(r);
}

static void
expect_row(const lead_reason_count *row, const char *reason, uint64_t count)
{
    if (row->count != count || row->reason.len != strlen(reason)
        || memcmp(row->reason.data, reason, row->reason.len) != 0)
    {
        fail_msg("row \"%.*s\" x%llu, want \"%s\" x%llu",
                 (int) row->reason.len, row->reason.data,
                 (unsigned long long) row->count, reason,
                 (unsigned long long) count);
    }
}

static void
test_reasons_grouped(void **state)
{
    /* given out of time order: "first" is by time, not by call */
    static const given  g[] = {
        { "no budget ", 30 },
        { "Wrong person", 5 },
        { "NO  BUDGET", 10 },
        { "No budget", 20 },
        { "No  budget", 40 },
        { "No budget", 50 },
        { "wrong PERSON", 1 },
        { "Kein Büdget", 60 },
        { "KEIN  BÜDGET", 70 },
        { "kein büdget", 80 },
        { "Timing", 2 },
    };
    lead_reason_count   out[LEAD_FUNNEL_REASONS];
    lead_arena         *a = lead_arena_new();
    uint64_t            other;
    size_t              rows;

    (void) state;
    assert_non_null(a);

    group(g, N_ELEMS(g), LEAD_FUNNEL_REASONS, out, &rows, &other, a);
    assert_int_equal(rows, 4);
    assert_int_equal(other, 0);
    /* five of "no budget": "No budget" is written most (twice) */
    expect_row(&out[0], "No budget", 5);
    /* three each, one spelling each time: the first written is shown */
    expect_row(&out[1], "Kein Büdget", 3);
    /* two, and a tie: the spelling given first ("wrong PERSON", at 1);
       groups of one count rank by when they were first given */
    expect_row(&out[2], "wrong PERSON", 2);
    expect_row(&out[3], "Timing", 1);

    lead_arena_free(a);
}

static void
test_reasons_other(void **state)
{
    char                reasons[12][32];
    given               g[78];
    lead_reason_count   out[LEAD_FUNNEL_REASONS];
    lead_arena         *a = lead_arena_new();
    uint64_t            other;
    size_t              rows, n = 0, i, k;

    (void) state;
    assert_non_null(a);

    /* reason i given 12 - i times: 12 groups, 78 rejections */
    for (i = 0; i < 12; i++) {
        snprintf(reasons[i], sizeof(reasons[i]), "Reason %02zu", i);
        for (k = 0; k < 12 - i; k++) {
            g[n++] = (given) { reasons[i], n };
        }
    }
    assert_int_equal(n, N_ELEMS(g));

    /* more groups than rows: seven, and the other five together */
    group(g, n, LEAD_FUNNEL_REASONS, out, &rows, &other, a);
    assert_int_equal(rows, LEAD_FUNNEL_REASONS - 1);
    for (i = 0; i < rows; i++) {
        expect_row(&out[i], reasons[i], 12 - i);
    }
    assert_int_equal(other, 5 + 4 + 3 + 2 + 1);

    /* exactly as many groups as rows: all shown, no "other" */
    group(g, 12 + 11 + 10 + 9 + 8 + 7 + 6 + 5, LEAD_FUNNEL_REASONS, out,
          &rows, &other, a);
    assert_int_equal(rows, LEAD_FUNNEL_REASONS);
    expect_row(&out[7], reasons[7], 5);
    assert_int_equal(other, 0);

    /* one row: everything is "other"; no rows asked: the same */
    group(g, n, 1, out, &rows, &other, a);
    assert_int_equal(rows, 0);
    assert_int_equal(other, n);
    group(g, n, 0, out, &rows, &other, a);
    assert_int_equal(rows, 0);
    assert_int_equal(other, n);

    /* none given: no rows, no other */
    group(g, 0, LEAD_FUNNEL_REASONS, out, &rows, &other, a);
    assert_int_equal(rows, 0);
    assert_int_equal(other, 0);

    /* only blanks (as a store may hold): one group, shown empty */
    g[0] = (given) { "  ", 1 };
    g[1] = (given) { "\xc2\xa0", 2 };
    group(g, 2, LEAD_FUNNEL_REASONS, out, &rows, &other, a);
    assert_int_equal(rows, 1);
    expect_row(&out[0], "", 2);

    lead_arena_free(a);
}

/* ---- 3. the funnel's months -------------------------------------------- */

typedef struct {
    lead_store  *s;
    lead_rules  *r;
    char         email[64];
    char         who;
} store_world;

static void
open_world(void **state, store_world *w)
{
    static const char  header[] = "path,title,stage,points,topic,flags\n";
    char               err[256];

    memset(w, 0, sizeof(*w));
    w->s = open_store(state);
    assert_int_equal(lead_rules_parse(&w->r, "rules", "", 0, header,
                                      sizeof(header) - 1, err, sizeof(err)),
                     LEAD_OK);
    w->who = 'a';
}

static void
close_world(store_world *w)
{
    lead_rules_free(w->r);
    lead_store_close(w->s);
}

/* A new lead that asked for a call at `at`: mql then. */
static void
new_mql(store_world *w, uint64_t at, uint8_t lead[LEAD_ID_LEN])
{
    snprintf(w->email, sizeof(w->email), "p%c@example.com", w->who);
    identify(w->s, w->who++, w->email, 1, at, lead, 1);
    expect_status(w->s, lead, MQL, at);
}

/* ... rejected by sam at `at`, why. */
static void
rejected(store_world *w, uint64_t mql_at, uint64_t at, const char *why)
{
    uint8_t  lead[LEAD_ID_LEN];

    new_mql(w, mql_at, lead);
    set_status_ok(w->s, lead, NURTURE, at, "rejected", "sam", why);
}

static void
query(store_world *w, uint64_t now, lead_funnel *f)
{
    assert_int_equal(lead_query_funnel(w->s, w->r, now, f), LEAD_OK);
}

static void
expect_month(const lead_funnel *f, size_t ago, int year, int month,
    uint64_t mql, uint64_t requalified, uint64_t rejected_,
    uint64_t returned)
{
    const lead_funnel_month  *m = &f->months[ago];

    assert_true(ago < f->nmonths);
    if (m->year != year || m->month != month || m->mql != mql
        || m->requalified != requalified || m->rejected != rejected_
        || m->returned != returned)
    {
        fail_msg("month %zu ago: %04d-%02d mql %llu requalified %llu "
                 "rejected %llu returned %llu; want %04d-%02d %llu %llu "
                 "%llu %llu", ago, m->year, m->month,
                 (unsigned long long) m->mql,
                 (unsigned long long) m->requalified,
                 (unsigned long long) m->rejected,
                 (unsigned long long) m->returned, year, month,
                 (unsigned long long) mql,
                 (unsigned long long) requalified,
                 (unsigned long long) rejected_,
                 (unsigned long long) returned);
    }
}

static void
test_months_at_their_ends(void **state)
{
    store_world  w;
    lead_funnel  f;
    uint64_t     now = utc(2028, 3, 10, 12, 0, 0, 0);

    open_world(state, &w);

    /* the last millisecond of a month and the first of the next */
    rejected(&w, utc(2028, 1, 2, 0, 0, 0, 0),
             utc(2028, 1, 31, 23, 59, 59, 999), "No budget");
    rejected(&w, utc(2028, 1, 2, 0, 0, 0, 0),
             utc(2028, 2, 1, 0, 0, 0, 0), "no budget");
    /* a leap day's end, and March's start */
    rejected(&w, utc(2028, 2, 29, 23, 0, 0, 0),
             utc(2028, 2, 29, 23, 59, 59, 999), "Timing");
    rejected(&w, utc(2028, 2, 29, 23, 59, 59, 999),
             utc(2028, 3, 1, 0, 0, 0, 0), "TIMING ");
    /* the year's turn */
    rejected(&w, utc(2027, 12, 31, 23, 59, 59, 999),
             utc(2028, 1, 1, 0, 0, 0, 0), "Wrong person");
    /* the window: 12 months, now's the last; before it, not counted */
    rejected(&w, utc(2027, 3, 1, 0, 0, 0, 0),
             utc(2027, 3, 31, 23, 59, 59, 999), "Too early");
    rejected(&w, utc(2027, 3, 31, 23, 59, 59, 999),
             utc(2027, 4, 1, 0, 0, 0, 0), "First in");
    /* after now (a --now in the past): not yet */
    rejected(&w, utc(2028, 3, 10, 12, 0, 0, 0),
             utc(2028, 3, 10, 12, 0, 0, 1), "Later");

    query(&w, now, &f);
    assert_int_equal(f.nmonths, 12);
    expect_month(&f, 0, 2028, 3, 1, 0, 1, 0);     /* an mql at now */
    expect_month(&f, 1, 2028, 2, 2, 0, 2, 0);
    expect_month(&f, 2, 2028, 1, 2, 0, 2, 0);
    expect_month(&f, 3, 2027, 12, 1, 0, 0, 0);
    expect_month(&f, 4, 2027, 11, 0, 0, 0, 0);
    expect_month(&f, 10, 2027, 5, 0, 0, 0, 0);
    expect_month(&f, 11, 2027, 4, 0, 0, 1, 0);

    /* the reasons of each month, grouped within it */
    assert_int_equal(f.months[0].nreasons, 1);
    expect_row(&f.months[0].reasons[0], "TIMING", 1);
    assert_int_equal(f.months[1].nreasons, 2);
    expect_row(&f.months[1].reasons[0], "no budget", 1);
    expect_row(&f.months[1].reasons[1], "Timing", 1);
    assert_int_equal(f.months[2].nreasons, 2);
    expect_row(&f.months[2].reasons[0], "Wrong person", 1);
    expect_row(&f.months[2].reasons[1], "No budget", 1);
    expect_row(&f.months[11].reasons[0], "First in", 1);
    lead_funnel_free(&f);

    /* a month later the window has moved on: April 2027 is out of it,
       and the months start with the first that has a change */
    query(&w, utc(2028, 4, 1, 0, 0, 0, 0), &f);
    assert_int_equal(f.nmonths, 5);
    expect_month(&f, 0, 2028, 4, 0, 0, 0, 0);
    expect_month(&f, 1, 2028, 3, 1, 0, 2, 0);
    expect_month(&f, 4, 2027, 12, 1, 0, 0, 0);
    lead_funnel_free(&f);

    /* before anything happened: no month */
    query(&w, utc(2027, 1, 1, 0, 0, 0, 0), &f);
    assert_int_equal(f.nmonths, 0);
    lead_funnel_free(&f);

    close_world(&w);
}

static void
test_returns_and_requalified(void **state)
{
    store_world  w;
    lead_funnel  f;
    uint8_t      a[LEAD_ID_LEN], b[LEAD_ID_LEN], c[LEAD_ID_LEN];
    uint64_t     t = utc(2026, 11, 20, 9, 0, 0, 0);

    open_world(state, &w);

    /* a: not accepted in time, back to nurture by the clock */
    new_mql(&w, t, a);
    set_status_ok(w.s, a, NURTURE, t + 2 * DAY, LEAD_RETURN_CAUSE, "",
                  RETURNED);
    /* b: rejected by a person, then qualified again in December */
    new_mql(&w, t, b);
    set_status_ok(w.s, b, NURTURE, t + DAY, "rejected", "sam", "No budget");
    set_status_ok(w.s, b, MQL, utc(2026, 12, 3, 0, 0, 0, 0),
                  "read a hot asset", "", "");
    /* c: the same cause as a return but from sal: a cause decides, and
       a person's reason is a person's however it is worded */
    new_mql(&w, t, c);
    set_status_ok(w.s, c, SAL, t + HOUR, "accepted", "sam", "");
    set_status_ok(w.s, c, NURTURE, t + 3 * DAY, "rejected", "sam",
                  RETURNED);

    query(&w, utc(2026, 12, 7, 2, 0, 0, 0), &f);
    assert_int_equal(f.nmonths, 2);
    expect_month(&f, 0, 2026, 12, 0, 1, 0, 0);
    expect_month(&f, 1, 2026, 11, 3, 0, 2, 1);
    /* the return is counted, not grouped among the reasons */
    assert_int_equal(f.months[1].nreasons, 2);
    expect_row(&f.months[1].reasons[0], "No budget", 1);
    expect_row(&f.months[1].reasons[1], RETURNED, 1);

    /* b is an mql again: in the pipeline, not lost to nurture */
    assert_int_equal(f.status[MQL].now, 1);
    assert_int_equal(f.status[MQL].ever, 3);
    assert_int_equal(f.status[NURTURE].now, 2);
    assert_int_equal(f.status[NURTURE].ever, 3);
    assert_int_equal(f.status[NURTURE].went_on, 1);
    lead_funnel_free(&f);

    close_world(&w);
}

/* ---- 4. as leadctl and the sales view show them ------------------------ */

static void
test_shown(void **state)
{
    store_world           w;
    lead_report_request   req;
    lead_sales_request    sreq;
    lead_sales_response   resp;
    lead_sales           *app;
    lead_buf              out;
    uint64_t              t = utc(2026, 12, 1, 9, 0, 0, 0);
    char                  err[256], why[32];
    const char           *p;
    int                   i;

    open_world(state, &w);
    rejected(&w, t, t + HOUR, "<script>alert(1)</script>");
    rejected(&w, t, t + 2 * HOUR, "<SCRIPT>alert(1)</SCRIPT> ");
    rejected(&w, t, t + 3 * HOUR, "No budget\x1b[2J");
    for (i = 0; i < 9; i++) {
        snprintf(why, sizeof(why), "Reason %d", i);
        rejected(&w, t, t + (uint64_t) (10 + i) * HOUR, why);
    }

    memset(&req, 0, sizeof(req));
    req.what = LEAD_REPORT_FUNNEL;
    req.rules = w.r;
    req.now_ms = utc(2026, 12, 7, 2, 0, 0, 0);

    /* JSON: the month, its reasons, the other four; script as data */
    memset(&out, 0, sizeof(out));
    req.format = LEAD_REPORT_JSON;
    assert_int_equal(lead_report(&out, w.s, &req), LEAD_OK);
    p = strstr(out.data, "\"months\":[{\"month\":\"2026-12\",\"mql\":12,"
                         "\"requalified\":0,\"rejected\":12,"
                         "\"returned\":0,\"reasons\":[{\"reason\":"
                         "\"\\u003cscript\\u003ealert(1)\\u003c/script"
                         "\\u003e\",\"count\":2},");
    if (p == NULL) {
        fail_msg("%s", out.data);
    }
    assert_non_null(strstr(p, "],\"other\":4}],\"cohorts\":[{\"month\":"
                              "\"2026-12\",\"identified\":12,\"mql\":12,"));
    assert_null(strstr(out.data, "<"));
    lead_buf_free(&out);

    /* text: a terminal's controls shown as '?', the fold named */
    memset(&out, 0, sizeof(out));
    req.format = LEAD_REPORT_TEXT;
    assert_int_equal(lead_report(&out, w.s, &req), LEAD_OK);
    assert_non_null(strstr(out.data, "2026-12      12            0       12"
                                     "        0\n"));
    assert_non_null(strstr(out.data, "\nwhy leads were rejected\n"
                                     "2026-12      2  <script>"));
    assert_non_null(strstr(out.data, "     4  (other reasons)\n"));
    assert_non_null(strstr(out.data, "  No budget?[2J\n"));
    assert_null(strstr(out.data, "\x1b"));
    lead_buf_free(&out);

    /* the sales view's page: escaped, in its own table */
    assert_int_equal(lead_sales_new(&app, err, sizeof(err)), LEAD_OK);
    memset(&sreq, 0, sizeof(sreq));
    memset(&resp, 0, sizeof(resp));
    sreq.path = (lead_str) { "funnel", 6 };
    sreq.base = (lead_str) { "/sales/", 7 };
    sreq.now_ms = req.now_ms;
    lead_sales_serve(app, w.s, w.r, &sreq, &resp);
    assert_int_equal(resp.status, 200);
    p = strstr(resp.body.data, "<h2>Why leads come back</h2>");
    assert_non_null(p);
    assert_non_null(strstr(p, "<th scope=\"row\">2026-12</th>"));
    assert_non_null(strstr(p, "<span class=\"reason\">&lt;script&gt;alert(1)"
                              "&lt;/script&gt;</span> <span class=\"num\">2"
                              "</span>"));
    assert_non_null(strstr(p, "other reasons <span class=\"num\">4</span>"));
    assert_null(strstr(resp.body.data, "<script>"));
    assert_null(strstr(resp.body.data, "<SCRIPT>"));
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);

    /* the funnel.json page is leadctl's --json, byte for byte */
    memset(&resp, 0, sizeof(resp));
    sreq.path = (lead_str) { "funnel.json", 11 };
    lead_sales_serve(app, w.s, w.r, &sreq, &resp);
    assert_int_equal(resp.status, 200);
    memset(&out, 0, sizeof(out));
    req.format = LEAD_REPORT_JSON;
    assert_int_equal(lead_report(&out, w.s, &req), LEAD_OK);
    assert_string_equal(resp.body.data, out.data);
    lead_buf_free(&out);
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);

    lead_sales_free(app);
    close_world(&w);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_reason_key),
        cmocka_unit_test(test_reasons_grouped),
        cmocka_unit_test(test_reasons_other),
        cmocka_unit_test_setup_teardown(test_months_at_their_ends, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_returns_and_requalified, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shown, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
