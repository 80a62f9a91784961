/*
 * libFuzzer: a form page template, as an editor may write it, with the
 * names the module passes.  A template that parses renders like
 * snprintf, and no value can put markup into the page.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NVALUES = 14 };

static const char *const  names[NVALUES + 1] = {
    "title", "topic", "action", "return", "token", "name", "email",
    "name_error", "email_error", "subscribe", "contact_enabled", "contact",
    "busy", "too_long", NULL
};

/* What a form page gets: some empty, some with markup in them. */
static const char *const  mixed[NVALUES] = {
    "Fiber & <you>", "", "/lead/form", "/a?b=1&c=2", "tok", "\"><script>",
    "", "", "Please 'check'", "1", "", "1", "1", ""
};

static size_t
count(const char *s, size_t len, char c)
{
    size_t  i, n = 0;

    for (i = 0; i < len; i++) {
        n += s[i] == c;
    }
    return n;
}

/* Renders into a buffer of exactly the length asked; returns it. */
static char *
render(const lead_tmpl *t, const lead_str *v, size_t *len)
{
    size_t  need = lead_tmpl_render(t, v, NULL, 0), half;
    char   *page = malloc(need + 1), *part;

    if (page == NULL || lead_tmpl_render(t, v, page, need) != need) {
        __builtin_trap();
    }

    /* a short buffer gets the same first bytes and not one more */
    half = need / 2;
    part = malloc(half + 1);
    if (part == NULL) {
        __builtin_trap();
    }
    part[half] = '#';
    if (lead_tmpl_render(t, v, part, half) != need
        || memcmp(part, page, half) != 0 || part[half] != '#')
    {
        __builtin_trap();
    }
    free(part);

    *len = need;
    return page;
}

static void
set_all(lead_str *v, const char *s)
{
    size_t  i;

    for (i = 0; i < NVALUES; i++) {
        v[i].data = s;
        v[i].len = strlen(s);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char  specials[] = "<>&\"'";
    lead_tmpl         *t;
    lead_str           v[NVALUES];
    char               err[256], *text, *page, *plain;
    size_t             i, len, plain_len, k, amp, plain_amp;
    const char        *c;

    /* the parser sees a NUL-terminated copy, as from a file */
    text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';

    if (lead_tmpl_parse(&t, text, size, names, "fuzz", err, sizeof(err))
        != LEAD_OK)
    {
        if (t != NULL || strncmp(err, "fuzz:", 5) != 0) {
            __builtin_trap();
        }
        free(text);
        return 0;
    }

    for (i = 0; i < NVALUES; i++) {
        v[i].data = mixed[i];
        v[i].len = strlen(mixed[i]);
    }
    free(render(t, v, &len));

    memset(v, 0, sizeof(v));
    free(render(t, v, &len));

    /*
     * Every value "<>&\"'" against every value "abcde": the same sections
     * show, so the pages differ only where values went, k of them.  Each
     * special becomes an entity, so the template alone accounts for the
     * '<', '>', '"' and '\'' of both, and each value for 5 more '&' and
     * 19 more bytes.
     */
    set_all(v, specials);
    page = render(t, v, &len);
    set_all(v, "abcde");
    plain = render(t, v, &plain_len);

    amp = count(page, len, '&');
    plain_amp = count(plain, plain_len, '&');
    k = (amp - plain_amp) / 5;
    if (amp < plain_amp || amp != plain_amp + 5 * k
        || len != plain_len + 19 * k)
    {
        __builtin_trap();
    }
    for (c = specials; *c; c++) {
        if (*c != '&' && count(page, len, *c) != count(plain, plain_len, *c))
        {
            __builtin_trap();
        }
    }

    free(plain);
    free(page);
    lead_tmpl_free(t);
    free(text);
    return 0;
}
