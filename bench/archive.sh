#!/bin/bash
#
# bench/archive.sh: an archive of a thousand small feeds in one database.
#
#   bench/archive.sh                       # = make bench-archive: 1,000 feeds
#   ARCHIVE_FEEDS=30 bench/archive.sh      # a quick look
#
# Environment:
#   ARCHIVE_FEEDS   synthetic feeds (default 1000), agency_0001.zip ...,
#                   2,000 to 5,000 stop_times each, a seed each
#   ARCHIVE_REAL    "all" (default: ../shared/feeds/*.zip and
#                   ../shared/feeds/defective/*.zip when present) or "none"
#   ARCHIVE_JOBS    the -j values to run (default "1 2")
#   ARCHIVE_RUNS    timed runs of each query (default 5)
#   ARCHIVE_PROBES  loads of the probe feed before and after (default 5)
#
# For each -j J: a fresh database bench_archive_jJ (server settings as they
# are: max_locks_per_transaction is not raised), PostGIS created outside the
# timing, then one command loads every feed, the synthetic ones first in
# order, then the real ones:
#
#   gtfs2pgsql -d bench_archive_jJ -q -j J --report out.json FEED...
#
# Before that command and after it, the feed of the one-feed queries is
# loaded ARCHIVE_PROBES times alone, as new feeds probe_first_N and
# probe_last_N: the same feed's import time as one of the first feeds and
# as the last (the command's own first and last feeds differ in size,
# since the biggest start first).
# And, with all of them loaded, the queries: one feed through the
# cross-feed table and through its schema, every feed's count, and the
# locks a one-feed query takes.  Writes bench/out/archive/results.json and
# bench/out/archive.md and prints the table.  The synthetic feeds are
# cached in bench/out/archive/feeds/ (rebuilt when genfeed.c changes).
# It says first which server it writes to, and drops only the databases it
# made (bench/databases.sh).
#
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
cd "$root"

nfeeds=${ARCHIVE_FEEDS:-1000}
jobs=${ARCHIVE_JOBS:-1 2}
runs=${ARCHIVE_RUNS:-5}
nprobes=${ARCHIVE_PROBES:-5}
out=bench/out/archive
mkdir -p "$out/feeds"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

psql -X -q -c 'select 1' -d postgres >/dev/null || {
	echo "bench/archive.sh: no PostgreSQL server reachable (set PGHOST, PGPORT)" >&2
	exit 2
}
. bench/databases.sh
archive_dbs=
for j in $jobs; do archive_dbs="$archive_dbs bench_archive_j$j"; done
bench_db_server bench/archive.sh $archive_dbs
bench_db_check bench/archive.sh $archive_dbs

# ------------------------------------------------------------------ build
make -s gtfs2pgsql >&2
cp ./gtfs2pgsql "$out/gtfs2pgsql"	# a private copy: others may rebuild
g2p=$out/gtfs2pgsql
g2p_version="$("$g2p" --version | head -1) ($(git log -1 --format='%h %cd' --date=format:'%Y-%m-%d %H:%M' 2>/dev/null || echo '?')$(git status --porcelain src include 2>/dev/null | grep -q . && echo ', src modified' || true))"
cc -O2 -std=c11 -Wall -o bench/out/genfeed bench/genfeed.c -lm

# ------------------------------------------------------------------ feeds
gen_sum=$(sha256sum bench/genfeed.c | cut -c1-16)
if [ "$(cat "$out/feeds/.genfeed" 2>/dev/null)" != "$gen_sum" ]; then
	rm -f "$out"/feeds/agency_*.zip
	echo "$gen_sum" >"$out/feeds/.genfeed"
fi
feeds=()
made=0
for i in $(seq 1 "$nfeeds"); do
	f=$(printf '%s/feeds/agency_%04d.zip' "$out" "$i")
	if [ ! -s "$f" ]; then
		# sizes spread over 2,000-5,000 stop_times, the same for the same i
		bench/out/genfeed --seed "$i" --stop-times $((2000 + i * 7919 % 3001)) \
			"$out/feeds/tmp.zip" 2>/dev/null
		mv "$out/feeds/tmp.zip" "$f"
		made=$((made + 1))
	fi
	feeds+=("$f")
