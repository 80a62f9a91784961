/*
 * Time for people and for budgets: a monotonic clock, and times and
 * durations as every report writes them.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <time.h>

#include "lead.h"
#include "lead_support.h"

#define DAY_MS  86400000ULL

double
lead_clock_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void
lead_format_time(uint64_t ms, char out[LEAD_TIME_LEN])
{
    time_t     t = (time_t) (ms / 1000);
    struct tm  tm;
    size_t     n;

    gmtime_r(&t, &tm);
    n = strftime(out, LEAD_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, LEAD_TIME_LEN - n, ".%03uZ", (unsigned) (ms % 1000));
}

void
lead_format_duration(uint64_t ms, char out[32])
{
    if (ms >= DAY_MS) {
        snprintf(out, 32, "%.1fd", (double) ms / DAY_MS);
    } else if (ms >= 3600000ULL) {
        snprintf(out, 32, "%.1fh", (double) ms / 3600000.0);
    } else {
        snprintf(out, 32, "%.0fm", (double) ms / 60000.0);
    }
}
