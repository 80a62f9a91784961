/*
 * The derived layer's own: leads, their devices, statuses and history,
 * and scoring every lead, for the views above.
 */

#ifndef LEAD_DERIVED_H
#define LEAD_DERIVED_H

#include "lead_store.h"
#include "lead_line.h"

typedef int (*lead_device_fn)(void *arg, const uint8_t visitor[LEAD_ID_LEN],
    uint64_t since_ms);

/* A status change, with why and by whom. */
typedef struct {
    uint64_t   time_ms;
    int        from;
    int        to;
    lead_str   cause;      /* what made it happen */
    lead_str   who;        /* a salesperson, or "" for lead itself */
    lead_str   reason;     /* why sales rejected it (nurture) */
} lead_transition;

/*
 * Scores every lead in one pass over the events, in one snapshot, and
 * calls fn with each lead (leads with no events score 0).
 */
typedef int (*lead_scored_fn)(void *arg, const lead_person *p,
    const lead_score *score);

int lead_store_score_leads(lead_store *s, const lead_scoring *sc,
    uint64_t now_ms, lead_scored_fn fn, void *arg);

/* LEAD_EINVAL, why in the store's message, for a deal that cannot close
   so (lead_store_close_deal's checks): only won or lost, an amount won in
   range and none lost, a currency of three capitals. */
int lead_deal_check(lead_store *s, int to, const lead_outcome *o);

/* 1 when a lead may go from one status to the other. */
int lead_status_allowed(int from, int to);

typedef int (*lead_transition_fn)(void *arg,
    const uint8_t lead_id[LEAD_ID_LEN], const lead_transition *t);

/* One lead's transitions in time order, or every lead's (lead_id NULL). */
int lead_store_each_transition(lead_store *s,
    const uint8_t lead_id[LEAD_ID_LEN], lead_transition_fn fn, void *arg);

int lead_store_each_lead(lead_store *s, lead_person_fn fn, void *arg);

/* The lead's visitors (devices) and when each was linked. */
int lead_store_each_device(lead_store *s,
    const uint8_t lead_id[LEAD_ID_LEN], lead_device_fn fn, void *arg);

/* Every lead's devices, by lead id: one pass, for what reads them all. */
typedef int (*lead_link_fn)(void *arg, const uint8_t *lead_id,
    const uint8_t *visitor, uint64_t since_ms);
int lead_store_each_link(lead_store *s, lead_link_fn fn, void *arg);

/* Every event attributed to the lead, in time order. */
int lead_store_lead_events(lead_store *s,
    const uint8_t lead_id[LEAD_ID_LEN], lead_event_fn fn, void *arg);

/* A lead's status and since when, or LEAD_ENOTFOUND if none is kept. */
int lead_store_get_status_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, int *status, uint64_t *since_ms);

/*
 * Inside a write transaction: the per-visitor indexes brought up to
 * until_ms from where they are (lead_fold.c); *more if the deadline (a
 * lead_clock_ms time) came first.
 */
int lead_store_index_txn(lead_store *s, MDB_txn *txn, uint64_t until_ms,
    uint64_t deadline_ms, int *more);

/*
 * Inside a write transaction: a lead that is identified (or back in
 * nurture) and has met a trigger since becomes mql; *promoted says so,
 * with the cause.  from_start, when given, is its score with triggers
 * counted from the start (what an identified lead is judged on); else,
 * and for nurture, it is scored here into score, lean (no why).
 */
int lead_store_promote_txn(lead_store *s, MDB_txn *txn, const lead_rules *r,
    const uint8_t *lead_id, uint64_t now_ms, const lead_score *from_start,
    lead_score *score, int *promoted, char cause[LEAD_CAUSE_MAX]);

/* A status change inside a write transaction (see lead_status.c). */
int lead_store_transition(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, int to, uint64_t now_ms, const char *cause,
    const char *who, const char *reason);

/* lead_store_lead_events inside a transaction (a write one too). */
int lead_store_lead_events_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, lead_event_fn fn, void *arg);

