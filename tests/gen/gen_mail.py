#!/usr/bin/python3
"""gen_mail - synthetic test mail for dlp-milter, and what the scan must say.

What it does: from one fixed seed (random.Random(20261121)) it makes
synthetic My Numbers with a valid check digit, invalid ones (check digit
off by one), synthetic basic pension numbers (4+6 digits), made-up Japanese
names and business text, plants them in real MIME messages built with the
stdlib email package (ISO-2022-JP, CP932 under both its labels, UTF-8
base64/QP, full-width digits, a QP soft break inside a number, HTML tables,
forwarded message/rfc822, S/MIME and PGP/MIME encryption, RFC 2047
subjects, ...), and writes each case as <outdir>/<case>.eml plus
<outdir>/expected.json.

The expectation of each case is computed from what was planted, by a
small model of the default policy of conf/dlp-milter.yaml as the issue
states it (see expect()):
  my_number  counted when it has 12 digits standing alone (not part of a
             longer digit run), a valid check digit and is not a repeated
             or sequential dummy; confidence high when a context word
             (マイナンバー, 個人番号, My Number) is near it, else low;
  pension_number  counted only with a context word (基礎年金番号,
             年金番号, 年金手帳) near it, confidence high;
  actions    my_number high -> reject, low -> tag, pension_number
             high -> reject, encrypted content -> accept; the message
             gets the most severe; all recipients internal -> skipped,
             accept.
"Near" is decided on the text a reader sees (after NFKC, HTML tags
dropped, entities decoded); each planted value must give the same answer
with windows of 10, 30 and 60 characters, so no case sits on the edge of
the engine's ~30 character window.

What it does not do: run dlp-scan (tests/gen/t_generated does), or make
anything that resembles real personal data: the names are invented
combinations, the numbers random, the domains example.* or the internal
domain of the config.

Use as a module (tests/gen/t_generated imports it) or as a CLI:
    tests/gen/gen_mail.py [-o build/gen-mail] [--internal-domain DOMAIN]
                          [--config conf/dlp-milter.yaml]
Output is byte-for-byte the same on every run (no time, no global random).
"""

import argparse
import base64
import html
import io
import json
import os
import quopri
import random
import re
import sys
import unicodedata
from email import policy as email_policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart

SEED = 20261121

# The default policy as the issue states it (conf/dlp-milter.yaml).
POLICY = {
    "my_number": {"high": "reject", "medium": "quarantine", "low": "tag"},
    "pension_number": {"high": "reject"},
}
ENCRYPTED_ACTION = "accept"
SEVERITY = ["accept", "monitor", "tag", "quarantine", "reject", "tempfail"]
CONFIDENCES = ["none", "low", "medium", "high"]

CONTEXT_WORDS = {
    "my_number": ["マイナンバー", "個人番号", "my number"],
    "pension_number": ["基礎年金番号", "年金番号", "年金手帳"],
}
# The engine's window is "~30 characters"; a planted value must give the
# same answer with all of these, or the case is ambiguous.
CONTEXT_WINDOWS = (10, 30, 60)

EXTERNAL_RCPT = "partner@example.com"
DATE = "Sat, 21 Nov 2026 10:00:00 +0900"


# ---------------------------------------------------------------- numbers

