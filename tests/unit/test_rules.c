#include "unit.h"
#include "event_fixture.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The rules: assets.csv as spreadsheets export it, scoring.conf, the
 * freemail_domains list, matching paths to assets, and how assets travel
 * with events and into the store's catalogue.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

/* Buffers are parsed as if they came from this folder. */
#define RDIR        "rules"
#define CSV(n)      RDIR "/assets.csv:" #n ": "
#define CONF(n)     RDIR "/scoring.conf:" #n ": "
#define HEADER      "path,title,stage,points,topic,flags\n"
#define STAGES      "(stages: epiphany awareness interest evaluation decision)"
#define BAD_PATH    "is not a plain decoded path (no query, %XX, \"//\", " \
                    "\".\" or \"..\")"

/* ---- helpers ----------------------------------------------------------- */

static lead_rules *
parse_ok_n(const char *scoring, size_t slen, const char *assets, size_t alen)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    rc = lead_rules_parse(&r, RDIR, scoring, slen, assets, alen, err,
                          sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_rules_parse: %d (%s)\nscoring.conf: %s\nassets.csv: "
                 "%.*s", rc, err, scoring, (int) (alen < 300 ? alen : 300),
                 assets);
    }
    assert_non_null(r);
    return r;
}

static lead_rules *
parse_ok(const char *scoring, const char *assets)
{
    return parse_ok_n(scoring, strlen(scoring), assets, strlen(assets));
}

/* Parsing fails with exactly the message want and leaves *out NULL. */
static void
expect_err_n(const char *scoring, size_t slen, const char *assets,
    size_t alen, const char *want)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    r = (lead_rules *) err;                 /* must be reset to NULL */
    rc = lead_rules_parse(&r, RDIR, scoring, slen, assets, alen, err,
                          sizeof(err));
    if (rc == LEAD_OK) {
        lead_rules_free(r);
    }
    if (rc != LEAD_EINVAL || r != NULL || strcmp(err, want) != 0) {
        fail_msg("scoring.conf: %s\nassets.csv: %.*s\nwant: %s\ngot:  %d %s",
                 scoring, (int) (alen < 300 ? alen : 300), assets, want, rc,
                 err);
    }
}

static void
expect_err(const char *scoring, const char *assets, const char *want)
{
    expect_err_n(scoring, strlen(scoring), assets, strlen(assets), want);
}

/* The asset whose path pattern is path, by a scan of all of them. */
static const lead_asset *
asset_by_path(const lead_rules *r, const char *path)
{
    const lead_asset  *a;
    size_t             i;

    for (i = 0; (a = lead_rules_asset(r, i)) != NULL; i++) {
        if (strcmp(a->path, path) == 0) {
            return a;
        }
    }
    fail_msg("no asset %s", path);
    return NULL;
}

/* ---- a fresh directory per test, for rules files and stores ---------- */

#include "dir_fixture.h"

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

/* lead_rules_load fails with dir followed by exactly want_tail. */
static void
expect_load_err(const char *dir, const char *want_tail)
{
    lead_rules  *r;
    char         err[512] = "";
    size_t       dlen = strlen(dir);
    int          rc;

    r = (lead_rules *) err;                 /* must be reset to NULL */
    rc = lead_rules_load(&r, dir, err, sizeof(err));
    if (rc == LEAD_OK) {
        lead_rules_free(r);
    }
    if (rc != LEAD_EINVAL || r != NULL || strncmp(err, dir, dlen) != 0
        || strcmp(err + dlen, want_tail) != 0)
    {
        fail_msg("want: %s%s\ngot:  %d %s", dir, want_tail, rc, err);
    }
}

static lead_rules *
load_ok(const char *dir)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    rc = lead_rules_load(&r, dir, err, sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_rules_load: %d (%s)", rc, err);
    }
    assert_non_null(r);
    return r;
}

/* ---- assets.csv: valid exports ---------------------------------------- */

/* Each input holds one asset among whatever makes it tricky. */
typedef struct {
    const char  *what;
    const char  *csv;
    const char  *path, *title, *stage;
    int32_t      points;
    const char  *topic, *group;
    unsigned     flags, line;
} good_csv;

