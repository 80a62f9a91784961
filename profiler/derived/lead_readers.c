/*
 * The assets' readers kept per visitor and summed per asset, so that the
 * funnel page and leadctl assets read a row per asset, not every event.
 *
 * "readers"      0, asset (BE) -> people's reads, bots', readers,
 *                                 identified readers, those before it
 *                                 and before mql (BE u64 each)
 *                2, visitor    -> nothing: its rows to make again
 * "reader_rows"  visitor       -> a row per asset it read, sorted
 *                                 fixed-size duplicates: the asset (BE),
 *                                 people's and bots' reads (BE u32),
 *                                 what its first read by a person
 *                                 counts for (a byte)
 * meta "readers"  a hash of the rows' layout and the catalogue's ids
 *                 (the form's way back is a tagged read), 1 once every
 *                 visitor's rows are made, and the last visitor made
 *
 * A visitor's rows are made from its reads, its first link and its lead's
 * first mql, as the scan counts them (lead_reader_flags), whenever one of
 * those changes (a mark), or grown by reads later than all it had; the
 * totals move by the difference.  A reader adds to them what the marks
 * and the tail (events past the indexes) make of their visitors.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define TOTAL     0                 /* the keys' prefix in "readers" */
#define ROW_VAL   17
#define LAYOUT    2                 /* 1 kept rows in "readers", larger */
#define WHOLE     2                 /* grown_rows: make them from all */
#define TKEY_LEN  (LEAD_ID_LEN + 8 + 4)     /* a transition's */
#define META_LEN  (8 + 1 + LEAD_ID_LEN)

static const char  meta_key[] = "readers";

typedef struct {
    uint64_t  asset;
    uint64_t  first;              /* a person's first read, ms */
    uint32_t  people, bots;
    unsigned  flags;
} reader_row;

typedef struct {
    lead_store       *s;
    MDB_txn          *txn;
    reader_row       *rows;       /* by asset */
    size_t            n, cap;
    lead_reader_link  link;
    int               growing;    /* from kept rows: see grown_rows */
} reader_set;

unsigned
lead_reader_flags(uint64_t first_ms, uint64_t asset,
    const lead_reader_link *l)
{
    unsigned  f;

    if (!l->linked) {
        return 0;
    }
    /* the read that triggers mql is at its time: it counts */
    f = LEAD_READ_IDENTIFIED;
    f |= first_ms <= l->since || l->back == asset
         ? LEAD_READ_BEFORE_ID : 0;
    f |= l->mql && first_ms <= l->mql ? LEAD_READ_BEFORE_MQL : 0;
    return f;
}

int
lead_reader_back(const lead_reader_link *l, uint64_t t)
{
    return l->linked && l->back == 0 && t >= l->since
           && t - l->since <= LEAD_FORM_BACK_MS;
}

/* A row as "reader_rows" keeps it: the first read only decides flags. */
static void
put_row(uint8_t v[ROW_VAL], const reader_row *r)
{
    lead_put_be64(v, r->asset);
    lead_put_be64(v + 8, (uint64_t) r->people << 32 | r->bots);
    v[16] = (uint8_t) r->flags;
}

static int
same_row(const reader_row *a, const reader_row *b)
{
    return a->people == b->people && a->bots == b->bots
           && a->flags == b->flags;
}

/* What a visitor's row of an asset adds to the asset's counts. */
static void
row_counts(const reader_row *r, int64_t sign, int64_t c[LEAD_READER_NCOUNTS])
{
    c[LEAD_READER_PEOPLE] += sign * r->people;
    c[LEAD_READER_BOTS] += sign * r->bots;
    if (r->people) {
        c[LEAD_READER_READERS] += sign;
        c[LEAD_READER_ID] += sign * !!(r->flags & LEAD_READ_IDENTIFIED);
        c[LEAD_READER_BEFORE_ID] += sign
                                    * !!(r->flags & LEAD_READ_BEFORE_ID);
        c[LEAD_READER_BEFORE_MQL] += sign
                                     * !!(r->flags & LEAD_READ_BEFORE_MQL);
    }
}

