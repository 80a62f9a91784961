/*
 * The rules object: scoring.conf and assets.csv, as marketers edit them,
 * loaded together all or nothing, then asked which asset a path is.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_rules_parser.h"

/* ---- loading ----------------------------------------------------------- */

/*
 * A group counts the distinct paths read under its rows: a prefix row
 * can reach any N, exact rows only as many as there are of them.
 */
static int
check_groups(lead_rules_parser *ps, unsigned *group_lines)
{
    lead_rules  *r = ps->rules;
    unsigned     i, members, prefixes;
    size_t       k;
    const char  *path;

    for (i = 0; i < r->scoring.ngroups; i++) {
        members = 0;
        prefixes = 0;
        for (k = 0; k < r->nassets; k++) {
            if (strcmp(r->assets[k].group, r->scoring.groups[i].name) == 0) {
                path = r->assets[k].path;
                members++;
                prefixes += path[strlen(path) - 1] == '*';
            }
        }
        if (prefixes == 0 && members < r->scoring.groups[i].count) {
            ps->line = group_lines[i];
            return lead_rules_fail(ps, "warm_after %s %u: only %u assets "
                                   "have group=%s in assets.csv (a prefix "
                                   "row, /dir/*, counts each page read "
                                   "under it)",
                                   r->scoring.groups[i].name,
                                   r->scoring.groups[i].count, members,
                                   r->scoring.groups[i].name);
        }
    }

    return LEAD_OK;
}

int
lead_rules_parse(lead_rules **out, const char *dir, const char *scoring,
    size_t scoring_len, const char *assets, size_t assets_len, char *err,
    size_t errlen)
{
    return lead_rules_parse_texts(out, dir, scoring, scoring_len, assets,
                                  assets_len, NULL, err, errlen);
}

/*
 * Both files, every error told: scoring.conf first (assets.csv names its
 * stages), then assets.csv, then what needs both, if all else is right.
 * LEAD_ENOMEM stops it; otherwise lead_rules_failed says.
 */
static int
parse_rules(lead_rules_parser *ps, const char *scoring, size_t scoring_len,
    const char *assets, size_t assets_len)
{
    lead_rules  *r = ps->rules;
    unsigned    *group_lines = NULL;
    int          rc;

    rc = lead_rules_keep_text(r, LEAD_RULES_SCORING, scoring, scoring_len);
    if (rc == LEAD_OK) {
        rc = lead_rules_keep_text(r, LEAD_RULES_ASSETS, assets, assets_len);
    }
    if (rc != LEAD_OK) {
        return lead_rules_nomem(ps);
    }

    ps->file = "scoring.conf";
    if (lead_scoring_conf_parse(ps, scoring, scoring_len, &group_lines)
        == LEAD_ENOMEM)
    {
        return LEAD_ENOMEM;
    }

    ps->file = "assets.csv";
    if (lead_assets_csv_parse(ps, assets, assets_len) == LEAD_ENOMEM) {
        return LEAD_ENOMEM;
    }

    if (lead_rules_failed(ps)) {
        return LEAD_EINVAL;
    }

    ps->file = "scoring.conf";
    return check_groups(ps, group_lines);
}

int
lead_rules_parse_texts(lead_rules **out, const char *dir,
    const char *scoring, size_t scoring_len, const char *assets,
    size_t assets_len, const lead_str *freemail, char *err, size_t errlen)
{
    lead_rules_parser   ps = { NULL, dir, "scoring.conf", 0, err, errlen,
                               freemail };
    int                 rc;

    *out = NULL;
    if (errlen) {
        err[0] = '\0';
    }

    ps.rules = calloc(1, sizeof(lead_rules));
    if (ps.rules == NULL) {
        return lead_rules_nomem(&ps);
    }

    rc = parse_rules(&ps, scoring, scoring_len, assets, assets_len);
    if (rc == LEAD_OK && lead_rules_failed(&ps)) {
        rc = LEAD_EINVAL;
    }
    if (rc != LEAD_OK) {
        lead_rules_free(ps.rules);
        return rc;
    }

    *out = ps.rules;
    return LEAD_OK;
}

