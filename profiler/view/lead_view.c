/*
 * Strings that outlive the store's snapshot, for the results of every
 * query of the view layer.
 */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_support.h"
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
