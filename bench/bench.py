#!/usr/bin/env python3
"""Helpers of bench/run (python3 standard library only).

  bench.py floor-sql FEED.zip SCHEMA   psql script of the COPY floor
  bench.py floor-sql FEED.zip SCHEMA PRINT_SCHEMA.sql
                                       the same, then gtfs2pgsql's keys and
                                       indexes (from its --print-schema output)
                                       on the floor's tables: floor+keys
  bench.py count FEED.zip              stop_times records (non-blank lines - 1)
  bench.py report RESULTS.csv OUTDIR   median table on stdout, OUTDIR/summary.md,
                                       OUTDIR/bench.svg
"""
import csv
import io
import math
import os
import re
import statistics
import sys
import zipfile

BOM = "\ufeff"


def ident(name):
    return '"' + name.replace('"', '""') + '"'


KEY_SECTION = "-- once the data is in"
# --print-schema quotes every name ("gtfs"."stops" ("stop_id")); the quotes
# are optional here, so that an older binary's output reads as well
KEY_RE = re.compile(r'^(?:ALTER TABLE "?gtfs"?\."?(\w+)"? ADD (PRIMARY KEY)'
                    r'|CREATE (UNIQUE )?INDEX ON "?gtfs"?\."?(\w+)"?) '
                    r'\(([\w", ]+)\)( NULLS NOT DISTINCT)?;$')
COLUMN_RE = re.compile(r'^\t(\w+|"(?:[^"]|"")*") (\w+(?: \w+)*?)( COLLATE "C")?(?:\W|$)')


def schema_keys(path):
    """The keys and indexes gtfs2pgsql builds on the files' tables, read from
    its --print-schema output (bench/run writes it with the binary it
    measures): the statements of the section "once the data is in" that
    name plain columns (the GiST indexes of geom, shape_lines, locations
    and service_days come later or name tables the floor does not have).
    Returns (keys, bytewise): keys = [(table, how, [column...], nulls_nd)]
    in gtfs2pgsql's order, how "primary", "unique" or "index";
    bytewise[table] = the columns that compare bytewise there: text
    COLLATE "C" (ids) or not text at all (integer, date, ...)."""
    keys, bytewise, table, in_keys = [], {}, None, False
    for line in open(path):
        line = line.rstrip("\n")
        m = re.match(r'^CREATE TABLE "?gtfs"?\."?(\w+)"? \($', line)
        if m:
            table, in_keys = m.group(1), False
            bytewise[table] = set()
            continue
        if table:
            if line.startswith(")"):
                table = None
                continue
            m = COLUMN_RE.match(line)
            if m and (m.group(3) or m.group(2) != "text"):
                bytewise[table].add(m.group(1).strip('"').replace('""', '"'))
            continue
        if line.startswith(KEY_SECTION):
            in_keys = True
            continue
        m = KEY_RE.match(line) if in_keys else None
        if not m:
            in_keys = False
            continue
        how = "primary" if m.group(2) else "unique" if m.group(3) else "index"
        keys.append((m.group(1) or m.group(4), how,
                     [c.strip().strip('"') for c in m.group(5).split(",")], bool(m.group(6))))
    if not keys:
        sys.exit("bench.py: no keys found in %s (the --print-schema output "
                 "changed?)" % path)
    return keys, bytewise


def key_sql(qt, how, cols, nulls_nd):
    cl = ", ".join(ident(c) for c in cols)
    if how == "primary":
        return "ALTER TABLE %s ADD PRIMARY KEY (%s);" % (qt, cl)
    return "CREATE %sINDEX ON %s (%s)%s;" % (
        "UNIQUE " if how == "unique" else "", qt, cl,
        " NULLS NOT DISTINCT" if nulls_nd else "")


