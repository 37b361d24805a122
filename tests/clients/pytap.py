"""pytap.py - TAP output for the Python client tests (test_pyodbc*.sh).

Owns: numbering the checks, printing "ok N - name" or "not ok N - name"
with what came and what was wanted, and the plan line at the end.  The
scripts import it from $top_srcdir/tests/clients."""

n = 0
failed = 0


def ok(cond, name, got=None, want=None):
    """One check: cond true passes; on failure got and want are printed."""
    global n, failed
    n += 1
    if cond:
        print("ok %d - %s" % (n, name))
    else:
        failed += 1
        print("not ok %d - %s" % (n, name))
        print("#   got:  %r" % (got,))
        print("#   want: %r" % (want,))


def eq(got, want, name):
    ok(got == want, name, got, want)


def done():
    """Prints the plan and ends the script: status 1 when a check failed."""
    print("1..%d" % n)
    raise SystemExit(1 if failed else 0)
