#!/usr/bin/python3
"""eval - how accurate dlp-milter's detectors and default policy are on the
labelled corpus of tests/eval/gen_eval.py (make eval).

What it does: runs build/dlp-scan --json over every message of the corpus
twice, each time as a few long-running dlp-scan processes (2 in parallel,
each given a share of the files, so rules and dictionaries load once per
process):

  1. with the project's config (conf/dlp-milter.yaml; rules dir made
     absolute, nothing else changed): the action per message;
  2. with a counting config: the same, but policy.kinds gives every kind
     one threshold {confidence: LEVEL, min_count: 1, action: reject}, so
     that dlp-scan's reasons say "KIND: N distinct values at LEVEL
     confidence or higher": N is the found count of the kind at the level
     the policy uses (the JSON totals count every confidence).

The envelope is dlp-scan's default (an internal sender, an external
recipient: the config's internal_domains are example.jp, the corpus mails
partner@example.com), as in tests/gen/t_generated; a message reported as
skipped is an error.

Per kind, over all messages, from the label's planted count P and the
found count F:  TP = min(F, P), FP = max(0, F - P), FN = max(0, P - F);
precision, recall and F1 from their sums. LEVEL per kind mirrors the
policy: the lowest confidence at which the config's thresholds for the
kind stop mail (quarantine or reject: a tag is a note, not a claim that
the value is what the rule names); a kind the config does not list or
never stops on
uses LEVEL_DEFAULT below (person_record: medium; everything else: low,
i.e. every finding), because the `default:` entry is a catch-all, not a
decision about that kind; --level KIND=LEVEL overrides both. Kinds no loaded rule has are "no detector".

Per message: blocked = action reject or quarantine. Must-block recall
(blocked among expect=block), false-block rate (blocked among
expect=pass), action accuracy (blocked exactly when expect=block). Then
the false positives and misses by message id and kind.

Prints the report as Markdown and writes it to build/eval/accuracy.md,
with every per-message result in build/eval/results.json. Exit 0: it is
a measurement; --check exits 1 when a target is missed (F1 >= 0.98 per
kind with a detector, must-block recall >= 0.995, false-block rate <=
0.3 %) or a scan failed.

Use: tests/eval/eval.py [--corpus build/eval/corpus] [--jobs 2] [--check]
Needs Debian's python3 with python3-yaml.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CONFS = ["none", "low", "medium", "high"]
BLOCKING = ("reject", "quarantine")
# The kinds of issue 4, in the table's order, with their rule ids.
KINDS = [
    ("my_number", "jp.my_number"),
    ("pension_number", "jp.pension_number"),
    ("person_record", "jp.person_record"),
    ("phone", "jp.phone"),
    ("birth_date", "jp.birth_date"),
    ("email", "jp.email"),
    ("credit_card", "jp.credit_card, jp.credit_card_rounded"),
    ("bank_account", "jp.bank_account, jp.yucho_account"),
    ("passport", "jp.passport"),
    ("drivers_license", "jp.drivers_license"),
    ("residence_card", "jp.residence_card"),
    ("health_insurance",
     "jp.health_insurance_insurer, jp.health_insurance_symbol"),
    ("corporate_number", "jp.corporate_number"),
    ("invoice_number", "jp.invoice_number"),
    ("classification", "jp.classification"),
]
LEVEL_DEFAULT = {"person_record": "medium"}
TARGET_F1 = 0.98
TARGET_RECALL = 0.995
TARGET_FALSE_BLOCK = 0.003
LIST_MAX = 60  # ids per list in the report (all are in results.json)
REASON_RE = re.compile(r"^(\w+): (\d+) distinct values? at (\w+) "
                       r"confidence or higher")


def load_config(path):
    with open(path, encoding="utf-8") as f:
        cfg = yaml.safe_load(f) or {}
    rules_dir = (cfg.get("rules") or {}).get("dir", "../patterns")
    if not os.path.isabs(rules_dir):
        rules_dir = os.path.normpath(os.path.join(
            os.path.dirname(os.path.abspath(path)), rules_dir))
    cfg.setdefault("rules", {})["dir"] = rules_dir
    return cfg


def loaded_rules(rules_dir):
    """{kind: [rule ids]} of the rule files in rules_dir."""
    out = {}
    for name in sorted(os.listdir(rules_dir)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(rules_dir, name), encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
        for rule in doc.get("rules") or []:
            if isinstance(rule, dict) and rule.get("kind"):
                out.setdefault(rule["kind"], []).append(rule.get("id"))
    return out


def levels(cfg, kinds):
    """{kind: confidence level counted} mirroring the policy (see the
    module comment), and {kind: where the level came from}."""
    pol = (cfg.get("policy") or {}).get("kinds") or {}
    out, why = {}, {}
    for k in kinds:
        ths = pol.get(k)
        if ths:
            acting = [t.get("confidence", "high") for t in ths
                      if t.get("action", "accept") in BLOCKING]
            if acting:
                out[k] = min(acting, key=CONFS.index)
                why[k] = "policy"
                continue
        out[k] = LEVEL_DEFAULT.get(k, "low")
        why[k] = "eval default"
    return out, why


def write_configs(cfg, lv, outdir):
    """The policy config and the counting config; returns their paths."""
    os.makedirs(outdir, exist_ok=True)
    pol_path = os.path.join(outdir, "policy.yaml")
    with open(pol_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)
    count = json.loads(json.dumps(cfg))
    kinds = {k: [{"confidence": v, "min_count": 1, "action": "reject"}]
             for k, v in lv.items()}
    kinds["default"] = [{"confidence": "low", "min_count": 1,
                         "action": "reject"}]
    count.setdefault("policy", {})["kinds"] = kinds
    count["policy"]["mode"] = "enforce"
    cnt_path = os.path.join(outdir, "count.yaml")
    with open(cnt_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(count, f, allow_unicode=True, sort_keys=False)
    return pol_path, cnt_path


def scan_batch(scan, config, files, timeout):
    """{file: JSON object} from one dlp-scan process over files; files
    without a line are missing from the result."""
    out = {}
    try:
        r = subprocess.run([scan, "-c", config, "--json"] + files,
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return out, "timeout after %d s" % timeout
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and obj.get("file"):
            out[obj["file"]] = obj
    err = None
    if r.returncode != 0:
        err = "exit %d: %s" % (r.returncode,
                               r.stderr.decode("utf-8", "replace")[-300:])
    return out, err


def scan_all(scan, config, files, jobs, timeout):
    """Every file through dlp-scan in jobs processes; a file a batch did
    not report (a crash) is retried alone."""
    chunks = [files[i::jobs] for i in range(jobs)]
    results, errors = {}, []
    lock = threading.Lock()

    def work(chunk):
        got, err = scan_batch(scan, config, chunk, timeout)
        for f in chunk:
            if f not in got:
                one, e1 = scan_batch(scan, config, [f], 60)
                got.update(one)
                if f not in one:
                    with lock:
                        errors.append("%s: %s" % (os.path.basename(f),
                                                  e1 or err or "no output"))
        with lock:
            results.update(got)
    threads = [threading.Thread(target=work, args=(c,)) for c in chunks
               if c]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def found_counts(obj):
    """{kind: distinct values at the counted level} from the reasons of a
    counting-config scan."""
    out = {}
    for reason in obj.get("reasons") or []:
        m = REASON_RE.match(reason)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def consistency(cnt):
    """Errors in the counting pass: every kind with a total must have a
    reason that parses (else the reasons' wording changed and found counts
    would silently read 0), no count above the kind's total, and no
    skipped message."""
    errs = []
    for mid, obj in sorted(cnt.items()):
        if obj.get("skipped"):
            errs.append("%s: skipped (internal recipients?)" % mid)
            continue
        found = found_counts(obj)
        for t in obj.get("totals") or []:
            k, n = t.get("kind"), t.get("count") or 0
            if t.get("action") == "reject" and k not in found:
                errs.append("%s: no parsable reason for %s" % (mid, k))
            if found.get(k, 0) > n:
                errs.append("%s: %s counted %d above its total %d" % (
                    mid, k, found[k], n))
    return errs


def ratio(a, b):
    return a / b if b else None


def fmt(x, pct=False):
    if x is None:
        return "n/a"
    return "%.2f %%" % (100 * x) if pct else "%.4f" % x


def ids_text(items):
    items = list(items)
    s = ", ".join(items[:LIST_MAX])
    if len(items) > LIST_MAX:
        s += ", ... and %d more (build/eval/results.json)" % (
            len(items) - LIST_MAX)
    return s or "none"


def evaluate(labels, pol, cnt, lv, why, rules):
    per_kind = {k: {"tp": 0, "fp": 0, "fn": 0, "planted": 0, "found": 0,
                    "fp_ids": [], "fn_ids": []} for k, _ in KINDS}
    extra_kinds = set()
    msgs = {}
    for mid, lab in sorted(labels.items()):
        p_obj, c_obj = pol.get(mid), cnt.get(mid)
        found = found_counts(c_obj) if c_obj else {}
        for k in found:
            if k not in per_kind:
                extra_kinds.add(k)
        for k, st in per_kind.items():
            p = lab["planted"].get(k, 0)
            f = found.get(k, 0)
            st["planted"] += p
            st["found"] += f
            st["tp"] += min(f, p)
            st["fp"] += max(0, f - p)
            st["fn"] += max(0, p - f)
            if f > p:
                st["fp_ids"].append("%s (+%d)" % (mid, f - p))
            if p > f:
                st["fn_ids"].append("%s (-%d)" % (mid, p - f))
        action = p_obj.get("action") if p_obj else None
        msgs[mid] = {"category": lab["category"], "expect": lab["expect"],
                     "action": action,
                     "skipped": bool(p_obj and p_obj.get("skipped")),
                     "blocked": action in BLOCKING, "planted": lab["planted"],
                     "found": found,
                     "reasons": p_obj.get("reasons") if p_obj else None,
                     "format": lab.get("format")}
    return per_kind, msgs, extra_kinds


def report(doc, per_kind, msgs, lv, why, rules, errors, meta):
    out = []
    w = out.append
    n = len(msgs)
    block = [m for m in msgs.values() if m["expect"] == "block"]
    passm = [m for m in msgs.values() if m["expect"] == "pass"]
    w("# dlp-milter accuracy on the evaluation corpus")
    w("")
    w("Corpus: %d messages (%d must-block, %d must-pass), "
      "tests/eval/gen_eval.py seed %s. Rules: %s (ruleset %s). "
      "Config: %s. Scan time: %.1f s over %d processes (both passes)." % (
          n, len(block), len(passm), doc.get("seed"), meta["rules_dir"],
          meta["ruleset"], meta["config"], meta["elapsed"], meta["jobs"]))
    w("")
    w("## Per detector")
    w("")
    w("Found = distinct values per message at the confidence counted (or "
      "higher); TP = min(found, planted), FP = found - planted when "
      "positive, FN = planted - found when positive, summed over messages. "
      "Target F1 >= %.2f." % TARGET_F1)
    w("")
    w("| kind | rules loaded | counted at | planted | found | TP | FP | FN "
      "| precision | recall | F1 | target |")
    w("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
      "| ---: | --- |")
    for k, ids in KINDS:
        st = per_kind[k]
        have = rules.get(k)
        if not have:
            w("| %s | no detector (%s) | - | %d | %d | - | - | - | - | - | "
              "- | - |" % (k, ids, st["planted"], st["found"]))
            continue
        prec = ratio(st["tp"], st["tp"] + st["fp"])
        rec = ratio(st["tp"], st["tp"] + st["fn"])
        f1 = (2 * prec * rec / (prec + rec)) if prec and rec else \
            (0.0 if prec is not None and rec is not None else None)
        st.update(precision=prec, recall=rec, f1=f1)
        ok = f1 is not None and f1 >= TARGET_F1
        w("| %s | %s | %s (%s) | %d | %d | %d | %d | %d | %s | %s | %s | "
          "%s |" % (k, ", ".join(have), lv[k], why[k], st["planted"],
                    st["found"], st["tp"], st["fp"], st["fn"], fmt(prec),
                    fmt(rec), fmt(f1), "met" if ok else "**missed**"))
    w("")
    nb = sum(1 for m in block if m["blocked"])
    fb = sum(1 for m in passm if m["blocked"])
    correct = nb + len(passm) - fb
    rec = ratio(nb, len(block))
    fbr = ratio(fb, len(passm))
    acc = ratio(correct, n)
    meta["message"] = {"recall": rec, "false_block": fbr, "accuracy": acc}
    w("## Per message")
    w("")
    w("Blocked = action reject or quarantine under the config's policy.")
    w("")
    w("| measure | value | target |")
    w("| --- | ---: | --- |")
    w("| must-block recall | %d / %d = %s | >= %s: %s |" % (
        nb, len(block), fmt(rec), fmt(TARGET_RECALL, True).replace(
            " %", " %"), "met" if rec is not None and rec >= TARGET_RECALL
        else "**missed**"))
    w("| false-block rate | %d / %d = %s | <= %s: %s |" % (
        fb, len(passm), fmt(fbr, True), fmt(TARGET_FALSE_BLOCK, True),
        "met" if fbr is not None and fbr <= TARGET_FALSE_BLOCK else
        "**missed**"))
    w("| action accuracy | %d / %d = %s | |" % (correct, n, fmt(acc)))
    w("")
    w("| category | expect | messages | blocked | correct |")
    w("| --- | --- | ---: | ---: | ---: |")
    cats = {}
    for m in msgs.values():
        c = cats.setdefault((m["category"], m["expect"]), [0, 0, 0])
        c[0] += 1
        c[1] += m["blocked"]
        c[2] += m["blocked"] == (m["expect"] == "block")
    for (cat, exp), (cn, cb, cc) in sorted(cats.items(),
                                           key=lambda x: (x[0][1], x[0][0])):
        w("| %s | %s | %d | %d | %d |" % (cat, exp, cn, cb, cc))
    w("")
    w("## False positives and misses")
    w("")
    fbl = ["%s (%s: %s)" % (mid, m["category"], m["action"])
           for mid, m in sorted(msgs.items())
           if m["expect"] == "pass" and m["blocked"]]
    miss = ["%s (%s: %s)" % (mid, m["category"], m["action"])
            for mid, m in sorted(msgs.items())
            if m["expect"] == "block" and not m["blocked"]]
    w("- blocked, should pass (%d): %s" % (len(fbl), ids_text(fbl)))
    w("- passed, should be blocked (%d): %s" % (len(miss), ids_text(miss)))
    for k, _ in KINDS:
        st = per_kind[k]
        if not rules.get(k):
            continue
        w("- %s false positives (%d messages): %s" % (
            k, len(st["fp_ids"]), ids_text(st["fp_ids"])))
        w("- %s misses (%d messages): %s" % (
            k, len(st["fn_ids"]), ids_text(st["fn_ids"])))
    if errors:
        w("- scan failures (%d): %s" % (len(errors), ids_text(errors)))
    skipped = [mid for mid, m in sorted(msgs.items()) if m["skipped"]]
    if skipped:
        w("- reported as skipped (internal recipients?) (%d): %s" % (
            len(skipped), ids_text(skipped)))
    w("")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="build/eval/corpus")
    ap.add_argument("--config", default="conf/dlp-milter.yaml")
    ap.add_argument("--scan", default=os.environ.get("DLP_SCAN",
                                                     "build/dlp-scan"))
    ap.add_argument("--outdir", default="build/eval")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=900,
                    help="seconds per dlp-scan process")
    ap.add_argument("--level", action="append", default=[],
                    metavar="KIND=LEVEL",
                    help="count KIND at LEVEL (low, medium, high) instead "
                    "of the level the policy implies; repeatable")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    os.chdir(ROOT)

    with open(os.path.join(args.corpus, "labels.json"),
              encoding="utf-8") as f:
        doc = json.load(f)
    labels = doc["messages"]
    cfg = load_config(args.config)
    rules = loaded_rules(cfg["rules"]["dir"])
    kinds = [k for k, _ in KINDS] + sorted(set(rules) - {k for k, _ in
                                                         KINDS})
    lv, why = levels(cfg, kinds)
    for spec in args.level:
        k, _, level = spec.partition("=")
        if k not in lv or level not in CONFS[1:]:
            ap.error("--level %s: unknown kind or level" % spec)
        lv[k], why[k] = level, "--level"
    pol_cfg, cnt_cfg = write_configs(cfg, lv, args.outdir)

    files = [os.path.join(args.corpus, mid + ".eml")
             for mid in sorted(labels)]
    t0 = time.monotonic()
    pol_res, e1 = scan_all(args.scan, pol_cfg, files, args.jobs,
                           args.timeout)
    cnt_res, e2 = scan_all(args.scan, cnt_cfg, files, args.jobs,
                           args.timeout)
    elapsed = time.monotonic() - t0

    def by_id(res):
        return {os.path.basename(f)[:-4]: o for f, o in res.items()}
    pol, cnt = by_id(pol_res), by_id(cnt_res)
    errors_extra = consistency(cnt)
    per_kind, msgs, extra = evaluate(labels, pol, cnt, lv, why, rules)
    version = "?"
    try:
        with open(os.path.join(cfg["rules"]["dir"], "VERSION")) as f:
            version = f.read().strip()
    except OSError:
        pass
    meta = {"rules_dir": os.path.relpath(cfg["rules"]["dir"], ROOT),
            "ruleset": version, "config": args.config, "elapsed": elapsed,
            "jobs": args.jobs}
    errors = sorted(set(e1) | set(e2) | set(errors_extra))
    text = report(doc, per_kind, msgs, lv, why, rules, errors, meta)
    if extra:
        text += "Kinds found that the corpus does not label: %s\n" % \
            ", ".join(sorted(extra))
    sys.stdout.write(text)
    with open(os.path.join(args.outdir, "accuracy.md"), "w",
              encoding="utf-8") as f:
        f.write(text)
    res = {"levels": lv, "per_kind": per_kind, "messages": msgs,
           "errors": errors, "meta": meta}
    with open(os.path.join(args.outdir, "results.json"), "w",
              encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False, indent=1, sort_keys=True,
                  default=str)
        f.write("\n")
    if not args.check:
        return 0
    bad = [k for k, _ in KINDS if rules.get(k) and
           (per_kind[k].get("f1") is None or per_kind[k]["f1"] < TARGET_F1)]
    m = meta["message"]
    missed = bool(bad) or errors or m["recall"] is None or \
        m["recall"] < TARGET_RECALL or m["false_block"] is None or \
        m["false_block"] > TARGET_FALSE_BLOCK
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
