/*
 * The minimal form: its urlencoded body, the e-mail and return-path
 * checks, validation and the anti-CSRF token.
 */

#include "form_fixture.h"

/* A string literal and its length, embedded NULs included. */
#define S(lit)      lit, sizeof(lit) - 1

/* ---- helpers ----------------------------------------------------------- */

static void
parse_ok(const char *body, size_t len, lead_form_fields *f)
{
    assert_int_equal(lead_form_parse(body, len, f), LEAD_OK);
}

/* Compares a lead_str to want (NULL: the field must be absent). */
static void
expect_field(const char *what, lead_str got, const char *want,
    size_t want_len)
{
    if (want == NULL) {
        if (got.data != NULL) {
            fail_msg("%s: present (%zu bytes), want absent", what, got.len);
        }
        return;
    }
    if (got.data == NULL) {
        fail_msg("%s: absent, want \"%s\"", what, want);
    }
    if (got.len != want_len || memcmp(got.data, want, want_len) != 0) {
        fail_msg("%s: got \"%.*s\" (%zu bytes), want \"%s\" (%zu)", what,
                 (int) got.len, got.data, got.len, want, want_len);
    }
}

/* ---- lead_form_parse --------------------------------------------------- */

static void
test_parse_decoding(void **state)
{
    static const struct {
        const char  *body;
        size_t       len;
        int          field;
        const char  *want;       /* NULL: absent */
        size_t       want_len;
    } cases[] = {
        { S("name=Ada+Lovelace"), LEAD_FORM_NAME, S("Ada Lovelace") },
        /* upper and lower hex; an escaped '+' stays a '+' */
        { S("name=%41%62%2b%2B%c3%A9"), LEAD_FORM_NAME, S("Ab++\xc3\xa9") },
        /* the key is decoded before it is compared */
        { S("na%6De=x"), LEAD_FORM_NAME, S("x") },
        { S("sub%73cribe=1"), LEAD_FORM_SUBSCRIBE, S("1") },
        /* the first of a repeated key wins, even an empty one */
        { S("name=first&name=second"), LEAD_FORM_NAME, S("first") },
        { S("name=&name=second"), LEAD_FORM_NAME, S("") },
        /* a key without '=' is present with an empty value */
        { S("subscribe"), LEAD_FORM_SUBSCRIBE, S("") },
        { S("email=a%40b.co&contact"), LEAD_FORM_CONTACT, S("") },
        /* malformed escapes stay as they are */
        { S("name=%4"), LEAD_FORM_NAME, S("%4") },
        { S("name=%"), LEAD_FORM_NAME, S("%") },
        { S("name=%G1"), LEAD_FORM_NAME, S("%G1") },
        { S("name=%%41"), LEAD_FORM_NAME, S("%A") },
        { S("name=a%4&email=x"), LEAD_FORM_NAME, S("a%4") },
        /* %00 is decoded: validate refuses it, parse does not judge */
        { S("name=a%00b"), LEAD_FORM_NAME, S("a\0b") },
        /* bytes are passed through, valid UTF-8 or not */
        { S("name=\xff\xfe"), LEAD_FORM_NAME, S("\xff\xfe") },
        { S("name=%FF%C3"), LEAD_FORM_NAME, S("\xff\xc3") },
        /* only the first '=' splits */
        { S("token=ab=cd"), LEAD_FORM_TOKEN, S("ab=cd") },
        { S("return=%2Flibrary%2F%3Fa%3Db"), LEAD_FORM_RETURN,
          S("/library/?a=b") },
        /* unknown, empty and near-miss keys are ignored */
        { S("foo=bar&email=x%40y.co"), LEAD_FORM_EMAIL, S("x@y.co") },
        { S("foo=bar&=x&&name+=y&Name=z&names=w"), LEAD_FORM_NAME,
          NULL, 0 },
        { S("=x&name=y"), LEAD_FORM_NAME, S("y") },
        { S("&&&email=e&&"), LEAD_FORM_EMAIL, S("e") },
        { S(""), LEAD_FORM_NAME, NULL, 0 },
        { S(""), LEAD_FORM_TOKEN, NULL, 0 },
    };
    lead_form_fields  *f = malloc(sizeof(*f));
    char               what[96];
    size_t             i;

    (void) state;
    assert_non_null(f);

    for (i = 0; i < N_ELEMS(cases); i++) {
        parse_ok(cases[i].body, cases[i].len, f);
        snprintf(what, sizeof(what), "case %zu (%.60s)", i, cases[i].body);
        expect_field(what, f->field[cases[i].field], cases[i].want,
                     cases[i].want_len);
    }

    free(f);
}

