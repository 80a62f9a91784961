/*
 * scoring.conf: the model's knobs, in directives much like nginx's, each
 * read by a handler from a table, over defaults that stand for the rest.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_rules_parser.h"

#define MAX_ARGS         80

/* LEAD_MAX_STAGES as text, for the usage of "stages" */
#define STR(n)           STR_(n)
#define STR_(n)          #n

static const char  *default_stages[] = {
    "epiphany", "awareness", "interest", "evaluation", "decision"
};

typedef struct {
    const char  *s;
    size_t       len;
} word;

typedef struct {
    const char  *p, *end;
    unsigned     line;
} lexer;

/* What the directives read so far leave for the ones after them. */
typedef struct {
    lead_rules_parser  *ps;
    lead_scoring       *sc;
    unsigned            seen;          /* commands given, bit by place */
    unsigned            failed;        /* ... and those refused */
    unsigned            grades;        /* levels given, bit by level */
    unsigned            bands;
    unsigned            profiles;      /* kinds given, bit by kind */
    unsigned            grade_line;    /* where a fault in order is named */
    unsigned            band_line;
    unsigned            gate_line;
    word                gate;          /* checked once all stages are known */
    unsigned           *group_lines;   /* of each warm_after */
} conf;

/* One directive: how many arguments it takes, and what reads them. */
typedef struct {
    const char  *name;
    int          min, max;
    const char  *usage;               /* "takes ..." when they do not fit */
    unsigned     once;                /* may be given once only */
    int        (*set)(conf *cf, const word *w, int n);
} conf_command;

/* ---- words ------------------------------------------------------------- */

/*
 * Reads one directive: words up to ';'.  Returns the number of words,
 * 0 at the end of the file, or LEAD_EINVAL (message set).
 */
static int
next_directive(lead_rules_parser *ps, lexer *lx, word *w)
{
    int          n = 0;
    unsigned     start_line = 0;
    const char  *q;

    for ( ;; ) {
        while (lx->p < lx->end && isspace((unsigned char) *lx->p)) {
            if (*lx->p == '\n') {
                lx->line++;
            }
            lx->p++;
        }

        if (lx->p == lx->end) {
            if (n > 0) {
                ps->line = start_line;
                return lead_rules_fail(ps, "unexpected end of file, "
                                       "expecting \";\"");
            }
            return 0;
        }

        if (*lx->p == '#') {
            while (lx->p < lx->end && *lx->p != '\n') {
                lx->p++;
            }
            continue;
        }

        if (n == 0) {
            start_line = lx->line;
        }
        ps->line = lx->line;

        if (*lx->p == ';') {
            lx->p++;
            if (n == 0) {
                return lead_rules_fail(ps, "unexpected \";\"");
            }
            ps->line = start_line;
            return n;
        }

        if (n == MAX_ARGS) {
            return lead_rules_fail(ps, "too many words in one directive "
                                   "(at most %d)", MAX_ARGS);
        }

        if (*lx->p == '"') {
            q = ++lx->p;
            while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
                lx->p++;
            }
            if (lx->p == lx->end || *lx->p != '"') {
                return lead_rules_fail(ps, "unterminated quoted string");
            }
            w[n].s = q;
            w[n].len = (size_t) (lx->p - q);
            lx->p++;

        } else {
            q = lx->p;
            while (lx->p < lx->end && !isspace((unsigned char) *lx->p)
                   && *lx->p != ';' && *lx->p != '#' && *lx->p != '"')
            {
                lx->p++;
            }
            w[n].s = q;
            w[n].len = (size_t) (lx->p - q);
        }

        n++;
    }
}

static int
word_is(const word *w, const char *s)
{
    return w->len == strlen(s) && memcmp(w->s, s, w->len) == 0;
}

static int
int_arg(lead_rules_parser *ps, const word *w, int64_t min, int64_t max,
    int32_t *out)
{
    int64_t  v;
    char     b[80];

    if (lead_rules_parse_int(w->s, w->len, min, max, &v) != LEAD_OK) {
        return lead_rules_fail(ps, "invalid number \"%s\" (expected an "
                               "integer from %lld to %lld)",
                               lead_rules_shown(w->s, w->len, b),
                               (long long) min, (long long) max);
    }
    *out = (int32_t) v;
    return LEAD_OK;
}

