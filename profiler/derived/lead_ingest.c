/*
 * Ingest: lines from any number of nodes applied to one store, each id
 * once ("ingested"), a batch of them in one write transaction.
 *
 * "ingested"  first 16 bytes of SHA-256(id) -> applied at (ms, u64)
 *
 * Reads become events of the log, sorted by time so that they append;
 * the other kinds are applied in time order, each in a nested transaction
 * so that a line refused (a move not allowed, an unknown lead or signal)
 * leaves nothing behind and the rest of the batch still applies.  A
 * refused line's id is not kept: fed again once what it needed is there
 * (the lead's identify), it applies.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_support.h"
#include "lead_parse.h"
#include "lead_store.h"
#include "lead_derived.h"

#define INGEST_MAX_LINES  100000               /* a transaction's lines */
#define INGEST_MAX_BYTES  ((size_t) 64 << 20)  /* and their bytes */
#define KEY_LEN           16

enum { PENDING, DUPLICATE };

/* A line pending: where its record (a read) or its copy (the rest) is. */
typedef struct {
    uint64_t  time_ms;
    uint8_t   key[KEY_LEN];
    uint32_t  index;            /* its place among those pending */
    uint8_t   kind;
    uint8_t   state;
    uint32_t  len;              /* a read's record */
    size_t    off;              /* into recs (a read) or lines (the rest) */
} entry;

struct lead_ingest {
    lead_store          *s;
    const lead_rules    *r;
    EVP_MD_CTX          *md;
    EVP_MD              *sha256;
    entry               *e;
    entry              **order;
    size_t               n, cap;
    uint8_t             *recs;              /* reads' records */
    size_t               used, rcap;
    lead_line           *lines;             /* the other kinds, their */
    size_t               nlines, lcap;      /* strings offsets into text */
    char                *text;
    size_t               tused, tcap;
    lead_batch          *batch;             /* reads sorted, at commit */
    lead_visit          *visits;
    size_t               vcap, ocap;
    uint8_t             *leads;             /* touched: to promote */
    size_t               nleads, leads_cap;
    char                 why[256];
};

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t  c = *cap ? *cap : 1024;
    void   *q;

    while (c < need) {
        c *= 2;
    }
    if (c == *cap) {
        return LEAD_OK;
    }
    q = realloc(*p, c * size);
    if (q == NULL) {
        return LEAD_ENOMEM;
    }
    *p = q;
    *cap = c;
    return LEAD_OK;
}

int
lead_ingest_new(lead_ingest **out, lead_store *s, const lead_rules *r)
{
    lead_ingest  *in;

    *out = NULL;
    in = calloc(1, sizeof(*in));
    if (in == NULL) {
        return LEAD_ENOMEM;
    }
    in->s = s;
    in->r = r;
    in->md = EVP_MD_CTX_new();
    in->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    in->batch = lead_batch_new(SIZE_MAX);
    if (in->md == NULL || in->sha256 == NULL || in->batch == NULL) {
        lead_ingest_free(in);
        return LEAD_ENOMEM;
    }
    *out = in;
    return LEAD_OK;
}

void
lead_ingest_free(lead_ingest *in)
{
    if (in == NULL) {
        return;
    }
    EVP_MD_CTX_free(in->md);
    EVP_MD_free(in->sha256);
    lead_batch_free(in->batch);
    free(in->e);
    free(in->order);
    free(in->recs);
    free(in->lines);
    free(in->text);
    free(in->visits);
    free(in->leads);
    free(in);
}

size_t
lead_ingest_pending(const lead_ingest *in)
{
    return in->n;
}

static const char *
kind_name(int kind)
{
    static const char  *names[] = { "read", "identify", "status", "forget",
                                    "signal" };

    return names[kind];
}