static const good_csv  good_csvs[] = {
    { "BOM and CRLF",
      "\xef\xbb\xbf" "path,title,stage,points,topic,flags\r\n"
      "/a,A,awareness,5,fibre,hot\r\n",
      "/a", "A", "awareness", 5, "fibre", "", LEAD_ASSET_HOT, 2 },
    { "lone CR line ends (old Mac exports)",
      "path,title,stage,points,topic,flags\r\r/a,A,epiphany,1,t,\r",
      "/a", "A", "epiphany", 1, "t", "", 0, 3 },
    { "no final newline",
      HEADER "/a,A,epiphany,1,t,open",
      "/a", "A", "epiphany", 1, "t", "", LEAD_ASSET_OPEN, 2 },
    { "trailing empty lines",
      HEADER "/a,A,epiphany,1,t,\n\n\r\n",
      "/a", "A", "epiphany", 1, "t", "", 0, 2 },
    { "quoted title: comma and doubled quotes",
      HEADER "/a,\"Fibre, \"\"fast\"\" and cheap\",decision,40,t,hot\n",
      "/a", "Fibre, \"fast\" and cheap", "decision", 40, "t", "",
      LEAD_ASSET_HOT, 2 },
    { "every field quoted, spaces kept inside quotes",
      HEADER "\"/a\",\" A \",\"interest\",\"7\",\"t\",\"gated\"\n",
      "/a", " A ", "interest", 7, "t", "", LEAD_ASSET_GATED, 2 },
    { "columns in another order",
      "flags,topic,points,stage,title,path\n"
      "hot,fibre,3,evaluation,A,/a\n",
      "/a", "A", "evaluation", 3, "fibre", "", LEAD_ASSET_HOT, 2 },
    { "header names in other case",
      "PATH,Title,STAGE,Points,tOpIc,Flags\n/a,A,epiphany,1,t,\n",
      "/a", "A", "epiphany", 1, "t", "", 0, 2 },
    { "spaces around fields",
      "path , title,  stage,points ,topic,flags\n"
      "  /a ,  \"A\"  , epiphany , 1 , t , hot  group=g \n",
      "/a", "A", "epiphany", 1, "t", "g", LEAD_ASSET_HOT, 2 },
    { "blank and all-empty rows, before and after the header",
      "\n,,\n" HEADER "\n,,,,,\n  ,  ,,\"\",,\n/a,A,epiphany,1,t,\n,,,,,\n\n",
      "/a", "A", "epiphany", 1, "t", "", 0, 7 },
    { "negative points at the limit",
      HEADER "/careers.html,Careers,epiphany,-1000,,open\n",
      "/careers.html", "Careers", "epiphany", -1000, "", "",
      LEAD_ASSET_OPEN, 2 },
    { "positive points at the limit, with a sign",
      HEADER "/a,A,epiphany,+1000,,\n",
      "/a", "A", "epiphany", 1000, "", "", 0, 2 },
    { "empty title defaults to the path",
      HEADER "/library/a.pdf,,epiphany,0,t,\n",
      "/library/a.pdf", "/library/a.pdf", "epiphany", 0, "t", "", 0, 2 },
    { "quoted empty title defaults to the path too",
      HEADER "/a,\"\",epiphany,0,\"\",\"\"\n",
      "/a", "/a", "epiphany", 0, "", "", 0, 2 },
    { "prefix rule",
      HEADER "/library/guide/*,Guide,interest,10,fibre,gated group=guide\n",
      "/library/guide/*", "Guide", "interest", 10, "fibre", "guide",
      LEAD_ASSET_GATED, 2 },
    { "every flag, repeated, extra spaces",
      HEADER "/a,A,epiphany,0,,  hot hot  gated  group=g-1_x.y \n",
      "/a", "A", "epiphany", 0, "", "g-1_x.y",
      LEAD_ASSET_HOT | LEAD_ASSET_GATED, 2 },
    { "UTF-8 title",
      HEADER "/a,Caf\xc3\xa9 \xe2\x80\x93 na\xc3\xafve \xf0\x9f\x98\x80,"
      "epiphany,0,,\n",
      "/a", "Caf\xc3\xa9 \xe2\x80\x93 na\xc3\xafve \xf0\x9f\x98\x80",
      "epiphany", 0, "", "", 0, 2 },
    { "unquoted field may hold a quote",
      HEADER "/a,5\" rack,epiphany,0,,\n",
      "/a", "5\" rack", "epiphany", 0, "", "", 0, 2 },
};