/* Every field of one body lands where it belongs. */
static void
test_parse_all_fields(void **state)
{
    static const char  body[] =
        "token=T&return=%2Fr&contact=c&subscribe=s&email=e&name=n";
    static const char  *want[LEAD_FORM_NFIELDS] = {
        [LEAD_FORM_NAME] = "n", [LEAD_FORM_EMAIL] = "e",
        [LEAD_FORM_SUBSCRIBE] = "s", [LEAD_FORM_CONTACT] = "c",
        [LEAD_FORM_RETURN] = "/r", [LEAD_FORM_TOKEN] = "T",
    };
    lead_form_fields  *f = malloc(sizeof(*f));
    char               what[32];
    int                k;

    (void) state;
    assert_non_null(f);

    parse_ok(body, sizeof(body) - 1, f);
    for (k = 0; k < LEAD_FORM_NFIELDS; k++) {
        snprintf(what, sizeof(what), "field %d", k);
        expect_field(what, f->field[k], want[k], strlen(want[k]));
    }

    free(f);
}

static void
test_parse_size_limit(void **state)
{
    lead_form_fields  *f = malloc(sizeof(*f));
    char              *body = malloc(LEAD_FORM_BODY_MAX + 2);
    int                k;

    (void) state;
    assert_non_null(f);
    assert_non_null(body);

    /* exactly LEAD_FORM_BODY_MAX bytes: the value fills the buffer */
    memcpy(body, "name=", 5);
    memset(body + 5, 'a', LEAD_FORM_BODY_MAX + 1 - 5);

    parse_ok(body, LEAD_FORM_BODY_MAX, f);
    assert_non_null(f->field[LEAD_FORM_NAME].data);
    assert_int_equal(f->field[LEAD_FORM_NAME].len, LEAD_FORM_BODY_MAX - 5);

    /* one byte more is refused, and nothing is left from before */
    assert_int_equal(lead_form_parse(body, LEAD_FORM_BODY_MAX + 1, f),
                     LEAD_EINVAL);
    for (k = 0; k < LEAD_FORM_NFIELDS; k++) {
        assert_null(f->field[k].data);
    }

    free(body);
    free(f);
}

/* ---- lead_email_normalize ---------------------------------------------- */

static void
test_email_table(void **state)
{
    static const struct {
        const char  *in;
        size_t       len;
        const char  *want;      /* NULL: refused */
    } cases[] = {
        { S("a@b.co"), "a@b.co" },
        { S("First.Last+tag@Sub.Example.COM"),
          "first.last+tag@sub.example.com" },
        { S("  a@b.co \t\r\n"), "a@b.co" },
        { S("o'brien@x-y.example.io"), "o'brien@x-y.example.io" },
        { S("!#$%&'*+-/=?^_`{|}~@b.co"), "!#$%&'*+-/=?^_`{|}~@b.co" },
        { S("a@123.example.com"), "a@123.example.com" },

        { S(""), NULL },
        { S("   "), NULL },
        { S("ab.co"), NULL },                   /* no '@' */
        { S("a@@b.co"), NULL },                 /* '@' in the local part */
        { S("a@b@c.co"), NULL },
        { S("@b.co"), NULL },                   /* empty local part */
        { S("a@"), NULL },                      /* empty domain */
        { S(".a@b.co"), NULL },
        { S("a.@b.co"), NULL },
        { S("a..b@c.co"), NULL },
        { S("a@bco"), NULL },                   /* domain without a dot */
        { S("a@-b.co"), NULL },
        { S("a@b-.co"), NULL },
        { S("a@b.co-"), NULL },
        { S("a@b.c"), NULL },                   /* one-letter TLD */
        { S("a@.b.co"), NULL },
        { S("a@b..co"), NULL },
        { S("a@b.co."), NULL },
        { S("a@b_c.co"), NULL },
        { S("a b@c.co"), NULL },
        { S("a@b c.co"), NULL },
        { S("\xc3\xa9@b.co"), NULL },           /* non-ASCII */
        { S("a@\xc3\xa9.co"), NULL },
        { S("a\x01@b.co"), NULL },              /* control characters */
        { S("a@b.co\x7f"), NULL },
        { S("a\0@b.co"), NULL },
        { S("a@b\0.co"), NULL },
        { S("<script>@x.com"), NULL },
        { S("a@b.co>"), NULL },
    };
    char    out[LEAD_EMAIL_MAX];
    size_t  i;
    int     n;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        n = lead_email_normalize(cases[i].in, cases[i].len, out);
        if (cases[i].want == NULL) {
            if (n != LEAD_EINVAL) {
                fail_msg("\"%s\": accepted as \"%.*s\"", cases[i].in,
                         n > 0 ? n : 0, out);
            }
        } else if (n != (int) strlen(cases[i].want)
                   || memcmp(out, cases[i].want, (size_t) n) != 0)
        {
            fail_msg("\"%s\": got %d \"%.*s\", want \"%s\"", cases[i].in,
                     n, n > 0 ? n : 0, out, cases[i].want);
        }
    }
}