done
[ "$made" -eq 0 ] || log "generated $made feeds in $out/feeds"
nsynth=${#feeds[@]}
if [ "${ARCHIVE_REAL:-all}" = all ]; then
	for f in ../shared/feeds/*.zip ../shared/feeds/defective/*.zip; do
		[ -e "$f" ] && feeds+=("$f")
	done
fi
log "${#feeds[@]} feeds: $nsynth synthetic, $((${#feeds[@]} - nsynth)) real"
# the one feed of the one-feed queries: a synthetic one halfway
probe_i=$(((nsynth + 1) / 2))
probe=$(printf 'agency_%04d' "$probe_i")
probe_rows=$((2000 + probe_i * 7919 % 3001))

# --------------------------------------------------------------- database
current=
cleanup() {
	[ -z "$current" ] || bench_db_drop bench/archive.sh "$current" 2>/dev/null || true
}
trap cleanup EXIT

# probes WHEN DB: the same feed (the one of the one-feed queries) loaded
# PROBES times as a new feed, each alone, before the archive (WHEN
# "first") or after it ("last"): its seconds, as JSON lines
probes() {
	local when=$1 db=$2 i
	for i in $(seq 1 "$nprobes"); do
		"$g2p" -d "$db" -q --feed-id "probe_${when}_$i" --report "$out/probe.json" \
			"${feeds[$((probe_i - 1))]}" >/dev/null 2>&1 || echo "probe $when $i failed" >&2
		python3 -c 'import json, sys; print(json.dumps({"probe": sys.argv[1],
			"seconds": json.load(open(sys.argv[2]))["total"]["seconds"]}))' \
			"$when" "$out/probe.json" >>"$out/probes.json"
	done
}

# queries DB: times of the queries (ms, the first in a new session, then
# ARCHIVE_RUNS more) and the locks of a one-feed query, as JSON lines
queries() {
	local db=$1 name sql
	for name in feed schema all; do
		case $name in
		feed) sql="SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = '$probe'" ;;
		schema) sql="SELECT count(*) FROM $probe.stop_times" ;;
		all) sql="SELECT feed_id, count(*) FROM gtfs2pgsql.stop_times GROUP BY 1" ;;
		esac
		local args=(-c '\timing on')
		for _ in $(seq 0 "$runs"); do args+=(-c "$sql"); done
		# an error (no lock slots left) is a result, not the end of the bench
		psql -X -At -d "$db" "${args[@]}" >"$out/query.out" 2>"$out/query.err" || true
		python3 - "$name" "$out/query.out" "$out/query.err" <<-'EOF'
			import json, re, sys
			name, outf, errf = sys.argv[1:]
			text = open(outf).read()
			ms = [float(m) for m in re.findall(r'^Time: ([0-9.]+) ms', text, re.M)]
			rows = [l for l in text.splitlines() if l and not l.startswith(('Time:', 'Timing'))]
			err = [l for l in open(errf).read().splitlines() if l.strip()]
			print(json.dumps({"query": name, "ms": ms, "rows": len(rows),
			                  "first_row": rows[0] if rows else None, "errors": err}))
		EOF
	done
	# the locks: taken in the query's transaction, read before it ends
	psql -X -q -At -F ' ' -d "$db" -c 'BEGIN' \
		-c "SELECT count(*) FROM gtfs2pgsql.stop_times WHERE feed_id = '$probe'" \
		-c "SELECT l.relation::regclass, l.mode FROM pg_locks l
			WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
			ORDER BY 1::text" \
		-c 'COMMIT' | sed 1d >"$out/locks.out"
	# the feed's relations: the cross-feed table, the hash partition the
	# feed is in, the feed's partition tree and their indexes
	psql -X -At -d "$db" -v ON_ERROR_STOP=1 -c "
		WITH t AS (SELECT relid FROM pg_partition_tree('$probe.stop_times')
		           UNION SELECT 'gtfs2pgsql.stop_times'::regclass
		           UNION SELECT inhparent FROM pg_inherits
		           WHERE inhrelid = '$probe.stop_times'::regclass)
		SELECT relid::regclass FROM t
		UNION SELECT indexrelid::regclass FROM pg_index WHERE indrelid IN (SELECT relid FROM t)" \
		>"$out/feedrels.out"
	# and the number the count of every feed takes
	psql -X -q -At -F ' ' -d "$db" -c 'BEGIN' \
		-c "SELECT feed_id, count(*) FROM gtfs2pgsql.stop_times GROUP BY 1" \
		-c "SELECT 'locks', count(*) FROM pg_locks
			WHERE pid = pg_backend_pid() AND locktype = 'relation'" \
		-c 'COMMIT' 2>/dev/null | sed -n 's/^locks //p' >"$out/locks-all.out" || true
	python3 - "$out/locks.out" "$out/feedrels.out" "$out/locks-all.out" <<-'EOF'
		import json, sys
		locks = [l.split(' ', 1) for l in open(sys.argv[1]).read().splitlines() if l]
		mine = set(open(sys.argv[2]).read().split())
		feed = [r for r, m in locks if r in mine]
		catalog = [r for r, m in locks if r not in mine and r.startswith('pg_')]
		other = [r for r, m in locks if r not in mine and not r.startswith('pg_')]
		all_locks = open(sys.argv[3]).read().strip()
		print(json.dumps({"query": "locks", "locks": locks, "feed": feed,
		                  "catalog": catalog, "other": other,
		                  "all_feeds_locks": int(all_locks) if all_locks else None}))
	EOF
}

# ---------------------------------------------------------------- measure
results=$out/results.json
: >"$results.tmp"
server=$(psql -X -At -d postgres -c 'select version()' | cut -d' ' -f1-2)
settings=$(psql -X -At -d postgres -c "select string_agg(name || ' ' || setting, ', ' order by name) from pg_settings where name in ('max_locks_per_transaction', 'max_connections', 'max_prepared_transactions', 'shared_buffers')")
for j in $jobs; do
	db=bench_archive_j$j
	bench_db_drop bench/archive.sh "$db"
	bench_db_psql -c 'CHECKPOINT'
	bench_db_create "$db"
	current=$db
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION postgis'
	log "-j $j: ${#feeds[@]} feeds into $db"
	load=$(cut -d' ' -f1 /proc/loadavg)
	rm -f "$out/probes.json"
	probes first "$db"
	rc=0
	/usr/bin/time -f '%e' -o "$out/time.txt" "$g2p" -d "$db" -q -j "$j" \
		--report "$out/report-j$j.json" "${feeds[@]}" >"$out/load-j$j.log" 2>&1 || rc=$?
	wall=$(tail -1 "$out/time.txt")
	log "  ${wall}s, exit $rc"
	probes last "$db"
	[ "$rc" -eq 0 ] || tail -5 "$out/load-j$j.log" | sed 's/^/    | /' >&2
	probed=$(cat "$out/probes.json"); rm -f "$out/probes.json"
	dbinfo=$(psql -X -At -F ' ' -d "$db" -c "SELECT (SELECT count(*) FROM gtfs2pgsql.feeds),
		(SELECT count(*) FROM pg_class), pg_database_size(current_database())")
	log "  queries on $probe"
	q=$(queries "$db")
	python3 - "$j" "$wall" "$rc" "$load" "$nsynth" "$out/report-j$j.json" "$dbinfo" "$q" "$out/load-j$j.log" "$probe_rows" "$probed" >>"$results.tmp" <<-'EOF'
		import json, sys
		j, wall, rc, load, nsynth, report, dbinfo, q, logf, probe_rows, probed = sys.argv[1:]
		errors = [l.rstrip() for l in open(logf, errors="replace") if ": error: " in l]
		try:
		    feeds = json.load(open(report))
		except (OSError, ValueError) as e:
		    feeds = []
		registry, relations, size = (int(x) for x in dbinfo.split())
		def swap_seconds(f):
		    steps = (f.get("report") or {}).get("steps") or []
		    return sum(s["seconds"] for s in steps if s["step"] == "swap") if steps else None
		print(json.dumps({"jobs": int(j), "wall_s": float(wall), "exit": int(rc),
		                  "loadavg": float(load), "synthetic": int(nsynth),
		                  "feeds": [dict({k: f.get(k) for k in ("feed_id", "status", "exit", "started", "seconds")},
		                                 swap=swap_seconds(f)) for f in feeds],
		                  "errors": errors, "registry": registry, "probe_rows": int(probe_rows), "relations": relations, "db_bytes": size,
		                  "probes": [json.loads(l) for l in probed.splitlines()],
		                  "queries": [json.loads(l) for l in q.splitlines()]}))
	EOF
	bench_db_drop bench/archive.sh "$db"
	current=
done
mv "$results.tmp" "$results"

echo
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
echo "Archive, $(date -u '+%Y-%m-%d %H:%M UTC'): server $server ($settings); $(nproc) cores ($cpu), $mem; $g2p_version" |
	tee "$out/../archive.md"
python3 - "$results" <<-'EOF' | tee -a "$out/../archive.md"
	import json, statistics, sys
	runs = [json.loads(l) for l in open(sys.argv[1])]
	med = statistics.median
	def f2(x): return "-" if x is None else f"{x:.2f}"
	print()
	print("| -j | feeds | failed | wall s | feeds/min | vs -j 1 | first 20 s | last 20 s | last/first | swap first 20 s | swap last 20 s | probe first s | probe last s | probe last/first | relations | database |")
	print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	base = None
	for r in runs:
	    fs = r["feeds"]
	    # in the order they started: the biggest feeds start first
	    started = sorted(fs[:r["synthetic"]], key=lambda f: f.get("started") or 0)
	    synth = [f["seconds"] for f in started]
	    first, last = (med(synth[:20]), med(synth[-20:])) if synth else (None, None)
	    swaps = [f["swap"] for f in started if f["swap"] is not None]
	    sfirst, slast = (med(swaps[:20]), med(swaps[-20:])) if swaps else (None, None)
	    pf = [p["seconds"] for p in r.get("probes", []) if p["probe"] == "first"]
	    pl = [p["seconds"] for p in r.get("probes", []) if p["probe"] == "last"]
	    pfirst, plast = (med(pf) if pf else None), (med(pl) if pl else None)
	    fail = [f for f in fs if f["status"] not in ("loaded", "skipped")]
	    fpm = len(fs) / r["wall_s"] * 60 if r["wall_s"] else 0
	    if base is None:
	        base = fpm
	    r["fpm"] = fpm
	    print(f"| {r['jobs']} | {len(fs)} | {len(fail)} | {r['wall_s']:.1f} | {fpm:.1f} | {f2(fpm / base)} | "
	          f"{f2(first)} | {f2(last)} | {f2(last / first if first else None)} | "
	          f"{f2(sfirst)} | {f2(slast)} | {f2(pfirst)} | {f2(plast)} | "
	          f"{f2(plast / pfirst if pfirst else None)} | {r['relations']:,} | {r['db_bytes'] / 2**30:.2f} GB |")
	print()
	print("Queries at the end (ms: median of the runs after the first; the first, in a new session, in brackets):")
	print()
	print("| -j | one feed (feed_id =) | its schema | every feed (GROUP BY feed_id) | relation locks of one feed | of every feed |")
	print("|---:|---:|---:|---:|---:|---:|")
	notes = []
	for r in runs:
	    cells = {}
	    for q in r["queries"]:
	        if q["query"] == "locks":
	            cells["locks"] = q
	            continue
	        if q["errors"]:
	            cells[q["query"]] = "fails"
	            notes.append(f"-j {r['jobs']}, {q['query']}: " + " / ".join(q["errors"][:2]))
	        else:
	            cells[q["query"]] = f"{med(q['ms'][1:]):.1f} ({q['ms'][0]:.0f})" if len(q["ms"]) > 1 else "-"
	    lk = cells["locks"]
	    verdict = "only the feed's" if not lk["other"] else "OTHERS: " + ", ".join(lk["other"][:5])
	    print(f"| {r['jobs']} | {cells['feed']} | {cells['schema']} | {cells['all']} | "
	          f"{len(lk['feed'])} ({verdict}; +{len(lk['catalog'])} catalog) | {lk['all_feeds_locks']} |")
	    if r["exit"]:
	        notes.append(f"-j {r['jobs']}: exit {r['exit']}")
	    notes += [f"-j {r['jobs']}: {e}" for e in r["errors"][:20]]
	    for f in r["feeds"]:
	        if f["status"] not in ("loaded", "skipped"):
	            notes.append(f"-j {r['jobs']}: {f['feed_id']} {f['status']} (exit {f['exit']})")
	print()
	for r in runs:
	    real = r["feeds"][r["synthetic"]:]
	    if real:
	        print(f"-j {r['jobs']}, the real feeds, loaded after the synthetic ones (s): " +
	              ", ".join(f"{f['feed_id']} {f['seconds']:.2f}" for f in real))
	    lk = [q for q in r["queries"] if q["query"] == "locks"][0]
	    print(f"-j {r['jobs']}, locks of the one-feed query: " +
	          ", ".join(f"{rel} {mode}" for rel, mode in lk["locks"]))
	    qs = {q["query"]: q for q in r["queries"]}
	    print(f"-j {r['jobs']}: {r['registry']} feeds in gtfs2pgsql.feeds; the one feed's count "
	          f"{qs['feed']['first_row']} (its schema's {qs['schema']['first_row']}, expected "
	          f"{r['probe_rows']}); the cross-feed count {qs['all']['rows'] // (len(qs['all']['ms']) or 1)} "
	          f"feeds; load average {r['loadavg']} before the load")
	for n in notes:
	    print("NOTE: " + n)
EOF
