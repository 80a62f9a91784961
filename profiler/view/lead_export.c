/*
 * The store as lines (lead_line.h): every lead's identity and devices,
 * its status changes, then the reads, then sales' notes on content, from
 * one snapshot, so that
 * `leadctl ingest` rebuilds the store elsewhere.
 */

#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_view.h"

typedef struct {
    lead_store     *s;
    MDB_txn        *txn;
    uint64_t        since_ms, until_ms;
    lead_line_fn    fn;
    void           *arg;
    int             rc;         /* a store error met inside a callback */

    /* the transition held back until the next tells whether it is the
       lead's last: the last won or lost takes the lead's outcome */
    int             held;
    uint8_t         lead[LEAD_ID_LEN];
    lead_transition t;
    unsigned        nth;        /* of the lead's changes at t's time */
    uint64_t        last_ms;

    char            id[LEAD_ID_HEX_LEN + 2];
    lead_asset_list assets;     /* notes: their assets' paths */

    /* SHA-256 fetched once: SHA256() looks it up again each call, six
       times the digest's own work (1.5M derived ids at scale) */
    EVP_MD         *sha256;
    EVP_MD_CTX     *md;
} export_ctx;

static int
in_window(const export_ctx *x, uint64_t ms)
{
    return ms >= x->since_ms && (x->until_ms == 0 || ms < x->until_ms);
}

/* A derived id: the hex of the first 16 bytes of SHA-256 of what the line
   is about, and the kind's letter. */
static void
derived_id(export_ctx *x, const uint8_t *what, size_t len, char kind,
    lead_line *l)
{
    uint8_t   md[EVP_MAX_MD_SIZE];
    unsigned  n;

    if (x->md == NULL || !EVP_DigestInit_ex2(x->md, x->sha256, NULL)
        || !EVP_DigestUpdate(x->md, what, len)
        || !EVP_DigestFinal_ex(x->md, md, &n))
    {
        SHA256(what, len, md);
    }
    lead_id_to_hex(md, x->id);
    x->id[LEAD_ID_HEX_LEN] = '-';
    x->id[LEAD_ID_HEX_LEN + 1] = kind;
    l->id.data = x->id;
    l->id.len = sizeof(x->id);
}

/* A lead's identify lines: what each says of the lead, its state now,
   made once (the owner is a look-up) for its creation and its devices. */
typedef struct {
    export_ctx         *x;
    const lead_person  *p;
    lead_line           l;
    int                 made;
} person_ctx;

/* d->l at ms, made at the lead's first line in the window; 1: failed. */
static int
person_line(person_ctx *d, uint64_t ms)
{
    const lead_person  *p = d->p;
    lead_line          *l = &d->l;
    int                 rc;

    if (!d->made) {
        memset(l, 0, sizeof(*l));
        l->kind = LEAD_LINE_IDENTIFY;
        memcpy(l->lead, p->id, LEAD_ID_LEN);
        l->email = p->email;
        l->name = p->name;
        l->topics = p->topics;
        l->subscribe = p->subscribed != 0;
        l->contact = p->contact != 0;
        l->sales = p->sales != 0;
        rc = lead_store_owner_txn(d->x->s, d->x->txn, p->id, &l->owner);
        if (rc != LEAD_OK) {
            d->x->rc = rc;
            return 1;
        }
        d->made = 1;
    }
    l->ev.time_ms = ms;
    return 0;
}

static int
device_line(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since_ms)
{
    person_ctx  *d = arg;
    export_ctx  *x = d->x;
    uint8_t      what[2 * LEAD_ID_LEN];

    if (!in_window(x, since_ms)) {
        return 0;
    }
    if (person_line(d, since_ms) != 0) {
        return 1;
    }
    memcpy(d->l.ev.visitor, visitor, LEAD_ID_LEN);
    memcpy(what, d->p->id, LEAD_ID_LEN);
    memcpy(what + LEAD_ID_LEN, visitor, LEAD_ID_LEN);
    derived_id(x, what, sizeof(what), 'i', &d->l);
    return x->fn(x->arg, &d->l);
}

