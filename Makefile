# dlp-milter - one non-recursive Makefile.
#
#   make deps          install every Debian package needed (idempotent)
#   make / make all    build the engine, dlp-milter, dlp-scan, unit tests
#   make run           deps + all, then run dlp-milter in the foreground
#   make test          deps + all, then every test (see tests/run-tests)
#   make soak          the long load through a real Postfix: 20,000
#                      messages over 50 sessions, every one accounted for,
#                      the daemon's RSS after warm-up vs at the end
#   make eval          accuracy on the generated labelled corpus (tests/eval/,
#                      docs/accuracy.md): per-detector P/R/F1, message actions
#   make install       binaries, /etc/dlp-milter, rules, notice templates
#                      (edited ones are kept), systemd unit
#   make format-check  clang-format on every C file
#   make format        rewrite C files in place with clang-format
#   make fuzz          libFuzzer targets (clang), FUZZ_SECONDS each
#                      (default 60), FUZZ_TARGETS to choose; see
#                      docs/fuzzing.md. make test replays their saved
#                      crashers without clang (fuzz-replay)

PREFIX	?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR	?=
B	:= build

CC	?= cc
PKGS	:= libfyaml libpcre2-8 libutf8proc jansson libarchive libxml-2.0 nettle sqlite3 \
	   poppler-glib libgsf-1 libhs
