#include "unit.h"
#include "rules_fixture.h"
#include "dir_fixture.h"

#define WARM_USAGE                                                            \
    "a group, a count, optional points and an optional quoted title "         \
    "(warm_after guide 3 20 \"The buying guide\")"

/*
 * scoring.conf: the defaults, every directive, each message a mistake
 * gets, and the freemail_domains list it names.
 */

/* ---- scoring.conf ------------------------------------------------------ */

static const char  *default_stage_names[] = {
    "epiphany", "awareness", "interest", "evaluation", "decision"
};

static void
assert_defaults(const lead_scoring *sc)
{
    unsigned  i;

    assert_int_equal(sc->nstages, 5);
    for (i = 0; i < 5; i++) {
        assert_string_equal(sc->stages[i], default_stage_names[i]);
    }
    assert_int_equal(sc->gate_from, 2);
    assert_int_equal(sc->half_life_ms, UINT64_C(30) * 86400 * 1000);
    assert_int_equal(sc->reload_window_ms, UINT64_C(30) * 60 * 1000);
    assert_int_equal(sc->mql_threshold, 60);
    assert_int_equal(sc->accept_within_ms, 0);
    assert_null(sc->accept_within);
    assert_int_equal(sc->ngroups, 0);
    assert_int_equal(sc->grade_min[0], 60);
    assert_int_equal(sc->grade_min[1], 40);
    assert_int_equal(sc->grade_min[2], 20);
    assert_int_equal(sc->band_min[0], 80);
    assert_int_equal(sc->band_min[1], 40);
    assert_int_equal(sc->band_min[2], 15);
    assert_int_equal(sc->company_email_points, 20);
    assert_int_equal(sc->freemail_points, 0);
    assert_int_equal(sc->subscribed_points, 10);
    assert_int_equal(sc->contact_points, 30);
    assert_int_equal(sc->ncountries, 0);
    assert_int_equal(sc->nfreemail, 0);
}

static void
test_scoring_defaults(void **state)
{
    static const char  *empty[] = {
        "", "\n\n", "# only comments\n   # and blanks\n\t\n", "#", "\r\n",
    };
    lead_rules         *r;
    size_t              i;

    (void) state;

    for (i = 0; i < N_ELEMS(empty); i++) {
        r = parse_ok(empty[i], HEADER "/a,A,decision,0,,\n");
        assert_defaults(lead_rules_scoring(r));
        assert_int_equal(lead_rules_asset(r, 0)->stage_index, 4);
        lead_rules_free(r);
    }
}

/* Every directive once, with comments and quoting wherever they may go. */
static const char  every_key[] =
    "# how lead scores\n"
    "stages first second \"third\" ; # end-of-line comment\n"
    "gate_from second;\n"
    "half_life 12h;   # twelve hours\n"
    "reload_window\n"
    "    90s # a directive may span lines\n"
    "    ;\n"
    "mql_threshold 75;warm_after guide 2 25;\n"
    "warm_after webinars 1 \"Webinars: \u00e9t\u00e9 series\";\n"
    "grade A 90; grade B 50; grade C -5;\n"
    "engagement 3 1;\n"
    "engagement 2 50;\n"
    "engagement 1 100;\n"
    "profile company_email 35;\n"
    "profile freemail -5;\n"
    "profile subscribed 12;\n"
    "profile contact 40;\n"
    "profile country GB IE 20;\n"
    "profile country DE,AT,,CH, -3;\n"
    "# the end";

static const char  every_key_csv[] =
    HEADER
    "/g1,G1,first,1,,group=guide\n"
    "/g2,G2,second,1,,group=guide\n"
    "/w,W,third,1,,group=webinars\n";

