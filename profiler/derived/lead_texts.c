/*
 * The leads' names and e-mails in lower case, packed by block of lead
 * ids, so that a search reads contiguous text rather than a row a lead.
 *
 *   "texts"  the first 2 bytes of the leads' ids ->
 *            a version byte, n (BE u16), n times (the id's other 14
 *            bytes, the end of its text, BE u32), then each lead's
 *            name NUL e-mail NUL, lowered as lead_str_contains lowers
 *   meta "texts" -> TEXTS_VERSION: it holds every lead
 *
 * The leads of a block are in id order, so a search finds them in the
 * order of "leads".  A search has no NUL, so it never matches across two
 * texts.  Kept in the transaction that writes or erases a lead's row.
 */

#define _GNU_SOURCE             /* memmem */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define TEXTS_VERSION  1
#define BLOCK_KEY_LEN  2
#define ID_REST        (LEAD_ID_LEN - BLOCK_KEY_LEN)
#define HEAD_LEN       3
#define ENTRY_LEN      (ID_REST + 4)
#define BLOCK_MAX      0xffff       /* leads in a block */

static const char  built_key[] = "texts";

/* A block's value, checked: its entries and its text. */
typedef struct {
    const uint8_t  *entries;
    const uint8_t  *text;
    size_t          n, len;
} block;

