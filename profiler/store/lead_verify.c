/*
 * Whether a store's file is whole before anyone maps it: LMDB's meta
 * pages read as plain bytes and held against the file's size, then every
 * tree walked in a child process, which damage may crash instead of us.
 */

#define _GNU_SOURCE     /* strsignal */

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"

/*
 * LMDB 0.9's file format (lmdb/mdb.c), little-endian on the machines we
 * build for: a page starts with its number (8 bytes), a pad (2) and its
 * flags (2); a meta page holds after that 16-byte head the magic, the
 * data version, the map's address and size, two tree records (the free
 * pages', the main table's) of 48 bytes each, the last page used and the
 * transaction id.  A tree record: pad (the page size, in the free tree's),
 * flags, depth, branch, leaf and overflow pages, entries, root.
 */
#define PAGE_HEAD       16
#define P_META          0x08
#define META_MAGIC      0xBEEFC0DEu
#define META_VERSION    1
#define META_DBS        24          /* from the meta's start */
#define META_DB_SIZE    48
#define META_LAST_PG    120
#define META_TXNID      128
#define META_SIZE       136
#define P_INVALID       UINT64_MAX  /* the root of an empty tree */
#define MIN_PSIZE       512
#define MAX_PSIZE       65536
#define MAX_DEPTH       32          /* LMDB's cursor stack */

#define FREE_DBI        0           /* LMDB's own tree of free pages */

#define WALK_SECONDS    300         /* a tree that loops is damage too */

static volatile unsigned  sink;     /* what touch() read, kept */

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16
           | (uint32_t) p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
    return (uint64_t) get32(p) | (uint64_t) get32(p + 4) << 32;
}

static int
damaged(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
damaged(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);

    return LEAD_EDAMAGED;
}

/* The head of meta page i (at off), as LMDB checks it before it maps. */
static int
meta_head(const uint8_t *p, size_t len, size_t off, unsigned i, char *err,
    size_t errlen)
{
    const uint8_t  *m = p + off + PAGE_HEAD;

    if (len < off + PAGE_HEAD + META_SIZE) {
        return damaged(err, errlen, "the file (%zu bytes) ends inside meta "
                       "page %u", len, i);
    }
    if (!(get32(p + off + 8) >> 16 & P_META)) {
        return damaged(err, errlen, "page %u is not a meta page", i);
    }
    if (get32(m) != META_MAGIC) {
        return damaged(err, errlen, "meta page %u is not LMDB's (magic "
                       "%08x)", i, get32(m));
    }
    if (get32(m + 4) != META_VERSION) {
        return damaged(err, errlen, "meta page %u has LMDB data version %u, "
                       "not %u", i, get32(m + 4), META_VERSION);
    }
    return LEAD_OK;
}

static int
meta_tree(const lead_store_meta *m, unsigned i, const char *name,
    char *err, size_t errlen)
{
    const lead_store_tree  *t = &m->tree[i];

    if (t->root == P_INVALID) {
        if (t->depth != 0 || t->entries != 0) {
            return damaged(err, errlen, "meta page %u: the %s tree is empty "
                           "but has depth %u and %llu entries", m->meta,
                           name, t->depth, (unsigned long long) t->entries);
        }
        return LEAD_OK;
    }
    if (t->root < 2 || t->root > m->last_pg) {
        return damaged(err, errlen, "meta page %u: the %s tree's root, page "
                       "%llu, is not among pages 2 to %llu", m->meta, name,
                       (unsigned long long) t->root,
                       (unsigned long long) m->last_pg);
    }
    if (t->depth == 0 || t->depth > MAX_DEPTH) {
        return damaged(err, errlen, "meta page %u: the %s tree has depth %u",
                       m->meta, name, t->depth);
    }
    if (t->pages > m->last_pg - 1) {
        return damaged(err, errlen, "meta page %u: the %s tree has %llu "
                       "pages, more than the file's %llu", m->meta, name,
                       (unsigned long long) t->pages,
                       (unsigned long long) m->last_pg + 1);
    }
    return LEAD_OK;
}