/*
 * The lengths RFC 5321 sets: local part 64, label 63, whole 254.  Built
 * as pad + local "@" labels "." tld + pad.
 */
#define C9   "ccccccccc"
#define C63  C9 C9 C9 C9 C9 C9 C9

static void
test_email_lengths(void **state)
{
    static const struct {
        size_t       local, label, nlabels;
        const char  *tld;
        size_t       pad;       /* spaces on both sides, trimmed first */
        int          ok;
    } cases[] = {
        { 64, 1, 1, "co", 0, 1 },
        { 65, 1, 1, "co", 0, 0 },
        { 1, 63, 1, "co", 0, 1 },
        { 1, 64, 1, "co", 0, 0 },
        { 1, 1, 1, C63, 0, 1 },                 /* TLDs are labels too */
        { 1, 1, 1, C63 "c", 0, 0 },
        { 64, 61, 3, "com", 0, 1 },             /* 254 bytes */
        { 64, 61, 3, "comm", 0, 0 },            /* 255 */
        { 64, 61, 3, "com", 3, 1 },             /* 254 once trimmed */
    };
    char    in[512], out[LEAD_EMAIL_MAX], want[512];
    size_t  i, k, len, wlen;
    int     n;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        len = 0;
        memset(in, ' ', cases[i].pad);
        len += cases[i].pad;
        memset(in + len, 'L', cases[i].local);
        len += cases[i].local;
        in[len++] = '@';
        for (k = 0; k < cases[i].nlabels; k++) {
            memset(in + len, 'D', cases[i].label);
            len += cases[i].label;
            in[len++] = '.';
        }
        memcpy(in + len, cases[i].tld, strlen(cases[i].tld));
        len += strlen(cases[i].tld);
        memset(in + len, ' ', cases[i].pad);
        len += cases[i].pad;

        /* the same, lower-cased and without the padding */
        wlen = len - 2 * cases[i].pad;
        for (k = 0; k < wlen; k++) {
            char  c = in[cases[i].pad + k];

            want[k] = (char) (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }

        n = lead_email_normalize(in, len, out);
        if (!cases[i].ok) {
            if (n != LEAD_EINVAL) {
                fail_msg("case %zu (%zu bytes): accepted", i, wlen);
            }
            continue;
        }
        if (n != (int) wlen || memcmp(out, want, wlen) != 0) {
            fail_msg("case %zu (%zu bytes): got %d", i, wlen, n);
        }
    }
}

/* ---- lead_return_valid ------------------------------------------------- */

