/*
 * The kept scores as lists read them (lead_kept.c), for the other
 * readers of one snapshot: the fold's summaries and the tail scored.
 */

#ifndef LEAD_KEPT_H
#define LEAD_KEPT_H

#include "lead_fold.h"

/* A lead with events after the fold: scored here, kept as a summary. */
typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    size_t    at, len;            /* its summary in the tail's buffer */
} tail_lead;

typedef struct {
    lead_store          *s;
    MDB_txn             *txn;
    const lead_rules    *r;
    const lead_scoring  *sc;
    lead_fold_pos        pos;
    uint64_t             now_ms;
    lead_pending        *p;
    size_t               n, cap;
    lead_buf             copies;
    tail_lead           *leads;        /* by lead id */
    size_t               nleads;
    lead_buf             summaries;
    uint8_t             *rebuild;      /* leads of visitors to refold */
    size_t               nrebuild;
    int                  too_long;
} tail;

/*
 * The kept scores, with the tail scored, when they can answer for these
 * rules at now_ms (*usable); t->txn is left open until lead_kept_close.
 */
int lead_kept_open(lead_store *s, const lead_rules *r, uint64_t now_ms,
    tail *t, int *usable);
void lead_kept_close(tail *t);

/* The hottest want (0: all) of first (sorted ids), and any that tie with
   the last, each from its summary or the tail, to fn. */
int lead_kept_first(tail *t, const uint8_t *first, size_t nfirst,
    size_t want, lead_scored_all_fn fn, void *arg, size_t *emitted);

/* For bsearch of t->leads (sorted by id): the tail's lead of an id. */
int lead_kept_by_lead(const void *key, const void *elt);

/* Whether the lead's person answers ask; its status already does. */
int lead_kept_person_asked(const tail *t, const lead_list_ask *ask,
    const lead_person *p);

/*
 * One lead, found by id, to fn if it answers ask (NULL: any; its stage
 * and band already do): from its summary, or the tail's if it has one.
 */
int lead_kept_emit(tail *t, const lead_list_ask *ask, const uint8_t *id,
    const MDB_val *summary, lead_score *score, lead_scored_all_fn fn,
    void *arg);

#endif /* LEAD_KEPT_H */
