/*
 * Feedback on content (view/lead_ratings.c, derived/lead_notes.c): the
 * ratings of events written straight to a store, each visitor's newest
 * per asset counted once; comments newest first with who wrote them;
 * sales' notes put, listed and forgotten; the reports that show them.
 */

#include "status_fixture.h"

#include <inttypes.h>
#include <sys/stat.h>

#include "lead_line.h"

static const char  fb_scoring[] = "mql_threshold 1000;\n";
static const char  fb_assets[] =
    HEADER
    "/guide,Network guide,interest,10,,gated\n"
    "/map,Network map,decision,40,,hot\n";

typedef struct {
    lead_store  *s;
    lead_rules  *rules;
} world;

typedef struct {
    char         who;
    const char  *path;
    uint64_t     dt;            /* from T0 */
    unsigned     rating;        /* 0: a read */
    const char  *comment;
    int          bot;
} given;

static void
give(world *w, const given *g, size_t n)
{
    lead_batch      *b = lead_batch_new((n + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    lead_event       ev;
    lead_committed   done;
    size_t           i;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.time_ms = T0 + g[i].dt;
        visitor_id(ev.visitor, g[i].who);
        ev.ua_class = g[i].bot ? LEAD_UA_BOT : LEAD_UA_BROWSER;
        ev.path.data = g[i].path;
        ev.path.len = strlen(g[i].path);
        ev.rating = (uint8_t) g[i].rating;
        if (g[i].comment) {
            ev.comment.data = g[i].comment;
            ev.comment.len = strlen(g[i].comment);
        }
        if (g[i].rating == 0) {
            ev.status = 200;
            ev.bytes_sent = ev.file_size = SIZE;
        }
        lead_event_set_asset(&ev, lead_rules_match(w->rules, g[i].path,
                                                   strlen(g[i].path)));
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit_bounded(w->s, b, 0, &done), LEAD_OK);
    assert_int_equal(done.stored, n);
    lead_batch_free(b);
}

#define GIVE(w, ...)                                                          \
    do {                                                                      \
        static const given  g_[] = { __VA_ARGS__ };                           \
        give(w, g_, N_ELEMS(g_));                                             \
    } while (0)

static void
world_open(void **state, world *w)
{
    char  err[512] = "";

    w->s = open_store(state);
    if (lead_rules_parse(&w->rules, "rules", fb_scoring,
                         strlen(fb_scoring), fb_assets, strlen(fb_assets),
                         err, sizeof(err))
        != LEAD_OK)
    {
        fail_msg("rules: %s", err);
    }
    assert_int_equal(lead_store_put_assets(w->s, w->rules), LEAD_OK);
}

static void
world_close(world *w)
{
    lead_store_close(w->s);
    lead_rules_free(w->rules);
}

static uint64_t
asset_of(world *w, const char *path)
{
    const lead_asset  *a = lead_rules_match(w->rules, path, strlen(path));

    assert_non_null(a);
    return a->id;
}

static int
str_is(lead_str s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.data, want, s.len) == 0;
}

/*
 * Newest per visitor replaces, the average and distribution of what is
 * left, comments newest first, who wrote them; reads are not feedback;
 * a bot's rating counts (it came with the visitor's token) and is told.
 */
