#!/bin/bash
# tests/clients/test_libreoffice.sh - LibreOffice Base's table view on a
# dvodbc table (tests/clients/libreoffice_rowset.py, headless through UNO):
# scrolling, editing a cell, refetching the edited row by its key, with
# LibreOffice's CharSet set to UTF-8.  Every value is compared with the Web
# API's (why no refreshRow() right after absolute(): see the script).
# Skipped when LibreOffice Base is not installed (tools/install-deps
# --clients installs libreoffice-base-nogui and python3-uno).
. "$top_srcdir/tests/clients/lib.sh"
if ! command -v soffice >/dev/null || ! /usr/bin/python3 -c 'import uno' 2>/dev/null; then
	echo "1..0 # SKIP LibreOffice Base not installed (tools/install-deps --clients)"
	exit 0
fi
start_emu --rows 30 --seed 4
write_ini
cells=$top_srcdir/tests/clients/php_cells.py
names=$("$PYTHON3" "$cells" --query "$EMU_URL" accounts '$select=name' name)
nth() { printf '%s\n' "$names" | sed -n "${1}p"; }
port=$(( 20000 + $$ % 20000 ))
got=$(LD_PRELOAD= timeout 300 /usr/bin/python3 "$top_srcdir/tests/clients/libreoffice_rowset.py" \
	"$port" dvtest account name UTF-8 2>&1)
row5=$(nth 5)
is "$got" "count 30
first $(nth 1)
last $(nth 30)
absolute(5) $row5
previous $(nth 4)
relative(-2) $(nth 2)
updated $row5 – édité" "table view: scrolling, refetch by key and an edit show the service's rows"
is "$("$PYTHON3" "$cells" --query "$EMU_URL" accounts '$select=name' name | sed -n 5p)" \
	"$row5 – édité" "the edit reached the service as UTF-8, on that record only"
is "$("$PYTHON3" "$cells" --query "$EMU_URL" accounts '$select=name' name | grep -c 'édité')" "1" \
	"one record edited"
done_testing
