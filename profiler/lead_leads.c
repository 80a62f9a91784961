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

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_internal.h"
#include "lead_store.h"

#define LINK_SIZE   (LEAD_ID_LEN + 8)
#define LINKS_MAX   32
#define LEAD_HEAD   17
#define TOPICS_MAX  512

enum { FLAG_CONTACT = 1, FLAG_SUBSCRIBED = 2 };

static int
decode_lead(const uint8_t *id, const MDB_val *val, lead_person *p)
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

static int
put_lead(lead_store *s, MDB_txn *txn, const uint8_t *id,
    const lead_form *form, const char *topic, size_t topic_len,
    uint64_t now_ms, int *created)
{
    MDB_val      key, val;
    lead_person  old;
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
    if (rc == 0 && decode_lead(id, &val, &old) == LEAD_OK) {
        created_ms = old.created_ms;
        flags = (uint8_t) ((old.contact ? FLAG_CONTACT : 0)
                           | (old.subscribed ? FLAG_SUBSCRIBED : 0));
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

    val.mv_data = buf;
    val.mv_size = n;

    rc = mdb_put(txn, s->leads, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing a lead");
}

static int
link_visitor(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    const uint8_t *lead_id, uint64_t now_ms)
{
    MDB_val   key, val;
    uint8_t   links[LINKS_MAX * LINK_SIZE], dkey[2 * LEAD_ID_LEN], since[8];
    size_t    n = 0;
    int       rc;

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

    /* already this lead's: nothing changes */
    if (n && memcmp(links + n - LINK_SIZE, lead_id, LEAD_ID_LEN) == 0) {
        return LEAD_OK;
    }

    if (n == sizeof(links)) {
        /* keep the first link: the anonymous history belongs to it */
        memmove(links + LINK_SIZE, links + 2 * LINK_SIZE,
                n - 2 * LINK_SIZE);
        n -= LINK_SIZE;
    }

    memcpy(links + n, lead_id, LEAD_ID_LEN);
    lead_put_u64(links + n + LEAD_ID_LEN, now_ms);
    n += LINK_SIZE;

    val.mv_data = links;
    val.mv_size = n;
    rc = mdb_put(txn, s->links, &key, &val, 0);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing a visitor's links");
    }

    memcpy(dkey, lead_id, LEAD_ID_LEN);
    memcpy(dkey + LEAD_ID_LEN, visitor, LEAD_ID_LEN);
    key.mv_data = dkey;
    key.mv_size = sizeof(dkey);
    lead_put_u64(since, now_ms);
    val.mv_data = since;
    val.mv_size = 8;

    rc = mdb_put(txn, s->devices, &key, &val, MDB_NOOVERWRITE);
    if (rc != 0 && rc != MDB_KEYEXIST) {
        return lead_store_mdb_fail(s, rc, "writing a device");
    }

    return LEAD_OK;
}

int
lead_store_identify(lead_store *s, const uint8_t visitor[LEAD_ID_LEN],
    const lead_form *form, const char *topic, size_t topic_len,
    uint64_t now_ms, uint8_t lead_id[LEAD_ID_LEN], int *created)
{
    MDB_txn  *txn;
    MDB_val   key, val;
    int       rc;

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    key.mv_data = (void *) form->email;
    key.mv_size = form->email_len;

    rc = mdb_get(txn, s->emails, &key, &val);
    if (rc == 0 && val.mv_size == LEAD_ID_LEN) {
        memcpy(lead_id, val.mv_data, LEAD_ID_LEN);

    } else if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = lead_visitor_new(lead_id);
        if (rc == LEAD_OK) {
            val.mv_data = lead_id;
            val.mv_size = LEAD_ID_LEN;
            rc = mdb_put(txn, s->emails, &key, &val, 0);
            rc = rc == 0 ? LEAD_OK
                         : lead_store_mdb_fail(s, rc, "writing an e-mail");
        }

    } else {
        rc = lead_store_mdb_fail(s, rc, "reading an e-mail");
    }

    if (rc == LEAD_OK) {
        rc = put_lead(s, txn, lead_id, form, topic, topic_len, now_ms,
                      created);
    }
    if (rc == LEAD_OK) {
        rc = link_visitor(s, txn, visitor, lead_id, now_ms);
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }

    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

/*
 * The lead an event of this visitor at time t belongs to: the link in
 * force then, or the first link for what it read before identifying.
 */
static const uint8_t *
attributed_lead(const uint8_t *links, size_t n, uint64_t t)
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

    mdb_txn_abort(txn);
    return rc;
}

typedef struct {
    lead_person_fn  fn;
    void           *arg;
} lead_scan;

