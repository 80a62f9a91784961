#include "unit.h"

/* Request facts: paths, referrer hosts, UTM values, UA classes, ranges. */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

/* ---- lead_path_normalize ---------------------------------------------- */

static void
check_path(const char *target, size_t len, const char *want)
{
    char  out[LEAD_PATH_MAX];
    int   n = lead_path_normalize(target, len, out);

    if (want == NULL) {
        if (n != LEAD_EINVAL) {
            fail_msg("\"%.40s\": got %d, want LEAD_EINVAL", target, n);
        }
        return;
    }

    if (n < 0 || (size_t) n != strlen(want)
        || memcmp(out, want, (size_t) n) != 0)
    {
        fail_msg("\"%.40s\": got %d \"%.*s\", want \"%s\"", target, n,
                 n > 0 ? n : 0, out, want);
    }
}

static void
test_path_normalize(void **state)
{
    /* want NULL: nginx refuses the target, so must we */
    static const struct {
        const char  *target;
        const char  *want;
    } cases[] = {
        { "/", "/" },
        { "/a/b", "/a/b" },
        { "/a//b", "/a/b" },
        { "/a/./b", "/a/b" },
        { "/a/b/../c", "/a/c" },
        { "/a/b/..", "/a/" },
        { "/a/.", "/a/" },
        { "/a/b/", "/a/b/" },
        { "/a/..", "/" },
        { "/..a/.b", "/..a/.b" },
        { "/.well-known/a", "/.well-known/a" },
        { "/a/b/?q=/..", "/a/b/" },
        { "/%61%2Fb", "/a/b" },
        { "/a%2F..%2Fb", "/b" },
        { "/%2e/x", "/x" },
        { "/%2F", "/" },
        { "/x?q=1", "/x" },
        { "/x#f", "/x" },
        { "/x?/../..", "/x" },           /* the query is never resolved */
        { "/x?%zz", "/x" },              /* nor decoded */
        { "/caf%C3%A9", "/caf\xc3\xa9" },
        { "/%2e%2e/x", NULL },
        { "/..", NULL },
        { "/a/../..", NULL },
        { "", NULL },
        { "a/b", NULL },
        { "?/a", NULL },
        { "/%00", NULL },
        { "/%zz", NULL },
        { "/%4", NULL },
        { "/%4?", NULL },
        { "/%", NULL },
    };
    size_t  i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        check_path(cases[i].target, strlen(cases[i].target), cases[i].want);
    }
}

static void
test_path_normalize_length(void **state)
{
    static char  target[3 * LEAD_PATH_MAX + 3], want[LEAD_PATH_MAX + 1];
    size_t       i, n;

    (void) state;

    /* "/aaa...": exactly LEAD_PATH_MAX bytes fit, one more does not */
    memset(want, 'a', LEAD_PATH_MAX);
    want[0] = '/';
    want[LEAD_PATH_MAX] = '\0';
    memcpy(target, want, LEAD_PATH_MAX);
    target[LEAD_PATH_MAX] = 'a';
    check_path(target, LEAD_PATH_MAX, want);
    check_path(target, LEAD_PATH_MAX + 1, NULL);

    /* the limit is on what is written: "%61" counts as one byte */
    n = 1;
    for (i = 1; i < LEAD_PATH_MAX; i++) {
        memcpy(target + n, "%61", 3);
        n += 3;
    }
    check_path(target, n, want);
    memcpy(target + n, "%61", 3);
    check_path(target, n + 3, NULL);

    /* nor does a long query count */
    memset(target, 'q', sizeof(target));
    memcpy(target, "/a?", 3);
    check_path(target, sizeof(target), "/a");
}

/* ---- lead_referrer_host ----------------------------------------------- */

