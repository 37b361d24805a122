#!/bin/sh
# tests/install/test_deb.sh - the Debian package builds, holds the right files,
# registers itself and loads.
#
# Builds odbc-dvodbc with tools/build-deb (dpkg-buildpackage -us -uc -b in a
# scratch copy of the tree), checks its file list and control data, runs its
# postinst/prerm against a scratch ODBCSYSINI, extracts it with dpkg-deb -x into
# a scratch root (the clean-tree substitute for installing it) and loads the
# driver from there through unixODBC: odbcinst -q -d, isql -v without a service
# (the driver answers 08001) and against the emulator.
# Skipped when dpkg-buildpackage or debhelper is missing.
. "$top_srcdir/tests/install/lib.sh"

command -v dpkg-buildpackage >/dev/null 2>&1 ||
	skip_all "dpkg-buildpackage is not installed (tools/install-deps --packaging)"
command -v dh >/dev/null 2>&1 || skip_all "debhelper is not installed (tools/install-deps --packaging)"

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
libpath=/usr/lib/$multiarch/odbc/libdvodbc.so

sh "$top_srcdir/tools/build-deb" --out "$scratch/out" --workdir "$scratch/work" \
	>"$scratch/build-deb.log" 2>&1
rc=$?
ok $rc "tools/build-deb (dpkg-buildpackage -us -uc -b)"
if [ $rc -ne 0 ]; then
	diag "$(tail -n 30 "$scratch/build-deb.log")"
	done_testing
fi
deb=$(ls "$scratch/out"/odbc-dvodbc_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ]; ok $? "odbc-dvodbc_<version>_<arch>.deb built"
[ -n "$deb" ] || done_testing

files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in "$libpath" /usr/bin/dvodbc-login /usr/share/odbc-dvodbc/odbcinst.ini /usr/share/odbc-dvodbc/odbc.ini.sample \
	/usr/share/man/man7/dvodbc.7.gz /usr/share/doc/odbc-dvodbc/copyright; do
	printf '%s\n' "$files" | grep -qx "$f"
	ok $? "the package holds $f"
done
printf '%s\n' "$files" | grep -Eqx '/usr/share/doc/odbc-dvodbc/connection-keys\.md(\.gz)?'
ok $? "the package holds the docs (/usr/share/doc/odbc-dvodbc/connection-keys.md)"
is "$(printf '%s\n' "$files" | grep -E '\.la$|^/usr/lib/[^/]+/[^/]+\.so|^/usr/local|^/etc/')" "" \
	"no libtool archive, nothing in /usr/lib/<multiarch> itself, /usr/local or /etc"

depends=$(dpkg-deb -f "$deb" Depends)
for dep in odbcinst libodbcinst2 libcurl4 libyajl2 libsqlite3-0; do
	case $depends in
	*"$dep"*) ok 0 "Depends: $dep" ;;
	*) ok 1 "Depends: $dep"; diag "Depends: $depends" ;;
	esac
done

# The maintainer scripts, pointed at the extracted template, against a scratch
# odbcinst.ini: configure registers once (also on upgrade), remove unregisters.
root=$scratch/root
dpkg-deb -x "$deb" "$root"
ok $? "dpkg-deb -x into a scratch root"
dpkg-deb -e "$deb" "$scratch/control"
for s in postinst prerm; do
	sed "s|/usr/share/odbc-dvodbc|$root/usr/share/odbc-dvodbc|g" "$scratch/control/$s" \
		>"$scratch/$s"
done
ODBCSYSINI=$scratch/sys
export ODBCSYSINI
mkdir -p "$ODBCSYSINI"
registered() { odbcinst -q -d -n dvodbc 2>/dev/null | sed -n "s/^$1=//p"; }
sh "$scratch/postinst" configure ""
ok $? "postinst configure"
is "$(registered Driver)" "$libpath" "postinst registers the driver at $libpath"
sh "$scratch/postinst" configure 0.0.9
is "$(registered UsageCount)" "1" "postinst on upgrade leaves UsageCount at 1"
sh "$scratch/prerm" upgrade 0.1.1
is "$(registered Driver)" "$libpath" "prerm upgrade keeps the registration"
sh "$scratch/prerm" remove
odbcinst -q -d -n dvodbc >/dev/null 2>&1
is $? 1 "prerm remove unregisters the driver"

# The extracted driver, registered at its extracted path, loads through unixODBC.
ODBCSYSINI=$scratch/load
ODBCINI=$scratch/load/odbc.ini
export ODBCSYSINI ODBCINI
mkdir -p "$ODBCSYSINI"
sed "s|^Driver *= *|Driver = $root|" "$root/usr/share/odbc-dvodbc/odbcinst.ini" \
	>"$ODBCSYSINI/odbcinst.ini"
is "$(odbcinst -q -d | tr '\n' ' ')" "[dvodbc] " "odbcinst -q -d lists [dvodbc]"
check_driver "$root$libpath"
done_testing
