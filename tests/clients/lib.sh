# tests/clients/lib.sh - shared by the real-client test scripts (isql, pyodbc, Perl).
#
# Owns: starting the emulator on a free port in a temp dir, a test-local
# unixODBC setup (odbcinst.ini + odbc.ini with DSN "dvtest") exported through
# ODBCSYSINI/ODBCINI, TAP output helpers, and cleanup on exit.
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
# A sanitizer build of the driver loaded into an uninstrumented client (isql,
# python3, perl) needs the ASan runtime preloaded; leaks of those interpreters
# are not ours, so leak checking is left to the C tests.
if ldd "$top_builddir/driver/.libs/libdvodbc.so" 2>/dev/null | grep -q libasan; then
	LD_PRELOAD=$(ldd "$top_builddir/driver/.libs/libdvodbc.so" | awk '/libasan/ {print $3}')
	LD_PRELOAD="$LD_PRELOAD $(ldd "$top_builddir/driver/.libs/libdvodbc.so" | awk '/libubsan/ {print $3}')"
	export LD_PRELOAD
	export ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0"
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/dvclient.XXXXXX")
# the driver's per-user metadata cache (MetadataCache) goes here, never to the real home
export XDG_CACHE_HOME="$T/cache"
EMU_PID=
tap_n=0
tap_failed=0

cleanup() {
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
	[ -n "${DVTEST_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# start_emu [dvemu flags...]: starts the emulator, sets EMU_URL.
start_emu() {
	LD_PRELOAD= "$PYTHON3" "$top_srcdir/tests/emulator/dvemu" --port-file "$T/port" "$@" 2>"$T/dvemu.log" &
	EMU_PID=$!
	for _ in $(seq 1 600); do
		[ -s "$T/port" ] && break
		kill -0 "$EMU_PID" 2>/dev/null || { echo "Bail out! dvemu exited: $(tail -5 "$T/dvemu.log")"; exit 1; }
		sleep 0.1
	done
	[ -s "$T/port" ] || { echo "Bail out! dvemu wrote no port file"; exit 1; }
	EMU_URL="http://127.0.0.1:$(cat "$T/port")"
}

# write_ini [extra odbc.ini lines]: DSN dvtest for the running emulator.
write_ini() {
	cat > "$T/odbcinst.ini" <<INI
[dvodbc]
Driver = $top_builddir/driver/.libs/libdvodbc.so
[ODBC]
Trace = No
TraceFile = $T/trace.log
INI
	cat > "$T/odbc.ini" <<INI
[dvtest]
Driver = dvodbc
URL = $EMU_URL
AuthScheme = AzureServicePrincipal
OAuthGrantType = CLIENT
AzureTenant = 00000000-0000-0000-0000-00000000aaaa
OAuthClientId = 11111111-1111-1111-1111-111111111111
OAuthClientSecret = dvemu-secret
AzureAuthorityHost = $EMU_URL
${1:-}
INI
	export ODBCSYSINI="$T" ODBCINI="$T/odbc.ini"
}

# emu_requests [since]: "METHOD URL" lines the emulator received.
emu_requests() {
	"$PYTHON3" - "$EMU_URL" "${1:-0}" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen("%s/_emu/requests?since=%s" % (sys.argv[1], sys.argv[2])) as r:
    for q in json.load(r):
        print(q["method"], q["url"])
PY
}

emu_reset() {
	"$PYTHON3" -c "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/_emu/reset', data=b'{}', method='POST'))" "$EMU_URL"
}

# is "got" "want" "name": exact comparison; shows a diff on failure.
is() {
	tap_n=$((tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $tap_n - $3"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $3"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^/#   /'
	fi
}

# like "got" "regex" "name"
like() {
	tap_n=$((tap_n + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		echo "ok $tap_n - $3"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $3"
		printf '%s\n' "$1" | head -20 | sed 's/^/#   got: /'
		echo "#   want match: $2"
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
