/*
 * assets.csv: what each piece of content means, one asset a row of CSV
 * as spreadsheets export it (RFC 4180), indexed for matching paths.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lead.h"
#include "lead_parse.h"
#include "lead_rules_parser.h"

#define MAX_FIELDS       16
#define MAX_FIELD_LEN    1024

static const char  *columns[] = {
    "path", "title", "stage", "points", "topic", "flags"
};

enum { COL_PATH, COL_TITLE, COL_STAGE, COL_POINTS, COL_TOPIC, COL_FLAGS,
       NCOLS };

/* ---- records ----------------------------------------------------------- */

typedef lead_csv  csv;

/* One record (lead_csv_next), its trouble told at the line it starts. */
static int
csv_next(lead_rules_parser *ps, csv *c)
{
    int  rc;

    ps->line = c->line;
    rc = lead_csv_next(c);
    return rc == LEAD_EINVAL ? lead_rules_fail(ps, "%s", c->why) : rc;
}

static int
csv_blank(const csv *c)
{
    int  i;

    for (i = 0; i < c->nfields; i++) {
        if (c->len[i] != 0) {
            return 0;
        }
    }
    return 1;
}

static int
parse_header(lead_rules_parser *ps, csv *c, int *col_of)
{
    int   i, j;
    char  b[80];

    for (j = 0; j < NCOLS; j++) {
        col_of[j] = -1;
    }

    if (c->nfields == 1 && c->len[0] > 0) {
        const char  *f = c->buf + c->off[0];

        if (memchr(f, ';', c->len[0]) || memchr(f, '\t', c->len[0])) {
            return lead_rules_fail(ps, "this file looks %s-separated; save "
                                   "it as CSV with commas",
                                   memchr(f, ';', c->len[0]) ? "semicolon"
                                                             : "tab");
        }
    }

    for (i = 0; i < c->nfields; i++) {
        const char  *f = c->buf + c->off[i];
        size_t       len = c->len[i];

        for (j = 0; j < NCOLS; j++) {
            if (strlen(columns[j]) == len
                && strncasecmp(columns[j], f, len) == 0)
            {
                break;
            }
        }
        if (j == NCOLS) {
            return lead_rules_fail(ps, "unknown column \"%s\" (columns: path "
                                   "title stage points topic flags)",
                                   lead_rules_shown(f, len, b));
        }
        if (col_of[j] >= 0) {
            return lead_rules_fail(ps, "column \"%s\" appears twice",
                                   columns[j]);
        }
        col_of[j] = i;
    }

    for (j = 0; j < NCOLS; j++) {
        if (col_of[j] < 0) {
            return lead_rules_fail(ps, "missing column \"%s\" (the header is "
                                   "path,title,stage,points,topic,flags)",
                                   columns[j]);
        }
    }

    return LEAD_OK;
}

/* ---- an asset's fields ------------------------------------------------- */

static int
parse_flags(lead_rules_parser *ps, lead_asset *a, const char *f, size_t len)
{
    size_t  i = 0, start;
    char    b[80];

    while (i < len) {
        while (i < len && f[i] == ' ') {
            i++;
        }
        start = i;
        while (i < len && f[i] != ' ') {
            i++;
        }
        if (i == start) {
            break;
        }

        if (i - start == 3 && memcmp(f + start, "hot", 3) == 0) {
            a->flags |= LEAD_ASSET_HOT;
        } else if (i - start == 4 && memcmp(f + start, "open", 4) == 0) {
            a->flags |= LEAD_ASSET_OPEN;
        } else if (i - start == 5 && memcmp(f + start, "gated", 5) == 0) {
            a->flags |= LEAD_ASSET_GATED;
        } else if (i - start > 6 && memcmp(f + start, "group=", 6) == 0) {
            if (a->group[0] != '\0') {
                return lead_rules_fail(ps, "an asset belongs to one group "
                                       "at most");
            }
            if (!lead_rules_valid_name(f + start + 6, i - start - 6)) {
                return lead_rules_fail(ps, "invalid group name \"%s\" "
                                       "(letters, digits, - _ .)",
                                       lead_rules_shown(f + start + 6,
                                                        i - start - 6, b));
            }
            a->group = lead_rules_strndup(ps->rules, f + start + 6,
                                          i - start - 6);
            if (a->group == NULL) {
                return lead_rules_nomem(ps);
            }
        } else {
            return lead_rules_fail(ps, "unknown flag \"%s\" (flags: hot open "
                                   "gated group=NAME)",
                                   lead_rules_shown(f + start, i - start, b));
        }
    }

    if ((a->flags & LEAD_ASSET_OPEN) && (a->flags & LEAD_ASSET_GATED)) {
        return lead_rules_fail(ps, "flags \"open\" and \"gated\" contradict "
                               "each other");
    }

    return LEAD_OK;
}

