#!/usr/bin/python3
"""gen_eval - the labelled evaluation corpus of dlp-milter (make eval).

What it does: from one fixed seed (random.Random(SEED)) it writes about
1,400 synthetic outbound messages as <outdir>/<id>.eml and, for each,
its label in <outdir>/labels.json:

  expect    "block" (what an organisation wants stopped under the default
            policy) or "pass";
  planted   {kind: number of DISTINCT values planted}, for the kinds of
            issue 4 (my_number, pension_number, person_record, phone,
            birth_date, email, credit_card, bank_account, passport,
            drivers_license, residence_card, health_insurance,
            corporate_number, invoice_number, classification);
  category  what the message is (roster, signature, invoice, price-list,
            newsletter, press-release, my-number-form, ...);
  format    where the data sits (body charset and transfer encoding,
            attachment format).

"block": a My Number with its context word, a basic pension number with
its context word, a roster of ROSTER_MIN (5) or more people with names
and (home) addresses, a card number with its context word, or a
classification label of 機密性2 or higher (機密性2, 機密性3, 極秘, 秘) on
content that is not encrypted. Everything else is "pass": signatures,
single business contacts, one private person's details, invoices (with
the issuer's bank account), price lists of 12-digit product codes (some
pass the My Number check digit; no context word), order mails with
tracking numbers and 12-digit timestamps, JAN codes, phone numbers
without hyphens, newsletters, press releases with office addresses and
corporate numbers, form examples whose postal codes do not exist or do
not belong to the address beside them, and rosters inside a WinZip AES
zip (encrypted with an accepted method).

What counts as planted, per kind (the eval compares these numbers with
the per-kind distinct counts of dlp-scan):
  person_record   a person whose name and own (home) address are written
                  together (a roster row, a delivery address). A name
                  beside an office address (signature, business contact,
                  press release) is not one, nor is a form example whose
                  postal code is made up.
  phone           every phone number written as one (hyphens, brackets,
                  or after TEL/電話 without hyphens), signatures included.
  email           every address in the text (headers are not counted).
  birth_date      dates written as someone's birth date (生年月日).
  health_insurance  insurer numbers and 記号・番号 pairs, each distinct.
  the others      the value written with its label (個人番号, 基礎年金番号,
                  カード番号, 旅券番号, 運転免許証番号, 在留カード番号, 法人番号,
                  登録番号 T..., a classification label).
Values inside encrypted attachments are not planted: they cannot be read.

Sources: names come from skkdic-extra's SKK-JISYO.jinmei (surnames are
the entries annotated 姓, given names those annotated 名, the reading for
フリガナ); addresses from SKK-JISYO.zipcode (postal code and prefecture,
municipality, town) with invented block numbers and building names. The
person detector's dictionaries are mecab-ipadic's names; its postal table
(SKK-JISYO.zipcode) is a validation reference like a check digit, not a
list of addresses it recognises (docs/accuracy.md says more). Numbers are
random with valid check digits (My Number, card Luhn, corporate number,
insurer number, driver's licence, JAN, Yamato tracking numbers) or with
deliberately wrong ones. Nothing is real personal data.

What it does not do: run dlp-scan (tests/eval/eval.py does) or decide the
engine's confidence levels. Output is byte-for-byte the same on every run
(no clock, no global random; zip dates fixed; the AES zip salt comes from
the seed).

Use: tests/eval/gen_eval.py [-o build/eval/corpus] [--seed N]
Needs Debian's python3 with python3-openpyxl, python3-docx and
python3-cryptography (make deps), and skkdic-extra.
"""

import argparse
import datetime
import hashlib
import hmac
import io
import json
import os
import re
import struct
import sys
import zipfile
import zlib
from email.message import Message

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
import gen_mail  # noqa: E402  (check digits, MIME helpers)

import random  # noqa: E402

SEED = 20261122
JINMEI = "/usr/share/skk/SKK-JISYO.jinmei"
ZIPCODE = "/usr/share/skk/SKK-JISYO.zipcode"
ROSTER_MIN = 5  # people with names and addresses that make a roster
ZIP_DATE = (2026, 11, 21, 10, 0, 0)
DATE = gen_mail.DATE
PASSWORD = b"eval-corpus-pw"
SENDER_DOMAIN = "example.jp"  # internal (conf/dlp-milter.yaml)
RCPT = "partner@example.com"  # external

# How many messages of each category (block first, then pass).
PLAN = [
    ("my-number-form", 80), ("my-number-roster", 30), ("pension", 50),
    ("roster", 150), ("id-roster", 40), ("credit-card", 50),
    ("classification", 50),
    ("signature", 130), ("business-contact", 50), ("single-person", 60),
    ("single-id", 80), ("small-roster", 30), ("invoice", 100),
    ("price-list", 80), ("order", 60), ("newsletter", 70),
    ("press-release", 60), ("hard-numbers", 60), ("form-example", 40),
    ("encrypted-roster", 40), ("plain", 70), ("classification-prose", 30),
]

PREFS = ("北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 "
    "埼玉県 千葉県 東京都 神奈川県 新潟県 富山県 石川県 福井県 山梨県 長野県 "
    "岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 "
    "鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 "
    "佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県").split()

# Invented words for companies, buildings, products and banks.
CO_WORDS = ["アオバ", "ミドリ", "ソラノ", "ハルカ", "ツバサ", "ヒカリ", "イズミ",
    "カエデ", "コハク", "シオン", "ナギサ", "ユウキ", "サクラギ", "モリノ"]
CO_KINDS = ["商事", "工業", "システムズ", "物産", "製作所", "ソリューションズ",
    "食品", "電機", "企画", "ロジスティクス"]
BLDG = ["ハイツ", "コーポ", "メゾン", "レジデンス", "荘", "ビル", "タワー"]
DEPTS = ["営業部", "総務部", "経理部", "人事部", "開発部", "購買部", "広報部"]
BANKS = ["みらい銀行", "あさひ信用金庫", "さくら台銀行", "なのはな銀行",
    "ひばり信用組合"]
BRANCHES = ["本店営業部", "駅前支店", "中央支店", "東口支店", "港支店"]
PRODUCTS = ["ボールペン 黒", "A4コピー用紙 500枚", "クリアファイル 10枚組",
    "ステープラー", "付箋 75mm", "ホワイトボードマーカー", "電卓 12桁",
    "USBメモリ 32GB", "LANケーブル 3m", "マウスパッド", "封筒 長3",
    "ガムテープ", "卓上カレンダー", "名刺ホルダー", "延長コード 5m"]
SYLLABLES = ["ka", "ki", "ta", "to", "mi", "na", "ha", "yu", "ri", "sa",
    "ko", "mo", "no", "ma", "ya", "shi", "ne", "ro"]
LICENSE_CODES = [10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 25, 30, 40, 41,
    42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 60, 61, 62, 63,
    64, 65, 70, 71, 72, 73, 74, 80, 81, 82, 83, 90, 91, 92, 93, 94, 95, 96,
    97]