/*
 * The element of asset in an array sorted by asset (each element starts
 * with its asset, a u64), made (zeros) if it has none; NULL: no memory.
 */
static void *
slot_of(void **rows, size_t *n, size_t *cap, size_t size, uint64_t asset)
{
    uint8_t   *base = *rows;
    uint64_t   at;
    size_t     lo = 0, hi = *n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        memcpy(&at, base + mid * size, sizeof(at));
        if (at == asset) {
            return base + mid * size;
        }
        if (at < asset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (*n == *cap) {
        base = realloc(*rows, (*cap ? 2 * *cap : 16) * size);
        if (base == NULL) {
            return NULL;
        }
        *cap = *cap ? 2 * *cap : 16;
        *rows = base;
    }
    memmove(base + (lo + 1) * size, base + lo * size, (*n - lo) * size);
    (*n)++;
    memset(base + lo * size, 0, size);
    memcpy(base + lo * size, &asset, sizeof(asset));
    return base + lo * size;
}

static reader_row *
row_of(reader_set *r, uint64_t asset)
{
    return slot_of((void **) &r->rows, &r->n, &r->cap, sizeof(reader_row),
                   asset);
}

#define STOP  1                   /* an each_prefixed callback's: done */

/*
 * Each row of dbi whose key begins with prefix, in key order: fn returns
 * 0 for the next, STOP to end the walk, or an error, which it returns.
 */
static int
each_prefixed(lead_store *s, MDB_txn *txn, MDB_dbi dbi,
    const uint8_t *prefix, size_t len, lead_row_fn fn, void *ctx)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc, r = 0, op;

    rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    key.mv_data = (void *) prefix;
    key.mv_size = len;
    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size < len || memcmp(key.mv_data, prefix, len) != 0) {
            break;
        }
        r = fn(&key, &val, ctx);
        if (r != 0) {
            break;
        }
    }
    mdb_cursor_close(cur);
    if (r != 0) {
        return r == STOP ? LEAD_OK : r;
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading");
}

static int
tagged(lead_store *s, MDB_txn *txn, uint64_t asset)
{
    MDB_val  key, val;
    uint8_t  k[8];

    lead_put_be64(k, asset);
    key.mv_data = k;
    key.mv_size = 8;
    return mdb_get(txn, s->assets, &key, &val) == 0;
}

/* One of the visitor's reads, in time order, into its rows. */
static int
add_read(void *arg, const uint8_t key[16])
{
    reader_set  *r = arg;
    reader_row  *row;
    lead_event   ev;
    MDB_val      k, v;
    int          rc;

    k.mv_data = (void *) key;
    k.mv_size = 16;
    rc = mdb_get(r->txn, r->s->events, &k, &v);
    if (rc != 0) {
        return rc == MDB_NOTFOUND ? LEAD_VISIT_KEEP
                                  : lead_store_mdb_fail(r->s, rc,
                                                        "reading an event");
    }
    if (lead_event_decode(v.mv_data, v.mv_size, &ev) != LEAD_OK
        || lead_event_is_feedback(&ev))
    {
        return LEAD_VISIT_KEEP;
    }
    row = row_of(r, ev.asset_id);
    if (row == NULL) {
        return lead_store_fail(r->s, LEAD_ENOMEM, "out of memory");
    }
    if (ev.ua_class == LEAD_UA_BOT) {
        row->bots++;
        return LEAD_VISIT_KEEP;
    }
    if (row->people++ == 0 || ev.time_ms < row->first) {
        row->first = ev.time_ms;
    }
    if (ev.asset_id && lead_reader_back(&r->link, ev.time_ms)
        && tagged(r->s, r->txn, ev.asset_id))
    {
        if (r->growing) {
            return WHOLE;               /* the earlier reads decide */
        }
        r->link.back = ev.asset_id;
    }
    return LEAD_VISIT_KEEP;
}

