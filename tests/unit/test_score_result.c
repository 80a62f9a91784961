/*
 * What a scorer's result says besides the sum (warm_after groups, topics,
 * the buying stage, MQL triggers, the hot and why lists) and how leads
 * are rated: bands, grades, profile points and companies.
 */

#include "score_fixture.h"
#include "dir_fixture.h"

#include <unistd.h>

/* Indexes of the default stages. */
enum { EPIPHANY, AWARENESS, INTEREST, EVALUATION, DECISION };

/* ---- warm_after groups ------------------------------------------------- */

static unsigned
bonuses(const lead_score *r, const char *group, double *score)
{
    unsigned  i, n = 0;

    for (i = 0; i < r->nwhy; i++) {
        if (r->why[i].group_bonus) {
            assert_string_equal(r->why[i].group, group);
            assert_int_equal(r->why[i].asset_id, 0);
            assert_int_equal(r->why[i].stage_index, -1);
            *score = r->why[i].score;
            n++;
        }
    }
    for (i = 0; i < r->nhot; i++) {
        assert_false(r->hot[i].group_bonus);
    }
    why_adds_up(r);
    return n;
}

/* Engagement minus what the assets add (why lists them all): bonuses. */
static double
bonus_part(const lead_score *r)
{
    double    sum = r->engagement;
    unsigned  i;

    for (i = 0; i < r->nwhy; i++) {
        if (!r->why[i].group_bonus) {
            sum -= r->why[i].score;
        }
    }
    return sum;
}

static void
test_group_bonus(void **state)
{
    const int64_t  t3 = 3 * HOUR;
    lead_score     r;
    model          m;
    double         score = 0;

    (void) state;

    model_open(&m, "warm_after guide 3 20;\n",
               HEADER
               "/g1,G1,awareness,5,fibre,group=guide\n"
               "/g2,G2,awareness,5,fibre,group=guide\n"
               "/g3,G3,interest,5,fibre,group=guide\n"
               "/g4,G4,interest,5,fibre,group=guide\n"
               "/x,X,interest,5,fibre,\n");

    /* two distinct, one of them twice, and one outside the group */
    read_at(&m, "/g1", T0);
    read_at(&m, "/g2", at(HOUR));
    read_at(&m, "/g1", at(2 * HOUR));
    read_at(&m, "/x", at(2 * HOUR));
    result(&m, at(t3 - 1), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 0);
    assert_near(bonus_part(&r), 0);

    /* the third distinct asset wins it, decaying from then */
    read_at(&m, "/g3", at(t3));
    result(&m, at(t3 - 1), &r);     /* not before it was won */
    assert_int_equal(bonuses(&r, "guide", &score), 0);
    result(&m, at(t3), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 1);
    assert_near(score, 20);
    result(&m, at(t3 + 10 * DAY), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 1);
    assert_near(score, 20 * decayed(10 * DAY, HL));
    assert_near(bonus_part(&r), score);
    assert_int_equal(r.why[0].group_bonus, 1);    /* the largest part */
    assert_int_equal(r.why[0].first_ms, at(t3));
    assert_int_equal(r.why[0].last_ms, at(t3));

    /* won once: a fourth asset and rereads add no second bonus */
    read_at(&m, "/g4", at(4 * HOUR));
    read_at(&m, "/g3", at(5 * HOUR));
    result(&m, at(t3 + 10 * DAY), &r);
    assert_int_equal(bonuses(&r, "guide", &score), 1);
    assert_near(bonus_part(&r), 20 * decayed(10 * DAY, HL));

    model_close(&m);
}

/* ---- topics ------------------------------------------------------------ */

static double
topic_engagement(const lead_score *r, const char *topic)
{
    unsigned  i;

    for (i = 0; i < r->ntopics; i++) {
        if (strcmp(r->topics[i].topic, topic) == 0) {
            return r->topics[i].engagement;
        }
    }
    fail_msg("topic %s not listed", topic);
    return 0;
}