BLOCK_LABELS = ["機密性3", "機密性2", "極秘", "秘"]
ERAS = [("昭和", 1926), ("平成", 1989)]

CT_XLSX = ("application/vnd.openxmlformats-officedocument."
    "spreadsheetml.sheet")
CT_DOCX = ("application/vnd.openxmlformats-officedocument."
    "wordprocessingml.document")


# ---------------------------------------------------------------- sources

def encodable(s):
    """Writable in every charset the corpus uses (ISO-2022-JP is JIS X
    0208 only; CP932 adds the NEC and IBM extensions)."""
    try:
        s.encode("iso2022_jp")
        s.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False


def is_kanji(s):
    return all("\u4e00" <= c <= "\u9fff" or c == "々" for c in s)


def is_hiragana(s):
    return all("\u3041" <= c <= "\u3096" or c == "ー" for c in s)


def load_jinmei(path=JINMEI):
    """(surnames, given names) from SKK-JISYO.jinmei: lists of (kanji,
    reading), in the file's order. Entries are `reading /word;note/...`;
    a note of exactly 姓 marks a surname, 名 a given name."""
    sur, given = [], []
    seen = set()
    with open(path, encoding="euc_jis_2004", errors="replace") as f:
        for line in f:
            if line.startswith(";") or " /" not in line:
                continue
            reading, rest = line.rstrip("\n").split(" /", 1)
            if not is_hiragana(reading) or not 2 <= len(reading) <= 6:
                continue
            for cand in rest.strip("/").split("/"):
                word, _, note = cand.partition(";")
                if note not in ("姓", "名") or not 1 <= len(word) <= 3:
                    continue
                if not is_kanji(word) or not encodable(word):
                    continue
                if note == "姓" and len(word) < 2:
                    continue  # one-kanji surnames are rare and ambiguous
                key = (note, word)
                if key in seen:
                    continue
                seen.add(key)
                (sur if note == "姓" else given).append((word, reading))
    return sur, given


def load_zipcodes(path=ZIPCODE):
    """[(postal code, prefecture, rest)] from SKK-JISYO.zipcode: entries
    `1234567 /prefecture municipality town/`, keeping plain town names
    (no notes in brackets, no 以下に掲載がない場合, no digits)."""
    entry = re.compile(r"^(\d{7}) /(%s)([^/;（()、〜～・0-9０-９]{4,15})/" %
        "|".join(PREFS))
    skip = re.compile("以下|番地|丁目|地割")
    out = []
    with open(path, encoding="euc_jis_2004", errors="replace") as f:
        for line in f:
            m = entry.match(line)
            if not m or skip.search(m.group(3)):
                continue
            if len(m.group(2)) + len(m.group(3)) > 18 or \
                    not encodable(m.group(2) + m.group(3)):
                continue
            out.append(m.groups())
    return out


# ---------------------------------------------------------------- numbers

def luhn_check(body):
    """The Luhn check digit of body (digits, check digit excluded)."""
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def corporate_check(base12):
    """The check digit (first digit) of a 13-digit corporate number:
    9 - (sum of P_n * Q_n mod 9), P_n the n-th digit of the 12-digit base
    from the right, Q_n 1 for odd n and 2 for even n."""
    total = sum(int(base12[12 - n]) * (1 if n % 2 else 2)
        for n in range(1, 13))
    return 9 - total % 9


def jan_check(first12):
    total = sum(int(c) * (1 if i % 2 == 0 else 3)
        for i, c in enumerate(first12))
    return (10 - total % 10) % 10


def license_check(first10):
    """Driver's licence: (11 - sum(d * w) mod 11) mod 10, weights
    5,4,3,2,7,6,5,4,3,2."""
    w = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    return (11 - sum(int(c) * x for c, x in zip(first10, w)) % 11) % 10