static int
parse_duration(const char *s, size_t len, uint64_t *ms)
{
    int64_t   n;
    uint64_t  unit;

    if (len < 2) {
        return LEAD_EINVAL;
    }

    switch (s[len - 1]) {
    case 's':
        unit = 1000;
        break;
    case 'm':
        unit = 60 * 1000;
        break;
    case 'h':
        unit = 3600 * 1000;
        break;
    case 'd':
        unit = 86400 * 1000;
        break;
    default:
        return LEAD_EINVAL;
    }

    if (lead_rules_parse_int(s, len - 1, 1, 100000000, &n) != LEAD_OK) {
        return LEAD_EINVAL;
    }

    *ms = (uint64_t) n * unit;
    return LEAD_OK;
}

static int
duration_arg(lead_rules_parser *ps, const word *w, uint64_t *ms)
{
    char  b[80];

    if (parse_duration(w->s, w->len, ms) != LEAD_OK) {
        return lead_rules_fail(ps, "invalid duration \"%s\" (expected a "
                               "number with s, m, h or d, e.g. 30d)",
                               lead_rules_shown(w->s, w->len, b));
    }
    return LEAD_OK;
}

/* ---- rules of several words -------------------------------------------- */

static int
profile_rule(lead_rules_parser *ps, const word *w, int n, unsigned *seen)
{
    lead_scoring       *sc = &ps->rules->scoring;
    lead_country_rule  *cr, *grown;
    int32_t            *target = NULL;
    int                 i;
    size_t              k, start;
    char                b[80];
    unsigned            kind;
    static const char  *kinds[] = {
        "company_email", "freemail", "subscribed", "contact"
    };
    int32_t            *targets[] = {
        &sc->company_email_points, &sc->freemail_points,
        &sc->subscribed_points, &sc->contact_points
    };

    for (kind = 0; kind < 4 && !word_is(&w[1], kinds[kind]); kind++) {
        /* void */
    }
    if (kind < 4) {
        target = targets[kind];
    } else if (!word_is(&w[1], "country")) {
        return lead_rules_fail(ps, "unknown profile rule \"%s\" (expected "
                               "company_email freemail subscribed contact "
                               "country)", lead_rules_shown(w[1].s, w[1].len,
                                                            b));
    }

    if (target) {
        if (*seen & 1u << kind) {
            return lead_rules_fail(ps, "\"profile %s\" is duplicate",
                                   kinds[kind]);
        }
        *seen |= 1u << kind;

        if (n != 3) {
            return lead_rules_fail(ps, "\"profile %s\" takes one number",
                                   lead_rules_shown(w[1].s, w[1].len, b));
        }
        return int_arg(ps, &w[2], -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT,
                       target);
    }

    if (n < 4) {
        return lead_rules_fail(ps, "\"profile country\" takes country codes "
                               "and points (e.g. profile country GB IE 20)");
    }

    grown = lead_rules_alloc(ps->rules,
                             (sc->ncountries + 1) * sizeof(*grown));
    if (grown == NULL) {
        return lead_rules_nomem(ps);
    }
    if (sc->ncountries) {
        memcpy(grown, sc->countries, sc->ncountries * sizeof(*grown));
    }
    sc->countries = grown;
    cr = &grown[sc->ncountries];

    for (i = 2; i < n - 1; i++) {
        /* codes may also be written "GB,IE" */
        for (start = 0; start <= w[i].len; start = k + 1) {
            for (k = start; k < w[i].len && w[i].s[k] != ','; k++) {
                /* void */
            }
            if (k == start) {
                continue;
            }
            if (k - start != 2 || !isupper((unsigned char) w[i].s[start])
                || !isupper((unsigned char) w[i].s[start + 1]))
            {
                return lead_rules_fail(ps, "invalid country code \"%s\" "
                                       "(expected two capital letters, ISO "
                                       "3166, e.g. GB)",
                                       lead_rules_shown(w[i].s + start,
                                                        k - start, b));
            }
            if (cr->ncodes == sizeof(cr->codes) / sizeof(cr->codes[0])) {
                return lead_rules_fail(ps, "too many country codes in one "
                                       "rule");
            }
            memcpy(cr->codes[cr->ncodes++], w[i].s + start, 2);
        }
    }

    if (cr->ncodes == 0) {
        return lead_rules_fail(ps, "\"profile country\" needs at least one "
                               "code");
    }

    sc->ncountries++;
    return int_arg(ps, &w[n - 1], -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT,
                   &cr->points);
}

