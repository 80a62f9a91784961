/*
 * What the rules' parsers share: the rule set's memory, messages naming
 * file and line, reading a file, and checking numbers, names and stages.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lead.h"
#include "lead_rules_parser.h"

/* ---- memory: everything a rule set owns is freed at once -------------- */

typedef struct lead_rules_chunk  chunk;

struct lead_rules_chunk {
    chunk   *next;
    size_t   used, size;
    char     data[];
};

void *
lead_rules_alloc(lead_rules *r, size_t size)
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

char *
lead_rules_strndup(lead_rules *r, const char *s, size_t len)
{
    char  *p = lead_rules_alloc(r, len + 1);

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

int
lead_rules_keep_text(lead_rules *r, int which, const char *text, size_t len)
{
    char  *copy = lead_rules_strndup(r, text, len);

    if (copy == NULL) {
        return LEAD_ENOMEM;
    }
    r->texts[which].data = copy;
    r->texts[which].len = len;
    return LEAD_OK;
}

/* ---- errors ------------------------------------------------------------ */

int
lead_rules_fail(lead_rules_parser *p, const char *fmt, ...)
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

int
lead_rules_nomem(lead_rules_parser *p)
{
    snprintf(p->err, p->errlen, "%s/%s: out of memory", p->dir, p->file);
    return LEAD_ENOMEM;
}

const char *
lead_rules_shown(const char *s, size_t len, char buf[80])
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

/* ---- files ------------------------------------------------------------- */

int
lead_rules_read_file(lead_rules_parser *p, char **data, size_t *len)
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
        return lead_rules_nomem(p);
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

int
lead_rules_parse_int(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *v)
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

int
lead_rules_valid_name(const char *s, size_t len)
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

int
lead_rules_stage_index(const lead_scoring *sc, const char *s, size_t len)
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

void
lead_rules_stage_list(const lead_scoring *sc, char *buf, size_t size)
{
    unsigned  i;
    size_t    n = 0;

    buf[0] = '\0';
    for (i = 0; i < sc->nstages && n < size; i++) {
        n += (size_t) snprintf(buf + n, size - n, "%s%s", i ? " " : "",
                               sc->stages[i]);
    }
}
