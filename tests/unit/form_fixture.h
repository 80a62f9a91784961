/*
 * What test_form.c and test_tmpl.c share: the form's messages, the secret
 * its tokens are made with, and a string builder.  Every input in those
 * files is what a hostile browser or a careless editor may send.
 *
 * Functions are static inline so a file that uses only some of them does
 * not trip -Wunused-function.
 */

#ifndef FORM_FIXTURE_H
#define FORM_FIXTURE_H

#include "unit.h"

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#define NAME_EMPTY  "Please enter your name."
#define NAME_BAD    "Your name contains characters we cannot accept."
#define NAME_BLANK  "Your name has no visible character: please enter " \
                    "it in letters."
#define NAME_LONG   "Please shorten your name to 100 characters."
#define EMAIL_EMPTY "Please enter your e-mail address."
#define EMAIL_BAD   "Please check your e-mail address: it should look " \
                    "like name@company.com."

static const uint8_t  secret[] = "0123456789abcdef0123456789abcdef";
#define SECRET_LEN  (sizeof(secret) - 1)
static const lead_keys  keys = {
    { { (const char *) secret, SECRET_LEN } }, 1
};

/* Repeats unit n times into buf after prefix; returns the length. */
static inline size_t
repeat(char *buf, size_t size, const char *prefix, const char *unit,
    size_t n)
{
    size_t  len = strlen(prefix), ulen = strlen(unit), i;

    assert_true(len + n * ulen < size);
    memcpy(buf, prefix, len);
    for (i = 0; i < n; i++, len += ulen) {
        memcpy(buf + len, unit, ulen);
    }
    buf[len] = '\0';
    return len;
}

#endif /* FORM_FIXTURE_H */
