/*
 * The store layer's own: the LMDB environment, its tables and "meta"
 * keys, and the helpers every layer above reads and writes them with.
 */

#ifndef LEAD_STORE_H
#define LEAD_STORE_H

#include <lmdb.h>

#include "lead_model.h"

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
    MDB_dbi    visits;      /* visitor + time + seq: an older store's */
    MDB_dbi    visited;     /* visitor -> time + seq, sorted duplicates */
    MDB_dbi    statuses;    /* lead id -> status, since */
    MDB_dbi    transitions; /* lead id + time + n -> from, to, texts */
    MDB_dbi    states;      /* lead id -> its scorer's state (lead_fold.c) */
    MDB_dbi    summaries;   /* lead id -> its score for the lists */
    MDB_dbi    ranks;       /* rank + lead id -> nothing */
    MDB_dbi    refold;      /* visitor -> nothing: score its leads again */
    MDB_dbi    seen;        /* last seen + visitor -> its anonymous bytes */
    MDB_dbi    claims;      /* pending claims (derived/lead_claims.c) */
    MDB_dbi    mqls;        /* became mql + lead id (derived/lead_mqls.c) */
    MDB_dbi    calls;       /* lead id: it asked for a call */
    MDB_dbi    owners;      /* lead id -> its owner's name */
    MDB_dbi    notices;     /* notices to send (derived/lead_notices.c) */
    MDB_dbi    outcomes;    /* lead id -> its deal (derived/lead_outcome.c) */
    MDB_dbi    ingested;    /* an id's hash -> applied at (lead_ingest.c) */
    MDB_dbi    notes;       /* asset, time, hash -> a note (lead_notes.c) */
    MDB_dbi    accounts;    /* domain -> its sum, people (lead_companies.c) */
    MDB_dbi    stages;      /* lead id -> its time in each buying stage */
    MDB_dbi    stage_ends;  /* stage, leaves at, lead id (lead_stage_ends.c) */
    MDB_dbi    readers;     /* the assets' readers (lead_readers.c) */
    MDB_dbi    reader_rows; /* visitor -> its rows of them, duplicates */
    MDB_dbi    texts;       /* the leads' texts, lowered (lead_texts.c) */
    int        folding;     /* those four exist (an older store has none) */
    int        bounded;     /* "seen" exists: anonymous data is counted */
    int        claiming;    /* claims exists (an older store has none) */
    int        sla;         /* mqls, calls, owners exist (nor do those) */
    int        sla_built;   /* mqls holds every mql (meta LEAD_META_MQLS) */
    int        noticing;    /* notices exists (an older store has none) */
    int        closing;     /* outcomes exists (nor has it that) */
    int        ingesting;   /* ingested exists (nor that) */
    int        noting;      /* notes exists (nor that) */
    int        dense;       /* visited exists: new visits go there */
    int        accounting;  /* accounts exists (an older store has none) */
    int        staging;     /* stages exists (lead_stages.c) */
    int        ending;      /* stage_ends exists (an older store has none) */
    int        reading;     /* readers, reader_rows exist (nor those) */
    int        texting;     /* texts exists (nor that) */
    int        read_only;
    unsigned   score_threads; /* a full re-score's: 1 unless set (2) */
    int        empty;      /* read-only open of a store never written */
    int        partial;    /* read-only open of a store missing tables */
    lead_store *owner;     /* a shared view: the handle that owns env */
    MDB_txn    *idle;      /* a read snapshot ended, to renew */
    MDB_txn    *snapshot;  /* every read's, until lead_store_snapshot_end */
    unsigned    snapshot_depth;
    void       *tail;      /* the snapshot's tail (lead_log.c), once read */
    size_t      ntail;
    int         tail_read;
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
/* The log's events from since_ms up to until_ms (0: no end), of the n
   visitors sorted by id (visitors NULL: everyone's), in time order. */
int lead_store_scan_events_txn(lead_store *s, MDB_txn *txn, uint64_t since_ms,
    uint64_t until_ms, const uint8_t *visitors, size_t n, lead_event_fn fn,
    void *arg);
