/* What every unit test file includes: cmocka needs these before it. */

#ifndef UNIT_H
#define UNIT_H

#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lead.h"
#include "lead_report.h"     /* and every layer's own, below it */

/* The store in dir, opened with opts, or the test fails saying why. */
static inline lead_store *
unit_store_open(const char *dir, const lead_store_opts *opts)
{
    lead_store  *s = NULL;
    char         err[256] = "";
    int          rc;

    rc = lead_store_open(&s, dir, opts, err, sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_store_open: %d (%s)", rc, err);
    }
    assert_non_null(s);
    return s;
}

#endif /* UNIT_H */