static void
test_referrer_host(void **state)
{
    /* want "": no host */
    static const struct {
        const char  *url;
        const char  *want;
    } cases[] = {
        { "https://WWW.Example.com/x", "www.example.com" },
        { "http://user:pw@host.com:8080/p", "host.com" },
        { "http://host.com", "host.com" },
        { "https://a-b_c.example?x=1", "a-b_c.example" },
        { "https://a.example#frag", "a.example" },
        { "https://x@y@z.example/", "z.example" },
        { "https://z.example/a@b", "z.example" },
        { "ftp://x", "" },
        { "", "" },
        { "http:/", "" },
        { "https://", "" },
        { "https:///path", "" },
        { "https://user@/", "" },
        { "https://bad host/", "" },
        { "https://bad%20host/", "" },
        { "https://[::1]/", "" },
        /* a bad userinfo, then a good host; a good one, then a bad host */
        { "https://us er:p%20w@host.example/", "host.example" },
        { "https://user@bad host/", "" },
        { "https://host.example:80@other.example/", "other.example" },
        { "//example.com/", "" },
        /* no control or invisible character reaches a stored host */
        { "https://a%C2%85b.example/", "" },
        { "https://a\xc2\x85" "b.example/", "" },
        { "https://evil\xe2\x80\xae" "moc.example/", "" },
        { "https://a\xe2\x80\x8b" "b.example/", "" },
        { "https://a\x1b[2Jb.example/", "" },
        { "https://a.example\r\nx/", "" },
        { "https://a.example:\xe2\x80\xae/", "a.example" },
    };
    char    out[LEAD_HOST_MAX];
    size_t  i, n;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        n = lead_referrer_host(cases[i].url, strlen(cases[i].url), out);
        if (n != strlen(cases[i].want)
            || memcmp(out, cases[i].want, n) != 0)
        {
            fail_msg("\"%s\": got \"%.*s\", want \"%s\"", cases[i].url,
                     (int) n, out, cases[i].want);
        }
    }
}

static void
test_referrer_host_length(void **state)
{
    char    url[8 + LEAD_HOST_MAX + 2];
    char    out[LEAD_HOST_MAX];
    size_t  n;

    (void) state;

    memcpy(url, "https://", 8);
    memset(url + 8, 'H', sizeof(url) - 8);

    /* LEAD_HOST_MAX fits exactly (and is lower-cased), one more does not */
    n = lead_referrer_host(url, 8 + LEAD_HOST_MAX, out);
    assert_int_equal(n, LEAD_HOST_MAX);
    assert_int_equal(out[0], 'h');
    assert_int_equal(out[LEAD_HOST_MAX - 1], 'h');

    url[8 + LEAD_HOST_MAX + 1] = '/';
    assert_int_equal(lead_referrer_host(url, sizeof(url), out), 0);
}

/* ---- lead_utm_parse --------------------------------------------------- */

static void
check_utm_value(const char *query, const char *name, const char *got,
    size_t got_len, const char *want)
{
    if (got_len != strlen(want) || memcmp(got, want, got_len) != 0) {
        fail_msg("\"%s\": %s is \"%.*s\", want \"%s\"", query, name,
                 (int) got_len, got, want);
    }
}

