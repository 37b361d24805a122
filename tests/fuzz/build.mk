# tests/fuzz/build.mk - GNU make file that builds the libFuzzer targets with
# clang (called by tools/fuzz; not part of the automake build, which stays on
# gcc and never sees this file).
#
#   make -f tests/fuzz/build.mk top=<source dir> O=<build dir> [CC=clang-14]
#
# The driver's sources are compiled again here, with clang, into $(O)/obj/:
# the lists are read from the automake fragments (driver/svc.mk,
# driver/engine.mk, driver/util/local.mk), so a file added to the driver is
# fuzzed without editing this file.  Library code gets coverage
# instrumentation (-fsanitize=fuzzer-no-link); the targets link libFuzzer's
# main (-fsanitize=fuzzer).  AddressSanitizer and UBSan everywhere, every
# UBSan report fatal.
top ?= .
.DEFAULT_GOAL := all
O ?= $(top)/build-fuzz
CC = clang-14

SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS = -std=gnu11 -gline-tables-only -O1 -Wall -Wextra -Wno-unused-parameter -pthread $(SAN)
CPPFLAGS = -I$(top) -I$(top)/driver -I$(O) \
	$(shell pkg-config --cflags libcurl yajl openssl sqlite3)
LIBS = $(shell pkg-config --libs libcurl yajl openssl sqlite3) -lodbcinst -lpthread -lm

# The .c files of one automake _SOURCES variable: its first line up to the
# first line that does not end in a backslash.
sources = $(filter %.c,$(shell sed -n '/^$(1) *=/,/[^\\]$$/p' $(top)/$(2)))

UTIL_SRCS := $(call sources,driver_util_libdvutil_la_SOURCES,driver/util/local.mk)
SVC_SRCS := $(call sources,driver_libdvsvc_la_SOURCES,driver/svc.mk)
SQL_SRCS := $(filter sqlparse/%,$(call sources,driver_libdvengine_la_SOURCES,driver/engine.mk))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

# connstr: the config code, with the service layer it calls (URL checks);
# the target serves odbc.ini from memory.
$(O)/fuzz_connstr: $(call obj,tests/fuzz/fuzz_connstr.c $(SVC_SRCS) $(UTIL_SRCS))
# sql: sqlparse alone.
$(O)/fuzz_sql: $(call obj,tests/fuzz/fuzz_sql.c $(SQL_SRCS) $(UTIL_SRCS))
# odata_page, odata_batch: the whole service layer (nothing of it reaches the
# network: the targets call the parsers only).
$(O)/fuzz_odata_page: $(call obj,tests/fuzz/fuzz_odata_page.c $(SVC_SRCS) $(UTIL_SRCS))
$(O)/fuzz_odata_batch: $(call obj,tests/fuzz/fuzz_odata_batch.c $(SVC_SRCS) $(UTIL_SRCS))

TARGETS = connstr sql odata_page odata_batch
all: $(patsubst %,$(O)/fuzz_%,$(TARGETS))

$(O)/fuzz_%:
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# Objects depend on this file too: a change of flags rebuilds them.
$(O)/obj/tests/fuzz/%.o: $(top)/tests/fuzz/%.c $(O)/config.h $(top)/tests/fuzz/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -MMD -MP -c -o $@ $<

$(O)/obj/%.o: $(top)/%.c $(O)/config.h $(top)/tests/fuzz/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

# What the driver takes from configure's config.h (driver/http/http.c).
$(O)/config.h:
	@mkdir -p $(O)
	printf '#define PACKAGE_VERSION "fuzz"\n' > $@

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

.PHONY: all
.DELETE_ON_ERROR:
