/*
 * The LMDB store.
 *
 * "events" is the event log in time order (see append_events); a commit
 * only appends to it, which is what makes it fast.  "visitors" (first,
 * last, count by visitor id) and "visits" (visitor + time + seq) index
 * it by visitor: the fold keeps them (lead_fold.c) up to meta "indexed",
 * and readers add the events after that themselves.  "assets" is the
 * catalogue of the rules events were read under, by asset id.  "meta"
 * holds the schema version and the last event sequence number.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "lead.h"
#include "lead_internal.h"
#include "lead_store.h"

#define MAX_DBS       32      /* room for tables later versions add */
#define MAX_READERS   1024



static const char  schema_key[] = "schema";
static const char  seq_key[] = "seq";
static const char  indexed_key[] = "indexed";

const char *
lead_strerror(int code)
{
    switch (code) {
    case LEAD_OK:
        return "success";
    case LEAD_EINVAL:
        return "invalid input";
    case LEAD_ENOMEM:
        return "out of memory";
    case LEAD_ENOSTORE:
        return "no store";
    case LEAD_EFULL:
        return "store is full";
    case LEAD_ESCHEMA:
        return "store schema is newer than this program";
    case LEAD_ESTORE:
        return "store error";
    case LEAD_EBATCHFULL:
        return "batch is full";
    case LEAD_ECALLBACK:
        return "stopped by callback";
    case LEAD_ENOTFOUND:
        return "not found";
    default:
        return "unknown error";
    }
}

int
lead_store_fail(lead_store *s, int code, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);

    return code;
}

int
lead_store_mdb_fail(lead_store *s, int rc, const char *what)
{
    return lead_store_fail(s, rc == MDB_MAP_FULL ? LEAD_EFULL : LEAD_ESTORE,
                "%s: %s", what, mdb_strerror(rc));
}

const char *
lead_store_errmsg(const lead_store *s)
{
    return s->err;
}

/*
 * leadctl runs as root; files it causes LMDB to create must stay usable
 * by the nginx workers that own the directory.
 */
void
lead_store_match_owner(const char *dir)
{
    struct stat  st;
    char         path[4096];
    const char  *names[] = { "data.mdb", "lock.mdb" };
    size_t       i;

    if (geteuid() != 0 || stat(dir, &st) != 0 || st.st_uid == 0) {
        return;
    }

    for (i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (chown(path, st.st_uid, st.st_gid) != 0 && errno != ENOENT) {
            continue;   /* best effort: the open itself already worked */
        }
    }
}

/*
 * A store without an index position: a new one (nothing indexed yet) or
 * one whose commits indexed every event (all of it is).
 */
static int
start_index(lead_store *s, MDB_txn *txn)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t      last[16];
    int          rc, all;

    rc = lead_store_indexed(s, txn, last, &all);
    if (rc != LEAD_OK || !all) {
        return rc;
    }

    rc = mdb_cursor_open(txn, s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
    if (rc == 0 && key.mv_size == 16) {
        memcpy(last, key.mv_data, 16);
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading the last event");
    }
    return lead_store_set_indexed(s, txn, last);
}

