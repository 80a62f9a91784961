/*
 * The accounts kept: each company's people and their engagement summed,
 * changed with every summary the fold writes and every lead made or
 * forgotten, so the accounts page reads a row a company.
 *
 *   "accounts"       0, e-mail domain -> its people, a moment and their
 *                    summaries' engagement (and its magnitude) summed
 *                    at it; all together first, so reading every sum
 *                    reads no person
 *                    e-mail domain -> its people's lead ids, sorted
 *                    duplicates
 *   meta "accounts"  the half-life the sums decay with: present once the
 *                    table holds every lead (the fold builds it)
 *
 * Every number of a summary halves with one half-life, so a sum of
 * summaries made at different moments is one sum at the latest of them,
 * scaled to any later moment when read.  A domain is kept free mail or
 * not: readers leave the rules' free-mail domains out.
 */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_companies.h"

#define SUM_SIZE     (8 + 8 + 8 + 8)

/* A summary's part of a sum: its engagement at its moment. */
typedef struct {
    double    engagement;
    uint64_t  ref_ms;
} share;

int
lead_companies_decode(const MDB_val *v, lead_company_sum *c)
{
    const uint8_t  *p = v->mv_data;

    if (v->mv_size != SUM_SIZE) {
        return LEAD_EINVAL;
    }
    c->people = lead_get_u64(p);
    c->ref_ms = lead_get_u64(p + 8);
    c->sum = lead_get_f64(p + 16);
    c->mag = lead_get_f64(p + 24);
    return LEAD_OK;
}

int
lead_companies_half_life(lead_store *s, MDB_txn *txn, uint64_t *half_life_ms)
{
    MDB_val  key, val;
    int      rc;

    *half_life_ms = 0;
    if (!s->accounting) {
        return LEAD_OK;
    }
    key.mv_data = (void *) LEAD_META_ACCOUNTS;
    key.mv_size = sizeof(LEAD_META_ACCOUNTS) - 1;
    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == 0 && val.mv_size == 8) {
        *half_life_ms = lead_get_u64(val.mv_data);
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading meta accounts");
}

int
lead_companies_start_txn(lead_store *s, MDB_txn *txn, uint64_t half_life_ms)
{
    MDB_val  key, val;
    uint8_t  hl[8];
    int      rc;

    if (!s->accounting) {
        return LEAD_OK;
    }
    key.mv_data = (void *) LEAD_META_ACCOUNTS;
    key.mv_size = sizeof(LEAD_META_ACCOUNTS) - 1;
    lead_put_u64(hl, half_life_ms);
    val.mv_data = hl;
    val.mv_size = 8;
    rc = mdb_drop(txn, s->accounts, 0);
    if (rc == 0) {
        rc = half_life_ms ? mdb_put(txn, s->meta, &key, &val, 0)
                          : mdb_del(txn, s->meta, &key, NULL);
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "starting the accounts");
}

/* x's engagement added to c (sign -1: taken off), at c's moment or x's. */
static void
add_share(lead_company_sum *c, const share *x, double sign,
    uint64_t half_life_ms)
{
    double  f;

    if (x->ref_ms > c->ref_ms) {
        f = exp2(-(double) (x->ref_ms - c->ref_ms) / (double) half_life_ms);
        c->sum *= f;
        c->mag *= f;
        c->ref_ms = x->ref_ms;
    }
    f = exp2(-(double) (c->ref_ms - x->ref_ms) / (double) half_life_ms);
    c->sum += sign * x->engagement * f;
    c->mag += sign * fabs(x->engagement) * f;
    if (c->mag < 0) {
        c->mag = 0;                     /* rounding: no magnitude is less */
    }
}

/*
 * The company's sum with people more or fewer (+1, -1, 0), out's share
 * taken off and in's added (NULL: none); gone with its last person.  The
 * sum is its key's only duplicate, so it is rewritten where it lies.  A
 * damaged sum unbuilds the table: the next fold builds it again.
 */
