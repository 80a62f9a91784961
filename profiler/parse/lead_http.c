/*
 * Facts taken from a request: its normalised path, referrer host, campaign
 * parameters, user-agent class and byte ranges.  All of it is input from
 * outside, so every function here bounds what it reads and writes.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_parse.h"

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
                || (hi = lead_hex_digit((unsigned char) target[i + 1])) < 0
                || (lo = lead_hex_digit((unsigned char) target[i + 2])) < 0)
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

/*
 * Each byte a host name may have (letters, digits, "-._"), in lower case;
 * 0 for the others.
 */
static unsigned char  host_bytes[256];
static once_flag      host_bytes_once = ONCE_FLAG_INIT;

static void
find_host_bytes(void)
{
    int  c;

    for (c = 0; c < 256; c++) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_')
        {
            host_bytes[c] = (unsigned char) c;
        } else if (c >= 'A' && c <= 'Z') {
            host_bytes[c] = (unsigned char) lower(c);
        }
    }
}

/* One pass, as a referrer comes with most requests a browser makes. */
size_t
lead_referrer_host(const char *url, size_t len, char out[LEAD_HOST_MAX])
{
    int            valid = 1, port = 0;
    size_t         i, n = 0;
    unsigned char  c, h;

    if (len >= 8 && memcmp(url, "https://", 8) == 0) {
        i = 8;
    } else if (len >= 7 && memcmp(url, "http://", 7) == 0) {
        i = 7;
    } else {
        return 0;
    }

    call_once(&host_bytes_once, find_host_bytes);

    for ( /* void */ ; i < len; i++) {
        c = (unsigned char) url[i];
        h = host_bytes[c];

        if (h && !port) {
            if (n == LEAD_HOST_MAX) {
                valid = 0;
            } else {
                out[n++] = (char) h;
            }
            continue;
        }

        if (c == '/' || c == '?' || c == '#') {
            break;
        }

        if (c == '@') {
            /* what came before was userinfo ("user:pass@") */
            n = 0;
            valid = 1;
            port = 0;

        } else if (c == ':') {
            port = 1;

        } else if (!port) {
            /* a host cannot have it, but an '@' may follow yet */
            valid = 0;
        }
    }

    return valid ? n : 0;
}

static int
same_host(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t  i;

    if (alen == 0 || alen != blen) {
        return 0;
    }
    for (i = 0; i < alen; i++) {
        if (lower((unsigned char) a[i]) != lower((unsigned char) b[i])) {
            return 0;
        }
    }
    return 1;
}

/*
 * A referrer from the site itself (a link followed on it) is no source:
 * own is a Host header (its port aside) or a server name, where
 * "*.example.com" is any subdomain and ".example.com" the domain too.
 */
int
lead_referrer_own(const char *host, size_t len, const char *own,
    size_t own_len)
{
    /* Host: name[:port]; an IPv6 literal is never a referrer's host */
    if (own_len && own[0] != '[') {
        const char  *colon = memchr(own, ':', own_len);

        own_len = colon ? (size_t) (colon - own) : own_len;
    }
    if (own_len && own[own_len - 1] == '.') {
        own_len--;
    }
    if (len && host[len - 1] == '.') {
        len--;
    }

    if (same_host(host, len, own, own_len)) {
        return 1;
    }

    /* "*.example.com" is ".example.com" but for example.com itself */
    if (own_len > 2 && own[0] == '*' && own[1] == '.') {
        own++;
        own_len--;

    } else if (own_len > 1 && own[0] == '.') {
        if (same_host(host, len, own + 1, own_len - 1)) {
            return 1;
        }

    } else {
        return 0;
    }

    return len > own_len
           && same_host(host + len - own_len, own_len, own, own_len);
}

/*
 * Decodes one query value into out, keeping only valid UTF-8 without
 * controls (C0, C1, bidi); a value with no visible character is empty.
 */
