# driver/odbc/local.mk - the ODBC API layer and the driver library itself.
odbcdriver_LTLIBRARIES += driver/libdvodbc.la
DVODBC_CORE_SOURCES = \
	driver/odbc/handles.h driver/odbc/handle.c \
	driver/odbc/diag.c driver/odbc/diag.h \
	driver/odbc/unicode.c driver/odbc/unicode.h \
	driver/odbc/charset.c driver/odbc/charset.h \
	driver/odbc/value.h driver/odbc/convert.c driver/odbc/convert.h \
	driver/odbc/types.c driver/odbc/types.h \
	driver/odbc/rowset.c driver/odbc/rowset.h
driver_libdvodbc_la_SOURCES = $(DVODBC_CORE_SOURCES) \
	driver/odbc/env.c driver/odbc/dbc.c driver/odbc/dbc.h driver/odbc/connect.c \
	driver/odbc/stmt.c driver/odbc/stmt.h driver/odbc/desc.c \
	driver/odbc/params.c driver/odbc/params.h driver/odbc/dae.c \
	driver/odbc/exec.c driver/odbc/fetch.c driver/odbc/coldesc.c \
	driver/odbc/scroll.c driver/odbc/scroll.h \
	driver/odbc/call.c driver/odbc/call.h driver/odbc/call_int.h driver/odbc/call_result.c \
	driver/odbc/info.c driver/odbc/info.h \
	driver/odbc/api.c driver/odbc/api.h \
	driver/odbc/api_handle.c driver/odbc/api_connect.c driver/odbc/api_diag.c \
	driver/odbc/api_stmt.c driver/odbc/api_info.c \
	driver/odbc/catalog_funcs.c driver/odbc/catalog_funcs.h driver/odbc/api_catalog.c \
	driver/odbc/desc_fields.c driver/odbc/desc_fields.h driver/odbc/api_desc.c
driver_libdvodbc_la_LIBADD = driver/libdvengine.la driver/libdvsvc.la \
	driver/util/libdvutil.la $(DV_DEPLIBS)
driver_libdvodbc_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^SQL'

# Unit test of the conversion matrix, UTF-16 helpers and diagnostics: links
# the layer's own objects, no driver manager and no service.
check_PROGRAMS += tests/odbc/test_convert
TESTS += tests/odbc/test_convert
tests_odbc_test_convert_SOURCES = tests/odbc/test_convert.c $(DVODBC_CORE_SOURCES)
tests_odbc_test_convert_CPPFLAGS = $(AM_CPPFLAGS) -DUNITTEST -I$(top_srcdir)/tests/unit
tests_odbc_test_convert_LDADD = driver/util/libdvutil.la $(DV_DEPLIBS)

# ODBC-level tests: C programs through the real driver manager (-lodbc, never
# the driver's internals) against the emulator, with a test-local odbc.ini.
DVODBC_DM_TESTS = tests/odbc/test_odbc_connect tests/odbc/test_odbc_query \
	tests/odbc/test_odbc_catalog tests/odbc/test_odbc_odbc2 tests/odbc/test_odbc_write \
	tests/odbc/test_odbc_exactly_once tests/odbc/test_odbc_wide \
	tests/odbc/test_odbc_threads tests/odbc/test_odbc_procedures
check_PROGRAMS += $(DVODBC_DM_TESTS)
TESTS += $(DVODBC_DM_TESTS)
DVODBC_DM_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
DVODBC_DM_LDADD = tests/libdvtest.la $(ODBC_LIBS)
DVODBC_DM_DEPS = tests/libdvtest.la driver/libdvodbc.la
tests_odbc_test_odbc_connect_SOURCES = tests/odbc/test_odbc_connect.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_connect_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_connect_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_connect_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_exactly_once_SOURCES = tests/odbc/test_odbc_exactly_once.c \
	tests/odbc/odbc_test.h
tests_odbc_test_odbc_exactly_once_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_exactly_once_LDADD = $(DVODBC_DM_LDADD) $(CURL_LIBS) $(YAJL_LIBS)
tests_odbc_test_odbc_exactly_once_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_procedures_SOURCES = tests/odbc/test_odbc_procedures.c \
	tests/odbc/odbc_test.h
