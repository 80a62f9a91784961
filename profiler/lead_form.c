/*
 * The minimal form: its urlencoded body, the checks on name, e-mail and
 * return path, and the tiny template language the form page is written
 * in.  Every byte here comes from a browser or a template file.
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
#include "lead_internal.h"

/* ---- application/x-www-form-urlencoded -------------------------------- */

static int
hex_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Decodes in place: '+' is a space, %XX a byte, a bad escape stays. */
static size_t
url_decode(char *s, size_t len)
{
    size_t  i, n = 0;
    int     hi, lo;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            s[n++] = ' ';
        } else if (s[i] == '%' && i + 2 < len
                   && (hi = hex_value((unsigned char) s[i + 1])) >= 0
                   && (lo = hex_value((unsigned char) s[i + 2])) >= 0)
        {
            s[n++] = (char) (hi << 4 | lo);
            i += 2;
        } else {
            s[n++] = s[i];
        }
    }

    return n;
}

int
lead_form_parse(const char *body, size_t len, lead_form_fields *f)
{
    static const char  *keys[LEAD_FORM_NFIELDS] = {
        "name", "email", "subscribe", "contact", "return", "token"
    };

    size_t  i = 0, end, eq, klen, k;
    char   *p;

    memset(f, 0, sizeof(*f));

    if (len > LEAD_FORM_BODY_MAX) {
        return LEAD_EINVAL;
    }

    memcpy(f->buf, body, len);
    p = f->buf;

    while (i < len) {
        for (end = i; end < len && p[end] != '&'; end++) {
            /* void */
        }
        for (eq = i; eq < end && p[eq] != '='; eq++) {
            /* void */
        }

        klen = url_decode(p + i, eq - i);

        for (k = 0; k < LEAD_FORM_NFIELDS; k++) {
            /* the first of a repeated key wins, the rest are ignored */
            if (klen == strlen(keys[k]) && memcmp(p + i, keys[k], klen) == 0
                && f->field[k].data == NULL)
            {
                f->field[k].data = eq < end ? p + eq + 1 : p + end;
                f->field[k].len = eq < end ? url_decode(p + eq + 1,
                                                        end - eq - 1)
                                           : 0;
                break;
            }
        }

        i = end + 1;
    }

    return LEAD_OK;
}

/* ---- values ------------------------------------------------------------ */

static size_t
trim(const char **s, size_t len)
{
    while (len > 0 && isspace((unsigned char) **s)) {
        (*s)++;
        len--;
    }
    while (len > 0 && isspace((unsigned char) (*s)[len - 1])) {
        len--;
    }
    return len;
}

int
lead_email_normalize(const char *in, size_t len, char out[LEAD_EMAIL_MAX])
{
    static const char  atext[] = "!#$%&'*+-/=?^_`{|}~.";
    size_t             at, i, label = 0, labels = 1;

    len = trim(&in, len);
    if (len == 0 || len > LEAD_EMAIL_MAX) {
        return LEAD_EINVAL;
    }

    for (at = len; at > 0 && in[at - 1] != '@'; at--) {
        /* void */
    }
    if (at < 2 || at > 65 || at == len) {
        return LEAD_EINVAL;                 /* no '@', empty parts */
    }
    at--;                                   /* index of the '@' */

    for (i = 0; i < at; i++) {
        unsigned char  c = (unsigned char) in[i];

        if (!(isalnum(c) || (c != 0 && strchr(atext, c) != NULL))
            || (c == '.' && (i == 0 || i == at - 1 || in[i - 1] == '.')))
        {
            return LEAD_EINVAL;
        }
        /* mail providers treat the local part case-insensitively too */
        out[i] = (char) tolower(c);
    }
    out[at] = '@';

    /* the domain: dot-separated labels of letters, digits and inner '-' */
    for (i = at + 1; i < len; i++) {
        unsigned char  c = (unsigned char) tolower((unsigned char) in[i]);

        if (c == '.') {
            if (label == 0 || in[i - 1] == '-') {
                return LEAD_EINVAL;
            }
            label = 0;
            labels++;
        } else if (isalnum(c) || (c == '-' && label > 0)) {
            if (++label > 63) {
                return LEAD_EINVAL;
            }
        } else {
            return LEAD_EINVAL;
        }
        out[i] = (char) c;
    }

    if (label < 2 || labels < 2 || in[len - 1] == '-') {
        return LEAD_EINVAL;                 /* "a@b", "a@b.c", "a@b.c-" */
    }

    return (int) len;
}