static int
hex_id(const char *p, size_t len, uint8_t id[LEAD_ID_LEN])
{
    size_t  i;
    int     hi, lo;

    if (len != LEAD_ID_HEX_LEN) {
        return 0;
    }
    for (i = 0; i < LEAD_ID_LEN; i++) {
        hi = lead_hex_digit((unsigned char) p[2 * i]);
        lo = lead_hex_digit((unsigned char) p[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return 0;
        }
        id[i] = (uint8_t) (hi << 4 | lo);
    }
    return 1;
}

static int
zero_id(const uint8_t *id)
{
    static const uint8_t  zero[LEAD_ID_LEN];

    return memcmp(id, zero, LEAD_ID_LEN) == 0;
}

/* A string of l copied into text, kept as an offset until commit. */
static int
keep_str(lead_ingest *in, lead_str *str)
{
    if (str->len == 0) {
        str->data = NULL;
        return LEAD_OK;
    }
    if (grow((void **) &in->text, &in->tcap, in->tused + str->len, 1)
        != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }
    memcpy(in->text + in->tused, str->data, str->len);
    str->data = (const char *) (uintptr_t) in->tused;
    in->tused += str->len;
    return LEAD_OK;
}

/* A line kept, its strings pointing into the text again. */
static void
kept_line(const lead_ingest *in, size_t i, lead_line *l)
{
    lead_str  *strs[8];
    size_t     k;

    *l = in->lines[i];
    strs[0] = &l->email;
    strs[1] = &l->name;
    strs[2] = &l->topics;
    strs[3] = &l->owner;
    strs[4] = &l->cause;
    strs[5] = &l->who;
    strs[6] = &l->reason;
    strs[7] = &l->signal;
    for (k = 0; k < 8; k++) {
        strs[k]->data = strs[k]->len ? in->text + (uintptr_t) strs[k]->data
                                     : "";
    }
}

static int
keep_line(lead_ingest *in, const lead_line *l, entry *e)
{
    lead_line  *c;
    lead_str   *strs[8];
    size_t      i;

    if (grow((void **) &in->lines, &in->lcap, in->nlines + 1,
             sizeof(lead_line)) != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }
    c = &in->lines[in->nlines];
    *c = *l;
    memset(&c->ev, 0, sizeof(c->ev));
    c->ev.time_ms = l->ev.time_ms;
    memcpy(c->ev.visitor, l->ev.visitor, LEAD_ID_LEN);
    c->id.len = 0;
    c->node.len = 0;
    strs[0] = &c->email;
    strs[1] = &c->name;
    strs[2] = &c->topics;
    strs[3] = &c->owner;
    strs[4] = &c->cause;
    strs[5] = &c->who;
    strs[6] = &c->reason;
    strs[7] = &c->signal;
    for (i = 0; i < 8; i++) {
        if (keep_str(in, strs[i]) != LEAD_OK) {
            return LEAD_ENOMEM;
        }
    }
    e->off = in->nlines++;
    return LEAD_OK;
}

int
lead_ingest_add(lead_ingest *in, const lead_line *l)
{
    lead_event     ev;
    entry         *e;
    unsigned char  digest[EVP_MAX_MD_SIZE];
    unsigned int   dlen;
    size_t         bytes;
    int            n;

    if (l->kind < 0 || l->kind >= LEAD_LINE_NKINDS || l->id.len == 0
        || l->id.len > LEAD_LINE_ID_MAX)
    {
        return LEAD_EINVAL;
    }
    bytes = in->used + in->tused + in->n * (sizeof(entry) + sizeof(lead_line));
    if (in->n == INGEST_MAX_LINES || bytes + LEAD_LINE_MAX > INGEST_MAX_BYTES)
    {
        return LEAD_EBATCHFULL;
    }
    if (grow((void **) &in->e, &in->cap, in->n + 1, sizeof(entry))
        != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }

    e = &in->e[in->n];
    e->time_ms = l->ev.time_ms;
    e->index = (uint32_t) in->n;
    e->kind = (uint8_t) l->kind;
    e->state = PENDING;
    e->len = 0;

    if (!EVP_DigestInit_ex2(in->md, in->sha256, NULL)
        || !EVP_DigestUpdate(in->md, l->id.data, l->id.len)
        || !EVP_DigestFinal_ex(in->md, digest, &dlen))
    {
        return LEAD_ENOMEM;
    }
    memcpy(e->key, digest, KEY_LEN);

    if (l->kind != LEAD_LINE_READ) {
        if (keep_line(in, l, e) != LEAD_OK) {
            return LEAD_ENOMEM;
        }
        in->n++;
        return LEAD_OK;
    }

    /* a read: its event's record, with the id an edge gave it */
    ev = l->ev;
    if (l->id.len == LEAD_ID_HEX_LEN + 2
        && memcmp(l->id.data + LEAD_ID_HEX_LEN, "-r", 2) == 0)
    {
        hex_id(l->id.data, LEAD_ID_HEX_LEN, ev.id);
    }
    if (grow((void **) &in->recs, &in->rcap, in->used + LEAD_EVENT_MAX_SIZE,
             1) != LEAD_OK)
    {
        return LEAD_ENOMEM;
    }
    n = lead_event_encode(&ev, in->recs + in->used, LEAD_EVENT_MAX_SIZE);
    if (n < 0) {
        return LEAD_EINVAL;
    }
    e->off = in->used;
    e->len = (uint32_t) n;
    in->used += (size_t) n;
    in->n++;
    return LEAD_OK;
}

static int
key_cmp(const void *x, const void *y)
{
    const entry  *a = *(entry *const *) x, *b = *(entry *const *) y;
    int           d = memcmp(a->key, b->key, KEY_LEN);

    return d ? d : (a->index > b->index) - (a->index < b->index);
}

static int
time_cmp(const void *x, const void *y)
{
    const entry  *a = *(entry *const *) x, *b = *(entry *const *) y;

    if (a->time_ms != b->time_ms) {
        return (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
    }
    return (a->index > b->index) - (a->index < b->index);
}

static int
id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, LEAD_ID_LEN);
}

