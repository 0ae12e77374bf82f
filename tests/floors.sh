#!/bin/sh
# The layout's rule (README.md, "Layout"): a module of a folder of src/
# includes headers only of modules of its own folder or of the folders
# before it (common, gtfs, load, export; src/bin uses all).  Exit 1 naming
# each include that runs back up.
cd "$(dirname "$0")/.." || exit 1
order="common gtfs load export bin"
floor() {
	i=0
	for d in $order; do
		[ "$d" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
}
# the folder of the module a header belongs to (include/x.h: src/*/x.c)
home() {
	for f in src/*/"$1".c src/*/*/"$1".c src/*/"$1".h; do
		[ -e "$f" ] && { echo "$f" | cut -d/ -f2; return; }
	done
}
bad=0
for f in $(find src -name '*.[ch]') $(ls include/*.h); do
	case $f in
	include/*) me=$(home "$(basename "$f" .h)") ;;
	*) me=$(echo "$f" | cut -d/ -f2) ;;
	esac
	[ -n "$me" ] || continue
	for h in $(sed -n 's/^#include "\([a-z_0-9]*\)\.h"$/\1/p' "$f"); do
		dep=$(home "$h")
		[ -n "$dep" ] || continue		# a header of no module (version.h)
		if [ "$(floor "$dep")" -gt "$(floor "$me")" ]; then
			echo "$f ($me) includes $h.h ($dep): an arrow back up" >&2
			bad=1
		fi
	done
done
# src/gtfs is the feed as data: no libpq in it (the fuzz target links it
# with the src/common modules it includes, and no server)
if grep -l 'libpq-fe.h\|"db.h"\|"copy.h"' src/gtfs/*.c src/gtfs/*.h 2>/dev/null; then
	echo "src/gtfs: the files above use libpq" >&2
	bad=1
fi
[ $bad = 0 ] && echo "ok - src/ folders include only their own and those before"
exit $bad
