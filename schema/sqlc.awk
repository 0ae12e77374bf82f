# sqlc.awk: a .sql file as a C string, const char sql_NAME[] (NAME: the
# file's name without .sql), for the Makefile (build/sql/NAME.c).  Lines
# that are only a comment ("-- ...") are left out: they are for people.
# Nothing is substituted: the SQL takes its values as parameters.
#   awk -v name=NAME [-v path=FILE] -f schema/sqlc.awk schema/sql/NAME.sql
BEGIN {
	if (path == "")
		path = "schema/sql/" name ".sql"
	printf "/* generated from %s by the Makefile: do not edit */\n", path
	printf "extern const char sql_%s[];\n", name
	printf "const char sql_%s[] =\n", name
	n = 0
}
/^[ \t]*--/ { next }
{
	# backslashes doubled by hand: what a replacement "\\" of gsub makes
	# differs between awks
	npieces = split($0, piece, /\\/)
	line = piece[1]
	for (i = 2; i <= npieces; i++)
		line = line "\\\\" piece[i]
	$0 = line
	gsub(/"/, "\\\"")
	gsub(/\t/, "\\t")
	# lines joined by newlines, none after the last: the caller ends the
	# statement (a file may be one piece of a longer one)
	newline = n > 0 ? "\\n" : ""
	printf "\"%s%s\"\n", newline, $0
	n++
}
END {
	if (n == 0)
		printf "\"\"\n"
	printf ";\n"
}
