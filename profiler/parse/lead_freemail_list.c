/*
 * The file freemail_domains names: free-mail domains, one a line, kept
 * sorted so that a lead's e-mail domain is looked up in it.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_rules_parser.h"

#define MAX_FREEMAIL     100000

static int
domain_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
lead_freemail_list_load(lead_rules_parser *ps, const char *name,
    size_t name_len)
{
    lead_rules         *r = ps->rules;
    lead_rules_parser   fp = *ps;
    char               *data, *line, *next, fname[512], b[80];
    size_t              len, n = 0, cap = 0, i, k;
    char              **list = NULL, **grown;
    int                 rc;

    if (name_len == 0 || name_len >= sizeof(fname)
        || memchr(name, '/', name_len) != NULL)
    {
        return lead_rules_fail(ps, "freemail_domains: \"%s\" must be a file "
                               "name in the rules folder",
                               lead_rules_shown(name, name_len, b));
    }

    memcpy(fname, name, name_len);
    fname[name_len] = '\0';
    fp.file = fname;
    fp.line = 0;

    if (ps->freemail) {
        /* parsed in place below: a copy */
        len = ps->freemail->len;
        data = malloc(len + 1);
        if (data == NULL) {
            return lead_rules_nomem(ps);
        }
        memcpy(data, ps->freemail->data, len);
        data[len] = '\0';
    } else {
        rc = lead_rules_read_file(&fp, &data, &len);
        if (rc != LEAD_OK) {
            return rc;
        }
    }

    if (lead_rules_keep_text(r, LEAD_RULES_FREEMAIL, data, len) != LEAD_OK) {
        free(data);
        return lead_rules_nomem(ps);
    }

    for (line = data; line != NULL && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        fp.line++;

        len = strcspn(line, "#");
        while (len > 0 && isspace((unsigned char) line[len - 1])) {
            len--;
        }
        while (len > 0 && isspace((unsigned char) *line)) {
            line++;
            len--;
        }
        if (len == 0) {
            continue;
        }

        for (k = 0; k < len; k++) {
            int  c = tolower((unsigned char) line[k]);

            if (!(isalnum(c) || c == '-' || c == '.')) {
                break;
            }
            line[k] = (char) c;
        }
        if (k < len || len > 253 || line[0] == '.') {
            /* the message quotes the line: only then may the file go */
            rc = lead_rules_fail(&fp, "invalid domain \"%s\"",
                                 lead_rules_shown(line, len, b));
            free(data);
            free(list);
            return rc;
        }

        if (n == MAX_FREEMAIL) {
            free(data);
            free(list);
            return lead_rules_fail(&fp, "too many domains (at most %d)",
                                   MAX_FREEMAIL);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            grown = realloc(list, cap * sizeof(char *));
            if (grown == NULL) {
                free(data);
                free(list);
                return lead_rules_nomem(ps);
            }
            list = grown;
        }
        list[n] = lead_rules_strndup(r, line, len);
        if (list[n] == NULL) {
            free(data);
            free(list);
            return lead_rules_nomem(ps);
        }
        n++;
    }

    free(data);

    r->freemail = lead_rules_alloc(r, (n ? n : 1) * sizeof(char *));
    if (r->freemail == NULL) {
        free(list);
        return lead_rules_nomem(ps);
    }

    if (n) {
        qsort(list, n, sizeof(char *), domain_cmp);
    }
    /* drop repeats so a lookup needs no special case */
    for (i = 0, k = 0; i < n; i++) {
        if (k == 0 || strcmp(r->freemail[k - 1], list[i]) != 0) {
            r->freemail[k++] = list[i];
        }
    }
    r->scoring.nfreemail = k;

    free(list);
    return LEAD_OK;
}
