#include "unit.h"

#include <math.h>

/*
 * What sales read (lead_query.c, lead_report.c) and the sales view
 * (lead_sales.c): the filters, the template lists, every value escaped
 * for where it goes, the pages and exports agreeing with the query code,
 * and the actions: checked (CSRF, reason, allowed moves) before anything
 * is written.  Each test runs in a fresh store under /tmp.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#define MIN     UINT64_C(60000)
#define HOUR    (60 * MIN)
#define DAY     (24 * HOUR)
#define NOW     UINT64_C(1790000000000)

static const char  scoring[] = "mql_threshold 100;\n"
                               "freemail_domains freemail.txt;\n";
static const char  assets[] =
    "path,title,stage,points,topic,flags\n"
    "/why,Why outages cost,epiphany,5,resilience,open\n"
    "/guide,The buying guide,interest,10,fibre,\n"
    "/map.pdf,Network coverage map,decision,40,fibre,hot\n";
static const lead_str  freemail = { "gmail.com\n", 10 };

static const uint8_t  secret[LEAD_SECRET_MIN_LEN] = "0123456789abcdef0123456789abcde";
static const lead_keys  keys = {
    { { (const char *) secret, sizeof(secret) } }, 1
};

#include "dir_fixture.h"

typedef struct {
    void        *dir;           /* the directory fixture */
    lead_store  *s;
    lead_rules  *r;
    lead_sales  *app;
    uint8_t      ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], eve[LEAD_ID_LEN];
} world;

static void
visitor_id(uint8_t id[LEAD_ID_LEN], char who)
{
    memset(id, who, LEAD_ID_LEN);
}

static void
identify(world *w, char who, const char *email, const char *name,
    uint64_t at, uint8_t lead[LEAD_ID_LEN])
{
    lead_form  form;
    uint8_t    visitor[LEAD_ID_LEN];
    int        created, rc;

    memset(&form, 0, sizeof(form));
    rc = lead_email_normalize(email, strlen(email), form.email);
    assert_true(rc > 0);
    form.email_len = (size_t) rc;
    form.name_len = strlen(name);
    memcpy(form.name, name, form.name_len);
    form.subscribe = 1;
    visitor_id(visitor, who);
    assert_int_equal(lead_store_identify(w->s, visitor, &form, "fibre", 5,
                                         at, lead, &created), LEAD_OK);
}

static void
read_asset(lead_batch *b, const lead_rules *r, char who, const char *path,
    uint64_t at, const char *campaign)
{
    lead_event  ev;

    memset(&ev, 0, sizeof(ev));
    ev.time_ms = at;
    visitor_id(ev.visitor, who);
    ev.status = 200;
    ev.ua_class = LEAD_UA_BROWSER;
    ev.bytes_sent = ev.file_size = 1000;
    ev.path = (lead_str) { path, strlen(path) };
    ev.utm_campaign = (lead_str) { campaign, strlen(campaign) };
    ev.country = (lead_str) { "GB", 2 };
    lead_event_set_asset(&ev, lead_rules_match(r, path, strlen(path)));
    assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
}

/*
 * Ada: company address, read the map (hot): mql.  Bob: a hostile name,
 * company address, the guide.  Eve: free-mail, the first article only.
 */
