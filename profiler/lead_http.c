/*
 * Facts taken from a request: its normalised path, referrer host, campaign
 * parameters, user-agent class and byte ranges.  All of it is input from
 * outside, so every function here bounds what it reads and writes.
 */

#include <stddef.h>
#include <string.h>

#include "lead.h"
#include "lead_internal.h"

static int
hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static int
lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * The length of target's path when it is normal already (no escape, no
 * empty, "." or ".." segment), else 0: most requests' are, and proving it
 * takes one look at each byte where normalising takes two passes.
 */
static size_t
normal_path_len(const char *target, size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) target[i];

        /* none of "#%/?" is past '?': a letter costs one test */
        if (c > '?') {
            continue;
        }
        if (c == '?' || c == '#') {
            return i;
        }
        if (c == '%'
            || (c == '/' && i + 1 < len
                && (target[i + 1] == '/' || target[i + 1] == '.')))
        {
            return 0;
        }
    }

    return len;
}

/*
 * Decoding first and resolving segments after matches nginx, whose parser
 * treats a decoded '/' or '.' as the character itself.
 */
int
lead_path_normalize(const char *target, size_t len, char out[LEAD_PATH_MAX])
{
    char    dec[LEAD_PATH_MAX];
    size_t  i, n = 0, o = 0, seg;
    int     hi, lo;
    char    c;

    if (len == 0 || target[0] != '/') {
        return LEAD_EINVAL;
    }

    n = normal_path_len(target, len);
    if (n > LEAD_PATH_MAX) {
        return LEAD_EINVAL;
    }
    if (n > 0) {
        memcpy(out, target, n);
        return (int) n;
    }

    for (i = 0; i < len && target[i] != '?' && target[i] != '#'; i++) {
        c = target[i];

        if (c == '%') {
            if (i + 2 >= len
                || (hi = hex_digit((unsigned char) target[i + 1])) < 0
                || (lo = hex_digit((unsigned char) target[i + 2])) < 0)
            {
                return LEAD_EINVAL;
            }
            c = (char) (hi << 4 | lo);
            if (c == '\0') {
                return LEAD_EINVAL;
            }
            i += 2;
        }

        if (n == LEAD_PATH_MAX) {
            return LEAD_EINVAL;
        }
        dec[n++] = c;
    }

    /* dec starts with '/'; resolve it one segment at a time */
    for (i = 0; i < n; i = seg) {
        i++;                                /* past the '/' */
        seg = i;
        while (seg < n && dec[seg] != '/') {
            seg++;
        }

        if (seg == i || (seg - i == 1 && dec[i] == '.')) {
            /* "//" or "/./": nothing to add, but keep a final '/' */
            if (seg == n) {
                out[o++] = '/';
            }
            continue;
        }

        if (seg - i == 2 && dec[i] == '.' && dec[i + 1] == '.') {
            if (o == 0) {
                return LEAD_EINVAL;        /* above the root */
            }
            while (out[o - 1] != '/') {
                o--;
            }
            o--;
            if (seg == n) {
                out[o++] = '/';
            }
            continue;
        }

        out[o++] = '/';
        memcpy(out + o, dec + i, seg - i);
        o += seg - i;
    }

    if (o == 0) {
        out[o++] = '/';
    }

    return (int) o;
}

size_t
lead_referrer_host(const char *url, size_t len, char out[LEAD_HOST_MAX])
{
    size_t  i, start, end, n;

    if (len >= 7 && strncmp(url, "http://", 7) == 0) {
        start = 7;
    } else if (len >= 8 && strncmp(url, "https://", 8) == 0) {
        start = 8;
    } else {
        return 0;
    }

    for (end = start; end < len; end++) {
        if (url[end] == '/' || url[end] == '?' || url[end] == '#') {
            break;
        }
    }

    /* skip userinfo ("user:pass@"), stop before a port */
    for (i = start; i < end; i++) {
        if (url[i] == '@') {
            start = i + 1;
        }
    }

    for (i = start; i < end && url[i] != ':'; i++) {
        char  c = url[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
        {
            return 0;
        }
    }

    n = i - start;
    if (n > LEAD_HOST_MAX) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        out[i] = (char) lower((unsigned char) url[start + i]);
    }

    return n;
}

