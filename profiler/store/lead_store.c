/*
 * The LMDB environment: opening and checking it, its tables, its
 * transactions and every "meta" key (the schema version, the last event
 * sequence number, how far the visitor indexes and the fold reach, how
 * much anonymous data there is).
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
#include "lead_support.h"
#include "lead_store.h"

static const char  schema_key[] = "schema";
static const char  fold_key[] = "fold";
static const char  indexed_key[] = "indexed";
static const char  anonymous_key[] = "anonymous";

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

int
lead_store_log_last(lead_store *s, MDB_txn *txn, uint8_t key[16])
{
    MDB_cursor  *cur;
    MDB_val      k, v;
    int          rc;

    rc = mdb_cursor_open(txn, s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    if (rc == 0 && k.mv_size == 16) {
        memcpy(key, k.mv_data, 16);
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND || (rc == 0 && k.mv_size != 16)) {
        return LEAD_ENOTFOUND;
    }
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "reading the last event");
}

/*
 * A store without an index position: a new one (nothing indexed yet) or
 * one whose commits indexed every event (all of it is).
 */
static int
start_index(lead_store *s, MDB_txn *txn)
{
    uint8_t  last[16];
    int      rc, all;

    rc = lead_store_indexed(s, txn, last, &all);
    if (rc != LEAD_OK || !all) {
        return rc;
    }

    rc = lead_store_log_last(s, txn, last);
    if (rc != LEAD_OK && rc != LEAD_ENOTFOUND) {
        return rc;
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
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* anonymous visitors by last seen: an older store has none */
        rc = mdb_dbi_open(txn, "seen", flags, &s->seen);
        s->bounded = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = mdb_dbi_open(txn, "claims", flags, &s->claims);
        s->claiming = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* the SLA clock's index (built by lead_sla.c) and owners */
        rc = mdb_dbi_open(txn, "mqls", flags, &s->mqls);
        if (rc == 0) {
            rc = mdb_dbi_open(txn, "calls", flags, &s->calls);
        }
        if (rc == 0) {
            rc = mdb_dbi_open(txn, "owners", flags, &s->owners);
        }
        s->sla = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = mdb_dbi_open(txn, "notices", flags, &s->notices);
        s->noticing = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = mdb_dbi_open(txn, "outcomes", flags, &s->outcomes);
        s->closing = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = mdb_dbi_open(txn, "ingested", flags, &s->ingested);
        s->ingesting = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* sales' notes on content (derived/lead_notes.c) */
        rc = mdb_dbi_open(txn, "notes", flags, &s->notes);
        s->noting = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* the assets' readers, kept (derived/lead_readers.c) */
        rc = mdb_dbi_open(txn, "readers", flags, &s->readers);
        s->reading = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* a visitor's readers' rows, sorted fixed-size duplicates */
        rc = mdb_dbi_open(txn, "reader_rows",
                          flags | MDB_DUPSORT | MDB_DUPFIXED,
                          &s->reader_rows);
        s->reading = s->reading && rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* visits as sorted duplicates (lead_log.c): "visits" is older */
        rc = mdb_dbi_open(txn, "visited", flags | MDB_DUPSORT | MDB_DUPFIXED,
                          &s->visited);
        s->dense = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* each company's people and summed score (derived/lead_companies.c) */
        rc = mdb_dbi_open(txn, "accounts", flags | MDB_DUPSORT,
                          &s->accounts);
        s->accounting = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* kept with the fold's states: an older store has none */
        rc = mdb_dbi_open(txn, "stages", flags, &s->stages);
        s->staging = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* the leads of a stage (derived/lead_stage_ends.c) */
        rc = mdb_dbi_open(txn, "stage_ends", flags, &s->stage_ends);
        s->ending = rc == 0;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        /* what a search reads of the leads (derived/lead_texts.c) */
        rc = mdb_dbi_open(txn, "texts", flags, &s->texts);
        s->texting = rc == 0;
    }
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
        if (rc == 0 && s->sla) {
            /* no lead yet: "mqls" and "calls" hold them all */
            key.mv_data = (void *) LEAD_META_MQLS;
            key.mv_size = sizeof(LEAD_META_MQLS) - 1;
            val.mv_size = 0;
            rc = mdb_put(txn, s->meta, &key, &val, 0);
        }
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

    /* a file shorter than its meta pages say would fault when mapped */
    rc = lead_store_check_file(dir, s->err, sizeof(s->err));
    if (rc == LEAD_EDAMAGED) {
        snprintf(errbuf, errlen, "store \"%s\" is damaged: %s", data,
                 s->err);
        free(s);
        return rc;
    }

    rc = mdb_env_create(&s->env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(s->env, LEAD_STORE_MAX_DBS);
    }
    if (rc == 0) {
        rc = mdb_env_set_maxreaders(s->env,
                                        LEAD_STORE_MAX_READERS);
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
        if (s->snapshot != NULL) {
            mdb_txn_abort(s->snapshot);
        }
        free(s->tail);
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
        view->snapshot = NULL;
        view->snapshot_depth = 0;
        view->tail = NULL;
        view->ntail = 0;
        view->tail_read = 0;
        view->err[0] = '\0';
    }
    return view;
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

    if (s->snapshot != NULL) {
        *txn = s->snapshot;
        return LEAD_OK;
    }

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
    if (txn == s->snapshot) {
        return;
    }

    if (s->idle == NULL) {
        mdb_txn_reset(txn);
        s->idle = txn;
    } else {
        mdb_txn_abort(txn);
    }
}

