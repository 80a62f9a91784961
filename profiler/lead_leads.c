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
#include "lead_internal.h"
#include "lead_store.h"

#define LINKS_MAX   32
#define LEAD_HEAD   17
#define TOPICS_MAX  512

enum { FLAG_CONTACT = 1, FLAG_SUBSCRIBED = 2 };

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
    if (rc == 0 && lead_decode_person(id, &val, &old) == LEAD_OK) {
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
    if (rc == LEAD_OK && *created) {
        rc = lead_store_transition(s, txn, lead_id, LEAD_STATUS_IDENTIFIED,
                                   now_ms, "filled the form", "", "");
    }
    if (rc == LEAD_OK && s->folding) {
        /* what it read before is its lead's now: the fold scores again */
        val.mv_data = NULL;
        val.mv_size = 0;
        key.mv_data = (void *) visitor;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_put(txn, s->refold, &key, &val, 0);
        rc = rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "marking a "
                                                     "refold");
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

    mdb_txn_abort(txn);
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

    if (rc == 0 && lead_decode_person(id, &val, &p) == LEAD_OK) {
        rc = fn(arg, &p) ? LEAD_ECALLBACK : LEAD_OK;
    } else {
        rc = (rc == 0 || rc == MDB_NOTFOUND)
             ? LEAD_ENOTFOUND : lead_store_mdb_fail(s, rc, "mdb_get");
    }

    mdb_txn_abort(txn);
    return rc;
}

/* The lead's devices, inside a read transaction. */
static int
each_device_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
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
        rc = each_device_txn(s, txn, lead_id, fn, arg);
        mdb_txn_abort(txn);
    }
    return rc;
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

/* Appends the events of one visitor that belong to the lead (all: NULL). */
static int
collect_visitor(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    const uint8_t *lead_id, found_event **found, size_t *n, size_t *cap)
{
    MDB_cursor     *cur;
    MDB_val         key, val, ekey;
    uint8_t         links[LINKS_MAX * LINK_SIZE];
    size_t          nlinks = 0;
    const uint8_t  *lead;
    found_event    *grown;
    uint64_t        t;
    int             rc, op;

    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->links, &key, &val);
    if (rc == 0 && val.mv_size <= sizeof(links)
        && val.mv_size % LINK_SIZE == 0)
    {
        memcpy(links, val.mv_data, val.mv_size);
        nlinks = val.mv_size / LINK_SIZE;
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading links");
    }

    rc = mdb_cursor_open(txn, s->visits, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    for (op = MDB_SET_RANGE;
         (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != LEAD_VISIT_KEY_LEN
            || memcmp(key.mv_data, visitor, LEAD_ID_LEN) != 0)
        {
            break;
        }

        t = lead_get_be64((uint8_t *) key.mv_data + LEAD_ID_LEN);
        lead = lead_attributed(links, nlinks, t);
        if (lead_id != NULL
            && (lead == NULL || memcmp(lead, lead_id, LEAD_ID_LEN) != 0))
        {
            continue;
        }

        /* the event's own key is the index key's time and seq */
        ekey.mv_data = (uint8_t *) key.mv_data + LEAD_ID_LEN;
        ekey.mv_size = 16;
        if (mdb_get(txn, s->events, &ekey, &val) != 0) {
            continue;
        }

        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            grown = realloc(*found, *cap * sizeof(found_event));
            if (grown == NULL) {
                mdb_cursor_close(cur);
                return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
            }
            *found = grown;
        }
        (*found)[*n].time_ms = t;
        (*found)[*n].seq = lead_get_be64((uint8_t *) key.mv_data
                                         + LEAD_ID_LEN + 8);
        (*found)[*n].val = val;
        (*n)++;
    }

    mdb_cursor_close(cur);
    return (rc == 0 || rc == MDB_NOTFOUND) ? LEAD_OK
           : lead_store_mdb_fail(s, rc, "reading visits");
}

typedef struct {
    lead_store     *s;
    MDB_txn        *txn;
    const uint8_t  *lead_id;
    found_event    *found;
    size_t          n, cap;
    int             rc;
} lead_history;