static int
open_dbs(lead_store *s)
{
    MDB_txn   *txn;
    MDB_val    key, val;
    unsigned   flags = s->read_only ? 0 : MDB_CREATE;
    uint8_t    ver[4];
    uint32_t   found;
    size_t     i;
    int        rc;
    struct {
        const char  *name;
        MDB_dbi     *dbi;
    } dbs[] = {
        { "events", &s->events }, { "visitors", &s->visitors },
        { "assets", &s->assets }, { "leads", &s->leads },
        { "emails", &s->emails }, { "links", &s->links },
        { "devices", &s->devices }, { "statuses", &s->statuses },
        { "transitions", &s->transitions }, { "visits", &s->visits }
    }, fold_dbs[] = {
        { "states", &s->states }, { "summaries", &s->summaries },
        { "ranks", &s->ranks }, { "refold", &s->refold }
    };

    rc = mdb_txn_begin(s->env, NULL, s->read_only ? MDB_RDONLY : 0, &txn);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_txn_begin");
    }

    rc = mdb_dbi_open(txn, "meta", flags, &s->meta);
    if (rc == MDB_NOTFOUND && s->read_only) {
        s->empty = 1;
        mdb_txn_abort(txn);
        return LEAD_OK;
    }

    for (i = 0; rc == 0 && i < sizeof(dbs) / sizeof(dbs[0]); i++) {
        rc = mdb_dbi_open(txn, dbs[i].name, flags, dbs[i].dbi);
    }
    if (rc == MDB_NOTFOUND) {
        /* read-only, and written before this table existed: empty */
        s->partial = 1;
        rc = 0;
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "mdb_dbi_open");
    }

    /* kept scores: a store of an older version has none, read as is */
    for (i = 0, rc = 0; rc == 0 && i < sizeof(fold_dbs) / sizeof(fold_dbs[0]);
         i++)
    {
        rc = mdb_dbi_open(txn, fold_dbs[i].name, flags, fold_dbs[i].dbi);
    }
    s->folding = rc == 0;
    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "mdb_dbi_open");
    }

    key.mv_data = (void *) schema_key;
    key.mv_size = sizeof(schema_key) - 1;

    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == 0) {
        found = 0;
        if (val.mv_size == 4) {
            memcpy(ver, val.mv_data, 4);
            found = (uint32_t) ver[0] | (uint32_t) ver[1] << 8
                    | (uint32_t) ver[2] << 16 | (uint32_t) ver[3] << 24;
        }
        if (found != LEAD_SCHEMA_VERSION) {
            mdb_txn_abort(txn);
            return lead_store_fail(s, LEAD_ESCHEMA,
                        "store schema version %u, this program knows %u",
                        found, LEAD_SCHEMA_VERSION);
        }

        rc = s->read_only ? LEAD_OK : start_index(s, txn);
        if (rc != LEAD_OK) {
            mdb_txn_abort(txn);
            return rc;
        }

    } else if (rc == MDB_NOTFOUND && !s->read_only) {
        rc = start_index(s, txn);
        if (rc != LEAD_OK) {
            mdb_txn_abort(txn);
            return rc;
        }
        ver[0] = LEAD_SCHEMA_VERSION;
        ver[1] = ver[2] = ver[3] = 0;
        val.mv_data = ver;
        val.mv_size = 4;
        rc = mdb_put(txn, s->meta, &key, &val, 0);
        if (rc != 0) {
            mdb_txn_abort(txn);
            return lead_store_mdb_fail(s, rc, "writing the schema version");
        }

    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return lead_store_mdb_fail(s, rc, "reading the schema version");
    }

    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_txn_commit");
    }

    return LEAD_OK;
}

int
lead_store_open(lead_store **out, const char *dir,
    const lead_store_opts *opts, char *errbuf, size_t errlen)
{
    lead_store   *s;
    struct stat   st;
    char          data[4096];
    uint64_t      map_size = opts ? opts->map_size : 0;
    int           rc, stale, existing;
    unsigned      flags;

    *out = NULL;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return LEAD_ENOMEM;
    }

    s->read_only = opts ? opts->read_only : 0;
    existing = s->read_only || (opts && opts->existing);

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(errbuf, errlen, "\"%s\" is not a directory", dir);
        free(s);
        return LEAD_ENOSTORE;
    }

    snprintf(data, sizeof(data), "%s/data.mdb", dir);
    if (existing && stat(data, &st) != 0) {
        snprintf(errbuf, errlen, "no store in \"%s\" (no data.mdb)", dir);
        free(s);
        return LEAD_ENOSTORE;
    }

    rc = mdb_env_create(&s->env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(s->env, MAX_DBS);
    }
    if (rc == 0) {
        rc = mdb_env_set_maxreaders(s->env, MAX_READERS);
    }
    if (rc == 0 && !existing) {
        rc = mdb_env_set_mapsize(s->env, map_size ? map_size
                                                  : LEAD_DEFAULT_MAP_SIZE);
    }
    if (rc == 0) {
        /*
         * NOMETASYNC: one fsync per commit; a system crash may lose the
         * last commit but never corrupts the store.
         */
        flags = s->read_only ? MDB_RDONLY
                : opts && opts->nosync ? MDB_NOSYNC : MDB_NOMETASYNC;
        rc = mdb_env_open(s->env, dir, MDB_NOTLS | flags, 0660);
    }
    if (rc != 0) {
        snprintf(errbuf, errlen, "cannot open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        mdb_env_close(s->env);
        free(s);
        return LEAD_ESTORE;
    }

    lead_store_match_owner(dir);

    /* slots of readers that crashed (a killed worker) would pin pages */
    mdb_reader_check(s->env, &stale);

    rc = open_dbs(s);
    if (rc != LEAD_OK) {
        snprintf(errbuf, errlen, "store \"%s\": %s", dir, s->err);
        lead_store_close(s);
        return rc;
    }

    *out = s;
    return LEAD_OK;
}