static void
test_feedback_stats(void **state)
{
    world                       w;
    lead_feedback_list               f;
    const lead_feedback_asset  *map, *guide;
    uint8_t                     ada[LEAD_ID_LEN];

    world_open(state, &w);
    GIVE(&w,
         { 'a', "/map", 0, 0, NULL, 0 },                 /* a read */
         { 'a', "/map", 1 * SEC, 2, "too short", 0 },
         { 'b', "/map", 2 * SEC, 5, NULL, 0 },
         { 'c', "/map", 3 * SEC, 4, "<script>alert(1)</script>", 0 },
         { 'a', "/map", 4 * SEC, 5, "the SLA part\nis great", 0 },
         { 'z', "/map", 5 * SEC, 1, "bot says", 1 },
         { 'b', "/guide", 6 * SEC, 3, NULL, 0 });
    identify(w.s, 'a', "ada@example.com", 0, T0 + MIN, ada, 1);

    assert_int_equal(lead_query_feedback(w.s, 0, 0, &f), LEAD_OK);
    assert_int_equal(f.n, 2);
    map = lead_feedback_find(&f, asset_of(&w, "/map"));
    guide = lead_feedback_find(&f, asset_of(&w, "/guide"));
    assert_non_null(map);
    assert_non_null(guide);

    /* a's 2 replaced by its 5: 5, 5, 4, 1 */
    assert_int_equal(map->ratings, 4);
    assert_int_equal(map->bots, 1);
    assert_int_equal(map->dist[0], 1);
    assert_int_equal(map->dist[1], 0);
    assert_int_equal(map->dist[3], 1);
    assert_int_equal(map->dist[4], 2);
    assert_true(map->average > 3.74 && map->average < 3.76);
    assert_int_equal(map->comments, 3);
    assert_int_equal(map->nlatest, 3);
    assert_true(str_is(map->latest[0].comment, "bot says"));
    assert_true(map->latest[0].bot);
    assert_true(str_is(map->latest[1].comment, "the SLA part\nis great"));
    assert_true(map->latest[1].has_lead);
    assert_memory_equal(map->latest[1].lead, ada, LEAD_ID_LEN);
    assert_true(str_is(map->latest[1].who, "Someone"));
    assert_true(str_is(map->latest[2].comment, "<script>alert(1)</script>"));
    assert_false(map->latest[2].has_lead);
    assert_true(str_is(map->title, "Network map"));
    assert_true(str_is(map->path, "/map"));

    assert_int_equal(guide->ratings, 1);
    assert_int_equal(guide->dist[2], 1);
    assert_int_equal(guide->nlatest, 0);
    lead_feedback_list_free(&f);

    /* one asset, the lists' bound */
    assert_int_equal(lead_query_feedback(w.s, asset_of(&w, "/map"), 2, &f),
                     LEAD_OK);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.rows[0].nlatest, 2);
    assert_int_equal(f.rows[0].comments, 3);
    lead_feedback_list_free(&f);

    world_close(&w);
}

static int
count_note(void *arg, const lead_note *n)
{
    (void) n;
    (*(size_t *) arg)++;
    return 0;
}

static size_t
notes_count(lead_store *s, uint64_t asset)
{
    size_t  n = 0;

    assert_int_equal(lead_store_each_note(s, asset, NULL, count_note, &n),
                     LEAD_OK);
    return n;
}