int
lead_rules_load(lead_rules **out, const char *dir, char *err, size_t errlen)
{
    lead_rules_parser   ps = { NULL, dir, "scoring.conf", 0, err, errlen,
                               NULL };
    char               *scoring = NULL, *assets = NULL;
    size_t              scoring_len, assets_len;
    int                 rc;

    *out = NULL;
    if (errlen) {
        err[0] = '\0';
    }

    rc = lead_rules_read_file(&ps, &scoring, &scoring_len);
    ps.file = "assets.csv";
    if (lead_rules_read_file(&ps, &assets, &assets_len) != LEAD_OK) {
        rc = LEAD_EINVAL;
    }

    if (rc == LEAD_OK) {
        ps.rules = calloc(1, sizeof(lead_rules));
        rc = ps.rules ? parse_rules(&ps, scoring, scoring_len, assets,
                                    assets_len)
                      : lead_rules_nomem(&ps);

        /* campaigns.csv's errors are told with the others' */
        if (rc != LEAD_ENOMEM
            && lead_campaigns_load(ps.rules, dir, err, errlen) == LEAD_ENOMEM)
        {
            rc = LEAD_ENOMEM;
        }
        if (rc == LEAD_OK && lead_rules_failed(&ps)) {
            rc = LEAD_EINVAL;
        }
    }

    free(scoring);
    free(assets);

    if (rc != LEAD_OK) {
        lead_rules_free(ps.rules);
        return rc;
    }

    *out = ps.rules;
    return LEAD_OK;
}

/* ---- lookups ----------------------------------------------------------- */

const lead_asset *
lead_rules_match(const lead_rules *r, const char *path, size_t len)
{
    size_t  lo = 0, hi = r->nexact, mid, i, plen;
    int     c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = strncmp(r->exact[mid]->path, path, len);
        if (c == 0 && r->exact[mid]->path[len] != '\0') {
            c = 1;
        }
        if (c == 0) {
            return r->exact[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    for (i = 0; i < r->nprefixes; i++) {
        plen = strlen(r->prefixes[i]->path) - 1;
        if (plen <= len && memcmp(r->prefixes[i]->path, path, plen) == 0) {
            return r->prefixes[i];
        }
    }

    return NULL;
}

const lead_asset *
lead_rules_find(const lead_rules *r, uint64_t id)
{
    size_t  i;

    for (i = 0; i < r->nassets; i++) {
        if (r->assets[i].id == id) {
            return &r->assets[i];
        }
    }
    return NULL;
}

/*
 * The rule of a file nginx serves, by its path below the root: its own,
 * or for an index file ("/guide/index.html") its directory's ("/guide/"),
 * the usual rule.
 */
const lead_asset *
lead_rules_match_file(const lead_rules *r, const char *path, size_t len)
{
    size_t             slash;
    const lead_asset  *a;

    if (len == 0 || path[0] != '/') {
        return NULL;
    }

    a = lead_rules_match(r, path, len);
    if (a) {
        return a;
    }

    for (slash = len - 1; path[slash] != '/'; slash--) {
        /* void */
    }

    if (len - slash > sizeof("/index.") - 1
        && memcmp(path + slash, "/index.", sizeof("/index.") - 1) == 0)
    {
        return lead_rules_match(r, path, slash + 1);
    }

    return NULL;
}

size_t
lead_rules_count(const lead_rules *r)
{
    return r->nassets;
}

const lead_asset *
lead_rules_asset(const lead_rules *r, size_t i)
{
    return i < r->nassets ? &r->assets[i] : NULL;
}

lead_str
lead_rules_text(const lead_rules *r, int which)
{
    lead_str  none = { "", 0 };

    return (which >= 0 && which < LEAD_RULES_NTEXTS && r->texts[which].data)
           ? r->texts[which] : none;
}

const lead_scoring *
lead_rules_scoring(const lead_rules *r)
{
    return &r->scoring;
}

const char *
lead_rules_currency(const lead_rules *r)
{
    return r->scoring.currency;
}

unsigned
lead_rules_stages(const lead_rules *r)
{
    return r->scoring.nstages;
}

int
lead_rules_gated(const lead_rules *r, const lead_asset *a)
{
    return (a->flags & LEAD_ASSET_GATED)
           || (a->stage_index >= r->scoring.gate_from
               && !(a->flags & LEAD_ASSET_OPEN));
}

int
lead_rules_is_freemail(const lead_rules *r, const char *domain, size_t len)
{
    size_t  lo = 0, hi = r->scoring.nfreemail, mid;
    int     c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = strncmp(r->freemail[mid], domain, len);
        if (c == 0 && r->freemail[mid][len] != '\0') {
            c = 1;
        }
        if (c == 0) {
            return 1;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    return 0;
}