void
lead_store_close(lead_store *s)
{
    if (s != NULL) {
        if (s->idle != NULL) {
            mdb_txn_abort(s->idle);
        }
        if (s->owner == NULL) {
            mdb_env_close(s->env);
        }
        free(s);
    }
}

int
lead_store_grow(lead_store *s, uint64_t bytes)
{
    MDB_envinfo  info;
    int          rc;

    /* the map may change only while this process has no transaction */
    if (s->idle != NULL) {
        mdb_txn_abort(s->idle);
        s->idle = NULL;
    }
    rc = mdb_env_info(s->env, &info);
    if (rc == 0) {
        rc = mdb_env_set_mapsize(s->env, info.me_mapsize + bytes);
    }
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "growing the map");
}

lead_store *
lead_store_share(lead_store *s)
{
    lead_store  *view = malloc(sizeof(*view));

    if (view != NULL) {
        *view = *s;
        view->owner = s;
        view->idle = NULL;          /* a snapshot is one thread's */
        view->err[0] = '\0';
    }
    return view;
}

static int
visit_cmp(const void *a, const void *b)
{
    const lead_visit  *x = a, *y = b;
    int           c = memcmp(x->id, y->id, LEAD_ID_LEN);

    if (c != 0) {
        return c;
    }
    return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

/*
 * Keys are the event time then a store-wide sequence number (kept in
 * "meta"), both big-endian: the log reads in time order, and since every
 * batch is recent its keys land at the end, where MDB_APPEND is cheap.
 */
static int
append_events(lead_store *s, MDB_txn *txn, const lead_batch *b,
    lead_visit *visits)
{
    MDB_cursor     *cur;
    MDB_val         key, val, skey, sval;
    uint8_t         kbuf[16], seqbuf[8];
    uint64_t        seq = 0;
    size_t          pos = 0, len, n = 0;
    const uint8_t  *rec;
    int             rc;

    skey.mv_data = (void *) seq_key;
    skey.mv_size = sizeof(seq_key) - 1;

    rc = mdb_get(txn, s->meta, &skey, &sval);
    if (rc == 0 && sval.mv_size == 8) {
        seq = lead_get_u64(sval.mv_data);
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading the event sequence");
    }

    rc = mdb_cursor_open(txn, s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    while (lead_batch_next(b, &pos, &rec, &len)) {
        /* the visitor id and time sit at fixed offsets of the head */
        visits[n].id = rec + EVENT_VISITOR_AT;
        visits[n].time_ms = lead_get_u64(rec + 4);

        lead_put_be64(kbuf, visits[n].time_ms);
        visits[n].seq = ++seq;
        lead_put_be64(kbuf + 8, seq);
        key.mv_data = kbuf;
        key.mv_size = sizeof(kbuf);
        val.mv_data = (void *) rec;
        val.mv_size = len;

        rc = mdb_cursor_put(cur, &key, &val, MDB_APPEND);
        if (rc == MDB_KEYEXIST) {
            /* older than the newest stored event: another worker's */
            rc = mdb_cursor_put(cur, &key, &val, 0);
        }
        if (rc != 0) {
            mdb_cursor_close(cur);
            return lead_store_mdb_fail(s, rc, "appending an event");
        }

        n++;
    }

    mdb_cursor_close(cur);

    lead_put_u64(seqbuf, seq);
    sval.mv_data = seqbuf;
    sval.mv_size = 8;

    rc = mdb_put(txn, s->meta, &skey, &sval, 0);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing the event sequence");
    }

    return LEAD_OK;
}

/*
 * "visits": visitor + time + seq -> nothing, so one person's events are
 * found without scanning everyone's.
 */
static int
index_visits(lead_store *s, MDB_txn *txn, const lead_visit *v, size_t n)
{
    MDB_val   key, val;
    uint8_t   k[LEAD_VISIT_KEY_LEN];
    size_t    i;
    int       rc;

    val.mv_data = NULL;
    val.mv_size = 0;

    for (i = 0; i < n; i++) {
        memcpy(k, v[i].id, LEAD_ID_LEN);
        lead_put_be64(k + LEAD_ID_LEN, v[i].time_ms);
        lead_put_be64(k + LEAD_ID_LEN + 8, v[i].seq);
        key.mv_data = k;
        key.mv_size = sizeof(k);

        rc = mdb_put(txn, s->visits, &key, &val, 0);
        if (rc != 0) {
            return lead_store_mdb_fail(s, rc, "indexing an event");
        }
    }

    return LEAD_OK;
}

int
lead_store_index_visits(lead_store *s, MDB_txn *txn, lead_visit *visits,
    size_t n)
{
    MDB_val   key, val;
    uint8_t   rec[VISITOR_SIZE];
    uint64_t  first, last, count;
    size_t    i, j;
    int       rc;

    lead_sort(visits, n, sizeof(lead_visit), visit_cmp);

    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n; j++) {
            if (memcmp(visits[j].id, visits[i].id, LEAD_ID_LEN) != 0) {
                break;
            }
        }

        first = visits[i].time_ms;
        last = visits[j - 1].time_ms;
        count = j - i;

        key.mv_data = (void *) visits[i].id;
        key.mv_size = LEAD_ID_LEN;

        rc = mdb_get(txn, s->visitors, &key, &val);
        if (rc == 0 && val.mv_size == VISITOR_SIZE) {
            uint64_t  f = lead_get_u64(val.mv_data);
            uint64_t  l = lead_get_u64((uint8_t *) val.mv_data + 8);

            first = f < first ? f : first;
            last = l > last ? l : last;
            count += lead_get_u64((uint8_t *) val.mv_data + 16);

        } else if (rc != 0 && rc != MDB_NOTFOUND) {
            return lead_store_mdb_fail(s, rc, "reading a visitor");
        }

        lead_put_u64(rec, first);
        lead_put_u64(rec + 8, last);
        lead_put_u64(rec + 16, count);
        val.mv_data = rec;
        val.mv_size = VISITOR_SIZE;

        rc = mdb_put(txn, s->visitors, &key, &val, 0);
        if (rc != 0) {
            return lead_store_mdb_fail(s, rc, "writing a visitor");
        }

        rc = index_visits(s, txn, visits + i, j - i);
        if (rc != LEAD_OK) {
            return rc;
        }
    }

    return LEAD_OK;
}

