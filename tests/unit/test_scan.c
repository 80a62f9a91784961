/*
 * rules scan's parts (lead_scan.c): titles from HTML and PDF bytes, as
 * people typed them and as hostile files may be; which files are
 * content; and a folder walked with --include, --exclude and rules.
 */

#include "unit.h"
#include "rules_fixture.h"
#include "lead_scan.h"

#include <sys/stat.h>
#include <unistd.h>

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

typedef struct {
    const char  *data;
    size_t       len;          /* 0: strlen */
    const char  *want;         /* "": none */
} title_case;

static void
check_titles(const title_case *cases, size_t n,
    size_t (*fn)(const char *, size_t, char *, size_t))
{
    char    out[LEAD_TITLE_MAX + 1];
    size_t  i, len, got;

    for (i = 0; i < n; i++) {
        len = cases[i].len ? cases[i].len : strlen(cases[i].data);
        memset(out, 'x', sizeof(out));
        got = fn(cases[i].data, len, out, sizeof(out));
        if (got != strlen(cases[i].want) || strcmp(out, cases[i].want) != 0)
        {
            fail_msg("case %zu: want \"%s\", got %zu \"%s\"", i,
                     cases[i].want, got, out);
        }
    }
}

/* ---- HTML -------------------------------------------------------------- */

static void
test_html_title(void **state)
{
    static const title_case  cases[] = {
        { "<html><head><title>Pricing</title>", 0, "Pricing" },
        { "<TITLE lang=\"en\">\n  Two\tlines\r\n here </TITLE>", 0,
          "Two lines here" },
        { "<title>A &amp; B &lt;3 &#8212; &#x2014; &quot;q&quot; &nbsp;x"
          "</title>", 0, "A & B <3 \xe2\x80\x94 \xe2\x80\x94 \"q\" x" },
        /* unknown or broken entities stay as typed */
        { "<title>&copy; &#; &#x110000; AT&T</title>", 0,
          "&copy; &#; ? AT&T" },
        { "<titles>no</titles><title>yes</title>", 0, "yes" },
        { "<title>{{trend_label}}</title>", 0, "" },
        { "<title>{{#title}}{{title}} \xe2\x80\x94 {{/title}}Read on</title>",
          0, "" },
        { "<title></title>", 0, "" },
        { "<title>   </title>", 0, "" },
        { "<title>never closed", 0, "" },
        { "<title", 0, "" },
        { "no title here", 0, "" },
        { "", 0, "" },
        /* control characters are spaces, invalid UTF-8 a '?' */
        { "<title>a\x01" "b\x7f" "c \xff\xfe d</title>", 0, "a b c ?? d" },
        { "<title>a\0b</title>", 18, "a b" },
        /* cut on a character at LEAD_TITLE_MAX bytes */
        { "<title>" "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "0123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789"
          "</title>", 0,
          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "0123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789" },
    };

    (void) state;
    check_titles(cases, N_ELEMS(cases), lead_html_title);
}

/* The cut falls between characters, never inside one. */
static void
test_html_title_cut(void **state)
{
    char    html[600], out[LEAD_TITLE_MAX + 1];
    size_t  n, i;

    (void) state;

    n = (size_t) sprintf(html, "<title>x");
    for (i = 0; i < 120; i++) {
        memcpy(html + n, "\xc3\xa9", 2);
        n += 2;
    }
    memcpy(html + n, "</title>", 9);
    n = lead_html_title(html, strlen(html), out, sizeof(out));
    assert_int_equal(n, 199);           /* "x" and 99 two-byte letters */
    assert_int_equal(lead_utf8_len((const unsigned char *) out + 197, 2), 2);

    /* a small buffer is never overrun */
    memset(out, 'z', sizeof(out));
    n = lead_html_title("<title>Pricing overview</title>", 31, out, 8);
    assert_int_equal(n, 7);
    assert_string_equal(out, "Pricing");
    assert_int_equal(out[8], 'z');
}

/* ---- PDF --------------------------------------------------------------- */

#define TRAILER  "trailer\n<< /Size 3 /Root 1 0 R /Info 2 0 R >>\n%%EOF\n"

