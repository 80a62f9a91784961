/*
 * Sales' notes on content: one row per note, by asset and time, written,
 * listed and erased with the lead whose page they were taken on.
 *
 * "notes"  asset id (u64 BE), time (ms, u64 BE), the first 8 bytes of
 *          the note's hash -> lead id (16, zeros: none), who's length
 *          (1 byte), who, the text
 *
 * The hash (SHA-256 of asset, time, lead, who and text) makes the same
 * note one row however often it is written (an ingest run twice), and
 * gives its line id.
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include <openssl/evp.h>

#include "lead.h"
#include "lead_feedback.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define NOTE_KEY_LEN   24
#define NOTE_HEAD_LEN  (LEAD_ID_LEN + 1)

static const uint8_t  no_lead[LEAD_ID_LEN];

int
lead_note_text(const char *in, size_t len, char *out, size_t size)
{
    lead_str  t;
    long      chars;

    /* the rules of a comment's text, so that both read alike */
    if (len >= size) {
        return -1;
    }
    memcpy(out, in, len);
    t.data = out;
    t.len = len;
    chars = lead_comment_text(&t);
    if (chars < 0 || chars > LEAD_NOTE_MAX) {
        return -1;
    }
    memmove(out, t.data, t.len);
    out[t.len] = '\0';
    return (int) t.len;
}

static int
note_hash(uint64_t asset_id, uint64_t time_ms, const uint8_t *lead,
    const char *who, size_t who_len, const char *text, size_t text_len,
    uint8_t digest[32])
{
    EVP_MD_CTX    *md;
    uint8_t        head[16 + LEAD_ID_LEN + 1];
    unsigned int   dlen;
    int            ok;

    lead_put_be64(head, asset_id);
    lead_put_be64(head + 8, time_ms);
    memcpy(head + 16, lead ? lead : no_lead, LEAD_ID_LEN);
    head[16 + LEAD_ID_LEN] = (uint8_t) who_len;

    md = EVP_MD_CTX_new();
    ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL)
         && EVP_DigestUpdate(md, head, sizeof(head))
         && EVP_DigestUpdate(md, who, who_len)
         && EVP_DigestUpdate(md, text, text_len)
         && EVP_DigestFinal_ex(md, digest, &dlen);
    EVP_MD_CTX_free(md);
    return ok ? LEAD_OK : LEAD_ENOMEM;
}