/* A lead: its identity at its creation, then each device at its link. */
static int
person_lines(void *arg, const lead_person *p)
{
    export_ctx  *x = arg;
    person_ctx   d;
    int          rc;

    d.x = x;
    d.p = p;
    d.made = 0;

    if (in_window(x, p->created_ms)) {
        if (person_line(&d, p->created_ms) != 0) {
            return 1;
        }
        derived_id(x, p->id, LEAD_ID_LEN, 'i', &d.l);
        if (x->fn(x->arg, &d.l) != 0) {
            return 1;
        }
    }

    rc = lead_store_each_device_txn(x->s, x->txn, p->id, device_line, &d);
    if (rc != LEAD_OK && rc != LEAD_ECALLBACK) {
        x->rc = rc;
    }
    return rc != LEAD_OK;
}

/* The held change as a status line; last: the lead's last change. */
static int
flush_status(export_ctx *x, int last)
{
    const lead_transition  *t = &x->t;
    lead_line               l;
    lead_str                email;
    MDB_val                 person;
    lead_person             p;
    uint8_t                 what[LEAD_ID_LEN + 8 + 4 + 1];
    int                     rc;

    x->held = 0;

    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_STATUS;
    l.ev.time_ms = t->time_ms;
    memcpy(l.lead, x->lead, LEAD_ID_LEN);
    l.status = t->to;
    l.cause = t->cause;
    l.who = t->who;
    l.reason = t->reason;

    /* by e-mail too, as a CRM names its leads */
    email.data = NULL;
    email.len = 0;
    {
        MDB_val  key;

        key.mv_data = x->lead;
        key.mv_size = LEAD_ID_LEN;
        rc = mdb_get(x->txn, x->s->leads, &key, &person);
        if (rc == 0 && lead_decode_person(x->lead, &person, &p) == LEAD_OK) {
            email = p.email;
        }
    }
    l.email = email;

    if (last) {
        rc = lead_store_owner_txn(x->s, x->txn, x->lead, &l.owner);
        if (rc == LEAD_OK
            && (t->to == LEAD_STATUS_WON || t->to == LEAD_STATUS_LOST))
        {
            rc = lead_store_outcome_txn(x->s, x->txn, x->lead, &l.deal);
            rc = rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
        }
        if (rc != LEAD_OK) {
            x->rc = rc;
            return 1;
        }
    }

    memcpy(what, x->lead, LEAD_ID_LEN);
    lead_put_be64(what + LEAD_ID_LEN, t->time_ms);
    what[LEAD_ID_LEN + 8] = (uint8_t) (x->nth >> 24);
    what[LEAD_ID_LEN + 9] = (uint8_t) (x->nth >> 16);
    what[LEAD_ID_LEN + 10] = (uint8_t) (x->nth >> 8);
    what[LEAD_ID_LEN + 11] = (uint8_t) x->nth;
    what[LEAD_ID_LEN + 12] = (uint8_t) t->to;
    derived_id(x, what, sizeof(what), 's', &l);

    if (!in_window(x, t->time_ms)) {
        return 0;
    }
    return x->fn(x->arg, &l);
}

static int
status_line(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    export_ctx  *x = arg;
    int          same;

    /* becoming a lead is the identify line's; sales' too (sales flag) */
    if (t->from == LEAD_STATUS_ANONYMOUS) {
        return 0;
    }

    same = x->held && memcmp(x->lead, lead_id, LEAD_ID_LEN) == 0;
    if (x->held && flush_status(x, !same) != 0) {
        return 1;
    }

    x->nth = same && t->time_ms == x->last_ms ? x->nth + 1 : 0;
    x->last_ms = t->time_ms;
    memcpy(x->lead, lead_id, LEAD_ID_LEN);
    x->t = *t;
    x->held = 1;
    return 0;
}