static void
test_utm_parse(void **state)
{
    static const struct {
        const char  *query;
        const char  *source, *medium, *campaign;
    } cases[] = {
        { "utm_source=news&utm_medium=email&utm_campaign=spring",
          "news", "email", "spring" },
        { "a=1&utm_campaign=c&b=2", "", "", "c" },
        { "", "", "", "" },
        { "utm_source=a+b%20c%2Bd%2b", "a b c+d+", "", "" },
        { "utm_source=%E2%82%AC%c3%a9", "\xe2\x82\xac\xc3\xa9", "", "" },
        { "utm_source=first&utm_source=second", "first", "", "" },
        /* an empty first value wins too: appending cannot override it */
        { "utm_source=&utm_source=evil", "", "", "" },
        { "utm_source=%01&utm_source=evil", "", "", "" },
        { "utm_source=x;utm_medium=y;utm_campaign=z", "x", "y", "z" },
        { "utm_source&utm_medium=m", "", "m", "" },
        { "utm_source&utm_source=s", "s", "", "" },
        { "utm_sourcex=no&xutm_source=no&utm_sourc=no&utm_source=yes",
          "yes", "", "" },
        { "utm_source=a%4", "a%4", "", "" },
        { "utm_source=%zz%", "%zz%", "", "" },
        { "utm_source=a=b", "a=b", "", "" },
        { "&&=x&utm_medium=m&", "", "m", "" },
        /* control characters: escaped, raw, DEL */
        { "utm_source=a%01b%0Ac%7Fd\te%00f", "abcdef", "", "" },
        /* lone lead byte, lone continuation, overlong, surrogate, > U+10FFFF */
        { "utm_source=a%C3b%80c%C0%AFd%ED%A0%80e%F4%90%80%80f%FFg",
          "abcdefg", "", "" },
        /* a truncated sequence at the end */
        { "utm_medium=ok%E2%82", "", "ok", "" },
        /* C1 controls: U+0080, U+0085, U+009B, U+009F, stripped */
        { "utm_source=a%C2%80b%C2%85c%C2%9B2Jd%C2%9Fe", "abc2Jde", "", "" },
        /* bidi embeddings, overrides, isolates and marks, stripped */
        { "utm_campaign=a%E2%80%AAb%E2%80%ABc%E2%80%ACd%E2%80%ADe%E2%80%AEf",
          "", "", "abcdef" },
        { "utm_campaign=a%E2%81%A6b%E2%81%A7c%E2%81%A8d%E2%81%A9e",
          "", "", "abcde" },
        { "utm_medium=a%E2%80%8Eb%E2%80%8Fc%D8%9Cd%E2%80%A8e%E2%80%A9f",
          "", "abcdef", "" },
        /* raw bytes too, not only escaped ones */
        { "utm_source=x\xe2\x80\xaey", "xy", "", "" },
        /* nothing visible left: no value; blanks inside a value stay */
        { "utm_source=%E2%80%8B&utm_medium=%C2%A0%C2%A0+",
          "", "", "" },
        { "utm_source=%E2%80%AE%C2%A0", "", "", "" },
        { "utm_source=a%C2%A0b", "a\xc2\xa0" "b", "", "" },
    };
    lead_utm  u;
    size_t    i;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        const char  *q = cases[i].query;

        lead_utm_parse(q, strlen(q), &u);
        check_utm_value(q, "source", u.source, u.source_len, cases[i].source);
        check_utm_value(q, "medium", u.medium, u.medium_len, cases[i].medium);
        check_utm_value(q, "campaign", u.campaign, u.campaign_len,
                        cases[i].campaign);
    }
}

