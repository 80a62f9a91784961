/*
 * Identification and claims: a form links its visitor to the lead of its
 * e-mail, unless that lead exists and the visitor is not one of its
 * devices; then it is a claim, which changes nothing of the lead until
 * the person confirms it from the link a confirm notice sends them.
 *
 * "claims"  'd' visitor -> day, claims and notices that day, then up to
 *                          PENDING_MAX pending (lead id, since ms)
 *           'c' lead id + visitor -> since ms (the lead's pending claims)
 *           'n' lead id -> day, confirm notices that day
 *
 * A claiming device's reading stays its own (it has no link to the lead)
 * until the claim is confirmed; the link then makes it the lead's.
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_parse.h"
#include "lead_store.h"
#include "lead_derived.h"

#define DAY_MS        (24ULL * 60 * 60 * 1000)
#define PENDING_MAX   16
#define HEAD_SIZE     24                 /* day, claims, notices */

typedef struct {
    uint64_t  day, claims, notices;
    size_t    n;
    uint8_t   e[PENDING_MAX * LINK_SIZE];   /* lead id, since */
} claimer;

static void
make_key(uint8_t *key, char kind, const uint8_t *a, const uint8_t *b)
{
    key[0] = (uint8_t) kind;
    memcpy(key + 1, a, LEAD_ID_LEN);
    if (b) {
        memcpy(key + 1 + LEAD_ID_LEN, b, LEAD_ID_LEN);
    }
}

static int
get(lead_store *s, MDB_txn *txn, const uint8_t *k, size_t len, MDB_val *val)
{
    MDB_val  key;
    int      rc;

    key.mv_data = (void *) k;
    key.mv_size = len;
    rc = mdb_get(txn, s->claims, &key, val);
    return rc == 0 ? LEAD_OK : rc == MDB_NOTFOUND ? LEAD_ENOTFOUND
                             : lead_store_mdb_fail(s, rc, "reading claims");
}

static int
put(lead_store *s, MDB_txn *txn, const uint8_t *k, size_t len,
    const void *v, size_t vlen)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) k;
    key.mv_size = len;
    val.mv_data = (void *) v;
    val.mv_size = vlen;
    rc = mdb_put(txn, s->claims, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing a claim");
}

static int
del(lead_store *s, MDB_txn *txn, const uint8_t *k, size_t len)
{
    MDB_val  key;
    int      rc;

    key.mv_data = (void *) k;
    key.mv_size = len;
    rc = mdb_del(txn, s->claims, &key, NULL);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing a claim");
}

/* A device's record; a missing or malformed one reads as empty. */
static int
read_claimer(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    claimer *d)
{
    uint8_t  key[1 + LEAD_ID_LEN];
    MDB_val  val;
    int      rc;

    memset(d, 0, sizeof(claimer));
    make_key(key, 'd', visitor, NULL);
    rc = get(s, txn, key, sizeof(key), &val);
    if (rc != LEAD_OK) {
        return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
    }
    if (val.mv_size < HEAD_SIZE || (val.mv_size - HEAD_SIZE) % LINK_SIZE
        || val.mv_size - HEAD_SIZE > sizeof(d->e))
    {
        return LEAD_OK;
    }
    d->day = lead_get_u64(val.mv_data);
    d->claims = lead_get_u64((uint8_t *) val.mv_data + 8);
    d->notices = lead_get_u64((uint8_t *) val.mv_data + 16);
    d->n = (val.mv_size - HEAD_SIZE) / LINK_SIZE;
    memcpy(d->e, (uint8_t *) val.mv_data + HEAD_SIZE, d->n * LINK_SIZE);
    return LEAD_OK;
}

