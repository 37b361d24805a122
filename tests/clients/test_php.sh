#!/bin/bash
# tests/clients/test_php.sh - PHP's PDO_ODBC and odbc_* functions (Debian's
# php-cli + php-odbc) through unixODBC, with PHP's default settings: PDO asks
# for SQL_CUR_USE_IF_NEEDED, so unixODBC would load its cursor library if the
# driver's cursor attributes said it could not scroll; every cell of
# `SELECT * FROM account` is compared with the Web API's own value
# (tests/clients/php_cells.py), prepared statements with parameters run, and
# an INSERT through PDO lands once.
. "$top_srcdir/tests/clients/lib.sh"
command -v php >/dev/null || { echo "1..0 # SKIP php not installed (tools/install-deps installs php-cli php-odbc)"; exit 0; }
# Under a sanitizer build lib.sh preloads ASan into the client, and ASan
# refuses every PHP extension: PHP dlopens them with RTLD_DEEPBIND
# (https://github.com/google/sanitizers/issues/611).  The driver code this test
# drives runs under ASan in tests/odbc/test_odbc_scroll and test_odbc_query.
case "${LD_PRELOAD:-}" in
*libasan*) echo "1..0 # SKIP PHP cannot load its extensions with ASan preloaded (RTLD_DEEPBIND)"; exit 0 ;;
esac
start_emu --rows 40 --seed 3 --real-attributes
write_ini
cells=$top_srcdir/tests/clients/php_cells.py

# 1. PDO, default attributes: SELECT * of account, every cell as the service holds it.
# PDO_ODBC reads every column as SQL_C_CHAR, so an image arrives as the hex digits
# ODBC's binary-to-character conversion gives; those cells are marked {"char": ...}.
php -r '
$c = odbc_connect("dvtest", "", "");
$bin = [];
$r = odbc_columns($c, null, null, "account");
while ($row = odbc_fetch_array($r))
	if (in_array($row["TYPE_NAME"], ["image", "varbinary"])) $bin[] = $row["COLUMN_NAME"];
odbc_close($c);
$db = new PDO("odbc:dvtest");
$db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$st = $db->query("SELECT * FROM account ORDER BY accountid");
$cols = [];
for ($i = 0; $i < $st->columnCount(); $i++) $cols[] = ["name" => $st->getColumnMeta($i)["name"]];
$rows = [];
while ($r = $st->fetch(PDO::FETCH_NUM)) {
	foreach ($r as $i => $v)
		if ($v !== null && in_array($cols[$i]["name"], $bin)) $r[$i] = ["char" => $v];
	$rows[] = $r;
}
echo json_encode(["columns" => $cols, "rows" => $rows]);
' > "$T/pdo_all.json" 2>"$T/php.err"
is "$(cat "$T/php.err")" "" "PDO SELECT * FROM account: no PHP error"
is "$("$PYTHON3" "$cells" "$EMU_URL" accounts accountid "$T/pdo_all.json" 2>&1 | tail -n 20)" \
	"40 rows x $("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["columns"]))' "$T/pdo_all.json" 2>/dev/null) columns checked" \
	"PDO default settings: every cell of SELECT * FROM account equals the Web API's value"
like "$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["columns"]))' "$T/pdo_all.json" 2>/dev/null)" '^[0-9]{2,}$' \
	"PDO saw the account table's columns"

# 2. PDO prepared statements with parameters (string and integer), twice each.
got=$(php -r '
$db = new PDO("odbc:dvtest");
$db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$st = $db->prepare("SELECT accountnumber, name FROM account WHERE accountnumber >= ? AND statecode = ? ORDER BY accountnumber");
foreach ([["A-000030", 0], ["A-000038", 0]] as $args) {
	$st->bindValue(1, $args[0], PDO::PARAM_STR);
	$st->bindValue(2, $args[1], PDO::PARAM_INT);
	$st->execute();
	foreach ($st->fetchAll(PDO::FETCH_NUM) as $r) echo implode("|", $r), "\n";
	echo "--\n";
}
' 2>&1)
want=$("$PYTHON3" "$cells" --query "$EMU_URL" accounts \
	'$filter=accountnumber%20ge%20%27A-000030%27%20and%20statecode%20eq%200&$orderby=accountnumber' accountnumber,name)
want2=$("$PYTHON3" "$cells" --query "$EMU_URL" accounts \
	'$filter=accountnumber%20ge%20%27A-000038%27%20and%20statecode%20eq%200&$orderby=accountnumber' accountnumber,name)
is "$got" "$want
--
$want2
--" "PDO prepared statement with a string and an integer parameter, executed twice"

# 3. PDO: an INSERT with parameters lands once, with its values.
php -r '
$db = new PDO("odbc:dvtest");
$db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$st = $db->prepare("INSERT INTO account (name, accountnumber, numberofemployees) VALUES (?, ?, ?)");
$st->execute(["Zürich Straße AG", "PHP-0001", 42]);
echo $st->rowCount(), "\n";
' > "$T/ins.out" 2>&1
is "$(cat "$T/ins.out")" "1" "PDO INSERT: rowCount 1"
is "$("$PYTHON3" "$cells" --query "$EMU_URL" accounts \
	'$filter=accountnumber%20eq%20%27PHP-0001%27' name,accountnumber,numberofemployees)" \
	"Zürich Straße AG|PHP-0001|42" "PDO INSERT: the service holds the row once, UTF-8 intact"

# 4. PDO errors carry the driver's SQLSTATE.
is "$(php -r '
$db = new PDO("odbc:dvtest");
try { $db->query("SELECT nosuch FROM account"); echo "no error\n"; }
catch (PDOException $e) { echo $e->getCode(), "\n"; }' 2>&1)" "42S22" "PDO error code is the SQLSTATE (unknown column)"

# 5. odbc_* functions: a prepared statement with a parameter, long text, a NULL.
got=$(php -r '
$c = odbc_connect("dvtest", "", "");
$st = odbc_prepare($c, "SELECT accountnumber, name, description FROM account WHERE accountnumber = ?");
odbc_execute($st, ["A-000007"]);
$r = odbc_fetch_array($st);
echo $r["accountnumber"], "|", $r["name"], "|", $r["description"] === null ? "NULL" : strlen($r["description"]), "\n";
$r = odbc_exec($c, "SELECT count(*) AS n FROM account WHERE statecode = 0");
odbc_fetch_row($r);
echo odbc_result($r, "n"), "\n";
' 2>&1)
want=$("$PYTHON3" "$cells" --query "$EMU_URL" accounts \
	'$filter=accountnumber%20eq%20%27A-000007%27' accountnumber,name,description | \
	"$PYTHON3" -c 'import sys; a,n,d=sys.stdin.read().rstrip("\n").split("|",2); print("%s|%s|%s" % (a, n, "NULL" if d == "NULL" else len(d.encode())))')
count=$("$PYTHON3" "$cells" --query "$EMU_URL" accounts '$filter=statecode%20eq%200&$count=true&$select=accountid' accountid | wc -l)
is "$got" "$want
$count" "odbc_prepare/odbc_execute with a parameter; odbc_exec count"

done_testing
