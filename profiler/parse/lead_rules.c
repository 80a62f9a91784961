/*
 * Rules: assets.csv (what each piece of content means) and scoring.conf
 * (the model's knobs), as marketers edit them.  Everything is checked and
 * loaded into a fresh object; any error discards it whole, with a message
 * naming file, line, what is wrong and what was expected.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_parse.h"

#define MAX_FIELDS       16
#define MAX_FIELD_LEN    1024
#define MAX_ARGS         80
#define MAX_FREEMAIL     100000

static const char  *default_stages[] = {
    "epiphany", "awareness", "interest", "evaluation", "decision"
};

static const char  *columns[] = {
    "path", "title", "stage", "points", "topic", "flags"
};

enum { COL_PATH, COL_TITLE, COL_STAGE, COL_POINTS, COL_TOPIC, COL_FLAGS,
       NCOLS };

/* ---- memory: everything a rule set owns is freed at once -------------- */

typedef struct chunk {
    struct chunk  *next;
    size_t         used, size;
    char           data[];
} chunk;

struct lead_rules {
    chunk              *mem;
    lead_str            texts[LEAD_RULES_NTEXTS];   /* as parsed */
    lead_scoring        scoring;
    lead_asset         *assets;
    size_t              nassets;
    const lead_asset  **exact;       /* sorted by path */
    size_t              nexact;
    const lead_asset  **prefixes;    /* longest first */
    size_t              nprefixes;
    char              **freemail;    /* sorted */
};

static void *
rules_alloc(lead_rules *r, size_t size)
{
    chunk   *c = r->mem;
    size_t   want;
    void    *p;

    size = (size + 15) & ~(size_t) 15;

    if (c == NULL || c->size - c->used < size) {
        want = size > 64 * 1024 ? size : 64 * 1024;
        c = malloc(sizeof(chunk) + want);
        if (c == NULL) {
            return NULL;
        }
        c->next = r->mem;
        c->used = 0;
        c->size = want;
        r->mem = c;
    }

    p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

static char *
rules_strndup(lead_rules *r, const char *s, size_t len)
{
    char  *p = rules_alloc(r, len + 1);

    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void
lead_rules_free(lead_rules *r)
{
    chunk  *c, *next;

    if (r == NULL) {
        return;
    }

    for (c = r->mem; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(r);
}

/* ---- errors ------------------------------------------------------------ */

typedef struct {
    lead_rules      *rules;
    const char      *dir;
    const char      *file;       /* name inside dir */
    unsigned         line;
    char            *err;
    size_t           errlen;
    const lead_str  *freemail;   /* the list's text, instead of its file */
} parser;

static int
perr(parser *p, const char *fmt, ...)
{
    va_list  ap;
    int      n;

    n = snprintf(p->err, p->errlen, "%s/%s:%u: ", p->dir, p->file, p->line);
    if (n >= 0 && (size_t) n < p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t) n, fmt, ap);
        va_end(ap);
    }

    return LEAD_EINVAL;
}

static int
nomem(parser *p)
{
    snprintf(p->err, p->errlen, "%s/%s: out of memory", p->dir, p->file);
    return LEAD_ENOMEM;
}

/* Prints a quoted value for an error message, cut and made printable. */
static const char *
shown(const char *s, size_t len, char buf[80])
{
    size_t  i, n = 0;

    for (i = 0; i < len && n < 72; i++) {
        unsigned char  c = (unsigned char) s[i];

        buf[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
    }
    if (i < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static int
read_file(parser *p, char **data, size_t *len)
{
    char         path[4096];
    FILE        *f;
    struct stat  st;
    size_t       n;

    snprintf(path, sizeof(path), "%s/%s", p->dir, p->file);

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(p->err, p->errlen, "%s: cannot open: %s", path,
                 strerror(errno));
        return LEAD_EINVAL;
    }

    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(p->err, p->errlen, "%s: not a regular file", path);
        fclose(f);
        return LEAD_EINVAL;
    }

    if (st.st_size > LEAD_RULES_MAX_FILE) {
        snprintf(p->err, p->errlen, "%s: %lld bytes, the limit is %d",
                 path, (long long) st.st_size, LEAD_RULES_MAX_FILE);
        fclose(f);
        return LEAD_EINVAL;
    }

    *data = malloc((size_t) st.st_size + 1);
    if (*data == NULL) {
        fclose(f);
        return nomem(p);
    }

    n = fread(*data, 1, (size_t) st.st_size, f);
    fclose(f);

    if (n != (size_t) st.st_size) {
        snprintf(p->err, p->errlen, "%s: read error", path);
        free(*data);
        return LEAD_EINVAL;
    }

    (*data)[n] = '\0';
    *len = n;
    return LEAD_OK;
}

/* ---- values ------------------------------------------------------------ */

static int
parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *v)
{
    size_t  i = 0;
    int     neg = 0;

    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len || len - i > 12) {
        return LEAD_EINVAL;
    }

    *v = 0;
    for ( ; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return LEAD_EINVAL;
        }
        *v = *v * 10 + (s[i] - '0');
    }
    if (neg) {
        *v = -*v;
    }

    return (*v < min || *v > max) ? LEAD_EINVAL : LEAD_OK;
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

    if (parse_int(s, len - 1, 1, 100000000, &n) != LEAD_OK) {
        return LEAD_EINVAL;
    }

    *ms = (uint64_t) n * unit;
    return LEAD_OK;
}

