/*
 * What every query of the view layer shares: strings that outlive the
 * store's snapshot, and the rules a store was written under.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_internal.h"
#include "lead_store.h"
#include "lead_view.h"

typedef struct chunk {
    struct chunk  *next;
    size_t         used, size;
    char           data[];
} chunk;

struct lead_arena {
    chunk  *head;
    int     oom;
};

lead_arena *
lead_arena_new(void)
{
    return calloc(1, sizeof(lead_arena));
}

int
lead_arena_oom(const lead_arena *a)
{
    return a->oom;
}

void
lead_arena_free(lead_arena *a)
{
    chunk  *c, *next;

    if (a == NULL) {
        return;
    }
    for (c = a->head; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

/* A NUL-terminated copy; "" (and oom set) when memory runs out. */
lead_str
lead_arena_str(lead_arena *a, const char *s, size_t len)
{
    chunk     *c = a->head;
    size_t     size;
    lead_str   out = { "", 0 };

    if (len == 0) {
        return out;
    }
    if (c == NULL || c->size - c->used < len + 1) {
        size = len + 1 > 65536 ? len + 1 : 65536;
        c = malloc(sizeof(chunk) + size);
        if (c == NULL) {
            a->oom = 1;
            return out;
        }
        c->next = a->head;
        c->used = 0;
        c->size = size;
        a->head = c;
    }
    memcpy(c->data + c->used, s, len);
    c->data[c->used + len] = '\0';
    out.data = c->data + c->used;
    out.len = len;
    c->used += len + 1;
    return out;
}

lead_str
lead_arena_copy(lead_arena *a, lead_str v)
{
    return lead_arena_str(a, v.data, v.len);
}

int
lead_store_rules(lead_store *s, lead_rules **out, char *err, size_t errlen)
{
    static const char  header[] = "path,title,stage,points,topic,flags";
    int                rc;

    rc = lead_store_get_rules(s, out, err, errlen);

    /* a store written without lead_rules: default knobs, nothing tagged */
    if (rc == LEAD_ENOTFOUND) {
        rc = lead_rules_parse(out, "(defaults)", "", 0, header,
                              sizeof(header) - 1, err, errlen);
    }
    return rc;
}