static int
mql_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    const uint8_t  *v = val->mv_data;

    /* as the scan reads them: from, to and three texts */
    if (key->mv_size == TKEY_LEN && val->mv_size >= 5
        && v[1] == LEAD_STATUS_MQL && v[val->mv_size - 1] == '\0'
        && memchr(v + 2, '\0', val->mv_size - 3) != NULL)
    {
        *(uint64_t *) ctx = lead_get_be64((uint8_t *) key->mv_data
                                          + LEAD_ID_LEN);
        return STOP;
    }
    return 0;
}

/* The visitor's first link (on a tie, the lowest lead id) and its mql. */
static int
first_link(reader_set *r, const uint8_t *visitor)
{
    MDB_val         key, val;
    const uint8_t  *l, *lead;
    size_t          i, n;
    int             rc;

    memset(&r->link, 0, sizeof(r->link));
    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(r->txn, r->s->links, &key, &val);
    if (rc != 0 || val.mv_size == 0 || val.mv_size % LINK_SIZE != 0) {
        return rc == 0 || rc == MDB_NOTFOUND
               ? LEAD_OK : lead_store_mdb_fail(r->s, rc, "reading links");
    }
    l = val.mv_data;
    n = val.mv_size / LINK_SIZE;
    lead = l;
    r->link.since = lead_get_u64(l + LEAD_ID_LEN);
    for (i = 1; i < n && lead_get_u64(l + i * LINK_SIZE + LEAD_ID_LEN)
                         == r->link.since; i++)
    {
        if (memcmp(l + i * LINK_SIZE, lead, LEAD_ID_LEN) < 0) {
            lead = l + i * LINK_SIZE;
        }
    }
    r->link.linked = 1;
    /* the first time its lead became mql, or 0 */
    return each_prefixed(r->s, r->txn, r->s->transitions, lead, LEAD_ID_LEN,
                         mql_row, &r->link.mql);
}

/* What the rows' first reads by a person count for: all rows' (all), or
   those with a first read (grown_rows: the new ones). */
static void
set_flags(reader_set *r, int all)
{
    reader_row  *row;
    size_t       i;

    for (i = 0; i < r->n; i++) {
        row = &r->rows[i];
        if (all || row->first != 0) {
            /* untagged reads are counted, and are nobody's reading */
            row->flags = row->people && row->asset
                         ? lead_reader_flags(row->first, row->asset, &r->link)
                         : 0;
        }
    }
}

/* The long way for one visitor: its rows from its reads (and the tail's). */
static int
made_rows(reader_set *r, const uint8_t *visitor, int tail)
{
    int  rc;

    r->n = 0;
    rc = first_link(r, visitor);
    if (rc == LEAD_OK) {
        rc = lead_store_each_visit(r->s, r->txn, visitor, add_read, r);
    }
    if (rc == LEAD_OK && tail) {
        rc = lead_store_each_tail_visit(r->s, r->txn, visitor, add_read, r);
    }
    if (rc == LEAD_OK) {
        set_flags(r, 1);
    }
    return rc;
}

/*
 * The rows kept grown by the visitor's reads from from_ms on, all later
 * than those they count (lead_store_index_visits): a person's first read
 * of an asset kept stays its first, with what it counts for.  WHOLE: a
 * read may be the one the form sent it back to, as only earlier ones say.
 */