/* Stage, topic and group names: short, printable, no separators. */
static int
valid_name(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > LEAD_NAME_MAX) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) s[i];

        if (!(isalnum(c) || c == '-' || c == '_' || c == '.')) {
            return 0;
        }
    }
    return 1;
}

/* Printable UTF-8 without control characters. */
static int
valid_text(const char *s, size_t len)
{
    size_t  i, k;

    for (i = 0; i < len; i += k) {
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
            return 0;
        }
        k = lead_utf8_len((const unsigned char *) s + i, len - i);
        if (k == 0) {
            return 0;
        }
    }
    return 1;
}

static int
stage_index(const lead_scoring *sc, const char *s, size_t len)
{
    unsigned  i;

    for (i = 0; i < sc->nstages; i++) {
        if (strlen(sc->stages[i]) == len && memcmp(sc->stages[i], s, len) == 0)
        {
            return (int) i;
        }
    }
    return -1;
}

static void
stage_list(const lead_scoring *sc, char *buf, size_t size)
{
    unsigned  i;
    size_t    n = 0;

    buf[0] = '\0';
    for (i = 0; i < sc->nstages && n < size; i++) {
        n += (size_t) snprintf(buf + n, size - n, "%s%s", i ? " " : "",
                               sc->stages[i]);
    }
}

/* ---- scoring.conf ------------------------------------------------------ */

typedef struct {
    const char  *s;
    size_t       len;
} word;

typedef struct {
    const char  *p, *end;
    unsigned     line;
} lexer;

/*
 * Reads one directive: words up to ';'.  Returns the number of words,
 * 0 at the end of the file, or LEAD_EINVAL (message set).
 */
