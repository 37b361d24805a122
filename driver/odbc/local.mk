# driver/odbc/local.mk - the ODBC API layer and the driver library itself.
lib_LTLIBRARIES += driver/libdvodbc.la
driver_libdvodbc_la_SOURCES = \
	driver/odbc/handles.h
driver_libdvodbc_la_LIBADD = driver/libdvengine.la driver/libdvsvc.la \
	driver/util/libdvutil.la $(DV_DEPLIBS)
driver_libdvodbc_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^SQL'