/*
 * The lead of an e-mail (normalised here) or of a hex id: its id and its
 * "leads" record; LEAD_ENOTFOUND if there is none.
 */
int lead_store_lookup_txn(lead_store *s, MDB_txn *txn, const char *who,
    size_t len, uint8_t id[LEAD_ID_LEN], MDB_val *person);

/* The lead's devices inside a transaction (a write one too). */
int lead_store_each_device_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, lead_device_fn fn, void *arg);

/* A form's name, subscription and contact request into the lead's record
   (made if new: *created); and a visitor linked to a lead from since_ms. */
int lead_store_put_lead_txn(lead_store *s, MDB_txn *txn, const uint8_t *id,
    const lead_form *form, const char *topic, size_t topic_len,
    uint64_t now_ms, int *created);
int lead_store_link_txn(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    const uint8_t *lead_id, uint64_t since_ms);
/* The lead is one sales found themselves (lead_person's sales). */
int lead_store_mark_sales_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id);

/* The form sends a browser back (return=) to the asset whose gate sent
   it there: its first read this long after identifying is that one. */
#define LEAD_FORM_BACK_MS  (60 * 1000)

/* What a reader's first read of an asset counts for (lead_readers.c):
   its visitor's first link (since), its lead's first mql (0: none) and
   the asset the form sent it back to (0: none yet). */
typedef struct {
    int       linked;
    uint64_t  since, mql, back;
} lead_reader_link;

#define LEAD_READ_IDENTIFIED  1
#define LEAD_READ_BEFORE_ID   2
#define LEAD_READ_BEFORE_MQL  4

unsigned lead_reader_flags(uint64_t first_ms, uint64_t asset,
    const lead_reader_link *l);
/* 1 when a read at t of a tagged asset is the one the form sent the
   browser back to (none found before it). */
int lead_reader_back(const lead_reader_link *l, uint64_t t);

/* An asset's counts, by asset id (0: untagged reads). */
enum {
    LEAD_READER_PEOPLE, LEAD_READER_BOTS, LEAD_READER_READERS,
    LEAD_READER_ID, LEAD_READER_BEFORE_ID, LEAD_READER_BEFORE_MQL,
    LEAD_READER_NCOUNTS
};
typedef struct {
    uint64_t  asset;
    uint64_t  n[LEAD_READER_NCOUNTS];
} lead_reader_counts;

/* Inside a write transaction: the marked visitors' rows made again, and
   the rows of a store that has none made, until the deadline (*more). */
int lead_readers_keep_txn(lead_store *s, MDB_txn *txn, uint64_t deadline_ms,
    int *more);
/* The lead's visitors' rows to make again (its first mql moved). */
int lead_readers_mark_lead_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id);
/* The kept counts by asset id (malloc'd, sorted), with the marked and the
   tail's visitors as they are now; LEAD_ENOTFOUND when none are kept for
   this catalogue yet. */
int lead_store_reader_counts(lead_store *s, lead_reader_counts **out,
    size_t *n);

/* Claims (lead_claims.c): how long one waits for its confirmation, and how
   many addresses a device may claim and notices it may cause a day (and
   notices a lead may be sent a day). */
#define LEAD_CLAIM_TTL_MS            (3ULL * 24 * 60 * 60 * 1000)
#define LEAD_CLAIMS_PER_DAY          3
#define LEAD_CLAIM_NOTICES_PER_DAY   3

/* The lead's pending claims: the claiming visitor and since when. */
int lead_store_each_claim(lead_store *s, const uint8_t *lead_id,
    uint64_t now_ms, lead_device_fn fn, void *arg);
/* Inside a write transaction: a lead's claims gone (forget), a visitor's
   claims gone (expiry). */
int lead_claims_forget_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id);
int lead_claims_drop_visitor_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *visitor);

/* Inside forget's transaction: the notes sales took on the lead's page
   (lead_notes.c). */
