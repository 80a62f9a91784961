/*
 * campaigns.csv, optional in the rules folder: what each campaign
 * (utm_campaign) cost, one "campaign,cost" row each, for cost per lead,
 * per MQL, per deal won and per order dollar.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lead.h"
#include "lead_parse.h"
#include "lead_rules_parser.h"

#define MAX_CAMPAIGNS  10000

/* One field of a line: quoted (RFC 4180, "" for a quote) or not, trimmed;
   *p moves past it and its comma.  The value goes to buf. */
static int
field(lead_rules_parser *ps, const char **p, const char *end, char *buf,
    size_t size, size_t *len)
{
    const char  *s = *p;
    size_t       n = 0;

    while (s < end && *s == ' ') {
        s++;
    }
    if (s < end && *s == '"') {
        for (s++; ; s++) {
            if (s == end) {
                return lead_rules_fail(ps, "quoted field is not closed on "
                                       "its line");
            }
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    s++;
                } else {
                    s++;
                    break;
                }
            }
            if (n == size) {
                return lead_rules_fail(ps, "a campaign is at most %d bytes",
                                       LEAD_UTM_MAX);
            }
            buf[n++] = *s;
        }
        while (s < end && *s == ' ') {
            s++;
        }
        if (s < end && *s != ',') {
            return lead_rules_fail(ps, "unexpected text after a closing "
                                   "quote (double a quote inside a quoted "
                                   "field: \"\")");
        }
    } else {
        for ( /* void */ ; s < end && *s != ','; s++) {
            if (n == size) {
                return lead_rules_fail(ps, "a campaign is at most %d bytes",
                                       LEAD_UTM_MAX);
            }
            buf[n++] = *s;
        }
        while (n > 0 && buf[n - 1] == ' ') {
            n--;
        }
    }
    *p = s < end ? s + 1 : s;
    *len = n;
    return LEAD_OK;
}

