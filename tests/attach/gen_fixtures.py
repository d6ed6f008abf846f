#!/usr/bin/python3
"""gen_fixtures - synthetic attachments for dlp-milter, and what the scan
must say about each.

What it does: from the fixed seed of tests/gen/gen_mail.py (20261121) it
makes a roster of three made-up people with synthetic My Numbers (valid
check digits, no dummies) and the context word 個人番号 as a column header
or label, and writes that roster into every attachment format issue 3
lists, with Debian's tools and Python packages only:

  docx (python3-docx; each number split across runs), xlsx (openpyxl; one
  number a numeric cell, one a string cell, header row 個人番号), pptx
  (written by hand: python3-pptx is not in Debian 12; two people on the
  slide, one in the speaker notes), odt (odfpy; numbers split across
  text:span), ods (odfpy; numeric cells whose office:value is the number
  and whose display text is "123,456,789,012", so only office:value has
  it), pdf (reportlab with IPA Gothic), xls (xlwt; NUMBER and LABELSST
  cells), doc (soffice --convert-to doc from the docx), rtf (by hand:
  \\ansicpg1252 with the Japanese in a \\fcharset128 font as \\'hh CP932
  bytes), an rtf embedding the xlsx as an OLE1 package in \\objdata, CSV
  in CP932 (with ① and ㈱, which strict Shift_JIS lacks),
  plain zip (a member named 名簿.xlsx), zip in zip, 7z, tar.gz, an .eml
  (ISO-2022-JP body) inside a zip, a TNEF winmail.dat (written byte by
  byte here: code page 932, a CP932 subject, the CP932 CSV as an
  attachment with a CP932 title and a UTF-16 long file name);

and the roster xlsx under each encryption method the tools can make:
zip -P (zipcrypto, weak), 7z -tzip -mem=AES256 (winzip-aes-256), 7z -p
(7z-aes), 7z -p -mhe=on (7z-aes-headers), qpdf 256 (pdf-aes-256), qpdf
40 (pdf-rc4-40, weak), a PDF with an owner password only (NOT encrypted:
it must be scanned and rejected), a .doc and an .odt saved with a password
by LibreOffice (office-rc4, weak; odf-aes-256), and a zip with one plain
member beside one ZipCrypto member (the plain one must be found).

Each fixture's expectation, under the default config (conf/dlp-milter.yaml:
my_number high -> reject, encrypted -> accept, not-inspectable ->
quarantine), is written to <outdir>/expected.json: the action, the My
Number finding (count of distinct numbers planted, confidence high, a
regular expression the finding's node path must match), the encrypted
nodes that must appear (method, weak), whether no encrypted node may
appear, and the planted numbers (which must never appear in the output).

What it does not do: run dlp-scan (tests/attach/t_attach does), download
anything, or use real personal data: names are invented combinations from
gen_mail, numbers random with a computed check digit. Encrypted OOXML
cannot be made with Debian 12's tools (LibreOffice 7.4 ignores the
password for the OOXML filters when driven headless; there is no
msoffcrypto-tool): the fixture is recorded as unavailable with that
reason, and the corpus rows (tests/corpus/expect_attach.tsv) cover
encrypted OOXML.

Cache: the output is reused while the hash of this file and gen_mail.py
(the "key" in expected.json) is unchanged; generation goes to a temp
directory renamed into place, so a half-made set is never reused. Every
external tool runs with a timeout. Not thread-safe; one generator per
output directory at a time.

Use as a module (t_attach, t_bombs and t_postfix import it):
    fx = gen_fixtures.ensure("build/attach-fixtures")   # expected.json
or as a CLI:
    tests/attach/gen_fixtures.py [-o build/attach-fixtures] [--force]
"""

import argparse
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
import gen_mail  # noqa: E402

SEED = gen_mail.SEED
OUTDIR = os.path.join(ROOT, "build", "attach-fixtures")
PASSWORD = "dlp-fixture-pw"
IPA_GOTHIC = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
ZIP_DATE = (2026, 11, 21, 10, 0, 0)
MTIME = 1795257600  # 2026-11-21 09:00 UTC
TOOL_TIMEOUT = 60  # seconds, per external command
DEPTS = ["総務部", "人事部", "経理部"]
HEADER = ["氏名", "個人番号", "所属"]
TITLE = "社員名簿（見本・架空のデータ）"


class Unavailable(Exception):
    """A fixture that cannot be made with this machine's tools."""


# ---------------------------------------------------------------- roster

class Person:
    def __init__(self, name, number, dept, written):
        self.name = name
        self.number = number  # 12 digits
        self.dept = dept
        self.written = written  # as it is written in text formats


class Roster:
    """Three synthetic people. The numbers are written three ways (4-4-4
    with hyphens, with spaces, 12 digits) so that every form is read."""

    def __init__(self, seed=SEED):
        g = gen_mail.Gen(seed)
        self.people = []
        names = set()
        while len(self.people) < 3:
            name, _ = g.person()
            if name in names:
                continue
            names.add(name)
            n = g.my_number()
            i = len(self.people)
            written = (gen_mail.fmt_444(n), gen_mail.fmt_444(n, " "), n)[i]
            self.people.append(Person(name, n, DEPTS[i], written))
        for p in self.people:
            assert gen_mail.my_number_valid(p.number)
            assert not gen_mail.is_dummy(p.number)

    @property
    def numbers(self):
        return [p.number for p in self.people]

    def line(self, p):
        return "氏名：%s　個人番号：%s　所属：%s" % (p.name, p.written, p.dept)

    def text(self):
        """The roster as lines of text, a label before each number."""
        return "\n".join([TITLE] + [self.line(p) for p in self.people]) + \
            "\n"

    @staticmethod
    def split(s):
        """A written number in three pieces, to be put in three runs."""
        return [s[:5], s[5:9], s[9:]]


# ---------------------------------------------------------------- helpers