static void
test_csv_valid(void **state)
{
    const lead_scoring  *sc;
    const lead_asset    *a;
    lead_rules          *r;
    size_t               i;

    (void) state;

    for (i = 0; i < N_ELEMS(good_csvs); i++) {
        const good_csv  *g = &good_csvs[i];

        r = parse_ok("", g->csv);
        sc = lead_rules_scoring(r);
        if (lead_rules_count(r) != 1) {
            fail_msg("%s: %zu assets", g->what, lead_rules_count(r));
        }
        a = lead_rules_asset(r, 0);
        if (strcmp(a->path, g->path) != 0 || strcmp(a->title, g->title) != 0
            || strcmp(a->stage, g->stage) != 0 || a->points != g->points
            || strcmp(a->topic, g->topic) != 0
            || strcmp(a->group, g->group) != 0 || a->flags != g->flags
            || a->line != g->line)
        {
            fail_msg("%s: got path [%s] title [%s] stage [%s] points %d "
                     "topic [%s] group [%s] flags %u line %u", g->what,
                     a->path, a->title, a->stage, (int) a->points, a->topic,
                     a->group, a->flags, a->line);
        }
        /* the stage name is the scoring's own, at its index */
        assert_ptr_equal(a->stage, sc->stages[a->stage_index]);
        assert_int_not_equal(a->id, 0);
        lead_rules_free(r);
    }
}

static void
test_csv_header_only(void **state)
{
    lead_rules  *r;

    (void) state;

    r = parse_ok("", HEADER);
    assert_int_equal(lead_rules_count(r), 0);
    assert_null(lead_rules_asset(r, 0));
    assert_null(lead_rules_match(r, "/", 1));
    lead_rules_free(r);
}

/*
 * A quoted field may span lines; later rows are numbered by the file's
 * lines, not by records.  Titles refuse control characters, so the one
 * field a line break can sit in today is a path.
 */
static void
test_csv_quoted_newline_lines(void **state)
{
    static const char  rows[] =
        HEADER
        "/odd,\"Odd\ntitle\",epiphany,0,,\n"    /* lines 2-3 */
        "/odd2,\"Odd\r\ntwo\",epiphany,0,,\n"  /* lines 4-5 */
        "/a,A,epiphany,0,,\n";                  /* line 6 */
    char         buf[sizeof(rows) + 64];
    lead_rules  *r;

    (void) state;

    r = parse_ok("", rows);
    assert_int_equal(lead_rules_count(r), 3);
    /* a line break in a cell is a space in the title sales reads */
    assert_string_equal(lead_rules_asset(r, 0)->title, "Odd title");
    assert_int_equal(lead_rules_asset(r, 0)->line, 2);
    assert_string_equal(lead_rules_asset(r, 1)->title, "Odd  two");
    assert_int_equal(lead_rules_asset(r, 1)->line, 4);
    assert_int_equal(lead_rules_asset(r, 2)->line, 6);
    lead_rules_free(r);

    snprintf(buf, sizeof(buf), "%s/b,B,later,0,,\n", rows);
    expect_err("", buf, CSV(7) "unknown stage \"later\" " STAGES);

    snprintf(buf, sizeof(buf), "%s/a,A2,epiphany,0,,\n", rows);
    expect_err("", buf, CSV(7) "duplicate path \"/a\" (first on line 6)");
}

/* ---- assets.csv: invalid ones ----------------------------------------- */

typedef struct {
    const char  *csv;
    const char  *err;
} bad_csv;

