/*
 * libFuzzer: the first bytes of a data.mdb, as a damaged backup or disk
 * may leave them, read as LMDB's meta pages.  What passes must be safe to
 * map: pages of a power-of-two size, all of them in the file, roots among
 * them.
 */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *data, size_t size, uint64_t file_size)
{
    lead_store_meta  m;
    char             err[256];
    unsigned         i;
    int              rc;

    memset(err, 'x', sizeof(err));
    rc = lead_store_meta_read(data, size, file_size, &m, err, sizeof(err));

    if (rc == LEAD_EDAMAGED) {
        if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
            abort();                    /* always a reason */
        }
        return;
    }
    if (rc != LEAD_OK) {
        abort();
    }
    if (file_size == 0) {
        return;
    }
    if (m.psize < 512 || (m.psize & (m.psize - 1)) != 0
        || m.last_pg < 1 || file_size / m.psize < m.last_pg + 1)
    {
        abort();
    }
    for (i = 0; i < 2; i++) {
        if (m.tree[i].root != UINT64_MAX
            && (m.tree[i].root < 2 || m.tree[i].root > m.last_pg
                || m.tree[i].depth == 0 || m.tree[i].depth > 32))
        {
            abort();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the file as given, and as the start of a longer one */
    check(data, size, size);
    check(data, size, (uint64_t) size + (size ? data[0] : 0) * 4096);
    check(data, size, UINT64_MAX);
    return 0;
}