static void
test_utm_parse_length(void **state)
{
    /* value: `fill` ASCII letters then `tail`; want_len bytes kept */
    static const struct {
        size_t       fill;
        const char  *tail;
        size_t       want_len;
    } cases[] = {
        { LEAD_UTM_MAX, "", LEAD_UTM_MAX },
        { LEAD_UTM_MAX + 50, "", LEAD_UTM_MAX },
        { LEAD_UTM_MAX - 2, "%C3%A9", LEAD_UTM_MAX },
        { LEAD_UTM_MAX - 1, "%C3%A9", LEAD_UTM_MAX - 1 },
        { LEAD_UTM_MAX - 3, "%E2%82%AC", LEAD_UTM_MAX },
        { LEAD_UTM_MAX - 2, "%E2%82%AC", LEAD_UTM_MAX - 2 },
        { LEAD_UTM_MAX - 1, "%E2%82%AC", LEAD_UTM_MAX - 1 },
        { LEAD_UTM_MAX - 3, "%F0%9F%98%80", LEAD_UTM_MAX - 3 },
        { LEAD_UTM_MAX - 4, "%F0%9F%98%80", LEAD_UTM_MAX },
    };
    char      query[32 + 2 * LEAD_UTM_MAX];
    lead_utm  u;
    size_t    i, n, k;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        n = (size_t) snprintf(query, sizeof(query), "utm_campaign=");
        memset(query + n, 'q', cases[i].fill);
        n += cases[i].fill;
        n += (size_t) snprintf(query + n, sizeof(query) - n, "%s",
                               cases[i].tail);

        lead_utm_parse(query, n, &u);
        if (u.campaign_len != cases[i].want_len) {
            fail_msg("case %zu: kept %zu bytes, want %zu", i,
                     u.campaign_len, cases[i].want_len);
        }
        /* whatever was kept is the prefix of the value, not a split one */
        for (k = 0; k < u.campaign_len && k < cases[i].fill; k++) {
            assert_int_equal(u.campaign[k], 'q');
        }
        if (u.campaign_len > cases[i].fill) {
            assert_int_equal((unsigned char) u.campaign[cases[i].fill]
                             & 0xc0, 0xc0);
        }
    }
}

/* ---- lead_ua_classify ------------------------------------------------- */

static void
test_ua_classify(void **state)
{
    static const struct {
        const char     *ua;
        lead_ua_class   want;
    } cases[] = {
        { "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
          LEAD_UA_BROWSER },
        { "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
          "Firefox/121.0", LEAD_UA_BROWSER },
        /* "bot" inside a phone model is not a crawler */
        { "Mozilla/5.0 (Linux; Android 11; CUBOT X50) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Chrome/96.0 Mobile Safari/537.36",
          LEAD_UA_BROWSER },
        { "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
          LEAD_UA_BOT },
        { "Mozilla/5.0 (compatible; Googlebot/2.1; "
          "+http://www.google.com/bot.html)", LEAD_UA_BOT },
        { "Mozilla/5.0 (compatible; bingbot/2.0; "
          "+http://www.bing.com/bingbot.htm)", LEAD_UA_BOT },
        { "curl/8.5.0", LEAD_UA_BOT },
        { "python-requests/2.31.0", LEAD_UA_BOT },
        { "Mozilla/5.0 (Windows NT 10.0; Win64; x64) ProofPoint "
          "URL Defense", LEAD_UA_BOT },
        { "Mozilla/5.0 Mimecast-LinkScanner/1.0", LEAD_UA_BOT },
        /* a word anywhere, in any case; "bot" last */
        { "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
          "like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", LEAD_UA_BOT },
        { "Go-http-client/1.1", LEAD_UA_BOT },
        { "Mozilla/5.0 (compatible) FACEBOOKEXTERNALHIT", LEAD_UA_BOT },
        { "SomeCrawlerBot", LEAD_UA_BOT },
        { "Mozilla/5.0 (compatible; robot)", LEAD_UA_BOT },
        { "Mozilla/5.0 bo", LEAD_UA_BROWSER },
        { "", LEAD_UA_UNKNOWN },
        { "SomeApp/1.0", LEAD_UA_UNKNOWN },
    };
    lead_ua_class   got;
    lead_ua_cache  *cache;
    size_t          i;
    int             round;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        got = lead_ua_classify(cases[i].ua, strlen(cases[i].ua));
        if (got != cases[i].want) {
            fail_msg("\"%s\": got %s, want %s", cases[i].ua,
                     lead_ua_class_name(got),
                     lead_ua_class_name(cases[i].want));
        }
    }

    /* the worker's cache gives the same answers, first time or again */
    cache = lead_ua_cache_new();
    assert_non_null(cache);
    for (round = 0; round < 2; round++) {
        for (i = 0; i < N_ELEMS(cases); i++) {
            assert_int_equal(lead_ua_classify_cached(cache, cases[i].ua,
                                                     strlen(cases[i].ua),
                                                     NULL),
                             cases[i].want);
        }
    }
    /* an agent that differs only in its last byte or its length */
    assert_int_equal(lead_ua_classify_cached(cache, "curl/8", 6, NULL),
                     LEAD_UA_BOT);
    assert_int_equal(lead_ua_classify_cached(cache, "curl/8", 4, NULL),
                     LEAD_UA_BOT);
    assert_int_equal(lead_ua_classify_cached(cache, "curx/8", 6, NULL),
                     LEAD_UA_UNKNOWN);
    assert_int_equal(lead_ua_classify_cached(NULL, "wget", 4, NULL), LEAD_UA_BOT);
    lead_ua_cache_free(cache);

    /* a bot's name: the word around what made it one */
    {
        static const struct { const char *ua, *name; } names[] = {
            { "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
              "like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
              "HeadlessChrome" },
            { "Mozilla/5.0 (compatible; Googlebot/2.1; "
              "+http://www.google.com/bot.html)", "Googlebot" },
            { "curl/8.5.0", "curl" },
            { "python-requests/2.31", "python-requests" },
            { "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) "
              "Gecko/20100101 Firefox/121.0", "" },
            { "x-spider-", "x-spider-" },
            { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaacrawler\x01",
              "crawler" },
            { "", "" },
        };
        lead_str  got_name;

        cache = lead_ua_cache_new();
        for (i = 0; i < N_ELEMS(names); i++) {
            got_name = lead_ua_bot_name(names[i].ua, strlen(names[i].ua));
            assert_int_equal(got_name.len, strlen(names[i].name));
            assert_memory_equal(got_name.data, names[i].name, got_name.len);
            /* the cache's, first time and again: the same span */
            for (round = 0; round < 2; round++) {
                got_name = (lead_str) { "x", 1 };
                (void) lead_ua_classify_cached(cache, names[i].ua,
                                               strlen(names[i].ua),
                                               &got_name);
                assert_int_equal(got_name.len, strlen(names[i].name));
                assert_memory_equal(got_name.data, names[i].name,
                                    got_name.len);
            }
        }
        lead_ua_cache_free(cache);
    }

    assert_string_equal(lead_ua_class_name(LEAD_UA_BROWSER), "browser");
    assert_string_equal(lead_ua_class_name(LEAD_UA_BOT), "bot");
    assert_string_equal(lead_ua_class_name(LEAD_UA_UNKNOWN), "unknown");
}