static void
test_topics(void **state)
{
    lead_score  r;
    model       m;
    unsigned    i;

    (void) state;

    model_open(&m, "",
               HEADER
               "/f1,F1,awareness,10,fibre,\n"
               "/f2,F2,decision,20,fibre,\n"
               "/s1,S1,awareness,5,sd-wan,\n"
               "/u,U,awareness,7,,\n");

    read_at(&m, "/f1", T0);
    read_at(&m, "/s1", T0);
    read_at(&m, "/u", T0);
    read_at(&m, "/f2", at(30 * DAY));

    result(&m, at(30 * DAY), &r);
    assert_int_equal(r.ntopics, 2);
    assert_near(topic_engagement(&r, "fibre"), 10 * 0.5 + 20);
    assert_near(topic_engagement(&r, "sd-wan"), 5 * 0.5);
    for (i = 0; i < r.ntopics; i++) {
        assert_true(r.topics[i].topic[0] != '\0');
    }
    /* the topics and the untagged asset make up the whole */
    assert_near(r.engagement, 25 + 2.5 + 7 * 0.5);

    model_close(&m);
}

/* The top topics are kept, the largest first, however many were read. */
static void
test_top_topics(void **state)
{
    char        assets[2048];
    lead_score  r;
    model       m;
    size_t      n;
    int         i;

    (void) state;

    n = (size_t) snprintf(assets, sizeof(assets), HEADER);
    for (i = 1; i <= 9; i++) {
        n += (size_t) snprintf(assets + n, sizeof(assets) - n,
                               "/k%d,K%d,awareness,%d,k%d,\n", i, i,
                               i == 9 ? 100 : 1, i);
    }
    model_open(&m, "", assets);
    for (i = 1; i <= 9; i++) {
        char  path[16];

        snprintf(path, sizeof(path), "/k%d", i);
        read_at(&m, path, T0);
    }

    result(&m, T0, &r);
    assert_int_equal(r.ntopics, LEAD_TOPICS_MAX);
    assert_string_equal(r.topics[0].topic, "k9");
    assert_near(r.topics[0].engagement, 100);

    model_close(&m);
}

/* Decoded events with empty topic and group (no data at all) score. */
static void
test_decoded_empty_fields(void **state)
{
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    lead_event  ev, back;
    lead_score  r;
    model       m;
    int         n;

    (void) state;

    model_open(&m, "", HEADER "/a,A,awareness,10,,\n");
    ev_full(&ev, &m, "/a", T0);
    n = lead_event_encode(&ev, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(lead_event_decode(buf, (size_t) n, &back), LEAD_OK);
    assert_null(back.topic.data);
    add(&m, &back);

    result(&m, T0, &r);
    assert_near(r.engagement, 10);

    model_close(&m);
}

/* ---- the buying stage -------------------------------------------------- */

static void
test_stage(void **state)
{
    static const char  assets[] =
        HEADER
        "/aw,Aw,awareness,10,,\n"
        "/aw3,Aw3,awareness,3,,\n"
        "/aw3b,Aw3b,awareness,3,,\n"
        "/de,De,decision,40,,\n"
        "/de2,De2,decision,40,,\n"
        "/neg,Neg,decision,-20,,\n";
    static const struct {
        const char  *what;
        const char  *scoring;
        timed        reads[4];
        int64_t      now;
        int          stage;
    } cases[] = {
        { "awareness only", "", { { "/aw", 0 }, { NULL, 0 } }, 0,
          AWARENESS },
        { "then a decision read", "",
          { { "/aw", 0 }, { "/de", HOUR }, { NULL, 0 } }, HOUR, DECISION },
        /* 40 after 4 half-lives is 2.5 < 5: back to awareness */
        { "the decision read has faded", "",
          { { "/de", 0 }, { "/aw", 120 * DAY }, { NULL, 0 } }, 120 * DAY,
          AWARENESS },
        { "exactly stage_min after 3 half-lives", "",
          { { "/de", 0 }, { "/aw", 90 * DAY }, { NULL, 0 } }, 90 * DAY,
          DECISION },
        { "below stage_min", "", { { "/aw3", 0 }, { NULL, 0 } }, 0, -1 },
        { "a stage sums its assets", "",
          { { "/aw3", 0 }, { "/aw3b", 0 }, { NULL, 0 } }, 0, AWARENESS },
        { "negative points make no stage", "",
          { { "/neg", 0 }, { NULL, 0 } }, 0, -1 },
        { "negative beside a real stage", "",
          { { "/neg", 0 }, { "/aw", 0 }, { NULL, 0 } }, 0, AWARENESS },
        { "stage_min 50 raises the bar", "stage_min 50;",
          { { "/aw", 0 }, { "/de", 0 }, { NULL, 0 } }, 0, -1 },
        { "two decision reads clear it", "stage_min 50;",
          { { "/aw", 0 }, { "/de", 0 }, { "/de2", 0 }, { NULL, 0 } }, 0,
          DECISION },
    };
    lead_score  r;
    model       m;
    size_t      i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        model_open(&m, cases[i].scoring, assets);
        read_all(&m, cases[i].reads);
        result(&m, at(cases[i].now), &r);
        if (r.stage_index != cases[i].stage) {
            fail_msg("%s: stage %d, want %d", cases[i].what, r.stage_index,
                     cases[i].stage);
        }
        model_close(&m);
    }
}