static void
test_scoring_every_key(void **state)
{
    const lead_scoring  *sc;
    lead_rules          *r;

    (void) state;

    r = parse_ok(every_key, every_key_csv);
    sc = lead_rules_scoring(r);

    assert_int_equal(sc->nstages, 3);
    assert_string_equal(sc->stages[0], "first");
    assert_string_equal(sc->stages[1], "second");
    assert_string_equal(sc->stages[2], "third");
    assert_int_equal(sc->gate_from, 1);
    assert_int_equal(sc->half_life_ms, UINT64_C(12) * 3600 * 1000);
    assert_int_equal(sc->reload_window_ms, 90 * 1000);
    assert_int_equal(sc->mql_threshold, 75);

    assert_int_equal(sc->ngroups, 2);
    assert_string_equal(sc->groups[0].name, "guide");
    assert_int_equal(sc->groups[0].count, 2);
    assert_int_equal(sc->groups[0].points, 25);
    assert_string_equal(sc->groups[1].name, "webinars");
    assert_int_equal(sc->groups[1].count, 1);
    assert_int_equal(sc->groups[1].points, 0);
    assert_string_equal(sc->groups[0].title, "");
    assert_string_equal(sc->groups[1].title, "Webinars: \u00e9t\u00e9 series");

    assert_int_equal(sc->grade_min[0], 90);
    assert_int_equal(sc->grade_min[1], 50);
    assert_int_equal(sc->grade_min[2], -5);
    assert_int_equal(sc->band_min[0], 100);
    assert_int_equal(sc->band_min[1], 50);
    assert_int_equal(sc->band_min[2], 1);

    assert_int_equal(sc->company_email_points, 35);
    assert_int_equal(sc->freemail_points, -5);
    assert_int_equal(sc->subscribed_points, 12);
    assert_int_equal(sc->contact_points, 40);

    assert_int_equal(sc->ncountries, 2);
    assert_int_equal(sc->countries[0].ncodes, 2);
    assert_memory_equal(sc->countries[0].codes[0], "GB", 2);
    assert_memory_equal(sc->countries[0].codes[1], "IE", 2);
    assert_int_equal(sc->countries[0].points, 20);
    assert_int_equal(sc->countries[1].ncodes, 3);
    assert_memory_equal(sc->countries[1].codes[0], "DE", 2);
    assert_memory_equal(sc->countries[1].codes[1], "AT", 2);
    assert_memory_equal(sc->countries[1].codes[2], "CH", 2);
    assert_int_equal(sc->countries[1].points, -3);
    assert_int_equal(sc->nfreemail, 0);

    /* assets name the custom stages by index */
    assert_int_equal(asset_by_path(r, "/g1")->stage_index, 0);
    assert_int_equal(asset_by_path(r, "/w")->stage_index, 2);
    assert_string_equal(asset_by_path(r, "/w")->stage, "third");

    lead_rules_free(r);
}

static void
test_scoring_durations(void **state)
{
    static const struct {
        const char  *text;
        uint64_t     ms;
    } cases[] = {
        { "1s", 1000 },
        { "45s", 45000 },
        { "30m", UINT64_C(30) * 60000 },
        { "2h", UINT64_C(2) * 3600000 },
        { "7d", UINT64_C(7) * 86400000 },
        { "100000000d", UINT64_C(100000000) * 86400000 },
    };
    const lead_scoring  *sc;
    lead_rules          *r;
    char                 conf[128];
    size_t               i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(conf, sizeof(conf), "half_life %s;\nreload_window %s;\n"
                 "accept_within %s;", cases[i].text, cases[i].text,
                 cases[i].text);
        r = parse_ok(conf, HEADER);
        sc = lead_rules_scoring(r);
        assert_int_equal(sc->half_life_ms, cases[i].ms);
        assert_int_equal(sc->reload_window_ms, cases[i].ms);
        /* the reason a returned lead is given says it as written */
        assert_int_equal(sc->accept_within_ms, cases[i].ms);
        assert_string_equal(sc->accept_within, cases[i].text);
        lead_rules_free(r);
    }
}

/* gate_from alone moves the gate within the default stages. */
static void
test_scoring_gate_default_stages(void **state)
{
    static const char  *gates[] = {
        "epiphany", "awareness", "interest", "evaluation", "decision"
    };
    lead_rules         *r;
    char                conf[64];
    unsigned            i;

    (void) state;

    for (i = 0; i < N_ELEMS(gates); i++) {
        snprintf(conf, sizeof(conf), "gate_from %s;", gates[i]);
        r = parse_ok(conf, HEADER);
        assert_int_equal(lead_rules_scoring(r)->gate_from, i);
        assert_int_equal(lead_rules_scoring(r)->nstages, 5);
        lead_rules_free(r);
    }
}

typedef struct {
    const char  *conf;
    const char  *err;
} bad_conf;