def run(args, cwd, timeout=TOOL_TIMEOUT, env=None):
    """Run a tool; raise Unavailable with its output when it fails."""
    try:
        r = subprocess.run(args, cwd=cwd, capture_output=True,
            timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise Unavailable("%s is not installed" % args[0])
    except subprocess.TimeoutExpired:
        raise Unavailable("%s timed out after %d s" % (args[0], timeout))
    if r.returncode != 0:
        raise Unavailable("%s exited %d: %s" % (" ".join(args[:3]),
            r.returncode, (r.stdout + r.stderr).decode("utf-8",
            "replace")[-600:]))
    return r


def zip_bytes(members, compress=zipfile.ZIP_DEFLATED):
    """A zip (bytes) of [(name, data)] with a fixed date."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, ZIP_DATE)
            zi.compress_type = compress
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return out.getvalue()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (MTIME, MTIME))


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
        .replace(">", "&gt;").replace('"', "&quot;"))


# ---------------------------------------------------------------- formats

def make_txt(r, d):
    write(os.path.join(d, "roster.txt"), r.text().encode("utf-8"))


def make_docx(r, d):
    import docx
    doc = docx.Document()
    doc.core_properties.author = "dlp-milter test"
    doc.core_properties.created = datetime.datetime(*ZIP_DATE)
    doc.core_properties.modified = datetime.datetime(*ZIP_DATE)
    doc.add_heading(TITLE, level=1)
    for p in r.people:
        para = doc.add_paragraph()
        para.add_run("氏名：%s　個人番号：" % p.name)
        # a number split across runs, as Word does after an edit
        for i, piece in enumerate(Roster.split(p.written)):
            run_ = para.add_run(piece)
            run_.bold = (i == 1)
        para.add_run("　所属：%s" % p.dept)
    buf = io.BytesIO()
    doc.save(buf)
    write(os.path.join(d, "roster.docx"), buf.getvalue())


def make_xlsx(r, d):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名簿"
    ws.append(HEADER)
    a, b, c = r.people
    # numeric cells (a 12-digit number stored as a number: <v>digits</v>)
    # and one string cell (a shared string)
    ws.append([a.name, int(a.number), a.dept])
    ws.append([b.name, gen_mail.fmt_444(b.number), b.dept])
    ws.append([c.name, int(c.number), c.dept])
    wb.properties.creator = "dlp-milter test"
    wb.properties.created = datetime.datetime(*ZIP_DATE)
    wb.properties.modified = datetime.datetime(*ZIP_DATE)
    buf = io.BytesIO()
    wb.save(buf)
    write(os.path.join(d, "roster.xlsx"), shared_strings(buf.getvalue(),
        keep_inline={"C4"}))


def shared_strings(xlsx, keep_inline=()):
    """openpyxl 3.0 writes every string inline (t="inlineStr"); Excel
    writes a shared-string table. Move the strings of the first sheet,
    but for the cells in keep_inline, into xl/sharedStrings.xml, so that
    both kinds are read."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    sheet = src.read("xl/worksheets/sheet1.xml").decode("utf-8")
    table = []

    def to_shared(m):
        if m.group(1) in keep_inline:
            return m.group(0)
        table.append(m.group(2))
        return '<c r="%s" t="s"><v>%d</v></c>' % (m.group(1),
            len(table) - 1)
    sheet = re.sub(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>([^<]*)'
        r'</t></is></c>', to_shared, sheet)
    if not table or "sharedStrings" in " ".join(src.namelist()):
        raise Unavailable("openpyxl's xlsx is not as expected")
    sst = (XML_DECL + '<sst xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>' % (
            len(table), len(table),
            "".join("<si><t>%s</t></si>" % t for t in table)))
    out = []
    for name in src.namelist():
        data = src.read(name)
        if name == "xl/worksheets/sheet1.xml":
            data = sheet.encode("utf-8")
        elif name == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/'
                b'sharedStrings.xml" ContentType="application/vnd.'
                b'openxmlformats-officedocument.spreadsheetml.sharedStrings'
                b'+xml"/></Types>')
        elif name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship '
                b'Id="rIdSst" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/sharedStrings" '
                b'Target="sharedStrings.xml"/></Relationships>')
        out.append((name, data))
    out.append(("xl/sharedStrings.xml", sst.encode("utf-8")))
    return zip_bytes(out)


PPTX_NS = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"')
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFREL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_PML = "application/vnd.openxmlformats-officedocument.presentationml."
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def rels(items):
    return (XML_DECL + '<Relationships xmlns="%s">' % REL_NS + "".join(
        '<Relationship Id="rId%d" Type="%s/%s" Target="%s"/>' % (
            i + 1, OFFREL, t, target)
        for i, (t, target) in enumerate(items)) + "</Relationships>")


def sp_tree(shapes):
    head = ('<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/>'
        '</p:nvGrpSpPr><p:grpSpPr/>')
    return "<p:cSld><p:spTree>%s%s</p:spTree></p:cSld>" % (head,
        "".join(shapes))


def text_shape(sid, name, ph, paragraphs):
    """A shape with paragraphs, each a list of runs (strings)."""
    body = "".join("<a:p>%s</a:p>" % "".join(
        '<a:r><a:rPr lang="ja-JP"/><a:t>%s</a:t></a:r>' % xml_escape(t)
        for t in runs) for runs in paragraphs)
    return ('<p:sp><p:nvSpPr><p:cNvPr id="%d" name="%s"/><p:cNvSpPr/>'
        '<p:nvPr><p:ph %s/></p:nvPr></p:nvSpPr><p:spPr/>'
        '<p:txBody><a:bodyPr/><a:lstStyle/>%s</p:txBody></p:sp>' % (
            sid, name, ph, body))