static void
test_return_table(void **state)
{
    static const struct {
        const char  *s;
        size_t       len;
        int          ok;
    } cases[] = {
        { S("/"), 1 },
        { S("/library/guide/"), 1 },
        { S("/a?b=c&d=%2F"), 1 },
        { S("/a#top"), 1 },

        { S(""), 0 },
        { S("library"), 0 },
        { S("//evil.com"), 0 },
        { S("/\\evil.com"), 0 },
        { S("/\\/evil"), 0 },
        { S("/a\\b"), 0 },
        { S("http://evil.com"), 0 },
        { S("https:/evil.com"), 0 },
        { S("javascript:alert(1)"), 0 },
        { S(" /a"), 0 },
        { S("/a\r\nSet-Cookie: x"), 0 },
        { S("/a\nb"), 0 },
        { S("/a\rb"), 0 },
        { S("/a\tb"), 0 },
        { S("/a b"), 0 },
        { S("/a\0b"), 0 },
        { S("/\x7f"), 0 },
        { S("/\xc3\xa9"), 0 },                  /* raw non-ASCII */
    };
    char    path[LEAD_RETURN_MAX + 2];
    size_t  i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        if (lead_return_valid(cases[i].s, cases[i].len) != cases[i].ok) {
            fail_msg("\"%s\": want %d", cases[i].s, cases[i].ok);
        }
    }

    /* LEAD_RETURN_MAX bytes fit form.ret; one more does not */
    path[0] = '/';
    memset(path + 1, 'a', sizeof(path) - 1);
    assert_int_equal(lead_return_valid(path, LEAD_RETURN_MAX), 1);
    assert_int_equal(lead_return_valid(path, LEAD_RETURN_MAX + 1), 0);
}

/* ---- lead_form_validate ------------------------------------------------ */

/*
 * name and email are what the form holds afterwards: the values to store
 * when good, what can be shown again when not.  Lengths are strlen.
 */
typedef struct {
    const char  *body;
    int          errors;
    const char  *name;          /* NULL: not checked */
    const char  *name_error;
    const char  *email;
    const char  *email_error;
    const char  *ret;
    int          subscribe, contact;
} validate_case;

static void
expect_bytes(const char *what, const char *field, const char *got,
    size_t len, const char *want, size_t want_len)
{
    if (len != want_len || memcmp(got, want, len) != 0) {
        fail_msg("%s: %s \"%.*s\" (%zu bytes), want \"%.*s\" (%zu)", what,
                 field, (int) len, got, len, (int) want_len, want,
                 want_len);
    }
}

static void
check_validate(const char *what, const char *body, size_t len,
    const validate_case *c, size_t name_len, size_t email_len)
{
    lead_form_fields  *f = malloc(sizeof(*f));
    lead_form         *form = malloc(sizeof(*form));
    int                n;

    assert_non_null(f);
    assert_non_null(form);

    parse_ok(body, len, f);
    n = lead_form_validate(f, form);
    if (n != c->errors) {
        fail_msg("%s: %d errors, want %d (name: %s, e-mail: %s)", what, n,
                 c->errors, form->name_error ? form->name_error : "-",
                 form->email_error ? form->email_error : "-");
    }

    if (c->name_error) {
        assert_string_equal(form->name_error, c->name_error);
    } else {
        assert_null(form->name_error);
    }
    if (c->email_error) {
        assert_string_equal(form->email_error, c->email_error);
    } else {
        assert_null(form->email_error);
    }

    if (c->name) {
        expect_bytes(what, "name", form->name, form->name_len, c->name,
                     name_len);
    }
    expect_bytes(what, "email", form->email, form->email_len, c->email,
                 email_len);
    expect_bytes(what, "return", form->ret, form->ret_len, c->ret,
                 strlen(c->ret));
    assert_int_equal(form->subscribe, c->subscribe);
    assert_int_equal(form->contact, c->contact);

    free(form);
    free(f);
}

#define GOOD  "email=a%40b.co&"

