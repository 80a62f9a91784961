/*
 * The page templates (lead_tmpl.c): rendering, parse errors, loading
 * from a file, and the form page as html/form.html has it and as the
 * library builds it in (lead_form_builtin).
 */

#include "form_fixture.h"

#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */

static const char *const  tnames[] = { "a", "b", "c", NULL };

static lead_tmpl *
tmpl_ok(const char *text, const char *const *names)
{
    lead_tmpl  *t;
    char        err[512] = "";
    int         rc;

    rc = lead_tmpl_parse(&t, text, strlen(text), names, "t.html", err,
                         sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("\"%s\": %d (%s)", text, rc, err);
    }
    assert_non_null(t);
    return t;
}

/*
 * Renders like snprintf: returns the whole length whatever the size, and
 * writes exactly the first min(size, length) bytes of the page.  Checks
 * every size from 0 up and returns the page (malloc'ed, NUL-terminated).
 */
static char *
render_all(const lead_tmpl *t, const lead_str *values)
{
    size_t  need, size, n;
    char   *page, *buf;

    need = lead_tmpl_render(t, values, NULL, 0);
    page = malloc(need + 1);
    buf = malloc(need + 1);
    assert_non_null(page);
    assert_non_null(buf);

    assert_int_equal(lead_tmpl_render(t, values, page, need), need);
    page[need] = '\0';

    for (size = 0; size <= need; size++) {
        memset(buf, '#', need + 1);
        n = lead_tmpl_render(t, values, buf, size);
        if (n != need || memcmp(buf, page, size) != 0
            || buf[size] != '#')
        {
            fail_msg("render into %zu of %zu bytes went wrong", size, need);
        }
    }

    free(buf);
    return page;
}

static void
set_values(lead_str *v, const char *a, const char *b, const char *c)
{
    const char  *s[3] = { a, b, c };
    size_t       i;

    for (i = 0; i < 3; i++) {
        v[i].data = s[i];
        v[i].len = s[i] ? strlen(s[i]) : 0;
    }
}

static void
test_tmpl_render(void **state)
{
    static const struct {
        const char  *text;
        const char  *a, *b, *c;     /* NULL: empty (data NULL too) */
        const char  *want;
    } cases[] = {
        { "", "x", "y", "z", "" },
        { "plain <b>text</b> & {single} braces }}",
          NULL, NULL, NULL, "plain <b>text</b> & {single} braces }}" },
        /* values are escaped; the template's own markup is not */
        { "<p title=\"{{a}}\">{{b}}</p>", "\"'&<>", "<script>",
          NULL, "<p title=\"&quot;&#39;&amp;&lt;&gt;\">&lt;script&gt;</p>" },
        { "{{a}}{{a}}{{c}}", "&amp;", NULL, "é", "&amp;amp;&amp;amp;é" },
        /* sections: # when not empty, ^ when empty */
        { "[{{#a}}A={{a}}{{/a}}{{^a}}no a{{/a}}]", "1", NULL, NULL,
          "[A=1]" },
        { "[{{#a}}A={{a}}{{/a}}{{^a}}no a{{/a}}]", NULL, NULL, NULL,
          "[no a]" },
        { "[{{#a}}A={{a}}{{/a}}{{^a}}no a{{/a}}]", "", NULL, NULL,
          "[no a]" },
        /* nested: the inner one only counts when the outer is shown */
        { "{{#a}}a{{#b}}b{{/b}}{{^b}}-b{{/b}}{{/a}}|{{^a}}{{#b}}B{{/b}}"
          "{{/a}}", "1", "1", NULL, "ab|" },
        { "{{#a}}a{{#b}}b{{/b}}{{^b}}-b{{/b}}{{/a}}|{{^a}}{{#b}}B{{/b}}"
          "{{/a}}", "1", NULL, NULL, "a-b|" },
        { "{{#a}}a{{#b}}b{{/b}}{{^b}}-b{{/b}}{{/a}}|{{^a}}{{#b}}B{{/b}}"
          "{{/a}}", NULL, "1", NULL, "|B" },
        { "{{#a}}a{{#b}}b{{/b}}{{^b}}-b{{/b}}{{/a}}|{{^a}}{{#b}}B{{/b}}"
          "{{/a}}", NULL, NULL, NULL, "|" },
        /* the same name nested in itself, and a section with nothing */
        { "{{#a}}1{{#a}}2{{/a}}3{{/a}}{{#b}}{{/b}}4", "x", "y", NULL,
          "1234" },
        { "x{{#c}}{{/c}}y{{^c}}{{/c}}z", NULL, NULL, NULL, "xyz" },
    };
    lead_str    v[3];
    lead_tmpl  *t;
    char       *page;
    size_t      i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        t = tmpl_ok(cases[i].text, tnames);
        set_values(v, cases[i].a, cases[i].b, cases[i].c);
        page = render_all(t, v);
        if (strcmp(page, cases[i].want) != 0) {
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, page,
                     cases[i].want);
        }
        free(page);
        lead_tmpl_free(t);
    }
}

