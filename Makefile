# gtfs2pgsql and pgsql2gtfs: plain Makefile.  make; make check; make demo;
# make install; make deb.
#   SANITIZE=address,undefined  build with sanitizers
#   V=1                         show the commands

PROG      = gtfs2pgsql
EXPORT    = pgsql2gtfs
PREFIX   ?= /usr/local
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man/man1
DATADIR   = $(PREFIX)/share/gtfs2pgsql
DESTDIR  ?=
REFERENCE ?= ../shared/gtfs-reference.tsv
VALIDATOR_NOTICES ?= ../shared/validator-notices.tsv

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
            -Wformat=2
PKGS      = libpq libzip proj libcrypto
# pkg-config once per make, not once per compile
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(CPPFLAGS) $(CFLAGS) \
             $(PKG_CFLAGS) -pthread -MMD -MP
LIBS      = $(PKG_LIBS) -lcsv -lm -pthread

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q =
else
Q = @
endif

# The tree (README.md, "Layout"): src/common (buf, log, db, ...), src/gtfs
# (the feed as data: no libpq), src/load (the loader's pipeline),
# src/export, each folder above using only those before it; src/bin/PROG
# holds each program's main.  Every module of the folders goes into one
# static library that the programs, the unit tests and the fuzz target
# link: each takes from it only the modules it calls.
LIB_DIRS = common gtfs load export
LIB_SRCS = $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
OBJS = $(patsubst src/%.c,build/%.o,$(LIB_SRCS))
# SQL bodies live in schema/sql/*.sql (readable, and run by psql -f in
# tests/sqlfiles.sh); each becomes const char sql_NAME[] in the library
SQL_FILES = $(wildcard schema/sql/*.sql)
SQL_OBJS  = $(patsubst schema/sql/%.sql,build/sql/%.o,$(SQL_FILES))
# the rules of the validator (schema/rules/*.sql, src/load/validate.c):
# each is const char sql_rule_NAME[], and build/sql/rules.c lists them all
RULE_FILES = $(sort $(wildcard schema/rules/*.sql))
RULE_NAMES = $(patsubst schema/rules/%.sql,%,$(RULE_FILES))
SQL_OBJS  += $(patsubst %,build/sql/rule_%.o,$(RULE_NAMES)) build/sql/rules.o
LIB  = build/libgtfs2pgsql.a
PROG_OBJS   = $(patsubst src/%.c,build/%.o,$(wildcard src/bin/$(PROG)/*.c))
EXPORT_OBJS = $(patsubst src/%.c,build/%.o,$(wildcard src/bin/$(EXPORT)/*.c))

all: $(PROG) $(EXPORT)

$(LIB): $(OBJS) $(SQL_OBJS)
	@echo "  AR    $@"
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(PROG): $(PROG_OBJS) $(LIB)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(EXPORT): $(EXPORT_OBJS) $(LIB)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Every object depends on the flags it was built with: "make
# SANITIZE=address,undefined" after "make" rebuilds everything, and back.
FLAGS_STAMP = build/flags
FLAGS_NOW   = $(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LIBS)
$(FLAGS_STAMP): FORCE | build
	$(Q)echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@

build/%.o: src/%.c $(FLAGS_STAMP) | build
	@echo "  CC    $<"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/sql/%.c: schema/sql/%.sql schema/sqlc.awk | build
	@echo "  SQL   $<"
	$(Q)mkdir -p $(@D)
	$(Q)awk -v name=$* -f schema/sqlc.awk $< > $@.tmp && mv $@.tmp $@

build/sql/rule_%.c: schema/rules/%.sql schema/sqlc.awk | build
	@echo "  SQL   $<"
	$(Q)mkdir -p $(@D)
	$(Q)awk -v name=rule_$* -v path=$< -f schema/sqlc.awk $< > $@.tmp && mv $@.tmp $@

# remade when a rule comes or goes (the list of names is its content)
build/sql/rules.c: schema/rules.sh FORCE | build
	$(Q)mkdir -p $(@D)
	$(Q)sh schema/rules.sh $(RULE_NAMES) > $@.tmp && \
		(cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@)

build/sql/%.o: build/sql/%.c $(FLAGS_STAMP)
	@echo "  CC    $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

.SECONDARY: $(patsubst %.o,%.c,$(SQL_OBJS))

# the unit tests reach into the loader's row path (src/load/load_run.h)
build/tests/%.o: tests/%.c $(FLAGS_STAMP) | build
	@echo "  CC    $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Isrc/load -c -o $@ $<

build:
	$(Q)mkdir -p build/tests build/policy-test

# The test build of gtfs2pgsql: notice.c with GTFS2PGSQL_POLICY_TEST, whose
# table the environment can change (GTFS2PGSQL_POLICY=kind=action,...), so
# that tests/notices.py sees a changed rule change the load.  Never
# installed: the real program reads no such variable.
POLICY_TEST = build/policy-test/gtfs2pgsql
$(POLICY_TEST): $(PROG_OBJS) build/policy-test/notice.o $(LIB)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

build/policy-test/notice.o: src/gtfs/notice.c $(FLAGS_STAMP) | build
	@echo "  CC    $< (policy test)"
	$(Q)mkdir -p build/policy-test
	$(Q)$(CC) $(ALL_CFLAGS) -DGTFS2PGSQL_POLICY_TEST -c -o $@ $<

build/unit: build/tests/unit.o $(LIB)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The test files against a server, two at a time, longest first.
TEST_FILES = tests/integration.py tests/notices.py tests/failures.py tests/rules.py \
             tests/timetable.py tests/hostile.py tests/trust.py tests/export.py tests/report_html.py \
             tests/archive.py tests/layout.py tests/side.py tests/examples.py \
             tests/lines.py tests/replace.py tests/analysis.py tests/remote.py \
             tests/rules_hostile.py

# The feed mutation harness (tests/fuzz_feeds.py) in check: a fixed seed
# for a bounded time; any failing case fails the run.  FUZZ_FEEDS_FLAGS
# passes more options (--fixtures, --only NAME, ...).
FUZZ_FEEDS_SECONDS ?= 60
FUZZ_FEEDS_SEED    ?= 22
FUZZ_FEEDS_FLAGS   ?=
FUZZ_FEEDS = tests/fuzz_feeds.py --seconds $(FUZZ_FEEDS_SECONDS) \
             --seed $(FUZZ_FEEDS_SEED) $(FUZZ_FEEDS_FLAGS)

# The checks of the tree, then the integration tests against a real server
# (a throwaway one under pg_virtualenv when no PG* server answers) and the
# unit tests of pure code, summed by tests/run-all in one closing line
# "N passed, N failed, N skipped" (a skip for a reason it does not list
# fails).  The packages are not looked for here: "make deps check" on a
# fresh machine.
check:
	$(MAKE) $(PROG) $(EXPORT) build/unit $(POLICY_TEST)
	tests/generated.sh
	tests/floors.sh
	tests/manpages.sh
	tests/fuzz_feeds.py --self-test
	tests/with-postgres sh -c 'tests/sqlfiles.sh && \
	  tests/run-all $(TEST_FILES) build/unit && $(FUZZ_FEEDS)'

# The same against the server the PG* environment names, as it is.
installcheck: $(PROG) $(EXPORT) build/unit $(POLICY_TEST)
	tests/generated.sh
	tests/floors.sh
	tests/manpages.sh
	tests/fuzz_feeds.py --self-test
	tests/sqlfiles.sh
	tests/run-all $(TEST_FILES) build/unit
	$(FUZZ_FEEDS)

# The feed mutation harness for longer: make fuzz-feeds SECONDS=1800 [SEED=S]
# (a random seed unless given; every failing case in
# build/fuzz-feeds/failures/SEED-N/, with its README).
SECONDS ?= 600
fuzz-feeds: $(PROG)
	tests/fuzz_feeds.py --seconds $(SECONDS) $(if $(SEED),--seed $(SEED))

# Installs missing Debian packages (as root), so that a fresh machine needs
# no other step before "make demo" or "make check".
deps:
	@.ci/install-deps

# libFuzzer on the row parser and value conversion: FUZZ_SECONDS of it,
# starting from the fixtures' files.
FUZZ_SECONDS ?= 60
# src/gtfs with the modules of src/common its files include (buf, log,
# ...: none with libpq), found from their #include lines
GTFS_COMMON = $(foreach m,$(shell sed -n 's/^\#include "\([a-z_0-9]*\)\.h"$$/\1/p' \
                src/gtfs/*.c | sort -u),$(wildcard src/common/$(m).c))
FUZZ_SRCS = tests/fuzz_row.c $(wildcard src/gtfs/*.c) $(GTFS_COMMON)
fuzz:
	mkdir -p build/fuzz-corpus
	for f in fixtures/*/*.txt; do cp $$f build/fuzz-corpus/$$(echo $$f | tr / _); done
	clang -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 \
	  -fsanitize=fuzzer,address,undefined -o build/fuzz_row $(FUZZ_SRCS) \
	  $(shell pkg-config --cflags --libs $(PKGS)) -lcsv -lm
	build/fuzz_row -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -print_final_stats=1 build/fuzz-corpus

# Speed and memory against the COPY floor and gtfs-via-postgres
# (bench/README.md): an hour on 2 cores; BENCH_SIZES etc. shorten it.
bench: deps
	bench/run

# gtfs-via-postgres's query benchmark on MTA Brooklyn, both tools loaded in
# one server (bench/README.md, "Their query benchmark"): 30-60 minutes.
bench-queries: $(PROG)
	bench/queries.sh

# What the validator's rules add to a load: MTA Brooklyn and a generated
# 10M feed, with and without, alternating (bench/README.md, "The rules'
# cost"): 10-15 minutes.
bench-rules: $(PROG)
	bench/rules.sh

# A thousand small feeds and the real ones in one database, -j 1 and -j 2
# (bench/README.md, "Archive"): 12-15 minutes on 2 cores.
bench-archive: $(PROG)
	bench/archive.sh

# Regenerates the catalog from the GTFS reference, REFERENCE: a file of
# ../shared, outside the repository (its output, src/gtfs/catalog_gtfs.c,
# is committed; tests/generated.sh checks the two agree when it is there).
catalog: $(REFERENCE) $(VALIDATOR_NOTICES)
	awk -f schema/catalog.awk $(REFERENCE) > src/gtfs/catalog_gtfs.c.tmp
	mv src/gtfs/catalog_gtfs.c.tmp src/gtfs/catalog_gtfs.c
	awk -f schema/validator.awk $(VALIDATOR_NOTICES) > src/gtfs/validator_codes.c.tmp
	mv src/gtfs/validator_codes.c.tmp src/gtfs/validator_codes.c

schema/gtfs.sql: $(PROG)
	./$(PROG) --print-schema > $@

# Always on a throwaway cluster of its own, whatever PG* reaches.
demo: deps
	$(MAKE) $(PROG) $(EXPORT)
	tests/with-postgres --throwaway tests/demo.sh

install: $(PROG) $(EXPORT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)
	install -m 755 $(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	install -m 755 $(EXPORT) $(DESTDIR)$(BINDIR)/$(EXPORT)
	install -m 644 man/$(PROG).1 man/$(EXPORT).1 $(DESTDIR)$(MANDIR)
	install -m 644 schema/gtfs.sql $(DESTDIR)$(DATADIR)

# The man pages: groff warns of nothing, and each gives its program's
# long options and exit codes (also part of check).
checkman: $(PROG) $(EXPORT)
	tests/manpages.sh

# The Debian package, build/deb/gtfs2pgsql_VERSION_ARCH.deb, and its source
# package (.dsc, .tar.xz), both checked by lintian (packages:
# dpkg-dev debhelper; lintian for the check).  dpkg-buildpackage writes
# beside the tree and cleans it, so it builds a copy under build/deb of the
# files git tracks, as they are in the working tree; the version is
# include/version.h's, which debian/changelog must give too (debian/rules
# checks).
VERSION := $(shell sed -n 's/^\#define GTFS2PGSQL_VERSION "\(.*\)"$$/\1/p' \
             include/version.h)
deb:
	rm -rf build/deb
	mkdir -p build/deb/src
	tree=$$(git stash create) && git archive $${tree:-HEAD} | \
	  tar -x -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc
	@ls build/deb/gtfs2pgsql_$(VERSION)_*.deb
	@if command -v lintian >/dev/null; then \
	  echo "lintian build/deb/gtfs2pgsql_$(VERSION)_*.changes"; \
	  lintian --fail-on error build/deb/gtfs2pgsql_$(VERSION)_*.changes; \
	else echo "lintian not installed: the package is not checked"; fi

clean:
	rm -rf build $(PROG) $(EXPORT)

FORCE:

.PHONY: FORCE all check installcheck checkman deps bench bench-archive bench-queries bench-rules catalog demo fuzz \
        fuzz-feeds install \
        deb clean

-include $(shell find build -name '*.d' 2>/dev/null)
