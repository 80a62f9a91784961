/*
 * Titles read from content files for rules scan: an HTML file's <title>,
 * a PDF's Info /Title, made clean UTF-8 people can read; the bytes are
 * outside input, so every read is bounded and nothing is trusted.
 */

#define _GNU_SOURCE            /* strncasecmp(), memmem() */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lead.h"
#include "lead_scan.h"
#include "lead_parse.h"

/* ---- titles ------------------------------------------------------------ */

/* Appends one code point as UTF-8; 0 when it does not fit. */
static size_t
put_utf8(char *out, size_t n, size_t size, unsigned long cp)
{
    unsigned char  b[4];
    size_t         k;

    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
        cp = ' ';
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        cp = '?';
    }
    if (cp < 0x80) {
        b[0] = (unsigned char) cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char) (0xc0 | cp >> 6);
        b[1] = (unsigned char) (0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char) (0xe0 | cp >> 12);
        b[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char) (0x80 | (cp & 0x3f));
        k = 3;
    } else {
        b[0] = (unsigned char) (0xf0 | cp >> 18);
        b[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char) (0x80 | (cp & 0x3f));
        k = 4;
    }
    if (n + k >= size) {
        return 0;
    }
    memcpy(out + n, b, k);
    return k;
}

/* 1 when s is the start of a UTF-8 character cut short by the end. */
static int
cut_char(const char *s, size_t len)
{
    unsigned char  c = (unsigned char) s[0];
    size_t         need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2, j;

    if (c < 0xc2 || c > 0xf4 || len >= need) {
        return 0;
    }
    for (j = 1; j < len; j++) {
        if (((unsigned char) s[j] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return 1;
}

size_t
lead_title_clean(char *out, size_t n, size_t size)
{
    size_t  i, m = 0, k, max;

    max = size - 1 < LEAD_TITLE_MAX ? size - 1 : LEAD_TITLE_MAX;
    for (i = 0; i < n; i += k) {
        k = lead_utf8_len((const unsigned char *) out + i, n - i);
        if (k == 0 && cut_char(out + i, n - i)) {
            break;
        }
        if (k == 0) {
            k = 1;
            out[i] = '?';
        }
        if ((unsigned char) out[i] < 0x20 || out[i] == 0x7f) {
            out[i] = ' ';
        }
        if (out[i] == ' ' && (m == 0 || out[m - 1] == ' ')) {
            continue;
        }
        if (m + k > max) {
            break;
        }
        memmove(out + m, out + i, k);
        m += k;
    }
    while (m > 0 && out[m - 1] == ' ') {
        m--;
    }
    out[m] = '\0';
    if (m == 0 || strstr(out, "{{") != NULL) {
        out[0] = '\0';
        return 0;
    }
    return m;
}

static const char *
find_nocase(const char *p, const char *end, const char *s)
{
    size_t  len = strlen(s);

    for ( ; (size_t) (end - p) >= len; p++) {
        if (strncasecmp(p, s, len) == 0) {
            return p;
        }
    }
    return NULL;
}

/* &amp; &#8212; &#x2014; and the few names titles use; others as typed. */
static size_t
entity(const char *p, const char *end, unsigned long *cp)
{
    static const struct { const char *name; unsigned long cp; } names[] = {
        { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
        { "apos;", '\'' }, { "nbsp;", ' ' }, { "mdash;", 0x2014 },
        { "ndash;", 0x2013 }, { "rsquo;", 0x2019 }, { "lsquo;", 0x2018 },
        { "middot;", 0xb7 }, { "hellip;", 0x2026 }
    };
    const char  *q = p + 1;
    size_t       i, len;
    int          hex;

    if (q < end && *q == '#') {
        q++;
        hex = q < end && (*q == 'x' || *q == 'X');
        q += hex;
        *cp = 0;
        for (i = 0; q < end && i < 8; q++, i++) {
            int  d = (*q >= '0' && *q <= '9') ? *q - '0'
                     : hex && (*q | 0x20) >= 'a' && (*q | 0x20) <= 'f'
                       ? (*q | 0x20) - 'a' + 10 : -1;

            if (d < 0) {
                break;
            }
            *cp = *cp * (hex ? 16 : 10) + (unsigned long) d;
        }
        if (i == 0 || q == end || *q != ';') {
            return 0;
        }
        return (size_t) (q + 1 - p);
    }

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        len = strlen(names[i].name);
        if ((size_t) (end - q) >= len && memcmp(q, names[i].name, len) == 0) {
            *cp = names[i].cp;
            return len + 1;
        }
    }
    return 0;
}

/* The text of the first <title> element: p up to close; 0 if none. */
static int
title_element(const char *data, size_t len, const char **text,
    const char **close)
{
    const char  *end = data + len, *p;

    for (p = data; (p = find_nocase(p, end, "<title")) != NULL; p++) {
        if (p + 6 < end && (p[6] == '>' || p[6] == ' ' || p[6] == '\t'
                            || p[6] == '\n' || p[6] == '\r'))
        {
            break;
        }
    }
    if (p == NULL || (p = memchr(p, '>', (size_t) (end - p))) == NULL) {
        return 0;
    }
    p++;
    *close = find_nocase(p, end, "</title");
    *text = p;
    return *close != NULL;
}

int
lead_html_is_template(const char *data, size_t len)
{
    const char  *p, *close;

    if (!title_element(data, len, &p, &close)) {
        p = data;                       /* a part of a page: all of it */
        close = data + len;
    }
    return memmem(p, (size_t) (close - p), "{{", 2) != NULL;
}

size_t
lead_html_title(const char *data, size_t len, char *out, size_t size)
{
    const char     *p, *close;
    size_t          n = 0, k;
    unsigned long   cp;

    if (size == 0) {
        return 0;
    }
    out[0] = '\0';

    if (!title_element(data, len, &p, &close)) {
        return 0;
    }

    while (p < close) {
        if (*p == '&' && (k = entity(p, close, &cp)) > 0) {
            p += k;
        } else if ((unsigned char) *p < 0x20 || *p == 0x7f) {
            p++;
            cp = ' ';
        } else {
            if (n + 1 >= size) {
                break;
            }
            out[n++] = *p++;
            continue;
        }
        k = put_utf8(out, n, size, cp);
        if (k == 0) {
            break;
        }
        n += k;
    }

    return lead_title_clean(out, n, size);
}

/* ---- a PDF's Info dictionary ------------------------------------------ */

static const char *
find_bytes(const char *p, const char *end, const char *s, size_t len)
{
    for ( ; (size_t) (end - p) >= len; p++) {
        if (memcmp(p, s, len) == 0) {
            return p;
        }
    }
    return NULL;
}

static const char *
last_bytes(const char *data, const char *end, const char *s, size_t len)
{
    const char  *p;

    if ((size_t) (end - data) < len) {
        return NULL;
    }
    for (p = end - len; ; p--) {
        if (memcmp(p, s, len) == 0) {
            return p;
        }
        if (p == data) {
            return NULL;
        }
    }
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
           || c == '\0';
}

static const char *
skip_space(const char *p, const char *end)
{
    while (p < end && is_space(*p)) {
        p++;
    }
    return p;
}

static const char *
number(const char *p, const char *end, unsigned long *v)
{
    const char  *start = p;

    for (*v = 0; p < end && *p >= '0' && *p <= '9' && p - start < 10; p++) {
        *v = *v * 10 + (unsigned long) (*p - '0');
    }
    return p > start ? p : NULL;
}

/* A PDF string, literal "(..)" or hex "<..>", its bytes into buf. */
static size_t
pdf_string(const char *p, const char *end, char *buf, size_t size)
{
    size_t    n = 0;
    unsigned  depth = 1, v, i;
    int       hi = -1, d;

    if (p < end && *p == '<') {
        for (p++; p < end && *p != '>' && n < size; p++) {
            d = (*p >= '0' && *p <= '9') ? *p - '0'
                : ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
                  ? (*p | 0x20) - 'a' + 10 : -1;
            if (d < 0) {
                continue;
            }
            if (hi < 0) {
                hi = d;
            } else {
                buf[n++] = (char) (hi << 4 | d);
                hi = -1;
            }
        }
        if (hi >= 0 && n < size) {
            buf[n++] = (char) (hi << 4);
        }
        return n;
    }

    if (p == end || *p != '(') {
        return 0;
    }
    for (p++; p < end && n < size; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
            switch (*p) {
            case 'n': buf[n++] = '\n'; break;
            case 'r': buf[n++] = '\r'; break;
            case 't': buf[n++] = '\t'; break;
            case 'b': buf[n++] = '\b'; break;
            case 'f': buf[n++] = '\f'; break;
            case '\r': case '\n': break;
            default:
                if (*p >= '0' && *p <= '7') {
                    for (v = 0, i = 0; i < 3 && p < end && *p >= '0'
                                       && *p <= '7'; i++, p++)
                    {
                        v = v * 8 + (unsigned) (*p - '0');
                    }
                    p--;
                    buf[n++] = (char) (v & 0xff);
                } else {
                    buf[n++] = *p;
                }
            }
            continue;
        }
        if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            break;
        }
        buf[n++] = *p;
    }
    return n;
}

/* PDFDocEncoding's 0x80-0x9f, where it is not Latin-1 (PDF 32000 D.2). */
static const unsigned short  pdfdoc_80[32] = {
    0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044,
    0x2039, 0x203a, 0x2212, 0x2030, 0x201e, 0x201c, 0x201d, 0x2018,
    0x2019, 0x201a, 0x2122, 0xfb01, 0xfb02, 0x0141, 0x0152, 0x0160,
    0x0178, 0x017d, 0x0131, 0x0142, 0x0153, 0x0161, 0x017e, 0x003f
};

/* A PDF text string (UTF-16BE or UTF-8 with their marks, else
   PDFDocEncoding) as UTF-8 in out; lead_title_clean mends what is not. */
static size_t
pdf_text(const unsigned char *s, size_t len, char *out, size_t size)
{
    size_t         i, n = 0, k;
    unsigned long  cp, lo;

    if (len >= 2 && s[0] == 0xfe && s[1] == 0xff) {
        for (i = 2; i + 1 < len; i += 2) {
            cp = (unsigned long) s[i] << 8 | s[i + 1];
            if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < len) {
                lo = (unsigned long) s[i + 2] << 8 | s[i + 3];
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 2;
                }
            }
            if ((k = put_utf8(out, n, size, cp)) == 0) {
                break;
            }
            n += k;
        }
        return n;
    }

    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
        for (i = 3; i < len && n + 1 < size; i++) {
            out[n++] = (char) s[i];
        }
        return n;
    }

    for (i = 0; i < len; i++) {
        cp = s[i] >= 0x80 && s[i] < 0xa0 ? pdfdoc_80[s[i] - 0x80] : s[i];
        if ((k = put_utf8(out, n, size, cp)) == 0) {
            break;
        }
        n += k;
    }
    return n;
}