static int
grown_rows(reader_set *r, const reader_set *kept, const uint8_t *visitor,
    uint64_t from_ms)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    reader_row  *row;
    uint8_t      at[16] = { 0 };
    size_t       i;
    int          rc, rr = LEAD_VISIT_KEEP, op;

    r->n = 0;
    rc = first_link(r, visitor);
    if (rc != LEAD_OK) {
        return rc;
    }
    for (i = 0; i < kept->n; i++) {
        row = row_of(r, kept->rows[i].asset);
        if (row == NULL) {
            return lead_store_fail(r->s, LEAD_ENOMEM, "out of memory");
        }
        *row = kept->rows[i];           /* first 0: not a new one */
    }
    rc = mdb_cursor_open(r->txn, r->s->visited, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(r->s, rc, "mdb_cursor_open");
    }
    lead_put_be64(at, from_ms);
    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;
    val.mv_data = at;
    val.mv_size = sizeof(at);
    r->growing = 1;
    for (op = MDB_GET_BOTH_RANGE;
         rr == LEAD_VISIT_KEEP
         && (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT_DUP)
    {
        rr = val.mv_size == 16 ? add_read(r, val.mv_data) : LEAD_VISIT_KEEP;
    }
    mdb_cursor_close(cur);
    r->growing = 0;
    if (rr != LEAD_VISIT_KEEP) {
        return rr;
    }
    if (rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(r->s, rc, "reading visits");
    }
    set_flags(r, 0);
    return LEAD_OK;
}

