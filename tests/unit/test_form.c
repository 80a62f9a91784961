#include "unit.h"

#include <unistd.h>

/*
 * The minimal form: its urlencoded body, the e-mail and return-path
 * checks, validation, the anti-CSRF token and the page templates.  Every
 * input here is what a hostile browser or a careless editor may send.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

/* A string literal and its length, embedded NULs included. */
#define S(lit)      lit, sizeof(lit) - 1

#define NAME_EMPTY  "Please enter your name."
#define NAME_BAD    "Your name contains characters we cannot accept."
#define NAME_LONG   "Please shorten your name to 100 characters."
#define EMAIL_EMPTY "Please enter your e-mail address."
#define EMAIL_BAD   "Please check your e-mail address: it should look " \
                    "like name@company.com."

static const uint8_t  secret[] = "0123456789abcdef0123456789abcdef";
#define SECRET_LEN  (sizeof(secret) - 1)

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

/* Repeats unit n times into buf after prefix; returns the length. */
static size_t
repeat(char *buf, size_t size, const char *prefix, const char *unit,
    size_t n)
{
    size_t  len = strlen(prefix), ulen = strlen(unit), i;

    assert_true(len + n * ulen < size);
    memcpy(buf, prefix, len);
    for (i = 0; i < n; i++, len += ulen) {
        memcpy(buf + len, unit, ulen);
    }
    buf[len] = '\0';
    return len;
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

/* ---- the anti-CSRF token ----------------------------------------------- */

/* key is an array: its length is known. */
#define VERIFY(key, who, tok, n) \
    lead_form_token_verify(key, sizeof(key) - 1, who, tok, n)

/* The cookie's MAC follows base64url(id) and a '.'. */
#define COOKIE_MAC_AT  (22 + 1)

static void
test_token(void **state)
{
    static const char  b64url[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static const uint8_t  other_secret[] = "fedcba9876543210fedcba9876543210";
    uint8_t      me[LEAD_ID_LEN], you[LEAD_ID_LEN], id[LEAD_ID_LEN];
    char         token[LEAD_TOKEN_LEN + 1], bad[LEAD_TOKEN_LEN + 1];
    char         cookie[LEAD_COOKIE_VALUE_LEN];
    const char  *last;
    size_t       i;

    (void) state;

    assert_int_equal(lead_visitor_new(me), LEAD_OK);
    memcpy(you, me, LEAD_ID_LEN);
    you[LEAD_ID_LEN - 1] ^= 1;

    lead_form_token(secret, SECRET_LEN, me, token);
    assert_int_equal(VERIFY(secret, me, token, LEAD_TOKEN_LEN), LEAD_OK);

    /* deterministic, and only base64url: safe in a hidden input */
    lead_form_token(secret, SECRET_LEN, me, bad);
    assert_memory_equal(bad, token, LEAD_TOKEN_LEN);
    for (i = 0; i < LEAD_TOKEN_LEN; i++) {
        assert_non_null(memchr(b64url, token[i], 64));
    }

    assert_int_equal(VERIFY(secret, you, token, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);
    assert_int_equal(VERIFY(other_secret, me, token, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);

    /* truncated, extended, empty */
    token[LEAD_TOKEN_LEN] = 'A';
    assert_int_equal(VERIFY(secret, me, token, LEAD_TOKEN_LEN - 1),
                     LEAD_EINVAL);
    assert_int_equal(VERIFY(secret, me, token, LEAD_TOKEN_LEN + 1),
                     LEAD_EINVAL);
    assert_int_equal(VERIFY(secret, me, "", 0), LEAD_EINVAL);

    /* garbage of the right length, and each character changed */
    memset(bad, '!', LEAD_TOKEN_LEN);
    assert_int_equal(VERIFY(secret, me, bad, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);
    for (i = 0; i < LEAD_TOKEN_LEN; i++) {
        memcpy(bad, token, LEAD_TOKEN_LEN);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        if (VERIFY(secret, me, bad, LEAD_TOKEN_LEN) != LEAD_EINVAL) {
            fail_msg("token with character %zu changed verifies", i);
        }
    }

    /* 43 characters carry 258 bits: the 2 spare ones must be zero */
    memcpy(bad, token, LEAD_TOKEN_LEN);
    last = strchr(b64url, token[LEAD_TOKEN_LEN - 1]);
    assert_non_null(last);
    bad[LEAD_TOKEN_LEN - 1] = b64url[(last - b64url) | 1];
    assert_int_equal(VERIFY(secret, me, bad, LEAD_TOKEN_LEN),
                     LEAD_EINVAL);

    /*
     * Domain separation: the cookie's MAC of the same id is another
     * value, and neither passes for the other.
     */
    lead_cookie_sign(secret, SECRET_LEN, me, cookie);
    assert_memory_not_equal(cookie + COOKIE_MAC_AT, token, LEAD_TOKEN_LEN);
    assert_int_equal(VERIFY(secret, me, cookie + COOKIE_MAC_AT,
                            LEAD_TOKEN_LEN), LEAD_EINVAL);
    memcpy(cookie + COOKIE_MAC_AT, token, LEAD_TOKEN_LEN);
    assert_int_equal(lead_cookie_verify(secret, SECRET_LEN, cookie,
                                        sizeof(cookie), id), LEAD_EINVAL);
}

/* ---- templates --------------------------------------------------------- */

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
    F_N
};

static void
test_tmpl_form_html(void **state)
{
    static const char *const  names[F_N + 1] = {
        "title", "topic", "action", "return", "token", "name", "email",
        "name_error", "email_error", "subscribe", "contact_enabled",
        "contact", NULL
    };
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
    const char  *dir = getenv("LEAD_HTML_DIR");
    char         path[4096], err[1024] = "", token[LEAD_TOKEN_LEN];
    char         needle[LEAD_TOKEN_LEN + 1];
    char        *page;
    lead_str     v[F_N];
    lead_tmpl   *t;
    uint8_t      id[LEAD_ID_LEN] = { 0 };
    size_t       i;

    (void) state;

    if (dir == NULL) {
        skip();                 /* run with LEAD_HTML_DIR=.../html */
    }
    snprintf(path, sizeof(path), "%s/form.html", dir);
    if (lead_tmpl_load(&t, path, names, err, sizeof(err)) != LEAD_OK) {
        fail_msg("%s", err);
    }

#define SET(i, s)  (v[i].data = (s), v[i].len = strlen(s))

    lead_form_token(secret, SECRET_LEN, id, token);
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

#undef SET

    lead_tmpl_free(t);
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
        cmocka_unit_test(test_tmpl_render),
        cmocka_unit_test(test_tmpl_parse_errors),
        cmocka_unit_test(test_tmpl_too_many),
        cmocka_unit_test(test_tmpl_load),
        cmocka_unit_test(test_tmpl_form_html),
        cmocka_unit_test(test_validate_redisplay),
        cmocka_unit_test(test_tmpl_odd_inputs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
