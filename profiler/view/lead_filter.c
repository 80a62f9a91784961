/*
 * The filters of the leads list as people type them, in leadctl's
 * options and the sales view's query, checked against the rules.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_view.h"

/* ---- filters ----------------------------------------------------------- */

void
lead_filter_init(lead_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->status = -1;
    f->stage = -1;
    f->sort = LEAD_SORT_SCORE;
}

static int
stage_index(const lead_rules *r, const char *name, size_t len)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    unsigned             i;

    for (i = 0; i < sc->nstages; i++) {
        if (strlen(sc->stages[i]) == len
            && memcmp(sc->stages[i], name, len) == 0)
        {
            return (int) i;
        }
    }
    return -1;
}

static int
filter_err(char *err, size_t errlen, const char *key, const char *value,
    size_t len, const char *expected)
{
    snprintf(err, errlen, "unknown %s \"%.*s\" (%s)", key,
             (int) (len > 40 ? 40 : len), value, expected);
    return LEAD_EINVAL;
}

/* "overdue", "unassigned", "calls", or several of them (space, comma) */
static int
only_set(lead_filter *f, const char *value, size_t len, char *err,
    size_t errlen)
{
    static const struct {
        const char  *name;
        unsigned     bit;
    } words[] = {
        { "overdue", LEAD_ONLY_OVERDUE }, { "unassigned", LEAD_ONLY_UNASSIGNED },
        { "calls", LEAD_ONLY_CALLS }
    };
    size_t    i = 0, end, k;
    unsigned  only = 0;

    while (i < len) {
        for (end = i; end < len && value[end] != ' ' && value[end] != ',';
             end++)
        {
            /* void */
        }
        for (k = 0; end > i && k < sizeof(words) / sizeof(words[0]); k++) {
            if (strlen(words[k].name) == end - i
                && memcmp(words[k].name, value + i, end - i) == 0)
            {
                only |= words[k].bit;
                break;
            }
        }
        if (end > i && k == sizeof(words) / sizeof(words[0])) {
            return filter_err(err, errlen, "only", value + i, end - i,
                              "overdue, unassigned or calls");
        }
        i = end + 1;
    }
    f->only = only;
    return LEAD_OK;
}

int
lead_filter_set(lead_filter *f, const lead_rules *r, const char *key,
    const char *value, size_t len, char *err, size_t errlen)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    char                 stages[LEAD_MAX_STAGES * (LEAD_NAME_MAX + 1)];
    size_t               i, n = 0;
    int                  v;

    if (strcmp(key, "status") == 0) {
        v = len ? lead_status_parse(value, len) : -1;
        if (len && v <= LEAD_STATUS_ANONYMOUS) {
            return filter_err(err, errlen, key, value, len,
                              "statuses: identified mql sal sql won "
                              "nurture");
        }
        f->status = v;

    } else if (strcmp(key, "stage") == 0) {
        v = len ? stage_index(r, value, len) : -1;
        if (len && v < 0) {
            for (i = 0; i < sc->nstages; i++) {
                n += (size_t) snprintf(stages + n, sizeof(stages) - n,
                                       "%s%s", i ? " " : "", sc->stages[i]);
            }
            snprintf(err, errlen, "unknown stage \"%.*s\" (stages: %s)",
                     (int) (len > 40 ? 40 : len), value, stages);
            return LEAD_EINVAL;
        }
        f->stage = v;

    } else if (strcmp(key, "topic") == 0) {
        for (i = 0; i < len; i++) {
            if (!isgraph((unsigned char) value[i])) {
                break;
            }
        }
        if (len > LEAD_NAME_MAX || i < len) {
            return filter_err(err, errlen, key, value, len,
                              "one word, as in assets.csv");
        }
        memcpy(f->topic, value, len);
        f->topic[len] = '\0';

    } else if (strcmp(key, "cell") == 0) {
        f->grade = 0;
        f->band = 0;
        for (i = 0; i < len; i++) {
            char  c = (char) toupper((unsigned char) value[i]);

            if (c >= 'A' && c <= 'D' && i == 0 && !f->grade) {
                f->grade = c;
            } else if (c >= '1' && c <= '4' && !f->band) {
                f->band = c - '0';
            } else {
                f->grade = 0;
                f->band = 0;
                return filter_err(err, errlen, key, value, len,
                                  "a cell such as A1, a grade A-D or a "
                                  "band 1-4");
            }
        }

    } else if (strcmp(key, "q") == 0) {
        if (len > LEAD_EMAIL_MAX || memchr(value, '\0', len)) {
            snprintf(err, errlen, "search text longer than %d bytes",
                     LEAD_EMAIL_MAX);
            return LEAD_EINVAL;
        }
        memcpy(f->search, value, len);
        f->search[len] = '\0';

    } else if (strcmp(key, "sort") == 0) {
        if (len == 0 || (len == 5 && memcmp(value, "score", 5) == 0)) {
            f->sort = LEAD_SORT_SCORE;
        } else if (len == 6 && memcmp(value, "recent", 6) == 0) {
            f->sort = LEAD_SORT_RECENT;
        } else if (len == 4 && memcmp(value, "name", 4) == 0) {
            f->sort = LEAD_SORT_NAME;
        } else {
            return filter_err(err, errlen, key, value, len,
                              "score, recent or name");
        }

    } else if (strcmp(key, "owner") == 0) {
        if (len && (len >= sizeof(f->owner) || !lead_owner_valid(value, len)))
        {
            return filter_err(err, errlen, key, value, len,
                              "a name of at most 128 bytes");
        }
        memcpy(f->owner, value, len);
        f->owner[len] = '\0';

    } else if (strcmp(key, "only") == 0) {
        return only_set(f, value, len, err, errlen);

    } else {
        snprintf(err, errlen, "unknown filter \"%s\"", key);
        return LEAD_EINVAL;
    }

    return LEAD_OK;
}