/* ---- lead_range_parse ------------------------------------------------- */

static void
test_range_parse(void **state)
{
    /* n: ranges wanted, or LEAD_EINVAL */
    static const struct {
        const char  *header;
        uint64_t     size;
        int          n;
        lead_range   want[LEAD_MAX_RANGES];
    } cases[] = {
        { "bytes=0-99", 1000, 1, { { 0, 99 } } },
        { "bytes=900-", 1000, 1, { { 900, 999 } } },
        { "bytes=-100", 1000, 1, { { 900, 999 } } },
        { "bytes=-5000", 1000, 1, { { 0, 999 } } },
        { "bytes=0-0,10-19", 1000, 2, { { 0, 0 }, { 10, 19 } } },
        { "bytes=990-2000", 1000, 1, { { 990, 999 } } },
        { "bytes= 0-1 , 5-6", 1000, 2, { { 0, 1 }, { 5, 6 } } },
        { "bytes=999-999", 1000, 1, { { 999, 999 } } },
        /* unsatisfiable parts are dropped, the rest kept */
        { "bytes=1000-,0-0", 1000, 1, { { 0, 0 } } },
        { "bytes=1000-", 1000, 0, { { 0, 0 } } },
        { "bytes=-0", 1000, 0, { { 0, 0 } } },
        { "bytes=0-", 0, 0, { { 0, 0 } } },
        { "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9", 1000, 8,
          { { 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 }, { 4, 4 }, { 5, 5 },
            { 6, 6 }, { 7, 7 } } },
        /* ranges past the eighth are still checked */
        { "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,x", 1000, LEAD_EINVAL,
          { { 0, 0 } } },
        { "bytes=5-1", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=a-b", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "items=0-1", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=0-1;2-3", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=0-1x", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=--1", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=99999999999999999999-", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=0-99999999999999999999", 1000, LEAD_EINVAL, { { 0, 0 } } },
        { "bytes=-99999999999999999999", 1000, LEAD_EINVAL, { { 0, 0 } } },
    };
    lead_range  got[LEAD_MAX_RANGES];
    size_t      i;
    int         n, k;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        const char  *h = cases[i].header;

        n = lead_range_parse(h, strlen(h), cases[i].size, got);
        if (n != cases[i].n) {
            fail_msg("\"%s\": got %d ranges, want %d", h, n, cases[i].n);
        }
        for (k = 0; k < n; k++) {
            if (got[k].start != cases[i].want[k].start
                || got[k].end != cases[i].want[k].end)
            {
                fail_msg("\"%s\": range %d is %llu-%llu", h, k,
                         (unsigned long long) got[k].start,
                         (unsigned long long) got[k].end);
            }
        }
    }
}

