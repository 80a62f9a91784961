#include "unit.h"
#include "event_fixture.h"
#include "rules_fixture.h"
#include "dir_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

/*
 * The rules as one object: messages in a short buffer, matching paths to
 * assets, loading the files from a folder, and how assets travel with
 * events and into the store's catalogue.  assets.csv and scoring.conf on
 * their own are in test_assets_csv.c and test_scoring_conf.c.
 */

/* ---- errors ------------------------------------------------------------ */

/* A short err buffer gets a cut but terminated message. */
static void
test_error_buffer_short(void **state)
{
    lead_rules  *r;
    char         err[16];
    int          rc;

    (void) state;

    memset(err, 'x', sizeof(err));
    rc = lead_rules_parse(&r, RDIR, "", 0, "", 0, err, sizeof(err));
    assert_int_equal(rc, LEAD_EINVAL);
    assert_null(r);
    assert_string_equal(err, "rules/assets.cs");
}

/* ---- matching ---------------------------------------------------------- */

/* Prefixes deliberately not in length order. */
static const char  match_csv[] =
    HEADER
    "/x/*,X,epiphany,1,,\n"
    "/x/y,XY,epiphany,2,,\n"
    "/x/a/*,XA,epiphany,3,,\n"
    "/x/a/b.html,XAB,epiphany,4,,\n"
    "/docs*,D,epiphany,5,,\n"
    "/docs,D0,epiphany,6,,\n";

static void
test_match(void **state)
{
    static const struct {
        const char  *path;
        const char  *with_catchall;   /* rule path, NULL: untagged */
        const char  *without;
    } cases[] = {
        { "/x/y", "/x/y", "/x/y" },              /* exact beats prefix */
        { "/x/", "/x/*", "/x/*" },
        { "/x/z", "/x/*", "/x/*" },
        { "/x/y/z", "/x/*", "/x/*" },            /* exact is no prefix */
        { "/x/yy", "/x/*", "/x/*" },
        { "/x", "/*", NULL },                    /* "/x/" stem needs a "/" */
        { "/x/a/b.html", "/x/a/b.html", "/x/a/b.html" },
        { "/x/a/c", "/x/a/*", "/x/a/*" },        /* longer prefix wins */
        { "/x/a/", "/x/a/*", "/x/a/*" },
        { "/x/a/b.htm", "/x/a/*", "/x/a/*" },
        { "/x/a", "/x/*", "/x/*" },
        { "/docs", "/docs", "/docs" },
        { "/docs/", "/docs*", "/docs*" },        /* a prefix needs no '/' */
        { "/docsx", "/docs*", "/docs*" },
        { "/doc", "/*", NULL },
        { "/", "/*", NULL },
        { "/y", "/*", NULL },
    };
    char               buf[sizeof(match_csv) + 32];
    lead_rules        *with, *without;
    const lead_asset  *a;
    size_t             i, k;

    (void) state;

    without = parse_ok("", match_csv);
    snprintf(buf, sizeof(buf), "%s/*,All,epiphany,0,,\n", match_csv);
    with = parse_ok("", buf);

    for (i = 0; i < N_ELEMS(cases); i++) {
        for (k = 0; k < 2; k++) {
            const char  *want = k ? cases[i].without
                                  : cases[i].with_catchall;

            a = lead_rules_match(k ? without : with, cases[i].path,
                                 strlen(cases[i].path));
            if (want == NULL ? a != NULL
                : a == NULL || strcmp(a->path, want) != 0)
            {
                fail_msg("%s %s catch-all: want %s, got %s", cases[i].path,
                         k ? "without" : "with", want ? want : "none",
                         a ? a->path : "none");
            }
        }
    }

    /* only len bytes of the path count */
    assert_string_equal(lead_rules_match(with, "/x/yzzz", 4)->path, "/x/y");
    assert_string_equal(lead_rules_match(with, "/x/yzzz", 3)->path, "/x/*");

    lead_rules_free(with);
    lead_rules_free(without);
}