/* One asset in group g, for the warm_after checks. */
static const char  conf_csv[] = HEADER "/a,A,epiphany,0,,group=g\n";

static const bad_conf  bad_confs[] = {
    /* syntax */
    { "mql_threshold 50;\nhalflife 30d;",
      CONF(2) "unknown directive \"halflife\" (expected stages gate_from "
      "half_life reload_window mql_threshold accept_within currency stage_min "
      "warm_after grade engagement freemail_domains profile signal "
      "feedback_points)" },
    { "\"half_life\" 30d;\nHalf_life 30d;",
      CONF(2) "unknown directive \"Half_life\" (expected stages gate_from "
      "half_life reload_window mql_threshold accept_within currency stage_min "
      "warm_after grade engagement freemail_domains profile signal "
      "feedback_points)" },
    { "mql_threshold 50;\n\nhalf_life\n  30d\n",
      CONF(3) "unexpected end of file, expecting \";\"" },
    { "mql_threshold 50 # the ';' is in a comment;\n",
      CONF(1) "unexpected end of file, expecting \";\"" },
    { "mql_threshold 50;\n;\n", CONF(2) "unexpected \";\"" },
    { "mql_threshold 50;;", CONF(1) "unexpected \";\"" },
    { "# c\nprofile country \"GB 20;\n",
      CONF(2) "unterminated quoted string" },
    { "profile country \"GB\nIE\" 20;\n",
      CONF(1) "unterminated quoted string" },
    { "profile country \"GB", CONF(1) "unterminated quoted string" },
    /* inside quotes '#' is no comment */
    { "profile country \"GB#\" 20;",
      CONF(1) "invalid country code \"GB#\" (expected two capital letters, "
      "ISO 3166, e.g. GB)" },

    /* directives given twice */
    { "stages a b;\ngate_from a;\nstages c d;",
      CONF(3) "\"stages\" is duplicate" },
    { "gate_from interest;\n# again\ngate_from decision;",
      CONF(3) "\"gate_from\" is duplicate" },
    { "half_life 30d;\nhalf_life 7d;", CONF(2) "\"half_life\" is duplicate" },
    { "accept_within 2d;\naccept_within 3d;",
      CONF(2) "\"accept_within\" is duplicate" },
    { "accept_within 2;", CONF(1) "invalid duration \"2\" (expected a "
      "number with s, m, h or d, e.g. 30d)" },
    { "accept_within;", CONF(1) "\"accept_within\" takes one duration, "
      "e.g. 2d" },
    { "reload_window 1m;\nreload_window 1m;",
      CONF(2) "\"reload_window\" is duplicate" },
    { "mql_threshold 1;\nmql_threshold 2;",
      CONF(2) "\"mql_threshold\" is duplicate" },

    /* durations */
    { "half_life 30;", CONF(1) "invalid duration \"30\" (expected a number "
      "with s, m, h or d, e.g. 30d)" },
    { "half_life 30x;", CONF(1) "invalid duration \"30x\" (expected a number "
      "with s, m, h or d, e.g. 30d)" },
    { "half_life d;", CONF(1) "invalid duration \"d\" (expected a number "
      "with s, m, h or d, e.g. 30d)" },
    { "half_life 0d;", CONF(1) "invalid duration \"0d\" (expected a number "
      "with s, m, h or d, e.g. 30d)" },
    { "reload_window -1m;", CONF(1) "invalid duration \"-1m\" (expected a "
      "number with s, m, h or d, e.g. 30d)" },
    { "reload_window 30D;", CONF(1) "invalid duration \"30D\" (expected a "
      "number with s, m, h or d, e.g. 30d)" },
    { "reload_window 1.5h;", CONF(1) "invalid duration \"1.5h\" (expected a "
      "number with s, m, h or d, e.g. 30d)" },
    { "half_life 30 d;", CONF(1) "\"half_life\" takes one duration, e.g. "
      "30d" },
    { "half_life;", CONF(1) "\"half_life\" takes one duration, e.g. 30d" },

    /* numbers */
    { "mql_threshold\n  6o;", CONF(1) "invalid number \"6o\" (expected an "
      "integer from 1 to 1000000)" },
    { "mql_threshold 0;", CONF(1) "invalid number \"0\" (expected an "
      "integer from 1 to 1000000)" },
    { "mql_threshold 1000001;", CONF(1) "invalid number \"1000001\" "
      "(expected an integer from 1 to 1000000)" },
    { "mql_threshold 1 2;", CONF(1) "\"mql_threshold\" takes one number" },

    /* stages and gate_from */
    { "stages a b;\ngate_from c;", CONF(2) "unknown stage \"c\" for "
      "gate_from (stages: a b)\n" CSV(2) "unknown stage \"epiphany\" "
      "(stages: a b)" },
    { "\ngate_from consideration;", CONF(2) "unknown stage \"consideration\" "
      "for gate_from " STAGES },
    { "gate_from Interest;", CONF(1) "unknown stage \"Interest\" for "
      "gate_from " STAGES },
    { "gate_from a b;", CONF(1) "\"gate_from\" takes one stage name" },
    { "stages a b c;", CONF(1) "\"gate_from\" is needed with custom stages\n"
      CSV(2) "unknown stage \"epiphany\" (stages: a b c)" },
    { "stages a b a;\ngate_from a;", CONF(1) "stage \"a\" is listed twice" },
    { "stages a b/c;\ngate_from a;", CONF(1) "invalid stage name \"b/c\" "
      "(letters, digits, - _ .)" },
    { "stages a \"\";\ngate_from a;", CONF(1) "invalid stage name \"\" "
      "(letters, digits, - _ .)" },
    { "stages a;\ngate_from a;", CONF(1) "\"stages\" takes 2 to 16 names, in "
      "buying order" },
    { "stages a b c d e f g h i j k l m n o p q;\ngate_from a;",
      CONF(1) "\"stages\" takes 2 to 16 names, in buying order" },

    /* grade and engagement: checked at the end of the file */
    { "grade A 40;", CONF(1) "grade thresholds must fall from A to C (now A "
      "40, B 40, C 20)" },
    { "grade C 45;", CONF(1) "grade thresholds must fall from A to C (now A "
      "60, B 40, C 45)" },
    { "grade D 10;", CONF(1) "unknown level \"D\" for \"grade\" (expected "
      "one of A B C)" },
    { "grade a 10;", CONF(1) "unknown level \"a\" for \"grade\" (expected "
      "one of A B C)" },
    { "grade AB 10;", CONF(1) "unknown level \"AB\" for \"grade\" (expected "
      "one of A B C)" },
    { "grade A 70;\ngrade A 80;", CONF(2) "\"grade A\" is duplicate" },
    { "grade A;", CONF(1) "\"grade\" takes a level and a number" },
    { "grade A 100001;", CONF(1) "invalid number \"100001\" (expected an "
      "integer from -100000 to 100000)" },
    { "engagement 1 40;", CONF(1) "engagement thresholds must fall from 1 to "
      "3 and stay above 0 (now 1 40, 2 40, 3 15)" },
    { "engagement 3 0;", CONF(1) "engagement thresholds must fall from 1 to "
      "3 and stay above 0 (now 1 80, 2 40, 3 0)" },
    { "engagement 2 10;", CONF(1) "engagement thresholds must fall from 1 to "
      "3 and stay above 0 (now 1 80, 2 10, 3 15)" },
    { "engagement 4 10;", CONF(1) "unknown level \"4\" for \"engagement\" "
      "(expected one of 1 2 3)" },
    { "engagement 2 5;\nengagement 2 6;",
      CONF(2) "\"engagement 2\" is duplicate" },

    /* warm_after */
    { "mql_threshold 50;\n\nwarm_after webinars 2 10;\nhalf_life 7d;",
      CONF(3) "warm_after webinars 2: only 0 assets have group=webinars in "
      "assets.csv" PREFIX_HINT },
    { "warm_after g 2;", CONF(1) "warm_after g 2: only 1 assets have "
      "group=g in assets.csv" PREFIX_HINT },
    { "warm_after g 1;\nwarm_after g 1 5;",
      CONF(2) "\"warm_after g\" is duplicate" },
    { "warm_after g;", CONF(1) "\"warm_after\" takes " WARM_USAGE },
    { "warm_after g 1 2 3;", CONF(1) "\"warm_after\" takes " WARM_USAGE },
    { "warm_after g 1 2 \"T\" 4;", CONF(1) "\"warm_after\" takes "
      WARM_USAGE },
    { "warm_after g 1 2 \"\";", CONF(1) "a group's title is 1 to 200 bytes" },
    { "warm_after g 1 \"a\001b\";", CONF(1) "a group's title must be UTF-8 "
      "text without control characters" },
    { "warm_after g 1 \"a\xff" "b\";", CONF(1) "a group's title must be UTF-8 "
      "text without control characters" },
    { "warm_after g 1 \"two\nlines\";", CONF(1) "unterminated quoted "
      "string" },
    { "warm_after g/h 1;", CONF(1) "invalid group name \"g/h\"" },
    { "warm_after g 0;", CONF(1) "invalid number \"0\" (expected an integer "
      "from 1 to 1000)" },
    { "warm_after g 1 1001;", CONF(1) "invalid number \"1001\" (expected an "
      "integer from -1000 to 1000)" },

    /* profile */
    { "profile age 10;", CONF(1) "unknown profile rule \"age\" (expected "
      "company_email freemail subscribed contact country)" },
    { "profile contact;", CONF(1) "\"profile\" takes a kind and points "
      "(profile company_email|freemail|subscribed|contact N, or profile "
      "country CC... N)" },
    { "profile contact 1 2;", CONF(1) "\"profile contact\" takes one "
      "number" },
    { "profile subscribed 1001;", CONF(1) "invalid number \"1001\" (expected "
      "an integer from -1000 to 1000)" },
    { "profile country 20;", CONF(1) "\"profile country\" takes country "
      "codes and points (e.g. profile country GB IE 20)" },
    { "profile country gb 20;", CONF(1) "invalid country code \"gb\" "
      "(expected two capital letters, ISO 3166, e.g. GB)" },
    { "profile country GB GBR 20;", CONF(1) "invalid country code \"GBR\" "
      "(expected two capital letters, ISO 3166, e.g. GB)" },
    { "profile country GB,ie 20;", CONF(1) "invalid country code \"ie\" "
      "(expected two capital letters, ISO 3166, e.g. GB)" },
    { "profile country , 20;", CONF(1) "\"profile country\" needs at least "
      "one code" },
    { "profile country GB ten;", CONF(1) "invalid number \"ten\" (expected "
      "an integer from -1000 to 1000)" },

    /* signal */
    { "signal webinar;", CONF(1) "\"signal\" takes a name, points and an "
      "optional topic (signal webinar 30 pricing)" },
    { "signal webinar 1 a b;", CONF(1) "\"signal\" takes a name, points "
      "and an optional topic (signal webinar 30 pricing)" },
    { "signal \"web inar\" 10;", CONF(1) "invalid signal name \"web inar\" "
      "(one word of letters, digits, - _ ., at most 64)" },
    { "signal webinar ten;", CONF(1) "invalid number \"ten\" (expected an "
      "integer from -1000 to 1000)" },
    { "signal webinar 1001;", CONF(1) "invalid number \"1001\" (expected "
      "an integer from -1000 to 1000)" },
    { "signal webinar 10 a/b;", CONF(1) "invalid topic \"a/b\" (one word of "
      "letters, digits, - _ ., at most 64)" },
    { "signal webinar 10;\nsignal webinar 20;",
      CONF(2) "\"signal webinar\" is duplicate" },

    /* freemail_domains names a file in the rules folder */
    { "freemail_domains ../freemail.txt;", CONF(1) "freemail_domains: "
      "\"../freemail.txt\" must be a file name in the rules folder" },
    { "freemail_domains \"\";", CONF(1) "freemail_domains: \"\" must be a "
      "file name in the rules folder" },
    { "freemail_domains a b;", CONF(1) "\"freemail_domains\" takes one file "
      "name" },
};

