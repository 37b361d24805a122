# tests/local.mk - test programs and scripts run by `make check`.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .py .sh
PY_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_DRIVER = $(LOG_DRIVER)
PY_LOG_COMPILER = $(PYTHON3)
AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PYTHON3='$(PYTHON3)'; export top_srcdir top_builddir PYTHON3;

# The emulator helper shared by C tests that need a running emulator.
check_LTLIBRARIES = tests/libdvtest.la
tests_libdvtest_la_SOURCES = tests/unit/emu.c tests/unit/emu.h tests/unit/tap.h
tests_libdvtest_la_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"' \
	-DTOP_BUILDDIR='"$(abs_top_builddir)"'
tests_libdvtest_la_LIBADD = driver/util/libdvutil.la $(CURL_LIBS) $(YAJL_LIBS)

# Number formatting and reading without printf/strto* (util/numfmt), and
# the bound-column fast path of the conversions against the matrix (issue 11).
check_PROGRAMS += tests/unit/test_numfmt tests/odbc/test_convert_fast
TESTS += tests/unit/test_numfmt tests/odbc/test_convert_fast
tests_unit_test_numfmt_SOURCES = tests/unit/test_numfmt.c tests/unit/tap.h
tests_unit_test_numfmt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_unit_test_numfmt_LDADD = driver/util/libdvutil.la
tests_odbc_test_convert_fast_SOURCES = tests/odbc/test_convert_fast.c $(DVODBC_CORE_SOURCES)
tests_odbc_test_convert_fast_CPPFLAGS = $(AM_CPPFLAGS) -DUNITTEST -I$(top_srcdir)/tests/unit
tests_odbc_test_convert_fast_LDADD = driver/util/libdvutil.la $(DV_DEPLIBS)

# The emulator's own test suite (Python, standard library), reported as TAP.
if !SANITIZERS
TESTS += tests/emulator-tap.py
endif
EXTRA_DIST += tests/emulator tests/lsan.supp tests/tsan.supp

# Real clients through unixODBC: isql, pyodbc, Perl DBI, PHP (PDO_ODBC and odbc_*).
TESTS += tests/clients/test_isql.sh tests/clients/test_pyodbc.sh tests/clients/test_perl.sh
TESTS += tests/clients/test_pyodbc_write.sh tests/clients/test_login.sh
TESTS += tests/clients/test_differential.sh tests/clients/test_php.sh
TESTS += tests/clients/test_libreoffice.sh
# iODBC's iodbctest client, in a build for iODBC only (configure --with-iodbc;
# tools/check --iodbc).
if IODBC
TESTS += tests/clients/test_iodbctest.sh
endif
EXTRA_DIST += tests/clients/differential.py tests/clients/php_cells.py
EXTRA_DIST += tests/clients/libreoffice_rowset.py tests/clients/pytap.py
EXTRA_DIST += tests/clients/lib.sh tests/unit/engine_stack.h tests/unit/svc_client.h

# Change tracking (<entity>_changes) and FetchXML passthrough (fetchxml())
# through the driver manager (issue 13): they reach the emulator's Web API
# with curl too.
DVODBC_TVF_TESTS = tests/odbc/test_odbc_changes tests/odbc/test_odbc_fetchxml
check_PROGRAMS += $(DVODBC_TVF_TESTS)
TESTS += $(DVODBC_TVF_TESTS)
tests_odbc_test_odbc_changes_SOURCES = tests/odbc/test_odbc_changes.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_changes_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_changes_LDADD = $(DVODBC_DM_LDADD) $(CURL_LIBS) $(YAJL_LIBS)
tests_odbc_test_odbc_changes_DEPENDENCIES = $(DVODBC_DM_DEPS)
tests_odbc_test_odbc_fetchxml_SOURCES = tests/odbc/test_odbc_fetchxml.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_fetchxml_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_fetchxml_LDADD = $(DVODBC_DM_LDADD) $(CURL_LIBS) $(YAJL_LIBS)
tests_odbc_test_odbc_fetchxml_DEPENDENCIES = $(DVODBC_DM_DEPS)

# Subqueries along a relationship sent as lambda / path filters (issue 9).
check_PROGRAMS += tests/odbc/test_odbc_semijoin
TESTS += tests/odbc/test_odbc_semijoin
tests_odbc_test_odbc_semijoin_SOURCES = tests/odbc/test_odbc_semijoin.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_semijoin_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_semijoin_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_semijoin_DEPENDENCIES = $(DVODBC_DM_DEPS)

check_PROGRAMS += tests/odbc/test_odbc_joinsemi
TESTS += tests/odbc/test_odbc_joinsemi
tests_odbc_test_odbc_joinsemi_SOURCES = tests/odbc/test_odbc_joinsemi.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_joinsemi_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_joinsemi_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_joinsemi_DEPENDENCIES = $(DVODBC_DM_DEPS)

check_PROGRAMS += tests/odbc/test_odbc_rowcounts
TESTS += tests/odbc/test_odbc_rowcounts
tests_odbc_test_odbc_rowcounts_SOURCES = tests/odbc/test_odbc_rowcounts.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_rowcounts_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_rowcounts_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_rowcounts_DEPENDENCIES = $(DVODBC_DM_DEPS)

check_PROGRAMS += tests/odbc/test_odbc_joins
TESTS += tests/odbc/test_odbc_joins
tests_odbc_test_odbc_joins_SOURCES = tests/odbc/test_odbc_joins.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_joins_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_joins_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_joins_DEPENDENCIES = $(DVODBC_DM_DEPS)

# Metadata requests per connection with the cache: shared in a process, validated by stamp (issue 9).
check_PROGRAMS += tests/odbc/test_odbc_metadata_cache
TESTS += tests/odbc/test_odbc_metadata_cache
tests_odbc_test_odbc_metadata_cache_SOURCES = tests/odbc/test_odbc_metadata_cache.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_metadata_cache_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_metadata_cache_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_metadata_cache_DEPENDENCIES = $(DVODBC_DM_DEPS)

# SQLNativeSql / EXPLAIN show a join's key batches as they are sent (issue 9).
check_PROGRAMS += tests/odbc/test_odbc_explain_batches
TESTS += tests/odbc/test_odbc_explain_batches
tests_odbc_test_odbc_explain_batches_SOURCES = tests/odbc/test_odbc_explain_batches.c tests/odbc/odbc_test.h
tests_odbc_test_odbc_explain_batches_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_explain_batches_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_explain_batches_DEPENDENCIES = $(DVODBC_DM_DEPS)

# The statements of bench/bench-plans on a real org's schema: exact rows and requests (issue 9).
check_PROGRAMS += tests/odbc/test_odbc_plans
TESTS += tests/odbc/test_odbc_plans
tests_odbc_test_odbc_plans_SOURCES = tests/odbc/test_odbc_plans.c tests/odbc/odbc_test.h \
	bench/plans_suite.h
tests_odbc_test_odbc_plans_CPPFLAGS = $(DVODBC_DM_CPPFLAGS)
tests_odbc_test_odbc_plans_LDADD = $(DVODBC_DM_LDADD)
tests_odbc_test_odbc_plans_DEPENDENCIES = $(DVODBC_DM_DEPS)
