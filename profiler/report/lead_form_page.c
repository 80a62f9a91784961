/*
 * The form page built in: html/form.html, embedded as the sales view's
 * files are, for a "lead_form;" without a template of its own.
 */

#include <stdio.h>
#include <string.h>

#include "lead_report.h"

int
lead_form_builtin(lead_tmpl **out, const char *const *names, char *err,
    size_t errlen)
{
    const lead_embedded  *f;

    *out = NULL;

    for (f = lead_sales_files; f->name; f++) {
        if (strcmp(f->name, "form.html") == 0) {
            return lead_tmpl_parse(out, (const char *) f->data, f->len,
                                   names, "html/form.html (built in)", err,
                                   errlen);
        }
    }

    snprintf(err, errlen, "html/form.html is not built in");
    return LEAD_EINVAL;
}
