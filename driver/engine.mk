# driver/engine.mk - the SQL side: catalog, SQLite engine with the virtual table, sqlparse.
noinst_LTLIBRARIES += driver/libdvengine.la
driver_libdvengine_la_SOURCES = \
	driver/catalog/catalog.h \
	driver/engine/engine.h \
	sqlparse/sqlparse.h
