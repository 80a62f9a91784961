/*
 * libFuzzer: titles read from content files by rules scan, an HTML
 * file's head ('H' first) or a PDF's bytes (any other first byte).
 * Whatever comes out is a title assets.csv takes: clean UTF-8 without
 * control characters, at most LEAD_TITLE_MAX bytes, no {{template}}.
 */

#include <string.h>

#include "lead.h"
#include "lead_scan.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char    out[LEAD_TITLE_MAX + 1], small[9];
    size_t  n, i, k;

    if (size == 0) {
        return 0;
    }

    n = data[0] == 'H'
        ? lead_html_title((const char *) data + 1, size - 1, out,
                          sizeof(out))
        : lead_pdf_title((const char *) data + 1, size - 1, out,
                         sizeof(out));

    if (n != strlen(out) || n > LEAD_TITLE_MAX || strstr(out, "{{")
        || (n > 0 && (out[0] == ' ' || out[n - 1] == ' ')))
    {
        __builtin_trap();
    }
    for (i = 0; i < n; i += k) {
        if ((unsigned char) out[i] < 0x20 || out[i] == 0x7f) {
            __builtin_trap();
        }
        k = lead_utf8_len((const unsigned char *) out + i, n - i);
        if (k == 0) {
            __builtin_trap();
        }
    }

    /* a small buffer is filled, never overrun */
    n = data[0] == 'H'
        ? lead_html_title((const char *) data + 1, size - 1, small,
                          sizeof(small))
        : lead_pdf_title((const char *) data + 1, size - 1, small,
                         sizeof(small));
    if (n >= sizeof(small) || n != strlen(small)) {
        __builtin_trap();
    }

    return 0;
}