static size_t
query_value_decode(const char *v, size_t len, char *out, size_t size)
{
    unsigned char  raw[LEAD_UTM_MAX * 3];
    size_t         i, n = 0, o = 0, k;
    int            hi, lo, visible = 0;
    uint32_t       cp;

    for (i = 0; i < len && n < sizeof(raw); i++) {
        unsigned char  c = (unsigned char) v[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < len
                   && (hi = lead_hex_digit((unsigned char) v[i + 1])) >= 0
                   && (lo = lead_hex_digit((unsigned char) v[i + 2])) >= 0)
        {
            c = (unsigned char) (hi << 4 | lo);
            i += 2;
        }
        raw[n++] = c;
    }

    for (i = 0; i < n; i += k) {
        k = lead_utf8_char(raw + i, n - i, &cp);
        if (k == 0 || lead_char_control(cp)) {
            k = k ? k : 1;
            continue;
        }
        if (o + k > size) {
            break;
        }
        memcpy(out + o, raw + i, k);
        o += k;
        visible |= !lead_char_blank(cp);
    }

    return visible ? o : 0;
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

/* A Cache-Control directive's name is word, in any case. */
static int
directive_is(const char *d, size_t len, const char *word)
{
    size_t  i;

    for (i = 0; i < len && word[i] != '\0'; i++) {
        if (lower((unsigned char) d[i]) != word[i]) {
            return 0;
        }
    }
    return i == len && word[i] == '\0';
}

/*
 * A response that sets a visitor's cookie must reach that visitor only:
 * whatever the location's expires, add_header or upstream said, one
 * Cache-Control that keeps what the browser may do with it (max-age,
 * no-store, ...) and that no shared cache may store ("private").  public,
 * private and s-maxage, which speak to shared caches, are dropped.
 */
size_t
lead_cache_private(const char *in, size_t len, char *out)
{
    size_t       i, start, end, name, o;
    int          quoted = 0;
    const char  *d;

    /* no-store already keeps it out of every cache: left as it is */
    o = 0;
    for (i = 0, start = 0; i <= len; i++) {
        if (i == len || in[i] == ',') {
            while (start < i && (in[start] == ' ' || in[start] == '\t')) {
                start++;
            }
            for (end = i; end > start && (in[end - 1] == ' '
                                          || in[end - 1] == '\t'); end--)
            {
                /* void */
            }
            if (directive_is(in + start, end - start, "no-store")) {
                o = 1;
            }
            start = i + 1;
        }
    }

    memcpy(out, "private", 7);
    o = o ? 0 : 7;

    for (i = 0, start = 0; i <= len; i++) {
        if (i < len && (in[i] != ',' || quoted)) {
            if (in[i] == '"') {
                quoted = !quoted;
            } else if (in[i] == '\\' && quoted && i + 1 < len) {
                i++;
            }
            continue;
        }

        /* in[start..i) is one directive; trimmed, then named */
        while (start < i && (in[start] == ' ' || in[start] == '\t')) {
            start++;
        }
        for (end = i; end > start && (in[end - 1] == ' '
                                      || in[end - 1] == '\t'); end--)
        {
            /* void */
        }
        for (name = start; name < end && in[name] != '='
                           && in[name] != ' '; name++)
        {
            /* void */
        }

        d = in + start;
        if (end > start && !directive_is(d, name - start, "public")
            && !directive_is(d, name - start, "private")
            && !directive_is(d, name - start, "s-maxage"))
        {
            if (o) {
                memcpy(out + o, ", ", 2);
                o += 2;
            }
            memcpy(out + o, d, end - start);
            o += end - start;
        }

        start = i + 1;
    }

    return o;
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

/*
 * Crawlers, monitors, HTTP libraries and the link scanners of mail
 * security gateways, which open every link in a mail before a person
 * does: none of them is somebody reading.  In lower case.
 */
static const char *const  bot_words[] = {
    "crawl", "spider", "slurp", "scan", "fetch", "preview",
    "monitor", "headless", "lighthouse", "curl", "wget", "python",
    "java/", "go-http", "okhttp", "libwww", "httpclient", "axios",
    "node-fetch", "phantomjs", "wrk", "proofpoint", "mimecast",
    "barracuda", "safelinks", "urldefense", "facebookexternalhit",
    "embedly", NULL
};

#define NOT_A_LETTER  26

/* 0 to 25 for a letter of either case */
static unsigned
letter_of(unsigned char c)
{
    c |= 0x20;
    return c >= 'a' && c <= 'z' ? (unsigned) (c - 'a') : NOT_A_LETTER;
}

/*
 * For each letter, a bit for each letter that follows it at the start of
 * a word ("crawl" sets 'r' of 'c'), "bot" among them.  A user agent is
 * read once, a pair of bytes at a time, and only where a pair starts a
 * word are words compared: a browser's has a few such places in a
 * hundred bytes.
 */
static uint32_t   word_starts[NOT_A_LETTER + 1];
/* each word's first two letters, as pair_of() gives them */
static unsigned   word_pairs[sizeof(bot_words) / sizeof(bot_words[0])];
static once_flag  word_starts_once = ONCE_FLAG_INIT;

static unsigned
pair_of(unsigned first, unsigned second)
{
    return first << 5 | second;
}

static void
find_word_starts(void)
{
    size_t    i;
    unsigned  first, second;

    for (i = 0; bot_words[i] != NULL; i++) {
        first = letter_of((unsigned char) bot_words[i][0]);
        second = letter_of((unsigned char) bot_words[i][1]);
        word_starts[first] |= 1u << second;
        word_pairs[i] = pair_of(first, second);
    }
    word_starts[letter_of('b')] |= 1u << letter_of('o');
}

static int
starts_with_ci(const char *s, size_t len, const char *word)
{
    size_t  i;

    for (i = 0; word[i] != '\0'; i++) {
        if (i == len || lower((unsigned char) s[i]) != word[i]) {
            return 0;
        }
    }

    return 1;
}

/* Whether a bot's word starts s, of len bytes, whose first two are pair. */
static int
bot_word_at(const char *s, size_t len, unsigned pair)
{
    size_t  i;

    for (i = 0; bot_words[i] != NULL; i++) {
        if (word_pairs[i] == pair && starts_with_ci(s, len, bot_words[i])) {
            return 1;
        }
    }

    /*
     * "bot" names a crawler when a version or separator follows it
     * (Googlebot/2.1, Slackbot-LinkExpanding), not inside a phone model
     * ("CUBOT X50").
     */
    return starts_with_ci(s, len, "bot")
           && (len == 3 || (s[3] != '\0' && strchr("/;)-_", s[3]) != NULL));
}

/* The class, and where in ua the word that made it a bot starts. */
static lead_ua_class
classify(const char *ua, size_t len, size_t *at)
{
    unsigned             cur, next;
    const unsigned char  *p, *end;

    if (len == 0) {
        return LEAD_UA_UNKNOWN;
    }

    call_once(&word_starts_once, find_word_starts);

    p = (const unsigned char *) ua;
    end = p + len;
    next = word_starts[letter_of(*p)];

    for (p++; p < end; p++) {
        cur = letter_of(*p);
        if ((next >> cur & 1)
            && bot_word_at((const char *) p - 1, (size_t) (end - p) + 1,
                           pair_of(letter_of(p[-1]), cur)))
        {
            *at = (size_t) ((const char *) p - 1 - ua);
            return LEAD_UA_BOT;
        }
        next = word_starts[cur];
    }

    if (len > 8 && memcmp(ua, "Mozilla/", 8) == 0) {
        return LEAD_UA_BROWSER;
    }

    return LEAD_UA_UNKNOWN;
}

lead_ua_class
lead_ua_classify(const char *ua, size_t len)
{
    size_t  at;

    return classify(ua, len, &at);
}

/* A byte of a product's name: printable, no separator nor version. */
static int
name_byte(unsigned char c)
{
    return c > 0x20 && c < 0x7f && strchr(" /;(),[]{}<>\"=+", c) == NULL;
}

lead_str
lead_ua_bot_name(const char *ua, size_t len)
{
    lead_str  name = { "", 0 };
    size_t    at = 0, start, end;

    if (classify(ua, len, &at) != LEAD_UA_BOT) {
        return name;
    }

    /* the word around the match: "Googlebot" of "Googlebot/2.1" */
    for (start = at; start > 0 && name_byte((unsigned char) ua[start - 1]);
         start--)
    {
        /* void */
    }
    for (end = at; end < len && name_byte((unsigned char) ua[end]); end++) {
        /* void */
    }
    if (end - start > LEAD_AGENT_MAX) {
        start = at;
        end = start + LEAD_AGENT_MAX < end ? start + LEAD_AGENT_MAX : end;
    }
    name.data = ua + start;
    name.len = end - start;
    return name;
}

/* ---- user agents classified already --------------------------------- */

#define UA_CACHE_BITS  10

typedef struct {
    uint64_t  hash;
    size_t    len;        /* 0: an empty slot, as an empty agent is never */
    int       ua_class;
    uint32_t  bot_at;     /* a bot's name: where in the agent, how long */
    uint32_t  bot_len;
} ua_slot;

struct lead_ua_cache {
    ua_slot  slots[1 << UA_CACHE_BITS];
};

lead_ua_cache *
lead_ua_cache_new(void)
{
    return calloc(1, sizeof(lead_ua_cache));
}

void
lead_ua_cache_free(lead_ua_cache *c)
{
    free(c);
}

/* FNV-1a a word at a time, then mixed: the slot takes the high bits */
static uint64_t
ua_hash(const char *ua, size_t len)
{
    uint64_t  h = 0xcbf29ce484222325ULL, w;
    size_t    i;

    for (i = 0; i + sizeof(w) <= len; i += sizeof(w)) {
        memcpy(&w, ua + i, sizeof(w));
        h = (h ^ w) * 0x100000001b3ULL;
    }

    w = 0;
    memcpy(&w, ua + i, len - i);
    h = (h ^ w) * 0x100000001b3ULL;

    return h * 0x9e3779b97f4a7c15ULL;
}

lead_ua_class
lead_ua_classify_cached(lead_ua_cache *c, const char *ua, size_t len,
    lead_str *bot)
{
    uint64_t  h;
    ua_slot  *slot;
    int       ua_class;
    lead_str  name = { "", 0 };

    if (c == NULL || len == 0 || len > UINT32_MAX) {
        ua_class = lead_ua_classify(ua, len);
        if (ua_class == LEAD_UA_BOT) {
            name = lead_ua_bot_name(ua, len);
        }

    } else {
        h = ua_hash(ua, len);
        slot = &c->slots[h >> (64 - UA_CACHE_BITS)];

        if (slot->len != len || slot->hash != h) {
            slot->ua_class = lead_ua_classify(ua, len);
            slot->hash = h;
            slot->len = len;
            slot->bot_at = slot->bot_len = 0;
            if (slot->ua_class == LEAD_UA_BOT) {
                /* kept as a span of the agent: a crawler sends the same
                   one every request (1,660 instructions read again) */
                name = lead_ua_bot_name(ua, len);
                if (name.len) {
                    slot->bot_at = (uint32_t) (name.data - ua);
                    slot->bot_len = (uint32_t) name.len;
                }
            }
        }
        ua_class = slot->ua_class;
        if (slot->bot_len) {
            /* within this agent, of the cached one's length */
            name.data = ua + slot->bot_at;
            name.len = slot->bot_len;
        }
    }

    if (bot != NULL) {
        *bot = name;
    }
    return (lead_ua_class) ua_class;
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