static void
test_validate_table(void **state)
{
    static const validate_case  cases[] = {
        { "name=+Ada+Lovelace+&email=+ADA%40Example.COM+"
          "&return=%2Flibrary%2F&subscribe=1&contact=on",
          0, "Ada Lovelace", NULL, "ada@example.com", NULL, "/library/",
          1, 1 },
        /* checkboxes: on when sent at all, even without a value */
        { GOOD "name=A&subscribe&contact=", 0, "A", NULL, "a@b.co", NULL,
          "/", 1, 1 },
        { GOOD "name=%C3%89mile+Zola", 0, "\xc3\x89mile Zola", NULL,
          "a@b.co", NULL, "/", 0, 0 },
        { "", 2, "", NAME_EMPTY, "", EMAIL_EMPTY, "/", 0, 0 },
        { "name=&email=", 2, "", NAME_EMPTY, "", EMAIL_EMPTY, "/", 0, 0 },
        { GOOD "name=+%09+%0A", 1, "", NAME_EMPTY, "a@b.co", NULL, "/",
          0, 0 },
        /* the first name wins, even when empty */
        { GOOD "name=&name=Bob", 1, "", NAME_EMPTY, "a@b.co", NULL, "/",
          0, 0 },
        /* control characters: refused and not shown again */
        { GOOD "name=A%00B", 1, "", NAME_BAD, "a@b.co", NULL, "/", 0, 0 },
        { GOOD "name=A%09B", 1, "", NAME_BAD, "a@b.co", NULL, "/", 0, 0 },
        { GOOD "name=A%7FB", 1, "", NAME_BAD, "a@b.co", NULL, "/", 0, 0 },
        { GOOD "name=A%1BB", 1, "", NAME_BAD, "a@b.co", NULL, "/", 0, 0 },
        /*
         * Invalid UTF-8: a lone byte, an overlong '/', a surrogate.  What
         * is shown again is left unchecked: validate keeps the valid
         * prefix ("A"), unlike other unusable names (reported).
         */
        { GOOD "name=A%FF", 1, NULL, NAME_BAD, "a@b.co", NULL, "/", 0, 0 },
        { GOOD "name=A%C0%AF", 1, NULL, NAME_BAD, "a@b.co", NULL, "/",
          0, 0 },
        { GOOD "name=A%ED%A0%80", 1, NULL, NAME_BAD, "a@b.co", NULL, "/",
          0, 0 },
        /* a refused e-mail is shown as typed, printable ASCII only */
        { "name=A&email=not-an-address", 1, "A", NULL, "not-an-address",
          EMAIL_BAD, "/", 0, 0 },
        { "name=A&email=+a+b%40c.co+", 1, "A", NULL, " a b@c.co ",
          EMAIL_BAD, "/", 0, 0 },
        { "name=A&email=a%40b.co%0D%0ABcc%3A+x%40y.co", 1, "A", NULL,
          "a@b.coBcc: x@y.co", EMAIL_BAD, "/", 0, 0 },
        { "name=A&email=%C3%A9%00%40b.co%7F", 1, "A", NULL, "@b.co",
          EMAIL_BAD, "/", 0, 0 },
        { "name=A&email=%22%3E%3Cscript%3E", 1, "A", NULL, "\"><script>",
          EMAIL_BAD, "/", 0, 0 },
        { "name=A", 1, "A", NULL, "", EMAIL_EMPTY, "/", 0, 0 },
        /* unsafe return paths fall back to "/"; errors do not matter */
        { GOOD "name=A&return=%2F%2Fevil.com", 0, "A", NULL, "a@b.co",
          NULL, "/", 0, 0 },
        { GOOD "name=A&return=http%3A%2F%2Fevil.com", 0, "A", NULL,
          "a@b.co", NULL, "/", 0, 0 },
        { GOOD "name=A&return=%2Fa%0D%0ASet-Cookie%3A+x", 0, "A", NULL,
          "a@b.co", NULL, "/", 0, 0 },
        { GOOD "name=A&return=%2F%5Cevil.com", 0, "A", NULL, "a@b.co",
          NULL, "/", 0, 0 },
        { GOOD "name=A&return=", 0, "A", NULL, "a@b.co", NULL, "/", 0, 0 },
        { "email=x&return=%2Fguide%3Fp%3D2", 2, "", NAME_EMPTY, "x",
          EMAIL_BAD, "/guide?p=2", 0, 0 },
    };
    char    what[32];
    size_t  i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(what, sizeof(what), "case %zu", i);
        check_validate(what, cases[i].body, strlen(cases[i].body),
                       &cases[i], cases[i].name ? strlen(cases[i].name) : 0,
                       strlen(cases[i].email));
    }
}

/*
 * The name limit counts characters, not bytes; a name over it is shown
 * again cut to the limit.
 */
