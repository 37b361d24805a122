# driver/svc.mk - the service client: configuration, HTTP, authentication, OData.
noinst_LTLIBRARIES += driver/libdvsvc.la
driver_libdvsvc_la_SOURCES = \
	driver/config/config.h driver/config/config_priv.h driver/config/config_keys.def \
	driver/config/config.c driver/config/config_connstr.c \
	driver/http/http.h driver/http/http_priv.h driver/http/http.c driver/http/http_util.c \
	driver/auth/auth.h driver/auth/auth_priv.h driver/auth/auth.c driver/auth/auth_static.c \
	driver/auth/auth_client_secret.c driver/auth/auth_errors.c driver/auth/auth_crypto.c \
	driver/auth/auth_cache.c driver/auth/auth_refresh.c driver/auth/auth_password.c \
	driver/auth/auth_msi.c driver/auth/auth_cert.c driver/auth/auth_loopback.h \
	driver/auth/auth_loopback.c driver/auth/auth_code.c driver/auth/auth_device.c \
	driver/auth/auth_ntlm.c driver/auth/auth_adfs.c \
	driver/odata/odata.h driver/odata/odata_priv.h driver/odata/odata_url.c \
	driver/odata/odata_error.c driver/odata/odata_page.c driver/odata/odata_cursor.c \
	driver/odata/odata_prefetch.h driver/odata/odata_prefetch.c \
	driver/odata/odata_partition.h driver/odata/odata_partition.c \
	driver/odata/odata_merge.h driver/odata/odata_merge.c \
	driver/odata/odata_batch.c

SVC_TEST_LIBS = driver/libdvsvc.la driver/util/libdvutil.la $(DV_DEPLIBS)

check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/tap.h
tests_unit_test_config_LDADD = $(SVC_TEST_LIBS)
TESTS += tests/unit/test_config

check_PROGRAMS += tests/unit/test_odata
tests_unit_test_odata_SOURCES = tests/unit/test_odata.c tests/unit/tap.h
tests_unit_test_odata_LDADD = $(SVC_TEST_LIBS)
TESTS += tests/unit/test_odata

check_PROGRAMS += tests/unit/test_merge
tests_unit_test_merge_SOURCES = tests/unit/test_merge.c tests/unit/tap.h
tests_unit_test_merge_LDADD = $(SVC_TEST_LIBS)
TESTS += tests/unit/test_merge

check_PROGRAMS += tests/unit/test_http
tests_unit_test_http_SOURCES = tests/unit/test_http.c tests/unit/test_svc_server.h \
	tests/unit/tap.h
tests_unit_test_http_LDADD = $(SVC_TEST_LIBS)
TESTS += tests/unit/test_http

# Needs the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_auth
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c tests/unit/emu.h tests/unit/tap.h
tests_unit_test_auth_LDADD = tests/libdvtest.la $(SVC_TEST_LIBS)
TESTS += tests/unit/test_auth

# Page prefetch against the emulator (tests/libdvtest.la starts it).
check_PROGRAMS += tests/unit/test_prefetch
tests_unit_test_prefetch_SOURCES = tests/unit/test_prefetch.c tests/unit/emu.h tests/unit/tap.h
tests_unit_test_prefetch_LDADD = tests/libdvtest.la $(SVC_TEST_LIBS)
TESTS += tests/unit/test_prefetch

check_PROGRAMS += tests/unit/test_batch
tests_unit_test_batch_SOURCES = tests/unit/test_batch.c tests/unit/tap.h
tests_unit_test_batch_LDADD = $(SVC_TEST_LIBS)
TESTS += tests/unit/test_batch

# The sign-in flows against the emulator (tests/libdvtest.la starts it).
TEST_AUTH_COMMON = tests/unit/test_auth_common.h tests/unit/emu.h tests/unit/tap.h
check_PROGRAMS += tests/unit/test_auth_user
tests_unit_test_auth_user_SOURCES = tests/unit/test_auth_user.c $(TEST_AUTH_COMMON)
tests_unit_test_auth_user_LDADD = tests/libdvtest.la $(SVC_TEST_LIBS)
TESTS += tests/unit/test_auth_user

check_PROGRAMS += tests/unit/test_auth_browser
tests_unit_test_auth_browser_SOURCES = tests/unit/test_auth_browser.c $(TEST_AUTH_COMMON)
tests_unit_test_auth_browser_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_auth_browser_LDADD = tests/libdvtest.la $(SVC_TEST_LIBS)
TESTS += tests/unit/test_auth_browser
EXTRA_DIST += tests/auth

check_PROGRAMS += tests/unit/test_auth_cache
tests_unit_test_auth_cache_SOURCES = tests/unit/test_auth_cache.c $(TEST_AUTH_COMMON)
tests_unit_test_auth_cache_LDADD = tests/libdvtest.la $(SVC_TEST_LIBS)
TESTS += tests/unit/test_auth_cache

check_PROGRAMS += tests/unit/test_auth_cert
tests_unit_test_auth_cert_SOURCES = tests/unit/test_auth_cert.c $(TEST_AUTH_COMMON)
tests_unit_test_auth_cert_LDADD = tests/libdvtest.la $(SVC_TEST_LIBS)
TESTS += tests/unit/test_auth_cert

# On-premises sign-in (NTLM, AD FS) against the emulator's --onprem modes.
check_PROGRAMS += tests/unit/test_auth_onprem
tests_unit_test_auth_onprem_SOURCES = tests/unit/test_auth_onprem.c $(TEST_AUTH_COMMON)
tests_unit_test_auth_onprem_LDADD = tests/libdvtest.la $(SVC_TEST_LIBS)
TESTS += tests/unit/test_auth_onprem

# dvodbc-login DSN: the sign-in of a DSN once, tokens stored for REFRESH jobs.
bin_PROGRAMS = odbcinst/dvodbc-login
odbcinst_dvodbc_login_SOURCES = odbcinst/dvodbc-login.c
odbcinst_dvodbc_login_LDADD = driver/libdvsvc.la driver/util/libdvutil.la $(DV_DEPLIBS)
