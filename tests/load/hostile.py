"""hostile - hostile messages for tests/load/t_hostile, built in memory
from a fixed seed (nothing large is committed or kept).

Each builder returns the message bytes (CRLF, headers with an X-Load-Id
and a Message-ID from the id given). HOSTILE lists them with what the
shipped policy must make of them:

  zip42        tests/attach/t_bombs's 42.zip-style bomb (4 levels of 16
               zips around 100 MB of zeros), attached      -> held, limit:*
  zipflat      its flat bomb: one member of 1 GiB of zeros -> held, limit:*
  mime100      100 multipart levels around a text part     -> held, limit:depth
  b64line50m   a 50 MB attachment whose base64 is one line
               (37.5 MB decoded, past max_part_bytes)     -> held, limit:*
  pdfloop      a PDF whose /Pages tree holds itself and whose xref
               /Prev points at itself                     -> held, corrupt
               or a limit (not readable; never clean)
  parts10k     10,000 tiny text parts                     -> held, limit:parts
  badutf8      invalid UTF-8 in the subject, a file name, every line of
               a body declared UTF-8, around a synthetic My Number with
               its context word                           -> rejected (the
               number is still found)
  headers1m    1.1 MB of header fields (1,100 of 1 KB)    -> held, limit:*
  header1m     one header field folded over 1 MB: Postfix itself keeps
               only its first ~60 KB (header_size_limit notwithstanding)
               and the daemon scans what Postfix queues   -> delivered
               with the field cut short (under max_header_bytes, 64 KB),
               action accept

The bombs come from tests/attach/t_bombs (loaded as a module; it caches
them in build/attach-bombs/).
"""

import base64
import importlib.machinery
import importlib.util
import os
import random
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import loadmail  # noqa: E402
from loadmail import attach_part, b64, head, multipart, text_part  # noqa

SEED = 20261121
MB = 1 << 20
_bombs = None


def bombs_module():
    global _bombs
    if _bombs is None:
        path = os.path.join(ROOT, "tests", "attach", "t_bombs")
        loader = importlib.machinery.SourceFileLoader("t_bombs", path)
        spec = importlib.util.spec_from_loader("t_bombs", loader)
        mod = importlib.util.module_from_spec(spec)
        cwd = os.getcwd()
        try:
            loader.exec_module(mod)  # it changes to the project root
        finally:
            os.chdir(cwd)
        _bombs = mod
    return _bombs


def bomb(file):
    m = bombs_module()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        m.ensure()
        with open(os.path.join(ROOT, m.OUTDIR, file), "rb") as fp:
            return fp.read()
    finally:
        os.chdir(cwd)


def with_attachment(lid, data, ctype, name):
    return multipart(lid, "hostile " + lid,
                     [text_part("添付をご確認ください。\n"),
                      attach_part(data, ctype, name)],
                     "=_hostile_%s" % lid)


def zip42(lid):
    return with_attachment(lid, bomb("bomb42.zip"), "application/zip",
                           "42.zip")


def zipflat(lid):
    return with_attachment(lid, bomb("flat.zip"), "application/zip",
                           "flat.zip")


def mime100(lid):
    rng = random.Random(SEED)
    inner = loadmail.nested(100, text_part("深い入れ子です。\n"), rng)
    return multipart(lid, "hostile " + lid, [inner], "=_top_%s" % lid)


