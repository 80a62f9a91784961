/*
 * Ingest: lines from any number of nodes applied to one store, each id
 * once ("ingested"), a batch of them in one write transaction.
 *
 * "ingested"  line's time (ms, BE) + first 16 bytes of SHA-256(id)
 *             -> applied at (ms, u64)
 *
 * Reads become events of the log, sorted by time so that they append;
 * the other kinds are applied in time order.  Each of those decides to
 * refuse (a move not allowed, an unknown lead or signal) before it writes
 * anything (lead_ingest_lines.c), so a refused line leaves nothing
 * behind and the rest of the batch still applies; a refusal after a write
 * would fail the batch, never leave a line half-applied.  (A nested
 * transaction per line would say the same and cost 2.5 times as much:
 * LMDB copies every page a child touches.)  A refused line's id is not
 * kept: fed again once what it needed is there (its lead's identify), it
 * applies.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_support.h"
#include "lead_parse.h"
#include "lead_store.h"
#include "lead_derived.h"

/*
 * A transaction's lines, and their bytes as kept (a read's record, the
 * other kinds' copies): most of a commit's cost is the index pages of the
 * visitors it touches, copied once a transaction, so a large batch pays
 * for a page once for many of its rows (64 MiB: about 390,000 reads).
 */
#define INGEST_MAX_LINES  1000000
#define INGEST_MAX_BYTES  ((size_t) 64 << 20)
#define KEY_LEN           24               /* time (BE), id's hash */

enum { PENDING, DUPLICATE };

/* A line pending: where its record (a read) or its copy (the rest) is. */
typedef struct {
    uint64_t  time_ms;
    uint64_t  hash;             /* the key's next 8 bytes, to sort by */
    uint8_t   key[KEY_LEN];
    uint32_t  index;            /* its place among those pending */
    uint8_t   kind;
    uint8_t   state;
    uint32_t  len;              /* a read's record */
    size_t    off;              /* into recs (a read) or lines (the rest) */
} entry;

struct lead_ingest {
    lead_store          *s;
    const lead_rules    *r;
    EVP_MD_CTX          *md;
    EVP_MD              *sha256;
    entry               *e;
    entry              **order;
    size_t               n, cap;
    uint8_t             *recs;              /* reads' records */
    size_t               used, rcap;
    lead_line           *lines;             /* the other kinds, their */
    size_t               nlines, lcap;      /* strings offsets into text */
    char                *text;
    size_t               tused, tcap;
    lead_batch          *batch;             /* reads sorted, at commit */
    lead_visit          *visits;
    const uint8_t      **set;               /* a batch's visitors, once */
    uint64_t             seed;              /* the set's hash key */
    size_t               vcap, ocap, scap;
    uint8_t             *leads;             /* touched: to promote */
    size_t               nleads, leads_cap;
    lead_ingest_apply    apply;             /* the other kinds' */
};

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t  c = *cap ? *cap : 1024;
    void   *q;

    while (c < need) {
        c *= 2;
    }
    if (c == *cap) {
        return LEAD_OK;
    }
    q = realloc(*p, c * size);
    if (q == NULL) {
        return LEAD_ENOMEM;
    }
    *p = q;
    *cap = c;
    return LEAD_OK;
}

int
lead_ingest_new(lead_ingest **out, lead_store *s, const lead_rules *r)
{
    lead_ingest  *in;
    uint8_t       seed[LEAD_ID_LEN];

    *out = NULL;
    in = calloc(1, sizeof(*in));
    if (in == NULL) {
        return LEAD_ENOMEM;
    }
    in->s = s;
    in->r = r;
    in->md = EVP_MD_CTX_new();
    in->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    in->batch = lead_batch_new(SIZE_MAX);
    if (in->md == NULL || in->sha256 == NULL || in->batch == NULL
        || grow((void **) &in->visits, &in->vcap, 1, sizeof(lead_visit))
           != LEAD_OK)
    {
        lead_ingest_free(in);
        return LEAD_ENOMEM;
    }
    if (lead_visitor_new(seed) == LEAD_OK) {      /* 16 random bytes */
        memcpy(&in->seed, seed, sizeof(in->seed));
    }
    in->apply.s = s;
    in->apply.r = r;
    in->apply.batch = in->batch;
    *out = in;
    return LEAD_OK;
}

