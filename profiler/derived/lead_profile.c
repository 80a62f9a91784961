/*
 * What a request shows of its visitor ($lead_score, $lead_status,
 * $lead_grade): its lead's score, status and cell, or its own anonymous
 * score, computed as leadctl computes them.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_derived.h"

typedef struct {
    const lead_rules  *rules;
    const char        *country;
    int                points;
} profile_points;

static int
keep_points(void *arg, const lead_person *p)
{
    profile_points  *pp = arg;

    pp->points = lead_profile_points(pp->rules, p, pp->country);
    return 0;
}

int
lead_store_profile(lead_store *s, const lead_rules *r,
    const uint8_t visitor[LEAD_ID_LEN], const uint8_t *lead_id,
    uint64_t now_ms, lead_profile *out)
{
    char                 hex[LEAD_ID_HEX_LEN];
    uint64_t             since;
    lead_score          *score;
    profile_points       pp;
    const lead_scoring  *sc = lead_rules_scoring(r);
    int                  rc;

    memset(out, 0, sizeof(*out));
    out->status = LEAD_STATUS_ANONYMOUS;

    score = malloc(sizeof(lead_score));
    if (score == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    if (lead_id == NULL) {
        rc = lead_store_score_visitor(s, sc, visitor, now_ms, score);
        if (rc == LEAD_OK) {
            out->score = (int64_t) (score->engagement + 0.5);
        }
        free(score);
        return rc;
    }

    rc = lead_store_score_lead(s, sc, lead_id, 0, now_ms, score);
    if (rc != LEAD_OK) {
        free(score);
        return rc;
    }

    if (lead_store_get_status(s, lead_id, &out->status, &since) != LEAD_OK) {
        out->status = LEAD_STATUS_IDENTIFIED;
    }

    pp.rules = r;
    pp.country = score->ncountries ? score->countries[0] : "";
    pp.points = 0;
    lead_id_to_hex(lead_id, hex);
    (void) lead_store_find_lead(s, hex, LEAD_ID_HEX_LEN, keep_points, &pp);

    out->score = (int64_t) (score->engagement + 0.5);
    out->cell[0] = lead_grade(sc, pp.points);
    out->cell[1] = (char) ('0' + score->band);
    out->cell[2] = '\0';

    free(score);
    return LEAD_OK;
}
