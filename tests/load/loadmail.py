"""loadmail - the synthetic mail of the load, fault and bench tests
(tests/load/t_*, tests/bench/postfix_bench): message i of a run is made
from random.Random(SEED + i), so a run is the same every time and each
message can be rebuilt from its number alone.

Classes (CLASSES), each with the outcome the shipped policy
(conf/dlp-milter.yaml) must give it when sent to an outside recipient:

  clean_text     Japanese business text, UTF-8 or ISO-2022-JP -> delivered
  clean_attach   the same with a clean CSV price list in a zip -> delivered
  roster_csv     a CSV roster (氏名, マイナンバー) of 5-12 people with
                 valid My Numbers, attached -> rejected (my_number high)
  roster_xlsx    the same roster as an .xlsx built here -> rejected
  encrypted_zip  the roster CSV inside a ZipCrypto zip (encrypted here,
                 an accepted method by default) -> delivered
  malformed      content that cannot be read: a zip cut short (corrupt)
                 or a MIME tree nested past limits.max_depth
                 (limit:depth) -> held (not_inspectable: quarantine)

Each message carries "X-Load-Id: RUN-I" and the Message-ID
<RUN-I@load.example.test>, so the sink files, the SMTP replies and the
hold queue can be matched to it. Lines end in CRLF (ready for DATA, not
yet dot-stuffed). The numbers are synthetic (valid check digits, random
digits, belonging to no one); the names are the invented ones of
tests/gen/gen_mail.py.

Also bench_text(size) and bench_attach(i, size): the bench's messages
(20 KB text, and a mix of ~300 KB zip/xlsx/csv attachments).

Pure python stdlib; no file is written.
"""

import base64
import io
import os
import random
import struct
import sys
import zipfile
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "gen"))
import gen_mail  # noqa: E402

SEED = 20261121
SENDER = "a@example.jp"
RCPT = "x@outside.example"
DATE = "Sat, 21 Nov 2026 10:00:00 +0900"

# class -> the outcome the shipped policy gives it
EXPECT = {
    "clean_text": "delivered",
    "clean_attach": "delivered",
    "roster_csv": "rejected",
    "roster_xlsx": "rejected",
    "encrypted_zip": "delivered",
    "malformed": "held",
}
# the mix of a load run: class, weight
MIX = (("clean_text", 40), ("clean_attach", 15), ("roster_csv", 12),
       ("roster_xlsx", 10), ("encrypted_zip", 10), ("malformed", 13))
CLASSES = [c for c, _ in MIX]

LINES = [
    "お世話になっております。", "明日の会議は10時から第3会議室で行います。",
    "資料は前日までに共有フォルダへ置いてください。",
    "見積書の件、ご確認のほどよろしくお願いいたします。",
    "来週の出張の日程を調整しています。", "納期は11月末を予定しております。",
    "Please find the agenda for Thursday below.",
    "議事録を添付いたしますのでご査収ください。",
    "ご不明な点がございましたらお知らせください。",
    "Regards, and thank you for your help.",
]
PRODUCTS = ["ボールペン", "クリップ", "付箋", "ファイル", "ノート", "封筒"]
DOS_TIME = (10 << 11, ((2026 - 1980) << 9) | (11 << 5) | 21)  # time, date


def class_of(i):
    """The class of message i (fixed by i alone)."""
    total = sum(w for _, w in MIX)
    r = random.Random(SEED * 7 + i).randrange(total)
    for name, w in MIX:
        if r < w:
            return name
        r -= w
    raise AssertionError("unreachable")


def body_text(rng, lines):
    return "\n".join(rng.choice(LINES) for _ in range(lines)) + "\n"


# ---------------------------------------------------------------- files

def roster(rng, gen, n):
    """CSV text of n people: header with the context word, then rows."""
    rows = ["氏名,マイナンバー,部署"]
    for _ in range(n):
        name, _ = gen.person()
        rows.append("%s,%s,%s" % (name, gen_mail.fmt_444(gen.my_number()),
                                  rng.choice(("総務", "経理", "営業"))))
    return "\r\n".join(rows) + "\r\n"


def price_list(rng, n):
    """A clean CSV: products, short codes, prices (no 12-digit run)."""
    rows = ["品名,品番,単価"]
    for _ in range(n):
        rows.append("%s,P-%04d,%d" % (rng.choice(PRODUCTS),
                                      rng.randrange(10000),
                                      rng.randrange(50, 3000)))
    return "\r\n".join(rows) + "\r\n"