void
lead_ingest_free(lead_ingest *in)
{
    if (in == NULL) {
        return;
    }
    EVP_MD_CTX_free(in->md);
    EVP_MD_free(in->sha256);
    lead_batch_free(in->batch);
    free(in->e);
    free(in->order);
    free(in->recs);
    free(in->lines);
    free(in->text);
    free(in->visits);
    free(in->set);
    free(in->leads);
    free(in);
}

size_t
lead_ingest_pending(const lead_ingest *in)
{
    return in->n;
}

/* A string of l copied into text, kept as an offset until commit. */
static int
keep_str(lead_ingest *in, lead_str *str)
{
    if (str->len == 0) {
        str->data = NULL;
        return LEAD_OK;
    }
    if (grow((void **) &in->text, &in->tcap, in->tused + str->len, 1)
        != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }
    memcpy(in->text + in->tused, str->data, str->len);
    str->data = (const char *) (uintptr_t) in->tused;
    in->tused += str->len;
    return LEAD_OK;
}

/* A line kept, its strings pointing into the text again. */
static void
kept_line(const lead_ingest *in, size_t i, lead_line *l)
{
    lead_str  *strs[10];
    size_t     k;

    *l = in->lines[i];
    strs[0] = &l->email;
    strs[1] = &l->name;
    strs[2] = &l->topics;
    strs[3] = &l->owner;
    strs[4] = &l->cause;
    strs[5] = &l->who;
    strs[6] = &l->reason;
    strs[7] = &l->signal;
    strs[8] = &l->id;
    strs[9] = &l->ev.comment;          /* a note's text */
    for (k = 0; k < 10; k++) {
        strs[k]->data = strs[k]->len ? in->text + (uintptr_t) strs[k]->data
                                     : "";
    }
}

static int
keep_line(lead_ingest *in, const lead_line *l, entry *e)
{
    lead_line  *c;
    lead_str   *strs[10];
    size_t      i;

    if (grow((void **) &in->lines, &in->lcap, in->nlines + 1,
             sizeof(lead_line)) != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }
    c = &in->lines[in->nlines];
    *c = *l;
    memset(&c->ev, 0, sizeof(c->ev));
    c->ev.time_ms = l->ev.time_ms;
    memcpy(c->ev.visitor, l->ev.visitor, LEAD_ID_LEN);
    c->ev.asset_id = l->ev.asset_id;    /* a note's asset and text */
    c->ev.comment = l->kind == LEAD_LINE_NOTE ? l->ev.comment
                                              : (lead_str) { NULL, 0 };
    c->node.len = 0;
    strs[0] = &c->email;
    strs[1] = &c->name;
    strs[2] = &c->topics;
    strs[3] = &c->owner;
    strs[4] = &c->cause;
    strs[5] = &c->who;
    strs[6] = &c->reason;
    strs[7] = &c->signal;
    strs[8] = &c->id;
    strs[9] = &c->ev.comment;
    for (i = 0; i < 10; i++) {
        if (keep_str(in, strs[i]) != LEAD_OK) {
            return LEAD_ENOMEM;
        }
    }
    e->off = in->nlines++;
    return LEAD_OK;
}