THEME = (XML_DECL + '<a:theme xmlns:a="http://schemas.openxmlformats.org/'
    'drawingml/2006/main" name="Office"><a:themeElements>'
    '<a:clrScheme name="Office">' + "".join(
        '<a:%s><a:srgbClr val="%s"/></a:%s>' % (n, v, n) for n, v in (
            ("dk1", "000000"), ("lt1", "FFFFFF"), ("dk2", "44546A"),
            ("lt2", "E7E6E6"), ("accent1", "4472C4"),
            ("accent2", "ED7D31"), ("accent3", "A5A5A5"),
            ("accent4", "FFC000"), ("accent5", "5B9BD5"),
            ("accent6", "70AD47"), ("hlink", "0563C1"),
            ("folHlink", "954F72"))) + '</a:clrScheme>'
    '<a:fontScheme name="Office"><a:majorFont><a:latin typeface="Arial"/>'
    '<a:ea typeface=""/><a:cs typeface=""/></a:majorFont><a:minorFont>'
    '<a:latin typeface="Arial"/><a:ea typeface=""/><a:cs typeface=""/>'
    '</a:minorFont></a:fontScheme><a:fmtScheme name="Office">'
    '<a:fillStyleLst>' + '<a:solidFill><a:schemeClr val="phClr"/>'
    '</a:solidFill>' * 3 + '</a:fillStyleLst><a:lnStyleLst>' +
    '<a:ln w="6350"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    '</a:ln>' * 3 + '</a:lnStyleLst><a:effectStyleLst>' +
    '<a:effectStyle><a:effectLst/></a:effectStyle>' * 3 +
    '</a:effectStyleLst><a:bgFillStyleLst>' + '<a:solidFill><a:schemeClr '
    'val="phClr"/></a:solidFill>' * 3 + '</a:bgFillStyleLst></a:fmtScheme>'
    '</a:themeElements></a:theme>')

CLRMAP = ('<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" '
    'accent1="accent1" accent2="accent2" accent3="accent3" '
    'accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" '
    'folHlink="folHlink"/>')


def make_pptx(r, d):
    """A minimal but complete presentation (master, layout, theme, one
    slide, its notes), written by hand; [Content_Types].xml first, as
    PowerPoint writes it and as libmagic looks for it."""
    a, b, c = r.people
    slide_paras = [[TITLE]]
    for p in (a, b):
        slide_paras.append(["氏名：%s　個人番号：" % p.name] +
            Roster.split(p.written) + ["　所属：%s" % p.dept])
    notes_paras = [["補足（発表者用）"], ["氏名：%s　個人番号：%s　所属：%s" % (
        c.name, c.written, c.dept)]]
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default '
        'Extension="xml" ContentType="application/xml"/>' + "".join(
            '<Override PartName="/%s" ContentType="%s"/>' % (part, ct)
            for part, ct in (
                ("ppt/presentation.xml", CT_PML + "presentation.main+xml"),
                ("ppt/slideMasters/slideMaster1.xml",
                    CT_PML + "slideMaster+xml"),
                ("ppt/slideLayouts/slideLayout1.xml",
                    CT_PML + "slideLayout+xml"),
                ("ppt/slides/slide1.xml", CT_PML + "slide+xml"),
                ("ppt/notesMasters/notesMaster1.xml",
                    CT_PML + "notesMaster+xml"),
                ("ppt/notesSlides/notesSlide1.xml",
                    CT_PML + "notesSlide+xml"),
                ("ppt/theme/theme1.xml", "application/vnd."
                    "openxmlformats-officedocument.theme+xml"),
                ("ppt/theme/theme2.xml", "application/vnd."
                    "openxmlformats-officedocument.theme+xml"),
                ("docProps/core.xml", "application/vnd.openxmlformats-"
                    "package.core-properties+xml"))) + "</Types>")
    core = (XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.'
        'openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>社員名簿'
        '</dc:title><dc:creator>dlp-milter test</dc:creator>'
        '</cp:coreProperties>')
    pres = (XML_DECL + '<p:presentation %s><p:sldMasterIdLst>'
        '<p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst>'
        '<p:notesMasterIdLst><p:notesMasterId r:id="rId4"/>'
        '</p:notesMasterIdLst><p:sldIdLst><p:sldId id="256" r:id="rId2"/>'
        '</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/>'
        '<p:notesSz cx="6858000" cy="9144000"/></p:presentation>' % PPTX_NS)
    master = (XML_DECL + '<p:sldMaster %s>%s%s<p:sldLayoutIdLst>'
        '<p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst>'
        '</p:sldMaster>' % (PPTX_NS, sp_tree([]), CLRMAP))
    layout = (XML_DECL + '<p:sldLayout %s type="obj">%s'
        '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>' %
        (PPTX_NS, sp_tree([])))
    slide = (XML_DECL + '<p:sld %s>%s<p:clrMapOvr><a:masterClrMapping/>'
        '</p:clrMapOvr></p:sld>' % (PPTX_NS, sp_tree([
            text_shape(2, "Title 1", 'type="title"', slide_paras[:1]),
            text_shape(3, "Content 2", 'idx="1"', slide_paras[1:])])))
    notes_master = (XML_DECL + '<p:notesMaster %s>%s%s</p:notesMaster>' %
        (PPTX_NS, sp_tree([]), CLRMAP))
    notes = (XML_DECL + '<p:notes %s>%s<p:clrMapOvr><a:masterClrMapping/>'
        '</p:clrMapOvr></p:notes>' % (PPTX_NS, sp_tree([
            text_shape(2, "Notes 1", 'type="body" idx="1"', notes_paras)])))
    parts = [
        ("[Content_Types].xml", XML_DECL + types),
        ("_rels/.rels", rels([("officeDocument", "ppt/presentation.xml")]) \
            .replace('</Relationships>', '<Relationship Id="rId2" Type="'
            'http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/>'
            '</Relationships>')),
        ("ppt/presentation.xml", pres),
        ("ppt/_rels/presentation.xml.rels", rels([
            ("slideMaster", "slideMasters/slideMaster1.xml"),
            ("slide", "slides/slide1.xml"), ("theme", "theme/theme1.xml"),
            ("notesMaster", "notesMasters/notesMaster1.xml")])),
        ("ppt/slides/slide1.xml", slide),
        ("ppt/slides/_rels/slide1.xml.rels", rels([
            ("slideLayout", "../slideLayouts/slideLayout1.xml"),
            ("notesSlide", "../notesSlides/notesSlide1.xml")])),
        ("ppt/notesSlides/notesSlide1.xml", notes),
        ("ppt/notesSlides/_rels/notesSlide1.xml.rels", rels([
            ("notesMaster", "../notesMasters/notesMaster1.xml"),
            ("slide", "../slides/slide1.xml")])),
        ("ppt/slideMasters/slideMaster1.xml", master),
        ("ppt/slideMasters/_rels/slideMaster1.xml.rels", rels([
            ("slideLayout", "../slideLayouts/slideLayout1.xml"),
            ("theme", "../theme/theme1.xml")])),
        ("ppt/slideLayouts/slideLayout1.xml", layout),
        ("ppt/slideLayouts/_rels/slideLayout1.xml.rels", rels([
            ("slideMaster", "../slideMasters/slideMaster1.xml")])),
        ("ppt/notesMasters/notesMaster1.xml", notes_master),
        ("ppt/notesMasters/_rels/notesMaster1.xml.rels", rels([
            ("theme", "../theme/theme2.xml")])),
        ("ppt/theme/theme1.xml", THEME),
        ("ppt/theme/theme2.xml", THEME),
        ("docProps/core.xml", core),
    ]
    write(os.path.join(d, "roster.pptx"),
        zip_bytes([(n, s.encode("utf-8")) for n, s in parts]))


