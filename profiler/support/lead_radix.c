/* Sorts 64-bit numbers by radix: no comparison sort of millions of rows. */

#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"

/*
 * 16 bits a pass, as many passes as the largest number needs: a row in
 * the high half and a visitor number in the low take three, not four.
 */
int
lead_sort_u64(uint64_t *a, size_t n)
{
    uint64_t  *tmp, *from = a, *to, *swap, max = 0;
    size_t    *count, i, sum, c;
    unsigned   shift;

    tmp = malloc((n ? n : 1) * sizeof(uint64_t));
    count = malloc(65536 * sizeof(size_t));
    if (tmp == NULL || count == NULL) {
        free(tmp);
        free(count);
        return -1;
    }
    for (i = 0; i < n; i++) {
        max |= a[i];
    }
    to = tmp;
    for (shift = 0; shift < 64 && (max >> shift) != 0; shift += 16) {
        memset(count, 0, 65536 * sizeof(size_t));
        for (i = 0; i < n; i++) {
            count[(from[i] >> shift) & 0xffff]++;
        }
        for (i = 0, sum = 0; i < 65536; i++) {
            c = count[i];
            count[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++) {
            to[count[(from[i] >> shift) & 0xffff]++] = from[i];
        }
        swap = from;
        from = to;
        to = swap;
    }
    if (from != a) {
        memcpy(a, from, n * sizeof(uint64_t));   /* an odd number of passes */
    }
    free(tmp);
    free(count);
    return 0;
}