static void
test_pdf_title(void **state)
{
    static const title_case  cases[] = {
        { "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
          "2 0 obj\n<< /Title (Network map) /Author (N) >>\nendobj\n"
          TRAILER, 0, "Network map" },
        /* escapes, nested parentheses, octal, a line continued */
        { "2 0 obj << /Title (a \\(b\\) (c) \\101\\102 d\\\ne) >> endobj\n"
          TRAILER, 0, "a (b) (c) AB de" },
        /* UTF-16BE with its mark, in hex, with a surrogate pair */
        { "2 0 obj << /Title <FEFF00E9 0041D83DDE00> >> endobj\n" TRAILER,
          0, "\xc3\xa9" "A\xf0\x9f\x98\x80" },
        /* PDFDocEncoding: 0x84 is an em dash, 0xe9 an e acute */
        { "2 0 obj << /Title (a \x84 caf\xe9) >> endobj\n" TRAILER, 0,
          "a \xe2\x80\x94 caf\xc3\xa9" },
        /* a UTF-8 string with its mark (PDF 2.0) */
        { "2 0 obj << /Title (\xef\xbb\xbf\xc3\xa9t\xc3\xa9) >> endobj\n"
          TRAILER, 0, "\xc3\xa9t\xc3\xa9" },
        /* an outline's /Title is not the document's */
        { "5 0 obj << /Title (Chapter 1) /Parent 4 0 R >> endobj\n"
          "2 0 obj << /Author (N) >> endobj\n" TRAILER, 0, "" },
        { "5 0 obj << /Title (Chapter 1) >> endobj\n", 0, "" },
        /* the latest object of the number wins (an incremental update) */
        { "2 0 obj << /Title (Old) >> endobj\n"
          "2 0 obj << /Title (New) >> endobj\n" TRAILER, 0, "New" },
        /* "12 0 obj" is not "2 0 obj" */
        { "12 0 obj << /Title (Twelve) >> endobj\n" TRAILER, 0, "" },
        /* broken: no object, no number, cut anywhere */
        { TRAILER, 0, "" },
        { "trailer << /Info 99999999999999999 0 R >>", 0, "" },
        { "trailer << /Info", 0, "" },
        { "trailer << /Info 2 0 R >>\n2 0 obj << /Title (cut short", 0,
          "cut short" },
        { "trailer << /Info 2 0 R >>\n2 0 obj << /Title <FEFF00", 0, "" },
        { "trailer << /Info 2 0 R >>\n2 0 obj << /Title", 0, "" },
        { "trailer << /Info 2 0 R >>\n2 0 obj << /Title (\\\\", 0, "\\" },
        { "trailer << /Info 2 0 R >>\n2 0 obj << /Title (\\", 0, "\\" },
        { "", 0, "" },
        { "2 0 obj << /Title ({{x}}) >> endobj\n" TRAILER, 0, "" },
    };

    (void) state;
    check_titles(cases, N_ELEMS(cases), lead_pdf_title);
}

/* The demo's own map, as it ships. */
static void
test_pdf_title_file(void **state)
{
    char    path[512], *data, out[LEAD_TITLE_MAX + 1];
    FILE   *f;
    long    n;

    (void) state;

    snprintf(path, sizeof(path), "%s/library/network-map.pdf",
             getenv("LEAD_HTML_DIR") ? getenv("LEAD_HTML_DIR") : "html");
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    data = malloc((size_t) n);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t) n, f), (size_t) n);
    fclose(f);

    lead_pdf_title(data, (size_t) n, out, sizeof(out));
    assert_string_equal(out, "Northwind Fiber network coverage map");
    free(data);
}

/* ---- which files ------------------------------------------------------- */

static void
test_is_content(void **state)
{
    static const char  *yes[] = {
        "a.html", "a.HTM", "b.pdf", "c.mp4", "d.webm", "e.mov", "f.docx",
        "g.pptx", "h.xlsx", "i.odt", "j.epub", "k.txt", "l.md", "m.doc"
    };
    static const char  *no[] = {
        "site.css", "sales.js", "favicon.svg", "logo.png", "a.jpg",
        "font.woff2", "font.ttf", "robots", ".html", "html", "a.html.bak",
        "a.map", "a.json", "assets.csv", "a.xml"
    };
    size_t  i;

    (void) state;

    for (i = 0; i < N_ELEMS(yes); i++) {
        assert_true(lead_scan_is_content(yes[i]));
    }
    for (i = 0; i < N_ELEMS(no); i++) {
        if (lead_scan_is_content(no[i])) {
            fail_msg("%s is not content", no[i]);
        }
    }
}

/* ---- a folder walked --------------------------------------------------- */

static char  site[64];