static int
next_directive(parser *ps, lexer *lx, word *w)
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
                return perr(ps, "unexpected end of file, expecting \";\"");
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
                return perr(ps, "unexpected \";\"");
            }
            ps->line = start_line;
            return n;
        }

        if (n == MAX_ARGS) {
            return perr(ps, "too many words in one directive (at most %d)",
                        MAX_ARGS);
        }

        if (*lx->p == '"') {
            q = ++lx->p;
            while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
                lx->p++;
            }
            if (lx->p == lx->end || *lx->p != '"') {
                return perr(ps, "unterminated quoted string");
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
expect_args(parser *ps, const word *w, int n, int min, int max,
    const char *usage)
{
    if (n - 1 < min || n - 1 > max) {
        return perr(ps, "\"%.*s\" takes %s", (int) w[0].len, w[0].s, usage);
    }
    return LEAD_OK;
}

static int
int_arg(parser *ps, const word *w, int64_t min, int64_t max, int32_t *out)
{
    int64_t  v;
    char     b[80];

    if (parse_int(w->s, w->len, min, max, &v) != LEAD_OK) {
        return perr(ps, "invalid number \"%s\" (expected an integer from "
                    "%lld to %lld)", shown(w->s, w->len, b), (long long) min,
                    (long long) max);
    }
    *out = (int32_t) v;
    return LEAD_OK;
}

static int
duration_arg(parser *ps, const word *w, uint64_t *ms)
{
    char  b[80];

    if (parse_duration(w->s, w->len, ms) != LEAD_OK) {
        return perr(ps, "invalid duration \"%s\" (expected a number with "
                    "s, m, h or d, e.g. 30d)", shown(w->s, w->len, b));
    }
    return LEAD_OK;
}

static int
domain_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
keep_text(lead_rules *r, int which, const char *text, size_t len)
{
    char  *copy = rules_strndup(r, text, len);

    if (copy == NULL) {
        return LEAD_ENOMEM;
    }
    r->texts[which].data = copy;
    r->texts[which].len = len;
    return LEAD_OK;
}

static int
load_freemail(parser *ps, const word *name)
{
    lead_rules  *r = ps->rules;
    parser       fp = *ps;
    char        *data, *line, *next, fname[512], b[80];
    size_t       len, n = 0, cap = 0, i, k;
    char       **list = NULL, **grown;
    int          rc;

    if (name->len == 0 || name->len >= sizeof(fname)
        || memchr(name->s, '/', name->len) != NULL)
    {
        return perr(ps, "freemail_domains: \"%s\" must be a file name in "
                    "the rules folder", shown(name->s, name->len, b));
    }

    memcpy(fname, name->s, name->len);
    fname[name->len] = '\0';
    fp.file = fname;
    fp.line = 0;

    if (ps->freemail) {
        /* parsed in place below: a copy */
        len = ps->freemail->len;
        data = malloc(len + 1);
        if (data == NULL) {
            return nomem(ps);
        }
        memcpy(data, ps->freemail->data, len);
        data[len] = '\0';
    } else {
        rc = read_file(&fp, &data, &len);
        if (rc != LEAD_OK) {
            return rc;
        }
    }

    if (keep_text(r, LEAD_RULES_FREEMAIL, data, len) != LEAD_OK) {
        free(data);
        return nomem(ps);
    }

    for (line = data; line != NULL && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        fp.line++;

        len = strcspn(line, "#");
        while (len > 0 && isspace((unsigned char) line[len - 1])) {
            len--;
        }
        while (len > 0 && isspace((unsigned char) *line)) {
            line++;
            len--;
        }
        if (len == 0) {
            continue;
        }

        for (k = 0; k < len; k++) {
            unsigned char  c = (unsigned char) tolower((unsigned char) line[k]);

            if (!(isalnum(c) || c == '-' || c == '.')) {
                break;
            }
            line[k] = (char) c;
        }
        if (k < len || len > 253 || line[0] == '.') {
            /* the message quotes the line: only then may the file go */
            rc = perr(&fp, "invalid domain \"%s\"", shown(line, len, b));
            free(data);
            free(list);
            return rc;
        }

        if (n == MAX_FREEMAIL) {
            free(data);
            free(list);
            return perr(&fp, "too many domains (at most %d)", MAX_FREEMAIL);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            grown = realloc(list, cap * sizeof(char *));
            if (grown == NULL) {
                free(data);
                free(list);
                return nomem(ps);
            }
            list = grown;
        }
        list[n] = rules_strndup(r, line, len);
        if (list[n] == NULL) {
            free(data);
            free(list);
            return nomem(ps);
        }
        n++;
    }

    free(data);

    r->freemail = rules_alloc(r, (n ? n : 1) * sizeof(char *));
    if (r->freemail == NULL) {
        free(list);
        return nomem(ps);
    }

    if (n) {
        qsort(list, n, sizeof(char *), domain_cmp);
    }
    /* drop repeats so a lookup needs no special case */
    for (i = 0, k = 0; i < n; i++) {
        if (k == 0 || strcmp(r->freemail[k - 1], list[i]) != 0) {
            r->freemail[k++] = list[i];
        }
    }
    r->scoring.nfreemail = k;

    free(list);
    return LEAD_OK;
}

static int
profile_rule(parser *ps, const word *w, int n, unsigned *seen)
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

    if (n < 3) {
        return perr(ps, "\"profile\" takes a kind and points (profile "
                    "company_email|freemail|subscribed|contact N, or "
                    "profile country CC... N)");
    }

    for (kind = 0; kind < 4 && !word_is(&w[1], kinds[kind]); kind++) {
        /* void */
    }
    if (kind < 4) {
        target = targets[kind];
    } else if (!word_is(&w[1], "country")) {
        return perr(ps, "unknown profile rule \"%s\" (expected company_email "
                    "freemail subscribed contact country)",
                    shown(w[1].s, w[1].len, b));
    }

    if (target) {
        if (*seen & 1u << kind) {
            return perr(ps, "\"profile %s\" is duplicate", kinds[kind]);
        }
        *seen |= 1u << kind;

        if (n != 3) {
            return perr(ps, "\"profile %s\" takes one number",
                        shown(w[1].s, w[1].len, b));
        }
        return int_arg(ps, &w[2], -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT,
                       target);
    }

    if (n < 4) {
        return perr(ps, "\"profile country\" takes country codes and points "
                    "(e.g. profile country GB IE 20)");
    }

    grown = rules_alloc(ps->rules, (sc->ncountries + 1) * sizeof(*grown));
    if (grown == NULL) {
        return nomem(ps);
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
                return perr(ps, "invalid country code \"%s\" (expected two "
                            "capital letters, ISO 3166, e.g. GB)",
                            shown(w[i].s + start, k - start, b));
            }
            if (cr->ncodes == sizeof(cr->codes) / sizeof(cr->codes[0])) {
                return perr(ps, "too many country codes in one rule");
            }
            memcpy(cr->codes[cr->ncodes++], w[i].s + start, 2);
        }
    }

    if (cr->ncodes == 0) {
        return perr(ps, "\"profile country\" needs at least one code");
    }

    sc->ncountries++;
    return int_arg(ps, &w[n - 1], -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT,
                   &cr->points);
}

static int
threshold_rule(parser *ps, const word *w, int n, const char *names,
    int32_t *mins, unsigned *seen)
{
    const char  *hit;
    char         b[80];
    unsigned     i;

    if (expect_args(ps, w, n, 2, 2, "a level and a number") != LEAD_OK) {
        return LEAD_EINVAL;
    }

    hit = (w[1].len == 1) ? strchr(names, w[1].s[0]) : NULL;
    if (hit == NULL || w[1].s[0] == '\0') {
        return perr(ps, "unknown level \"%s\" for \"%.*s\" (expected one of "
                    "%c %c %c)", shown(w[1].s, w[1].len, b), (int) w[0].len,
                    w[0].s, names[0], names[1], names[2]);
    }
    i = (unsigned) (hit - names);

    if (*seen & 1u << i) {
        return perr(ps, "\"%.*s %c\" is duplicate", (int) w[0].len, w[0].s,
                    names[i]);
    }
    *seen |= 1u << i;

    return int_arg(ps, &w[2], -100000, 100000, &mins[i]);
}