/*
 * Events older than the indexes' position (another worker's batch, late)
 * are indexed at once, so the indexes stay whole up to it; older than the
 * kept scores' too, their visitors' leads will be scored again.
 */
static int
index_late(lead_store *s, MDB_txn *txn, lead_visit *v, size_t n)
{
    MDB_val   key, val;
    uint8_t   indexed[16];
    uint64_t  folded, indexed_ms;
    size_t    i, late = 0;
    int       rc, all;

    if (!s->folding) {
        return lead_store_index_visits(s, txn, v, n);
    }

    rc = lead_store_indexed(s, txn, indexed, &all);
    if (rc == LEAD_OK) {
        rc = lead_store_fold_time(s, txn, &folded);
    }

    indexed_ms = rc == LEAD_OK ? lead_get_be64(indexed) : 0;
    val.mv_data = NULL;
    val.mv_size = 0;
    for (i = 0; rc == LEAD_OK && i < n; i++) {
        /* its seq is the newest: only an older time puts it behind */
        if (!all && v[i].time_ms >= indexed_ms) {
            continue;
        }
        v[late++] = v[i];
        if (v[i].time_ms < folded) {
            key.mv_data = (void *) v[i].id;
            key.mv_size = LEAD_ID_LEN;
            rc = mdb_put(txn, s->refold, &key, &val, 0);
            rc = rc == 0 ? LEAD_OK
                         : lead_store_mdb_fail(s, rc, "marking a refold");
        }
    }
    return rc == LEAD_OK && late ? lead_store_index_visits(s, txn, v, late)
                                 : rc;
}

int
lead_store_indexed(lead_store *s, MDB_txn *txn, uint8_t key[16], int *all)
{
    MDB_val  k, val;
    int      rc;

    memset(key, 0, 16);
    *all = 0;
    k.mv_data = (void *) indexed_key;
    k.mv_size = sizeof(indexed_key) - 1;

    rc = mdb_get(txn, s->meta, &k, &val);
    if (rc == 0 && val.mv_size == 16) {
        memcpy(key, val.mv_data, 16);
        return LEAD_OK;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* an older store: its commits indexed every event */
        *all = 1;
        return LEAD_OK;
    }
    return lead_store_mdb_fail(s, rc, "reading the index position");
}

int
lead_store_set_indexed(lead_store *s, MDB_txn *txn, const uint8_t key[16])
{
    MDB_val  k, val;
    int      rc;

    k.mv_data = (void *) indexed_key;
    k.mv_size = sizeof(indexed_key) - 1;
    val.mv_data = (void *) key;
    val.mv_size = 16;
    rc = mdb_put(txn, s->meta, &k, &val, 0);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "writing the index position");
}

