/*
 * Feedback in the score (lead_score.c): feedback_points once per asset
 * rated, decayed from its newest rating, never a read; nothing at all
 * with the default 0; the state kept and loaded; the why row; the rule
 * in scoring.conf; a rating through the event codec and its touch.
 */

#include "score_fixture.h"
#include "lead_support.h"

#define ASSETS                                                                \
    HEADER "/map.html,Network coverage map,evaluation,40,coverage,\n"         \
    "/hot.html,Price list,decision,10,pricing,hot\n"                          \
    "/blog.html,Blog,awareness,5,coverage,\n"

/* A browser's rating of path at t (no bytes, no status: feedback). */
static void
ev_rate(lead_event *ev, const model *m, const char *path, uint64_t t,
    unsigned rating)
{
    memset(ev, 0, sizeof(*ev));
    ev->time_ms = t;
    ev->ua_class = LEAD_UA_BROWSER;
    ev->rating = (uint8_t) rating;
    ev->comment.data = "the SLA section";
    ev->comment.len = 15;
    ev->path.data = path;
    ev->path.len = strlen(path);
    lead_event_set_asset(ev, asset(m, path));
}

static void
rate_at(model *m, const char *path, uint64_t t, unsigned rating)
{
    lead_event  ev;

    ev_rate(&ev, m, path, t, rating);
    add(m, &ev);
}

/* The asset's feedback row in why, or NULL. */
static const lead_contribution *
rated_row(const model *m, const lead_score *r, const char *path)
{
    uint64_t  id = asset(m, path)->id;
    unsigned  i;

    for (i = 0; i < r->nwhy; i++) {
        if (r->why[i].asset_id == id && r->why[i].rating) {
            return &r->why[i];
        }
    }
    return NULL;
}

/* The same reads, the same score, with or without ratings between. */
static void
test_default_changes_nothing(void **state)
{
    static const timed  reads[] = {
        { "/map.html", 0 }, { "/blog.html", HOUR }, { "/map.html", 3 * DAY },
        { "/hot.html", 5 * DAY }, { NULL, 0 }
    };
    model        m, plain;
    lead_score   a, b;
    lead_buf     sa = { 0 }, sb = { 0 };
    double       by_a[LEAD_MAX_STAGES], by_b[LEAD_MAX_STAGES];
    const timed *t;

    (void) state;
    model_open(&m, "mql_threshold 1000;", ASSETS);
    model_open(&plain, "mql_threshold 1000;", ASSETS);
    assert_int_equal(m.sc->feedback_points, 0);

    rate_at(&m, "/blog.html", at(-DAY), 5);     /* rated, never read */
    for (t = reads; t->path; t++) {
        rate_at(&m, t->path, at(t->dt), 4);
        read_at(&m, t->path, at(t->dt));
        read_at(&plain, t->path, at(t->dt));
        rate_at(&m, t->path, at(t->dt + MIN), 2);
    }

    result(&m, at(9 * DAY), &a);
    result(&plain, at(9 * DAY), &b);
    assert_true(a.engagement == b.engagement);
    assert_int_equal(a.shown, b.shown);
    assert_int_equal(a.nwhy, b.nwhy);
    assert_int_equal(a.nhot, b.nhot);
    assert_int_equal(a.ntopics, b.ntopics);
    assert_int_equal(a.stage_index, b.stage_index);
    assert_int_equal(a.trigger_ms, b.trigger_ms);
    assert_memory_equal(a.why, b.why, a.nwhy * sizeof(a.why[0]));
    assert_memory_equal(a.hot, b.hot, a.nhot * sizeof(a.hot[0]));
    lead_scorer_stages(m.s, at(9 * DAY), by_a);
    lead_scorer_stages(plain.s, at(9 * DAY), by_b);
    assert_memory_equal(by_a, by_b, sizeof(by_a));

    /* the kept state too, byte for byte */
    lead_scorer_save(m.s, &sa);
    lead_scorer_save(plain.s, &sb);
    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.data, sb.data, sa.len);
    lead_buf_free(&sa);
    lead_buf_free(&sb);

    model_close(&m);
    model_close(&plain);
}

