/*
 * The tiny template language the form and the sales view are written in:
 *
 *   {{name}}                  a value, HTML-escaped (text and attributes)
 *   {{#name}}...{{/name}}     shown when the value is not empty
 *   {{^name}}...{{/name}}     shown when it is
 *   {{*list}}...{{/list}}     repeated for each item of a list
 *   {{&name}}                 HTML the caller made itself, not escaped
 *
 * The caller names every placeholder a page may use; lists are named
 * "*list" and unescaped values "&name" there, so a template (a file a web
 * team edits) cannot turn a visitor's value into markup.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lead.h"
#include "lead_parse.h"

enum { SEG_TEXT, SEG_VAR, SEG_RAW, SEG_IF, SEG_UNLESS, SEG_LIST, SEG_END };

typedef struct {
    int       type;
    unsigned  var;            /* index into the known names */
    size_t    start, len;     /* SEG_TEXT: span of the template text */
    size_t    end;            /* sections: index of their SEG_END */
} segment;

struct lead_tmpl {
    char      *text;
    segment   *segs;
    size_t     nsegs;
};

#define TMPL_MAX_SEGS   4096
#define TMPL_MAX_DEPTH  8

static int
tmpl_err(char *err, size_t errlen, const char *name, const char *text,
    size_t at, const char *fmt, ...)
{
    va_list   ap;
    size_t    i;
    unsigned  line = 1;
    int       n;

    for (i = 0; i < at; i++) {
        line += text[i] == '\n';
    }

    n = snprintf(err, errlen, "%s:%u: ", name, line);
    if (n >= 0 && (size_t) n < errlen) {
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t) n, fmt, ap);
        va_end(ap);
    }
    return LEAD_EINVAL;
}

void
lead_tmpl_free(lead_tmpl *t)
{
    if (t != NULL) {
        free(t->text);
        free(t->segs);
        free(t);
    }
}

/* A name as the caller declared it: "*list" and "&raw" keep their mark. */
static unsigned
find_name(const char *const *names, char mark, const char *s, size_t len)
{
    unsigned     k;
    const char  *name;

    for (k = 0; names[k]; k++) {
        name = names[k];
        if ((name[0] == '*' || name[0] == '&') != (mark != 0)
            || (mark && name[0] != mark))
        {
            continue;
        }
        name += mark != 0;
        if (strlen(name) == len && memcmp(name, s, len) == 0) {
            return k;
        }
    }
    return k;
}

int
lead_tmpl_parse(lead_tmpl **out, const char *text, size_t len,
    const char *const *names, const char *label, char *err, size_t errlen)
{
    lead_tmpl  *t;
    size_t      i = 0, open, close, nlen, stack[TMPL_MAX_DEPTH], depth = 0;
    unsigned    k;
    int         type;
    char        known[1024], mark;
    size_t      kn = 0;

    *out = NULL;
    known[0] = '\0';

    t = calloc(1, sizeof(*t));
    if (t == NULL || (t->text = malloc(len + 1)) == NULL
        || (t->segs = malloc(TMPL_MAX_SEGS * sizeof(segment))) == NULL)
    {
        lead_tmpl_free(t);
        snprintf(err, errlen, "%s: out of memory", label);
        return LEAD_ENOMEM;
    }
    memcpy(t->text, text, len);
    t->text[len] = '\0';

    for (k = 0; names[k]; k++) {
        unsigned  j;

        /* the caller's mistake: a template could show the wrong value */
        for (j = 0; j < k; j++) {
            if (strcmp(names[j] + (names[j][0] == '*' || names[j][0] == '&'),
                       names[k] + (names[k][0] == '*' || names[k][0] == '&'))
                == 0)
            {
                lead_tmpl_free(t);
                snprintf(err, errlen, "%s: placeholder \"%s\" is named "
                         "twice", label, names[k]);
                return LEAD_EINVAL;
            }
        }
        if (kn < sizeof(known)) {
            kn += (size_t) snprintf(known + kn, sizeof(known) - kn, "%s%s",
                                    k ? " " : "", names[k]);
        }
    }

    while (i <= len) {
        const char  *hit = i < len ? strstr(t->text + i, "{{") : NULL;

        open = hit ? (size_t) (hit - t->text) : len;

        if (t->nsegs + 2 > TMPL_MAX_SEGS) {
            lead_tmpl_free(t);
            return tmpl_err(err, errlen, label, text, open,
                            "too many placeholders");
        }
        if (open > i) {
            t->segs[t->nsegs++] = (segment) { SEG_TEXT, 0, i, open - i, 0 };
        }
        if (hit == NULL) {
            break;
        }

        hit = strstr(t->text + open + 2, "}}");
        if (hit == NULL) {
            lead_tmpl_free(t);
            return tmpl_err(err, errlen, label, text, open,
                            "\"{{\" without \"}}\"");
        }
        close = (size_t) (hit - t->text);

        i = open + 2;
        type = SEG_VAR;
        mark = 0;
        switch (t->text[i]) {
        case '#':
            type = SEG_IF;
            break;
        case '^':
            type = SEG_UNLESS;
            break;
        case '*':
            type = SEG_LIST;
            mark = '*';
            break;
        case '&':
            type = SEG_RAW;
            mark = '&';
            break;
        case '/':
            type = SEG_END;
            break;
        }
        i += type != SEG_VAR;
        nlen = close - i;

        /* a section closes by its bare name, a list's too */
        k = find_name(names, mark, t->text + i, nlen);
        if (names[k] == NULL && type == SEG_END) {
            k = find_name(names, '*', t->text + i, nlen);
        }
        if (names[k] == NULL) {
            lead_tmpl_free(t);
            return tmpl_err(err, errlen, label, text, open,
                            "unknown placeholder \"%.*s\" (known: %s)",
                            (int) (nlen > 40 ? 40 : nlen), text + i, known);
        }

        if (type == SEG_END) {
            if (depth == 0 || t->segs[stack[depth - 1]].var != k) {
                lead_tmpl_free(t);
                return tmpl_err(err, errlen, label, text, open,
                                "\"{{/%.*s}}\" closes no open section",
                                (int) nlen, text + i);
            }
            t->segs[stack[--depth]].end = t->nsegs;

        } else if (type == SEG_IF || type == SEG_UNLESS || type == SEG_LIST)
        {
            if (depth == TMPL_MAX_DEPTH) {
                lead_tmpl_free(t);
                return tmpl_err(err, errlen, label, text, open,
                                "sections nested too deep");
            }
            stack[depth++] = t->nsegs;
        }

        t->segs[t->nsegs++] = (segment) { type, k, 0, 0, 0 };
        i = close + 2;
    }

    if (depth) {
        /* read what to say before the template goes */
        const segment  *open_seg = &t->segs[stack[depth - 1]];
        const char     *name = names[open_seg->var];
        const char     *mark_text = open_seg->type == SEG_IF ? "#"
                                    : open_seg->type == SEG_UNLESS ? "^" : "";
        char            what[LEAD_NAME_MAX + 2];

        /* a list's declared name carries its '*' already */
        snprintf(what, sizeof(what), "%s%s", mark_text, name);
        lead_tmpl_free(t);
        return tmpl_err(err, errlen, label, text, len,
                        "section \"{{%s}}\" is not closed", what);
    }

    *out = t;
    return LEAD_OK;
}