int
lead_store_commit(lead_store *s, const lead_batch *b)
{
    MDB_txn  *txn;
    lead_visit  *visits;
    int          rc;

    if (lead_batch_count(b) == 0) {
        return s->read_only ? lead_store_fail(s, LEAD_EINVAL,
                                              "store opened read-only")
                            : LEAD_OK;
    }

    visits = malloc(lead_batch_count(b) * sizeof(lead_visit));
    if (visits == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_write_begin(s, &txn);
    if (rc == LEAD_OK) {
        rc = append_events(s, txn, b, visits);
        if (rc == LEAD_OK) {
            rc = index_late(s, txn, visits, lead_batch_count(b));
        }
        if (rc == LEAD_OK) {
            rc = mdb_txn_commit(txn);
            rc = rc == 0 ? LEAD_OK
                         : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
        } else {
            mdb_txn_abort(txn);
        }
    }

    free(visits);
    return rc;
}

int
lead_store_commit_hits(lead_store *s, const lead_batch *hits,
    const lead_rules *rules, const lead_geoip *geoip, lead_batch *events)
{
    int  rc;

    rc = lead_batch_finish(hits, rules, geoip, events);
    if (rc != LEAD_OK) {
        return lead_store_fail(s, rc, "cannot make the events of %zu "
                               "requests: %s", lead_batch_count(hits),
                               rc == LEAD_ENOMEM ? "out of memory"
                                                 : "a field over its limit");
    }

    return lead_store_commit(s, events);
}

static int
begin(lead_store *s, MDB_txn **txn, unsigned flags)
{
    int  rc;

    rc = mdb_txn_begin(s->env, NULL, flags, txn);
    if (rc == MDB_MAP_RESIZED) {
        /* another process grew the map (a reload with a larger size=) */
        mdb_env_set_mapsize(s->env, 0);
        rc = mdb_txn_begin(s->env, NULL, flags, txn);
    }

    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_begin");
}

/*
 * A read snapshot.  The last one ended is kept reset and renewed: a
 * point lookup (the gate asks one per request) costs no allocation and
 * no new reader slot.
 */
int
lead_store_read_begin(lead_store *s, MDB_txn **txn)
{
    int  rc;

    if (s->idle != NULL) {
        *txn = s->idle;
        s->idle = NULL;
        rc = mdb_txn_renew(*txn);
        if (rc == 0) {
            return LEAD_OK;
        }
        mdb_txn_abort(*txn);
    }
    return begin(s, txn, MDB_RDONLY);
}

void
lead_store_read_end(lead_store *s, MDB_txn *txn)
{
    if (s->idle == NULL) {
        mdb_txn_reset(txn);
        s->idle = txn;
    } else {
        mdb_txn_abort(txn);
    }
}

int
lead_store_write_begin(lead_store *s, MDB_txn **txn)
{
    if (s->read_only) {
        return lead_store_fail(s, LEAD_EINVAL, "store opened read-only");
    }
    return begin(s, txn, 0);
}

/* Calls row for every record of dbi, inside txn. */
int
lead_store_scan_txn(lead_store *s, MDB_txn *txn, MDB_dbi dbi,
    lead_row_fn row, void *ctx)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc, op;

    rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    for (op = MDB_FIRST;
         (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (row(&key, &val, ctx) != 0) {
            rc = LEAD_ECALLBACK;
            break;
        }
    }

    mdb_cursor_close(cur);

    if (rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    return rc == LEAD_ECALLBACK ? rc
                                : lead_store_mdb_fail(s, rc, "reading");
}

/* The same in a read snapshot of its own. */
int
lead_store_scan(lead_store *s, MDB_dbi dbi, lead_row_fn row, void *ctx)
{
    MDB_txn  *txn;
    int       rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc == LEAD_OK) {
        rc = lead_store_scan_txn(s, txn, dbi, row, ctx);
        lead_store_read_end(s, txn);
    }
    return rc;
}

typedef struct {
    lead_event_fn    event_fn;
    lead_asset_fn    asset_fn;
    void            *arg;
} scan_ctx;

static int
event_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    scan_ctx    *c = ctx;
    lead_event   ev;

    if (key->mv_size != 16
        || lead_event_decode(val->mv_data, val->mv_size, &ev) != LEAD_OK)
    {
        return 0;   /* not an event this version reads: skip it */
    }

    return c->event_fn(c->arg, lead_get_be64((uint8_t *) key->mv_data + 8), &ev);
}

