"""loadlib - drive many SMTP sessions into the test Postfix of
tests/lib/postfix_env.py and account for every message (tests/load/t_*,
tests/bench/postfix_bench).

What it does:
  - Session: one SMTP client session on a raw socket (EHLO once, then
    MAIL, RCPT, DATA per message; dot-stuffing; the time from the end
    of the data to the reply is the message's latency);
  - Load: N messages over C concurrent sessions (threads: the work is
    waiting on sockets). Every message ends with a final reply: 2xx
    (queued) or 5xx (refused). A 4xx, a refused connection or a dropped
    session is a tempfail: the session is closed (a Postfix session whose
    milter failed stays failed), the message goes back to the queue and
    is sent again on a new session after a pause, as an MTA would.
    Each attempt's start (before MAIL FROM, or the connection) and end
    (its reply) are kept (time.monotonic()), to tell which messages came
    before or after a fault. While it runs, the caller's hook is called
    about 5 times a second with the load (to inject a fault at some
    point) and the daemon's RSS is sampled;
  - account(): after the load, waits until Postfix's queue holds nothing
    but the hold queue, then sorts every message into delivered (its
    X-Load-Id in a sink file), rejected (5xx), held (its queue id in the
    hold queue) or lost (none of these), and compares with the class's
    expected outcome (loadmail.EXPECT);
  - rss_kb(): VmRSS of the daemon (and, on request, of its workers).

What it does not do: start Postfix or the daemon (postfix_env.Env), or
judge (the t_* scripts make the TAP lines). Not a benchmark tool by
itself: latencies include Python's own scheduling (2 cores, shared).
"""

import collections
import os
import queue
import re
import socket
import threading
import time

ID_RE = re.compile(rb"(?im)^X-Load-Id:[ \t]*(\S+)")
QID_RE = re.compile(r"queued as (\w+)")


class SMTPError(Exception):
    pass


class Session:
    """One SMTP session to host:port; raises OSError/SMTPError on a
    broken connection."""

    def __init__(self, port, host="127.0.0.1", timeout=120):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.fp = self.sock.makefile("rb")
        code, text = self.reply()
        if code != 220:
            self.close()
            raise SMTPError("banner %d %s" % (code, text))
        code, text = self.cmd("EHLO client.example.test")
        if code != 250:
            self.close()
            raise SMTPError("EHLO %d %s" % (code, text))

    def reply(self):
        lines = []
        while True:
            line = self.fp.readline(4096)
            if not line:
                raise SMTPError("connection closed")
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                break
        try:
            code = int(lines[-1][:3])
        except ValueError:
            raise SMTPError("bad reply %r" % lines[-1])
        return code, "\n".join(x[4:] for x in lines)

    def cmd(self, line):
        self.sock.sendall(line.encode("ascii") + b"\r\n")
        return self.reply()

    def send(self, sender, rcpts, data):
        """One transaction: returns (stage, code, text, latency seconds
        from the end of the data to its reply, or None)."""
        code, text = self.cmd("MAIL FROM:<%s>" % sender)
        if code >= 400:
            return "mail", code, text, None
        for r in rcpts:
            code, text = self.cmd("RCPT TO:<%s>" % r)
            if code >= 400:
                return "rcpt", code, text, None
        code, text = self.cmd("DATA")
        if code != 354:
            return "data", code, text, None
        if data.startswith(b"."):
            data = b"." + data
        data = data.replace(b"\r\n.", b"\r\n..")
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        self.sock.sendall(data + b".\r\n")
        t0 = time.monotonic()
        code, text = self.reply()
        return "eom", code, text, time.monotonic() - t0

    def rset(self):
        return self.cmd("RSET")

    def close(self):
        try:
            self.sock.sendall(b"QUIT\r\n")
            self.reply()
        except (OSError, SMTPError):
            pass
        try:
            self.fp.close()
            self.sock.close()
        except OSError:
            pass


class Record:
    """One message: its class, every attempt, the final reply."""

    def __init__(self, load_id, cls):
        self.load_id = load_id
        self.cls = cls
        self.attempts = []  # (stage, code, text)
        self.times = []  # (start, end) of each attempt, time.monotonic()
        self.code = None  # final reply code (2xx or 5xx)
        self.text = ""
        self.queue_id = None
        self.latency = None  # of the final attempt
        self.outcome = None  # set by account()

    @property
    def tempfails(self):
        return sum(1 for a in self.attempts
                   if a[1] is None or 400 <= a[1] < 500)

    def __repr__(self):
        return "%s %s code=%s qid=%s outcome=%s attempts=%r" % (
            self.load_id, self.cls, self.code, self.queue_id, self.outcome,
            self.attempts[-3:])