int
lead_notes_put_txn(lead_store *s, MDB_txn *txn, uint64_t asset_id,
    uint64_t time_ms, const char *who, size_t who_len, const uint8_t *lead,
    const char *text, size_t text_len)
{
    MDB_val   key, val;
    uint8_t   k[NOTE_KEY_LEN], digest[32];
    uint8_t   v[NOTE_HEAD_LEN + LEAD_NOTE_WHO_MAX + LEAD_NOTE_BYTES];
    char      clean[LEAD_NOTE_BYTES + 1];
    int       n, rc;

    n = lead_note_text(text, text_len, clean, sizeof(clean));
    if (asset_id == 0 || n <= 0 || (size_t) n != text_len
        || who_len > LEAD_NOTE_WHO_MAX || !lead_utf8_plain(who, who_len))
    {
        return lead_store_fail(s, LEAD_EINVAL, "a note is an asset's, by "
                               "a name of at most %d bytes, of 1 to %d "
                               "characters of text", LEAD_NOTE_WHO_MAX,
                               LEAD_NOTE_MAX);
    }
    if (s->read_only || !s->noting) {
        return lead_store_fail(s, LEAD_EINVAL, "the store predates notes: "
                               "open it for writing once");
    }
    if (lead != NULL && memcmp(lead, no_lead, LEAD_ID_LEN) == 0) {
        lead = NULL;
    }

    if (note_hash(asset_id, time_ms, lead, who, who_len, text, text_len,
                  digest) != LEAD_OK)
    {
        return lead_store_fail(s, LEAD_ENOMEM, "SHA-256 failed");
    }
    lead_put_be64(k, asset_id);
    lead_put_be64(k + 8, time_ms);
    memcpy(k + 16, digest, 8);

    memcpy(v, lead ? lead : no_lead, LEAD_ID_LEN);
    v[LEAD_ID_LEN] = (uint8_t) who_len;
    memcpy(v + NOTE_HEAD_LEN, who, who_len);
    memcpy(v + NOTE_HEAD_LEN + who_len, text, text_len);

    key.mv_data = k;
    key.mv_size = sizeof(k);
    val.mv_data = v;
    val.mv_size = NOTE_HEAD_LEN + who_len + text_len;
    rc = mdb_put(txn, s->notes, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing a note");
}

int
lead_store_note_add(lead_store *s, uint64_t asset_id, uint64_t time_ms,
    const char *who, size_t who_len, const uint8_t *lead, const char *text,
    size_t text_len)
{
    MDB_txn  *txn;
    int       rc;

    if (s->read_only || !s->noting) {
        return lead_store_fail(s, LEAD_EINVAL, "the store predates notes: "
                               "open it for writing once");
    }
    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_notes_put_txn(s, txn, asset_id, time_ms, who, who_len, lead,
                            text, text_len);
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

static int
decode_note(const MDB_val *key, const MDB_val *val, lead_note *n)
{
    const uint8_t  *v = val->mv_data;
    size_t          wlen;

    if (key->mv_size != NOTE_KEY_LEN || val->mv_size < NOTE_HEAD_LEN) {
        return LEAD_EINVAL;
    }
    wlen = v[LEAD_ID_LEN];
    if (val->mv_size < NOTE_HEAD_LEN + wlen) {
        return LEAD_EINVAL;
    }
    memset(n, 0, sizeof(*n));
    memcpy(n->key, key->mv_data, NOTE_KEY_LEN);
    n->asset_id = lead_get_be64(key->mv_data);
    n->time_ms = lead_get_be64((const uint8_t *) key->mv_data + 8);
    memcpy(n->lead, v, LEAD_ID_LEN);
    n->has_lead = memcmp(v, no_lead, LEAD_ID_LEN) != 0;
    n->who.data = (const char *) v + NOTE_HEAD_LEN;
    n->who.len = wlen;
    n->text.data = (const char *) v + NOTE_HEAD_LEN + wlen;
    n->text.len = val->mv_size - NOTE_HEAD_LEN - wlen;
    n->path.data = "";
    return LEAD_OK;
}

int
lead_store_each_note(lead_store *s, uint64_t asset_id, const uint8_t *lead,
    lead_note_fn fn, void *arg)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    lead_note    n;
    uint8_t      k[8];
    int          rc, op;

    if (s->empty || s->partial || !s->noting) {
        return LEAD_OK;
    }
    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_cursor_open(txn, s->notes, &cur);
    if (rc != 0) {
        lead_store_read_end(s, txn);
        return lead_store_mdb_fail(s, rc, "reading notes");
    }

    lead_put_be64(k, asset_id);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    op = asset_id ? MDB_SET_RANGE : MDB_FIRST;
    for (rc = mdb_cursor_get(cur, &key, &val, op); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        if (decode_note(&key, &val, &n) != LEAD_OK) {
            continue;
        }
        if (asset_id && n.asset_id != asset_id) {
            break;
        }
        if (lead && (!n.has_lead || memcmp(n.lead, lead, LEAD_ID_LEN) != 0)) {
            continue;
        }
        if (fn(arg, &n) != 0) {
            rc = LEAD_ECALLBACK;
            break;
        }
    }
    mdb_cursor_close(cur);
    lead_store_read_end(s, txn);
    return rc == 0 || rc == MDB_NOTFOUND ? LEAD_OK
           : rc == LEAD_ECALLBACK ? rc
           : lead_store_mdb_fail(s, rc, "reading notes");
}

void
lead_note_line_id(const lead_note *n, char out[LEAD_ID_HEX_LEN + 3])
{
    uint8_t  digest[32];

    memset(digest, 0, sizeof(digest));
    (void) note_hash(n->asset_id, n->time_ms, n->has_lead ? n->lead : NULL,
                     n->who.data, n->who.len, n->text.data, n->text.len,
                     digest);
    lead_id_to_hex(digest, out);
    memcpy(out + LEAD_ID_HEX_LEN, "-n", 3);
}

/* Inside forget's transaction: the notes taken on the lead's page. */
int
lead_notes_forget_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc;

    if (!s->noting) {
        return LEAD_OK;
    }
    rc = mdb_cursor_open(txn, s->notes, &cur);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "reading notes");
    }
    /* notes are few (people type them): a scan, as forget is rare */
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        if (val.mv_size >= LEAD_ID_LEN
            && memcmp(val.mv_data, lead_id, LEAD_ID_LEN) == 0)
        {
            rc = mdb_cursor_del(cur, 0);
            if (rc != 0) {
                break;
            }
        }
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing notes");
}
