#include "unit.h"
#include "status_fixture.h"

/*
 * The leads' CSV a part at a time (lead_query_leads_parts, lead_report
 * with flush): the same bytes in the same order as the whole list, for
 * reads, forms, statuses, deals, a forgotten lead, free-mail and ties,
 * from the kept scores, with a tail after the fold, and without them.
 */

static const char  scoring[] = "mql_threshold 100;\n"
                               "freemail_domains freemail.txt;\n";
static const char  assets[] =
    "path,title,stage,points,topic,flags\n"
    "/why,Why outages cost,epiphany,5,resilience,open\n"
    "/guide,The buying guide,interest,10,fibre,\n"
    "/map.pdf,Network coverage map,decision,40,fibre,hot\n";
static const lead_str  freemail = { "gmail.com\n", 10 };

#define NLEADS  24

static void
read_at(lead_store *s, const lead_rules *r, char who, const char *path,
    const char *campaign, uint64_t t)
{
    lead_batch  *b = lead_batch_new(1 << 20);
    lead_event   ev;

    assert_non_null(b);
    memset(&ev, 0, sizeof(ev));
    visitor_id(ev.visitor, who);
    ev.ua_class = LEAD_UA_BROWSER;
    ev.status = 200;
    ev.time_ms = t;
    ev.path = (lead_str) { path, strlen(path) };
    ev.utm_campaign = (lead_str) { campaign, strlen(campaign) };
    ev.utm_source = (lead_str) { campaign[0] ? "mail" : "",
                                 campaign[0] ? 4 : 0 };
    ev.bytes_sent = ev.file_size = 1000;
    ev.country = (lead_str) { who % 2 ? "GB" : "FR", 2 };
    lead_event_set_asset(&ev, lead_rules_match(r, path, strlen(path)));
    assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
}

/* Leads of every kind; ties: leads with no read, identified together,
   and pairs that read the same at the same moments. */
static void
fill(lead_store *s, const lead_rules *r, uint8_t leads[NLEADS][LEAD_ID_LEN])
{
    static const char  *paths[] = { "/why", "/guide", "/map.pdf" };
    lead_outcome        won = { 1250050, "EUR", T0 + 3 * DAY };
    lead_outcome        lost = { 0, "", T0 + 3 * DAY };
    lead_erased         e;
    char                email[64], hex[LEAD_ID_HEX_LEN];
    int                 i, k;

    for (i = 0; i < NLEADS; i++) {
        char  who = (char) ('a' + i);

        /* i % 4 == 3: no read at all; i and i + 1 of 0..7 read alike */
        for (k = 0; i % 4 != 3 && k <= (i % 3); k++) {
            read_at(s, r, who, paths[(i / 2 + k) % 3], k ? "" : "q4-fibre",
                    T0 + (uint64_t) (i < 8 ? i / 2 : i) * HOUR
                    + (uint64_t) k * MIN);
        }
        /* half share their first 8 bytes: put in order by all of them */
        snprintf(email, sizeof(email), i % 5 == 0 ? "%s%02d@gmail.com"
                 : "%s%02d@acme%d.example", i % 2 ? "someone." : "p",
                 i * 7 % NLEADS, i % 3);
        identify(s, who, email, i % 6 == 1, T0 + (i % 4 == 3 ? DAY : HOUR
                                                  * (uint64_t) (i + 1)),
                 leads[i], 1);
    }

    /* the MQLs that asked for a call: 1, 7, 13, 19 */
    set_status_ok(s, leads[1], SAL, T0 + 2 * DAY, "", "pat", "");
    set_status_ok(s, leads[7], SAL, T0 + 2 * DAY, "", "sam", "");
    set_status_ok(s, leads[7], SQL, T0 + 2 * DAY + HOUR, "", "sam", "");
    assert_int_equal(lead_store_close_deal(s, leads[7], WON, T0 + 3 * DAY,
                                           &won, "sam", ""), LEAD_OK);
    set_status_ok(s, leads[13], SAL, T0 + 2 * DAY, "", "pat", "");
    assert_int_equal(lead_store_close_deal(s, leads[13], LOST, T0 + 3 * DAY,
                                           &lost, "pat", "went, \"elsewhere\""),
                     LEAD_OK);
    lead_id_to_hex(leads[10], hex);
    assert_int_equal(lead_store_forget(s, hex, LEAD_ID_HEX_LEN, &e), LEAD_OK);
}

typedef struct {
    lead_buf           out;
    size_t             parts;
    const lead_rules  *r;
} collected;

static int
collect(void *arg, const lead_list *part)
{
    collected  *c = arg;

    c->parts++;
    lead_report_leads_csv_rows(&c->out, c->r, part);
    return 0;
}