int lead_notes_forget_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id);
/* lead_store_note_add inside a write transaction (ingest's). */
int lead_notes_put_txn(lead_store *s, MDB_txn *txn, uint64_t asset_id,
    uint64_t time_ms, const char *who, size_t who_len, const uint8_t *lead,
    const char *text, size_t text_len);

/* A "leads" record; its strings point into val. */
int lead_decode_person(const uint8_t *id, const MDB_val *val,
    lead_person *p);

/*
 * The leads' names and e-mails lowered, by block of ids (lead_texts.c):
 * kept with each write of a lead's row (p NULL: erased); built from every
 * lead once (lead_store_texts_build: start, add each in id order, done),
 * usable when built; each: in id order, every lead whose name or e-mail,
 * lowered, holds needle (lowered, not empty), a few more where a block is
 * damaged, with its place among all the leads (for lead_kept_walk.c).
 */
typedef int (*lead_texts_fn)(void *arg, const uint8_t *id, size_t seen);

typedef struct {
    lead_store  *s;
    MDB_txn     *txn;
    uint8_t      prefix[2];
    size_t       n;
    lead_buf     entries, text;
    int          rc;
} lead_texts_build;

int lead_texts_keep_txn(lead_store *s, MDB_txn *txn, const uint8_t *id,
    const lead_person *p);
int lead_texts_usable(lead_store *s, MDB_txn *txn);
int lead_texts_each(lead_store *s, MDB_txn *txn, const char *needle,
    lead_texts_fn fn, void *arg);
int lead_texts_start(lead_texts_build *tb, lead_store *s, MDB_txn *txn);
int lead_texts_add(void *tb, const lead_person *p);
int lead_texts_done(lead_texts_build *tb, int rc);
int lead_store_texts_build(lead_store *s, MDB_txn *txn);

/*
 * The lead a visitor's event at time t belongs to, from its n links: the
 * link in force then, or the first for what it read before identifying.
 */
const uint8_t *lead_attributed(const uint8_t *links, size_t n, uint64_t t);

/* Every lead scored in one snapshot, with what the lists show of it. */
typedef struct {
    const lead_person  *person;
    const lead_score   *score;
    int                 status;      /* identified when none is kept */
    uint64_t            status_ms;
    unsigned            devices;
    uint64_t            first_ms;    /* its first and last event, 0: none */
    uint64_t            last_ms;
} lead_scored;

typedef int (*lead_scored_all_fn)(void *arg, const lead_scored *l);

int lead_store_score_all(lead_store *s, const lead_scoring *sc,
    uint64_t now_ms, lead_scored_all_fn fn, void *arg);

/*
 * Every lead with its people's events up to now_ms (the stored values,
 * in time order: lead_event_decode each), grouped as lead_store_score_all
 * groups them, in leads' id order; fn returns non-zero to stop.  With
 * ids (n of them, sorted), only those leads.
 */
typedef int (*lead_events_fn)(void *arg, const lead_person *p,
    const MDB_val *events, size_t n);
int lead_store_each_lead_events(lead_store *s, uint64_t now_ms,
    const uint8_t *ids, size_t n, lead_events_fn fn, void *arg);

/*
 * The leads whose kept state lacks some of their reads up to now_ms (the
 * tail's, those to refold), in id order, once each, malloc'd into *ids;
 * *usable is 0 when the kept states cannot answer for r at now_ms.
 */
int lead_store_tail_leads(lead_store *s, MDB_txn *txn, const lead_rules *r,
    uint64_t now_ms, uint8_t **ids, size_t *n, int *usable);

/*
 * A lead's kept time in each buying stage (lead_stages.c), for the fold,
 * through its cursor on "stages": the get leaves it on the lead's row,
 * where the put rewrites it.
 */
int lead_stages_get(lead_store *s, MDB_cursor *cur, const uint8_t *lead_id,
    lead_stage_walk *w);
int lead_stages_put(lead_store *s, MDB_cursor *cur, const uint8_t *lead_id,
    const lead_stage_walk *w, lead_buf *buf);