static int
campaign_cmp(const void *x, const void *y)
{
    const lead_campaign  *a = x, *b = y;
    size_t                n = a->len < b->len ? a->len : b->len;
    int                   c = memcmp(a->name, b->name, n);

    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int
campaign_line_cmp(const void *x, const void *y)
{
    const lead_campaign  *a = x, *b = y;
    int                   c = campaign_cmp(x, y);

    return c ? c : (a->line > b->line) - (a->line < b->line);
}

int
lead_campaigns_csv_parse(lead_rules_parser *ps, const char *data, size_t len)
{
    lead_rules     *r = ps->rules;
    lead_campaign  *c;
    const char     *p = data, *end = data + len, *eol, *q;
    char            name[LEAD_UTM_MAX], cost[64], shown[80];
    size_t          name_len, cost_len, i, k, n = 0, cap = 0;
    int64_t         cents;
    int             rc, header = 0, bad = LEAD_OK;

    c = NULL;
    for (ps->line = 1; p < end; ps->line++, p = eol < end ? eol + 1 : end) {
        eol = memchr(p, '\n', (size_t) (end - p));
        eol = eol ? eol : end;
        q = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
        if (q == p) {
            continue;                       /* a blank line */
        }

        /* a row's errors are told, and the next row read */
        rc = field(ps, &p, q, name, sizeof(name), &name_len);
        if (rc == LEAD_OK) {
            rc = field(ps, &p, q, cost, sizeof(cost) - 1, &cost_len);
        }
        if (rc == LEAD_OK && p < q) {
            rc = lead_rules_fail(ps, "more than 2 fields (campaign,cost)");
        }
        if (rc != LEAD_OK && header) {
            bad = rc;
            continue;
        }

        if (!header) {
            if (rc == LEAD_OK && cost_len == 0
                && (memchr(name, ';', name_len)
                    || memchr(name, '\t', name_len)))
            {
                return lead_rules_fail(ps, "this file looks %s-separated; "
                                       "save it as CSV with commas",
                                       memchr(name, ';', name_len)
                                       ? "semicolon" : "tab");
            }
            if (rc != LEAD_OK) {
                return rc;
            }
            if (name_len != 8 || memcmp(name, "campaign", 8) != 0
                || cost_len != 4 || memcmp(cost, "cost", 4) != 0)
            {
                return lead_rules_fail(ps, "the first line must be "
                                       "\"campaign,cost\"");
            }
            header = 1;
            continue;
        }

        if (name_len == 0) {
            bad = lead_rules_fail(ps, "a campaign has a name (its "
                                  "utm_campaign)");
        }
        for (i = 0; i < name_len; i++) {
            if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f) {
                bad = lead_rules_fail(ps, "a campaign's name has no "
                                      "control characters");
                break;
            }
        }
        if (lead_amount_parse(cost, cost_len, &cents) != LEAD_OK) {
            bad = lead_rules_fail(ps, "cost \"%s\" is not an amount (12000 "
                                  "or 12000.50)",
                                  lead_rules_shown(cost, cost_len, shown));
            continue;
        }
        if (name_len == 0 || i < name_len) {
            continue;
        }

        if (n == MAX_CAMPAIGNS) {
            return lead_rules_fail(ps, "more than %d campaigns",
                                   MAX_CAMPAIGNS);
        }
        if (n == cap) {
            lead_campaign  *grown;

            cap = cap ? cap * 2 : 16;
            grown = lead_rules_alloc(r, cap * sizeof(lead_campaign));
            if (grown == NULL) {
                return lead_rules_nomem(ps);
            }
            if (n) {
                memcpy(grown, c, n * sizeof(lead_campaign));
            }
            c = grown;
        }
        c[n].name = lead_rules_strndup(r, name, name_len);
        if (c[n].name == NULL) {
            return lead_rules_nomem(ps);
        }
        c[n].len = name_len;
        c[n].cost = cents;
        c[n].line = ps->line;
        n++;
    }

    if (!header) {
        ps->line = 1;
        return lead_rules_fail(ps, "the first line must be \"campaign,cost\"");
    }

    /* sorted by name, then line: each repeat told against the first */
    lead_sort(c, n, sizeof(lead_campaign), campaign_line_cmp);
    for (i = 1, k = 0; i < n; i++) {
        if (campaign_cmp(&c[k], &c[i]) != 0) {
            k = i;
            continue;
        }
        ps->line = c[i].line;
        bad = lead_rules_fail(ps, "campaign \"%s\" is listed twice (first "
                              "on line %u)",
                              lead_rules_shown(c[i].name, c[i].len, shown),
                              c[k].line);
    }
    if (bad != LEAD_OK) {
        return bad;
    }

    r->campaigns = c;
    r->ncampaigns = n;
    return LEAD_OK;
}

int64_t
lead_rules_campaign_cost(const lead_rules *r, const char *name, size_t len)
{
    lead_campaign  key = { name, len, 0, 0 };
    lead_campaign  *found;

    found = r && r->ncampaigns
            ? bsearch(&key, r->campaigns, r->ncampaigns,
                      sizeof(lead_campaign), campaign_cmp)
            : NULL;
    return found ? found->cost : -1;
}

size_t
lead_rules_campaigns(const lead_rules *r, const lead_campaign **out)
{
    *out = r ? r->campaigns : NULL;
    return r ? r->ncampaigns : 0;
}

int
lead_rules_parse_campaigns(lead_rules *r, const char *dir, const char *text,
    size_t len, char *err, size_t errlen)
{
    lead_rules_parser  ps = { r, dir, "campaigns.csv", 0, err, errlen, NULL };

    if (errlen) {
        err[0] = '\0';
    }
    return lead_campaigns_csv_parse(&ps, text, len);
}

int
lead_campaigns_load(lead_rules *r, const char *dir, char *err, size_t errlen)
{
    lead_rules_parser  ps = { r, dir, "campaigns.csv", 0, err, errlen, NULL };
    char               path[4096], *text;
    size_t             len;
    int                rc;

    /* optional: no file, no costs */
    snprintf(path, sizeof(path), "%s/campaigns.csv", dir);
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        return LEAD_OK;
    }
    rc = lead_rules_read_file(&ps, &text, &len);
    if (rc == LEAD_OK) {
        rc = lead_campaigns_csv_parse(&ps, text, len);
        free(text);
    }
    return rc;
}