/* A file below the root: its own rule, or an index file its directory's. */
static void
test_match_file(void **state)
{
    static const struct {
        const char  *path;
        const char  *want;            /* rule path, NULL: untagged */
    } cases[] = {
        { "/x/a/b.html", "/x/a/b.html" },
        { "/docs/index.html", "/docs*" },
        { "/guide/index.html", "/guide/" },
        { "/guide/index.htm", "/guide/" },
        { "/guide/index.", NULL },            /* "index." names nothing */
        { "/guide/index", NULL },
        { "/guide/xindex.html", NULL },
        { "/guide/sub/index.html", NULL },
        { "/index.html", "/" },
        { "/guide/", "/guide/" },
        { "", NULL },
        { "guide/index.html", NULL },         /* not below a root */
    };
    lead_rules        *r;
    const lead_asset  *a;
    size_t             i;

    (void) state;

    r = parse_ok("", HEADER "/x/a/b.html,B,epiphany,1,,\n"
                 "/docs*,D,epiphany,1,,\n/guide/,G,epiphany,1,,\n"
                 "/,Home,epiphany,1,,\n");

    for (i = 0; i < N_ELEMS(cases); i++) {
        a = lead_rules_match_file(r, cases[i].path, strlen(cases[i].path));
        if (cases[i].want == NULL ? a != NULL
            : a == NULL || strcmp(a->path, cases[i].want) != 0)
        {
            fail_msg("%s: want %s, got %s", cases[i].path,
                     cases[i].want ? cases[i].want : "none",
                     a ? a->path : "none");
        }
    }

    lead_rules_free(r);
}

/* Ids come from the path pattern alone, so they survive reordering. */
static void
test_ids_stable(void **state)
{
    static const char  *paths[] = { "/a", "/b/*", "/b/", "/c", "/" };
    lead_rules         *one, *two;
    const lead_asset   *a, *b;
    size_t              i, k;

    (void) state;

    one = parse_ok("", HEADER
                   "/a,A,epiphany,1,,\n/b/*,B,awareness,2,t,\n"
                   "/b/,B,epiphany,0,,\n/c,C,epiphany,3,,\n"
                   "/,R,epiphany,0,,\n");
    two = parse_ok("", HEADER
                   "/new,N,decision,9,,\n/,Root,decision,0,,\n"
                   "/c,Changed,interest,7,x,hot\n/b/,B,epiphany,0,,\n"
                   "/b/*,B,epiphany,2,,\n/a,A,epiphany,1,,\n");

    for (i = 0; i < N_ELEMS(paths); i++) {
        a = asset_by_path(one, paths[i]);
        b = asset_by_path(two, paths[i]);
        assert_int_not_equal(a->id, 0);
        assert_int_equal(a->id, b->id);
        for (k = 0; k < i; k++) {
            assert_int_not_equal(a->id, asset_by_path(one, paths[k])->id);
        }
    }
    assert_int_not_equal(asset_by_path(two, "/new")->id, 0);

    lead_rules_free(one);
    lead_rules_free(two);
}

/* ---- files ------------------------------------------------------------- */

