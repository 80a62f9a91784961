#include "unit.h"

#include <jansson.h>

#include "lead_line.h"

/* Lines: each kind as JSON and CSV, hostile strings, and reading back. */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))
#define S(lit)      ((lead_str) { lit, sizeof(lit) - 1 })

static const uint8_t  visitor[LEAD_ID_LEN] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
};
static const uint8_t  lead_id[LEAD_ID_LEN] = {
    0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

/* 2026-12-24T09:30:00.000Z */
#define T0  UINT64_C(1798104600000)

static void
read_line(lead_line *l)
{
    memset(l, 0, sizeof(*l));
    l->kind = LEAD_LINE_READ;
    l->id = S("0123456789abcdef0123456789abcdef-r");
    l->node = S("edge-a");
    l->ev.time_ms = T0;
    memcpy(l->ev.visitor, visitor, LEAD_ID_LEN);
    l->ev.status = 206;
    l->ev.ua_class = LEAD_UA_BROWSER;
    l->ev.bytes_sent = 500;
    l->ev.file_size = 2000;
    l->ev.nranges = 2;
    l->ev.ranges[0].start = 0;
    l->ev.ranges[0].end = 499;
    l->ev.ranges[1].start = 250;
    l->ev.ranges[1].end = 999;
    l->ev.path = S("/papers/a.pdf");
    l->ev.referrer_host = S("www.google.com");
    l->ev.utm_source = S("news");
    l->ev.utm_medium = S("email");
    l->ev.utm_campaign = S("q4");
    l->ev.asset_id = UINT64_C(0x00ab00cd00ef0012);
    l->ev.points = -5;
    l->ev.asset_flags = LEAD_ASSET_HOT | LEAD_ASSET_GATED;
    l->ev.stage = S("decision");
    l->ev.topic = S("pricing");
    l->ev.group = S("buyers");
    l->ev.country = S("GB");
    l->ev.region = S("ENG");
    l->ev.city = S("London");
}

static void
check_json(const lead_line *l, const char *want)
{
    lead_buf  out = { 0 };

    lead_line_json(&out, l);
    assert_false(out.oom);
    if (strcmp(out.data, want) != 0) {
        fail_msg("got  %s\nwant %s", out.data, want);
    }
    lead_buf_free(&out);
}

static void
test_json_read(void **state)
{
    lead_line  l;

    (void) state;
    read_line(&l);
    check_json(&l, "{\"id\":\"0123456789abcdef0123456789abcdef-r\","
               "\"time\":\"2026-12-24T09:30:00.000Z\",\"node\":\"edge-a\","
               "\"kind\":\"read\","
               "\"visitor\":\"00112233445566778899aabbccddeeff\","
               "\"path\":\"/papers/a.pdf\",\"asset\":\"00ab00cd00ef0012\","
               "\"stage\":\"decision\",\"topic\":\"pricing\","
               "\"group\":\"buyers\",\"flags\":\"hot gated\",\"points\":-5,"
               "\"status\":206,\"bytes\":500,\"size\":2000,"
               "\"ranges\":[[0,499],[250,999]],\"depth\":0.500,"
               "\"referrer\":\"www.google.com\",\"utm_source\":\"news\","
               "\"utm_medium\":\"email\",\"utm_campaign\":\"q4\","
               "\"country\":\"GB\",\"region\":\"ENG\",\"city\":\"London\","
               "\"agent\":\"browser\"}");

    /* zeros left out; no id given: the event's own, as a read's */
    memset(&l, 0, sizeof(l));
    l.ev.time_ms = 1;
    l.ev.id[15] = 1;
    check_json(&l, "{\"id\":\"00000000000000000000000000000001-r\","
               "\"time\":\"1970-01-01T00:00:00.001Z\",\"kind\":\"read\"}");

    /* a whole 200 is the whole file; the bytes of a cut one, its share */
    l.ev.status = 200;
    l.ev.file_size = 1000;
    l.ev.bytes_sent = 1200;
    check_json(&l, "{\"id\":\"00000000000000000000000000000001-r\","
               "\"time\":\"1970-01-01T00:00:00.001Z\",\"kind\":\"read\","
               "\"status\":200,\"bytes\":1200,\"size\":1000,"
               "\"depth\":1.000}");
    l.ev.bytes_sent = 333;
    l.ev.status = 200;
    l.ev.ua_class = LEAD_UA_BOT;
    l.ev.asset_flags = LEAD_ASSET_OPEN;
    check_json(&l, "{\"id\":\"00000000000000000000000000000001-r\","
               "\"time\":\"1970-01-01T00:00:00.001Z\",\"kind\":\"read\","
               "\"flags\":\"open\",\"status\":200,\"bytes\":333,"
               "\"size\":1000,\"depth\":0.333,\"agent\":\"bot\"}");

    /* one range the client left early: what was sent of it */
    l.ev.status = 206;
    l.ev.nranges = 1;
    l.ev.ranges[0].start = 100;
    l.ev.ranges[0].end = 999;
    l.ev.bytes_sent = 100;
    l.ev.asset_flags = 0;
    l.ev.ua_class = 0;
    check_json(&l, "{\"id\":\"00000000000000000000000000000001-r\","
               "\"time\":\"1970-01-01T00:00:00.001Z\",\"kind\":\"read\","
               "\"status\":206,\"bytes\":100,\"size\":1000,"
               "\"ranges\":[[100,999]],\"depth\":0.100}");
}

static void
test_json_kinds(void **state)
{
    lead_line  l;

    (void) state;
    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_IDENTIFY;
    l.id = S("abc-i");
    l.node = S("edge-b");
    l.ev.time_ms = T0 + 1;
    memcpy(l.ev.visitor, visitor, LEAD_ID_LEN);
    memcpy(l.lead, lead_id, LEAD_ID_LEN);
    l.email = S("ann@example.com");
    l.name = S("Ann \"A\" Lee");
    l.subscribe = 1;
    l.contact = 1;
    l.topics = S("pricing security");
    l.ev.path = S("/ignored");     /* not an identify's field */
    check_json(&l, "{\"id\":\"abc-i\",\"time\":\"2026-12-24T09:30:00.001Z\","
               "\"node\":\"edge-b\",\"kind\":\"identify\","
               "\"visitor\":\"00112233445566778899aabbccddeeff\","
               "\"lead\":\"fedcba98765432100123456789abcdef\","
               "\"email\":\"ann@example.com\",\"name\":\"Ann \\\"A\\\" Lee\","
               "\"subscribe\":true,\"contact\":true,"
               "\"topics\":\"pricing security\"}");

    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_STATUS;
    l.id = S("crm-1");
    l.ev.time_ms = T0;
    l.email = S("ann@example.com");
    l.status = LEAD_STATUS_WON;
    l.deal.amount = 1200050;
    memcpy(l.deal.currency, "EUR", 4);
    l.deal.closed_ms = T0 - 9 * 3600000 - 30 * 60000;
    l.who = S("crm");
    l.owner = S("bob");
    check_json(&l, "{\"id\":\"crm-1\",\"time\":\"2026-12-24T09:30:00.000Z\","
               "\"kind\":\"status\",\"email\":\"ann@example.com\","
               "\"status\":\"won\",\"amount\":\"12000.50\","
               "\"currency\":\"EUR\","
               "\"closed\":\"2026-12-24T00:00:00.000Z\",\"who\":\"crm\","
               "\"owner\":\"bob\"}");

    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_FORGET;
    l.id = S("f");
    memcpy(l.lead, lead_id, LEAD_ID_LEN);
    check_json(&l, "{\"id\":\"f\",\"time\":\"1970-01-01T00:00:00.000Z\","
               "\"kind\":\"forget\","
               "\"lead\":\"fedcba98765432100123456789abcdef\"}");

    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_SIGNAL;
    l.id = S("w-1");
    l.email = S("ann@example.com");
    l.signal = S("webinar");
    memcpy(l.ev.visitor, visitor, LEAD_ID_LEN);
    check_json(&l, "{\"id\":\"w-1\",\"time\":\"1970-01-01T00:00:00.000Z\","
               "\"kind\":\"signal\",\"email\":\"ann@example.com\","
               "\"signal\":\"webinar\","
               "\"visitor\":\"00112233445566778899aabbccddeeff\"}");

    assert_string_equal(lead_line_kind_name(LEAD_LINE_SIGNAL), "signal");
    assert_null(lead_line_kind_name(LEAD_LINE_NKINDS));
    assert_null(lead_line_kind_name(-1));
}

/* Whatever a string holds, the line is one object a JSON parser takes. */
static void
test_json_hostile(void **state)
{
    static const char  *hostile[] = {
        "\"}{\"kind\":\"forget\"",
        "a\nb\r\n\tc\x01\x1f\x7f",
        "\\",
        "\\u0000",
        "\xff\xfe invalid \xc3",
        "\xed\xa0\x80 surrogate, \xf4\x90\x80\x80 beyond U+10FFFF",
        "</script><script>alert(1)</script>&amp;",
        "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80",
        "=cmd|' /C calc'!A0",
    };
    char        nul[] = { 'a', '\0', 'b' };
    lead_line   l;
    lead_buf    out = { 0 };
    json_t     *j;
    json_error_t  e;
    size_t      i;

    (void) state;
    for (i = 0; i <= N_ELEMS(hostile); i++) {
        lead_str  s = i < N_ELEMS(hostile)
                      ? (lead_str) { hostile[i], strlen(hostile[i]) }
                      : (lead_str) { nul, sizeof(nul) };

        read_line(&l);
        l.id = s;
        l.node = s;
        l.ev.path = s;
        l.ev.city = s;
        l.ev.utm_campaign = s;
        out.len = 0;
        lead_line_json(&out, &l);
        assert_false(out.oom);
        assert_null(memchr(out.data, '\n', out.len));
        j = json_loadb(out.data, out.len, JSON_REJECT_DUPLICATES, &e);
        if (j == NULL) {
            fail_msg("case %zu: %s: %s", i, e.text, out.data);
        }
        assert_true(json_is_object(j));
        assert_string_equal(json_string_value(json_object_get(j, "kind")),
                            "read");
        assert_int_equal(json_integer_value(json_object_get(j, "status")),
                         206);
        json_decref(j);

        l.kind = LEAD_LINE_IDENTIFY;
        l.email = s;
        l.name = s;
        l.topics = s;
        out.len = 0;
        lead_line_json(&out, &l);
        j = json_loadb(out.data, out.len, JSON_REJECT_DUPLICATES, &e);
        if (j == NULL) {
            fail_msg("identify %zu: %s: %s", i, e.text, out.data);
        }
        json_decref(j);
    }

    /* valid text goes through as it is; invalid bytes become U+FFFD */
    read_line(&l);
    memset(&l.ev, 0, sizeof(l.ev));
    l.id = S("x");
    l.ev.path = S("caf\xc3\xa9\xff");
    out.len = 0;
    lead_line_json(&out, &l);
    j = json_loadb(out.data, out.len, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "path")),
                        "caf\xc3\xa9\xef\xbf\xbd");
    json_decref(j);
    lead_buf_free(&out);
}