static void
test_validate_name_length(void **state)
{
    static const struct {
        const char  *unit;      /* one character, urlencoded */
        size_t       count;
        const char  *error;
    } cases[] = {
        { "a", 100, NULL },
        { "a", 101, NAME_LONG },
        { "%C3%A9", 100, NULL },                /* 200 bytes */
        { "%C3%A9", 101, NAME_LONG },
        { "%E2%82%AC", 100, NULL },             /* 300 bytes */
        { "%F0%9F%98%80", 100, NULL },          /* 400: fills form.name */
        { "%F0%9F%98%80", 101, NAME_LONG },
        { "%F0%9F%98%80", 300, NAME_LONG },
    };
    lead_form_fields  *f = malloc(sizeof(*f));
    char               body[LEAD_FORM_BODY_MAX], what[48];
    validate_case      c = { .email = "a@b.co", .ret = "/" };
    size_t             i, len, unit_len, keep;

    (void) state;
    assert_non_null(f);

    for (i = 0; i < N_ELEMS(cases); i++) {
        len = repeat(body, sizeof(body), GOOD "name=", cases[i].unit,
                     cases[i].count);

        /* the decoded name: what parse makes of the value */
        parse_ok(body, len, f);
        unit_len = f->field[LEAD_FORM_NAME].len / cases[i].count;
        keep = cases[i].count < LEAD_PERSON_NAME_MAX
               ? cases[i].count : LEAD_PERSON_NAME_MAX;

        c.errors = cases[i].error != NULL;
        c.name_error = cases[i].error;
        c.name = f->field[LEAD_FORM_NAME].data;

        snprintf(what, sizeof(what), "%zu x %s", cases[i].count,
                 cases[i].unit);
        check_validate(what, body, len, &c, keep * unit_len, 6);
    }

    free(f);
}

/* Values at their limits: kept whole up to it, not one byte over. */
static void
test_validate_long_values(void **state)
{
    char           body[LEAD_FORM_BODY_MAX], val[LEAD_FORM_BODY_MAX];
    validate_case  c = { .name = "A" };
    size_t         extra, len;

    (void) state;

    /* a return of LEAD_RETURN_MAX bytes is kept; one more falls back */
    c.email = "a@b.co";
    for (extra = 0; extra <= 1; extra++) {
        (void) repeat(val, sizeof(val), "/", "r",
                      LEAD_RETURN_MAX - 1 + extra);
        len = (size_t) snprintf(body, sizeof(body), "%sname=A&return=%s",
                                GOOD, val);
        c.ret = extra ? "/" : val;
        check_validate("return", body, len, &c, 1, 6);
    }

    /* a refused e-mail is shown again cut to LEAD_EMAIL_MAX bytes */
    c.errors = 1;
    c.email_error = EMAIL_BAD;
    c.ret = "/";
    (void) repeat(val, sizeof(val), "", "e", 1000);
    len = (size_t) snprintf(body, sizeof(body), "name=A&email=%s", val);
    c.email = val;
    check_validate("e-mail", body, len, &c, 1, LEAD_EMAIL_MAX);
}

/* Unusable names are refused and not shown again; long ones are cut. */
static void
test_validate_redisplay(void **state)
{
    static const struct {
        const char  *body;
        const char  *shown;
    } cases[] = {
        { "name=Ada%FF&email=a%40b.co", "" },
        { "name=%1B%5B2J%0D%00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "&email=a%40b.co", "" },
        { "name=Ada&email=not-an-address", "Ada" },
    };
    lead_form_fields  f;
    lead_form         form;
    size_t            i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        assert_int_equal(lead_form_parse(cases[i].body,
                                         strlen(cases[i].body), &f),
                         LEAD_OK);
        assert_int_equal(lead_form_validate(&f, &form), 1);
        assert_int_equal(form.name_len, strlen(cases[i].shown));
        assert_memory_equal(form.name, cases[i].shown, form.name_len);
    }
}

/*
 * Controls other than C0 (C1, the line separators, bidi overrides and
 * isolates) are refused like C0; a name of characters that show nothing
 * is refused with its own message; blanks at either end are trimmed.
 */
