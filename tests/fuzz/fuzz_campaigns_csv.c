/*
 * libFuzzer: campaigns.csv as a spreadsheet may export it.  Whatever
 * loads must hold together: names without control characters and
 * within LEAD_UTM_MAX, costs within the amounts' bound, each campaign
 * found by its name and none twice; a refusal names the file.
 */

#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define FUZZ_DIR  "/nonexistent-lead-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char     scoring[] = "mql_threshold 50;\n";
    static const char     assets[] = "path,title,stage,points,topic,flags\n";
    const lead_campaign  *c;
    lead_rules           *r;
    char                  err[512];
    size_t                i, j, n;
    int                   rc;

    if (lead_rules_parse(&r, FUZZ_DIR, scoring, sizeof(scoring) - 1, assets,
                         sizeof(assets) - 1, err, sizeof(err))
        != LEAD_OK)
    {
        __builtin_trap();
    }

    err[0] = '\0';
    rc = lead_rules_parse_campaigns(r, FUZZ_DIR, (const char *) data, size,
                                    err, sizeof(err));
    n = lead_rules_campaigns(r, &c);

    if (rc != LEAD_OK) {
        if (n != 0 || strstr(err, FUZZ_DIR "/campaigns.csv:") != err) {
            __builtin_trap();
        }
        lead_rules_free(r);
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (c[i].len == 0 || c[i].len > LEAD_UTM_MAX || c[i].cost < 0
            || c[i].cost > LEAD_AMOUNT_MAX
            || lead_rules_campaign_cost(r, c[i].name, c[i].len) != c[i].cost)
        {
            __builtin_trap();
        }
        for (j = 0; j < c[i].len; j++) {
            if ((unsigned char) c[i].name[j] < 0x20 || c[i].name[j] == 0x7f) {
                __builtin_trap();
            }
        }
        if (i > 0 && c[i - 1].len == c[i].len
            && memcmp(c[i - 1].name, c[i].name, c[i].len) == 0)
        {
            __builtin_trap();
        }
    }

    lead_rules_free(r);
    return 0;
}
