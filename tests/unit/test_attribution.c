/*
 * Attribution on hand-made histories (lead_attribution.c), and the
 * assets' counts of what came before an identification or an MQL
 * (lead_assets.c): the read that triggers either is credited.
 */

#include "status_fixture.h"

static const char  attr_scoring[] = "mql_threshold 1000;\n";
static const char  attr_assets[] =
    HEADER
    "/blog,Fibre blog,awareness,5,,open\n"
    "/guide,Network guide,interest,10,,gated\n"
    "/map,Network map,decision,40,,hot\n";

typedef struct {
    lead_store  *s;
    lead_rules  *rules;
} world;

typedef struct {
    char         who;
    const char  *path;
    uint64_t     dt;                /* from T0 */
    const char  *campaign;          /* utm_campaign, or NULL */
    const char  *source, *medium;   /* utm_source, _medium, or NULL */
    const char  *referrer;          /* its host, or NULL */
    int          bot;
} visit;

static void
set_str(lead_str *s, const char *v)
{
    s->data = v;
    s->len = v ? strlen(v) : 0;
}

static void
visit_event(world *w, const visit *v, lead_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->time_ms = T0 + v->dt;
    visitor_id(ev->visitor, v->who);
    ev->status = 200;
    ev->ua_class = v->bot ? LEAD_UA_BOT : LEAD_UA_BROWSER;
    ev->bytes_sent = SIZE;
    ev->file_size = SIZE;
    set_str(&ev->path, v->path);
    set_str(&ev->utm_campaign, v->campaign);
    set_str(&ev->utm_source, v->source);
    set_str(&ev->utm_medium, v->medium);
    set_str(&ev->referrer_host, v->referrer);
    lead_event_set_asset(ev, lead_rules_match(w->rules, v->path,
                                              strlen(v->path)));
}

/* The visits committed as one batch and folded (promoted) as nginx does;
   rating: what each rated (feedback), NULL: they are reads. */