static void
test_scoring_invalid(void **state)
{
    size_t  i;

    (void) state;

    for (i = 0; i < N_ELEMS(bad_confs); i++) {
        expect_err(bad_confs[i].conf, conf_csv, bad_confs[i].err);
    }
}

/* Signals: each one's points and topic, by name; at most 32 of them. */
static void
test_scoring_signals(void **state)
{
    const lead_signal_rule  *sig;
    lead_rules              *r;
    char                     conf[2048];
    size_t                   i, n = 0;

    (void) state;

    r = parse_ok("signal webinar 30 pricing;\nsignal call_logged -5;\n",
                 HEADER);
    assert_int_equal(lead_rules_scoring(r)->nsignals, 2);
    sig = lead_rules_signal(r, "webinar", 7);
    assert_non_null(sig);
    assert_int_equal(sig->points, 30);
    assert_string_equal(sig->topic, "pricing");
    sig = lead_rules_signal(r, "call_logged", 11);
    assert_non_null(sig);
    assert_int_equal(sig->points, -5);
    assert_string_equal(sig->topic, "");
    assert_null(lead_rules_signal(r, "webina", 6));
    assert_null(lead_rules_signal(r, "webinars", 8));
    lead_rules_free(r);

    for (i = 0; i < LEAD_SIGNALS_MAX; i++) {
        n += (size_t) snprintf(conf + n, sizeof(conf) - n, "signal s%zu 1;\n",
                               i);
    }
    r = parse_ok(conf, HEADER);
    assert_int_equal(lead_rules_scoring(r)->nsignals, LEAD_SIGNALS_MAX);
    lead_rules_free(r);
    snprintf(conf + n, sizeof(conf) - n, "signal one_more 1;\n");
    expect_err(conf, HEADER, CONF(33) "too many signals (at most 32)");
}

