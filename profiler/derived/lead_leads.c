/*
 * Leads: people, unique by normalised e-mail, and the visitors (devices)
 * linked to them.  Events are never copied: a visitor's links say which
 * lead each of its events belongs to, so a visitor's anonymous history
 * becomes its first lead's the moment it identifies.
 *
 * "links"   visitor -> up to LINKS_MAX (lead id, since ms), oldest first
 * "devices" lead id + visitor -> since ms (the lead's devices)
 * "leads"   lead id -> created, updated, flags, then e-mail, name and
 *           subscribed topics (space-separated), each NUL-terminated
 * "emails"  e-mail -> lead id
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"
#include "lead_companies.h"

#define LEAD_HEAD   17
#define TOPICS_MAX  512

enum { FLAG_CONTACT = 1, FLAG_SUBSCRIBED = 2, FLAG_SALES = 4 };

int
lead_decode_person(const uint8_t *id, const MDB_val *val, lead_person *p)
{
    const char  *s = (const char *) val->mv_data + LEAD_HEAD;
    size_t       left, len, i;
    lead_str    *strs[3] = { &p->email, &p->name, &p->topics };

    if (val->mv_size <= LEAD_HEAD) {
        return LEAD_EINVAL;
    }

    memcpy(p->id, id, LEAD_ID_LEN);
    p->created_ms = lead_get_u64(val->mv_data);
    p->updated_ms = lead_get_u64((uint8_t *) val->mv_data + 8);
    p->contact = (((uint8_t *) val->mv_data)[16] & FLAG_CONTACT) != 0;
    p->subscribed = (((uint8_t *) val->mv_data)[16] & FLAG_SUBSCRIBED) != 0;
    p->sales = (((uint8_t *) val->mv_data)[16] & FLAG_SALES) != 0;

    left = val->mv_size - LEAD_HEAD;
    for (i = 0; i < 3; i++) {
        len = strnlen(s, left);
        if (len == left) {
            return LEAD_EINVAL;
        }
        strs[i]->data = s;
        strs[i]->len = len;
        s += len + 1;
        left -= len + 1;
    }

    return LEAD_OK;
}

/* Adds topic to a space-separated set unless it is there already. */
static size_t
add_topic(char *topics, size_t len, const char *topic, size_t tlen)
{
    size_t  i = 0, end;

    while (i < len) {
        for (end = i; end < len && topics[end] != ' '; end++) {
            /* void */
        }
        if (end - i == tlen && memcmp(topics + i, topic, tlen) == 0) {
            return len;
        }
        i = end + 1;
    }

    if (len + 1 + tlen >= TOPICS_MAX) {
        return len;
    }
    if (len) {
        topics[len++] = ' ';
    }
    memcpy(topics + len, topic, tlen);
    return len + tlen;
}

