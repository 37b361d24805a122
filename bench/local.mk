# bench/local.mk - benchmark programs, built by `make bench` (not run by make check).
EXTRA_PROGRAMS = bench/bench-extract
bench_bench_extract_SOURCES = bench/extract.c bench/emu_token.c bench/emu_token.h
bench_bench_extract_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR_BENCH='"$(abs_top_srcdir)"'
bench_bench_extract_LDADD = tests/libdvtest.la driver/util/libdvutil.la $(CURL_LIBS) \
	$(YAJL_LIBS) $(ODBC_LIBS)
CLEANFILES += bench/bench-extract

EXTRA_PROGRAMS += bench/bench-insert
bench_bench_insert_SOURCES = bench/bench-insert.c
bench_bench_insert_CPPFLAGS = $(AM_CPPFLAGS)
bench_bench_insert_LDADD = tests/libdvtest.la $(DV_ENGINE_TEST_LIBS)
CLEANFILES += bench/bench-insert

EXTRA_PROGRAMS += bench/bench-plans
bench_bench_plans_SOURCES = bench/plans.c bench/plans_suite.h
bench_bench_plans_CPPFLAGS = $(AM_CPPFLAGS)
bench_bench_plans_LDADD = tests/libdvtest.la driver/util/libdvutil.la $(CURL_LIBS) \
	$(YAJL_LIBS) $(ODBC_LIBS)
CLEANFILES += bench/bench-plans

.PHONY: bench
bench: bench/bench-extract bench/bench-insert bench/bench-plans driver/libdvodbc.la
	bench/bench-extract --rows 100000
	bench/bench-extract --rows 1000000
	bench/bench-insert --rows 10000
	bench/bench-plans --rows 60000

EXTRA_PROGRAMS += bench/bench-cpu
bench_bench_cpu_SOURCES = bench/cpu.c bench/emu_token.c bench/emu_token.h
bench_bench_cpu_CPPFLAGS = $(AM_CPPFLAGS)
bench_bench_cpu_LDADD = tests/libdvtest.la driver/util/libdvutil.la $(CURL_LIBS) $(YAJL_LIBS) \
	-lodbc
CLEANFILES += bench/bench-cpu