/* The rows kept of the visitor. */
static int
kept_rows(reader_set *r, const uint8_t *visitor)
{
    MDB_cursor     *cur;
    MDB_val         key, val;
    reader_row     *row;
    const uint8_t  *v;
    int             rc, op;

    r->n = 0;
    rc = mdb_cursor_open(r->txn, r->s->reader_rows, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(r->s, rc, "mdb_cursor_open");
    }
    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;
    for (op = MDB_SET; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT_DUP)
    {
        if (val.mv_size != ROW_VAL) {
            continue;                   /* a damaged row is none */
        }
        v = val.mv_data;
        row = row_of(r, lead_get_be64(v));
        if (row == NULL) {
            mdb_cursor_close(cur);
            return lead_store_fail(r->s, LEAD_ENOMEM, "out of memory");
        }
        row->people = (uint32_t) (lead_get_be64(v + 8) >> 32);
        row->bots = (uint32_t) lead_get_be64(v + 8);
        row->flags = v[16];
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(r->s, rc, "reading readers");
}

typedef int (*delta_fn)(void *arg, uint64_t asset,
    const int64_t c[LEAD_READER_NCOUNTS], const reader_row *made,
    const reader_row *kept);

/*
 * What the visitor's rows made now (from_ms: grown from those kept)
 * differ from those kept, asset by asset: fn gets the counts' difference
 * and the rows made and kept (NULL: none).
 */
static int
visitor_delta(lead_store *s, MDB_txn *txn, const uint8_t *visitor, int tail,
    uint64_t from_ms, delta_fn fn, void *arg)
{
    reader_set   made, kept;
    reader_row  *a, *b;
    int64_t      c[LEAD_READER_NCOUNTS];
    size_t       i = 0, j = 0;
    int          rc;

    memset(&made, 0, sizeof(made));
    memset(&kept, 0, sizeof(kept));
    made.s = kept.s = s;
    made.txn = kept.txn = txn;

    rc = kept_rows(&kept, visitor);
    if (rc == LEAD_OK) {
        rc = from_ms && s->dense ? grown_rows(&made, &kept, visitor, from_ms)
                                 : WHOLE;
    }
    if (rc == WHOLE) {
        rc = made_rows(&made, visitor, tail);
    }
    while (rc == LEAD_OK && (i < made.n || j < kept.n)) {
        a = i < made.n ? &made.rows[i] : NULL;
        b = j < kept.n ? &kept.rows[j] : NULL;
        if (a && b && a->asset != b->asset) {
            *(a->asset < b->asset ? &b : &a) = NULL;
        }
        memset(c, 0, sizeof(c));
        if (a) {
            row_counts(a, 1, c);
            i++;
        }
        if (b) {
            row_counts(b, -1, c);
            j++;
        }
        if (a == NULL || b == NULL || !same_row(a, b)) {
            rc = fn(arg, a ? a->asset : b->asset, c, a, b);
        }
    }
    free(made.rows);
    free(kept.rows);
    return rc;
}

/* ---- keeping them ------------------------------------------------------ */

typedef struct {
    lead_reader_counts  *rows;           /* by asset */
    size_t               n, cap;
} count_set;

static lead_reader_counts *
counts_of(count_set *cs, uint64_t asset)
{
    return slot_of((void **) &cs->rows, &cs->n, &cs->cap,
                   sizeof(lead_reader_counts), asset);
}

static int
add_delta(void *arg, uint64_t asset, const int64_t c[LEAD_READER_NCOUNTS],
    const reader_row *made, const reader_row *kept)
{
    lead_reader_counts  *rc = counts_of(arg, asset);
    unsigned             i;

    (void) made;
    (void) kept;
    if (rc == NULL) {
        return LEAD_ENOMEM;
    }
    for (i = 0; i < LEAD_READER_NCOUNTS; i++) {
        rc->n[i] += (uint64_t) c[i];
    }
    return LEAD_OK;
}

typedef struct {
    lead_store     *s;
    MDB_txn        *txn;
    const uint8_t  *visitor;
    lead_buf        rows;       /* its rows to put, in asset order */
    count_set       sums;       /* the totals' moves, written at the end */
} keeping;

static int
keep_delta(void *arg, uint64_t asset, const int64_t c[LEAD_READER_NCOUNTS],
    const reader_row *made, const reader_row *kept)
{
    keeping  *kp = arg;
    MDB_val   key, val;
    uint8_t   v[ROW_VAL];
    int       rc;

    if (add_delta(&kp->sums, asset, c, made, kept) != LEAD_OK) {
        return lead_store_fail(kp->s, LEAD_ENOMEM, "out of memory");
    }

    if (kept != NULL) {
        /* the row changed alone: the other duplicates stay */
        key.mv_data = (void *) kp->visitor;
        key.mv_size = LEAD_ID_LEN;
        val.mv_data = v;
        val.mv_size = ROW_VAL;
        put_row(v, kept);
        rc = mdb_del(kp->txn, kp->s->reader_rows, &key, &val);
        if (rc != 0 && rc != MDB_NOTFOUND) {
            return lead_store_mdb_fail(kp->s, rc, "writing readers");
        }
    }
    if (made != NULL) {
        put_row(v, made);
        lead_buf_put(&kp->rows, (char *) v, ROW_VAL);
    }
    return LEAD_OK;
}

/* The visitor's rows changed put in one call, not a call a row. */
static int
put_rows(keeping *kp)
{
    MDB_cursor  *cur;
    MDB_val      key, val[2];
    int          rc;

    if (kp->rows.oom) {
        return lead_store_fail(kp->s, LEAD_ENOMEM, "out of memory");
    }
    if (kp->rows.len == 0) {
        return LEAD_OK;
    }
    rc = mdb_cursor_open(kp->txn, kp->s->reader_rows, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(kp->s, rc, "mdb_cursor_open");
    }
    key.mv_data = (void *) kp->visitor;
    key.mv_size = LEAD_ID_LEN;
    val[0].mv_data = kp->rows.data;
    val[0].mv_size = ROW_VAL;
    val[1].mv_size = kp->rows.len / ROW_VAL;
    rc = mdb_cursor_put(cur, &key, val, MDB_MULTIPLE);
    mdb_cursor_close(cur);
    kp->rows.len = 0;
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(kp->s, rc, "writing readers");
}

/* The visitor's rows made again (from_ms: see visitor_delta), the
   totals' moves summed, its mark gone. */
static int
remake(keeping *kp, const uint8_t *visitor, uint64_t from_ms)
{
    MDB_val  key;
    uint8_t  k[1 + LEAD_ID_LEN];
    int      rc;

    kp->visitor = visitor;
    kp->rows.len = 0;
    rc = visitor_delta(kp->s, kp->txn, visitor, 0, from_ms, keep_delta,
                       kp);
    if (rc == LEAD_OK) {
        rc = put_rows(kp);
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    k[0] = LEAD_READERS_MARK;
    memcpy(k + 1, visitor, LEAD_ID_LEN);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    rc = mdb_del(kp->txn, kp->s->readers, &key, NULL);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(kp->s, rc, "writing readers");
}

/* The totals moved by what the visitors made again moved them: an asset's
   row written once, not once a visitor. */
static int
put_sums(keeping *kp)
{
    MDB_val                    key, val;
    uint8_t                    k[9], v[LEAD_READER_NCOUNTS * 8];
    size_t                     j;
    unsigned                   i;
    int                        rc;
    const lead_reader_counts  *d;

    for (j = 0; j < kp->sums.n; j++) {
        d = &kp->sums.rows[j];
        k[0] = TOTAL;
        lead_put_be64(k + 1, d->asset);
        key.mv_data = k;
        key.mv_size = 9;
        rc = mdb_get(kp->txn, kp->s->readers, &key, &val);
        if (rc == 0 && val.mv_size == sizeof(v)) {
            memcpy(v, val.mv_data, sizeof(v));
        } else if (rc == 0 || rc == MDB_NOTFOUND) {
            memset(v, 0, sizeof(v));
        } else {
            return lead_store_mdb_fail(kp->s, rc, "reading readers");
        }
        for (i = 0; i < LEAD_READER_NCOUNTS; i++) {
            lead_put_be64(v + i * 8, lead_get_be64(v + i * 8) + d->n[i]);
        }
        val.mv_data = v;
        val.mv_size = sizeof(v);
        rc = mdb_put(kp->txn, kp->s->readers, &key, &val, 0);
        if (rc != 0) {
            return lead_store_mdb_fail(kp->s, rc, "writing readers");
        }
    }
    return LEAD_OK;
}

typedef struct {
    lead_store  *s;
    MDB_txn     *txn;
} marking;

static int
mark_device(const MDB_val *key, const MDB_val *val, void *ctx)
{
    marking  *m = ctx;

    (void) val;
    return key->mv_size == 2 * LEAD_ID_LEN
           ? lead_store_mark_reader(m->s, m->txn,
                                    (uint8_t *) key->mv_data + LEAD_ID_LEN, 0)
           : 0;
}

int
lead_readers_mark_lead_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id)
{
    marking  m = { s, txn };

    return s->reading ? each_prefixed(s, txn, s->devices, lead_id,
                                      LEAD_ID_LEN, mark_device, &m)
                      : LEAD_OK;
}

/* FNV-1a of the catalogue's keys, each ended by a byte 0xff. */
static int
hash_asset(const MDB_val *key, const MDB_val *val, void *ctx)
{
    uint64_t  *h = ctx;
    size_t     i;

    (void) val;
    for (i = 0; i < key->mv_size; i++) {
        *h = (*h ^ ((const uint8_t *) key->mv_data)[i])
             * UINT64_C(0x100000001b3);
    }
    *h = (*h ^ 0xff) * UINT64_C(0x100000001b3);
    return 0;
}

/* What the rows were made with: their layout and the catalogue's ids,
   whether all are made, and up to which visitor (meta "readers"). */
static int
readers_meta(lead_store *s, MDB_txn *txn, uint64_t *hash, int *current,
    uint8_t meta[META_LEN])
{
    MDB_val  key, val;
    int      rc;

    *hash = (UINT64_C(0xcbf29ce484222325) ^ LAYOUT) * UINT64_C(0x100000001b3);
    rc = lead_store_scan_txn(s, txn, s->assets, hash_asset, hash);
    if (rc != LEAD_OK) {
        return rc;
    }
    key.mv_data = (void *) meta_key;
    key.mv_size = sizeof(meta_key) - 1;
    rc = mdb_get(txn, s->meta, &key, &val);
    *current = rc == 0 && val.mv_size == META_LEN
               && lead_get_be64(val.mv_data) == *hash;
    if (*current) {
        memcpy(meta, val.mv_data, META_LEN);
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading meta readers");
}

static int
put_meta(lead_store *s, MDB_txn *txn, const uint8_t meta[META_LEN])
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) meta_key;
    key.mv_size = sizeof(meta_key) - 1;
    val.mv_data = (void *) meta;
    val.mv_size = META_LEN;
    rc = mdb_put(txn, s->meta, &key, &val, 0);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "writing meta readers");
}

/* Each visitor's rows made once, from where the making stopped. */
static int
build(keeping *kp, uint8_t meta[META_LEN], uint64_t deadline_ms, int *more)
{
    lead_store  *s = kp->s;
    MDB_txn     *txn = kp->txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t      id[LEAD_ID_LEN];
    size_t       n = 0;
    int          rc, op;

    rc = mdb_cursor_open(txn, s->visitors, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    memcpy(id, meta + 9, LEAD_ID_LEN);
    key.mv_data = id;
    key.mv_size = LEAD_ID_LEN;
    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != LEAD_ID_LEN) {
            continue;
        }
        if (n++ > 0 && lead_clock_ms() > deadline_ms) {
            *more = 1;
            break;
        }
        memcpy(id, key.mv_data, LEAD_ID_LEN);
        /* the rows written are another table's: the cursor stays */
        rc = remake(kp, id, 0);
        if (rc != LEAD_OK) {
            mdb_cursor_close(cur);
            return rc;
        }
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading visitors");
    }
    memcpy(meta + 9, id, LEAD_ID_LEN);
    meta[8] = !*more;
    return put_meta(s, txn, meta);
}

int
lead_readers_keep_txn(lead_store *s, MDB_txn *txn, uint64_t deadline_ms,
    int *more)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    keeping      kp = { s, txn, NULL, { NULL, 0, 0, 0 }, { NULL, 0, 0 } };
    uint8_t      meta[META_LEN], id[LEAD_ID_LEN];
    uint64_t     hash, from;
    int          rc, current;

    if (!s->reading) {
        return LEAD_OK;
    }
    rc = readers_meta(s, txn, &hash, &current, meta);
    if (rc == LEAD_OK && !current) {
        /* none yet, or made with another catalogue or layout: all made
           again */
        rc = mdb_drop(txn, s->readers, 0);
        if (rc == 0) {
            rc = mdb_drop(txn, s->reader_rows, 0);
        }
        rc = rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_drop");
        memset(meta, 0, sizeof(meta));
        lead_put_be64(meta, hash);
    }

    /* the marked ones */
    while (rc == LEAD_OK && !*more) {
        rc = mdb_cursor_open(txn, s->readers, &cur);
        if (rc != 0) {
            rc = lead_store_mdb_fail(s, rc, "mdb_cursor_open");
            break;
        }
        id[0] = LEAD_READERS_MARK;
        key.mv_data = id;
        key.mv_size = 1;
        rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
        if (rc == 0 && key.mv_size == 1 + LEAD_ID_LEN
            && ((uint8_t *) key.mv_data)[0] == LEAD_READERS_MARK)
        {
            memcpy(id, (uint8_t *) key.mv_data + 1, LEAD_ID_LEN);
            from = val.mv_size == 8 ? lead_get_be64(val.mv_data) : 0;
        } else {
            rc = rc == 0 ? MDB_NOTFOUND : rc;
        }
        mdb_cursor_close(cur);
        if (rc != 0) {
            rc = rc == MDB_NOTFOUND
                 ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading readers");
            break;
        }
        rc = remake(&kp, id, from);
        if (rc == LEAD_OK && lead_clock_ms() > deadline_ms) {
            *more = 1;
        }
    }

    if (rc == LEAD_OK && !*more && meta[8] == 0) {
        rc = build(&kp, meta, deadline_ms, more);
    } else if (rc == LEAD_OK && !current) {
        rc = put_meta(s, txn, meta);
    }
    if (rc == LEAD_OK) {
        rc = put_sums(&kp);
    }
    lead_buf_free(&kp.rows);
    free(kp.sums.rows);
    return rc;
}

