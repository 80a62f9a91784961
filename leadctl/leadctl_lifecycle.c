/*
 * leadctl: the data lifecycle (forget, assign, purge, backup, compact).
 * Each says what it did in one line, for the operator's record.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lead.h"

#include "leadctl.h"

#define PURGE_BATCH  1000      /* visitors per write transaction */
#define GROW_STEP    (1 << 20) /* room a full store is given to erase */
#define GROW_MAX     8

/*
 * LMDB writes even a delete to new pages: a store full to the last page
 * cannot erase anything.  It is given a little room, once per try, and
 * says so (the map stays larger than size= by that much).
 */
static int
make_room(lead_store *s, int *grown)
{
    if (*grown == GROW_MAX || lead_store_grow(s, GROW_STEP) != LEAD_OK) {
        return 0;
    }
    if ((*grown)++ == 0) {
        fprintf(stderr, "leadctl: the store is full; its map grows by "
                        "1 MiB steps to make room for erasing\n");
    }
    return 1;
}

static double
clock_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long long
file_size(const char *dir)
{
    struct stat  st;
    char         path[4096];

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    return stat(path, &st) == 0 ? (long long) st.st_size : -1;
}

int
cmd_forget(ctl *c, lead_store *s)
{
    lead_erased  e;
    int          rc, grown = 0;

    do {
        rc = lead_store_forget(s, c->args[0], strlen(c->args[0]), &e);
    } while (rc == LEAD_EFULL && make_room(s, &grown));
    if (rc == LEAD_ENOTFOUND) {
        fprintf(stderr, "leadctl: no lead \"%s\"\n", c->args[0]);
        return 1;
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    printf("forgot %s: %zu visitor(s) and %zu event(s) erased\n"
           "freed pages keep old bytes until reused: run `leadctl compact` "
           "with nginx stopped, and make new backups\n",
           c->args[0], e.visitors, e.events);
    return 0;
}

int
cmd_assign(ctl *c, lead_store *s)
{
    int  rc;

    rc = lead_store_assign(s, c->args[0], strlen(c->args[0]), c->args[1],
                           strlen(c->args[1]));
    if (rc == LEAD_ENOTFOUND) {
        fprintf(stderr, "leadctl: no lead \"%s\"\n", c->args[0]);
        return 1;
    }
    if (rc == LEAD_EINVAL) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return EXIT_USAGE;
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    if (c->args[1][strspn(c->args[1], " ")] == '\0') {
        printf("%s: no owner\n", c->args[0]);
    } else {
        printf("%s: owner %s\n", c->args[0], c->args[1]);
    }
    return 0;
}

int
cmd_purge(ctl *c, lead_store *s)
{
    lead_erased  e;
    uint8_t      from[LEAD_ID_LEN];
    char        *end, when[LEAD_TIME_LEN], nv[32], ne[32];
    long long    days;
    uint64_t     before;
    size_t       batch = PURGE_BATCH;
    int          more, rc, grown = 0;

    days = c->older ? strtoll(c->older, &end, 10) : -1;
    if (c->older == NULL || end == c->older || *end != '\0' || days < 0
        || days > 36500)
    {
        fprintf(stderr, "leadctl: purge needs --anonymous-older-than DAYS "
                        "(0 to 36500)\n");
        return EXIT_USAGE;
    }

    before = c->now_ms - (uint64_t) days * 86400000ULL;
    memset(from, 0, sizeof(from));
    memset(&e, 0, sizeof(e));
    progress_start("purging", "visitors", 0);
    do {
        size_t  was = e.visitors;

        /* short transactions: nginx's writes go in between */
        rc = lead_store_purge_anonymous(s, before, batch, from, &e, &more);
        progress_add(e.visitors - was);
        if (rc == LEAD_EFULL && (batch > 16 || make_room(s, &grown))) {
            /* smaller ones need fewer new pages; what they free is reused */
            batch = batch > 16 ? batch / 4 : batch;
            rc = LEAD_OK;
            more = 1;
        }
    } while (rc == LEAD_OK && more);
    progress_stop();

    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s (%zu visitors purged before that)\n",
                lead_store_errmsg(s), e.visitors);
        return 1;
    }
    lead_format_time(before, when);
    printf("purged %s anonymous visitor(s) and %s event(s) last seen "
           "before %s\n", lead_format_count(e.visitors, nv),
           lead_format_count(e.events, ne), when);
    return 0;
}

/* A size for people, or "?" when the file could not be read. */
static const char *
size_str(long long bytes, char out[32])
{
    return bytes < 0 ? "?" : lead_format_size((uint64_t) bytes, out);
}

int
cmd_backup(ctl *c, lead_store *s)
{
    double     start = clock_ms(), ms;
    long long  size;
    lead_buf   out;
    char       human[32], took[32];
    int        rc;

    progress_start("backing up", NULL, 0);
    rc = lead_store_backup(s, c->args[0]);
    progress_stop();
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    ms = clock_ms() - start;
    size = file_size(c->args[0]);

    memset(&out, 0, sizeof(out));
    if (c->json) {
        lead_buf_puts(&out, "{\"backup\":");
        lead_buf_json(&out, c->args[0], strlen(c->args[0]));
        lead_buf_printf(&out, ",\"bytes\":%lld,\"ms\":%.0f}\n", size, ms);
    } else {
        elapsed(ms, took);
        lead_buf_puts(&out, "backed up to ");
        lead_buf_text(&out, c->args[0], strlen(c->args[0]));
        lead_buf_printf(&out, "/data.mdb: %s, compacted, in %s\n",
                        size_str(size, human), took);
    }
    return print_buf(&out);
}

int
cmd_compact(ctl *c, lead_store *s)
{
    long long  before = file_size(c->store), after;
    double     start = clock_ms(), ms;
    lead_buf   out;
    char       was[32], now[32], took[32];
    int        rc;

    progress_start("compacting", NULL, 0);
    rc = lead_store_compact(s);
    progress_stop();
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    ms = clock_ms() - start;
    after = file_size(c->store);

    memset(&out, 0, sizeof(out));
    if (c->json) {
        lead_buf_puts(&out, "{\"store\":");
        lead_buf_json(&out, c->store, strlen(c->store));
        lead_buf_printf(&out, ",\"bytes_before\":%lld,\"bytes_after\":%lld,"
                        "\"ms\":%.0f}\n", before, after, ms);
    } else {
        elapsed(ms, took);
        lead_buf_puts(&out, "compacted ");
        lead_buf_text(&out, c->store, strlen(c->store));
        lead_buf_printf(&out, ": %s -> %s in %s\n", size_str(before, was),
                        size_str(after, now), took);
    }
    return print_buf(&out);
}


/* What nginx checks before its workers map the store, said in full. */
int
cmd_check(ctl *c, lead_store *s)
{
    char  err[512];
    int   rc;

    (void) s;

    rc = lead_store_verify(c->store, 1, err, sizeof(err));
    switch (rc) {
    case LEAD_OK:
        printf("store \"%s\" is whole: %s\n", c->store, err);
        return 0;
    case LEAD_ENOSTORE:
        fprintf(stderr, "leadctl: no store in \"%s\" (no data.mdb)\n",
                c->store);
        return EXIT_USAGE;
    case LEAD_EDAMAGED:
        fprintf(stderr, "leadctl: store \"%s\" is damaged: %s\n", c->store,
                err);
        return 1;
    default:
        fprintf(stderr, "leadctl: store \"%s\" cannot be checked: %s\n",
                c->store, err);
        return 1;
    }
}
