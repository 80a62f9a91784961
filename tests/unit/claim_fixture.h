/*
 * Claims confirmed as their person would: the link of a confirm notice,
 * signed with the tests' secret, opened and confirmed.
 */

#ifndef CLAIM_FIXTURE_H
#define CLAIM_FIXTURE_H

#include "unit.h"

static const uint8_t  claim_secret[] = "claims-test-secret-of-32-bytes-or-more";

#define CLAIM_SECRET_LEN  (sizeof(claim_secret) - 1)

static const lead_keys  claim_keys = {
    { { (const char *) claim_secret, CLAIM_SECRET_LEN } }, 1
};

/* The link's token for a claim made at now_ms. */
static inline void
claim_token(const uint8_t visitor[LEAD_ID_LEN], const uint8_t lead[LEAD_ID_LEN],
    uint64_t now_ms, char token[LEAD_CONFIRM_TOKEN_LEN])
{
    lead_confirm_token(&claim_keys, visitor, lead, now_ms + LEAD_CLAIM_TTL_MS,
                       token);
}

/* The claim of lead by visitor confirmed at now_ms: LEAD_OK, or why not. */
static inline int
claim_confirm(lead_store *s, const uint8_t visitor[LEAD_ID_LEN],
    const uint8_t lead[LEAD_ID_LEN], uint64_t now_ms)
{
    char     token[LEAD_CONFIRM_TOKEN_LEN];
    uint8_t  dev[LEAD_ID_LEN];

    claim_token(visitor, lead, now_ms, token);
    return lead_store_confirm(s, &claim_keys, token, LEAD_CONFIRM_TOKEN_LEN,
                              now_ms, 1, dev, NULL, NULL);
}

#endif /* CLAIM_FIXTURE_H */
