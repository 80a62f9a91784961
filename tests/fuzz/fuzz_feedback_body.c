/*
 * libFuzzer: the feedback form's body as any browser may post it.  An
 * accepted one has a rating of 1 to 5, a comment of text within its
 * limits, and a local path; a refused one says which field and why.
 */

#include <string.h>

#include "lead.h"
#include "lead_feedback.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* UTF-8 without a control but LF, trimmed, at most LEAD_COMMENT_MAX. */
static void
check_comment(const char *s, size_t len)
{
    size_t    i, k, chars = 0;
    uint32_t  cp = 0;

    if (len > LEAD_COMMENT_BYTES) {
        __builtin_trap();
    }
    for (i = 0; i < len; i += k) {
        k = lead_utf8_char((const unsigned char *) s + i, len - i, &cp);
        if (k == 0 || (cp != '\n' && lead_char_control(cp))
            || (i == 0 && (cp == '\n' || lead_char_blank(cp))))
        {
            __builtin_trap();
        }
        chars++;
    }
    if (chars > LEAD_COMMENT_MAX
        || (len > 0 && (cp == '\n' || lead_char_blank(cp))))
    {
        __builtin_trap();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lead_feedback  f;
    char                  again[LEAD_PATH_MAX];
    int                   rc, n;

    rc = lead_feedback_parse((const char *) data, size, &f);

    if (rc != LEAD_OK) {
        if (rc != LEAD_EINVAL || f.error == NULL
            || f.error_field < -1 || f.error_field >= LEAD_FEEDBACK_NFIELDS
            || (f.error_field == -1 && size <= LEAD_FEEDBACK_BODY_MAX))
        {
            __builtin_trap();
        }
        return 0;
    }

    if (f.error != NULL || f.rating < 1 || f.rating > LEAD_RATING_MAX) {
        __builtin_trap();
    }

    /* the comment lies in the body's copy */
    if (f.comment.len > 0
        && (f.comment.data < f.buf
            || f.comment.data + f.comment.len > f.buf + size))
    {
        __builtin_trap();
    }
    check_comment(f.comment.data, f.comment.len);

    /* a local path, normalised: normalising it again changes nothing */
    if (f.path_len == 0 || f.path_len > LEAD_PATH_MAX || f.path[0] != '/'
        || (f.path_len > 1 && (f.path[1] == '/' || f.path[1] == '\\')))
    {
        __builtin_trap();
    }
    if (memchr(f.path, '%', f.path_len) == NULL
        && memchr(f.path, '?', f.path_len) == NULL
        && memchr(f.path, '#', f.path_len) == NULL)
    {
        n = lead_path_normalize(f.path, f.path_len, again);
        if (n != (int) f.path_len || memcmp(again, f.path, f.path_len) != 0)
        {
            __builtin_trap();
        }
    }

    return 0;
}
