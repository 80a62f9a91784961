/*
 * The scored decode (lead_event_decode_scored, the full re-score's): what
 * it gives is what a scorer reads of the whole decode, and it fails where
 * the whole decode fails.
 */

#include "unit.h"

#include "event_fixture.h"

/* What a scorer reads of an event, as a scored decode gives it. */
/*
 * A scored decode, over what an earlier event left, gives what a scorer
 * reads of the whole decode, and fails where it fails: every event of a
 * few kinds, cut at every length.
 */
static void
test_decode_scored(void **state)
{
    fx_event    f;
    lead_event  want, got, stale;
    uint8_t     buf[LEAD_EVENT_MAX_SIZE];
    unsigned    i;
    size_t      len;
    int         n, rc;

    (void) state;

    for (i = 0; i < 6; i++) {
        fx_event_make(&f, i, i == 0 ? LEAD_PATH_MAX : 0);
        if (i % 2 == 0) {
            f.ev.asset_id = 0x1234567890abcdefULL + i;
            f.ev.points = i == 2 ? -20 : 35;
            f.ev.asset_flags = LEAD_ASSET_HOT;
            f.ev.stage = (lead_str) { "decision", 8 };
            f.ev.topic = (lead_str) { "pricing", 7 };
            f.ev.group = (lead_str) { i == 4 ? "guide" : "", i == 4 ? 5 : 0 };
            f.ev.country = (lead_str) { "GB", 2 };
        }
        if (i == 3) {
            f.ev.status = 0;
            f.ev.rating = 4;
            f.ev.comment = (lead_str) { "useful", 6 };
        }
        n = lead_event_encode(&f.ev, buf, sizeof(buf));
        assert_in_range(n, 1, LEAD_EVENT_MAX_SIZE);

        /* full of another event's fields, none of which must stay */
        fx_event_make(&f, 7, 0);
        f.ev.asset_id = 1;
        f.ev.rating = 5;
        f.ev.country = (lead_str) { "FR", 2 };
        f.ev.stage = (lead_str) { "awareness", 9 };
        stale = f.ev;
        for (len = 0; len <= (size_t) n; len++) {
            got = stale;
            rc = lead_event_decode(buf, len, &want);
            assert_int_equal(lead_event_decode_scored(buf, len, &got), rc);
            if (rc == LEAD_OK) {
                fx_assert_scored_equal(&want, &got);
            }
        }
    }
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_decode_scored),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
