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
    char        *end, when[LEAD_TIME_LEN];
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
    do {
        /* short transactions: nginx's writes go in between */
        rc = lead_store_purge_anonymous(s, before, batch, from, &e, &more);
        if (rc == LEAD_EFULL && (batch > 16 || make_room(s, &grown))) {
            /* smaller ones need fewer new pages; what they free is reused */
            batch = batch > 16 ? batch / 4 : batch;
            rc = LEAD_OK;
            more = 1;
        }
    } while (rc == LEAD_OK && more);

    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s (%zu visitors purged before that)\n",
                lead_store_errmsg(s), e.visitors);
        return 1;
    }
    lead_format_time(before, when);
    printf("purged %zu anonymous visitor(s) and %zu event(s) last seen "
           "before %s\n", e.visitors, e.events, when);
    return 0;
}

int
cmd_backup(ctl *c, lead_store *s)
{
    if (lead_store_backup(s, c->args[0]) != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    printf("backed up to %s/data.mdb (%lld bytes, compacted)\n", c->args[0],
           file_size(c->args[0]));
    return 0;
}

int
cmd_compact(ctl *c, lead_store *s)
{
    long long  before = file_size(c->store);

    if (lead_store_compact(s) != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    printf("compacted %s: %lld -> %lld bytes\n", c->store, before,
           file_size(c->store));
    return 0;
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
