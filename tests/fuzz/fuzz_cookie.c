/* libFuzzer: the visitor cookie value, as any client may send it. */

#include <string.h>

#include "lead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t  secret[] = "fuzzing-secret-of-thirty-two-bytes!";
    uint8_t               id[LEAD_ID_LEN];
    char                  again[LEAD_COOKIE_VALUE_LEN];

    if (lead_cookie_verify(secret, sizeof(secret) - 1, (const char *) data,
                           size, id) == LEAD_OK)
    {
        /* only a value this key signed may verify: re-signing gives it */
        lead_cookie_sign(secret, sizeof(secret) - 1, id, again);
        if (size != LEAD_COOKIE_VALUE_LEN || memcmp(again, data, size) != 0) {
            __builtin_trap();
        }
    }

    return 0;
}