size_t
lead_utf8_len(const unsigned char *s, size_t len)
{
    size_t    need, i;
    uint32_t  cp;

    if (s[0] < 0x80) {
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        need = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        need = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        need = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }

    if (len < need) {
        return 0;
    }

    for (i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }

    if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800)
        || (need == 4 && (cp < 0x10000 || cp > 0x10ffff))
        || (cp >= 0xd800 && cp <= 0xdfff))
    {
        return 0;
    }

    return need;
}

/* Decodes one query value into out, keeping only printable valid UTF-8. */
static size_t
query_value_decode(const char *v, size_t len, char *out, size_t size)
{
    unsigned char  raw[LEAD_UTM_MAX * 3];
    size_t         i, n = 0, o = 0, k;
    int            hi, lo;

    for (i = 0; i < len && n < sizeof(raw); i++) {
        unsigned char  c = (unsigned char) v[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < len
                   && (hi = hex_digit((unsigned char) v[i + 1])) >= 0
                   && (lo = hex_digit((unsigned char) v[i + 2])) >= 0)
        {
            c = (unsigned char) (hi << 4 | lo);
            i += 2;
        }
        raw[n++] = c;
    }

    for (i = 0; i < n; i += k) {
        if (raw[i] < 0x20 || raw[i] == 0x7f) {
            k = 1;
            continue;
        }
        k = lead_utf8_len(raw + i, n - i);
        if (k == 0) {
            k = 1;
            continue;
        }
        if (o + k > size) {
            break;
        }
        memcpy(out + o, raw + i, k);
        o += k;
    }

    return o;
}

void
lead_utm_parse(const char *query, size_t len, lead_utm *utm)
{
    static const struct {
        const char  *key;
        size_t       key_len;
        size_t       value;       /* offsetof the buffer in lead_utm */
        size_t       value_len;
    } keys[] = {
        { "utm_source", 10, offsetof(lead_utm, source),
          offsetof(lead_utm, source_len) },
        { "utm_medium", 10, offsetof(lead_utm, medium),
          offsetof(lead_utm, medium_len) },
        { "utm_campaign", 12, offsetof(lead_utm, campaign),
          offsetof(lead_utm, campaign_len) }
    };

    size_t    i = 0, end, eq, k;
    unsigned  seen = 0;

    memset(utm, 0, sizeof(*utm));

    while (i < len) {
        end = i;
        while (end < len && query[end] != '&' && query[end] != ';') {
            end++;
        }

        eq = i;
        while (eq < end && query[eq] != '=') {
            eq++;
        }

        for (k = 0; eq < end && k < 3; k++) {
            /* the first occurrence of a key wins, even empty, as $arg_ */
            if (eq - i == keys[k].key_len
                && memcmp(query + i, keys[k].key, keys[k].key_len) == 0
                && !(seen & 1u << k))
            {
                seen |= 1u << k;
                *(size_t *) ((char *) utm + keys[k].value_len) =
                    query_value_decode(query + eq + 1, end - eq - 1,
                                       (char *) utm + keys[k].value,
                                       LEAD_UTM_MAX);
            }
        }

        i = end + 1;
    }
}

static int
contains_ci(const char *s, size_t len, const char *word)
{
    size_t  wlen = strlen(word), i, j;

    for (i = 0; i + wlen <= len; i++) {
        for (j = 0; j < wlen; j++) {
            if (lower((unsigned char) s[i + j]) != word[j]) {
                break;
            }
        }
        if (j == wlen) {
            return 1;
        }
    }

    return 0;
}

const char *
lead_ua_class_name(int ua_class)
{
    switch (ua_class) {
    case LEAD_UA_BROWSER:
        return "browser";
    case LEAD_UA_BOT:
        return "bot";
    default:
        return "unknown";
    }
}

