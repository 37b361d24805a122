#!/bin/sh
# tests/install/test_install.sh - `make install` installs like a real driver.
#
# Installs the build tree into a scratch --prefix with unixODBC's files
# redirected to a scratch ODBCSYSINI, then checks: the library is in
# $(libdir)/odbc, the odbcinst.ini template names it, the driver is registered
# (once, however often make install runs) and loads through unixODBC (and
# answers queries against the emulator); DESTDIR and ODBCINST_REGISTER=no
# installs do not register; make uninstall removes the files and the entry.
. "$top_srcdir/tests/install/lib.sh"

inst() { # make target and variables; output kept in $scratch/make.log
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@" \
		>"$scratch/make.log" 2>&1
}
registered() { # key -> its value in the dvodbc driver entry ("" when none)
	odbcinst -q -d -n dvodbc 2>/dev/null | sed -n "s/^$1=//p"
}

prefix=$scratch/prefix
ODBCSYSINI=$scratch/etc
ODBCINI=$scratch/etc/odbc.ini
export ODBCSYSINI ODBCINI
mkdir -p "$ODBCSYSINI"

inst install prefix="$prefix" ODBCINST_REGISTER=yes
rc=$?
ok $rc "make install prefix=... ODBCINST_REGISTER=yes"
[ $rc -eq 0 ] || diag "$(tail -n 20 "$scratch/make.log")"
lib=$prefix/lib/odbc/libdvodbc.so
[ -f "$lib" ]; ok $? "the driver is installed in \$(libdir)/odbc: lib/odbc/libdvodbc.so"
[ -e "$prefix/lib/libdvodbc.so" ]; is $? 1 "nothing in \$(libdir) itself"
is "$(sed -n 's/^Driver *= *//p' "$prefix/share/dvodbc/odbcinst.ini" 2>&1)" "$lib" \
	"share/dvodbc/odbcinst.ini names the installed library"
[ -f "$prefix/share/dvodbc/odbc.ini.sample" ]; ok $? "share/dvodbc/odbc.ini.sample"
[ -f "$prefix/share/man/man7/dvodbc.7" ]; ok $? "share/man/man7/dvodbc.7"
[ -f "$prefix/share/doc/dvodbc/connection-keys.md" ]
ok $? "share/doc/dvodbc/connection-keys.md"
is "$(registered Driver)" "$lib" "registered in \$ODBCSYSINI/odbcinst.ini with the installed path"
is "$(registered UsageCount)" "1" "UsageCount 1"

inst install prefix="$prefix" ODBCINST_REGISTER=yes
ok $? "make install again"
is "$(registered UsageCount)" "1" "registering again leaves UsageCount at 1"

if [ "${DV_SANITIZERS:-no}" = yes ]; then
	ok 0 "# SKIP loading: an ASan-built library cannot load into isql"
else
	check_driver "$lib"
fi

before=$(cat "$ODBCSYSINI/odbcinst.ini")
inst install DESTDIR="$scratch/stage" prefix=/opt/dv ODBCINST_REGISTER=yes
ok $? "make install DESTDIR=... prefix=/opt/dv"
[ -f "$scratch/stage/opt/dv/lib/odbc/libdvodbc.so" ]; ok $? "DESTDIR: library staged"
is "$(sed -n 's/^Driver *= *//p' "$scratch/stage/opt/dv/share/dvodbc/odbcinst.ini" 2>&1)" \
	"/opt/dv/lib/odbc/libdvodbc.so" "DESTDIR: the template names the final path"
is "$(cat "$ODBCSYSINI/odbcinst.ini")" "$before" "DESTDIR: odbcinst.ini untouched"

inst install prefix="$scratch/noreg" ODBCINST_REGISTER=no
ok $? "make install ODBCINST_REGISTER=no (as --disable-odbcinst-register)"
is "$(cat "$ODBCSYSINI/odbcinst.ini")" "$before" "ODBCINST_REGISTER=no: odbcinst.ini untouched"

inst uninstall prefix="$prefix" ODBCINST_REGISTER=yes
ok $? "make uninstall"
[ -e "$lib" ]; is $? 1 "uninstall removes the library"
[ -e "$prefix/share/dvodbc/odbcinst.ini" ]; is $? 1 "uninstall removes the template"
odbcinst -q -d -n dvodbc >/dev/null 2>&1; is $? 1 "uninstall unregisters the driver"
left=$(find "$prefix" -type f 2>/dev/null)
is "$left" "" "no file left under the prefix"

done_testing