/* feedback_points once, decayed from the rating, a row of its own. */
static void
test_points_and_decay(void **state)
{
    const lead_contribution  *k;
    model                     m;
    lead_score                r;
    lead_buf                  explain = { 0 };

    (void) state;
    model_open(&m, "feedback_points 5;", ASSETS);
    assert_int_equal(m.sc->feedback_points, 5);

    rate_at(&m, "/map.html", at(0), 4);
    assert_near(lead_scorer_engagement(m.s, at(0)), 5);
    assert_near(lead_scorer_engagement(m.s, at(HL)), 2.5);
    assert_near(lead_scorer_engagement(m.s, at(10 * DAY)),
                5 * decayed(10 * DAY, HL));
    assert_near(lead_scorer_engagement(m.s, at(-1)), 0);   /* not yet */

    result(&m, at(HL), &r);
    assert_int_equal(r.nwhy, 1);
    assert_int_equal(r.nhot, 0);            /* a rating is nothing to open */
    k = rated_row(&m, &r, "/map.html");
    assert_non_null(k);
    assert_int_equal(k->rating, 4);
    assert_int_equal(k->reads, 0);
    assert_int_equal(k->events, 0);
    assert_int_equal(k->points, 5);
    assert_string_equal(k->stage, "evaluation");
    assert_near(k->score, 2.5);
    why_adds_up(&r);
    assert_int_equal(r.ntopics, 1);
    assert_string_equal(r.topics[0].topic, "coverage");
    assert_near(r.topics[0].engagement, 2.5);

    lead_report_why_explain(&explain, m.rules, k, "-");
    assert_false(explain.oom);
    assert_non_null(explain.data);
    assert_true(strncmp(explain.data, "rated 4/5, 5 points", 19) == 0);
    lead_buf_free(&explain);

    model_close(&m);
}

/* Reads and ratings of one asset, two rows that add up. */
static void
test_beside_reads(void **state)
{
    model       m;
    lead_score  r;

    (void) state;
    model_open(&m, "feedback_points 7;\nmql_threshold 1000;", ASSETS);

    read_at(&m, "/map.html", at(0));
    rate_at(&m, "/map.html", at(MIN), 3);
    /* a read right after the rating: within the window of the first read,
       a reload still; the rating was no read of its own */
    read_at(&m, "/map.html", at(2 * MIN));

    result(&m, at(0) + 2 * MIN, &r);
    assert_int_equal(hot_of(&m, &r, "/map.html")->reads, 1);
    assert_int_equal(hot_of(&m, &r, "/map.html")->events, 2);
    assert_near(hot_of(&m, &r, "/map.html")->depth, 1);
    assert_non_null(rated_row(&m, &r, "/map.html"));
    assert_near(r.engagement,
                40 * decayed(2 * MIN, HL) + 7 * decayed(MIN, HL));
    assert_int_equal(r.nwhy, 2);
    assert_int_equal(r.nhot, 1);
    why_adds_up(&r);

    model_close(&m);
}

/* Once per asset: the newest rating replaces, its time and its value. */
static void
test_newest_replaces(void **state)
{
    model       m;
    lead_score  r;
    lead_event  ev;

    (void) state;
    model_open(&m, "feedback_points 10;", ASSETS);

    rate_at(&m, "/map.html", at(0), 2);
    rate_at(&m, "/map.html", at(10 * DAY), 5);
    rate_at(&m, "/blog.html", at(DAY), 1);
    /* a bot's rating counts for nothing, and replaces nothing */
    ev_rate(&ev, &m, "/map.html", at(20 * DAY), 1);
    ev.ua_class = LEAD_UA_BOT;
    add(&m, &ev);
    ev_rate(&ev, &m, "/hot.html", at(20 * DAY), 1);
    ev.ua_class = LEAD_UA_BOT;
    add(&m, &ev);

    assert_near(lead_scorer_engagement(m.s, at(30 * DAY)),
                10 * decayed(20 * DAY, HL) + 10 * decayed(29 * DAY, HL));
    result(&m, at(30 * DAY), &r);
    assert_int_equal(r.nwhy, 2);
    assert_int_equal(rated_row(&m, &r, "/map.html")->rating, 5);
    assert_int_equal(rated_row(&m, &r, "/map.html")->last_ms, at(10 * DAY));
    assert_int_equal(rated_row(&m, &r, "/blog.html")->rating, 1);
    assert_null(rated_row(&m, &r, "/hot.html"));
    assert_int_equal(r.ncountries, 0);
    why_adds_up(&r);

    model_close(&m);
}

