# driver/svc.mk - the service client: configuration, HTTP, authentication, OData.
noinst_LTLIBRARIES += driver/libdvsvc.la
driver_libdvsvc_la_SOURCES = \
	driver/config/config.h driver/config/config_priv.h driver/config/config_keys.def \
	driver/config/config.c driver/config/config_connstr.c \
	driver/http/http.h driver/http/http_priv.h driver/http/http.c driver/http/http_util.c \
	driver/auth/auth.h driver/auth/auth_priv.h driver/auth/auth.c driver/auth/auth_static.c \
	driver/auth/auth_client_secret.c \
	driver/odata/odata.h driver/odata/odata_priv.h driver/odata/odata_url.c \
	driver/odata/odata_error.c driver/odata/odata_page.c driver/odata/odata_cursor.c

SVC_TEST_LIBS = driver/libdvsvc.la driver/util/libdvutil.la $(DV_DEPLIBS)

check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/tap.h
tests_unit_test_config_LDADD = $(SVC_TEST_LIBS)
TESTS += tests/unit/test_config

check_PROGRAMS += tests/unit/test_odata
tests_unit_test_odata_SOURCES = tests/unit/test_odata.c tests/unit/tap.h
tests_unit_test_odata_LDADD = $(SVC_TEST_LIBS)
TESTS += tests/unit/test_odata

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
