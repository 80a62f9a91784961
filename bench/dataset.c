/*
 * A generated store for the speed and paging checks: LEADS identified
 * leads (one or two devices each), anonymous visitors, EVENTS reads of the
 * rules' assets over DAYS days (90), and statuses the way sales would
 * leave them.  Deterministic: the same arguments give the same people and
 * reads; a longer span spreads the same draws over more days.
 *
 *   build/bench-dataset DIR RULES_DIR [LEADS] [EVENTS] [NOW_MS] [DAYS]
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead.h"
#include "lead_report.h"

#define DAY_MS     86400000ULL

static uint64_t  rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
    /* xorshift64*: reproducible, and fast enough for millions of draws */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void
visitor_id(uint64_t n, uint8_t id[LEAD_ID_LEN])
{
    memset(id, 0xab, LEAD_ID_LEN);
    memcpy(id, &n, sizeof(n));
}

static int
identify(lead_store *s, uint64_t i, uint64_t device, uint64_t t,
    uint8_t lead[LEAD_ID_LEN])
{
    static const char  *companies[] = { "acme", "globex", "initech",
                                        "umbrella", "hooli", "vandelay" };
    lead_form           form;
    uint8_t             visitor[LEAD_ID_LEN];
    int                 created;

    memset(&form, 0, sizeof(form));
    form.name_len = (size_t) snprintf(form.name, sizeof(form.name),
                                      "Person %" PRIu64, i);
    /* one in five uses a free-mail address: no account */
    form.email_len = (size_t) snprintf(form.email, sizeof(form.email),
                                       "person%" PRIu64 "@%s%" PRIu64
                                       ".example", i,
                                       companies[i % 6], i % 4000);
    if (i % 5 == 4) {
        form.email_len = (size_t) snprintf(form.email, sizeof(form.email),
                                           "person%" PRIu64 "@gmail.com",
                                           i);
    }
    form.subscribe = i % 3 == 0;
    form.contact = i % 50 == 0;

    visitor_id(device, visitor);
    return lead_store_identify(s, visitor, &form, "fibre", 5, t, lead,
                               &created);
}

/* Some leads moved on by sales, some sent back to marketing. */
static int
set_statuses(lead_store *s, uint64_t i, const uint8_t lead[LEAD_ID_LEN],
    uint64_t t)
{
    static const int  path[] = { LEAD_STATUS_MQL, LEAD_STATUS_SAL,
                                 LEAD_STATUS_SQL, LEAD_STATUS_WON };
    int               steps, k, rc = LEAD_OK;

    steps = i % 100 < 20 ? 1 : i % 100 < 26 ? 2 : i % 100 < 29 ? 3
            : i % 100 < 30 ? 4 : 0;
    for (k = 0; k < steps && rc == LEAD_OK; k++) {
        rc = lead_store_set_status(s, lead, path[k], t + (uint64_t) k * DAY_MS,
                                   k ? "set by the dataset" : "dataset",
                                   k ? "sales" : "", "");
    }
    if (rc == LEAD_OK && steps >= 1 && steps <= 2 && i % 7 == 0) {
        rc = lead_store_set_status(s, lead, LEAD_STATUS_NURTURE,
                                   t + 3 * DAY_MS, "set by the dataset",
                                   "sales", "no budget this year");
    }
    return rc;
}