class Gen:
    """Every random choice, from one seeded generator in a fixed order."""

    def __init__(self, seed, surnames, given, zipcodes):
        self.rng = random.Random(seed)
        self.used = set()
        self.sur = surnames
        self.given = given
        self.zips = zipcodes
        self.zipset = {z[0] for z in zipcodes}

    def digits(self, n, first_nonzero=True):
        r = self.rng
        s = str(r.randint(1 if first_nonzero else 0, 9))
        return s + "".join(str(r.randint(0, 9)) for _ in range(n - 1))

    def boundary(self):
        return "=_eval_%016x" % self.rng.getrandbits(64)

    def fresh(self, make):
        while True:
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v

    def my_number(self):
        def make():
            first = self.digits(11)
            n = first + str(gen_mail.my_number_check_digit(first))
            return "" if gen_mail.is_dummy(n) else n
        while True:
            n = self.fresh(make)
            if n:
                return n

    def twelve(self, passes):
        """12 digits that pass (or fail) the My Number check digit."""
        while True:
            first = self.digits(11)
            c = gen_mail.my_number_check_digit(first)
            n = first + str(c if passes else (c + 1 + self.rng.randrange(
                9)) % 10)
            if gen_mail.my_number_valid(n) == passes and \
                    n not in self.used:
                self.used.add(n)
                return n

    def pension(self):
        return self.fresh(lambda: self.digits(10))

    def card(self):
        def make():
            # JCB is 3528-3589 only (3500-3527 are not issued)
            prefix, length = self.rng.choice([("4", 16), ("5" + str(
                self.rng.randint(1, 5)), 16), (str(self.rng.randint(
                    3528, 3589)), 16), ("37", 15)])
            body = prefix + self.digits(length - 1 - len(prefix), False)
            return body + str(luhn_check(body))
        return self.fresh(make)

    def not_card16(self):
        body = self.digits(15)
        return body + str((luhn_check(body) + 1 + self.rng.randrange(9))
            % 10)

    def corporate(self):
        def make():
            base = self.digits(12)
            return str(corporate_check(base)) + base
        return self.fresh(make)

    def jan(self):
        first = self.rng.choice(["45", "49"]) + self.digits(10, False)
        return first + str(jan_check(first))

    def yamato(self):
        first = self.digits(11)
        return first + str(int(first) % 7)

    def timestamp(self):
        return "2026%02d%02d%02d%02d" % (self.rng.randint(1, 12),
            self.rng.randint(1, 28), self.rng.randint(8, 19),
            self.rng.choice([0, 15, 30, 45]))

    def passport(self):
        return self.fresh(lambda: self.rng.choice(["TK", "TZ", "MZ", "TR",
            "TS"]) + self.digits(7, False))

    def license(self):
        def make():
            first = "%02d%02d" % (self.rng.choice(LICENSE_CODES),
                self.rng.randint(0, 99)) + self.digits(6, False)
            return first + str(license_check(first)) + \
                str(self.rng.choice([0, 0, 0, 1]))
        return self.fresh(make)

    def residence_card(self):
        L = "ABCDEFGHJKLMNPRSTUVWXYZ"
        r = self.rng
        return self.fresh(lambda: r.choice(L) + r.choice(L) +
            self.digits(8, False) + r.choice(L) + r.choice(L))

    def insurer(self):
        first = self.rng.choice(["01", "06", "31", "32", "34"]) + \
            "%02d" % self.rng.randint(1, 47) + self.digits(3, False)
        return first + str(luhn_check(first))

    def phone(self):
        r = self.rng
        k = r.randrange(5)
        if k == 0:
            return "0%d-%s-%s" % (r.choice([3, 6]), self.digits(4),
                self.digits(4, False))
        # geographic area codes: 0, then never 0 in the second place
        # (0X0 prefixes are mobile, IP, M2M or the international prefix)
        if k == 1:
            return "0%d%d-%s-%s" % (r.randint(1, 9), r.randint(1, 9),
                self.digits(3), self.digits(4, False))
        if k == 2:
            return "0%d%d%d-%s-%s" % (r.randint(1, 9), r.randint(1, 9),
                r.randint(0, 9), self.digits(2), self.digits(4, False))
        return "0%d0-%s-%s" % (r.choice([9, 8, 7]), self.digits(4),
            self.digits(4, False))

    def birth(self):
        y = self.rng.randint(1950, 2004)
        return datetime.date(y, self.rng.randint(1, 12),
            self.rng.randint(1, 28))

    def fmt_birth(self, d):
        k = self.rng.randrange(4)
        if k == 0:
            return "%d年%d月%d日" % (d.year, d.month, d.day)
        if k == 1:
            return "%d/%02d/%02d" % (d.year, d.month, d.day)
        if k == 2:
            era, start = ERAS[0] if d.year < 1989 else ERAS[1]
            return "%s%d年%d月%d日" % (era, d.year - start + 1, d.month,
                d.day)
        return "%d-%02d-%02d" % (d.year, d.month, d.day)

    def email(self, domain=None):
        r = self.rng

        def make():
            local = "".join(r.choice(SYLLABLES) for _ in range(r.randint(
                2, 3))) + r.choice([".", "_", ""]) + "".join(r.choice(
                    SYLLABLES) for _ in range(2)) + (str(r.randint(1, 99))
                if r.random() < .5 else "")
            return local + "@" + (domain or r.choice(["example.com",
                "example.ne.jp", "example.co.jp", "example.org",
                "example.net"]))
        return self.fresh(make)

    def name(self):
        s, sr = self.rng.choice(self.sur)
        g, gr = self.rng.choice(self.given)
        return s, g, sr, gr

    def block(self):
        r = self.rng
        k = r.randrange(4)
        if k == 0:
            return "%d-%d-%d" % (r.randint(1, 9), r.randint(1, 30),
                r.randint(1, 20))
        if k == 1:
            return "%d丁目%d番%d号" % (r.randint(1, 9), r.randint(1, 30),
                r.randint(1, 20))
        if k == 2:
            return "%d-%d" % (r.randint(1, 999), r.randint(1, 30))
        return "%d丁目%d-%d" % (r.randint(1, 9), r.randint(1, 30),
            r.randint(1, 20))

    def building(self, office=False):
        r = self.rng
        if office:
            return " %s%sビル %dF" % (r.choice(CO_WORDS), r.choice(["第一",
                "", "第二"]), r.randint(2, 12))
        if r.random() < .5:
            return ""
        return " %s%s %d" % (r.choice(CO_WORDS), r.choice(BLDG),
            r.randint(101, 1208))

    def address(self, office=False):
        """(postal code 7 digits, address text)."""
        code, pref, rest = self.rng.choice(self.zips)
        return code, pref + rest + self.block() + self.building(office)

    def company(self):
        r = self.rng
        name = r.choice(CO_WORDS) + r.choice(CO_KINDS)
        return "株式会社" + name if r.random() < .7 else name + "株式会社"


def postal(code):
    return code[:3] + "-" + code[3:]


def kata(s):
    """Hiragana to katakana (フリガナ)."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c
        for c in s)


def fmt_444(n, sep="-"):
    return gen_mail.fmt_444(n, sep)


def fmt_card(n, sep="-"):
    if len(n) == 15:
        return sep.join((n[:4], n[4:10], n[10:]))
    return sep.join(n[i:i + 4] for i in range(0, 16, 4))


# ---------------------------------------------------------------- people

class Person:
    def __init__(self, g, private=True):
        self.sur, self.given, sr, gr = g.name()
        self.name = self.sur + " " + self.given
        self.kana = kata(sr) + " " + kata(gr)
        self.code, self.addr = g.address(office=not private)
        self.phone = g.phone()
        self.birth = g.birth()
        self.birth_text = g.fmt_birth(self.birth)
        self.email = g.email()


class Planted:
    """The distinct values planted in one message, per kind."""

    def __init__(self):
        self.sets = {}

    def add(self, kind, value):
        self.sets.setdefault(kind, set()).add(value)

    def person(self, p):
        self.add("person_record", (p.name, p.addr))

    def counts(self):
        return {k: len(v) for k, v in sorted(self.sets.items()) if v}


# ---------------------------------------------------------------- files

def zip_bytes(members, date=ZIP_DATE):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            if not name.isascii():
                zi.flag_bits |= 0x800
            z.writestr(zi, data)
    return out.getvalue()


def refix_zip(data):
    """An OOXML package with every member dated ZIP_DATE (openpyxl and
    python-docx stamp the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    return zip_bytes([(n, src.read(n)) for n in src.namelist()])


def aes_zip(members, salt_source):
    """A WinZip AES-256 zip (AE-2, deflated) of [(name, data)]: PBKDF2-
    HMAC-SHA1 (1000 rounds) from PASSWORD and a 16-byte salt, AES-CTR with
    a little-endian counter from 1, HMAC-SHA1 over the ciphertext (first
    10 bytes). The salt is drawn from salt_source (the seeded generator),
    so the bytes are reproducible."""
    from cryptography.hazmat.primitives.ciphers import (Cipher, algorithms,
        modes)
    out = io.BytesIO()
    central = []
    dosdate = ((ZIP_DATE[0] - 1980) << 9) | (ZIP_DATE[1] << 5) | ZIP_DATE[2]
    dostime = (ZIP_DATE[3] << 11) | (ZIP_DATE[4] << 5) | (ZIP_DATE[5] // 2)
    for name, data in members:
        salt = bytes(salt_source.getrandbits(8) for _ in range(16))
        dk = hashlib.pbkdf2_hmac("sha1", PASSWORD, salt, 1000, 66)
        key, mac_key, verifier = dk[:32], dk[32:64], dk[64:66]
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        plain = comp.compress(data) + comp.flush()
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        blocks = (len(plain) + 15) // 16
        stream = enc.update(b"".join(struct.pack("<QQ", i + 1, 0)
            for i in range(blocks))) + enc.finalize()
        cipher = bytes(a ^ b for a, b in zip(plain, stream))
        mac = hmac.new(mac_key, cipher, hashlib.sha1).digest()[:10]
        body = salt + verifier + cipher + mac
        fname = name.encode("utf-8")
        # AES extra field: version 2 (AE-2), vendor "AE", strength 3
        # (AES-256), then the real compression method (8, deflate)
        extra = struct.pack("<HHH2sBH", 0x9901, 7, 2, b"AE", 3, 8)
        flags = 0x1 | (0x800 if not name.isascii() else 0)
        offset = out.tell()
        # AE-2: CRC 0; method 99 with the real method in the extra field
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034b50, 51, flags, 99,
            dostime, dosdate, 0, len(body), len(data), len(fname),
            len(extra)) + fname + extra + body)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 51,
            51, flags, 99, dostime, dosdate, 0, len(body), len(data),
            len(fname), len(extra), 0, 0, 0, 0o644 << 16, offset) + fname +
            extra)
    cd_start = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(central),
        len(central), cd_size, cd_start, 0))
    return out.getvalue()