static const bad_csv  bad_csvs[] = {
    /* the header */
    { "", CSV(1) "no header row (expected path,title,stage,points,topic,"
      "flags)" },
    { "\xef\xbb\xbf\r\n,,,\n\n", CSV(1) "no header row (expected path,title,"
      "stage,points,topic,flags)" },
    { "path,title,stage,points,topic,flags,notes\n",
      CSV(1) "unknown column \"notes\" (columns: path title stage points "
      "topic flags)" },
    { "\npath,title,stage,points,topic\n",
      CSV(2) "missing column \"flags\" (the header is path,title,stage,"
      "points,topic,flags)" },
    { "path,title,stage,points,topic,flags,Title\n",
      CSV(1) "column \"title\" appears twice" },
    { "path,title,stage,points,,topic,flags\n",
      CSV(1) "unknown column \"\" (columns: path title stage points topic "
      "flags)" },

    /* shape of a row */
    { HEADER "/a,A,epiphany,0,\n", CSV(2) "expected 6 fields, found 5" },
    { HEADER "/a,A,epiphany,0,,,\n", CSV(2) "expected 6 fields, found 7" },
    { HEADER "/a,\"A,epiphany,0,,\n/b,B,epiphany,0,,\n",
      CSV(2) "quoted field is not closed" },
    { HEADER "/a,\"Ti\"tle,epiphany,0,,\n",
      CSV(2) "unexpected text after a closing quote (double a quote inside "
      "a quoted field: \"\")" },
    { HEADER "/a,\"A\" B,epiphany,0,,\n",
      CSV(2) "unexpected text after a closing quote (double a quote inside "
      "a quoted field: \"\")" },

    /* stage */
    { HEADER "/a,A,later,0,,\n", CSV(2) "unknown stage \"later\" " STAGES },
    { HEADER "/a,A,Epiphany,0,,\n",
      CSV(2) "unknown stage \"Epiphany\" " STAGES },
    { HEADER "/a,A,,0,,\n", CSV(2) "stage is empty " STAGES },

    /* points */
    { HEADER "/a,A,epiphany,ten,,\n",
      CSV(2) "points \"ten\" is not an integer from -1000 to 1000" },
    { HEADER "/a,A,epiphany,1.5,,\n",
      CSV(2) "points \"1.5\" is not an integer from -1000 to 1000" },
    { HEADER "/a,A,epiphany,,,\n",
      CSV(2) "points \"\" is not an integer from -1000 to 1000" },
    { HEADER "/a,A,epiphany,-,,\n",
      CSV(2) "points \"-\" is not an integer from -1000 to 1000" },
    { HEADER "/a,A,epiphany,1001,,\n",
      CSV(2) "points \"1001\" is not an integer from -1000 to 1000" },
    { HEADER "/a,A,epiphany,-1001,,\n",
      CSV(2) "points \"-1001\" is not an integer from -1000 to 1000" },
    { HEADER "/a,A,epiphany,99999999999999999999,,\n",
      CSV(2) "points \"99999999999999999999\" is not an integer from -1000 "
      "to 1000" },

    /* topic */
    { HEADER "/a,A,epiphany,0,two words,\n",
      CSV(2) "invalid topic \"two words\" (one word of letters, digits, - _ "
      "., at most 64)" },

    /* flags */
    { HEADER "/a,A,epiphany,0,,warm\n",
      CSV(2) "unknown flag \"warm\" (flags: hot open gated group=NAME)" },
    { HEADER "/a,A,epiphany,0,,Hot\n",
      CSV(2) "unknown flag \"Hot\" (flags: hot open gated group=NAME)" },
    { HEADER "/a,A,epiphany,0,,\"hot,open\"\n",
      CSV(2) "unknown flag \"hot,open\" (flags: hot open gated group=NAME)" },
    { HEADER "/a,A,epiphany,0,,group=\n",
      CSV(2) "unknown flag \"group=\" (flags: hot open gated group=NAME)" },
    { HEADER "/a,A,epiphany,0,,open gated\n",
      CSV(2) "flags \"open\" and \"gated\" contradict each other" },
    { HEADER "/a,A,epiphany,0,,group=a group=b\n",
      CSV(2) "an asset belongs to one group at most" },
    { HEADER "/a,A,epiphany,0,,group=a group=a\n",
      CSV(2) "an asset belongs to one group at most" },
    { HEADER "/a,A,epiphany,0,,group=a/b\n",
      CSV(2) "invalid group name \"a/b\" (letters, digits, - _ .)" },

    /* path */
    { HEADER "library/a.pdf,A,epiphany,0,,\n",
      CSV(2) "path \"library/a.pdf\" must start with \"/\"" },
    { HEADER ",A,epiphany,0,,\n", CSV(2) "path \"\" must start with \"/\"" },
    { HEADER "*,A,epiphany,0,,\n", CSV(2) "path \"*\" must start with \"/\"" },
    { HEADER "/a*/b,A,epiphany,0,,\n",
      CSV(2) "path \"/a*/b\": \"*\" may only end a prefix" },
    { HEADER "/a/**,A,epiphany,0,,\n",
      CSV(2) "path \"/a/**\": \"*\" may only end a prefix" },
    { HEADER "/a/../b,A,epiphany,0,,\n", CSV(2) "path \"/a/../b\" " BAD_PATH },
    { HEADER "/a/..,A,epiphany,0,,\n", CSV(2) "path \"/a/..\" " BAD_PATH },
    { HEADER "/a/./b,A,epiphany,0,,\n", CSV(2) "path \"/a/./b\" " BAD_PATH },
    { HEADER "/a//b,A,epiphany,0,,\n", CSV(2) "path \"/a//b\" " BAD_PATH },
    { HEADER "//*,A,epiphany,0,,\n", CSV(2) "path \"//*\" " BAD_PATH },
    { HEADER "/a?x,A,epiphany,0,,\n", CSV(2) "path \"/a?x\" " BAD_PATH },
    { HEADER "/a?,A,epiphany,0,,\n", CSV(2) "path \"/a?\" " BAD_PATH },
    { HEADER "/a#x,A,epiphany,0,,\n", CSV(2) "path \"/a#x\" " BAD_PATH },
    { HEADER "/%41,A,epiphany,0,,\n", CSV(2) "path \"/%41\" " BAD_PATH },
    { HEADER "/a%2,A,epiphany,0,,\n", CSV(2) "path \"/a%2\" " BAD_PATH },
    { HEADER "/..,A,epiphany,0,,\n", CSV(2) "path \"/..\" " BAD_PATH },

    /* duplicates: reported on the later line */
    { HEADER "/a,A,epiphany,0,,\n/b,B,epiphany,0,,\n/a,C,epiphany,0,,\n",
      CSV(4) "duplicate path \"/a\" (first on line 2)" },
    { HEADER "/x/*,A,epiphany,0,,\n\n/x/*,B,epiphany,0,,\n",
      CSV(4) "duplicate path \"/x/*\" (first on line 2)" },

    /* control bytes would truncate or split a path */
    { HEADER "\"/x\x01y\",A,epiphany,0,,\n",
      CSV(2) "path \"/x?y\" has control characters or invalid UTF-8" },

    /* title */
    { HEADER "/a,A\x02" "B,epiphany,0,,\n",
      CSV(2) "title must be text of at most 200 bytes, without control "
      "characters" },
    { HEADER "/a,A\x7f" "B,epiphany,0,,\n",
      CSV(2) "title must be text of at most 200 bytes, without control "
      "characters" },
    { HEADER "/a,caf\xff,epiphany,0,,\n",
      CSV(2) "title must be text of at most 200 bytes, without control "
      "characters" },
    { HEADER "/a,caf\xc3,epiphany,0,,\n",               /* cut short */
      CSV(2) "title must be text of at most 200 bytes, without control "
      "characters" },
    { HEADER "/a,\xc0\xaf,epiphany,0,,\n",              /* overlong */
      CSV(2) "title must be text of at most 200 bytes, without control "
      "characters" },
    { HEADER "/a,\xed\xa0\x80,epiphany,0,,\n",          /* surrogate */
      CSV(2) "title must be text of at most 200 bytes, without control "
      "characters" },

    /* the first error wins, in file order */
    { HEADER "/a,A,later,0,,\n/b,B,epiphany,x,,\n",
      CSV(2) "unknown stage \"later\" " STAGES },
};