/* ---- reading them ------------------------------------------------------ */

static int
id_cmp(const void *x, const void *y)
{
    return memcmp(x, y, LEAD_ID_LEN);
}

static int
marked(const MDB_val *key, const MDB_val *val, void *ctx)
{
    (void) val;
    if (key->mv_size == 1 + LEAD_ID_LEN) {
        lead_buf_put(ctx, (char *) key->mv_data + 1, LEAD_ID_LEN);
    }
    return 0;
}

/* The visitors the kept rows may not answer for: marked, or in the tail. */
static int
unkept_visitors(lead_store *s, MDB_txn *txn, lead_buf *ids)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t      k = LEAD_READERS_MARK;
    int          rc;

    rc = each_prefixed(s, txn, s->readers, &k, 1, marked, ids);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = lead_store_tail_first(s, txn, &cur, &key, &val);
    if (rc != LEAD_OK) {
        return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }
    for (; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (val.mv_size >= EVENT_VISITOR_AT + LEAD_ID_LEN) {
            lead_buf_put(ids, (char *) val.mv_data + EVENT_VISITOR_AT,
                         LEAD_ID_LEN);
        }
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? LEAD_OK
                              : lead_store_mdb_fail(s, rc, "reading events");
}

static int
total_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    count_set           *cs = ctx;
    lead_reader_counts  *row;
    unsigned             i;

    if (key->mv_size != 9 || val->mv_size != LEAD_READER_NCOUNTS * 8) {
        return 0;
    }
    row = counts_of(cs, lead_get_be64((uint8_t *) key->mv_data + 1));
    if (row == NULL) {
        return LEAD_ENOMEM;
    }
    for (i = 0; i < LEAD_READER_NCOUNTS; i++) {
        row->n[i] = lead_get_be64((uint8_t *) val->mv_data + i * 8);
    }
    return 0;
}

