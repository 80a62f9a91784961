/*
 * Small text helpers every layer uses on bytes from outside: UTF-8
 * sequences, which characters are controls or show nothing, URL decoding
 * and a case-blind search.
 */

#include <ctype.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"

int
lead_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

size_t
lead_utf8_char(const unsigned char *s, size_t len, uint32_t *out)
{
    size_t    need, i;
    uint32_t  cp;

    if (s[0] < 0x80) {
        *out = s[0];
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

    *out = cp;
    return need;
}

int
lead_utf8_plain(const char *s, size_t len)
{
    size_t  i, k;

    for (i = 0; i < len; i += k) {
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
            return 0;
        }
        k = lead_utf8_len((const unsigned char *) s + i, len - i);
        if (k == 0) {
            return 0;
        }
    }
    return 1;
}

size_t
lead_utf8_len(const unsigned char *s, size_t len)
{
    uint32_t  cp;

    return lead_utf8_char(s, len, &cp);
}

/*
 * C0 and C1 controls, DEL, the line and paragraph separators, and the
 * bidirectional controls (U+061C, U+200E-U+200F, U+202A-U+202E,
 * U+2066-U+2069): what makes a terminal, a CSV cell or a page show
 * text other than it is, or in another order.
 */
int
lead_char_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
           || cp == 0x061c || cp == 0x200e || cp == 0x200f
           || (cp >= 0x2028 && cp <= 0x202e)
           || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Characters that show nothing: spaces, no-break and zero-width ones,
 * joiners, fillers, the byte-order mark, variation selectors and tags.
 */
int
lead_char_blank(uint32_t cp)
{
    static const uint32_t  ranges[][2] = {
        { 0x0020, 0x0020 }, { 0x00a0, 0x00a0 }, { 0x00ad, 0x00ad },
        { 0x034f, 0x034f }, { 0x115f, 0x1160 }, { 0x17b4, 0x17b5 },
        { 0x180b, 0x180e }, { 0x2000, 0x200d }, { 0x205f, 0x2064 },
        { 0x206a, 0x206f }, { 0x2800, 0x2800 }, { 0x3000, 0x3000 },
        { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
        { 0xffa0, 0xffa0 }, { 0x1d159, 0x1d159 }, { 0x1d173, 0x1d17a },
        { 0xe0000, 0xe0fff }
    };

    size_t  i;

    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (cp >= ranges[i][0] && cp <= ranges[i][1]) {
            return 1;
        }
    }
    return 0;
}

size_t
lead_url_decode(char *s, size_t len)
{
    size_t  i, n = 0;
    int     hi, lo;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            s[n++] = ' ';
        } else if (s[i] == '%' && i + 2 < len
                   && (hi = lead_hex_digit((unsigned char) s[i + 1])) >= 0
                   && (lo = lead_hex_digit((unsigned char) s[i + 2])) >= 0)
        {
            s[n++] = (char) (hi << 4 | lo);
            i += 2;
        } else {
            s[n++] = s[i];
        }
    }

    return n;
}

int
lead_str_contains(lead_str s, const char *needle)
{
    size_t  n = strlen(needle), i, k;

    if (n == 0) {
        return 1;
    }
    /* a search reads every lead's name and e-mail: the first byte alone
       turns most places down, without a call */
    for (i = 0; n <= s.len && i <= s.len - n; i++) {
        if ((s.data[i] | 0x20) != (needle[0] | 0x20)) {
            continue;
        }
        for (k = 0; k < n; k++) {
            if (tolower((unsigned char) s.data[i + k])
                != (unsigned char) needle[k])
            {
                break;
            }
        }
        if (k == n) {
            return 1;
        }
    }
    return 0;
}

int
lead_str_cmp(lead_str a, lead_str b)
{
    int  d = memcmp(a.data, b.data, a.len < b.len ? a.len : b.len);

    return d ? d : (a.len > b.len) - (a.len < b.len);
}

uint64_t
lead_str_prefix(lead_str s)
{
    uint64_t  p = 0;
    size_t    i;

    for (i = 0; i < 8; i++) {
        p = p << 8 | (i < s.len ? (uint8_t) s.data[i] : 0);
    }
    return p;
}