static int
parse_scoring(parser *ps, const char *data, size_t len, unsigned *gate_line,
    word *gate_word, unsigned **group_lines)
{
    lead_rules       *r = ps->rules;
    lead_scoring     *sc = &r->scoring;
    lexer             lx = { data, data + len, 1 };
    word              w[MAX_ARGS];
    lead_group_rule  *grown;
    unsigned         *lines;
    unsigned          seen = 0, grades = 0, bands = 0, profiles = 0, i;
    unsigned          grade_line = 1, band_line = 1;
    int               n, j, rc;
    int32_t           count;
    char              b[80];

    enum { S_STAGES = 1, S_GATE = 2, S_HALF = 4, S_MQL = 8, S_RELOAD = 16,
           S_FREEMAIL = 32, S_STAGE_MIN = 64 };

    while ((n = next_directive(ps, &lx, w)) > 0) {
        unsigned  bit = 0;

        if (word_is(&w[0], "stages")) {
            bit = S_STAGES;
        } else if (word_is(&w[0], "gate_from")) {
            bit = S_GATE;
        } else if (word_is(&w[0], "half_life")) {
            bit = S_HALF;
        } else if (word_is(&w[0], "mql_threshold")) {
            bit = S_MQL;
        } else if (word_is(&w[0], "reload_window")) {
            bit = S_RELOAD;
        } else if (word_is(&w[0], "freemail_domains")) {
            bit = S_FREEMAIL;
        } else if (word_is(&w[0], "stage_min")) {
            bit = S_STAGE_MIN;
        }
        if (bit) {
            if (seen & bit) {
                return perr(ps, "\"%.*s\" is duplicate", (int) w[0].len,
                            w[0].s);
            }
            seen |= bit;
        }

        switch (bit) {
        case S_STAGES:
            if (n - 1 < 2 || n - 1 > LEAD_MAX_STAGES) {
                return perr(ps, "\"stages\" takes 2 to %d names, in buying "
                            "order", LEAD_MAX_STAGES);
            }
            sc->nstages = 0;
            for (j = 1; j < n; j++) {
                if (!valid_name(w[j].s, w[j].len)) {
                    return perr(ps, "invalid stage name \"%s\" (letters, "
                                "digits, - _ .)", shown(w[j].s, w[j].len, b));
                }
                if (stage_index(sc, w[j].s, w[j].len) >= 0) {
                    return perr(ps, "stage \"%s\" is listed twice",
                                shown(w[j].s, w[j].len, b));
                }
                sc->stages[sc->nstages] = rules_strndup(r, w[j].s, w[j].len);
                if (sc->stages[sc->nstages++] == NULL) {
                    return nomem(ps);
                }
            }
            break;

        case S_GATE:
            if (expect_args(ps, w, n, 1, 1, "one stage name") != LEAD_OK) {
                return LEAD_EINVAL;
            }
            /* checked once all stages are known */
            *gate_line = ps->line;
            *gate_word = w[1];
            break;

        case S_HALF:
        case S_RELOAD:
            if (expect_args(ps, w, n, 1, 1, "one duration, e.g. 30d")
                != LEAD_OK)
            {
                return LEAD_EINVAL;
            }
            rc = duration_arg(ps, &w[1], bit == S_HALF ? &sc->half_life_ms
                                                       : &sc->reload_window_ms);
            if (rc != LEAD_OK) {
                return rc;
            }
            break;

        case S_MQL:
        case S_STAGE_MIN:
            if (expect_args(ps, w, n, 1, 1, "one number") != LEAD_OK
                || int_arg(ps, &w[1], 1, 1000000,
                           bit == S_MQL ? &sc->mql_threshold
                                        : &sc->stage_min)
                   != LEAD_OK)
            {
                return LEAD_EINVAL;
            }
            break;

        case S_FREEMAIL:
            if (expect_args(ps, w, n, 1, 1, "one file name") != LEAD_OK) {
                return LEAD_EINVAL;
            }
            rc = load_freemail(ps, &w[1]);
            if (rc != LEAD_OK) {
                return rc;
            }
            break;

        default:
            if (word_is(&w[0], "warm_after")) {
                if (expect_args(ps, w, n, 2, 3, "a group, a count and "
                                "optional points (warm_after guide 3 20)")
                    != LEAD_OK)
                {
                    return LEAD_EINVAL;
                }
                if (!valid_name(w[1].s, w[1].len)) {
                    return perr(ps, "invalid group name \"%s\"",
                                shown(w[1].s, w[1].len, b));
                }
                for (i = 0; i < sc->ngroups; i++) {
                    if (word_is(&w[1], sc->groups[i].name)) {
                        return perr(ps, "\"warm_after %s\" is duplicate",
                                    sc->groups[i].name);
                    }
                }
                if (int_arg(ps, &w[2], 1, 1000, &count) != LEAD_OK) {
                    return LEAD_EINVAL;
                }

                grown = rules_alloc(r, (sc->ngroups + 1) * sizeof(*grown));
                lines = rules_alloc(r, (sc->ngroups + 1) * sizeof(*lines));
                if (grown == NULL || lines == NULL) {
                    return nomem(ps);
                }
                if (sc->ngroups) {
                    memcpy(grown, sc->groups, sc->ngroups * sizeof(*grown));
                    memcpy(lines, *group_lines, sc->ngroups * sizeof(*lines));
                }
                grown[sc->ngroups].name = rules_strndup(r, w[1].s, w[1].len);
                if (grown[sc->ngroups].name == NULL) {
                    return nomem(ps);
                }
                grown[sc->ngroups].count = (unsigned) count;
                if (n == 4 && int_arg(ps, &w[3], -LEAD_POINTS_LIMIT,
                                      LEAD_POINTS_LIMIT,
                                      &grown[sc->ngroups].points)
                              != LEAD_OK)
                {
                    return LEAD_EINVAL;
                }
                lines[sc->ngroups] = ps->line;
                sc->groups = grown;
                *group_lines = lines;
                sc->ngroups++;

            } else if (word_is(&w[0], "grade")) {
                grade_line = ps->line;
                if (threshold_rule(ps, w, n, "ABC", sc->grade_min, &grades)
                    != LEAD_OK)
                {
                    return LEAD_EINVAL;
                }

            } else if (word_is(&w[0], "engagement")) {
                band_line = ps->line;
                if (threshold_rule(ps, w, n, "123", sc->band_min, &bands)
                    != LEAD_OK)
                {
                    return LEAD_EINVAL;
                }

            } else if (word_is(&w[0], "profile")) {
                if (profile_rule(ps, w, n, &profiles) != LEAD_OK) {
                    return LEAD_EINVAL;
                }

            } else {
                return perr(ps, "unknown directive \"%s\" (expected stages "
                            "gate_from half_life reload_window mql_threshold "
                            "stage_min warm_after grade engagement "
                            "freemail_domains profile)", shown(w[0].s, w[0].len, b));
            }
        }
    }

    if (n < 0) {
        return n;
    }

    ps->line = grade_line;

    if (!(sc->grade_min[0] > sc->grade_min[1]
          && sc->grade_min[1] > sc->grade_min[2]))
    {
        return perr(ps, "grade thresholds must fall from A to C (now A %d, "
                    "B %d, C %d)", sc->grade_min[0], sc->grade_min[1],
                    sc->grade_min[2]);
    }

    ps->line = band_line;

    if (!(sc->band_min[0] > sc->band_min[1]
          && sc->band_min[1] > sc->band_min[2] && sc->band_min[2] > 0))
    {
        return perr(ps, "engagement thresholds must fall from 1 to 3 and "
                    "stay above 0 (now 1 %d, 2 %d, 3 %d)", sc->band_min[0],
                    sc->band_min[1], sc->band_min[2]);
    }

    return LEAD_OK;
}

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

