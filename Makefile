# foliod: a preforking daemon that serves a markdown blog from an mmap'd
# page index. `make run` serves content/ on http://127.0.0.1:8080;
# `make check` builds and runs every test, plain and under ASan+UBSan.

PREFIX	?= /usr/local
DESTDIR	?=
BUILD	?= build

CC	?= cc
# libwebpdemux (in Debian's libwebp-dev) finds a WebP source's ICCP and
# EXIF chunks, which libwebp's decoder skips.
PKGS	 = libcmark-gfm inih yaml-0.1 zlib libbrotlienc libjpeg libpng libwebp libwebpdemux lcms2
# Used from its header alone (lib/hash.c inlines XXH3): no library to link.
HDR_PKGS = libxxhash
CSTD	 = -std=c17 -D_GNU_SOURCE
WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wformat=2 -Wvla
OPT	?= -O2 -g
SAN	?=
CFLAGS	+= $(CSTD) $(WARN) $(OPT) $(SAN) -pthread -iquote lib -MMD -MP \
	   $(shell pkg-config --cflags $(PKGS) $(HDR_PKGS) 2>/dev/null)
LDLIBS	+= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lbrotlicommon -lm
LDFLAGS	+= $(SAN) -pthread

# The parts (lib/) ...
LIB_SRCS = \
	lib/log.c		\
	lib/utf8.c		\
	lib/buf.c		\
	lib/hash.c		\
	lib/conf.c		\
	lib/http_parse.c	\
	lib/path.c		\
	lib/http_resp.c		\
	lib/mime.c		\
	lib/accesslog.c		\
	lib/net.c		\
	lib/metrics.c		\
	lib/frontmatter.c	\
	lib/markdown.c		\
	lib/words.c		\
	lib/mdarena.c		\
	lib/content.c		\
	lib/srccache.c		\
	lib/render.c		\
	lib/feed.c		\
	lib/compress.c		\
	lib/index.c		\
	lib/index_write.c	\
	lib/build.c		\
	lib/export.c		\
	lib/beneath.c		\
	lib/resample.c		\
	lib/image.c		\
	lib/image_jpeg.c	\
	lib/image_png.c		\
	lib/image_webp.c	\
	lib/imgcache.c		\
	lib/imgsize.c		\
	lib/fdcache.c

# ... and the processes (daemon/).
DAEMON_SRCS = \
	daemon/main.c		\
	daemon/master.c		\
	daemon/worker.c		\
	daemon/conn.c		\
	daemon/respond.c	\
	daemon/admin.c		\
	daemon/imgroute.c	\
	daemon/imager.c		\
	daemon/watcher.c	\
	daemon/notify.c		\
	daemon/proc.c		\
	daemon/signals.c

UNIT_SRCS = $(wildcard tests/unit/test_*.c)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)

LIB_OBJS    = $(LIB_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS   = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
REPLAY_BINS = $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)

all: $(BUILD)/foliod

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libfolio.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/foliod: $(DAEMON_OBJS) $(BUILD)/libfolio.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tests also decompress, to check the precompressed variants.
TEST_LDLIBS = $(shell pkg-config --libs libbrotlidec 2>/dev/null)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libfolio.a tests/unit/test.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -iquote tests/unit -o $@ $< $(BUILD)/libfolio.a $(LDFLAGS) \
	    $(LDLIBS) $(TEST_LDLIBS)

# The fuzz harnesses, built with a main() that replays their seed corpus.
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libfolio.a \
    $(wildcard tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libfolio.a $(LDFLAGS) \
	    $(LDLIBS) $(TEST_LDLIBS)

tests: $(UNIT_BINS) $(REPLAY_BINS)

# Build dependencies come from Debian's packages through one script.
deps:
	@pkg-config --exists $(PKGS) $(HDR_PKGS) && test -f /usr/include/cmark-gfm-core-extensions.h \
	    && command -v python3 >/dev/null && command -v brotli >/dev/null \
	    && command -v mandoc >/dev/null || build-aux/install-deps

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/foliod -f -c etc/foliod-dev.conf

ASAN_BUILD = $(BUILD)/asan

check: deps
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    all tests
	mandoc -Tlint -Wwarning man/foliod.8 man/foliod.conf.5
	python3 tests/run --build $(BUILD) --build $(ASAN_BUILD)

# libFuzzer runs of every harness (clang), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: deps
	@command -v clang >/dev/null || build-aux/install-deps --fuzz
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=clang OPT="-O1 -g" \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined" $(BUILD)/fuzz/libfolio.a
	FUZZ_LDLIBS="$(LDLIBS) $(TEST_LDLIBS)" tests/fuzz/run $(BUILD)/fuzz $(FUZZ_SECONDS)

# Benchmarks against nginx (tests/bench/README.md): they report, and never
# fail on timings.
bench: deps
	@$(MAKE) --no-print-directory all
	python3 tests/bench/run --build $(BUILD)

# The container image (Dockerfile), built with podman; container-test also
# runs it the way the cluster does (read-only root, uid 1001, no
# capabilities). Both install podman, runc and debootstrap when missing and
# make the debian:12-slim base image locally (tests/container/).
container:
	tests/container/test --build-only

container-test:
	tests/container/test

# The Kubernetes manifests render, validate against the schemas, and keep
# the security rules (k8s/README.md).
check-k8s: deps
	@$(MAKE) --no-print-directory all
	BUILD=$(BUILD) tests/k8s/check

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)/etc/foliod
	install -m 755 $(BUILD)/foliod $(DESTDIR)$(PREFIX)/sbin/foliod
	install -m 644 man/foliod.8 $(DESTDIR)$(PREFIX)/share/man/man8/foliod.8
	install -m 644 man/foliod.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/foliod.conf.5
	test -e $(DESTDIR)/etc/foliod/foliod.conf || \
	    install -m 644 etc/foliod.conf $(DESTDIR)/etc/foliod/foliod.conf

clean:
	rm -rf $(BUILD)

.PHONY: all tests deps run check fuzz bench container container-test check-k8s \
	install clean

-include $(LIB_OBJS:.o=.d) $(DAEMON_OBJS:.o=.d) $(UNIT_BINS:=.d) $(REPLAY_BINS:=.d)
