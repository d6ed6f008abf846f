#!/usr/bin/python3
"""Messages for `make bench`, made from a fixed seed with synthetic data.

Writes into the directory given (default build/bench/):
  baseline-text-300k.eml   plain UTF-8 business text, ~300 KB: the baseline
  text-20k.eml             a typical 20 KB text mail
  xlsx-zip-300k.eml        a ~300 KB roster .xlsx inside a .zip, attached
  xlsx-1m.eml              a ~1 MB roster .xlsx, attached
  docx-300k.eml, ods-300k.eml, pdf-300k.eml, csv-cp932-300k.eml,
  7z-300k.eml              the same roster in other formats, attached
  text-nocand-2m.txt       ~2 MB of mixed Japanese/ASCII business text, with
                           prices and dates but no candidate (for -x)
  text-prose-2m.txt        ~2 MB of the same text with a date on about one
                           line in 40 and no other digit (for -x)
  roster-dense-1m.txt      ~1 MB of roster rows: name, address, phone,
                           My Number (for -x); 13,935 rows, more than
                           person_record's max_records (10,000)
  roster-dense-9k.txt      9,000 such rows (~650 KB), within max_records,
                           so every row is judged (for -x)
Formats whose Debian tool or module is missing are skipped with a note.
"""
import io, os, random, shutil, subprocess, sys, tempfile, zipfile
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "gen"))
import gen_mail  # noqa: E402  (synthetic My Numbers with check digits)

RNG = random.Random(20261121)
GEN = gen_mail.Gen(20261121)
SURNAMES = ["山本", "中川", "小林", "石田", "森", "藤原", "岡田", "村上"]
GIVEN = ["花子", "一郎", "美咲", "健", "由美", "翔", "直樹", "恵"]
TOWNS = ["架空市中央町", "見本市南区緑町", "例題郡試験町", "仮想市北区本町"]


def person(i):
    return [
        RNG.choice(SURNAMES) + " " + RNG.choice(GIVEN),
        "東京都" + RNG.choice(TOWNS) + "%d-%d-%d" % (
            RNG.randint(1, 9), RNG.randint(1, 30), RNG.randint(1, 20)),
        GEN.my_number(),
        "090-%04d-%04d" % (RNG.randint(0, 9999), RNG.randint(0, 9999)),
    ]


def roster_rows(n):
    return [["氏名", "住所", "個人番号", "電話"]] + [person(i) for i in range(n)]


def mail(subject, body, attachments=()):
    m = EmailMessage()
    m["From"] = "bench@example.jp"
    m["To"] = "x@outside.test"
    m["Subject"] = subject
    m.set_content(body)
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype,
                         filename=name)
    return m.as_bytes()


def business_text(size):
    words = ["お世話になっております。", "来週の打ち合わせの件、", "資料を添付します。",
             "ご確認のほど", "よろしくお願いいたします。", "Regarding the meeting,",
             "please find the schedule below.", "価格は 12,000円 です。",
             "2026-11-24 10:00 開始", "\n"]
    out = []
    n = 0
    while n < size:
        w = RNG.choice(words)
        out.append(w)
        n += len(w.encode())
    return "".join(out)


def xlsx(rows):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名簿"
    for r in rows:
        ws.append(r)
    b = io.BytesIO()
    wb.save(b)
    return b.getvalue()


def rows_for_size(make, target):
    """The roster made once at about target bytes: the row count comes
    from the size of a 200-row sample (growing step by step costs minutes
    with python-docx)."""
    sample = len(make(roster_rows(200)))
    n = max(200, int(200 * target / max(sample, 1)))
    return make(roster_rows(n))


def docx(rows):
    import docx as pydocx
    d = pydocx.Document()
    t = d.add_table(rows=0, cols=4)
    for r in rows:
        cells = t.add_row().cells
        for c, v in zip(cells, r):
            c.text = v
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


def ods(rows):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow, TableCell
    from odf.text import P
    doc = OpenDocumentSpreadsheet()
    t = Table(name="名簿")
    for r in rows:
        tr = TableRow()
        for v in r:
            tc = TableCell()
            tc.addElement(P(text=v))
            tr.addElement(tc)
        t.addElement(tr)
    doc.spreadsheet.addElement(t)
    b = io.BytesIO()
    doc.write(b)
    return b.getvalue()


