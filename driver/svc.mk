# driver/svc.mk - the service client: configuration, HTTP, authentication, OData.
noinst_LTLIBRARIES += driver/libdvsvc.la
driver_libdvsvc_la_SOURCES = \
	driver/config/config.h \
	driver/http/http.h \
	driver/auth/auth.h \
	driver/odata/odata.h