int
lead_store_snapshot(lead_store *s)
{
    MDB_txn  *txn;
    int       rc;

    if (s->snapshot_depth++ > 0) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        s->snapshot_depth = 0;
        return rc;
    }

    s->snapshot = txn;
    return LEAD_OK;
}

void
lead_store_snapshot_end(lead_store *s)
{
    MDB_txn  *txn = s->snapshot;

    if (s->snapshot_depth == 0 || --s->snapshot_depth > 0) {
        return;
    }

    s->snapshot = NULL;
    lead_store_read_end(s, txn);
    free(s->tail);
    s->tail = NULL;
    s->ntail = 0;
    s->tail_read = 0;
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
lead_store_fold_pos(lead_store *s, MDB_txn *txn, lead_fold_pos *pos)
{
    MDB_val  key, val;
    int      rc;

    memset(pos, 0, sizeof(*pos));
    key.mv_data = (void *) fold_key;
    key.mv_size = sizeof(fold_key) - 1;

    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "reading the fold");
    }
    if (val.mv_size == 25) {
        pos->started = ((uint8_t *) val.mv_data)[0];
        memcpy(pos->key, (uint8_t *) val.mv_data + 1, 16);
        pos->rules = lead_get_u64((uint8_t *) val.mv_data + 17);
        pos->time_ms = lead_get_be64(pos->key);
    }
    return LEAD_OK;
}

int
lead_store_set_fold_pos(lead_store *s, MDB_txn *txn, const lead_fold_pos *pos)
{
    MDB_val  key, val;
    uint8_t  buf[25];
    int      rc;

    buf[0] = (uint8_t) pos->started;
    memcpy(buf + 1, pos->key, 16);
    lead_put_u64(buf + 17, pos->rules);

    key.mv_data = (void *) fold_key;
    key.mv_size = sizeof(fold_key) - 1;
    val.mv_data = buf;
    val.mv_size = sizeof(buf);
    rc = mdb_put(txn, s->meta, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing the fold");
}

int
lead_store_anonymous(lead_store *s, MDB_txn *txn, uint64_t *bytes)
{
    MDB_val  key, val;
    int      rc;

    *bytes = 0;
    key.mv_data = (void *) anonymous_key;
    key.mv_size = sizeof(anonymous_key) - 1;

    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == 0 && val.mv_size == 8) {
        *bytes = lead_get_u64(val.mv_data);
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading meta anonymous");
}

int
lead_store_set_meta_u64(lead_store *s, MDB_txn *txn, const char *name,
    uint64_t v)
{
    MDB_val  key, val;
    uint8_t  buf[8];
    int      rc;

    lead_put_u64(buf, v);
    key.mv_data = (void *) name;
    key.mv_size = strlen(name);
    val.mv_data = buf;
    val.mv_size = sizeof(buf);
    rc = mdb_put(txn, s->meta, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing meta");
}

int
lead_store_set_anonymous(lead_store *s, MDB_txn *txn, uint64_t bytes)
{
    return lead_store_set_meta_u64(s, txn, anonymous_key, bytes);
}

/*
 * The map's pages in use: its high-water mark less the free pages LMDB
 * keeps for reuse (the free list's records are page lists, each led by
 * its length).
 */
int
lead_store_used(lead_store *s, uint64_t *used, uint64_t *map)
{
    MDB_envinfo   info;
    MDB_stat      st;
    MDB_txn      *txn;
    MDB_cursor   *cur;
    MDB_val       key, val;
    uint64_t      pages;
    size_t        n;
    int           rc;

    rc = mdb_env_info(s->env, &info);
    if (rc == 0) {
        rc = mdb_env_stat(s->env, &st);
    }
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_env_info");
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    pages = info.me_last_pgno + 1;
    rc = mdb_cursor_open(txn, 0, &cur);
    if (rc == 0) {
        while ((rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) == 0) {
            if (val.mv_size >= sizeof(size_t)) {
                memcpy(&n, val.mv_data, sizeof(size_t));
                pages -= n < pages ? n : pages;
            }
        }
        mdb_cursor_close(cur);
    }
    lead_store_read_end(s, txn);
    if (rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading the free pages");
    }

    *used = pages * st.ms_psize;
    *map = info.me_mapsize;
    return LEAD_OK;
}
