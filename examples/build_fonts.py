"""Rebuild the fonts adbatch renders with (src/adbatch/fonts/) from the registry packages they come from.

    python examples/build_fonts.py [--work /tmp/adbatch-fonts]

Downloads each source package with its ordinary client (``npm pack``, ``apt-get download``) into
``--work`` unless it is already there, subsets it with fontTools (Latin to the scripts DejaVu is kept
for, CJK to the GB 2312, Big5 level-1, JIS X 0208 and modern Hangul repertoires) and writes TTF/OTF
files plus each family's licence next to them. The table below is the whole recipe: to bump a font,
change its version there and rerun. Needs ``npm``, ``apt-get`` and ``dpkg-deb`` (Debian), and
fontTools (an adbatch dependency); WOFF (zlib) sources are read, so brotli is not needed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

OUT = Path(__file__).resolve().parents[1] / "src" / "adbatch" / "fonts"

# DejaVu is kept for Latin, Greek, Cyrillic, Armenian, Georgian, punctuation and the symbol blocks it
# always drew; Arabic and Hebrew go to Noto, the rest of its 6,000 glyphs is not needed for ad copy.
DEJAVU_RANGES = [
    (0x0020, 0x058F),  # Latin to Cyrillic Supplement, Armenian
    (0x10A0, 0x10FF),  # Georgian
    (0x1D00, 0x1FFF),  # phonetic extensions, Latin Extended Additional, Greek Extended
    (0x2000, 0x2BFF),  # punctuation, currency, letterlike, arrows, maths, shapes, dingbats
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFE20, 0xFE2F),  # combining half marks
    (0xFFFD, 0xFFFD),  # replacement character
]
CJK_COMMON = [(0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3200, 0x33FF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF)]


@dataclass(frozen=True)
class Source:
    """A registry package: how to fetch it and where its licence text is inside it."""

    kind: str  # "npm" or "deb"
    name: str
    version: str
    licence: str  # path of the licence inside the unpacked package


@dataclass(frozen=True)
class Build:
    """One output file: which file of which package, and which characters to keep (None: all)."""

    out: str
    source: Source
    file: str
    font_number: int = 0
    ranges: tuple[tuple[int, int], ...] | None = None
    codec_chars: tuple[str, ...] = ()  # legacy encodings whose whole repertoire is kept (CJK)


DEJAVU = Source("npm", "dejavu-fonts-ttf", "2.37.3", "LICENSE")
NOTO_CJK = Source("deb", "fonts-noto-cjk", "1:20220127+repack1-1", "usr/share/doc/fonts-noto-cjk/copyright")
CJK_TTC = "usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def fontsource(name: str, version: str = "5.3.0") -> Source:
    return Source("npm", f"@fontsource/{name}", version, "LICENSE")


BUILDS = [
    Build("DejaVuSans-Bold.ttf", DEJAVU, "ttf/DejaVuSans-Bold.ttf", ranges=tuple(DEJAVU_RANGES)),
    Build("DejaVuSans.ttf", DEJAVU, "ttf/DejaVuSans.ttf", ranges=tuple(DEJAVU_RANGES)),
    Build("NotoSansArabic-Bold.ttf", fontsource("noto-sans-arabic"), "files/noto-sans-arabic-arabic-700-normal.woff"),
    Build("NotoSansHebrew-Bold.ttf", fontsource("noto-sans-hebrew"), "files/noto-sans-hebrew-hebrew-700-normal.woff"),
    Build(
        "NotoSansDevanagari-Bold.ttf",
        fontsource("noto-sans-devanagari"),
        "files/noto-sans-devanagari-devanagari-700-normal.woff",
    ),
    Build("NotoSansThai-Bold.ttf", fontsource("noto-sans-thai"), "files/noto-sans-thai-thai-700-normal.woff"),
    Build("NotoEmoji-Bold.ttf", fontsource("noto-emoji", "5.3.2"), "files/noto-emoji-emoji-700-normal.woff"),
    Build(
        "NotoSansCJKjp-Bold.otf",
        NOTO_CJK,
        CJK_TTC,
        font_number=0,
        ranges=((0x3040, 0x30FF), (0x31F0, 0x31FF), *CJK_COMMON),
        codec_chars=("euc_jp",),
    ),
    Build(
        "NotoSansCJKkr-Bold.otf",
        NOTO_CJK,
        CJK_TTC,
        font_number=1,
        ranges=((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7A3), *CJK_COMMON),
    ),
    Build(
        "NotoSansCJKsc-Bold.otf",
        NOTO_CJK,
        CJK_TTC,
        font_number=2,
        ranges=tuple(CJK_COMMON),
        codec_chars=("gb2312", "big5-1"),
    ),
]


def repertoire(codec: str) -> set[int]:
    """Every character of a double-byte legacy encoding ("big5-1": Big5's level-1 frequent hanzi only)."""
    if codec == "big5-1":  # lead bytes A4-C6: the 5,401 frequently used characters
        pairs = [(a, b) for a in range(0xA4, 0xC7) for b in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]]
        codec = "big5"
    else:
        pairs = [(a, b) for a in range(0xA1, 0xFF) for b in range(0xA1, 0xFF)]
    chars = set()
    for a, b in pairs:
        try:
            chars.update(map(ord, bytes([a, b]).decode(codec)))
        except UnicodeDecodeError:
            continue
    return chars


def fetch(source: Source, work: Path) -> Path:
    """The unpacked package, downloaded into ``work`` with npm or apt-get the first time."""
    root = work / source.name.replace("/", "+")
    if root.exists():
        return root
    work.mkdir(parents=True, exist_ok=True)
    if source.kind == "npm":
        name = subprocess.run(
            ["npm", "pack", f"{source.name}@{source.version}"], cwd=work, check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        with tarfile.open(work / name) as tar:
            tar.extractall(work / "npm-tmp", filter="data")
        shutil.move(work / "npm-tmp" / "package", root)
    else:
        subprocess.run(["apt-get", "download", f"{source.name}={source.version}"], cwd=work, check=True)
        deb = next(work.glob(f"{source.name}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def build(b: Build, work: Path) -> Path:
    """Subset (or just convert) one font into ``OUT``."""
    root = fetch(b.source, work)
    font = TTFont(root / b.file, fontNumber=b.font_number)
    font.flavor = None  # WOFF in, plain sfnt out
    cmap = set(font.getBestCmap())
    if b.ranges is None and not b.codec_chars:
        keep = cmap
    else:
        keep = {cp for lo, hi in b.ranges or () for cp in range(lo, hi + 1)}
        for codec in b.codec_chars:
            keep |= repertoire(codec)
        keep &= cmap
    options = subset.Options(layout_features=["*"], name_IDs=["*"], name_languages=["*"], notdef_outline=True)
    options.drop_tables += ["vhea", "vmtx", "VORG"]  # no vertical text here
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    out = OUT / b.out
    font.save(out)
    return out


def licence(source: Source, work: Path) -> str:
    """Copy ``source``'s licence text next to the fonts; return its file name."""
    name = f"LICENSE-{source.name.rsplit('/', 1)[-1]}.txt"
    shutil.copyfile(fetch(source, work) / source.licence, OUT / name)
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/adbatch-fonts"), help="download and unpack here")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for b in BUILDS:
        out = build(b, args.work)
        print(f"{out.name:32} {out.stat().st_size / 1e6:6.2f} MB  {b.source.name} {b.source.version}")
    for source in {b.source for b in BUILDS}:
        licence(source, args.work)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{'total':32} {total / 1e6:6.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