int
lead_store_each_event(lead_store *s, lead_event_fn fn, void *arg)
{
    scan_ctx  c = { fn, NULL, arg };

    return lead_store_scan(s, s->events, event_row, &c);
}

/* A visitor's events after the index: a visitor row to add to its own. */
typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint64_t  time_ms;
} tail_visit;

static int
tail_visit_cmp(const void *x, const void *y)
{
    const tail_visit  *a = x, *b = y;
    int                d = memcmp(a->id, b->id, LEAD_ID_LEN);

    return d ? d : (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
}

int
lead_store_tail_first(lead_store *s, MDB_txn *txn, MDB_cursor **cur,
    MDB_val *key, MDB_val *val)
{
    uint8_t  pos[16];
    int      rc, all;

    *cur = NULL;
    rc = lead_store_indexed(s, txn, pos, &all);
    if (rc != LEAD_OK || all) {
        return rc != LEAD_OK ? rc : LEAD_ENOTFOUND;
    }
    rc = mdb_cursor_open(txn, s->events, cur);
    if (rc != 0) {
        *cur = NULL;
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    key->mv_data = pos;
    key->mv_size = 16;
    rc = mdb_cursor_get(*cur, key, val, MDB_SET_RANGE);
    if (rc == 0 && key->mv_size == 16 && memcmp(key->mv_data, pos, 16) == 0) {
        rc = mdb_cursor_get(*cur, key, val, MDB_NEXT);    /* indexed */
    }
    if (rc != 0) {
        mdb_cursor_close(*cur);
        *cur = NULL;
        return rc == MDB_NOTFOUND
               ? LEAD_ENOTFOUND : lead_store_mdb_fail(s, rc, "reading events");
    }
    return LEAD_OK;
}

/* Visits after the indexes' position, of one visitor or (NULL) all. */
static int
tail_visits(lead_store *s, MDB_txn *txn, const uint8_t *only,
    tail_visit **out, size_t *n)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    tail_visit  *grown;
    size_t       cap = 0;
    int          rc;

    *out = NULL;
    *n = 0;
    rc = lead_store_tail_first(s, txn, &cur, &key, &val);
    if (rc != LEAD_OK) {
        return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }

    for (; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        const uint8_t  *e = val.mv_data;

        if (key.mv_size != 16 || val.mv_size < EVENT_VISITOR_AT + LEAD_ID_LEN
            || (only && memcmp(e + EVENT_VISITOR_AT, only, LEAD_ID_LEN) != 0))
        {
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            grown = realloc(*out, cap * sizeof(tail_visit));
            if (grown == NULL) {
                mdb_cursor_close(cur);
                return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
            }
            *out = grown;
        }
        memcpy((*out)[*n].id, e + EVENT_VISITOR_AT, LEAD_ID_LEN);
        (*out)[*n].time_ms = lead_get_be64(key.mv_data);
        (*n)++;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading events");
    }
    lead_sort(*out, *n, sizeof(tail_visit), tail_visit_cmp);
    return LEAD_OK;
}

/* Adds the tail's visits of v->id from *i on to v (they are sorted). */
static void
add_tail(lead_visitor *v, const tail_visit *t, size_t n, size_t *i)
{
    for (; *i < n && memcmp(t[*i].id, v->id, LEAD_ID_LEN) == 0; (*i)++) {
        if (v->events == 0 || t[*i].time_ms < v->first_ms) {
            v->first_ms = t[*i].time_ms;
        }
        if (t[*i].time_ms > v->last_ms) {
            v->last_ms = t[*i].time_ms;
        }
        v->events++;
    }
}

static void
decode_visitor(const uint8_t *id, const MDB_val *val, lead_visitor *v)
{
    const uint8_t  *p = val->mv_data;

    memcpy(v->id, id, LEAD_ID_LEN);
    v->first_ms = lead_get_u64(p);
    v->last_ms = lead_get_u64(p + 8);
    v->events = lead_get_u64(p + 16);
}

/* The next well-formed row of "visitors", or 0 at the end. */
static int
next_visitor(MDB_cursor *cur, MDB_cursor_op op, lead_visitor *v, int *rc)
{
    MDB_val  key, val;

    while ((*rc = mdb_cursor_get(cur, &key, &val, op)) == 0) {
        if (key.mv_size == LEAD_ID_LEN && val.mv_size == VISITOR_SIZE) {
            decode_visitor(key.mv_data, &val, v);
            return 1;
        }
        op = MDB_NEXT;
    }
    if (*rc == MDB_NOTFOUND) {
        *rc = 0;
    }
    return 0;
}

int
lead_store_each_visitor(lead_store *s, lead_visitor_fn fn, void *arg)
{
    MDB_txn       *txn;
    MDB_cursor    *cur = NULL;
    tail_visit    *t = NULL;
    lead_visitor   row, v;
    size_t         n = 0, i = 0;
    int            rc, mrc = 0, have, d;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }
    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = tail_visits(s, txn, NULL, &t, &n);
    if (rc == LEAD_OK && mdb_cursor_open(txn, s->visitors, &cur) != 0) {
        rc = lead_store_fail(s, LEAD_ESTORE, "cannot read visitors");
    }

    /* the indexed visitors and the tail's, merged in id order */
    have = rc == LEAD_OK && next_visitor(cur, MDB_FIRST, &row, &mrc);
    while (rc == LEAD_OK && mrc == 0 && (have || i < n)) {
        /* d >= 0: the indexed row comes first (or is the same visitor) */
        d = !have ? -1 : i < n ? memcmp(t[i].id, row.id, LEAD_ID_LEN) : 1;
        if (d >= 0) {
            v = row;
            have = next_visitor(cur, MDB_NEXT, &row, &mrc);
        } else {
            memset(&v, 0, sizeof(v));
            memcpy(v.id, t[i].id, LEAD_ID_LEN);
        }
        add_tail(&v, t, n, &i);
        if (fn(arg, &v) != 0) {
            rc = LEAD_ECALLBACK;
        }
    }
    if (rc == LEAD_OK && mrc != 0) {
        rc = lead_store_mdb_fail(s, mrc, "reading visitors");
    }

    if (cur) {
        mdb_cursor_close(cur);
    }
    lead_store_read_end(s, txn);
    free(t);
    return rc;
}