int
lead_store_meta_read(const uint8_t *p, size_t len, uint64_t file_size,
    lead_store_meta *m, char *err, size_t errlen)
{
    const uint8_t  *mp, *db;
    uint64_t        txnid[2];
    unsigned        i, j;
    size_t          off[2];
    int             rc;

    memset(m, 0, sizeof(*m));
    m->file_size = file_size;

    if (file_size == 0) {
        return LEAD_OK;                 /* LMDB starts an empty file anew */
    }

    /* page 1 is where page 0 says a page ends, as LMDB reads them */
    off[0] = 0;
    rc = meta_head(p, len, 0, 0, err, errlen);
    if (rc != LEAD_OK) {
        return rc;
    }
    m->psize = get32(p + PAGE_HEAD + META_DBS);
    if (m->psize < MIN_PSIZE || m->psize > MAX_PSIZE
        || (m->psize & (m->psize - 1)) != 0)
    {
        return damaged(err, errlen, "meta page 0: page size %u is not a "
                       "power of two from %u to %u", m->psize, MIN_PSIZE,
                       MAX_PSIZE);
    }
    off[1] = m->psize;
    rc = meta_head(p, len, off[1], 1, err, errlen);
    if (rc != LEAD_OK) {
        return rc;
    }

    /* LMDB uses the meta page of the later transaction (page 0 on a tie) */
    for (i = 0; i < 2; i++) {
        txnid[i] = get64(p + off[i] + PAGE_HEAD + META_TXNID);
    }
    m->meta = txnid[1] > txnid[0];
    /* a commit writes the next transaction's id to the other page */
    if (txnid[m->meta] - txnid[1 - m->meta] > 1) {
        return damaged(err, errlen, "meta pages 0 and 1 are of transactions "
                       "%llu and %llu, not one after the other",
                       (unsigned long long) txnid[0],
                       (unsigned long long) txnid[1]);
    }
    mp = p + off[m->meta] + PAGE_HEAD;

    m->txnid = txnid[m->meta];
    m->mapsize = get64(mp + 16);
    m->last_pg = get64(mp + META_LAST_PG);

    for (j = 0; j < 2; j++) {
        db = mp + META_DBS + j * META_DB_SIZE;
        m->tree[j].depth = (uint16_t) (get32(db + 4) >> 16);
        m->tree[j].pages = get64(db + 8) + get64(db + 16) + get64(db + 24);
        m->tree[j].entries = get64(db + 32);
        m->tree[j].root = get64(db + 40);
    }

    if (m->meta == 1 && get32(mp + META_DBS) != m->psize) {
        return damaged(err, errlen, "meta page 1 has page size %u, page 0 "
                       "%u", get32(mp + META_DBS), m->psize);
    }
    if (m->last_pg < 1 || m->last_pg >= UINT64_MAX / m->psize) {
        return damaged(err, errlen, "meta page %u: the last page used is "
                       "%llu", m->meta, (unsigned long long) m->last_pg);
    }
    if (file_size / m->psize < m->last_pg + 1) {
        return damaged(err, errlen, "the file is %llu bytes, shorter than "
                       "the %llu pages of %u bytes (%llu) its meta page %u "
                       "says it holds: truncated",
                       (unsigned long long) file_size,
                       (unsigned long long) m->last_pg + 1, m->psize,
                       (unsigned long long) (m->last_pg + 1) * m->psize,
                       m->meta);
    }

    rc = meta_tree(m, 0, "free-page", err, errlen);
    return rc == LEAD_OK ? meta_tree(m, 1, "main", err, errlen) : rc;
}

/*
 * The file's meta pages against its size.  A writer may be rewriting a
 * meta page as it is read: damage must be seen three times.
 */
