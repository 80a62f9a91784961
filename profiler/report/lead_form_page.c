/*
 * The form pages built in: html/form.html and html/feedback.html,
 * embedded as the sales view's files are, for a "lead_form;" without a
 * template of its own and for "lead_feedback;".
 */

#include <stdio.h>
#include <string.h>

#include "lead_report.h"
#include "lead_feedback.h"

static int
builtin(const char *name, lead_tmpl **out, const char *const *names,
    char *err, size_t errlen)
{
    char                  what[64];
    const lead_embedded  *f;

    *out = NULL;

    for (f = lead_sales_files; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            snprintf(what, sizeof(what), "html/%s (built in)", name);
            return lead_tmpl_parse(out, (const char *) f->data, f->len,
                                   names, what, err, errlen);
        }
    }

    snprintf(err, errlen, "html/%s is not built in", name);
    return LEAD_EINVAL;
}

int
lead_form_builtin(lead_tmpl **out, const char *const *names, char *err,
    size_t errlen)
{
    return builtin("form.html", out, names, err, errlen);
}

int
lead_feedback_builtin(lead_tmpl **out, const char *const *names, char *err,
    size_t errlen)
{
    return builtin("feedback.html", out, names, err, errlen);
}
