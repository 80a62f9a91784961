/*
 * The kept accounts (lead_companies.c): what the fold and a person's
 * writes keep of each company, and what the accounts page reads of it.
 */

#ifndef LEAD_COMPANIES_H
#define LEAD_COMPANIES_H

#include "lead_fold.h"

/* meta key: the half-life the sums in "accounts" decay with, present once
   the table holds every lead */
#define LEAD_META_ACCOUNTS  "accounts"

/* A company's row: its people, and their summaries' engagement summed at
   ref_ms (mag: their magnitudes summed, what bounds the sum's error). */
typedef struct {
    uint64_t  people;
    uint64_t  ref_ms;
    double    sum, mag;
} lead_company_sum;

/* The half-life the kept sums decay with; 0: not built (or no table). */
int lead_companies_half_life(lead_store *s, MDB_txn *txn,
    uint64_t *half_life_ms);

/* The longest domain kept (LMDB's keys are 511 bytes at most): a longer
   one's people are in no account. */
#define LEAD_DOMAIN_MAX  255

/* A company's sum, the value of its key (0, then its domain);
   LEAD_EINVAL if it is damaged. */
int lead_companies_decode(const MDB_val *v, lead_company_sum *c);

/* The table emptied and to be built again for this half-life (0: by the
   next fold, as for other rules). */
int lead_companies_start_txn(lead_store *s, MDB_txn *txn,
    uint64_t half_life_ms);

/* A lead that moves from one e-mail's company to another's ("": none; a
   new lead, one forgotten), its summary with it. */
int lead_companies_move_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, lead_str from, lead_str to);

/* A lead's summary rewritten by the fold: old (NULL: none) out, the new
   one's engagement at ref_ms in; half_life_ms as the fold read it (0:
   not built, nothing kept). */
int lead_companies_score_txn(lead_store *s, MDB_txn *txn, lead_str email,
    const lead_summary_head *old, double engagement, uint64_t ref_ms,
    uint64_t half_life_ms);

/*
 * The hottest want accounts' people (at least: any company that could be
 * among them, its people in lead id order) from the kept scores, to fn,
 * and how many companies there are; LEAD_ENOTFOUND when the kept data
 * cannot answer (other rules, a --now before the fold, not built).
 */
int lead_store_list_accounts(lead_store *s, const lead_rules *r,
    uint64_t now_ms, size_t want, lead_scored_all_fn fn, void *arg,
    size_t *companies);

#endif /* LEAD_COMPANIES_H */
