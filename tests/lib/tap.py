"""tap - a tiny TAP producer for the python test scripts (tests/*/t_*).

Prints "ok N - name" / "not ok N - name" lines, "# ..." diagnostics, and
the plan "1..N" at the end (TAP allows a trailing plan). tests/run-tests
counts the lines that start with "ok N" and "not ok N", so:

  - a failure is always "not ok"; a skip ("ok N - name # SKIP reason")
    counts as passed, so skips are only for known gaps that belong to a
    later issue, and every one is listed again by done();
  - names never carry "#" (it would start a TAP directive) or newlines.

Use:
    import tap
    tap.ok(cond, "name", diag="what went wrong")   # returns cond
    tap.skip("name", "known gap: reason")
    tap.note("free text")                           # "# free text"
    tap.done()                                       # plan, summary, exit

done() exits with status 1 when anything failed, 0 otherwise. The state is
per process (one script = one TAP stream); not thread-safe.
"""

import sys

_count = 0
_failed = []
_skipped = []


def _clean(name):
    name = " ".join(str(name).split())
    return name.replace("#", "\\#")


def note(text):
    """Print text as TAP diagnostics, one "# " line per line."""
    for line in str(text).splitlines() or [""]:
        print("# " + line)
    sys.stdout.flush()


def ok(cond, name, diag=None):
    """One test line. diag (a string, or a callable returning one, so that
    costly diagnostics are built only on failure) is printed under a
    failure. Returns bool(cond)."""
    global _count
    _count += 1
    cond = bool(cond)
    print("%s %d - %s" % ("ok" if cond else "not ok", _count, _clean(name)))
    if not cond:
        _failed.append((_count, _clean(name)))
        if diag is not None:
            note(diag() if callable(diag) else diag)
    sys.stdout.flush()
    return cond


def skip(name, reason):
    """A test that is not run or whose failure is a known gap: printed as
    "ok N - name # SKIP reason" and listed again by done()."""
    global _count
    _count += 1
    reason = " ".join(str(reason).split())
    print("ok %d - %s # SKIP %s" % (_count, _clean(name), reason))
    _skipped.append((_count, _clean(name), reason))
    sys.stdout.flush()


def failures():
    """The (number, name) of every failed test so far."""
    return list(_failed)


def skips():
    """The (number, name, reason) of every skipped test so far."""
    return list(_skipped)


def done():
    """Print the plan and a summary, then exit: 1 if anything failed."""
    if _skipped:
        note("%d skipped as known gaps:" % len(_skipped))
        for n, name, reason in _skipped:
            note("  %d %s: %s" % (n, name, reason))
    if _failed:
        note("%d of %d failed:" % (len(_failed), _count))
        for n, name in _failed:
            note("  %d %s" % (n, name))
    print("1..%d" % _count)
    sys.stdout.flush()
    sys.exit(1 if _failed else 0)