/* "grade A 60;", "engagement 1 80;": names holds the three levels. */
static int
threshold_rule(lead_rules_parser *ps, const word *w, const char *names,
    int32_t *mins, unsigned *seen)
{
    const char  *hit;
    char         b[80];
    unsigned     i;

    hit = (w[1].len == 1) ? strchr(names, w[1].s[0]) : NULL;
    if (hit == NULL || w[1].s[0] == '\0') {
        return lead_rules_fail(ps, "unknown level \"%s\" for \"%.*s\" "
                               "(expected one of %c %c %c)",
                               lead_rules_shown(w[1].s, w[1].len, b),
                               (int) w[0].len, w[0].s, names[0], names[1],
                               names[2]);
    }
    i = (unsigned) (hit - names);

    if (*seen & 1u << i) {
        return lead_rules_fail(ps, "\"%.*s %c\" is duplicate", (int) w[0].len,
                               w[0].s, names[i]);
    }
    *seen |= 1u << i;

    return int_arg(ps, &w[2], -100000, 100000, &mins[i]);
}

/* ---- one handler a directive, its arguments counted already ----------- */

static int
conf_stages(conf *cf, const word *w, int n)
{
    lead_scoring  *sc = cf->sc;
    int            j;
    char           b[80];

    sc->nstages = 0;
    for (j = 1; j < n; j++) {
        if (!lead_rules_valid_name(w[j].s, w[j].len)) {
            return lead_rules_fail(cf->ps, "invalid stage name \"%s\" "
                                   "(letters, digits, - _ .)",
                                   lead_rules_shown(w[j].s, w[j].len, b));
        }
        if (lead_rules_stage_index(sc, w[j].s, w[j].len) >= 0) {
            return lead_rules_fail(cf->ps, "stage \"%s\" is listed twice",
                                   lead_rules_shown(w[j].s, w[j].len, b));
        }
        sc->stages[sc->nstages] = lead_rules_strndup(cf->ps->rules, w[j].s,
                                                     w[j].len);
        if (sc->stages[sc->nstages++] == NULL) {
            return lead_rules_nomem(cf->ps);
        }
    }
    return LEAD_OK;
}

static int
conf_gate_from(conf *cf, const word *w, int n)
{
    (void) n;

    /* "stages" may come later */
    cf->gate_line = cf->ps->line;
    cf->gate = w[1];
    return LEAD_OK;
}

static int
conf_half_life(conf *cf, const word *w, int n)
{
    (void) n;
    return duration_arg(cf->ps, &w[1], &cf->sc->half_life_ms);
}

static int
conf_reload_window(conf *cf, const word *w, int n)
{
    (void) n;
    return duration_arg(cf->ps, &w[1], &cf->sc->reload_window_ms);
}

/* An MQL not accepted this long goes back to nurture; the reason says
   the duration as it was written. */
static int
conf_accept_within(conf *cf, const word *w, int n)
{
    size_t  skip;

    (void) n;

    if (duration_arg(cf->ps, &w[1], &cf->sc->accept_within_ms) != LEAD_OK) {
        return LEAD_EINVAL;
    }
    skip = w[1].s[0] == '+';
    cf->sc->accept_within = lead_rules_strndup(cf->ps->rules, w[1].s + skip,
                                               w[1].len - skip);
    return cf->sc->accept_within ? LEAD_OK : lead_rules_nomem(cf->ps);
}

/* The currency of amounts won when sales name none (ISO 4217). */
static int
conf_currency(conf *cf, const word *w, int n)
{
    char  b[80];

    (void) n;

    if (lead_currency_parse(w[1].s, w[1].len, cf->sc->currency) != LEAD_OK) {
        return lead_rules_fail(cf->ps, "invalid currency \"%s\" (expected "
                               "three capital letters, ISO 4217: EUR, USD)",
                               lead_rules_shown(w[1].s, w[1].len, b));
    }
    return LEAD_OK;
}

