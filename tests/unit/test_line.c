#include "unit.h"

#include <inttypes.h>
#include <time.h>

#include <jansson.h>

#include "lead_line.h"
#include "line_fixture.h"

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
    l.ev.agent = (lead_str) { "HeadlessChrome", 14 };
    l.ev.asset_flags = LEAD_ASSET_OPEN;
    check_json(&l, "{\"id\":\"00000000000000000000000000000001-r\","
               "\"time\":\"1970-01-01T00:00:00.001Z\",\"kind\":\"read\","
               "\"flags\":\"open\",\"status\":200,\"bytes\":333,"
               "\"size\":1000,\"depth\":0.333,\"agent\":\"bot\","
               "\"bot\":\"HeadlessChrome\"}");
    l.ev.agent = (lead_str) { "", 0 };

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

    /* a long one, not UTF-8 anywhere: each byte U+FFFD */
    {
        char  junk[2000];

        memset(junk, 0xff, sizeof(junk));
        read_line(&l);
        l.ev.path.data = junk;
        l.ev.path.len = sizeof(junk);
        out.len = 0;
        lead_line_json(&out, &l);
        j = json_loadb(out.data, out.len, 0, &e);
        assert_non_null(j);
        assert_int_equal(json_string_length(json_object_get(j, "path")),
                         3 * sizeof(junk));
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

/* What a string field was before lines were put together in one piece:
   not UTF-8 (and NUL) made U+FFFD, then lead_buf_json. */
static void
reference_json(lead_buf *out, const char *s, size_t len)
{
    char    *fixed = malloc(3 * len + 1);
    size_t   i, n, k = 0;

    assert_non_null(fixed);
    for (i = 0; i < len; i += n) {
        n = (unsigned char) s[i] < 0x80
            ? 1 : lead_utf8_len((const unsigned char *) s + i, len - i);
        if (n == 0 || s[i] == '\0') {
            memcpy(fixed + k, "\xef\xbf\xbd", 3);
            k += 3;
            n = 1;
        } else {
            memcpy(fixed + k, s + i, n);
            k += n;
        }
    }
    lead_buf_json(out, fixed, k);
    free(fixed);
}

/* Random strings of every byte, short and longer than the line's own
   buffer: each field as the byte-by-byte writer made it; the numbers,
   flags and times as printf and strftime wrote them. */
static void
test_json_fast_path(void **state)
{
    static const char  alphabet[] = "ab/<>&\"\\\x01\x7f\x00\xc3\xa9\xe2"
                                    "\x82\xac\xf0\x9f\x98\x80\xff\xc0 ";
    lead_line          l;
    lead_buf           out, want;
    uint64_t           x = 0x9e3779b97f4a7c15ULL;
    char               text[3000], head[64], tm_text[32], *p;
    size_t             i, k, len;
    time_t             t;
    struct tm          tm;
    unsigned           f;

    (void) state;
    memset(&out, 0, sizeof(out));
    memset(&want, 0, sizeof(want));
    for (i = 0; i < 3000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        len = i < 2900 ? x % 64 : 600 + x % 2400;
        for (k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text[k] = (x >> 8) % 4 ? alphabet[x % (sizeof(alphabet) - 1)]
                                   : (char) (x >> 16);
        }
        memset(&l, 0, sizeof(l));
        l.kind = LEAD_LINE_READ;
        l.id = S("x");
        l.ev.path.data = text;
        l.ev.path.len = len;
        out.len = 0;
        lead_line_json(&out, &l);

        want.len = 0;
        lead_buf_puts(&want, "{\"id\":\"x\",\"time\":\"1970-01-01T00:00:"
                      "00.000Z\",\"kind\":\"read\"");
        if (len) {
            lead_buf_puts(&want, ",\"path\":");
            reference_json(&want, text, len);
        }
        lead_buf_puts(&want, "}");
        assert_false(out.oom);
        assert_int_equal(out.len, want.len);
        assert_memory_equal(out.data, want.data, want.len);
    }

    /* numbers, flags in every combination, times of any year to 9999 */
    for (i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memset(&l, 0, sizeof(l));
        l.kind = LEAD_LINE_READ;
        l.id = S("x");
        l.ev.time_ms = i == 0 ? UINT64_C(253402300799999)
                              : x % UINT64_C(253402300800000);
        l.ev.points = (int32_t) (x >> 32);
        l.ev.bytes_sent = i % 3 ? x : x >> 40;
        l.ev.asset_id = x * 7;
        l.ev.status = (uint16_t) (x >> 20);
        f = (unsigned) (i % 8);
        l.ev.asset_flags = (f & 1 ? LEAD_ASSET_HOT : 0)
                           | (f & 2 ? LEAD_ASSET_OPEN : 0)
                           | (f & 4 ? LEAD_ASSET_GATED : 0);
        out.len = 0;
        lead_line_json(&out, &l);

        t = (time_t) (l.ev.time_ms / 1000);
        gmtime_r(&t, &tm);
        k = strftime(tm_text, sizeof(tm_text), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(tm_text + k, sizeof(tm_text) - k, ".%03uZ",
                 (unsigned) (l.ev.time_ms % 1000));
        snprintf(head, sizeof(head), "\"time\":\"%s\"", tm_text);
        assert_non_null(strstr(out.data, head));
        snprintf(head, sizeof(head), "\"asset\":\"%016" PRIx64 "\"",
                 l.ev.asset_id);
        assert_true(l.ev.asset_id == 0 || strstr(out.data, head) != NULL);
        snprintf(head, sizeof(head), "\"points\":%" PRId32 ",",
                 l.ev.points);
        assert_true(l.ev.points == 0 || strstr(out.data, head) != NULL);
        snprintf(head, sizeof(head), "\"status\":%u,",
                 (unsigned) l.ev.status);
        assert_true(l.ev.status == 0 || strstr(out.data, head) != NULL);
        snprintf(head, sizeof(head), "\"bytes\":%" PRIu64, l.ev.bytes_sent);
        assert_true(l.ev.bytes_sent == 0 || strstr(out.data, head) != NULL);
        p = strstr(out.data, "\"flags\":");
        assert_true((p != NULL) == (f != 0));
        if (p) {
            snprintf(head, sizeof(head), "\"flags\":\"%s%s%s%s%s\"",
                     f & 1 ? "hot" : "", (f & 1) && (f & 6) ? " " : "",
                     f & 2 ? "open" : "", (f & 2) && (f & 4) ? " " : "",
                     f & 4 ? "gated" : "");
            assert_memory_equal(p, head, strlen(head));
        }
    }
    lead_buf_free(&out);
    lead_buf_free(&want);
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
        "utm_medium,utm_campaign,country,region,city,agent,bot,lead,email,name,"
        "subscribe,contact,topics,sales,owner,amount,currency,closed,cause,"
        "who,reason,signal,rating,comment");

    out.len = 0;
    read_line(&l);
    l.ev.city = S("=HYPERLINK(\"x\")");
    lead_line_csv(&out, &l);
    assert_string_equal(out.data,
        "0123456789abcdef0123456789abcdef-r,2026-12-24T09:30:00.000Z,edge-a,"
        "read,00112233445566778899aabbccddeeff,/papers/a.pdf,"
        "00ab00cd00ef0012,decision,pricing,buyers,hot gated,'-5,206,500,"
        "2000,0-499 250-999,0.500,www.google.com,news,email,q4,GB,ENG,"
        "\"'=HYPERLINK(\"\"x\"\")\",browser,,,,,,,,,,,,,,,,,,");

    out.len = 0;
    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_STATUS;
    l.id = S("crm-1");
    l.email = S("ann@example.com");
    l.status = LEAD_STATUS_LOST;
    l.reason = S("price, too high");
    lead_line_csv(&out, &l);
    assert_string_equal(out.data,
        "crm-1,1970-01-01T00:00:00.000Z,,status,,,,,,,,,lost,,,,,,,,,,,,,,,"
        "ann@example.com,,,,,,,,,,,,\"price, too high\",,,");
    lead_buf_free(&out);
}

/* ---- reading lines back ------------------------------------------------ */

/* One of each kind, every field of it set. */
static void
kind_line(lead_line *l, int kind)
{
    memset(l, 0, sizeof(*l));
    switch (kind) {
    case LEAD_LINE_READ:
        read_line(l);
        memset(l->ev.id, 0, LEAD_ID_LEN);
        l->ev.id[0] = 0x01;
        l->ev.id[15] = 0xef;
        l->id = S("010000000000000000000000000000ef-r");
        break;
    case LEAD_LINE_IDENTIFY:
        l->id = S("e0-i");
        memcpy(l->ev.visitor, visitor, LEAD_ID_LEN);
        memcpy(l->lead, lead_id, LEAD_ID_LEN);
        l->email = S("ann.lee+x@example.co.uk");
        l->name = S("Ann Lee \xc3\xa9");
        l->topics = S("pricing security");
        l->subscribe = l->contact = l->sales = 1;
        l->owner = S("bob@example.com");
        break;
    case LEAD_LINE_STATUS:
        l->id = S("crm-7");
        l->email = S("ann@example.com");
        memcpy(l->lead, lead_id, LEAD_ID_LEN);
        l->status = LEAD_STATUS_WON;
        l->deal.amount = 1200050;
        memcpy(l->deal.currency, "GBP", 4);
        l->deal.closed_ms = T0 - 86400000;
        l->cause = S("crm");
        l->who = S("'=carol");     /* looks guarded: stays so */
        l->reason = S("signed, at last");
        l->owner = S("bob");
        break;
    case LEAD_LINE_FORGET:
        l->id = S("gdpr-1");
        l->email = S("ann@example.com");
        break;
    case LEAD_LINE_SIGNAL:
        l->id = S("webinar-12");
        memcpy(l->lead, lead_id, LEAD_ID_LEN);
        l->signal = S("webinar_attended");
        memcpy(l->ev.visitor, visitor, LEAD_ID_LEN);
        break;
    case LEAD_LINE_RATE:
        read_line(l);
        l->ev.status = 0;           /* a rating's event: no response */
        l->ev.bytes_sent = l->ev.file_size = 0;
        l->ev.nranges = 0;
        l->ev.referrer_host = l->ev.utm_source = l->ev.utm_medium = S("");
        l->ev.utm_campaign = S("");
        memset(l->ev.id, 0, LEAD_ID_LEN);
        l->ev.id[0] = 0x02;
        l->id = S("02000000000000000000000000000000-v");
        l->ev.rating = 4;
        l->ev.comment = S("'=SUM(A1)\n\"used it\" \xe2\x80\x94 <b>");
        break;
    case LEAD_LINE_NOTE:
        l->id = S("0123456789abcdef0123456789abcdef-n");
        l->ev.asset_id = UINT64_C(0x00c0ffee00c0ffee);
        l->ev.path = S("/library/network-map.pdf");
        l->who = S("sam \xc3\xa9");
        memcpy(l->lead, lead_id, LEAD_ID_LEN);
        l->ev.comment = S("=used it in the call\n<b>SLA</b>, \"quoted\"");
        break;
    }
    l->kind = kind;
    l->node = S("edge-a.example.com");
    l->ev.time_ms = T0 + 123;
}

static void
test_round_trip(void **state)
{
    lead_line_parser  *p = lead_line_parser_new(), *q;
    lead_line          l, back;
    lead_buf           out = { 0 }, head = { 0 };
    const char        *diff;
    char               err[256];
    int                kind, rc;

    (void) state;
    assert_non_null(p);
    q = lead_line_parser_new();
    assert_non_null(q);

    lead_line_csv_header(&head);
    assert_int_equal(lead_line_csv_columns(q, head.data, head.len, NULL, err,
                                           sizeof(err)), LEAD_OK);

    for (kind = 0; kind < LEAD_LINE_NKINDS; kind++) {
        kind_line(&l, kind);
        assert_false(line_edge_spaces(&l));

        out.len = 0;
        lead_line_json(&out, &l);
        lead_buf_puts(&out, "\n");
        rc = lead_line_parse(p, out.data, out.len, &back, err, sizeof(err));
        if (rc != LEAD_OK) {
            fail_msg("%s: %d %s", out.data, rc, err);
        }
        diff = line_diff(&l, &back);
        if (diff) {
            fail_msg("%s: \"%s\" differs", out.data, diff);
        }

        /* and as a row of the CSV export */
        out.len = 0;
        lead_line_csv(&out, &l);
        lead_buf_puts(&out, "\r\n");
        rc = lead_line_parse_csv(q, out.data, out.len, &back, err,
                                 sizeof(err));
        if (rc != LEAD_OK) {
            fail_msg("%s: %d %s", out.data, rc, err);
        }
        diff = line_diff(&l, &back);
        if (diff) {
            fail_msg("%s: \"%s\" differs", out.data, diff);
        }
        /* C strings too, for the store's functions that take them */
        assert_int_equal(back.id.data[back.id.len], '\0');
    }

    /* the same read again: its id names its event */
    kind_line(&l, LEAD_LINE_READ);
    out.len = 0;
    lead_line_json(&out, &l);
    assert_int_equal(lead_line_parse(p, out.data, out.len, &back, err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(back.ev.id[0], 0x01);
    assert_int_equal(back.ev.id[15], 0xef);

    lead_buf_free(&out);
    lead_buf_free(&head);
    lead_line_parser_free(p);
    lead_line_parser_free(q);
}

#define READ_HEAD  "\"id\":\"a-r\",\"time\":\"2026-12-24T09:30:00.000Z\"," \
                   "\"kind\":\"read\","                                      \
                   "\"visitor\":\"00112233445566778899aabbccddeeff\","

static void
test_parse_accepts(void **state)
{
    lead_line_parser  *p = lead_line_parser_new();
    lead_line          l;
    char               err[256];
    const char        *t;

    (void) state;

    /* ms since the epoch; keys it does not know; fields of other kinds */
    t = "{\"id\":\"x\",\"time\":1798104600123,\"kind\":\"forget\","
        "\"email\":\" Ann@Example.COM \",\"future\":{\"a\":[1,2]},"
        "\"path\":12,\"visitor\":\"nope\"}";
    assert_int_equal(lead_line_parse(p, t, strlen(t), &l, err, sizeof(err)),
                     LEAD_OK);
    assert_int_equal(l.kind, LEAD_LINE_FORGET);
    assert_int_equal(l.ev.time_ms, T0 + 123);
    assert_true(same_str(l.email, S("ann@example.com")));
    assert_int_equal(l.email.data[l.email.len], '\0');
    assert_int_equal(l.ev.path.len, 0);

    /* a path holds what nginx decoded, controls too: an edge records it */
    t = "{\"id\":\"z\",\"time\":0,\"kind\":\"read\","
        "\"path\":\"/a\\u0001\\u202e\","
        "\"visitor\":\"0123456789abcdef0123456789abcdef\"}";
    assert_int_equal(lead_line_parse(p, t, strlen(t), &l, err, sizeof(err)),
                     LEAD_OK);
    assert_true(same_str(l.ev.path, S("/a\x01\xe2\x80\xae")));

    /* a bot's name, as the edge took it */
    t = "{\"id\":\"b\",\"time\":0,\"kind\":\"read\",\"path\":\"/a\","
        "\"agent\":\"bot\",\"bot\":\"Googlebot\","
        "\"visitor\":\"0123456789abcdef0123456789abcdef\"}";
    if (lead_line_parse(p, t, strlen(t), &l, err, sizeof(err)) != LEAD_OK) {
        fail_msg("%s", err);
    }
    assert_int_equal(l.ev.ua_class, LEAD_UA_BOT);
    assert_true(same_str(l.ev.agent, S("Googlebot")));

    /* a zone, a fraction, a space; "" and null are left out */
    t = "{\"id\":\"y\",\"time\":\"2026-12-24 10:30:00.5+01:00\","
        "\"kind\":\"status\",\"lead\":\"fedcba98765432100123456789abcdef\","
        "\"email\":\"\",\"status\":\"lost\",\"reason\":null,\"amount\":12000,"
        "\"closed\":\"2026-12-24\"}";
    assert_int_equal(lead_line_parse(p, t, strlen(t), &l, err, sizeof(err)),
                     LEAD_OK);
    assert_int_equal(l.ev.time_ms, T0 + 500);
    assert_int_equal(l.status, LEAD_STATUS_LOST);
    assert_int_equal(l.deal.amount, 1200000);
    assert_int_equal(l.deal.closed_ms, T0 - 9 * 3600000 - 30 * 60000);
    assert_int_equal(l.email.len, 0);
    assert_memory_equal(l.lead, lead_id, LEAD_ID_LEN);

    /* a name as the form keeps it: trimmed */
    t = "{\"id\":\"z\",\"time\":0,\"kind\":\"identify\","
        "\"email\":\"a@b.co\",\"name\":\"  Ann\\u00a0 \"}";
    assert_int_equal(lead_line_parse(p, t, strlen(t), &l, err, sizeof(err)),
                     LEAD_OK);
    assert_true(same_str(l.name, S("Ann")));
    assert_int_equal(l.ev.time_ms, 0);

    /* nothing on it */
    assert_int_equal(lead_line_parse(p, " \r\n", 3, &l, err, sizeof(err)),
                     LEAD_ENOTFOUND);
    assert_int_equal(lead_line_parse(p, "", 0, &l, err, sizeof(err)),
                     LEAD_ENOTFOUND);

    lead_line_parser_free(p);
}

static void
test_parse_refuses(void **state)
{
    static const struct {
        const char  *line;
        const char  *why;
    } cases[] = {
        { "{", "line: not JSON: " },
        { "[1]", "line: not a JSON object" },
        { "{\"id\":\"a\",\"id\":\"b\",\"time\":0,\"kind\":\"forget\","
          "\"email\":\"a@b.co\"}", "line: not JSON: duplicate object key" },
        { "{\"id\":\"a\",\"time\":0,\"email\":\"a@b.co\"}",
          "line: no \"kind\"" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"reed\"}",
          "line: \"kind\" \"reed\" is not read, identify, status, forget, "
          "signal, rate or note" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":7}",
          "line: \"kind\" is not a string" },
        { "{\"time\":0,\"kind\":\"forget\",\"email\":\"a@b.co\"}",
          "line: no \"id\"" },
        { "{\"id\":\"a\",\"kind\":\"forget\",\"email\":\"a@b.co\"}",
          "line: no \"time\"" },
        { "{\"id\":\"a\",\"time\":\"yesterday\",\"kind\":\"forget\"}",
          "line: \"time\" is not a time like 2026-12-24T09:30:00.000Z or "
          "2026-12-24" },
        { "{\"id\":\"a\",\"time\":\"2026-02-30\",\"kind\":\"forget\"}",
          "line: \"time\" is not a time like" },
        { "{\"id\":\"a\",\"time\":-1,\"kind\":\"forget\"}",
          "line: \"time\" is not a time like" },
        { "{" READ_HEAD "\"visitor\":\"0011\"}",
          "line: not JSON: duplicate object key" },
        { "{\"id\":\"a-r\",\"time\":0,\"kind\":\"read\",\"path\":\"/a\","
          "\"visitor\":\"00112233445566778899aabbccddeefg\"}",
          "line: \"visitor\" is not 32 hex digits" },
        { "{\"id\":\"a-r\",\"time\":0,\"kind\":\"read\",\"path\":\"/a\","
          "\"visitor\":\"00000000000000000000000000000000\"}",
          "line: \"visitor\" is all zeros, which names no one" },
        { "{\"id\":\"a-r\",\"time\":0,\"kind\":\"read\",\"path\":\"/a\"}",
          "line: a read has no \"visitor\"" },
        { "{" READ_HEAD "\"status\":200}", "line: a read has no \"path\"" },
        { "{" READ_HEAD "\"path\":\"a\"}",
          "line: \"path\" does not start with '/'" },
        { "{" READ_HEAD "\"path\":\"/a\\u0000b\"}",
          "line: \"path\" holds a control character (U+0000)" },
        { "{" READ_HEAD "\"path\":\"/a\",\"stage\":\"\\u001b[31m\"}",
          "line: \"stage\" holds a control character (U+001B)" },
        { "{" READ_HEAD "\"path\":\"/a\",\"topic\":\"a\\u202e\"}",
          "line: \"topic\" holds a control character (U+202E)" },
        { "{" READ_HEAD "\"path\":\"/\xff\"}", "line: not JSON: " },
        { "{" READ_HEAD "\"path\":\"/a\",\"asset\":\"12\"}",
          "line: \"asset\" is not 16 hex digits" },
        { "{" READ_HEAD "\"path\":\"/a\",\"status\":99}",
          "line: \"status\" is out of range (100 to 599)" },
        { "{" READ_HEAD "\"path\":\"/a\",\"status\":\"200\"}",
          "line: \"status\" is not a whole number" },
        { "{" READ_HEAD "\"path\":\"/a\",\"bytes\":1.5}",
          "line: \"bytes\" is not a whole number" },
        { "{" READ_HEAD "\"path\":\"/a\",\"points\":1001}",
          "line: \"points\" is out of range (-1000 to 1000)" },
        { "{" READ_HEAD "\"path\":\"/a\",\"flags\":\"hot cold\"}",
          "line: \"flags\" has \"cold\", not hot, open or gated" },
        { "{" READ_HEAD "\"path\":\"/a\",\"ranges\":[[5,1]]}",
          "line: \"ranges\" has a range that ends before it starts" },
        { "{" READ_HEAD "\"path\":\"/a\",\"ranges\":[[0,1],[0,1],[0,1],[0,1],"
          "[0,1],[0,1],[0,1],[0,1],[0,1]]}",
          "line: \"ranges\" has more than 8 ranges" },
        { "{" READ_HEAD "\"path\":\"/a\",\"ranges\":[0,1]}",
          "line: \"ranges\" is not a list of [start,end] byte ranges" },
        { "{" READ_HEAD "\"path\":\"/a\",\"country\":\"gb\"}",
          "line: \"country\" is not two capitals (ISO 3166)" },
        { "{" READ_HEAD "\"path\":\"/a\",\"agent\":\"human\"}",
          "line: \"agent\" is not browser, bot or unknown" },
        { "{" READ_HEAD "\"path\":\"/a\",\"stage\":"
          "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
          "line: \"stage\" is longer than 64 bytes" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"identify\"}",
          "line: an identify has no \"email\"" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"identify\",\"email\":\"a@b\"}",
          "line: \"email\" is not an e-mail address like name@company.com" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"identify\","
          "\"email\":\"a@b.co\","
          "\"name\":\"\\u200b\"}",
          "line: \"name\" is not one the form takes (Your name has no "
          "visible character" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"identify\","
          "\"email\":\"a@b.co\","
          "\"subscribe\":1}", "line: \"subscribe\" is not true or false" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"identify\","
          "\"email\":\"a@b.co\","
          "\"topics\":\"a  b\"}", "line: \"topics\" is not topic names" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"status\",\"status\":\"won\"}",
          "line: a status has no \"email\" or \"lead\"" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"status\",\"email\":\"a@b.co\"}",
          "line: a status has no \"status\"" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"status\",\"email\":\"a@b.co\","
          "\"status\":\"Won\"}",
          "line: \"status\" \"Won\" is not a status (identified, mql, sal, "
          "sql, won, nurture, lost)" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"status\",\"email\":\"a@b.co\","
          "\"status\":\"won\",\"amount\":\"-5\"}",
          "line: \"amount\" is not an amount like 12000.50" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"status\",\"email\":\"a@b.co\","
          "\"status\":\"won\",\"amount\":\"12,000\"}",
          "line: \"amount\" is not an amount like 12000.50" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"status\",\"email\":\"a@b.co\","
          "\"status\":\"won\",\"currency\":\"eur\"}",
          "line: \"currency\" is not a currency code like EUR (ISO 4217)" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"forget\"}",
          "line: a forget has no \"email\" or \"lead\"" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"forget\",\"lead\":\"xyz\"}",
          "line: \"lead\" is not 32 hex digits" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"signal\",\"email\":\"a@b.co\"}",
          "line: a signal has no \"signal\"" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"signal\",\"email\":\"a@b.co\","
          "\"signal\":\"web inar\"}",
          "line: \"signal\" is not a signal's name" },
        { "{\"id\":\"a\",\"time\":0,\"kind\":\"signal\",\"signal\":\"w\"}",
          "line: a signal has no \"email\" or \"lead\"" },
    };
    lead_line_parser  *p = lead_line_parser_new();
    lead_line          l;
    lead_buf           big = { 0 };
    char               err[256];
    size_t             i;
    int                rc;

    (void) state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        rc = lead_line_parse(p, cases[i].line, strlen(cases[i].line), &l,
                             err, sizeof(err));
        if (rc != LEAD_EINVAL
            || strncmp(err, cases[i].why, strlen(cases[i].why)) != 0)
        {
            fail_msg("%s:\n got  %d %s\n want %s", cases[i].line, rc, err,
                     cases[i].why);
        }
    }

    /* an id too long; a line too long */
    lead_buf_puts(&big, "{\"id\":\"");
    for (i = 0; i < LEAD_LINE_ID_MAX + 1; i++) {
        lead_buf_puts(&big, "i");
    }
    lead_buf_puts(&big, "\",\"time\":0,\"kind\":\"forget\",\"lead\":"
                  "\"fedcba98765432100123456789abcdef\"}");
    assert_int_equal(lead_line_parse(p, big.data, big.len, &l, err,
                                     sizeof(err)), LEAD_EINVAL);
    assert_string_equal(err, "line: \"id\" is longer than 128 bytes");
    big.len = 0;
    lead_buf_puts(&big, "{\"id\":\"a\",\"time\":0,\"kind\":\"forget\","
                  "\"email\":\"a@b.co\",\"x\":\"");
    while (big.len < LEAD_LINE_MAX) {
        lead_buf_puts(&big, "xxxxxxxx");
    }
    lead_buf_puts(&big, "\"}");
    assert_int_equal(lead_line_parse(p, big.data, big.len, &l, err,
                                     sizeof(err)), LEAD_EINVAL);
    assert_string_equal(err, "line: longer than 16384 bytes");

    /* a message never holds what would upset a terminal */
    assert_int_equal(lead_line_parse(p, "{\"x\":\x1b[2J}", 10, &l, err,
                                     sizeof(err)), LEAD_EINVAL);
    for (i = 0; err[i]; i++) {
        assert_true(err[i] >= 0x20 && err[i] < 0x7f);
    }
    /* nor a message too long for its room */
    assert_int_equal(lead_line_parse(p, "{", 1, &l, err, 8), LEAD_EINVAL);
    assert_string_equal(err, "line: n");

    lead_buf_free(&big);
    lead_line_parser_free(p);
}

/* ---- a CRM's CSV ------------------------------------------------------- */

#define CRM_MAP  "email=E-mail, status=Deal Stage,amount=Amount," \
                 "currency=Currency,closed=Close Date,reason=Lost Reason"

static void
crm_row(lead_line_parser *p, const char *row, lead_line *l, int want)
{
    char  err[256];
    int   rc;

    rc = lead_line_parse_csv(p, row, strlen(row), l, err, sizeof(err));
    if (rc != want) {
        fail_msg("%s: got %d %s, want %d", row, rc, err, want);
    }
}

static void
test_crm_csv(void **state)
{
    lead_line_parser  *p = lead_line_parser_new();
    lead_line          l;
    char               err[256], id[64];
    const char        *head = "\xef\xbb\xbf" "Deal Name,E-mail,Deal Stage,"
                              "Amount,Currency,Close Date,Lost Reason,"
                              "Status\r\n";

    (void) state;
    assert_int_equal(lead_line_csv_columns(p, head, strlen(head), CRM_MAP,
                                           err, sizeof(err)), LEAD_OK);

    crm_row(p, "Acme,Ann@Example.com,Closed Won,\"12,000.50\",eur,"
            "2026-12-24,,x\r\n", &l, LEAD_OK);
    assert_int_equal(l.kind, LEAD_LINE_STATUS);
    assert_int_equal(l.status, LEAD_STATUS_WON);
    assert_int_equal(l.deal.amount, 1200050);
    assert_string_equal(l.deal.currency, "EUR");
    assert_int_equal(l.deal.closed_ms, T0 - 9 * 3600000 - 30 * 60000);
    assert_int_equal(l.ev.time_ms, l.deal.closed_ms);
    assert_true(same_str(l.email, S("ann@example.com")));
    assert_int_equal(l.id.len, 36);
    assert_memory_equal(l.id.data, "csv-", 4);
    memcpy(id, l.id.data, l.id.len);

    /* the same row again: the same id; another amount, another */
    crm_row(p, "Acme,ann@example.com,closed-won,12000.50,EUR,2026-12-24,,",
            &l, LEAD_OK);
    assert_memory_equal(l.id.data, id, 36);
    crm_row(p, "Acme,ann@example.com,Won,12000.51,EUR,2026-12-24,,", &l,
            LEAD_OK);
    assert_memory_not_equal(l.id.data, id, 36);

    crm_row(p, "Beta,bo@example.com,Closed Lost,,,2026-12-20T10:00:00Z,"
            "\"Price, \"\"too\"\" high\",", &l, LEAD_OK);
    assert_int_equal(l.status, LEAD_STATUS_LOST);
    assert_true(same_str(l.reason, S("Price, \"too\" high")));
    assert_int_equal(l.reason.data[l.reason.len], '\0');

    crm_row(p, "Gamma,cy@example.com,Sales Qualified Lead,,,2026-12-20,,",
            &l, LEAD_OK);
    assert_int_equal(l.status, LEAD_STATUS_SQL);
    crm_row(p, "Gamma,cy@example.com,opportunity,,,2026-12-20,,", &l,
            LEAD_OK);
    assert_int_equal(l.status, LEAD_STATUS_SQL);
    crm_row(p, "Gamma,cy@example.com,Accepted,,,2026-12-20,,", &l, LEAD_OK);
    assert_int_equal(l.status, LEAD_STATUS_SAL);

    /* blank rows are nothing; broken ones say why */
    crm_row(p, ",,,,,,,\r\n", &l, LEAD_ENOTFOUND);
    crm_row(p, "\n", &l, LEAD_ENOTFOUND);
    crm_row(p, "a,b", &l, LEAD_EINVAL);
    crm_row(p, "Acme,ann@example.com,Signed,,,2026-12-24,,", &l, LEAD_EINVAL);
    crm_row(p, "Acme,ann@example.com,won,\"12.000,00\",,2026-12-24,,", &l,
            LEAD_EINVAL);
    crm_row(p, "Acme,ann@example.com,won,\"1,2000\",,2026-12-24,,", &l,
            LEAD_EINVAL);
    crm_row(p, "Acme,ann@example.com,won,,,,,", &l, LEAD_EINVAL);
    crm_row(p, "Acme,ann@example.com,won,,,24/12/2026,,", &l, LEAD_EINVAL);
    crm_row(p, "\"Acme,ann@example.com,won,,,2026-12-24,,", &l, LEAD_EINVAL);
    assert_int_equal(lead_line_parse_csv(p, "Acme,,won,,,2026-12-24,,", 24,
                                         &l, err, sizeof(err)), LEAD_EINVAL);
    assert_string_equal(err, "row: a status has no \"email\" or \"lead\"");
    assert_int_equal(lead_line_parse_csv(p, "a,b", 3, &l, err, sizeof(err)),
                     LEAD_EINVAL);
    assert_string_equal(err, "row: 2 cells, the header has 8");
    assert_true(lead_line_csv_open("a,\"b\nc", 6));
    assert_false(lead_line_csv_open("a,\"b\nc\"", 7));

    /* headers and maps that cannot work */
    assert_int_equal(lead_line_csv_columns(p, head, strlen(head),
                                           "mail=E-mail", err, sizeof(err)),
                     LEAD_EINVAL);
    assert_string_equal(err, "map: \"mail\" is not a field of a line");
    assert_int_equal(lead_line_csv_columns(p, head, strlen(head),
                                           "email=Mail", err, sizeof(err)),
                     LEAD_EINVAL);
    assert_string_equal(err, "map: no column \"Mail\" in the header");
    assert_int_equal(lead_line_csv_columns(p, head, strlen(head),
                                           "email", err, sizeof(err)),
                     LEAD_EINVAL);
    assert_string_equal(err, "map: \"email\" is not field=Column");
    assert_int_equal(lead_line_csv_columns(p, "a,b", 3, NULL, err,
                                           sizeof(err)), LEAD_EINVAL);
    assert_string_equal(err, "header: no column names a field of a line "
                        "(email, status, amount, ...; or map them)");
    assert_int_equal(lead_line_csv_columns(p, "email,Email", 11, NULL, err,
                                           sizeof(err)), LEAD_EINVAL);
    assert_string_equal(err, "header: two columns give \"email\"");
    /* no header, no rows */
    crm_row(p, "Acme,ann@example.com,won,,,2026-12-24,,", &l, LEAD_EINVAL);

    /* columns named as fields, the kind given, the export's guard undone */
    assert_int_equal(lead_line_csv_columns(p, "Kind,Email,Signal,Time,Id", 25,
                                           NULL, err, sizeof(err)), LEAD_OK);
    crm_row(p, "signal,a@b.co,webinar,2026-12-01,'-w1", &l, LEAD_OK);
    assert_int_equal(l.kind, LEAD_LINE_SIGNAL);
    assert_true(same_str(l.id, S("-w1")));
    assert_true(same_str(l.signal, S("webinar")));

    lead_line_parser_free(p);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_json_read),
        cmocka_unit_test(test_json_kinds),
        cmocka_unit_test(test_json_hostile),
        cmocka_unit_test(test_json_fast_path),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_crm_csv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