def descendants(pid):
    """pid and every process below it (by the ppid of /proc/N/stat)."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as fp:
                st = fp.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: after the
        # last ')' come state, then ppid
        fields = st[st.rfind(b")") + 2:].split()
        parent[int(d)] = int(fields[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return out


def rss_kb(pid, with_children=False):
    """VmRSS (kB) of the daemon pid itself (with_children: and of its
    worker processes, forks that are replaced every workers.max_messages,
    so their sum follows the recycling, not a leak); None when pid is
    gone."""
    total, seen = 0, False
    for p in (descendants(pid) if with_children else [pid]):
        try:
            with open("/proc/%d/status" % p) as fp:
                for line in fp:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        seen = True
        except OSError:
            pass
    return total if seen else None


class Load:
    """messages: a list of (load_id, class, bytes) or a callable i ->
    that; n of them over `sessions` sessions. hook(load) is called by
    run()'s thread about 5 times a second; pid_fn() names the daemon
    whose RSS is sampled (None: no sampling)."""

    RETRY_PAUSE = 0.5  # seconds before a tempfailed message is sent again
    MAX_ATTEMPTS = 400

    def __init__(self, port, make, n, sessions, rcpts=("x@outside.example",),
                 sender="a@example.jp", hook=None, pid_fn=None,
                 deadline=900, per_session=None):
        self.port = port
        self.make = make
        self.n = n
        self.sessions = sessions
        self.rcpts = list(rcpts)
        self.sender = sender
        self.hook = hook
        self.pid_fn = pid_fn
        self.deadline = deadline
        self.per_session = per_session  # messages before a new session
        self.records = [None] * n
        self.jobs = queue.Queue()
        self.lock = threading.Lock()
        self.finished = 0
        self.rss = []  # (seconds since start, finished, kB)
        self.started = None
        self.seconds = None
        self.errors = []  # unexpected exceptions in workers
        self.stop = False

    def msg(self, i):
        m = self.make(i)
        with self.lock:
            if self.records[i] is None:
                self.records[i] = Record(m[0], m[1])
        return m

    def _final(self, i, stage, code, text, latency, t0=None, t1=None):
        r = self.records[i]
        with self.lock:
            r.attempts.append((stage, code, text[:200]))
            r.times.append((t0, t1))
            if code is not None and (200 <= code < 300 or code >= 500):
                r.code, r.text, r.latency = code, text, latency
                m = QID_RE.search(text)
                r.queue_id = m.group(1) if m else None
                self.finished += 1
                return True
        return False

    def _worker(self):
        s, sent = None, 0
        while not self.stop:
            try:
                i = self.jobs.get(timeout=0.2)
            except queue.Empty:
                with self.lock:
                    if self.finished >= self.n:
                        break
                continue
            _, _, data = self.msg(i)
            t0 = time.monotonic()
            try:
                if s is None:
                    s = Session(self.port)
                    sent = 0
                stage, code, text, lat = s.send(self.sender, self.rcpts,
                                                data)
                sent += 1
            except (OSError, SMTPError) as e:
                stage, code, text, lat = "session", None, repr(e), None
                if s is not None:
                    s.close()
                s = None
            if self._final(i, stage, code, text, lat, t0,
                           time.monotonic()):
                if s is not None and code >= 500 and stage != "eom":
                    try:
                        s.rset()
                    except (OSError, SMTPError):
                        s.close()
                        s = None
                if s is not None and self.per_session and \
                        sent >= self.per_session:
                    s.close()
                    s = None
                continue
            # a tempfail: a new session, the message again later
            if s is not None:
                s.close()
                s = None
            if len(self.records[i].attempts) >= self.MAX_ATTEMPTS:
                with self.lock:
                    self.errors.append("%s: gave up after %d attempts" % (
                        self.records[i].load_id, self.MAX_ATTEMPTS))
                    self.finished += 1
                continue
            t = threading.Timer(self.RETRY_PAUSE, self.jobs.put, (i,))
            t.daemon = True
            t.start()
        if s is not None:
            s.close()

    def run(self):
        """Send everything; returns the records (final or not)."""
        for i in range(self.n):
            self.jobs.put(i)
        self.started = time.monotonic()
        threads = [threading.Thread(target=self._guard, daemon=True)
                   for _ in range(self.sessions)]
        for t in threads:
            t.start()
        last_rss = 0.0
        while any(t.is_alive() for t in threads):
            now = time.monotonic() - self.started
            if now > self.deadline:
                self.stop = True
                self.errors.append("deadline of %d s passed with %d of %d "
                                   "finished" % (self.deadline,
                                                 self.finished, self.n))
                break
            if self.hook is not None:
                self.hook(self)
            if self.pid_fn is not None and now - last_rss >= 0.2:
                pid = self.pid_fn()
                kb = rss_kb(pid) if pid else None
                if kb is not None:
                    self.rss.append((now, self.finished, kb))
                last_rss = now
            time.sleep(0.2)
        for t in threads:
            t.join(timeout=30)
        self.seconds = time.monotonic() - self.started
        return self.records

    def _guard(self):
        try:
            self._worker()
        except Exception as e:  # a bug here must show, not hang the run
            import traceback
            with self.lock:
                self.errors.append("worker: %r\n%s" % (
                    e, traceback.format_exc()))

    def rss_median(self, lo, hi):
        """The median of the RSS samples taken while between lo and hi
        (fractions) of the messages had finished, or None."""
        ks = sorted(kb for _, done, kb in self.rss
                    if lo * self.n <= done <= hi * self.n)
        return ks[len(ks) // 2] if ks else None

    def rss_at(self, fraction):
        """The first RSS sample taken once fraction of the messages had
        finished (fraction 1: the last sample), or None."""
        for _, done, kb in self.rss:
            if done >= fraction * self.n:
                return kb
        return self.rss[-1][2] if fraction >= 1 and self.rss else None


# ---------------------------------------------------------------- account

def wait_queue_drained(env, timeout=300):
    """Wait until Postfix's queue holds only the hold queue; returns the
    hold queue's entries, or None on timeout."""
    end = time.time() + timeout
    while True:
        entries = env.queue_entries()
        busy = [e for e in entries if e.get("queue_name") != "hold"]
        if not busy:
            return entries
        if time.time() >= end:
            return None
        time.sleep(1)