static int
conf_mql_threshold(conf *cf, const word *w, int n)
{
    (void) n;
    return int_arg(cf->ps, &w[1], 1, 1000000, &cf->sc->mql_threshold);
}

static int
conf_feedback_points(conf *cf, const word *w, int n)
{
    (void) n;
    return int_arg(cf->ps, &w[1], -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT,
                   &cf->sc->feedback_points);
}

static int
conf_stage_min(conf *cf, const word *w, int n)
{
    (void) n;
    return int_arg(cf->ps, &w[1], 1, 1000000, &cf->sc->stage_min);
}

#define WARM_USAGE                                                            \
    "a group, a count, optional points and an optional quoted title "         \
    "(warm_after guide 3 20 \"The buying guide\")"

/* A title as people read it: UTF-8 text, no control bytes. */
static int
group_title(lead_rules_parser *ps, const word *w, const char **out)
{
    size_t  i, k;

    if (w->len == 0 || w->len > LEAD_TITLE_MAX) {
        return lead_rules_fail(ps, "a group's title is 1 to %d bytes",
                               LEAD_TITLE_MAX);
    }
    for (i = 0; i < w->len; i += k) {
        k = lead_utf8_len((const unsigned char *) w->s + i, w->len - i);
        if (k == 0 || (k == 1 && ((unsigned char) w->s[i] < 0x20
                                  || w->s[i] == 0x7f)))
        {
            return lead_rules_fail(ps, "a group's title must be UTF-8 text "
                                   "without control characters");
        }
    }
    *out = lead_rules_strndup(ps->rules, w->s, w->len);
    return *out ? LEAD_OK : lead_rules_nomem(ps);
}

static int
conf_warm_after(conf *cf, const word *w, int n)
{
    lead_rules_parser  *ps = cf->ps;
    lead_rules         *r = ps->rules;
    lead_scoring       *sc = cf->sc;
    lead_group_rule    *grown;
    unsigned           *lines, i;
    int32_t             count;
    char                b[80];

    if (!lead_rules_valid_name(w[1].s, w[1].len)) {
        return lead_rules_fail(ps, "invalid group name \"%s\"",
                               lead_rules_shown(w[1].s, w[1].len, b));
    }
    for (i = 0; i < sc->ngroups; i++) {
        if (word_is(&w[1], sc->groups[i].name)) {
            return lead_rules_fail(ps, "\"warm_after %s\" is duplicate",
                                   sc->groups[i].name);
        }
    }
    if (int_arg(ps, &w[2], 1, 1000, &count) != LEAD_OK) {
        return LEAD_EINVAL;
    }

    grown = lead_rules_alloc(r, (sc->ngroups + 1) * sizeof(*grown));
    lines = lead_rules_alloc(r, (sc->ngroups + 1) * sizeof(*lines));
    if (grown == NULL || lines == NULL) {
        return lead_rules_nomem(ps);
    }
    if (sc->ngroups) {
        memcpy(grown, sc->groups, sc->ngroups * sizeof(*grown));
        memcpy(lines, cf->group_lines, sc->ngroups * sizeof(*lines));
    }
    grown[sc->ngroups].name = lead_rules_strndup(r, w[1].s, w[1].len);
    if (grown[sc->ngroups].name == NULL) {
        return lead_rules_nomem(ps);
    }
    grown[sc->ngroups].count = (unsigned) count;
    grown[sc->ngroups].points = 0;
    grown[sc->ngroups].title = "";
    /* a quoted last word (never the first: s[-1] is the text) is the
       group's title */
    if (n > 3 && w[n - 1].s[-1] == '"') {
        if (group_title(ps, &w[n - 1], &grown[sc->ngroups].title)
            != LEAD_OK)
        {
            return LEAD_EINVAL;
        }
        n--;
    }
    if (n == 5) {
        return lead_rules_fail(ps, "\"warm_after\" takes %s", WARM_USAGE);
    }
    if (n == 4 && int_arg(ps, &w[3], -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT,
                          &grown[sc->ngroups].points)
                  != LEAD_OK)
    {
        return LEAD_EINVAL;
    }
    lines[sc->ngroups] = ps->line;
    sc->groups = grown;
    cf->group_lines = lines;
    sc->ngroups++;

    return LEAD_OK;
}