def csv_text(rows):
    def cell(s):
        s = str(s)
        return '"%s"' % s.replace('"', '""') if any(c in s for c in
            ',"\n') else s
    return "\r\n".join(",".join(cell(c) for c in row) for row in rows) + \
        "\r\n"


def xlsx_bytes(rows, sheet="名簿"):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append([str(c) for c in row])
    wb.properties.creator = "dlp-milter eval"
    wb.properties.created = datetime.datetime(*ZIP_DATE)
    wb.properties.modified = datetime.datetime(*ZIP_DATE)
    buf = io.BytesIO()
    wb.save(buf)
    return refix_zip(buf.getvalue())


def docx_bytes(title, paragraphs, rows=None):
    import docx
    doc = docx.Document()
    doc.core_properties.author = "dlp-milter eval"
    doc.core_properties.created = datetime.datetime(*ZIP_DATE)
    doc.core_properties.modified = datetime.datetime(*ZIP_DATE)
    doc.core_properties.last_printed = datetime.datetime(*ZIP_DATE)
    if title:
        doc.add_heading(title, level=1)
    for p in paragraphs:
        doc.add_paragraph(p)
    if rows:
        # row by row: Table.cell() walks the whole table on every call
        t = doc.add_table(rows=0, cols=len(rows[0]))
        for row in rows:
            cells = t.add_row().cells
            for cell, c in zip(cells, row):
                cell.text = str(c)
    buf = io.BytesIO()
    doc.save(buf)
    return refix_zip(buf.getvalue())


# ---------------------------------------------------------------- MIME

BODY_FORMATS = [("utf-8", "base64"), ("utf-8", "quoted-printable"),
    ("iso-2022-jp", "7bit"), ("Shift_JIS", "base64"), ("utf-8", "8bit")]
PY_CODEC = {"utf-8": "utf-8", "iso-2022-jp": "iso2022_jp",
    "Shift_JIS": "cp932"}


def text_part(text, charset, cte, ctype="text/plain"):
    """A text leaf; falls back to UTF-8 when text does not fit charset."""
    try:
        text.encode(PY_CODEC[charset])
    except UnicodeEncodeError:
        charset, cte = "utf-8", "base64"
    return gen_mail.leaf(text, ctype=ctype, charset=charset, cte=cte,
        encoding=PY_CODEC[charset]), "%s/%s" % (charset, cte)


def attachment(data, ctype, filename, charset=None):
    part = Message()
    part["Content-Type"] = ctype
    if charset:
        part.set_param("charset", charset)
    part.set_param("name", filename if filename.isascii() else
        ("utf-8", "", filename))
    part["Content-Disposition"] = "attachment"
    part.set_param("filename", filename if filename.isascii() else
        ("utf-8", "", filename), header="Content-Disposition")
    part["Content-Transfer-Encoding"] = "base64"
    import base64
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return part


