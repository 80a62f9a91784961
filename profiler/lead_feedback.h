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

/* ---- sales' notes and what marketers read (the views' part) ----------- */

#endif /* LEAD_FEEDBACK_H */
