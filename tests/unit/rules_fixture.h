/*
 * What the rules' tests share (test_rules.c, test_assets_csv.c,
 * test_scoring_conf.c): buffers parsed as if from a folder, and files
 * loaded from a real one, each failing the test with the message it got.
 *
 * Functions are static inline so a file that uses only some of them does
 * not trip -Wunused-function.
 */

#ifndef RULES_FIXTURE_H
#define RULES_FIXTURE_H

#include "unit.h"

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

/* Buffers are parsed as if they came from this folder. */
#define RDIR        "rules"
#define CSV(n)      RDIR "/assets.csv:" #n ": "
#define CONF(n)     RDIR "/scoring.conf:" #n ": "
#define HEADER      "path,title,stage,points,topic,flags\n"
#define STAGES      "(stages: epiphany awareness interest evaluation decision)"
#define PREFIX_HINT " (a prefix row, /dir/*, counts each page read under it)"

/* ---- buffers ----------------------------------------------------------- */

static inline lead_rules *
parse_ok_n(const char *scoring, size_t slen, const char *assets, size_t alen)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    rc = lead_rules_parse(&r, RDIR, scoring, slen, assets, alen, err,
                          sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_rules_parse: %d (%s)\nscoring.conf: %s\nassets.csv: "
                 "%.*s", rc, err, scoring, (int) (alen < 300 ? alen : 300),
                 assets);
    }
    assert_non_null(r);
    return r;
}

static inline lead_rules *
parse_ok(const char *scoring, const char *assets)
{
    return parse_ok_n(scoring, strlen(scoring), assets, strlen(assets));
}

/* Parsing fails with exactly the message want and leaves *out NULL. */
static inline void
expect_err_n(const char *scoring, size_t slen, const char *assets,
    size_t alen, const char *want)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    r = (lead_rules *) err;                 /* must be reset to NULL */
    rc = lead_rules_parse(&r, RDIR, scoring, slen, assets, alen, err,
                          sizeof(err));
    if (rc == LEAD_OK) {
        lead_rules_free(r);
    }
    if (rc != LEAD_EINVAL || r != NULL || strcmp(err, want) != 0) {
        fail_msg("scoring.conf: %s\nassets.csv: %.*s\nwant: %s\ngot:  %d %s",
                 scoring, (int) (alen < 300 ? alen : 300), assets, want, rc,
                 err);
    }
}

static inline void
expect_err(const char *scoring, const char *assets, const char *want)
{
    expect_err_n(scoring, strlen(scoring), assets, strlen(assets), want);
}

/* The asset whose path pattern is path, by a scan of all of them. */
static inline const lead_asset *
asset_by_path(const lead_rules *r, const char *path)
{
    const lead_asset  *a;
    size_t             i;

    for (i = 0; (a = lead_rules_asset(r, i)) != NULL; i++) {
        if (strcmp(a->path, path) == 0) {
            return a;
        }
    }
    fail_msg("no asset %s", path);
    return NULL;
}

/* ---- files ------------------------------------------------------------- */

static inline void
put_file(const char *dir, const char *name, const char *text)
{
    char    path[256];
    FILE   *f;
    size_t  len = strlen(text);

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* lead_rules_load fails with dir followed by exactly want_tail. */
static inline void
expect_load_err(const char *dir, const char *want_tail)
{
    lead_rules  *r;
    char         err[512] = "";
    size_t       dlen = strlen(dir);
    int          rc;

    r = (lead_rules *) err;                 /* must be reset to NULL */
    rc = lead_rules_load(&r, dir, err, sizeof(err));
    if (rc == LEAD_OK) {
        lead_rules_free(r);
    }
    if (rc != LEAD_EINVAL || r != NULL || strncmp(err, dir, dlen) != 0
        || strcmp(err + dlen, want_tail) != 0)
    {
        fail_msg("want: %s%s\ngot:  %d %s", dir, want_tail, rc, err);
    }
}

static inline lead_rules *
load_ok(const char *dir)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    rc = lead_rules_load(&r, dir, err, sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_rules_load: %d (%s)", rc, err);
    }
    assert_non_null(r);
    return r;
}

#endif /* RULES_FIXTURE_H */
