# driver/util/local.mk - shared helpers: errors/SQLSTATEs, buffers, strings, log.
noinst_LTLIBRARIES += driver/util/libdvutil.la
driver_util_libdvutil_la_SOURCES = \
	driver/util/error.c driver/util/error.h driver/util/sqlstate.def \
	driver/util/buf.c driver/util/buf.h \
	driver/util/strutil.c driver/util/strutil.h \
	driver/util/log.c driver/util/log.h \
	driver/util/numfmt.c driver/util/numfmt.h