int
main(int argc, char **argv)
{
    lead_store        *s;
    lead_rules        *r;
    lead_batch        *b;
    lead_event         ev;
    lead_store_opts    opts = { (uint64_t) 8 << 30, 0, 0, 1 };
    const lead_asset  *a;
    char               err[1024], path[LEAD_PATH_MAX];
    uint8_t            lead[LEAD_ID_LEN];
    uint64_t           leads, events, now, start, i, visitors, v, t, span;
    size_t             nassets, len;
    clock_t            c0;
    double             fold_ms;
    int                more;

    if (argc < 3) {
        fprintf(stderr, "usage: %s DIR RULES_DIR [LEADS] [EVENTS] "
                "[NOW_MS] [DAYS]\n", argv[0]);
        return 2;
    }
    leads = argc > 3 ? strtoull(argv[3], NULL, 10) : 100000;
    events = argc > 4 ? strtoull(argv[4], NULL, 10) : 1000000;
    now = argc > 5 && strcmp(argv[5], "now") != 0
          ? strtoull(argv[5], NULL, 10) : (uint64_t) time(NULL) * 1000;
    span = (argc > 6 ? strtoull(argv[6], NULL, 10) : 90) * DAY_MS;
    if (span < DAY_MS || span > now) {
        fprintf(stderr, "bench-dataset: DAYS must be 1 or more\n");
        return 2;
    }
    start = now - span;
    /* every lead's device, a second device for one in ten, anonymous ones */
    visitors = leads + leads / 10 + leads / 2;

    /* room for the scale store (10M events): its size is a result */
    if (events > 2000000) {
        opts.map_size = (uint64_t) 16 << 30;
    }

    if (lead_rules_load(&r, argv[2], err, sizeof(err)) != LEAD_OK
        || lead_store_open(&s, argv[1], &opts, err, sizeof(err)) != LEAD_OK)
    {
        fprintf(stderr, "bench-dataset: %s\n", err);
        return 1;
    }
    nassets = lead_rules_count(r);
    b = lead_batch_new(16 << 20);
    if (b == NULL || nassets == 0 || lead_store_put_assets(s, r) != LEAD_OK)
    {
        fprintf(stderr, "bench-dataset: cannot start\n");
        return 1;
    }
    c0 = clock();

    /* people identify over the first 8/9 of the span (80 of 90 days) */
    for (i = 0; i < leads; i++) {
        t = start + rng() % (span / 9 * 8);
        if (identify(s, i, i, t, lead) != LEAD_OK
            || (i % 10 == 0 && identify(s, i, leads + i / 10, t + DAY_MS,
                                        lead) != LEAD_OK)
            || set_statuses(s, i, lead, t + DAY_MS) != LEAD_OK)
        {
            fprintf(stderr, "bench-dataset: %s\n", lead_store_errmsg(s));
            return 1;
        }
    }

    memset(&ev, 0, sizeof(ev));
    for (i = 0; i < events; i++) {
        ev.time_ms = start + i * (span / events);
        v = rng() % visitors;
        visitor_id(v, ev.visitor);
        ev.ua_class = i % 50 == 0 ? LEAD_UA_BOT : LEAD_UA_BROWSER;
        ev.status = 200;

        /* later stages are read less: a skew toward the first assets */
        a = lead_rules_asset(r, (rng() % nassets) * (rng() % nassets)
                                / nassets);
        len = strlen(a->path);
        len -= len && a->path[len - 1] == '*';
        memcpy(path, a->path, len);
        ev.path.data = path;
        ev.path.len = len;
        lead_event_set_asset(&ev, a);
        ev.file_size = 4096;
        ev.bytes_sent = i % 4 ? 4096 : 1024;
        ev.country.data = i % 3 ? "GB" : "DE";
        ev.country.len = 2;

        if (lead_batch_add(b, &ev) != LEAD_OK) {
            fprintf(stderr, "bench-dataset: cannot batch an event\n");
            return 1;
        }
        if (lead_batch_count(b) == 10000) {
            if (lead_store_commit(s, b) != LEAD_OK) {
                fprintf(stderr, "bench-dataset: %s\n", lead_store_errmsg(s));
                return 1;
            }
            lead_batch_clear(b);
        }
    }
    if (lead_store_commit(s, b) != LEAD_OK) {
        fprintf(stderr, "bench-dataset: %s\n", lead_store_errmsg(s));
        return 1;
    }

    /*
     * The scores nginx keeps as it runs, all of them, 20 ms at a time as
     * its store thread folds: steps of a second rewrote most leads' kept
     * states in each transaction, and LMDB reuses a transaction's freed
     * pages only once two later ones have committed, so the file kept
     * the last two's copies, free pages a server does not make.
     */
    fold_ms = lead_clock_ms();
    do {
        if (lead_store_fold(s, r, now, 20, NULL, NULL, &more) != LEAD_OK) {
            fprintf(stderr, "bench-dataset: %s\n", lead_store_errmsg(s));
            return 1;
        }
    } while (more);
    fold_ms = lead_clock_ms() - fold_ms;

    printf("%" PRIu64 " leads, %" PRIu64 " visitors, %" PRIu64 " events in "
           "%s (%.1f s), folded at %.0f events/s\n", leads, visitors, events,
           argv[1], (double) (clock() - c0) / CLOCKS_PER_SEC,
           (double) events / (fold_ms / 1000));

    lead_batch_free(b);
    lead_store_close(s);
    lead_rules_free(r);
    return 0;
}