static void
test_load_files(void **state)
{
    const char  *dir = dir_of(state);
    char         sub[128], path[160], want[512];
    lead_rules  *r;

    /* nothing there: both files told */
    snprintf(want, sizeof(want), "/scoring.conf: cannot open: No such file "
             "or directory\n%s/assets.csv: cannot open: No such file or "
             "directory", dir);
    expect_load_err(dir, want);
    snprintf(sub, sizeof(sub), "%s/missing", dir);
    snprintf(want, sizeof(want), "/scoring.conf: cannot open: No such file "
             "or directory\n%s/assets.csv: cannot open: No such file or "
             "directory", sub);
    expect_load_err(sub, want);

    /* scoring.conf alone */
    put_file(dir, "scoring.conf", "mql_threshold 50;\n");
    expect_load_err(dir, "/assets.csv: cannot open: No such file or "
                    "directory");

    /* a directory is no file */
    snprintf(path, sizeof(path), "%s/assets.csv", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    expect_load_err(dir, "/assets.csv: not a regular file");
    assert_int_equal(rmdir(path), 0);

    /* a file over the size limit is not read at all */
    put_file(dir, "assets.csv", "");
    assert_int_equal(truncate(path, LEAD_RULES_MAX_FILE + 1), 0);
    expect_load_err(dir, "/assets.csv: 4194305 bytes, the limit is 4194304");

    /* messages from a load name the folder it was given */
    put_file(dir, "assets.csv", HEADER "/a,A,later,0,,\n");
    expect_load_err(dir, "/assets.csv:2: unknown stage \"later\" " STAGES);
    put_file(dir, "scoring.conf", "mql_threshold 0;\n");
    snprintf(want, sizeof(want), "/scoring.conf:1: invalid number \"0\" "
             "(expected an integer from 1 to 1000000)\n%s/assets.csv:2: "
             "unknown stage \"later\" " STAGES, dir);
    expect_load_err(dir, want);

    /* and a good pair loads */
    put_file(dir, "scoring.conf", "mql_threshold 50;\n");
    put_file(dir, "assets.csv", HEADER "/a,A,decision,25,t,hot\n");
    r = load_ok(dir);
    assert_int_equal(lead_rules_count(r), 1);
    assert_int_equal(lead_rules_scoring(r)->mql_threshold, 50);
    assert_string_equal(lead_rules_match(r, "/a", 2)->title, "A");
    lead_rules_free(r);
}

/*
 * Three files with errors: each told as file:line, scoring.conf's, then
 * assets.csv's, then campaigns.csv's, and nothing loaded.
 */
static void
test_every_error(void **state)
{
    const char  *dir = dir_of(state);
    char         err[8192], want[2048];
    lead_rules  *r;
    int          rc;

    put_file(dir, "scoring.conf", "mql_threshold 50;\nhalf_life 30;\n");
    put_file(dir, "assets.csv", HEADER "/a,A,later,0,,\n/b,B,decision,25,,"
             "hto\n/c,C,decision,5,,\n");
    put_file(dir, "campaigns.csv", "campaign,cost\nq4,5k\nq1,100\n");

    rc = lead_rules_load(&r, dir, err, sizeof(err));
    assert_int_equal(rc, LEAD_EINVAL);
    assert_null(r);
    snprintf(want, sizeof(want),
             "%s/scoring.conf:2: invalid duration \"30\" (expected a number "
             "with s, m, h or d, e.g. 30d)\n"
             "%s/assets.csv:2: unknown stage \"later\" " STAGES "\n"
             "%s/assets.csv:3: unknown flag \"hto\" (flags: hot open gated "
             "group=NAME)\n"
             "%s/campaigns.csv:2: cost \"5k\" is not an amount (12000 or "
             "12000.50)", dir, dir, dir, dir);
    assert_string_equal(err, want);

    /* campaigns.csv saved with semicolons */
    put_file(dir, "scoring.conf", "mql_threshold 50;\n");
    put_file(dir, "assets.csv", HEADER "/a,A,decision,0,,\n");
    put_file(dir, "campaigns.csv", "campaign;cost\nq4;5000\n");
    rc = lead_rules_load(&r, dir, err, sizeof(err));
    assert_int_equal(rc, LEAD_EINVAL);
    snprintf(want, sizeof(want), "%s/campaigns.csv:1: this file looks "
             "semicolon-separated; save it as CSV with commas", dir);
    assert_string_equal(err, want);
}

/* Up to LEAD_RULES_MAX_ERRORS are told, then how many more there were. */
static void
test_error_cap(void **state)
{
    lead_buf     csv;
    lead_rules  *r;
    char         err[8192], *p;
    unsigned     i, lines;
    int          rc;

    (void) state;

    memset(&csv, 0, sizeof(csv));
    lead_buf_puts(&csv, HEADER);
    for (i = 0; i < 25; i++) {
        lead_buf_printf(&csv, "/p%u,P,epiphany,x,,\n", i);
    }
    rc = lead_rules_parse(&r, RDIR, "", 0, csv.data, csv.len, err,
                          sizeof(err));
    assert_int_equal(rc, LEAD_EINVAL);
    assert_null(r);
    for (p = err, lines = 1; (p = strchr(p, '\n')) != NULL; p++) {
        lines++;
    }
    assert_int_equal(lines, 21);
    assert_non_null(strstr(err, CSV(21) "points \"x\""));
    assert_null(strstr(err, CSV(22)));
    assert_string_equal(strrchr(err, '\n'), "\nand 5 more errors");

    /* a small buffer: as many as fit, and the count of the rest */
    rc = lead_rules_parse(&r, RDIR, "", 0, csv.data, csv.len, err, 200);
    assert_int_equal(rc, LEAD_EINVAL);
    assert_true(strlen(err) < 200);
    assert_string_equal(strrchr(err, '\n'), "\nand 23 more errors");
    lead_buf_free(&csv);
}

/* ---- assets on events and in the store --------------------------------- */

static const char  event_csv[] =
    HEADER
    "/pricing.html,Pricing,decision,25,fibre,hot\n"
    "/careers.html,Careers,epiphany,-20,,open\n"
    "/guide/*,Guide,interest,10,fibre,gated group=guide\n"
    "/map.pdf,,evaluation,1000,net-map_2.0,\n";

static void
test_event_asset_round_trip(void **state)
{
    const lead_asset  *a;
    lead_rules        *r;
    lead_event         ev, got;
    uint8_t            buf[LEAD_EVENT_MAX_SIZE];
    size_t             i;
    int                n;

    (void) state;

    r = parse_ok("", event_csv);

    for (i = 0; (a = lead_rules_asset(r, i)) != NULL; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.time_ms = UINT64_C(1700000000000) + i;
        ev.status = 200;
        ev.path.data = a->path;
        ev.path.len = strlen(a->path);

        lead_event_set_asset(&ev, a);
        assert_int_equal(ev.asset_id, a->id);
        assert_int_equal(ev.points, a->points);
        assert_int_equal(ev.asset_flags, a->flags);
        assert_int_equal(ev.stage.len, strlen(a->stage));
        assert_memory_equal(ev.stage.data, a->stage, ev.stage.len);
        assert_int_equal(ev.topic.len, strlen(a->topic));
        assert_int_equal(ev.group.len, strlen(a->group));

        n = lead_event_encode(&ev, buf, sizeof(buf));
        assert_in_range(n, 1, sizeof(buf));
        assert_int_equal(lead_event_decode(buf, (size_t) n, &got), LEAD_OK);

        assert_int_equal(got.asset_id, a->id);
        assert_int_equal(got.points, a->points);
        assert_int_equal(got.asset_flags, a->flags);
        assert_int_equal(got.stage.len, strlen(a->stage));
        assert_memory_equal(got.stage.data, a->stage, got.stage.len);
        assert_int_equal(got.topic.len, strlen(a->topic));
        if (got.topic.len) {
            assert_memory_equal(got.topic.data, a->topic, got.topic.len);
        }
        assert_int_equal(got.group.len, strlen(a->group));
        if (got.group.len) {
            assert_memory_equal(got.group.data, a->group, got.group.len);
        }
        assert_int_equal(got.time_ms, ev.time_ms);
    }

    /* no asset: nothing of the last one's meaning is stored */
    lead_event_set_asset(&ev, NULL);
    assert_int_equal(ev.asset_id, 0);
    n = lead_event_encode(&ev, buf, sizeof(buf));
    assert_in_range(n, 1, sizeof(buf));
    assert_int_equal(lead_event_decode(buf, (size_t) n, &got), LEAD_OK);
    assert_int_equal(got.asset_id, 0);
    assert_int_equal(got.points, 0);
    assert_int_equal(got.asset_flags, 0);
    assert_int_equal(got.stage.len, 0);
    assert_int_equal(got.topic.len, 0);
    assert_int_equal(got.group.len, 0);

    lead_rules_free(r);
}

typedef struct {
    const lead_rules  *newer;
    const lead_rules  *older;       /* NULL, or rules put before newer */
    size_t             seen;
} catalogue;

/* The store's thread gives a hit the asset its path matches, as sent. */
static void
test_hits_take_the_asset(void **state)
{
    static const char  *targets[] = {
        "/pricing.html", "/guide/one%2Ehtml", "/guide/../careers.html",
        "/untagged.html",
    };
    lead_rules  *r;
    lead_hits   *hits;
    lead_batch  *events;
    lead_event   ev, want[4];
    char         path[4][LEAD_PATH_MAX];
    size_t       i;
    int          n;

    (void) state;

    r = parse_ok("", event_csv);
    fx_hit_batches(&hits, &events);

    for (i = 0; i < 4; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.time_ms = UINT64_C(1700000000000) + i;
        ev.status = 200;
        assert_int_equal(lead_hits_add(hits, &ev, targets[i],
                                            strlen(targets[i]), NULL),
                         LEAD_OK);

        n = lead_path_normalize(targets[i], strlen(targets[i]), path[i]);
        assert_true(n > 0);
        want[i] = ev;
        want[i].path.data = path[i];
        want[i].path.len = (size_t) n;
        lead_event_set_asset(&want[i],
                             lead_rules_match(r, path[i], (size_t) n));
    }
    assert_true(want[0].asset_id != 0 && want[1].asset_id != 0
                && want[2].asset_id != 0 && want[3].asset_id == 0);

    assert_int_equal(lead_hits_finish(hits, r, NULL, events), LEAD_OK);
    fx_assert_events_are(events, want, 4);

    lead_hits_free(hits);
    lead_batch_free(events);
    lead_rules_free(r);
}

static const lead_asset *
asset_by_id(const lead_rules *r, uint64_t id)
{
    const lead_asset  *a;
    size_t             i;

    for (i = 0; r != NULL && (a = lead_rules_asset(r, i)) != NULL; i++) {
        if (a->id == id) {
            return a;
        }
    }
    return NULL;
}

/* Every stored asset is the latest rules' version, field for field. */
static int
check_stored(void *arg, const lead_asset *got)
{
    catalogue         *c = arg;
    const lead_asset  *a;

    a = asset_by_id(c->newer, got->id);
    if (a == NULL) {
        a = asset_by_id(c->older, got->id);
    }
    if (a == NULL) {
        fail_msg("stored asset %s is not in the rules", got->path);
    }

    assert_string_equal(got->path, a->path);
    assert_string_equal(got->title, a->title);
    assert_string_equal(got->stage, a->stage);
    assert_int_equal(got->stage_index, a->stage_index);
    assert_int_equal(got->points, a->points);
    assert_string_equal(got->topic, a->topic);
    assert_string_equal(got->group, a->group);
    assert_int_equal(got->flags, a->flags);

    c->seen++;
    return 0;
}

/* Reads the whole catalogue back; ids are keys, so none comes twice. */
static size_t
stored_assets(lead_store *s, const lead_rules *newer, const lead_rules *older)
{
    catalogue  c = { newer, older, 0 };

    assert_int_equal(lead_store_each_asset(s, check_stored, &c), LEAD_OK);
    return c.seen;
}

static lead_store *
open_store(const char *dir)
{
    lead_store_opts  opts = { 0, 0, 0, 0 };

    return unit_store_open(dir, &opts);
}

static void
test_store_assets(void **state)
{
    lead_rules  *r, *later;
    lead_store  *s;
    char         title[LEAD_TITLE_MAX + 1], path[LEAD_PATH_MAX + 1];
    char         csv[sizeof(event_csv) + 512 + LEAD_PATH_MAX];

    /*
     * A title at its limit travels whole, and so does a path at its
     * limit whose empty title defaults to it.
     */
    memset(title, 'T', LEAD_TITLE_MAX);
    title[LEAD_TITLE_MAX] = '\0';
    path[0] = '/';
    memset(path + 1, 'p', LEAD_PATH_MAX - 1);
    path[LEAD_PATH_MAX] = '\0';
    snprintf(csv, sizeof(csv), "%s/long-title,%s,awareness,-1000,t,\n"
             "%s,,epiphany,1,,\n", event_csv, title, path);
    r = parse_ok("", csv);
    s = open_store(dir_of(state));

    assert_int_equal(stored_assets(s, r, NULL), 0);
    assert_int_equal(lead_store_put_assets(s, r), LEAD_OK);
    assert_int_equal(stored_assets(s, r, NULL), lead_rules_count(r));

    /* putting the same rules again changes nothing */
    assert_int_equal(lead_store_put_assets(s, r), LEAD_OK);
    assert_int_equal(stored_assets(s, r, NULL), lead_rules_count(r));

    /* new rules update what they name and keep what they dropped */
    later = parse_ok("", HEADER
                     "/pricing.html,Prices,decision,30,fibre,\n"
                     "/new.html,New,epiphany,1,,\n");
    assert_int_equal(lead_store_put_assets(s, later), LEAD_OK);
    lead_store_close(s);

    s = open_store(dir_of(state));
    assert_int_equal(stored_assets(s, later, r), lead_rules_count(r) + 1);
    lead_store_close(s);

    lead_rules_free(r);
    lead_rules_free(later);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_error_buffer_short),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_match_file),
        cmocka_unit_test(test_ids_stable),
        T(test_load_files),
        T(test_every_error),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_event_asset_round_trip),
        cmocka_unit_test(test_hits_take_the_asset),
        T(test_store_assets),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