static int
setup_world(void **state)
{
    world            *w;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    lead_batch       *b;
    char              err[512];

    w = calloc(1, sizeof(*w));
    if (w == NULL || setup(&w->dir) != 0) {
        free(w);
        return -1;
    }
    assert_int_equal(lead_store_open(&w->s, dir_of(&w->dir), &opts, err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(lead_rules_parse_texts(&w->r, "rules", scoring,
                                            strlen(scoring), assets,
                                            strlen(assets), &freemail, err,
                                            sizeof(err)), LEAD_OK);
    assert_int_equal(lead_store_put_assets(w->s, w->r), LEAD_OK);
    assert_int_equal(lead_sales_new(&w->app, err, sizeof(err)), LEAD_OK);

    b = lead_batch_new(1 << 20);
    assert_non_null(b);
    read_asset(b, w->r, 'a', "/why", NOW - 3 * DAY, "");
    read_asset(b, w->r, 'a', "/map.pdf", NOW - 2 * DAY, "");
    read_asset(b, w->r, 'b', "/guide", NOW - 5 * HOUR,
               "<script>alert(1)</script>");
    read_asset(b, w->r, 'e', "/why", NOW - 1 * HOUR, "");
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    lead_batch_free(b);

    identify(w, 'a', "ada@acme.example", "Ada Lovelace", NOW - 2 * DAY - MIN,
             w->ada);
    identify(w, 'b', "bob@acme.example", "\"><img src=x onerror=alert(1)>",
             NOW - 6 * HOUR, w->bob);
    identify(w, 'e', "eve@gmail.com", "=cmd|' /C calc'!A0", NOW - 2 * HOUR,
             w->eve);
    assert_int_equal(lead_store_set_status(w->s, w->ada, LEAD_STATUS_MQL,
                                           NOW - 2 * DAY, "read the map", "",
                                           ""), LEAD_OK);

    *state = w;
    return 0;
}

static int
teardown_world(void **state)
{
    world  *w = *state;
    int     rc;

    lead_sales_free(w->app);
    lead_rules_free(w->r);
    lead_store_close(w->s);
    rc = teardown(&w->dir);
    free(w);
    return rc;
}

/* ---- templates --------------------------------------------------------- */

typedef struct {
    const char  *outer[2];
    const char  *inner[2][3];
    size_t       current;
} lists;

static int
list_item(void *arg, unsigned list, size_t i, lead_str *v)
{
    lists  *l = arg;

    if (list == 1) {                        /* "*outer" */
        if (i >= 2) {
            return 0;
        }
        l->current = i;
        v[2] = (lead_str) { l->outer[i], strlen(l->outer[i]) };
        return 1;
    }
    if (i >= 3 || l->inner[l->current][i] == NULL) {
        return 0;
    }
    v[4] = (lead_str) { l->inner[l->current][i],
                        strlen(l->inner[l->current][i]) };
    return 1;
}

static void
test_tmpl_lists(void **state)
{
    static const char  *names[] = { "title", "*outer", "name", "*inner",
                                    "item", "&html", NULL };
    static const char   text[] = "{{title}}:{{*outer}}[{{name}}"
                                 "{{*inner}}<{{item}}>{{/inner}}]{{/outer}}"
                                 "{{&html}}";
    lists      l = { { "a&b", "c" }, { { "1", "2", NULL }, { "<3>", NULL } },
                     0 };
    lead_tmpl *t;
    lead_str   v[6];
    lead_buf   out;
    char       err[256];

    (void) state;
    memset(v, 0, sizeof(v));
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_tmpl_parse(&t, text, strlen(text), names, "t",
                                     err, sizeof(err)), LEAD_OK);
    v[0] = (lead_str) { "T\"", 2 };
    v[5] = (lead_str) { "<b>ok</b>", 9 };
    lead_tmpl_render_buf(t, v, list_item, &l, &out);
    assert_string_equal(out.data, "T&quot;:[a&amp;b<1><2>][c<&lt;3&gt;>]"
                                  "<b>ok</b>");
    lead_buf_free(&out);
    lead_tmpl_free(t);
}

static void
test_tmpl_refuses(void **state)
{
    static const char  *names[] = { "name", "*rows", "&html", NULL };
    static const char  *twice[] = { "name", "*name", NULL };
    static const struct {
        const char  *text;
        const char  *error;
    } bad[] = {
        /* raw only where the caller declared it: not for a visitor's name */
        { "{{&name}}", "unknown placeholder \"name\"" },
        { "{{html}}", "unknown placeholder \"html\"" },
        { "{{#rows}}x{{/rows}}", "unknown placeholder \"rows\"" },
        { "{{*name}}x{{/name}}", "unknown placeholder \"name\"" },
        { "{{*rows}}x", "section \"{{*rows}}\" is not closed" },
        { "{{*rows}}{{#name}}{{/rows}}{{/name}}", "closes no open section" },
    };
    lead_tmpl  *t;
    char        err[512];
    size_t      i;

    (void) state;
    for (i = 0; i < N_ELEMS(bad); i++) {
        assert_int_equal(lead_tmpl_parse(&t, bad[i].text, strlen(bad[i].text),
                                         names, "t.html", err, sizeof(err)),
                         LEAD_EINVAL);
        assert_null(t);
        if (strstr(err, bad[i].error) == NULL) {
            fail_msg("\"%s\": %s, want %s", bad[i].text, err, bad[i].error);
        }
    }
    assert_int_equal(lead_tmpl_parse(&t, "x", 1, twice, "t.html", err,
                                     sizeof(err)), LEAD_EINVAL);
    assert_non_null(strstr(err, "named twice"));
}

/* ---- escaping ---------------------------------------------------------- */

static void
test_escapes(void **state)
{
    static const struct {
        const char  *in;
        const char  *html, *json, *csv;
    } cases[] = {
        { "plain", "plain", "\"plain\"", "plain" },
        { "<script>\"x\"&'", "&lt;script&gt;&quot;x&quot;&amp;&#39;",
          "\"\\u003cscript\\u003e\\\"x\\\"\\u0026'\"",
          "\"<script>\"\"x\"\"&'\"" },
        { "=cmd|' /C calc'!A0", "=cmd|&#39; /C calc&#39;!A0",
          "\"=cmd|' /C calc'!A0\"", "'=cmd|' /C calc'!A0" },
        { "+1", "+1", "\"+1\"", "'+1" },
        { "-2,3", "-2,3", "\"-2,3\"", "\"'-2,3\"" },
        { "@SUM(A1)", "@SUM(A1)", "\"@SUM(A1)\"", "'@SUM(A1)" },
        { "\tx", "\tx", "\"\\u0009x\"", "'\tx" },
        { "\r=1", "\r=1", "\"\\u000d=1\"", "\"'\r=1\"" },
        { "a\nb", "a\nb", "\"a\\u000ab\"", "\"a\nb\"" },
        { "Zoë", "Zoë", "\"Zoë\"", "Zoë" },
    };
    lead_buf  b;
    size_t    i;

    (void) state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        memset(&b, 0, sizeof(b));
        lead_buf_html(&b, cases[i].in, strlen(cases[i].in));
        assert_string_equal(b.data ? b.data : "", cases[i].html);
        lead_buf_free(&b);
        lead_buf_json(&b, cases[i].in, strlen(cases[i].in));
        assert_string_equal(b.data, cases[i].json);
        lead_buf_free(&b);
        lead_buf_csv(&b, cases[i].in, strlen(cases[i].in));
        assert_string_equal(b.data, cases[i].csv);
        lead_buf_free(&b);
    }
}

