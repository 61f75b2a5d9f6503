# geobid — a small hand-written Makefile.
#   make            build build/geobid
#   make run        install what is missing, build, start the bidder on the embedded default
#   make test       install what is missing, run every test, then again under ASan + UBSan
#   make fuzz       run the libFuzzer targets (FUZZ_SECONDS each)
#   make bench      run the benchmarks and rewrite BENCHMARKS.md
# Variants: make SANITIZE=address,undefined BUILD=build/asan ...

CC       ?= cc
MAKEFLAGS += --no-print-directory
BUILD    ?= build
SANITIZE ?=
PKGS     := libevent libevent_pthreads libmaxminddb zlib libprotobuf-c lmdb libcrypto
VERSION  := $(shell cat VERSION)

OPT      ?= -O2 -g
CFLAGS   := $(OPT) -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -pthread \
            -D_GNU_SOURCE -DGEOBID_VERSION='"$(VERSION)"' -Iinclude -MMD -MP \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  := -fsanitize=$(SANITIZE)
endif

LIB_SRC   := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
# protobuf-c code is generated at build time from proto/*.proto, never committed
PROTO_SRC := $(wildcard proto/*.proto)
PROTO_GEN := $(PROTO_SRC:proto/%.proto=$(BUILD)/gen/%.pb-c.c)
LIB_OBJ   += $(PROTO_GEN:%.c=%.o)
CFLAGS    += -I$(BUILD)/gen
# the load generator: loadtest/main.c plus its modules
LOAD_SRC  := $(filter-out loadtest/main.c,$(wildcard loadtest/*.c))
LOAD_OBJ  := $(LOAD_SRC:%.c=$(BUILD)/%.o)
PROGRAMS  := $(BUILD)/geobid $(if $(wildcard loadtest/main.c),$(BUILD)/geobid-load)
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_OBJ  := $(TEST_SRC:%.c=$(BUILD)/%.o)
SUITES    := $(patsubst tests/test_%.c,%,$(filter-out tests/test_main.c tests/test_support.c,$(TEST_SRC)))
FIXTURES  := $(BUILD)/fixtures/geoip2-city.mmdb $(BUILD)/fixtures/dbip-city.mmdb
PB_FIXTURES := $(patsubst tests/fixtures/pb/%.txtpb,$(BUILD)/fixtures/pb/%.pb,$(wildcard tests/fixtures/pb/*.txtpb))
GEOIP_DIR := data/geoip

.PHONY: all run test unit-tests check-asan fuzz fuzz-replay bench bench-json bench-targeting bench-notice sim deps clean
all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(dir $@)
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

# every object may include a generated header: generate them first
$(LIB_OBJ) $(LOAD_OBJ) $(BUILD)/src/main.o $(BUILD)/loadtest/main.o $(TEST_OBJ): | $(PROTO_GEN)

$(BUILD)/libgeobid.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/libgeobid-load.a: $(LOAD_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/geobid: $(BUILD)/src/main.o $(BUILD)/libgeobid.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/geobid-load: $(BUILD)/loadtest/main.o $(BUILD)/libgeobid-load.a $(BUILD)/libgeobid.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# ---- tests ---------------------------------------------------------------
# Every tests/test_NAME.c defines `Suite *NAME_suite(void)`; the runner's table is
# generated from the file names so adding a test file is all it takes.
$(BUILD)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@printf '%s\n' $(SUITES) | sed 's/.*/SUITE(&)/' > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/test_main.o: $(BUILD)/tests/suites.inc
$(BUILD)/tests/test_main.o: CFLAGS += -I$(BUILD)/tests
$(BUILD)/tests/%.o: CFLAGS += $(shell pkg-config --cflags check)

$(BUILD)/run-tests: $(TEST_OBJ) $(BUILD)/libgeobid-load.a $(BUILD)/libgeobid.a
	$(CC) $(LDFLAGS) $^ $(shell pkg-config --libs check) $(LDLIBS) -o $@

$(BUILD)/fixtures/%.mmdb: tests/fixtures/make-mmdb.pl
	@mkdir -p $(dir $@)
	perl tests/fixtures/make-mmdb.pl $* $@

# Protobuf test requests: protoc encodes the text-format fixtures with the exchange-side
# schema tests/fixtures/pb/reference.proto, independent of proto/openrtb.proto.
$(BUILD)/fixtures/pb/%.pb: tests/fixtures/pb/%.txtpb tests/fixtures/pb/reference.proto
	@mkdir -p $(dir $@)
	protoc --proto_path=tests/fixtures/pb --encode=com.google.openrtb.BidRequest \
	       reference.proto < $< > $@.tmp && mv $@.tmp $@

unit-tests: $(PROGRAMS) $(BUILD)/run-tests $(FIXTURES) $(PB_FIXTURES)
	$(MAKE) fuzz-replay
	GEOBID_BIN=$(BUILD)/geobid GEOBID_FIXTURES=$(BUILD)/fixtures $(BUILD)/run-tests

check-asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined OPT='-O1 -g' unit-tests

test: deps
	$(MAKE) unit-tests
	$(MAKE) check-asan

# ---- fuzzing -------------------------------------------------------------
# Every parser has a target fuzz/fuzz_NAME.c with its seeds in fuzz/corpus/NAME/ (and
# optionally a dictionary fuzz/NAME.dict). The same file drives libFuzzer (make fuzz,
# clang) and a plain replay of the committed corpus that runs in every test run.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_COMMON  := fuzz/request_invariants.c fuzz/request_invariants.h

$(BUILD)/fuzz-replay-%: fuzz/replay.c fuzz/fuzz_%.c $(FUZZ_COMMON) $(BUILD)/libgeobid-load.a \
                        $(BUILD)/libgeobid.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c %.a,$^) $(LDLIBS) -o $@

