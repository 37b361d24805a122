# driver/engine.mk - the SQL side: catalog, SQLite engine with the virtual table, sqlparse.
noinst_LTLIBRARIES += driver/libdvengine.la
driver_libdvengine_la_SOURCES = \
	driver/catalog/catalog.h \
	driver/engine/engine.h \
	sqlparse/sqlparse.h \
	sqlparse/lexer.c sqlparse/lexer.h \
	sqlparse/escape.c sqlparse/escape.h \
	sqlparse/rewrite.c sqlparse/statement.c \
	sqlparse/collate.c sqlparse/collate.h \
	sqlparse/ast.h sqlparse/parse.c \
	sqlparse/mentions.c sqlparse/mentions.h \
	driver/engine/pushdown.h driver/engine/pushdown.c \
	driver/engine/pushdown_filter.c driver/engine/pushdown_vtab.c \
	driver/engine/pushdown_semijoin.c \
	driver/catalog/catalog.c driver/catalog/catalog_int.h \
	driver/catalog/catalog_meta.c driver/catalog/catalog_map.c \
	driver/catalog/catalog_disk.h driver/catalog/catalog_disk.c \
	driver/catalog/catalog_stamp.h driver/catalog/catalog_stamp.c \
	driver/catalog/catalog_counts.h driver/catalog/catalog_counts.c \
	driver/catalog/catalog_procs.h driver/catalog/catalog_actions.c \
	sqlparse/call.h sqlparse/call.c \
	driver/engine/engine.c driver/engine/engine_int.h driver/engine/plan.c \
	driver/engine/guard.c driver/engine/guard.h driver/engine/static.c \
	driver/engine/spill.h driver/engine/spill.c \
	driver/engine/rowcount.c driver/engine/values.c driver/engine/vtab.c \
	driver/engine/tvf.h driver/engine/tvf.c driver/engine/tvf_changes.c \
	driver/engine/tvf_fetchxml.c driver/engine/fxml.h driver/engine/fxml.c \
	driver/engine/tvf_function.c driver/engine/proc_call.h driver/engine/proc_call.c \
	driver/engine/write.c driver/engine/flush.c driver/engine/verify.c \
	driver/engine/textfold.h driver/engine/textfold.c driver/engine/textfold_data.h \
	driver/engine/sqlfuncs.h driver/engine/sqlfuncs.c driver/engine/exprtype.c

DV_ENGINE_TEST_LIBS = driver/libdvengine.la driver/libdvsvc.la \
	driver/util/libdvutil.la $(DV_DEPLIBS)

check_PROGRAMS += tests/unit/test_sqlparse
TESTS += tests/unit/test_sqlparse
tests_unit_test_sqlparse_SOURCES = tests/unit/test_sqlparse.c tests/unit/tap.h
tests_unit_test_sqlparse_LDADD = $(DV_ENGINE_TEST_LIBS)

check_PROGRAMS += tests/unit/test_procs
TESTS += tests/unit/test_procs
tests_unit_test_procs_SOURCES = tests/unit/test_procs.c tests/unit/tap.h
tests_unit_test_procs_LDADD = $(DV_ENGINE_TEST_LIBS)

check_PROGRAMS += tests/unit/test_catalog
TESTS += tests/unit/test_catalog
tests_unit_test_catalog_SOURCES = tests/unit/test_catalog.c tests/unit/tap.h
tests_unit_test_catalog_LDADD = $(DV_ENGINE_TEST_LIBS)

# Needs the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_engine
TESTS += tests/unit/test_engine
tests_unit_test_engine_SOURCES = tests/unit/test_engine.c tests/unit/emu.h tests/unit/tap.h
tests_unit_test_engine_LDADD = tests/libdvtest.la $(DV_ENGINE_TEST_LIBS)

# Needs the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_writes
TESTS += tests/unit/test_writes
tests_unit_test_writes_SOURCES = tests/unit/test_writes.c tests/unit/emu.h tests/unit/tap.h
tests_unit_test_writes_LDADD = tests/libdvtest.la $(DV_ENGINE_TEST_LIBS)

check_PROGRAMS += tests/unit/test_parse
TESTS += tests/unit/test_parse
tests_unit_test_parse_SOURCES = tests/unit/test_parse.c tests/unit/tap.h
tests_unit_test_parse_LDADD = $(DV_ENGINE_TEST_LIBS)

# Needs the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_pushdown
TESTS += tests/unit/test_pushdown
tests_unit_test_pushdown_SOURCES = tests/unit/test_pushdown.c tests/unit/emu.h tests/unit/tap.h
tests_unit_test_pushdown_LDADD = tests/libdvtest.la $(DV_ENGINE_TEST_LIBS)

# Needs the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_rowcounts
TESTS += tests/unit/test_rowcounts
tests_unit_test_rowcounts_SOURCES = tests/unit/test_rowcounts.c tests/unit/emu.h tests/unit/tap.h
tests_unit_test_rowcounts_LDADD = tests/libdvtest.la $(DV_ENGINE_TEST_LIBS)

# Needs the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_eng_join
TESTS += tests/unit/test_eng_join
tests_unit_test_eng_join_SOURCES = tests/unit/test_eng_join.c tests/unit/emu.h tests/unit/tap.h
tests_unit_test_eng_join_LDADD = tests/libdvtest.la $(DV_ENGINE_TEST_LIBS)

# Needs the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_eng_mdcache
TESTS += tests/unit/test_eng_mdcache
tests_unit_test_eng_mdcache_SOURCES = tests/unit/test_eng_mdcache.c tests/unit/emu.h \
	tests/unit/tap.h
tests_unit_test_eng_mdcache_LDADD = tests/libdvtest.la $(DV_ENGINE_TEST_LIBS)

# Through the driver manager (-lodbc) against the emulator.
check_PROGRAMS += tests/unit/test_eng_decimal
TESTS += tests/unit/test_eng_decimal
tests_unit_test_eng_decimal_SOURCES = tests/unit/test_eng_decimal.c tests/odbc/odbc_test.h
tests_unit_test_eng_decimal_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-I$(top_srcdir)/tests/odbc
tests_unit_test_eng_decimal_LDADD = tests/libdvtest.la $(ODBC_LIBS)
tests_unit_test_eng_decimal_DEPENDENCIES = tests/libdvtest.la driver/libdvodbc.la

check_PROGRAMS += tests/unit/test_collate
TESTS += tests/unit/test_collate
tests_unit_test_collate_SOURCES = tests/unit/test_collate.c tests/unit/tap.h
tests_unit_test_collate_LDADD = $(DV_ENGINE_TEST_LIBS)
check_PROGRAMS += tests/unit/test_eng_textfold
TESTS += tests/unit/test_eng_textfold
tests_unit_test_eng_textfold_SOURCES = tests/unit/test_eng_textfold.c tests/unit/tap.h
tests_unit_test_eng_textfold_LDADD = $(DV_ENGINE_TEST_LIBS)