def floor_sql(feed, schema, print_schema=None):
    """One psql session, one transaction: per .txt member an all-text table
    named after the file (columns = the header's names) and a client-side
    \\copy from 'unzip -p' piped through sed (BOM of line 1 and blank lines
    removed; COPY's csv format takes CRLF as it is).

    With print_schema (floor+keys), then in the same transaction the keys
    and indexes gtfs2pgsql builds, on the same text columns: as it does, a
    key over the key columns the file has (none: no key), an index only on
    a column the file has.  The key and index columns that gtfs2pgsql
    compares bytewise (ids in COLLATE "C"; integers, dates) are text
    COLLATE "C" here (declared in CREATE TABLE: a primary key takes the
    column's collation), the others keep the database's."""
    feed = os.path.abspath(feed)
    if re.search(r"['\"$`\\]", feed):
        sys.exit("bench.py: feed path must not contain quotes, $, ` or \\: " + feed)
    keys, bytewise = schema_keys(print_schema) if print_schema else ([], {})
    out = ["\\set ON_ERROR_STOP 1", "BEGIN;", "CREATE SCHEMA %s;" % ident(schema)]
    seen = set()
    tables = {}     # the floor's table of each GTFS file: name -> (qualified, columns)
    with zipfile.ZipFile(feed) as z:
        for info in z.infolist():
            m = info.filename
            base = os.path.basename(m)
            if info.is_dir() or not base.lower().endswith(".txt") or m.startswith("__MACOSX/"):
                continue
            if re.search(r"['\"$`\\*?\[\]]", m):
                print("bench.py: skipping member with awkward name: %r" % m, file=sys.stderr)
                continue
            with z.open(info) as f:
                first = f.readline().decode("utf-8", "replace")
            first = first.lstrip(BOM).rstrip("\r\n")
            if not first.strip():
                continue		# empty file: nothing for COPY HEADER to skip
            cols = next(csv.reader(io.StringIO(first)))
            names, used = [], set()
            for i, c in enumerate(cols):
                c = c.strip() or "col%d" % (i + 1)
                n, k = c, 2
                while n in used:
                    n, k = "%s_%d" % (c, k), k + 1
                used.add(n)
                names.append(n)
            table = re.sub(r"[^a-z0-9_]", "_", base[:-4].lower()) or "t"
            t, k = table, 2
            while t in seen:
                t, k = "%s_%d" % (table, k), k + 1
            seen.add(t)
            qt = "%s.%s" % (ident(schema), ident(t))
            tables[t] = (qt, names)
            keyed = set(c for kt, _, kc, _ in keys if kt == t for c in kc)
            bw = keyed & bytewise.get(t, set())
            out.append("CREATE TABLE %s (%s);" % (qt, ", ".join(
                ident(n) + (' text COLLATE "C"' if n in bw else " text") for n in names)))
            prog = ('unzip -p "%s" "%s" | sed -e "1s/^\\xEF\\xBB\\xBF//" -e "/^\\r*$/d"'
                    % (feed, m))
            out.append("\\copy %s from program '%s' with (format csv, header)" % (qt, prog))
    for t, how, cols, nulls_nd in keys:
        if t not in tables:
            continue
        qt, names = tables[t]
        cols = [c for c in cols if c in names]
        if cols:
            out.append(key_sql(qt, how, cols, nulls_nd))
    out.append("COMMIT;")
    return "\n".join(out) + "\n"


def count_stop_times(feed):
    with zipfile.ZipFile(feed) as z:
        names = [n for n in z.namelist() if os.path.basename(n) == "stop_times.txt"]
        if not names:
            return 0
        n = 0
        with z.open(names[0]) as f:
            for line in f:
                if line.strip(b"\r\n\t \xef\xbb\xbf"):
                    n += 1
        return max(n - 1, 0)


# --------------------------------------------------------------- report

TOOLS = ["floor", "floor+keys", "gtfs2pgsql", "gtfs2pgsql-nogeom", "gtfs-via-postgres", "baseline"]
SHORT = {"floor": "floor", "floor+keys": "floor+keys", "gtfs2pgsql": "g2p",
         "gtfs2pgsql-nogeom": "g2p-nogeom", "gtfs-via-postgres": "gvp", "baseline": "base"}


def fnum(x, d=2):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.*f" % (d, x)


def load(path):
    rows = list(csv.DictReader(open(path)))
    feeds = {}     # feed -> {"n": stop_times, "tools": {tool: [row...]}, "fail": {tool: status}}
    order = []
    for r in rows:
        f = feeds.get(r["feed"])
        if f is None:
            f = feeds[r["feed"]] = {"n": int(r["stop_times"]), "ok": {}, "fail": {}}
            order.append(r["feed"])
        if r.get("status", "ok") == "ok":
            f["ok"].setdefault(r["tool"], []).append(r)
        else:
            f["fail"][r["tool"]] = r["status"]
    order.sort(key=lambda k: (not k.startswith("synthetic"), feeds[k]["n"], k))
    return feeds, order


def med(rows, key):
    v = [float(r[key]) for r in rows if r.get(key) not in (None, "", "NA")]
    return statistics.median(v) if v else None


