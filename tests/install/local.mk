# tests/install/local.mk - install, packaging and documentation tests.
#   test_docs_keys  docs/connection-keys.md <-> the code's key table (dv_config_keys)
#   test_man.sh     man/dvodbc.7 is current (tools/gen-man) and renders cleanly
#   test_install.sh make install / uninstall into a scratch prefix and ODBCSYSINI
#   test_deb.sh     builds the .deb, extracts it, loads the driver from it
check_PROGRAMS += tests/install/test_docs_keys
tests_install_test_docs_keys_SOURCES = tests/install/test_docs_keys.c tests/unit/tap.h
tests_install_test_docs_keys_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_install_test_docs_keys_LDADD = driver/libdvsvc.la driver/util/libdvutil.la $(DV_DEPLIBS)
TESTS += tests/install/test_docs_keys tests/install/test_man.sh tests/install/test_install.sh

# The package build is the same with or without sanitizers: run it once.
if SANITIZERS
AM_TESTS_ENVIRONMENT += DV_SANITIZERS=yes; export DV_SANITIZERS;
else
TESTS += tests/install/test_deb.sh
endif

EXTRA_DIST += tests/install/lib.sh tests/install/test_man.sh tests/install/test_install.sh \
	tests/install/test_deb.sh man/dvodbc.7.in
