/*
 * The assets' counts of what came before an identification or an MQL
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

/* The visits committed as one batch and folded (promoted) as nginx does. */
static void
read_visits(world *w, const visit *v, size_t n, uint64_t now_ms)
{
    lead_batch  *b = lead_batch_new((n + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    lead_event   ev;
    size_t       i;
    int          more;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.time_ms = T0 + v[i].dt;
        visitor_id(ev.visitor, v[i].who);
        ev.status = 200;
        ev.ua_class = v[i].bot ? LEAD_UA_BOT : LEAD_UA_BROWSER;
        ev.bytes_sent = SIZE;
        ev.file_size = SIZE;
        set_str(&ev.path, v[i].path);
        set_str(&ev.utm_campaign, v[i].campaign);
        set_str(&ev.utm_source, v[i].source);
        set_str(&ev.utm_medium, v[i].medium);
        set_str(&ev.referrer_host, v[i].referrer);
        lead_event_set_asset(&ev, lead_rules_match(w->rules, v[i].path,
                                                   strlen(v[i].path)));
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    do {
        assert_int_equal(lead_store_fold(w->s, w->rules, now_ms, 10000, NULL,
                                         NULL, &more), LEAD_OK);
    } while (more);
    lead_batch_free(b);
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

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_assets_credit_triggers),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
