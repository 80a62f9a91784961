/*
 * libFuzzer: assets.csv as a spreadsheet may export it, read with a fixed
 * scoring.conf that keeps the default stages.  Whatever loads must hold
 * together: paths in normal form, ids set, each rule found by matching.
 */

#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define FUZZ_DIR  "/nonexistent-lead-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_asset(const lead_rules *r, const lead_scoring *sc, const lead_asset *a,
    unsigned prev_line)
{
    const lead_asset  *m;
    size_t             len = strlen(a->path);

    if (a->id == 0 || len == 0 || a->path[0] != '/' || a->line <= prev_line
        || a->stage_index >= sc->nstages
        || strcmp(a->stage, sc->stages[a->stage_index]) != 0
        || a->points < -LEAD_POINTS_LIMIT || a->points > LEAD_POINTS_LIMIT
        || (a->flags & ~(unsigned) (LEAD_ASSET_HOT | LEAD_ASSET_OPEN
                                    | LEAD_ASSET_GATED)) != 0
        || ((a->flags & LEAD_ASSET_OPEN) && (a->flags & LEAD_ASSET_GATED))
        || strlen(a->title) > LEAD_PATH_MAX || strlen(a->topic) > LEAD_NAME_MAX
        || strlen(a->group) > LEAD_NAME_MAX)
    {
        __builtin_trap();
    }

    if (a->path[len - 1] != '*') {
        /* an exact rule is what its own path matches */
        if (lead_rules_match(r, a->path, len) != a) {
            __builtin_trap();
        }
    } else {
        /* a prefix matches its stem, unless an exact rule names it */
        m = lead_rules_match(r, a->path, len - 1);
        if (m != a && (m == NULL || strlen(m->path) != len - 1
                       || memcmp(m->path, a->path, len - 1) != 0))
        {
            __builtin_trap();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char    scoring[] = "half_life 7d;\nmql_threshold 50;\n";
    const lead_scoring  *sc;
    const lead_asset    *a;
    lead_rules          *r;
    char                 err[512];
    size_t               i, n;
    unsigned             line = 1;

    if (lead_rules_parse(&r, FUZZ_DIR, scoring, sizeof(scoring) - 1,
                         (const char *) data, size, err, sizeof(err))
        != LEAD_OK)
    {
        /* all or nothing, and the message names the file */
        if (r != NULL || strncmp(err, FUZZ_DIR "/assets.csv:",
                                 sizeof(FUZZ_DIR "/assets.csv:") - 1) != 0)
        {
            __builtin_trap();
        }
        return 0;
    }

    sc = lead_rules_scoring(r);
    n = lead_rules_count(r);
    if (n > LEAD_RULES_MAX_ROWS || lead_rules_asset(r, n) != NULL) {
        __builtin_trap();
    }
    for (i = 0; i < n; i++) {
        a = lead_rules_asset(r, i);
        check_asset(r, sc, a, line);
        line = a->line;
    }

    lead_rules_free(r);
    return 0;
}