static int
check_file(const char *path, lead_store_meta *m, char *err, size_t errlen)
{
    uint8_t      *buf;
    struct stat   st;
    ssize_t       n;
    unsigned      tries;
    int           fd, rc;

    buf = malloc(2 * MAX_PSIZE);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return LEAD_ENOMEM;
    }

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err, errlen, "cannot open \"%s\": %s", path,
                 strerror(errno));
        free(buf);
        return errno == ENOENT ? LEAD_ENOSTORE : LEAD_ESTORE;
    }

    rc = LEAD_ESTORE;
    for (tries = 0; tries < 3; tries++) {
        if (tries) {
            nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
        }
        n = pread(fd, buf, 2 * MAX_PSIZE, 0);
        /* the size after the meta: a commit only makes the file longer */
        if (n < 0 || fstat(fd, &st) != 0) {
            snprintf(err, errlen, "cannot read \"%s\": %s", path,
                     strerror(errno));
            rc = LEAD_ESTORE;
            break;
        }
        rc = lead_store_meta_read(buf, (size_t) n, (uint64_t) st.st_size, m,
                                  err, errlen);
        if (rc != LEAD_EDAMAGED) {
            break;
        }
    }

    close(fd);
    free(buf);
    return rc;
}

int
lead_store_check_file(const char *dir, char *err, size_t errlen)
{
    lead_store_meta  m;
    char             path[4096];

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    return check_file(path, &m, err, errlen);
}

/* ---- the walk, in a child ---------------------------------------------- */

typedef struct {
    int       fd;               /* to the parent: "at", "err" and "ok" */
    uint64_t  last_pg;
    uint32_t  psize;
    uint64_t  records;
    unsigned  tables;
    size_t    prev_len;         /* the key before, to see the order */
    uint8_t   prev[512];
    size_t    prev_vlen;        /* and its value, in a table of duplicates */
    uint8_t   prev_val[512];
} walk_ctx;