static int
touch(lead_ingest *in, const uint8_t *lead_id)
{
    if (grow((void **) &in->leads, &in->leads_cap, in->nleads + 1,
             LEAD_ID_LEN) != LEAD_OK)
    {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }
    memcpy(in->leads + in->nleads++ * LEAD_ID_LEN, lead_id, LEAD_ID_LEN);
    return LEAD_OK;
}

static int
put_id(lead_ingest *in, MDB_txn *txn, const entry *e, uint64_t now_ms,
    unsigned flags)
{
    MDB_val  key, val;
    uint8_t  at[8];
    int      rc;

    lead_put_u64(at, now_ms);
    key.mv_data = (void *) e->key;
    key.mv_size = KEY_LEN;
    val.mv_data = at;
    val.mv_size = sizeof(at);
    rc = mdb_put(txn, in->s->ingested, &key, &val, flags);
    return rc == 0 ? LEAD_OK : rc == MDB_KEYEXIST ? LEAD_ENOTFOUND
                             : lead_store_mdb_fail(in->s, rc,
                                                   "writing an ingested id");
}

/*
 * Which lines were seen, by their ids' order: a second of one id in the
 * batch, or one "ingested" holds.  A read's id goes in at once (it is
 * never refused); the others' with what they change.
 */
static int
find_duplicates(lead_ingest *in, MDB_txn *txn, uint64_t now_ms,
    size_t *duplicates)
{
    MDB_val   key, val;
    entry   **o = in->order;
    size_t    i;
    int       rc;

    for (i = 0; i < in->n; i++) {
        o[i] = &in->e[i];
    }
    lead_sort(o, in->n, sizeof(entry *), key_cmp);

    for (i = 0; i < in->n; i++) {
        if (i && memcmp(o[i]->key, o[i - 1]->key, KEY_LEN) == 0) {
            o[i]->state = DUPLICATE;
            (*duplicates)++;
            continue;
        }
        if (o[i]->kind == LEAD_LINE_READ) {
            rc = put_id(in, txn, o[i], now_ms, MDB_NOOVERWRITE);
        } else {
            key.mv_data = o[i]->key;
            key.mv_size = KEY_LEN;
            rc = mdb_get(txn, in->s->ingested, &key, &val);
            rc = rc == 0 ? LEAD_ENOTFOUND : rc == MDB_NOTFOUND ? LEAD_OK
                 : lead_store_mdb_fail(in->s, rc, "reading ingested ids");
        }
        if (rc == LEAD_ENOTFOUND) {
            o[i]->state = DUPLICATE;
            (*duplicates)++;
        } else if (rc != LEAD_OK) {
            return rc;
        }
    }
    return LEAD_OK;
}

