/*
 * The profile: the points a person's facts earn (the e-mail, the flags,
 * where they read from), listed part by part, and the grade they make;
 * and the band and stage a lead's engagement puts it in.
 */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_model.h"

static int
in_countries(const lead_country_rule *cr, const char *cc)
{
    unsigned  i;

    if (strlen(cc) != 2) {
        return 0;
    }

    for (i = 0; i < cr->ncodes; i++) {
        if (memcmp(cr->codes[i], cc, 2) == 0) {
            return 1;
        }
    }
    return 0;
}

static void
part(lead_profile_part *parts, unsigned *n, int points, const char *label)
{
    if (points == 0) {
        return;
    }
    if (*n == LEAD_PROFILE_PARTS) {         /* never lose a point */
        snprintf(parts[*n - 1].label, sizeof(parts[0].label), "other");
        parts[*n - 1].points += points;
        return;
    }
    snprintf(parts[*n].label, sizeof(parts[*n].label), "%s", label);
    parts[(*n)++].points = points;
}

unsigned
lead_profile_parts(const lead_rules *r, const lead_person *p,
    const char *country, lead_profile_part parts[LEAD_PROFILE_PARTS])
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    const char          *at;
    char                 label[48];
    unsigned             i, n = 0;

    at = p->email.len ? memchr(p->email.data, '@', p->email.len) : NULL;
    if (at != NULL) {
        if (lead_company(r, p->email).len) {
            part(parts, &n, sc->company_email_points, "company e-mail");
        } else {
            part(parts, &n, sc->freemail_points, "free-mail address");
        }
    }
    if (p->subscribed) {
        part(parts, &n, sc->subscribed_points, "subscribed");
    }
    if (p->contact) {
        part(parts, &n, sc->contact_points, "asked for a call");
    }
    for (i = 0; country && country[0] && i < sc->ncountries; i++) {
        if (in_countries(&sc->countries[i], country)) {
            snprintf(label, sizeof(label), "reads from %s", country);
            part(parts, &n, sc->countries[i].points, label);
        }
    }

    return n;
}

int
lead_profile_points(const lead_rules *r, const lead_person *p,
    const char *country)
{
    lead_profile_part  parts[LEAD_PROFILE_PARTS];
    unsigned           i, n;
    int                points = 0;

    n = lead_profile_parts(r, p, country, parts);
    for (i = 0; i < n; i++) {
        points += parts[i].points;
    }
    return points;
}

char
lead_grade(const lead_scoring *sc, int profile_points)
{
    int  i;

    for (i = 0; i < 3; i++) {
        if (profile_points >= sc->grade_min[i]) {
            return (char) ('A' + i);
        }
    }
    return 'D';
}

lead_str
lead_email_domain(lead_str email)
{
    lead_str     none = { "", 0 }, domain;
    const char  *at;

    at = email.len ? memchr(email.data, '@', email.len) : NULL;
    if (at == NULL) {
        return none;
    }
    domain.data = at + 1;
    domain.len = email.len - (size_t) (domain.data - email.data);
    return domain;
}

lead_str
lead_company(const lead_rules *r, lead_str email)
{
    lead_str  none = { "", 0 }, domain = lead_email_domain(email);

    /* a free-mail address says nothing about an employer */
    if (domain.len == 0
        || lead_rules_is_freemail(r, domain.data, domain.len))
    {
        return none;
    }
    return domain;
}

int
lead_stage_of(const lead_scoring *sc, const double *by_stage, double scale)
{
    unsigned  i;

    /* the latest stage with meaningful recent engagement */
    for (i = sc->nstages; i > 0; i--) {
        if (by_stage[i - 1] * scale >= sc->stage_min) {
            return (int) i - 1;
        }
    }
    return -1;
}

int
lead_band(const lead_scoring *sc, double engagement)
{
    int  i;

    engagement = floor(engagement + 0.5);       /* as the score is shown */

    for (i = 0; i < 3; i++) {
        if (engagement >= sc->band_min[i]) {
            return i + 1;
        }
    }
    return 4;
}
