/*
 * leadctl's deals: a lead's deal closed won (amount, currency, close
 * date) or lost (a reason), and a lead sales found themselves (add).
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadctl.h"

int
close_deal(ctl *c, lead_store *s, const uint8_t *id, int to)
{
    lead_outcome  o;
    size_t        len;

    memset(&o, 0, sizeof(o));
    o.closed_ms = c->at_ms;

    if (to == LEAD_STATUS_WON) {
        if (c->amount == NULL
            || lead_amount_parse(c->amount, strlen(c->amount), &o.amount)
               != LEAD_OK)
        {
            fprintf(stderr, "leadctl: won takes --amount N, in the "
                    "currency's units with up to 2 decimals (12000, "
                    "12000.50)\n");
            return EXIT_USAGE;
        }

        len = c->currency ? strlen(c->currency) : 0;
        if (c->currency && len != 3) {
            fprintf(stderr, "leadctl: --currency takes three capital "
                    "letters (ISO 4217: EUR, USD)\n");
            return EXIT_USAGE;
        }
        memcpy(o.currency, c->currency ? c->currency : "EUR", 3);
    }

    if (lead_store_close_deal(s, id, to, c->now_ms, &o,
                              c->by ? c->by : "leadctl",
                              c->reason ? c->reason : "")
        != LEAD_OK)
    {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    return 0;
}