def make_odt(r, d):
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P, Span
    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text=TITLE))
    for p in r.people:
        para = P(text="氏名：%s　個人番号：" % p.name)
        for piece in Roster.split(p.written):
            para.addElement(Span(text=piece))
        para.addText("　所属：%s" % p.dept)
        doc.text.addElement(para)
    buf = io.BytesIO()
    doc.write(buf)
    write(os.path.join(d, "roster.odt"), buf.getvalue())


def make_ods(r, d):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P
    doc = OpenDocumentSpreadsheet()
    t = Table(name="名簿")

    def row(cells):
        tr = TableRow()
        for c in cells:
            tr.addElement(c)
        t.addElement(tr)

    def text_cell(s):
        c = TableCell(valuetype="string")
        c.addElement(P(text=s))
        return c

    def number_cell(digits):
        # the value only in office:value; the display text has thousands
        # separators, which no My Number pattern reads
        c = TableCell(valuetype="float", value=digits)
        c.addElement(P(text="{:,}".format(int(digits))))
        return c

    row([text_cell(h) for h in HEADER])
    a, b, c = r.people
    row([text_cell(a.name), number_cell(a.number), text_cell(a.dept)])
    row([text_cell(b.name), text_cell(gen_mail.fmt_444(b.number)),
        text_cell(b.dept)])
    row([text_cell(c.name), number_cell(c.number), text_cell(c.dept)])
    doc.spreadsheet.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    write(os.path.join(d, "roster.ods"), buf.getvalue())


def make_pdf(r, d):
    if not os.path.isfile(IPA_GOTHIC):
        raise Unavailable("no IPA Gothic at %s (fonts-ipafont-gothic)" %
            IPA_GOTHIC)
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(TTFont("IPAGothic", IPA_GOTHIC))
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=A4, invariant=1)
    cv.setAuthor("dlp-milter test")
    cv.setFont("IPAGothic", 16)
    y = A4[1] - 72
    cv.drawString(60, y, TITLE)
    cv.setFont("IPAGothic", 11)
    for p in r.people:
        y -= 28
        cv.drawString(60, y, r.line(p))
    cv.showPage()
    cv.save()
    write(os.path.join(d, "roster.pdf"), buf.getvalue())


def make_xls(r, d):
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名簿")
    for i, h in enumerate(HEADER):
        ws.write(0, i, h)
    a, b, c = r.people
    # 12-digit integers do not fit an RK: xlwt writes NUMBER records
    for row, (p, v) in enumerate(((a, float(a.number)),
            (b, gen_mail.fmt_444(b.number)), (c, float(c.number))), 1):
        ws.write(row, 0, p.name)
        ws.write(row, 1, v)
        ws.write(row, 2, p.dept)
    buf = io.BytesIO()
    wb.save(buf)
    write(os.path.join(d, "roster.xls"), buf.getvalue())


def rtf_text(s, jp_font, ascii_font):
    """s as RTF: ASCII in ascii_font, everything else as \\'hh CP932
    bytes in jp_font (every byte escaped: a CP932 trail byte may be
    '\\', '{' or '}')."""
    out, cur = [], None
    for ch in s:
        font = ascii_font if ord(ch) < 0x80 else jp_font
        if font != cur:
            out.append("\\f%d " % font)
            cur = font
        if ord(ch) < 0x80:
            out.append("\\" + ch if ch in "\\{}" else ch)
        else:
            out.append("".join("\\'%02x" % b for b in ch.encode("cp932")))
    return "".join(out)


def make_rtf(r, d):
    lines = [TITLE] + [r.line(p) for p in r.people]
    body = "\\par\n".join(rtf_text(s, 1, 0) for s in lines)
    doc = ("{\\rtf1\\ansi\\ansicpg1252\\deff0\n"
        "{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}"
        "{\\f1\\fmodern\\fcharset128 MS Gothic;}}\n"
        "{\\info{\\author dlp-milter test}}\n"
        "\\pard\\plain " + body + "\\par\n}\n")
    write(os.path.join(d, "roster.rtf"), doc.encode("ascii"))


def ole1_package(label, data):
    """An OLE1 embedded object (MS-OLEDS ObjectHeader) of class Package
    whose native data is the Packager's record: label (CP932), original
    path, type 3 (an embedded file), a counted temporary path, the file."""
    def lpstr(b):
        return struct.pack("<I", len(b) + 1) + b + b"\0"
    name = label.encode("cp932")
    native = (b"\x02\x00" + name + b"\0" + b"C:\\tmp\\" + name + b"\0"
        + struct.pack("<I", 0x00030000) + lpstr(b"C:\\Temp\\" + name)
        + struct.pack("<I", len(data)) + data)
    return (struct.pack("<II", 0x0501, 2) + lpstr(b"Package") + lpstr(b"")
        + lpstr(b"") + struct.pack("<I", len(native)) + native
        + struct.pack("<II", 0x0501, 0))


def make_rtf_object(r, d):
    """An RTF whose only roster is the xlsx embedded as an OLE1 package
    (hex in {\\*\\objdata}), as Word writes a dropped-in file."""
    hexdata = ole1_package("名簿.xlsx", read_fixture(d, "roster.xlsx")).hex()
    lines = "\n".join(hexdata[i:i + 128] for i in range(0, len(hexdata), 128))
    doc = ("{\\rtf1\\ansi\\ansicpg1252\\deff0\n"
        "{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}}\n"
        "\\pard\\plain See the attached list.\\par\n"
        "{\\object\\objemb\\objw1000\\objh500{\\*\\objclass Package}"
        "{\\*\\objdata\n" + lines + "\n}{\\result list}}\\par\n}\n")
    write(os.path.join(d, "object.rtf"), doc.encode("ascii"))


