#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event_fixture.h"

/*
 * The store's verification (lead_verify.c): LMDB's meta pages read as
 * bytes, then a walk of every tree in a child, on real stores damaged
 * the ways backups and disks damage them.
 */

#include "dir_fixture.h"

#define NEVENTS  600
#define PSIZE    4096

/* A store of NEVENTS events (paths long enough for several levels). */
static void
make_store(const char *dir)
{
    static fx_event   evs[NEVENTS];
    lead_store_opts   opts = { 0, 0, 0, 0 };
    lead_store       *s;
    lead_batch       *b;
    char              err[256];
    size_t            i;

    assert_int_equal(lead_store_open(&s, dir, &opts, err, sizeof(err)),
                     LEAD_OK);
    b = lead_batch_new(NEVENTS * (LEAD_EVENT_MAX_SIZE + 2));
    assert_non_null(b);
    for (i = 0; i < NEVENTS; i++) {
        fx_event_make(&evs[i], (unsigned) i + 1, 200);
        assert_int_equal(lead_batch_add(b, &evs[i].ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
    lead_store_close(s);
}

static void
data_path(const char *dir, char *path, size_t len)
{
    snprintf(path, len, "%s/data.mdb", dir);
}

/* A new store where a damaged one was. */
static void
remake_store(const char *dir)
{
    char  path[128];

    data_path(dir, path, sizeof(path));
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    unlink(path);
    make_store(dir);
}

static off_t
file_size(const char *dir)
{
    struct stat  st;
    char         path[128];

    data_path(dir, path, sizeof(path));
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void
write_at(const char *dir, off_t off, const void *p, size_t len)
{
    char  path[128];
    int   fd;

    data_path(dir, path, sizeof(path));
    fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, p, len, off), (ssize_t) len);
    close(fd);
}

/*
 * The last page of the kind asked for (2: leaf, 1: branch): the latest
 * commit's, so a page of the trees in use, not one freed before.
 */
static long
find_page(const char *dir, unsigned kind)
{
    uint8_t  page[PSIZE];
    char     path[128];
    long     pg, found = -1;
    int      fd;

    data_path(dir, path, sizeof(path));
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    for (pg = 2; pread(fd, page, PSIZE, pg * PSIZE) == PSIZE; pg++) {
        if (lead_get_u64(page) == (uint64_t) pg && (page[10] & 3) == kind) {
            found = pg;
        }
    }
    close(fd);
    return found;
}

static int
verify(const char *dir, int walk, char *err, size_t len)
{
    err[0] = '\0';
    return lead_store_verify(dir, walk, err, len);
}

static void
test_whole_store(void **state)
{
    fixture     *fx = *state;
    char         err[512];
    const char  *n;

    make_store(fx->dir);
    assert_int_equal(verify(fx->dir, 0, err, sizeof(err)), LEAD_OK);
    assert_non_null(strstr(err, "pages of 4096 bytes"));
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_OK);

    /* "... N tables, ...": every table the store has, whatever its version */
    n = strstr(err, " tables, ");
    assert_non_null(n);
    while (n > err && n[-1] >= '0' && n[-1] <= '9') {
        n--;
    }
    assert_true(atoi(n) >= 15);
}

/*
 * A store written to while it is checked is whole: the walk's snapshot
 * may be of later commits than the meta page read before it, with pages
 * past the last one that page said was used.
 */
static void
test_store_written_while_checked(void **state)
{
    fixture          *fx = *state;
    static fx_event   ev;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    lead_store       *s;
    lead_batch       *b;
    char              err[512];
    unsigned          i;
    pid_t             writer;
    int               status;

    make_store(fx->dir);

    writer = fork();
    assert_true(writer != -1);
    if (writer == 0) {
        if (lead_store_open(&s, fx->dir, &opts, err, sizeof(err)) != LEAD_OK
            || (b = lead_batch_new(64 * (LEAD_EVENT_MAX_SIZE + 2))) == NULL)
        {
            _exit(1);
        }
        for (i = NEVENTS; ; i++) {
            fx_event_make(&ev, i + 1, 200);
            if (lead_batch_add(b, &ev.ev) != LEAD_OK
                || (i % 8 == 0 && lead_store_commit(s, b) != LEAD_OK))
            {
                _exit(1);
            }
            if (i % 8 == 0) {
                lead_batch_clear(b);
            }
        }
    }

    for (i = 0; i < 60; i++) {
        if (verify(fx->dir, 1, err, sizeof(err)) != LEAD_OK) {
            break;
        }
    }
    kill(writer, SIGKILL);
    assert_int_equal(waitpid(writer, &status, 0), writer);
    assert_true(WIFSIGNALED(status));
    assert_string_equal(i == 60 ? "" : err, "");
}

static void
test_no_store_and_empty_file(void **state)
{
    fixture  *fx = *state;
    char      err[512], path[128];
    int       fd;

    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_ENOSTORE);

    /* LMDB starts an empty file anew: nothing to fault on */
    data_path(fx->dir, path, sizeof(path));
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_OK);
}

