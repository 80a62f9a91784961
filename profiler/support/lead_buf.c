/*
 * Output text: a buffer that grows, and every value escaped for where it
 * goes (HTML, JSON, CSV).  leadctl prints these buffers and the sales
 * view sends them, so both show the very same bytes.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"

/* the largest page or export kept in memory */
#define BUF_MAX  ((size_t) 1 << 31)

void
lead_buf_free(lead_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static int
grow(lead_buf *b, size_t more)
{
    size_t   cap;
    char    *p;

    if (b->oom) {
        return 0;
    }
    if (b->len + more + 1 <= b->cap) {
        return 1;
    }
    if (more > BUF_MAX - b->len - 1) {
        b->oom = 1;
        return 0;
    }

    cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1) {
        cap *= 2;
    }
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void
lead_buf_put(lead_buf *b, const char *s, size_t len)
{
    if (len && grow(b, len)) {
        memcpy(b->data + b->len, s, len);
        b->len += len;
        b->data[b->len] = '\0';
    }
}

void
lead_buf_puts(lead_buf *b, const char *s)
{
    lead_buf_put(b, s, strlen(s));
}

void
lead_buf_printf(lead_buf *b, const char *fmt, ...)
{
    va_list  ap;
    int      n;
    char     small[256];

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);

    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t) n < sizeof(small)) {
        lead_buf_put(b, small, (size_t) n);
        return;
    }
    if (grow(b, (size_t) n)) {
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
    }
}

void
lead_buf_html(lead_buf *b, const char *s, size_t len)
{
    size_t       i, start = 0;
    const char  *rep;

    if (len == 0) {
        return;                 /* an absent value may have no data */
    }
    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        lead_buf_put(b, s + start, i - start);
        lead_buf_puts(b, rep);
        start = i + 1;
    }
    lead_buf_put(b, s + start, len - start);
}

/* also <, > and &, so the text is safe inside an HTML <script> too */
void
lead_buf_json(lead_buf *b, const char *s, size_t len)
{
    static const char  hex[] = "0123456789abcdef";
    size_t             i, start = 0;

    lead_buf_put(b, "\"", 1);
    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) s[i];

        if (c == '"' || c == '\\') {
            char  esc[2] = { '\\', (char) c };

            lead_buf_put(b, s + start, i - start);
            lead_buf_put(b, esc, 2);
            start = i + 1;

        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>'
                   || c == '&')
        {
            char  esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

            lead_buf_put(b, s + start, i - start);
            lead_buf_put(b, esc, 6);
            start = i + 1;
        }
    }
    lead_buf_put(b, s + start, len - start);
    lead_buf_put(b, "\"", 1);
}

/*
 * A CSV field (RFC 4180), quoted when it holds a comma, quote or line
 * break.  A value a spreadsheet would run as a formula (= + - @, or a tab
 * or CR before one) gets a leading apostrophe: CSV files are opened by
 * people in spreadsheets.
 */
void
lead_buf_csv(lead_buf *b, const char *s, size_t len)
{
    size_t  i, start = 0;
    int     quote = 0;

    if (len == 0) {
        return;
    }
    for (i = 0; i < len; i++) {
        quote |= s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    }

    if (quote) {
        lead_buf_put(b, "\"", 1);
    }
    if (len && memchr("=+-@\t\r", s[0], 6) != NULL) {
        lead_buf_put(b, "'", 1);
    }
    for (i = 0; i < len; i++) {
        if (s[i] == '"') {
            lead_buf_put(b, s + start, i + 1 - start);
            lead_buf_put(b, "\"", 1);
            start = i + 1;
        }
    }
    lead_buf_put(b, s + start, len - start);
    if (quote) {
        lead_buf_put(b, "\"", 1);
    }
}

void
lead_buf_put_u64(lead_buf *b, uint64_t v)
{
    uint8_t  p[8];

    lead_put_u64(p, v);
    lead_buf_put(b, (const char *) p, 8);
}

void
lead_buf_put_varint(lead_buf *b, uint64_t v)
{
    uint8_t  p[10];

    lead_buf_put(b, (const char *) p, lead_put_varint(p, v));
}

/* A line of text for a terminal: a control character becomes '?'. */
void
lead_buf_text(lead_buf *b, const char *s, size_t len)
{
    size_t  i, start = 0;

    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) s[i];

        if (c < 0x20 || c == 0x7f) {
            lead_buf_put(b, s + start, i - start);
            lead_buf_put(b, "?", 1);
            start = i + 1;
        }
    }
    lead_buf_put(b, s + start, len - start);
}