int
lead_store_put_lead_txn(lead_store *s, MDB_txn *txn, const uint8_t *id,
    const lead_form *form, const char *topic, size_t topic_len,
    uint64_t now_ms, int *created)
{
    MDB_val      key, val;
    lead_person  old, written;
    lead_str     none;
    uint8_t      buf[LEAD_HEAD + LEAD_EMAIL_MAX + sizeof(form->name)
                     + TOPICS_MAX + 3];
    char         topics[TOPICS_MAX];
    size_t       tlen = 0, n;
    uint8_t      flags = 0;
    uint64_t     created_ms = now_ms;
    int          rc;

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;

    rc = mdb_get(txn, s->leads, &key, &val);
    if (rc == 0 && lead_decode_person(id, &val, &old) == LEAD_OK) {
        created_ms = old.created_ms;
        flags = (uint8_t) ((old.contact ? FLAG_CONTACT : 0)
                           | (old.subscribed ? FLAG_SUBSCRIBED : 0)
                           | (old.sales ? FLAG_SALES : 0));
        tlen = old.topics.len < TOPICS_MAX ? old.topics.len : 0;
        memcpy(topics, old.topics.data, tlen);
        *created = 0;
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading a lead");
    } else {
        *created = 1;
    }

    if (form->contact) {
        flags |= FLAG_CONTACT;
    }
    if (form->subscribe) {
        flags |= FLAG_SUBSCRIBED;
        if (topic_len) {
            tlen = add_topic(topics, tlen, topic, topic_len);
        }
    }

    lead_put_u64(buf, created_ms);
    lead_put_u64(buf + 8, now_ms);
    buf[16] = flags;
    n = LEAD_HEAD;
    memcpy(buf + n, form->email, form->email_len);
    n += form->email_len;
    buf[n++] = '\0';
    memcpy(buf + n, form->name, form->name_len);
    n += form->name_len;
    buf[n++] = '\0';
    memcpy(buf + n, topics, tlen);
    n += tlen;
    buf[n++] = '\0';

    /* its account, as its e-mail has it (the old one read before the put) */
    none.data = "";
    none.len = 0;
    rc = lead_companies_move_txn(s, txn, id, *created ? none : old.email,
                                 (lead_str) { form->email, form->email_len });
    if (rc != LEAD_OK) {
        return rc;
    }

    val.mv_data = buf;
    val.mv_size = n;

    rc = mdb_put(txn, s->leads, &key, &val, 0);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing a lead");
    }
    /* what a search reads of it */
    rc = lead_decode_person(id, &val, &written);
    rc = rc == LEAD_OK ? lead_texts_keep_txn(s, txn, id, &written) : rc;
    if (rc != LEAD_OK) {
        return rc;
    }
    /* a lead that asks for a call ranks first while it is an mql */
    return form->contact && !(*created == 0 && old.contact)
           ? lead_calls_put_txn(s, txn, id) : LEAD_OK;
}

int
lead_store_mark_sales_txn(lead_store *s, MDB_txn *txn, const uint8_t *id)
{
    MDB_val  key, val;
    uint8_t  buf[LEAD_HEAD + LEAD_EMAIL_MAX + 4 * LEAD_PERSON_NAME_MAX
                 + TOPICS_MAX + 3];
    int      rc;

    key.mv_data = (void *) id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->leads, &key, &val);
    if (rc != 0 || val.mv_size <= LEAD_HEAD || val.mv_size > sizeof(buf)) {
        return rc && rc != MDB_NOTFOUND
               ? lead_store_mdb_fail(s, rc, "reading a lead")
               : lead_store_fail(s, LEAD_ENOTFOUND, "no such lead");
    }
    memcpy(buf, val.mv_data, val.mv_size);
    buf[16] |= FLAG_SALES;
    val.mv_data = buf;
    rc = mdb_put(txn, s->leads, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing a lead");
}

