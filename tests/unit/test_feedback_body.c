/*
 * The feedback form's body: rating, comment and path checked, a field
 * twice refused, the comment's text rules and its limit in characters.
 */

#include "unit.h"
#include "lead_feedback.h"

/* A string literal and its length, embedded NULs included. */
#define S(lit)      lit, sizeof(lit) - 1

#define TOKEN       "&token=t"
#define GOOD        "rating=4&path=%2Flibrary%2Fx.html" TOKEN

static lead_feedback  fb;

static int
parse(const char *body, size_t len)
{
    return lead_feedback_parse(body, len, &fb);
}

static void
expect_comment(const char *want, size_t len)
{
    if (fb.comment.len != len || memcmp(fb.comment.data, want, len) != 0) {
        fail_msg("comment \"%.*s\" (%zu bytes), want \"%.*s\" (%zu)",
                 (int) fb.comment.len, fb.comment.data, fb.comment.len,
                 (int) len, want, len);
    }
}

static void
test_good_body(void **state)
{
    (void) state;

    assert_int_equal(parse(S(GOOD "&comment=Very+useful%21")), LEAD_OK);
    assert_null(fb.error);
    assert_int_equal(fb.error_field, -1);
    assert_int_equal(fb.rating, 4);
    expect_comment(S("Very useful!"));
    assert_int_equal(fb.path_len, strlen("/library/x.html"));
    assert_memory_equal(fb.path, "/library/x.html", fb.path_len);
    assert_int_equal(fb.field[LEAD_FEEDBACK_TOKEN].len, 1);

    /* no comment, an empty one, unknown fields, any order */
    assert_int_equal(parse(S("path=/a.pdf&x=y&rating=1&token=t")), LEAD_OK);
    assert_int_equal(fb.rating, 1);
    assert_int_equal(fb.comment.len, 0);
    assert_int_equal(parse(S(GOOD "&comment=&submit=Send")), LEAD_OK);
    assert_int_equal(fb.comment.len, 0);

    /* the path is normalised as nginx maps it, its query dropped */
    assert_int_equal(parse(S("rating=5&path=/library/./a/../x%2Ehtml"
                             "%3Ffeedback%3Dthanks")), LEAD_OK);
    assert_int_equal(fb.path_len, strlen("/library/x.html"));
    assert_memory_equal(fb.path, "/library/x.html", fb.path_len);

    /* the token is taken as sent; absent, it is absent (the caller's) */
    assert_int_equal(parse(S("rating=5&path=/")), LEAD_OK);
    assert_null(fb.field[LEAD_FEEDBACK_TOKEN].data);
}

static void
test_rating(void **state)
{
    static const struct {
        const char  *body;
        size_t       len;
    } bad[] = {
        { S("path=/x" TOKEN) },                 /* none */
        { S("rating=&path=/x" TOKEN) },
        { S("rating=0&path=/x" TOKEN) },
        { S("rating=6&path=/x" TOKEN) },
        { S("rating=x&path=/x" TOKEN) },
        { S("rating=45&path=/x" TOKEN) },
        { S("rating=+4&path=/x" TOKEN) },
        { S("rating=4+&path=/x" TOKEN) },
        { S("rating=-1&path=/x" TOKEN) },
        { S("rating=%00&path=/x" TOKEN) },
        { S("rating=%EF%BC%94&path=/x" TOKEN) },   /* a full-width 4 */
    };

    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i].body, bad[i].len) != LEAD_EINVAL
            || fb.error_field != LEAD_FEEDBACK_RATING || fb.error == NULL)
        {
            fail_msg("\"%s\": not refused for its rating", bad[i].body);
        }
    }

    for (i = 1; i <= 5; i++) {
        char  body[64];
        int   n = snprintf(body, sizeof(body), "rating=%zu&path=/x", i);

        assert_int_equal(parse(body, (size_t) n), LEAD_OK);
        assert_int_equal(fb.rating, i);
    }
}

static void
test_field_twice(void **state)
{
    (void) state;

    assert_int_equal(parse(S("rating=1&rating=5&path=/x" TOKEN)),
                     LEAD_EINVAL);
    assert_int_equal(fb.error_field, LEAD_FEEDBACK_RATING);
    assert_int_equal(parse(S(GOOD "&comment=a&comment=b")), LEAD_EINVAL);
    assert_int_equal(fb.error_field, LEAD_FEEDBACK_COMMENT);
    assert_int_equal(parse(S(GOOD "&pa%74h=/y")), LEAD_EINVAL);
    assert_int_equal(fb.error_field, LEAD_FEEDBACK_PATH);
    assert_int_equal(parse(S(GOOD TOKEN)), LEAD_EINVAL);
    assert_int_equal(fb.error_field, LEAD_FEEDBACK_TOKEN);
}

