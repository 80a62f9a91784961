/*
 * The hottest accounts' people from the kept accounts: the companies
 * that could be among the hottest, found by their kept sums, then each
 * of their people as the lists score them, for the view to sum exactly.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"
#include "lead_kept.h"
#include "lead_companies.h"

/*
 * How far a kept sum may be from the one its people's rows give, as a
 * share of their magnitude: the rows are summed in another order, and
 * the kept sum was moved by each summary written since it was built.
 */
#define SUM_ERROR  1e-6

typedef struct {
    lead_str  domain;               /* in the snapshot */
    double    low, high;            /* its people's sum now lies between */
    int       forced;               /* a lead of the tail: not kept yet */
} company;

static int
str_cmp(const void *x, const void *y)
{
    return lead_str_cmp(*(const lead_str *) x, *(const lead_str *) y);
}

static int
by_low(const void *x, const void *y)
{
    double  a = *(const double *) x, b = *(const double *) y;

    return a < b ? 1 : a > b ? -1 : 0;
}

static int
id_cmp(const void *x, const void *y)
{
    return memcmp(x, y, LEAD_ID_LEN);
}

/*
 * The companies of the tail's leads, sorted: their kept sums miss what
 * was read since the fold, so each is asked of its people.
 */
static int
tail_companies(tail *t, lead_str **out, size_t *n)
{
    MDB_val      key, val;
    lead_person  p;
    lead_str     c;
    size_t       i;

    *n = 0;
    *out = malloc((t->nleads + 1) * sizeof(lead_str));
    if (*out == NULL) {
        return lead_store_fail(t->s, LEAD_ENOMEM, "out of memory");
    }
    for (i = 0; i < t->nleads; i++) {
        key.mv_data = t->leads[i].lead;
        key.mv_size = LEAD_ID_LEN;
        if (mdb_get(t->txn, t->s->leads, &key, &val) == 0
            && lead_decode_person(t->leads[i].lead, &val, &p) == LEAD_OK
            && (c = lead_company(t->r, p.email)).len)
        {
            (*out)[(*n)++] = c;
        }
    }
    qsort(*out, *n, sizeof(lead_str), str_cmp);
    return LEAD_OK;
}

/* Every company the rules do not call free mail, with its sum's bounds. */
static int
read_companies(tail *t, const lead_str *forced, size_t nforced,
    company **out, size_t *n)
{
    MDB_cursor        *cur;
    MDB_val            key, val;
    lead_company_sum   c;
    company           *grown;
    lead_str           domain;
    size_t             cap = 0;
    double             scale, err;
    int                rc, op;

    *out = NULL;
    *n = 0;
    rc = mdb_cursor_open(t->txn, t->s->accounts, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(t->s, rc, "mdb_cursor_open");
    }
    /* the sums' keys start with 0, before any domain */
    for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size < 2 || *(uint8_t *) key.mv_data != 0) {
            rc = MDB_NOTFOUND;
            break;
        }
        if (lead_companies_decode(&val, &c) != LEAD_OK
            || c.ref_ms > t->now_ms)
        {
            rc = LEAD_ENOTFOUND;        /* damaged: the full scan */
            break;
        }
        domain.data = (const char *) key.mv_data + 1;
        domain.len = key.mv_size - 1;
        if (lead_rules_is_freemail(t->r, domain.data, domain.len)) {
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            grown = realloc(*out, cap * sizeof(company));
            if (grown == NULL) {
                rc = ENOMEM;
                break;
            }
            *out = grown;
        }
        scale = exp2(-(double) (t->now_ms - c.ref_ms)
                     / (double) t->sc->half_life_ms);
        err = SUM_ERROR * c.mag * scale + 1e-9;
        (*out)[*n].domain = domain;
        (*out)[*n].low = c.sum * scale - err;
        (*out)[*n].high = c.sum * scale + err;
        (*out)[*n].forced = nforced
                            && bsearch(&(*out)[*n].domain, forced, nforced,
                                       sizeof(lead_str), str_cmp);
        (*n)++;
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    return rc == ENOMEM ? lead_store_fail(t->s, LEAD_ENOMEM, "out of memory")
           : rc == LEAD_ENOTFOUND ? rc
           : lead_store_mdb_fail(t->s, rc, "reading the accounts");
}

/*
 * The lowest a company may sum to and still be among the want hottest:
 * want of those kept exactly enough sum at least the want'th low bound,
 * and a company whose high bound is below it cannot beat them.
 */
