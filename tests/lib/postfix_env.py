"""postfix_env - a private Postfix on loopback for dlp-milter's end-to-end
tests (tests/e2e/t_*): its own config directory, queue, data directory
and maillog in a temp directory, smtpd on a free 127.0.0.1 port, every
mail relayed to Postfix's smtp-sink (each delivered message kept as a
file), build/dlp-milter as smtpd_milters and non_smtpd_milters. Plus the
helpers the tests share: synthetic My Numbers, SMTP sending with the
refusal kept, polling with a bound, verdict-line fields.

Everything started is stopped by Env.cleanup() (by pid; the temp
directory removed unless DLP_E2E_KEEP=1).
"""

import email.mime.text
import email.utils
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
import tap  # noqa: E402

# DLP_MILTER_BIN: another binary (a sanitizer build, say)
BIN = os.environ.get("DLP_MILTER_BIN",
                     os.path.join(ROOT, "build", "dlp-milter"))
CONF = os.path.join(ROOT, "conf", "dlp-milter.yaml")
PATTERNS = os.path.join(ROOT, "patterns")
WAIT = 20  # seconds: the bound of every poll
SENDER = "a@example.jp"
OUTSIDE = "x@outside.example"
INSIDE = "b@example.jp"
INCIDENT_RE = re.compile(r"DLP-\d{8}-[0-9A-Fa-f]{8}")


def my_number(first11):
    """A My Number: 11 digits and their check digit (P_n numbered from
    the right, Q_n = n+1 for n <= 6, n-5 after; 0 when the remainder is
    0 or 1, else 11 - remainder)."""
    total = sum(int(first11[11 - n]) * (n + 1 if n <= 6 else n - 5)
                for n in range(1, 12))
    r = total % 11
    return first11 + str(0 if r <= 1 else 11 - r)


NUMBER = my_number("38152906471")  # synthetic
NUMBER_444 = "-".join((NUMBER[0:4], NUMBER[4:8], NUMBER[8:12]))
NUMBER_FORMS = (NUMBER, NUMBER_444, NUMBER_444.replace("-", " "))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout=WAIT, step=0.2):
    """Poll cond() until it returns something true; returns that or the
    last (false) value."""
    end = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() >= end:
            return v
        time.sleep(step)


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as fp:
            return fp.read()
    except OSError:
        return ""


def tail(path, n=30):
    return "\n".join(read(path).splitlines()[-n:])


