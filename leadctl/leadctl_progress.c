/*
 * Progress on standard error while a long command runs, only when it is
 * a terminal: a count and the time so far, redrawn four times a second,
 * erased before the command prints its result.
 */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "leadctl.h"

#define FIRST_MS   500        /* a command done sooner shows nothing */
#define EVERY_MS   250

static struct {
    pthread_t         thread;
    pthread_mutex_t   lock;
    pthread_cond_t    wake;
    int               running, stop, shown;
    const char       *what, *unit;
    atomic_uint_fast64_t  count;
} p = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static double
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *
draw(void *arg)
{
    struct timespec  until;
    double           start = now_ms(), t;
    char             n[32];

    (void) arg;

    pthread_mutex_lock(&p.lock);
    while (!p.stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += EVERY_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p.wake, &p.lock, &until);
        t = now_ms() - start;
        if (p.stop || t < FIRST_MS) {
            continue;
        }
        if (p.unit) {
            fprintf(stderr, "\rleadctl: %s: %s %s, %.1f s\033[K", p.what,
                    lead_format_count(atomic_load(&p.count), n), p.unit,
                    t / 1e3);
        } else {
            fprintf(stderr, "\rleadctl: %s, %.1f s\033[K", p.what, t / 1e3);
        }
        fflush(stderr);
        p.shown = 1;
    }
    pthread_mutex_unlock(&p.lock);
    return NULL;
}

void
progress_start(const char *what, const char *unit, int streams)
{
    if (p.running || !isatty(STDERR_FILENO)
        || (streams && isatty(STDOUT_FILENO)))
    {
        return;
    }
    p.what = what;
    p.unit = unit;
    p.stop = 0;
    p.shown = 0;
    atomic_store(&p.count, 0);
    p.running = pthread_create(&p.thread, NULL, draw, NULL) == 0;
}

void
progress_add(uint64_t n)
{
    atomic_fetch_add_explicit(&p.count, n, memory_order_relaxed);
}

void
progress_stop(void)
{
    if (!p.running) {
        return;
    }
    pthread_mutex_lock(&p.lock);
    p.stop = 1;
    pthread_cond_signal(&p.wake);
    pthread_mutex_unlock(&p.lock);
    pthread_join(p.thread, NULL);
    p.running = 0;
    if (p.shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

void
progress_say(const char *fmt, ...)
{
    va_list  ap;

    pthread_mutex_lock(&p.lock);
    if (p.shown) {
        fputs("\r\033[K", stderr);    /* redrawn at the next tick */
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&p.lock);
}