int
lead_store_link_txn(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    const uint8_t *lead_id, uint64_t now_ms)
{
    MDB_val   key, val;
    uint8_t   links[LINKS_MAX * LINK_SIZE], dkey[2 * LEAD_ID_LEN], since[8];
    size_t    n = 0, at;
    int       rc, first;

    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;

    rc = mdb_get(txn, s->links, &key, &val);
    if (rc == 0 && val.mv_size % LINK_SIZE == 0
        && val.mv_size <= sizeof(links))
    {
        n = val.mv_size;
        memcpy(links, val.mv_data, n);
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading a visitor's links");
    }

    /* links stay in time order: a link told late (ingest) goes in its
       place, and its time (at = past the links up to then) */
    for (at = n; at > 0; at -= LINK_SIZE) {
        if (lead_get_u64(links + at - LINK_SIZE + LEAD_ID_LEN) <= now_ms) {
            break;
        }
    }

    /* already this lead's then: nothing changes */
    if (at && memcmp(links + at - LINK_SIZE, lead_id, LEAD_ID_LEN) == 0) {
        return LEAD_OK;
    }
    /* its readers' rows depend on its first link alone (on a tie, the
       lowest lead id): a later one leaves them */
    first = at == 0 || lead_get_u64(links + LEAD_ID_LEN) >= now_ms;

    if (at < n && memcmp(links + at, lead_id, LEAD_ID_LEN) == 0) {
        /* the next link is this lead's: it starts earlier */
        lead_put_u64(links + at + LEAD_ID_LEN, now_ms);

    } else {
        if (n == sizeof(links)) {
            /* keep the first link: the anonymous history belongs to it */
            memmove(links + LINK_SIZE, links + 2 * LINK_SIZE,
                    n - 2 * LINK_SIZE);
            n -= LINK_SIZE;
            at -= at > LINK_SIZE ? LINK_SIZE : 0;
        }
        memmove(links + at + LINK_SIZE, links + at, n - at);
        memcpy(links + at, lead_id, LEAD_ID_LEN);
        lead_put_u64(links + at + LEAD_ID_LEN, now_ms);
        n += LINK_SIZE;
    }

    val.mv_data = links;
    val.mv_size = n;
    rc = mdb_put(txn, s->links, &key, &val, 0);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing a visitor's links");
    }
    rc = first ? lead_store_mark_reader(s, txn, visitor, 0) : LEAD_OK;
    if (rc != LEAD_OK) {
        return rc;
    }

    memcpy(dkey, lead_id, LEAD_ID_LEN);
    memcpy(dkey + LEAD_ID_LEN, visitor, LEAD_ID_LEN);
    key.mv_data = dkey;
    key.mv_size = sizeof(dkey);
    lead_put_u64(since, now_ms);
    val.mv_data = since;
    val.mv_size = 8;

    rc = mdb_put(txn, s->devices, &key, &val, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST && val.mv_size == 8
        && lead_get_u64(val.mv_data) > now_ms)
    {
        /* a device since earlier than was known (ingest, late) */
        val.mv_data = since;
        rc = mdb_put(txn, s->devices, &key, &val, 0);
    }
    if (rc != 0 && rc != MDB_KEYEXIST) {
        return lead_store_mdb_fail(s, rc, "writing a device");
    }

    return LEAD_OK;
}

/*
 * The lead an event of this visitor at time t belongs to: the link in
 * force then, or the first link for what it read before identifying.
 */
const uint8_t *
lead_attributed(const uint8_t *links, size_t n, uint64_t t)
{
    size_t  i;

    for (i = n; i > 0; i--) {
        if (lead_get_u64(links + (i - 1) * LINK_SIZE + LEAD_ID_LEN) <= t) {
            return links + (i - 1) * LINK_SIZE;
        }
    }
    return n ? links : NULL;
}

int
lead_store_visitor_lead(lead_store *s, const uint8_t visitor[LEAD_ID_LEN],
    uint8_t lead_id[LEAD_ID_LEN])
{
    MDB_txn  *txn;
    MDB_val   key, val;
    int       rc;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;

    rc = mdb_get(txn, s->links, &key, &val);
    if (rc == 0 && val.mv_size >= LINK_SIZE && val.mv_size % LINK_SIZE == 0)
    {
        /* the latest link is who this visitor is now */
        memcpy(lead_id, (uint8_t *) val.mv_data + val.mv_size - LINK_SIZE,
               LEAD_ID_LEN);
        rc = LEAD_OK;
    } else {
        rc = rc == 0 || rc == MDB_NOTFOUND
             ? LEAD_ENOTFOUND : lead_store_mdb_fail(s, rc, "mdb_get");
    }

    lead_store_read_end(s, txn);
    return rc;
}

typedef struct {
    lead_person_fn  fn;
    void           *arg;
} lead_scan;

static int
person_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    lead_scan    *c = ctx;
    lead_person   p;

    if (key->mv_size != LEAD_ID_LEN
        || lead_decode_person(key->mv_data, val, &p) != LEAD_OK)
    {
        return 0;
    }
    return c->fn(c->arg, &p);
}

int
lead_store_each_lead(lead_store *s, lead_person_fn fn, void *arg)
{
    lead_scan  c = { fn, arg };

    return lead_store_scan(s, s->leads, person_row, &c);
}