static int
write_claimer(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    const claimer *d)
{
    uint8_t  key[1 + LEAD_ID_LEN], v[HEAD_SIZE + sizeof(d->e)];

    make_key(key, 'd', visitor, NULL);
    lead_put_u64(v, d->day);
    lead_put_u64(v + 8, d->claims);
    lead_put_u64(v + 16, d->notices);
    memcpy(v + HEAD_SIZE, d->e, d->n * LINK_SIZE);
    return put(s, txn, key, sizeof(key), v, HEAD_SIZE + d->n * LINK_SIZE);
}

static int
pending(uint64_t since_ms, uint64_t now_ms)
{
    return since_ms + LEAD_CLAIM_TTL_MS > now_ms;
}

/* Drops entry i of the device's record, and the lead's note of it. */
static int
drop_entry(lead_store *s, MDB_txn *txn, const uint8_t *visitor, claimer *d,
    size_t i)
{
    uint8_t  key[1 + 2 * LEAD_ID_LEN];

    make_key(key, 'c', d->e + i * LINK_SIZE, visitor);
    memmove(d->e + i * LINK_SIZE, d->e + (i + 1) * LINK_SIZE,
            (d->n - i - 1) * LINK_SIZE);
    d->n--;
    return del(s, txn, key, sizeof(key));
}

static int
find_entry(const claimer *d, const uint8_t *lead_id)
{
    size_t  i;

    for (i = 0; i < d->n; i++) {
        if (memcmp(d->e + i * LINK_SIZE, lead_id, LEAD_ID_LEN) == 0) {
            return (int) i;
        }
    }
    return -1;
}

/* 1 when the visitor is one of the lead's devices, 0 if not. */
static int
is_device(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    const uint8_t *visitor, int *mine)
{
    uint8_t  k[2 * LEAD_ID_LEN];
    MDB_val  key, val;
    int      rc;

    memcpy(k, lead_id, LEAD_ID_LEN);
    memcpy(k + LEAD_ID_LEN, visitor, LEAD_ID_LEN);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    rc = mdb_get(txn, s->devices, &key, &val);
    *mine = rc == 0;
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading a device");
}

/*
 * The claim of lead_id by visitor, held apart: counted against the
 * device's day, and a confirm notice allowed while the device's and the
 * lead's notices for the day last.
 */
static int
claim(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    const uint8_t *lead_id, uint64_t now_ms, int *outcome)
{
    claimer   d;
    uint8_t   key[1 + 2 * LEAD_ID_LEN], v[16];
    uint64_t  day = now_ms / DAY_MS, count = 0;
    MDB_val   val;
    size_t    i;
    int       rc, at;

    if (!s->claiming) {
        return lead_store_fail(s, LEAD_ESTORE, "the store keeps no claims");
    }

    rc = read_claimer(s, txn, visitor, &d);
    if (rc != LEAD_OK) {
        return rc;
    }
    if (d.day != day) {
        d.day = day;
        d.claims = 0;
        d.notices = 0;
    }
    for (i = d.n; rc == LEAD_OK && i > 0; i--) {
        if (!pending(lead_get_u64(d.e + (i - 1) * LINK_SIZE + LEAD_ID_LEN),
                     now_ms))
        {
            rc = drop_entry(s, txn, visitor, &d, i - 1);
        }
    }

    at = find_entry(&d, lead_id);
    if (rc == LEAD_OK && at < 0) {
        if (d.claims >= LEAD_CLAIMS_PER_DAY) {
            *outcome = LEAD_IDENT_REFUSED;
            return LEAD_OK;
        }
        d.claims++;
        if (d.n == PENDING_MAX) {
            rc = drop_entry(s, txn, visitor, &d, 0);
        }
        at = (int) d.n++;
        memcpy(d.e + at * LINK_SIZE, lead_id, LEAD_ID_LEN);
    }
    if (rc != LEAD_OK) {
        return rc;
    }

    /* claimed again: pending from now, a new link may go out */
    lead_put_u64(d.e + at * LINK_SIZE + LEAD_ID_LEN, now_ms);
    make_key(key, 'c', lead_id, visitor);
    lead_put_u64(v, now_ms);
    rc = put(s, txn, key, sizeof(key), v, 8);

    *outcome = LEAD_IDENT_CLAIMED;
    if (rc == LEAD_OK && d.notices < LEAD_CLAIM_NOTICES_PER_DAY) {
        make_key(key, 'n', lead_id, NULL);
        rc = get(s, txn, key, 1 + LEAD_ID_LEN, &val);
        if (rc == LEAD_OK && val.mv_size == 16
            && lead_get_u64(val.mv_data) == day)
        {
            count = lead_get_u64((uint8_t *) val.mv_data + 8);
        }
        rc = rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
        if (rc == LEAD_OK && count < LEAD_CLAIM_NOTICES_PER_DAY) {
            lead_put_u64(v, day);
            lead_put_u64(v + 8, count + 1);
            rc = put(s, txn, key, 1 + LEAD_ID_LEN, v, 16);
            d.notices++;
            *outcome = LEAD_IDENT_NOTIFY;
        }
        if (rc == LEAD_OK && *outcome == LEAD_IDENT_NOTIFY) {
            rc = lead_store_notice_add_txn(s, txn, LEAD_NOTICE_CONFIRM,
                                           lead_id, visitor, now_ms, "");
        }
    }

    return rc == LEAD_OK ? write_claimer(s, txn, visitor, &d) : rc;
}

