/*
 * ingest's lines parsed on threads: chunks of lines handed to parsers,
 * each line's outcome handed back in the order the lines came.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lead.h"
#include "lead_line.h"

#include "leadctl.h"

#define CHUNK_LINES   2048
#define CHUNK_BYTES   (1 << 20)     /* a chunk is handed on past it */
#define CHUNK_TEXT    (CHUNK_BYTES + LEAD_LINE_MAX + CHUNK_LINES)
#define CHUNK_ARENA   (3 * CHUNK_TEXT)  /* U+FFFD may triple a byte */
#define NCHUNKS       8
#define POOL_THREADS  4
#define WHY_MAX       160
#define JSON_ARENA    (1 << 20)     /* a parser thread's line's values */

enum { EMPTY, FILLED, PARSED };
enum { LINE_OK, LINE_BLANK, LINE_BAD, LINE_AGAIN /* parse it here */ };

typedef struct {
    int          state;
    size_t       n, len, used;
    char        *text;                  /* the lines, each NUL-ended */
    char        *arena;                 /* the parsed lines' strings */
    size_t       off[CHUNK_LINES], size[CHUNK_LINES];
    uint64_t     lineno[CHUNK_LINES];
    const char  *file[CHUNK_LINES];
    int          rc[CHUNK_LINES];
    lead_line    line[CHUNK_LINES];
    char         why[CHUNK_LINES][WHY_MAX];
} chunk;

struct parse_pool {
    pthread_mutex_t    lock;
    pthread_cond_t     filled, parsed;
    pthread_t          thread[POOL_THREADS];
    unsigned           nthreads;
    int                done;
    uint64_t           fill, take, eat;     /* chunk sequence numbers */
    chunk             *chunks[NCHUNKS];
    lead_line_parser  *parser;              /* LINE_AGAIN's, here */
    parsed_fn          fn;
    void              *arg;
};

/*
 * jansson's values of a line, on a parser thread, from a block of the
 * thread's own: a line makes some fifty values, each a malloc and a free
 * (about a tenth of a parser's time).  The block is used again once all
 * of them are freed (by the next line's parse); what does not fit, and any
 * other thread's values, come from malloc.  A value is freed on the thread
 * that made it: a parser's document never leaves its thread.
 */
static __thread char    *json_arena;
static __thread size_t   json_used, json_live;

static void *
json_alloc(size_t size)
{
    size_t   need = (size + 15) & ~(size_t) 15;
    void    *p;

    if (json_arena == NULL || need > JSON_ARENA - json_used) {
        return malloc(size);
    }
    p = json_arena + json_used;
    json_used += need;
    json_live++;
    return p;
}

static void
json_release(void *p)
{
    if (json_arena && (char *) p >= json_arena
        && (char *) p < json_arena + JSON_ARENA)
    {
        json_used = --json_live ? json_used : 0;
        return;
    }
    free(p);
}

/* s's bytes into the chunk's arena; -1 when they do not fit. */
static int
keep_str(chunk *c, lead_str *s)
{
    if (s->data == NULL || s->len == 0) {
        s->data = s->data ? "" : NULL;
        return 0;
    }
    if (c->used + s->len + 1 > CHUNK_ARENA) {
        return -1;
    }
    memcpy(c->arena + c->used, s->data, s->len);
    c->arena[c->used + s->len] = '\0';
    s->data = c->arena + c->used;
    c->used += s->len + 1;
    return 0;
}

/*
 * The line's strings out of the parser (which keeps them only until its
 * next line) into the chunk: every lead_str of lead_line and its event.
 */