/* Every lead's text, for a store without them (the fold's transaction). */
int
lead_store_texts_build(lead_store *s, MDB_txn *txn)
{
    lead_texts_build  tb;
    lead_scan         c = { lead_texts_add, &tb };
    int               rc;

    if (!s->texting || lead_texts_usable(s, txn)) {
        return LEAD_OK;
    }
    rc = lead_texts_start(&tb, s, txn);
    if (rc == LEAD_OK) {
        rc = lead_store_scan_txn(s, txn, s->leads, person_row, &c);
    }
    return lead_texts_done(&tb, rc);
}

int
lead_store_lookup_txn(lead_store *s, MDB_txn *txn, const char *who,
    size_t len, uint8_t id[LEAD_ID_LEN], MDB_val *person)
{
    MDB_val  key, val;
    char     email[LEAD_EMAIL_MAX];
    int      rc, n;

    /* an e-mail, as the form normalises it, or a lead id in hex */
    n = lead_email_normalize(who, len, email);
    if (n > 0) {
        key.mv_data = email;
        key.mv_size = (size_t) n;
        rc = mdb_get(txn, s->emails, &key, &val);
        if (rc == 0 && val.mv_size == LEAD_ID_LEN) {
            memcpy(id, val.mv_data, LEAD_ID_LEN);
        } else {
            rc = rc == 0 ? MDB_NOTFOUND : rc;
        }
    } else {
        rc = lead_id_from_hex(who, len, id) == LEAD_OK ? 0 : MDB_NOTFOUND;
    }

    if (rc == 0) {
        key.mv_data = id;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, s->leads, &key, person);
    }
    return rc == 0 ? LEAD_OK
           : rc == MDB_NOTFOUND ? LEAD_ENOTFOUND
           : lead_store_mdb_fail(s, rc, "finding a lead");
}

int
lead_store_find_lead(lead_store *s, const char *who, size_t len,
    lead_person_fn fn, void *arg)
{
    MDB_txn   *txn;
    MDB_val    val;
    uint8_t    id[LEAD_ID_LEN];
    lead_person p;
    int        rc;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = lead_store_lookup_txn(s, txn, who, len, id, &val);
    if (rc == LEAD_OK) {
        rc = lead_decode_person(id, &val, &p) != LEAD_OK ? LEAD_ENOTFOUND
             : fn(arg, &p) ? LEAD_ECALLBACK : LEAD_OK;
    }

    lead_store_read_end(s, txn);
    return rc;
}

int
lead_store_each_device_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    lead_device_fn fn, void *arg)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc, op;

    rc = mdb_cursor_open(txn, s->devices, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;

    for (op = MDB_SET_RANGE;
         (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != 2 * LEAD_ID_LEN
            || memcmp(key.mv_data, lead_id, LEAD_ID_LEN) != 0)
        {
            rc = MDB_NOTFOUND;
            break;
        }
        if (val.mv_size == 8
            && fn(arg, (uint8_t *) key.mv_data + LEAD_ID_LEN,
                  lead_get_u64(val.mv_data)) != 0)
        {
            rc = LEAD_ECALLBACK;
            break;
        }
    }

    mdb_cursor_close(cur);

    if (rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    return rc == LEAD_ECALLBACK ? rc : lead_store_mdb_fail(s, rc, "devices");
}

int
lead_store_each_device(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    lead_device_fn fn, void *arg)
{
    MDB_txn  *txn;
    int       rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc == LEAD_OK) {
        rc = lead_store_each_device_txn(s, txn, lead_id, fn, arg);
        lead_store_read_end(s, txn);
    }
    return rc;
}

typedef struct {
    lead_link_fn   fn;
    void          *arg;
} link_scan;

static int
link_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    link_scan  *l = ctx;

    if (key->mv_size != 2 * LEAD_ID_LEN || val->mv_size != 8) {
        return 0;
    }
    return l->fn(l->arg, key->mv_data, (uint8_t *) key->mv_data + LEAD_ID_LEN,
                 lead_get_u64(val->mv_data));
}

/* Every lead's devices in one pass over the table: no cursor per lead. */
int
lead_store_each_link(lead_store *s, lead_link_fn fn, void *arg)
{
    link_scan  l = { fn, arg };

    return lead_store_scan(s, s->devices, link_row, &l);
}

