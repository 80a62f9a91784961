/*
 * libFuzzer: a lead's kept state as a damaged store may hold it, loaded
 * into a scorer, and its kept stage walk.  What loads must save and load
 * again to the same bytes: names written once and referred back to read
 * as they were written; a walk goes on to any later moment.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_parse.h"
#include "lead_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
stage_walk(const uint8_t *data, size_t size)
{
    lead_stage_walk  w;
    lead_buf         once, twice;
    uint64_t         spent[LEAD_STAGE_NONE + 1];
    unsigned         in;

    if (lead_stage_walk_load(&w, data, size) != LEAD_OK) {
        return;
    }
    (void) lead_stage_walk_to(&w, UINT64_MAX, spent, &in);

    memset(&once, 0, sizeof(once));
    memset(&twice, 0, sizeof(twice));
    lead_stage_walk_save(&w, &once);
    if (once.oom || lead_stage_walk_load(&w, (uint8_t *) once.data,
                                         once.len) != LEAD_OK)
    {
        abort();
    }
    lead_stage_walk_save(&w, &twice);
    if (twice.oom || once.len != twice.len
        || memcmp(once.data, twice.data, once.len) != 0)
    {
        abort();
    }
    lead_buf_free(&once);
    lead_buf_free(&twice);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char    scoring[] =
        "half_life 10d;\nmql_threshold 60;\nwarm_after guide 2 15;\n";
    static const char    assets[] =
        "path,title,stage,points,topic,flags\n"
        "/,Home,epiphany,0,,open\n"
        "/guide/1.html,Part 1,interest,10,fibre,group=guide\n"
        "/guide/2.html,Part 2,evaluation,15,fibre,group=guide\n"
        "/pricing.html,Pricing,decision,25,fibre,hot\n";
    static lead_rules   *r;
    static lead_scorer  *s;
    lead_buf             once, twice;
    char                 err[512];

    if (r == NULL) {
        if (lead_rules_parse(&r, "/nonexistent-lead-fuzz", scoring,
                             sizeof(scoring) - 1, assets, sizeof(assets) - 1,
                             err, sizeof(err)) != LEAD_OK
            || (s = lead_scorer_new(lead_rules_scoring(r))) == NULL)
        {
            abort();
        }
    }

    stage_walk(data, size);
    if (lead_scorer_load(s, data, size) != LEAD_OK) {
        return 0;
    }

    memset(&once, 0, sizeof(once));
    memset(&twice, 0, sizeof(twice));
    lead_scorer_save(s, &once);
    if (once.oom || lead_scorer_load(s, (uint8_t *) once.data, once.len)
                    != LEAD_OK)
    {
        abort();
    }
    lead_scorer_save(s, &twice);
    if (twice.oom || once.len != twice.len
        || memcmp(once.data, twice.data, once.len) != 0)
    {
        abort();
    }

    lead_buf_free(&once);
    lead_buf_free(&twice);
    return 0;
}
