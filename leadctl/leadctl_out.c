/*
 * leadctl's output for people: text made safe for a terminal, and
 * buffers written to standard output.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>

#include "leadctl.h"

void
text_str(lead_buf *out, lead_str v)
{
    lead_buf_text(out, v.data, v.len);
}

int
print_buf(lead_buf *out)
{
    int  rc = 0;

    if (out->oom) {
        fprintf(stderr, "leadctl: out of memory\n");
        rc = 1;
    } else if (out->len && fwrite(out->data, 1, out->len, stdout)
                           != out->len)
    {
        rc = 1;
    }
    lead_buf_free(out);
    return rc;
}
