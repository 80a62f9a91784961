/*
 * libFuzzer: a deal as the sales view's won form and leadctl send it,
 * the amount, the currency and the close date; and a referrer host
 * against a Host.  What is taken must say again exactly what was typed.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An amount taken: in bounds, and printed back as the digits typed. */
static void
check_amount(const char *s, size_t len)
{
    char     back[LEAD_AMOUNT_LEN];
    int64_t  cents;
    size_t   i, point;

    if (lead_amount_parse(s, len, &cents) != LEAD_OK) {
        return;
    }
    if (cents < 0 || cents > LEAD_AMOUNT_MAX) {
        __builtin_trap();
    }

    /* leading zeros aside, "12.5" is "12.50" and "12" is "12.00" */
    while (len > 1 && s[0] == '0' && s[1] != '.') {
        s++;
        len--;
    }
    lead_report_amount(back, cents);
    point = strcspn(back, ".");
    for (i = 0; i < len && s[i] != '.'; i++) {
        /* void */
    }
    if (i != point || memcmp(back, s, i) != 0
        || (i < len && memcmp(back + i, s + i, len - i) != 0))
    {
        __builtin_trap();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char  *s = (const char *) data;
    char         cur[4], day[16];
    uint64_t     ms;
    size_t       half = size / 2;

    check_amount(s, size);

    if (lead_currency_parse(s, size, cur) == LEAD_OK
        && (strlen(cur) != 3 || memcmp(cur, s, 3) != 0))
    {
        __builtin_trap();
    }

    if (lead_date_parse(s, size, &ms) == LEAD_OK) {
        time_t     t = (time_t) (ms / 1000);
        struct tm  tm;

        if (ms % 86400000 != 0 || gmtime_r(&t, &tm) == NULL) {
            __builtin_trap();
        }
        snprintf(day, sizeof(day), "%04d-%02d-%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday);
        if (size != 10 || memcmp(day, s, 10) != 0) {
            __builtin_trap();
        }
    }

    /* a host is its own when the two are the same name */
    if (lead_referrer_own(s, half, s + half, size - half) == 0
        && half != 0 && size - half == half
        && memcmp(s, s + half, half) == 0 && s[0] != '['
        && memchr(s, ':', half) == NULL && s[half - 1] != '.')
    {
        __builtin_trap();
    }
    return 0;
}