static uint64_t
asset_id(const char *path)
{
    uint64_t  h = 0xcbf29ce484222325ULL;       /* FNV-1a */

    for ( ; *path; path++) {
        h ^= (unsigned char) *path;
        h *= 0x100000001b3ULL;
    }
    return h ? h : 1;                            /* 0 means "untagged" */
}

/* A path in normal form, as the module will see requests, or its prefix. */
static int
parse_path(lead_rules_parser *ps, lead_asset *a, const char *f, size_t len)
{
    size_t  plen;
    char    norm[LEAD_PATH_MAX], b[80];
    int     n;

    plen = len;
    if (plen == 0 || f[0] != '/') {
        return lead_rules_fail(ps, "path \"%s\" must start with \"/\"",
                               lead_rules_shown(f, plen, b));
    }
    if (plen > 0 && f[plen - 1] == '*') {
        plen--;
    }
    if (!lead_utf8_plain(f, len)) {
        return lead_rules_fail(ps, "path \"%s\" has control characters or "
                               "invalid UTF-8", lead_rules_shown(f, len, b));
    }
    if (memchr(f, '*', plen) != NULL) {
        return lead_rules_fail(ps, "path \"%s\": \"*\" may only end a "
                               "prefix", lead_rules_shown(f, len, b));
    }
    n = lead_path_normalize(f, plen, norm);
    if (n < 0 || (size_t) n != plen || memcmp(norm, f, plen) != 0
        || memchr(f, '?', plen) != NULL)
    {
        return lead_rules_fail(ps, "path \"%s\" is not a plain decoded path "
                               "(no query, %%XX, \"//\", \".\" or \"..\")",
                               lead_rules_shown(f, len, b));
    }
    a->path = lead_rules_strndup(ps->rules, f, len);

    return LEAD_OK;
}