int
lead_ingest_add(lead_ingest *in, const lead_line *l)
{
    lead_event     ev;
    entry         *e;
    unsigned char  digest[EVP_MAX_MD_SIZE];
    unsigned int   dlen;
    size_t         bytes;
    int            n;

    if (l->kind < 0 || l->kind >= LEAD_LINE_NKINDS || l->id.len == 0
        || l->id.len > LEAD_LINE_ID_MAX)
    {
        return LEAD_EINVAL;
    }
    bytes = in->used + in->tused + in->n * sizeof(entry)
            + in->nlines * sizeof(lead_line);
    if (in->n == INGEST_MAX_LINES || bytes + LEAD_LINE_MAX > INGEST_MAX_BYTES)
    {
        return LEAD_EBATCHFULL;
    }
    if (grow((void **) &in->e, &in->cap, in->n + 1, sizeof(entry))
        != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }

    e = &in->e[in->n];
    e->time_ms = l->ev.time_ms;
    e->index = (uint32_t) in->n;
    /* a rating goes into the log as a read does: one of its events */
    e->kind = (uint8_t) (l->kind == LEAD_LINE_RATE ? LEAD_LINE_READ
                                                  : l->kind);
    e->state = PENDING;
    e->len = 0;

    if (!EVP_DigestInit_ex2(in->md, in->sha256, NULL)
        || !EVP_DigestUpdate(in->md, l->id.data, l->id.len)
        || !EVP_DigestFinal_ex(in->md, digest, &dlen))
    {
        return LEAD_ENOMEM;
    }
    lead_put_be64(e->key, e->time_ms);
    memcpy(e->key + 8, digest, KEY_LEN - 8);
    e->hash = lead_get_be64(e->key + 8);

    if (e->kind != LEAD_LINE_READ) {
        if (keep_line(in, l, e) != LEAD_OK) {
            return LEAD_ENOMEM;
        }
        in->n++;
        return LEAD_OK;
    }

    /* a read: its event's record, with the id an edge gave it; a read
       line's rating is none (a rate line has one, lead_line_check) */
    ev = l->ev;
    if (l->kind == LEAD_LINE_READ) {
        ev.rating = 0;
        ev.comment.len = 0;
    }
    lead_ingest_event_id(l->id, l->kind == LEAD_LINE_RATE ? 'v' : 'r',
                         ev.id);
    if (grow((void **) &in->recs, &in->rcap, in->used + LEAD_EVENT_MAX_SIZE,
             1) != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }
    n = lead_event_encode(&ev, in->recs + in->used, LEAD_EVENT_MAX_SIZE);
    if (n < 0) {
        return LEAD_EINVAL;
    }
    e->off = in->used;
    e->len = (uint32_t) n;
    in->used += (size_t) n;
    in->n++;
    return LEAD_OK;
}

/* By key (time, then the id's hash), then place: one order for all. */
static int
key_cmp(const void *x, const void *y)
{
    const entry  *a = *(entry *const *) x, *b = *(entry *const *) y;
    int           d;

    if (a->time_ms != b->time_ms) {
        return (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
    }
    if (a->hash != b->hash) {
        return (a->hash > b->hash) - (a->hash < b->hash);
    }
    d = memcmp(a->key + 16, b->key + 16, KEY_LEN - 16);
    return d ? d : (a->index > b->index) - (a->index < b->index);
}

/*
 * The order the other kinds apply in: by time, and in one millisecond an
 * identify first (a lead sales add and move at once), a forget last.
 */
static int
apply_cmp(const void *x, const void *y)
{
    static const int  rank[LEAD_LINE_NKINDS] = { 0, 0, 1, 3, 2, 0, 0 };
    const entry      *a = *(entry *const *) x, *b = *(entry *const *) y;

    if (a->time_ms != b->time_ms) {
        return (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
    }
    if (rank[a->kind] != rank[b->kind]) {
        return rank[a->kind] - rank[b->kind];
    }
    return key_cmp(x, y);
}

static int
id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, LEAD_ID_LEN);
}

static int
touch(lead_ingest *in, const uint8_t *lead_id)
{
    if (grow((void **) &in->leads, &in->leads_cap, in->nleads + 1,
             LEAD_ID_LEN) != LEAD_OK)
    {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }
    memcpy(in->leads + in->nleads++ * LEAD_ID_LEN, lead_id, LEAD_ID_LEN);
    return LEAD_OK;
}