static void
test_csv_invalid(void **state)
{
    size_t  i;

    (void) state;

    for (i = 0; i < N_ELEMS(bad_csvs); i++) {
        expect_err("", bad_csvs[i].csv, bad_csvs[i].err);
    }
}

/* A row whose title field is text, repeated n times, quoted or not. */
static char *
row_with_title(const char *text, size_t n, int quoted)
{
    size_t  tlen = strlen(text), size = sizeof(HEADER) + tlen * n + 64;
    char   *buf = malloc(size), *p;
    size_t  i;

    assert_non_null(buf);
    p = buf + sprintf(buf, "%s/a,%s", HEADER, quoted ? "\"" : "");
    for (i = 0; i < n; i++) {
        memcpy(p, text, tlen);
        p += tlen;
    }
    sprintf(p, "%s,epiphany,0,,\n", quoted ? "\"" : "");
    return buf;
}

static void
test_csv_field_limits(void **state)
{
    static const char  too_long[] = CSV(2) "field longer than 1024 bytes";
    static const char  bad_title[] = CSV(2) "title must be text of at most "
                                     "200 bytes, without control characters";
    char              *buf, path[1100];
    lead_rules        *r;
    int                quoted;

    (void) state;

    /* titles: 200 bytes, also as 100 two-byte characters; not 201 */
    buf = row_with_title("t", 200, 0);
    r = parse_ok("", buf);
    assert_int_equal(strlen(lead_rules_asset(r, 0)->title), 200);
    lead_rules_free(r);
    free(buf);

    buf = row_with_title("\xc3\xa9", 100, 1);
    r = parse_ok("", buf);
    lead_rules_free(r);
    free(buf);

    buf = row_with_title("t", 201, 0);
    expect_err("", buf, bad_title);
    free(buf);

    /* any field: 1024 bytes get as far as the title check, 1025 not */
    for (quoted = 0; quoted <= 1; quoted++) {
        buf = row_with_title("t", 1024, quoted);
        expect_err("", buf, bad_title);
        free(buf);

        buf = row_with_title("t", 1025, quoted);
        expect_err("", buf, too_long);
        free(buf);
    }

    /* a path may use all 1024 bytes */
    buf = malloc(sizeof(HEADER) + 1100 + 64);
    assert_non_null(buf);
    memset(path, 'p', sizeof(path));
    path[0] = '/';
    path[1024] = '\0';
    sprintf(buf, "%s%s,Long,epiphany,0,,\n", HEADER, path);
    r = parse_ok("", buf);
    assert_string_equal(lead_rules_asset(r, 0)->path, path);
    assert_ptr_equal(lead_rules_match(r, path, 1024),
                     lead_rules_asset(r, 0));
    lead_rules_free(r);

    path[1024] = 'p';
    path[1025] = '\0';
    sprintf(buf, "%s%s,Long,epiphany,0,,\n", HEADER, path);
    expect_err("", buf, too_long);
    free(buf);
}

