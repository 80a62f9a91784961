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

/* two digits of v at p */
static char *
put2(char *p, unsigned v)
{
    p[0] = (char) ('0' + v / 10);
    p[1] = (char) ('0' + v % 10);
    return p + 2;
}

/* As in H. Hinnant's "chrono-compatible low-level date algorithms". */
void
lead_civil_date(uint64_t days, uint64_t *y, unsigned *m, unsigned *d)
{
    uint64_t  z, era, doe, yoe, doy, mp;

    z = days + 719468;
    era = z / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/*
 * ISO 8601 in UTC, to the millisecond.  Years 1970 to 9999 are worked
 * out here (lead_civil_date): export writes one time a line, and
 * gmtime_r and strftime were a tenth of it.
 */
void
lead_format_time(uint64_t ms, char out[LEAD_TIME_LEN])
{
    time_t     t = (time_t) (ms / 1000);
    struct tm  tm;
    size_t     n;
    uint64_t   secs, y;
    unsigned   m, d;
    char      *p = out;

    if (ms < 253402300800000ULL) {             /* 10000-01-01 */
        secs = ms / 1000 % 86400;
        lead_civil_date(ms / DAY_MS, &y, &m, &d);

        p = put2(p, (unsigned) (y / 100));
        p = put2(p, (unsigned) (y % 100));
        *p++ = '-';
        p = put2(p, (unsigned) m);
        *p++ = '-';
        p = put2(p, (unsigned) d);
        *p++ = 'T';
        p = put2(p, (unsigned) (secs / 3600));
        *p++ = ':';
        p = put2(p, (unsigned) (secs / 60 % 60));
        *p++ = ':';
        p = put2(p, (unsigned) (secs % 60));
        *p++ = '.';
        *p++ = (char) ('0' + ms % 1000 / 100);
        p = put2(p, (unsigned) (ms % 100));
        *p++ = 'Z';
        *p = '\0';
        return;
    }

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