/* Notes: the text's rules, put twice is one, listed, erased by forget. */
static void
test_notes(void **state)
{
    static const struct {
        const char  *in, *want;     /* want NULL: refused */
    } texts[] = {
        { "  used it in the call\r\nSLA section  ", "used it in the call\n"
                                                   "SLA section" },
        { "tab\tno", NULL },
        { "bell\a", NULL },
        { "bidi \xe2\x80\xae", NULL },
        { "bad \xff utf-8", NULL },
        { "lone\rcr", NULL },
        { "   ", "" },
        /* as a comment's text: blank characters of any kind trimmed */
        { "\xc2\xa0 \xe2\x80\x8b\n", "" },
    };
    world               w;
    lead_feedback_list       f;
    lead_erased         erased;
    uint8_t             ada[LEAD_ID_LEN];
    char                out[LEAD_NOTE_BYTES + 1], big[LEAD_NOTE_MAX + 2];
    char                id1[LEAD_ID_HEX_LEN + 3];
    uint64_t            map;
    size_t              i, n;
    int                 rc;

    for (i = 0; i < N_ELEMS(texts); i++) {
        rc = lead_note_text(texts[i].in, strlen(texts[i].in), out,
                            sizeof(out));
        if (texts[i].want == NULL) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, (int) strlen(texts[i].want));
            assert_string_equal(out, texts[i].want);
        }
    }
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(lead_note_text(big, LEAD_NOTE_MAX + 1, out, sizeof(out)),
                     -1);
    assert_int_equal(lead_note_text(big, LEAD_NOTE_MAX, out, sizeof(out)),
                     LEAD_NOTE_MAX);
    big[LEAD_NOTE_MAX] = '\n';          /* counted once trimmed */
    assert_int_equal(lead_note_text(big, LEAD_NOTE_MAX + 1, out, sizeof(out)),
                     LEAD_NOTE_MAX);

    world_open(state, &w);
    map = asset_of(&w, "/map");
    identify(w.s, 'a', "ada@example.com", 0, T0, ada, 1);

    assert_int_equal(lead_store_note_add(w.s, map, T0 + SEC, "sam", 3, NULL,
                                         "general", 7), LEAD_OK);
    assert_int_equal(lead_store_note_add(w.s, map, T0 + SEC, "sam", 3, NULL,
                                         "general", 7), LEAD_OK);
    assert_int_equal(lead_store_note_add(w.s, map, T0 + 2 * SEC, "sam", 3,
                                         ada, "about ada", 9), LEAD_OK);
    /* refused: no asset, empty, a control, who not plain */
    assert_int_equal(lead_store_note_add(w.s, 0, T0, "sam", 3, NULL, "x", 1),
                     LEAD_EINVAL);
    assert_int_equal(lead_store_note_add(w.s, map, T0, "sam", 3, NULL, "", 0),
                     LEAD_EINVAL);
    assert_int_equal(lead_store_note_add(w.s, map, T0, "sam", 3, NULL,
                                         "a\x1b[31m", 7), LEAD_EINVAL);
    assert_int_equal(lead_store_note_add(w.s, map, T0, "s\n", 2, NULL, "x",
                                         1), LEAD_EINVAL);

    n = 0;
    assert_int_equal(lead_store_each_note(w.s, map, NULL, count_note, &n),
                     LEAD_OK);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(lead_store_each_note(w.s, 0, ada, count_note, &n),
                     LEAD_OK);
    assert_int_equal(n, 1);

    assert_int_equal(lead_query_feedback(w.s, 0, 0, &f), LEAD_OK);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.rows[0].ratings, 0);
    assert_int_equal(f.rows[0].nnotes, 2);
    assert_true(str_is(f.rows[0].notes[0].text, "about ada"));  /* newest */
    assert_true(f.rows[0].notes[0].has_lead);
    assert_true(str_is(f.rows[0].notes[1].who, "sam"));
    assert_true(str_is(f.rows[0].notes[1].path, "/map"));
    lead_note_line_id(&f.rows[0].notes[1], id1);
    assert_int_equal(strlen(id1), LEAD_ID_HEX_LEN + 2);
    assert_string_equal(id1 + LEAD_ID_HEX_LEN, "-n");
    lead_feedback_list_free(&f);

    /* forget: the note taken on her page goes, the other stays */
    assert_int_equal(lead_store_forget(w.s, "ada@example.com", 15, &erased),
                     LEAD_OK);
    n = 0;
    assert_int_equal(lead_store_each_note(w.s, map, NULL, count_note, &n),
                     LEAD_OK);
    assert_int_equal(n, 1);

    world_close(&w);
}