/* ... and the feedback among them (lead_event_is_feedback), all of it. */
int lead_store_scan_feedback_txn(lead_store *s, MDB_txn *txn, lead_event_fn fn,
    void *arg);

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

/* A visit: an event's visitor and key, for the per-visitor indexes. */
typedef struct {
    const uint8_t  *id;
    uint64_t        time_ms;
    uint64_t        seq;
    size_t          size;       /* the event's record */
} lead_visit;

/*
 * Anonymous data: what an event of a visitor with no lead costs (its row
 * in "events" and "visits", their keys, and LMDB's share of the pages
 * they fill, measured), and a visitor's own rows.  meta "anonymous" sums
 * it: every event at its commit, less the events of visitors found
 * linked to a lead when they are indexed, less what eviction and expiry
 * erase.  Each anonymous visitor has a row in "seen" by last-seen time,
 * oldest first, holding what it counts for.
 */
#define LEAD_ANON_EVENT_COST(len)  (2 * ((len) + 16 + LEAD_VISIT_KEY_LEN))
#define LEAD_ANON_VISITOR_COST     (2 * (LEAD_ID_LEN + VISITOR_SIZE + 32))
#define LEAD_SEEN_KEY_LEN          (8 + LEAD_ID_LEN)

int lead_store_anonymous(lead_store *s, MDB_txn *txn, uint64_t *bytes);
/* Bytes of the map in use (not free for reuse), and the map's size. */
int lead_store_used(lead_store *s, uint64_t *used, uint64_t *map);
int lead_store_set_anonymous(lead_store *s, MDB_txn *txn, uint64_t bytes);
/* A u64 of meta, little-endian, under name. */
int lead_store_set_meta_u64(lead_store *s, MDB_txn *txn, const char *name,
    uint64_t v);

/*
 * Events of b from *pos on, at most max_bytes of records (at least one
 * event), in one transaction; *pos moves past them once committed.  With
 * leads_only, only the events of visitors linked to a lead are stored,
 * and *skipped counts the others.
 */
int lead_store_commit_part(lead_store *s, const lead_batch *b, size_t *pos,
    size_t max_bytes, int leads_only, size_t *stored, size_t *skipped);

/*
 * lead_store_commit_part's work in a write transaction the caller holds
 * (ingest's): b's events appended from *pos, those older than the indexes
 * indexed at once and, older than the fold, their leads marked to score
 * again; visits has room for b's count.
 */
int lead_store_append_txn(lead_store *s, MDB_txn *txn, const lead_batch *b,
    size_t *pos, size_t max_bytes, int leads_only, lead_visit *visits,
    size_t *n, size_t *skipped);

/*
 * Each indexed event of visitor id in time order (an older store's rows
 * in "visits", then "visited"): fn gets the event's key (time, seq, both
 * big-endian) and returns LEAD_VISIT_KEEP, LEAD_VISIT_DROP (the row is
 * deleted, after the walk) or an error, which ends it.
 */
#define LEAD_VISIT_KEEP  0
#define LEAD_VISIT_DROP  1

typedef int (*lead_visit_fn)(void *arg, const uint8_t key[16]);

int lead_store_each_visit(lead_store *s, MDB_txn *txn, const uint8_t *id,
    lead_visit_fn fn, void *arg);

/* Puts visits into "visited", "visitors" and "seen" (visits is sorted),
   and marks their visitors' readers to make again. */
int lead_store_index_visits(lead_store *s, MDB_txn *txn, lead_visit *visits,
    size_t n);
/* 1 when the visitor is linked to a lead, through a cursor on "links"
   (kept over ids in order, it finds the next without a search); *err
   says a failure. */
int lead_store_linked(lead_store *s, MDB_cursor *cur, const uint8_t *id,
    int *err);

/* The visitor's readers' rows to make again (lead_readers.c): its
   reads, links or its lead's first mql changed; from_ms, not 0: only
   reads from then on were added, all later than those made (the mark's
   value, BE), so its rows grow by them. */
#define LEAD_READERS_MARK  2                /* the marks' key prefix */
int lead_store_mark_reader(lead_store *s, MDB_txn *txn,
    const uint8_t visitor[LEAD_ID_LEN], uint64_t from_ms);