/* ---- filters and the list ---------------------------------------------- */

static void
test_filter_set(void **state)
{
    world        *w = *state;
    lead_filter   f;
    char          err[512];
    size_t        i;
    static const struct {
        const char  *key, *value, *error;
    } bad[] = {
        { "status", "anonymous", "unknown status \"anonymous\"" },
        { "status", "hot", "statuses: identified mql" },
        { "stage", "evalutaion", "stages: epiphany awareness interest" },
        { "cell", "E1", "a cell such as A1" },
        { "cell", "A5", "a cell such as A1" },
        { "cell", "A1x", "a cell such as A1" },
        { "topic", "two words", "one word" },
        { "sort", "price", "score, recent or name" },
        { "colour", "red", "unknown filter" },
    };

    lead_filter_init(&f);
    for (i = 0; i < N_ELEMS(bad); i++) {
        assert_int_equal(lead_filter_set(&f, w->r, bad[i].key, bad[i].value,
                                         strlen(bad[i].value), err,
                                         sizeof(err)), LEAD_EINVAL);
        if (strstr(err, bad[i].error) == NULL) {
            fail_msg("%s=%s: %s", bad[i].key, bad[i].value, err);
        }
    }

    assert_int_equal(lead_filter_set(&f, w->r, "cell", "b2", 2, err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(f.grade, 'B');
    assert_int_equal(f.band, 2);
    assert_int_equal(lead_filter_set(&f, w->r, "cell", "3", 1, err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(f.grade, 0);
    assert_int_equal(f.band, 3);
    assert_int_equal(lead_filter_set(&f, w->r, "stage", "decision", 8, err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(f.stage, 4);
    assert_int_equal(lead_filter_set(&f, w->r, "stage", "", 0, err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(f.stage, -1);
}

/* The e-mails a filter lists, in order, comma-separated. */
static void
expect_list(world *w, const char *key, const char *value, const char *want)
{
    lead_filter  f;
    lead_list    l;
    char         got[512], err[256];
    size_t       i, n = 0;

    lead_filter_init(&f);
    if (key) {
        assert_int_equal(lead_filter_set(&f, w->r, key, value, strlen(value),
                                         err, sizeof(err)), LEAD_OK);
    }
    assert_int_equal(lead_query_leads(w->s, w->r, NOW, &f, &l), LEAD_OK);
    got[0] = '\0';
    for (i = 0; i < l.n; i++) {
        n += (size_t) snprintf(got + n, sizeof(got) - n, "%s%s", i ? "," : "",
                               l.rows[i].email.data);
    }
    assert_int_equal(l.total, 3);
    lead_list_free(&l);
    if (strcmp(got, want) != 0) {
        fail_msg("%s=%s: %s, want %s", key ? key : "-", value, got, want);
    }
}

static void
test_query_filters(void **state)
{
    world  *w = *state;

    expect_list(w, NULL, "", "ada@acme.example,bob@acme.example,"
                             "eve@gmail.com");
    expect_list(w, "status", "mql", "ada@acme.example");
    expect_list(w, "status", "identified", "bob@acme.example,eve@gmail.com");
    expect_list(w, "stage", "decision", "ada@acme.example");
    expect_list(w, "topic", "resilience", "ada@acme.example,eve@gmail.com");
    expect_list(w, "q", "lovelace", "ada@acme.example");
    expect_list(w, "q", "GMAIL", "eve@gmail.com");
    expect_list(w, "q", "nobody", "");
    expect_list(w, "sort", "recent", "eve@gmail.com,bob@acme.example,"
                                     "ada@acme.example");
    expect_list(w, "sort", "name", "ada@acme.example,bob@acme.example,"
                                   "eve@gmail.com");
    /* Ada: company address and subscribed (30, grade C), 42.9: band 2 */
    expect_list(w, "cell", "C2", "ada@acme.example");
    expect_list(w, "cell", "2", "ada@acme.example");
    expect_list(w, "cell", "c", "ada@acme.example,bob@acme.example");
    expect_list(w, "cell", "D4", "eve@gmail.com");
}

static void
test_trend(void **state)
{
    world   *w = *state;
    double   trend[LEAD_TREND_DAYS], want;

    assert_int_equal(lead_query_trend(w->s, w->r, w->ada, NOW, trend),
                     LEAD_OK);
    /* nothing read 29 days ago; the map and the article by yesterday */
    assert_true(trend[0] == 0);
    want = 40 * exp2(-2.0 / 30) + 5 * exp2(-3.0 / 30);
    assert_true(fabs(trend[LEAD_TREND_DAYS - 1] - want) < 1e-6);
    /* the end of three days ago: the article was read, the map not yet */
    assert_true(fabs(trend[LEAD_TREND_DAYS - 4] - 5) < 1e-6);
    assert_true(fabs(trend[LEAD_TREND_DAYS - 3] - 5 * exp2(-1.0 / 30)
                     - 40) < 1e-6);
}

/* ---- the sales view ---------------------------------------------------- */

typedef struct {
    lead_sales_request   req;
    lead_sales_response  resp;
    char                 path[128];
} call;

static void
request(call *c, int post, const char *path, const char *query,
    const char *body, const char *user, char browser)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->path, sizeof(c->path), "%s", path);
    c->req.post = post;
    c->req.path = (lead_str) { c->path, strlen(c->path) };
    c->req.query = (lead_str) { query, strlen(query) };
    c->req.body = (lead_str) { body, strlen(body) };
    c->req.base = (lead_str) { "/sales/", 7 };
    c->req.user = (lead_str) { user, strlen(user) };
    c->req.keys = &keys;
    visitor_id(c->req.browser, browser);
    c->req.browser_known = browser != 0;
    c->req.now_ms = NOW;
}

static void
serve(world *w, call *c)
{
    lead_sales_serve(w->app, w->s, w->r, &c->req, &c->resp);
    assert_false(c->resp.body.oom);
}

static void
done(call *c)
{
    lead_buf_free(&c->resp.body);
    lead_buf_free(&c->resp.location);
}

static const char *
body_of(call *c)
{
    return c->resp.body.data ? c->resp.body.data : "";
}

static void
test_pages(void **state)
{
    world      *w = *state;
    call        c;
    char        hex[LEAD_ID_HEX_LEN + 1], path[64];
    const char *pages[] = { "", "funnel", "accounts" };
    size_t      i;

    for (i = 0; i < N_ELEMS(pages); i++) {
        request(&c, 0, pages[i], "", "", "sam", 's');
        serve(w, &c);
        assert_int_equal(c.resp.status, 200);
        assert_string_equal(c.resp.type, "text/html; charset=utf-8");
        assert_non_null(strstr(body_of(&c), "<!doctype html>"));
        assert_non_null(strstr(body_of(&c), "Signed in as sam"));
        done(&c);
    }

    request(&c, 0, "", "", "", "", 's');
    serve(w, &c);
    /* Ada tops the list, marked a new MQL, the map as her hot content */
    assert_true(strstr(body_of(&c), "Ada Lovelace")
                < strstr(body_of(&c), "eve@gmail.com"));
    assert_non_null(strstr(body_of(&c), "new MQL"));
    assert_non_null(strstr(body_of(&c), "Network coverage map"));
    assert_non_null(strstr(body_of(&c), "<polyline points=\"0,15.0 "));
    assert_non_null(strstr(body_of(&c), "Not signed in"));
    done(&c);

    lead_id_to_hex(w->ada, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    snprintf(path, sizeof(path), "lead/%s", hex);
    request(&c, 0, path, "done=sal", "", "", 's');
    serve(w, &c);
    assert_int_equal(c.resp.status, 200);
    assert_non_null(strstr(body_of(&c), "read 100% of it, 1 time"));
    assert_non_null(strstr(body_of(&c), "before identifying"));
    assert_non_null(strstr(body_of(&c), "Accept (SAL)"));
    assert_non_null(strstr(body_of(&c), "Accepted: the lead"));
    assert_null(strstr(body_of(&c), "Qualify (SQL)"));
    done(&c);

    request(&c, 0, "sales.css", "", "", "", 0);
    serve(w, &c);
    assert_int_equal(c.resp.status, 200);
    assert_string_equal(c.resp.type, "text/css; charset=utf-8");
    done(&c);
}

static void
test_refusals(void **state)
{
    world  *w = *state;
    call    c;
    size_t  i;
    static const struct {
        int          post;
        const char  *path, *query;
        int          status;
        const char  *says;
    } cases[] = {
        { 0, "nope", "", 404, "no page here" },
        { 0, "lead/00000000000000000000000000000000", "", 404,
          "no lead 00000000000000000000000000000000" },
        { 0, "lead/0000000000000000000000000000000", "", 404, "no page" },
        { 0, "lead/0000000000000000000000000000000g", "", 404, "no page" },
        { 1, "", "", 405, "Only a lead&#39;s page takes a POST" },
        { 1, "leads.json", "", 405, "Only a lead" },
        { 0, "", "status=hot", 400, "unknown status" },
        { 0, "", "page=0", 400, "&quot;page&quot; is a number" },
        { 0, "", "page=2x", 400, "&quot;page&quot; is a number" },
        { 0, "accounts", "page=-1", 400, "&quot;page&quot; is a number" },
        { 0, "leads.json", "cell=Z9", 400, "{\"error\":\"unknown cell" },
    };

    for (i = 0; i < N_ELEMS(cases); i++) {
        request(&c, cases[i].post, cases[i].path, cases[i].query, "", "",
                's');
        serve(w, &c);
        if (c.resp.status != cases[i].status
            || strstr(body_of(&c), cases[i].says) == NULL)
        {
            fail_msg("%s?%s: %d, %.300s", cases[i].path, cases[i].query,
                     c.resp.status, body_of(&c));
        }
        done(&c);
    }
}

/* Every visitor's value is inert: escaped in HTML, JSON-escaped, CSV-safe. */
static void
test_hostile_values(void **state)
{
    world       *w = *state;
    call         c;
    char         hex[LEAD_ID_HEX_LEN + 1], path[64];
    /* the CSV is checked below: quoted, it is text to a spreadsheet */
    const char  *pages[] = { "", "accounts", "leads.json", "accounts.json",
                             "funnel" };
    size_t       i;

    lead_id_to_hex(w->bob, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    snprintf(path, sizeof(path), "lead/%s", hex);

    for (i = 0; i <= N_ELEMS(pages); i++) {
        request(&c, 0, i < N_ELEMS(pages) ? pages[i] : path, "", "", "", 's');
        serve(w, &c);
        if (c.resp.status != 200) {
            fail_msg("%s: %d %.2000s", c.path, c.resp.status, body_of(&c));
        }
        assert_null(strstr(body_of(&c), "<img src=x"));
        assert_null(strstr(body_of(&c), "<script>alert"));
        done(&c);
    }

    request(&c, 0, path, "", "", "", 's');
    serve(w, &c);
    assert_non_null(strstr(body_of(&c), "&quot;&gt;&lt;img src=x "
                                        "onerror=alert(1)&gt;"));
    assert_non_null(strstr(body_of(&c), "&lt;script&gt;alert(1)"));
    done(&c);

    request(&c, 0, "leads.csv", "", "", "", 's');
    serve(w, &c);
    assert_string_equal(c.resp.disposition,
                        "attachment; filename=\"leads.csv\"");
    assert_non_null(strstr(body_of(&c), ",'=cmd|' /C calc'!A0,"));
    assert_non_null(strstr(body_of(&c), ",\"\"\"><img src=x "
                                        "onerror=alert(1)>\","));
    done(&c);
}

/* The exports are the query code's bytes, as leadctl prints them. */
static void
test_exports_agree(void **state)
{
    world      *w = *state;
    call        c;
    lead_list   l;
    lead_buf    want;
    lead_filter f;
    char        err[128];

    lead_filter_init(&f);
    assert_int_equal(lead_filter_set(&f, w->r, "status", "identified", 10,
                                     err, sizeof(err)), LEAD_OK);
    assert_int_equal(lead_query_leads(w->s, w->r, NOW, &f, &l), LEAD_OK);
    assert_int_equal(lead_query_deals(w->s, &l), LEAD_OK);
    memset(&want, 0, sizeof(want));
    lead_report_leads_json(&want, w->r, &l);

    request(&c, 0, "leads.json", "status=identified&page=3", "", "", 's');
    serve(w, &c);
    assert_int_equal(c.resp.status, 200);
    assert_string_equal(c.resp.type, "application/json");
    assert_string_equal(body_of(&c), want.data);
    done(&c);

    lead_buf_free(&want);
    lead_report_leads_csv(&want, w->r, &l);
    request(&c, 0, "leads.csv", "status=identified", "", "", 's');
    serve(w, &c);
    assert_string_equal(body_of(&c), want.data);
    assert_true(strncmp(body_of(&c), "id,name,email,company,status,", 29)
                == 0);
    done(&c);
    lead_buf_free(&want);
    lead_list_free(&l);
}

/* ---- actions ----------------------------------------------------------- */

static void
token_for(char browser, const char *user, char out[LEAD_TOKEN_LEN + 1])
{
    uint8_t  id[LEAD_ID_LEN];

    visitor_id(id, browser);
    lead_sales_token(&keys, id, user, strlen(user), out);
    out[LEAD_TOKEN_LEN] = '\0';
}

static void
expect_status(world *w, const uint8_t lead[LEAD_ID_LEN], int want)
{
    uint64_t  since;
    int       status = LEAD_STATUS_IDENTIFIED;

    (void) lead_store_get_status(w->s, lead, &status, &since);
    assert_string_equal(lead_status_name(status), lead_status_name(want));
}

static void
post(world *w, const uint8_t lead[LEAD_ID_LEN], const char *body,
    const char *user, char browser, int want, const char *says)
{
    call  c;
    char  hex[LEAD_ID_HEX_LEN + 1], path[64];

    lead_id_to_hex(lead, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    snprintf(path, sizeof(path), "lead/%s", hex);
    request(&c, 1, path, "", body, user, browser);
    serve(w, &c);
    if (c.resp.status != want || strstr(c.resp.status == 303
                                        ? c.resp.location.data
                                        : body_of(&c), says) == NULL)
    {
        fail_msg("%s: %d, %.400s", body, c.resp.status,
                 c.resp.status == 303 ? c.resp.location.data : body_of(&c));
    }
    done(&c);
}

static void
test_actions(void **state)
{
    world  *w = *state;
    char    token[LEAD_TOKEN_LEN + 1], other[LEAD_TOKEN_LEN + 1];
    char    body[512], big[LEAD_SALES_BODY_MAX + 16];

    token_for('s', "sam", token);
    token_for('s', "pat", other);

    /* no token, a forged one, another user's, a browser with no cookie */
    post(w, w->ada, "status=sal", "sam", 's', 403, "Nothing was changed");
    post(w, w->ada, "status=sal&token=AAAA", "sam", 's', 403, "Nothing");
    snprintf(body, sizeof(body), "status=sal&token=%s", other);
    post(w, w->ada, body, "sam", 's', 403, "Nothing");
    snprintf(body, sizeof(body), "status=sal&token=%s", token);
    post(w, w->ada, body, "sam", 0, 403, "Nothing");
    post(w, w->ada, body, "sam", 't', 403, "Nothing");
    expect_status(w, w->ada, LEAD_STATUS_MQL);

    /* not a sales decision; a move the model does not allow */
    snprintf(body, sizeof(body), "status=mql&token=%s", token);
    post(w, w->ada, body, "sam", 's', 400, "won, lost or nurture");
    snprintf(body, sizeof(body), "status=won&token=%s", token);
    post(w, w->ada, body, "sam", 's', 409, "cannot go to won");
    snprintf(body, sizeof(body), "status=sal&token=%s", token);
    post(w, w->bob, body, "sam", 's', 409, "This lead is identified now");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    post(w, w->ada, big, "sam", 's', 413, "larger than");
    expect_status(w, w->ada, LEAD_STATUS_MQL);

    /* accepted, by sam */
    snprintf(body, sizeof(body), "status=sal&token=%s", token);
    post(w, w->ada, body, "sam", 's', 303, "/sales/lead/");
    expect_status(w, w->ada, LEAD_STATUS_SAL);

    /* back to marketing: only with a reason, and a clean one */
    snprintf(body, sizeof(body), "status=nurture&token=%s&reason=+", token);
    post(w, w->ada, body, "sam", 's', 422, "a reason is required");
    snprintf(body, sizeof(body), "status=nurture&token=%s&reason=a%%01b",
             token);
    post(w, w->ada, body, "sam", 's', 422, "plain text");
    expect_status(w, w->ada, LEAD_STATUS_SAL);
    snprintf(body, sizeof(body), "token=%s&status=nurture&reason=No+budget"
             "+%%3Cscript%%3E", token);
    post(w, w->ada, body, "sam", 's', 303, "?done=nurture");
    expect_status(w, w->ada, LEAD_STATUS_NURTURE);
}

static void
test_actions_recorded(void **state)
{
    world        *w = *state;
    lead_detail   d;
    char          token[LEAD_TOKEN_LEN + 1], body[256];
    size_t        n;

    token_for('s', "", token);
    snprintf(body, sizeof(body), "status=sal&token=%s", token);
    post(w, w->ada, body, "", 's', 303, "done=sal");
    token_for('s', "sam", token);
    snprintf(body, sizeof(body), "status=nurture&reason=wrong+person&"
             "token=%s", token);
    post(w, w->ada, body, "sam", 's', 303, "done=nurture");

    assert_int_equal(lead_query_lead(w->s, w->r, "ada@acme.example", 16, NOW,
                                     &d), LEAD_OK);
    n = d.nhistory;
    assert_true(n >= 4);
    assert_string_equal(d.history[n - 2].cause.data, "sales view");
    assert_string_equal(d.history[n - 2].who.data, "(not signed in)");
    assert_string_equal(d.history[n - 1].who.data, "sam");
    assert_string_equal(d.history[n - 1].reason.data, "wrong person");
    assert_int_equal(d.history[n - 1].to, LEAD_STATUS_NURTURE);
    lead_detail_free(&d);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_tmpl_lists),
        cmocka_unit_test(test_tmpl_refuses),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test_setup_teardown(test_filter_set, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_query_filters, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_trend, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_pages, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_refusals, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_hostile_values, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_exports_agree, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_actions, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(test_actions_recorded, setup_world,
                                        teardown_world),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