/* The reports: leadctl's and the sales view's, every string escaped. */
static void
test_feedback_reports(void **state)
{
    world                w;
    lead_report_request  rq;
    lead_buf             out;

    world_open(state, &w);
    GIVE(&w,
         { 'a', "/map", 0, 0, NULL, 0 },
         { 'a', "/map", SEC, 4, "<script>alert(1)</script>, \"=1+1\"", 0 },
         { 'b', "/map", 2 * SEC, 5, NULL, 0 });
    assert_int_equal(lead_store_note_add(w.s, asset_of(&w, "/map"),
                                         T0 + 3 * SEC, "sam", 3, NULL,
                                         "=cmd|' /C calc'!A0", 18), LEAD_OK);

    memset(&rq, 0, sizeof(rq));
    rq.rules = w.rules;
    rq.now_ms = T0 + DAY;
    rq.what = LEAD_REPORT_ASSETS;
    rq.feedback = 1;
    memset(&out, 0, sizeof(out));

    rq.format = LEAD_REPORT_TEXT;
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_OK);
    assert_non_null(strstr(out.data, "      2     4.5        1     1  /map"));
    lead_buf_free(&out);

    rq.format = LEAD_REPORT_JSON;
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_OK);
    assert_non_null(strstr(out.data, "\"ratings\":2,\"average\":4.50,"
                                     "\"distribution\":[0,0,0,1,1],"
                                     "\"comments\":1,\"notes\":1,"
                                     "\"latest\":[{\"time\":"));
    assert_null(strstr(out.data, "<script>"));
    lead_buf_free(&out);

    rq.format = LEAD_REPORT_CSV;
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_OK);
    /* (reads: the score engineer's branch stops counting feedback) */
    assert_non_null(strstr(out.data, ",/map,Network map,"));
    assert_non_null(strstr(out.data, ",0,2,4.50,1,1\r\n"));
    lead_buf_free(&out);

    rq.feedback = 0;
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_EINVAL);
    lead_buf_free(&out);

    rq.what = LEAD_REPORT_FEEDBACK;
    rq.who = "/map";
    rq.format = LEAD_REPORT_JSON;
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_OK);
    assert_null(strstr(out.data, "<script>"));
    assert_non_null(strstr(out.data, "\\u003cscript"));
    assert_non_null(strstr(out.data, "\"distribution\":[0,0,0,1,1]"));
    assert_non_null(strstr(out.data, "\"who\":\"sam\""));
    lead_buf_free(&out);

    rq.format = LEAD_REPORT_TEXT;
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_OK);
    assert_non_null(strstr(out.data, "ratings: 2, average 4.5"));
    assert_non_null(strstr(out.data, "a visitor"));
    lead_buf_free(&out);

    /* by its hex id too; an unknown asset is not found */
    rq.who = "0000000000000000";
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_ENOTFOUND);
    lead_buf_free(&out);
    rq.who = "/nowhere";
    assert_int_equal(lead_report(&out, w.s, &rq), LEAD_ENOTFOUND);
    lead_buf_free(&out);

    world_close(&w);
}

/* ---- notes as lines ---------------------------------------------------- */

typedef struct {
    lead_buf  json;             /* note lines, one a line */
    size_t    n;
} lines;

static int
keep_note_line(void *arg, const lead_line *l)
{
    lines  *k = arg;

    if (l->kind == LEAD_LINE_NOTE) {
        lead_line_json(&k->json, l);
        lead_buf_puts(&k->json, "\n");
        k->n++;
    }
    return 0;
}