int
lead_store_reader_counts(lead_store *s, lead_reader_counts **out,
    size_t *nout)
{
    MDB_txn        *txn;
    lead_buf        ids;
    count_set       cs;
    uint8_t         meta[META_LEN], k = TOTAL;
    uint64_t        hash;
    size_t          i, n;
    int             rc, current;
    const uint8_t  *id;

    *out = NULL;
    *nout = 0;
    if (s->empty || s->partial || !s->reading) {
        return LEAD_ENOTFOUND;
    }
    memset(&cs, 0, sizeof(cs));
    memset(&ids, 0, sizeof(ids));

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = readers_meta(s, txn, &hash, &current, meta);
    if (rc == LEAD_OK && (!current || meta[8] == 0)) {
        rc = LEAD_ENOTFOUND;            /* not all made: the long way */
    }

    if (rc == LEAD_OK) {
        rc = each_prefixed(s, txn, s->readers, &k, 1, total_row, &cs);
    }

    /* what the marked and the tail's visitors are now, not as kept */
    if (rc == LEAD_OK) {
        rc = unkept_visitors(s, txn, &ids);
    }
    if (rc == LEAD_OK && ids.oom) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    n = rc == LEAD_OK ? ids.len / LEAD_ID_LEN : 0;
    lead_sort(ids.data, n, LEAD_ID_LEN, id_cmp);
    for (i = 0; rc == LEAD_OK && i < n; i++) {
        id = (uint8_t *) ids.data + i * LEAD_ID_LEN;
        if (i > 0 && memcmp(id, id - LEAD_ID_LEN, LEAD_ID_LEN) == 0) {
            continue;
        }
        rc = visitor_delta(s, txn, id, 1, 0, add_delta, &cs);
    }
    if (rc == LEAD_ENOMEM) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    lead_store_read_end(s, txn);
    lead_buf_free(&ids);

    if (rc != LEAD_OK) {
        free(cs.rows);
        return rc;
    }
    *out = cs.rows;
    *nout = cs.n;
    return LEAD_OK;
}