/*
 * How far the per-visitor indexes reach: every event up to key (time,
 * seq; zeros: none) is in them; *all when every event is (a store written
 * before they were kept by the fold).
 */
int lead_store_indexed(lead_store *s, MDB_txn *txn, uint8_t key[16],
    int *all);
int lead_store_set_indexed(lead_store *s, MDB_txn *txn,
    const uint8_t key[16]);

/* The newest event's key (time, seq), or LEAD_ENOTFOUND in an empty log. */
int lead_store_log_last(lead_store *s, MDB_txn *txn, uint8_t key[16]);

/*
 * A cursor on the first event past the indexes (the log's tail), with its
 * key and val; LEAD_ENOTFOUND, and no cursor, when there is none.
 */
int lead_store_tail_first(lead_store *s, MDB_txn *txn, MDB_cursor **cur,
    MDB_val *key, MDB_val *val);
/* Each event of visitor id past the indexes, in time order, as
   lead_store_each_visit gives them (fn returns LEAD_VISIT_KEEP or an
   error, which ends it). */
int lead_store_each_tail_visit(lead_store *s, MDB_txn *txn,
    const uint8_t *id, lead_visit_fn fn, void *arg);

/* Data files in dir made its owner's, as a store nginx opens must be. */
void lead_store_match_owner(const char *dir);

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

/* One visitor's counts, or LEAD_ENOTFOUND. */
int lead_store_get_visitor(lead_store *s, const uint8_t id[LEAD_ID_LEN],
    lead_visitor *v);


/* One asset into the catalogue (a signal's, as ingest first meets it). */
int lead_store_put_asset_txn(lead_store *s, MDB_txn *txn, const lead_asset *a);

typedef int (*lead_asset_fn)(void *arg, const lead_asset *a);
int lead_store_each_asset(lead_store *s, lead_asset_fn fn, void *arg);

/* meta key: "mqls" and "calls" hold every mql and every lead that asked
   for a call (a new store's at once; an older one's once
   derived/lead_sla.c has built them from "statuses" and "leads") */
#define LEAD_META_MQLS  "mqls"

#define LEAD_SCHEMA_VERSION  1
#define LEAD_STORE_MAX_DBS      32      /* room for tables later versions add */
#define LEAD_STORE_MAX_READERS  1024

/* One of LMDB's trees as a meta page has it (lead_verify.c). */
typedef struct {
    unsigned   depth;
    uint64_t   pages;         /* branch, leaf and overflow */
    uint64_t   entries;
    uint64_t   root;          /* UINT64_MAX: empty */
} lead_store_tree;

/* What LMDB's meta pages say of data.mdb: the one it uses, its trees. */
typedef struct {
    uint32_t          psize;
    unsigned          meta;   /* the page used, 0 or 1 */
    uint64_t          txnid;
    uint64_t          mapsize;
    uint64_t          last_pg;
    uint64_t          file_size;
    lead_store_tree   tree[2];    /* the free pages', the main table's */
} lead_store_meta;

/*
 * The meta pages of a data.mdb of file_size bytes from its first len
 * bytes (two pages are enough): LEAD_OK (file_size 0: an empty file LMDB
 * starts anew), or LEAD_EDAMAGED and why, where LMDB would misread it.
 */
int lead_store_meta_read(const uint8_t *p, size_t len, uint64_t file_size,
    lead_store_meta *m, char *err, size_t errlen);
/* The same of dir/data.mdb, read as a writer may be writing it. */
int lead_store_check_file(const char *dir, char *err, size_t errlen);

/*
 * Every read through s sees one snapshot from lead_store_snapshot to the
 * matching lead_store_snapshot_end (they nest), so a page or a command
 * reads one state however many queries it makes.  Writes are not in it.
 */
int lead_store_snapshot(lead_store *s);
void lead_store_snapshot_end(lead_store *s);

/* The batch's events in one write transaction; the batch is left as is. */
int lead_store_commit(lead_store *s, const lead_batch *b);

#endif /* LEAD_STORE_H */