static void
ingest_lines(lead_store *s, const lead_rules *r, const char *text,
    size_t want_applied, size_t want_dup, size_t want_refused)
{
    lead_line_parser  *p = lead_line_parser_new();
    lead_ingest       *in;
    lead_ingested      got;
    lead_line          l;
    const char        *nl;
    char               err[256];

    assert_non_null(p);
    assert_int_equal(lead_ingest_new(&in, s, r), LEAD_OK);
    for (; *text; text = nl + 1) {
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
    assert_int_equal(lead_ingest_commit(in, T0 + DAY, &got, NULL, NULL),
                     LEAD_OK);
    assert_int_equal(got.applied, want_applied);
    assert_int_equal(got.duplicates, want_dup);
    assert_int_equal(got.refused, want_refused);
    lead_ingest_free(in);
    lead_line_parser_free(p);
}

/* export writes each note as a note line; ingest of them, twice, is the
   same notes, and they export as the same lines; a bad one is refused */
static void
test_note_lines(void **state)
{
    world             w;
    lead_store       *b;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    lead_line_parser *p;
    lead_line         l;
    lines             a, again;
    uint8_t           ada[LEAD_ID_LEN];
    char              dir[128], path[160], err[256];
    uint64_t          map;

    world_open(state, &w);
    map = asset_of(&w, "/map");
    identify(w.s, 'a', "ada@example.com", 0, T0, ada, 1);
    assert_int_equal(lead_store_note_add(w.s, map, T0 + SEC, "sam", 3, NULL,
                                         "<b>bold</b>\n\"quoted\"", 20),
                     LEAD_OK);
    assert_int_equal(lead_store_note_add(w.s, map, T0 + 2 * SEC, "Zoë", 4,
                                         ada, "about ada", 9), LEAD_OK);

    memset(&a, 0, sizeof(a));
    assert_int_equal(lead_store_each_line(w.s, 0, 0, keep_note_line, &a),
                     LEAD_OK);
    assert_int_equal(a.n, 2);
    assert_non_null(strstr(a.json.data, "\"kind\":\"note\",\"asset\":\""));
    assert_non_null(strstr(a.json.data, "\"path\":\"/map\",\"who\":\"sam\","
                                        "\"comment\":\"\\u003cb\\u003ebold"));
    assert_non_null(strstr(a.json.data, "-n\",\"time\":"));

    /* a window leaves the first out */
    memset(&again, 0, sizeof(again));
    assert_int_equal(lead_store_each_line(w.s, T0 + 2 * SEC, 0,
                                          keep_note_line, &again), LEAD_OK);
    assert_int_equal(again.n, 1);
    lead_buf_free(&again.json);

    /* into a second store, twice */
    snprintf(dir, sizeof(dir), "%s/b", dir_of(state));
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(lead_store_open(&b, dir, &opts, err, sizeof(err)),
                     LEAD_OK);
    assert_int_equal(lead_store_put_assets(b, w.rules), LEAD_OK);
    ingest_lines(b, w.rules, a.json.data, 2, 0, 0);
    ingest_lines(b, w.rules, a.json.data, 0, 2, 0);
    assert_int_equal(notes_count(b, map), 2);
    memset(&again, 0, sizeof(again));
    assert_int_equal(lead_store_each_line(b, 0, 0, keep_note_line, &again),
                     LEAD_OK);
    assert_string_equal(again.json.data, a.json.data);
    lead_buf_free(&again.json);

    /* refused whole: no asset, no text, a control in it */
    p = lead_line_parser_new();
    assert_non_null(p);
#define BAD(text)                                                             \
    assert_int_equal(lead_line_parse(p, text, strlen(text), &l, err,         \
                                     sizeof(err)), LEAD_EINVAL)
    BAD("{\"id\":\"x-n\",\"time\":1,\"kind\":\"note\",\"comment\":\"x\"}");
    BAD("{\"id\":\"x-n\",\"time\":1,\"kind\":\"note\","
        "\"asset\":\"00000000000000ff\"}");
    BAD("{\"id\":\"x-n\",\"time\":1,\"kind\":\"note\","
        "\"asset\":\"00000000000000ff\",\"comment\":\"a\\u001bb\"}");
#undef BAD
    lead_line_parser_free(p);
    /* blank text, once trimmed: refused as it applies, nothing stored */
    ingest_lines(b, w.rules, "{\"id\":\"y-n\",\"time\":1,\"kind\":\"note\","
                 "\"asset\":\"00000000000000ff\",\"comment\":\"  \"}\n",
                 0, 0, 1);
    assert_int_equal(notes_count(b, 0xff), 0);

    lead_store_close(b);
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
    lead_buf_free(&a.json);
    world_close(&w);
}

/* ---- the sales view ---------------------------------------------------- */

static const uint8_t    fb_secret[LEAD_SECRET_MIN_LEN] =
    "0123456789abcdef0123456789abcde";
static const lead_keys  fb_keys = {
    { { (const char *) fb_secret, sizeof(fb_secret) } }, 1
};

typedef struct {
    lead_sales_request   req;
    lead_sales_response  resp;
    char                 path[128];
} call;

static void
serve(world *w, lead_sales *app, call *c, int post, const char *path,
    const char *query, const char *body, const char *user, char browser)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->path, sizeof(c->path), "%s", path);
    c->req.post = post;
    c->req.path = (lead_str) { c->path, strlen(c->path) };
    c->req.query = (lead_str) { query, strlen(query) };
    c->req.body = (lead_str) { body, strlen(body) };
    c->req.base = (lead_str) { "/sales/", 7 };
    c->req.user = (lead_str) { user, strlen(user) };
    c->req.keys = &fb_keys;
    visitor_id(c->req.browser, browser);
    c->req.browser_known = browser != 0;
    c->req.now_ms = T0 + DAY;
    lead_sales_serve(app, w->s, w->rules, &c->req, &c->resp);
    assert_false(c->resp.body.oom);
}