/* Word and code counts past their limits, built in memory. */
static void
test_scoring_word_limits(void **state)
{
    char  conf[512];
    int   i, n;

    (void) state;

    /* 64 codes fit in one rule, 65 do not */
    n = sprintf(conf, "profile country");
    for (i = 0; i < 64; i++) {
        n += sprintf(conf + n, " GB");
    }
    sprintf(conf + n, " 5;");
    lead_rules_free(parse_ok(conf, HEADER));
    sprintf(conf + n, " IE 5;");
    expect_err(conf, HEADER, CONF(1) "too many country codes in one rule");

    /* 80 words make a directive, the 81st is refused */
    n = sprintf(conf, "profile country");
    for (i = 0; i < 77; i++) {
        n += sprintf(conf + n, " %s", i % 2 ? "GB" : ",");
    }
    sprintf(conf + n, " 5;");
    lead_rules_free(parse_ok(conf, HEADER));
    sprintf(conf + n, " GB 5;");
    expect_err(conf, HEADER, CONF(1) "too many words in one directive (at "
               "most 80)");
}

/*
 * Every error is told, scoring.conf's before assets.csv's; a refused
 * directive is told once, not again by what depends on it.
 */
static void
test_scoring_checked_first(void **state)
{
    (void) state;

    expect_err("half_life 30;\nmql_threshold x;\nstage_min 0;\n"
               "mql_threshold 5;\ngrade A 10;",
               HEADER "/a,A,epiphany,0,,\n",
               CONF(1) "invalid duration \"30\" (expected a number with s, "
               "m, h or d, e.g. 30d)\n"
               CONF(2) "invalid number \"x\" (expected an integer from 1 to "
               "1000000)\n"
               CONF(3) "invalid number \"0\" (expected an integer from 1 to "
               "1000000)\n"
               CONF(4) "\"mql_threshold\" is duplicate\n"
               CONF(5) "grade thresholds must fall from A to C (now A 10, "
               "B 40, C 20)");
    /* the stages refused: neither gate_from nor each row says so again */
    expect_err("stages a a;\ngate_from a;",
               HEADER "/a,A,later,0,,\n/b,B,epiphany,0,,\n",
               CONF(1) "stage \"a\" is listed twice");

    expect_err("half_life 30;", HEADER "/a,A,later,0,,\n",
               CONF(1) "invalid duration \"30\" (expected a number with s, "
               "m, h or d, e.g. 30d)\n"
               CSV(2) "unknown stage \"later\" " STAGES);
    expect_err("stages a b;\ngate_from b;", HEADER "/a,A,epiphany,0,,\n",
               CSV(2) "unknown stage \"epiphany\" (stages: a b)");
}