static int
collect_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    lead_history  *h = arg;

    (void) since;
    h->rc = collect_visitor(h->s, h->txn, visitor, h->lead_id, &h->found,
                            &h->n, &h->cap);
    return h->rc != LEAD_OK;
}

int
lead_store_lead_events_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *lead_id, lead_event_fn fn, void *arg)
{
    lead_history  h;
    lead_event    ev;
    size_t        i;
    int           rc;

    memset(&h, 0, sizeof(h));
    h.s = s;
    h.txn = txn;
    h.lead_id = lead_id;

    /* every device of the lead, then its events that are the lead's */
    rc = each_device_txn(s, txn, lead_id, collect_device, &h);
    if (rc == LEAD_ECALLBACK) {
        rc = h.rc;
    }

    if (rc == LEAD_OK && h.n > 1) {
        qsort(h.found, h.n, sizeof(found_event), found_cmp);
    }
    for (i = 0; rc == LEAD_OK && i < h.n; i++) {
        if (lead_event_decode(h.found[i].val.mv_data, h.found[i].val.mv_size,
                              &ev) == LEAD_OK
            && fn(arg, h.found[i].seq, &ev) != 0)
        {
            rc = LEAD_ECALLBACK;
        }
    }

    free(h.found);
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
    mdb_txn_abort(txn);
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
    found_event   *found = NULL;
    lead_event     ev;
    size_t         n = 0, cap = 0, i;
    int            rc;

    scorer = lead_scorer_new(sc);
    if (scorer == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    lead_scorer_reset(scorer, 0);

    rc = (s->empty || s->partial) ? LEAD_OK : lead_store_read_begin(s, &txn);
    if (rc == LEAD_OK && !s->empty && !s->partial) {
        rc = collect_visitor(s, txn, visitor, NULL, &found, &n, &cap);
        /* the index is in time order already */
        for (i = 0; rc == LEAD_OK && i < n; i++) {
            if (lead_event_decode(found[i].val.mv_data, found[i].val.mv_size,
                                  &ev) == LEAD_OK)
            {
                rc = lead_scorer_add(scorer, &ev);
            }
        }
        mdb_txn_abort(txn);
    }
    if (rc == LEAD_OK) {
        rc = lead_scorer_result(scorer, now_ms, out);
    }

    free(found);
    lead_scorer_free(scorer);
    return rc;
}

typedef struct {
    lead_scorer  *scorer;
    uint64_t      since_ms;
} since_feed;

/* Back from sales, a lead is judged on what it does from then on only. */
static int
feed_since(void *arg, uint64_t seq, const lead_event *ev)
{
    since_feed  *f = arg;

    (void) seq;
    if (ev->time_ms < f->since_ms) {
        return 0;
    }
    return lead_scorer_add(f->scorer, ev) != LEAD_OK;
}

static int
keep_person(void *arg, const lead_person *p)
{
    lead_person  *out = arg;

    out->contact = p->contact;
    out->updated_ms = p->updated_ms;
    return 0;
}

int
lead_store_promote_lead(lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms, lead_score *score,
    lead_promoted_fn fn, void *arg)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    const lead_asset    *a;
    lead_person          p;
    since_feed           feed;
    char                 cause[LEAD_CAUSE_MAX], hex[LEAD_ID_HEX_LEN];
    uint64_t             since, at;
    int                  status, rc;

    rc = lead_store_get_status(s, lead_id, &status, &since);
    if (rc != LEAD_OK
        || (status != LEAD_STATUS_IDENTIFIED
            && status != LEAD_STATUS_NURTURE))
    {
        return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }
    if (status == LEAD_STATUS_IDENTIFIED) {
        since = 0;
    }

    feed.scorer = lead_scorer_new(sc);
    if (feed.scorer == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    feed.since_ms = since;
    lead_scorer_reset(feed.scorer, since);

    rc = lead_store_lead_events(s, lead_id, feed_since, &feed);
    if (rc == LEAD_ECALLBACK) {
        rc = lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    if (rc == LEAD_OK) {
        rc = lead_scorer_result(feed.scorer, now_ms, score);
    }
    lead_scorer_free(feed.scorer);

    memset(&p, 0, sizeof(p));
    lead_id_to_hex(lead_id, hex);
    if (rc == LEAD_OK) {
        rc = lead_store_find_lead(s, hex, LEAD_ID_HEX_LEN, keep_person, &p);
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    /* asking for a call is the strongest buying signal there is */
    if (p.contact && p.updated_ms >= since) {
        at = p.updated_ms;
        snprintf(cause, sizeof(cause), "asked to be contacted");

    } else if (score->trigger_ms) {
        at = score->trigger_ms;
        a = score->trigger_asset ? lead_rules_find(r, score->trigger_asset)
                                 : NULL;
        if (a) {
            snprintf(cause, sizeof(cause), "read \"%.100s\" (hot)",
                     a->title);
        } else {
            snprintf(cause, sizeof(cause), "%s", score->trigger);
        }

    } else {
        return LEAD_OK;
    }

    rc = lead_store_set_status(s, lead_id, LEAD_STATUS_MQL, at, cause, "",
                               "");
    if (rc == LEAD_OK && fn) {
        fn(arg, lead_id, score, cause);
    }
    return rc;
}

/* The lead an event of this visitor at time t belongs to. */
static int
event_lead(lead_store *s, const uint8_t *visitor, uint64_t t,
    uint8_t lead_id[LEAD_ID_LEN])
{
    MDB_txn        *txn;
    MDB_val         key, val;
    const uint8_t  *lead = NULL;
    int             rc;

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->links, &key, &val);
    if (rc == 0 && val.mv_size % LINK_SIZE == 0) {
        lead = lead_attributed(val.mv_data, val.mv_size / LINK_SIZE, t);
        if (lead) {
            memcpy(lead_id, lead, LEAD_ID_LEN);
        }
    }

    mdb_txn_abort(txn);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading links");
    }
    return lead ? LEAD_OK : LEAD_ENOTFOUND;
}

typedef struct {
    const uint8_t  *visitor;
    uint64_t        time_ms;
} batch_visit;

static int
batch_visit_cmp(const void *x, const void *y)
{
    const batch_visit  *a = x, *b = y;
    int                 c = memcmp(a->visitor, b->visitor, LEAD_ID_LEN);

    return c ? c : (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
}

int
lead_store_promote(lead_store *s, const lead_rules *r, const lead_batch *b,
    uint64_t now_ms, lead_promoted_fn fn, void *arg)
{
    batch_visit     *visits;
    const uint8_t   *rec;
    uint8_t          lead_id[LEAD_ID_LEN], last[LEAD_ID_LEN];
    lead_score      *score;
    size_t           pos = 0, len, n = 0, i;
    int              rc = LEAD_OK, have_last = 0;

    if (lead_batch_count(b) == 0) {
        return LEAD_OK;
    }

    visits = malloc(lead_batch_count(b) * sizeof(batch_visit));
    score = malloc(sizeof(lead_score));
    if (visits == NULL || score == NULL) {
        free(visits);
        free(score);
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }

    /* visitor and time sit at fixed offsets of an encoded event */
    while (lead_batch_next(b, &pos, &rec, &len)) {
        visits[n].visitor = rec + 12;
        visits[n].time_ms = lead_get_u64(rec + 4);
        n++;
    }
    qsort(visits, n, sizeof(batch_visit), batch_visit_cmp);

    /* every lead an event belongs to, by when it was read */
    for (i = 0; i < n && rc == LEAD_OK; i++) {
        rc = event_lead(s, visits[i].visitor, visits[i].time_ms, lead_id);
        if (rc == LEAD_ENOTFOUND) {
            rc = LEAD_OK;               /* anonymous: nothing to promote */
            continue;
        }
        if (rc != LEAD_OK
            || (have_last && memcmp(last, lead_id, LEAD_ID_LEN) == 0))
        {
            continue;
        }
        memcpy(last, lead_id, LEAD_ID_LEN);
        have_last = 1;
        rc = lead_store_promote_lead(s, r, lead_id, now_ms, score, fn, arg);
    }

    free(visits);
    free(score);
    return rc;
}