static uint32_t
entry_end(const block *b, size_t i)
{
    const uint8_t  *p = b->entries + i * ENTRY_LEN + ID_REST;

    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

static size_t
entry_start(const block *b, size_t i)
{
    return i ? entry_end(b, i - 1) : 0;
}

/* 0 if the value is damaged: ends out of order, ids not ascending. */
static int
block_decode(const MDB_val *v, block *b)
{
    const uint8_t  *p = v->mv_data;
    size_t          i, at;

    if (v->mv_size < HEAD_LEN || p[0] != TEXTS_VERSION) {
        return 0;
    }
    b->n = (size_t) p[1] << 8 | p[2];
    if (v->mv_size < HEAD_LEN + b->n * ENTRY_LEN) {
        return 0;
    }
    b->entries = p + HEAD_LEN;
    b->text = b->entries + b->n * ENTRY_LEN;
    b->len = v->mv_size - HEAD_LEN - b->n * ENTRY_LEN;
    for (i = 0, at = 0; i < b->n; i++) {
        if (entry_end(b, i) < at
            || (i && memcmp(b->entries + (i - 1) * ENTRY_LEN,
                            b->entries + i * ENTRY_LEN, ID_REST) >= 0))
        {
            return 0;
        }
        at = entry_end(b, i);
    }
    return at == b->len;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

/* A lead's text: name NUL e-mail NUL, lowered; its length. */
static size_t
lead_text(char *out, lead_str name, lead_str email)
{
    size_t  i, n = 0;

    for (i = 0; i < name.len; i++) {
        out[n++] = (char) tolower((unsigned char) name.data[i]);
    }
    out[n++] = '\0';
    for (i = 0; i < email.len; i++) {
        out[n++] = (char) tolower((unsigned char) email.data[i]);
    }
    out[n++] = '\0';
    return n;
}

/*
 * Writes the block of b's entries [0, at), the one given (none: NULL),
 * then b's from skip on; deletes it when empty.  flags: MDB_APPEND when
 * built in key order, which fills the pages.
 */
static int
block_put(lead_store *s, MDB_txn *txn, MDB_val *key, const block *b,
    size_t at, size_t skip, const uint8_t *id, const char *text, size_t len,
    unsigned flags)
{
    MDB_val   val;
    uint8_t  *v, *e;
    size_t    n, tat, i, start;
    uint32_t  end;
    int       rc;

    n = at + (id != NULL) + (b->n - skip);
    if (n == 0) {
        rc = mdb_del(txn, s->texts, key, NULL);
        return rc == 0 || rc == MDB_NOTFOUND
               ? LEAD_OK : lead_store_mdb_fail(s, rc, "keeping the texts");
    }
    if (n > BLOCK_MAX) {
        return lead_store_fail(s, LEAD_EINVAL, "too many leads in a block");
    }
    start = entry_start(b, skip);
    val.mv_size = HEAD_LEN + n * ENTRY_LEN + entry_start(b, at) + len
                  + (b->len - start);
    v = malloc(val.mv_size);
    if (v == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    v[0] = TEXTS_VERSION;
    v[1] = (uint8_t) (n >> 8);
    v[2] = (uint8_t) n;
    e = v + HEAD_LEN;
    tat = HEAD_LEN + n * ENTRY_LEN;

    memcpy(e, b->entries, at * ENTRY_LEN);
    memcpy(v + tat, b->text, entry_start(b, at));
    e += at * ENTRY_LEN;
    end = (uint32_t) entry_start(b, at);
    if (id != NULL) {
        memcpy(e, id + BLOCK_KEY_LEN, ID_REST);
        memcpy(v + tat + end, text, len);
        end += (uint32_t) len;
        put_be32(e + ID_REST, end);
        e += ENTRY_LEN;
    }
    memcpy(v + tat + end, b->text + start, b->len - start);
    for (i = skip; i < b->n; i++, e += ENTRY_LEN) {
        memcpy(e, b->entries + i * ENTRY_LEN, ID_REST);
        put_be32(e + ID_REST, end + (uint32_t) (entry_end(b, i) - start));
    }

    val.mv_data = v;
    rc = mdb_put(txn, s->texts, key, &val, flags);
    free(v);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "keeping the texts");
}

int
lead_texts_keep_txn(lead_store *s, MDB_txn *txn, const uint8_t *id,
    const lead_person *p)
{
    static const block  none = { (const uint8_t *) "", (const uint8_t *) "",
                                 0, 0 };
    MDB_val             key, val;
    block               b;
    char                text[2 * (LEAD_EMAIL_MAX + 4 * LEAD_PERSON_NAME_MAX)];
    size_t              at, len = 0;
    int                 rc, d = 1;

    if (!s->texting) {
        return LEAD_OK;
    }
    if (p != NULL) {
        if (p->name.len + p->email.len + 2 > sizeof(text)) {
            return lead_store_fail(s, LEAD_EINVAL, "a lead's name is too long");
        }
        len = lead_text(text, p->name, p->email);
    }
    key.mv_data = (void *) id;
    key.mv_size = BLOCK_KEY_LEN;
    rc = mdb_get(txn, s->texts, &key, &val);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading the texts");
    }
    b = none;
    if (rc == 0 && !block_decode(&val, &b)) {
        /* damaged: searches walk the leads until a fold builds it again */
        key.mv_data = (void *) built_key;
        key.mv_size = sizeof(built_key) - 1;
        rc = mdb_del(txn, s->meta, &key, NULL);
        return rc == 0 || rc == MDB_NOTFOUND
               ? LEAD_OK : lead_store_mdb_fail(s, rc, "keeping the texts");
    }

    for (at = 0; at < b.n; at++) {
        d = memcmp(b.entries + at * ENTRY_LEN, id + BLOCK_KEY_LEN, ID_REST);
        if (d >= 0) {
            break;
        }
    }
    if (d == 0 && p != NULL && entry_end(&b, at) - entry_start(&b, at) == len
        && memcmp(b.text + entry_start(&b, at), text, len) == 0)
    {
        return LEAD_OK;                 /* the same name and e-mail */
    }
    if (d != 0 && p == NULL) {
        return LEAD_OK;
    }
    return block_put(s, txn, &key, &b, at, at + (d == 0),
                     p ? id : NULL, text, len, 0);
}

int
lead_texts_usable(lead_store *s, MDB_txn *txn)
{
    MDB_val  key, val;

    key.mv_data = (void *) built_key;
    key.mv_size = sizeof(built_key) - 1;
    return s->texting && mdb_get(txn, s->meta, &key, &val) == 0
           && val.mv_size == 8 && lead_get_u64(val.mv_data) == TEXTS_VERSION;
}

/* The leads of a damaged block, every one, from "leads". */
static int
each_lead(lead_store *s, MDB_txn *txn, const uint8_t *prefix, size_t *seen,
    lead_texts_fn fn, void *arg)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t      from[LEAD_ID_LEN];
    int          rc;

    rc = mdb_cursor_open(txn, s->leads, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }
    memset(from, 0, sizeof(from));
    memcpy(from, prefix, BLOCK_KEY_LEN);
    key.mv_data = from;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
    while (rc == 0 && memcmp(key.mv_data, prefix, BLOCK_KEY_LEN) == 0) {
        if (key.mv_size == LEAD_ID_LEN && fn(arg, key.mv_data, ++*seen)) {
            rc = LEAD_ECALLBACK;
            break;
        }
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc == 0 || rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    return rc == LEAD_ECALLBACK
           ? rc : lead_store_mdb_fail(s, rc, "reading the leads");
}

/* The block's leads whose text holds needle (n bytes, no NUL). */
static int
each_match(const block *b, const uint8_t *prefix, const char *needle,
    size_t n, size_t seen, lead_texts_fn fn, void *arg)
{
    const uint8_t  *hit;
    uint8_t         id[LEAD_ID_LEN];
    size_t          at = 0, i = 0, off;

    memcpy(id, prefix, BLOCK_KEY_LEN);
    while (at < b->len
           && (hit = memmem(b->text + at, b->len - at, needle, n)) != NULL)
    {
        off = (size_t) (hit - b->text);
        while (entry_end(b, i) <= off) {
            i++;
        }
        memcpy(id + BLOCK_KEY_LEN, b->entries + i * ENTRY_LEN, ID_REST);
        if (fn(arg, id, seen + i + 1)) {
            return LEAD_ECALLBACK;
        }
        at = entry_end(b, i++);
    }
    return LEAD_OK;
}

/* A search's walk of the blocks: the leads before each block counted. */
typedef struct {
    lead_store     *s;
    MDB_txn        *txn;
    const char     *needle;
    size_t          n, seen;
    lead_texts_fn   fn;
    void           *arg;
    int             rc;
} search;

static int
search_block(const MDB_val *key, const MDB_val *val, void *ctx)
{
    search  *q = ctx;
    block    b;

    if (key->mv_size != BLOCK_KEY_LEN) {
        return 0;
    }
    if (block_decode(val, &b)) {
        q->rc = each_match(&b, key->mv_data, q->needle, q->n, q->seen, q->fn,
                           q->arg);
        q->seen += b.n;
    } else {
        q->rc = each_lead(q->s, q->txn, key->mv_data, &q->seen, q->fn,
                          q->arg);
    }
    return q->rc != LEAD_OK;
}

int
lead_texts_each(lead_store *s, MDB_txn *txn, const char *needle,
    lead_texts_fn fn, void *arg)
{
    search  q = { s, txn, needle, strlen(needle), 0, fn, arg, LEAD_OK };
    int     rc;

    rc = lead_store_scan_txn(s, txn, s->texts, search_block, &q);
    return rc == LEAD_ECALLBACK ? q.rc : rc;
}

/* ---- built from every lead --------------------------------------------- */

static int
texts_flush(lead_texts_build *tb)
{
    MDB_val  key;
    block    b;

    if (tb->n == 0) {
        return LEAD_OK;
    }
    b.entries = (const uint8_t *) tb->entries.data;
    b.text = (const uint8_t *) tb->text.data;
    b.n = tb->n;
    b.len = tb->text.len;
    key.mv_data = tb->prefix;
    key.mv_size = BLOCK_KEY_LEN;
    tb->n = 0;
    tb->entries.len = 0;
    tb->text.len = 0;
    return block_put(tb->s, tb->txn, &key, &b, b.n, b.n, NULL, NULL, 0,
                     MDB_APPEND);
}

/* A lead_person_fn: the leads in id order; 1 with tb->rc on an error. */
int
lead_texts_add(void *arg, const lead_person *p)
{
    lead_texts_build  *tb = arg;
    char               text[2 * (LEAD_EMAIL_MAX + 4 * LEAD_PERSON_NAME_MAX)];
    uint8_t            entry[ENTRY_LEN];
    size_t             len;

    if (tb->n && memcmp(tb->prefix, p->id, BLOCK_KEY_LEN) != 0) {
        tb->rc = texts_flush(tb);
    }
    if (tb->rc == LEAD_OK
        && (p->name.len + p->email.len + 2 > sizeof(text)
            || tb->n == BLOCK_MAX))
    {
        tb->rc = lead_store_fail(tb->s, LEAD_EINVAL,
                                 "a lead too long for the texts");
    }
    if (tb->rc != LEAD_OK) {
        return 1;
    }
    memcpy(tb->prefix, p->id, BLOCK_KEY_LEN);
    len = lead_text(text, p->name, p->email);
    lead_buf_put(&tb->text, text, len);
    memcpy(entry, p->id + BLOCK_KEY_LEN, ID_REST);
    put_be32(entry + ID_REST, (uint32_t) tb->text.len);
    lead_buf_put(&tb->entries, (const char *) entry, ENTRY_LEN);
    tb->n++;
    if (tb->text.oom || tb->entries.oom) {
        tb->rc = lead_store_fail(tb->s, LEAD_ENOMEM, "out of memory");
    }
    return tb->rc != LEAD_OK;
}

int
lead_texts_start(lead_texts_build *tb, lead_store *s, MDB_txn *txn)
{
    int  rc;

    memset(tb, 0, sizeof(*tb));
    tb->s = s;
    tb->txn = txn;
    rc = mdb_drop(txn, s->texts, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "building the texts");
}

int
lead_texts_done(lead_texts_build *tb, int rc)
{
    if (rc == LEAD_ECALLBACK) {
        rc = tb->rc;
    }
    if (rc == LEAD_OK) {
        rc = texts_flush(tb);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_set_meta_u64(tb->s, tb->txn, built_key,
                                     TEXTS_VERSION);
    }
    lead_buf_free(&tb->entries);
    lead_buf_free(&tb->text);
    return rc;
}
