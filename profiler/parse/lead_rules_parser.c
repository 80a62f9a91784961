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

/* "\nand 99999 more errors" always fits after the messages shown */
#define MORE_ROOM  32

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

/* ---- errors: every one, up to LEAD_RULES_MAX_ERRORS, a line each ------- */

/*
 * The list is err itself, so that a parser's copy (the free-mail list's)
 * adds to it too: one message a line, then "and N more errors" once
 * they no longer fit or pass the cap.  Room for that line is kept.
 */
static void
add_error(lead_rules_parser *p, const char *msg)
{
    size_t         used, lines = 1, more = 0;
    char          *tail, *nl;
    unsigned long  n;

    if (p->rules != NULL) {
        p->rules->nerrors++;
    }
    if (p->errlen == 0) {
        return;
    }

    used = strlen(p->err);
    if (used == 0) {
        snprintf(p->err, p->errlen, "%s", msg);
        return;
    }

    tail = NULL;
    for (nl = strchr(p->err, '\n'); nl != NULL; nl = strchr(nl + 1, '\n')) {
        lines++;
        tail = nl;
    }
    if (tail != NULL && strncmp(tail, "\nand ", 5) == 0
        && sscanf(tail + 5, "%lu more", &n) == 1)
    {
        more = n;
    } else {
        tail = NULL;
    }

    if (tail == NULL && lines < LEAD_RULES_MAX_ERRORS
        && used + 1 + strlen(msg) + MORE_ROOM < p->errlen)
    {
        snprintf(p->err + used, p->errlen - used, "\n%s", msg);
        return;
    }

    if (tail == NULL) {
        tail = p->err + used;
    }
    snprintf(tail, p->errlen - (size_t) (tail - p->err),
             "\nand %zu more error%s", more + 1, more + 1 == 1 ? "" : "s");
}

/* "dir/file:line: " (or, of a whole file, "dir/file: ") and the
   message, kept. */
static int
vfail(lead_rules_parser *p, int at_line, const char *fmt, va_list ap)
{
    char  msg[1024];
    int   n;

    n = at_line ? snprintf(msg, sizeof(msg), "%s/%s:%u: ", p->dir, p->file,
                           p->line)
                : snprintf(msg, sizeof(msg), "%s/%s: ", p->dir, p->file);
    if (n >= 0 && (size_t) n < sizeof(msg)) {
        vsnprintf(msg + n, sizeof(msg) - (size_t) n, fmt, ap);
    }
    add_error(p, msg);

    return LEAD_EINVAL;
}

int
lead_rules_fail(lead_rules_parser *p, const char *fmt, ...)
{
    va_list  ap;
    int      rc;

    va_start(ap, fmt);
    rc = vfail(p, 1, fmt, ap);
    va_end(ap);
    return rc;
}

/* An error of a whole file: "dir/file: " and the message. */
static int
file_fail(lead_rules_parser *p, const char *fmt, ...)
{
    va_list  ap;
    int      rc;

    va_start(ap, fmt);
    rc = vfail(p, 0, fmt, ap);
    va_end(ap);
    return rc;
}

int
lead_rules_failed(const lead_rules_parser *p)
{
    return (p->rules != NULL && p->rules->nerrors > 0)
           || (p->errlen > 0 && p->err[0] != '\0');
}

int
lead_rules_nomem(lead_rules_parser *p)
{
    (void) file_fail(p, "out of memory");
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

    *data = NULL;
    snprintf(path, sizeof(path), "%s/%s", p->dir, p->file);

    f = fopen(path, "rb");
    if (f == NULL) {
        return file_fail(p, "cannot open: %s", strerror(errno));
    }

    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return file_fail(p, "not a regular file");
    }

    if (st.st_size > LEAD_RULES_MAX_FILE) {
        fclose(f);
        return file_fail(p, "%lld bytes, the limit is %d",
                         (long long) st.st_size, LEAD_RULES_MAX_FILE);
    }

    *data = malloc((size_t) st.st_size + 1);
    if (*data == NULL) {
        fclose(f);
        return lead_rules_nomem(p);
    }

    n = fread(*data, 1, (size_t) st.st_size, f);
    fclose(f);

    if (n != (size_t) st.st_size) {
        free(*data);
        *data = NULL;           /* the caller frees what it is given */
        return file_fail(p, "read error");
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