static void
test_validate_unicode_names(void **state)
{
    static const struct {
        const char  *name;      /* urlencoded */
        const char  *error;
        const char  *kept;      /* when accepted */
    } cases[] = {
        /* C1: U+0080, U+0085 (NEL), U+009B (CSI), U+009F */
        { "A%C2%80B", NAME_BAD, NULL },
        { "A%C2%85B", NAME_BAD, NULL },
        { "A%C2%9B2J", NAME_BAD, NULL },
        { "A%C2%9FB", NAME_BAD, NULL },
        /* the first character past C1 is a letter like any other */
        { "A%C2%A0B", NULL, "A\xc2\xa0" "B" },
        /* bidi embeddings and overrides U+202A-U+202E */
        { "A%E2%80%AAB", NAME_BAD, NULL },
        { "A%E2%80%ABB", NAME_BAD, NULL },
        { "A%E2%80%ACB", NAME_BAD, NULL },
        { "A%E2%80%ADB", NAME_BAD, NULL },
        { "evil%E2%80%AEfdp.exe", NAME_BAD, NULL },
        /* bidi isolates U+2066-U+2069, marks U+200E, U+200F, U+061C */
        { "A%E2%81%A6B", NAME_BAD, NULL },
        { "A%E2%81%A7B", NAME_BAD, NULL },
        { "A%E2%81%A8B", NAME_BAD, NULL },
        { "A%E2%81%A9B", NAME_BAD, NULL },
        { "A%E2%80%8EB", NAME_BAD, NULL },
        { "A%E2%80%8FB", NAME_BAD, NULL },
        { "A%D8%9CB", NAME_BAD, NULL },
        /* line and paragraph separators */
        { "A%E2%80%A8B", NAME_BAD, NULL },
        { "A%E2%80%A9B", NAME_BAD, NULL },
        /* nothing visible: U+00A0, U+200B, U+FEFF, U+3000, U+3164 */
        { "%C2%A0", NAME_BLANK, NULL },
        { "%C2%A0%C2%A0%C2%A0", NAME_BLANK, NULL },
        { "%E2%80%8B", NAME_BLANK, NULL },
        { "%E2%80%8B%E2%80%8B+%C2%A0", NAME_BLANK, NULL },
        { "+%E2%80%8C%E2%80%8D%E2%81%A0%EF%BB%BF+", NAME_BLANK, NULL },
        { "%E3%80%80%E3%85%A4", NAME_BLANK, NULL },
        /* a control among blanks is a control */
        { "%C2%A0%C2%85", NAME_BAD, NULL },
        /* blanks at either end trimmed, inside kept */
        { "%C2%A0%E2%80%8BAda%E2%80%8BLovelace%C2%A0%E2%80%8B", NULL,
          "Ada\xe2\x80\x8bLovelace" },
        { "%E2%80%8B+Ada+%E2%80%8B", NULL, "Ada" },
        /* letters of any script, and marks, are visible */
        { "%E5%BC%A0%E4%BC%9F", NULL, "\xe5\xbc\xa0\xe4\xbc\x9f" },
        { "%D7%A9%D7%A8%D7%94", NULL, "\xd7\xa9\xd7\xa8\xd7\x94" },
    };
    lead_form_fields  f;
    lead_form         form;
    char              body[256];
    size_t            i;
    int               errors;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(body, sizeof(body), "%sname=%s", GOOD, cases[i].name);
        assert_int_equal(lead_form_parse(body, strlen(body), &f), LEAD_OK);
        errors = lead_form_validate(&f, &form);

        if (cases[i].error) {
            if (errors != 1 || form.name_error == NULL
                || strcmp(form.name_error, cases[i].error) != 0)
            {
                fail_msg("\"%s\": %d errors (%s), want \"%s\"",
                         cases[i].name, errors,
                         form.name_error ? form.name_error : "none",
                         cases[i].error);
            }
            if (strcmp(cases[i].error, NAME_BAD) == 0) {
                assert_int_equal(form.name_len, 0);   /* not shown again */
            }
            continue;
        }

        if (errors != 0) {
            fail_msg("\"%s\": refused (%s)", cases[i].name,
                     form.name_error ? form.name_error : "-");
        }
        expect_bytes(cases[i].name, "name", form.name, form.name_len,
                     cases[i].kept, strlen(cases[i].kept));
    }
}

/* ---- the anti-CSRF token ----------------------------------------------- */