/* ---- lead_cache_private ----------------------------------------------- */

static void
test_cache_private(void **state)
{
    static const struct {
        const char  *in;        /* the location's values, comma-joined */
        const char  *want;
    } cases[] = {
        { "", "private" },
        /* expires 1h: the browser keeps its hour, no shared cache does */
        { "max-age=3600", "private, max-age=3600" },
        /* add_header Cache-Control "public, max-age=60" */
        { "public, max-age=60", "private, max-age=60" },
        { "PUBLIC,Max-Age=60", "private, Max-Age=60" },
        /* the module's own "private" and an upstream's, once */
        { "private", "private" },
        { "private, max-age=3600", "private, max-age=3600" },
        { "max-age=60, s-maxage=600, proxy-revalidate",
          "private, max-age=60, proxy-revalidate" },
        /* no-store keeps it from every cache: no "private" needed */
        { "no-store", "no-store" },
        { "  no-store ,, no-cache  ", "no-store, no-cache" },
        { "public, No-Store", "No-Store" },
        { "no-cache, no-storex", "private, no-cache, no-storex" },
        { "private=\"Set-Cookie, X\", max-age=5", "private, max-age=5" },
        { "no-cache=\"a,public\", public", "private, no-cache=\"a,public\"" },
        { "publicity, s-maxagex=1", "private, publicity, s-maxagex=1" },
        { "max-age=60, \"unterminated, public",
          "private, max-age=60, \"unterminated, public" },
        { ",,,,", "private" },
        { "a,b,c,d,e", "private, a, b, c, d, e" },
    };
    char    out[256];
    size_t  i, n, len;

    (void) state;

    for (i = 0; i < N_ELEMS(cases); i++) {
        len = strlen(cases[i].in);
        memset(out, '#', sizeof(out));
        n = lead_cache_private(cases[i].in, len, out);
        if (n != strlen(cases[i].want) || memcmp(out, cases[i].want, n) != 0)
        {
            fail_msg("\"%s\": got \"%.*s\", want \"%s\"", cases[i].in,
                     (int) n, out, cases[i].want);
        }
        assert_true(n <= 2 * len + 9);
        assert_int_equal(out[n], '#');
    }
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_path_normalize),
        cmocka_unit_test(test_path_normalize_length),
        cmocka_unit_test(test_referrer_host),
        cmocka_unit_test(test_referrer_host_length),
        cmocka_unit_test(test_utm_parse),
        cmocka_unit_test(test_cache_private),
        cmocka_unit_test(test_utm_parse_length),
        cmocka_unit_test(test_ua_classify),
        cmocka_unit_test(test_range_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