static int
mark_refold(lead_store *s, MDB_txn *txn, const uint8_t *visitor)
{
    MDB_val  key, val;
    int      rc;

    if (!s->folding) {
        return LEAD_OK;
    }

    /* what it read before is its lead's now: the fold scores again */
    val.mv_data = NULL;
    val.mv_size = 0;
    key.mv_data = (void *) visitor;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_put(txn, s->refold, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "marking a refold");
}

int
lead_store_identify(lead_store *s, const uint8_t visitor[LEAD_ID_LEN],
    const lead_form *form, const char *topic, size_t topic_len,
    uint64_t now_ms, uint8_t lead_id[LEAD_ID_LEN], int *outcome)
{
    MDB_txn  *txn;
    MDB_val   key, val;
    int       rc, mine = 1, created = 0;

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    key.mv_data = (void *) form->email;
    key.mv_size = form->email_len;

    rc = mdb_get(txn, s->emails, &key, &val);
    if (rc == 0 && val.mv_size == LEAD_ID_LEN) {
        memcpy(lead_id, val.mv_data, LEAD_ID_LEN);
        rc = is_device(s, txn, lead_id, visitor, &mine);

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

    if (rc == LEAD_OK && !mine) {
        /* a known e-mail from another device: a claim, nothing more */
        rc = claim(s, txn, visitor, lead_id, now_ms, outcome);

    } else if (rc == LEAD_OK) {
        rc = lead_store_put_lead_txn(s, txn, lead_id, form, topic, topic_len,
                                     now_ms, &created);
        if (rc == LEAD_OK) {
            rc = lead_store_link_txn(s, txn, visitor, lead_id, now_ms);
        }
        if (rc == LEAD_OK && created) {
            rc = lead_store_transition(s, txn, lead_id,
                                       LEAD_STATUS_IDENTIFIED, now_ms,
                                       "filled the form", "", "");
        }
        if (rc == LEAD_OK) {
            rc = mark_refold(s, txn, visitor);
        }
        *outcome = created ? LEAD_IDENT_CREATED : LEAD_IDENT_UPDATED;
    }

    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }

    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

int
lead_store_visitor_claims(lead_store *s, const uint8_t visitor[LEAD_ID_LEN],
    uint64_t now_ms)
{
    MDB_txn  *txn;
    claimer   d;
    size_t    i;
    int       rc;

    if (s->empty || s->partial || !s->claiming) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = read_claimer(s, txn, visitor, &d);
    lead_store_read_end(s, txn);

    for (i = 0; rc == LEAD_OK && i < d.n; i++) {
        if (pending(lead_get_u64(d.e + i * LINK_SIZE + LEAD_ID_LEN), now_ms)) {
            return LEAD_OK;
        }
    }
    return rc == LEAD_OK ? LEAD_ENOTFOUND : rc;
}

/* The claim made a link: from its time, or after the device's last one. */
static int
confirm_txn(lead_store *s, MDB_txn *txn, const uint8_t *visitor,
    const uint8_t *lead_id, uint64_t since, uint64_t now_ms)
{
    claimer   d;
    uint8_t   key[1 + 2 * LEAD_ID_LEN];
    MDB_val   k, val;
    uint64_t  last;
    int       rc, at;

    k.mv_data = (void *) visitor;
    k.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->links, &k, &val);
    if (rc == 0 && val.mv_size >= LINK_SIZE && val.mv_size % LINK_SIZE == 0) {
        last = lead_get_u64((uint8_t *) val.mv_data + val.mv_size
                            - LINK_SIZE + LEAD_ID_LEN);
        since = last > since ? (last < now_ms ? now_ms : last) : since;
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "reading a visitor's links");
    }

    rc = lead_store_link_txn(s, txn, visitor, lead_id, since);
    if (rc == LEAD_OK) {
        rc = read_claimer(s, txn, visitor, &d);
    }
    if (rc == LEAD_OK && (at = find_entry(&d, lead_id)) >= 0) {
        rc = drop_entry(s, txn, visitor, &d, (size_t) at);
        rc = rc == LEAD_OK ? write_claimer(s, txn, visitor, &d) : rc;
    }
    if (rc == LEAD_OK) {
        make_key(key, 'c', lead_id, visitor);
        rc = del(s, txn, key, sizeof(key));
    }
    return rc == LEAD_OK ? mark_refold(s, txn, visitor) : rc;
}