int
lead_return_valid(const char *s, size_t len)
{
    size_t  i;

    /* a local path only: "//host" and "/\host" are other sites */
    if (len == 0 || len > LEAD_RETURN_MAX || s[0] != '/'
        || (len > 1 && (s[1] == '/' || s[1] == '\\')))
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) s[i];

        if (c <= 0x20 || c >= 0x7f || c == '\\') {
            return 0;                       /* CR, LF, tabs, spaces, ... */
        }
    }

    return 1;
}

static size_t
utf8_chars(const char *s, size_t len)
{
    size_t  i, k, n = 0;

    for (i = 0; i < len; i += k) {
        k = lead_utf8_len((const unsigned char *) s + i, len - i);
        if (k == 0) {
            return (size_t) -1;
        }
        n++;
    }
    return n;
}

/* What was typed, for showing again: printable ASCII, cut to size. */
static void
keep_typed(lead_str v, char out[LEAD_EMAIL_MAX], size_t *len)
{
    size_t  i;

    *len = 0;
    for (i = 0; i < v.len && *len < LEAD_EMAIL_MAX; i++) {
        if (v.data[i] >= 0x20 && v.data[i] < 0x7f) {
            out[(*len)++] = v.data[i];
        }
    }
}

int
lead_form_validate(const lead_form_fields *f, lead_form *form)
{
    const char  *name = f->field[LEAD_FORM_NAME].data;
    size_t       len = f->field[LEAD_FORM_NAME].len, i, chars;
    int          n, errors = 0, usable;

    memset(form, 0, sizeof(*form));

    len = name ? trim(&name, len) : 0;
    chars = utf8_chars(name, len);
    usable = chars != (size_t) -1;

    for (i = 0; usable && i < len; i++) {
        usable = (unsigned char) name[i] >= 0x20 && name[i] != 0x7f;
    }

    if (len == 0) {
        form->name_error = "Please enter your name.";
    } else if (!usable) {
        form->name_error = "Your name contains characters we cannot accept.";
    } else if (chars > LEAD_PERSON_NAME_MAX) {
        form->name_error = "Please shorten your name to 100 characters.";
    }

    if (form->name_error) {
        errors++;
    }

    /* shown again: a long name cut to size, an unusable one not at all */
    if (usable && len > 0) {
        for (i = 0, chars = 0; i < len && chars < LEAD_PERSON_NAME_MAX;
             chars++)
        {
            i += lead_utf8_len((const unsigned char *) name + i, len - i);
        }
        memcpy(form->name, name, i);
        form->name_len = i;
    }

    if (f->field[LEAD_FORM_EMAIL].len == 0) {
        form->email_error = "Please enter your e-mail address.";
        errors++;

    } else {
        n = lead_email_normalize(f->field[LEAD_FORM_EMAIL].data,
                                 f->field[LEAD_FORM_EMAIL].len, form->email);
        if (n < 0) {
            form->email_error = "Please check your e-mail address: it should "
                                "look like name@company.com.";
            errors++;
            keep_typed(f->field[LEAD_FORM_EMAIL], form->email,
                       &form->email_len);
        } else {
            form->email_len = (size_t) n;
        }
    }

    /* a checkbox is on when sent with any value */
    form->subscribe = f->field[LEAD_FORM_SUBSCRIBE].data != NULL;
    form->contact = f->field[LEAD_FORM_CONTACT].data != NULL;

    if (lead_return_valid(f->field[LEAD_FORM_RETURN].data,
                          f->field[LEAD_FORM_RETURN].len))
    {
        memcpy(form->ret, f->field[LEAD_FORM_RETURN].data,
               f->field[LEAD_FORM_RETURN].len);
        form->ret_len = f->field[LEAD_FORM_RETURN].len;
    } else {
        form->ret[0] = '/';
        form->ret_len = 1;
    }

    return errors;
}