static void
read_visits_rated(world *w, const visit *v, size_t n, uint64_t now_ms,
    const unsigned *rating, const char *const *comment)
{
    lead_batch  *b = lead_batch_new((n + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    lead_event   ev;
    size_t       i;
    int          more;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        visit_event(w, &v[i], &ev);
        if (rating != NULL) {
            ev.rating = (uint8_t) rating[i];
            set_str(&ev.comment, comment[i]);
        }
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    do {
        assert_int_equal(lead_store_fold(w->s, w->rules, now_ms, 10000, NULL,
                                         NULL, &more), LEAD_OK);
    } while (more);
    lead_batch_free(b);
}

static void
read_visits(world *w, const visit *v, size_t n, uint64_t now_ms)
{
    read_visits_rated(w, v, n, now_ms, NULL, NULL);
}

#define READ(w, now, ...)                                                     \
    do {                                                                      \
        static const visit  v_[] = { __VA_ARGS__ };                           \
        read_visits(w, v_, N_ELEMS(v_), now);                                 \
    } while (0)

static void
world_open(void **state, world *w)
{
    char  err[512] = "";

    w->s = open_store(state);
    if (lead_rules_parse(&w->rules, "rules", attr_scoring,
                         strlen(attr_scoring), attr_assets,
                         strlen(attr_assets), err, sizeof(err))
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

static void
close_won(lead_store *s, const uint8_t lead[LEAD_ID_LEN], uint64_t at,
    int64_t amount, const char *currency)
{
    lead_outcome  o;

    memset(&o, 0, sizeof(o));
    o.amount = amount;
    snprintf(o.currency, sizeof(o.currency), "%s", currency);
    o.closed_ms = at;
    assert_int_equal(lead_store_close_deal(s, lead, WON, at, &o, "sam", ""),
                     LEAD_OK);
}

/*
 * Ada: a blog post from a LinkedIn campaign, the guide's gate sends her
 * to the form, the form back to the guide, the network map's hot read
 * makes her an MQL; sales accept, qualify and win 12,000.50 EUR.
 */
static void
canonical_journey(world *w, uint8_t ada[LEAD_ID_LEN])
{
    READ(w, T0 + MIN,
         { 'a', "/blog", 0, "q4-fibre", "linkedin", "social",
           "www.linkedin.com", 0 },
         { 'z', "/map", 10 * SEC, NULL, NULL, NULL, NULL, 1 });
    identify(w->s, 'a', "ada@example.com", 0, T0 + MIN, ada, 1);
    READ(w, T0 + 2 * HOUR,
         { 'a', "/guide", MIN + 2 * SEC, NULL, NULL, NULL, NULL, 0 },
         { 'a', "/map", HOUR, NULL, NULL, NULL, NULL, 0 });
    expect_status(w->s, ada, MQL, T0 + HOUR);
    set_status_ok(w->s, ada, SAL, T0 + 2 * HOUR, "", "sam", "");
    set_status_ok(w->s, ada, SQL, T0 + 3 * HOUR, "", "sam", "");
    close_won(w->s, ada, T0 + 4 * HOUR, 1200050, "EUR");
}

static const lead_asset_stats *
asset_row(const lead_asset_list *l, const char *title)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        if (strcmp(l->rows[i].a.title, title) == 0) {
            return &l->rows[i];
        }
    }
    fail_msg("no asset \"%s\"", title);
    return NULL;
}

/* The bug: the read that made the MQL and the gate that led to the form
   were not credited (a strict "<", and the read back from the form). */
static void
test_assets_credit_triggers(void **state)
{
    lead_asset_list   l;
    uint8_t           ada[LEAD_ID_LEN];
    world             w;

    world_open(state, &w);
    canonical_journey(&w, ada);

    assert_int_equal(lead_query_assets(w.s, 1, &l), LEAD_OK);
    assert_int_equal(asset_row(&l, "Network map")->before_mql, 1);
    assert_int_equal(asset_row(&l, "Network map")->before_identified, 0);
    assert_int_equal(asset_row(&l, "Network map")->bots, 1);
    assert_int_equal(asset_row(&l, "Network guide")->before_identified, 1);
    assert_int_equal(asset_row(&l, "Network guide")->before_mql, 1);
    assert_int_equal(asset_row(&l, "Fibre blog")->before_identified, 1);
    lead_asset_list_free(&l);

    world_close(&w);
}

static const lead_attribution_row *
attr_row(const lead_attribution *a, const char *name)
{
    size_t  i;

    for (i = 0; i < a->n; i++) {
        if (a->rows[i].name.len == strlen(name)
            && memcmp(a->rows[i].name.data, name, a->rows[i].name.len) == 0)
        {
            return &a->rows[i];
        }
    }
    fail_msg("no row \"%s\"", name);
    return NULL;
}

static void
query(world *w, int by, int model, uint64_t since, uint64_t now,
    lead_attribution *a)
{
    if (lead_query_attribution(w->s, w->rules, by, model, since, now, a)
        != LEAD_OK)
    {
        fail_msg("attribution: %s", lead_store_errmsg(w->s));
    }
}

/* By asset, last touch, over the journey's day: its three rows. */
static void
journey_rows(world *w, lead_attribution *a, const lead_attribution_row **map,
    const lead_attribution_row **guide, const lead_attribution_row **blog)
{
    query(w, LEAD_BY_ASSET, LEAD_MODEL_LAST, 0, T0 + DAY, a);
    *map = attr_row(a, "Network map");
    *guide = attr_row(a, "Network guide");
    *blog = attr_row(a, "Fibre blog");
}

static void
test_attribution_by_asset(void **state)
{
    const lead_attribution_row  *map, *guide, *blog;
    lead_attribution             a;
    uint8_t                      ada[LEAD_ID_LEN];
    world                        w;

    world_open(state, &w);
    canonical_journey(&w, ada);

    journey_rows(&w, &a, &map, &guide, &blog);

    /* the map made the MQL, the guide's gate the identification */
    assert_int_equal(map->mqls, 1);
    assert_int_equal(map->identified, 0);
    assert_int_equal(guide->identified, 1);
    assert_int_equal(guide->mqls, 0);
    assert_int_equal(blog->identified, 0);
    assert_int_equal(map->readers, 1);           /* the bot apart */
    assert_int_equal(map->bots, 1);
    assert_true(map->sal == 1 && map->sql == 1 && map->won == 1);
    assert_true(blog->sal == 1 && blog->won == 1 && blog->lost == 0);

    /* first: the blog; last before mql: the map; linear: to the cent */
    assert_int_equal(blog->revenue[LEAD_MODEL_FIRST], 1200050);
    assert_int_equal(map->revenue[LEAD_MODEL_FIRST], 0);
    assert_int_equal(map->revenue[LEAD_MODEL_LAST], 1200050);
    assert_int_equal(blog->revenue[LEAD_MODEL_LAST], 0);
    assert_int_equal(blog->revenue[LEAD_MODEL_LINEAR], 400017);
    assert_int_equal(guide->revenue[LEAD_MODEL_LINEAR], 400017);
    assert_int_equal(map->revenue[LEAD_MODEL_LINEAR], 400016);
    assert_int_equal(a.total.revenue[LEAD_MODEL_LINEAR], 1200050);
    assert_int_equal(a.revenue, 1200050);
    assert_string_equal(a.currency, "EUR");

    /* sorted by the model asked for */
    assert_ptr_equal(&a.rows[0], map);
    assert_int_equal(map->revenue_model, 1200050);
    lead_attribution_free(&a);

    world_close(&w);
}

/*
 * The journey among 40 other readers of the blog, their reads between
 * Ada's: her reads wait behind theirs for their visitors' slots
 * (lead_attribution.c reads ahead), and are credited as alone.
 */
static void
test_attribution_many_readers(void **state)
{
    const lead_attribution_row  *map, *guide, *blog;
    lead_attribution             a;
    uint8_t                      ada[LEAD_ID_LEN];
    visit                        v[40];
    world                        w;
    size_t                       i;

    world_open(state, &w);
    memset(v, 0, sizeof(v));
    for (i = 0; i < N_ELEMS(v); i++) {
        v[i].who = (char) ('0' + i);           /* not Ada's 'a' */
        v[i].path = "/blog";
        v[i].dt = 2 * SEC + i * SEC;
    }
    read_visits(&w, v, N_ELEMS(v), T0);
    canonical_journey(&w, ada);

    journey_rows(&w, &a, &map, &guide, &blog);
    assert_int_equal(blog->readers, 41);
    assert_int_equal(guide->identified, 1);
    assert_int_equal(map->mqls, 1);
    assert_int_equal(map->readers, 1);
    assert_true(blog->sal == 1 && blog->won == 1);
    assert_int_equal(blog->revenue[LEAD_MODEL_FIRST], 1200050);
    assert_int_equal(map->revenue[LEAD_MODEL_LAST], 1200050);
    assert_int_equal(blog->revenue[LEAD_MODEL_LINEAR], 400017);
    assert_int_equal(map->revenue[LEAD_MODEL_LINEAR], 400016);
    lead_attribution_free(&a);

    world_close(&w);
}

/*
 * Readers are people a row, whatever their reads' order: a visitor going
 * back and forth between rows counts once in each, a read before the
 * window in none, and an untagged read is no asset's.
 */
static void
test_attribution_readers_once(void **state)
{
    static const visit  v[] = {
        { 'x', "/map", 0, NULL, NULL, NULL, NULL, 0 },
        { 'x', "/blog", 2 * HOUR, "spring", NULL, NULL, NULL, 0 },
        { 'x', "/guide", 2 * HOUR + SEC, NULL, NULL, NULL, NULL, 0 },
        { 'x', "/blog", 2 * HOUR + 2 * SEC, "spring", NULL, NULL, NULL, 0 },
        { 'y', "/blog", 2 * HOUR + 3 * SEC, NULL, NULL, NULL, NULL, 0 },
        { 'x', "/blog", 2 * HOUR + 4 * SEC, NULL, NULL, NULL, NULL, 0 },
        { 'x', "/about", 2 * HOUR + 5 * SEC, NULL, NULL, NULL, NULL, 0 },
        { 'y', "/blog", 2 * HOUR + 6 * SEC, "spring", NULL, NULL, NULL, 0 },
    };
    lead_attribution  a;
    world             w;
    size_t            i;

    world_open(state, &w);
    read_visits(&w, v, N_ELEMS(v), T0 + DAY);

    query(&w, LEAD_BY_ASSET, LEAD_MODEL_LAST, T0 + HOUR, T0 + DAY, &a);
    assert_int_equal(attr_row(&a, "Fibre blog")->readers, 2);
    assert_int_equal(attr_row(&a, "Network guide")->readers, 1);
    for (i = 0; i < a.n; i++) {                /* read before it only */
        assert_false(a.rows[i].name.len == 11
                     && memcmp(a.rows[i].name.data, "Network map", 11) == 0);
    }
    assert_int_equal(a.total.readers, 3);
    lead_attribution_free(&a);

    query(&w, LEAD_BY_CAMPAIGN, LEAD_MODEL_LAST, T0 + HOUR, T0 + DAY, &a);
    assert_int_equal(attr_row(&a, "spring")->readers, 2);
    assert_int_equal(attr_row(&a, "(none)")->readers, 2);
    lead_attribution_free(&a);

    world_close(&w);
}

static void
test_attribution_by_campaign_and_channel(void **state)
{
    const lead_attribution_row  *r;
    lead_attribution             a;
    uint8_t                      ada[LEAD_ID_LEN];
    world                        w;

    world_open(state, &w);
    canonical_journey(&w, ada);

    /* the campaign of the first read is the only touch: all is its */
    query(&w, LEAD_BY_CAMPAIGN, LEAD_MODEL_FIRST, 0, T0 + DAY, &a);
    r = attr_row(&a, "q4-fibre");
    assert_true(r->identified == 1 && r->mqls == 1 && r->won == 1);
    assert_int_equal(r->revenue[LEAD_MODEL_FIRST], 1200050);
    assert_int_equal(r->revenue[LEAD_MODEL_LAST], 1200050);
    assert_int_equal(r->revenue[LEAD_MODEL_LINEAR], 1200050);
    assert_int_equal(attr_row(&a, "(none)")->mqls, 0);
    lead_attribution_free(&a);

    query(&w, LEAD_BY_CHANNEL, LEAD_MODEL_LINEAR, 0, T0 + DAY, &a);
    r = attr_row(&a, "linkedin/social");
    assert_true(r->identified == 1 && r->mqls == 1);
    assert_int_equal(r->revenue[LEAD_MODEL_LINEAR], 1200050);
    lead_attribution_free(&a);

    world_close(&w);
}

/*
 * A browser two people used: Ada identified on it, then Bob.  Each read
 * is the lead's whose link was in force then, the one before Bob's link
 * Ada's; Bob's first read after it is his source.
 */
static void
test_attribution_shared_device(void **state)
{
    const lead_attribution_row  *spring, *summer, *none;
    lead_attribution             a;
    uint8_t                      ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];
    world                        w;

    world_open(state, &w);
    READ(&w, T0 + MIN,
         { 'a', "/blog", 0, "spring", NULL, NULL, NULL, 0 },
         { 'b', "/blog", SEC, NULL, NULL, NULL, NULL, 0 });
    identify(w.s, 'a', "ada@example.com", 0, T0 + MIN, ada, 1);
    identify(w.s, 'b', "ada@example.com", 0, T0 + 2 * MIN, ada, 0);
    identify(w.s, 'a', "bob@example.com", 0, T0 + HOUR, bob, 1);
    READ(&w, T0 + 4 * HOUR,
         { 'a', "/guide", 2 * HOUR, "summer", NULL, NULL, NULL, 0 },
         { 'a', "/map", 3 * HOUR, NULL, NULL, NULL, NULL, 0 },
         { 'b', "/map", 3 * HOUR + SEC, NULL, NULL, NULL, NULL, 0 });
    expect_status(w.s, bob, MQL, T0 + 3 * HOUR);
    set_status_ok(w.s, bob, SAL, T0 + 4 * HOUR, "", "sam", "");
    set_status_ok(w.s, bob, SQL, T0 + 4 * HOUR, "", "sam", "");
    close_won(w.s, bob, T0 + 4 * HOUR, 1000, "EUR");

    query(&w, LEAD_BY_CAMPAIGN, LEAD_MODEL_FIRST, 0, T0 + DAY, &a);
    spring = attr_row(&a, "spring");
    summer = attr_row(&a, "summer");
    none = attr_row(&a, "(none)");
    assert_int_equal(a.total.identified, 2);
    assert_true(spring->identified == 1 && spring->mqls == 1);
    assert_true(summer->identified == 0 && summer->mqls == 1);
    assert_true(spring->won == 0 && summer->won == 1);
    assert_int_equal(summer->revenue[LEAD_MODEL_FIRST], 1000);
    assert_int_equal(summer->revenue[LEAD_MODEL_LINEAR], 1000);
    assert_true(spring->readers == 1 && summer->readers == 1);
    assert_int_equal(none->readers, 2);
    lead_attribution_free(&a);

    world_close(&w);
}

/* Linear to the cent over many reads; lost, sales' own and the window. */
static void
test_attribution_linear_and_window(void **state)
{
    const lead_attribution_row  *blog, *map, *guide;
    lead_attribution             a;
    uint8_t                      ada[LEAD_ID_LEN], bob[LEAD_ID_LEN],
                                 cy[LEAD_ID_LEN];
    world                        w;

    world_open(state, &w);

    /* Bob: seven reads, then a deal of 100.00 (7 shares of 14.28 and 4) */
    identify(w.s, 'b', "bob@example.com", 1, T0, bob, 1);
    READ(&w, T0 + DAY,
         { 'b', "/blog", MIN, NULL, NULL, NULL, "news.example", 0 },
         { 'b', "/guide", 2 * MIN, NULL, NULL, NULL, NULL, 0 },
         { 'b', "/blog", 3 * MIN, NULL, NULL, NULL, NULL, 0 },
         { 'b', "/map", 4 * MIN, NULL, NULL, NULL, NULL, 0 },
         { 'b', "/guide", 5 * MIN, NULL, NULL, NULL, NULL, 0 },
         { 'b', "/blog", 6 * MIN, NULL, NULL, NULL, NULL, 0 },
         { 'b', "/map", 7 * MIN, NULL, NULL, NULL, NULL, 0 },
         { 'b', "/map", 3 * DAY, NULL, NULL, NULL, NULL, 0 });
    set_status_ok(w.s, bob, SAL, T0 + HOUR, "", "sam", "");
    set_status_ok(w.s, bob, SQL, T0 + 2 * HOUR, "", "sam", "");
    close_won(w.s, bob, T0 + 2 * DAY, 10000, "EUR");

    /* Cy: sales' own, never read anything; Ada: lost */
    identify(w.s, 'c', "cy@example.com", 1, T0, cy, 1);
    set_status_ok(w.s, cy, SAL, T0 + HOUR, "", "sam", "");
    set_status_ok(w.s, cy, SQL, T0 + 2 * HOUR, "", "sam", "");
    close_won(w.s, cy, T0 + 2 * DAY, 5000, "EUR");
    identify(w.s, 'a', "ada@example.com", 1, T0, ada, 1);
    READ(&w, T0 + DAY, { 'a', "/map", 10 * MIN, NULL, NULL, NULL, NULL, 0 });
    {
        lead_outcome  lost = { 0, "", 0 };

        set_status_ok(w.s, ada, SAL, T0 + HOUR, "", "sam", "");
        assert_int_equal(lead_store_close_deal(w.s, ada, LOST, T0 + 5 * HOUR,
                                               &lost, "sam", "no budget"),
                         LEAD_OK);
    }

    query(&w, LEAD_BY_ASSET, LEAD_MODEL_LINEAR, 0, T0 + 10 * DAY, &a);
    blog = attr_row(&a, "Fibre blog");
    guide = attr_row(&a, "Network guide");
    map = attr_row(&a, "Network map");
    /* 10000 / 7 = 1428 r 4: the first four reads take a cent more; the
       read after the deal takes nothing */
    assert_int_equal(blog->revenue[LEAD_MODEL_LINEAR], 1429 * 2 + 1428);
    assert_int_equal(guide->revenue[LEAD_MODEL_LINEAR], 1429 + 1428);
    assert_int_equal(map->revenue[LEAD_MODEL_LINEAR], 1429 + 1428);
    assert_int_equal(a.total.revenue[LEAD_MODEL_LINEAR], 10000);
    assert_int_equal(a.revenue, 15000);
    assert_int_equal(a.unattributed, 5000);
    assert_int_equal(a.won_leads, 2);
    /* an mql before any read: last touch is the last read by the deal */
    assert_int_equal(map->revenue[LEAD_MODEL_LAST], 10000);
    assert_int_equal(blog->revenue[LEAD_MODEL_FIRST], 10000);
    /* Ada's lost deal: the map influenced it, after her mql at the form */
    assert_int_equal(map->lost, 1);
    assert_int_equal(map->mqls, 0);
    assert_int_equal(a.total.lost, 1);
    assert_int_equal(a.total.won, 2);
    lead_attribution_free(&a);

    /* the window: the deals closed at T0 + 2d, before it */
    query(&w, LEAD_BY_ASSET, LEAD_MODEL_LINEAR, T0 + 3 * DAY, T0 + 10 * DAY,
          &a);
    assert_int_equal(a.revenue, 0);
    assert_int_equal(a.total.won, 0);
    assert_int_equal(attr_row(&a, "Network map")->readers, 1);
    assert_int_equal(a.n, 1);
    lead_attribution_free(&a);

    /* and --now before the deals: not won yet */
    query(&w, LEAD_BY_ASSET, LEAD_MODEL_LINEAR, 0, T0 + DAY, &a);
    assert_int_equal(a.revenue, 0);
    assert_int_equal(a.total.sql, 2);
    lead_attribution_free(&a);

    world_close(&w);
}

/* The attribution page's one walk: the two queries' answers. */
static void
test_attribution_page_one_walk(void **state)
{
    static const int             by[] = { LEAD_BY_ASSET, LEAD_BY_CAMPAIGN };
    static const visit           rated[] = {
        { 'a', "/guide", 5 * HOUR, NULL, NULL, NULL, NULL, 0 },
        { 'z', "/map", 5 * HOUR + SEC, NULL, NULL, NULL, NULL, 1 },
        { 'c', "/guide", 6 * HOUR, NULL, NULL, NULL, NULL, 0 },
    };
    static const unsigned        rating[] = { 4, 2, 5 };
    static const char *const     comment[] = { "Clear", NULL, "Good" };
    const lead_feedback_asset   *x, *y;
    lead_feedback_list           f1, f2;
    lead_attribution             a1, a2;
    lead_buf                     j1, j2;
    uint8_t                      ada[LEAD_ID_LEN];
    world                        w;
    size_t                       i, k, m;

    world_open(state, &w);
    canonical_journey(&w, ada);
    read_visits_rated(&w, rated, N_ELEMS(rated), T0 + DAY, rating, comment);
    READ(&w, T0 + DAY, { 'c', "/blog", 6 * HOUR + SEC, "q1", NULL, NULL, NULL,
                         0 });

    for (i = 0; i < N_ELEMS(by); i++) {
        query(&w, by[i], LEAD_MODEL_LINEAR, 0, T0 + DAY, &a1);
        assert_int_equal(lead_query_feedback(w.s, 0, LEAD_FEEDBACK_LATEST,
                                             &f1), LEAD_OK);
        assert_int_equal(lead_query_attribution_feedback(w.s, w.rules, by[i],
                             LEAD_MODEL_LINEAR, 0, T0 + DAY,
                             LEAD_FEEDBACK_LATEST, &a2, &f2), LEAD_OK);

        memset(&j1, 0, sizeof(j1));
        memset(&j2, 0, sizeof(j2));
        lead_report_attribution_json(&j1, &a1);
        lead_report_attribution_json(&j2, &a2);
        assert_int_equal(j1.len, j2.len);
        assert_memory_equal(j1.data, j2.data, j1.len);

        /* the guide's two ratings and the map's, a bot's */
        assert_true(f1.n == 2 && f2.n == 2);
        for (k = 0; k < f1.n; k++) {
            x = &f1.rows[k];
            y = &f2.rows[k];
            assert_true(x->asset_id == y->asset_id
                        && x->ratings == y->ratings && x->bots == y->bots
                        && x->comments == y->comments
                        && x->average == y->average
                        && x->nlatest == y->nlatest);
            assert_memory_equal(x->dist, y->dist, sizeof(x->dist));
            for (m = 0; m < x->nlatest; m++) {
                assert_int_equal(x->latest[m].comment.len,
                                 y->latest[m].comment.len);
                assert_memory_equal(x->latest[m].comment.data,
                                    y->latest[m].comment.data,
                                    x->latest[m].comment.len);
            }
        }
        assert_true(f2.rows[0].ratings + f2.rows[1].ratings == 3
                    && f2.rows[0].bots + f2.rows[1].bots == 1);

        lead_buf_free(&j1);
        lead_buf_free(&j2);
        lead_attribution_free(&a1);
        lead_attribution_free(&a2);
        lead_feedback_list_free(&f1);
        lead_feedback_list_free(&f2);
    }

    world_close(&w);
}

/* The sales view's page and JSON: the query's numbers, between dates. */
static void
test_attribution_page(void **state)
{
    lead_sales_request   req;
    lead_sales_response  resp;
    lead_report_request  rr;
    lead_sales          *app;
    lead_buf             want;
    uint8_t              ada[LEAD_ID_LEN];
    char                 err[256];
    world                w;

    world_open(state, &w);
    canonical_journey(&w, ada);
    assert_int_equal(lead_sales_new(&app, err, sizeof(err)), LEAD_OK);

    /* T0 is 2023-11-14T22:13:20Z: until the 15th is until the 16th's 0h */
    memset(&rr, 0, sizeof(rr));
    rr.what = LEAD_REPORT_ATTRIBUTION;
    rr.format = LEAD_REPORT_JSON;
    rr.by = LEAD_BY_CAMPAIGN;
    rr.model = LEAD_MODEL_LINEAR;
    rr.since_ms = UINT64_C(1699920000000);
    rr.now_ms = UINT64_C(1700092800000);
    memset(&want, 0, sizeof(want));
    assert_int_equal(lead_report(&want, w.s, &rr), LEAD_OK);
    assert_non_null(strstr(want.data, "\"name\":\"q4-fibre\""));

    memset(&req, 0, sizeof(req));
    req.path = (lead_str) { "attribution.json", 16 };
    req.query = (lead_str) { "by=campaign&model=linear&since=2023-11-14"
                             "&until=2023-11-15", 58 };
    req.base = (lead_str) { "/sales/", 7 };
    req.user = (lead_str) { "", 0 };
    req.now_ms = T0 + 30 * DAY;
    lead_sales_serve(app, w.s, w.rules, &req, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.type, "application/json");
    assert_string_equal(resp.body.data, want.data);
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);
    lead_buf_free(&want);

    req.path = (lead_str) { "attribution", 11 };
    req.query = (lead_str) { "by=asset&model=last", 19 };
    lead_sales_serve(app, w.s, w.rules, &req, &resp);
    assert_int_equal(resp.status, 200);
    assert_non_null(strstr(resp.body.data, "Content &amp; campaigns"));
    assert_non_null(strstr(resp.body.data, "<th scope=\"row\">Network map"
                                           "</th><td class=\"num\">1</td>"
                                           "<td class=\"num\">0</td>"
                                           "<td class=\"num\">1</td>"));
    assert_non_null(strstr(resp.body.data, "data-cents=\"1200050\">"
                                           "12000.50</td>"));
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);

    req.query = (lead_str) { "by=owner", 8 };
    lead_sales_serve(app, w.s, w.rules, &req, &resp);
    assert_int_equal(resp.status, 400);
    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);

    lead_sales_free(app);
    world_close(&w);
}

