/*
 * The accounts: the company leads of a list grouped by company, each
 * company's people hottest first, the companies by their summed score.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_view.h"
#include "lead_companies.h"

/*
 * What accounts sort their people by, apart from the rows: the company's
 * first 8 bytes decide most comparisons without reading the company.
 */
typedef struct {
    uint64_t        prefix;         /* big-endian, zeros after the end */
    lead_str        company;
    double          engagement;
    uint64_t        last_ms;
    lead_str        email;
    size_t          row;
} company_key;

static int
by_company(const void *x, const void *y)
{
    const company_key  *a = x, *b = y;
    int                 d;

    if (a->prefix != b->prefix) {
        return a->prefix < b->prefix ? -1 : 1;
    }
    d = lead_str_cmp(a->company, b->company);
    return d ? d : lead_hotter_cmp(a->engagement, a->last_ms, a->email,
                                   b->engagement, b->last_ms, b->email);
}

static int
by_account_score(const void *x, const void *y)
{
    const lead_account  *a = x, *b = y;

    if (a->engagement != b->engagement) {
        return a->engagement < b->engagement ? 1 : -1;
    }
    return lead_str_cmp(a->company, b->company);
}

int
lead_query_accounts(lead_list *l, lead_account **out, size_t *n)
{
    lead_account  *acc;
    company_key   *keys;
    lead_row      *rows;
    size_t         i, j, k = 0;

    /* companies only: people with a free-mail address are no account */
    for (i = 0, j = 0; i < l->n; i++) {
        if (l->rows[i].company.len) {
            l->rows[j++] = l->rows[i];
        }
    }
    l->n = j;

    /* by company, then hottest: keys sorted, the rows moved once */
    keys = malloc((l->n ? l->n : 1) * sizeof(company_key));
    rows = malloc((l->n ? l->n : 1) * sizeof(lead_row));
    acc = malloc((l->n ? l->n : 1) * sizeof(lead_account));
    if (keys == NULL || rows == NULL || acc == NULL) {
        free(keys);
        free(rows);
        free(acc);
        return LEAD_ENOMEM;
    }
    for (i = 0; i < l->n; i++) {
        keys[i].company = l->rows[i].company;
        keys[i].prefix = lead_str_prefix(keys[i].company);
        keys[i].engagement = l->rows[i].engagement;
        keys[i].last_ms = l->rows[i].last_ms;
        keys[i].email = l->rows[i].email;
        keys[i].row = i;
    }
    lead_sort(keys, l->n, sizeof(company_key), by_company);
    for (i = 0; i < l->n; i++) {
        rows[i] = l->rows[keys[i].row];
    }
    free(keys);
    free(l->rows);
    l->rows = rows;

    for (i = 0; i < l->n; i = j) {
        acc[k].company = l->rows[i].company;
        acc[k].engagement = 0;
        acc[k].first = i;
        for (j = i; j < l->n
                    && lead_str_cmp(l->rows[j].company,
                                    l->rows[i].company) == 0;
             j++)
        {
            acc[k].engagement += l->rows[j].engagement;
        }
        acc[k++].count = j - i;
    }
    lead_sort(acc, k, sizeof(lead_account), by_account_score);

    *out = acc;
    *n = k;
    return LEAD_OK;
}

/* ---- the hottest accounts, from the kept ones --------------------------- */

typedef struct {
    const lead_rules  *r;
    lead_list         *list;
    lead_buf           rows;           /* lead_rows, as they come */
} people_build;

/* One of the people the kept accounts name, as a list's row. */
static int
add_person(void *arg, const lead_scored *l)
{
    people_build  *b = arg;
    lead_row       row;

    lead_row_fill(&row, b->r, l->person, l->score);
    if (row.company.len == 0) {
        return 0;
    }
    row.status = l->status;
    row.status_ms = l->status_ms;
    row.devices = l->devices;
    if (l->first_ms && l->first_ms < row.first_ms) {
        row.first_ms = l->first_ms;
    }
    if (l->last_ms > row.last_ms) {
        row.last_ms = l->last_ms;
    }
    lead_row_due(&row, b->r, b->list->now_ms);
    lead_row_keep(b->list->arena, &row, NULL, NULL);
    lead_buf_put(&b->rows, (const char *) &row, sizeof(row));
    return b->rows.oom || lead_arena_oom(b->list->arena);
}

int
lead_query_accounts_top(lead_store *s, const lead_rules *r, uint64_t now_ms,
    size_t want, lead_list *l, lead_account **out, size_t *n,
    size_t *companies)
{
    people_build  b;
    int           rc;

    *out = NULL;
    *n = 0;
    memset(l, 0, sizeof(*l));
    memset(&b, 0, sizeof(b));
    l->now_ms = now_ms;
    l->arena = lead_arena_new();
    if (l->arena == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    b.r = r;
    b.list = l;

    rc = lead_store_list_accounts(s, r, now_ms, want, add_person, &b,
                                  companies);
    /* the list owns the rows, as a list's own */
    l->rows = (lead_row *) (void *) b.rows.data;
    l->n = b.rows.len / sizeof(lead_row);
    if (b.rows.oom || lead_arena_oom(l->arena) || rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        l->matched = l->n;
        rc = lead_query_accounts(l, out, n);
    }
    if (rc != LEAD_OK) {
        lead_list_free(l);
        return rc;
    }
    /* past want, companies were left out: what is left may not be next */
    *n = *n < want ? *n : want;
    return LEAD_OK;
}