typedef struct {
    uint64_t       time_ms;
    uint64_t       seq;
    MDB_val        val;
} found_event;

static int
found_cmp(const void *x, const void *y)
{
    const found_event  *a = x, *b = y;

    if (a->time_ms != b->time_ms) {
        return a->time_ms < b->time_ms ? -1 : 1;
    }
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static int feed_scorer(void *arg, uint64_t seq, const lead_event *ev);

/* A visitor whose events are wanted, with its links to leads. */
typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint8_t   links[LINKS_MAX * LINK_SIZE];
    size_t    nlinks;
} device;

typedef struct {
    found_event  *found;
    size_t        n, cap;
} found_list;

static int
add_found(lead_store *s, found_list *l, uint64_t t, uint64_t seq,
    const MDB_val *val)
{
    found_event  *grown;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        grown = realloc(l->found, l->cap * sizeof(found_event));
        if (grown == NULL) {
            return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
        }
        l->found = grown;
    }
    l->found[l->n].time_ms = t;
    l->found[l->n].seq = seq;
    l->found[l->n].val = *val;
    l->n++;
    return LEAD_OK;
}

/* The device's event at t is the lead's (any lead's: lead_id NULL). */
static int
is_leads(const device *d, const uint8_t *lead_id, uint64_t t)
{
    const uint8_t  *lead;

    if (lead_id == NULL) {
        return 1;
    }
    lead = lead_attributed(d->links, d->nlinks, t);
    return lead != NULL && memcmp(lead, lead_id, LEAD_ID_LEN) == 0;
}

/* What collect_events' walk of one device's visits needs. */
typedef struct {
    lead_store     *s;
    MDB_txn        *txn;
    const device   *d;
    const uint8_t  *lead_id;
    found_list     *l;
} collecting;

static int
collect_visit(void *arg, const uint8_t key[16])
{
    collecting  *c = arg;
    MDB_val      ekey, val;
    uint64_t     t = lead_get_be64(key);

    if (!is_leads(c->d, c->lead_id, t)) {
        return LEAD_VISIT_KEEP;
    }
    /* the visit is the event's own key: time and seq */
    ekey.mv_data = (void *) key;
    ekey.mv_size = 16;
    if (mdb_get(c->txn, c->s->events, &ekey, &val) != 0) {
        return LEAD_VISIT_KEEP;
    }
    return add_found(c->s, c->l, t, lead_get_be64(key + 8), &val);
}

/*
 * The events of the devices that are the lead's (all their events with
 * lead_id NULL), in no order: from the index, and after what it holds,
 * from the log's tail.
 */
static int
collect_events(lead_store *s, MDB_txn *txn, device *devices, size_t n,
    const uint8_t *lead_id, found_list *l)
{
    MDB_val      key, val;
    size_t       i;
    int          rc;
    collecting   c = { s, txn, NULL, lead_id, l };

    for (i = 0; i < n; i++) {
        device  *d = &devices[i];

        key.mv_data = d->id;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, s->links, &key, &val);
        if (rc == 0 && val.mv_size <= sizeof(d->links)
            && val.mv_size % LINK_SIZE == 0)
        {
            memcpy(d->links, val.mv_data, val.mv_size);
            d->nlinks = val.mv_size / LINK_SIZE;
        } else if (rc != 0 && rc != MDB_NOTFOUND) {
            return lead_store_mdb_fail(s, rc, "reading links");
        }

        c.d = d;
        rc = lead_store_each_visit(s, txn, d->id, collect_visit, &c);
        if (rc == LEAD_OK) {
            rc = lead_store_each_tail_visit(s, txn, d->id, collect_visit, &c);
        }
        if (rc != LEAD_OK) {
            return rc;
        }
    }
    return LEAD_OK;
}