static int
put_id(lead_ingest *in, MDB_txn *txn, const entry *e, uint64_t now_ms)
{
    MDB_val  key, val;
    uint8_t  at[8];
    int      rc;

    lead_put_u64(at, now_ms);
    key.mv_data = (void *) e->key;
    key.mv_size = KEY_LEN;
    val.mv_data = at;
    val.mv_size = sizeof(at);
    rc = mdb_put(txn, in->s->ingested, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(in->s, rc,
                                                   "writing an ingested id");
}

/*
 * Which lines were seen: a second of one key in the batch, or one that
 * "ingested" holds.  Keys start with the line's time, so a stream's ids
 * land at the table's end, where MDB_APPEND takes them without a search;
 * a line redelivered has the same time and id, the same key.  A read's
 * id goes in at once (a read is never refused); the others' with what
 * they change.  in->order is left sorted by key: time order.
 */
static int
find_duplicates(lead_ingest *in, MDB_txn *txn, uint64_t now_ms,
    size_t *duplicates)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    entry      **o = in->order;
    uint8_t      at[8];
    size_t       i;
    int          rc = 0;

    for (i = 0; i < in->n; i++) {
        o[i] = &in->e[i];
    }
    lead_sort(o, in->n, sizeof(entry *), key_cmp);

    rc = mdb_cursor_open(txn, in->s->ingested, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(in->s, rc, "mdb_cursor_open");
    }
    lead_put_u64(at, now_ms);
    for (i = 0; i < in->n; i++) {
        if (i && memcmp(o[i]->key, o[i - 1]->key, KEY_LEN) == 0) {
            o[i]->state = DUPLICATE;
            (*duplicates)++;
            continue;
        }
        key.mv_data = o[i]->key;
        key.mv_size = KEY_LEN;
        if (o[i]->kind == LEAD_LINE_READ) {
            val.mv_data = at;
            val.mv_size = sizeof(at);
            rc = mdb_cursor_put(cur, &key, &val, MDB_APPEND);
            if (rc == MDB_KEYEXIST) {
                /* not past the table's end: late, or seen */
                rc = mdb_cursor_put(cur, &key, &val, MDB_NOOVERWRITE);
            }
        } else {
            rc = mdb_cursor_get(cur, &key, &val, MDB_SET);
            rc = rc == 0 ? MDB_KEYEXIST : rc == MDB_NOTFOUND ? 0 : rc;
        }
        if (rc == MDB_KEYEXIST) {
            o[i]->state = DUPLICATE;
            (*duplicates)++;
            rc = 0;
        } else if (rc != 0) {
            break;
        }
    }
    mdb_cursor_close(cur);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(in->s, rc, "writing ingested ids");
}

