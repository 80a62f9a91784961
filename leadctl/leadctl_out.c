/*
 * leadctl's output for people: text made safe for a terminal, buffers
 * written to standard output, durations, and who a decision is by.
 */

#define _POSIX_C_SOURCE 200809L

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

/* --by, else who is logged in (as sudo leaves it), else the user */
const char *
actor(ctl *c)
{
    struct passwd  *pw;
    const char     *name;

    if (c->by != NULL) {
        return c->by;
    }
    name = getlogin();
    if (name == NULL || name[0] == '\0') {
        pw = getpwuid(geteuid());
        name = pw ? pw->pw_name : getenv("USER");
    }
    c->by = name != NULL && name[0] != '\0' ? name : "leadctl";
    return c->by;
}

void
elapsed(double ms, char out[32])
{
    if (ms < 60000) {
        snprintf(out, 32, "%.1f s", ms / 1e3);
    } else {
        snprintf(out, 32, "%.1f min", ms / 6e4);
    }
}
