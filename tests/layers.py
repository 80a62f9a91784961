#!/usr/bin/python3
"""The tree's shape, checked from the built objects: which source file
uses a global that another defines (nm), so that no two files call each
other in a cycle and each layer only calls the layers below it; and the
size limits: no source file over 1,000 lines, lead.h and README.md at
most 500.

    tests/layers.py BUILD_DIR          check, exit 1 on a fault
    tests/layers.py BUILD_DIR --graph  print who uses whom, by layer
"""

import collections
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Bottom to top: a file may use files of its own layer (without a cycle)
# and of the layers before it.
LAYERS = ["support", "parse", "model", "store", "derived", "view",
          "report", "leadctl", "ngx_lead_module"]

LIMITS = {"source": 1000, "lead.h": 500, "README.md": 500}


def layer_of(src):
    rel = os.path.relpath(src, ROOT)
    for i, name in enumerate(LAYERS):
        if rel.startswith(name + "/") or ("/" + name + "/") in "/" + rel:
            return i
    return None


def objects(build):
    """(object, source) pairs: the library's and leadctl's objects, and
    the module's from nginx's build tree."""
    tracked = subprocess.run(["git", "-C", ROOT, "ls-files", "*.c"],
                             capture_output=True, text=True).stdout.split()
    by_name = {os.path.basename(f)[:-2]: os.path.join(ROOT, f)
               for f in tracked}
    pairs = []
    for obj in glob.glob(os.path.join(build, "obj", "*.o")):
        src = by_name.get(os.path.basename(obj)[:-2])
        if src:
            pairs.append((obj, src))
    addon = os.path.join(build, "nginx", "objs", "addon")
    for obj in glob.glob(os.path.join(addon, "ngx_lead_module", "*.o")):
        src = os.path.join(ROOT, "ngx_lead_module",
                           os.path.basename(obj)[:-2] + ".c")
        pairs.append((obj, src))
    return pairs


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCVW":
            defined.add(parts[2])
    return defined, used


def graph(build):
    pairs = objects(build)
    owner, uses = {}, {}
    for obj, src in pairs:
        defined, used = symbols(obj)
        for sym in defined:
            owner[sym] = src
        uses[src] = used
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for src, used in uses.items():
        for sym in used:
            dst = owner.get(sym)
            if dst and dst != src:
                edges[src][dst].add(sym)
    return sorted(uses), edges


def cycles(files, edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in files:
        if v not in index:
            visit(v)
    return out


def rel(p):
    return os.path.relpath(p, ROOT)


def sizes():
    faults = []
    names = {}
    for f in subprocess.run(["git", "-C", ROOT, "ls-files", "*.c"],
                            capture_output=True, text=True).stdout.split():
        base = os.path.basename(f)
        if base in names:
            # objects are named by the file alone (the Makefile's vpath)
            faults.append(f"{f} and {names[base]}: one name for two files")
        names[base] = f
    sources = subprocess.run(["git", "-C", ROOT, "ls-files", "*.c", "*.h",
                              "*.py", "*.sh"],
                             capture_output=True, text=True).stdout.split()
    for f in sources:
        path = os.path.join(ROOT, f)
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as fh:
            n = sum(1 for _ in fh)
        limit = LIMITS.get(os.path.basename(f), LIMITS["source"])
        if n > limit:
            faults.append(f"{f}: {n} lines, over {limit}")
    readme = os.path.join(ROOT, "README.md")
    with open(readme) as fh:
        n = sum(1 for _ in fh)
    if n > LIMITS["README.md"]:
        faults.append(f"README.md: {n} lines, over {LIMITS['README.md']}")
    return faults


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    files, edges = graph(sys.argv[1])
    if not files:
        print(f"layers: no objects under {sys.argv[1]}", file=sys.stderr)
        return 2
    if "--graph" in sys.argv:
        for src in sorted(files, key=lambda f: (layer_of(f) or 0, f)):
            lay = layer_of(src)
            print(f"{rel(src)} [{LAYERS[lay] if lay is not None else '?'}]")
            for dst, syms in sorted(edges[src].items()):
                print(f"    -> {rel(dst)}: {', '.join(sorted(syms)[:6])}")
        return 0
    faults = []
    for comp in cycles(files, edges):
        faults.append("cycle: " + " <-> ".join(rel(f) for f in comp))
    for src in files:
        a = layer_of(src)
        if a is None:
            faults.append(f"{rel(src)}: in no layer's folder")
            continue
        for dst, syms in edges[src].items():
            b = layer_of(dst)
            if b is not None and b > a:
                faults.append(f"{rel(src)} ({LAYERS[a]}) uses "
                              f"{rel(dst)} ({LAYERS[b]}) above it: "
                              + ", ".join(sorted(syms)[:4]))
    faults += sizes()
    for f in faults:
        print("layers: " + f)
    nedges = sum(len(d) for d in edges.values())
    print(f"layers: {len(files)} files, {nedges} uses, "
          f"{len(faults)} faults")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
