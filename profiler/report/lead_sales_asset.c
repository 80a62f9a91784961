/*
 * One asset in the sales view: what prospects said of it (ratings,
 * comments) and sales' notes, a note added there or on a lead's page,
 * and the notes a lead's page lists.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_sales.h"

typedef struct {
    view                       *v;
    const lead_feedback_asset  *row;
} asset_view;

static int
asset_item(void *arg, unsigned list, size_t i, lead_str *x)
{
    asset_view                 *av = arg;
    const lead_feedback_asset  *row = av->row;
    scratch                    *s = &av->v->item;
    uint64_t                    now = av->v->req->now_ms;
    unsigned                    n;

    s->used = 0;
    switch (list) {
    case AS_DIST:
        if (i >= 5) {
            return 0;
        }
        n = row->dist[4 - i];
        x[AS_STARS] = lead_sales_fmt(s, "%zu", 5 - i);
        x[AS_COUNT] = lead_sales_count(s, n);
        x[AS_PCT] = lead_sales_fmt(s, "%u", row->ratings
                                   ? n * 100 / row->ratings : 0);
        return 1;

    case AS_COMMENTS:
        if (i >= row->nlatest) {
            return 0;
        }
        x[AS_WHEN_ISO] = lead_sales_iso(s, row->latest[i].time_ms);
        x[AS_WHEN] = lead_sales_ago(s, now, row->latest[i].time_ms);
        x[AS_RATING] = lead_sales_fmt(s, "%u", row->latest[i].rating);
        x[AS_WHO] = row->latest[i].has_lead ? row->latest[i].who
                                            : cstr("");
        x[AS_LEAD] = row->latest[i].has_lead
                     ? lead_sales_hex_id(s, row->latest[i].lead) : cstr("");
        x[AS_BOT] = flag(row->latest[i].bot);
        x[AS_TEXT] = row->latest[i].comment;
        return 1;

    case AS_NOTES:
        if (i >= row->nnotes) {
            return 0;
        }
        x[AS_WHEN_ISO] = lead_sales_iso(s, row->notes[i].time_ms);
        x[AS_WHEN] = lead_sales_ago(s, now, row->notes[i].time_ms);
        x[AS_WHO] = row->notes[i].who;
        x[AS_LEAD] = row->notes[i].has_lead
                     ? lead_sales_hex_id(s, row->notes[i].lead) : cstr("");
        x[AS_TEXT] = row->notes[i].text;
        return 1;
    }
    return 0;
}

void
lead_sales_asset_page(view *v, uint64_t id, int status, const char *error,
    int json)
{
    static const struct {
        const char  *done, *notice;
    } notices[] = {
        { "note", "Note kept." },
    };
    lead_feedback_list               f;
    lead_feedback_asset         empty;
    lead_asset_list             l;
    asset_view                  av;
    lead_str                    x[AS_NVALUES];
    lead_buf                    body;
    char                        token[LEAD_TOKEN_LEN], done[16], avg[16];
    size_t                      i, len;
    int                         rc;

    if (json) {
        v->resp->type = "application/json";
    }
    memset(&l, 0, sizeof(l));
    rc = lead_query_feedback(v->s, id, 0, &f);
    if (rc != LEAD_OK) {
        lead_sales_store_failed(v);
        return;
    }
    av.v = v;
    av.row = lead_feedback_find(&f, id);
    if (av.row == NULL) {
        rc = lead_feedback_unrated(v->s, id, &empty, &l);
        if (rc <= 0) {
            lead_asset_list_free(&l);
            lead_feedback_list_free(&f);
            if (rc < 0) {
                lead_sales_store_failed(v);
            } else {
                lead_sales_fail(v, 404, "No such asset", "No asset rule "
                                "has the id %016" PRIx64 ".", id);
            }
            return;
        }
        av.row = &empty;
    }

    if (json) {
        lead_report_feedback_json(&v->resp->body, av.row);
        goto done;
    }

    lead_sales_token(v->req->keys, v->req->browser, v->req->user.data,
                     v->req->user.len, token);
    lead_report_average(avg, av.row);

    memset(x, 0, sizeof(x));
    x[AS_BASE] = v->req->base;
    x[AS_ID] = lead_sales_fmt(&v->page, "%016" PRIx64, id);
    x[AS_TITLE] = av.row->title;
    x[AS_PATH] = av.row->path;
    x[AS_TOKEN] = lead_sales_fmt(&v->page, "%.*s", LEAD_TOKEN_LEN, token);
    x[AS_RATINGS] = lead_sales_count(&v->page, av.row->ratings);
    x[AS_AVERAGE] = lead_sales_fmt(&v->page, "%s", avg);
    x[AS_BOTS] = av.row->bots ? lead_sales_count(&v->page, av.row->bots)
                              : cstr("");
    x[AS_COMMENT_COUNT] = lead_sales_count(&v->page, av.row->comments);
    x[AS_NO_COMMENTS] = flag(av.row->nlatest == 0);
    x[AS_NO_NOTES] = flag(av.row->nnotes == 0);
    x[AS_ERROR] = error ? cstr(error) : cstr("");
    if (lead_sales_arg(v->req->query, "done", done, sizeof(done), &len) > 0) {
        for (i = 0; i < sizeof(notices) / sizeof(notices[0]); i++) {
            if (strcmp(done, notices[i].done) == 0) {
                x[AS_NOTICE] = cstr(notices[i].notice);
            }
        }
    }

    memset(&body, 0, sizeof(body));
    lead_tmpl_render_buf(v->app->tmpl[T_ASSET], x, asset_item, &av, &body);
    v->resp->status = status;
    lead_sales_layout(v, av.row->title.len ? av.row->title.data : "Asset",
                      T_ATTRIBUTION, &body);

done:
    lead_feedback_list_free(&f);
    lead_asset_list_free(&l);
}

/* ---- a note posted ----------------------------------------------------- */