def sink_ids(env, prefix=b""):
    """Counter of X-Load-Id values in the sink's files (each file read up
    to its first blank line or 256 KiB)."""
    ids = collections.Counter()
    for name in os.listdir(env.sink_dir):
        try:
            with open(os.path.join(env.sink_dir, name), "rb") as fp:
                head = fp.read(256 * 1024)
        except OSError:
            continue
        end = head.find(b"\r\n\r\n")
        if end < 0:
            end = head.find(b"\n\n")
        m = ID_RE.search(head[:end if end >= 0 else len(head)])
        if m and m.group(1).startswith(prefix):
            ids[m.group(1).decode("ascii", "replace")] += 1
    return ids


class Tally:
    def __init__(self):
        self.sent = 0
        self.by_outcome = collections.Counter()
        self.by_class = collections.defaultdict(collections.Counter)
        self.wrong = []  # records whose outcome is not the expected one
        self.duplicates = []  # load ids delivered more than once
        self.tempfailed = 0  # messages that needed more than one attempt
        self.drained = True

    def summary(self):
        o = self.by_outcome
        return ("sent %d = delivered %d + rejected %d + held %d "
                "(lost %d, unfinished %d); %d tempfailed then resent" % (
                    self.sent, o["delivered"], o["rejected"], o["held"],
                    o["lost"], o["unfinished"], self.tempfailed))

    def per_class(self):
        return "; ".join("%s %s" % (c, dict(v))
                         for c, v in sorted(self.by_class.items()))


def account(env, records, expect, prefix, timeout=300, settle=2.0):
    """Sort every record into an outcome (see the module comment);
    expect maps class -> outcome."""
    t = Tally()
    hold = wait_queue_drained(env, timeout)
    if hold is None:
        t.drained = False
        hold = env.queue_entries()
    time.sleep(settle)  # the last sink files being written
    held = {e.get("queue_id") for e in hold if e.get("queue_name") == "hold"}
    ids = sink_ids(env, prefix.encode())
    for r in records:
        if r is None:
            continue
        t.sent += 1
        if r.tempfails:
            t.tempfailed += 1
        if r.code is None:
            r.outcome = "unfinished"
        elif r.code >= 500:
            r.outcome = "rejected"
        elif r.load_id in ids:
            r.outcome = "delivered"
        elif r.queue_id in held:
            r.outcome = "held"
        else:
            r.outcome = "lost"
        # a refused or held message must never reach the sink
        if r.outcome != "delivered" and r.load_id in ids:
            r.outcome = "leaked"
        if ids.get(r.load_id, 0) > 1:
            t.duplicates.append(r.load_id)
        t.by_outcome[r.outcome] += 1
        t.by_class[r.cls][r.outcome] += 1
        if expect.get(r.cls) != r.outcome:
            t.wrong.append(r)
    return t


def latency_ms(records, q):
    """The q-quantile (0..1) of the final attempts' latencies, in ms."""
    lat = sorted(r.latency for r in records
                 if r is not None and r.latency is not None)
    if not lat:
        return None
    k = min(len(lat) - 1, max(0, int(round(q * (len(lat) - 1)))))
    return lat[k] * 1000.0
