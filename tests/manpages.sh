#!/bin/bash
#
# manpages.sh: man/PROGRAM.1 of each program formats without a warning
# from groff, and documents the same long options and exit codes as the
# program's --help, so that neither can drift from the other.
#
set -u
cd "$(dirname "$0")/.."

failed=0

not_ok() {
	echo "not ok - $*"
	failed=1
}

# The first words of the lines of section $2 of --help text $1 that are
# indented by two spaces, e.g. the exit codes "0" ... "130, 143"; the
# section's heading may end in a remark, as "Exit status (with ...):".
help_codes() {
	printf '%s\n' "$1" | sed -n "/^$2\( (.*)\)\{0,1\}:\$/,/^\$/p" |
		sed -n 's/^  \([0-9][0-9, ]*\) .*/\1/p' | tr -d ' ' | tr , '\n'
}

for prog in gtfs2pgsql pgsql2gtfs; do
	page=man/$prog.1
	for device in ps utf8; do
		warnings=$(groff -ww -man -T$device -z "$page" 2>&1)
		if [ -n "$warnings" ]; then
			not_ok "$page: groff -ww -man -T$device warns:"
			printf '%s\n' "$warnings" | sed 's/^/#   /'
		else
			echo "ok - $page: groff -ww -man -T$device prints no warning"
		fi
	done

	help=$(./$prog --help)
	# the page's source with "\-" as "-"; an option's heading is a line
	# of .B or .BI starting with it, as in "-s name" or "--schema=name"
	source=$(sed 's/\\-/-/g' "$page")
	page_opts=$(printf '%s\n' "$source" | grep -E '^\.BI? "?-' |
		grep -oE -- '--[a-z][a-z-]*' | sort -u)
	help_opts=$(printf '%s\n' "$help" | grep -E '^  +(-[^ ], )?--' |
		grep -oE -- '--[a-z][a-z-]*' | sort -u)
	missing=$(comm -23 <(echo "$help_opts") <(echo "$page_opts"))
	extra=$(comm -13 <(echo "$help_opts") <(echo "$page_opts"))
	if [ -z "$help_opts" ]; then
		not_ok "$prog --help lists no long option"
	elif [ -n "$missing$extra" ]; then
		[ -n "$missing" ] && not_ok "$page lacks" $missing
		[ -n "$extra" ] && not_ok "$page has what --help lacks:" $extra
	else
		echo "ok - $page and --help list the same" \
			"$(echo "$help_opts" | wc -l) long options"
	fi

	# each exit code of --help is a label of the page's EXIT STATUS
	codes=$(help_codes "$help" "Exit status")
	labels=$(printf '%s\n' "$source" |
		sed -n '/^\.SH "EXIT STATUS"/,/^\.SH /p' | grep -A1 '^\.TP' |
		grep -oE '^\.BR? [0-9][0-9 ",]*' | grep -oE '[0-9]+' | sort -nu)
	if [ -z "$codes" ]; then
		not_ok "$prog --help lists no exit code"
	elif [ "$(echo "$codes" | sort -nu)" != "$labels" ]; then
		not_ok "$page EXIT STATUS has" $labels "but --help" $codes
	else
		echo "ok - $page and --help give the same exit codes:" $codes
	fi
done
exit $failed
