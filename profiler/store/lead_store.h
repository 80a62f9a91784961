/*
 * The store's insides, shared by the files that implement it
 * (lead_store.c: events, visitors, assets; lead_leads.c: leads).
 */

#ifndef LEAD_STORE_H
#define LEAD_STORE_H

#include <lmdb.h>

#include "lead.h"

struct lead_store {
    MDB_env   *env;
    MDB_dbi    meta;
    MDB_dbi    events;
    MDB_dbi    visitors;
    MDB_dbi    assets;
    MDB_dbi    leads;       /* lead id -> lead */
    MDB_dbi    emails;      /* normalised e-mail -> lead id */
    MDB_dbi    links;       /* visitor -> the leads it was linked to */
    MDB_dbi    devices;     /* lead id + visitor -> linked at */
    MDB_dbi    visits;      /* visitor + time + seq -> (an event key) */
    MDB_dbi    statuses;    /* lead id -> status, since */
    MDB_dbi    transitions; /* lead id + time + n -> from, to, texts */
    MDB_dbi    states;      /* lead id -> its scorer's state (lead_fold.c) */
    MDB_dbi    summaries;   /* lead id -> its score for the lists */
    MDB_dbi    ranks;       /* rank + lead id -> nothing */
    MDB_dbi    refold;      /* visitor -> nothing: score its leads again */
    int        folding;     /* those four exist (an older store has none) */
    int        read_only;
    int        empty;      /* read-only open of a store never written */
    int        partial;    /* read-only open of a store missing tables */
    lead_store *owner;     /* a shared view: the handle that owns env */
    MDB_txn    *idle;      /* a read snapshot ended, to renew */
    MDB_txn    *snapshot;  /* every read's, until lead_store_snapshot_end */
    unsigned    snapshot_depth;
    char       err[256];
};

#define LEAD_VISIT_KEY_LEN  (LEAD_ID_LEN + 16)
#define LINK_SIZE           (LEAD_ID_LEN + 8)   /* lead id, since ms */
#define LINKS_MAX           32                  /* links of one visitor */
#define VISITOR_SIZE        24                  /* first, last, count */
#define EVENT_VISITOR_AT    12                  /* in an event record */

typedef int (*lead_row_fn)(const MDB_val *key, const MDB_val *val,
    void *ctx);

int lead_store_fail(lead_store *s, int code, const char *fmt, ...);
int lead_store_mdb_fail(lead_store *s, int rc, const char *what);
int lead_store_read_begin(lead_store *s, MDB_txn **txn);
void lead_store_read_end(lead_store *s, MDB_txn *txn);
int lead_store_write_begin(lead_store *s, MDB_txn **txn);
int lead_store_scan(lead_store *s, MDB_dbi dbi, lead_row_fn row, void *ctx);
int lead_store_scan_txn(lead_store *s, MDB_txn *txn, MDB_dbi dbi,
    lead_row_fn row, void *ctx);

/*
 * Big-endian u64s of the store's keys (so that they sort by time),
 * inline and byte by byte for the reason lead_put_u64 gives: the write
 * thread reads and writes a few for every event.
 */
static inline void
lead_put_be64(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t) (v >> 56);
    p[1] = (uint8_t) (v >> 48);
    p[2] = (uint8_t) (v >> 40);
    p[3] = (uint8_t) (v >> 32);
    p[4] = (uint8_t) (v >> 24);
    p[5] = (uint8_t) (v >> 16);
    p[6] = (uint8_t) (v >> 8);
    p[7] = (uint8_t) v;
}

static inline uint64_t
lead_get_be64(const uint8_t *p)
{
    return (uint64_t) p[0] << 56 | (uint64_t) p[1] << 48
           | (uint64_t) p[2] << 40 | (uint64_t) p[3] << 32
           | (uint64_t) p[4] << 24 | (uint64_t) p[5] << 16
           | (uint64_t) p[6] << 8 | (uint64_t) p[7];
}

/* A lead's status and since when, or LEAD_ENOTFOUND if none is kept. */
int lead_store_read_status_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, int *status, uint64_t *since_ms);

/*
 * Inside a write transaction: a lead that is identified (or back in
 * nurture) and has met a trigger since becomes mql; *promoted says so,
 * with the cause.  from_start, when given, is its score with triggers
 * counted from the start (what an identified lead is judged on); else,
 * and for nurture, it is scored here into score.
 */
int lead_store_promote_txn(lead_store *s, MDB_txn *txn, const lead_rules *r,
    const uint8_t *lead_id, uint64_t now_ms, const lead_score *from_start,
    lead_score *score, int *promoted, char cause[LEAD_CAUSE_MAX]);

/* A lead's status inside a transaction; anonymous when it has none. */
int lead_store_get_status_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, int *status);

/* A status change inside a write transaction (see lead_status.c). */
int lead_store_transition(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, int to, uint64_t now_ms, const char *cause,
    const char *who, const char *reason);

/* A visit: an event's visitor and key, for the per-visitor indexes. */
typedef struct {
    const uint8_t  *id;
    uint64_t        time_ms;
    uint64_t        seq;
} lead_visit;

/* Puts visits into "visits" and "visitors" (visits is sorted). */
int lead_store_index_visits(lead_store *s, MDB_txn *txn, lead_visit *visits,
    size_t n);

/*
 * How far the per-visitor indexes reach: every event up to key (time,
 * seq; zeros: none) is in them; *all when every event is (a store written
 * before they were kept by the fold).
 */
int lead_store_indexed(lead_store *s, MDB_txn *txn, uint8_t key[16],
    int *all);
int lead_store_set_indexed(lead_store *s, MDB_txn *txn,
    const uint8_t key[16]);

/*
 * A cursor on the first event past the indexes (the log's tail), with its
 * key and val; LEAD_ENOTFOUND, and no cursor, when there is none.
 */
int lead_store_tail_first(lead_store *s, MDB_txn *txn, MDB_cursor **cur,
    MDB_val *key, MDB_val *val);

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

/* Data files in dir made its owner's, as a store nginx opens must be. */
void lead_store_match_owner(const char *dir);

/* A "leads" record; its strings point into val. */
int lead_decode_person(const uint8_t *id, const MDB_val *val,
    lead_person *p);

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
 * The same for lists, from the kept scores when they are the rules' and
 * current (else the full scan above): only what a list shows is scored,
 * the score's hot content is its first asset, without why.
 */
int lead_store_list_all(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_scored_all_fn fn, void *arg);

/*
 * From the kept ranks: at least the want hottest leads of a status (-1:
 * any), in no order; LEAD_ENOTFOUND when the ranks cannot tell (no kept
 * scores for these rules, or fewer leads with a positive score).
 */
int lead_store_list_top(lead_store *s, const lead_rules *r, uint64_t now_ms,
    int status, size_t want, lead_scored_all_fn fn, void *arg);

/* How many leads there are, and in each status. */
int lead_store_count_statuses(lead_store *s, size_t counts[LEAD_NSTATUSES],
    size_t *leads);

/* How far the fold (lead_fold.c) reached, kept in "meta". */
typedef struct {
    int       started;                /* some event was folded in */
    uint8_t   key[16];                /* the last one's: time, seq (BE) */
    uint64_t  time_ms;
    uint64_t  rules;                  /* hash of the scoring it used */
} lead_fold_pos;

int lead_store_fold_pos(lead_store *s, MDB_txn *txn, lead_fold_pos *pos);
int lead_store_set_fold_pos(lead_store *s, MDB_txn *txn,
    const lead_fold_pos *pos);

#endif /* LEAD_STORE_H */
