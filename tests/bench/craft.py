"""Ad-craft figures of a finished sweep (issue 12's closing-note figures), read from its files.

    python tests/bench/craft.py outputs/multirun/2026-12-01/10-00-00

Prints, over every ok video: the share quoting a customer verbatim (a quote card or a spoken quote),
the most reused body line (the CTA aside) and the share of products that speak it, the median and
lowest voice coverage and the median and longest silence inside the body, and the largest share of
a product box any text box covers. Reads manifest.json and timeline.json only: no render, no call.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def _overlap(a: list[int], b: list[int]) -> int:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def figures(roots: list[Path]) -> dict[str, object]:
    quoted, videos, coverage, gaps, worst = 0, 0, [], [], 0.0
    speakers: dict[str, set[str]] = defaultdict(set)
    products: set[str] = set()
    for path in sorted(p for root in roots for p in root.rglob("manifest.json")):
        m = json.loads(path.read_text())
        tl_path = path.with_name("timeline.json")
        if m.get("status") != "ok" or not tl_path.is_file():
            continue
        tl = json.loads(tl_path.read_text())
        videos += 1
        products.add(m["product_id"])
        roles = {t["role"] for b in tl.get("boxes", ()) for t in b["text_boxes"]}
        spoken = " ".join(c["text"] for c in tl["voice"])
        quotes = (m.get("insights") or {}).get("quotes") or []
        verbatim = any(
            " ".join(q.strip('"“”').split()[:5]).lower() in spoken.lower() for q in quotes if len(q.split()) >= 5
        )
        quoted += "proof" in roles or "quote" in roles or verbatim
        coverage.append(tl["voice_coverage"])
        gaps.append(tl["longest_gap_s"])
        cta = tl["voice"][-1]["slot"] if tl["voice"] else None
        for cue in tl["voice"]:
            if cue["slot"] != cta and cue["slot"] != tl["shots"][0]["slot"]:
                speakers[cue["text"].strip().lower()].add(m["product_id"])
        for b in tl.get("boxes", ()):
            if b["product_box"] and b["product_box"][2] * b["product_box"][3]:
                area = b["product_box"][2] * b["product_box"][3]
                for t in b["text_boxes"]:
                    if t["role"] in ("hook", "body", "proof", "caption"):
                        worst = max(worst, _overlap(b["product_box"], t["box"]) / area)
    line, who = max(speakers.items(), key=lambda kv: len(kv[1]), default=("", set()))
    return {
        "videos": videos,
        "products": len(products),
        "quote_share": round(quoted / max(videos, 1), 3),
        "most_reused_line": line,
        "most_reused_share": round(len(who) / max(len(products), 1), 3),
        "coverage_median": round(statistics.median(coverage), 3) if coverage else None,
        "coverage_min": min(coverage, default=None),
        "gap_median_s": round(statistics.median(gaps), 3) if gaps else None,
        "gap_max_s": max(gaps, default=None),
        "max_text_over_product": round(worst, 4),
    }


if __name__ == "__main__":
    print(json.dumps(figures([Path(a) for a in sys.argv[1:]]), indent=1))