# -isystem: warnings in GLib's and poppler's headers are not ours
PKG_CFLAGS := $(patsubst -I%,-isystem %,\
	      $(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmagic

WARN	:= -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	   -Wstrict-prototypes -Wno-unused-parameter
HARDEN	:= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -DDLP_SYSCONFDIR='"$(SYSCONFDIR)"' \
	   $(WARN) $(HARDEN) $(PKG_CFLAGS) \
	   $(if $(CI),-Werror)
LDFLAGS	+= -pie -Wl,-z,relro,-z,now

# Debian packages: build, test, run. `make deps` installs what is missing.
DEB_PKGS := gcc make pkg-config libc6-dev clang-format \
	libmilter-dev libpcre2-dev libutf8proc-dev libfyaml-dev \
	libjansson-dev libcmocka-dev \
	libmagic-dev libarchive-dev libxml2-dev libpoppler-glib-dev \
	poppler-data libgsf-1-dev nettle-dev \
	postfix swaks python3 procps iproute2 \
	zip unzip p7zip-full qpdf lhasa gcab zstd xz-utils bzip2 \
	python3-openpyxl python3-docx python3-odf python3-reportlab \
	python3-xlwt fonts-ipafont-gothic libreoffice-writer-nogui \
	mecab-ipadic skkdic-extra python3-yaml python3-cryptography \
	libsqlite3-dev sqlite3 libvectorscan-dev \
	clang-14 libclang-rt-14-dev

DAEMON_SRCS := milter/dlp_milter.c milter/milter_glue.c milter/log.c \
	       milter/tcp_tune.c \
	       milter/incident.c
SCAN_SRCS   := milter/dlp_scan.c
QUAR_SRCS   := milter/dlp_quarantine.c
ENGINE_SRCS := $(filter-out $(DAEMON_SRCS) $(SCAN_SRCS) $(QUAR_SRCS), \
		$(sort $(wildcard milter/*.c)))
ENGINE_OBJS := $(ENGINE_SRCS:milter/%.c=$(B)/obj/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:milter/%.c=$(B)/obj/%.o)
SCAN_OBJS   := $(SCAN_SRCS:milter/%.c=$(B)/obj/%.o)
QUAR_OBJS   := $(QUAR_SRCS:milter/%.c=$(B)/obj/%.o)
LIB	    := $(B)/libdlp.a

UNIT_SRCS   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

BINS := $(B)/dlp-milter $(B)/dlp-scan $(B)/dlp-quarantine

# Dictionaries of the person_record detector, generated from Debian's
# mecab-ipadic and skkdic-extra data (never committed: see tools/mkdict).
DICTS := patterns/dict/jp_surnames.txt patterns/dict/jp_given_names.txt \
	 patterns/dict/jp_postal.txt

# The same engine, dlp-scan, dlp-quarantine and unit tests under
# AddressSanitizer (with LeakSanitizer) and UBSan, in $(B)/asan/: tests/run-tests
# runs the unit and corpus tests again with them, tests/attach/t_bombs feeds
# them hostile input. -fno-sanitize-recover=all: any UBSan report ends the
# program with a non-zero exit, so it fails its test.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
ASAN_ENGINE_OBJS := $(ENGINE_SRCS:milter/%.c=$(B)/asan/%.o)
ASAN_OBJS  := $(ASAN_ENGINE_OBJS) $(SCAN_SRCS:milter/%.c=$(B)/asan/%.o)
ASAN_LIB   := $(B)/asan/libdlp.a
ASAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/asan/tests/%)
ASAN_BINS  := $(B)/asan/dlp-scan $(B)/asan/dlp-quarantine $(ASAN_UNIT_BINS)

.PHONY: all deps user run test bench soak eval install format \
	format-check clean asan-flags fuzz fuzz-build fuzz-replay
all: $(BINS) $(UNIT_BINS) $(ASAN_BINS) $(DICTS)

$(DICTS) &: tools/mkdict
	tools/mkdict patterns/dict

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' \
	    $(DEB_PKGS) 2>/dev/null | awk '$$2 != "ii" {print $$1}'; \
	    for p in $(DEB_PKGS); do dpkg-query -W $$p >/dev/null 2>&1 \
	    || echo $$p; done); \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -n "$${missing% }" ]; then \
		echo "deps: installing $$missing"; \
		echo "postfix postfix/main_mailer_type select No configuration" \
		    | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y -qq --no-install-recommends $$missing \
		    >/dev/null || exit 1; \
	else echo "deps: all $(words $(DEB_PKGS)) packages present"; fi

$(B)/obj/%.o: milter/%.c milter/*.h | $(B)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/asan/%.o: milter/%.c milter/*.h | $(B)/asan
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

$(ASAN_LIB): $(ASAN_ENGINE_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/asan/dlp-scan: $(SCAN_SRCS:milter/%.c=$(B)/asan/%.o) $(ASAN_LIB)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/asan/dlp-quarantine: $(QUAR_SRCS:milter/%.c=$(B)/asan/%.o) $(ASAN_LIB)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/asan/tests/%: tests/unit/%.c $(ASAN_LIB) milter/*.h | $(B)/asan/tests
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -Imilter -o $@ $< $(ASAN_LIB) \
	    $(PKG_LIBS) -lcmocka

# the flags, for tests/sanitize/selfcheck (it builds its own faulty programs)
asan-flags:
	@echo $(ASAN_FLAGS)

$(B)/obj $(B)/tests $(B)/asan $(B)/asan/tests:
	mkdir -p $@

$(LIB): $(ENGINE_OBJS)
	rm -f $@
	ar rcs $@ $^

# libmilter statically, its sigwait() wrapped: SIGHUP is ours, not a stop;
# its accept() and read() wrapped: TCP_NODELAY and TCP_QUICKACK on every
# MTA connection (see milter/dlp_milter.c)
$(B)/dlp-milter: $(DAEMON_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -Wl,--wrap=sigwait \
	    -Wl,--wrap=accept -Wl,--wrap=read -l:libmilter.a -lpthread

$(B)/dlp-scan: $(SCAN_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/dlp-quarantine: $(QUAR_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(LIB) milter/*.h | $(B)/tests
	$(CC) $(CFLAGS) -Imilter -o $@ $< $(LIB) $(PKG_LIBS) -lcmocka

# test_milter_glue and test_log #include daemon sources (not in libdlp.a)
$(B)/tests/test_milter_glue $(B)/asan/tests/test_milter_glue \
$(B)/tests/test_log $(B)/asan/tests/test_log: $(DAEMON_SRCS)

$(B)/dlp-bench: tests/bench/dlp_bench.c $(LIB) milter/*.h
	$(CC) $(CFLAGS) -Imilter $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

# postfix_bench's floor: a milter that accepts everything, linked as
# dlp-milter is
$(B)/null-milter: tests/bench/null_milter.c $(B)/obj/tcp_tune.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -Wl,--wrap=accept \
	    -Wl,--wrap=read -l:libmilter.a -lpthread

# Speed, as ratios against baselines measured in the same run.
bench: deps user
	$(MAKE) all $(B)/dlp-bench $(B)/null-milter
	tests/bench/run

# The long form of tests/load/t_load (make test runs the short one).
soak: deps user
	$(MAKE) all
	tests/load/t_load --messages 20000 --sessions 50 --warmup 5000

# Accuracy on the labelled corpus: a measurement, exit 0 (see tests/eval/).
eval: all
	/usr/bin/python3 tests/eval/gen_eval.py -o $(B)/eval/corpus
	/usr/bin/python3 tests/eval/eval.py --corpus $(B)/eval/corpus \
	    --outdir $(B)/eval

# The daemon's own user (milter.user): it starts as root, opens its
# socket, then runs as dlp-milter. Made once (idempotent).
user:
	@id -u dlp-milter >/dev/null 2>&1 || useradd --system --user-group \
	    --no-create-home --home-dir /var/lib/dlp-milter \
	    --shell /usr/sbin/nologin dlp-milter

run: deps user
	$(MAKE) all
	./$(B)/dlp-milter -f -c conf/dlp-milter.yaml

test: deps user
	$(MAKE) all fuzz-replay
	tests/run-tests

install: all user
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(SYSCONFDIR)/dlp-milter/patterns \
	    $(DESTDIR)$(SYSCONFDIR)/dlp-milter/patterns/dict \
	    $(DESTDIR)/lib/systemd/system
	install -m 0755 $(B)/dlp-milter $(DESTDIR)$(PREFIX)/sbin/dlp-milter
	install -m 0755 $(B)/dlp-scan $(DESTDIR)$(PREFIX)/bin/dlp-scan
	install -m 0755 $(B)/dlp-quarantine \
	    $(DESTDIR)$(PREFIX)/sbin/dlp-quarantine
	install -m 0644 patterns/*.yaml patterns/VERSION \
	    $(DESTDIR)$(SYSCONFDIR)/dlp-milter/patterns/
	install -m 0644 patterns/dict/*.txt \
	    $(DESTDIR)$(SYSCONFDIR)/dlp-milter/patterns/dict/
	# installed: the secret in the state directory (the service's user
	# creates it there: /etc is read-only to it), notices by SMTP (the
	# hardened unit cannot run the setgid postdrop behind sendmail)
	test -f $(DESTDIR)$(SYSCONFDIR)/dlp-milter/dlp-milter.yaml || \
	    sed -e 's|^  dir: ../patterns|  dir: patterns|' \
	    -e 's|^secret_file: dlp-milter.key|secret_file: /var/lib/dlp-milter/dlp-milter.key|' \
	    -e 's|^  transport: sendmail|  transport: smtp|' \
	    conf/dlp-milter.yaml \
	    > $(DESTDIR)$(SYSCONFDIR)/dlp-milter/dlp-milter.yaml
	install -d $(DESTDIR)$(SYSCONFDIR)/dlp-milter/templates
	for f in conf/templates/*.txt conf/templates/README.md; do \
	    t=$(DESTDIR)$(SYSCONFDIR)/dlp-milter/templates/$${f##*/}; \
	    test -f $$t || install -m 0644 $$f $$t || exit 1; done
	sed 's|@SBINDIR@|$(PREFIX)/sbin|; s|@SYSCONFDIR@|$(SYSCONFDIR)|' \
	    conf/dlp-milter.service \
	    > $(DESTDIR)/lib/systemd/system/dlp-milter.service
	for u in dlp-quarantine-expire.service dlp-quarantine-expire.timer; do \
	    sed 's|@SBINDIR@|$(PREFIX)/sbin|; s|@SYSCONFDIR@|$(SYSCONFDIR)|' \
	    conf/$$u > $(DESTDIR)/lib/systemd/system/$$u || exit 1; done

C_FILES = $(wildcard milter/*.c milter/*.h tests/unit/*.c tests/unit/*.h \
	    tests/bench/*.c tests/fuzz/*.c tests/fuzz/*.h)
format-check:
	@clang-format --dry-run --Werror $(C_FILES) && \
	    echo "format-check: $(words $(C_FILES)) files clean"

format:
	clang-format -i $(C_FILES)

# Fuzzing (docs/fuzzing.md). One target per tests/fuzz/fuzz_<t>.c, built
# twice: with clang's libFuzzer into $(B)/fuzz/<t> (the engine compiled
# with -fsanitize=fuzzer-no-link), for make fuzz; and with gcc, the ASan
# engine objects above and tests/fuzz/replay_main.c into
# $(B)/fuzz-replay/<t>, for make test (tests/fuzz/t_fuzz_replay), which
# replays tests/fuzz/regress/<t>/ and a few seeds without clang.
CLANG	     ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_ALL     := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE \
		-DDLP_SYSCONFDIR='"$(SYSCONFDIR)"' $(WARN) $(PKG_CFLAGS) \
		$(FUZZ_SAN)
FUZZ_OBJS    := $(ENGINE_SRCS:milter/%.c=$(B)/fuzz/obj/%.o)
FUZZ_BINS    := $(FUZZ_ALL:%=$(B)/fuzz/%)
REPLAY_BINS  := $(FUZZ_ALL:%=$(B)/fuzz-replay/%)
ASAN_ENGINE  := $(ENGINE_SRCS:milter/%.c=$(B)/asan/%.o)
FUZZ_DEFS    := -Imilter -DFUZZ_TOP='"$(CURDIR)"'

# the objects outlive the link (pattern-rule prerequisites are deleted
# as intermediate otherwise)
.SECONDARY: $(FUZZ_OBJS)

$(B)/fuzz/obj/%.o: milter/%.c milter/*.h | $(B)/fuzz/obj
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_OBJS) \
	    milter/*.h
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_DEFS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_OBJS) $(PKG_LIBS)

$(B)/fuzz-replay/%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c \
	    tests/fuzz/fuzz_common.h $(ASAN_ENGINE) milter/*.h \
	    | $(B)/fuzz-replay
	$(CC) $(CFLAGS) $(ASAN_FLAGS) $(FUZZ_DEFS) -o $@ $< \
	    tests/fuzz/replay_main.c $(ASAN_ENGINE) $(PKG_LIBS)

$(B)/fuzz/obj $(B)/fuzz-replay:
	mkdir -p $@

fuzz-build: $(FUZZ_BINS)

fuzz-replay: $(REPLAY_BINS)

fuzz: deps
	$(MAKE) $(FUZZ_TARGETS:%=$(B)/fuzz/%) $(DICTS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-fuzz $(FUZZ_TARGETS)

clean:
	rm -rf $(B)