static void
tell(walk_ctx *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tell(walk_ctx *w, const char *fmt, ...)
{
    char     line[512];
    va_list  ap;
    int      n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    n = n > (int) sizeof(line) - 2 ? (int) sizeof(line) - 2 : n;
    line[n++] = '\n';
    if (write(w->fd, line, (size_t) n) != n) {
        /* the parent is gone or reads no more: nothing to tell it */
    }
}

static void
walk_assert(MDB_env *env, const char *msg)
{
    walk_ctx  *w = mdb_env_get_userctx(env);

    tell(w, "err:LMDB failed an assertion: %s", msg);
}

/* Every byte page of a value read, so a page past the map faults here. */
static unsigned
touch(const MDB_val *v, uint32_t psize)
{
    const volatile uint8_t  *p = v->mv_data;
    unsigned                 sum = 0;
    size_t                   i;

    for (i = 0; i < v->mv_size; i += psize) {
        sum += p[i];
    }
    return v->mv_size ? sum + p[v->mv_size - 1] : sum;
}

/*
 * Keys come in order: as memcmp then length does (LMDB's default, every
 * table's), the free-page tree's as numbers.  A damaged branch page sends
 * a walk off to the wrong pages without LMDB noticing; this does.
 */
/* In a table of sorted duplicates, a key's values grow as its keys do. */
static int
dup_in_order(walk_ctx *w, const MDB_val *val, int same_key)
{
    size_t  len = val->mv_size;
    int     c;

    if (len > sizeof(w->prev_val)) {
        return -1;
    }
    if (same_key) {
        c = memcmp(val->mv_data, w->prev_val,
                   len < w->prev_vlen ? len : w->prev_vlen);
        if (c < 0 || (c == 0 && len <= w->prev_vlen)) {
            return -1;
        }
    }
    memcpy(w->prev_val, val->mv_data, len);
    w->prev_vlen = len;
    return 0;
}

static int
in_order(walk_ctx *w, MDB_dbi dbi, int dup, const MDB_val *key,
    const MDB_val *val, uint64_t n)
{
    size_t  len = key->mv_size;
    int     c;

    if (dup) {
        c = n > 1 && len == w->prev_len
            && memcmp(key->mv_data, w->prev, len) == 0;
        if (dup_in_order(w, val, c) != 0) {
            return -1;
        }
    }

    if (dbi == FREE_DBI) {
        if (len != 8) {
            return -1;
        }
        c = n > 1 && get64(key->mv_data) <= get64(w->prev) ? -1 : 0;
    } else {
        c = len < w->prev_len ? len : w->prev_len;
        c = memcmp(key->mv_data, w->prev, (size_t) c);
        /* a table of sorted duplicates ("visited") repeats its keys */
        c = n > 1 && (c < 0 || (c == 0 && len < w->prev_len)
                      || (c == 0 && len == w->prev_len && !dup)) ? -1 : 0;
    }
    if (c == 0 && len <= sizeof(w->prev)) {
        memcpy(w->prev, key->mv_data, len);
        w->prev_len = len;
        return 0;
    }
    return -1;
}

/* The free-page tree: each value a count, then that many page numbers. */
static int
walk_free_value(walk_ctx *w, const MDB_val *val)
{
    const uint8_t  *p = val->mv_data;
    uint64_t        n, pg;
    size_t          i;

    if (val->mv_size < 8 || val->mv_size % 8 != 0
        || (n = get64(p)) != val->mv_size / 8 - 1)
    {
        tell(w, "err:a record of the free-page tree is %zu bytes, not a "
             "list of pages", val->mv_size);
        return -1;
    }
    for (i = 1; i <= n; i++) {
        pg = get64(p + 8 * i);
        if (pg < 2 || pg > w->last_pg) {
            tell(w, "err:the free-page tree lists page %llu, not among "
                 "pages 2 to %llu", (unsigned long long) pg,
                 (unsigned long long) w->last_pg);
            return -1;
        }
    }
    return 0;
}

static int
walk_tree(walk_ctx *w, MDB_txn *txn, MDB_dbi dbi, const char *name)
{
    MDB_cursor  *cur;
    MDB_stat     st;
    MDB_val      key, val;
    uint64_t     n = 0;
    unsigned     flags = 0;
    int          rc, op;

    tell(w, "at:%s", name);
    w->prev_len = 0;

    rc = mdb_stat(txn, dbi, &st);
    if (rc == 0 && dbi != FREE_DBI) {
        rc = mdb_dbi_flags(txn, dbi, &flags);
    }
    if (rc == 0) {
        rc = mdb_cursor_open(txn, dbi, &cur);
    }
    if (rc != 0) {
        tell(w, "err:%s: %s", name, mdb_strerror(rc));
        return -1;
    }

    for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (++n > st.ms_entries) {
            break;
        }
        sink += touch(&key, w->psize) + touch(&val, w->psize);
        if (in_order(w, dbi, (flags & MDB_DUPSORT) != 0, &key, &val, n)
            != 0)
        {
            tell(w, "err:%s, record %llu: its key (%zu bytes) is out of "
                 "order", name, (unsigned long long) n, key.mv_size);
            mdb_cursor_close(cur);
            return -1;
        }
        if (dbi == FREE_DBI && walk_free_value(w, &val) != 0) {
            mdb_cursor_close(cur);
            return -1;
        }
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        tell(w, "err:%s, record %llu: %s", name, (unsigned long long) n,
             mdb_strerror(rc));
        return -1;
    }
    if (n != st.ms_entries) {
        tell(w, "err:%s has %s%llu records, its header says %llu", name,
             n > st.ms_entries ? "more than " : "",
             (unsigned long long) (n > st.ms_entries ? st.ms_entries : n),
             (unsigned long long) st.ms_entries);
        return -1;
    }
    if (dbi != FREE_DBI) {
        w->records += n;
    }
    return 0;
}

