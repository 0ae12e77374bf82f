# bench/databases.sh: the benchmarks' databases, sourced by bench/run,
# bench/export.sh and bench/archive.sh (bash, set -eu).
#
# A benchmark drops and makes databases of fixed names on the server PG*
# reaches, which may be one that matters.  So it says which server it
# writes to before it writes, makes each database with a comment that marks
# it as the benchmarks' (COMMENT ON DATABASE), and drops only a database
# bearing that mark: a database of one of its names that it did not make is
# left alone, and the benchmark stops before doing anything.

BENCH_DB_MARK='made by the gtfs2pgsql benchmarks (bench/), which drop it'

bench_db_psql() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

# bench_db_server WHO DB...: says on stderr where WHO writes DB...
bench_db_server() {
	local who=$1 where
	shift
	where=$(psql -X -d postgres -c '\conninfo' |
		sed -n 's/^You are connected to database "[^"]*" as user \("[^"]*"\) \(.*\)\.$/as user \1 \2/p')
	echo "$who: writes databases $* (made and dropped by it) on the server" \
		"reached ${where:-by the PG* environment}${BENCH_IN_VIRTUALENV:+, a throwaway cluster of pg_virtualenv}" >&2
}

# bench_db_state DB: "absent", "ours" (it bears the mark and belongs to the
# role the benchmark runs as: only a database's owner can comment on it, so
# that another role's, marked by that role, is not ours) or "not ours"
bench_db_state() {
	local state
	state=$(bench_db_psql -At -v db="$1" -v mark="$BENCH_DB_MARK" <<-'EOF'
		SELECT CASE WHEN shobj_description(oid, 'pg_database') = :'mark'
		       AND datdba = (SELECT r.oid FROM pg_roles r
		                     WHERE r.rolname = current_user)
		       THEN 'ours' ELSE 'not ours' END
		FROM pg_database WHERE datname = :'db'
	EOF
	)
	echo "${state:-absent}"
}

# bench_db_check WHO DB...: exits 1 (with a message) when one of DB... is
# there and not ours (bench_db_state)
bench_db_check() {
	local who=$1 db
	shift
	for db in "$@"; do
		if [ "$(bench_db_state "$db")" = "not ours" ]; then
			echo "$who: database \"$db\" exists on this server and was not made by" \
				"the benchmarks (its comment is not \"$BENCH_DB_MARK\", or its" \
				"owner is not $(bench_db_psql -Atc 'SELECT current_user')): it is" \
				"left alone and $who stops; rename or drop it yourself, or point" \
				"PGHOST/PGPORT at another server" >&2
			exit 1
		fi
	done
}

# bench_db_drop WHO DB: drops DB if it bears the mark; nothing if it is not
# there; exits 1 if it is there without it
bench_db_drop() {
	bench_db_check "$1" "$2"
	[ "$(bench_db_state "$2")" = absent ] ||
		bench_db_psql -v db="$2" <<<'DROP DATABASE :"db"'
}

# bench_db_create DB [TEMPLATE]: makes DB (from TEMPLATE), marked
bench_db_create() {
	bench_db_psql -v db="$1" -v template="${2:-template1}" -v mark="$BENCH_DB_MARK" <<-'EOF'
		CREATE DATABASE :"db" TEMPLATE :"template";
		COMMENT ON DATABASE :"db" IS :'mark';
	EOF
}
