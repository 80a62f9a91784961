/*
 * warm_after groups: distinct paths read under a group's rows, exact or
 * prefix, win its bonus; what the rules refuse of a group; and a half
 * way state kept and loaded counts on as one fed every read.
 */

#include "score_fixture.h"
#include "rules_fixture.h"

/*
 * The rows here are worth 0 points, so engagement is the bonus alone:
 * bonus * decay since it was won, 0 before (see lead_score.c's header).
 */
static void
expect_won(const model *m, uint64_t now, int32_t bonus, uint64_t won_ms)
{
    double  want = won_ms && won_ms <= now
                   ? bonus * decayed((int64_t) (now - won_ms), HL) : 0;

    assert_near(lead_scorer_engagement(m->s, now), want);
}

/* One prefix row: a guide of many pages is won by N distinct ones. */
static void
test_prefix_group(void **state)
{
    model  m;

    (void) state;

    model_open(&m, "warm_after guide 3 20;",
               HEADER "/library/guide/*,Buying guide,interest,0,"
               "connectivity,group=guide\n/other,O,interest,0,,\n");

    read_at(&m, "/library/guide/one.html", at(0));
    /* the same page again, a day later, is not a second path */
    read_at(&m, "/library/guide/one.html", at(DAY));
    /* nor is a page of no group */
    read_at(&m, "/other", at(DAY + MIN));
    read_at(&m, "/library/guide/two.html", at(2 * DAY));
    expect_won(&m, at(2 * DAY), 20, 0);

    /* the third page, inside the asset's reload window: it still counts */
    read_at(&m, "/library/guide/three.html", at(2 * DAY + MIN));
    expect_won(&m, at(2 * DAY + MIN), 20, at(2 * DAY + MIN));

    /* won once: more pages change nothing of when */
    read_at(&m, "/library/guide/four.html", at(3 * DAY));
    expect_won(&m, at(9 * DAY), 20, at(2 * DAY + MIN));

    model_close(&m);
}

/* Exact and prefix rows mixed, and bots and errors not counted. */
static void
test_mixed_group(void **state)
{
    lead_event  ev;
    model       m;

    (void) state;

    model_open(&m, "warm_after g 3 10;",
               HEADER "/a.html,A,interest,0,,group=g\n"
               "/d/*,D,interest,0,,group=g\n");

    ev_full(&ev, &m, "/d/x.html", at(0));
    ev.ua_class = LEAD_UA_BOT;
    add(&m, &ev);
    ev_full(&ev, &m, "/d/y.html", at(0));
    ev.status = 404;
    add(&m, &ev);
    read_at(&m, "/a.html", at(MIN));
    read_at(&m, "/d/x.html", at(2 * MIN));
    expect_won(&m, at(2 * MIN), 10, 0);

    read_at(&m, "/d/", at(3 * MIN));
    expect_won(&m, at(DAY), 10, at(3 * MIN));

    model_close(&m);
}

/* A state kept half way counts on the paths it had read, not again. */
static void
test_group_state_kept(void **state)
{
    static const char  *pages[] = {
        "/g/1", "/g/2", "/g/1", "/g/2", "/g/3", "/g/2", "/g/4", "/g/5"
    };
    lead_scorer        *again;
    lead_buf            saved;
    lead_event          ev;
    model               m;
    size_t              i, k;

    (void) state;

    model_open(&m, "warm_after g 4 30;",
               HEADER "/g/*,G,interest,0,,group=g\n");
    again = lead_scorer_new(m.sc);
    assert_non_null(again);

    for (k = 0; k < N_ELEMS(pages); k++) {
        memset(&saved, 0, sizeof(saved));
        lead_scorer_reset(m.s, 0);
        for (i = 0; i < k; i++) {
            read_at(&m, pages[i], at((int64_t) i * HOUR));
        }
        lead_scorer_save(m.s, &saved);
        assert_false(saved.oom);
        assert_int_equal(lead_scorer_load(again, (uint8_t *) saved.data,
                                          saved.len), LEAD_OK);
        for (i = k; i < N_ELEMS(pages); i++) {
            ev_full(&ev, &m, pages[i], at((int64_t) i * HOUR));
            add(&m, &ev);
            assert_int_equal(lead_scorer_add(again, &ev), LEAD_OK);
        }
        /* the fourth distinct path is /g/4, the seventh read */
        expect_won(&m, at(DAY), 30, at(6 * HOUR));
        assert_true(lead_scorer_engagement(again, at(DAY))
                    == lead_scorer_engagement(m.s, at(DAY)));
        assert_true(lead_scorer_engagement(again, at(6 * HOUR - 1)) == 0);

        /* a cut state is refused, never read past */
        for (i = 0; i < saved.len; i++) {
            assert_int_not_equal(lead_scorer_load(again,
                                                  (uint8_t *) saved.data, i),
                                 LEAD_OK);
        }
        lead_buf_free(&saved);
    }

    lead_scorer_free(again);
    model_close(&m);
}

/* The rules refuse an N a group can never reach: only all-exact groups. */
static void
test_group_rules(void **state)
{
    (void) state;

    lead_rules_free(parse_ok("warm_after guide 3;", HEADER
                             "/library/guide/*,Buying guide,interest,10,"
                             "connectivity,group=guide\n"));
    lead_rules_free(parse_ok("warm_after g 12;", HEADER
                             "/a,A,interest,1,,group=g\n"
                             "/b/*,B,interest,1,,group=g\n"));
    expect_err("warm_after g 3;", HEADER "/a,A,interest,1,,group=g\n"
               "/b,B,interest,1,,group=g\n",
               CONF(1) "warm_after g 3: only 2 assets have group=g in "
               "assets.csv" PREFIX_HINT);
    /* an exact row and its prefix of another group do not mix */
    expect_err("warm_after g 2;\nwarm_after h 1;",
               HEADER "/a,A,interest,1,,group=g\n/a/*,B,interest,1,,group=h\n",
               CONF(1) "warm_after g 2: only 1 assets have group=g in "
               "assets.csv" PREFIX_HINT);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_prefix_group),
        cmocka_unit_test(test_mixed_group),
        cmocka_unit_test(test_group_state_kept),
        cmocka_unit_test(test_group_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