/* The main table names the others: each is walked in its turn. */
static int
walk_tables(walk_ctx *w, MDB_txn *txn)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    MDB_dbi      main, dbi;
    char         name[512], what[600];
    int          rc, op;

    rc = mdb_dbi_open(txn, NULL, 0, &main);
    if (rc != 0) {
        tell(w, "err:the main table: %s", mdb_strerror(rc));
        return -1;
    }
    if (walk_tree(w, txn, FREE_DBI, "the free-page tree") != 0
        || walk_tree(w, txn, main, "the main table") != 0)
    {
        return -1;
    }

    rc = mdb_cursor_open(txn, main, &cur);
    if (rc != 0) {
        tell(w, "err:the main table: %s", mdb_strerror(rc));
        return -1;
    }

    for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size == 0 || key.mv_size >= sizeof(name)
            || memchr(key.mv_data, '\0', key.mv_size) != NULL)
        {
            tell(w, "err:the main table holds a record that names no "
                 "table (%zu bytes)", key.mv_size);
            rc = -1;
            break;
        }
        memcpy(name, key.mv_data, key.mv_size);
        name[key.mv_size] = '\0';
        snprintf(what, sizeof(what), "table \"%s\"", name);

        tell(w, "at:%s", what);
        rc = mdb_dbi_open(txn, name, 0, &dbi);
        if (rc != 0) {
            tell(w, "err:%s: %s", what, mdb_strerror(rc));
            rc = -1;
            break;
        }
        if (walk_tree(w, txn, dbi, what) != 0) {
            rc = -1;
            break;
        }
        w->tables++;
    }
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        if (rc != -1) {
            tell(w, "err:the main table: %s", mdb_strerror(rc));
        }
        return -1;
    }
    return 0;
}

/*
 * In the child: the store opened read-only, one snapshot, every tree.
 * Exit 0: whole; 1: damaged (said why); 2: could not look.  Where no
 * process has the store open (no lock.mdb), no lock file is made for it.
 */
static void
walk_child(const char *dir, const lead_store_meta *m, int fd)
{
    MDB_env     *env = NULL;
    MDB_txn     *txn;
    MDB_envinfo  info;
    walk_ctx     w;
    struct stat  st;
    char         lock[4096];
    unsigned     flags = MDB_RDONLY | MDB_NOTLS;
    int          rc, fd_null;

    /* LMDB prints a failed assertion: not into nginx's error log */
    fd_null = open("/dev/null", O_WRONLY);
    if (fd_null != -1) {
        dup2(fd_null, STDERR_FILENO);
    }

    /* a signal handler of the parent's (nginx's) is not ours to run */
    signal(SIGALRM, SIG_DFL);
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    alarm(WALK_SECONDS);

    memset(&w, 0, sizeof(w));
    w.fd = fd;
    w.last_pg = m->last_pg;
    w.psize = m->psize;

    snprintf(lock, sizeof(lock), "%s/lock.mdb", dir);
    if (stat(lock, &st) != 0) {
        flags |= MDB_NOLOCK;
    }

    rc = mdb_env_create(&env);
    if (rc == 0) {
        mdb_env_set_userctx(env, &w);
        (void) mdb_env_set_assert(env, walk_assert);
        rc = mdb_env_set_maxdbs(env, LEAD_STORE_MAX_DBS);
    }
    if (rc == 0) {
        rc = mdb_env_set_maxreaders(env, LEAD_STORE_MAX_READERS);
    }
    if (rc == 0) {
        rc = mdb_env_open(env, dir, flags, 0660);
    }
    if (rc == 0) {
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    }
    if (rc != 0) {
        tell(&w, "err:%s", mdb_strerror(rc));
        mdb_env_close(env);
        _exit(rc == MDB_INVALID || rc == MDB_CORRUPTED
              || rc == MDB_PAGE_NOTFOUND || rc == MDB_VERSION_MISMATCH
              ? 1 : 2);
    }

    /*
     * The snapshot may be of commits after the meta page read before:
     * its pages run to the last one used now, read once it is pinned.
     */
    if (mdb_env_info(env, &info) == 0 && info.me_last_pgno > w.last_pg) {
        w.last_pg = info.me_last_pgno;
    }

    rc = walk_tables(&w, txn);
    if (rc == 0) {
        tell(&w, "ok:%u tables, %llu records", w.tables,
             (unsigned long long) w.records);
    }

    /* the reader slot goes back: a stale one would pin freed pages */
    mdb_txn_abort(txn);
    mdb_env_close(env);
    _exit(rc == 0 ? 0 : 1);
}

