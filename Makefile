# gtfs2pgsql and pgsql2gtfs: plain Makefile.  make; make check; make demo;
# make install.
#   SANITIZE=address,undefined  build with sanitizers
#   V=1                         show the commands

PROG      = gtfs2pgsql
EXPORT    = pgsql2gtfs
PREFIX   ?= /usr/local
BINDIR    = $(PREFIX)/bin
DESTDIR  ?=
REFERENCE ?= ../shared/gtfs-reference.tsv

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
            -Wformat=2
PKGS      = libpq libzip proj libcrypto
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(CFLAGS) \
             $(shell pkg-config --cflags $(PKGS)) -MMD -MP
LIBS      = $(shell pkg-config --libs $(PKGS)) -lcsv -lm

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q =
else
Q = @
endif

# every module but the two mains goes into a static library both link
MAINS = src/main.c src/pgsql2gtfs.c
SRCS = $(wildcard src/*.c)
OBJS = $(patsubst src/%.c,build/%.o,$(filter-out $(MAINS),$(SRCS)))
LIB  = build/libgtfs2pgsql.a
# the modules with no database in them
UNIT_OBJS = $(addprefix build/,buf.o catalog.o catalog_gtfs.o convert.o \
            csvread.o geom.o log.o report.o source.o)

all: $(PROG) $(EXPORT)

$(LIB): $(OBJS)
	@echo "  AR    $@"
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(PROG): build/main.o $(LIB)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(EXPORT): build/pgsql2gtfs.o $(LIB)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

build/%.o: src/%.c | build
	@echo "  CC    $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/tests/%.o: tests/%.c | build
	@echo "  CC    $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build:
	$(Q)mkdir -p build/tests

build/unit: build/tests/unit.o $(UNIT_OBJS)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The test files against a server, two at a time, longest first.
TEST_FILES = tests/integration.py tests/notices.py tests/timetable.py \
             tests/hostile.py tests/export.py tests/archive.py

# Unit tests of pure code, then integration tests against a real server
# (a throwaway one under pg_virtualenv when no PG* server answers).  The
# packages are not looked for here: "make deps check" on a fresh machine.
check:
	$(MAKE) $(PROG) $(EXPORT) build/unit
	build/unit
	tests/generated.sh
	tests/with-postgres tests/run-all $(TEST_FILES)

# The same against the server the PG* environment names, as it is.
installcheck: $(PROG) $(EXPORT) build/unit
	build/unit
	tests/generated.sh
	tests/run-all $(TEST_FILES)

# Installs missing Debian packages (as root), so that a fresh machine needs
# no other step before "make demo" or "make check".
deps:
	@.ci/install-deps

# libFuzzer on the row parser and value conversion: FUZZ_SECONDS of it,
# starting from the fixtures' files.
FUZZ_SECONDS ?= 60
FUZZ_SRCS = tests/fuzz_row.c src/buf.c src/catalog.c src/catalog_gtfs.c \
            src/convert.c src/csvread.c src/log.c src/source.c
fuzz:
	mkdir -p build/fuzz-corpus
	for f in fixtures/*/*.txt; do cp $$f build/fuzz-corpus/$$(echo $$f | tr / _); done
	clang -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 \
	  -fsanitize=fuzzer,address,undefined -o build/fuzz_row $(FUZZ_SRCS) \
	  $(shell pkg-config --cflags --libs libzip libcrypto libpq) -lcsv
	build/fuzz_row -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -print_final_stats=1 build/fuzz-corpus

# Speed and memory against the COPY floor and gtfs-via-postgres
# (bench/README.md): an hour on 2 cores; BENCH_SIZES etc. shorten it.
bench: deps
	bench/run

# Regenerates the catalog from the GTFS reference.
catalog: $(REFERENCE)
	awk -f schema/catalog.awk $(REFERENCE) > src/catalog_gtfs.c.tmp
	mv src/catalog_gtfs.c.tmp src/catalog_gtfs.c

schema/gtfs.sql: $(PROG)
	./$(PROG) --print-schema > $@

demo: deps
	$(MAKE) $(PROG) $(EXPORT)
	tests/with-postgres tests/demo.sh

install: $(PROG) $(EXPORT)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	install -m 755 $(EXPORT) $(DESTDIR)$(BINDIR)/$(EXPORT)

clean:
	rm -rf build $(PROG) $(EXPORT)

.PHONY: all check installcheck deps bench catalog demo fuzz install clean

-include $(wildcard build/*.d build/tests/*.d)
