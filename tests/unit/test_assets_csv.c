#include "unit.h"
#include "rules_fixture.h"

/*
 * assets.csv as spreadsheets export it: quoting, line ends, columns in
 * any order, every field checked, and the limits on fields and rows.
 */

#define BAD_PATH    "is not a plain decoded path (no query, %XX, \"//\", " \
                    "\".\" or \"..\")"

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

    /* every error is told, in file order, each row's fields in turn */
    { HEADER "/a,A,later,0,,\n/b,B,epiphany,x,,\n",
      CSV(2) "unknown stage \"later\" " STAGES "\n"
      CSV(3) "points \"x\" is not an integer from -1000 to 1000" },
    { HEADER "a,A,later,x,,\n/c,C,epiphany,0,,\n/d,D\n",
      CSV(2) "path \"a\" must start with \"/\"\n"
      CSV(2) "unknown stage \"later\" " STAGES "\n"
      CSV(2) "points \"x\" is not an integer from -1000 to 1000\n"
      CSV(4) "expected 6 fields, found 2" },
    { HEADER "/a,A,epiphany,0,,\n/a,B,epiphany,0,,\n/a,C,epiphany,0,,\n",
      CSV(3) "duplicate path \"/a\" (first on line 2)\n"
      CSV(4) "duplicate path \"/a\" (first on line 2)" },

    /* a spreadsheet saved with semicolons or tabs: one field, told so */
    { "path;title;stage;points;topic;flags\n/a;A;epiphany;0;;\n",
      CSV(1) "this file looks semicolon-separated; save it as CSV with "
      "commas" },
    { "\xef\xbb\xbfpath\ttitle\tstage\tpoints\ttopic\tflags\n",
      CSV(1) "this file looks tab-separated; save it as CSV with commas" },
    { "\"path;title\"\n", CSV(1) "this file looks semicolon-separated; save "
      "it as CSV with commas" },
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

/* A refused row leaves nothing behind for the rows after it. */
static void
test_csv_refused_row_alone(void **state)
{
    (void) state;

    expect_err("", HEADER "/a.html,A,epiphany,many,,open\n"
               "/b.html,B,epiphany,5,,gated\n"
               "/c.html,C,epiphany,5,,\n",
               CSV(2) "points \"many\" is not an integer from -1000 to 1000");
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

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_csv_valid),
        cmocka_unit_test(test_csv_header_only),
        cmocka_unit_test(test_csv_quoted_newline_lines),
        cmocka_unit_test(test_csv_invalid),
        cmocka_unit_test(test_csv_field_limits),
        cmocka_unit_test(test_csv_field_count),
        cmocka_unit_test(test_csv_refused_row_alone),
        cmocka_unit_test(test_csv_max_rows),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