/* Sorts what was found into time order and hands each event to fn. */
static int
feed_found(found_list *l, lead_event_fn fn, void *arg)
{
    lead_event  ev;
    size_t      i;

    if (l->n > 1) {
        qsort(l->found, l->n, sizeof(found_event), found_cmp);
    }
    for (i = 0; i < l->n; i++) {
        if (lead_event_decode(l->found[i].val.mv_data,
                              l->found[i].val.mv_size, &ev) == LEAD_OK
            && fn(arg, l->found[i].seq, &ev) != 0)
        {
            return LEAD_ECALLBACK;
        }
    }
    return LEAD_OK;
}

typedef struct {
    lead_store  *s;
    device      *devices;
    size_t       n, cap;
    int          oom;
} device_list;

static int
add_device_id(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    device_list  *d = arg;
    device       *grown;

    (void) since;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        grown = realloc(d->devices, d->cap * sizeof(device));
        if (grown == NULL) {
            d->oom = 1;
            return 1;
        }
        d->devices = grown;
    }
    memset(&d->devices[d->n], 0, sizeof(device));
    memcpy(d->devices[d->n].id, visitor, LEAD_ID_LEN);
    d->n++;
    return 0;
}

int
lead_store_lead_events_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, lead_event_fn fn, void *arg)
{
    device_list  d;
    found_list   l;
    int          rc;

    memset(&d, 0, sizeof(d));
    memset(&l, 0, sizeof(l));

    /* every device of the lead, then its events that are the lead's */
    rc = lead_store_each_device_txn(s, txn, lead_id, add_device_id, &d);
    if (rc == LEAD_ECALLBACK || d.oom) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        rc = collect_events(s, txn, d.devices, d.n, lead_id, &l);
    }
    if (rc == LEAD_OK) {
        rc = feed_found(&l, fn, arg);
    }

    free(d.devices);
    free(l.found);
    return rc;
}

int
lead_store_lead_events(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    lead_event_fn fn, void *arg)
{
    MDB_txn  *txn;
    int       rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_store_lead_events_txn(s, txn, lead_id, fn, arg);
    lead_store_read_end(s, txn);
    return rc;
}

/* ---- one lead, and promotion to mql ------------------------------------ */

static int
feed_scorer(void *arg, uint64_t seq, const lead_event *ev)
{
    (void) seq;
    return lead_scorer_add(arg, ev) != LEAD_OK;
}

int
lead_store_score_lead(lead_store *s, const lead_scoring *sc,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t since_ms, uint64_t now_ms,
    lead_score *out)
{
    lead_scorer  *scorer;
    int           rc;

    scorer = lead_scorer_new(sc);
    if (scorer == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    lead_scorer_reset(scorer, since_ms);

    rc = lead_store_lead_events(s, lead_id, feed_scorer, scorer);
    if (rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        rc = lead_scorer_result(scorer, now_ms, out);
    }

    lead_scorer_free(scorer);
    return rc;
}

int
lead_store_score_visitor(lead_store *s, const lead_scoring *sc,
    const uint8_t visitor[LEAD_ID_LEN], uint64_t now_ms, lead_score *out)
{
    MDB_txn       *txn;
    lead_scorer   *scorer;
    device         d;
    found_list     l;
    int            rc;

    scorer = lead_scorer_new(sc);
    if (scorer == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    lead_scorer_reset(scorer, 0);
    memset(&l, 0, sizeof(l));
    memset(&d, 0, sizeof(d));
    memcpy(d.id, visitor, LEAD_ID_LEN);

    rc = (s->empty || s->partial) ? LEAD_OK : lead_store_read_begin(s, &txn);
    if (rc == LEAD_OK && !s->empty && !s->partial) {
        rc = collect_events(s, txn, &d, 1, NULL, &l);
        if (rc == LEAD_OK) {
            rc = feed_found(&l, feed_scorer, scorer);
            rc = rc == LEAD_ECALLBACK ? lead_store_fail(s, LEAD_ENOMEM,
                                                        "out of memory")
                                      : rc;
        }
        lead_store_read_end(s, txn);
    }
    if (rc == LEAD_OK) {
        rc = lead_scorer_result(scorer, now_ms, out);
    }

    free(l.found);
    lead_scorer_free(scorer);
    return rc;
}
