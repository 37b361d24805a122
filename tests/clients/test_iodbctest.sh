#!/bin/bash
# tests/clients/test_iodbctest.sh - iODBC's iodbctest (Debian package iodbc)
# against the emulator, in a build for iODBC (configure --with-iodbc; run by
# tools/check --iodbc): the driver registered in a test-local odbcinst.ini
# through ODBCINSTINI, a DSN in ODBCINI, a connection by DSN and by
# connection string, queries with every cell checked, and an error's
# SQLSTATE as iodbctest prints it.
. "$top_srcdir/tests/clients/lib.sh"
command -v iodbctest >/dev/null || { echo "1..0 # SKIP iodbctest missing: tools/install-deps --iodbc"; exit 0; }
start_emu --rows 20 --seed 1
write_ini
# iODBC reads the drivers from $ODBCINSTINI (unixODBC: $ODBCSYSINI/odbcinst.ini).
export ODBCINSTINI="$T/odbcinst.ini"

# iodbctest "CONNSTR" < SQL: its result tables as "cell|cell" lines (the
# cells are padded to the column's display size: trailing blanks removed),
# without the banner, the header rule and the row count; stderr separate.
run() {
	printf '%s\n' "$2" | timeout 60 iodbctest "$1" 2>"$T/stderr" |
		sed -n '/^SQL>/,$p' | grep -v -e '^SQL>' -e '^-[-+]*$' -e 'result set' -e '^$' \
			-e '^Have a nice day' | sed -e 's/ *|/|/g' -e 's/ *$//'
}

is "$(run "DSN=dvtest" "SELECT name, accountnumber, statuscode FROM account ORDER BY name LIMIT 4")" \
"name|accountnumber|statuscode
Adventure Works Pty Ltd 17|A-000017|1
Alpine Ski GmbH 1|A-000001|1
Alpine Ski Pty Ltd 5|A-000005|1
Bellows Ltd 8|A-000008|1" "DSN=dvtest: every cell of 4 rows"
like "$(printf 'SELECT 1\n' | timeout 60 iodbctest "DSN=dvtest" 2>&1)" \
'Driver: [0-9.]+ \(libdvodbc\.so\)' "iODBC loaded the driver registered in \$ODBCINSTINI"

is "$(run "DSN=dvtest" "SELECT statuscodename, count(*) AS n FROM account GROUP BY statuscodename ORDER BY 1")" \
"statuscodename|n
Active|17
Inactive|3" "GROUP BY with count(*)"

is "$(run "DSN=dvtest" "SELECT name, revenue FROM account WHERE accountnumber IN ('A-000001', 'A-000002') ORDER BY accountnumber")" \
"name|revenue
Alpine Ski GmbH 1|7316000.62
Tailspin Traders 2|40102000.76" "money cells with their cents"

# SQLDriverConnect with the keys in the connection string, no DSN.
connstr="DRIVER=dvodbc;URL=$EMU_URL;AuthScheme=AzureServicePrincipal;OAuthGrantType=CLIENT"
connstr="$connstr;AzureTenant=00000000-0000-0000-0000-00000000aaaa"
connstr="$connstr;OAuthClientId=11111111-1111-1111-1111-111111111111"
connstr="$connstr;OAuthClientSecret=dvemu-secret;AzureAuthorityHost=$EMU_URL"
is "$(run "$connstr" "SELECT fullname FROM contact ORDER BY fullname LIMIT 2")" \
"fullname
Aarav Garcia
Barbara Andersson" "DRIVER=dvodbc connection string"

run "DSN=dvtest" "SELECT * FROM nosuchtable" >/dev/null
like "$(cat "$T/stderr")" 'SQLSTATE=42S02' "an unknown table: 42S02 as iodbctest prints it"
like "$(cat "$T/stderr")" '\[dvodbc\].*nosuchtable' "  with the driver's message"

done_testing
