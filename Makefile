# The profiler library, leadctl, unit tests and fuzz targets.  build.sh
# drives this file and the nginx module build; `make -j2` alone works too.

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Wshadow -Wpointer-arith -Werror
LIBS     := -llmdb -lcrypto -lmaxminddb -lm
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

PROFILER_SRCS := $(wildcard profiler/lead_*.c)
PROFILER_HDRS := $(wildcard profiler/*.h)
UNIT_SRCS     := $(wildcard tests/unit/test_*.c)
UNIT_NAMES    := $(notdir $(UNIT_SRCS:.c=))
FUZZ_SRCS     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES    := $(notdir $(FUZZ_SRCS:.c=))

# the sales view's templates, style sheet and script, built in as C
SALES_FILES   := $(wildcard html/sales/*)
SALES_SRC     := $(BUILD)/gen/lead_sales_files.c

PROFILER_OBJS      := $(PROFILER_SRCS:profiler/%.c=$(BUILD)/obj/%.o) \
                      $(BUILD)/obj/lead_sales_files.o
PROFILER_ASAN_OBJS := $(PROFILER_SRCS:profiler/%.c=$(BUILD)/asan/%.o) \
                      $(BUILD)/asan/lead_sales_files.o

UNIT_BINS      := $(UNIT_NAMES:%=$(BUILD)/unit/%)
UNIT_ASAN_BINS := $(UNIT_NAMES:%=$(BUILD)/asan/%)
FUZZ_BINS      := $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

.PHONY: all leadctl unit unit-asan fuzz bench
all: leadctl
leadctl: $(BUILD)/leadctl
unit: $(UNIT_BINS)
unit-asan: $(UNIT_ASAN_BINS)
fuzz: $(FUZZ_BINS)
bench: $(BUILD)/bench-ingest $(BUILD)/bench-dataset $(BUILD)/bench-profile \
	$(BUILD)/bench-count

$(SALES_SRC): profiler/embed.sh $(SALES_FILES)
	@mkdir -p $(@D)
	sh profiler/embed.sh $@ $(SALES_FILES)

$(BUILD)/obj/lead_sales_files.o: $(SALES_SRC) $(PROFILER_HDRS)
	$(CC) $(WARN) $(CFLAGS) -Iprofiler -fPIC -c $< -o $@

$(BUILD)/asan/lead_sales_files.o: $(SALES_SRC) $(PROFILER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g $(SAN) -Iprofiler -c $< -o $@

$(BUILD)/obj/%.o: profiler/%.c $(PROFILER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -fPIC -c $< -o $@

$(BUILD)/asan/%.o: profiler/%.c $(PROFILER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g $(SAN) -c $< -o $@

LEADCTL_SRCS  := $(wildcard profiler/leadctl*.c)

$(BUILD)/leadctl: $(LEADCTL_SRCS) $(PROFILER_OBJS) $(PROFILER_HDRS)
	$(CC) $(WARN) $(CFLAGS) -o $@ $(LEADCTL_SRCS) $(PROFILER_OBJS) $(LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(PROFILER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -Iprofiler -o $@ $< $(PROFILER_OBJS) \
	    $(LIBS) -lcmocka

$(BUILD)/asan/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(PROFILER_ASAN_OBJS)
	$(CC) $(WARN) -O1 -g $(SAN) -Iprofiler -o $@ $< \
	    $(PROFILER_ASAN_OBJS) $(LIBS) -lcmocka

# libFuzzer needs clang; the profiler is rebuilt with its instrumentation.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROFILER_SRCS) $(PROFILER_HDRS) $(SALES_SRC)
	@mkdir -p $(@D)
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -Iprofiler -o $@ $< $(PROFILER_SRCS) \
	    $(SALES_SRC) $(LIBS)


$(BUILD)/bench-%: bench/%.c $(PROFILER_OBJS) $(PROFILER_HDRS)
	$(CC) $(WARN) $(CFLAGS) -Iprofiler -o $@ $< $(PROFILER_OBJS) $(LIBS)
