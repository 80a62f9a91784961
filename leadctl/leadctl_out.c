/*
 * leadctl's output for people: text made safe for a terminal, buffers
 * written to standard output, durations, and who a decision is by.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
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
    if (name == NULL || name[0] == '\0') {
        snprintf(c->uid, sizeof(c->uid), "uid %lu",
                 (unsigned long) geteuid());
        name = c->uid;
    }
    c->by = name;
    return c->by;
}

int
count_option(const char *opt, const char *value, uint64_t max, uint64_t *n)
{
    char                *end;
    unsigned long long   v;

    errno = 0;
    v = strtoull(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno == ERANGE
        || v == 0 || v > max)
    {
        if (max >= UINT32_MAX) {
            fprintf(stderr, "leadctl: %s takes a whole number, 1 or more\n",
                    opt);
        } else {
            fprintf(stderr, "leadctl: %s takes a whole number from 1 to %"
                    PRIu64 "\n", opt, max);
        }
        return EXIT_USAGE;
    }
    *n = v;
    return 0;
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