static void
call_done(call *c)
{
    lead_buf_free(&c->resp.body);
    lead_buf_free(&c->resp.location);
}

static const char *
page(call *c)
{
    return c->resp.body.data ? c->resp.body.data
                             : c->resp.location.data ? c->resp.location.data
                                                     : "";
}

static size_t
notes_of(world *w, uint64_t asset)
{
    size_t  n = 0;

    assert_int_equal(lead_store_each_note(w->s, asset, NULL, count_note, &n),
                     LEAD_OK);
    return n;
}

static void
expect(world *w, lead_sales *app, int post, const char *path,
    const char *body, const char *user, char browser, int want,
    const char *says)
{
    call  c;

    serve(w, app, &c, post, path, "", body, user, browser);
    if (c.resp.status != want || strstr(page(&c), says) == NULL) {
        FILE *f = fopen("/tmp/f27v_page.html", "w");

        fputs(page(&c), f);
        fclose(f);
        fail_msg("%s %s: %d, want %d \"%s\"", path, body, c.resp.status,
                 want, says);
    }
    call_done(&c);
}

#define EXPECT  expect

/*
 * The asset page and its JSON, the Content page's ratings, notes posted
 * on an asset's page and a lead's with the token, refused without one
 * or with another user's, every visitor's string inert.
 */