lead_ua_class
lead_ua_classify(const char *ua, size_t len)
{
    /*
     * Crawlers, monitors, HTTP libraries and the link scanners of mail
     * security gateways, which open every link in a mail before a person
     * does: none of them is somebody reading.
     */
    static const char  *bots[] = {
        "crawl", "spider", "slurp", "scan", "fetch", "preview",
        "monitor", "headless", "lighthouse", "curl", "wget", "python",
        "java/", "go-http", "okhttp", "libwww", "httpclient", "axios",
        "node-fetch", "phantomjs", "wrk", "proofpoint", "mimecast",
        "barracuda", "safelinks", "urldefense", "facebookexternalhit",
        "embedly", NULL
    };
    size_t  i;

    if (len == 0) {
        return LEAD_UA_UNKNOWN;
    }

    for (i = 0; bots[i] != NULL; i++) {
        if (contains_ci(ua, len, bots[i])) {
            return LEAD_UA_BOT;
        }
    }

    /*
     * "bot" names a crawler when a version or separator follows it
     * (Googlebot/2.1, Slackbot-LinkExpanding), not inside a phone model
     * ("CUBOT X50").
     */
    for (i = 0; i + 3 <= len; i++) {
        if (lower((unsigned char) ua[i]) == 'b'
            && lower((unsigned char) ua[i + 1]) == 'o'
            && lower((unsigned char) ua[i + 2]) == 't'
            && (i + 3 == len
                || (ua[i + 3] != '\0' && strchr("/;)-_", ua[i + 3]) != NULL)))
        {
            return LEAD_UA_BOT;
        }
    }

    if (len > 8 && memcmp(ua, "Mozilla/", 8) == 0) {
        return LEAD_UA_BROWSER;
    }

    return LEAD_UA_UNKNOWN;
}

static int
parse_u64(const char *s, size_t len, size_t *i, uint64_t *v)
{
    size_t  start = *i;

    *v = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        if (*v > (UINT64_MAX - 9) / 10) {
            return LEAD_EINVAL;
        }
        *v = *v * 10 + (uint64_t) (s[*i] - '0');
        (*i)++;
    }

    return *i > start ? LEAD_OK : LEAD_EINVAL;
}

static void
skip_spaces(const char *s, size_t len, size_t *i)
{
    while (*i < len && (s[*i] == ' ' || s[*i] == '\t')) {
        (*i)++;
    }
}

int
lead_range_parse(const char *h, size_t len, uint64_t size,
    lead_range ranges[LEAD_MAX_RANGES])
{
    size_t    i = 6;
    int       n = 0;
    uint64_t  a, b;

    if (len < 6 || memcmp(h, "bytes=", 6) != 0) {
        return LEAD_EINVAL;
    }

    for ( ;; ) {
        int  suffix = 0, open_end = 0;

        skip_spaces(h, len, &i);

        if (i < len && h[i] == '-') {
            suffix = 1;
            i++;
            if (parse_u64(h, len, &i, &b) != LEAD_OK) {
                return LEAD_EINVAL;
            }
            a = 0;

        } else {
            if (parse_u64(h, len, &i, &a) != LEAD_OK) {
                return LEAD_EINVAL;
            }
            skip_spaces(h, len, &i);
            if (i >= len || h[i] != '-') {
                return LEAD_EINVAL;
            }
            i++;
            skip_spaces(h, len, &i);
            if (i < len && h[i] >= '0' && h[i] <= '9') {
                if (parse_u64(h, len, &i, &b) != LEAD_OK || b < a) {
                    return LEAD_EINVAL;
                }
            } else {
                open_end = 1;
                b = 0;
            }
        }

        if (suffix) {
            if (b > 0 && size > 0) {
                a = b >= size ? 0 : size - b;
                b = size - 1;
                goto add;
            }

        } else if (a < size) {
            if (open_end || b >= size) {
                b = size - 1;
            }
            goto add;
        }

        goto next;

    add:
        if (n < LEAD_MAX_RANGES) {
            ranges[n].start = a;
            ranges[n].end = b;
            n++;
        }

    next:
        skip_spaces(h, len, &i);
        if (i == len) {
            return n;
        }
        if (h[i] != ',') {
            return LEAD_EINVAL;
        }
        i++;
    }
}