/*
 * Catalogue records: id (u64), points (i32), flags and stage index (u8
 * each), then path, title, stage, topic and group, each NUL-terminated.
 */
#define ASSET_HEAD  14
/* a title may be as long as a path: an empty one defaults to it */
#define ASSET_MAX   (ASSET_HEAD + 2 * LEAD_PATH_MAX + 3 * LEAD_NAME_MAX + 5)

static size_t
asset_encode(const lead_asset *a, uint8_t *buf)
{
    const char  *strs[5] = { a->path, a->title, a->stage, a->topic,
                             a->group };
    size_t       n = ASSET_HEAD, len, i;

    lead_put_u64(buf, a->id);
    lead_put_u64(buf + 8, (uint64_t) (uint32_t) a->points);
    buf[12] = (uint8_t) a->flags;
    buf[13] = (uint8_t) a->stage_index;

    for (i = 0; i < 5; i++) {
        len = strlen(strs[i]) + 1;
        memcpy(buf + n, strs[i], len);
        n += len;
    }

    return n;
}

static const char  rules_key[] = "rules";

/* meta "rules": each text of the rule set, u32 length then bytes */
static int
put_rules_texts(lead_store *s, MDB_txn *txn, const lead_rules *r)
{
    MDB_val   key, val;
    size_t    size = 0, n = 0;
    uint8_t  *p;
    lead_str  t;
    int       i, rc;

    for (i = 0; i < LEAD_RULES_NTEXTS; i++) {
        size += 4 + lead_rules_text(r, i).len;
    }

    key.mv_data = (void *) rules_key;
    key.mv_size = sizeof(rules_key) - 1;
    val.mv_size = size;

    rc = mdb_put(txn, s->meta, &key, &val, MDB_RESERVE);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing the rules");
    }

    p = val.mv_data;
    for (i = 0; i < LEAD_RULES_NTEXTS; i++) {
        t = lead_rules_text(r, i);
        p[n] = (uint8_t) t.len;
        p[n + 1] = (uint8_t) (t.len >> 8);
        p[n + 2] = (uint8_t) (t.len >> 16);
        p[n + 3] = (uint8_t) (t.len >> 24);
        memcpy(p + n + 4, t.data, t.len);
        n += 4 + t.len;
    }

    return LEAD_OK;
}