/* One row: each of its fields' errors told; LEAD_EINVAL if any. */
static int
parse_asset(lead_rules_parser *ps, csv *c, const int *col_of, lead_asset *a)
{
    lead_rules    *r = ps->rules;
    const char    *f[NCOLS];
    size_t         len[NCOLS];
    char           b[80], stages[256];
    int            j, st, rc = LEAD_OK;
    int64_t        points;

    for (j = 0; j < NCOLS; j++) {
        f[j] = c->buf + c->off[col_of[j]];
        len[j] = c->len[col_of[j]];
    }

    /* the slot of a row refused before: nothing of it carries over */
    memset(a, 0, sizeof(*a));
    a->line = ps->line;
    a->group = "";

    if (parse_path(ps, a, f[COL_PATH], len[COL_PATH]) != LEAD_OK) {
        rc = LEAD_EINVAL;
        a->path = "/";
    } else if (a->path == NULL) {
        return lead_rules_nomem(ps);
    }

    /* a line break typed into a spreadsheet cell is a space to sales */
    for (j = 0; j < (int) len[COL_TITLE]; j++) {
        if (f[COL_TITLE][j] == '\r' || f[COL_TITLE][j] == '\n'
            || f[COL_TITLE][j] == '\t')
        {
            ((char *) f[COL_TITLE])[j] = ' ';
        }
    }

    if (len[COL_TITLE] > LEAD_TITLE_MAX
        || !lead_utf8_plain(f[COL_TITLE], len[COL_TITLE]))
    {
        rc = lead_rules_fail(ps, "title must be text of at most %d bytes, "
                             "without control characters", LEAD_TITLE_MAX);
        len[COL_TITLE] = 0;
    }
    a->title = len[COL_TITLE]
               ? lead_rules_strndup(r, f[COL_TITLE], len[COL_TITLE])
               : a->path;

    st = lead_rules_stage_index(&r->scoring, f[COL_STAGE], len[COL_STAGE]);
    if (st < 0 && r->stages_refused) {
        /* scoring.conf's stages were refused: told there, not per row */
        st = 0;
        rc = LEAD_EINVAL;

    } else if (st < 0) {
        lead_rules_stage_list(&r->scoring, stages, sizeof(stages));
        if (len[COL_STAGE] == 0) {
            rc = lead_rules_fail(ps, "stage is empty (stages: %s)", stages);
        } else {
            rc = lead_rules_fail(ps, "unknown stage \"%s\" (stages: %s)",
                                 lead_rules_shown(f[COL_STAGE],
                                                  len[COL_STAGE], b),
                                 stages);
        }
        st = 0;
    }
    a->stage_index = (unsigned) st;
    a->stage = r->scoring.stages[st];

    if (lead_rules_parse_int(f[COL_POINTS], len[COL_POINTS],
                             -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT, &points)
        != LEAD_OK)
    {
        rc = lead_rules_fail(ps, "points \"%s\" is not an integer from %d "
                             "to %d", lead_rules_shown(f[COL_POINTS],
                                                       len[COL_POINTS], b),
                             -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT);
        points = 0;
    }
    a->points = (int32_t) points;

    if (len[COL_TOPIC] != 0
        && !lead_rules_valid_name(f[COL_TOPIC], len[COL_TOPIC]))
    {
        rc = lead_rules_fail(ps, "invalid topic \"%s\" (one word of "
                             "letters, digits, - _ ., at most %d)",
                             lead_rules_shown(f[COL_TOPIC], len[COL_TOPIC],
                                              b), LEAD_NAME_MAX);
        len[COL_TOPIC] = 0;
    }
    a->topic = lead_rules_strndup(r, f[COL_TOPIC], len[COL_TOPIC]);

    if (a->title == NULL || a->topic == NULL) {
        return lead_rules_nomem(ps);
    }

    a->id = asset_id(a->path);

    j = parse_flags(ps, a, f[COL_FLAGS], len[COL_FLAGS]);
    return j != LEAD_OK ? j : rc;
}

/* ---- the index --------------------------------------------------------- */

static int
exact_cmp(const void *x, const void *y)
{
    const lead_asset  *a = *(const lead_asset *const *) x;
    const lead_asset  *b = *(const lead_asset *const *) y;
    int                c = strcmp(a->path, b->path);

    return c ? c : (a->line > b->line) - (a->line < b->line);
}

static int
prefix_cmp(const void *x, const void *y)
{
    const lead_asset  *a = *(const lead_asset *const *) x;
    const lead_asset  *b = *(const lead_asset *const *) y;
    size_t             la = strlen(a->path), lb = strlen(b->path);

    if (la != lb) {
        return la > lb ? -1 : 1;
    }
    return exact_cmp(x, y);
}

/* Each path listed again, sorted next to the first of it, told once. */
static int
duplicates(lead_rules_parser *ps, const lead_asset **sorted, size_t n)
{
    size_t  i, first = 0;
    int     rc = LEAD_OK;

    for (i = 1; i < n; i++) {
        if (strcmp(sorted[i]->path, sorted[first]->path) != 0) {
            first = i;
            continue;
        }
        ps->line = sorted[i]->line;
        rc = lead_rules_fail(ps, "duplicate path \"%s\" (first on line %u)",
                             sorted[i]->path, sorted[first]->line);
    }
    return rc;
}