/* campaigns.csv: costs by campaign, and errors by file and line. */
static void
test_campaigns_csv(void **state)
{
    static const struct {
        const char  *text, *error;
    } bad[] = {
        { "name,cost\nq4,1\n", "campaigns.csv:1: the first line must be" },
        { "", "campaigns.csv:1: the first line must be" },
        { "campaign,cost\nq4,12.345\n", "campaigns.csv:2: cost \"12.345\"" },
        { "campaign,cost\nq4,-5\n", "campaigns.csv:2: cost" },
        { "campaign,cost\nq4,1\nq5,2\r\nq4,3\n",
          "campaigns.csv:4: campaign \"q4\" is listed twice (first on "
          "line 2)" },
        { "campaign,cost\nq4,1,2\n", "campaigns.csv:2: more than 2 fields" },
        { "campaign,cost\n,1\n", "campaigns.csv:2: a campaign has a name" },
        { "campaign,cost\n\"q4,1\n", "campaigns.csv:2: quoted field" },
    };
    static const char     good[] = "campaign,cost\r\n"
                                   "q4-fibre,5000\n"
                                   "\n"
                                   "\"spring, \"\"2027\"\"\" , 1234.5\n";
    const lead_campaign  *c;
    char                  err[256];
    world                 w;
    size_t                i;

    world_open(state, &w);
    assert_int_equal(lead_rules_campaigns(w.rules, &c), 0);
    assert_int_equal(lead_rules_parse_campaigns(w.rules, "rules", good,
                                                strlen(good), err,
                                                sizeof(err)), LEAD_OK);
    assert_int_equal(lead_rules_campaigns(w.rules, &c), 2);
    assert_int_equal(lead_rules_campaign_cost(w.rules, "q4-fibre", 8),
                     500000);
    assert_int_equal(lead_rules_campaign_cost(w.rules, "spring, \"2027\"",
                                              14), 123450);
    assert_int_equal(lead_rules_campaign_cost(w.rules, "q4", 2), -1);
    world_close(&w);

    for (i = 0; i < N_ELEMS(bad); i++) {
        world_open(state, &w);
        err[0] = '\0';
        assert_int_equal(lead_rules_parse_campaigns(w.rules, "rules",
                                                    bad[i].text,
                                                    strlen(bad[i].text), err,
                                                    sizeof(err)),
                         LEAD_EINVAL);
        if (strstr(err, bad[i].error) == NULL) {
            fail_msg("%zu: \"%s\", want \"%s\"", i, err, bad[i].error);
        }
        world_close(&w);
    }
}