def b64line50m(lid):
    rng = random.Random(SEED + 1)
    block = bytes(rng.getrandbits(8) for _ in range(MB))
    data = block * 37 + block[:MB // 2]  # 37.5 MB: 50 MB of base64
    line = base64.b64encode(data).decode("ascii")
    part = ("Content-Type: application/octet-stream; name=\"big.bin\"\r\n"
            "Content-Disposition: attachment; filename=\"big.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n" % line)
    return multipart(lid, "hostile " + lid,
                     [text_part("大きな添付です。\n"), part],
                     "=_hostile_%s" % lid)


def pdf_loop():
    """A PDF: a /Pages node whose /Kids hold itself, a page whose
    /Parent is that node, and an xref section whose /Prev is its own
    offset."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    content = b"BT /F1 12 Tf 72 720 Td (loop) Tj ET"
    objs[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content),
                                                            content)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, o)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n"
            b"%%%%EOF\n" % (len(objs) + 1, xref, xref))
    return bytes(out)


def pdfloop(lid):
    return with_attachment(lid, pdf_loop(), "application/pdf", "loop.pdf")


def parts10k(lid):
    parts = ["Content-Type: text/plain; charset=us-ascii\r\n\r\nx%d\r\n" % i
             for i in range(10000)]
    return multipart(lid, "hostile " + lid, parts, "=_many_%s" % lid)


def badutf8(lid, number):
    """Invalid UTF-8 everywhere (lone continuation bytes, overlongs,
    truncated sequences, surrogates, 0xFF) around a My Number with its
    context word."""
    bad = [b"\x80", b"\xc0\xaf", b"\xe3\x81", b"\xed\xa0\x80", b"\xff",
           b"\xf8\x88\x80\x80\x80", b"\xfe"]
    rng = random.Random(SEED + 2)
    lines = []
    for i in range(40):
        lines.append(rng.choice(bad) + "業務連絡 %d ".encode() % i +
                     rng.choice(bad) + rng.choice(bad))
    lines.insert(20, "マイナンバー: ".encode() +
                 loadmail.gen_mail.fmt_444(number).encode() + b" " + bad[0])
    body = b"\r\n".join(lines) + b"\r\n"
    h = ("From: <%s>\r\nTo: <%s>\r\nDate: %s\r\n"
         "Message-ID: <%s@load.example.test>\r\nX-Load-Id: %s\r\n"
         "MIME-Version: 1.0\r\n" % (loadmail.SENDER, loadmail.RCPT,
                                    loadmail.DATE, lid, lid)).encode()
    h += b"Subject: \xff\xfe hostile " + lid.encode() + b" \xc0\xaf\r\n"
    b = b"=_bad_" + lid.encode()
    return (h + b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n"
            b"\r\n--" + b + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body +
            b"--" + b + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Disposition: attachment; filename=\"\xe3\x81\xff"
            b"\xc0.txt\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            body + b"--" + b + b"--\r\n")


def headers1m(lid):
    h = head(lid, "hostile " + lid, "text/plain; charset=utf-8")
    pad = "".join("X-Pad-%04d: %s\r\n" % (i, "a" * 1000) for i in range(1100))
    return (h + pad + "Content-Transfer-Encoding: base64\r\n\r\n" +
            b64("本文です。\n".encode()) + "\r\n").encode("ascii")


def header1m(lid):
    h = head(lid, "hostile " + lid, "text/plain; charset=utf-8")
    # one field, folded every 76 characters, over 1 MB
    chunks = ["b" * 74] * (1100 * 1024 // 76)
    field = "X-Long: " + "\r\n ".join(chunks) + "\r\n"
    return (h + field + "Content-Transfer-Encoding: base64\r\n\r\n" +
            b64("本文です。\n".encode()) + "\r\n").encode("ascii")


# name, builder, expected outcome, accepted not-inspectable reasons (None:
# any "limit:..."; () for a message that must be rejected)
HOSTILE = [
    ("zip42", zip42, "held", None),
    ("zipflat", zipflat, "held", None),
    ("mime100", mime100, "held", {"limit:depth"}),
    ("b64line50m", b64line50m, "held", None),
    ("pdfloop", pdfloop, "held", {"corrupt", "limit:time", "limit:pages"}),
    ("parts10k", parts10k, "held", {"limit:parts"}),
    ("badutf8", None, "rejected", ()),
    ("headers1m", headers1m, "held", None),
    ("header1m", header1m, "truncated", ()),
]
