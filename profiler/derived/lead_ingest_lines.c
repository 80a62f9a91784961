/*
 * Ingest's lines other than reads, each applied inside the batch's
 * transaction as its kind says (see lead_ingest.c and docs/design.md):
 * identify, status, forget and signal.  Each decides to refuse before
 * it writes anything.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lead.h"
#include "lead_line.h"
#include "lead_feedback.h"
#include "lead_support.h"
#include "lead_parse.h"
#include "lead_store.h"
#include "lead_derived.h"

static const char *
kind_name(int kind)
{
    const char  *name = lead_line_kind_name(kind);

    return name ? name : "line";
}

static int
zero_id(const uint8_t *id)
{
    static const uint8_t  zero[LEAD_ID_LEN];

    return memcmp(id, zero, LEAD_ID_LEN) == 0;
}

int
lead_ingest_event_id(lead_str id, char kind, uint8_t out[LEAD_ID_LEN])
{
    size_t  i;
    int     hi, lo;

    if (id.len != LEAD_ID_HEX_LEN + 2 || id.data[LEAD_ID_HEX_LEN] != '-'
        || id.data[LEAD_ID_HEX_LEN + 1] != kind)
    {
        return 0;
    }
    for (i = 0; i < LEAD_ID_LEN; i++) {
        hi = lead_hex_digit((unsigned char) id.data[2 * i]);
        lo = lead_hex_digit((unsigned char) id.data[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return 0;
        }
        out[i] = (uint8_t) (hi << 4 | lo);
    }
    return 1;
}

static int
touch(lead_ingest_apply *in, const uint8_t *lead_id)
{
    memcpy(in->lead, lead_id, LEAD_ID_LEN);
    in->touched = 1;
    return LEAD_OK;
}

/* A refusal: LEAD_EINVAL, and why. */
static int
refuse(lead_ingest_apply *in, const char *fmt, const char *arg)
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
find_lead(lead_ingest_apply *in, MDB_txn *txn, const lead_line *l,
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
refold(lead_ingest_apply *in, MDB_txn *txn, const uint8_t *visitor)
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
apply_identify(lead_ingest_apply *in, MDB_txn *txn, const lead_line *l)
{
    lead_store   *s = in->s;
    lead_form     form;
    lead_person   old;
    MDB_val       key, val;
    uint8_t       id[LEAD_ID_LEN];
    uint64_t      t = l->ev.time_ms, at = t;
    const char   *topic, *end;
    char          who[LEAD_WHO_MAX + 1];
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
    if (l->owner.len && !lead_owner_valid(l->owner.data, l->owner.len)) {
        return refuse(in, "%s", "an owner is a line of text");
    }
    for (topic = l->topics.data, end = topic + l->topics.len; topic < end;
         topic += tlen + 1)
    {
        tlen = (size_t) ((const char *) memchr(topic, ' ', end - topic)
                         ? (const char *) memchr(topic, ' ', end - topic)
                           - topic : end - topic);
        if (tlen > LEAD_NAME_MAX) {
            return refuse(in, "%s", "a topic too long");
        }
    }
    in->writing = 1;

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
        rc = lead_store_put_lead_txn(s, txn, id, &form, topic, tlen, at, &c);
        created |= c;
        topic += tlen;
    } while (rc == LEAD_OK && topic < end);

    if (rc == LEAD_OK && created && !l->sales) {
        rc = lead_store_transition(s, txn, id, LEAD_STATUS_IDENTIFIED, t,
                                   "filled the form", "", "");

    } else if (rc == LEAD_OK && created) {
        /* a lead sales added enters at sal, as lead_store_add_lead has it:
           the identify line carries its first change (lead_export.c) */
        cstr(who, sizeof(who), l->owner);
        rc = lead_store_transition(s, txn, id, LEAD_STATUS_SAL, t,
                                   LEAD_CAUSE_ADDED, who, "");
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
apply_status(lead_ingest_apply *in, MDB_txn *txn, const lead_line *l)
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
    if (l->owner.len && !lead_owner_valid(l->owner.data, l->owner.len)) {
        return refuse(in, "%s", "an owner is a line of text");
    }
    rc = find_lead(in, txn, l, id);
    if (rc == LEAD_OK) {
        rc = lead_store_get_status_txn(s, txn, id, &from, &since);
        from = rc == LEAD_ENOTFOUND ? LEAD_STATUS_ANONYMOUS : from;
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
        /* it refuses (a reason missing) before it writes */
        rc = lead_store_transition(s, txn, id, to, l->ev.time_ms, cause, who,
                                   reason);
        in->writing = rc == LEAD_OK;
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
apply_forget(lead_ingest_apply *in, MDB_txn *txn, const lead_line *l)
{
    lead_erased  erased;
    uint8_t      id[LEAD_ID_LEN];
    int          rc;

    memset(&erased, 0, sizeof(erased));
    rc = find_lead(in, txn, l, id);
    if (rc == LEAD_OK) {
        in->writing = 1;
        rc = lead_store_forget_txn(in->s, txn, id, &erased);
    }
    return rc == LEAD_ENOTFOUND ? LEAD_OK : rc;
}

typedef struct {
    uint8_t   visitor[LEAD_ID_LEN];
    uint64_t  since;
    int       found;
} first_device;

static int
pick_first(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since_ms)
{
    first_device  *f = arg;

    if (!f->found || since_ms < f->since
        || (since_ms == f->since && memcmp(visitor, f->visitor, LEAD_ID_LEN)
                                    < 0))
    {
        memcpy(f->visitor, visitor, LEAD_ID_LEN);
        f->since = since_ms;
        f->found = 1;
    }
    return 0;
}

/*
 * Whose event a signal is: the line's visitor when it is one of the
 * lead's devices, else the lead's first device, else (a lead with no
 * browser: added by sales, identified by e-mail alone) a device of its
 * own, "signal:" and the lead id hashed, linked from the signal on.
 */
static int
signal_visitor(lead_ingest_apply *in, MDB_txn *txn, const lead_line *l,
    const uint8_t *lead_id, uint8_t visitor[LEAD_ID_LEN])
{
    first_device   f;
    MDB_val        key, val;
    uint8_t        k[2 * LEAD_ID_LEN];
    unsigned char  digest[EVP_MAX_MD_SIZE], msg[7 + LEAD_ID_LEN];
    unsigned int   dlen;
    int            rc;

    if (!zero_id(l->ev.visitor)) {
        memcpy(k, lead_id, LEAD_ID_LEN);
        memcpy(k + LEAD_ID_LEN, l->ev.visitor, LEAD_ID_LEN);
        key.mv_data = k;
        key.mv_size = sizeof(k);
        rc = mdb_get(txn, in->s->devices, &key, &val);
        if (rc == 0) {
            memcpy(visitor, l->ev.visitor, LEAD_ID_LEN);
            return LEAD_OK;
        }
        if (rc != MDB_NOTFOUND) {
            return lead_store_mdb_fail(in->s, rc, "reading a device");
        }
    }

    memset(&f, 0, sizeof(f));
    rc = lead_store_each_device_txn(in->s, txn, lead_id, pick_first, &f);
    if (rc != LEAD_OK || f.found) {
        memcpy(visitor, f.visitor, LEAD_ID_LEN);
        return rc;
    }

    memcpy(msg, "signal:", 7);
    memcpy(msg + 7, lead_id, LEAD_ID_LEN);
    if (!EVP_Digest(msg, sizeof(msg), digest, &dlen, EVP_sha256(), NULL)) {
        return lead_store_fail(in->s, LEAD_ENOMEM, "SHA-256 failed");
    }
    memcpy(visitor, digest, LEAD_ID_LEN);
    return lead_store_link_txn(in->s, txn, visitor, lead_id, l->ev.time_ms);
}

/*
 * A signal: an event of the lead's, scored as a read of the signal's
 * points and topic (its asset "signal:NAME", in the catalogue).  An
 * unknown signal, or a lead not (yet) known, is refused.
 */
static int
apply_signal(lead_ingest_apply *in, MDB_txn *txn, const lead_line *l)
{
    const lead_signal_rule  *sig;
    lead_asset               a;
    lead_event               ev;
    uint8_t                  id[LEAD_ID_LEN], *p;
    char                     name[LEAD_NAME_MAX + 1];
    size_t                   pos = 0, stored = 0, skipped = 0;
    int                      rc, n;

    sig = in->r ? lead_rules_signal(in->r, l->signal.data, l->signal.len)
                : NULL;
    if (sig == NULL) {
        cstr(name, sizeof(name), l->signal);
        return refuse(in, "unknown signal \"%s\" (no such signal in "
                      "scoring.conf)", name);
    }
    rc = find_lead(in, txn, l, id);
    if (rc != LEAD_OK) {
        return rc;
    }

    memset(&ev, 0, sizeof(ev));
    ev.time_ms = l->ev.time_ms;
    in->writing = 1;
    rc = signal_visitor(in, txn, l, id, ev.visitor);
    if (rc != LEAD_OK) {
        return rc;
    }
    lead_ingest_event_id(l->id, 'g', ev.id);
    ev.status = 200;
    ev.ua_class = LEAD_UA_BROWSER;
    ev.path.data = sig->path;
    ev.path.len = strlen(sig->path);
    ev.asset_id = sig->asset_id;
    ev.points = sig->points;
    ev.topic.data = sig->topic;
    ev.topic.len = strlen(sig->topic);

    lead_batch_clear(in->batch);
    p = lead_batch_reserve(in->batch, LEAD_EVENT_MAX_SIZE, &rc);
    if (p == NULL) {
        return lead_store_fail(in->s, rc, "out of memory");
    }
    n = lead_event_encode(&ev, p, LEAD_EVENT_MAX_SIZE);
    if (n < 0) {
        return lead_store_fail(in->s, LEAD_EINVAL, "a signal's event");
    }
    lead_batch_took(in->batch, (size_t) n);
    rc = lead_store_append_txn(in->s, txn, in->batch, &pos, SIZE_MAX, 0,
                               in->visit, &stored, &skipped);

    memset(&a, 0, sizeof(a));
    a.id = sig->asset_id;
    a.path = sig->path;
    a.title = sig->name;
    a.stage = "";
    a.points = sig->points;
    a.topic = sig->topic;
    a.group = "";
    if (rc == LEAD_OK) {
        rc = lead_store_put_asset_txn(in->s, txn, &a);
    }
    return rc == LEAD_OK ? touch(in, id) : rc;
}

/* Sales' note on an asset, its text kept as the sales view keeps it. */
static int
apply_note(lead_ingest_apply *in, MDB_txn *txn, const lead_line *l)
{
    char  text[LEAD_NOTE_BYTES + 1];
    int   n;

    n = lead_note_text(l->ev.comment.data, l->ev.comment.len, text,
                       sizeof(text));
    if (n <= 0) {
        return refuse(in, "%s", "a note's text is empty or not plain text "
                      "of at most 1,000 characters");
    }
    if (l->who.len > LEAD_NOTE_WHO_MAX) {
        return refuse(in, "%s", "a note's \"who\" is over 128 bytes");
    }
    in->writing = 1;
    return lead_notes_put_txn(in->s, txn, l->ev.asset_id, l->ev.time_ms,
                              l->who.data, l->who.len, l->lead, text,
                              (size_t) n);
}

int
lead_ingest_line_txn(lead_ingest_apply *in, MDB_txn *txn,
    const lead_line *l)
{
    in->why[0] = '\0';
    in->writing = 0;
    in->touched = 0;

    switch (l->kind) {
    case LEAD_LINE_IDENTIFY:
        return apply_identify(in, txn, l);
    case LEAD_LINE_STATUS:
        return apply_status(in, txn, l);
    case LEAD_LINE_FORGET:
        return apply_forget(in, txn, l);
    case LEAD_LINE_SIGNAL:
        return apply_signal(in, txn, l);
    case LEAD_LINE_NOTE:
        return apply_note(in, txn, l);
    default:
        return refuse(in, "%s", "not a kind of line");
    }
}