/* ---- assets.csv -------------------------------------------------------- */

typedef struct {
    const char  *p, *end;
    unsigned     line;
    char        *buf;                  /* decoded fields, back to back */
    size_t       off[MAX_FIELDS], len[MAX_FIELDS];
    int          nfields;
} csv;

/*
 * Reads one record (RFC 4180: quoted fields may hold commas, doubled
 * quotes and line breaks).  Returns 1, 0 at the end, or LEAD_EINVAL.
 */
static int
csv_next(parser *ps, csv *c)
{
    size_t  used = 0, start;
    int     quoted;
    char    ch;

    if (c->p >= c->end) {
        return 0;
    }

    ps->line = c->line;
    c->nfields = 0;

    for ( ;; ) {
        if (c->nfields == MAX_FIELDS) {
            return perr(ps, "more than %d fields", MAX_FIELDS);
        }

        start = used;
        quoted = 0;

        while (c->p < c->end && *c->p == ' ') {
            c->p++;
        }

        if (c->p < c->end && *c->p == '"') {
            quoted = 1;
            c->p++;
            for ( ;; ) {
                if (c->p == c->end) {
                    return perr(ps, "quoted field is not closed");
                }
                ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') {
                        c->p++;
                    } else {
                        break;
                    }
                } else if (ch == '\n') {
                    c->line++;
                }
                if (used - start == MAX_FIELD_LEN) {
                    return perr(ps, "field longer than %d bytes",
                                MAX_FIELD_LEN);
                }
                c->buf[used++] = ch;
            }
            while (c->p < c->end && *c->p == ' ') {
                c->p++;
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\r'
                && *c->p != '\n')
            {
                return perr(ps, "unexpected text after a closing quote "
                            "(double a quote inside a quoted field: \"\")");
            }

        } else {
            while (c->p < c->end && *c->p != ',' && *c->p != '\r'
                   && *c->p != '\n')
            {
                if (used - start == MAX_FIELD_LEN) {
                    return perr(ps, "field longer than %d bytes",
                                MAX_FIELD_LEN);
                }
                c->buf[used++] = *c->p++;
            }
        }

        if (!quoted) {
            while (used > start && c->buf[used - 1] == ' ') {
                used--;
            }
        }

        c->off[c->nfields] = start;
        c->len[c->nfields] = used - start;
        c->nfields++;

        if (c->p == c->end) {
            return 1;
        }
        if (*c->p == ',') {
            c->p++;
            continue;
        }

        /* end of record: CRLF, LF or a lone CR */
        if (*c->p == '\r') {
            c->p++;
        }
        if (c->p < c->end && *c->p == '\n') {
            c->p++;
        }
        c->line++;
        return 1;
    }
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
parse_header(parser *ps, csv *c, int *col_of)
{
    int   i, j;
    char  b[80];

    for (j = 0; j < NCOLS; j++) {
        col_of[j] = -1;
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
            return perr(ps, "unknown column \"%s\" (columns: path title "
                        "stage points topic flags)", shown(f, len, b));
        }
        if (col_of[j] >= 0) {
            return perr(ps, "column \"%s\" appears twice", columns[j]);
        }
        col_of[j] = i;
    }

    for (j = 0; j < NCOLS; j++) {
        if (col_of[j] < 0) {
            return perr(ps, "missing column \"%s\" (the header is path,title,"
                        "stage,points,topic,flags)", columns[j]);
        }
    }

    return LEAD_OK;
}