def my_number_check_digit(first11):
    """The check digit of the 11 leading digits of a My Number (the
    ordinance: P_n numbered from the right, Q_n = n+1 for n <= 6, n-5 for
    n >= 7, r = sum(P_n * Q_n) mod 11, check = 0 if r <= 1 else 11 - r)."""
    if len(first11) != 11 or not first11.isdigit():
        raise ValueError("need 11 digits")
    total = 0
    for n in range(1, 12):
        p = int(first11[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def my_number_valid(digits):
    """Whether digits is 12 digits with a valid check digit."""
    return (len(digits) == 12 and digits.isdigit() and
            my_number_check_digit(digits[:11]) == int(digits[11]))


def is_dummy(digits):
    """Repeated or sequential numbers that forms and manuals use as
    placeholders (111111111111, 123456789012): few distinct digits, a run
    of 5 equal digits, or 5 digits in a row ascending or descending."""
    if len(set(digits)) < 5:
        return True
    for i in range(len(digits) - 4):
        w = [int(c) for c in digits[i:i + 5]]
        steps = {(w[j + 1] - w[j]) % 10 for j in range(4)}
        if steps in ({0}, {1}, {9}):
            return True
    return False


def fmt_444(digits, sep="-"):
    return sep.join((digits[0:4], digits[4:8], digits[8:12]))


def fmt_pension(digits):
    return digits[:4] + "-" + digits[4:]


def to_fullwidth(s):
    """ASCII digits to full-width, spaces to U+3000."""
    out = []
    for c in s:
        if c.isdigit():
            out.append(chr(0xFF10 + int(c)))
        elif c == " ":
            out.append("\u3000")
        else:
            out.append(c)
    return "".join(out)


SURNAMES = ["見本", "試験", "架空", "仮野", "例川", "模擬", "想定", "空木"]
GIVEN = ["花子", "太郎", "一葉", "次郎", "さくら", "健太", "美咲", "大翔"]
ROMAJI = ["mihon", "shiken", "kakuu", "kano", "reikawa", "mogi", "sotei",
    "utsugi"]
COMPANIES = ["サンプル商事", "見本工業", "試験物産", "架空システムズ"]


class Gen:
    """Everything random, drawn from one seeded generator in a fixed
    order, so that the output never changes."""

    def __init__(self, seed=SEED):
        self.rng = random.Random(seed)
        self.used = set()

    def digits(self, n, first_nonzero=True):
        s = str(self.rng.randint(1 if first_nonzero else 0, 9))
        return s + "".join(str(self.rng.randint(0, 9)) for _ in range(n - 1))

    def my_number(self):
        """A fresh 12-digit number with a valid check digit, no dummy."""
        while True:
            first = self.digits(11)
            n = first + str(my_number_check_digit(first))
            if not is_dummy(n) and n not in self.used:
                self.used.add(n)
                return n

    def invalid_my_number(self):
        """A fresh number whose check digit is the valid one plus 1."""
        while True:
            first = self.digits(11)
            n = first + str((my_number_check_digit(first) + 1) % 10)
            if not is_dummy(n) and n not in self.used:
                self.used.add(n)
                return n

    def thirteen_digits(self):
        """13 digits whose first 12 and last 12 are both valid My
        Numbers: an engine that matches inside a longer run must fail."""
        while True:
            head = self.my_number()
            tail11 = head[1:12]
            n = head + str(my_number_check_digit(tail11))
            if my_number_valid(n[1:]) and not is_dummy(n):
                self.used.add(n)
                return n

    def pension_number(self):
        while True:
            n = self.digits(10)
            if not is_dummy(n) and n not in self.used:
                self.used.add(n)
                return n

    def person(self):
        i = self.rng.randrange(len(SURNAMES))
        return SURNAMES[i] + " " + self.rng.choice(GIVEN), ROMAJI[i]

    def company(self):
        return "株式会社" + self.rng.choice(COMPANIES)

    def boundary(self):
        return "=_dlp_%016x" % self.rng.getrandbits(64)

    def randbytes(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n))


# ---------------------------------------------------------------- model

def visible_text(text, is_html):
    """The text a reader sees, as the model looks at it: HTML tags become
    separators, entities are decoded; then NFKC, case folded."""
    if is_html:
        text = re.sub(r"<[^>]*>", "\t", text)
        text = html.unescape(text)
    return unicodedata.normalize("NFKC", text).casefold()


def context_near(kind, text, value_text, window):
    """Whether a context word of kind ends at most window characters
    before, or starts at most window characters after, the first
    occurrence of value_text in text (both already visible_text()).
    Raises ValueError when value_text is absent."""
    pos = text.find(value_text)
    if pos < 0:
        raise ValueError("planted value not in its text: %r" % value_text)
    end = pos + len(value_text)
    for w in CONTEXT_WORDS[kind]:
        for m in re.finditer(re.escape(w), text):
            if m.end() <= pos:
                gap = pos - m.end()
            elif m.start() >= end:
                gap = m.start() - end
            else:
                continue
            if gap <= window:
                return True
    return False


class Plant:
    """One number written into a case."""

    def __init__(self, kind, value, written, text, is_html=False,
            section=None):
        self.kind = kind
        self.value = value  # digits only
        self.written = written  # as it appears in the text
        self.section = section  # IMAP section of its node; None: header
        vis = visible_text(text, is_html)
        needle = visible_text(written, False)
        answers = {context_near(kind, vis, needle, w)
            for w in CONTEXT_WINDOWS}
        if len(answers) != 1:
            raise ValueError("context of %s depends on the window size"
                % kind)
        self.context = answers.pop()
        # standing alone: no digit right before or after it
        pos = vis.find(needle)
        before = vis[pos - 1] if pos > 0 else ""
        after = vis[pos + len(needle)] if pos + len(needle) < len(vis) \
            else ""
        self.alone = not before.isdigit() and not after.isdigit()
        if kind == "my_number":
            self.valid = my_number_valid(value)
            self.dummy = is_dummy(value)
            self.counted = self.valid and not self.dummy and self.alone
            self.confidence = "high" if self.context else "low"
        else:
            self.valid = len(value) == 10
            self.dummy = is_dummy(value)
            self.counted = self.valid and self.alone and self.context
            self.confidence = "high"

    def to_json(self):
        return {"kind": self.kind, "value": self.value,
            "written": self.written, "section": self.section,
            "valid": self.valid, "dummy": self.dummy,
            "context": self.context, "alone": self.alone,
            "counted": self.counted,
            "confidence": self.confidence if self.counted else None}


def expect(plants, encrypted, skipped):
    """What dlp-scan --json must report, from what was planted."""
    if skipped:
        return {"action": "accept", "skipped": True, "totals": [],
            "findings": []}
    actions = ["accept"]
    if encrypted:
        actions.append(ENCRYPTED_ACTION)
    totals = []
    findings = {}
    for kind in ("my_number", "pension_number"):
        counted = [p for p in plants if p.kind == kind and p.counted]
        if not counted:
            continue
        values = {p.value for p in counted}
        conf = max((p.confidence for p in counted), key=CONFIDENCES.index)
        action = POLICY[kind].get(conf, "accept")
        actions.append(action)
        totals.append({"kind": kind, "count": len(values),
            "confidence": conf, "action": action})
        for p in counted:
            f = findings.setdefault((kind, p.section),
                {"kind": kind, "section": p.section, "values": set()})
            f["values"].add(p.value)
    return {"action": max(actions, key=SEVERITY.index), "skipped": False,
        "totals": totals,
        "findings": [{"kind": f["kind"], "section": f["section"],
            "count": len(f["values"])} for f in findings.values()]}


# ---------------------------------------------------------------- MIME

def leaf(body, ctype="text/plain", charset="utf-8", cte="base64",
        encoding=None, filename=None, params=None, into=None):
    """A leaf part: body (str, encoded with encoding or charset; or bytes)
    under the transfer encoding cte. into: a Message (with its other
    headers set) to make the leaf of, else a new one."""
    if isinstance(body, str):
        body = body.encode(encoding or charset or "ascii")
    part = into if into is not None else Message()
    part["Content-Type"] = ctype
    if charset:
        part.set_param("charset", charset)
    for k, v in (params or {}).items():
        part.set_param(k, v)
    if filename:
        part.set_param("name", filename)
        part["Content-Disposition"] = "attachment"
        part.set_param("filename", filename, header="Content-Disposition")
    part["Content-Transfer-Encoding"] = cte
    if cte == "base64":
        payload = base64.encodebytes(body).decode("ascii")
    elif cte == "quoted-printable":
        payload = quopri.encodestring(body).decode("ascii")
    else:
        # 7bit/8bit: raw bytes; surrogateescape lets BytesGenerator
        # write them back unchanged
        payload = body.decode("ascii", "surrogateescape")
    part.set_payload(payload)
    return part


def headers(msg, subject, sender, rcpt, msgid, charset="iso-2022-jp"):
    msg["From"] = sender
    msg["To"] = rcpt
    msg["Subject"] = Header(subject, charset).encode() \
        if not subject.isascii() else subject
    msg["Date"] = DATE
    msg["Message-ID"] = "<%s@gen.dlp-milter.test>" % msgid
    msg["MIME-Version"] = "1.0"
    return msg


def single(subject, sender, rcpt, msgid, body, **leaf_kw):
    """A single-part message whose body is leaf(body, **leaf_kw)."""
    msg = Message()
    headers(msg, subject, sender, rcpt, msgid)
    return leaf(body, into=msg, **leaf_kw)


def multipart(subtype, parts, boundary, **params):
    msg = MIMEMultipart(subtype, boundary=boundary, **params)
    del msg["MIME-Version"]
    for p in parts:
        msg.attach(p)
    return msg


def to_bytes(msg, crlf=False):
    pol = email_policy.compat32.clone(linesep="\r\n" if crlf else "\n")
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=pol).flatten(msg)
    return out.getvalue()