/*
 * Every lead's stage walk up to its last read by now_ms, from the kept
 * ones (the tail's and refold's leads walked from their events), to fn
 * in no order, leads that read nothing left out; *leads: every lead.
 * *usable is 0, and fn never called, when the kept walks cannot answer
 * (other rules, a now_ms before the fold, a store never folded).
 */
typedef int (*lead_stage_walk_fn)(void *arg, const lead_stage_walk *w);
int lead_store_each_stage_walk(lead_store *s, const lead_rules *r,
    uint64_t now_ms, lead_stage_walk_fn fn, void *arg, size_t *leads,
    int *usable);

/*
 * The same for lists, from the kept scores when they are the rules' and
 * current (else the full scan above): only what a list shows is scored,
 * the score's hot content is its first asset, without why.
 */
int lead_store_list_all(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_scored_all_fn fn, void *arg);
/*
 * What a list asks of every lead, that the kept scores check as soon as
 * they can: the status before the person is read, the search and the
 * company before the score is, the stage and band before the devices.
 */
typedef struct {
    int          status;        /* -1: any */
    int          stage;         /* -1: any */
    int          band;          /* 0: any */
    int          companies;     /* only leads with a company's e-mail */
    const char  *search;        /* lower case, in name or e-mail; "": any */
} lead_list_ask;

/* The same, with the kept scores: only the leads that answer ask (NULL:
   all), the others not scored; the full scan passes on every lead. */
int lead_store_list_status(lead_store *s, const lead_rules *r,
    uint64_t now_ms, const lead_list_ask *ask, lead_scored_all_fn fn,
    void *arg);

/*
 * From the kept ranks: at least the want hottest leads of a status (-1:
 * any), in no order, after the nfirst leads of first (sorted ids);
 * LEAD_ENOTFOUND when the ranks cannot tell (no kept scores for these
 * rules, or fewer leads with a positive score).
 */
int lead_store_list_top(lead_store *s, const lead_rules *r, uint64_t now_ms,
    int status, size_t want, const uint8_t *first, size_t nfirst,
    lead_scored_all_fn fn, void *arg);

/* How many leads there are, and in each status (lead_status_counts.c). */
int lead_store_count_statuses(lead_store *s, size_t counts[LEAD_NSTATUSES],
    size_t *leads);

/* A status row about to go from one status to another (-1: no row). */
int lead_status_count_txn(lead_store *s, MDB_txn *txn, int from, int to);

/* An anonymous visitor's score, from all its events. */
int lead_store_score_visitor(lead_store *s, const lead_scoring *sc,
    const uint8_t visitor[LEAD_ID_LEN], uint64_t now_ms, lead_score *out);

/* A lead's score at now_ms, triggers counted from since_ms. */
int lead_store_score_lead(lead_store *s, const lead_scoring *sc,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t since_ms, uint64_t now_ms,
    lead_score *out);

/*
 * One short transaction of eviction: while anonymous data (meta
 * "anonymous") is over to_bytes, at most max anonymous visitors go, those
 * seen longest ago first ("seen"), with their events; *more if more
 * would.  A visitor linked to a lead is never evicted.
 */
int lead_store_evict_anonymous(lead_store *s, uint64_t to_bytes, size_t max,
    lead_erased *out, int *more);

/*
 * The SLA clock and owners.  An automatic return to nurture has this
 * cause, no who, and the reason "not accepted within 2d".
 */
#define LEAD_CAUSE_ACCEPT_WITHIN  "accept_within"
#define LEAD_MQL_KEY_LEN          (8 + LEAD_ID_LEN)

/* lead_mqls.c, row by row.  Inside a status change: the mqls row moved,
   and who accepts owns; a lead that now asked for a call. */
int lead_sla_transition_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, int from, uint64_t since_ms, int to,
    uint64_t now_ms, const char *who);
int lead_mqls_put_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    uint64_t since_ms);
int lead_mqls_del_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    uint64_t since_ms);
int lead_calls_put_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id);
/* An owner set, or with len 0 unset; LEAD_EINVAL for a bad name. */
int lead_owner_set_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    const char *owner, size_t len);
int lead_owner_valid(const char *name, size_t len);
/* The lead's owner, "" when none; points into the transaction. */
int lead_store_owner_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, lead_str *owner);