/* signal NAME POINTS [TOPIC]: an outside event's worth, for ingest. */
static int
conf_signal(conf *cf, const word *w, int n)
{
    lead_rules_parser  *ps = cf->ps;
    lead_rules         *r = ps->rules;
    lead_scoring       *sc = cf->sc;
    lead_signal_rule   *grown, *sig;
    const char         *p;
    unsigned            i;
    char                b[80], path[8 + LEAD_NAME_MAX];

    if (!lead_rules_valid_name(w[1].s, w[1].len)) {
        return lead_rules_fail(ps, "invalid signal name \"%s\" (one word of "
                               "letters, digits, - _ ., at most %d)",
                               lead_rules_shown(w[1].s, w[1].len, b),
                               LEAD_NAME_MAX);
    }
    for (i = 0; i < sc->nsignals; i++) {
        if (word_is(&w[1], sc->signals[i].name)) {
            return lead_rules_fail(ps, "\"signal %s\" is duplicate",
                                   sc->signals[i].name);
        }
    }
    if (sc->nsignals == LEAD_SIGNALS_MAX) {
        return lead_rules_fail(ps, "too many signals (at most %d)",
                               LEAD_SIGNALS_MAX);
    }
    if (n == 4 && !lead_rules_valid_name(w[3].s, w[3].len)) {
        return lead_rules_fail(ps, "invalid topic \"%s\" (one word of "
                               "letters, digits, - _ ., at most %d)",
                               lead_rules_shown(w[3].s, w[3].len, b),
                               LEAD_NAME_MAX);
    }

    grown = lead_rules_alloc(r, (sc->nsignals + 1) * sizeof(*grown));
    if (grown == NULL) {
        return lead_rules_nomem(ps);
    }
    if (sc->nsignals) {
        memcpy(grown, sc->signals, sc->nsignals * sizeof(*grown));
    }
    sig = &grown[sc->nsignals];
    if (int_arg(ps, &w[2], -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT,
                &sig->points) != LEAD_OK)
    {
        return LEAD_EINVAL;
    }
    sig->name = lead_rules_strndup(r, w[1].s, w[1].len);
    sig->topic = lead_rules_strndup(r, n == 4 ? w[3].s : "",
                                    n == 4 ? w[3].len : 0);
    snprintf(path, sizeof(path), "signal:%.*s", (int) w[1].len, w[1].s);
    sig->path = lead_rules_strndup(r, path, strlen(path));
    if (sig->name == NULL || sig->topic == NULL || sig->path == NULL) {
        return lead_rules_nomem(ps);
    }
    /* FNV-1a, as an asset's id is of its path: "signal:" keeps them apart */
    sig->asset_id = 0xcbf29ce484222325ULL;
    for (p = sig->path; *p; p++) {
        sig->asset_id ^= (unsigned char) *p;
        sig->asset_id *= 0x100000001b3ULL;
    }
    sig->asset_id += sig->asset_id == 0;
    sc->signals = grown;
    sc->nsignals++;
    return LEAD_OK;
}

const lead_signal_rule *
lead_rules_signal(const lead_rules *r, const char *name, size_t len)
{
    const lead_scoring  *sc = &r->scoring;      /* lead_rules.c calls us */
    unsigned             i;

    for (i = 0; i < sc->nsignals; i++) {
        if (strlen(sc->signals[i].name) == len
            && memcmp(sc->signals[i].name, name, len) == 0)
        {
            return &sc->signals[i];
        }
    }
    return NULL;
}

static int
conf_grade(conf *cf, const word *w, int n)
{
    (void) n;

    cf->grade_line = cf->ps->line;
    return threshold_rule(cf->ps, w, "ABC", cf->sc->grade_min, &cf->grades);
}

static int
conf_engagement(conf *cf, const word *w, int n)
{
    (void) n;

    cf->band_line = cf->ps->line;
    return threshold_rule(cf->ps, w, "123", cf->sc->band_min, &cf->bands);
}