/* ---- MQL triggers ------------------------------------------------------ */

static void
test_triggers(void **state)
{
    static const char  assets[] =
        HEADER
        "/h,H,decision,1,,hot\n"
        "/a,A,awareness,10,,\n"
        "/b,B,awareness,10,,\n"
        "/c,C,awareness,10,,\n"
        "/d,D,awareness,10,,\n"
        "/e,E,awareness,15,,\n";
    static const struct {
        const char  *what;
        int64_t      since;
        timed        reads[5];
        int64_t      when;          /* -1: no trigger */
        const char  *why;           /* NULL: the hot asset /h */
    } cases[] = {
        { "hot read at since", 0, { { "/h", 0 }, { NULL, 0 } }, 0, NULL },
        { "hot read after since", 0, { { "/h", DAY }, { NULL, 0 } }, DAY,
          NULL },
        { "hot read before since", 0, { { "/h", -1 }, { NULL, 0 } }, -1,
          "" },
        { "hot read again later", 0,
          { { "/h", -HOUR }, { "/h", HOUR }, { NULL, 0 } }, HOUR, NULL },
        { "two reads stay below", 0,
          { { "/a", 0 }, { "/b", 0 }, { NULL, 0 } }, -1, "" },
        { "crossing exactly", 0,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 0 }, { NULL, 0 } }, 0,
          "engagement 30 reached mql_threshold 30" },
        /* 30 less the decay of one ms shows as 30: it has reached it */
        { "a hair short counts as shown", 0,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 1 }, { NULL, 0 } }, 1,
          "engagement 30 reached mql_threshold 30" },
        { "crossing later", 0,
          { { "/a", 0 }, { "/b", HOUR }, { "/e", 2 * HOUR }, { NULL, 0 } },
          2 * HOUR, "engagement 35 reached mql_threshold 30" },
        { "crossed before since, counted at the next read", HOUR,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 0 }, { "/d", 2 * HOUR },
            { NULL, 0 } },
          2 * HOUR, "engagement 40 reached mql_threshold 30" },
        { "the first trigger stays: hot", 0,
          { { "/h", 0 }, { "/a", HOUR }, { "/b", HOUR }, { "/c", HOUR },
            { NULL, 0 } }, 0, NULL },
        { "the first trigger stays: threshold", 0,
          { { "/a", 0 }, { "/b", 0 }, { "/c", 0 }, { "/h", HOUR },
            { NULL, 0 } }, 0, "engagement 30 reached mql_threshold 30" },
    };
    lead_score  r;
    model       m;
    size_t      i;
    char        want[LEAD_CAUSE_MAX];

    (void) state;

    model_open(&m, "mql_threshold 30;\n", assets);
    snprintf(want, sizeof(want), "read hot asset %016llx",
             (unsigned long long) asset(&m, "/h")->id);

    for (i = 0; i < N_ELEMS(cases); i++) {
        const char  *why = cases[i].why ? cases[i].why : want;
        uint64_t     when = cases[i].when < 0 ? 0 : at(cases[i].when);

        lead_scorer_reset(m.s, at(cases[i].since));
        read_all(&m, cases[i].reads);
        result(&m, at(3 * HOUR), &r);
        if (r.trigger_ms != when || strcmp(r.trigger, why) != 0) {
            fail_msg("%s: trigger %llu [%s], want %llu [%s]", cases[i].what,
                     (unsigned long long) r.trigger_ms, r.trigger,
                     (unsigned long long) when, why);
        }
    }
    assert_int_equal(strncmp(want, "read hot asset ", 15), 0);

    model_close(&m);
}