/* The reads of [since, until), in the log's order. */
static int
read_lines(export_ctx *x)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    lead_line    l;
    uint8_t      from[16];
    int          rc, op;

    rc = mdb_cursor_open(x->txn, x->s->events, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(x->s, rc, "mdb_cursor_open");
    }

    memset(from, 0, sizeof(from));
    lead_put_be64(from, x->since_ms);
    key.mv_data = from;
    key.mv_size = sizeof(from);

    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != 16) {
            continue;
        }
        memset(&l, 0, sizeof(l));
        if (lead_event_decode(val.mv_data, val.mv_size, &l.ev) != LEAD_OK) {
            continue;   /* not an event this version reads */
        }
        if (x->until_ms && l.ev.time_ms >= x->until_ms) {
            break;
        }
        l.kind = lead_event_is_feedback(&l.ev) ? LEAD_LINE_RATE
                                               : LEAD_LINE_READ;
        {
            static const uint8_t  none[LEAD_ID_LEN];

            /* the request's id, or the log's key: the same both times */
            lead_id_to_hex(memcmp(l.ev.id, none, LEAD_ID_LEN) != 0
                           ? l.ev.id : (const uint8_t *) key.mv_data, x->id);
        }
        x->id[LEAD_ID_HEX_LEN] = '-';
        x->id[LEAD_ID_HEX_LEN + 1] = l.kind == LEAD_LINE_RATE ? 'v' : 'r';
        l.id.data = x->id;
        l.id.len = sizeof(x->id);
        if (x->fn(x->arg, &l) != 0) {
            rc = LEAD_ECALLBACK;
            break;
        }
    }

    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND || rc == 0 ? LEAD_OK
           : rc == LEAD_ECALLBACK ? rc
           : lead_store_mdb_fail(x->s, rc, "reading events");
}

/* A note of [since, until) as a "note" line, its id its hash's. */
static int
note_line(void *arg, const lead_note *n)
{
    export_ctx  *x = arg;
    lead_line    l;
    char         id[LEAD_ID_HEX_LEN + 3];
    size_t       i;

    if (!in_window(x, n->time_ms)) {
        return 0;
    }
    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_NOTE;
    lead_note_line_id(n, id);
    l.id.data = id;
    l.id.len = LEAD_ID_HEX_LEN + 2;
    l.ev.time_ms = n->time_ms;
    l.ev.asset_id = n->asset_id;
    for (i = 0; i < x->assets.n; i++) {
        if (x->assets.rows[i].a.id == n->asset_id) {
            l.ev.path.data = x->assets.rows[i].a.path;
            l.ev.path.len = strlen(l.ev.path.data);
        }
    }
    l.who = n->who;
    if (n->has_lead) {
        memcpy(l.lead, n->lead, LEAD_ID_LEN);
    }
    l.ev.comment = n->text;
    return x->fn(x->arg, &l) != 0;
}

static int
note_lines(export_ctx *x)
{
    int  rc;

    rc = lead_query_assets(x->s, 0, &x->assets);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_store_each_note(x->s, 0, NULL, note_line, x);
    lead_asset_list_free(&x->assets);
    return rc;
}

int
lead_store_each_line(lead_store *s, uint64_t since_ms, uint64_t until_ms,
    lead_line_fn fn, void *arg)
{
    export_ctx  x;
    int         rc;

    if (s->empty || s->partial) {
        return LEAD_OK;
    }

    memset(&x, 0, sizeof(x));
    x.s = s;
    x.since_ms = since_ms;
    x.until_ms = until_ms;
    x.fn = fn;
    x.arg = arg;
    x.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    x.md = x.sha256 ? EVP_MD_CTX_new() : NULL;

    rc = lead_store_snapshot(s);
    if (rc != LEAD_OK) {
        EVP_MD_CTX_free(x.md);
        EVP_MD_free(x.sha256);
        return rc;
    }
    rc = lead_store_read_begin(s, &x.txn);
    if (rc != LEAD_OK) {
        lead_store_snapshot_end(s);
        EVP_MD_CTX_free(x.md);
        EVP_MD_free(x.sha256);
        return rc;
    }

    rc = lead_store_each_lead(s, person_lines, &x);
    if (rc == LEAD_OK) {
        rc = lead_store_each_transition(s, NULL, status_line, &x);
        if (rc == LEAD_OK && x.held && flush_status(&x, 1) != 0) {
            rc = LEAD_ECALLBACK;
        }
    }
    if (rc == LEAD_ECALLBACK && x.rc != LEAD_OK) {
        rc = x.rc;
    }
    if (rc == LEAD_OK) {
        rc = read_lines(&x);
    }
    if (rc == LEAD_OK) {
        rc = note_lines(&x);
    }

    lead_store_read_end(s, x.txn);
    lead_store_snapshot_end(s);
    EVP_MD_CTX_free(x.md);
    EVP_MD_free(x.sha256);
    return rc;
}
