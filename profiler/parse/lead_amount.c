/*
 * A deal as people type it: its status by name ("won"); the amount,
 * "12000" or "12000.50" in the currency's units, made cents; the
 * currency, "EUR" (ISO 4217); the close date, "2026-12-24".
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <string.h>

#include "lead.h"
#include "lead_parse.h"

static const char  *status_names[LEAD_NSTATUSES] = {
    "anonymous", "identified", "mql", "sal", "sql", "won", "nurture", "lost"
};

const char *
lead_status_name(int status)
{
    return status >= 0 && status < LEAD_NSTATUSES ? status_names[status]
                                                  : "unknown";
}

int
lead_status_parse(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < LEAD_NSTATUSES; i++) {
        if (strlen(status_names[i]) == len
            && memcmp(status_names[i], name, len) == 0)
        {
            return i;
        }
    }
    return -1;
}

int
lead_amount_parse(const char *s, size_t len, int64_t *cents)
{
    int64_t  v = 0;
    size_t   i = 0, digits = 0, decimals = 0;
    int      point = 0;

    *cents = 0;

    for ( /* void */ ; i < len; i++) {
        if (s[i] == '.' && !point && digits > 0) {
            point = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || (point && ++decimals > 2)) {
            return LEAD_EINVAL;
        }
        if (v > (INT64_MAX - (s[i] - '0')) / 10) {
            return LEAD_EINVAL;
        }
        v = v * 10 + (s[i] - '0');
        digits++;
    }

    if (digits == 0 || (point && decimals == 0)) {
        return LEAD_EINVAL;
    }

    for ( /* void */ ; decimals < 2; decimals++) {
        if (v > INT64_MAX / 10) {
            return LEAD_EINVAL;
        }
        v *= 10;
    }

    if (v > LEAD_AMOUNT_MAX) {
        return LEAD_EINVAL;
    }

    *cents = v;
    return LEAD_OK;
}

int
lead_currency_parse(const char *s, size_t len, char out[4])
{
    size_t  i;

    if (len != 3) {
        return LEAD_EINVAL;
    }
    for (i = 0; i < 3; i++) {
        if (s[i] < 'A' || s[i] > 'Z') {
            return LEAD_EINVAL;
        }
        out[i] = s[i];
    }
    out[3] = '\0';
    return LEAD_OK;
}

int
lead_date_parse(const char *s, size_t len, uint64_t *ms)
{
    static const unsigned  mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
                                         31, 30, 31 };
    unsigned  v[3] = { 0, 0, 0 }, y, m, d, leap;
    size_t    i, k = 0, digits = 0;
    int64_t   days;

    *ms = 0;
    if (len != 10) {
        return LEAD_EINVAL;
    }
    for (i = 0; i < len; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-') {
                return LEAD_EINVAL;
            }
            k++;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') {
            return LEAD_EINVAL;
        }
        v[k] = v[k] * 10 + (unsigned) (s[i] - '0');
        digits++;
    }

    y = v[0];
    m = v[1];
    d = v[2];
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (digits != 8 || y < 1970 || m < 1 || m > 12 || d < 1
        || d > mdays[m - 1] + (m == 2 && leap))
    {
        return LEAD_EINVAL;
    }

    /* days from the civil date (Howard Hinnant's algorithm), no timegm */
    y -= m <= 2;
    days = (int64_t) (y / 400) * 146097;
    days += (int64_t) ((y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100
                       + (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
    days -= 719468;

    *ms = (uint64_t) days * 86400000ULL;
    return LEAD_OK;
}