/* Who takes it, as nginx authenticated them: cut on a character. */
static size_t
note_who(view *v, char who[LEAD_NOTE_WHO_MAX + 1])
{
    const lead_str  *user = &v->req->user;
    size_t           k, len, max;
    uint32_t         cp;

    max = user->len < LEAD_NOTE_WHO_MAX ? user->len : LEAD_NOTE_WHO_MAX;
    for (k = 0; k < max; k += len) {
        len = lead_utf8_char((const unsigned char *) user->data + k, max - k,
                             &cp);
        if (len == 0 || lead_char_control(cp)) {
            break;
        }
    }
    if (k == 0) {
        memcpy(who, "(not signed in)", sizeof("(not signed in)"));
        return sizeof("(not signed in)") - 1;
    }
    memcpy(who, user->data, k);
    who[k] = '\0';
    return k;
}

/* The asset exists in the catalogue (the rules it was read under). */
static int
known_asset(lead_store *s, uint64_t id)
{
    lead_feedback_asset  row;
    lead_asset_list      l;
    int                  rc;

    memset(&l, 0, sizeof(l));
    rc = lead_feedback_unrated(s, id, &row, &l);
    lead_asset_list_free(&l);
    return rc;
}

/*
 * The note of the body stored, on the asset (and taken on lead's page);
 * NULL, or what is wrong with it (*status: 404, 422, 503).
 */
static const char *
note_post(view *v, uint64_t id, const uint8_t *lead, int *status)
{
    char    raw[LEAD_NOTE_BYTES + 1], text[LEAD_NOTE_BYTES + 1];
    char    who[LEAD_NOTE_WHO_MAX + 1];
    size_t  len, wlen;
    int     rc, n = -1;

    rc = known_asset(v->s, id);
    if (rc <= 0) {
        *status = rc < 0 ? 503 : 404;
        return rc < 0 ? "The store cannot answer right now. Nothing was "
                        "changed."
                      : "There is no such asset. Nothing was changed.";
    }

    rc = lead_sales_arg(v->req->body, "note", raw, sizeof(raw), &len);
    if (rc > 0) {
        n = lead_note_text(raw, len, text, sizeof(text));
    }
    *status = 422;
    if (rc == 0 || n == 0) {
        return "Write the note first. Nothing was changed.";
    }
    if (rc < 0 || n < 0) {
        return "A note is plain text of at most 1,000 characters (new "
               "lines allowed, no other control character). Nothing was "
               "changed.";
    }

    wlen = note_who(v, who);
    if (lead_store_note_add(v->s, id, v->req->now_ms, who, wlen, lead, text,
                            (size_t) n)
        != LEAD_OK)
    {
        *status = 503;
        return "The store cannot answer right now. Nothing was changed.";
    }
    return NULL;
}

