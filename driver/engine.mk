# driver/engine.mk - the SQL side: catalog, SQLite engine with the virtual table, sqlparse.
noinst_LTLIBRARIES += driver/libdvengine.la
driver_libdvengine_la_SOURCES = \
	driver/catalog/catalog.h \
	driver/engine/engine.h \
	sqlparse/sqlparse.h \
	sqlparse/lexer.c sqlparse/lexer.h \
	sqlparse/escape.c sqlparse/escape.h \
	sqlparse/rewrite.c \
	driver/catalog/catalog.c driver/catalog/catalog_int.h \
	driver/catalog/catalog_meta.c driver/catalog/catalog_map.c \
	driver/engine/engine.c driver/engine/engine_int.h driver/engine/plan.c \
	driver/engine/values.c driver/engine/vtab.c \
	driver/engine/write.c driver/engine/flush.c

DV_ENGINE_TEST_LIBS = driver/libdvengine.la driver/libdvsvc.la \
	driver/util/libdvutil.la $(DV_DEPLIBS)

check_PROGRAMS += tests/unit/test_sqlparse
TESTS += tests/unit/test_sqlparse
tests_unit_test_sqlparse_SOURCES = tests/unit/test_sqlparse.c tests/unit/tap.h
tests_unit_test_sqlparse_LDADD = $(DV_ENGINE_TEST_LIBS)

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
