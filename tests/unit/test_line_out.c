#include "unit.h"

#include <inttypes.h>

#include "lead_line.h"

/* The line writer's short ways held to printf's long ones: a read's depth
   to "%.3f" (ties, tiny and near-whole shares), ids to "%02x". */

#define S(lit)  ((lead_str) { lit, sizeof(lit) - 1 })

/* The JSON of a read of bytes of size (status 200: its share, bytes /
   size) holds "depth" as printf writes it. */
static void
check_depth(lead_line *l, lead_buf *out, uint64_t bytes, uint64_t size)
{
    char  want[64];

    l->ev.bytes_sent = bytes;
    l->ev.file_size = size;
    out->len = 0;
    lead_line_json(out, l);
    assert_false(out->oom);
    snprintf(want, sizeof(want), ",\"depth\":%.3f}",
             (double) bytes / (double) size);
    if (out->len < strlen(want)
        || strcmp(out->data + out->len - strlen(want), want) != 0)
    {
        fail_msg("%" PRIu64 "/%" PRIu64 ": got %s, want %s", bytes, size,
                 out->data, want);
    }
}

static void
test_depth_as_printf(void **state)
{
    static const uint64_t  sizes[] = {
        2000, 4000, 8000, 1024, 4096, 65536, 3, 7, 999, 1001,
        UINT64_C(1) << 40, UINT64_C(1) << 62, UINT64_MAX
    };
    lead_line              l;
    lead_buf               out = { 0 };
    uint64_t               x = 0x9e3779b97f4a7c15ULL, b, size;
    size_t                 i;

    (void) state;
    memset(&l, 0, sizeof(l));
    l.kind = LEAD_LINE_READ;
    l.id = S("x");
    l.ev.status = 200;

    /* every share of small files: 1/2000, 125/2000 (0.0625, a tie) ... */
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size = sizes[i];
        for (b = 1; b < size && b < 10000; b++) {
            check_depth(&l, &out, b, size);
        }
        check_depth(&l, &out, size - 1, size);     /* 0.99.. to 1.000 */
        check_depth(&l, &out, size / 2001 + 1, size);
    }

    /* tiny shares (down to 2^-64) and random ones */
    check_depth(&l, &out, 1, UINT64_MAX);
    for (i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size = (x >> (x & 63)) | 2;
        b = (x * 0x2545f4914f6cdd1dULL) % size;
        check_depth(&l, &out, b ? b : 1, size);
    }
    lead_buf_free(&out);
}

/* Every byte of an id as "%02x" writes it, in the visitor's and the
   lead's fields. */
static void
test_hex_as_printf(void **state)
{
    lead_line  l;
    lead_buf   out = { 0 };
    char       want[2 * LEAD_ID_HEX_LEN + 64], *p;
    unsigned   i, k;

    (void) state;
    for (i = 0; i < 256; i += LEAD_ID_LEN) {
        memset(&l, 0, sizeof(l));
        l.kind = LEAD_LINE_IDENTIFY;
        l.id = S("x");
        p = want + snprintf(want, sizeof(want), "\"visitor\":\"");
        for (k = 0; k < LEAD_ID_LEN; k++) {
            l.ev.visitor[k] = (uint8_t) (i + k);
            l.lead[k] = (uint8_t) (255 - i - k);
            p += snprintf(p, 3, "%02x", i + k);
        }
        p += snprintf(p, 12, "\",\"lead\":\"");
        for (k = 0; k < LEAD_ID_LEN; k++) {
            p += snprintf(p, 3, "%02x", 255 - i - k);
        }
        snprintf(p, 3, "\"}");
        out.len = 0;
        lead_line_json(&out, &l);
        assert_false(out.oom);
        assert_non_null(strstr(out.data, want));
    }
    lead_buf_free(&out);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_depth_as_printf),
        cmocka_unit_test(test_hex_as_printf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
