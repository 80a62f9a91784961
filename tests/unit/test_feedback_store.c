/*
 * Feedback in a real store: rate lines parsed and ingested (each id
 * once; a bad one refused whole), a rating in its lead's timeline and
 * why, never a read of the assets' counts, a source or attribution;
 * exported as rate lines that rebuild it elsewhere; erased by forget.
 */

#include "unit.h"
#include "lead_line.h"

#include <unistd.h>

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))
#define HOUR        UINT64_C(3600000)
#define DAY         (24 * HOUR)
#define T0          UINT64_C(1790000000000)     /* 2026-09-21T... */
#define NOW         (T0 + 2 * DAY)
#define HEADER      "path,title,stage,points,topic,flags\n"
#define VA          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define RID         "0123456789abcdef0123456789abcdef"

static const char  scoring[] = "feedback_points 5;\nmql_threshold 500;\n";
static const char  assets[] =
    HEADER
    "/map.html,Network coverage map,evaluation,40,coverage,\n"
    "/blog.html,Blog,awareness,5,,\n";

typedef struct {
    char          dir[64];
    lead_store   *s;
    lead_rules   *r;
} world;

static void
world_open(world *w)
{
    lead_store_opts  opts = { 0, 0, 0, 0 };
    char             err[512] = "";

    memset(w, 0, sizeof(*w));
    strcpy(w->dir, "/tmp/lead-feedback-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    w->s = unit_store_open(w->dir, &opts);
    if (lead_rules_parse(&w->r, "rules", scoring, strlen(scoring), assets,
                         strlen(assets), err, sizeof(err)) != LEAD_OK)
    {
        fail_msg("lead_rules_parse: %s", err);
    }
    assert_int_equal(lead_store_put_assets(w->s, w->r), LEAD_OK);
}

static void
world_close(world *w)
{
    char  path[128];

    lead_store_close(w->s);
    lead_rules_free(w->r);
    snprintf(path, sizeof(path), "%s/data.mdb", w->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", w->dir);
    unlink(path);
    rmdir(w->dir);
}

/* Lines of JSON, one a line, ingested in one batch. */
static lead_ingested
ingest(world *w, const char *text)
{
    lead_line_parser  *p = lead_line_parser_new();
    lead_ingest       *in;
    lead_ingested      got;
    lead_line          l;
    const char        *nl;
    char               err[256];

    assert_non_null(p);
    assert_int_equal(lead_ingest_new(&in, w->s, w->r), LEAD_OK);
    for ( /* void */ ; *text; text = nl + 1) {
        nl = strchr(text, '\n');
        assert_non_null(nl);
        if (lead_line_parse(p, text, (size_t) (nl - text), &l, err,
                            sizeof(err)) != LEAD_OK)
        {
            fail_msg("%.*s: %s", (int) (nl - text), text, err);
        }
        assert_int_equal(lead_ingest_add(in, &l), LEAD_OK);
    }
    memset(&got, 0, sizeof(got));
    assert_int_equal(lead_ingest_commit(in, NOW, &got, NULL, NULL), LEAD_OK);
    lead_ingest_free(in);
    lead_line_parser_free(p);
    return got;
}

static const char  lines_in[] =
    "{\"id\":\"" RID "-r\",\"time\":\"2026-09-21T00:00:00.000Z\","
    "\"kind\":\"read\",\"visitor\":\"" VA "\",\"path\":\"/map.html\","
    "\"asset\":\"%s\",\"stage\":\"evaluation\",\"topic\":\"coverage\","
    "\"points\":40,\"status\":200,\"bytes\":10,\"size\":10,"
    "\"utm_campaign\":\"spring\",\"agent\":\"browser\"}\n"
    "{\"id\":\"" RID "-v\",\"time\":\"2026-09-21T01:00:00.000Z\","
    "\"kind\":\"rate\",\"visitor\":\"" VA "\",\"path\":\"/map.html\","
    "\"asset\":\"%s\",\"stage\":\"evaluation\",\"topic\":\"coverage\","
    "\"points\":40,\"agent\":\"browser\",\"rating\":2,"
    "\"comment\":\"too coarse\"}\n"
    "{\"id\":\"later-v\",\"time\":\"2026-09-21T02:00:00.000Z\","
    "\"kind\":\"rate\",\"visitor\":\"" VA "\",\"path\":\"/map.html\","
    "\"asset\":\"%s\",\"stage\":\"evaluation\",\"topic\":\"coverage\","
    "\"points\":40,\"agent\":\"browser\",\"rating\":4,"
    "\"comment\":\"<b>the SLA</b>\\nsection\"}\n"
    "{\"id\":\"ident-i\",\"time\":\"2026-09-21T03:00:00.000Z\","
    "\"kind\":\"identify\",\"visitor\":\"" VA "\","
    "\"email\":\"ada@example.com\",\"name\":\"Ada\"}\n";

static const char *
the_lines(const world *w, char *buf, size_t size)
{
    char  id[17];

    snprintf(id, sizeof(id), "%016llx", (unsigned long long)
             lead_rules_match(w->r, "/map.html", 9)->id);
    snprintf(buf, size, lines_in, id, id, id);
    return buf;
}

/* A rating event with a campaign, as the store takes any event. */
static void
commit_rating(world *w, uint64_t t, const char *campaign)
{
    lead_batch  *b = lead_batch_new(1 << 16);
    lead_event   ev;

    assert_non_null(b);
    memset(&ev, 0, sizeof(ev));
    ev.time_ms = t;
    memset(ev.visitor, 0xaa, LEAD_ID_LEN);
    ev.ua_class = LEAD_UA_BROWSER;
    ev.path.data = "/blog.html";
    ev.path.len = 10;
    ev.utm_campaign.data = campaign;
    ev.utm_campaign.len = strlen(campaign);
    ev.rating = 5;
    lead_event_set_asset(&ev, lead_rules_match(w->r, "/blog.html", 10));
    assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    lead_batch_free(b);
}

/* ---- the lines as a store gives them back ------------------------------ */

typedef struct {
    lead_buf  json;                 /* every rate line, one a line */
    size_t    reads, rates;
} out_lines;

static int
keep_line(void *arg, const lead_line *l)
{
    out_lines  *o = arg;

    if (l->kind == LEAD_LINE_RATE) {
        o->rates++;
        lead_line_json(&o->json, l);
        lead_buf_puts(&o->json, "\n");
    }
    o->reads += l->kind == LEAD_LINE_READ;
    return 0;
}

static void
export(world *w, out_lines *o)
{
    memset(o, 0, sizeof(*o));
    assert_int_equal(lead_store_each_line(w->s, 0, 0, keep_line, o),
                     LEAD_OK);
    assert_false(o->json.oom);
}

static int
count_event(void *arg, uint64_t seq, const lead_event *ev)
{
    (void) seq;
    ((size_t *) arg)[0]++;
    ((size_t *) arg)[1] += ev->rating != 0;
    return 0;
}

static int
copy_person(void *arg, const lead_person *p)
{
    *(lead_person *) arg = *p;
    return 0;
}

/* The sales view's page of the lead with id hex. */
static void
lead_page(world *w, const char *hex, lead_sales_response *resp)
{
    static const uint8_t    secret[LEAD_SECRET_MIN_LEN] =
        "0123456789abcdef0123456789abcde";
    static const lead_keys  keys = {
        { { (const char *) secret, sizeof(secret) } }, 1
    };
    lead_sales_request      req;
    lead_sales             *app;
    char                    path[64], err[256];

    assert_int_equal(lead_sales_new(&app, err, sizeof(err)), LEAD_OK);
    memset(&req, 0, sizeof(req));
    memset(resp, 0, sizeof(*resp));
    snprintf(path, sizeof(path), "lead/%s", hex);
    req.path = (lead_str) { path, strlen(path) };
    req.query = req.body = (lead_str) { "", 0 };
    req.base = (lead_str) { "/sales/", 7 };
    req.user = (lead_str) { "pat", 3 };
    req.keys = &keys;
    req.now_ms = NOW;
    lead_sales_serve(app, w->s, w->r, &req, resp);
    assert_false(resp->body.oom);
    lead_sales_free(app);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_rate_lines(void **state)
{
    world              w, w2;
    lead_ingested      got;
    lead_detail        d;
    lead_asset_list    al;
    lead_attribution   at;
    lead_person        p;
    lead_source        src;
    out_lines          o, o2;
    char               text[4096];
    size_t             i, rated = 0, replaced = 0, nev[2] = { 0, 0 };
    size_t             people = 0;
    const lead_contribution  *k = NULL;
    lead_erased        erased;
    lead_sales_response resp;
    char               hex[LEAD_ID_HEX_LEN + 1];

    (void) state;
    world_open(&w);
    got = ingest(&w, the_lines(&w, text, sizeof(text)));
    assert_int_equal(got.applied, 4);
    assert_int_equal(got.refused, 0);

    /* each id once */
    got = ingest(&w, text);
    assert_int_equal(got.applied, 0);
    assert_int_equal(got.duplicates, 4);

    /* the lead's timeline and why, the anonymous rating merged */
    assert_int_equal(lead_query_lead(w.s, w.r, "ada@example.com", 15, NOW,
                                     &d), LEAD_OK);
    assert_int_equal(d.nreads, 3);
    for (i = 0; i < d.nreads; i++) {
        if (d.reads[i].counted == LEAD_READ_RATED) {
            rated++;
            assert_int_equal(d.reads[i].ev.rating, 4);
            assert_true(d.reads[i].worth == 5);
            assert_true(d.reads[i].before_identified);
        }
        replaced += d.reads[i].counted == LEAD_READ_REPLACED;
    }
    assert_int_equal(rated, 1);
    assert_int_equal(replaced, 1);
    assert_int_equal(d.bot_reads, 0);
    for (i = 0; i < d.score.nwhy; i++) {
        if (d.score.why[i].rating) {
            k = &d.score.why[i];
        }
    }
    assert_non_null(k);
    assert_int_equal(k->rating, 4);
    assert_int_equal(k->shown, 5);
    assert_string_equal(d.why_titles[k - d.score.why].data,
                        "Network coverage map");
    lead_id_to_hex(d.row.id, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    lead_detail_free(&d);

    /* the sales view's timeline: the rating's entry, escaped */
    lead_page(&w, hex, &resp);
    assert_int_equal(resp.status, 200);
    assert_non_null(strstr(resp.body.data, "Rated Network coverage map 4/5: "
                           "\u201c&lt;b&gt;the SLA&lt;/b&gt;\nsection"
                           "\u201d"));
    assert_non_null(strstr(resp.body.data, "Rated Network coverage map 2/5: "
                           "\u201ctoo coarse\u201d"));
    assert_null(strstr(resp.body.data, "<b>the SLA"));
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);

    /* never a read: the assets' counts, the source, attribution */
    commit_rating(&w, T0 - HOUR, "feedback-mail");
    assert_int_equal(lead_query_assets(w.s, 1, &al), LEAD_OK);
    for (i = 0; i < al.n; i++) {
        people += al.rows[i].people + al.rows[i].bots;
        if (strcmp(al.rows[i].a.path, "/blog.html") == 0) {
            assert_int_equal(al.rows[i].readers, 0);
        }
    }
    assert_int_equal(people + al.untagged_people + al.untagged_bots, 1);
    lead_asset_list_free(&al);

    assert_int_equal(lead_store_find_lead(w.s, "ada@example.com", 15,
                                          copy_person, &p), LEAD_OK);
    assert_int_equal(lead_store_lead_source(w.s, &p, &src), LEAD_OK);
    assert_string_equal(src.first, "spring");

    assert_int_equal(lead_query_attribution(w.s, NULL, LEAD_BY_CAMPAIGN,
                                            LEAD_MODEL_FIRST, 0, NOW, &at),
                     LEAD_OK);
    for (i = 0; i < at.n; i++) {
        assert_true(at.rows[i].name.len != 13
                    || memcmp(at.rows[i].name.data, "feedback-mail", 13));
    }
    assert_int_equal(at.total.readers, 1);
    lead_attribution_free(&at);

    /* exported as rate lines, which rebuild them elsewhere */
    export(&w, &o);
    assert_int_equal(o.rates, 3);
    assert_int_equal(o.reads, 1);
    assert_non_null(strstr(o.json.data, "\"id\":\"" RID "-v\""));
    assert_non_null(strstr(o.json.data, "\"rating\":4,\"comment\":"
                           "\"\\u003cb\\u003ethe SLA\\u003c/b\\u003e"
                           "\\u000asection\"}"));
    assert_null(strstr(o.json.data, "\"status\""));

    world_open(&w2);
    got = ingest(&w2, o.json.data);
    assert_int_equal(got.applied, 3);
    export(&w2, &o2);
    assert_string_equal(o2.json.data, o.json.data);
    lead_buf_free(&o2.json);
    world_close(&w2);

    /* forget: the person's ratings go with its reads */
    assert_int_equal(lead_store_forget(w.s, "ada@example.com", 15, &erased),
                     LEAD_OK);
    assert_int_equal(lead_store_each_event(w.s, count_event, nev), LEAD_OK);
    assert_int_equal(nev[1], 0);
    lead_buf_free(&o.json);
    export(&w, &o);
    assert_int_equal(o.rates, 0);
    lead_buf_free(&o.json);

    world_close(&w);
}

/* Every bad rate line refused whole, with what is wrong. */
static void
test_rate_refused(void **state)
{
#define RATE(more)                                                            \
    "{\"id\":\"x-v\",\"time\":0,\"kind\":\"rate\",\"visitor\":\"" VA "\","   \
    "\"path\":\"/map.html\"" more "}"
    static const struct {
        const char  *line, *err;
    } bad[] = {
        { RATE(",\"rating\":0"), "\"rating\" is out of range (1 to 5)" },
        { RATE(",\"rating\":6"), "\"rating\" is out of range (1 to 5)" },
        { RATE(",\"rating\":\"4\""), "\"rating\" is not a whole number" },
        { RATE(""), "a rate has no \"rating\"" },
        { RATE(",\"rating\":3,\"comment\":\"a\\rb\""),
          "\"comment\" holds a control character (U+000D)" },
        { RATE(",\"rating\":3,\"comment\":\"a\\u0007\""),
          "\"comment\" holds a control character (U+0007)" },
        { RATE(",\"rating\":3,\"comment\":\"\\u202egnp.exe\""),
          "\"comment\" holds a control character (U+202E)" },
        { RATE(",\"rating\":3,\"comment\":\"\\u0000\""),
          "\"comment\" holds a control character (U+0000)" },
        { "{\"id\":\"x-v\",\"time\":0,\"kind\":\"rate\","
          "\"path\":\"/map.html\",\"rating\":3}",
          "a rate has no \"visitor\"" },
        { "{\"id\":\"x-v\",\"time\":0,\"kind\":\"rate\","
          "\"visitor\":\"" VA "\",\"rating\":3}",
          "a rate has no \"path\"" },
    };
    lead_line_parser  *p = lead_line_parser_new();
    lead_line          l;
    lead_buf           line = { 0 };
    char               err[256];
    size_t             i;

    (void) state;
    assert_non_null(p);
    for (i = 0; i < N_ELEMS(bad); i++) {
        err[0] = '\0';
        assert_int_equal(lead_line_parse(p, bad[i].line, strlen(bad[i].line),
                                         &l, err, sizeof(err)), LEAD_EINVAL);
        if (strstr(err, bad[i].err) == NULL) {
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].line, err,
                     bad[i].err);
        }
    }

    /* 1,000 characters (of three bytes each) go in; one more does not */
    for (i = 0; i < 2; i++) {
        size_t  k;

        line.len = 0;
        lead_buf_puts(&line, RATE(",\"rating\":5,\"comment\":\""));
        line.len--;                         /* the closing brace */
        line.len = strstr(line.data, "\"comment\":\"") - line.data + 11;
        for (k = 0; k < LEAD_COMMENT_MAX + i; k++) {
            lead_buf_puts(&line, "\xe2\x82\xac");   /* the euro sign */
        }
        lead_buf_puts(&line, "\"}");
        assert_false(line.oom);
        assert_int_equal(lead_line_parse(p, line.data, line.len, &l, err,
                                         sizeof(err)),
                         i ? LEAD_EINVAL : LEAD_OK);
        if (i) {
            assert_non_null(strstr(err, "\"comment\" is longer than 1000 "
                                   "characters"));
        } else {
            assert_int_equal(l.ev.comment.len, 3 * LEAD_COMMENT_MAX);
            assert_int_equal(l.ev.rating, 5);
        }
    }
    lead_buf_free(&line);
    lead_line_parser_free(p);
#undef RATE
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_rate_lines),
        cmocka_unit_test(test_rate_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