def armor(rng_bytes):
    b64 = base64.b64encode(rng_bytes).decode("ascii")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return ("-----BEGIN PGP MESSAGE-----\n\n" + "\n".join(lines) +
        "\n=AbCd\n-----END PGP MESSAGE-----\n")


def no_digit_runs(s, n=5):
    return re.search(r"\d{%d}" % n, s) is None


# ---------------------------------------------------------------- cases

class Case:
    def __init__(self, name, description, msg_bytes, plants, args=None,
            encrypted=None, skipped=False):
        self.name = name
        self.description = description
        self.bytes = msg_bytes
        self.plants = plants
        self.args = args or []
        self.encrypted = encrypted or []  # [{"method": ...}]
        self.skipped = skipped
        self.expected = expect(plants, bool(self.encrypted), skipped)

    def to_json(self):
        d = {"name": self.name, "file": self.name + ".eml",
            "description": self.description, "args": self.args}
        d.update(self.expected)
        d["encrypted"] = self.encrypted
        d["planted"] = [p.to_json() for p in self.plants]
        return d


class Builder:
    def __init__(self, gen, internal_domain):
        self.g = gen
        self.domain = internal_domain
        self.n = 0

    def who(self):
        name, romaji = self.g.person()
        return name, "%s@%s" % (romaji, self.domain)

    def msgid(self):
        self.n += 1
        return "case%02d.%08x" % (self.n, self.g.rng.getrandbits(32))

    def letter(self, to_name, lines):
        sender, _ = self.g.person()
        return ("%s %s様\n\nいつもお世話になっております。%sの%sです。\n\n"
            "%s\n\nよろしくお願いいたします。\n" % (self.g.company(),
                to_name, self.g.company(), sender, "\n".join(lines)))

    def simple(self, name, desc, subject, text, part_kw, plant_specs,
            crlf=False, args=None):
        """A single text part; plant_specs: [(kind, value, written)]."""
        _, sender = self.who()
        msg = single(subject, sender, EXTERNAL_RCPT, self.msgid(), text,
            **part_kw)
        is_html = part_kw.get("ctype", "text/plain") == "text/html"
        plants = [Plant(k, v, w, text, is_html, "1")
            for k, v, w in plant_specs]
        return Case(name, desc, to_bytes(msg, crlf), plants, args=args)

    def cases(self):
        g = self.g
        out = []

        # ISO-2022-JP, the classic Japanese mail encoding
        n = g.my_number()
        w = fmt_444(n)
        to, _ = g.person()
        text = self.letter(to, ["ご依頼のマイナンバーは %s です。" % w])
        out.append(self.simple("iso2022jp_body",
            "ISO-2022-JP 7bit body, マイナンバー next to the number",
            "ご依頼の件", text,
            {"charset": "iso-2022-jp", "cte": "7bit",
                "encoding": "iso2022_jp"},
            [("my_number", n, w)]))

        # CP932 under its two labels; ㈱ and ① are not in strict
        # Shift_JIS: a decoder that gives up on them misses the number
        for label, cte, name in (("Shift_JIS", "8bit", "cp932_shift_jis"),
                ("windows-31j", "base64", "cp932_windows31j")):
            n = g.my_number()
            w = fmt_444(n, " ")
            to, _ = g.person()
            text = self.letter(to, ["①　㈱%s 御中" % COMPANIES[0],
                "～ 従業員情報 ～", "個人番号：%s" % w])
            out.append(self.simple(name,
                "CP932 body labelled %s (%s) with ㈱ ① ～, 個人番号" %
                (label, cte), "従業員情報", text,
                {"charset": label, "cte": cte, "encoding": "cp932"},
                [("my_number", n, w)]))

        n = g.my_number()
        to, _ = g.person()
        text = self.letter(to, ["My Number: %s" % n])
        out.append(self.simple("utf8_base64",
            "UTF-8 base64 body, English context My Number", "確認",
            text, {"charset": "utf-8", "cte": "base64"},
            [("my_number", n, n)]))

        n = g.my_number()
        w = fmt_444(n)
        to, _ = g.person()
        text = self.letter(to, ["【マイナンバー】%s" % w])
        out.append(self.simple("utf8_qp",
            "UTF-8 quoted-printable body, マイナンバー", "確認", text,
            {"charset": "utf-8", "cte": "quoted-printable"},
            [("my_number", n, w)]))

        n = g.my_number()
        w = to_fullwidth(fmt_444(n, " "))
        to, _ = g.person()
        text = self.letter(to, ["個人番号：%s" % w])
        out.append(self.simple("fullwidth_digits",
            "full-width digits separated by U+3000, 個人番号", "確認",
            text, {"charset": "utf-8", "cte": "base64"},
            [("my_number", n, w)]))

        out.append(self.qp_soft_break())
        out.extend(self.html_cases())
        out.extend(self.forwarded())

        n = g.my_number()
        to, _ = g.person()
        text = self.letter(to, ["お問い合わせの件は %s にて承りました。" % n])
        out.append(self.simple("valid_no_context",
            "valid check digit, no context word anywhere: low", "受付",
            text, {"charset": "utf-8", "cte": "base64"},
            [("my_number", n, n)]))

        n = g.invalid_my_number()
        to, _ = g.person()
        text = self.letter(to, ["マイナンバー：%s" % n])
        out.append(self.simple("invalid_check_with_context",
            "check digit off by one next to マイナンバー: nothing", "確認",
            text, {"charset": "utf-8", "cte": "base64"},
            [("my_number", n, n)]))

        n = g.thirteen_digits()
        to, _ = g.person()
        text = self.letter(to, ["マイナンバー：%s" % n])
        out.append(self.simple("thirteen_digits",
            "13-digit run (both 12-digit windows have valid check "
            "digits) next to マイナンバー: nothing", "確認", text,
            {"charset": "utf-8", "cte": "base64"},
            [("my_number", n, n)]))

        to, _ = g.person()
        text = self.letter(to, ["記入例　マイナンバー：111111111111",
            "記入例　個人番号：123456789012"])
        out.append(self.simple("dummy_numbers",
            "placeholder numbers with context: nothing", "記入例", text,
            {"charset": "utf-8", "cte": "base64"},
            [("my_number", "111111111111", "111111111111"),
                ("my_number", "123456789012", "123456789012")]))

        p = g.pension_number()
        w = fmt_pension(p)
        to, _ = g.person()
        text = self.letter(to, ["基礎年金番号：%s" % w])
        out.append(self.simple("pension_with_context",
            "basic pension number after 基礎年金番号", "年金の手続き", text,
            {"charset": "iso-2022-jp", "cte": "7bit",
                "encoding": "iso2022_jp"},
            [("pension_number", p, w)]))
        to, _ = g.person()
        text = self.letter(to, ["注文番号：%s（合計 12,800円）" % w,
            "お届けは 11月28日 の予定です。"])
        out.append(self.simple("pension_digits_order_context",
            "the same digits as an order number near 円, no pension "
            "context: nothing", "ご注文の確認", text,
            {"charset": "iso-2022-jp", "cte": "7bit",
                "encoding": "iso2022_jp"},
            [("pension_number", p, w)]))

        a, b = g.my_number(), g.my_number()
        wa1, wb, wa2 = fmt_444(a), fmt_444(b, " "), a
        to, _ = g.person()
        text = self.letter(to, ["社員A マイナンバー：%s" % wa1,
            "社員B マイナンバー：%s" % wb,
            "（再掲）社員A マイナンバー：%s" % wa2])
        out.append(self.simple("two_numbers_and_repeat",
            "two distinct My Numbers and one repeated in another format: "
            "count 2", "社員情報", text,
            {"charset": "utf-8", "cte": "base64"},
            [("my_number", a, wa1), ("my_number", b, wb),
                ("my_number", a, wa2)]))

        out.extend(self.encrypted())
        out.append(self.clean())
        out.append(self.internal_only())
        out.append(self.subject())
        return out

    def qp_soft_break(self):
        """QP body whose number is cut by a soft line break (=CRLF)."""
        n = self.g.my_number()
        to, _ = self.g.person()
        text = self.letter(to, ["マイナンバー：%s" % n])
        qp = quopri.encodestring(text.encode("utf-8")).decode("ascii")
        cut = qp.index(n) + 6
        qp = qp[:cut] + "=\n" + qp[cut:]
        assert "=\n" in qp[qp.index(n[:6]):qp.index(n[:6]) + 9]
        _, sender = self.who()
        msg = single("確認", sender, EXTERNAL_RCPT, self.msgid(), b"",
            cte="7bit")
        # our own QP (with the planted soft break), not the encoder's
        msg.replace_header("Content-Transfer-Encoding", "quoted-printable")
        msg.set_payload(qp)
        return Case("qp_soft_break",
            "QP body (CRLF) with a soft line break inside the number",
            to_bytes(msg, crlf=True),
            [Plant("my_number", n, n, text, False, "1")])

    def html_cases(self):
        out = []
        for name, label, desc in (
                ("html_table", "マイナンバー",
                    "HTML-only body: label in the th, number in the td "
                    "of the same row"),
                ("html_entity_context", "&#12510;&#12452;ナンバー",
                    "HTML-only body, context written as &#12510;&#12452; "
                    "character references")):
            n = self.g.my_number()
            person, _ = self.g.person()
            doc = ("<html><head><title>社員情報</title></head><body>\n"
                "<p>以下の通りご連絡します。</p>\n<table border=\"1\">\n"
                "<tr><th>氏名</th><td>%s</td></tr>\n"
                "<tr><th>%s</th><td>%s</td></tr>\n"
                "<tr><th>部署</th><td>総務部</td></tr>\n</table>\n"
                "</body></html>\n" % (person, label, fmt_444(n)))
            _, sender = self.who()
            msg = single("社員情報", sender, EXTERNAL_RCPT, self.msgid(),
                doc, ctype="text/html", charset="utf-8", cte="base64")
            out.append(Case(name, desc, to_bytes(msg),
                [Plant("my_number", n, fmt_444(n), doc, True, "1")]))
        return out

    def forwarded(self):
        out = []
        for name, cte in (("forwarded_rfc822", None),
                ("forwarded_rfc822_base64", "base64")):
            n = self.g.my_number()
            to, _ = self.g.person()
            inner_text = self.letter(to, ["個人番号 %s" % fmt_444(n)])
            _, inner_from = self.who()
            inner = single("個人番号の件", inner_from, "hr@" + self.domain,
                self.msgid(), inner_text, cte="8bit")
            inner_bytes = to_bytes(inner)
            if cte:
                # not allowed by RFC 2046 5.2.1, sent by some mailers and
                # a way around scanners that trust the rule
                fwd = Message()
                fwd["Content-Type"] = "message/rfc822"
                fwd["Content-Transfer-Encoding"] = "base64"
                fwd.set_payload(base64.encodebytes(inner_bytes)
                    .decode("ascii"))
            else:
                fwd = MIMEMessage(inner)
                del fwd["MIME-Version"]
                fwd["Content-Transfer-Encoding"] = "8bit"
            top = multipart("mixed", [leaf("転送します。\n", cte="base64"),
                fwd], self.g.boundary())
            _, sender = self.who()
            headers(top, "Fwd: 個人番号の件", sender, EXTERNAL_RCPT,
                self.msgid())
            desc = "forwarded message/rfc822 (%s) whose body has the " \
                "number after 個人番号" % (cte or "8bit")
            out.append(Case(name, desc, to_bytes(top),
                [Plant("my_number", n, fmt_444(n), inner_text, False,
                    "2.1")]))
        return out

    def encrypted(self):
        out = []
        body = self.g.randbytes(700)
        b64 = base64.encodebytes(body).decode("ascii")
        while not no_digit_runs(b64):
            body = self.g.randbytes(700)
            b64 = base64.encodebytes(body).decode("ascii")
        _, sender = self.who()
        msg = single("暗号化メール", sender, EXTERNAL_RCPT, self.msgid(),
            body, ctype="application/pkcs7-mime", charset=None,
            cte="base64", filename="smime.p7m",
            params={"smime-type": "enveloped-data"})
        out.append(Case("smime_enveloped",
            "S/MIME application/pkcs7-mime enveloped-data (random bytes)",
            to_bytes(msg), [], encrypted=[{"method": "smime-enveloped"}]))

        arm = armor(self.g.randbytes(600))
        while not no_digit_runs(arm):
            arm = armor(self.g.randbytes(600))
        ver = leaf("Version: 1\n", ctype="application/pgp-encrypted",
            charset=None, cte="7bit")
        data = leaf(arm, ctype="application/octet-stream", charset=None,
            cte="7bit", filename="encrypted.asc")
        top = multipart("encrypted", [ver, data], self.g.boundary(),
            protocol="application/pgp-encrypted")
        _, sender = self.who()
        headers(top, "暗号化メール", sender, EXTERNAL_RCPT, self.msgid())
        out.append(Case("pgp_mime_encrypted",
            "PGP/MIME multipart/encrypted (random armored bytes)",
            to_bytes(top), [], encrypted=[{"method": "pgp-mime"}]))
        return out

    def clean(self):
        g = self.g
        to, _ = g.person()
        corp = "T" + g.digits(13)
        text = self.letter(to, [
            "下記の通りお見積りをお送りします。",
            "・お見積日：2026年11月21日（土）",
            "・有効期限：2026/12/20 17:00",
            "・金額：¥1,234,567（税込 1,358,023円）",
            "・単価：12,345円 × 100個",
            "・注文番号：A-20261121-0042",
            "・適格請求書発行事業者登録番号：%s" % corp,
            "・お問い合わせ：03-0123-4567 / 090-0123-4567 / "
            "+81-3-0123-4567",
            "・所在地：〒100-0000 東京都架空区見本町1-2-3",
            "ご検討のほど、よろしくお願いいたします。"])
        for m in re.finditer(r"(?<!\d)(\d{4})[- ]?(\d{4})[- ]?(\d{4})(?!\d)",
                unicodedata.normalize("NFKC", text)):
            if my_number_valid("".join(m.groups())):
                raise ValueError("clean text holds a valid My Number")
        _, sender = self.who()
        msg = single("お見積りの件", sender, EXTERNAL_RCPT, self.msgid(),
            text, charset="iso-2022-jp", cte="7bit", encoding="iso2022_jp")
        return Case("clean_business",
            "Japanese business mail with dates, prices, phone numbers, "
            "an invoice registration number: nothing", to_bytes(msg), [])

    def internal_only(self):
        n = self.g.my_number()
        to, colleague = self.who()
        text = self.letter(to, ["マイナンバー：%s" % fmt_444(n)])
        _, sender = self.who()
        msg = single("社内連絡", sender, colleague, self.msgid(), text,
            cte="base64")
        return Case("internal_recipient",
            "a My Number to an internal recipient only: not scanned",
            to_bytes(msg), [Plant("my_number", n, fmt_444(n), text, False,
                "1")], args=["--from", sender, "--rcpt", colleague],
            skipped=True)

    def subject(self):
        n = self.g.my_number()
        subj = "【至急】マイナンバー %s の件" % fmt_444(n)
        to, _ = self.g.person()
        text = self.letter(to, ["件名の件、ご確認ください。"])
        _, sender = self.who()
        msg = single(subj, sender, EXTERNAL_RCPT, self.msgid(), text,
            cte="base64")
        return Case("subject_rfc2047",
            "the number after マイナンバー in an ISO-2022-JP RFC 2047 "
            "Subject, clean body: the subject is scanned",
            to_bytes(msg), [Plant("my_number", n, fmt_444(n), subj, False,
                None)])


