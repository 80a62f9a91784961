/*
 * lead: the visitor's cookie on the request path, a public header beside
 * lead.h for the module: the cookie found in a Cookie header, and new
 * visitors made ahead: ids and their signed cookie values made in a batch
 * off the request path (one getrandom, one keyed MAC context reused),
 * handed out one a request; when none is left, one is made at once, never
 * failing the request.  A reserve has one owner at a time (it holds its
 * keyed context): the event loop takes, a thread makes, never both.
 */

#ifndef LEAD_VISITORS_H
#define LEAD_VISITORS_H

#include "lead.h"

/* 1 and value (a span of header) when a cookie called name is in one
   Cookie header's value; found as nginx finds one (the name without
   case, spaces around "=", the value up to ';'). */
int lead_cookie_find(const char *header, size_t len, const char *name,
    size_t name_len, lead_str *value);

#define LEAD_VISITORS_MAX  65536     /* a batch's bound */

typedef struct lead_visitors lead_visitors;

lead_visitors *lead_visitors_new(void);
void lead_visitors_free(lead_visitors *v);

/* A batch of n (at most LEAD_VISITORS_MAX) made anew, signed with the
   first key; what was left of the last one is gone. */
int lead_visitors_make(lead_visitors *v, const lead_keys *k, size_t n);

/* A new visitor's id and its cookie value (claims 0): the next made
   ahead, or one made now when none is left; LEAD_ESTORE only when the
   system gives no random bytes. */
int lead_visitors_take(lead_visitors *v, const lead_keys *k,
    uint8_t id[LEAD_ID_LEN], char value[LEAD_COOKIE_VALUE_LEN]);

/* A cookie value signed now with the reserve's keyed context (a visitor
   that identified, a cookie of an older key), as lead_cookie_sign. */
void lead_visitors_sign(lead_visitors *v, const lead_keys *k,
    const uint8_t id[LEAD_ID_LEN], unsigned claims,
    char out[LEAD_COOKIE_VALUE_LEN]);

/* How many were taken since the batch was made (the next batch's size),
   and of those made at once; how many made ahead are left. */
size_t lead_visitors_asked(const lead_visitors *v, size_t *made_now);
size_t lead_visitors_left(const lead_visitors *v);

#endif /* LEAD_VISITORS_H */