static void
test_reset(void **state)
{
    lead_score  r;
    model       m;

    (void) state;

    model_open(&m, "warm_after g 2 20;\n",
               HEADER
               "/h,H,decision,40,fibre,hot group=g\n"
               "/g,G,awareness,10,fibre,group=g\n"
               "/x,X,awareness,7,sd-wan,\n");

    /* the first subject: a hot read, a bonus, a stage, topics */
    lead_scorer_reset(m.s, T0);
    read_at(&m, "/h", T0);
    read_at(&m, "/g", T0);
    result(&m, T0, &r);
    assert_near(r.engagement, 40 + 10 + 20);
    assert_int_equal(r.trigger_ms, T0);

    /* the second starts from nothing: no reads, no bonus, no trigger */
    lead_scorer_reset(m.s, at(DAY));
    result(&m, at(DAY), &r);
    assert_near(r.engagement, 0);
    assert_int_equal(r.nhot, 0);
    assert_int_equal(r.nwhy, 0);
    assert_int_equal(r.ntopics, 0);
    assert_int_equal(r.stage_index, -1);
    assert_int_equal(r.trigger_ms, 0);
    assert_string_equal(r.trigger, "");

    read_at(&m, "/x", at(DAY));
    read_at(&m, "/g", at(DAY));
    result(&m, at(DAY), &r);
    assert_near(r.engagement, 7 + 10);
    assert_int_equal(r.nhot, 2);
    assert_int_equal(hot_of(&m, &r, "/g")->reads, 1);
    assert_int_equal(r.ntopics, 2);
    assert_int_equal(r.trigger_ms, 0);

    /* and wins the bonus again on its own reads */
    read_at(&m, "/h", at(2 * DAY));
    result(&m, at(2 * DAY), &r);
    assert_int_equal(r.trigger_ms, at(2 * DAY));
    assert_near(bonus_part(&r), 20);

    model_close(&m);
}

/* ---- the hot and why lists --------------------------------------------- */

static void
test_hot_ranking(void **state)
{
    /* the hot-flagged and the largest others, by what they add now */
    static const char  *const hot[] = {
        "/de40", "/in30", "/de20b", "/h-de", "/h-aw",
    };
    /* every part: the largest first, negative then the folded last */
    static const char  *const why[] = {
        NULL /* the bonus */, "/de40", "/in30", "/de20b", "/de20a", "/x1",
        "/x2", "/g1", "/x3", "/g2", "/careers", NULL /* 2 other reads */
    };
    lead_score  r;
    model       m;
    unsigned    i;
    double      f = decayed(MIN, HL);

    (void) state;

    model_open(&m, "warm_after g 2 50;\n",
               HEADER
               "/h-aw,H,awareness,1,,hot\n"
               "/h-de,H,decision,1,,hot\n"
               "/de40,D,decision,40,,\n"
               "/de20a,D,decision,20,,\n"
               "/de20b,D,decision,20,,\n"
               "/in30,I,interest,30,,\n"
               "/g1,G,awareness,3,,group=g\n"
               "/g2,G,awareness,2,,group=g\n"
               "/x1,X,epiphany,5,,\n"
               "/x2,X,epiphany,4,,\n"
               "/x3,X,epiphany,3,,\n"
               "/zero,Z,epiphany,0,,\n"
               "/careers,C,epiphany,-20,,\n");

    /* read in an order unlike the ranking */
    read_at(&m, "/careers", T0);
    read_at(&m, "/zero", T0);
    read_at(&m, "/x2", T0);
    read_at(&m, "/x3", T0);
    read_at(&m, "/g2", T0);
    read_at(&m, "/de20a", T0);
    read_at(&m, "/de20b", T0);
    read_at(&m, "/x1", T0);
    read_at(&m, "/g1", T0);
    read_at(&m, "/h-aw", T0);
    read_at(&m, "/in30", T0);
    read_at(&m, "/h-de", T0);
    read_at(&m, "/de40", T0);
    /* a reload: same score, but the later read */
    read_at(&m, "/de20b", at(MIN));

    result(&m, at(MIN), &r);

    /* at most 5; both hot-flagged in though small; no zero, no bonus */
    assert_int_equal(r.nhot, LEAD_HOT_MAX);
    for (i = 0; i < r.nhot; i++) {
        if (r.hot[i].asset_id != asset(&m, hot[i])->id) {
            fail_msg("hot[%u] is not %s", i, hot[i]);
        }
    }

    /* 14 parts but the zero: 11 rows, the 2 smallest folded in one */
    assert_int_equal(r.nwhy, LEAD_WHY_MAX);
    for (i = 0; i < r.nwhy; i++) {
        if (i == 0 ? r.why[i].group_bonus != 1
            : why[i] == NULL ? r.why[i].others != 2
            : r.why[i].asset_id != asset(&m, why[i])->id)
        {
            fail_msg("why[%u] is not %s", i, why[i] ? why[i] : "the bonus");
        }
    }
    assert_near(r.why[0].score, 50 * f);
    assert_int_equal(r.why[0].points, 50);
    assert_near(r.why[0].base, 50);
    assert_near(r.why[LEAD_WHY_MAX - 1].score, 2 * f);
    assert_int_equal(r.why[LEAD_WHY_MAX - 1].group_bonus, 0);
    why_adds_up(&r);

    /* every read at T0: all decayed alike, careers counted negative */
    assert_near(r.engagement, (1 + 1 + 40 + 20 + 20 + 30 + 3 + 2 + 5 + 4 + 3
                               + 0 - 20 + 50) * f);
    assert_int_equal(r.shown, 159);

    /* 30 days on, all halved: the same order, so a kept top asset holds */
    result(&m, at(30 * DAY + MIN), &r);
    assert_int_equal(r.hot[0].asset_id, asset(&m, "/de40")->id);
    assert_near(r.hot[0].score, 20 * f);
    why_adds_up(&r);

    model_close(&m);
}