static void
test_comment_text(void **state)
{
    (void) state;

    /* CRLF is LF, newlines inside kept, blanks and newlines trimmed */
    assert_int_equal(parse(S(GOOD "&comment=%0D%0A++One%0D%0Atwo%0A%0A"
                             "three+%C2%A0%0D%0A")), LEAD_OK);
    expect_comment(S("One\ntwo\n\nthree"));

    /* only blanks: no comment */
    assert_int_equal(parse(S(GOOD "&comment=+%0D%0A%E2%80%8B+")), LEAD_OK);
    assert_int_equal(fb.comment.len, 0);

    /* UTF-8 kept as it is */
    assert_int_equal(parse(S(GOOD "&comment=%C3%A9t%C3%A9+%F0%9F%91%8D")),
                     LEAD_OK);
    expect_comment(S("\xc3\xa9t\xc3\xa9 \xf0\x9f\x91\x8d"));

    /* controls, a lone CR, bidi overrides, bad UTF-8: refused */
    static const char  *bad[] = {
        GOOD "&comment=a%00b", GOOD "&comment=a%09b", GOOD "&comment=a%0Db",
        GOOD "&comment=a%1Bb", GOOD "&comment=a%7Fb",
        GOOD "&comment=a%C2%85b", GOOD "&comment=a%E2%80%AEb",
        GOOD "&comment=a%E2%81%A6b", GOOD "&comment=a%E2%80%A8b",
        GOOD "&comment=%FF", GOOD "&comment=%C3", GOOD "&comment=%C0%AF",
        GOOD "&comment=%ED%A0%80",
    };

    size_t  i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], strlen(bad[i])) != LEAD_EINVAL
            || fb.error_field != LEAD_FEEDBACK_COMMENT)
        {
            fail_msg("\"%s\": not refused for its comment", bad[i]);
        }
    }
}

/* A body with a comment of n copies of the urlencoded character c. */
static size_t
with_comment(char *body, const char *c, size_t n, const char *around)
{
    size_t  len, i;

    len = (size_t) sprintf(body, "%s&comment=%s", GOOD, around);
    for (i = 0; i < n; i++) {
        len += (size_t) sprintf(body + len, "%s", c);
    }
    len += (size_t) sprintf(body + len, "%s", around);

    return len;
}

static void
test_comment_limit(void **state)
{
    static char  body[LEAD_FEEDBACK_BODY_MAX * 2];
    size_t       len;

    (void) state;

    /* 1,000 characters, however many bytes each, pass; 1,001 do not */
    len = with_comment(body, "a", LEAD_COMMENT_MAX, "");
    assert_int_equal(parse(body, len), LEAD_OK);
    assert_int_equal(fb.comment.len, LEAD_COMMENT_MAX);

    len = with_comment(body, "a", LEAD_COMMENT_MAX + 1, "");
    assert_int_equal(parse(body, len), LEAD_EINVAL);
    assert_int_equal(fb.error_field, LEAD_FEEDBACK_COMMENT);
    assert_non_null(strstr(fb.error, "1,000"));

    len = with_comment(body, "%F0%9F%91%8D", LEAD_COMMENT_MAX, "");
    assert_int_equal(parse(body, len), LEAD_OK);
    assert_int_equal(fb.comment.len, 4 * LEAD_COMMENT_MAX);
    assert_true(fb.comment.len <= LEAD_COMMENT_BYTES);

    len = with_comment(body, "%F0%9F%91%8D", LEAD_COMMENT_MAX + 1, "");
    assert_int_equal(parse(body, len), LEAD_EINVAL);

    /* CRLF counts once; what trimming drops does not count */
    len = with_comment(body, "%0D%0A", LEAD_COMMENT_MAX - 2, "x");
    assert_int_equal(parse(body, len), LEAD_OK);
    assert_int_equal(fb.comment.len, LEAD_COMMENT_MAX);
    len = with_comment(body, "b", LEAD_COMMENT_MAX, "++%0D%0A");
    assert_int_equal(parse(body, len), LEAD_OK);

    /* the body's own bound */
    memset(body, 'a', LEAD_FEEDBACK_BODY_MAX + 1);
    assert_int_equal(parse(body, LEAD_FEEDBACK_BODY_MAX + 1), LEAD_EINVAL);
    assert_int_equal(fb.error_field, -1);
    assert_non_null(fb.error);
    assert_null(fb.field[LEAD_FEEDBACK_TOKEN].data);     /* none taken */
}

static void
test_path(void **state)
{
    static const char  *bad[] = {
        "rating=3",
        "rating=3&path=",
        "rating=3&path=library%2Fx.html",
        "rating=3&path=%2F%2Fevil.example",
        "rating=3&path=//evil.example/library/x.html",
        "rating=3&path=%2F%5Cevil.example",
        "rating=3&path=https%3A%2F%2Fevil.example%2F",
        "rating=3&path=/x%0D%0ALocation:+/y",
        "rating=3&path=/x+y",
        "rating=3&path=/../../etc/passwd%00",
        "rating=3&path=/%2F%2Fevil.example",
        "rating=3&path=/%2e%2e/%2e%2e/%2Fevil",
    };

    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], strlen(bad[i])) == LEAD_OK
            && (fb.path_len == 0 || fb.path[0] != '/'
                || (fb.path_len > 1 && fb.path[1] == '/')))
        {
            fail_msg("\"%s\": a path that is not this site's", bad[i]);
        }
    }

    /* those with a whole other host are refused outright */
    for (i = 0; i < 8; i++) {
        if (parse(bad[i], strlen(bad[i])) != LEAD_EINVAL
            || fb.error_field != LEAD_FEEDBACK_PATH)
        {
            fail_msg("\"%s\": not refused for its path", bad[i]);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_good_body),
        cmocka_unit_test(test_rating),
        cmocka_unit_test(test_field_twice),
        cmocka_unit_test(test_comment_text),
        cmocka_unit_test(test_comment_limit),
        cmocka_unit_test(test_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
