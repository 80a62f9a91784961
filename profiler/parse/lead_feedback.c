/*
 * The feedback form's body: a rating, a comment and the asset's path,
 * checked field by field.  Every byte here comes from a browser.
 */

#include <string.h>

#include "lead.h"
#include "lead_feedback.h"
#include "lead_support.h"
#include "lead_parse.h"

static int
refuse(lead_feedback *f, int field, const char *why)
{
    f->error_field = field;
    f->error = why;
    return LEAD_EINVAL;
}

long
lead_comment_text(lead_str *c)
{
    char      *s = (char *) c->data;
    size_t     i, k, n = 0, start = 0, end = 0;
    long       chars = 0, first = -1, last = 0;
    uint32_t   cp;

    for (i = 0; i < c->len; i += k) {
        if (s[i] == '\r' && i + 1 < c->len && s[i + 1] == '\n') {
            k = 1;                          /* the LF is copied next */
            continue;
        }

        k = lead_utf8_char((const unsigned char *) s + i, c->len - i, &cp);
        if (k == 0 || (cp != '\n' && lead_char_control(cp))) {
            return -1;
        }

        memmove(s + n, s + i, k);
        n += k;
        chars++;

        if (cp != '\n' && !lead_char_blank(cp)) {
            if (first < 0) {
                first = chars - 1;
                start = n - k;
            }
            last = chars;
            end = n;
        }
    }

    if (first < 0) {
        c->len = 0;
        return 0;
    }

    c->data = s + start;
    c->len = end - start;

    return last - first;
}

int
lead_feedback_parse(const char *body, size_t len, lead_feedback *f)
{
    static const char  *keys[LEAD_FEEDBACK_NFIELDS] = {
        "rating", "comment", "path", "token"
    };

    int         twice, n;
    long        chars;
    lead_str   *v;

    memset(f->field, 0, sizeof(f->field));
    f->rating = 0;
    f->comment.data = f->buf;
    f->comment.len = 0;
    f->path_len = 0;
    f->error_field = -1;
    f->error = NULL;

    if (len > LEAD_FEEDBACK_BODY_MAX) {
        return refuse(f, -1, "The form sent is too long.");
    }

    memcpy(f->buf, body, len);

    twice = lead_urlencoded_fields(f->buf, len, keys, LEAD_FEEDBACK_NFIELDS,
                                   f->field);
    if (twice >= 0) {
        /* which one counts would be a guess: two ratings are none */
        return refuse(f, twice, "The form sent a field twice.");
    }

    v = &f->field[LEAD_FEEDBACK_RATING];
    if (v->data == NULL || v->len == 0) {
        return refuse(f, LEAD_FEEDBACK_RATING,
                      "Please choose a rating from 1 to 5.");
    }
    if (v->len != 1 || v->data[0] < '1'
        || v->data[0] > '0' + LEAD_RATING_MAX)
    {
        return refuse(f, LEAD_FEEDBACK_RATING,
                      "A rating is a number from 1 to 5.");
    }
    f->rating = (uint8_t) (v->data[0] - '0');

    v = &f->field[LEAD_FEEDBACK_COMMENT];
    if (v->data != NULL) {
        f->comment = *v;
        chars = lead_comment_text(&f->comment);

        if (chars < 0) {
            return refuse(f, LEAD_FEEDBACK_COMMENT,
                          "Your comment contains characters we cannot "
                          "accept.");
        }
        if (chars > LEAD_COMMENT_MAX) {
            return refuse(f, LEAD_FEEDBACK_COMMENT,
                          "Please shorten your comment to 1,000 "
                          "characters.");
        }
    }

    /* a path on this site: "//host" and "/\host" are other sites */
    v = &f->field[LEAD_FEEDBACK_PATH];
    if (v->data == NULL || !lead_return_valid(v->data, v->len)) {
        return refuse(f, LEAD_FEEDBACK_PATH,
                      "The page rated is not one of this site's.");
    }

    n = lead_path_normalize(v->data, v->len, f->path);
    if (n <= 0 || (n > 1 && (f->path[1] == '/' || f->path[1] == '\\'))) {
        return refuse(f, LEAD_FEEDBACK_PATH,
                      "The page rated is not one of this site's.");
    }
    f->path_len = (size_t) n;

    return LEAD_OK;
}