/* By campaign, campaigns.csv's costs: per lead, MQL, won, order dollar. */
static void
test_attribution_costs(void **state)
{
    static const char             text[] = "campaign,cost\n"
                                           "q4-fibre,5000\n"
                                           "autumn,250\n";
    const lead_attribution_row  *q4, *autumn;
    lead_report_request          rr;
    lead_attribution             a;
    lead_buf                     out;
    uint8_t                      ada[LEAD_ID_LEN];
    char                         err[256];
    world                        w;

    world_open(state, &w);
    canonical_journey(&w, ada);
    assert_int_equal(lead_rules_parse_campaigns(w.rules, "rules", text,
                                                strlen(text), err,
                                                sizeof(err)), LEAD_OK);

    query(&w, LEAD_BY_CAMPAIGN, LEAD_MODEL_FIRST, 0, T0 + DAY, &a);
    assert_true(a.costs);
    q4 = attr_row(&a, "q4-fibre");
    autumn = attr_row(&a, "autumn");       /* listed, never read: a row */
    assert_int_equal(q4->cost, 500000);
    assert_int_equal(autumn->cost, 25000);
    assert_int_equal(autumn->readers, 0);
    assert_int_equal(attr_row(&a, "(none)")->cost, -1);
    assert_int_equal(a.total.cost, 525000);
    assert_int_equal(lead_report_per(q4->cost, q4->identified), 500000);
    assert_int_equal(lead_report_per(autumn->cost, autumn->won), -1);
    assert_int_equal(lead_report_per(1000, 3), 333);
    assert_int_equal(lead_report_per(1001, 2), 501);
    lead_attribution_free(&a);

    /* by asset, no costs */
    query(&w, LEAD_BY_ASSET, LEAD_MODEL_FIRST, 0, T0 + DAY, &a);
    assert_false(a.costs);
    lead_attribution_free(&a);

    memset(&rr, 0, sizeof(rr));
    rr.what = LEAD_REPORT_ATTRIBUTION;
    rr.format = LEAD_REPORT_JSON;
    rr.rules = w.rules;
    rr.by = LEAD_BY_CAMPAIGN;
    rr.now_ms = T0 + DAY;
    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_report(&out, w.s, &rr), LEAD_OK);
    assert_non_null(strstr(out.data, "\"name\":\"q4-fibre\""));
    assert_non_null(strstr(out.data, "\"cost\":500000,\"cost_per_lead\":"
                                     "500000,\"cost_per_mql\":500000,"
                                     "\"cost_per_won\":500000,"
                                     "\"cost_per_order_dollar\":0.4166}"));
    lead_buf_free(&out);

    rr.format = LEAD_REPORT_TEXT;
    assert_int_equal(lead_report(&out, w.s, &rr), LEAD_OK);
    assert_non_null(strstr(out.data, "costs (campaigns.csv)"));
    assert_non_null(strstr(out.data, "0.4166"));
    lead_buf_free(&out);

    world_close(&w);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_assets_credit_triggers),
        T(test_attribution_by_asset),
        T(test_attribution_many_readers),
        T(test_attribution_readers_once),
        T(test_attribution_by_campaign_and_channel),
        T(test_attribution_shared_device),
        T(test_attribution_linear_and_window),
        T(test_attribution_page),
        T(test_attribution_page_one_walk),
        T(test_campaigns_csv),
        T(test_attribution_costs),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
