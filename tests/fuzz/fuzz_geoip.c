/*
 * libFuzzer: a GeoIP file as an operator might be handed one, truncated
 * or corrupt: opened (every record checked) and looked up, never trusted.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lead.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_in  sin;
    lead_geoip         *g;
    lead_geo            geo;
    char                path[64], err[512];
    int                 fd;

    fd = memfd_create("fuzz.mmdb", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t) size) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    if (lead_geoip_open(&g, path, err, sizeof(err)) == LEAD_OK) {
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(0xcb007109);     /* 203.0.113.9 */
        (void) lead_geoip_lookup(g, (struct sockaddr *) &sin, &geo);
        if (strlen(geo.country) != 0 && strlen(geo.country) != 2) {
            __builtin_trap();
        }
        lead_geoip_close(g);
    }

    close(fd);
    return 0;
}