tests_odbc_test_odbc_procedures_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_procedures_LDADD = $(DVODBC_DM_LDADD) $(CURL_LIBS) $(YAJL_LIBS)
tests_odbc_test_odbc_procedures_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_wide_SOURCES = tests/odbc/test_odbc_wide.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_wide_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_wide_LDADD = $(DVODBC_DM_LDADD) $(CURL_LIBS) $(YAJL_LIBS)
tests_odbc_test_odbc_wide_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_query_SOURCES = tests/odbc/test_odbc_query.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_query_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_query_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_query_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_catalog_SOURCES = tests/odbc/test_odbc_catalog.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_catalog_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_catalog_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_catalog_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_odbc2_SOURCES = tests/odbc/test_odbc_odbc2.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_odbc2_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_odbc2_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_odbc2_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_write_SOURCES = tests/odbc/test_odbc_write.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_write_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_write_LDADD = $(DVODBC_DM_LDADD) $(CURL_LIBS) $(YAJL_LIBS)
tests_odbc_test_odbc_write_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_threads_SOURCES = tests/odbc/test_odbc_threads.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_threads_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_threads_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_threads_DEPENDENCIES = $(DVODBC_DM_DEPS)
# Where credentials go: foreign @odata.nextLinks, http:// to other hosts.
DVODBC_DM_TESTS += tests/odbc/test_odbc_links
tests_odbc_test_odbc_links_SOURCES = tests/odbc/test_odbc_links.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_links_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_links_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_links_DEPENDENCIES = $(DVODBC_DM_DEPS)
# Partitioned parallel reads (ParallelReads): every row once under faults.
DVODBC_DM_TESTS += tests/odbc/test_odbc_parallel
tests_odbc_test_odbc_parallel_SOURCES = tests/odbc/test_odbc_parallel.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_parallel_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_parallel_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_parallel_DEPENDENCIES = $(DVODBC_DM_DEPS)
# The catalog over a real org's 831 entity sets: batched metadata, the cache file.
DVODBC_DM_TESTS += tests/odbc/test_odbc_catalog_scale
tests_odbc_test_odbc_catalog_scale_SOURCES = tests/odbc/test_odbc_catalog_scale.c \
	tests/odbc/odbc_test.h
tests_odbc_test_odbc_catalog_scale_CPPFLAGS = $(DVODBC_DM_CPPFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_odbc_test_odbc_catalog_scale_LDADD = $(DVODBC_DM_LDADD) driver/util/libdvutil.la \
	$(YAJL_LIBS)
tests_odbc_test_odbc_catalog_scale_DEPENDENCIES = $(DVODBC_DM_DEPS)
# A LIMIT above $top's 5000 as a row budget: exact rows and requests.
DVODBC_DM_TESTS += tests/odbc/test_odbc_limits
tests_odbc_test_odbc_limits_SOURCES = tests/odbc/test_odbc_limits.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_limits_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_limits_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_limits_DEPENDENCIES = $(DVODBC_DM_DEPS)
# Function sequence and buffer rules unixODBC answers itself: the driver
# loaded with dlopen and called directly.
DVODBC_DM_TESTS += tests/odbc/test_odbc_direct
tests_odbc_test_odbc_direct_SOURCES = tests/odbc/test_odbc_direct.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_direct_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_direct_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_direct_DEPENDENCIES = $(DVODBC_DM_DEPS)
# What the local engine refuses, several statements in one text, the query
# timeout and SQLCancel of local work.
DVODBC_DM_TESTS += tests/odbc/test_odbc_guard
tests_odbc_test_odbc_guard_SOURCES = tests/odbc/test_odbc_guard.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_guard_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_guard_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_guard_DEPENDENCIES = $(DVODBC_DM_DEPS)
# Every scalar function and conversion SQLGetInfo advertises, CAST, the SQL
# types of expressions, date-only and GUID pushdown, invalid UTF-8.
DVODBC_DM_TESTS += tests/odbc/test_odbc_functions
tests_odbc_test_odbc_functions_SOURCES = tests/odbc/test_odbc_functions.c \
	tests/odbc/odbc_test.h
tests_odbc_test_odbc_functions_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_functions_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_functions_DEPENDENCIES = $(DVODBC_DM_DEPS)
# ClientCharset: Latin-1 and Windows-1252 ANSI callers.
DVODBC_DM_TESTS += tests/odbc/test_odbc_charset
tests_odbc_test_odbc_charset_SOURCES = tests/odbc/test_odbc_charset.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_charset_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_charset_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_charset_DEPENDENCIES = $(DVODBC_DM_DEPS)
# Static cursors: every fetch orientation, bookmarks, SQLSetPos, SQLExtendedFetch,
# SQL_ATTR_MAX_LENGTH, and no cursor library under SQL_CUR_USE_IF_NEEDED.
DVODBC_DM_TESTS += tests/odbc/test_odbc_scroll
tests_odbc_test_odbc_scroll_SOURCES = tests/odbc/test_odbc_scroll.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_scroll_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_scroll_LDADD = $(DVODBC_DM_LDADD) $(YAJL_LIBS)
tests_odbc_test_odbc_scroll_DEPENDENCIES = $(DVODBC_DM_DEPS)