/* ---- freemail_domains, from files -------------------------------------- */

static void
test_freemail(void **state)
{
    const char   *dir = dir_of(state);
    lead_rules   *r;
    static const struct {
        const char  *domain;
        size_t       len;            /* 0: strlen */
        int          want;
    } cases[] = {
        { "gmail.com", 0, 1 },
        { "yahoo.co.uk", 0, 1 },
        { "web.de", 0, 1 },
        { "t-online.de", 0, 1 },
        { "163.com", 0, 1 },
        { "GMail.com", 0, 0 },           /* the caller lower-cases */
        { "mail.com", 0, 0 },
        { "gmail.co", 0, 0 },
        { "gmail.comx", 0, 0 },
        { "gmail.comx", 9, 1 },          /* only len bytes count */
        { "", 0, 0 },
        { "example.com", 0, 0 },
    };
    size_t        i, len;

    put_file(dir, "assets.csv", HEADER);
    put_file(dir, "scoring.conf", "# free mail\nfreemail_domains free.txt;\n");
    put_file(dir, "free.txt",
             "# Free-mail domains\n"
             "GMail.com\n"
             "   yahoo.co.uk   # trailing comment\n"
             "\n"
             "\t\n"
             "gmail.com\n"
             "web.de\r\n"
             "T-Online.DE\n"
             "163.com");

    r = load_ok(dir);
    assert_int_equal(lead_rules_scoring(r)->nfreemail, 5);
    for (i = 0; i < N_ELEMS(cases); i++) {
        len = cases[i].len ? cases[i].len : strlen(cases[i].domain);
        if (lead_rules_is_freemail(r, cases[i].domain, len) != cases[i].want)
        {
            fail_msg("%.*s: want %d", (int) len, cases[i].domain,
                     cases[i].want);
        }
    }
    lead_rules_free(r);

    /* an empty list is a list */
    put_file(dir, "free.txt", "# none yet\n");
    r = load_ok(dir);
    assert_int_equal(lead_rules_scoring(r)->nfreemail, 0);
    assert_int_equal(lead_rules_is_freemail(r, "gmail.com", 9), 0);
    lead_rules_free(r);
}