/* Nests depth sections of "a" into buf. */
static void
nest(char *buf, size_t size, size_t depth)
{
    size_t  i, n = 0;

    for (i = 0; i < depth; i++) {
        n += (size_t) snprintf(buf + n, size - n, "{{#a}}");
    }
    for (i = 0; i < depth; i++) {
        n += (size_t) snprintf(buf + n, size - n, "{{/a}}");
    }
    assert_true(n < size);
}

static void
test_tmpl_parse_errors(void **state)
{
    static const char *const  names[] = { "title", "name", NULL };
    static const struct {
        const char  *text;
        const char  *want;
    } cases[] = {
        { "a\n{{nope}}",
          "t.html:2: unknown placeholder \"nope\" (known: title name)" },
        { "{{}}", "t.html:1: unknown placeholder \"\" (known: title name)" },
        { "{{#}}", "t.html:1: unknown placeholder \"\" (known: title name)" },
        { "{{ name }}",
          "t.html:1: unknown placeholder \" name \" (known: title name)" },
        { "{{Name}}",
          "t.html:1: unknown placeholder \"Name\" (known: title name)" },
        /* long names are cut at 40 characters in the message */
        { "{{nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn}}",
          "t.html:1: unknown placeholder "
          "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\" (known: title name)" },
        { "x\ny\n{{name", "t.html:3: \"{{\" without \"}}\"" },
        { "{{name}", "t.html:1: \"{{\" without \"}}\"" },
        { "{{name}} {{", "t.html:1: \"{{\" without \"}}\"" },
        { "{{/name}}", "t.html:1: \"{{/name}}\" closes no open section" },
        { "{{#title}}\n{{/name}}",
          "t.html:2: \"{{/name}}\" closes no open section" },
        { "{{#title}}{{/title}}\n{{/title}}",
          "t.html:2: \"{{/title}}\" closes no open section" },
        /* the message names the section, read before the template goes */
        { "{{#title}}\n\n", "t.html:3: section \"{{#title}}\" is not closed" },
        { "{{^name}}", "t.html:1: section \"{{^name}}\" is not closed" },
    };
    lead_tmpl  *t;
    char        err[512], text[256];
    size_t      i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        t = (lead_tmpl *) err;              /* must be reset to NULL */
        err[0] = '\0';
        assert_int_equal(lead_tmpl_parse(&t, cases[i].text,
                                         strlen(cases[i].text), names,
                                         "t.html", err, sizeof(err)),
                         LEAD_EINVAL);
        assert_null(t);
        assert_string_equal(err, cases[i].want);
    }

    /* eight levels of sections are fine, nine are not */
    nest(text, sizeof(text), 8);
    lead_tmpl_free(tmpl_ok(text, tnames));

    nest(text, sizeof(text), 9);
    t = (lead_tmpl *) err;
    assert_int_equal(lead_tmpl_parse(&t, text, strlen(text), tnames,
                                     "t.html", err, sizeof(err)),
                     LEAD_EINVAL);
    assert_null(t);
    assert_string_equal(err, "t.html:1: sections nested too deep");
}

