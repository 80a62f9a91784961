/*
 * A request turned into one of the kinds a scorer treats apart, for the
 * tests that feed it random ones (test_promote.c, test_score_lean.c).
 */

#ifndef VARY_FIXTURE_H
#define VARY_FIXTURE_H

/* xorshift64: the same numbers from the same seed, test after test */
static inline uint64_t
vary_draw(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/*
 * One kind in kinds (at least 6): a bot's, a 404, cut short (two in
 * kinds), a Range read (two), or else left as it was (a full read of a
 * file of size bytes).
 */
static inline void
vary_event(lead_event *ev, uint64_t *x, unsigned kinds, uint64_t size)
{
    uint64_t  kind = vary_draw(x) % kinds;

    if (kind == 0) {
        ev->ua_class = LEAD_UA_BOT;
    } else if (kind == 1) {
        ev->status = 404;
        ev->bytes_sent = 0;
    } else if (kind < 4) {
        ev->bytes_sent = vary_draw(x) % size;       /* cut short */
    } else if (kind < 6) {
        ev->status = 206;
        ev->nranges = 1;
        ev->ranges[0].start = vary_draw(x) % (size / 2);
        ev->ranges[0].end = ev->ranges[0].start + size / 4;
        ev->bytes_sent = size / 4 + 1;
    }
}

#endif /* VARY_FIXTURE_H */