class Corpus:
    def __init__(self, g):
        self.g = g
        self.r = g.rng
        self.items = []  # (id, bytes, label)

    def sender(self):
        s, g, sr, gr = self.g.name()
        return s + " " + g, "%s.%s@%s" % (self.r.choice(SYLLABLES) +
            self.r.choice(SYLLABLES), self.r.choice(SYLLABLES) +
            self.r.choice(SYLLABLES), SENDER_DOMAIN)

    def body_format(self):
        return self.r.choice(BODY_FORMATS)

    def emit(self, category, subject, body, planted, expect,
            attachments=(), html=False, body_format=None, note=""):
        """Build the message: body text (plain or HTML) and attachments
        [(data, ctype, filename, charset, what)]."""
        n = len(self.items) + 1
        mid = "e%04d" % n
        charset, cte = body_format or self.body_format()
        part, fmt = text_part(body, charset, cte,
            "text/html" if html else "text/plain")
        formats = [("html " if html else "") + fmt]
        if attachments:
            parts = [part]
            for data, ctype, fname, acs, what in attachments:
                parts.append(attachment(data, ctype, fname, acs))
                formats.append(what)
            msg = gen_mail.multipart("mixed", parts, self.g.boundary())
        else:
            msg = part
        _, addr = self.sender()
        gen_mail.headers(msg, subject, addr, RCPT, mid + ".eval")
        label = {"expect": expect, "planted": planted.counts(),
            "category": category, "format": formats}
        if note:
            label["note"] = note
        self.items.append((mid, gen_mail.to_bytes(msg), label))

    # ---- pieces of text

    def greeting(self, company=None):
        return "%s\n%s様\n\nいつもお世話になっております。\n" % (
            company or self.g.company(), self.g.name()[0])

    def signature(self, pl, with_mobile=None):
        """The sender's signature: name, company, office address, phone,
        mail. Plants the phones and the mail address (an office address
        beside a name is not a person record)."""
        g, r = self.g, self.r
        p = Person(g, private=False)
        tel = g.phone()
        pl.add("phone", tel)
        lines = ["--", g.company(), "%s %s" % (r.choice(DEPTS), p.name)]
        code, addr = g.address(office=True)
        lines.append("〒%s %s" % (postal(code), addr))
        lines.append(r.choice(["TEL: ", "TEL ", "電話：", "Tel. "]) + tel)
        if with_mobile or (with_mobile is None and r.random() < .3):
            mob = "0%d0-%s-%s" % (r.choice([9, 8]), g.digits(4),
                g.digits(4, False))
            pl.add("phone", mob)
            lines.append("携帯: " + mob)
        mail = g.email(r.choice(["example.co.jp", "example.com"]))
        pl.add("email", mail)
        lines.append("Mail: " + mail)
        return "\n".join(lines) + "\n"

    # ---- person tables

    def roster_rows(self, people, cols):
        head = {"no": "No.", "name": "氏名", "kana": "フリガナ",
            "postal": "郵便番号", "addr": "住所", "phone": "電話番号",
            "birth": "生年月日", "email": "メールアドレス",
            "my_number": "個人番号", "dept": "所属",
            "license": "運転免許証番号", "residence": "在留カード番号",
            "insurer": "保険者番号", "symbol": "被保険者証記号・番号",
            "passport": "旅券番号"}
        rows = [[head[c] for c in cols]]
        for i, p in enumerate(people, 1):
            row = []
            for c in cols:
                v = {"no": str(i), "name": p.name, "kana": p.kana,
                    "postal": postal(p.code), "addr": p.addr,
                    "phone": p.phone, "birth": p.birth_text,
                    "email": p.email, "dept": getattr(p, "dept", "")}.get(c)
                if v is None:
                    v = p.extra[c]
                row.append(v)
            rows.append(row)
        return rows

    def plant_people(self, pl, people, cols):
        for p in people:
            pl.person(p)
            if "phone" in cols:
                pl.add("phone", p.phone)
            if "birth" in cols:
                pl.add("birth_date", p.birth.isoformat())
            if "email" in cols:
                pl.add("email", p.email)
            for c, kind in (("my_number", "my_number"),
                    ("license", "drivers_license"),
                    ("residence", "residence_card"),
                    ("insurer", "health_insurance"),
                    ("symbol", "health_insurance"),
                    ("passport", "passport")):
                if c in cols:
                    pl.add(kind, p.extra[c])

    def table_attachment(self, rows, stem, fmt=None):
        """rows as an attachment in one of the corpus's formats."""
        fmt = fmt or self.r.choice(["csv-cp932", "csv-utf8", "xlsx", "docx",
            "zip-csv", "txt"])
        if fmt == "csv-cp932":
            return (csv_text(rows).encode("cp932"), "text/csv",
                stem + ".csv", "Shift_JIS", fmt)
        if fmt == "csv-utf8":
            return (("\ufeff" + csv_text(rows)).encode("utf-8"), "text/csv",
                stem + ".csv", "utf-8", fmt)
        if fmt == "xlsx":
            return (xlsx_bytes(rows), CT_XLSX, stem + ".xlsx", None, fmt)
        if fmt == "docx":
            return (docx_bytes(stem, ["以下の通りです。"], rows), CT_DOCX,
                stem + ".docx", None, fmt)
        if fmt == "zip-csv":
            inner = csv_text(rows).encode("cp932")
            return (zip_bytes([(stem + ".csv", inner)]), "application/zip",
                stem + ".zip", None, fmt)
        text = "\n".join("\t".join(r) for r in rows) + "\n"
        return (text.encode("utf-8"), "text/plain", stem + ".txt", "utf-8",
            fmt)

    def people(self, n, extra=()):
        out, names = [], set()
        while len(out) < n:
            p = Person(self.g)
            if p.name in names:
                continue
            names.add(p.name)
            p.extra = {}
            for c in extra:
                p.extra[c] = self.id_value(c)
            out.append(p)
        return out

    def id_value(self, c):
        g = self.g
        if c == "my_number":
            return fmt_444(g.my_number(), self.r.choice(["-", " ", ""]))
        if c == "license":
            return g.license()
        if c == "residence":
            return g.residence_card()
        if c == "insurer":
            return self.insurer_shared
        if c == "symbol":
            return "記号 %s 番号 %d" % (g.digits(4), self.r.randint(1, 999))
        if c == "passport":
            return g.passport()
        raise ValueError(c)

    # ---- block categories

    def my_number_form(self):
        g, r = self.g, self.r
        pl = Planted()
        p = Person(g)
        n = g.my_number()
        w = r.choice([fmt_444(n), fmt_444(n, " "), n,
            gen_mail.to_fullwidth(fmt_444(n, " "))])
        label = r.choice(["個人番号", "マイナンバー", "個人番号（マイナンバー）"])
        pl.add("my_number", n)
        lines = ["【扶養控除等申告書 記載内容】", "氏名：" + p.name,
            "%s：%s" % (label, w)]
        if r.random() < .5:
            lines.append("生年月日：" + p.birth_text)
            pl.add("birth_date", p.birth.isoformat())
        if r.random() < .4:
            lines.append("住所：〒%s %s" % (postal(p.code), p.addr))
            pl.person(p)
        text = self.greeting() + "\n手続きに必要な情報をお送りします。\n\n" + \
            "\n".join(lines) + "\n\nご確認をお願いいたします。\n"
        if r.random() < .4:
            att = self.table_attachment([["項目", "内容"]] + [
                l.split("：", 1) for l in lines[1:]], "shinsei",
                r.choice(["csv-cp932", "xlsx", "docx", "txt"]))
            body = self.greeting() + "\n申告書の内容を添付します。\n" + \
                self.signature(pl)
            self.emit("my-number-form", "扶養控除等申告書の件", body, pl,
                "block", [att])
        else:
            self.emit("my-number-form", "マイナンバーの件", text +
                self.signature(pl), pl, "block")

    def my_number_roster(self):
        r = self.r
        pl = Planted()
        n = r.randint(5, 30)
        cols = ["no", "name", "kana", "my_number", "birth", "postal", "addr"]
        ppl = self.people(n, ["my_number"])
        rows = self.roster_rows(ppl, cols)
        self.plant_people(pl, ppl, cols)
        # planted My Numbers are the digits
        pl.sets["my_number"] = {"".join(c for c in p.extra["my_number"]
            if c.isdigit()) for p in ppl}
        att = self.table_attachment(rows, "kojin_bango_meibo")
        body = self.greeting() + "\n従業員の個人番号一覧をお送りします。\n" + \
            self.signature(pl)
        self.emit("my-number-roster", "個人番号一覧", body, pl, "block",
            [att])

    def pension(self):
        g, r = self.g, self.r
        pl = Planted()
        p = Person(g)
        k = g.pension()
        w = r.choice([k[:4] + "-" + k[4:], k[:4] + " " + k[4:], k])
        label = r.choice(["基礎年金番号", "年金番号", "年金手帳の番号"])
        pl.add("pension_number", k)
        text = self.greeting() + "\n資格取得届の件、下記の通りです。\n\n" + \
            "氏名：%s（%s）\n%s：%s\n" % (p.name, p.kana, label, w)
        if r.random() < .5:
            text += "生年月日：%s\n" % p.birth_text
            pl.add("birth_date", p.birth.isoformat())
        self.emit("pension", "資格取得届", text + "\n" + self.signature(pl),
            pl, "block")

    def roster(self, category="roster", n=None, expect="block",
            encrypted=False):
        r = self.r
        pl = Planted()
        n = n or r.choice([r.randint(5, 12), r.randint(10, 40),
            r.randint(25, 60)])
        cols = ["name", "postal", "addr"]
        if r.random() < .5:
            cols.insert(0, "no")
        for c, prob in (("kana", .5), ("phone", .6), ("birth", .4),
                ("email", .3)):
            if r.random() < prob:
                cols.append(c)
        if r.random() < .3:
            cols.remove("postal")
        ppl = self.people(n)
        rows = self.roster_rows(ppl, cols)
        if "postal" not in cols:
            i = cols.index("addr")
            for row, p in zip(rows[1:], ppl):
                row[i] = "〒%s %s" % (postal(p.code), p.addr)
        stem = r.choice(["meibo", "kaiin_meibo", "sankasha_list",
            "customer_list", "名簿"])
        if encrypted:
            inner = self.table_attachment(rows, stem, r.choice(["csv-cp932",
                "xlsx", "csv-utf8"]))
            data = aes_zip([(inner[2], inner[0])], r)
            att = (data, "application/zip", stem + ".zip", None,
                "winzip-aes-256 zip of " + inner[4])
            body = self.greeting() + "\n名簿をパスワード付きzipでお送りします。" \
                "パスワードは別途お知らせします。\n" + self.signature(pl)
            self.emit(category, "名簿送付（暗号化）", body, pl, expect, [att])
            return
        self.plant_people(pl, ppl, cols)
        if r.random() < .2:
            # inline in the body
            lines = [" ".join(row) for row in rows]
            body = self.greeting() + "\n参加者名簿は以下の通りです。\n\n" + \
                "\n".join(lines) + "\n\n" + self.signature(pl)
            self.emit(category, "参加者名簿", body, pl, expect)
            return
        att = self.table_attachment(rows, stem)
        body = self.greeting() + "\n名簿を添付します。ご確認ください。\n" + \
            self.signature(pl)
        self.emit(category, "名簿送付", body, pl, expect, [att])

    def id_roster(self):
        r = self.r
        pl = Planted()
        n = r.randint(5, 25)
        idcol = r.choice([["license"], ["residence"], ["insurer", "symbol"],
            ["passport"]])
        self.insurer_shared = self.g.insurer()
        cols = ["name", "postal", "addr", "birth"] + idcol
        ppl = self.people(n, idcol)
        rows = self.roster_rows(ppl, cols)
        self.plant_people(pl, ppl, cols)
        att = self.table_attachment(rows, "shain_meibo")
        body = self.greeting() + "\n社員情報の一覧を添付します。\n" + \
            self.signature(pl)
        self.emit("id-roster", "社員情報一覧", body, pl, "block", [att])

    def credit_card(self):
        g, r = self.g, self.r
        pl = Planted()
        lines = []
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            c = g.card()
            pl.add("credit_card", c)
            lines.append("%s：%s　有効期限：%02d/%02d" % (r.choice(
                ["カード番号", "クレジットカード番号", "クレジットカード"]),
                fmt_card(c, r.choice(["-", " ", "-"])) if r.random() < .8
                else c, r.randint(1, 12), r.randint(27, 31)))
        text = self.greeting() + "\nお支払いのカード情報をお送りします。\n\n" + \
            "\n".join(lines) + "\n\n" + self.signature(pl)
        self.emit("credit-card", "お支払い情報", text, pl, "block")

    def classification(self):
        r = self.r
        pl = Planted()
        lab = r.choice(BLOCK_LABELS)
        pl.add("classification", lab)
        head = r.choice(["【%s】", "%s", "［%s］", "取扱区分：%s"]) % lab
        doc = [head, "%s 事業計画（案）" % self.g.company(),
            "1. 背景", "来期の重点施策について以下にまとめる。",
            "2. 施策", "新規顧客の獲得と既存顧客の維持を進める。"]
        if r.random() < .5:
            att = (docx_bytes(None, doc), CT_DOCX, "keikaku.docx", None,
                "docx")
            body = self.greeting() + "\n資料を添付します。\n" + \
                self.signature(pl)
            self.emit("classification", "資料送付", body, pl, "block", [att])
        else:
            body = "\n".join(doc) + "\n\n" + self.signature(pl)
            self.emit("classification", "%s 事業計画" % head, body, pl,
                "block")

    # ---- pass categories

    def signature_mail(self):
        r = self.r
        pl = Planted()
        topic = r.choice(["打ち合わせの日程についてご連絡いたします。\n"
            "11月28日（金）14:00〜15:00でいかがでしょうか。",
            "先日はお時間をいただきありがとうございました。\n"
            "資料は来週中にお送りいたします。",
            "お見積りの件、社内で確認のうえ改めてご連絡いたします。",
            "納品物を本日発送いたしました。到着まで今しばらくお待ちください。"])
        body = self.greeting() + "\n" + topic + "\n\nよろしくお願いいたします。\n\n" \
            + self.signature(pl)
        self.emit("signature", "ご連絡", body, pl, "pass")

    def business_contact(self):
        g, r = self.g, self.r
        pl = Planted()
        p = Person(g, private=False)
        tel = g.phone()
        pl.add("phone", tel)
        mail = g.email("example.co.jp")
        pl.add("email", mail)
        card = "\n".join([g.company(), "%s %s（%s）" % (r.choice(DEPTS),
            p.name, p.kana), "〒%s %s" % (postal(p.code), p.addr),
            "TEL %s" % tel, "E-mail %s" % mail])
        body = self.greeting() + "\n弊社の新しい担当者をご紹介します。\n\n" + \
            card + "\n\n今後ともよろしくお願いいたします。\n\n" + \
            self.signature(pl)
        self.emit("business-contact", "担当者変更のお知らせ", body, pl, "pass")

    def single_person(self):
        g, r = self.g, self.r
        pl = Planted()
        p = Person(g)
        pl.person(p)
        pl.add("phone", p.phone)
        body = self.greeting() + "\n下記のお届け先へ発送をお願いします。\n\n" + \
            "お届け先：〒%s %s\n%s 様\nTEL：%s\n" % (postal(p.code), p.addr,
                p.name, p.phone) + "\n" + self.signature(pl)
        self.emit("single-person", "発送のお願い", body, pl, "pass")

    def single_id(self):
        g, r = self.g, self.r
        pl = Planted()
        p = Person(g)
        k = r.randrange(6)
        lines = ["氏名：%s" % p.name]
        if k == 0:
            v = g.passport()
            pl.add("passport", v)
            lines.append(r.choice(["旅券番号", "パスポート番号"]) + "：" + v)
            lines.append("生年月日：" + p.birth_text)
            pl.add("birth_date", p.birth.isoformat())
            what = "航空券の手配"
        elif k == 1:
            v = g.license()
            pl.add("drivers_license", v)
            lines.append(r.choice(["運転免許証番号", "免許証番号"]) + "：" + v)
            what = "レンタカーの予約"
        elif k == 2:
            v = g.residence_card()
            pl.add("residence_card", v)
            lines.append("在留カード番号：" + v)
            what = "入社手続き"
        elif k == 3:
            ins = g.insurer()
            sym = "記号 %s 番号 %d" % (g.digits(4), r.randint(1, 999))
            pl.add("health_insurance", ins)
            pl.add("health_insurance", sym)
            lines.append("保険者番号：" + ins)
            lines.append("被保険者証 " + sym)
            what = "健康保険の手続き"
        elif k == 4:
            acct = g.digits(7, False)
            pl.add("bank_account", acct)
            lines.append("振込先：%s %s 普通預金 口座番号 %s" % (
                r.choice(BANKS), r.choice(BRANCHES), acct))
            what = "経費精算の振込先"
        else:
            kigo = "1%s0" % g.digits(3, False)
            ban = g.digits(7, False) + "1"
            pl.add("bank_account", kigo + ban)
            lines.append("ゆうちょ銀行 記号 %s 番号 %s" % (kigo, ban))
            what = "謝礼の振込先"
        body = self.greeting() + "\n%sの件、以下の通りです。\n\n" % what + \
            "\n".join(lines) + "\n\n" + self.signature(pl)
        self.emit("single-id", what, body, pl, "pass")

    def small_roster(self):
        self.roster("small-roster", n=self.r.randint(2, ROSTER_MIN - 1),
            expect="pass")

    def invoice(self):
        g, r = self.g, self.r
        pl = Planted()
        corp = g.corporate()
        pl.add("invoice_number", "T" + corp)
        order = g.twelve(passes=r.random() < .3)
        lines = ["請求書", "", "請求番号：%s" % order,
            "発行日：2026年11月%d日" % r.randint(1, 28),
            "適格請求書発行事業者 登録番号：T%s" % corp, "",
            "品名\t数量\t単価\t金額"]
        total = 0
        for _ in range(r.randint(2, 6)):
            q, u = r.randint(1, 50), r.randint(1, 300) * 100
            total += q * u
            lines.append("%s\t%d\t%s円\t%s円" % (r.choice(PRODUCTS), q,
                "{:,}".format(u), "{:,}".format(q * u)))
        lines.append("合計（税込）\t\t\t￥{:,}".format(total * 11 // 10))
        if r.random() < .5:
            acct = g.digits(7, False)
            pl.add("bank_account", acct)
            lines.append("お振込先：%s %s 普通 %s" % (r.choice(BANKS),
                r.choice(BRANCHES), acct))
        doc = "\n".join(lines) + "\n"
        if r.random() < .5:
            att = self.table_attachment([l.split("\t") for l in lines if l],
                "seikyusho", r.choice(["xlsx", "csv-cp932", "txt"]))
            body = self.greeting() + "\n請求書を添付いたします。\n" + \
                self.signature(pl)
            self.emit("invoice", "請求書送付のご案内", body, pl, "pass", [att])
        else:
            self.emit("invoice", "請求書", self.greeting() + "\n" + doc +
                "\n" + self.signature(pl), pl, "pass")

    def price_list(self):
        g, r = self.g, self.r
        pl = Planted()
        rows = [["品番", "JANコード", "品名", "単価（税抜）"]]
        for _ in range(r.randint(10, 40)):
            code = g.twelve(passes=r.random() < .35)
            rows.append([code, g.jan(), r.choice(PRODUCTS),
                "{:,}".format(r.randint(1, 500) * 10)])
        fmt = r.choice(["csv-cp932", "csv-utf8", "xlsx", "body", "body"])
        if fmt == "body":
            text = self.greeting() + "\n2027年度の価格表をお送りします。\n\n" + \
                "\n".join("  ".join(row) for row in rows) + "\n\n" + \
                self.signature(pl)
            self.emit("price-list", "価格表のご案内", text, pl, "pass")
        else:
            att = self.table_attachment(rows, "price_list", fmt)
            body = self.greeting() + "\n最新の価格表を添付します。\n" + \
                self.signature(pl)
            self.emit("price-list", "価格表", body, pl, "pass", [att])

    def order(self):
        g, r = self.g, self.r
        pl = Planted()
        shop_tel = g.phone()
        pl.add("phone", shop_tel)
        ts = g.timestamp()
        track = g.yamato()
        lines = ["ご注文ありがとうございます。", "",
            "ご注文番号：%s" % g.twelve(passes=r.random() < .4),
            "ご注文日時：%s" % ts,
            "お問い合わせ伝票番号：%s" % r.choice([fmt_444(track), track]),
            "受付ID：%s%s" % (ts, g.digits(4, False)),
            "商品：%s ×%d" % (r.choice(PRODUCTS), r.randint(1, 5)),
            "", "ショップお問い合わせ：%s" % shop_tel]
        self.emit("order", "ご注文確認", "\n".join(lines) + "\n", pl, "pass")

    def newsletter(self):
        g, r = self.g, self.r
        pl = Planted()
        unsub = g.email("news.example.co.jp")
        pl.add("email", unsub)
        co = g.company()
        items = ["■ 新製品「%s」発売のお知らせ（12月1日より）" % r.choice(
            PRODUCTS), "■ 年末年始の営業日：12月29日〜1月3日は休業します",
            "■ セミナー開催：2026年12月10日 14:00〜16:00 参加費 3,000円",
            "■ 個人情報の取り扱いについては当社の個人情報保護方針をご覧ください"]
        if r.random() < .5:
            html = ("<html><body><h1>%s ニュースレター 第%d号</h1><ul>%s</ul>"
                "<p>配信停止は <a href=\"mailto:%s\">%s</a> まで。</p>"
                "</body></html>\n" % (co, r.randint(10, 200), "".join(
                    "<li>%s</li>" % i for i in items), unsub, unsub))
            self.emit("newsletter", "ニュースレター", html, pl, "pass",
                html=True)
        else:
            text = "%s ニュースレター 第%d号\n\n%s\n\n配信停止：%s\n" % (co,
                r.randint(10, 200), "\n".join(items), unsub)
            self.emit("newsletter", "ニュースレター", text, pl, "pass")

    def press_release(self):
        g, r = self.g, self.r
        pl = Planted()
        co = g.company()
        corp = g.corporate()
        pl.add("corporate_number", corp)
        ceo = Person(g, private=False)
        code, addr = g.address(office=True)
        tel = g.phone()
        pl.add("phone", tel)
        mail = g.email("example.co.jp")
        pl.add("email", mail)
        text = ("報道関係各位\n\n2026年11月21日\n%s\n\n%s、新サービスの提供を開始\n\n"
            "%s（本社：%s、代表取締役社長：%s）は、本日より新サービスの提供を"
            "開始いたします。\n\n【会社概要】\n会社名：%s\n所在地：〒%s %s\n"
            "代表者：代表取締役社長 %s\n法人番号：%s\n設立：%d年\n資本金：%s円\n\n"
            "【本件に関するお問い合わせ】\n広報部 TEL：%s E-mail：%s\n" % (
                co, co, co, next(x for x in PREFS if addr.startswith(x)),
                ceo.name, co, postal(code), addr, ceo.name, corp,
                r.randint(1950, 2020), "{:,}".format(r.randint(1, 900) *
                    1000000), tel, mail))
        self.emit("press-release", "プレスリリース", text, pl, "pass")

    def hard_numbers(self):
        g, r = self.g, self.r
        pl = Planted()
        tel = "0%d%s%s" % (r.choice([3, 6]), g.digits(4), g.digits(4))
        pl.add("phone", tel)
        lines = ["システムメンテナンスのお知らせ", "",
            "作業日時：%s〜%s" % (g.timestamp(), g.timestamp()),
            "ジョブID：%s" % g.twelve(passes=True),
            "シリアル番号：%s" % g.twelve(passes=r.random() < .5),
            "管理番号：%s" % g.digits(10),
            "受注番号：%s（金額 %s円）" % (g.digits(10), "{:,}".format(
                r.randint(1, 999) * 1000)),
            "お問い合わせ番号：%s" % g.not_card16(),
            "連絡先 TEL %s" % tel,
            "ロット：%s-%s" % (g.digits(4), g.digits(8))]
        r.shuffle(lines[2:])
        self.emit("hard-numbers", "メンテナンスのお知らせ", "\n".join(lines) +
            "\n", pl, "pass")

    def form_example(self):
        g, r = self.g, self.r
        pl = Planted()
        lines = ["【申込書の書き方】", ""]
        notes = []
        for _ in range(r.randint(1, 3)):
            p = Person(g)
            if r.random() < .5:
                while True:
                    code = g.digits(7, False)
                    if code not in g.zipset:
                        break
                notes.append("nonexistent postal code")
            else:
                # a real code of another prefecture than the address
                pref = next(x for x in PREFS if p.addr.startswith(x))
                while True:
                    code, opref, _ = r.choice(g.zips)
                    if opref != pref:
                        break
                notes.append("postal code of another prefecture")
            lines.append("記入例：〒%s %s　%s" % (postal(code), p.addr,
                p.name))
        lines.append("※ 上記は記入例です。実在の人物・住所ではありません。")
        self.emit("form-example", "申込書の記入例", self.greeting() + "\n" +
            "\n".join(lines) + "\n\n" + self.signature(pl), pl, "pass",
            note=", ".join(sorted(set(notes))))

    def encrypted_roster(self):
        if self.r.random() < .8:
            self.roster("encrypted-roster", expect="pass", encrypted=True)
            return
        pl = Planted()
        doc = [self.r.choice(BLOCK_LABELS), "人事異動（案）",
            "内示前につき取扱いに注意すること。"]
        data = aes_zip([("jinji.docx", docx_bytes(None, doc))], self.r)
        att = (data, "application/zip", "jinji.zip", None,
            "winzip-aes-256 zip of docx")
        body = self.greeting() + "\n資料をパスワード付きzipでお送りします。\n" + \
            self.signature(pl)
        self.emit("encrypted-roster", "資料（暗号化）", body, pl, "pass", [att])

    def plain(self):
        r = self.r
        pl = Planted()
        text = r.choice(["明日の会議は10時から第3会議室で行います。\n資料は各自印刷して"
            "お持ちください。\n", "来週の出張の件、新幹線は9時発ののぞみを予約しました。\n",
            "今期の売上は前年比112%となりました。詳細は月曜の定例で報告します。\n",
            "Thank you for your message. I will reply by Friday.\n"])
        self.emit("plain", "連絡", self.greeting() + "\n" + text, pl, "pass")

    def classification_prose(self):
        r = self.r
        pl = Planted()
        text = r.choice(["社長秘書の%sです。来週の予定をお送りします。\n",
            "機密性の高い情報はメールで送らないよう、%s から改めて周知します。\n",
            "当社の個人情報保護方針は Web サイトに掲載しています（%s）。\n",
            "新製品の開発は極秘裏に進められてきましたが、本日%sが発表しました。\n"]) \
            % self.g.company()
        self.emit("classification-prose", "ご案内", self.greeting() + "\n" +
            text + "\n" + self.signature(pl), pl, "pass")

    def build(self):
        makers = {"my-number-form": self.my_number_form,
            "my-number-roster": self.my_number_roster,
            "pension": self.pension, "roster": self.roster,
            "id-roster": self.id_roster, "credit-card": self.credit_card,
            "classification": self.classification,
            "signature": self.signature_mail,
            "business-contact": self.business_contact,
            "single-person": self.single_person,
            "single-id": self.single_id, "small-roster": self.small_roster,
            "invoice": self.invoice, "price-list": self.price_list,
            "order": self.order, "newsletter": self.newsletter,
            "press-release": self.press_release,
            "hard-numbers": self.hard_numbers,
            "form-example": self.form_example,
            "encrypted-roster": self.encrypted_roster, "plain": self.plain,
            "classification-prose": self.classification_prose}
        order = [c for c, n in PLAN for _ in range(n)]
        self.r.shuffle(order)
        for c in order:
            makers[c]()
        return self.items


def generate(outdir, seed=SEED):
    sur, given = load_jinmei()
    zips = load_zipcodes()
    if len(sur) < 1000 or len(given) < 1000 or len(zips) < 10000:
        raise RuntimeError("too few names or postal codes read (%d, %d, "
            "%d): is skkdic-extra installed?" % (len(sur), len(given),
                len(zips)))
    g = Gen(seed, sur, given, zips)
    items = Corpus(g).build()
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):
        if name.endswith(".eml"):
            os.unlink(os.path.join(outdir, name))
    labels = {}
    for mid, data, label in items:
        with open(os.path.join(outdir, mid + ".eml"), "wb") as f:
            f.write(data)
        labels[mid] = label
    doc = {"seed": seed, "generator": "tests/eval/gen_eval.py",
        "roster_min": ROSTER_MIN, "sources": {"names": JINMEI,
            "addresses": ZIPCODE, "surnames": len(sur),
            "given_names": len(given), "postal_codes": len(zips)},
        "messages": labels}
    with open(os.path.join(outdir, "labels.json"), "w",
            encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    return labels


def e2e_samples(seed=SEED):
    """Three cases for tests/e2e/t_postfix, from the same sources:
    {"roster_csv": CP932 bytes of a CSV roster of 10 people (name, kana,
    postal code, address, phone), "signature_body": a mail body whose
    only personal data is the sender's signature, "price_list_body": a
    price list of 12-digit product codes (some pass the My Number check
    digit) with JAN codes and prices, no context word, "valid_codes":
    those passing codes}."""
    sur, given = load_jinmei()
    g = Gen(seed, sur, given, load_zipcodes())
    c = Corpus(g)
    ppl = c.people(10)
    rows = c.roster_rows(ppl, ["no", "name", "kana", "postal", "addr",
        "phone"])
    pl = Planted()
    sig = c.greeting() + "\n打ち合わせの資料は来週お送りします。\n\n" \
        "よろしくお願いいたします。\n\n" + c.signature(pl, with_mobile=True)
    codes, lines = [], ["品番  JANコード  品名  単価（税抜）"]
    for i in range(30):
        code = g.twelve(passes=i % 3 == 0)
        if i % 3 == 0:
            codes.append(code)
        lines.append("%s  %s  %s  %s円" % (code, g.jan(),
            PRODUCTS[i % len(PRODUCTS)], "{:,}".format((i + 1) * 120)))
    price = c.greeting() + "\n最新の価格表をお送りします。\n\n" + \
        "\n".join(lines) + "\n"
    return {"roster_csv": csv_text(rows).encode("cp932"),
        "signature_body": sig, "price_list_body": price,
        "valid_codes": codes}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--outdir", default="build/eval/corpus")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    labels = generate(args.outdir, args.seed)
    block = sum(1 for v in labels.values() if v["expect"] == "block")
    print("gen_eval: %d messages in %s (%d block, %d pass)" % (len(labels),
        args.outdir, block, len(labels) - block))
    return 0


if __name__ == "__main__":
    sys.exit(main())