def make_csv(r, d):
    rows = [HEADER + ["備考"]]
    for i, p in enumerate(r.people):
        rows.append([p.name, p.written, p.dept, "①" if i == 0 else "㈱見本"])
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    data = text.encode("cp932")
    try:
        text.encode("shift_jis")
        raise AssertionError("CSV must need CP932")
    except UnicodeEncodeError:
        pass
    write(os.path.join(d, "roster.csv"), data)


# [MS-OXTNEF]: level, attribute id (type << 16 | id), length, data, checksum
TNEF_SIGNATURE = 0x223E9F78
TNEF_MESSAGE, TNEF_ATTACHMENT = 1, 2
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_MESSAGE_CLASS = 0x00078008
ATT_SUBJECT = 0x00018004
ATT_BODY = 0x0002800C
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F
ATT_ATTACHMENT = 0x00069005
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E


def tnef_attr(level, att, data):
    return (struct.pack("<BII", level, att, len(data)) + data +
        struct.pack("<H", sum(data) & 0xFFFF))


def mapi_value(ptype, pid, value):
    """One single-valued variable-size MAPI property, padded to 4."""
    return (struct.pack("<HHII", ptype, pid, 1, len(value)) + value +
        b"\0" * (-len(value) % 4))


def make_tnef(r, d):
    """winmail.dat as Outlook writes it for a rich-text message: the CSV
    roster attached, its title in the OEM code page (932), its long name
    in UTF-16 in the attachment's MAPI properties."""
    csv = read_fixture(d, "roster.csv")
    props = struct.pack("<I", 2)
    props += mapi_value(0x001F, PR_ATTACH_LONG_FILENAME,
        "社員名簿.csv".encode("utf-16-le") + b"\0\0")
    props += mapi_value(0x001E, PR_ATTACH_MIME_TAG, b"text/csv\0")
    out = struct.pack("<IH", TNEF_SIGNATURE, 0x0001)
    out += tnef_attr(TNEF_MESSAGE, ATT_TNEF_VERSION,
        struct.pack("<I", 0x00010000))
    out += tnef_attr(TNEF_MESSAGE, ATT_OEM_CODEPAGE,
        struct.pack("<II", 932, 0))
    out += tnef_attr(TNEF_MESSAGE, ATT_MESSAGE_CLASS,
        b"IPM.Microsoft Mail.Note\0")
    out += tnef_attr(TNEF_MESSAGE, ATT_SUBJECT,
        "社員名簿の件".encode("cp932") + b"\0")
    out += tnef_attr(TNEF_MESSAGE, ATT_BODY,
        "名簿を添付します（見本）。\r\n".encode("cp932") + b"\0")
    # type file, position unknown, a 32x32 icon, no flags
    out += tnef_attr(TNEF_ATTACHMENT, ATT_ATTACH_REND_DATA,
        struct.pack("<HIHHI", 1, 0xFFFFFFFF, 32, 32, 0))
    out += tnef_attr(TNEF_ATTACHMENT, ATT_ATTACH_TITLE,
        "名簿.csv".encode("cp932") + b"\0")
    out += tnef_attr(TNEF_ATTACHMENT, ATT_ATTACH_DATA, csv)
    out += tnef_attr(TNEF_ATTACHMENT, ATT_ATTACHMENT, props)
    write(os.path.join(d, "winmail.dat"), out)


def make_doc(r, d):
    """The docx converted by LibreOffice (Word 97 binary)."""
    lo = LibreOffice(d)
    lo.convert(os.path.join(d, "roster.docx"), "doc", os.path.join(d,
        "roster.doc"))


# ---------------------------------------------------------------- LibreOffice

BASIC = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub SaveWithPassword(src As String, dst As String, filt As String, pw As String)
	On Error Goto fail
	Dim a(0) As New com.sun.star.beans.PropertyValue
	a(0).Name = &quot;Hidden&quot;
	a(0).Value = True
	doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), &quot;_blank&quot;, 0, a())
	Dim b(1) As New com.sun.star.beans.PropertyValue
	b(0).Name = &quot;FilterName&quot;
	b(0).Value = filt
	b(1).Name = &quot;Password&quot;
	b(1).Value = pw
	doc.storeToURL(ConvertToURL(dst), b())
	doc.close(True)
	Exit Sub
fail:
	StarDesktop.terminate()
