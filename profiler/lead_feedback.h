/*
 * Feedback on content: what prospects rate and say of an asset (the
 * form's body), what sales note of it and what marketers read of both.
 */

#ifndef LEAD_FEEDBACK_H
#define LEAD_FEEDBACK_H

#include "lead.h"

/* ---- the form's body --------------------------------------------------- */

/* A post of the feedback form, urlencoded: a comment of 1,000 characters
   of 4-byte UTF-8 sent as %XX, and the path, fit. */
#define LEAD_FEEDBACK_BODY_MAX  16384

enum { LEAD_FEEDBACK_RATING, LEAD_FEEDBACK_COMMENT, LEAD_FEEDBACK_PATH,
       LEAD_FEEDBACK_TOKEN, LEAD_FEEDBACK_NFIELDS };

typedef struct {
    lead_str     field[LEAD_FEEDBACK_NFIELDS];  /* decoded; NULL: absent */
    uint8_t      rating;                        /* 1 to 5 */
    lead_str     comment;       /* in buf: LF newlines, trimmed; may be "" */
    char         path[LEAD_PATH_MAX];           /* lead_path_normalize's */
    size_t       path_len;
    int          error_field;   /* LEAD_FEEDBACK_*, or -1: the whole body */
    const char  *error;         /* for people; NULL when the body is good */
    char         buf[LEAD_FEEDBACK_BODY_MAX];
} lead_feedback;

/*
 * The form's body, parsed and checked: LEAD_OK, or LEAD_EINVAL with the
 * field at fault and why.  rating is one digit 1..5; comment optional,
 * UTF-8 without controls but newlines (CRLF made LF), trimmed, at most
 * LEAD_COMMENT_MAX characters (more is refused, not cut); path a local
 * path ("/..."), normalised; a field sent twice is refused, an unknown
 * one ignored.  The token is only taken: lead_form_token_verify checks it.
 */
int lead_feedback_parse(const char *body, size_t len, lead_feedback *f);

/* html/feedback.html, built in: the form as a fragment or a page. */
int lead_feedback_builtin(lead_tmpl **out, const char *const *names,
    char *err, size_t errlen);

/* ---- sales' notes and what marketers read ------------------------------ */

#define LEAD_NOTE_MAX        1000    /* characters of a note, as a comment */
#define LEAD_NOTE_BYTES      (4 * LEAD_NOTE_MAX)
#define LEAD_NOTE_WHO_MAX    128     /* bytes of who took it */
#define LEAD_FEEDBACK_LATEST 5       /* comments an asset shows in lists */
/* A sales view post: a note of LEAD_NOTE_MAX characters fits, as a
   comment does in the feedback form's. */
#define LEAD_SALES_BODY_MAX  LEAD_FEEDBACK_BODY_MAX

/* A note sales took on an asset, on its page or on a lead's (lead). */
typedef struct {
    uint64_t     asset_id, time_ms;
    uint8_t      key[24];            /* its row's key: asset, time, hash */
    uint8_t      lead[LEAD_ID_LEN];  /* zeros: not taken on a lead's page */
    int          has_lead;
    lead_str     who, text, path;    /* path: the asset's, "" if unknown */
} lead_note;
typedef int (*lead_note_fn)(void *arg, const lead_note *n);

/* Text as a note or a comment keeps it: CRLF made LF, trimmed, valid
   UTF-8 of at most LEAD_NOTE_MAX characters with no control but LF; the
   length in out (size LEAD_NOTE_BYTES + 1), -1 if refused, 0: empty. */
int lead_note_text(const char *in, size_t len, char *out, size_t size);
/* Stores a note (text as lead_note_text keeps it, who at most
   LEAD_NOTE_WHO_MAX bytes of plain text; lead NULL: none).  The same
   note twice (asset, time, who, lead, text) is one row.  LEAD_EINVAL. */
int lead_store_note_add(lead_store *s, uint64_t asset_id, uint64_t time_ms,
    const char *who, size_t who_len, const uint8_t *lead, const char *text,
    size_t text_len);
/* One asset's notes (asset_id 0: every asset's), oldest first; or those
   taken on one lead's page (lead).  fn stops it: LEAD_ECALLBACK. */
int lead_store_each_note(lead_store *s, uint64_t asset_id,
    const uint8_t *lead, lead_note_fn fn, void *arg);
/* The note's line id: 32 hex of its hash, "-n" (export, ingest). */
void lead_note_line_id(const lead_note *n, char out[LEAD_ID_HEX_LEN + 3]);

/* One asset's feedback: each visitor's newest rating counts once. */
typedef struct {
    uint64_t     time_ms;
    unsigned     rating;             /* 1..5 */
    int          bot;                /* rated by a bot's agent */
    lead_str     comment;            /* "" : none */
    lead_str     who;                /* the lead's name or e-mail, or "" */
    uint8_t      lead[LEAD_ID_LEN];
    int          has_lead;
} lead_rating;

typedef struct {
    uint64_t     asset_id;
    lead_str     path, title;
    unsigned     ratings, bots, dist[5], comments;  /* dist[r - 1] */
    double       average;            /* 0: no rating */
    lead_rating *latest;             /* with a comment, newest first */
    size_t       nlatest;            /* at most the query's max */
    lead_note   *notes;              /* newest first */
    size_t       nnotes;
} lead_feedback_asset;

typedef struct {
    lead_feedback_asset  *rows;      /* by asset id */
    size_t                n;
    struct lead_arena    *arena;
} lead_feedback_list;

/* Every asset's feedback and notes (asset_id 0) or one's, in one pass
   over the log in the current snapshot; max comments each (0: all). */
int lead_query_feedback(lead_store *s, uint64_t asset_id, size_t max,
    lead_feedback_list *out);
void lead_feedback_list_free(lead_feedback_list *f);
const lead_feedback_asset *lead_feedback_find(const lead_feedback_list *f,
    uint64_t asset_id);
/* An asset by the path in assets.csv or 16 hex digits: its id, or 0. */
uint64_t lead_feedback_asset_id(lead_store *s, const char *what, size_t len);

#endif /* LEAD_FEEDBACK_H */
