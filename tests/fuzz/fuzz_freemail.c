/*
 * libFuzzer: the free-mail list (freemail_domains in scoring.conf) as
 * marketers may paste it.  A list that loads must find every domain it
 * names, however it was ordered, spaced or cased; one that does not load
 * names its file and line.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define FUZZ_DIR  "/nonexistent-lead-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each line's domain, trimmed and lower-cased, is in the list. */
static void
check_lines(const lead_rules *r, const char *text, size_t size)
{
    char         domain[256];
    const char  *line = text, *end = text + size, *nl, *hash;
    size_t       len, k;

    for (; line < end; line = nl + 1) {
        nl = memchr(line, '\n', (size_t) (end - line));
        nl = nl ? nl : end;
        len = (size_t) (nl - line);
        if (memchr(line, '\0', len) != NULL) {
            return;                     /* the parser stops at a NUL */
        }
        hash = memchr(line, '#', len);
        if (hash != NULL) {
            len = (size_t) (hash - line);
        }
        while (len && isspace((unsigned char) line[len - 1])) {
            len--;
        }
        while (len && isspace((unsigned char) *line)) {
            line++;
            len--;
        }
        if (len == 0) {
            continue;
        }
        if (len >= sizeof(domain)) {
            __builtin_trap();           /* a loaded list has no such name */
        }
        for (k = 0; k < len; k++) {
            domain[k] = (char) tolower((unsigned char) line[k]);
        }
        if (!lead_rules_is_freemail(r, domain, len)) {
            __builtin_trap();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char  scoring[] = "freemail_domains free.txt;\n";
    static const char  assets[] = "path,title,stage,points,topic,flags\n"
                                  "/,Home,epiphany,0,,open\n";
    lead_rules        *r;
    lead_str           list = { (const char *) data, size };
    lead_str           text;
    char               err[512];

    if (lead_rules_parse_texts(&r, FUZZ_DIR, scoring, sizeof(scoring) - 1,
                               assets, sizeof(assets) - 1, &list, err,
                               sizeof(err))
        != LEAD_OK)
    {
        if (r != NULL || strncmp(err, FUZZ_DIR "/free.txt:",
                                 sizeof(FUZZ_DIR "/free.txt:") - 1) != 0)
        {
            __builtin_trap();
        }
        return 0;
    }

    /* the store keeps the very text, for leadctl to score alike */
    text = lead_rules_text(r, LEAD_RULES_FREEMAIL);
    if (text.len != size || (size && memcmp(text.data, data, size) != 0)) {
        __builtin_trap();
    }

    check_lines(r, (const char *) data, size);
    if (lead_rules_is_freemail(r, "", 0)) {
        __builtin_trap();
    }

    lead_rules_free(r);
    return 0;
}