size_t
lead_pdf_title(const char *data, size_t len, char *out, size_t size)
{
    const char     *end = data + len, *p, *obj, *stop;
    char            needle[48], raw[1024];
    unsigned long   num, gen;
    size_t          n;
    int             k;

    if (size == 0) {
        return 0;
    }
    out[0] = '\0';

    /* the trailer's (or the cross-reference stream's) /Info N G R */
    p = last_bytes(data, end, "/Info", 5);
    if (p == NULL) {
        return 0;
    }
    p = skip_space(p + 5, end);
    if ((p = number(p, end, &num)) == NULL) {
        return 0;
    }
    p = skip_space(p, end);
    if ((p = number(p, end, &gen)) == NULL) {
        return 0;
    }
    p = skip_space(p, end);
    if (p == end || *p != 'R') {
        return 0;
    }

    /* "N G obj" where a line or the file starts it; the last one wins */
    k = snprintf(needle, sizeof(needle), "%lu %lu obj", num, gen);
    obj = NULL;
    for (p = data; (p = find_bytes(p, end, needle, (size_t) k)) != NULL;
         p++)
    {
        if (p == data || !(p[-1] >= '0' && p[-1] <= '9')) {
            obj = p;
        }
    }
    if (obj == NULL) {
        return 0;
    }
    obj += k;
    stop = find_bytes(obj, end, "endobj", 6);
    stop = stop ? stop : end;

    p = find_bytes(obj, stop, "/Title", 6);
    if (p == NULL) {
        return 0;
    }
    p = skip_space(p + 6, stop);
    n = pdf_string(p, stop, raw, sizeof(raw));
    n = pdf_text((const unsigned char *) raw, n, out, size);
    return lead_title_clean(out, n, size);
}
