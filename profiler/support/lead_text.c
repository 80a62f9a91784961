/*
 * Small text helpers every layer uses on bytes from outside: UTF-8
 * sequences, URL decoding and a case-blind search.
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

    for (i = 0; n <= s.len && i <= s.len - n; i++) {
        for (k = 0; k < n; k++) {
            if (tolower((unsigned char) s.data[i + k]) != needle[k]) {
                break;
            }
        }
        if (k == n) {
            return 1;
        }
    }
    return n == 0;
}
