/*
 * The minimal form: its urlencoded body and the checks on name, e-mail
 * and return path.  Every byte here comes from a browser.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_parse.h"

/* ---- application/x-www-form-urlencoded -------------------------------- */

int
lead_urlencoded_fields(char *p, size_t len, const char *const *keys,
    size_t nkeys, lead_str *field)
{
    size_t  i = 0, end, eq, klen, k;
    int     twice = -1;

    for (k = 0; k < nkeys; k++) {
        field[k].data = NULL;
        field[k].len = 0;
    }

    while (i < len) {
        for (end = i; end < len && p[end] != '&'; end++) {
            /* void */
        }
        for (eq = i; eq < end && p[eq] != '='; eq++) {
            /* void */
        }

        klen = lead_url_decode(p + i, eq - i);

        for (k = 0; k < nkeys; k++) {
            if (klen != strlen(keys[k]) || memcmp(p + i, keys[k], klen) != 0)
            {
                continue;
            }

            /* the first of a repeated key is kept; the caller may refuse */
            if (field[k].data != NULL) {
                if (twice < 0) {
                    twice = (int) k;
                }
                break;
            }

            field[k].data = eq < end ? p + eq + 1 : p + end;
            field[k].len = eq < end ? lead_url_decode(p + eq + 1,
                                                      end - eq - 1)
                                    : 0;
            break;
        }

        i = end + 1;
    }

    return twice;
}

int
lead_form_parse(const char *body, size_t len, lead_form_fields *f)
{
    static const char  *keys[LEAD_FORM_NFIELDS] = {
        "name", "email", "subscribe", "contact", "return", "token"
    };

    memset(f, 0, sizeof(*f));

    if (len > LEAD_FORM_BODY_MAX) {
        return LEAD_EINVAL;
    }

    memcpy(f->buf, body, len);

    /* a repeated field is ignored: the first one counts */
    (void) lead_urlencoded_fields(f->buf, len, keys, LEAD_FORM_NFIELDS,
                                  f->field);

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

/*
 * A name's characters: -1 when it is not UTF-8 or holds a control, else
 * how many, with *visible whether one of them shows.  Blank characters
 * at either end (U+00A0, U+200B, ...) are trimmed off *len.
 */
static size_t
name_chars(const char *s, size_t *len, int *visible)
{
    size_t    i, k, n = 0, end = 0, shown = 0;
    uint32_t  cp;

    *visible = 0;

    for (i = 0; i < *len; i += k) {
        k = lead_utf8_char((const unsigned char *) s + i, *len - i, &cp);
        if (k == 0 || lead_char_control(cp)) {
            return (size_t) -1;
        }
        n++;
        if (!lead_char_blank(cp)) {
            *visible = 1;
            end = i + k;
            shown = n;
        }
    }

    *len = end;
    return shown;
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
    size_t       len = f->field[LEAD_FORM_NAME].len, i, chars, sent;
    int          n, errors = 0, visible;

    memset(form, 0, sizeof(*form));

    if (name == NULL) {
        name = "";
        len = 0;
    }

    len = trim(&name, len);

    /* blanks before the first visible character go too */
    for (i = 0; i < len; i += n) {
        uint32_t  cp;

        n = (int) lead_utf8_char((const unsigned char *) name + i, len - i,
                                 &cp);
        if (n == 0 || !lead_char_blank(cp)) {
            break;
        }
    }
    name += i;
    sent = len;
    len -= i;

    chars = name_chars(name, &len, &visible);

    if (sent == 0) {
        form->name_error = "Please enter your name.";
    } else if (chars == (size_t) -1) {
        form->name_error = "Your name contains characters we cannot accept.";
    } else if (!visible) {
        form->name_error = "Your name has no visible character: please "
                           "enter it in letters.";
    } else if (chars > LEAD_PERSON_NAME_MAX) {
        form->name_error = "Please shorten your name to 100 characters.";
    }

    if (form->name_error) {
        errors++;
    }

    /* shown again: a long name cut to size, an unusable one not at all */
    if (chars != (size_t) -1 && len > 0) {
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