static void
test_feedback_sales(void **state)
{
    world        w;
    lead_sales  *app;
    uint8_t      ada[LEAD_ID_LEN];
    char         err[256], token[LEAD_TOKEN_LEN + 1];
    char         other[LEAD_TOKEN_LEN + 1];
    char         path[64], lpath[64], body[512], hex[LEAD_ID_HEX_LEN + 1];
    uint8_t      browser[LEAD_ID_LEN];
    uint64_t     map;

    world_open(state, &w);
    assert_int_equal(lead_sales_new(&app, err, sizeof(err)), LEAD_OK);
    GIVE(&w,
         { 'a', "/map", 0, 0, NULL, 0 },
         { 'a', "/map", SEC, 4, "<script>alert(1)</script>", 0 },
         { 'b', "/map", 2 * SEC, 5, NULL, 0 });
    identify(w.s, 'a', "ada@example.com", 0, T0 + MIN, ada, 1);
    map = asset_of(&w, "/map");
    snprintf(path, sizeof(path), "asset/%016" PRIx64, map);
    lead_id_to_hex(ada, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    snprintf(lpath, sizeof(lpath), "lead/%s", hex);

    visitor_id(browser, 's');
    lead_sales_token(&fb_keys, browser, "sam", 3, token);
    token[LEAD_TOKEN_LEN] = '\0';
    lead_sales_token(&fb_keys, browser, "pat", 3, other);
    other[LEAD_TOKEN_LEN] = '\0';

    /* the pages: ratings, the comment escaped, the Content page's row */
    EXPECT(&w, app, 0, path, "", "sam", 's', 200, "&lt;script&gt;alert(1)");
    EXPECT(&w, app, 0, path, "", "sam", 's', 200, ">4.5</span> ★ average");
    EXPECT(&w, app, 0, path, "", "sam", 's', 200, "Someone</a>");
    EXPECT(&w, app, 0, "attribution", "", "sam", 's', 200, "4.5 ★ (2)");
    snprintf(body, sizeof(body), "%s.json", path);
    EXPECT(&w, app, 0, body, "", "sam", 's', 200,
           "\"comment\":\"\\u003cscript\\u003ealert(1)");
    EXPECT(&w, app, 0, "asset/00000000000000ff", "", "sam", 's', 404,
           "No such asset");

    /* refused: no token, another user's, no cookie, empty, a control */
    EXPECT(&w, app, 1, path, "note=hello", "sam", 's', 403, "Nothing");
    snprintf(body, sizeof(body), "token=%s&note=hello", other);
    EXPECT(&w, app, 1, path, body, "sam", 's', 403, "Nothing");
    snprintf(body, sizeof(body), "token=%s&note=hello", token);
    EXPECT(&w, app, 1, path, body, "sam", 0, 403, "Nothing");
    snprintf(body, sizeof(body), "token=%s&note=+", token);
    EXPECT(&w, app, 1, path, body, "sam", 's', 422, "Write the note");
    snprintf(body, sizeof(body), "token=%s&note=a%%1Bb", token);
    EXPECT(&w, app, 1, path, body, "sam", 's', 422, "plain text");
    snprintf(body, sizeof(body), "token=%s&note=x", token);
    EXPECT(&w, app, 1, "asset/00000000000000ff", body, "sam", 's', 404,
           "No such asset");
    assert_int_equal(notes_of(&w, map), 0);

    /* kept, with who; inert on the page */
    snprintf(body, sizeof(body), "token=%s&note=%%3Cscript%%3Ealert(2)"
             "%%3C%%2Fscript%%3E%%0D%%0Asecond+line", token);
    EXPECT(&w, app, 1, path, body, "sam", 's', 303, "?done=note");
    assert_int_equal(notes_of(&w, map), 1);
    EXPECT(&w, app, 0, path, "", "sam", 's', 200,
           "&lt;script&gt;alert(2)&lt;/script&gt;\nsecond line");
    EXPECT(&w, app, 0, path, "", "sam", 's', 200, "<strong>sam</strong>");

    /* on the lead's page: the form lists what she read; token checked */
    EXPECT(&w, app, 0, lpath, "", "sam", 's', 200, "<option value=\"");
    snprintf(body, sizeof(body), "asset=%016" PRIx64 "&note=hi", map);
    EXPECT(&w, app, 1, lpath, body, "sam", 's', 403, "Nothing");
    snprintf(body, sizeof(body), "token=%s&asset=%016" PRIx64 "&note=hi",
             other, map);
    EXPECT(&w, app, 1, lpath, body, "sam", 's', 403, "Nothing");
    snprintf(body, sizeof(body), "token=%s&asset=00000000000000ff&note=hi",
             token);
    EXPECT(&w, app, 1, lpath, body, "sam", 's', 404, "no such asset");
    snprintf(body, sizeof(body), "token=%s&asset=&note=hi", token);
    EXPECT(&w, app, 1, lpath, body, "sam", 's', 422, "Choose the content");
    assert_int_equal(notes_of(&w, map), 1);
    snprintf(body, sizeof(body), "token=%s&asset=%016" PRIx64
             "&note=wanted+the+SLA", token, map);
    EXPECT(&w, app, 1, lpath, body, "sam", 's', 303, "?done=note");
    assert_int_equal(notes_of(&w, map), 2);
    EXPECT(&w, app, 0, lpath, "", "sam", 's', 200, "wanted the SLA");
    EXPECT(&w, app, 0, path, "", "sam", 's', 200,
           "on <a href=\"/sales/lead/");

    lead_sales_free(app);
    world_close(&w);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_feedback_stats),
        T(test_notes),
        T(test_feedback_reports),
        T(test_note_lines),
        T(test_feedback_sales),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