static int
conf_freemail_domains(conf *cf, const word *w, int n)
{
    (void) n;
    return lead_freemail_list_load(cf->ps, w[1].s, w[1].len);
}

static int
conf_profile(conf *cf, const word *w, int n)
{
    /*
     * Unlike the other handlers', a profile rule's faults are all
     * LEAD_EINVAL, running out of memory included, as they were before
     * the table.
     */
    return profile_rule(cf->ps, w, n, &cf->profiles) == LEAD_OK
           ? LEAD_OK : LEAD_EINVAL;
}

/* In this order the message on an unknown directive lists them. */
static const conf_command  conf_commands[] = {

    { "stages", 2, LEAD_MAX_STAGES,
      "2 to " STR(LEAD_MAX_STAGES) " names, in buying order",
      1, conf_stages },

    { "gate_from", 1, 1, "one stage name", 1, conf_gate_from },

    { "half_life", 1, 1, "one duration, e.g. 30d", 1, conf_half_life },

    { "reload_window", 1, 1, "one duration, e.g. 30d",
      1, conf_reload_window },

    { "mql_threshold", 1, 1, "one number", 1, conf_mql_threshold },

    { "accept_within", 1, 1, "one duration, e.g. 2d", 1,
      conf_accept_within },

    { "currency", 1, 1, "one currency code, e.g. EUR", 1, conf_currency },

    { "stage_min", 1, 1, "one number", 1, conf_stage_min },

    { "warm_after", 2, 4, WARM_USAGE,
      0, conf_warm_after },

    { "grade", 2, 2, "a level and a number", 0, conf_grade },

    { "engagement", 2, 2, "a level and a number", 0, conf_engagement },

    { "freemail_domains", 1, 1, "one file name", 1, conf_freemail_domains },

    { "profile", 2, MAX_ARGS,
      "a kind and points (profile company_email|freemail|subscribed|contact "
      "N, or profile country CC... N)",
      0, conf_profile },

    { "signal", 2, 3, "a name, points and an optional topic "
      "(signal webinar 30 pricing)", 0, conf_signal },

    { "feedback_points", 1, 1, "one number, the points of an asset rated",
      1, conf_feedback_points },
};

#define NCOMMANDS  (sizeof(conf_commands) / sizeof(conf_commands[0]))

/* ---- the file ---------------------------------------------------------- */

static void
scoring_defaults(lead_scoring *sc)
{
    unsigned  i;

    for (i = 0; i < 5; i++) {
        sc->stages[i] = default_stages[i];
    }
    sc->nstages = 5;
    sc->gate_from = 2;                              /* interest */
    sc->half_life_ms = 30ULL * 86400 * 1000;
    sc->reload_window_ms = 30ULL * 60 * 1000;
    sc->mql_threshold = 60;
    memcpy(sc->currency, "EUR", 4);
    sc->stage_min = 5;
    sc->grade_min[0] = 60;
    sc->grade_min[1] = 40;
    sc->grade_min[2] = 20;
    sc->band_min[0] = 80;
    sc->band_min[1] = 40;
    sc->band_min[2] = 15;
    sc->company_email_points = 20;
    sc->freemail_points = 0;
    sc->subscribed_points = 10;
    sc->contact_points = 30;
}

static int
unknown_directive(lead_rules_parser *ps, const word *w)
{
    char    names[256], b[80];
    size_t  i, n = 0;

    /* the table's names, so that a new directive is listed too */
    for (i = 0; i < NCOMMANDS && n < sizeof(names); i++) {
        n += (size_t) snprintf(names + n, sizeof(names) - n, "%s%s",
                               i ? " " : "", conf_commands[i].name);
    }

    return lead_rules_fail(ps, "unknown directive \"%s\" (expected %s)",
                           lead_rules_shown(w->s, w->len, b), names);
}