def summarize(feeds, order):
    out = []
    for name in order:
        f = feeds[name]
        s = {"feed": name, "n": f["n"], "runs": 0}
        for t in TOOLS:
            rs = f["ok"].get(t)
            if rs:
                s[t] = {k: med(rs, k) for k in ("wall_s", "cpu_s", "peak_rss_kb", "server_cpu_s")}
                s["runs"] = max(s["runs"], len(rs))
            elif t in f["fail"]:
                s[t] = f["fail"][t]
            else:
                s[t] = None
        out.append(s)
    return out


def wall(s, t):
    v = s.get(t)
    return v["wall_s"] if isinstance(v, dict) else None


def cell(s, t):
    v = s.get(t)
    if isinstance(v, dict):
        return fnum(v["wall_s"])
    if isinstance(v, str):
        return "fails" if v.startswith("fail") else v
    return "-"


def ratio(a, b):
    return fnum(a / b) if a is not None and b else "-"


def tcpu(s, t):
    """client + server CPU seconds (medians of each)"""
    v = s.get(t)
    if not isinstance(v, dict) or v.get("cpu_s") is None:
        return None
    return v["cpu_s"] + (v.get("server_cpu_s") or 0)


def per_m(s, t):
    w = wall(s, t)
    return fnum(w / (s["n"] / 1e6)) if w is not None and s["n"] >= 100000 else "-"


def rss(s, t):
    v = s.get(t)
    return fnum(v["peak_rss_kb"] / 1024, 1) if isinstance(v, dict) and v["peak_rss_kb"] else "-"


def cpu(s, t):
    v = s.get(t)
    if not isinstance(v, dict):
        return "-"
    c = fnum(v["cpu_s"])
    if v.get("server_cpu_s") is not None:
        c += " + " + fnum(v["server_cpu_s"])
    return c


def table(summary):
    head = ["feed", "stop_times", "floor s", "floor+keys s", "g2p s", "g2p-nogeom s", "gvp s",
            "g2p/floor", "g2p/(floor+keys)", "nogeom/floor", "gvp/floor", "gvp/g2p", "g2p/floor cpu",
            "floor s/M", "g2p s/M", "gvp s/M",
            "floor MB", "g2p MB", "gvp MB",
            "g2p cpu s (client + server)", "floor cpu s (client + server)"]
    rows = []
    for s in summary:
        rows.append([
            s["feed"], "{:,}".format(s["n"]),
            cell(s, "floor"), cell(s, "floor+keys"), cell(s, "gtfs2pgsql"),
            cell(s, "gtfs2pgsql-nogeom"), cell(s, "gtfs-via-postgres"),
            ratio(wall(s, "gtfs2pgsql"), wall(s, "floor")),
            ratio(wall(s, "gtfs2pgsql"), wall(s, "floor+keys")),
            ratio(wall(s, "gtfs2pgsql-nogeom"), wall(s, "floor")),
            ratio(wall(s, "gtfs-via-postgres"), wall(s, "floor")),
            ratio(wall(s, "gtfs-via-postgres"), wall(s, "gtfs2pgsql")),
            ratio(tcpu(s, "gtfs2pgsql"), tcpu(s, "floor")),
            per_m(s, "floor"), per_m(s, "gtfs2pgsql"), per_m(s, "gtfs-via-postgres"),
            rss(s, "floor"), rss(s, "gtfs2pgsql"), rss(s, "gtfs-via-postgres"),
            cpu(s, "gtfs2pgsql"), cpu(s, "floor"),
        ])
    # BENCH_BASELINE: another build of gtfs2pgsql, run alternately with this one
    if any(s.get("baseline") for s in summary):
        head += ["base s", "g2p/base", "g2p/base cpu"]
        for s, r in zip(summary, rows):
            r += [cell(s, "baseline"), ratio(wall(s, "gtfs2pgsql"), wall(s, "baseline")),
                  ratio(tcpu(s, "gtfs2pgsql"), tcpu(s, "baseline"))]
    return head, rows


def text_table(head, rows):
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(x).rjust(w[i]) if i else str(x).ljust(w[i]) for i, x in enumerate(r))
             for r in [head] + rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


COLORS = {"floor": "#777777", "floor+keys": "#ff7f0e", "gtfs2pgsql": "#1f77b4", "gtfs2pgsql-nogeom": "#2ca02c",
          "gtfs-via-postgres": "#d62728", "baseline": "#9467bd"}