static void
put(const char *rel, const char *text)
{
    char   path[256];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", site, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
sub(const char *rel)
{
    char  path[256];

    snprintf(path, sizeof(path), "%s/%s", site, rel);
    assert_int_equal(mkdir(path, 0700), 0);
}

static int
site_setup(void **state)
{
    (void) state;
    strcpy(site, "/tmp/lead-scan-XXXXXX");
    if (mkdtemp(site) == NULL) {
        return -1;
    }
    sub("guide");
    sub("sales");
    sub(".git");
    put("index.html", "<title>Home page</title>");
    put("404.html", "<title>Not found</title>");
    put("why-outages-cost.html", "<p>no title</p>");
    put("guide/index.html", "<title>The guide</title>");
    put("guide/1-requirements.html", "<title>1. Requirements</title>");
    put("guide/2-sla.html", "<title>2. SLA</title>");
    put("map.pdf", "2 0 obj << /Title (The map) >> endobj\n" TRAILER);
    put("webinar_network-design.mp4", "");
    put("site.css", "body {}");
    put("sales/sales.js", "");
    put("sales/favicon.svg", "<svg/>");
    put("sales/lead.html", "<title>{{trend_label}}</title>");
    put("sales/layout.html", "<h1>{{title}}</h1>");
    put("vue.html", "<title>Vue &amp; us</title><p>{{ user.name }}</p>");
    put(".git/x.html", "<title>hidden</title>");
    put(".hidden.html", "<title>hidden</title>");
    put("a,b \"q\".html", "<title>Comma, \"quoted\"</title>");
    put("bad\x01name.html", "");
    {
        char  link[256];

        /* a link is not followed: it may lead anywhere, or round */
        snprintf(link, sizeof(link), "%s/guide/loop", site);
        assert_int_equal(symlink(site, link), 0);
        snprintf(link, sizeof(link), "%s/linked.html", site);
        assert_int_equal(symlink("/etc/hostname", link), 0);
    }
    return 0;
}

static int
site_teardown(void **state)
{
    char  cmd[128];

    (void) state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", site);
    return system(cmd) == 0 ? 0 : -1;
}

static void
expect_scan(const lead_scan_opts *o, const char *want)
{
    lead_buf  out;
    char      err[256] = "";

    memset(&out, 0, sizeof(out));
    assert_int_equal(lead_scan(site, o, &out, err, sizeof(err)), LEAD_OK);
    lead_buf_puts(&out, "");
    if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0) {
        fail_msg("want:\n%s\ngot:\n%.*s", want, (int) out.len, out.data);
    }
    lead_buf_free(&out);
}

#define ROW_HEADER  "path,title,stage,points,topic,flags\n"

static void
test_scan_all(void **state)
{
    lead_scan_opts  o;

    (void) state;
    memset(&o, 0, sizeof(o));

    /* content only: no style sheet, script, image, template or hidden */
    expect_scan(&o, ROW_HEADER
                "/,Home page,,,,\n"
                "/404.html,Not found,,,,\n"
                "\"/a,b \"\"q\"\".html\",\"Comma, \"\"quoted\"\"\",,,,\n"
                "/guide/,The guide,,,,\n"
                "/guide/1-requirements.html,1. Requirements,,,,\n"
                "/guide/2-sla.html,2. SLA,,,,\n"
                "/map.pdf,The map,,,,\n"
                "/vue.html,Vue & us,,,,\n"
                "/webinar_network-design.mp4,Webinar network design,,,,\n"
                "/why-outages-cost.html,Why outages cost,,,,\n");
}

static void
test_scan_filters(void **state)
{
    static const char *const  inc[] = { "guide/*", "*.pdf" };
    static const char *const  exc[] = { "*/index.html", "*2-*" };
    lead_scan_opts            o;
    lead_rules               *r;

    (void) state;
    memset(&o, 0, sizeof(o));

    o.include = inc;
    o.ninclude = 2;
    expect_scan(&o, ROW_HEADER
                "/guide/,The guide,,,,\n"
                "/guide/1-requirements.html,1. Requirements,,,,\n"
                "/guide/2-sla.html,2. SLA,,,,\n"
                "/map.pdf,The map,,,,\n");

    o.exclude = exc;
    o.nexclude = 2;
    expect_scan(&o, ROW_HEADER
                "/guide/1-requirements.html,1. Requirements,,,,\n"
                "/map.pdf,The map,,,,\n");

    /* with rules: what no rule matches (the guide's prefix, the map) */
    r = parse_ok("", HEADER "/guide/*,Guide,interest,10,,\n"
                 "/map.pdf,Map,decision,40,,hot\n/,Home,epiphany,0,,\n");
    memset(&o, 0, sizeof(o));
    o.rules = r;
    expect_scan(&o, ROW_HEADER
                "/404.html,Not found,,,,\n"
                "\"/a,b \"\"q\"\".html\",\"Comma, \"\"quoted\"\"\",,,,\n"
                "/vue.html,Vue & us,,,,\n"
                "/webinar_network-design.mp4,Webinar network design,,,,\n"
                "/why-outages-cost.html,Why outages cost,,,,\n");
    lead_rules_free(r);
}

static void
test_scan_missing(void **state)
{
    lead_scan_opts  o;
    lead_buf        out;
    char            err[256];

    (void) state;
    memset(&o, 0, sizeof(o));
    memset(&out, 0, sizeof(out));

    assert_int_equal(lead_scan("/nonexistent-lead-scan", &o, &out, err,
                               sizeof(err)), LEAD_EINVAL);
    assert_string_equal(err, "cannot open \"/nonexistent-lead-scan\": No such "
                        "file or directory");
    assert_int_equal(out.len, 0);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_html_title),
        cmocka_unit_test(test_html_title_cut),
        cmocka_unit_test(test_pdf_title),
        cmocka_unit_test(test_pdf_title_file),
        cmocka_unit_test(test_is_content),
        cmocka_unit_test(test_scan_all),
        cmocka_unit_test(test_scan_filters),
        cmocka_unit_test(test_scan_missing),
    };

    return cmocka_run_group_tests(tests, site_setup, site_teardown);
}