static int
directive(conf *cf, const word *w, int n)
{
    const conf_command  *cmd;
    unsigned             bit;
    int                  rc;

    for (cmd = conf_commands; cmd < conf_commands + NCOMMANDS; cmd++) {
        if (word_is(&w[0], cmd->name)) {
            break;
        }
    }
    if (cmd == conf_commands + NCOMMANDS) {
        return unknown_directive(cf->ps, &w[0]);
    }

    bit = 1u << (cmd - conf_commands);
    if (cmd->once && (cf->seen & bit)) {
        rc = lead_rules_fail(cf->ps, "\"%s\" is duplicate", cmd->name);

    } else if (n - 1 < cmd->min || n - 1 > cmd->max) {
        rc = lead_rules_fail(cf->ps, "\"%s\" takes %s", cmd->name,
                             cmd->usage);
    } else {
        rc = cmd->set(cf, w, n);
    }

    cf->seen |= bit;
    if (rc != LEAD_OK) {
        cf->failed |= bit;
    }
    return rc;
}

/* 1 when the directive was given and refused: what follows from it is not
   checked, lest one mistake be told many times. */
static int
refused(const conf *cf, const char *name)
{
    size_t  i;

    for (i = 0; i < NCOMMANDS; i++) {
        if (strcmp(conf_commands[i].name, name) == 0) {
            return (cf->failed >> i) & 1;
        }
    }
    return 0;
}

/* What no one directive can check: levels in order, the gate a stage. */
static int
check_scoring(conf *cf)
{
    lead_rules_parser  *ps = cf->ps;
    lead_scoring       *sc = cf->sc;
    char                stages[256], b[80];
    int                 st, rc = LEAD_OK;

    ps->line = cf->grade_line;

    if (!refused(cf, "grade")
        && !(sc->grade_min[0] > sc->grade_min[1]
             && sc->grade_min[1] > sc->grade_min[2]))
    {
        rc = lead_rules_fail(ps, "grade thresholds must fall from A to C "
                             "(now A %d, B %d, C %d)", sc->grade_min[0],
                             sc->grade_min[1], sc->grade_min[2]);
    }

    ps->line = cf->band_line;

    if (!refused(cf, "engagement")
        && !(sc->band_min[0] > sc->band_min[1]
             && sc->band_min[1] > sc->band_min[2] && sc->band_min[2] > 0))
    {
        rc = lead_rules_fail(ps, "engagement thresholds must fall from 1 "
                             "to 3 and stay above 0 (now 1 %d, 2 %d, "
                             "3 %d)", sc->band_min[0], sc->band_min[1],
                             sc->band_min[2]);
    }

    if (refused(cf, "stages") || refused(cf, "gate_from")) {
        return LEAD_EINVAL;
    }

    if (cf->gate.s != NULL) {
        st = lead_rules_stage_index(sc, cf->gate.s, cf->gate.len);
        if (st < 0) {
            ps->line = cf->gate_line;
            lead_rules_stage_list(sc, stages, sizeof(stages));
            return lead_rules_fail(ps, "unknown stage \"%s\" for gate_from "
                                   "(stages: %s)",
                                   lead_rules_shown(cf->gate.s, cf->gate.len,
                                                    b), stages);
        }
        sc->gate_from = (unsigned) st;

    } else if (sc->stages[0] != default_stages[0]) {
        ps->line = 1;
        return lead_rules_fail(ps, "\"gate_from\" is needed with custom "
                               "stages");
    }

    return rc;
}

int
lead_scoring_conf_parse(lead_rules_parser *ps, const char *data, size_t len,
    unsigned **group_lines)
{
    lexer  lx = { data, data + len, 1 };
    word   w[MAX_ARGS];
    conf   cf;
    int    n, rc = LEAD_OK;

    memset(&cf, 0, sizeof(cf));
    cf.ps = ps;
    cf.sc = &ps->rules->scoring;
    cf.grade_line = 1;
    cf.band_line = 1;

    scoring_defaults(cf.sc);

    /* a refused directive is told, and the next one read */
    while ((n = next_directive(ps, &lx, w)) > 0) {
        switch (directive(&cf, w, n)) {
        case LEAD_OK:
            break;
        case LEAD_ENOMEM:
            return LEAD_ENOMEM;
        default:
            rc = LEAD_EINVAL;
        }
    }

    *group_lines = cf.group_lines;
    ps->rules->stages_refused = refused(&cf, "stages");

    /* the words themselves went wrong: the rest of the file is unread */
    if (n < 0) {
        return n;
    }

    return check_scoring(&cf) == LEAD_OK ? rc : LEAD_EINVAL;
}