static int
lead_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    lead_scan    *c = ctx;
    lead_person   p;

    if (key->mv_size != LEAD_ID_LEN
        || decode_lead(key->mv_data, val, &p) != LEAD_OK)
    {
        return 0;
    }
    return c->fn(c->arg, &p);
}

int
lead_store_each_lead(lead_store *s, lead_person_fn fn, void *arg)
{
    lead_scan  c = { fn, arg };

    return lead_store_scan(s, s->leads, lead_row, &c);
}

int
lead_store_find_lead(lead_store *s, const char *who, size_t len,
    lead_person_fn fn, void *arg)
{
    MDB_txn   *txn;
    MDB_val    key, val;
    uint8_t    id[LEAD_ID_LEN];
    char       email[LEAD_EMAIL_MAX];
    lead_person p;
    int        rc, n;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    /* an e-mail, as the form normalises it, or a lead id in hex */
    n = lead_email_normalize(who, len, email);
    if (n > 0) {
        key.mv_data = email;
        key.mv_size = (size_t) n;
        rc = mdb_get(txn, s->emails, &key, &val);
        if (rc == 0 && val.mv_size == LEAD_ID_LEN) {
            memcpy(id, val.mv_data, LEAD_ID_LEN);
        } else {
            rc = MDB_NOTFOUND;
        }
    } else {
        rc = lead_id_from_hex(who, len, id) == LEAD_OK ? 0 : MDB_NOTFOUND;
    }

    if (rc == 0) {
        key.mv_data = id;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, s->leads, &key, &val);
    }

    if (rc == 0 && decode_lead(id, &val, &p) == LEAD_OK) {
        rc = fn(arg, &p) ? LEAD_ECALLBACK : LEAD_OK;
    } else {
        rc = (rc == 0 || rc == MDB_NOTFOUND)
             ? LEAD_ENOTFOUND : lead_store_mdb_fail(s, rc, "mdb_get");
    }

    mdb_txn_abort(txn);
    return rc;
}

int
lead_store_each_device(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    lead_device_fn fn, void *arg)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc, op;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = mdb_cursor_open(txn, s->devices, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
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
    mdb_txn_abort(txn);

    if (rc == MDB_NOTFOUND) {
        return LEAD_OK;
    }
    return rc == LEAD_ECALLBACK ? rc : lead_store_mdb_fail(s, rc, "devices");
}

typedef struct {
    lead_store     *store;
    MDB_txn        *txn;
    const uint8_t  *lead_id;
    lead_event_fn   fn;
    void           *arg;
    uint8_t         visitor[LEAD_ID_LEN];   /* cached links of the last */
    uint8_t         links[LINKS_MAX * LINK_SIZE];
    size_t          nlinks;                 /* bytes */
    int             error;
} history;

static int
history_event(void *arg, uint64_t seq, const lead_event *ev)
{
    history        *h = arg;
    MDB_val         key, val;
    const uint8_t  *lead;
    int             rc;

    if (memcmp(ev->visitor, h->visitor, LEAD_ID_LEN) != 0) {
        memcpy(h->visitor, ev->visitor, LEAD_ID_LEN);
        h->nlinks = 0;
        key.mv_data = (void *) ev->visitor;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(h->txn, h->store->links, &key, &val);
        if (rc == 0 && val.mv_size <= sizeof(h->links)
            && val.mv_size % LINK_SIZE == 0)
        {
            memcpy(h->links, val.mv_data, val.mv_size);
            h->nlinks = val.mv_size;
        } else if (rc != 0 && rc != MDB_NOTFOUND) {
            h->error = lead_store_mdb_fail(h->store, rc, "reading links");
            return 1;
        }
    }

    lead = attributed_lead(h->links, h->nlinks / LINK_SIZE, ev->time_ms);
    if (lead == NULL || memcmp(lead, h->lead_id, LEAD_ID_LEN) != 0) {
        return 0;
    }

    return h->fn(h->arg, seq, ev);
}

int
lead_store_lead_events(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    lead_event_fn fn, void *arg)
{
    history  *h;
    int       rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    rc = lead_store_read_begin(s, &h->txn);
    if (rc == LEAD_OK) {
        h->store = s;
        h->lead_id = lead_id;
        h->fn = fn;
        h->arg = arg;
        /* start with no cached visitor (no id is all ones in practice) */
        memset(h->visitor, 0xff, LEAD_ID_LEN);

        rc = lead_store_each_event(s, history_event, h);
        if (h->error) {
            rc = h->error;
        }
        mdb_txn_abort(h->txn);
    }

    free(h);
    return rc;
}