class Env:
    """The temp directory and every process this test starts."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="dlp-e2e-")
        # Postfix's daemons (user postfix) must reach their directories
        os.chmod(self.tmp, 0o755)
        self.conf = os.path.join(self.tmp, "postfix")
        self.queue = os.path.join(self.tmp, "queue")
        self.data = os.path.join(self.tmp, "data")
        self.sink_dir = os.path.join(self.tmp, "sink")
        self.maillog = os.path.join(self.tmp, "maillog")
        self.smtp_port = free_port()
        self.sink_port = free_port()
        self.milter_port = free_port()
        self.sink = None
        self.milter = None
        self.milter_log = None
        self.milter_logs = []
        self.postfix_started = False
        # main.cf settings a test adds or overrides (message_size_limit,
        # ...), set before start_postfix()
        self.main_extra = {}
        # smtpd -v (t_postfix reads the negotiation from it); a load
        # turns it off: it writes kilobytes per message
        self.smtpd_verbose = True

    # ---- the sink ----

    def start_sink(self):
        os.mkdir(self.sink_dir)
        os.chmod(self.sink_dir, 0o777)
        log = open(os.path.join(self.tmp, "sink.log"), "w")
        # -u: it runs as root here and must drop privileges
        self.sink = subprocess.Popen(
            ["smtp-sink", "-u", "nobody", "-h", "sink.example.test",
             "-d", os.path.join(self.sink_dir, "%M."),
             "127.0.0.1:%d" % self.sink_port, "64"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        return wait_for(lambda: self._listening(self.sink_port))

    @staticmethod
    def _listening(port):
        s = socket.socket()
        s.settimeout(1)
        try:
            s.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def at_sink(self, token, timeout=WAIT):
        """The text of the sink file holding token, or None."""
        def look():
            try:
                names = os.listdir(self.sink_dir)
            except OSError:
                return None
            for name in names:
                text = read(os.path.join(self.sink_dir, name))
                if token in text:
                    return text
            return None
        return wait_for(look, timeout)

    # ---- the milter ----

    def milter_config(self, name, mode="enforce", my_number_action=None):
        """A config derived from conf/dlp-milter.yaml: absolute rules dir,
        the mode, and every my_number threshold set to one action."""
        lines = read(CONF).splitlines()
        out, n_dir, n_mode, n_action = [], 0, 0, 0
        section = None
        in_my_number = None
        for line in lines:
            m = re.match(r"^(\w+):\s*$", line)
            if m:
                section = m.group(1)
            if section == "rules" and re.match(r"^\s+dir:", line):
                line = re.sub(r"dir:.*", 'dir: "%s"' % PATTERNS, line)
                n_dir += 1
            if section == "policy" and re.match(r"^\s+mode:\s*\w+", line):
                line = re.sub(r"mode:\s*\w+", "mode: " + mode, line)
                n_mode += 1
            if section == "policy" and my_number_action:
                m = re.match(r"^(\s+)my_number:\s*$", line)
                if m:
                    in_my_number = len(m.group(1))
                elif in_my_number is not None:
                    indent = len(line) - len(line.lstrip())
                    if line.strip() and indent <= in_my_number:
                        in_my_number = None
                    elif "action:" in line:
                        line = re.sub(r"action:\s*\w+",
                                      "action: " + my_number_action, line)
                        n_action += 1
            out.append(line)
        if n_dir != 1 or n_mode != 1 or (my_number_action and n_action < 1):
            raise RuntimeError(
                "cannot derive a test config from %s (rules.dir %d, "
                "policy.mode %d, my_number actions %d)" %
                (CONF, n_dir, n_mode, n_action))
        # what the shipped file finds beside itself or in /var: here
        text = "\n".join(out) + "\n"
        for old, new in (
                ("  templates: templates",
                 '  templates: "%s"' % os.path.join(ROOT, "conf",
                                                    "templates")),
                ("  database: /var/lib/dlp-milter/incidents.db",
                 '  database: "%s"' % os.path.join(self.tmp, "state",
                                                   "incidents.db")),
                ("  file: /var/log/dlp-milter/audit.jsonl",
                 '  file: "%s"' % os.path.join(self.tmp, "log",
                                               "audit.jsonl")),
                ("secret_file: dlp-milter.key",
                 'secret_file: "%s"' % os.path.join(self.tmp, "dlp.key"))):
            if old not in text:
                raise RuntimeError("cannot derive a test config from %s: "
                                   "no %r" % (CONF, old))
            text = text.replace(old, new)
        out = text.splitlines()
        path = os.path.join(self.tmp, "dlp-%s.yaml" % name)
        with open(path, "w", encoding="utf-8") as fp:
            fp.write("\n".join(out) + "\n")
        return path

    def start_milter(self, name, config=None, **variant):
        """Start build/dlp-milter -f with config (a path), or a config
        derived from the shipped one; returns (ok, diagnostics)."""
        cfg = config or self.milter_config(name, **variant)
        self.milter_log = os.path.join(self.tmp, "milter-%s.log" % name)
        self.milter_logs.append(self.milter_log)
        log = open(self.milter_log, "w")
        self.milter = subprocess.Popen(
            [BIN, "-f", "-c", cfg, "-p",
             "inet:%d@127.0.0.1" % self.milter_port],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        up = wait_for(lambda: "starting:" in read(self.milter_log) or
                      self.milter.poll() is not None)
        ok = up and self.milter.poll() is None
        return ok, "milter %s: %s" % (name, tail(self.milter_log))

    def stop_milter(self, sig=signal.SIGTERM):
        """Stop the running milter; returns its exit status (None when it
        had to be killed)."""
        p, self.milter = self.milter, None
        if p is None or p.poll() is not None:
            return p.returncode if p else None
        p.send_signal(sig)
        try:
            return p.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=WAIT)
            return None

    def verdict(self, needle, timeout=10):
        """The verdict line of the current milter log containing needle."""
        def look():
            for line in read(self.milter_log).splitlines():
                if " verdict " in line and needle in line:
                    return line
            return None
        return wait_for(look, timeout)

    # ---- Postfix ----

    def write_postfix_config(self):
        os.mkdir(self.conf)
        os.mkdir(self.queue)
        os.mkdir(self.data)
        shutil.chown(self.data, user="postfix")
        milter = "inet:127.0.0.1:%d" % self.milter_port
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue,
            "data_directory": self.data,
            "maillog_file": self.maillog,
            "maillog_file_prefixes": self.tmp,
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "myhostname": "dlp-e2e.example.test",
            "mydomain": "example.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "local_transport": "error:no local delivery in this test",
            "alias_maps": "",
            "alias_database": "",
            "relayhost": "[127.0.0.1]:%d" % self.sink_port,
            "mynetworks": "127.0.0.0/8",
            "smtpd_milters": milter,
            "non_smtpd_milters": milter,
            "milter_default_action": "tempfail",
            "milter_protocol": "6",
            "milter_connect_timeout": "10s",
            "milter_command_timeout": "30s",
            "milter_content_timeout": "60s",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
            "biff": "no",
        }
        main.update(self.main_extra)
        with open(os.path.join(self.conf, "main.cf"), "w") as fp:
            for k, v in main.items():
                fp.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.conf, "master.cf"), "w") as fp:
            fp.write(self.master_cf())

    def master_cf(self):
        """master.cf.proto's services without chroot, the pipe(8)
        examples left out, smtpd on our port."""
        proto = read("/etc/postfix/master.cf.proto")
        if not proto:
            raise RuntimeError("no /etc/postfix/master.cf.proto")
        out, keep = [], False
        for line in proto.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            if line[0].isspace():  # continuation of the last service
                if keep:
                    out.append(line)
                continue
            f = line.split()
            keep = len(f) >= 8 and f[7] != "pipe"
            if not keep:
                continue
            if f[0] == "smtp" and f[1] == "inet":
                f[0] = "127.0.0.1:%d" % self.smtp_port
                # -v: the maillog shows what the milter negotiated
                if self.smtpd_verbose:
                    f.append("-v")
            f[4] = "n"  # no chroot
            out.append(" ".join(f))
        return "\n".join(out) + "\n"

    def postfix(self, *args, timeout=60):
        return subprocess.run(["postfix", "-c", self.conf] + list(args),
                              capture_output=True, text=True,
                              timeout=timeout)

    def start_postfix(self):
        """Returns (ok, diagnostics)."""
        if os.geteuid() != 0:
            return False, "postfix start needs root"
        if shutil.which("postfix") is None:
            return False, "postfix is not installed"
        self.write_postfix_config()
        try:
            r = self.postfix("start")
        except subprocess.TimeoutExpired:
            return False, "postfix start timed out"
        self.postfix_started = True
        up = r.returncode == 0 and wait_for(
            lambda: self._listening(self.smtp_port))
        return bool(up), "postfix start: status %d %s %s\nmaillog:\n%s" % (
            r.returncode, r.stdout, r.stderr, tail(self.maillog))

    def queue_entries(self):
        r = subprocess.run(["postqueue", "-c", self.conf, "-j"],
                           capture_output=True, text=True, timeout=30)
        entries = []
        for line in r.stdout.splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass
        return entries

    def sendmail(self, msg_bytes, rcpts):
        return subprocess.run(
            ["sendmail", "-C", self.conf, "-f", SENDER, "-i"] + rcpts,
            input=msg_bytes, capture_output=True, timeout=60)

    # ---- cleanup ----

    def our_postfix_pids(self):
        """Processes run with our Postfix config: the master and its
        children carry MAIL_CONFIG=<our dir> in their environment."""
        want = ("MAIL_CONFIG=" + self.conf).encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/environ" % d, "rb") as fp:
                    env = fp.read().split(b"\0")
            except OSError:
                continue
            if want in env:
                pids.append(int(d))
        return pids

    def cleanup(self):
        self.stop_milter(signal.SIGKILL)
        if self.sink is not None and self.sink.poll() is None:
            self.sink.kill()
            self.sink.wait(timeout=WAIT)
        if self.postfix_started:
            try:
                self.postfix("stop", timeout=30)
            except Exception:
                pass
            if not wait_for(lambda: not self.our_postfix_pids(), 10):
                try:
                    self.postfix("abort", timeout=30)
                except Exception:
                    pass
                for pid in self.our_postfix_pids():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        if os.environ.get("DLP_E2E_KEEP"):
            tap.note("kept " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- mail

def make_mail(token, body, charset, subject=None, to=OUTSIDE):
    """A synthetic message whose Subject carries token (to find it)."""
    msg = email.mime.text.MIMEText(body, "plain", charset)
    msg["From"] = SENDER
    msg["To"] = to
    msg["Subject"] = subject or ("dlp-e2e " + token)
    msg["Message-ID"] = "<%s@client.example.test>" % token
    msg["Date"] = email.utils.formatdate(localtime=True)
    return msg


NUMBER_BODY = "お世話になります。\nマイナンバー: %s\nよろしくお願いします。\n" \
    % NUMBER_444
CLEAN_BODY = "お世話になります。\n明日の会議は10時からです。\n"


class Sent:
    def __init__(self):
        self.stage = None  # where it ended: connect, mail, rcpt, data
        self.code = None
        self.text = ""
        self.queue_id = None

    def __repr__(self):
        return "stage=%s code=%s text=%r" % (self.stage, self.code,
                                             self.text)


def smtp_send(env, msg, rcpts=(OUTSIDE,)):
    """Send over SMTP; returns a Sent with the first refusal or the final
    reply to the message."""
    r = Sent()
    data = msg.as_bytes() if hasattr(msg, "as_bytes") else msg
    try:
        r.stage = "connect"
        s = smtplib.SMTP("127.0.0.1", env.smtp_port, timeout=60,
                         local_hostname="client.example.test")
    except smtplib.SMTPConnectError as e:
        r.code, r.text = e.smtp_code, e.smtp_error.decode(errors="replace")
        return r
    except (OSError, smtplib.SMTPException) as e:
        r.text = repr(e)
        return r
    try:
        r.stage = "mail"
        code, text = s.mail(SENDER)
        if code >= 400:
            r.code, r.text = code, text.decode(errors="replace")
            return r
        r.stage = "rcpt"
        for rcpt in rcpts:
            code, text = s.rcpt(rcpt)
            if code >= 400:
                r.code, r.text = code, text.decode(errors="replace")
                return r
        r.stage = "data"
        try:
            code, text = s.data(data)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
        r.code, r.text = code, text.decode(errors="replace")
        m = re.search(r"queued as (\w+)", r.text)
        r.queue_id = m.group(1) if m else None
        return r
    except smtplib.SMTPServerDisconnected as e:
        r.text = repr(e)
        return r
    except smtplib.SMTPResponseException as e:
        r.code = e.smtp_code
        r.text = e.smtp_error.decode(errors="replace")
        return r
    finally:
        try:
            s.quit()
        except Exception:
            s.close()


def field(line, key):
    m = re.search(r"(?:^| )%s=(\S+)" % re.escape(key), line or "")
    return m.group(1) if m else None