static void
test_why_list(void **state)
{
    lead_score  r;
    model       m;

    (void) state;

    model_open(&m, "",
               HEADER
               "/a,A,awareness,10,,\n"
               "/zero,Z,awareness,0,,\n"
               "/careers,C,epiphany,-20,,\n");

    read_at(&m, "/careers", T0);
    read_at(&m, "/zero", T0);
    read_at(&m, "/a", T0);
    result(&m, T0, &r);

    /* non-zero parts only, largest first: the negative one last */
    assert_int_equal(r.nwhy, 2);
    assert_int_equal(r.why[0].asset_id, asset(&m, "/a")->id);
    assert_near(r.why[0].score, 10);
    assert_int_equal(r.why[0].shown, 10);
    assert_int_equal(r.why[1].asset_id, asset(&m, "/careers")->id);
    assert_near(r.why[1].score, -20);
    assert_int_equal(r.why[1].shown, -20);
    /* hot content: only what is worth something */
    assert_int_equal(r.nhot, 1);
    assert_int_equal(r.hot[0].asset_id, asset(&m, "/a")->id);
    assert_near(r.engagement, -10);
    assert_int_equal(r.shown, -10);
    assert_int_equal(r.band, 4);

    model_close(&m);
}

/* Rounded each on its own, 10.4 three times shows 30 of a score of 31. */
static void
test_why_rounding(void **state)
{
    lead_score  r;
    model       m;
    lead_event  ev;
    unsigned    i;
    static const char  *const paths[] = { "/a", "/b", "/c" };

    (void) state;

    model_open(&m, "", HEADER "/a,A,awareness,20,,\n"
               "/b,B,awareness,20,,\n" "/c,C,awareness,20,,\n");
    for (i = 0; i < 3; i++) {
        ev_full(&ev, &m, paths[i], T0);
        ev.file_size = 1000;
        ev.bytes_sent = 520;                    /* 52%: 10.4 each */
        add(&m, &ev);
    }
    result(&m, T0, &r);
    assert_near(r.engagement, 31.2);
    assert_int_equal(r.shown, 31);
    assert_int_equal(r.nwhy, 3);
    assert_int_equal(r.why[0].shown + r.why[1].shown + r.why[2].shown, 31);
    assert_int_equal(r.why[0].shown, 11);       /* the first of a tie */
    assert_near(r.why[0].base, 10.4);
    assert_int_equal(r.why[0].points, 20);
    why_adds_up(&r);

    /* and the helper alone: halves, negatives, a sum off by a rounding */
    {
        static const double  v[] = { 0.5, 0.5, -0.25, 2.75 };
        int64_t              out[4];

        lead_round_parts(v, 4, 4, out);       /* rint(3.5) = 4 */
        assert_int_equal(out[0] + out[1] + out[2] + out[3], 4);
        assert_int_equal(out[3], 3);
        assert_int_equal(out[2], 0);
        assert_int_equal(out[0], 1);
        assert_int_equal(out[1], 0);
    }

    model_close(&m);
}