def zip_plain(members):
    """A deflated zip of [(name, bytes)], fixed dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, (2026, 11, 21, 10, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def xlsx(rows):
    """A minimal .xlsx (one sheet, inline strings) of rows of str."""
    def col(j):
        return chr(ord("A") + j)
    cells = []
    for i, row in enumerate(rows, 1):
        cs = "".join('<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
                     % (col(j), i, _xml_escape(v)) for j, v in enumerate(row))
        cells.append('<row r="%d">%s</row>' % (i, cs))
    ns = "http://schemas.openxmlformats.org/"
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="%sspreadsheetml/2006/main"><sheetData>%s'
             '</sheetData></worksheet>' % (ns, "".join(cells)))
    ctypes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="%spackage/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>' % ns)
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="%spackage/2006/relationships">'
            '<Relationship Id="rId1" Type="%sofficeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>' % (ns, ns))
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<workbook xmlns="%sspreadsheetml/2006/main" xmlns:r="%s'
          'officeDocument/2006/relationships"><sheets><sheet name="名簿" '
          'sheetId="1" r:id="rId1"/></sheets></workbook>' % (ns, ns))
    wbrels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="%spackage/2006/relationships">'
              '<Relationship Id="rId1" Type="%sofficeDocument/2006/'
              'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
              '</Relationships>' % (ns, ns))
    return zip_plain([("[Content_Types].xml", ctypes.encode()),
                      ("_rels/.rels", rels.encode()),
                      ("xl/workbook.xml", wb.encode()),
                      ("xl/_rels/workbook.xml.rels", wbrels.encode()),
                      ("xl/worksheets/sheet1.xml", sheet.encode())])


_CRC = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC.append(_c)


def _crc_byte(crc, b):
    return _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)


def zipcrypto(name, data, password, rng):
    """A zip of one deflated member encrypted with traditional PKWARE
    encryption (APPNOTE 6.1), the 12-byte header from rng."""
    k = [0x12345678, 0x23456789, 0x34567890]

    def update(c):
        k[0] = _crc_byte(k[0], c)
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = _crc_byte(k[2], k[1] >> 24)

    def stream_byte():
        t = (k[2] | 2) & 0xFFFF
        return ((t * (t ^ 1)) >> 8) & 0xFF

    for c in password.encode():
        update(c)
    crc = zlib.crc32(data) & 0xFFFFFFFF
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    comp = co.compress(data) + co.flush()
    plain = bytes(rng.getrandbits(8) for _ in range(11)) + \
        bytes([crc >> 24]) + comp
    enc = bytearray()
    for p in plain:
        enc.append(p ^ stream_byte())
        update(p)
    name_b = name.encode("utf-8")
    tm, dt = DOS_TIME
    flags = 0x0001 | 0x0800  # encrypted, UTF-8 name
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, tm, dt,
                        crc, len(enc), len(data), len(name_b), 0) + name_b
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags,
                          8, tm, dt, crc, len(enc), len(data), len(name_b),
                          0, 0, 0, 0, 0o644 << 16, 0) + name_b
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                       len(local) + len(enc), 0)
    return local + bytes(enc) + central + eocd


# ---------------------------------------------------------------- MIME

def b64(data):
    s = base64.b64encode(data).decode("ascii")
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def head(load_id, subject_ascii, ctype):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s@load.example.test>\r\nX-Load-Id: %s\r\n"
            "MIME-Version: 1.0\r\nContent-Type: %s\r\n" %
            (SENDER, RCPT, subject_ascii, DATE, load_id, load_id, ctype))


def text_part(text):
    return ("Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n" %
            b64(text.encode("utf-8")))


def attach_part(data, ctype, filename):
    return ("Content-Type: %s; name=\"%s\"\r\n"
            "Content-Disposition: attachment; filename=\"%s\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n" %
            (ctype, filename, filename, b64(data)))


def multipart(load_id, subject, parts, boundary):
    out = head(load_id, subject,
               'multipart/mixed; boundary="%s"' % boundary) + "\r\n"
    for p in parts:
        out += "--%s\r\n%s" % (boundary, p)
    out += "--%s--\r\n" % boundary
    return out.encode("ascii")


def nested(depth, inner, rng):
    """inner (a MIME entity, str) wrapped in depth multipart/mixed."""
    for _ in range(depth):
        b = "nest_%012x" % rng.getrandbits(48)
        inner = ('Content-Type: multipart/mixed; boundary="%s"\r\n\r\n'
                 "--%s\r\n%s--%s--\r\n" % (b, b, inner, b))
    return inner


def message(run, i):
    """(load_id, class, bytes) of message i of run."""
    cls = class_of(i)
    rng = random.Random(SEED + i)
    gen = gen_mail.Gen(SEED + 1000003 * (i + 1))
    load_id = "%s-%d" % (run, i)
    subject = "load %s %s" % (cls, load_id)
    boundary = "=_load_%016x" % rng.getrandbits(64)
    text = body_text(rng, rng.randint(3, 30))
    if cls == "clean_text":
        if rng.random() < 0.5:
            body = text.encode("iso-2022-jp").decode("ascii")
            h = head(load_id, subject,
                     "text/plain; charset=iso-2022-jp") + \
                "Content-Transfer-Encoding: 7bit\r\n"
            return load_id, cls, (h + "\r\n" + body.replace(
                "\n", "\r\n")).encode("ascii")
        return load_id, cls, (head(load_id, subject, "text/plain; "
                                   "charset=utf-8") +
                              "Content-Transfer-Encoding: base64\r\n\r\n" +
                              b64(text.encode()) + "\r\n").encode("ascii")
    if cls == "clean_attach":
        z = zip_plain([("price.csv",
                        price_list(rng, rng.randint(5, 80)).encode("cp932"))])
        parts = [text_part(text), attach_part(z, "application/zip",
                                              "price.zip")]
    elif cls == "roster_csv":
        csv = roster(rng, gen, rng.randint(5, 12)).encode("cp932")
        parts = [text_part(text), attach_part(
            csv, "text/csv; charset=Shift_JIS", "meibo.csv")]
    elif cls == "roster_xlsx":
        rows = [r.split(",") for r in
                roster(rng, gen, rng.randint(5, 12)).splitlines()]
        parts = [text_part(text), attach_part(
            xlsx(rows), "application/vnd.openxmlformats-officedocument."
            "spreadsheetml.sheet", "meibo.xlsx")]
    elif cls == "encrypted_zip":
        csv = roster(rng, gen, rng.randint(5, 12)).encode("cp932")
        z = zipcrypto("meibo.csv", csv, "pw-%d" % i, rng)
        parts = [text_part(text), attach_part(z, "application/zip",
                                              "meibo.zip")]
    elif cls == "malformed":
        if rng.random() < 0.5:
            z = zip_plain([("price.csv", price_list(rng, 200).encode())])
            z = z[:len(z) * 2 // 3]  # cut short: no central directory
            parts = [text_part(text), attach_part(z, "application/zip",
                                                  "price.zip")]
        else:
            parts = [nested(30, text_part(text), rng)]
    else:
        raise AssertionError(cls)
    return load_id, cls, multipart(load_id, subject, parts, boundary)


# ---------------------------------------------------------------- bench

def bench_text(run, i, size=20 * 1024):
    """A clean UTF-8 text mail of about size bytes (base64 body)."""
    rng = random.Random(SEED + 500000 + i)
    load_id = "%s-%06d" % (run, i)
    text = ""
    while len(text.encode()) * 4 // 3 < size:
        text += rng.choice(LINES) + "\n"
    return load_id, "text_20k", (
        head(load_id, "bench " + load_id, "text/plain; charset=utf-8") +
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        b64(text.encode()) + "\r\n").encode("ascii")


def bench_attach(run, i, size=300 * 1024):
    """A mail with a ~size byte attachment, in turn a zip of a CSV, an
    xlsx and a CSV, of a roster with My Numbers (the engine reads it
    all: it is rejected) or of a clean price list (delivered)."""
    rng = random.Random(SEED + 700000 + i)
    gen = gen_mail.Gen(SEED + 900001 * (i + 1))
    load_id = "%s-%06d" % (run, i)
    kind = ("zip", "xlsx", "csv")[i % 3]
    with_roster = (i // 3) % 2 == 0
    rows = []
    # grow the CSV until the attachment reaches size (compressed for
    # zip and xlsx: those need many more rows)
    n = 400
    while True:
        csv = roster(rng, gen, n) if with_roster else price_list(rng, n)
        if kind == "csv":
            data = csv.encode("cp932")
        elif kind == "zip":
            data = zip_plain([("data.csv", csv.encode("cp932"))])
        else:
            rows = [r.split(",") for r in csv.splitlines()]
            data = xlsx(rows)
        if len(data) >= size:
            break
        n = max(n + 100, int(n * size / max(len(data), 1) * 1.05))
    ctype = {"zip": "application/zip", "csv": "text/csv; charset=Shift_JIS",
             "xlsx": "application/vnd.openxmlformats-officedocument."
             "spreadsheetml.sheet"}[kind]
    boundary = "=_bench_%016x" % rng.getrandbits(64)
    cls = "%s_%s" % (kind, "roster" if with_roster else "clean")
    return load_id, cls, multipart(
        load_id, "bench " + load_id,
        [text_part(body_text(rng, 5)),
         attach_part(data, ctype, "data." + kind)], boundary)