def svg_chart(summary, path):
    """Two log-log panels: median wall time and median peak RSS against
    stop_times, one line per tool over the synthetic ladder, the real feeds
    as hollow markers."""
    W, H, PW, PH, ML, MT = 1180, 470, 380, 340, 80, 50
    pts = [s for s in summary if s["n"] >= 1000]	# tiny feeds would only stretch the axis
    if not pts:
        return
    xs = [s["n"] for s in pts]
    x0 = 10 ** math.floor(math.log10(min(xs)))
    x1 = 10 ** math.ceil(math.log10(max(xs)))
    if x1 == x0:
        x1 = x0 * 10
    panels = [("wall time (s, median)", "wall_s", 1.0), ("client peak RSS (MB, median)", "peak_rss_kb", 1 / 1024)]
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="22" font-size="15" font-weight="bold">gtfs2pgsql benchmark: time and memory against feed size</text>' % ML]
    for pi, (title, key, scale) in enumerate(panels):
        ox = ML + pi * (PW + 130)
        vals = [s[t][key] * scale for s in pts for t in TOOLS
                if isinstance(s.get(t), dict) and s[t].get(key)]
        if not vals:
            continue
        y0 = 10 ** math.floor(math.log10(min(vals)))
        y1 = 10 ** math.ceil(math.log10(max(vals)))
        if y1 == y0:
            y1 = y0 * 10

        def X(v):
            return ox + PW * (math.log10(v) - math.log10(x0)) / (math.log10(x1) - math.log10(x0))

        def Y(v):
            return MT + PH - PH * (math.log10(v) - math.log10(y0)) / (math.log10(y1) - math.log10(y0))
        o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>' % (ox, MT, PW, PH))
        o.append('<text x="%d" y="%d" text-anchor="middle" font-weight="bold">%s</text>' % (ox + PW / 2, MT - 8, title))
        e = math.log10(x0)
        while e <= math.log10(x1) + 1e-9:
            v = 10 ** e
            o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#ddd"/>' % (X(v), X(v), MT, MT + PH))
            lab = "%g" % v if v < 1e3 else "%gk" % (v / 1e3) if v < 1e6 else "%gM" % (v / 1e6)
            o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (X(v), MT + PH + 16, lab))
            e += 1
        e = math.log10(y0)
        while e <= math.log10(y1) + 1e-9:
            v = 10 ** e
            o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (ox, ox + PW, Y(v), Y(v)))
            o.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (ox - 5, Y(v) + 4, v))
            e += 1
        o.append('<text x="%d" y="%d" text-anchor="middle">stop_times rows (log)</text>' % (ox + PW / 2, MT + PH + 34))
        for t in TOOLS:
            syn = [(s["n"], s[t][key] * scale) for s in pts
                   if s["feed"].startswith("synthetic") and isinstance(s.get(t), dict) and s[t].get(key)]
            syn.sort()
            if len(syn) > 1:
                o.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                         % (COLORS[t], " ".join("%.1f,%.1f" % (X(a), Y(b)) for a, b in syn)))
            for a, b in syn:
                o.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (X(a), Y(b), COLORS[t]))
            for s in pts:
                if not s["feed"].startswith("synthetic") and isinstance(s.get(t), dict) and s[t].get(key):
                    o.append('<circle cx="%.1f" cy="%.1f" r="4" fill="none" stroke="%s" stroke-width="1.5"><title>%s</title></circle>'
                             % (X(s["n"]), Y(s[t][key] * scale), COLORS[t], s["feed"]))
    # legend
    ly = MT + 10
    lx = ML + 2 * PW + 130 + 30
    for i, t in enumerate(TOOLS):
        o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>' % (lx, lx + 20, ly + 18 * i, ly + 18 * i, COLORS[t]))
        o.append('<text x="%d" y="%d">%s</text>' % (lx + 25, ly + 18 * i + 4, t))
    nt = len(TOOLS)
    o.append('<circle cx="%d" cy="%d" r="3.5" fill="#333"/><text x="%d" y="%d">synthetic ladder</text>' % (lx + 10, ly + 18 * nt + 6, lx + 25, ly + 18 * nt + 10))
    o.append('<circle cx="%d" cy="%d" r="4" fill="none" stroke="#333"/><text x="%d" y="%d">real feeds</text>' % (lx + 10, ly + 18 * (nt + 1) + 6, lx + 25, ly + 18 * (nt + 1) + 10))
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


def report(results, outdir):
    feeds, order = load(results)
    summary = summarize(feeds, order)
    head, rows = table(summary)
    print(text_table(head, rows))
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(md_table(head, rows) + "\n")
    svg_chart(summary, os.path.join(outdir, "bench.svg"))


def main(argv):
    if len(argv) in (4, 5) and argv[1] == "floor-sql":
        sys.stdout.write(floor_sql(*argv[2:]))
    elif len(argv) == 3 and argv[1] == "count":
        print(count_stop_times(argv[2]))
    elif len(argv) == 4 and argv[1] == "report":
        report(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