static void
see_other(view *v, const char *fmt, const char *what)
{
    v->resp->status = 303;
    lead_buf_free(&v->resp->location);
    lead_buf_put(&v->resp->location, v->req->base.data, v->req->base.len);
    lead_buf_printf(&v->resp->location, fmt, what);
}

/* POST asset/HEX token=...&note=TEXT */
void
lead_sales_asset_action(view *v, uint64_t id)
{
    const lead_sales_request  *req = v->req;
    const char                *error;
    char                       token[LEAD_TOKEN_LEN + 1], hex[17];
    size_t                     len;
    int                        status;

    if (req->body.len > LEAD_SALES_BODY_MAX) {
        lead_sales_fail(v, 413, "Too much", "That form is larger than %d "
                        "bytes.", LEAD_SALES_BODY_MAX);
        return;
    }
    /* the token ties the post to this browser and user, as a lead's */
    if (!req->browser_known
        || lead_sales_arg(req->body, "token", token, sizeof(token), &len) <= 0
        || lead_sales_token_verify(req->keys, req->browser, req->user.data,
                                   req->user.len, token, len)
           != LEAD_OK)
    {
        lead_sales_fail(v, 403, "Not sent from this page",
                        "This note did not come from a sales view page "
                        "opened in this browser (or the page is too old). "
                        "Nothing was changed: open the asset again and "
                        "retry.");
        return;
    }

    error = note_post(v, id, NULL, &status);
    if (error != NULL && status == 404) {
        lead_sales_fail(v, 404, "No such asset", "%s", error);
        return;
    }
    if (error != NULL && status == 503) {
        lead_sales_store_failed(v);
        return;
    }
    if (error != NULL) {
        lead_sales_asset_page(v, id, status, error, 0);
        return;
    }
    snprintf(hex, sizeof(hex), "%016" PRIx64, id);
    see_other(v, "asset/%s?done=note", hex);
}

static int
found(void *arg, const lead_person *p)
{
    (void) arg;
    (void) p;
    return 0;
}

/*
 * POST lead/ID token=...&asset=HEX&note=TEXT (the token checked): NULL
 * once answered, else what the lead's page says (*status: 422).
 */
const char *
lead_sales_lead_note(view *v, const char *hex, int *status)
{
    char        raw[32];
    uint8_t     lead[LEAD_ID_LEN];
    uint64_t    id;
    size_t      len;
    const char *error;
    int         rc;

    *status = 422;
    if (lead_id_from_hex(hex, LEAD_ID_HEX_LEN, lead) != LEAD_OK) {
        lead_sales_fail(v, 404, "No such lead", "There is no lead %s.", hex);
        return NULL;
    }
    rc = lead_store_find_lead(v->s, hex, LEAD_ID_HEX_LEN, found, NULL);
    if (rc == LEAD_ENOTFOUND) {
        lead_sales_fail(v, 404, "No such lead", "There is no lead %s.", hex);
        return NULL;
    }
    if (rc != LEAD_OK) {
        lead_sales_store_failed(v);
        return NULL;
    }

    /* 16 hex digits, as the page's choices are */
    id = 0;
    if (lead_sales_arg(v->req->body, "asset", raw, sizeof(raw), &len) > 0
        && len == 16)
    {
        id = lead_feedback_asset_id(v->s, raw, len);
    }
    if (id == 0) {
        return "Choose the content the note is about. Nothing was changed.";
    }

    error = note_post(v, id, lead, status);
    if (error != NULL && *status == 503) {
        lead_sales_store_failed(v);
        return NULL;
    }
    if (error != NULL) {
        return error;
    }
    see_other(v, "lead/%s?done=note", hex);
    return NULL;
}

