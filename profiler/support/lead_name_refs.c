/*
 * Names written once in a record: a name met before is one byte, 0x80 and
 * its place among the names met, so a record of many rows naming a few
 * stages and topics holds each once.
 */

#include <string.h>

#include "lead.h"
#include "lead_support.h"

_Static_assert(LEAD_NAME_MAX < 0x80, "a literal's length byte under 0x80");

void
lead_name_put(lead_buf *out, lead_name_refs *names, const char *name)
{
    size_t    len = strlen(name);
    uint8_t   b;
    unsigned  i;

    for (i = 0; len > 0 && i < names->n; i++) {
        if (names->len[i] == len && memcmp(names->name[i], name, len) == 0) {
            b = (uint8_t) (0x80 | i);
            lead_buf_put(out, (const char *) &b, 1);
            return;
        }
    }
    /* a name past the table's room is written out each time */
    if (len > 0 && names->n < LEAD_NAME_REFS_MAX) {
        names->name[names->n] = name;
        names->len[names->n++] = len;
    }
    b = (uint8_t) len;
    lead_buf_put(out, (const char *) &b, 1);
    lead_buf_put(out, name, len);
}

int
lead_name_get(const uint8_t **p, const uint8_t *end, lead_name_refs *names,
    char *out, size_t size)
{
    size_t  len;

    out[0] = '\0';
    if (*p >= end) {
        return LEAD_EINVAL;
    }

    len = **p;
    if (len >= 0x80) {
        /* a reference: only to a name already read */
        len &= 0x7f;
        if (len >= names->n || names->len[len] >= size) {
            return LEAD_EINVAL;
        }
        memcpy(out, names->name[len], names->len[len] + 1);
        *p += 1;
        return LEAD_OK;
    }

    if (len >= size || len > (size_t) (end - *p - 1)) {
        return LEAD_EINVAL;
    }
    memcpy(out, *p + 1, len);
    out[len] = '\0';
    *p += 1 + len;

    if (len > 0 && names->n < LEAD_NAME_REFS_MAX) {
        names->name[names->n] = out;
        names->len[names->n++] = len;
    }
    return LEAD_OK;
}