End Sub
</script:module>
"""


class LibreOffice:
    """soffice --headless with a private profile under the output's temp
    directory (never the user's), every run bounded in time."""

    def __init__(self, d):
        self.profile = os.path.join(d, ".lo-profile")
        self.url = "file://" + self.profile
        self.env = dict(os.environ, HOME=self.profile)

    def soffice(self, args):
        os.makedirs(self.profile, exist_ok=True)
        return run(["soffice", "--headless", "--norestore", "--nologo",
            "-env:UserInstallation=" + self.url] + args,
            cwd=self.profile, env=self.env)

    def convert(self, src, fmt, dst):
        outdir = os.path.join(self.profile, "out")
        os.makedirs(outdir, exist_ok=True)
        self.soffice(["--convert-to", fmt, "--outdir", outdir, src])
        made = os.path.join(outdir, os.path.splitext(
            os.path.basename(src))[0] + "." + fmt)
        if not os.path.isfile(made):
            raise Unavailable("soffice --convert-to %s made nothing" % fmt)
        shutil.move(made, dst)
        os.utime(dst, (MTIME, MTIME))

    def save_with_password(self, src, filt, dst):
        """Load src and store it with filter filt and PASSWORD, by a Basic
        macro installed in the private profile."""
        basic = os.path.join(self.profile, "user", "basic", "Standard")
        if not os.path.isfile(os.path.join(basic, "Module1.xba")) or \
                "SaveWithPassword" not in open(os.path.join(basic,
                "Module1.xba"), encoding="utf-8").read():
            if not os.path.isdir(basic):
                self.soffice(["--terminate_after_init"])
            if not os.path.isdir(basic):
                raise Unavailable("soffice made no Basic library in its "
                    "profile")
            with open(os.path.join(basic, "Module1.xba"), "w",
                    encoding="utf-8") as f:
                f.write(BASIC)
        self.soffice(['macro:///Standard.Module1.SaveWithPassword('
            '"%s","%s","%s","%s")' % (src, dst, filt, PASSWORD)])
        if not os.path.isfile(dst):
            raise Unavailable("soffice did not save %s with a password" %
                os.path.basename(dst))
        os.utime(dst, (MTIME, MTIME))


# ---------------------------------------------------------------- containers

def make_zip(r, d):
    with open(os.path.join(d, "roster.xlsx"), "rb") as f:
        xlsx = f.read()
    write(os.path.join(d, "roster.zip"), zip_bytes([("名簿.xlsx", xlsx)]))


def make_nested_zip(r, d):
    inner = zip_bytes([("roster.txt", r.text().encode("utf-8"))])
    write(os.path.join(d, "nested.zip"), zip_bytes([("inner.zip", inner)],
        compress=zipfile.ZIP_STORED))


def staged(d, name, data):
    """A directory holding only name (for tools that take a file)."""
    stage = tempfile.mkdtemp(prefix="stage-", dir=d)
    write(os.path.join(stage, name), data)
    return stage


def read_fixture(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def make_7z(r, d):
    stage = staged(d, "roster.txt", r.text().encode("utf-8"))
    out = os.path.join(d, "roster.7z")
    run(["7z", "a", "-t7z", "-bd", "-y", out, "roster.txt"], cwd=stage)
    shutil.rmtree(stage)


def make_targz(r, d):
    data = r.text().encode("utf-8")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT,
            compresslevel=9) as t:
        ti = tarfile.TarInfo("roster.txt")
        ti.size, ti.mtime, ti.mode = len(data), MTIME, 0o644
        ti.uname = ti.gname = "dlp"
        t.addfile(ti, io.BytesIO(data))
    # gzip header time: tarfile writes the current time; fix it
    gz = bytearray(buf.getvalue())
    gz[4:8] = MTIME.to_bytes(4, "little")
    write(os.path.join(d, "roster.tar.gz"), bytes(gz))


def make_eml_zip(r, d):
    body = ("総務部 各位\n\n社員名簿をお送りします（見本）。\n\n" + r.text() +
        "\nよろしくお願いいたします。\n")
    msg = gen_mail.single("社員名簿の件", "hr@example.jp",
        "partner@example.com", "attach-eml.00000001", body,
        charset="iso-2022-jp", cte="7bit", encoding="iso2022_jp")
    eml = gen_mail.to_bytes(msg)
    write(os.path.join(d, "roster.eml"), eml)
    write(os.path.join(d, "mail.zip"), zip_bytes([("roster.eml", eml)]))


# ---------------------------------------------------------------- encrypted

def make_zipcrypto(r, d):
    stage = staged(d, "roster.xlsx", read_fixture(d, "roster.xlsx"))
    run(["zip", "-X", "-q", "-P", PASSWORD,
        os.path.join(d, "enc-zipcrypto.zip"), "roster.xlsx"], cwd=stage)
    shutil.rmtree(stage)


def make_winzip_aes(r, d):
    stage = staged(d, "roster.xlsx", read_fixture(d, "roster.xlsx"))
    run(["7z", "a", "-tzip", "-mem=AES256", "-p" + PASSWORD, "-bd", "-y",
        os.path.join(d, "enc-winzip-aes256.zip"), "roster.xlsx"],
        cwd=stage)
    shutil.rmtree(stage)


def make_7z_aes(r, d):
    stage = staged(d, "roster.xlsx", read_fixture(d, "roster.xlsx"))
    run(["7z", "a", "-t7z", "-p" + PASSWORD, "-bd", "-y",
        os.path.join(d, "enc-7z-aes.7z"), "roster.xlsx"], cwd=stage)
    run(["7z", "a", "-t7z", "-p" + PASSWORD, "-mhe=on", "-bd", "-y",
        os.path.join(d, "enc-7z-aes-headers.7z"), "roster.xlsx"],
        cwd=stage)
    shutil.rmtree(stage)


def make_mixed_zip(r, d):
    """roster.xlsx plain beside secret.xlsx (the same roster) under
    ZipCrypto, in one zip made by Info-ZIP in two steps."""
    xlsx = read_fixture(d, "roster.xlsx")
    stage = staged(d, "secret.xlsx", xlsx)
    write(os.path.join(stage, "roster.xlsx"), xlsx)
    out = os.path.join(d, "mixed.zip")
    run(["zip", "-X", "-q", "-P", PASSWORD, out, "secret.xlsx"], cwd=stage)
    run(["zip", "-X", "-q", out, "roster.xlsx"], cwd=stage)
    shutil.rmtree(stage)


def make_pdfs(r, d):
    src = os.path.join(d, "roster.pdf")
    if not os.path.isfile(src):
        raise Unavailable("roster.pdf was not made")
    run(["qpdf", "--encrypt", "u-" + PASSWORD, "o-" + PASSWORD, "256",
        "--", src, os.path.join(d, "enc-pdf-aes256.pdf")], cwd=d)
    run(["qpdf", "--allow-weak-crypto", "--encrypt", "u-" + PASSWORD,
        "o-" + PASSWORD, "40", "--", src,
        os.path.join(d, "enc-pdf-rc4-40.pdf")], cwd=d)
    # an empty user password: anyone can open it; not protection
    run(["qpdf", "--encrypt", "", "o-" + PASSWORD, "128", "--use-aes=y",
        "--", src, os.path.join(d, "pdf-owner-only.pdf")], cwd=d)


def make_enc_doc(r, d):
    LibreOffice(d).save_with_password(os.path.join(d, "roster.docx"),
        "MS Word 97", os.path.join(d, "enc-office.doc"))


def make_enc_odt(r, d):
    LibreOffice(d).save_with_password(os.path.join(d, "roster.docx"),
        "writer8", os.path.join(d, "enc-odf.odt"))


def make_enc_ooxml(r, d):
    raise Unavailable("no Debian 12 tool writes encrypted OOXML: "
        "LibreOffice 7.4 headless ignores the password for its OOXML "
        "filters and Debian's python3-msoffcrypto-tool (5.0.0) only "
        "decrypts; the corpus rows (ooxml-encrypted) cover it, and "
        "test_officecrypt decrypts them with their published passwords")


# ---------------------------------------------------------------- the list

def finding(path_re, count=3):
    return {"my_number": {"count": count, "confidence": "high",
        "path_re": path_re}}


def re_name(s):
    """A file name as a regular expression (dots escaped)."""
    return s.replace(".", "\\.")


def doc_path(name):
    """The finding's path: the attachment's node ("1/roster.xlsx"); a
    ":location" suffix is tolerated, though the report gives the location
    ("名簿!B2", "p1", "slide1") in a field of its own."""
    return "^1/%s(:.*)?$" % re_name(name)


def member_path(container, member):
    return "^1/%s/%s(:.*)?$" % (re_name(container), re_name(member))


# (name, file, maker, description, expectation). The makers run in this
# order (later ones read earlier files); expectation keys:
#   action      under the default config
#   findings    {kind: {count, confidence, path_re}}; {} for none
#   encrypted   [{method, weak}] that must each appear on some node
#   no_encrypted  no node may be encrypted
#   plain_method  some plain node carries this method (pdf-owner-only)
#   types       [[path_re, type]]: some node whose path matches has type
#   optional    a fixture that may be unavailable on this machine
FIXTURES = [
    ("txt", "roster.txt", make_txt, "UTF-8 plain text roster",
        {"action": "reject", "findings": finding(doc_path("roster.txt")),
            "no_encrypted": True}),
    ("docx", "roster.docx", make_docx,
        "docx, each number split across three runs",
        {"action": "reject", "findings": finding(doc_path("roster.docx")),
            "no_encrypted": True}),
    ("xlsx", "roster.xlsx", make_xlsx,
        "xlsx: header 個人番号, two numbers as numeric cells, one as a "
        "string cell",
        {"action": "reject", "findings": finding(doc_path("roster.xlsx")),
            "no_encrypted": True}),
    ("pptx", "roster.pptx", make_pptx,
        "pptx written by hand: two people on the slide (numbers split "
        "across runs), one in the speaker notes",
        {"action": "reject", "findings": finding(doc_path("roster.pptx")),
            "no_encrypted": True}),
    ("odt", "roster.odt", make_odt, "odt, numbers split across text:span",
        {"action": "reject", "findings": finding(doc_path("roster.odt")),
            "no_encrypted": True}),
    ("ods", "roster.ods", make_ods,
        "ods: two numbers only in office:value (displayed with thousands "
        "separators), one as a string cell",
        {"action": "reject", "findings": finding(doc_path("roster.ods")),
            "no_encrypted": True}),
    ("pdf", "roster.pdf", make_pdf,
        "pdf drawn by reportlab with IPA Gothic (TrueType subset)",
        {"action": "reject", "findings": finding(doc_path("roster.pdf")),
            "no_encrypted": True}),
    ("xls", "roster.xls", make_xls,
        "xls (BIFF8 by xlwt): two NUMBER cells, one LABELSST",
        {"action": "reject", "findings": finding(doc_path("roster.xls")),
            "no_encrypted": True,
            "types": [["^1/roster\\.xls$", "application/vnd.ms-excel"]]}),
    ("doc", "roster.doc", make_doc,
        "doc: the docx converted by soffice --convert-to doc",
        {"action": "reject", "findings": finding(doc_path("roster.doc")),
            "no_encrypted": True,
            "types": [["^1/roster\\.doc$", "application/msword"]]}),
    ("rtf", "roster.rtf", make_rtf,
        "rtf: \\ansicpg1252, Japanese as \\'hh CP932 bytes in a "
        "\\fcharset128 font",
        {"action": "reject", "findings": finding(doc_path("roster.rtf")),
            "no_encrypted": True}),
    ("rtf_object", "object.rtf", make_rtf_object,
        "rtf embedding the xlsx as an OLE1 Package (\\objdata hex) "
        "labelled 名簿.xlsx",
        {"action": "reject",
            "findings": finding(member_path("object.rtf", "名簿.xlsx")),
            "no_encrypted": True}),
    ("csv", "roster.csv", make_csv,
        "CSV in CP932 (with ① and ㈱), header 個人番号",
        {"action": "reject", "findings": finding(doc_path("roster.csv")),
            "no_encrypted": True}),
    ("tnef", "winmail.dat", make_tnef,
        "TNEF winmail.dat (code page 932) with the CP932 CSV attached as "
        "社員名簿.csv",
        {"action": "reject",
            "findings": finding(member_path("winmail.dat", "社員名簿.csv")),
            "no_encrypted": True,
            "types": [["^1/winmail\\.dat$", "application/vnd.ms-tnef"],
                ["^1/winmail\\.dat/社員名簿\\.csv$", "text/csv"]]}),
    ("zip", "roster.zip", make_zip,
        "zip with the xlsx as 名簿.xlsx (UTF-8 name)",
        {"action": "reject",
            "findings": finding(member_path("roster.zip", "名簿.xlsx")),
            "no_encrypted": True}),
    ("zip_in_zip", "nested.zip", make_nested_zip,
        "zip holding inner.zip (stored) holding roster.txt",
        {"action": "reject", "findings": finding(
            member_path("nested.zip", "inner.zip/roster.txt")),
            "no_encrypted": True}),
    ("7z", "roster.7z", make_7z, "7z (LZMA2) holding roster.txt",
        {"action": "reject",
            "findings": finding(member_path("roster.7z", "roster.txt")),
            "no_encrypted": True}),
    ("tar_gz", "roster.tar.gz", make_targz, "tar.gz holding roster.txt",
        {"action": "reject", "findings": finding(
            "^1/roster\\.tar\\.gz/(roster\\.tar/)?roster\\.txt(:.*)?$"),
            "no_encrypted": True}),
    ("eml_in_zip", "mail.zip", make_eml_zip,
        "zip holding roster.eml, an ISO-2022-JP message with the roster "
        "in its body",
        {"action": "reject", "findings": finding(
            "^1/mail\\.zip/roster\\.eml([/:].*)?$"), "no_encrypted": True}),
    ("zipcrypto", "enc-zipcrypto.zip", make_zipcrypto,
        "zip -P: the xlsx under ZipCrypto",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "zipcrypto", "weak": True}]}),
    ("winzip_aes256", "enc-winzip-aes256.zip", make_winzip_aes,
        "7z a -tzip -mem=AES256: the xlsx under WinZip AES-256",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "winzip-aes-256", "weak": False}]}),
    ("7z_aes", "enc-7z-aes.7z", make_7z_aes,
        "7z a -p: the xlsx under 7z AES, names readable",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "7z-aes", "weak": False}]}),
    ("7z_aes_headers", "enc-7z-aes-headers.7z", None,
        "7z a -p -mhe=on: the xlsx under 7z AES, names hidden too",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "7z-aes-headers", "weak": False}]}),
    ("mixed_zip", "mixed.zip", make_mixed_zip,
        "zip: roster.xlsx plain beside secret.xlsx under ZipCrypto",
        {"action": "reject",
            "findings": finding(member_path("mixed.zip", "roster.xlsx")),
            "encrypted": [{"method": "zipcrypto", "weak": True}]}),
    ("pdf_aes256", "enc-pdf-aes256.pdf", make_pdfs,
        "qpdf --encrypt U O 256: AES-256 with a user password",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "pdf-aes-256", "weak": False}]}),
    ("pdf_rc4_40", "enc-pdf-rc4-40.pdf", None,
        "qpdf --encrypt U O 40: RC4 40-bit with a user password",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "pdf-rc4-40", "weak": True}]}),
    ("pdf_owner_only", "pdf-owner-only.pdf", None,
        "qpdf --encrypt '' O 128 --use-aes=y: owner password only, opens "
        "for anyone: not encrypted, scanned",
        {"action": "reject",
            "findings": finding(doc_path("pdf-owner-only.pdf")),
            "no_encrypted": True, "plain_method": "pdf-owner-only"}),
    ("doc_encrypted", "enc-office.doc", make_enc_doc,
        "doc saved with a password by LibreOffice (Word 97 RC4, "
        "encryption header 1.1)",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "office-rc4", "weak": True}],
            "optional": True}),
    ("odt_encrypted", "enc-odf.odt", make_enc_odt,
        "odt saved with a password by LibreOffice 7.4 (per-entry "
        "AES-256-CBC in manifest:encryption-data)",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "odf-aes-256", "weak": False}],
            "optional": True}),
    ("ooxml_encrypted", "enc-ooxml.xlsx", make_enc_ooxml,
        "xlsx encrypted with a password (CFB EncryptionInfo + "
        "EncryptedPackage)",
        {"action": "accept", "findings": {},
            "encrypted": [{"method": "ooxml-agile", "weak": False}],
            "optional": True}),
]