static int
parse_flags(parser *ps, lead_asset *a, const char *f, size_t len)
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
                return perr(ps, "an asset belongs to one group at most");
            }
            if (!valid_name(f + start + 6, i - start - 6)) {
                return perr(ps, "invalid group name \"%s\" (letters, digits, "
                            "- _ .)", shown(f + start + 6, i - start - 6, b));
            }
            a->group = rules_strndup(ps->rules, f + start + 6,
                                     i - start - 6);
            if (a->group == NULL) {
                return nomem(ps);
            }
        } else {
            return perr(ps, "unknown flag \"%s\" (flags: hot open gated "
                        "group=NAME)", shown(f + start, i - start, b));
        }
    }

    if ((a->flags & LEAD_ASSET_OPEN) && (a->flags & LEAD_ASSET_GATED)) {
        return perr(ps, "flags \"open\" and \"gated\" contradict each other");
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

static int
parse_asset(parser *ps, csv *c, const int *col_of, lead_asset *a)
{
    lead_rules    *r = ps->rules;
    const char    *f[NCOLS];
    size_t         len[NCOLS], plen;
    char           norm[LEAD_PATH_MAX], b[80], stages[256];
    int            j, n, st;
    int64_t        points;

    for (j = 0; j < NCOLS; j++) {
        f[j] = c->buf + c->off[col_of[j]];
        len[j] = c->len[col_of[j]];
    }

    a->line = ps->line;

    /* path: normal form, as the module will see requests */
    plen = len[COL_PATH];
    if (plen == 0 || f[COL_PATH][0] != '/') {
        return perr(ps, "path \"%s\" must start with \"/\"",
                    shown(f[COL_PATH], plen, b));
    }
    if (plen > 0 && f[COL_PATH][plen - 1] == '*') {
        plen--;
    }
    if (!valid_text(f[COL_PATH], len[COL_PATH])) {
        return perr(ps, "path \"%s\" has control characters or invalid "
                    "UTF-8", shown(f[COL_PATH], len[COL_PATH], b));
    }
    if (memchr(f[COL_PATH], '*', plen) != NULL) {
        return perr(ps, "path \"%s\": \"*\" may only end a prefix",
                    shown(f[COL_PATH], len[COL_PATH], b));
    }
    n = lead_path_normalize(f[COL_PATH], plen, norm);
    if (n < 0 || (size_t) n != plen || memcmp(norm, f[COL_PATH], plen) != 0
        || memchr(f[COL_PATH], '?', plen) != NULL)
    {
        return perr(ps, "path \"%s\" is not a plain decoded path (no query, "
                    "%%XX, \"//\", \".\" or \"..\")",
                    shown(f[COL_PATH], len[COL_PATH], b));
    }
    a->path = rules_strndup(r, f[COL_PATH], len[COL_PATH]);

    /* a line break typed into a spreadsheet cell is a space to sales */
    for (j = 0; j < (int) len[COL_TITLE]; j++) {
        if (f[COL_TITLE][j] == '\r' || f[COL_TITLE][j] == '\n'
            || f[COL_TITLE][j] == '\t')
        {
            ((char *) f[COL_TITLE])[j] = ' ';
        }
    }

    if (len[COL_TITLE] > LEAD_TITLE_MAX
        || !valid_text(f[COL_TITLE], len[COL_TITLE]))
    {
        return perr(ps, "title must be text of at most %d bytes, without "
                    "control characters", LEAD_TITLE_MAX);
    }
    a->title = len[COL_TITLE] ? rules_strndup(r, f[COL_TITLE], len[COL_TITLE])
                              : a->path;

    st = stage_index(&r->scoring, f[COL_STAGE], len[COL_STAGE]);
    if (st < 0) {
        stage_list(&r->scoring, stages, sizeof(stages));
        if (len[COL_STAGE] == 0) {
            return perr(ps, "stage is empty (stages: %s)", stages);
        }
        return perr(ps, "unknown stage \"%s\" (stages: %s)",
                    shown(f[COL_STAGE], len[COL_STAGE], b), stages);
    }
    a->stage_index = (unsigned) st;
    a->stage = r->scoring.stages[st];

    if (parse_int(f[COL_POINTS], len[COL_POINTS], -LEAD_POINTS_LIMIT,
                  LEAD_POINTS_LIMIT, &points) != LEAD_OK)
    {
        return perr(ps, "points \"%s\" is not an integer from %d to %d",
                    shown(f[COL_POINTS], len[COL_POINTS], b),
                    -LEAD_POINTS_LIMIT, LEAD_POINTS_LIMIT);
    }
    a->points = (int32_t) points;

    if (len[COL_TOPIC] != 0 && !valid_name(f[COL_TOPIC], len[COL_TOPIC])) {
        return perr(ps, "invalid topic \"%s\" (one word of letters, digits, "
                    "- _ ., at most %d)", shown(f[COL_TOPIC], len[COL_TOPIC],
                    b), LEAD_NAME_MAX);
    }
    a->topic = rules_strndup(r, f[COL_TOPIC], len[COL_TOPIC]);
    a->group = "";

    if (a->path == NULL || a->title == NULL || a->topic == NULL) {
        return nomem(ps);
    }

    a->id = asset_id(a->path);

    return parse_flags(ps, a, f[COL_FLAGS], len[COL_FLAGS]);
}

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

static int
index_assets(parser *ps)
{
    lead_rules  *r = ps->rules;
    size_t       i;

    r->exact = rules_alloc(r, (r->nassets + 1) * sizeof(lead_asset *));
    r->prefixes = rules_alloc(r, (r->nassets + 1) * sizeof(lead_asset *));
    if (r->exact == NULL || r->prefixes == NULL) {
        return nomem(ps);
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

    for (i = 1; i < r->nexact; i++) {
        if (strcmp(r->exact[i]->path, r->exact[i - 1]->path) == 0) {
            ps->line = r->exact[i]->line;
            return perr(ps, "duplicate path \"%s\" (first on line %u)",
                        r->exact[i]->path, r->exact[i - 1]->line);
        }
    }
    for (i = 1; i < r->nprefixes; i++) {
        if (strcmp(r->prefixes[i]->path, r->prefixes[i - 1]->path) == 0) {
            ps->line = r->prefixes[i]->line;
            return perr(ps, "duplicate path \"%s\" (first on line %u)",
                        r->prefixes[i]->path, r->prefixes[i - 1]->line);
        }
    }

    return LEAD_OK;
}

static int
parse_assets(parser *ps, const char *data, size_t len)
{
    lead_rules  *r = ps->rules;
    csv          c;
    int          col_of[NCOLS], rc, header = 1;
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
    c.buf = malloc(MAX_FIELDS * MAX_FIELD_LEN);
    if (c.buf == NULL) {
        return nomem(ps);
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

        if (c.nfields != NCOLS) {
            rc = perr(ps, "expected %d fields, found %d", NCOLS, c.nfields);
            break;
        }

        if (r->nassets == LEAD_RULES_MAX_ROWS) {
            rc = perr(ps, "more than %d assets", LEAD_RULES_MAX_ROWS);
            break;
        }

        if (r->nassets == cap) {
            cap = cap ? cap * 2 : 64;
            grown = rules_alloc(r, cap * sizeof(lead_asset));
            if (grown == NULL) {
                rc = nomem(ps);
                break;
            }
            if (r->nassets) {
                memcpy(grown, r->assets, r->nassets * sizeof(lead_asset));
            }
            r->assets = grown;
        }

        rc = parse_asset(ps, &c, col_of, &r->assets[r->nassets]);
        if (rc != LEAD_OK) {
            break;
        }
        r->nassets++;
    }

    free(c.buf);

    if (rc < 0) {
        return rc;
    }
    if (header) {
        ps->line = 1;
        return perr(ps, "no header row (expected path,title,stage,points,"
                    "topic,flags)");
    }

    return index_assets(ps);
}

/* ---- loading ----------------------------------------------------------- */

static int
check_groups(parser *ps, unsigned *group_lines)
{
    lead_rules  *r = ps->rules;
    unsigned     i, members;
    size_t       k;

    for (i = 0; i < r->scoring.ngroups; i++) {
        members = 0;
        for (k = 0; k < r->nassets; k++) {
            members += strcmp(r->assets[k].group,
                              r->scoring.groups[i].name) == 0;
        }
        if (members < r->scoring.groups[i].count) {
            ps->line = group_lines[i];
            return perr(ps, "warm_after %s %u: only %u assets have "
                        "group=%s in assets.csv", r->scoring.groups[i].name,
                        r->scoring.groups[i].count, members,
                        r->scoring.groups[i].name);
        }
    }

    return LEAD_OK;
}

int
lead_rules_parse(lead_rules **out, const char *dir, const char *scoring,
    size_t scoring_len, const char *assets, size_t assets_len, char *err,
    size_t errlen)
{
    return lead_rules_parse_texts(out, dir, scoring, scoring_len, assets,
                                  assets_len, NULL, err, errlen);
}

int
lead_rules_parse_texts(lead_rules **out, const char *dir,
    const char *scoring, size_t scoring_len, const char *assets,
    size_t assets_len, const lead_str *freemail, char *err, size_t errlen)
{
    lead_rules  *r;
    parser       ps = { NULL, dir, "scoring.conf", 0, err, errlen,
                        freemail };
    char         stages[256], b[80];
    unsigned     gate_line = 0, *group_lines = NULL;
    word         gate = { NULL, 0 };
    int          rc, st;

    *out = NULL;

    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return nomem(&ps);
    }
    ps.rules = r;
    scoring_defaults(&r->scoring);

    rc = keep_text(r, LEAD_RULES_SCORING, scoring, scoring_len);
    if (rc == LEAD_OK) {
        rc = keep_text(r, LEAD_RULES_ASSETS, assets, assets_len);
    }
    if (rc != LEAD_OK) {
        lead_rules_free(r);
        return nomem(&ps);
    }

    rc = parse_scoring(&ps, scoring, scoring_len, &gate_line, &gate,
                       &group_lines);

    if (rc == LEAD_OK && gate.s != NULL) {
        st = stage_index(&r->scoring, gate.s, gate.len);
        if (st < 0) {
            ps.line = gate_line;
            stage_list(&r->scoring, stages, sizeof(stages));
            rc = perr(&ps, "unknown stage \"%s\" for gate_from (stages: %s)",
                      shown(gate.s, gate.len, b), stages);
        }
        r->scoring.gate_from = (unsigned) st;

    } else if (rc == LEAD_OK && r->scoring.stages[0] != default_stages[0]) {
        ps.line = 1;
        rc = perr(&ps, "\"gate_from\" is needed with custom stages");
    }

    if (rc == LEAD_OK) {
        ps.file = "assets.csv";
        rc = parse_assets(&ps, assets, assets_len);
    }

    if (rc == LEAD_OK) {
        ps.file = "scoring.conf";
        rc = check_groups(&ps, group_lines);
    }

    if (rc != LEAD_OK) {
        lead_rules_free(r);
        return rc;
    }

    *out = r;
    return LEAD_OK;
}

int
lead_rules_load(lead_rules **out, const char *dir, char *err, size_t errlen)
{
    parser   ps = { NULL, dir, "scoring.conf", 0, err, errlen, NULL };
    char    *scoring = NULL, *assets = NULL;
    size_t   scoring_len, assets_len;
    int      rc;

    *out = NULL;

    rc = read_file(&ps, &scoring, &scoring_len);
    if (rc == LEAD_OK) {
        ps.file = "assets.csv";
        rc = read_file(&ps, &assets, &assets_len);
        if (rc == LEAD_OK) {
            rc = lead_rules_parse(out, dir, scoring, scoring_len, assets,
                                  assets_len, err, errlen);
            free(assets);
        }
        free(scoring);
    }

    return rc;
}

/* ---- lookups ----------------------------------------------------------- */

const lead_asset *
lead_rules_match(const lead_rules *r, const char *path, size_t len)
{
    size_t  lo = 0, hi = r->nexact, mid, i, plen;
    int     c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = strncmp(r->exact[mid]->path, path, len);
        if (c == 0 && r->exact[mid]->path[len] != '\0') {
            c = 1;
        }
        if (c == 0) {
            return r->exact[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    for (i = 0; i < r->nprefixes; i++) {
        plen = strlen(r->prefixes[i]->path) - 1;
        if (plen <= len && memcmp(r->prefixes[i]->path, path, plen) == 0) {
            return r->prefixes[i];
        }
    }

    return NULL;
}

const lead_asset *
lead_rules_find(const lead_rules *r, uint64_t id)
{
    size_t  i;

    for (i = 0; i < r->nassets; i++) {
        if (r->assets[i].id == id) {
            return &r->assets[i];
        }
    }
    return NULL;
}

size_t
lead_rules_count(const lead_rules *r)
{
    return r->nassets;
}

const lead_asset *
lead_rules_asset(const lead_rules *r, size_t i)
{
    return i < r->nassets ? &r->assets[i] : NULL;
}

lead_str
lead_rules_text(const lead_rules *r, int which)
{
    lead_str  none = { "", 0 };

    return (which >= 0 && which < LEAD_RULES_NTEXTS && r->texts[which].data)
           ? r->texts[which] : none;
}

const lead_scoring *
lead_rules_scoring(const lead_rules *r)
{
    return &r->scoring;
}

int
lead_rules_is_freemail(const lead_rules *r, const char *domain, size_t len)
{
    size_t  lo = 0, hi = r->scoring.nfreemail, mid;
    int     c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = strncmp(r->freemail[mid], domain, len);
        if (c == 0 && r->freemail[mid][len] != '\0') {
            c = 1;
        }
        if (c == 0) {
            return 1;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    return 0;
}