fuzz-replay: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay-%)
	@for target in $(FUZZ_TARGETS); do \
	    $(BUILD)/fuzz-replay-$$target fuzz/corpus/$$target/* || exit 1; \
	done

build/fuzz/fuzz-%: fuzz/fuzz_%.c $(FUZZ_COMMON) build/fuzz/libgeobid-load.a build/fuzz/libgeobid.a
	clang -O1 -g -std=c11 -D_GNU_SOURCE -Iinclude -Ibuild/fuzz/gen \
	      -fsanitize=fuzzer,address,undefined $(filter %.c %.a,$^) $(LDLIBS) -o $@

fuzz: deps
	$(MAKE) CC=clang BUILD=build/fuzz OPT='-O1 -g -fsanitize=fuzzer-no-link' \
	        SANITIZE=address,undefined $(FUZZ_TARGETS:%=build/fuzz/fuzz-%)
	@for target in $(FUZZ_TARGETS); do \
	    dict=; [ -f fuzz/$$target.dict ] && dict=-dict=fuzz/$$target.dict; \
	    mkdir -p build/fuzz/corpus-$$target; \
	    echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	    build/fuzz/fuzz-$$target -max_total_time=$(FUZZ_SECONDS) $$dict \
	        build/fuzz/corpus-$$target fuzz/corpus/$$target || exit 1; \
	done

# ---- benchmarks ----------------------------------------------------------
# $^ without the headers that the -MMD dependency file adds as prerequisites
$(BUILD)/bench-pipeline: bench/bench_pipeline.c $(BUILD)/libgeobid-load.a $(BUILD)/libgeobid.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -o $@

# Matching time at 1,000 / 10,000 / 100,000 campaigns (make bench-targeting).
$(BUILD)/bench-targeting: bench/bench_targeting.c $(BUILD)/libgeobid-load.a $(BUILD)/libgeobid.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -o $@

bench-targeting: $(BUILD)/bench-targeting
	$(BUILD)/bench-targeting

# A simulated day of budgets, pacing and frequency caps (make sim; docs/delivery.md).
$(BUILD)/sim-day: bench/sim_day.c $(BUILD)/libgeobid-load.a $(BUILD)/libgeobid.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -o $@

sim: $(BUILD)/sim-day
	$(BUILD)/sim-day

# Profile store lookups with 1,000,000 people stored (see bench/bench_profile.c).
$(BUILD)/bench-profile: bench/bench_profile.c $(BUILD)/libgeobid-load.a $(BUILD)/libgeobid.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -o $@

# Building and verifying notice URLs (make bench-notice; not part of make bench).
$(BUILD)/bench-notice: bench/bench_notice.c $(BUILD)/libgeobid.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -o $@

bench-notice: $(BUILD)/bench-notice
	$(BUILD)/bench-notice

bench: deps
	$(MAKE) $(PROGRAMS) $(BUILD)/bench-pipeline $(BUILD)/bench-targeting $(BUILD)/bench-profile \
	        $(BUILD)/sim-day
	BUILD=$(BUILD) scripts/bench.sh

# The JSON library comparison behind docs/json-library.md (make bench-json).
BENCH_JSON_PKGS := libcjson yajl $(shell pkg-config --exists json-parser 2>/dev/null && echo json-parser)
BENCH_JSON_OBJ  := $(addprefix $(BUILD)/src/,json.o arena.o alloc.o error.o slice.o)
$(BUILD)/bench-json-libs: bench/json_libs.c $(BENCH_JSON_OBJ)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags $(BENCH_JSON_PKGS)) $(LDFLAGS) \
	      $< $(BENCH_JSON_OBJ) $(shell pkg-config --libs $(BENCH_JSON_PKGS)) -lm -o $@

bench-json: deps
	@scripts/install-deps.sh libcjson-dev libyajl-dev libjsonparser-dev
	$(MAKE) $(BUILD)/bench-json-libs
	$(BUILD)/bench-json-libs

# ---- running -------------------------------------------------------------
deps:
	@scripts/install-deps.sh

run: deps
	$(MAKE) $(BUILD)/geobid
	@scripts/fetch-geoip.sh $(GEOIP_DIR)
	@scripts/run.sh $(BUILD)/geobid $(GEOIP_DIR)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