/* Reads what the child told until it closes the pipe; keeps the last. */
static void
hear(int fd, char *at, char *msg, char *ok, size_t len)
{
    char     buf[4096], *line, *nl;
    size_t   have = 0;
    ssize_t  n;

    for ( ;; ) {
        n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        have += (size_t) n;
        buf[have] = '\0';

        for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
            *nl = '\0';
            if (strncmp(line, "at:", 3) == 0) {
                snprintf(at, len, "%s", line + 3);
            } else if (strncmp(line, "err:", 4) == 0) {
                snprintf(msg, len, "%s", line + 4);
            } else if (strncmp(line, "ok:", 3) == 0) {
                snprintf(ok, len, "%s", line + 3);
            }
        }
        have = strlen(line);
        memmove(buf, line, have);
        if (have == sizeof(buf) - 1) {
            have = 0;                   /* a line that long: dropped */
        }
    }
}

static int
walk(const char *dir, const lead_store_meta *m, char *found, char *err,
    size_t errlen)
{
    pid_t   pid;
    int     fds[2], status, rc;
    char    at[512] = "", msg[512] = "", ok[512] = "";

    if (pipe(fds) != 0) {
        snprintf(err, errlen, "cannot check its trees: pipe(): %s",
                 strerror(errno));
        return LEAD_ESTORE;
    }

    pid = fork();
    if (pid == -1) {
        snprintf(err, errlen, "cannot check its trees: fork(): %s",
                 strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return LEAD_ESTORE;
    }
    if (pid == 0) {
        close(fds[0]);
        walk_child(dir, m, fds[1]);
    }

    close(fds[1]);
    hear(fds[0], at, msg, ok, sizeof(at));
    close(fds[0]);

    while ((rc = waitpid(pid, &status, 0)) == -1 && errno == EINTR) {
        /* void */
    }
    if (rc == -1) {
        snprintf(err, errlen, "cannot check its trees: waitpid(): %s",
                 strerror(errno));
        return LEAD_ESTORE;
    }

    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        snprintf(found, 512, "%s", ok);
        return LEAD_OK;
    }
    if (WIFEXITED(status)) {
        snprintf(err, errlen, "%s%s", WEXITSTATUS(status) == 1 ? ""
                 : "cannot check its trees: ", msg[0] ? msg : "(no reason)");
        return WEXITSTATUS(status) == 1 ? LEAD_EDAMAGED : LEAD_ESTORE;
    }
    if (WTERMSIG(status) == SIGALRM) {
        return damaged(err, errlen, "reading %s took over %d s: its pages "
                       "loop", at[0] ? at : "its trees", WALK_SECONDS);
    }
    return damaged(err, errlen, "reading %s crashed LMDB (%s)%s%s",
                   at[0] ? at : "its trees", strsignal(WTERMSIG(status)),
                   msg[0] ? ": " : "", msg);
}

int
lead_store_verify(const char *dir, int walk_trees, char *err, size_t errlen)
{
    lead_store_meta  m;
    char             path[4096], found[512];
    int              rc;

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    rc = check_file(path, &m, err, errlen);
    if (rc != LEAD_OK) {
        return rc;
    }
    if (m.file_size == 0) {
        snprintf(err, errlen, "an empty file, not yet written");
        return LEAD_OK;
    }

    found[0] = '\0';
    if (walk_trees) {
        rc = walk(dir, &m, found, err, errlen);
        if (rc != LEAD_OK) {
            return rc;
        }
    }

    snprintf(err, errlen, "%s%s%llu pages of %u bytes, %llu used",
             found, found[0] ? " in " : "",
             (unsigned long long) (m.file_size / m.psize), m.psize,
             (unsigned long long) m.last_pg + 1);
    return LEAD_OK;
}