int
lead_store_confirm(lead_store *s, const lead_keys *k, const char *token,
    size_t len, uint64_t now_ms, int apply, uint8_t visitor[LEAD_ID_LEN],
    lead_person_fn fn, void *arg)
{
    MDB_txn     *txn;
    MDB_val      val;
    uint8_t      lead_id[LEAD_ID_LEN];
    uint8_t      key[1 + 2 * LEAD_ID_LEN];
    lead_person  p;
    int          rc, mine;

    if (lead_confirm_token_verify(k, token, len, now_ms, visitor, lead_id)
        != LEAD_OK)
    {
        return LEAD_EINVAL;
    }
    if (s->empty || s->partial || !s->claiming) {
        return LEAD_ENOTFOUND;
    }

    rc = apply ? lead_store_write_begin(s, &txn)
               : lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = is_device(s, txn, lead_id, visitor, &mine);
    if (rc == LEAD_OK && !mine) {
        /* a link twice is confirmed once: then the device is the lead's */
        make_key(key, 'c', lead_id, visitor);
        rc = get(s, txn, key, sizeof(key), &val);
        if (rc == LEAD_OK && (val.mv_size != 8
                              || !pending(lead_get_u64(val.mv_data), now_ms)))
        {
            rc = LEAD_ENOTFOUND;
        }
        if (rc == LEAD_OK && apply) {
            rc = confirm_txn(s, txn, visitor, lead_id,
                             lead_get_u64(val.mv_data), now_ms);
        }
    }

    if (rc == LEAD_OK) {
        val.mv_data = lead_id;
        val.mv_size = LEAD_ID_LEN;
        rc = mdb_get(txn, s->leads, &val, &val);
        rc = rc == 0 && lead_decode_person(lead_id, &val, &p) == LEAD_OK
             ? LEAD_OK : rc == 0 || rc == MDB_NOTFOUND ? LEAD_ENOTFOUND
             : lead_store_mdb_fail(s, rc, "reading a lead");
    }
    if (rc == LEAD_OK && fn) {
        fn(arg, &p);
    }

    if (!apply) {
        lead_store_read_end(s, txn);
        return rc;
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

int
lead_store_each_claim(lead_store *s, const uint8_t *lead_id, uint64_t now_ms,
    lead_device_fn fn, void *arg)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t      prefix[1 + LEAD_ID_LEN];
    int          rc, op;

    if (s->empty || s->partial || !s->claiming) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_cursor_open(txn, s->claims, &cur);
    if (rc != 0) {
        lead_store_read_end(s, txn);
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    make_key(prefix, 'c', lead_id, NULL);
    key.mv_data = prefix;
    key.mv_size = sizeof(prefix);
    for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
         op = MDB_NEXT)
    {
        if (key.mv_size != 1 + 2 * LEAD_ID_LEN
            || memcmp(key.mv_data, prefix, sizeof(prefix)) != 0)
        {
            rc = MDB_NOTFOUND;
            break;
        }
        if (val.mv_size == 8 && pending(lead_get_u64(val.mv_data), now_ms)
            && fn(arg, (uint8_t *) key.mv_data + sizeof(prefix),
                  lead_get_u64(val.mv_data)) != 0)
        {
            rc = LEAD_ECALLBACK;
            break;
        }
    }
    mdb_cursor_close(cur);
    lead_store_read_end(s, txn);

    return rc == MDB_NOTFOUND ? LEAD_OK : rc == LEAD_ECALLBACK ? rc
           : lead_store_mdb_fail(s, rc, "reading claims");
}

int
lead_claims_drop_visitor_txn(lead_store *s, MDB_txn *txn,
    const uint8_t *visitor)
{
    claimer  d;
    uint8_t  key[1 + LEAD_ID_LEN];
    int      rc;

    if (!s->claiming) {
        return LEAD_OK;
    }
    rc = read_claimer(s, txn, visitor, &d);
    while (rc == LEAD_OK && d.n) {
        rc = drop_entry(s, txn, visitor, &d, d.n - 1);
    }
    make_key(key, 'd', visitor, NULL);
    return rc == LEAD_OK ? del(s, txn, key, sizeof(key)) : rc;
}

int
lead_claims_forget_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    claimer      d;
    uint8_t      prefix[1 + LEAD_ID_LEN], visitor[LEAD_ID_LEN];
    int          rc, at;

    if (!s->claiming) {
        return LEAD_OK;
    }
    rc = mdb_cursor_open(txn, s->claims, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "mdb_cursor_open");
    }

    /* each pending claim of the lead goes, from its device's record too */
    make_key(prefix, 'c', lead_id, NULL);
    for (;;) {
        key.mv_data = prefix;
        key.mv_size = sizeof(prefix);
        rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
        if (rc != 0 || key.mv_size != 1 + 2 * LEAD_ID_LEN
            || memcmp(key.mv_data, prefix, sizeof(prefix)) != 0)
        {
            rc = rc == 0 ? MDB_NOTFOUND : rc;
            break;
        }
        memcpy(visitor, (uint8_t *) key.mv_data + sizeof(prefix),
               LEAD_ID_LEN);
        rc = mdb_cursor_del(cur, 0);
        if (rc != 0) {
            break;
        }
        rc = read_claimer(s, txn, visitor, &d);
        if (rc == LEAD_OK && (at = find_entry(&d, lead_id)) >= 0) {
            memmove(d.e + at * LINK_SIZE, d.e + (at + 1) * LINK_SIZE,
                    (d.n - at - 1) * LINK_SIZE);
            d.n--;
            rc = write_claimer(s, txn, visitor, &d);
        }
        if (rc != LEAD_OK) {
            mdb_cursor_close(cur);
            return rc;
        }
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        return lead_store_mdb_fail(s, rc, "erasing claims");
    }

    make_key(prefix, 'n', lead_id, NULL);
    return del(s, txn, prefix, sizeof(prefix));
}
