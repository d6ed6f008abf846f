"""loadtap - the TAP checks the load, fault and hostile-input scripts
(tests/load/t_*) share: starting the sink, Postfix and the daemon, and
the accounting of a load (tests/load/loadlib.py) as TAP lines.
Not thread-safe (tap is not)."""

import os
import re

import tap
from postfix_env import BIN, read, tail
import loadmail

NUMBER_444_RE = re.compile(r"(?<!\d)\d{4}-\d{4}-\d{4}(?!\d)")


def start(env, name):
    """Sink, Postfix and the daemon; False (with a TAP failure) when one
    does not start."""
    if not os.access(BIN, os.X_OK):
        return tap.ok(False, "build/dlp-milter exists", "run make first")
    if not env.start_sink():
        return tap.ok(False, "smtp-sink starts",
                      read(os.path.join(env.tmp, "sink.log")))
    ok, diag = env.start_postfix()
    if not tap.ok(ok, "Postfix starts on 127.0.0.1:%d" % env.smtp_port,
                  diag):
        return False
    ok, diag = env.start_milter(name)
    return tap.ok(ok, "dlp-milter starts with the shipped policy", diag)


def check_accounting(env, load, tally, what):
    """The TAP lines every load shares: final replies, the sum, the
    classes, nothing leaked."""
    tap.ok(not load.errors, "%s: the load ran to its end" % what,
           lambda: "\n".join(load.errors[:5]))
    tap.ok(tally.drained, "%s: Postfix's queue drained but for the hold "
           "queue" % what, lambda: tail(env.maillog))
    o = tally.by_outcome
    tap.ok(tally.sent == load.n and
           tally.sent == o["delivered"] + o["rejected"] + o["held"] and
           not tally.duplicates,
           "%s: sent = delivered + rejected + held, exactly" % what,
           lambda: "%s\nduplicates %r\nfirst lost: %r" % (
               tally.summary(), tally.duplicates[:5],
               [r for r in load.records if r and r.outcome in
                ("lost", "unfinished")][:5]))
    tap.note("%s: %s" % (what, tally.summary()))
    tap.note("%s: per class %s" % (what, tally.per_class()))
    for cls in loadmail.CLASSES:
        want = loadmail.EXPECT[cls]
        bad = [r for r in tally.wrong if r.cls == cls]
        n = sum(tally.by_class[cls].values())
        tap.ok(n > 0 and not bad, "%s: every %s message (%d) is %s" % (
            what, cls, n, want), lambda bad=bad: "%d wrong, first: %r" % (
                len(bad), bad[:3]))
    tap.ok(o["leaked"] == 0, "%s: no rejected or held message reached the "
           "sink" % what)


def no_numbers_logged(env, what):
    logs = env.milter_logs + [env.maillog]
    found = [os.path.basename(p) for p in logs
             if NUMBER_444_RE.search(read(p))]
    tap.ok(not found, "%s: no log holds a My Number" % what,
           "found in %r" % found)