/* A template cannot make the parser keep unbounded placeholders. */
static void
test_tmpl_too_many(void **state)
{
    enum { N = 10000 };
    char        *text = malloc(N * 5 + 1), err[256] = "";
    lead_tmpl   *t;
    size_t       len;

    (void) state;
    assert_non_null(text);

    len = repeat(text, N * 5 + 1, "", "{{a}}", N);
    assert_int_equal(lead_tmpl_parse(&t, text, len, tnames, "t.html", err,
                                     sizeof(err)), LEAD_EINVAL);
    assert_null(t);
    assert_non_null(strstr(err, "too many placeholders"));

    free(text);
}

static void
test_tmpl_load(void **state)
{
    char         dir[] = "/tmp/lead-tmpl-XXXXXX", path[64], err[512];
    char         want[128];
    char        *big, *page;
    FILE        *f;
    lead_tmpl   *t;
    lead_str     v[3];
    size_t       extra;

    (void) state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/form.html", dir);

    /* missing */
    t = (lead_tmpl *) err;
    assert_int_equal(lead_tmpl_load(&t, path, tnames, err, sizeof(err)),
                     LEAD_EINVAL);
    assert_null(t);
    snprintf(want, sizeof(want), "%s: cannot open: ", path);
    assert_memory_equal(err, want, strlen(want));

    big = malloc(LEAD_TMPL_MAX + 1);
    assert_non_null(big);
    memset(big, 'x', LEAD_TMPL_MAX + 1);
    memcpy(big, "{{a}}", 5);
    set_values(v, "y", NULL, NULL);

    /* LEAD_TMPL_MAX bytes load; one byte more does not */
    for (extra = 0; extra <= 1; extra++) {
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(big, 1, LEAD_TMPL_MAX + extra, f),
                         LEAD_TMPL_MAX + extra);
        assert_int_equal(fclose(f), 0);

        err[0] = '\0';
        if (extra == 0) {
            assert_int_equal(lead_tmpl_load(&t, path, tnames, err,
                                            sizeof(err)), LEAD_OK);
            assert_int_equal(lead_tmpl_render(t, v, NULL, 0),
                             LEAD_TMPL_MAX - 4);
            lead_tmpl_free(t);
        } else {
            assert_int_equal(lead_tmpl_load(&t, path, tnames, err,
                                            sizeof(err)), LEAD_EINVAL);
            assert_null(t);
            snprintf(want, sizeof(want), "%s: larger than %d bytes", path,
                     LEAD_TMPL_MAX);
            assert_string_equal(err, want);
        }
    }

    /* a file's errors are reported under its path */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("ok\n\n{{/a}}\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(lead_tmpl_load(&t, path, tnames, err, sizeof(err)),
                     LEAD_EINVAL);
    snprintf(want, sizeof(want), "%s:3: \"{{/a}}\" closes no open section",
             path);
    assert_string_equal(err, want);

    /* and a good one renders */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("<b>{{a}}</b>", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(lead_tmpl_load(&t, path, tnames, err, sizeof(err)),
                     LEAD_OK);
    set_values(v, "<&>", NULL, NULL);
    page = render_all(t, v);
    assert_string_equal(page, "<b>&lt;&amp;&gt;</b>");
    free(page);
    lead_tmpl_free(t);

    free(big);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* The page the module serves, with the names it passes, in its order. */
enum {
    F_TITLE, F_TOPIC, F_ACTION, F_RETURN, F_TOKEN, F_NAME, F_EMAIL,
    F_NAME_ERROR, F_EMAIL_ERROR, F_SUBSCRIBE, F_CONTACT_ENABLED, F_CONTACT,
    F_BUSY, F_TOO_LONG, F_N
};

/* the module's names (ngx_http_lead_form.c), in its order */
static const char *const  form_names[F_N + 1] = {
    "title", "topic", "action", "return", "token", "name", "email",
    "name_error", "email_error", "subscribe", "contact_enabled",
    "contact", "busy", "too_long", NULL
};

#define BUSY  "Too many tries from your network, please wait a minute."
#define LONG  "That is longer than the form accepts."

/* The form page renders what the module gives it, escaped where it goes. */
static void
check_form_page(const lead_tmpl *t)
{
    static const struct {
        const char  *needle;
        int          present;
    } first[] = {
        { "Read \xe2\x80\x9c" "Fiber &amp; &lt;you&gt;\xe2\x80\x9d", 1 },
        { "value=\"&quot;&gt;&lt;script&gt;\"", 1 },
        { "value=\"/guide?a=1&amp;b=2\"", 1 },
        { "<script>", 0 },
        { "aria-invalid=\"true\"", 0 },
        { " checked", 0 },
        { "id=\"contact\"", 0 },
    }, second[] = {
        { "Read on</h1>", 1 },
        { "<p class=\"error\" id=\"name-error\">Please enter", 1 },
        { "aria-invalid=\"true\" aria-describedby=\"name-error\"", 1 },
        { "email-error", 0 },
        { "name=\"subscribe\" value=\"1\" checked>", 1 },
        { "updates about new content", 1 },
        { "id=\"contact\" name=\"contact\" value=\"1\" checked>", 1 },
    };
    char         token[LEAD_TOKEN_LEN];
    char         needle[LEAD_TOKEN_LEN + 1];
    char        *page;
    lead_str     v[F_N];
    uint8_t      id[LEAD_ID_LEN] = { 0 };
    size_t       i;

#define SET(i, s)  (v[i].data = (s), v[i].len = strlen(s))

    lead_form_token(&keys, id, token);
    memset(v, 0, sizeof(v));
    SET(F_TITLE, "Fiber & <you>");
    SET(F_ACTION, "/lead/form");
    SET(F_RETURN, "/guide?a=1&b=2");
    SET(F_NAME, "\"><script>");
    v[F_TOKEN].data = token;
    v[F_TOKEN].len = LEAD_TOKEN_LEN;

    page = render_all(t, v);
    for (i = 0; i < N_ELEMS(first); i++) {
        if ((strstr(page, first[i].needle) != NULL) != first[i].present) {
            fail_msg("first page: \"%s\" %s", first[i].needle,
                     first[i].present ? "missing" : "found");
        }
    }
    memcpy(needle, token, LEAD_TOKEN_LEN);
    needle[LEAD_TOKEN_LEN] = '\0';
    assert_non_null(strstr(page, needle));
    assert_null(strstr(page, BUSY));
    assert_null(strstr(page, LONG));
    free(page);

    /* a refused form: errors shown, boxes kept, no title */
    memset(v, 0, sizeof(v));
    SET(F_ACTION, "/lead/form");
    SET(F_RETURN, "/");
    SET(F_NAME_ERROR, NAME_EMPTY);
    SET(F_SUBSCRIBE, "1");
    SET(F_CONTACT_ENABLED, "1");
    SET(F_CONTACT, "1");

    page = render_all(t, v);
    for (i = 0; i < N_ELEMS(second); i++) {
        if ((strstr(page, second[i].needle) != NULL) != second[i].present) {
            fail_msg("second page: \"%s\" %s", second[i].needle,
                     second[i].present ? "missing" : "found");
        }
    }
    free(page);

    /* a post limit_req refused, and one too long: the form and why */
    memset(v, 0, sizeof(v));
    SET(F_ACTION, "/lead/form");
    SET(F_RETURN, "/");
    SET(F_BUSY, "1");
    page = render_all(t, v);
    assert_non_null(strstr(page, BUSY));
    assert_null(strstr(page, LONG));
    assert_non_null(strstr(page, "name=\"email\""));
    free(page);

    v[F_BUSY].len = 0;
    SET(F_TOO_LONG, "1");
    page = render_all(t, v);
    assert_non_null(strstr(page, LONG));
    assert_null(strstr(page, BUSY));
    free(page);

#undef SET
}

static void
test_tmpl_form_html(void **state)
{
    const char  *dir = getenv("LEAD_HTML_DIR");
    char         path[4096], err[1024] = "";
    lead_tmpl   *t;

    (void) state;

    if (dir == NULL) {
        skip();                 /* run with LEAD_HTML_DIR=.../html */
    }
    snprintf(path, sizeof(path), "%s/form.html", dir);
    if (lead_tmpl_load(&t, path, form_names, err, sizeof(err)) != LEAD_OK) {
        fail_msg("%s", err);
    }

    check_form_page(t);
    lead_tmpl_free(t);
}

/*
 * "lead_form;" without a template: the page built in is html/form.html,
 * as it was built; a template of before the messages (no "busy") loads
 * with the module's names all the same.
 */
static void
test_tmpl_form_builtin(void **state)
{
    const char  *dir = getenv("LEAD_HTML_DIR");
    char         path[4096], err[1024] = "";
    char        *built, *file;
    lead_str     v[F_N];
    lead_tmpl   *t, *f;

    (void) state;

    if (lead_form_builtin(&t, form_names, err, sizeof(err)) != LEAD_OK) {
        fail_msg("%s", err);
    }
    assert_non_null(t);
    check_form_page(t);

    /* the same page as the file's, byte for byte */
    if (dir != NULL) {
        snprintf(path, sizeof(path), "%s/form.html", dir);
        assert_int_equal(lead_tmpl_load(&f, path, form_names, err,
                                        sizeof(err)), LEAD_OK);
        memset(v, 0, sizeof(v));
        v[F_TOKEN].data = "t0k3n";
        v[F_TOKEN].len = 5;
        v[F_CONTACT_ENABLED].data = "1";
        v[F_CONTACT_ENABLED].len = 1;
        built = render_all(t, v);
        file = render_all(f, v);
        assert_string_equal(built, file);
        free(built);
        free(file);
        lead_tmpl_free(f);
    }

    /* no inline script: the page keeps to its CSP */
    memset(v, 0, sizeof(v));
    built = render_all(t, v);
    assert_null(strstr(built, "<script"));
    assert_null(strstr(built, " onsubmit="));
    assert_null(strstr(built, " onclick="));
    assert_null(strstr(built, "javascript:"));
    free(built);
    lead_tmpl_free(t);

    f = tmpl_ok("<p>{{name_error}}</p>{{#contact}}c{{/contact}}",
                form_names);
    lead_tmpl_free(f);
}

/* A directory is no template; no known names still make a message. */
static void
test_tmpl_odd_inputs(void **state)
{
    static const char *const  none[] = { NULL };
    lead_tmpl                *t;
    char                      err[256];

    (void) state;

    assert_int_equal(lead_tmpl_load(&t, "/tmp", tnames, err, sizeof(err)),
                     LEAD_EINVAL);
    assert_null(t);
    assert_string_equal(err, "/tmp: not a regular file");

    assert_int_equal(lead_tmpl_parse(&t, "{{x}}", 5, none, "p", err,
                                     sizeof(err)), LEAD_EINVAL);
    assert_string_equal(err, "p:1: unknown placeholder \"x\" (known: )");
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_tmpl_render),
        cmocka_unit_test(test_tmpl_parse_errors),
        cmocka_unit_test(test_tmpl_too_many),
        cmocka_unit_test(test_tmpl_load),
        cmocka_unit_test(test_tmpl_form_html),
        cmocka_unit_test(test_tmpl_form_builtin),
        cmocka_unit_test(test_tmpl_odd_inputs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
