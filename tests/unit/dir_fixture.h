/*
 * A fresh directory under /tmp for each test that needs files (a store,
 * a rules folder), removed with everything in it afterwards.  Functions
 * are static inline so files that use only some of them stay warning-free.
 */

#ifndef DIR_FIXTURE_H
#define DIR_FIXTURE_H

#include "unit.h"

#include <dirent.h>
#include <unistd.h>

typedef struct {
    char  dir[64];
} fixture;

static inline int
setup(void **state)
{
    fixture  *fx = malloc(sizeof(*fx));

    if (fx == NULL) {
        return -1;
    }
    strcpy(fx->dir, "/tmp/lead-unit-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }

    *state = fx;
    return 0;
}

/* Removes data.mdb, lock.mdb and whatever else a test put there. */
static inline int
teardown(void **state)
{
    fixture        *fx = *state;
    DIR            *d;
    struct dirent  *e;
    char            path[sizeof(fx->dir) + 256 + 2];
    int             rc = 0;

    d = opendir(fx->dir);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            snprintf(path, sizeof(path), "%s/%s", fx->dir, e->d_name);
            if (unlink(path) != 0) {
                rc = -1;
            }
        }
        closedir(d);
    }
    if (rmdir(fx->dir) != 0) {
        rc = -1;
    }

    free(fx);
    return rc;
}

static inline const char *
dir_of(void **state)
{
    return ((fixture *) *state)->dir;
}

#endif /* DIR_FIXTURE_H */