int
lead_tmpl_load(lead_tmpl **out, const char *path, const char *const *names,
    char *err, size_t errlen)
{
    FILE         *f;
    char         *buf;
    size_t        n;
    int           rc;
    struct stat   st;

    *out = NULL;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return LEAD_EINVAL;
    }

    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        snprintf(err, errlen, "%s: not a regular file", path);
        return LEAD_EINVAL;
    }

    buf = malloc(LEAD_TMPL_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return LEAD_ENOMEM;
    }

    n = fread(buf, 1, LEAD_TMPL_MAX + 1, f);
    if (ferror(f)) {
        fclose(f);
        free(buf);
        snprintf(err, errlen, "%s: read error", path);
        return LEAD_EINVAL;
    }
    fclose(f);

    if (n > LEAD_TMPL_MAX) {
        free(buf);
        snprintf(err, errlen, "%s: larger than %d bytes", path,
                 LEAD_TMPL_MAX);
        return LEAD_EINVAL;
    }

    rc = lead_tmpl_parse(out, buf, n, names, path, err, errlen);
    free(buf);
    return rc;
}

static void
render(const lead_tmpl *t, size_t from, size_t to, lead_str *values,
    lead_tmpl_item_fn item, void *arg, lead_buf *out)
{
    size_t  i, k;

    for (i = from; i < to; i++) {
        const segment  *s = &t->segs[i];
        const lead_str *v = &values[s->var];

        switch (s->type) {
        case SEG_TEXT:
            lead_buf_put(out, t->text + s->start, s->len);
            break;
        case SEG_VAR:
            lead_buf_html(out, v->data, v->len);
            break;
        case SEG_RAW:
            lead_buf_put(out, v->data, v->len);
            break;
        case SEG_IF:
        case SEG_UNLESS:
            if ((v->len != 0) != (s->type == SEG_IF)) {
                i = s->end;     /* skip the section */
            }
            break;
        case SEG_LIST:
            for (k = 0; item && item(arg, s->var, k, values); k++) {
                render(t, i + 1, s->end, values, item, arg, out);
            }
            i = s->end;
            break;
        default:
            break;
        }
    }
}

void
lead_tmpl_render_buf(const lead_tmpl *t, lead_str *values,
    lead_tmpl_item_fn item, void *arg, lead_buf *out)
{
    render(t, 0, t->nsegs, values, item, arg, out);
}

size_t
lead_tmpl_render(const lead_tmpl *t, const lead_str *values, char *out,
    size_t size)
{
    lead_buf  b;
    size_t    n;

    memset(&b, 0, sizeof(b));

    /* no lists here: nothing writes to values */
    render(t, 0, t->nsegs, (lead_str *) values, NULL, NULL, &b);

    n = b.oom ? 0 : b.len;
    if (out && size && n) {
        memcpy(out, b.data, n < size ? n : size);
    }
    lead_buf_free(&b);
    return n;
}
