/*
 * libFuzzer: the form's urlencoded body as any browser may post it,
 * parsed and validated (an accepted name holds no control and shows);
 * and the raw input as an e-mail and a return path.
 */

#include <string.h>

#include "lead.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An e-mail lead_email_normalize gave: normalising it again is a no-op. */
static void
check_email(const char *email, size_t len)
{
    char    again[LEAD_EMAIL_MAX];
    size_t  i, at = 0;
    int     n;

    if (len == 0 || len > LEAD_EMAIL_MAX) {
        __builtin_trap();
    }
    for (i = 0; i < len; i++) {
        /* lower-case printable ASCII, no space, exactly one '@' */
        if (email[i] <= 0x20 || email[i] >= 0x7f
            || (email[i] >= 'A' && email[i] <= 'Z'))
        {
            __builtin_trap();
        }
        at += email[i] == '@';
    }
    n = lead_email_normalize(email, len, again);
    if (at != 1 || n != (int) len || memcmp(again, email, len) != 0) {
        __builtin_trap();
    }
}

/*
 * A name accepted: valid UTF-8 without a control (C0, DEL, C1, bidi),
 * with a visible character first and last.
 */
static void
check_name(const char *name, size_t len)
{
    size_t    i, k;
    uint32_t  cp = 0;

    for (i = 0; i < len; i += k) {
        k = lead_utf8_char((const unsigned char *) name + i, len - i, &cp);
        if (k == 0 || lead_char_control(cp)
            || (i == 0 && lead_char_blank(cp)))
        {
            __builtin_trap();
        }
    }
    if (len == 0 || lead_char_blank(cp)) {
        __builtin_trap();
    }
}

/* What lead_return_valid accepts is a local path a redirect may use. */
static void
check_return(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > LEAD_RETURN_MAX || s[0] != '/'
        || (len > 1 && s[1] == '/'))
    {
        __builtin_trap();
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f
            || s[i] == '\\')
        {
            __builtin_trap();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lead_form_fields  f;
    static lead_form         form;
    const char              *s = (const char *) data;
    char                     email[LEAD_EMAIL_MAX];
    int                      k, n, errors;

    n = lead_email_normalize(s, size, email);
    if (n >= 0) {
        check_email(email, (size_t) n);
    } else if (n != LEAD_EINVAL) {
        __builtin_trap();
    }

    if (lead_return_valid(s, size)) {
        check_return(s, size);
    }

    if (lead_form_parse(s, size, &f) != LEAD_OK) {
        if (size <= LEAD_FORM_BODY_MAX) {
            __builtin_trap();
        }
        return 0;
    }

    /* decoded in place: every field lies inside f.buf, within the body */
    for (k = 0; k < LEAD_FORM_NFIELDS; k++) {
        if (f.field[k].data == NULL) {
            if (f.field[k].len != 0) {
                __builtin_trap();
            }
            continue;
        }
        if (f.field[k].data < f.buf || f.field[k].data > f.buf + size
            || f.field[k].len > size
            || (size_t) (f.field[k].data - f.buf) + f.field[k].len > size)
        {
            __builtin_trap();
        }
    }

    errors = lead_form_validate(&f, &form);
    if (errors < 0 || errors > 2
        || errors != (form.name_error != NULL) + (form.email_error != NULL))
    {
        __builtin_trap();
    }

    /* whatever was posted, the return is safe: the value or "/" */
    if (!lead_return_valid(form.ret, form.ret_len)) {
        __builtin_trap();
    }
    if (form.name_len > sizeof(form.name)
        || form.email_len > sizeof(form.email))
    {
        __builtin_trap();
    }

    /* a safe return posted is the one kept */
    if (lead_return_valid(f.field[LEAD_FORM_RETURN].data,
                          f.field[LEAD_FORM_RETURN].len)
        && (form.ret_len != f.field[LEAD_FORM_RETURN].len
            || memcmp(form.ret, f.field[LEAD_FORM_RETURN].data,
                      form.ret_len) != 0))
    {
        __builtin_trap();
    }

    if (errors == 0) {
        /* what would be stored: a trimmed name of printable characters */
        if (form.name_len == 0 || form.name[0] == ' '
            || form.name[form.name_len - 1] == ' ')
        {
            __builtin_trap();
        }
        check_name(form.name, form.name_len);
        check_email(form.email, form.email_len);
    }

    return 0;
}
