#!/bin/sh
# Runs the dvemu emulator test suite with Debian's python3 from any directory.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
exec /usr/bin/python3 -m unittest discover -s tests/emulator -p 'test_*.py' "$@"
