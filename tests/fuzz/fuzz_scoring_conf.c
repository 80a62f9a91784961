/*
 * libFuzzer: scoring.conf as marketers may write it, with a small fixed
 * assets.csv.  The rules folder does not exist, so freemail_domains must
 * fail cleanly; whatever loads must satisfy the checks the parser claims.
 */

#include <ctype.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define FUZZ_DIR  "/nonexistent-lead-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_scoring(const lead_scoring *sc)
{
    unsigned  i, k;

    if (sc->nstages < 2 || sc->nstages > LEAD_MAX_STAGES
        || sc->gate_from >= sc->nstages || sc->half_life_ms == 0
        || sc->reload_window_ms == 0 || sc->mql_threshold < 1
        || !(sc->grade_min[0] > sc->grade_min[1]
             && sc->grade_min[1] > sc->grade_min[2])
        || !(sc->band_min[0] > sc->band_min[1]
             && sc->band_min[1] > sc->band_min[2] && sc->band_min[2] > 0)
        || sc->nfreemail != 0
        || (sc->accept_within_ms == 0) != (sc->accept_within == NULL))
    {
        __builtin_trap();
    }

    /* what a returned lead's reason is made of: a number and a unit */
    if (sc->accept_within != NULL) {
        k = (unsigned) strlen(sc->accept_within);
        for (i = 0; i + 1 < k; i++) {
            if (!isdigit((unsigned char) sc->accept_within[i])) {
                __builtin_trap();
            }
        }
        if (k < 2 || strchr("smhd", sc->accept_within[k - 1]) == NULL) {
            __builtin_trap();
        }
    }

    /* amounts are shown with it: three capitals, always */
    for (i = 0; i < 3; i++) {
        if (!isupper((unsigned char) sc->currency[i])
            || (unsigned char) sc->currency[i] > 'Z')
        {
            __builtin_trap();
        }
    }
    if (sc->currency[3] != '\0') {
        __builtin_trap();
    }

    for (i = 0; i < sc->nstages; i++) {
        if (sc->stages[i][0] == '\0'
            || strlen(sc->stages[i]) > LEAD_NAME_MAX)
        {
            __builtin_trap();
        }
    }

    for (i = 0; i < sc->ngroups; i++) {
        if (sc->groups[i].count < 1 || sc->groups[i].name[0] == '\0'
            || sc->groups[i].points < -LEAD_POINTS_LIMIT
            || sc->groups[i].points > LEAD_POINTS_LIMIT)
        {
            __builtin_trap();
        }
    }

    for (i = 0; i < sc->ncountries; i++) {
        if (sc->countries[i].ncodes < 1 || sc->countries[i].ncodes > 64) {
            __builtin_trap();
        }
        for (k = 0; k < sc->countries[i].ncodes; k++) {
            if (!isupper((unsigned char) sc->countries[i].codes[k][0])
                || !isupper((unsigned char) sc->countries[i].codes[k][1]))
            {
                __builtin_trap();
            }
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char  assets[] =
        "path,title,stage,points,topic,flags\n"
        "/,Home,epiphany,0,,open\n"
        "/guide/*,Guide,interest,10,fibre,gated\n"
        "/guide/1.html,Part 1,interest,10,fibre,gated group=guide\n"
        "/guide/2.html,Part 2,evaluation,15,fibre,gated group=guide\n"
        "/guide/3.html,Part 3,decision,15,fibre,gated group=guide\n"
        "/pricing.html,Pricing,decision,25,fibre,hot\n";
    lead_rules        *r;
    char               err[512];

    if (lead_rules_parse(&r, FUZZ_DIR, (const char *) data, size, assets,
                         sizeof(assets) - 1, err, sizeof(err)) != LEAD_OK)
    {
        /* all or nothing, and the message names a file in the folder */
        if (r != NULL || strncmp(err, FUZZ_DIR "/",
                                 sizeof(FUZZ_DIR "/") - 1) != 0)
        {
            __builtin_trap();
        }
        return 0;
    }

    check_scoring(lead_rules_scoring(r));
    if (lead_rules_count(r) != 6) {
        __builtin_trap();
    }

    lead_rules_free(r);
    return 0;
}