/* The header, or a row "/a,A,epiphany,0," then empty fields, n in all. */
static void
fields_row(char *buf, int header, int n)
{
    int  i;

    buf += sprintf(buf, "%s", header ? "path,title,stage,points,topic,flags"
                                     : HEADER "/a,A,epiphany,0,");
    for (i = header ? 6 : 5; i < n; i++) {
        *buf++ = ',';
    }
    strcpy(buf, "\n");
}

static void
test_csv_field_count(void **state)
{
    char  buf[256];

    (void) state;

    /* 16 fields are read (then refused as a row), 17 are not */
    fields_row(buf, 0, 16);
    expect_err("", buf, CSV(2) "expected 6 fields, found 16");
    fields_row(buf, 0, 17);
    expect_err("", buf, CSV(2) "more than 16 fields");

    fields_row(buf, 1, 16);
    expect_err("", buf, CSV(1) "unknown column \"\" (columns: path title "
               "stage points topic flags)");
    fields_row(buf, 1, 17);
    expect_err("", buf, CSV(1) "more than 16 fields");
}

/* Rows "/p/0" .. "/p/n-1" after the header. */
static char *
many_rows(size_t n, size_t *len)
{
    size_t  size = sizeof(HEADER) + n * 32, i, o;
    char   *buf = malloc(size);

    assert_non_null(buf);
    o = (size_t) sprintf(buf, "%s", HEADER);
    for (i = 0; i < n; i++) {
        o += (size_t) snprintf(buf + o, size - o, "/p/%zu,,epiphany,%d,,\n",
                               i, (int) (i % 7) - 3);
    }
    *len = o;
    return buf;
}