static int
index_assets(lead_rules_parser *ps)
{
    lead_rules  *r = ps->rules;
    size_t       i;
    int          rc;

    r->exact = lead_rules_alloc(r, (r->nassets + 1) * sizeof(lead_asset *));
    r->prefixes = lead_rules_alloc(r,
                                   (r->nassets + 1) * sizeof(lead_asset *));
    if (r->exact == NULL || r->prefixes == NULL) {
        return lead_rules_nomem(ps);
    }

    for (i = 0; i < r->nassets; i++) {
        const lead_asset  *a = &r->assets[i];

        if (a->path[strlen(a->path) - 1] == '*') {
            r->prefixes[r->nprefixes++] = a;
        } else {
            r->exact[r->nexact++] = a;
        }
    }

    qsort(r->exact, r->nexact, sizeof(lead_asset *), exact_cmp);
    qsort(r->prefixes, r->nprefixes, sizeof(lead_asset *), prefix_cmp);

    rc = duplicates(ps, r->exact, r->nexact);
    return duplicates(ps, r->prefixes, r->nprefixes) == LEAD_OK ? rc
                                                               : LEAD_EINVAL;
}

/* ---- the file ---------------------------------------------------------- */

int
lead_assets_csv_parse(lead_rules_parser *ps, const char *data, size_t len)
{
    lead_rules  *r = ps->rules;
    csv          c;
    int          col_of[NCOLS], rc, header = 1, bad = 0;
    size_t       cap = 0;
    lead_asset  *grown;

    /* spreadsheets may start UTF-8 files with a byte order mark */
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
    }

    memset(&c, 0, sizeof(c));
    c.p = data;
    c.end = data + len;
    c.line = 1;
    c.max_fields = MAX_FIELDS;
    c.max_field_len = MAX_FIELD_LEN;
    c.buf = malloc(MAX_FIELDS * MAX_FIELD_LEN);
    if (c.buf == NULL) {
        return lead_rules_nomem(ps);
    }

    while ((rc = csv_next(ps, &c)) == 1) {
        if (csv_blank(&c)) {
            continue;
        }

        if (header) {
            rc = parse_header(ps, &c, col_of);
            if (rc != LEAD_OK) {
                break;
            }
            header = 0;
            continue;
        }

        /* a row's errors are told, and the next row read */
        if (c.nfields != NCOLS) {
            bad = lead_rules_fail(ps, "expected %d fields, found %d", NCOLS,
                                  c.nfields);
            continue;
        }

        if (r->nassets == LEAD_RULES_MAX_ROWS) {
            rc = lead_rules_fail(ps, "more than %d assets",
                                 LEAD_RULES_MAX_ROWS);
            break;
        }

        if (r->nassets == cap) {
            cap = cap ? cap * 2 : 64;
            grown = lead_rules_alloc(r, cap * sizeof(lead_asset));
            if (grown == NULL) {
                rc = lead_rules_nomem(ps);
                break;
            }
            if (r->nassets) {
                memcpy(grown, r->assets, r->nassets * sizeof(lead_asset));
            }
            r->assets = grown;
        }

        rc = parse_asset(ps, &c, col_of, &r->assets[r->nassets]);
        if (rc == LEAD_ENOMEM) {
            break;
        }
        if (rc != LEAD_OK) {
            bad = LEAD_EINVAL;
            continue;
        }
        r->nassets++;
    }

    free(c.buf);

    if (rc < 0 && rc != LEAD_EINVAL) {
        return rc;
    }
    if (rc < 0 && header) {
        return rc;                  /* a header refused: told already */
    }
    bad = rc < 0 ? rc : bad;
    if (header) {
        ps->line = 1;
        return lead_rules_fail(ps, "no header row (expected path,title,stage,"
                               "points,topic,flags)");
    }

    rc = index_assets(ps);
    return rc != LEAD_OK ? rc : bad;
}