int
lead_store_get_rules(lead_store *s, lead_rules **out, char *err,
    size_t errlen)
{
    MDB_txn        *txn;
    MDB_val         key, val;
    lead_str        texts[LEAD_RULES_NTEXTS];
    const uint8_t  *p;
    size_t          n = 0, len;
    int             i, rc;

    *out = NULL;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        snprintf(err, errlen, "%s", s->err);
        return rc;
    }

    key.mv_data = (void *) rules_key;
    key.mv_size = sizeof(rules_key) - 1;
    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc != 0) {
        lead_store_read_end(s, txn);
        snprintf(err, errlen, "no rules recorded in the store yet");
        return LEAD_ENOTFOUND;
    }

    p = val.mv_data;
    for (i = 0; i < LEAD_RULES_NTEXTS; i++) {
        if (val.mv_size - n < 4) {
            break;
        }
        len = (size_t) p[n] | (size_t) p[n + 1] << 8
              | (size_t) p[n + 2] << 16 | (size_t) p[n + 3] << 24;
        if (val.mv_size - n - 4 < len) {
            break;
        }
        texts[i].data = (const char *) p + n + 4;
        texts[i].len = len;
        n += 4 + len;
    }

    rc = i < LEAD_RULES_NTEXTS
         ? (snprintf(err, errlen, "the rules in the store are damaged"),
            LEAD_EINVAL)
         : lead_rules_parse_texts(out, "(store)", texts[0].data, texts[0].len,
                                  texts[1].data, texts[1].len, &texts[2],
                                  err, errlen);

    lead_store_read_end(s, txn);
    return rc;
}

int
lead_store_put_assets(lead_store *s, const lead_rules *r)
{
    MDB_txn           *txn;
    MDB_val            key, val;
    uint8_t            kbuf[8], rec[ASSET_MAX];
    const lead_asset  *a;
    size_t             i;
    int                rc;

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = put_rules_texts(s, txn, r);
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }

    for (i = 0; (a = lead_rules_asset(r, i)) != NULL; i++) {
        lead_put_be64(kbuf, a->id);
        key.mv_data = kbuf;
        key.mv_size = 8;
        val.mv_data = rec;
        val.mv_size = asset_encode(a, rec);

        rc = mdb_put(txn, s->assets, &key, &val, 0);
        if (rc != 0) {
            mdb_txn_abort(txn);
            return lead_store_mdb_fail(s, rc, "writing the asset catalogue");
        }
    }

    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

static int
asset_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    scan_ctx        *c = ctx;
    lead_asset       a;
    char             buf[ASSET_MAX];
    const char      *strs[5];
    size_t           n = ASSET_HEAD, i, len;

    if (key->mv_size != 8 || val->mv_size <= ASSET_HEAD
        || val->mv_size > ASSET_MAX)
    {
        return 0;
    }

    memcpy(buf, val->mv_data, val->mv_size);

    for (i = 0; i < 5; i++) {
        len = strnlen(buf + n, val->mv_size - n);
        if (n + len >= val->mv_size) {
            return 0;                       /* not NUL-terminated: skip */
        }
        strs[i] = buf + n;
        n += len + 1;
    }

    memset(&a, 0, sizeof(a));
    a.id = lead_get_u64((uint8_t *) buf);
    a.points = (int32_t) (uint32_t) lead_get_u64((uint8_t *) buf + 8);
    a.flags = (uint8_t) buf[12];
    a.stage_index = (uint8_t) buf[13];
    a.path = strs[0];
    a.title = strs[1];
    a.stage = strs[2];
    a.topic = strs[3];
    a.group = strs[4];

    return c->asset_fn(c->arg, &a);
}

int
lead_store_each_asset(lead_store *s, lead_asset_fn fn, void *arg)
{
    scan_ctx  c = { NULL, fn, arg };

    return lead_store_scan(s, s->assets, asset_row, &c);
}

int
lead_store_get_visitor(lead_store *s, const uint8_t id[LEAD_ID_LEN],
    lead_visitor *v)
{
    MDB_txn     *txn;
    MDB_val      key, val;
    tail_visit  *t = NULL;
    size_t       n = 0, i = 0;
    int          rc;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    memset(v, 0, sizeof(*v));
    memcpy(v->id, id, LEAD_ID_LEN);
    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;

    rc = mdb_get(txn, s->visitors, &key, &val);
    if (rc == 0 && val.mv_size == VISITOR_SIZE) {
        decode_visitor(id, &val, v);
        rc = LEAD_OK;
    } else if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = LEAD_OK;
    } else {
        rc = lead_store_mdb_fail(s, rc, "mdb_get");
    }
    if (rc == LEAD_OK) {
        rc = tail_visits(s, txn, id, &t, &n);
    }
    if (rc == LEAD_OK) {
        add_tail(v, t, n, &i);
        rc = v->events ? LEAD_OK : LEAD_ENOTFOUND;
    }

    lead_store_read_end(s, txn);
    free(t);
    return rc;
}
