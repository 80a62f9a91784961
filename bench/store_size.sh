#!/bin/sh
# The store's size per event: each table's pages (branch, leaf and
# overflow, from mdb_stat -a) and bytes, and its share of an event, then
# the whole store's.  Prints tab-separated lines:
#   table<TAB>pages<TAB>bytes<TAB>bytes/event
# the last ones "total" (the tables' pages) and "file" (data.mdb's pages
# in use: the map's high-water mark).  Events are the "events" table's
# entries.  Usage: store_size.sh STORE_DIR
set -eu

dir=${1:?usage: store_size.sh STORE_DIR}
[ -f "$dir/data.mdb" ] || { echo "store_size.sh: no $dir/data.mdb" >&2; exit 1; }

psize=$(mdb_stat -e "$dir" | awk '/Page size:/ {print $3}')
used=$(mdb_stat -e "$dir" | awk '/Number of pages used:/ {print $5}')

mdb_stat -a "$dir" | awk -v psize="$psize" -v used="$used" '
    /^Status of / { name = substr($0, 11); order[++n] = name; next }
    /Branch pages:|Leaf pages:|Overflow pages:/ { pages[name] += $NF }
    /Entries:/ { entries[name] = $NF }
    END {
        ev = entries["events"] + 0
        for (i = 1; i <= n; i++) {
            t = order[i]
            b = pages[t] * psize
            total += pages[t]
            rows[i] = sprintf("%s\t%d\t%.0f\t%s", t, pages[t], b,
                              ev ? sprintf("%.1f", b / ev) : "-")
            key[i] = pages[t]
        }
        # largest first
        for (i = 1; i <= n; i++) {
            for (j = i + 1; j <= n; j++) {
                if (key[j] > key[i]) {
                    k = key[i]; key[i] = key[j]; key[j] = k
                    r = rows[i]; rows[i] = rows[j]; rows[j] = r
                }
            }
        }
        for (i = 1; i <= n; i++) {
            print rows[i]
        }
        printf "total\t%d\t%.0f\t%s\n", total, total * psize,
               ev ? sprintf("%.1f", total * psize / ev) : "-"
        printf "file\t%d\t%.0f\t%s\n", used, used * psize,
               ev ? sprintf("%.1f", used * psize / ev) : "-"
        printf "# %d events, page size %d\n", ev, psize > "/dev/stderr"
    }'