/* ---- the notes of a lead's page ---------------------------------------- */

static int
keep_lead_note(void *arg, const lead_note *n)
{
    lead_sales_notes  *ln = arg;
    lead_note         *grown;

    if ((ln->n & 15) == 0) {
        grown = realloc(ln->notes, (ln->n + 16) * sizeof(lead_note));
        if (grown == NULL) {
            return 1;
        }
        ln->notes = grown;
    }
    ln->notes[ln->n] = *n;
    ln->notes[ln->n].who = lead_arena_copy(ln->arena, n->who);
    ln->notes[ln->n].text = lead_arena_copy(ln->arena, n->text);
    ln->n++;
    return lead_arena_oom(ln->arena);
}

int
lead_sales_notes_load(view *v, const lead_detail *d,
    const uint8_t lead[LEAD_ID_LEN], lead_sales_notes *out)
{
    lead_note  t;
    size_t     i, k;
    int        rc;

    memset(out, 0, sizeof(*out));
    out->arena = lead_arena_new();
    if (out->arena == NULL) {
        return lead_store_fail(v->s, LEAD_ENOMEM, "out of memory");
    }

    /* what the lead read, each asset once, for the form's choice */
    out->assets = malloc((d->nreads + 1) * sizeof(uint64_t));
    out->titles = malloc((d->nreads + 1) * sizeof(lead_str));
    if (out->assets == NULL || out->titles == NULL) {
        return lead_store_fail(v->s, LEAD_ENOMEM, "out of memory");
    }
    for (i = d->nreads; i > 0; i--) {
        const lead_read  *rd = &d->reads[i - 1];

        if (rd->ev.asset_id == 0) {
            continue;
        }
        for (k = 0; k < out->nassets && out->assets[k] != rd->ev.asset_id;
             k++) { /* find */ }
        if (k == out->nassets) {
            out->assets[k] = rd->ev.asset_id;
            out->titles[k] = rd->title.len ? rd->title : rd->ev.path;
            out->nassets++;
        }
    }

    rc = lead_store_each_note(v->s, 0, lead, keep_lead_note, out);
    if (rc == LEAD_ECALLBACK) {
        /* keep_lead_note stops only when memory runs out */
        return lead_store_fail(v->s, LEAD_ENOMEM, "out of memory");
    }
    for (i = 0; i < out->n / 2; i++) {
        t = out->notes[i];
        out->notes[i] = out->notes[out->n - 1 - i];
        out->notes[out->n - 1 - i] = t;
    }
    return rc;
}

int
lead_sales_notes_item(lead_sales_notes *ln, view *v, unsigned list, size_t i,
    lead_str *x)
{
    scratch  *s = &v->item;
    size_t    k;

    if (list == D_NOTE_ASSETS) {
        if (i >= ln->nassets) {
            return 0;
        }
        x[D_ASSET] = lead_sales_fmt(s, "%016" PRIx64, ln->assets[i]);
        x[D_TITLE] = ln->titles[i];
        return 1;
    }
    if (i >= ln->n) {
        return 0;
    }
    x[D_WHEN_ISO] = lead_sales_iso(s, ln->notes[i].time_ms);
    x[D_WHEN] = lead_sales_ago(s, v->req->now_ms, ln->notes[i].time_ms);
    x[D_WHO] = ln->notes[i].who;
    x[D_NOTE] = ln->notes[i].text;
    x[D_ASSET] = lead_sales_fmt(s, "%016" PRIx64, ln->notes[i].asset_id);
    x[D_TITLE] = x[D_ASSET];
    for (k = 0; k < ln->nassets; k++) {
        if (ln->assets[k] == ln->notes[i].asset_id) {
            x[D_TITLE] = ln->titles[k];
        }
    }
    return 1;
}

void
lead_sales_notes_free(lead_sales_notes *ln)
{
    free(ln->notes);
    free(ln->assets);
    free(ln->titles);
    if (ln->arena != NULL) {
        lead_arena_free(ln->arena);
    }
    memset(ln, 0, sizeof(*ln));
}