/* The reads not seen before, in time order, appended to the log. */
static int
append_reads(lead_ingest *in, MDB_txn *txn, size_t *applied)
{
    MDB_val         key, val;
    entry         **o = in->order;
    uint8_t        *p;
    const uint8_t  *v;
    uint64_t        h, h2;
    size_t          i, j, k, m = 0, pos = 0, stored = 0, skipped = 0,
                    links, size, probes;
    int             rc = LEAD_OK;

    lead_batch_clear(in->batch);
    for (i = 0; i < in->n; i++) {
        if (o[i]->kind != LEAD_LINE_READ || o[i]->state != PENDING) {
            continue;
        }
        p = lead_batch_reserve(in->batch, o[i]->len, &rc);
        if (p == NULL) {
            return lead_store_fail(in->s, rc, "out of memory");
        }
        memcpy(p, in->recs + o[i]->off, o[i]->len);
        lead_batch_took(in->batch, o[i]->len);
        m++;
    }
    if (m == 0) {
        return LEAD_OK;
    }

    if (grow((void **) &in->visits, &in->vcap, m, sizeof(lead_visit))
        != LEAD_OK)
    {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }
    rc = lead_store_append_txn(in->s, txn, in->batch, &pos, SIZE_MAX, 0,
                               in->visits, &stored, &skipped);
    if (rc != LEAD_OK) {
        return rc;
    }
    *applied += stored;

    /* their visitors' leads, to promote: each visitor once (a set) */
    for (size = 2; size < 2 * m; size *= 2) {
        /* a power of two, at most half full */
    }
    if (grow((void **) &in->set, &in->scap, size, sizeof(uint8_t *))
        != LEAD_OK)
    {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }
    memset(in->set, 0, size * sizeof(uint8_t *));
    for (i = 0; rc == LEAD_OK && i < in->n; i++) {
        if (o[i]->kind != LEAD_LINE_READ || o[i]->state != PENDING) {
            continue;
        }
        v = in->recs + o[i]->off + EVENT_VISITOR_AT;
        memcpy(&h, v, sizeof(h));
        memcpy(&h2, v + 8, sizeof(h2));
        /* both halves, keyed: ids that differ in one half, or chosen to
           collide, do not chain; a long chain just costs a lookup more */
        h = (h ^ in->seed) * 0x9e3779b97f4a7c15ULL
            ^ (h2 + in->seed) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
        for (j = (size_t) h & (size - 1), probes = 0;
             in->set[j] && probes < 64
             && memcmp(in->set[j], v, LEAD_ID_LEN) != 0;
             j = (j + 1) & (size - 1), probes++)
        {
            /* linear probing */
        }
        if (in->set[j] && probes < 64) {
            continue;               /* seen in this batch */
        }
        if (in->set[j] == NULL) {
            in->set[j] = v;
        }

        key.mv_data = (void *) v;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, in->s->links, &key, &val);
        if (rc != 0) {
            rc = rc == MDB_NOTFOUND ? LEAD_OK
                 : lead_store_mdb_fail(in->s, rc, "reading a link");
            continue;
        }
        links = val.mv_size % LINK_SIZE == 0 ? val.mv_size / LINK_SIZE : 0;
        for (k = 0; rc == LEAD_OK && k < links; k++) {
            rc = touch(in, (uint8_t *) val.mv_data + k * LINK_SIZE);
        }
    }
    return rc;
}

/* The other kinds in time order, each whole or refused. */
static int
apply_lines(lead_ingest *in, MDB_txn *txn, uint64_t now_ms,
    lead_ingested *out, lead_refused_fn fn, void *arg)
{
    lead_line   line, *l = &line;
    entry     **o = in->order;
    size_t      i, m = 0;
    int         rc;

    for (i = 0; i < in->n; i++) {
        if (o[i]->kind != LEAD_LINE_READ && o[i]->state == PENDING) {
            o[m++] = o[i];
        }
    }
    lead_sort(o, m, sizeof(entry *), apply_cmp);

    for (i = 0; i < m; i++) {
        kept_line(in, o[i]->off, l);
        in->apply.visit = in->visits;
        rc = lead_ingest_line_txn(&in->apply, txn, l);
        if (rc == LEAD_OK && in->apply.touched) {
            rc = touch(in, in->apply.lead);
        }
        if (rc == LEAD_OK) {
            rc = put_id(in, txn, o[i], now_ms);
            if (rc != LEAD_OK) {
                return rc;
            }
            out->applied++;
            continue;
        }
        if ((rc != LEAD_EINVAL && rc != LEAD_ENOTFOUND) || in->apply.writing)
        {
            /* not a refusal, or one too late: the batch fails whole */
            return rc == LEAD_EINVAL || rc == LEAD_ENOTFOUND
                   ? lead_store_fail(in->s, LEAD_ESTORE, "line %u failed "
                                     "as it applied: %s", o[i]->index,
                                     in->apply.why[0] ? in->apply.why
                                                      : in->s->err)
                   : rc;
        }
        if (in->apply.why[0] == '\0') {
            snprintf(in->apply.why, sizeof(in->apply.why), "%s",
                     rc == LEAD_ENOTFOUND ? "no such lead" : in->s->err);
        }
        out->refused++;
        if (fn) {
            fn(arg, o[i]->index, in->apply.why);
        }
    }
    return LEAD_OK;
}