# ---------------------------------------------------------------- I/O

def internal_domains(config_path):
    """The policy's internal_domains from the YAML config, read with a
    small parser (stdlib only): a flow list "[a, b]" or a block list of
    "- a" lines. Returns [] when the file or key is missing."""
    try:
        with open(config_path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)internal_domains\s*:\s*(.*?)\s*(#.*)?$", line)
        if not m:
            continue
        rest = m.group(2)
        if rest.startswith("["):
            items = rest.strip("[]").split(",")
            return [x.strip().strip("'\"") for x in items if x.strip()]
        out = []
        for nxt in lines[i + 1:]:
            m2 = re.match(r"^\s*-\s*([^\s#]+)", nxt)
            if m2:
                out.append(m2.group(1).strip("'\""))
            elif nxt.strip() and not nxt.strip().startswith("#"):
                break
        return out
    return []


def generate(outdir, internal_domain, seed=SEED):
    """Write every case and expected.json into outdir. Returns the list of
    Case objects."""
    os.makedirs(outdir, exist_ok=True)
    cases = Builder(Gen(seed), internal_domain).cases()
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError("duplicate case names")
    for c in cases:
        with open(os.path.join(outdir, c.name + ".eml"), "wb") as f:
            f.write(c.bytes)
    doc = {"seed": seed, "generator": "tests/gen/gen_mail.py",
        "internal_domain": internal_domain,
        "policy": {"kinds": POLICY, "encrypted": ENCRYPTED_ACTION},
        "cases": [c.to_json() for c in cases]}
    with open(os.path.join(outdir, "expected.json"), "w",
            encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    return cases


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--outdir", default="build/gen-mail")
    ap.add_argument("--config", default="conf/dlp-milter.yaml")
    ap.add_argument("--internal-domain",
        help="default: the first internal_domains entry of --config")
    args = ap.parse_args(argv)
    domain = args.internal_domain
    if not domain:
        found = internal_domains(args.config)
        if not found:
            print("gen_mail: no internal_domains in %s; use "
                "--internal-domain" % args.config, file=sys.stderr)
            return 2
        domain = found[0]
    cases = generate(args.outdir, domain)
    print("gen_mail: %d cases in %s (internal domain %s)" %
        (len(cases), args.outdir, domain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
