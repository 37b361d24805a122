# tests/install/lib.sh - shared by the install and packaging tests (sourced).
#
# Owns: TAP output for shell tests (ok/is/skip_all/done_testing), a scratch
# directory removed at exit, starting the emulator with the fixed test
# identity, writing a DSN for it, and the two driver checks every install
# test makes: the library loads with all symbols resolved and exports the
# ODBC entry points; unixODBC loads it and it answers (isql -v), and with the
# emulator it returns rows.
# Needs: top_srcdir, top_builddir (exported by make check).

: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
tap_n=0
tap_failed=0
emu_pid=

ok() { # status description
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $2"
	fi
}

is() { # got want description
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "  got: $1" " want: $2"
	fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# Prints the plan.  The exit status stays 0: failures are reported by the
# "not ok" lines (a non-zero status would add a second, ERROR, report).
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ] || diag "$tap_failed of $tap_n failed"
	exit 0
}

cleanup() {
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null || true
		wait "$emu_pid" 2>/dev/null || true
	fi
	[ -n "$scratch" ] && rm -rf "$scratch"
}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dvodbc-install.XXXXXX")
# the driver's per-user metadata cache (MetadataCache) goes here, never to the real home
export XDG_CACHE_HOME="$scratch/cache"
trap cleanup EXIT
trap 'exit 1' INT TERM

# Starts the emulator (200 accounts); sets emu_port.  Returns 1 when it does not start.
start_emulator() {
	rm -f "$scratch/emu.port"
	"$PYTHON3" "$top_srcdir/tests/emulator/dvemu" --port-file "$scratch/emu.port" \
		--rows 200 --quiet >"$scratch/emu.log" 2>&1 &
	emu_pid=$!
	for _ in $(seq 100); do
		[ -s "$scratch/emu.port" ] && break
		kill -0 "$emu_pid" 2>/dev/null || break
		sleep 0.1
	done
	emu_port=$(cat "$scratch/emu.port" 2>/dev/null)
	[ -n "$emu_port" ]
}

# Writes odbc.ini in $1 with DSN [dvtest] for the emulator (or with no URL when
# no emulator runs: the driver must then answer 08001 by itself).
write_dsn() {
	{
		echo "[dvtest]"
		echo "Driver = dvodbc"
		if [ -n "$emu_port" ]; then
			echo "URL = http://127.0.0.1:$emu_port"
			echo "AuthScheme = AzureServicePrincipal"
			echo "AzureTenant = 00000000-0000-0000-0000-00000000aaaa"
			echo "OAuthClientId = 11111111-1111-1111-1111-111111111111"
			echo "OAuthClientSecret = dvemu-secret"
			echo "AzureAuthorityHost = http://127.0.0.1:$emu_port"
		fi
	} >"$1/odbc.ini"
}

# The library loads with every symbol resolved (RTLD_NOW) and exports the
# entry points unixODBC needs.
check_library_loads() { # path
	local out
	out=$("$PYTHON3" - "$1" 2>&1 <<'PY'
import ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)
missing = [f for f in ("SQLAllocHandle", "SQLConnect", "SQLDriverConnectW", "SQLExecDirect",
                       "SQLFetch", "SQLGetDiagRecW") if not hasattr(lib, f)]
print("missing: " + " ".join(missing) if missing else "loaded")
PY
)
	is "$out" "loaded" "$1 loads (RTLD_NOW) and exports SQLConnect, SQLDriverConnectW, ..."
}

# unixODBC (ODBCSYSINI / ODBCINI already exported) loads the driver for DSN dvtest.
# Without an emulator the driver itself must answer [08001] (URL missing);
# with one, a SELECT returns the rows the emulator holds.
check_isql() {
	local out
	if [ -z "$emu_port" ]; then
		out=$(echo "SELECT 1" | timeout 60 isql -b -v dvtest 2>&1)
		case $out in
		*"[08001]"*"[dvodbc]"*) ok 0 "unixODBC loads the driver; it answers 08001 itself" ;;
		*) ok 1 "unixODBC loads the driver; it answers 08001 itself"; diag "$out" ;;
		esac
		return
	fi
	out=$(echo "SELECT count(*) FROM account" | timeout 60 isql -b -v -3 dvtest 2>&1)
	case $out in
	*"| 200"*) ok 0 "isql -v: SELECT count(*) FROM account through the driver gives 200" ;;
	*) ok 1 "isql -v: SELECT count(*) FROM account through the driver gives 200"; diag "$out" ;;
	esac
}

# The library at path loads, and unixODBC (ODBCSYSINI / ODBCINI exported)
# loads it for DSN dvtest: without an emulator (08001), then with one.
check_driver() { # path
	check_library_loads "$1"
	emu_port=
	write_dsn "$ODBCSYSINI"
	check_isql
	if start_emulator; then
		write_dsn "$ODBCSYSINI"
		check_isql
	else
		ok 1 "the emulator starts"; diag "$(cat "$scratch/emu.log")"
	fi
}