static int
threshold(company *c, size_t n, size_t want, double *at)
{
    double  *lows;
    size_t   i, k = 0;

    *at = -HUGE_VAL;
    lows = malloc((n + 1) * sizeof(double));
    if (lows == NULL) {
        return LEAD_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        if (!c[i].forced) {
            lows[k++] = c[i].low;
        }
    }
    if (want && k > want) {
        qsort(lows, k, sizeof(double), by_low);
        *at = lows[want - 1];
    }
    free(lows);
    return LEAD_OK;
}

/* The people of the companies that may be among the hottest, by id. */
static int
candidates(tail *t, const company *c, size_t n, double at, uint8_t **ids,
    size_t *nids)
{
    MDB_cursor     *cur;
    MDB_val         key, val;
    uint8_t        *grown;
    size_t          i, k, cap = 0;
    int             rc;

    *ids = NULL;
    *nids = 0;
    rc = mdb_cursor_open(t->txn, t->s->accounts, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(t->s, rc, "mdb_cursor_open");
    }
    for (i = 0; rc == 0 && i < n; i++) {
        if (!c[i].forced && c[i].high < at) {
            continue;
        }
        key.mv_data = (void *) c[i].domain.data;
        key.mv_size = c[i].domain.len;
        for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_KEY); rc == 0;
             rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT_DUP))
        {
            if (val.mv_size != LEAD_ID_LEN) {
                continue;
            }
            if (*nids == cap) {
                cap = cap ? cap * 2 : 1024;
                grown = realloc(*ids, cap * LEAD_ID_LEN);
                if (grown == NULL) {
                    rc = ENOMEM;
                    break;
                }
                *ids = grown;
            }
            memcpy(*ids + (*nids)++ * LEAD_ID_LEN, val.mv_data, LEAD_ID_LEN);
        }
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    mdb_cursor_close(cur);
    if (rc != 0) {
        return rc == ENOMEM ? lead_store_fail(t->s, LEAD_ENOMEM,
                                              "out of memory")
                            : lead_store_mdb_fail(t->s, rc,
                                                  "reading the accounts");
    }
    qsort(*ids, *nids, LEAD_ID_LEN, id_cmp);

    /* a person kept under two companies (a damaged table) is one row */
    for (i = 0, k = 0; i < *nids; i++) {
        if (k == 0 || memcmp(*ids + i * LEAD_ID_LEN,
                             *ids + (k - 1) * LEAD_ID_LEN, LEAD_ID_LEN))
        {
            memmove(*ids + k++ * LEAD_ID_LEN, *ids + i * LEAD_ID_LEN,
                    LEAD_ID_LEN);
        }
    }
    *nids = k;
    return LEAD_OK;
}

int
lead_store_list_accounts(lead_store *s, const lead_rules *r,
    uint64_t now_ms, size_t want, lead_scored_all_fn fn, void *arg,
    size_t *companies)
{
    tail        t;
    lead_str   *forced = NULL;
    company    *c = NULL;
    uint8_t    *ids = NULL;
    size_t      nforced = 0, n = 0, nids = 0, emitted;
    uint64_t    half_life_ms = 0;
    double      at;
    int         rc, usable;

    *companies = 0;
    rc = lead_kept_open(s, r, now_ms, &t, &usable);
    if (rc == LEAD_OK && usable) {
        rc = lead_companies_half_life(s, t.txn, &half_life_ms);
    }
    if (rc == LEAD_OK
        && (!usable || half_life_ms != lead_rules_scoring(r)->half_life_ms))
    {
        rc = LEAD_ENOTFOUND;
    }
    if (rc == LEAD_OK) {
        rc = tail_companies(&t, &forced, &nforced);
    }
    if (rc == LEAD_OK) {
        rc = read_companies(&t, forced, nforced, &c, &n);
    }
    if (rc == LEAD_OK && threshold(c, n, want, &at) != LEAD_OK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        rc = candidates(&t, c, n, at, &ids, &nids);
    }
    if (rc == LEAD_OK && nids) {
        rc = lead_kept_first(&t, ids, nids, 0, fn, arg, &emitted);
    }
    if (rc == LEAD_OK) {
        *companies = n;
    }
    lead_kept_close(&t);
    free(forced);
    free(c);
    free(ids);
    return rc;
}