/* A rating is no read of a hot asset; it can make the threshold. */
static void
test_triggers(void **state)
{
    model       m;
    lead_score  r;

    (void) state;
    model_open(&m, "feedback_points 20;\nmql_threshold 50;", ASSETS);

    rate_at(&m, "/hot.html", at(0), 5);
    result(&m, at(0), &r);
    assert_int_equal(r.trigger_ms, 0);

    read_at(&m, "/blog.html", at(HOUR));        /* 5 + 20: not yet */
    result(&m, at(HOUR), &r);
    assert_int_equal(r.trigger_ms, 0);
    rate_at(&m, "/blog.html", at(2 * HOUR), 4);
    rate_at(&m, "/map.html", at(3 * HOUR), 4);  /* 5 + 60 */
    result(&m, at(3 * HOUR), &r);
    assert_int_equal(r.trigger_ms, at(3 * HOUR));
    assert_int_equal(r.trigger_asset, 0);
    assert_non_null(strstr(r.trigger, "mql_threshold"));

    model_close(&m);
}

/* A rating belongs to its asset's stage, as its reads do. */
static void
test_stage(void **state)
{
    model   m;
    double  by[LEAD_MAX_STAGES];

    (void) state;
    model_open(&m, "feedback_points 8;", ASSETS);
    rate_at(&m, "/hot.html", at(0), 3);
    lead_scorer_stages(m.s, at(0), by);
    assert_near(by[4], 8);                      /* decision */
    assert_near(by[3], 0);
    model_close(&m);
}

/* Kept and loaded half way, a scorer counts on as one fed everything. */
static void
test_state_kept(void **state)
{
    model         m;
    lead_scorer  *again;
    lead_buf      saved = { 0 };
    lead_event    ev;
    lead_score    a, b;
    size_t        i;

    (void) state;
    model_open(&m, "feedback_points 6;", ASSETS);
    again = lead_scorer_new(m.sc);
    assert_non_null(again);

    read_at(&m, "/map.html", at(0));
    rate_at(&m, "/map.html", at(HOUR), 3);
    rate_at(&m, "/blog.html", at(2 * HOUR), 5);
    lead_scorer_save(m.s, &saved);
    assert_false(saved.oom);
    assert_int_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                      saved.len), LEAD_OK);

    ev_rate(&ev, &m, "/map.html", at(DAY), 1);
    add(&m, &ev);
    assert_int_equal(lead_scorer_add(again, &ev), LEAD_OK);
    ev_full(&ev, &m, "/blog.html", at(2 * DAY));
    add(&m, &ev);
    assert_int_equal(lead_scorer_add(again, &ev), LEAD_OK);

    result(&m, at(5 * DAY), &a);
    assert_int_equal(lead_scorer_result(again, at(5 * DAY), &b), LEAD_OK);
    assert_true(a.engagement == b.engagement);
    assert_int_equal(a.nwhy, 4);        /* two assets, read and rated */
    assert_memory_equal(a.why, b.why, a.nwhy * sizeof(a.why[0]));
    assert_int_equal(rated_row(&m, &b, "/map.html")->rating, 1);

    /* a cut state is refused, never read past */
    for (i = 0; i < saved.len; i++) {
        assert_int_not_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                              i), LEAD_OK);
    }
    lead_buf_free(&saved);
    lead_scorer_free(again);
    model_close(&m);
}