/* lead_lifecycle.c: a person erased (lead_store_forget) inside a write
   transaction; out counts what went (leads 1 more). */
int lead_store_forget_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    lead_erased *out);

/* lead_sla.c: the lead's rows gone (forget; before its status goes). */
int lead_sla_forget_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id);

typedef struct {
    uint8_t    id[LEAD_ID_LEN];
    lead_str   name;
} lead_owner;

/* Every owner by lead id, into the snapshot the caller holds. */
int lead_store_owners(lead_store *s, lead_owner **out, size_t *n);
/* The MQLs that asked for a call (ids by id, malloc'd); *known 0 when
   the tables are not built yet. */
int lead_store_calls(lead_store *s, uint8_t **ids, size_t *n, int *known);

/*
 * Notices (lead_notices.c; lead_notice and the run in lead.h): queued in
 * the transaction of what they announce (text: the cause or the reason;
 * visitor: the claimer, for confirm only).  A run keeps LEAD_NOTICES_MAX
 * at most: past it the oldest failed go first, then the oldest pending.
 */
enum { LEAD_NOTICE_MQL = 1, LEAD_NOTICE_RETURNED, LEAD_NOTICE_CONFIRM };
#define LEAD_NOTICES_MAX          10000
#define LEAD_NOTICE_TRIES         10
#define LEAD_NOTICE_LEASE_MS      (2 * 60 * 1000)
#define LEAD_NOTICE_MAX_WAIT_MS   (5 * 60 * 1000)

int lead_store_notice_add_txn(lead_store *s, MDB_txn *txn, int kind,
    const uint8_t lead[LEAD_ID_LEN], const uint8_t *visitor, uint64_t at_ms,
    const char *text);
/* Every notice kept, pending (by when due) then failed; and a lead's
   notices gone (forget). */
typedef int (*lead_notice_fn)(void *arg, const lead_notice *n);
int lead_store_each_notice(lead_store *s, lead_notice_fn fn, void *arg);
int lead_notices_forget_txn(lead_store *s, MDB_txn *txn,
    const uint8_t lead[LEAD_ID_LEN]);

/* Where a lead came from (lead_source.c): its first touch and its last
   before it identified (lead_touch; "direct" when none), "sales" both for
   a lead sales added. */
#define LEAD_CAUSE_ADDED  "added by sales"
typedef struct {
    char  first[LEAD_TOUCH_MAX], last[LEAD_TOUCH_MAX];
} lead_source;
int lead_store_lead_source(lead_store *s, const lead_person *p,
    lead_source *out);

/*
 * Outcomes (lead_outcome.c): what a deal won or lost came to, kept with
 * the change that closed it (lead_store_close_deal); LEAD_ENOTFOUND when
 * the lead never closed one.
 */
int lead_outcome_put_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    const lead_outcome *o);
int lead_store_outcome_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, lead_outcome *o);
int lead_outcome_forget_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id);

/*
 * Ingest's lines other than reads (lead_ingest_lines.c), each applied in
 * the batch's transaction.  LEAD_EINVAL or LEAD_ENOTFOUND: refused, why
 * in why, writing 0 when nothing was written (else the batch must fail);
 * touched: lead is the lead it changed, to promote.
 */
typedef struct {
    lead_store        *s;
    const lead_rules  *r;
    lead_batch        *batch;          /* room for a signal's event */
    lead_visit        *visit;          /* and its visit */
    uint8_t            lead[LEAD_ID_LEN];
    int                touched, writing;
    char               why[256];
} lead_ingest_apply;

int lead_ingest_line_txn(lead_ingest_apply *a, MDB_txn *txn,
    const lead_line *l);
/* An edge's id "<32 hex>-<kind>" as the event's 16 bytes: 1, or 0. */
int lead_ingest_event_id(lead_str id, char kind, uint8_t out[LEAD_ID_LEN]);

#endif /* LEAD_DERIVED_H */
