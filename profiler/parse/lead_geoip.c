/*
 * Where a visitor reads from, without asking: libmaxminddb over a
 * GeoLite2/GeoIP2 City or Country database.  Only the country, region and
 * city are kept; the address itself never is.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <maxminddb.h>

#include "lead.h"
#include "lead_parse.h"

struct lead_geoip {
    MMDB_s  mmdb;
};

/*
 * Decodes every data record the search tree points at, once each: a file
 * with a broken record fails here, at nginx -t, not in a lookup later.
 */
static int
verify(lead_geoip *g, char *err, size_t errlen, const char *path)
{
    MMDB_search_node_s     node;
    MMDB_entry_data_list_s *list;
    uint8_t                *seen;
    uint32_t                i, size = g->mmdb.data_section_size;
    MMDB_entry_s           *entries[2];
    uint8_t                 types[2];
    int                     k, rc = LEAD_OK, mrc;

    seen = calloc(size / 8 + 1, 1);
    if (seen == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return LEAD_ENOMEM;
    }

    for (i = 0; i < g->mmdb.metadata.node_count && rc == LEAD_OK; i++) {
        mrc = MMDB_read_node(&g->mmdb, i, &node);
        if (mrc != MMDB_SUCCESS) {
            snprintf(err, errlen, "%s: %s", path, MMDB_strerror(mrc));
            rc = LEAD_EINVAL;
            break;
        }

        entries[0] = &node.left_record_entry;
        entries[1] = &node.right_record_entry;
        types[0] = node.left_record_type;
        types[1] = node.right_record_type;

        for (k = 0; k < 2 && rc == LEAD_OK; k++) {
            uint32_t  off = entries[k]->offset;

            if (types[k] == MMDB_RECORD_TYPE_INVALID) {
                snprintf(err, errlen, "%s: invalid search tree", path);
                rc = LEAD_EINVAL;
                break;
            }
            if (types[k] != MMDB_RECORD_TYPE_DATA) {
                continue;
            }
            if (off < size && (seen[off / 8] & 1u << (off % 8))) {
                continue;
            }
            if (off < size) {
                seen[off / 8] |= (uint8_t) (1u << (off % 8));
            }

            mrc = MMDB_get_entry_data_list(entries[k], &list);
            MMDB_free_entry_data_list(list);
            if (mrc != MMDB_SUCCESS) {
                snprintf(err, errlen, "%s: %s", path, MMDB_strerror(mrc));
                rc = LEAD_EINVAL;
            }
        }
    }

    free(seen);
    return rc;
}

int
lead_geoip_open(lead_geoip **out, const char *path, char *err,
    size_t errlen)
{
    lead_geoip  *g;
    int          rc;

    *out = NULL;

    g = calloc(1, sizeof(*g));
    if (g == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return LEAD_ENOMEM;
    }

    /* mmap, read-only: shared by every worker after fork */
    rc = MMDB_open(path, MMDB_MODE_MMAP, &g->mmdb);
    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "%s: %s", path, MMDB_strerror(rc));
        free(g);
        return LEAD_EINVAL;
    }

    rc = verify(g, err, errlen, path);
    if (rc != LEAD_OK) {
        MMDB_close(&g->mmdb);
        free(g);
        return rc;
    }

    *out = g;
    return LEAD_OK;
}

void
lead_geoip_close(lead_geoip *g)
{
    if (g != NULL) {
        MMDB_close(&g->mmdb);
        free(g);
    }
}

/* A string at path in the record, copied (cut) into out. */
static void
get_string(MMDB_entry_s *entry, char *out, size_t size, ...)
{
    MMDB_entry_data_s  data;
    va_list            ap;
    int                rc;
    size_t             n;

    out[0] = '\0';

    va_start(ap, size);
    rc = MMDB_vget_value(entry, &data, ap);
    va_end(ap);

    if (rc != MMDB_SUCCESS || !data.has_data
        || data.type != MMDB_DATA_TYPE_UTF8_STRING)
    {
        return;
    }

    n = data.data_size < size - 1 ? data.data_size : size - 1;
    memcpy(out, data.utf8_string, n);
    out[n] = '\0';
}

int
lead_geoip_lookup(const lead_geoip *g, const struct sockaddr *sa,
    lead_geo *geo)
{
    MMDB_lookup_result_s  res;
    int                   rc;

    memset(geo, 0, sizeof(*geo));

    res = MMDB_lookup_sockaddr(&g->mmdb, sa, &rc);
    if (rc != MMDB_SUCCESS) {
        return LEAD_EINVAL;
    }
    if (!res.found_entry) {
        return LEAD_OK;                 /* a private address, say */
    }

    get_string(&res.entry, geo->country, sizeof(geo->country), "country",
               "iso_code", NULL);
    get_string(&res.entry, geo->region, sizeof(geo->region), "subdivisions",
               "0", "iso_code", NULL);
    get_string(&res.entry, geo->city, sizeof(geo->city), "city", "names",
               "en", NULL);

    /* only a two-letter code is a country */
    if (strlen(geo->country) != 2) {
        geo->country[0] = '\0';
    }

    return LEAD_OK;
}