def key():
    """The cache key: the hash of the generators' sources."""
    h = hashlib.sha256()
    for path in (os.path.abspath(__file__),
            os.path.join(ROOT, "tests", "gen", "gen_mail.py")):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def generate(outdir=OUTDIR):
    """Make every fixture in a temp directory beside outdir, write
    expected.json, then put the directory in outdir's place. Returns the
    expected.json document."""
    parent = os.path.dirname(os.path.abspath(outdir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".attach-fixtures-", dir=parent)
    try:
        r = Roster()
        errors = {}  # maker name -> reason it failed
        for name, file, maker, desc, exp in FIXTURES:
            if maker is None or maker.__name__ in errors:
                continue
            try:
                maker(r, tmp)
            except Unavailable as e:
                errors[maker.__name__] = str(e)
            except ImportError as e:
                errors[maker.__name__] = "Python module missing under " \
                    "%s: %s (make deps installs python3-docx, " \
                    "python3-openpyxl, python3-odf, python3-reportlab, " \
                    "python3-xlwt)" % (sys.executable, e)
        cases = []
        owner = {}
        for name, file, maker, desc, exp in FIXTURES:
            if maker is not None:
                owner_maker = maker.__name__
            owner[name] = owner_maker
            c = {"name": name, "file": file, "description": desc,
                "numbers": r.numbers, "findings": {}, "encrypted": [],
                "no_encrypted": False, "plain_method": None,
                "optional": False}
            c.update(exp)
            path = os.path.join(tmp, file)
            if os.path.isfile(path):
                c["available"] = True
                c["sha256"] = hashlib.sha256(read_fixture(tmp, file)) \
                    .hexdigest()
            else:
                c["available"] = False
                c["unavailable"] = errors.get(owner_maker,
                    "%s did not make %s" % (owner_maker, file))
            cases.append(c)
        shutil.rmtree(os.path.join(tmp, ".lo-profile"), ignore_errors=True)
        doc = {"key": key(), "seed": SEED,
            "generator": "tests/attach/gen_fixtures.py",
            "policy": "conf/dlp-milter.yaml defaults: my_number high -> "
            "reject, encrypted -> accept, not-inspectable -> quarantine",
            "people": [{"name": p.name, "written": p.written,
                "dept": p.dept} for p in r.people],
            "fixtures": cases}
        with open(os.path.join(tmp, "expected.json"), "w",
                encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
        if os.path.isdir(outdir):
            shutil.rmtree(outdir)
        os.rename(tmp, outdir)
        tmp = None
        return doc
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def load(outdir=OUTDIR):
    """expected.json of outdir, or None when missing or unreadable."""
    try:
        with open(os.path.join(outdir, "expected.json"),
                encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ensure(outdir=OUTDIR, force=False):
    """The fixtures of outdir, generated unless cached under the current
    key. Returns the expected.json document."""
    doc = None if force else load(outdir)
    if doc is not None and doc.get("key") == key() and all(
            not c["available"] or os.path.isfile(os.path.join(outdir,
            c["file"])) for c in doc["fixtures"]):
        return doc
    return generate(outdir)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--outdir", default=OUTDIR)
    ap.add_argument("--force", action="store_true",
        help="regenerate even when the cache is current")
    args = ap.parse_args(argv)
    doc = ensure(args.outdir, args.force)
    made = [c for c in doc["fixtures"] if c["available"]]
    print("gen_fixtures: %d of %d fixtures in %s" % (len(made),
        len(doc["fixtures"]), args.outdir))
    for c in doc["fixtures"]:
        if not c["available"]:
            print("  unavailable %s (%s): %s" % (c["name"], c["file"],
                c["unavailable"]))
    return 0 if all(c["available"] or c["optional"]
        for c in doc["fixtures"]) else 1


if __name__ == "__main__":
    sys.exit(main())