static void
test_csv(void **state)
{
    lead_line  l;
    lead_buf   out = { 0 };

    (void) state;
    lead_line_csv_header(&out);
    assert_string_equal(out.data,
        "id,time,node,kind,visitor,path,asset,stage,topic,group,flags,"
        "points,status,bytes,size,ranges,depth,referrer,utm_source,"
        "utm_medium,utm_campaign,country,region,city,agent,lead,email,name,"
        "subscribe,contact,topics,sales,owner,amount,currency,closed,cause,"
        "who,reason,signal");

    out.len = 0;
    read_line(&l);
    l.ev.city = S("=HYPERLINK(\"x\")");
    lead_line_csv(&out, &l);
    assert_string_equal(out.data,
        "0123456789abcdef0123456789abcdef-r,2026-12-24T09:30:00.000Z,edge-a,"
        "read,00112233445566778899aabbccddeeff,/papers/a.pdf,"
        "00ab00cd00ef0012,decision,pricing,buyers,hot gated,'-5,206,500,"
        "2000,0-499 250-999,0.500,www.google.com,news,email,q4,GB,ENG,"
        "\"'=HYPERLINK(\"\"x\"\")\",browser,,,,,,,,,,,,,,,");

    out.len = 0;
    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_STATUS;
    l.id = S("crm-1");
    l.email = S("ann@example.com");
    l.status = LEAD_STATUS_LOST;
    l.reason = S("price, too high");
    lead_line_csv(&out, &l);
    assert_string_equal(out.data,
        "crm-1,1970-01-01T00:00:00.000Z,,status,,,,,,,,,lost,,,,,,,,,,,,,,"
        "ann@example.com,,,,,,,,,,,,\"price, too high\",");
    lead_buf_free(&out);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_json_read),
        cmocka_unit_test(test_json_kinds),
        cmocka_unit_test(test_json_hostile),
        cmocka_unit_test(test_csv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