static void
test_truncated(void **state)
{
    fixture          *fx = *state;
    lead_store       *s = NULL;
    lead_store_opts   opts = { 0, 1, 1, 0 };
    char              err[512], path[128];
    off_t             size;

    make_store(fx->dir);
    size = file_size(fx->dir);
    data_path(fx->dir, path, sizeof(path));

    /* at a page boundary, inside a page, down to one meta page */
    assert_int_equal(truncate(path, size - PSIZE), 0);
    assert_int_equal(verify(fx->dir, 0, err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "truncated"));

    assert_int_equal(truncate(path, size - PSIZE - 100), 0);
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "truncated"));

    /* opening it says so too, rather than fault when it reads */
    assert_int_equal(lead_store_open(&s, fx->dir, &opts, err, sizeof(err)),
                     LEAD_EDAMAGED);
    assert_null(s);
    assert_non_null(strstr(err, "is damaged: "));

    assert_int_equal(truncate(path, PSIZE), 0);
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "ends inside meta page 1"));
}

static void
test_meta_bytes(void **state)
{
    static const uint8_t  zero[4], big[1] = { 0x40 };
    fixture              *fx = *state;
    char                  err[512];

    make_store(fx->dir);
    write_at(fx->dir, PSIZE + 16, zero, 4);          /* magic of page 1 */
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "meta page 1 is not LMDB's"));

    /* page 0's transaction made far later: LMDB would use its old roots */
    remake_store(fx->dir);
    write_at(fx->dir, 16 + 128 + 5, big, 1);
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "not one after the other"));
}

static void
test_damaged_pages(void **state)
{
    static const uint8_t  offsets[4] = { 0xf0, 0xff, 0xf0, 0xff };
    fixture              *fx = *state;
    uint8_t               zero[PSIZE];
    char                  err[512];
    long                  leaf, branch;

    make_store(fx->dir);
    leaf = find_page(fx->dir, 2);
    branch = find_page(fx->dir, 1);
    assert_true(leaf > 1);
    assert_true(branch > 1);

    /* node offsets out of the page: LMDB faults, in the child */
    write_at(fx->dir, leaf * PSIZE + 16, offsets, sizeof(offsets));
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_EDAMAGED);
    assert_true(strstr(err, "table \"") || strstr(err, "free-page tree"));

    /* the meta pages alone do not show it */
    assert_int_equal(verify(fx->dir, 0, err, sizeof(err)), LEAD_OK);

    /* a zeroed branch page */
    remake_store(fx->dir);
    memset(zero, 0, sizeof(zero));
    write_at(fx->dir, branch * PSIZE, zero, sizeof(zero));
    assert_int_equal(verify(fx->dir, 1, err, sizeof(err)), LEAD_EDAMAGED);
    assert_true(strstr(err, "table \"") || strstr(err, "free-page tree"));
}

/* ---- the meta pages as bytes ------------------------------------------- */

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
    p[2] = (uint8_t) (v >> 16);
    p[3] = (uint8_t) (v >> 24);
}

