#!/usr/bin/python3
"""tests/emulator-tap.py - runs the emulator's unittest suite and reports TAP.

make check reads TAP from every test; this adapter turns each unittest test
into one TAP line (skips as '# SKIP', failures with their traceback as
comments) so the emulator's own tests are counted one by one."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
emu_dir = os.path.join(here, "emulator")


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, extra=""):
        self.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, test.id(), extra), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, " # SKIP " + reason)

    def _fail(self, test, err, kind):
        self._line(False, test)
        for line in self._exc_info_to_string(err, test).splitlines():
            print("#   " + line)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "FAIL")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "ERROR")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, " # unexpected success")


def main():
    sys.path.insert(0, emu_dir)
    suite = unittest.defaultTestLoader.discover(emu_dir, pattern="test_*.py", top_level_dir=emu_dir)
    result = TapResult()
    suite.run(result)
    print("1..%d" % result.n)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
