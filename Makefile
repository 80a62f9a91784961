# The profiler library, leadctl, unit tests and fuzz targets.  build.sh
# drives this file and the nginx module build; `make -j2` alone works too.
# The library's folders are its layers, bottom to top (tests/layers.py).

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Wshadow -Wpointer-arith -Werror
LIBS     := -llmdb -lcrypto -lmaxminddb -ljansson -lm
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

LAYERS        := support parse model store derived view report
PROFILER_SRCS := $(foreach l,$(LAYERS),$(wildcard profiler/$(l)/lead_*.c))
PROFILER_HDRS := $(wildcard profiler/*.h profiler/*/*.h)
INCS          := -Iprofiler $(LAYERS:%=-Iprofiler/%)
vpath %.c $(LAYERS:%=profiler/%)
UNIT_SRCS     := $(wildcard tests/unit/test_*.c)
UNIT_NAMES    := $(notdir $(UNIT_SRCS:.c=))
FUZZ_SRCS     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES    := $(notdir $(FUZZ_SRCS:.c=))

# the sales view's templates, style sheet and script, and the form page,
# built in as C
SALES_FILES   := $(wildcard html/sales/*) html/form.html html/feedback.html
SALES_SRC     := $(BUILD)/gen/lead_sales_files.c

PROFILER_OBJS      := $(patsubst %.c,$(BUILD)/obj/%.o,$(notdir $(PROFILER_SRCS))) \
                      $(BUILD)/obj/lead_sales_files.o
PROFILER_ASAN_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,$(notdir $(PROFILER_SRCS))) \
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
	$(BUILD)/bench-count $(BUILD)/bench-lines $(BUILD)/bench-why

$(SALES_SRC): profiler/report/embed.sh $(SALES_FILES)
	@mkdir -p $(@D)
	sh profiler/report/embed.sh $@ $(SALES_FILES)

$(BUILD)/obj/lead_sales_files.o: $(SALES_SRC) $(PROFILER_HDRS)
	$(CC) $(WARN) $(CFLAGS) $(INCS) -fPIC -c $< -o $@

$(BUILD)/asan/lead_sales_files.o: $(SALES_SRC) $(PROFILER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g $(SAN) $(INCS) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(PROFILER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(INCS) -fPIC -c $< -o $@

$(BUILD)/asan/%.o: %.c $(PROFILER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g $(SAN) $(INCS) -c $< -o $@

LEADCTL_OBJS  := $(patsubst leadctl/%.c,$(BUILD)/obj/%.o,$(wildcard leadctl/*.c))

$(LEADCTL_OBJS): $(BUILD)/obj/%.o: leadctl/%.c $(wildcard leadctl/*.h) \
                                    $(PROFILER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -Iprofiler -c $< -o $@

$(BUILD)/leadctl: $(LEADCTL_OBJS) $(PROFILER_OBJS)
	$(CC) $(CFLAGS) -o $@ $(LEADCTL_OBJS) $(PROFILER_OBJS) $(LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(PROFILER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(INCS) -o $@ $< $(PROFILER_OBJS) \
	    $(LIBS) -lcmocka

$(BUILD)/asan/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(PROFILER_ASAN_OBJS)
	$(CC) $(WARN) -O1 -g $(SAN) $(INCS) -o $@ $< \
	    $(PROFILER_ASAN_OBJS) $(LIBS) -lcmocka

# libFuzzer needs clang; the profiler is rebuilt with its instrumentation.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROFILER_SRCS) $(PROFILER_HDRS) $(SALES_SRC)
	@mkdir -p $(@D)
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all $(INCS) -o $@ $< $(PROFILER_SRCS) \
	    $(SALES_SRC) $(LIBS)


$(BUILD)/bench-%: bench/%.c $(PROFILER_OBJS) $(PROFILER_HDRS)
	$(CC) $(WARN) $(CFLAGS) $(INCS) -o $@ $< $(PROFILER_OBJS) $(LIBS)