static void
put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t) v);
    put32(p + 4, (uint32_t) (v >> 32));
}

/* Two meta pages: txnids 6 and 7, 10 pages, a main tree rooted at 9. */
static void
make_metas(uint8_t *buf)
{
    unsigned  i;
    uint8_t  *m;

    memset(buf, 0, 2 * PSIZE);
    for (i = 0; i < 2; i++) {
        put64(buf + i * PSIZE, i);
        buf[i * PSIZE + 10] = 0x08;
        m = buf + i * PSIZE + 16;
        put32(m, 0xBEEFC0DE);
        put32(m + 4, 1);
        put64(m + 16, 1 << 20);
        put32(m + 24, PSIZE);                           /* page size */
        put64(m + 24 + 40, UINT64_MAX);                 /* free: empty */
        put32(m + 72 + 4, 1u << 16);                    /* main: depth 1 */
        put64(m + 72 + 16, 1);                          /* one leaf page */
        put64(m + 72 + 32, 3);                          /* three entries */
        put64(m + 72 + 40, 9);
        put64(m + 120, 9);
        put64(m + 128, 6 + i);
    }
}

static void
test_meta_read(void **state)
{
    static uint8_t    buf[2 * PSIZE];
    lead_store_meta   m;
    char              err[256];

    (void) state;

    make_metas(buf);
    assert_int_equal(lead_store_meta_read(buf, sizeof(buf), 10 * PSIZE, &m,
                                          err, sizeof(err)), LEAD_OK);
    assert_int_equal(m.psize, PSIZE);
    assert_int_equal(m.meta, 1);
    assert_int_equal(m.txnid, 7);
    assert_int_equal(m.last_pg, 9);
    assert_int_equal(m.tree[1].root, 9);
    assert_int_equal(m.tree[1].depth, 1);
    assert_int_equal(m.tree[1].entries, 3);

    /* the file one byte short of its pages */
    assert_int_equal(lead_store_meta_read(buf, sizeof(buf), 10 * PSIZE - 1,
                                          &m, err, sizeof(err)),
                     LEAD_EDAMAGED);
    assert_non_null(strstr(err, "truncated"));

    /* an empty file is a new one */
    assert_int_equal(lead_store_meta_read(buf, 0, 0, &m, err, sizeof(err)),
                     LEAD_OK);

    put32(buf + 16 + 24, 4097);
    assert_int_equal(lead_store_meta_read(buf, sizeof(buf), 10 * PSIZE, &m,
                                          err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "page size 4097"));

    make_metas(buf);
    put64(buf + PSIZE + 16 + 72 + 40, 10);              /* past the last */
    assert_int_equal(lead_store_meta_read(buf, sizeof(buf), 10 * PSIZE, &m,
                                          err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "main tree's root, page 10"));

    make_metas(buf);
    put32(buf + PSIZE + 16 + 72 + 4, 0);                /* depth 0 */
    assert_int_equal(lead_store_meta_read(buf, sizeof(buf), 10 * PSIZE, &m,
                                          err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "depth 0"));

    make_metas(buf);
    put64(buf + PSIZE + 16 + 72 + 8, 40);               /* 40 branches */
    assert_int_equal(lead_store_meta_read(buf, sizeof(buf), 10 * PSIZE, &m,
                                          err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "41 pages"));

    make_metas(buf);
    buf[PSIZE + 10] = 0x02;                             /* a leaf page */
    assert_int_equal(lead_store_meta_read(buf, sizeof(buf), 10 * PSIZE, &m,
                                          err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "page 1 is not a meta page"));

    make_metas(buf);
    assert_int_equal(lead_store_meta_read(buf, PSIZE + 100, 10 * PSIZE, &m,
                                          err, sizeof(err)), LEAD_EDAMAGED);
    assert_non_null(strstr(err, "ends inside meta page 1"));
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_whole_store),
        T(test_store_written_while_checked),
        T(test_no_store_and_empty_file),
        T(test_truncated),
        T(test_meta_bytes),
        T(test_damaged_pages),
        cmocka_unit_test(test_meta_read),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