/* The reads not seen before, in time order, appended to the log. */
static int
append_reads(lead_ingest *in, MDB_txn *txn, size_t *applied)
{
    MDB_val    key, val;
    entry    **o = in->order;
    uint8_t   *p, *visitors;
    size_t     i, m = 0, nv = 0, pos = 0, stored = 0, skipped = 0, j, links;
    int        rc = LEAD_OK;

    for (i = 0; i < in->n; i++) {
        if (in->e[i].kind == LEAD_LINE_READ && in->e[i].state == PENDING) {
            o[m++] = &in->e[i];
        }
    }
    if (m == 0) {
        return LEAD_OK;
    }
    lead_sort(o, m, sizeof(entry *), time_cmp);

    lead_batch_clear(in->batch);
    for (i = 0; i < m; i++) {
        p = lead_batch_reserve(in->batch, o[i]->len, &rc);
        if (p == NULL) {
            return lead_store_fail(in->s, rc, "out of memory");
        }
        memcpy(p, in->recs + o[i]->off, o[i]->len);
        lead_batch_took(in->batch, o[i]->len);
    }

    if (grow((void **) &in->visits, &in->vcap, m, sizeof(lead_visit))
        != LEAD_OK)
    {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }
    rc = lead_store_append_txn(in->s, txn, in->batch, &pos, SIZE_MAX, 0,
                               in->visits, &stored, &skipped);
    if (rc != LEAD_OK) {
        return rc;
    }
    *applied += stored;

    /* their visitors' leads, to promote: reuse the visits' room */
    visitors = (uint8_t *) in->visits;
    for (i = 0; i < m; i++) {
        memcpy(visitors + nv++ * LEAD_ID_LEN,
               in->recs + o[i]->off + EVENT_VISITOR_AT, LEAD_ID_LEN);
    }
    lead_sort(visitors, nv, LEAD_ID_LEN, id_cmp);
    for (i = 0; rc == LEAD_OK && i < nv; i++) {
        if (i && memcmp(visitors + i * LEAD_ID_LEN,
                        visitors + (i - 1) * LEAD_ID_LEN, LEAD_ID_LEN) == 0)
        {
            continue;
        }
        key.mv_data = visitors + i * LEAD_ID_LEN;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, in->s->links, &key, &val);
        if (rc != 0) {
            rc = rc == MDB_NOTFOUND ? LEAD_OK
                 : lead_store_mdb_fail(in->s, rc, "reading a link");
            continue;
        }
        links = val.mv_size % LINK_SIZE == 0 ? val.mv_size / LINK_SIZE : 0;
        for (j = 0; rc == LEAD_OK && j < links; j++) {
            rc = touch(in, (uint8_t *) val.mv_data + j * LINK_SIZE);
        }
    }
    return rc;
}

/* A refusal: LEAD_EINVAL, and why. */
static int
refuse(lead_ingest *in, const char *fmt, const char *arg)
{
    snprintf(in->why, sizeof(in->why), fmt, arg);
    return LEAD_EINVAL;
}

static void
cstr(char *out, size_t size, lead_str str)
{
    size_t  n = str.len < size - 1 ? str.len : size - 1;

    memcpy(out, str.data, n);
    out[n] = '\0';
}

/* The lead a line names, by lead id or e-mail; LEAD_ENOTFOUND if none. */
static int
find_lead(lead_ingest *in, MDB_txn *txn, const lead_line *l,
    uint8_t lead_id[LEAD_ID_LEN])
{
    MDB_val  val;
    char     hex[LEAD_ID_HEX_LEN];

    if (!zero_id(l->lead)) {
        lead_id_to_hex(l->lead, hex);
        return lead_store_lookup_txn(in->s, txn, hex, sizeof(hex), lead_id,
                                     &val);
    }
    if (l->email.len == 0) {
        return refuse(in, "%s names no e-mail and no lead",
                      kind_name(l->kind));
    }
    return lead_store_lookup_txn(in->s, txn, l->email.data, l->email.len,
                                 lead_id, &val);
}

static int
refold(lead_ingest *in, MDB_txn *txn, const uint8_t *visitor)
{
    MDB_val  key, val;
    int      rc;

    if (!in->s->folding) {
        return LEAD_OK;
    }
    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;
    val.mv_data = NULL;
    val.mv_size = 0;
    rc = mdb_put(txn, in->s->refold, &key, &val, 0);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(in->s, rc, "marking a refold");
}

/*
 * An identify, as the edge decided it: the lead of the e-mail (made with
 * the line's id unless another lead has it), its name and owner from the
 * newest line by time, flags and topics gathered, the visitor linked.
 */