static int
change_sum(lead_store *s, MDB_txn *txn, lead_str domain, int people,
    const share *out, const share *in, uint64_t half_life_ms)
{
    MDB_cursor        *cur;
    MDB_val            key, val;
    lead_company_sum   c;
    uint8_t            k[1 + LEAD_DOMAIN_MAX], row[SUM_SIZE];
    size_t             dups = 1;
    int                rc, found;

    k[0] = 0;
    memcpy(k + 1, domain.data, domain.len);
    key.mv_data = k;
    key.mv_size = 1 + domain.len;
    memset(&c, 0, sizeof(c));

    rc = mdb_cursor_open(txn, s->accounts, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET);
    found = rc == 0;
    if (found) {
        rc = mdb_cursor_count(cur, &dups);
    }
    if (rc == 0
        && (dups != 1 || lead_companies_decode(&val, &c) != LEAD_OK))
    {
        mdb_cursor_close(cur);
        return lead_companies_start_txn(s, txn, 0);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_cursor_close(cur);
        return lead_store_mdb_fail(s, rc, "reading an account");
    }

    c.people += (uint64_t) (int64_t) people;
    if (out) {
        add_share(&c, out, -1, half_life_ms);
    }
    if (in) {
        add_share(&c, in, 1, half_life_ms);
    }

    rc = 0;
    if (c.people) {
        lead_put_u64(row, c.people);
        lead_put_u64(row + 8, c.ref_ms);
        lead_put_f64(row + 16, c.sum);
        lead_put_f64(row + 24, c.mag);
        val.mv_data = row;
        val.mv_size = SUM_SIZE;
        rc = mdb_cursor_put(cur, &key, &val, found ? MDB_CURRENT : 0);
    } else if (found) {
        rc = mdb_cursor_del(cur, 0);
    }
    mdb_cursor_close(cur);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "keeping an account");
}

/* The person put in its company or taken out; *changed if it was not
   there, or was. */
static int
person_row(lead_store *s, MDB_txn *txn, lead_str domain,
    const uint8_t *lead_id, int put, int *changed)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) domain.data;
    key.mv_size = domain.len;
    val.mv_data = (void *) lead_id;
    val.mv_size = LEAD_ID_LEN;
    rc = put ? mdb_put(txn, s->accounts, &key, &val, MDB_NODUPDATA)
             : mdb_del(txn, s->accounts, &key, &val);
    *changed = rc == 0;
    return rc == 0 || rc == MDB_KEYEXIST || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "keeping an account");
}

/*
 * The domain an account is kept under ("" for none, or one too long),
 * copied: a write may move the page the e-mail was read from.
 */
static lead_str
domain_of(lead_str email, char buf[LEAD_DOMAIN_MAX])
{
    lead_str  d = lead_email_domain(email);

    if (d.len > LEAD_DOMAIN_MAX) {
        d.len = 0;
    }
    memcpy(buf, d.data, d.len);
    d.data = buf;
    return d;
}

int
lead_companies_move_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    lead_str from, lead_str to)
{
    MDB_val    key, val;
    share      x, *sx = NULL;
    uint64_t   half_life_ms;
    char       a[LEAD_DOMAIN_MAX], b[LEAD_DOMAIN_MAX];
    int        rc, changed;

    from = domain_of(from, a);
    to = domain_of(to, b);
    if (lead_str_cmp(from, to) == 0) {
        return LEAD_OK;
    }
    rc = lead_companies_half_life(s, txn, &half_life_ms);
    if (rc != LEAD_OK || half_life_ms == 0) {
        return rc;
    }

    /* its summary's part goes with it: none yet for a new lead */
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->summaries, &key, &val);
    if (rc == 0 && lead_summary_peek(&val, &x.ref_ms, &x.engagement)
                   == LEAD_OK)
    {
        sx = &x;
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading a summary");
    }

    rc = LEAD_OK;
    if (from.len) {
        rc = person_row(s, txn, from, lead_id, 0, &changed);
        if (rc == LEAD_OK && changed) {
            rc = change_sum(s, txn, from, -1, sx, NULL, half_life_ms);
        }
    }
    if (rc == LEAD_OK && to.len) {
        rc = person_row(s, txn, to, lead_id, 1, &changed);
        if (rc == LEAD_OK && changed) {
            rc = change_sum(s, txn, to, 1, NULL, sx, half_life_ms);
        }
    }
    return rc;
}

int
lead_companies_score_txn(lead_store *s, MDB_txn *txn, lead_str email,
    const lead_summary_head *old, double engagement, uint64_t ref_ms,
    uint64_t half_life_ms)
{
    lead_str   domain;
    share      out, in;
    char       buf[LEAD_DOMAIN_MAX];

    domain = domain_of(email, buf);
    if (domain.len == 0 || half_life_ms == 0) {
        return LEAD_OK;
    }
    in.engagement = engagement;
    in.ref_ms = ref_ms;
    if (old) {
        out.engagement = old->engagement;
        out.ref_ms = old->ref_ms;
    }
    return change_sum(s, txn, domain, 0, old ? &out : NULL, &in,
                      half_life_ms);
}