/* feedback_points as scoring.conf takes it, and what it refuses. */
static void
test_conf(void **state)
{
    static const struct {
        const char  *conf, *err;
    } bad[] = {
        { "feedback_points 1001;", "rules/scoring.conf:1: invalid number "
          "\"1001\" (expected an integer from -1000 to 1000)" },
        { "\nfeedback_points x;", "rules/scoring.conf:2: invalid number "
          "\"x\"" },
        { "feedback_points;", "rules/scoring.conf:1: \"feedback_points\" "
          "takes one number" },
        { "feedback_points 1 2;", "rules/scoring.conf:1: \"feedback_points\" "
          "takes one number" },
        { "feedback_points 1;\nfeedback_points 2;",
          "rules/scoring.conf:2: \"feedback_points\" is duplicate" },
    };
    lead_rules  *r;
    char         err[512];
    size_t       i;

    (void) state;
    assert_int_equal(lead_rules_parse(&r, "rules", "feedback_points -3;", 19,
                                      HEADER, strlen(HEADER), err,
                                      sizeof(err)), LEAD_OK);
    assert_int_equal(lead_rules_scoring(r)->feedback_points, -3);
    lead_rules_free(r);

    for (i = 0; i < N_ELEMS(bad); i++) {
        err[0] = '\0';
        assert_int_equal(lead_rules_parse(&r, "rules", bad[i].conf,
                                          strlen(bad[i].conf), HEADER,
                                          strlen(HEADER), err, sizeof(err)),
                         LEAD_EINVAL);
        if (strstr(err, bad[i].err) == NULL) {
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].conf, err,
                     bad[i].err);
        }
    }
}

/* A rating and its comment through the codec; a bad rating refused. */
static void
test_codec(void **state)
{
    static const char  comment[] = "line one\nline two \xe2\x80\x94 ok";
    uint8_t            buf[LEAD_EVENT_MAX_SIZE];
    lead_event         ev, back;
    char               touch[LEAD_TOUCH_MAX];
    int                n, i, campaign, found = 0;

    (void) state;
    memset(&ev, 0, sizeof(ev));
    ev.time_ms = at(0);
    ev.ua_class = LEAD_UA_BROWSER;
    ev.path.data = "/map.html";
    ev.path.len = 9;
    ev.utm_campaign.data = "spring";
    ev.utm_campaign.len = 6;
    ev.rating = 3;
    ev.comment.data = comment;
    ev.comment.len = sizeof(comment) - 1;

    n = lead_event_encode(&ev, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(lead_event_decode(buf, (size_t) n, &back), LEAD_OK);
    assert_int_equal(back.rating, 3);
    assert_int_equal(back.comment.len, ev.comment.len);
    assert_memory_equal(back.comment.data, comment, ev.comment.len);
    assert_true(lead_event_is_feedback(&back));

    /* feedback is no touch, whatever campaign it came with */
    assert_int_equal(lead_touch(&back, touch, &campaign), -1);
    back.rating = 0;
    assert_int_equal(lead_touch(&back, touch, &campaign), 6);

    /* the rating's tag (20, length 1 as a varint): 0 and 6 are refused */
    for (i = 0; i + 2 < n; i++) {
        if (buf[i] == 20 && buf[i + 1] == 1 && buf[i + 2] == 3) {
            found = 1;
            buf[i + 2] = 0;
            assert_int_equal(lead_event_decode(buf, (size_t) n, &back),
                             LEAD_EINVAL);
            buf[i + 2] = LEAD_RATING_MAX + 1;
            assert_int_equal(lead_event_decode(buf, (size_t) n, &back),
                             LEAD_EINVAL);
            buf[i + 2] = 3;
            break;
        }
    }
    assert_true(found);

    /* and the encoder refuses them, and a comment without a rating */
    ev.rating = LEAD_RATING_MAX + 1;
    assert_int_equal(lead_event_encode(&ev, buf, sizeof(buf)), LEAD_EINVAL);
    ev.rating = 0;
    assert_int_equal(lead_event_encode(&ev, buf, sizeof(buf)), LEAD_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_default_changes_nothing),
        cmocka_unit_test(test_points_and_decay),
        cmocka_unit_test(test_beside_reads),
        cmocka_unit_test(test_newest_replaces),
        cmocka_unit_test(test_triggers),
        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_state_kept),
        cmocka_unit_test(test_conf),
        cmocka_unit_test(test_codec),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