/* ---- templates --------------------------------------------------------- */

/*
 * {{name}} is a value, HTML-escaped; {{#name}}...{{/name}} is shown when
 * the value is not empty, {{^name}}...{{/name}} when it is.
 */

enum { SEG_TEXT, SEG_VAR, SEG_IF, SEG_UNLESS, SEG_END };

typedef struct {
    int       type;
    unsigned  var;            /* index into the known names */
    size_t    start, len;     /* SEG_TEXT: span of the template text */
    size_t    end;            /* SEG_IF/UNLESS: index of the SEG_END */
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

int
lead_tmpl_parse(lead_tmpl **out, const char *text, size_t len,
    const char *const *names, const char *label, char *err, size_t errlen)
{
    lead_tmpl  *t;
    size_t      i = 0, open, close, nlen, stack[TMPL_MAX_DEPTH], depth = 0;
    unsigned    k;
    int         type;
    char        known[512];
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

    for (k = 0; names[k] && kn < sizeof(known); k++) {
        kn += (size_t) snprintf(known + kn, sizeof(known) - kn, "%s%s",
                                k ? " " : "", names[k]);
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
        if (t->text[i] == '#' || t->text[i] == '^' || t->text[i] == '/') {
            type = t->text[i] == '#' ? SEG_IF
                   : t->text[i] == '^' ? SEG_UNLESS : SEG_END;
            i++;
        }
        nlen = close - i;

        for (k = 0; names[k]; k++) {
            if (strlen(names[k]) == nlen
                && memcmp(names[k], t->text + i, nlen) == 0)
            {
                break;
            }
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
                                "\"{{/%s}}\" closes no open section",
                                names[k]);
            }
            t->segs[stack[--depth]].end = t->nsegs;

        } else if (type != SEG_VAR) {
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
        char            mark = open_seg->type == SEG_IF ? '#' : '^';

        lead_tmpl_free(t);
        return tmpl_err(err, errlen, label, text, len,
                        "section \"{{%c%s}}\" is not closed", mark, name);
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

/* Appends HTML-escaped text; always counts what the whole would need. */
static size_t
put_escaped(char *out, size_t size, size_t n, const char *s, size_t len)
{
    size_t       i, k;
    const char  *rep;
    char         one[2] = { 0, 0 };

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            one[0] = s[i];
            rep = one;
        }
        for (k = 0; rep[k]; k++, n++) {
            if (n < size) {
                out[n] = rep[k];
            }
        }
    }

    return n;
}

size_t
lead_tmpl_render(const lead_tmpl *t, const lead_str *values, char *out,
    size_t size)
{
    size_t  i, n = 0, k;

    for (i = 0; i < t->nsegs; i++) {
        const segment  *s = &t->segs[i];

        switch (s->type) {
        case SEG_TEXT:
            for (k = 0; k < s->len; k++, n++) {
                if (n < size) {
                    out[n] = t->text[s->start + k];
                }
            }
            break;
        case SEG_VAR:
            n = put_escaped(out, size, n, values[s->var].data,
                            values[s->var].len);
            break;
        case SEG_IF:
        case SEG_UNLESS:
            if ((values[s->var].len != 0) != (s->type == SEG_IF)) {
                i = s->end;     /* skip the section */
            }
            break;
        default:
            break;
        }
    }

    return n;
}
