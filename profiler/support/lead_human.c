/*
 * Numbers for people: counts with thousands separators and sizes in
 * binary units, as leadctl's text and the sales view print them.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>

#include "lead.h"
#include "lead_support.h"

const char *
lead_format_count(uint64_t n, char out[32])
{
    char    digits[24];
    size_t  len, i, o = 0;

    len = (size_t) snprintf(digits, sizeof(digits), "%llu",
                            (unsigned long long) n);
    for (i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

/* "512 B", "9.8 KiB", "443 MiB", "1.2 GiB": one decimal below 10 */
const char *
lead_format_size(uint64_t bytes, char out[32])
{
    static const char *const  units[] = { "KiB", "MiB", "GiB", "TiB",
                                          "PiB", "EiB" };
    double                    v = (double) bytes;
    unsigned                  u = 0;

    if (bytes < 1024) {
        snprintf(out, 32, "%u B", (unsigned) bytes);
        return out;
    }
    v /= 1024;
    while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    if (v < 9.95) {
        snprintf(out, 32, "%.1f %s", v, units[u]);
    } else {
        snprintf(out, 32, "%.0f %s", v, units[u]);
    }
    return out;
}