static void
test_csv_max_rows(void **state)
{
    char         want[128];
    char        *buf;
    size_t       len;
    lead_rules  *r;

    (void) state;

    buf = many_rows(LEAD_RULES_MAX_ROWS, &len);
    r = parse_ok_n("", 0, buf, len);
    assert_int_equal(lead_rules_count(r), LEAD_RULES_MAX_ROWS);
    assert_string_equal(lead_rules_match(r, "/p/9999", 7)->path, "/p/9999");
    lead_rules_free(r);
    free(buf);

    buf = many_rows(LEAD_RULES_MAX_ROWS + 1, &len);
    snprintf(want, sizeof(want), RDIR "/assets.csv:%d: more than %d assets",
             LEAD_RULES_MAX_ROWS + 2, LEAD_RULES_MAX_ROWS);
    expect_err_n("", 0, buf, len, want);
    free(buf);
}

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
    "warm_after webinars 1;\n"
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
    char                 conf[64];
    size_t               i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(conf, sizeof(conf), "half_life %s;\nreload_window %s;",
                 cases[i].text, cases[i].text);
        r = parse_ok(conf, HEADER);
        sc = lead_rules_scoring(r);
        assert_int_equal(sc->half_life_ms, cases[i].ms);
        assert_int_equal(sc->reload_window_ms, cases[i].ms);
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
      "half_life reload_window mql_threshold stage_min warm_after grade "
      "engagement freemail_domains profile)" },
    { "\"half_life\" 30d;\nHalf_life 30d;",
      CONF(2) "unknown directive \"Half_life\" (expected stages gate_from "
      "half_life reload_window mql_threshold stage_min warm_after grade "
      "engagement freemail_domains profile)" },
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
      "gate_from (stages: a b)" },
    { "\ngate_from consideration;", CONF(2) "unknown stage \"consideration\" "
      "for gate_from " STAGES },
    { "gate_from Interest;", CONF(1) "unknown stage \"Interest\" for "
      "gate_from " STAGES },
    { "gate_from a b;", CONF(1) "\"gate_from\" takes one stage name" },
    { "stages a b c;", CONF(1) "\"gate_from\" is needed with custom stages" },
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
      "assets.csv" },
    { "warm_after g 2;", CONF(1) "warm_after g 2: only 1 assets have "
      "group=g in assets.csv" },
    { "warm_after g 1;\nwarm_after g 1 5;",
      CONF(2) "\"warm_after g\" is duplicate" },
    { "warm_after g;", CONF(1) "\"warm_after\" takes a group, a count and "
      "optional points (warm_after guide 3 20)" },
    { "warm_after g 1 2 3;", CONF(1) "\"warm_after\" takes a group, a count "
      "and optional points (warm_after guide 3 20)" },
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

/* Errors in scoring.conf come before any in assets.csv. */
static void
test_scoring_checked_first(void **state)
{
    (void) state;

    expect_err("half_life 30;", HEADER "/a,A,later,0,,\n",
               CONF(1) "invalid duration \"30\" (expected a number with s, "
               "m, h or d, e.g. 30d)");
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

/* ---- files ------------------------------------------------------------- */

static void
test_load_files(void **state)
{
    const char  *dir = dir_of(state);
    char         sub[128], path[160];
    lead_rules  *r;

    /* nothing there */
    expect_load_err(dir, "/scoring.conf: cannot open: No such file or "
                    "directory");
    snprintf(sub, sizeof(sub), "%s/missing", dir);
    expect_load_err(sub, "/scoring.conf: cannot open: No such file or "
                    "directory");

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
    expect_load_err(dir, "/scoring.conf:1: invalid number \"0\" (expected "
                    "an integer from 1 to 1000000)");

    /* and a good pair loads */
    put_file(dir, "scoring.conf", "mql_threshold 50;\n");
    put_file(dir, "assets.csv", HEADER "/a,A,decision,25,t,hot\n");
    r = load_ok(dir);
    assert_int_equal(lead_rules_count(r), 1);
    assert_int_equal(lead_rules_scoring(r)->mql_threshold, 50);
    assert_string_equal(lead_rules_match(r, "/a", 2)->title, "A");
    lead_rules_free(r);
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
    lead_store      *s;
    char             err[256] = "";
    int              rc;

    rc = lead_store_open(&s, dir, &opts, err, sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_store_open: %d (%s)", rc, err);
    }
    return s;
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
        cmocka_unit_test(test_csv_valid),
        cmocka_unit_test(test_csv_header_only),
        cmocka_unit_test(test_csv_quoted_newline_lines),
        cmocka_unit_test(test_csv_invalid),
        cmocka_unit_test(test_csv_field_limits),
        cmocka_unit_test(test_csv_field_count),
        cmocka_unit_test(test_csv_max_rows),
        cmocka_unit_test(test_error_buffer_short),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_ids_stable),
        cmocka_unit_test(test_scoring_defaults),
        cmocka_unit_test(test_scoring_every_key),
        cmocka_unit_test(test_scoring_durations),
        cmocka_unit_test(test_scoring_gate_default_stages),
        cmocka_unit_test(test_scoring_invalid),
        cmocka_unit_test(test_scoring_word_limits),
        cmocka_unit_test(test_scoring_checked_first),
        T(test_freemail),
        T(test_freemail_invalid),
        T(test_load_files),
        cmocka_unit_test(test_event_asset_round_trip),
        cmocka_unit_test(test_hits_take_the_asset),
        T(test_store_assets),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
