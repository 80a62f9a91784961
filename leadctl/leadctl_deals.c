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

/* scoring.conf's currency: of --rules DIR, or of the rules nginx runs */
static int
default_currency(ctl *c, lead_store *s, char out[4])
{
    lead_rules  *r;
    char         err[1024];
    int          rc;

    rc = c->rules ? lead_rules_load(&r, c->rules, err, sizeof(err))
                  : lead_store_rules(s, &r, err, sizeof(err));
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s (pass --currency)\n", err);
        return 1;
    }
    memcpy(out, lead_rules_currency(r), 4);
    lead_rules_free(r);
    return 0;
}

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
        if (c->currency
            && (len != 3 || strspn(c->currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                            != 3))
        {
            fprintf(stderr, "leadctl: --currency takes three capital "
                    "letters (ISO 4217: EUR, USD)\n");
            return EXIT_USAGE;
        }
        if (c->currency) {
            memcpy(o.currency, c->currency, 3);
        } else if (default_currency(c, s, o.currency) != 0) {
            return 1;
        }
    }

    if (lead_store_close_deal(s, id, to, c->now_ms, &o,
                              actor(c),
                              c->reason ? c->reason : "")
        != LEAD_OK)
    {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    return 0;
}

/* A lead sales found themselves: no visitor, no events, source "sales". */
int
cmd_add(ctl *c, lead_store *s)
{
    lead_form_fields  f;
    lead_form         form;
    uint8_t           id[LEAD_ID_LEN];
    char              hex[LEAD_ID_HEX_LEN + 1];

    if (c->source && strcmp(c->source, "sales") != 0) {
        fprintf(stderr, "leadctl: add records leads sales found: --source "
                "sales, not \"%s\"\n", c->source);
        return EXIT_USAGE;
    }
    if (c->amount || c->currency || c->at || c->reason) {
        fprintf(stderr, "leadctl: add takes --name, --source, --by and "
                "--now\n");
        return EXIT_USAGE;
    }

    memset(&f, 0, sizeof(f));
    f.field[LEAD_FORM_NAME].data = c->name;
    f.field[LEAD_FORM_NAME].len = c->name ? strlen(c->name) : 0;
    f.field[LEAD_FORM_EMAIL].data = c->args[0];
    f.field[LEAD_FORM_EMAIL].len = strlen(c->args[0]);
    if (lead_form_validate(&f, &form) != 0) {
        fprintf(stderr, "leadctl: %s\n", form.email_error
                ? form.email_error
                : c->name ? form.name_error : "add takes --name NAME");
        return EXIT_USAGE;
    }

    if (lead_store_add_lead(s, &form, actor(c), c->now_ms, id) != LEAD_OK)
    {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }

    lead_id_to_hex(id, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    printf("%.*s: added, %s, sal (source: sales)\n", (int) form.email_len,
           form.email, hex);
    return 0;
}
