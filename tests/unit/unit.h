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

#endif /* UNIT_H */