/*
 * The leads the batch touched promoted as at an edge, each once, as of its
 * latest line or the newest event stored, whichever is later: what the
 * store holds decides, not the order lines came in.
 */
static int
promote(lead_ingest *in, MDB_txn *txn, uint64_t now_ms)
{
    lead_score  *score;
    uint8_t      last[16];
    char         cause[LEAD_CAUSE_MAX];
    size_t       i;
    int          rc = LEAD_OK, promoted;

    if (in->r == NULL || in->nleads == 0) {
        return LEAD_OK;
    }
    rc = lead_store_log_last(in->s, txn, last);
    if (rc == LEAD_OK && lead_get_be64(last) > now_ms) {
        now_ms = lead_get_be64(last);
    } else if (rc != LEAD_OK && rc != LEAD_ENOTFOUND) {
        return rc;
    }
    rc = LEAD_OK;
    score = malloc(sizeof(lead_score));
    if (score == NULL) {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }
    lead_sort(in->leads, in->nleads, LEAD_ID_LEN, id_cmp);
    for (i = 0; rc == LEAD_OK && i < in->nleads; i++) {
        if (i && memcmp(in->leads + i * LEAD_ID_LEN,
                        in->leads + (i - 1) * LEAD_ID_LEN, LEAD_ID_LEN) == 0)
        {
            continue;
        }
        rc = lead_store_promote_txn(in->s, txn, in->r,
                                    in->leads + i * LEAD_ID_LEN, now_ms,
                                    NULL, score, &promoted, cause);
    }
    free(score);
    return rc;
}

static void
clear(lead_ingest *in)
{
    in->n = 0;
    in->used = 0;
    in->nlines = 0;
    in->tused = 0;
    in->nleads = 0;
}

int
lead_ingest_commit(lead_ingest *in, uint64_t now_ms, lead_ingested *out,
    lead_refused_fn fn, void *arg)
{
    MDB_txn   *txn;
    uint64_t   latest = 0;
    size_t     i;
    int        rc, more;

    memset(out, 0, sizeof(*out));
    if (in->n == 0) {
        return LEAD_OK;
    }
    if (!in->s->ingesting) {
        return lead_store_fail(in->s, LEAD_EINVAL, "the store keeps no "
                               "ingested ids (opened read-only?)");
    }
    if (grow((void **) &in->order, &in->ocap, in->n, sizeof(entry *))
        != LEAD_OK)
    {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }

    for (i = 0; i < in->n; i++) {
        latest = in->e[i].time_ms > latest ? in->e[i].time_ms : latest;
    }
    in->nleads = 0;

    rc = lead_store_write_begin(in->s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = find_duplicates(in, txn, now_ms, &out->duplicates);
    if (rc == LEAD_OK) {
        rc = append_reads(in, txn, &out->applied);
    }
    if (rc == LEAD_OK) {
        rc = apply_lines(in, txn, now_ms, out, fn, arg);
    }
    if (rc == LEAD_OK) {
        /* the reads indexed, so that a lead is scored through its visits
           and not by a scan of the log's tail for every lead */
        rc = lead_store_index_txn(in->s, txn, UINT64_MAX, UINT64_MAX, &more);
    }
    if (rc == LEAD_OK) {
        rc = promote(in, txn, latest);
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        memset(out, 0, sizeof(*out));
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
        return lead_store_mdb_fail(in->s, rc, "mdb_txn_commit");
    }
    clear(in);
    return LEAD_OK;
}
