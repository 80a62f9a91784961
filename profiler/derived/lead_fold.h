/*
 * What the fold (lead_fold.c) and the lists read from it (lead_kept.c)
 * share: a lead's kept state and summary, and the fold's working set.
 */

#ifndef LEAD_FOLD_H
#define LEAD_FOLD_H

#include <lmdb.h>

#include "lead_derived.h"

#define STATE_HEAD       16           /* first_ms, last_ms */
#define EVENT_HEAD       (1 + 1 + 2 + 8 + LEAD_ID_LEN + 8 + 8)
#define RANK_KEY_LEN     (1 + 8 + LEAD_ID_LEN)
#define FOLD_VERSION     2            /* 2: the stage walks kept too */

typedef struct {
    uint64_t  ref_ms;
    uint64_t  first_ms, last_ms;
    double    engagement;
} lead_summary_head;

/* A lead the fold made mql, told to the caller once committed. */
typedef struct {
    uint8_t      lead[LEAD_ID_LEN];
    double       engagement;
    char         cause[LEAD_CAUSE_MAX];
} lead_promotion;

typedef struct {
    lead_store          *s;
    MDB_txn             *txn;
    const lead_rules    *rules;        /* NULL: score, promote nothing */
    const lead_scoring  *sc;
    lead_fold_pos        pos;
    lead_scorer         *scorer;
    lead_stage_walk      stages;       /* the lead's, fed as scorer is */
    MDB_cursor          *stage_rows;   /* on "stages" (NULL: none kept) */
    uint64_t             half_life;    /* the accounts' (0: none kept) */
    lead_score          *score;
    lead_score          *scratch;
    lead_buf             buf;
    uint64_t             first_ms, last_ms;
    lead_promotion      *promoted;
    size_t               npromoted;
    double               deadline;
} lead_folding;

/* An event waiting to be fed, copied out: the fold writes as it goes. */
typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    size_t    at, len;             /* in the copies buffer */
    size_t    order;
} lead_pending;

/* FNV-1a of scoring.conf: a change of it scores every lead again. */
uint64_t lead_fold_rules_hash(const lead_rules *r);

/* A summary: what a list shows of a lead, scored at ref_ms. */
void lead_summary_encode(lead_buf *b, const lead_scoring *sc, uint64_t ref_ms,
    const lead_score *score, uint64_t first_ms, uint64_t last_ms);

/*
 * A summary as a list scores it at now_ms (at or after its moment):
 * everything scaled by the decay since.  LEAD_EINVAL if it is damaged.
 * lead_summary_in: whether its stage is stage (-1: any) and its band
 * band (0: any), from its head alone.
 */
int lead_summary_in(const MDB_val *v, const lead_scoring *sc,
    uint64_t now_ms, int stage, int band);
int lead_summary_decode(const MDB_val *v, const lead_scoring *sc,
    uint64_t now_ms, lead_score *score, lead_summary_head *h);

/* A summary's moment and engagement, without the rules; LEAD_EINVAL if
   it is damaged. */
int lead_summary_peek(const MDB_val *v, uint64_t *ref_ms, double *engagement);

/* Its stages' engagement at its moment, ref_ms (for lead_stage_ends.c). */
int lead_summary_stages(const MDB_val *v, const lead_scoring *sc,
    double by_stage[LEAD_MAX_STAGES], uint64_t *ref_ms);

/*
 * The leads of a stage by when they leave it (lead_stage_ends.c): a
 * summary's rows (none if it is damaged), moved from the summary the fold
 * replaces to the one it writes (only the rows that differ are written),
 * built from every summary once for the rules' hash, usable when built
 * for it; each: the ids of the leads that may be in the stage at now_ms,
 * every one that is among them.
 */
#define LEAD_STAGE_END_KEY  (1 + 8 + LEAD_ID_LEN)

typedef struct {
    uint8_t   key[LEAD_STAGE_END_KEY];  /* stage, leaves at, lead id */
    uint8_t   enter[8];                 /* enters it at */
} lead_stage_end;

typedef struct {
    unsigned        n;
    lead_stage_end  row[LEAD_MAX_STAGES];
} lead_stage_ends_rows;

void lead_stage_ends_rows_of(const lead_scoring *sc, const uint8_t *id,
    const MDB_val *summary, lead_stage_ends_rows *rows);
int lead_stage_ends_move(lead_store *s, MDB_txn *txn,
    const lead_stage_ends_rows *from, const lead_stage_ends_rows *to);
int lead_stage_ends_build(lead_store *s, MDB_txn *txn,
    const lead_scoring *sc, uint64_t rules);
int lead_stage_ends_usable(lead_store *s, MDB_txn *txn, uint64_t rules);
int lead_stage_ends_each(lead_store *s, MDB_txn *txn, int stage,
    uint64_t now_ms, int (*fn)(void *arg, const uint8_t *id), void *arg);

/* What a list reads of a score, zero: a lead that read nothing yet. */
void lead_summary_clear(const lead_scoring *sc, lead_score *score);

/* The first and last read of the lead being scored. */
void lead_folding_note(lead_folding *f, const lead_event *ev);

/* The lead's kept state into f->scorer; a new one when it has none. */
int lead_folding_load(lead_folding *f, const uint8_t *lead_id, MDB_txn *txn);

/* By lead, then in the order the events came. */
int lead_pending_cmp(const void *x, const void *y);

#endif /* LEAD_FOLD_H */
