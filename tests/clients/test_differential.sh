#!/bin/bash
# tests/clients/test_differential.sh - the driver's answers against a reference
# engine with the service's comparison rules, over the same rows read straight
# from the emulator's Web API (design decision 1: one answer, wherever it is
# computed).  The statements are a table in differential.py.
. "$top_srcdir/tests/clients/lib.sh"
start_emu --rows 200 --seed 1
write_ini
EMU_URL="$EMU_URL" /usr/bin/python3 "$top_srcdir/tests/clients/differential.py"