static int
flushed(void *arg, lead_buf *out)
{
    collected  *c = arg;

    c->parts++;
    lead_buf_printf(&c->out, "%.*s", (int) out->len, out->data);
    out->len = 0;
    return 0;
}

/* Every filter: the parts' bytes are the whole list's; *parts: the most
   parts one export came in. */
static void
expect_same(lead_store *s, const lead_rules *r, uint64_t now_ms,
    size_t *parts)
{
    static const struct {
        const char  *key, *value;
    } filters[] = {
        { "sort", "" }, { "status", "identified" }, { "sort", "recent" },
        { "sort", "name" }, { "q", "ACME1" }, { "cell", "4" },
        { "only", "calls" }, { "topic", "fibre" }, { "status", "sal" },
        { "owner", "pat" },
    };
    static const size_t  sizes[] = { 1, 2, 3, 5000 };
    lead_report_request  req;
    lead_filter          f;
    lead_list            l;
    lead_buf             want, got;
    collected            c;
    size_t               i, k;
    char                 err[128];

    *parts = 0;
    for (i = 0; i < N_ELEMS(filters) + 1; i++) {
        lead_filter_init(&f);
        if (i < N_ELEMS(filters)) {
            assert_int_equal(lead_filter_set(&f, r, filters[i].key,
                                             filters[i].value,
                                             strlen(filters[i].value), err,
                                             sizeof(err)), LEAD_OK);
        } else {
            f.offset = 3;           /* deeper than a page: in parts too */
            f.limit = 6000;
        }

        assert_int_equal(lead_query_leads(s, r, now_ms, &f, &l), LEAD_OK);
        assert_int_equal(lead_query_deals(s, &l), LEAD_OK);
        memset(&want, 0, sizeof(want));
        lead_report_leads_csv(&want, r, &l);
        if (i < N_ELEMS(filters) - 3 && l.n <= 2) {
            fail_msg("filter %zu: %zu rows", i, l.n);
        }
        lead_list_free(&l);

        for (k = 0; k < N_ELEMS(sizes); k++) {
            memset(&c, 0, sizeof(c));
            c.r = r;
            lead_report_leads_csv_head(&c.out);
            assert_int_equal(lead_query_leads_parts(s, r, now_ms, &f,
                                                    sizes[k], collect, &c),
                             LEAD_OK);
            if (strcmp(c.out.data, want.data) != 0) {
                fail_msg("filter %zu, parts of %zu:\n%s\nwant:\n%s", i,
                         sizes[k], c.out.data, want.data);
            }
            *parts = c.parts > *parts ? c.parts : *parts;
            lead_buf_free(&c.out);
        }

        /* leadctl's way: the report flushed part by part */
        memset(&req, 0, sizeof(req));
        memset(&c, 0, sizeof(c));
        memset(&got, 0, sizeof(got));
        req.what = LEAD_REPORT_LEADS;
        req.format = LEAD_REPORT_CSV;
        req.rules = r;
        req.now_ms = now_ms;
        req.filter = &f;
        req.flush = flushed;
        req.flush_arg = &c;
        assert_int_equal(lead_report(&got, s, &req), LEAD_OK);
        lead_buf_printf(&c.out, "%.*s", (int) got.len, got.data);
        assert_string_equal(c.out.data, want.data);
        lead_buf_free(&c.out);
        lead_buf_free(&got);
        lead_buf_free(&want);
    }
}

static void
test_csv_parts(void **state)
{
    lead_store  *s = open_store(state);
    lead_rules  *r;
    uint8_t      leads[NLEADS][LEAD_ID_LEN];
    uint64_t     now = T0 + 10 * DAY;
    size_t       parts;
    char         err[256];
    int          more;

    assert_int_equal(lead_rules_parse_texts(&r, "rules", scoring,
                                            strlen(scoring), assets,
                                            strlen(assets), &freemail, err,
                                            sizeof(err)), LEAD_OK);
    assert_int_equal(lead_store_put_assets(s, r), LEAD_OK);
    fill(s, r, leads);

    /* no kept scores yet: the whole list, in one part */
    expect_same(s, r, now, &parts);
    assert_int_equal(parts, 1);

    do {
        assert_int_equal(lead_store_fold(s, r, T0 + 5 * DAY, 10000, NULL,
                                         NULL, &more), LEAD_OK);
    } while (more);
    expect_same(s, r, now, &parts);
    assert_true(parts > 10);

    /* reads after the fold: the tail, scored with the parts */
    read_at(s, r, 'h', "/map.pdf", "", T0 + 6 * DAY);
    read_at(s, r, 'm', "/guide", "spring", T0 + 6 * DAY);
    expect_same(s, r, now, &parts);
    assert_true(parts > 10);

    lead_rules_free(r);
    lead_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_parts, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