def pdf(rows):
    from reportlab.pdfgen import canvas
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    font = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
    if not os.path.exists(font):
        font = "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"
    pdfmetrics.registerFont(TTFont("IPAG", font))
    b = io.BytesIO()
    c = canvas.Canvas(b)
    y = 800
    c.setFont("IPAG", 9)
    for r in rows:
        c.drawString(30, y, "  ".join(r))
        y -= 12
        if y < 40:
            c.showPage()
            c.setFont("IPAG", 9)
            y = 800
    c.save()
    return b.getvalue()


def csv_cp932(rows):
    return "\r\n".join(",".join(r) for r in rows).encode("cp932")


def zipped(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return b.getvalue()


def sevenz(name, data):
    if shutil.which("7z") is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        subprocess.run(["7z", "a", "-bd", "-y", "out.7z", name], cwd=d,
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(d, "out.7z"), "rb") as f:
            return f.read()


def prose_text(size):
    words = ["お世話になっております。", "来週の打ち合わせの件、", "資料を添付します。",
             "ご確認のほど", "よろしくお願いいたします。", "Regarding the meeting,",
             "please find the schedule below.", "ご不明な点はお知らせください。",
             "\n"]
    out = []
    n = 0
    while n < size:
        w = RNG.choice(words)
        if w == "\n" and RNG.randrange(40) == 0:
            w = "\n2026-11-24 10:00 開始\n"
        out.append(w)
        n += len(w.encode())
    return "".join(out)


def roster_line(i):
    row = person(i)
    return "\t".join([row[0], row[1], row[3], row[2]]) + "\n"


def roster_text(size):
    out = ["氏名\t住所\t電話\t個人番号\n"]
    n = 0
    i = 0
    while n < size:
        line = roster_line(i)
        i += 1
        out.append(line)
        n += len(line.encode())
    return "".join(out)


def roster_text_rows(rows):
    """rows lines of roster_text() under its header line."""
    return "".join(["氏名\t住所\t電話\t個人番号\n"] +
                   [roster_line(i) for i in range(rows)])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    os.makedirs(out, exist_ok=True)

    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


    write("baseline-text-300k.eml",
          mail("text", business_text(300 * 1024)))
    write("text-20k.eml", mail("text", business_text(20 * 1024)))
    makers = [("xlsx", xlsx, "application/vnd.openxmlformats-officedocument."
               "spreadsheetml.sheet"),
              ("docx", docx, "application/vnd.openxmlformats-officedocument."
               "wordprocessingml.document"),
              ("ods", ods, "application/vnd.oasis.opendocument.spreadsheet"),
              ("pdf", pdf, "application/pdf"),
              ("csv", csv_cp932, "text/csv")]
    for ext, make, ctype in makers:
        try:
            data = rows_for_size(make, 300 * 1024)
        except Exception as e:  # a missing module: skip, say so
            print("make_inputs: skipped %s: %s" % (ext, e), file=sys.stderr)
            continue
        label = "csv-cp932" if ext == "csv" else ext
        write("%s-300k.eml" % label,
              mail(ext, "see attached", [("名簿." + ext, ctype, data)]))
        if ext == "xlsx":
            write("xlsx-zip-300k.eml",
                  mail("zip", "see attached",
                       [("名簿.zip", "application/zip",
                         zipped("名簿.xlsx", data))]))
            z7 = sevenz("roster.xlsx", data)
            if z7 is not None:
                write("7z-300k.eml", mail("7z", "see attached", [
                    ("名簿.7z", "application/x-7z-compressed", z7)]))
            big = rows_for_size(xlsx, 1024 * 1024)
            write("xlsx-1m.eml", mail("xlsx", "see attached",
                                      [("名簿.xlsx", ctype, big)]))
    # last, so that the messages above stay as they were
    write("text-nocand-2m.txt", business_text(2 * 1024 * 1024).encode())
    write("roster-dense-1m.txt", roster_text(1024 * 1024).encode())
    write("text-prose-2m.txt", prose_text(2 * 1024 * 1024).encode())
    write("roster-dense-9k.txt", roster_text_rows(9000).encode())


if __name__ == "__main__":
    main()
