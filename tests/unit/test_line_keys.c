#include "unit.h"

#include <jansson.h>

#include "lead_line.h"
#include "line_fixture.h"

/* A JSON line's keys in any order, or among unknown ones, read as in the
   encoder's order; each field's checks the same. */

#define S(lit)      ((lead_str) { lit, sizeof(lit) - 1 })

static const uint8_t  visitor[LEAD_ID_LEN] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
};

/* text's object with its keys reversed, and "later" after the n-th */
static char *
reordered(const char *text, size_t unknown_at)
{
    json_t      *doc, *out;
    const char  *keys[64];
    json_t      *vals[64];
    const char  *key;
    json_t      *v;
    size_t       n = 0, i;
    char        *s;

    doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    out = json_object();
    json_object_foreach(doc, key, v) {
        keys[n] = key;
        vals[n++] = v;
    }
    for (i = n; i-- > 0; ) {
        json_object_set(out, keys[i], vals[i]);
        if (n - i == unknown_at) {
            json_object_set_new(out, "later", json_integer(7));
        }
    }
    s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(out);
    json_decref(doc);
    assert_non_null(s);
    return s;
}

static void
same_in_any_order(const lead_line *l)
{
    lead_line_parser  *a = lead_line_parser_new(), *b = lead_line_parser_new();
    lead_line          x, y;
    lead_buf           text = { 0 };
    char               err[256], *s;
    size_t             at;

    assert_non_null(a);
    assert_non_null(b);
    lead_line_json(&text, l);
    assert_int_equal(lead_line_parse(a, text.data, text.len, &x, err,
                                     sizeof(err)), LEAD_OK);
    for (at = 0; at < 4; at++) {
        s = reordered(text.data, at);
        assert_int_equal(lead_line_parse(b, s, strlen(s), &y, err,
                                         sizeof(err)), LEAD_OK);
        assert_null(line_diff(&x, &y));
        free(s);
    }
    lead_buf_free(&text);
    lead_line_parser_free(a);
    lead_line_parser_free(b);
}

static void
test_key_order(void **state)
{
    lead_line  l;

    (void) state;
    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_READ;
    l.id = S("0123456789abcdef0123456789abcdef-r");
    l.node = S("edge-a");
    l.ev.time_ms = UINT64_C(1798104600000);
    memcpy(l.ev.visitor, visitor, LEAD_ID_LEN);
    l.ev.status = 200;
    l.ev.bytes_sent = 500;
    l.ev.path = S("/papers/a.pdf");
    l.ev.asset_id = UINT64_C(0x00ab00cd00ef0012);
    l.ev.points = 10;
    l.ev.stage = S("decision");
    l.ev.city = S("K\xc3\xb6ln");
    same_in_any_order(&l);

    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_IDENTIFY;
    l.id = S("x-i");
    l.ev.time_ms = UINT64_C(1798104600000);
    memcpy(l.ev.visitor, visitor, LEAD_ID_LEN);
    l.email = S("ann@example.com");
    l.name = S("Ann");
    l.subscribe = 1;
    l.topics = S("fibre pricing");
    same_in_any_order(&l);
}

/* Whichever comes first in the line, the kind's field order names the
   bad one; controls refused as one by one, printable ASCII taken. */
static void
test_key_checks(void **state)
{
    static const struct {
        const char  *line, *why;
    } cases[] = {
        { "{\"id\":\"a\",\"time\":1,\"kind\":\"read\",\"points\":\"z\","
          "\"path\":\"x\"}", "line: \"path\" does not start with '/'" },
        { "{\"path\":\"x\",\"points\":\"z\",\"kind\":\"read\",\"id\":\"a\","
          "\"time\":1}", "line: \"path\" does not start with '/'" },
        { "{\"id\":\"a\",\"time\":1,\"kind\":\"read\",\"path\":\"/a\","
          "\"city\":\"A\\u007fB\"}",
          "line: \"city\" holds a control character (U+007F)" },
        { "{\"id\":\"a\",\"time\":1,\"kind\":\"read\",\"path\":\"/a\","
          "\"city\":\"A\\u001fB\"}",
          "line: \"city\" holds a control character (U+001F)" },
        { "{\"id\":\"a\",\"time\":1,\"kind\":\"read\",\"path\":\"/a\","
          "\"city\":\"A\\u0085\"}",
          "line: \"city\" holds a control character (U+0085)" },
        { "{\"id\":\"a\",\"time\":1,\"kind\":\"read\",\"path\":\"/a\","
          "\"city\":\"A\\u0000\"}",
          "line: \"city\" holds a control character (U+0000)" },
    };
    lead_line_parser  *p = lead_line_parser_new();
    lead_line          l;
    char               err[256];
    size_t             i;

    (void) state;
    assert_non_null(p);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(lead_line_parse(p, cases[i].line,
                                         strlen(cases[i].line), &l, err,
                                         sizeof(err)), LEAD_EINVAL);
        assert_string_equal(err, cases[i].why);
    }
    lead_line_parser_free(p);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_key_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