static int
keep_line(chunk *c, lead_line *l)
{
    lead_str  *str[] = {
        &l->id, &l->node, &l->email, &l->name, &l->topics, &l->owner,
        &l->cause, &l->who, &l->reason, &l->signal,
        &l->ev.path, &l->ev.referrer_host, &l->ev.utm_source,
        &l->ev.utm_medium, &l->ev.utm_campaign, &l->ev.stage, &l->ev.topic,
        &l->ev.group, &l->ev.country, &l->ev.region, &l->ev.city,
        &l->ev.agent, &l->ev.comment
    };
    size_t     i;

    for (i = 0; i < sizeof(str) / sizeof(str[0]); i++) {
        if (keep_str(c, str[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

/* One line's outcome: parsed, blank, malformed (and why). */
static int
parse_one(lead_line_parser *p, const char *text, size_t len, lead_line *l,
    char *why)
{
    size_t  i;
    int     rc;

    why[0] = '\0';
    if (text == NULL) {
        snprintf(why, WHY_MAX, "a line longer than %d bytes", LEAD_LINE_MAX);
        return LINE_BAD;
    }
    if (memchr(text, '\0', len) != NULL) {
        snprintf(why, WHY_MAX, "a NUL byte in the line");
        return LINE_BAD;
    }
    for (i = 0; i < len && (text[i] == ' ' || text[i] == '\t'
                            || text[i] == '\r'); i++)
    {
        /* void */
    }
    if (i == len) {
        return LINE_BLANK;
    }

    rc = lead_line_parse(p, text, len, l, why, WHY_MAX);
    if (rc == LEAD_ENOTFOUND) {
        return LINE_BLANK;
    }
    if (rc != LEAD_OK) {
        if (why[0] == '\0') {
            snprintf(why, WHY_MAX, "not a line");
        }
        return LINE_BAD;
    }
    return LINE_OK;
}

/* With no parser of its own (out of memory), the pool parses each. */
static void
parse_chunk(lead_line_parser *p, chunk *c)
{
    size_t  i;

    c->used = 0;
    for (i = 0; i < c->n; i++) {
        if (p == NULL) {
            c->rc[i] = LINE_AGAIN;
            continue;
        }
        c->rc[i] = parse_one(p, c->size[i] > LEAD_LINE_MAX ? NULL
                                : c->text + c->off[i], c->size[i],
                             &c->line[i], c->why[i]);
        if (c->rc[i] == LINE_OK && keep_line(c, &c->line[i]) != 0) {
            c->rc[i] = LINE_AGAIN;
        }
    }
}

static void *
worker(void *arg)
{
    parse_pool        *pool = arg;
    lead_line_parser  *p = lead_line_parser_new();
    chunk             *c;

    json_arena = malloc(JSON_ARENA);    /* or none: all from malloc */

    pthread_mutex_lock(&pool->lock);
    for ( ;; ) {
        while (pool->take == pool->fill && !pool->done) {
            pthread_cond_wait(&pool->filled, &pool->lock);
        }
        if (pool->take == pool->fill) {
            break;
        }
        c = pool->chunks[pool->take++ % NCHUNKS];
        pthread_mutex_unlock(&pool->lock);

        parse_chunk(p, c);

        pthread_mutex_lock(&pool->lock);
        c->state = PARSED;
        pthread_cond_broadcast(&pool->parsed);
    }
    pthread_mutex_unlock(&pool->lock);
    lead_line_parser_free(p);
    free(json_arena);
    json_arena = NULL;
    return NULL;
}

/* The oldest chunk's lines handed back once parsed; then it is free. */
static int
eat(parse_pool *pool)
{
    chunk      *c = pool->chunks[pool->eat % NCHUNKS];
    lead_line   l;
    char        why[WHY_MAX];
    size_t      i;
    int         rc = 0, k;

    pthread_mutex_lock(&pool->lock);
    while (c->state != PARSED) {
        pthread_cond_wait(&pool->parsed, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);

    for (i = 0; i < c->n && rc == 0; i++) {
        if (c->rc[i] == LINE_AGAIN) {
            k = parse_one(pool->parser, c->text + c->off[i], c->size[i], &l,
                          why);
            rc = pool->fn(pool->arg, c->file[i], c->lineno[i],
                          k == LINE_OK ? LEAD_OK : k == LINE_BLANK
                          ? LEAD_ENOTFOUND : LEAD_EINVAL, &l, why);
            continue;
        }
        rc = pool->fn(pool->arg, c->file[i], c->lineno[i],
                      c->rc[i] == LINE_OK ? LEAD_OK : c->rc[i] == LINE_BLANK
                      ? LEAD_ENOTFOUND : LEAD_EINVAL, &c->line[i], c->why[i]);
    }

    c->state = EMPTY;
    c->n = c->len = 0;
    pool->eat++;
    return rc;
}

static int
submit(parse_pool *pool)
{
    chunk  *c = pool->chunks[pool->fill % NCHUNKS];

    if (c->n == 0) {
        return 0;
    }
    pthread_mutex_lock(&pool->lock);
    c->state = FILLED;
    pool->fill++;
    pthread_cond_signal(&pool->filled);
    pthread_mutex_unlock(&pool->lock);

    /* the ring is full: the oldest goes back before the next is filled */
    return pool->fill - pool->eat == NCHUNKS ? eat(pool) : 0;
}

int
parse_pool_line(parse_pool *pool, const char *file, uint64_t lineno,
    const char *text, size_t len)
{
    chunk   *c = pool->chunks[pool->fill % NCHUNKS];
    size_t   keep;

    if (len && len <= LEAD_LINE_MAX && text[len - 1] == '\r') {
        len--;
    }
    keep = len > LEAD_LINE_MAX ? 0 : len;

    c->off[c->n] = c->len;
    c->size[c->n] = len;
    c->file[c->n] = file;
    c->lineno[c->n] = lineno;
    if (keep) {
        memcpy(c->text + c->len, text, keep);
    }
    c->text[c->len + keep] = '\0';
    c->len += keep + 1;
    c->n++;

    return c->n == CHUNK_LINES || c->len >= CHUNK_BYTES ? submit(pool) : 0;
}

int
parse_pool_finish(parse_pool *pool)
{
    int  rc = submit(pool);

    while (rc == 0 && pool->eat < pool->fill) {
        rc = eat(pool);
    }
    return rc;
}

parse_pool *
parse_pool_new(unsigned threads, parsed_fn fn, void *arg)
{
    parse_pool  *pool;
    unsigned     i;

    pool = calloc(1, sizeof(*pool));
    if (pool == NULL) {
        return NULL;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->filled, NULL);
    pthread_cond_init(&pool->parsed, NULL);
    pool->fn = fn;
    pool->arg = arg;
    pool->parser = lead_line_parser_new();
    json_set_alloc_funcs(json_alloc, json_release);

    for (i = 0; i < NCHUNKS; i++) {
        pool->chunks[i] = calloc(1, sizeof(chunk));
        if (pool->chunks[i] == NULL
            || (pool->chunks[i]->text = malloc(CHUNK_TEXT)) == NULL
            || (pool->chunks[i]->arena = malloc(CHUNK_ARENA)) == NULL)
        {
            parse_pool_free(pool);
            return NULL;
        }
    }
    if (pool->parser == NULL) {
        parse_pool_free(pool);
        return NULL;
    }

    threads = threads > POOL_THREADS ? POOL_THREADS : threads;
    for (i = 0; i < threads; i++) {
        if (pthread_create(&pool->thread[i], NULL, worker, pool) != 0) {
            break;
        }
        pool->nthreads++;
    }
    if (pool->nthreads == 0) {
        parse_pool_free(pool);
        return NULL;
    }
    return pool;
}

void
parse_pool_free(parse_pool *pool)
{
    unsigned  i;

    if (pool == NULL) {
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->done = 1;
    pthread_cond_broadcast(&pool->filled);
    pthread_mutex_unlock(&pool->lock);
    for (i = 0; i < pool->nthreads; i++) {
        pthread_join(pool->thread[i], NULL);
    }

    for (i = 0; i < NCHUNKS; i++) {
        if (pool->chunks[i]) {
            free(pool->chunks[i]->text);
            free(pool->chunks[i]->arena);
            free(pool->chunks[i]);
        }
    }
    lead_line_parser_free(pool->parser);
    pthread_cond_destroy(&pool->filled);
    pthread_cond_destroy(&pool->parsed);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}
