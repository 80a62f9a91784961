/*
 * A deal's amount and currency as people type them: "12000" or
 * "12000.50" in the currency's units, made cents; "EUR" (ISO 4217).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <string.h>

#include "lead.h"
#include "lead_parse.h"

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