static int
apply_identify(lead_ingest *in, MDB_txn *txn, const lead_line *l)
{
    lead_store   *s = in->s;
    lead_form     form;
    lead_person   old;
    MDB_val       key, val;
    uint8_t       id[LEAD_ID_LEN];
    uint64_t      t = l->ev.time_ms, at = t;
    const char   *topic, *end;
    size_t        tlen;
    int           rc, n, created = 0, newer = 1, c;

    memset(&form, 0, sizeof(form));
    n = lead_email_normalize(l->email.data, l->email.len, form.email);
    if (n <= 0) {
        return refuse(in, "%s", "an identify names a valid e-mail");
    }
    form.email_len = (size_t) n;
    if (l->name.len >= sizeof(form.name)) {
        return refuse(in, "%s", "a name too long");
    }

    key.mv_data = form.email;
    key.mv_size = form.email_len;
    rc = mdb_get(txn, s->emails, &key, &val);
    if (rc == 0 && val.mv_size == LEAD_ID_LEN) {
        memcpy(id, val.mv_data, LEAD_ID_LEN);
    } else if (rc == 0 || rc == MDB_NOTFOUND) {
        memcpy(id, l->lead, LEAD_ID_LEN);
        key.mv_data = id;
        key.mv_size = LEAD_ID_LEN;
        rc = zero_id(id) ? MDB_SUCCESS : mdb_get(txn, s->leads, &key, &val);
        if (rc == MDB_SUCCESS) {
            /* none given, or another lead's: a fresh one */
            if (lead_visitor_new(id) != LEAD_OK) {
                return lead_store_fail(s, LEAD_ESTORE, "no random id");
            }
        } else if (rc != MDB_NOTFOUND) {
            return lead_store_mdb_fail(s, rc, "reading a lead");
        }
        key.mv_data = form.email;
        key.mv_size = form.email_len;
        val.mv_data = id;
        val.mv_size = LEAD_ID_LEN;
        rc = mdb_put(txn, s->emails, &key, &val, 0);
        if (rc != 0) {
            return lead_store_mdb_fail(s, rc, "writing an e-mail");
        }
    } else {
        return lead_store_mdb_fail(s, rc, "reading an e-mail");
    }

    key.mv_data = id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->leads, &key, &val);
    if (rc == 0 && lead_decode_person(id, &val, &old) == LEAD_OK
        && old.updated_ms > t)
    {
        /* an older line: the lead keeps its name; flags, topics add up */
        newer = 0;
        at = old.updated_ms;
        form.name_len = old.name.len < sizeof(form.name) ? old.name.len : 0;
        memcpy(form.name, old.name.data, form.name_len);
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading a lead");
    } else {
        form.name_len = l->name.len;
        memcpy(form.name, l->name.data, l->name.len);
    }
    form.subscribe = l->subscribe;
    form.contact = l->contact;

    /* one topic a form: each of the line's in turn */
    topic = l->topics.data;
    end = topic + l->topics.len;
    do {
        while (topic < end && *topic == ' ') {
            topic++;
        }
        for (tlen = 0; topic + tlen < end && topic[tlen] != ' '; tlen++) {
            /* a token */
        }
        if (tlen > LEAD_NAME_MAX) {
            return refuse(in, "%s", "a topic too long");
        }
        rc = lead_store_put_lead_txn(s, txn, id, &form, topic, tlen, at, &c);
        created |= c;
        topic += tlen;
    } while (rc == LEAD_OK && topic < end);

    if (rc == LEAD_OK && created) {
        rc = lead_store_transition(s, txn, id, LEAD_STATUS_IDENTIFIED, t,
                                   "filled the form", "", "");
    }
    if (rc == LEAD_OK && l->sales) {
        rc = lead_store_mark_sales_txn(s, txn, id);
    }
    if (rc == LEAD_OK && l->owner.len && newer) {
        rc = lead_owner_set_txn(s, txn, id, l->owner.data, l->owner.len);
    }
    if (rc == LEAD_OK && !zero_id(l->ev.visitor)) {
        rc = lead_store_link_txn(s, txn, l->ev.visitor, id, t);
        if (rc == LEAD_OK) {
            rc = refold(in, txn, l->ev.visitor);
        }
    }
    return rc == LEAD_OK ? touch(in, id) : rc;
}

/*
 * A status change at the line's time, as sales made it (a deal won with
 * its amount, lost with a reason); mql to a lead that is one already
 * changes nothing.  A move the store does not allow is refused.
 */