/* The sum property on many random leads: why adds up to the score. */
static void
test_why_random(void **state)
{
    static const char  *const paths[] = {
        "/p0", "/p1", "/p2", "/p3", "/p4", "/p5", "/p6", "/p7", "/p8",
        "/p9", "/pa", "/pb", "/pc", "/pd", "/pe", "/pf", "/g0", "/g1",
    };
    uint64_t    x = 0x9e3779b97f4a7c15ULL, t;
    lead_score  r;
    lead_event  ev;
    model       m;
    unsigned    lead, k, n;
    size_t      p;

    (void) state;

    model_open(&m, "half_life 7d; warm_after g 2 13;\n",
               HEADER
               "/p0,A,awareness,7,,\n" "/p1,A,awareness,3,,\n"
               "/p2,A,interest,11,,\n" "/p3,A,interest,-5,,\n"
               "/p4,A,decision,40,,hot\n" "/p5,A,decision,25,,hot\n"
               "/p6,A,epiphany,1,,\n" "/p7,A,epiphany,0,,\n"
               "/p8,A,evaluation,15,,\n" "/p9,A,evaluation,9,,\n"
               "/pa,A,awareness,2,,\n" "/pb,A,awareness,4,,\n"
               "/pc,A,interest,6,,\n" "/pd,A,interest,8,,\n"
               "/pe,A,decision,-1,,\n" "/pf,A,decision,33,,\n"
               "/g0,G,interest,5,,group=g\n" "/g1,G,interest,5,,group=g\n");

    for (lead = 0; lead < 2000; lead++) {
        lead_scorer_reset(m.s, T0);
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        n = (unsigned) (x % 40);
        t = T0;
        for (k = 0; k < n; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            p = (size_t) (x % N_ELEMS(paths));
            t += x % (3 * DAY);
            ev_full(&ev, &m, paths[p], t);
            ev.file_size = 1000;
            ev.bytes_sent = 1 + (x >> 20) % 1000;
            add(&m, &ev);
        }
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        result(&m, t + x % (90 * DAY), &r);
        why_adds_up(&r);
        assert_true(r.nhot <= LEAD_HOT_MAX);
        for (k = 0; k < r.nhot; k++) {
            assert_true(r.hot[k].score > 0);
            assert_true(k == 0 || r.hot[k].score <= r.hot[k - 1].score);
        }
    }

    model_close(&m);
}

/* ---- bands and grades -------------------------------------------------- */

static void
test_band_grade(void **state)
{
    static const struct {
        double  engagement;
        int     band;
    } bands[] = {
        { 1000, 1 }, { 80, 1 }, { 79.999, 1 }, { 79.4, 2 }, { 40, 2 }, { 39.4, 3 },
        { 15, 3 }, { 14.9, 3 }, { 14.4, 4 }, { 0, 4 }, { -5, 4 },
    };
    static const struct {
        int   points;
        char  grade;
    } grades[] = {
        { 100, 'A' }, { 60, 'A' }, { 59, 'B' }, { 40, 'B' }, { 39, 'C' },
        { 20, 'C' }, { 19, 'D' }, { 0, 'D' }, { -10, 'D' },
    };
    model   m;
    size_t  i;

    (void) state;

    model_open(&m, "", HEADER);     /* the default thresholds */

    for (i = 0; i < N_ELEMS(bands); i++) {
        if (lead_band(m.sc, bands[i].engagement) != bands[i].band) {
            fail_msg("band of %g: %d, want %d", bands[i].engagement,
                     lead_band(m.sc, bands[i].engagement), bands[i].band);
        }
    }
    for (i = 0; i < N_ELEMS(grades); i++) {
        if (lead_grade(m.sc, grades[i].points) != grades[i].grade) {
            fail_msg("grade of %d: %c, want %c", grades[i].points,
                     lead_grade(m.sc, grades[i].points), grades[i].grade);
        }
    }

    model_close(&m);
}

/* ---- profile points, from rules in a folder ---------------------------- */