static void
test_freemail_invalid(void **state)
{
    static const struct {
        const char  *conf;
        const char  *list;
        const char  *err;         /* after the dir */
    } cases[] = {
        { "\nfreemail_domains missing.txt;", "",
          "/missing.txt: cannot open: No such file or directory" },
        { "freemail_domains free.txt;\nfreemail_domains free.txt;", "a.com",
          "/scoring.conf:2: \"freemail_domains\" is duplicate" },
        { "freemail_domains sub/free.txt;", "a.com",
          "/scoring.conf:1: freemail_domains: \"sub/free.txt\" must be a "
          "file name in the rules folder" },
        { "freemail_domains .;", "a.com", "/.: not a regular file" },
        /* the message quotes the bad line, read before the file is freed */
        { "freemail_domains free.txt;", "a.com\n\nbad_domain.com\n",
          "/free.txt:3: invalid domain \"bad_domain.com\"" },
        { "freemail_domains free.txt;", ".com", "/free.txt:1: invalid "
          "domain \".com\"" },
        { "freemail_domains free.txt;", "two words.com", "/free.txt:1: "
          "invalid domain \"two words.com\"" },
    };
    const char  *dir = dir_of(state);
    char         longest[260];
    size_t       i;

    put_file(dir, "assets.csv", HEADER);
    for (i = 0; i < N_ELEMS(cases); i++) {
        put_file(dir, "scoring.conf", cases[i].conf);
        put_file(dir, "free.txt", cases[i].list);
        expect_load_err(dir, cases[i].err);
    }

    /* 253 bytes is the longest domain name */
    put_file(dir, "scoring.conf", "freemail_domains free.txt;");
    memset(longest, 'a', 253);
    strcpy(longest + 253, "\n");
    put_file(dir, "free.txt", longest);
    lead_rules_free(load_ok(dir));
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_scoring_defaults),
        cmocka_unit_test(test_scoring_every_key),
        cmocka_unit_test(test_scoring_durations),
        cmocka_unit_test(test_scoring_gate_default_stages),
        cmocka_unit_test(test_scoring_invalid),
        cmocka_unit_test(test_scoring_signals),
        cmocka_unit_test(test_scoring_word_limits),
        cmocka_unit_test(test_scoring_checked_first),
        T(test_freemail),
        T(test_freemail_invalid),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