static int
apply_status(lead_ingest *in, MDB_txn *txn, const lead_line *l)
{
    lead_store    *s = in->s;
    lead_outcome   deal = l->deal;
    uint8_t        id[LEAD_ID_LEN];
    uint64_t       since;
    char           cause[LEAD_CAUSE_MAX], who[LEAD_WHO_MAX + 1],
                   reason[LEAD_REASON_MAX + 1];
    int            rc, from, to = l->status;

    if (to <= LEAD_STATUS_IDENTIFIED || to >= LEAD_NSTATUSES) {
        return refuse(in, "%s", "a status line moves a lead to mql, sal, "
                      "sql, won, lost or nurture");
    }
    rc = find_lead(in, txn, l, id);
    if (rc == LEAD_OK) {
        rc = lead_store_get_status_txn(s, txn, id, &from, &since);
        from = rc == LEAD_ENOTFOUND ? LEAD_STATUS_IDENTIFIED : from;
        rc = rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    if (to == LEAD_STATUS_MQL && from == LEAD_STATUS_MQL) {
        return LEAD_OK;             /* promoted here already */
    }
    if (!lead_status_allowed(from, to)) {
        snprintf(in->why, sizeof(in->why), "a lead cannot go from %s to %s",
                 lead_status_name(from), lead_status_name(to));
        return LEAD_EINVAL;
    }

    cstr(cause, sizeof(cause), l->cause);
    cstr(who, sizeof(who), l->who);
    cstr(reason, sizeof(reason), l->reason);
    if (to == LEAD_STATUS_WON || to == LEAD_STATUS_LOST) {
        if (deal.currency[0] == '\0' && to == LEAD_STATUS_WON) {
            memcpy(deal.currency, in->r ? lead_rules_currency(in->r) : "EUR",
                   4);
        }
        deal.closed_ms = deal.closed_ms ? deal.closed_ms : l->ev.time_ms;
        rc = lead_deal_check(s, to, &deal);
    }
    if (rc == LEAD_OK) {
        rc = lead_store_transition(s, txn, id, to, l->ev.time_ms, cause, who,
                                   reason);
    }
    if (rc == LEAD_OK && (to == LEAD_STATUS_WON || to == LEAD_STATUS_LOST)) {
        rc = lead_outcome_put_txn(s, txn, id, &deal);
    }
    if (rc == LEAD_OK && to == LEAD_STATUS_MQL) {
        /* an edge's promotion: announced here, once, as one of ours */
        rc = lead_store_notice_add_txn(s, txn, LEAD_NOTICE_MQL, id, NULL,
                                       l->ev.time_ms, cause);
    }
    if (rc == LEAD_OK && l->owner.len) {
        rc = lead_owner_set_txn(s, txn, id, l->owner.data, l->owner.len);
    }
    return rc == LEAD_OK ? touch(in, id) : rc;
}

/* A person erased as lead_store_forget does; unknown: nothing to erase. */
static int
apply_forget(lead_ingest *in, MDB_txn *txn, const lead_line *l)
{
    lead_erased  erased;
    uint8_t      id[LEAD_ID_LEN];
    int          rc;

    memset(&erased, 0, sizeof(erased));
    rc = find_lead(in, txn, l, id);
    if (rc == LEAD_OK) {
        rc = lead_store_forget_txn(in->s, txn, id, &erased);
    }
    return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
}

/* A line other than a read, whole or not at all: LEAD_EINVAL refuses. */
static int
apply_line(lead_ingest *in, MDB_txn *txn, const lead_line *l)
{
    switch (l->kind) {
    case LEAD_LINE_IDENTIFY:
        return apply_identify(in, txn, l);
    case LEAD_LINE_STATUS:
        return apply_status(in, txn, l);
    case LEAD_LINE_FORGET:
        return apply_forget(in, txn, l);
    default:
        return refuse(in, "%s lines are not taken yet",
                      kind_name(l->kind));
    }
}

/* The other kinds in time order, each in a transaction of its own. */
static int
apply_lines(lead_ingest *in, MDB_txn *txn, uint64_t now_ms,
    lead_ingested *out, lead_refused_fn fn, void *arg)
{
    MDB_txn    *child;
    lead_line   line, *l = &line;
    entry     **o = in->order;
    size_t      i, m = 0;
    int         rc;

    for (i = 0; i < in->n; i++) {
        if (in->e[i].kind != LEAD_LINE_READ && in->e[i].state == PENDING) {
            o[m++] = &in->e[i];
        }
    }
    lead_sort(o, m, sizeof(entry *), time_cmp);

    for (i = 0; i < m; i++) {
        kept_line(in, o[i]->off, l);
        rc = mdb_txn_begin(in->s->env, txn, 0, &child);
        if (rc != 0) {
            return lead_store_mdb_fail(in->s, rc, "mdb_txn_begin");
        }
        in->why[0] = '\0';
        rc = apply_line(in, child, l);
        if (rc == LEAD_OK) {
            rc = put_id(in, child, o[i], now_ms, 0);
        }
        if (rc == LEAD_OK) {
            rc = mdb_txn_commit(child);
            if (rc != 0) {
                return lead_store_mdb_fail(in->s, rc, "mdb_txn_commit");
            }
            out->applied++;
            continue;
        }
        mdb_txn_abort(child);
        if (rc != LEAD_EINVAL && rc != LEAD_ENOTFOUND) {
            return rc;
        }
        if (in->why[0] == '\0') {
            snprintf(in->why, sizeof(in->why), "%s",
                     rc == LEAD_ENOTFOUND ? "no such lead" : in->s->err);
        }
        out->refused++;
        if (fn) {
            fn(arg, o[i]->index, in->why);
        }
    }
    return LEAD_OK;
}

/* The leads the batch touched promoted as at an edge, each once. */
static int
promote(lead_ingest *in, MDB_txn *txn, uint64_t now_ms)
{
    lead_score  *score;
    char         cause[LEAD_CAUSE_MAX];
    size_t       i;
    int          rc = LEAD_OK, promoted;

    if (in->r == NULL || in->nleads == 0) {
        return LEAD_OK;
    }
    score = malloc(sizeof(lead_score));
    if (score == NULL) {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }
    lead_sort(in->leads, in->nleads, LEAD_ID_LEN, id_cmp);
    for (i = 0; rc == LEAD_OK && i < in->nleads; i++) {
        if (i && memcmp(in->leads + i * LEAD_ID_LEN,
                        in->leads + (i - 1) * LEAD_ID_LEN, LEAD_ID_LEN) == 0)
        {
            continue;
        }
        rc = lead_store_promote_txn(in->s, txn, in->r,
                                    in->leads + i * LEAD_ID_LEN, now_ms,
                                    NULL, score, &promoted, cause);
    }
    free(score);
    return rc;
}

static void
clear(lead_ingest *in)
{
    in->n = 0;
    in->used = 0;
    in->nlines = 0;
    in->tused = 0;
    in->nleads = 0;
}

int
lead_ingest_commit(lead_ingest *in, uint64_t now_ms, lead_ingested *out,
    lead_refused_fn fn, void *arg)
{
    MDB_txn   *txn;
    uint64_t   latest = 0;
    size_t     i;
    int        rc;

    memset(out, 0, sizeof(*out));
    if (in->n == 0) {
        return LEAD_OK;
    }
    if (!in->s->ingesting) {
        return lead_store_fail(in->s, LEAD_EINVAL, "the store keeps no "
                               "ingested ids (opened read-only?)");
    }
    if (grow((void **) &in->order, &in->ocap, in->n, sizeof(entry *))
        != LEAD_OK)
    {
        return lead_store_fail(in->s, LEAD_ENOMEM, "out of memory");
    }

    for (i = 0; i < in->n; i++) {
        latest = in->e[i].time_ms > latest ? in->e[i].time_ms : latest;
    }
    in->nleads = 0;

    rc = lead_store_write_begin(in->s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = find_duplicates(in, txn, now_ms, &out->duplicates);
    if (rc == LEAD_OK) {
        rc = append_reads(in, txn, &out->applied);
    }
    if (rc == LEAD_OK) {
        rc = apply_lines(in, txn, now_ms, out, fn, arg);
    }
    if (rc == LEAD_OK) {
        rc = promote(in, txn, latest);
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        memset(out, 0, sizeof(*out));
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
        return lead_store_mdb_fail(in->s, rc, "mdb_txn_commit");
    }
    clear(in);
    return LEAD_OK;
}