static void
put_file(const char *dir, const char *name, const char *text)
{
    char    path[256];
    FILE   *f;
    size_t  len = strlen(text);

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void
test_profile_points(void **state)
{
    static const struct {
        const char  *email;
        int          subscribed, contact;
        const char  *country;
        int          points;
        char         grade;
    } cases[] = {
        { "ada@acme.com", 1, 1, "GB", 30 + 10 + 30 + 20, 'A' },
        { "ada@gmail.com", 0, 0, "", 0, 'D' },
        { "ada@acme.com", 0, 0, "", 30, 'C' },
        { "ada@acme.com", 0, 0, "FR", 30, 'C' },
        { "ada@acme.com", 0, 0, "IE", 30 + 20, 'B' },
        { "ada@gmail.com", 1, 0, "", 10, 'D' },
        { "ada@gmail.com", 0, 1, "GB", 30 + 20, 'B' },
        { "ada@gmail.com", 1, 1, "IE", 10 + 30 + 20, 'A' },
    };
    const char  *dir = dir_of(state);
    lead_person  p;
    lead_rules  *r;
    char         err[512] = "";
    size_t       i;
    int          points;

    put_file(dir, "scoring.conf",
             "profile company_email 30;\n"
             "profile freemail 0;\n"
             "profile subscribed 10;\n"
             "profile contact 30;\n"
             "profile country GB IE 20;\n"
             "freemail_domains free.txt;\n");
    put_file(dir, "free.txt", "gmail.com\n");
    put_file(dir, "assets.csv", HEADER "/a,A,awareness,10,,\n");

    if (lead_rules_load(&r, dir, err, sizeof(err)) != LEAD_OK) {
        fail_msg("lead_rules_load: %s", err);
    }

    for (i = 0; i < N_ELEMS(cases); i++) {
        memset(&p, 0, sizeof(p));
        p.email.data = cases[i].email;
        p.email.len = strlen(cases[i].email);
        p.subscribed = cases[i].subscribed;
        p.contact = cases[i].contact;

        points = lead_profile_points(r, &p, cases[i].country);
        if (points != cases[i].points
            || lead_grade(lead_rules_scoring(r), points) != cases[i].grade)
        {
            fail_msg("%s %d %d [%s]: %d points, grade %c, want %d %c",
                     cases[i].email, cases[i].subscribed, cases[i].contact,
                     cases[i].country, points,
                     lead_grade(lead_rules_scoring(r), points),
                     cases[i].points, cases[i].grade);
        }
    }

    lead_rules_free(r);
}

/* Accounts: a company domain rolls leads up; free-mail does not. */
static void
test_company(void **state)
{
    static const struct {
        const char  *email;
        const char  *company;
    } cases[] = {
        { "ada@acme.example", "acme.example" },
        { "bob@sub.acme.example", "sub.acme.example" },
        { "carol@gmail.com", "" },
        { "no-at-sign", "" },
        { "trailing@", "" },
        { "", "" },
    };
    lead_rules  *r;
    lead_str     got;
    char         dir[] = "/tmp/lead-company-XXXXXX", path[128], err[256];
    size_t       i;
    FILE        *f;

    (void) state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/scoring.conf", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("freemail_domains free.txt;\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/free.txt", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("gmail.com\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/assets.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(HEADER, f);
    fclose(f);

    assert_int_equal(lead_rules_load(&r, dir, err, sizeof(err)), LEAD_OK);
    for (i = 0; i < N_ELEMS(cases); i++) {
        got = lead_company(r, (lead_str) { cases[i].email,
                                           strlen(cases[i].email) });
        assert_int_equal(got.len, strlen(cases[i].company));
        assert_memory_equal(got.data, cases[i].company, got.len);
    }
    lead_rules_free(r);

    for (i = 0; i < 3; i++) {
        static const char  *names[] = { "scoring.conf", "free.txt",
                                        "assets.csv" };

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_group_bonus),
        cmocka_unit_test(test_topics),
        cmocka_unit_test(test_top_topics),
        cmocka_unit_test(test_decoded_empty_fields),
        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_triggers),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_hot_ranking),
        cmocka_unit_test(test_why_list),
        cmocka_unit_test(test_why_rounding),
        cmocka_unit_test(test_why_random),
        cmocka_unit_test(test_band_grade),
        cmocka_unit_test_setup_teardown(test_profile_points, setup,
                                        teardown),
        cmocka_unit_test(test_company),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
