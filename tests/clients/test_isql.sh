#!/bin/bash
# tests/clients/test_isql.sh - isql (unixODBC) sessions against the emulator:
# list tables, describe columns, queries with exact rows, a join, an
# aggregate, ODBC escapes, errors with their SQLSTATEs, ODBC 2 and 3 modes,
# and what the emulator received for a pushed-down query.
. "$top_srcdir/tests/clients/lib.sh"
start_emu --rows 20 --seed 1
write_ini

q() { echo "$1" | timeout 60 isql -b -c -d'|' -3 dvtest 2>&1; }
qv() { echo "$1" | timeout 60 isql -b -v -3 dvtest 2>&1; }

is "$(q "SELECT name, accountnumber, statuscode, statuscodename FROM account ORDER BY name LIMIT 4")" \
"name|accountnumber|statuscode|statuscodename
Adventure Works Pty Ltd 17|A-000017|1|Active
Alpine Ski GmbH 1|A-000001|1|Active
Alpine Ski Pty Ltd 5|A-000005|1|Active
Bellows Ltd 8|A-000008|1|Active" "SELECT with ORDER BY/LIMIT and a label companion column"

emu_reset
is "$(q "SELECT name FROM account WHERE name LIKE 'alpine%' ORDER BY name")" \
"name
Alpine Ski GmbH 1
Alpine Ski Pty Ltd 5" "LIKE prefix, case-insensitive as the service"
is "$(emu_requests | grep ' /api/data/v9.2/accounts?')" \
"GET /api/data/v9.2/accounts?\$select=accountid,name&\$filter=startswith(name,'alpine')&\$orderby=name%20asc,accountid%20asc" \
"LIKE prefix pushed to the service as startswith"

is "$(q "SELECT a.name, c.fullname FROM account a JOIN contact c ON c.parentcustomerid = a.accountid ORDER BY a.name, c.fullname LIMIT 3")" \
"name|fullname
Alpine Ski Pty Ltd 5|John Flores
Bellows Ltd 8|Kimberly Wright
Best For You LLC 18|Lisa Kim" "join along parentcustomerid"

is "$(q "SELECT statuscodename, count(*) AS n FROM account GROUP BY statuscodename ORDER BY 1")" \
"statuscodename|n
Active|17
Inactive|3" "GROUP BY with count(*)"

is "$(q "SELECT {fn UCASE(name)} AS u FROM account WHERE accountnumber = 'A-000001'")" \
"u
ALPINE SKI GMBH 1" "ODBC {fn} escape"

is "$(q "SELECT TOP 2 name FROM account WHERE createdon > {ts '2000-01-01 00:00:00'} ORDER BY name")" \
"name
Adventure Works Pty Ltd 17
Alpine Ski GmbH 1" "TOP n and a {ts} literal"

like "$(qv "SELECT * FROM nosuchtable")" '\[42S02\]\[dvodbc\].*nosuchtable' "unknown table -> 42S02"
like "$(qv "SELECT nosuch FROM account")" '\[42S22\]\[dvodbc\].*nosuch' "unknown column -> 42S22"
like "$(qv "SELEC name FROM account")" '\[42000\]\[dvodbc\]' "syntax error -> 42000"
# Without -3 isql runs an ODBC 2.x environment: the DM maps the states.
like "$(echo "SELECT nosuch FROM account" | isql -b -v dvtest 2>&1)" '\[S0022\]\[dvodbc\]' \
"ODBC 2 environment sees S0022"

tables=$(printf 'help\n' | timeout 60 isql -b -c -d'|' -3 dvtest 2>&1)
like "$tables" '^TABLE_CAT\|TABLE_SCHEM\|TABLE_NAME\|TABLE_TYPE\|REMARKS' "help lists tables (ODBC 3 names)"
like "$tables" '\|account\|TABLE\|Account' "account is a table with its display name"
like "$(printf 'help\n' | timeout 60 isql -b -c -d'|' dvtest 2>&1)" '^TABLE_QUALIFIER\|TABLE_OWNER\|TABLE_NAME' \
"ODBC 2 SQLTables column names"
cols=$(printf 'help account\n' | timeout 60 isql -b -c -d'|' -3 dvtest 2>&1)
like "$cols" '\|account\|name\|-9\|nvarchar\|160\|' "help account: name is SQL_WVARCHAR(160)"
like "$cols" '\|account\|accountid\|-11\|uniqueidentifier\|' "help account: accountid is SQL_GUID"

done_testing