#define VERIFY(k, who, tok, n)  lead_form_token_verify(k, who, tok, n)

/* The cookie's MAC follows base64url(id) and a '.'. */
#define COOKIE_MAC_AT  (22 + 1)

static void
test_token(void **state)
{
    static const char  b64url[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static const lead_keys  other = {
        { { "fedcba9876543210fedcba9876543210", 32 } }, 1
    };
    uint8_t      me[LEAD_ID_LEN], you[LEAD_ID_LEN], id[LEAD_ID_LEN];
    char         token[LEAD_TOKEN_LEN + 1], bad[LEAD_TOKEN_LEN + 1];
    char         cookie[LEAD_COOKIE_VALUE_LEN];
    const char  *last;
    size_t       i;
    unsigned     claims;

    (void) state;

    assert_int_equal(lead_visitor_new(me), LEAD_OK);
    memcpy(you, me, LEAD_ID_LEN);
    you[LEAD_ID_LEN - 1] ^= 1;

    lead_form_token(&keys, me, token);
    assert_int_equal(VERIFY(&keys, me, token, LEAD_TOKEN_LEN), LEAD_OK);

    /* deterministic, and only base64url: safe in a hidden input */
    lead_form_token(&keys, me, bad);
    assert_memory_equal(bad, token, LEAD_TOKEN_LEN);
    for (i = 0; i < LEAD_TOKEN_LEN; i++) {
        assert_non_null(memchr(b64url, token[i], 64));
    }

    assert_int_equal(VERIFY(&keys, you, token, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);
    assert_int_equal(VERIFY(&other, me, token, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);

    /* truncated, extended, empty */
    token[LEAD_TOKEN_LEN] = 'A';
    assert_int_equal(VERIFY(&keys, me, token, LEAD_TOKEN_LEN - 1),
                     LEAD_EINVAL);
    assert_int_equal(VERIFY(&keys, me, token, LEAD_TOKEN_LEN + 1),
                     LEAD_EINVAL);
    assert_int_equal(VERIFY(&keys, me, "", 0), LEAD_EINVAL);

    /* garbage of the right length, and each character changed */
    memset(bad, '!', LEAD_TOKEN_LEN);
    assert_int_equal(VERIFY(&keys, me, bad, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);
    for (i = 0; i < LEAD_TOKEN_LEN; i++) {
        memcpy(bad, token, LEAD_TOKEN_LEN);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        if (VERIFY(&keys, me, bad, LEAD_TOKEN_LEN) != LEAD_EINVAL) {
            fail_msg("token with character %zu changed verifies", i);
        }
    }

    /* 43 characters carry 258 bits: the 2 spare ones must be zero */
    memcpy(bad, token, LEAD_TOKEN_LEN);
    last = strchr(b64url, token[LEAD_TOKEN_LEN - 1]);
    assert_non_null(last);
    bad[LEAD_TOKEN_LEN - 1] = b64url[(last - b64url) | 1];
    assert_int_equal(VERIFY(&keys, me, bad, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);

    /*
     * Domain separation: the cookie's MAC of the same id is another
     * value, and neither passes for the other.
     */
    lead_cookie_sign(&keys, me, 0, cookie);
    assert_memory_not_equal(cookie + COOKIE_MAC_AT, token, LEAD_TOKEN_LEN);
    assert_int_equal(VERIFY(&keys, me, cookie + COOKIE_MAC_AT,
                            LEAD_TOKEN_LEN), LEAD_EINVAL);
    memcpy(cookie + COOKIE_MAC_AT, token, LEAD_TOKEN_LEN);
    assert_int_equal(lead_cookie_verify(&keys, cookie, sizeof(cookie), id,
                                        &claims), LEAD_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_parse_decoding),
        cmocka_unit_test(test_parse_all_fields),
        cmocka_unit_test(test_parse_size_limit),
        cmocka_unit_test(test_email_table),
        cmocka_unit_test(test_email_lengths),
        cmocka_unit_test(test_return_table),
        cmocka_unit_test(test_validate_table),
        cmocka_unit_test(test_validate_name_length),
        cmocka_unit_test(test_validate_long_values),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_validate_redisplay),
        cmocka_unit_test(test_validate_unicode_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
