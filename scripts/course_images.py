"""Draw the pictures of courses/netralitas-asn/images/ with Pillow (flat drawings, palette PNG).

    .venv/bin/python scripts/course_images.py [--out courses/netralitas-asn/images]

Each picture is drawn at twice its size and scaled down (smooth edges), then reduced to a small
palette so it stays far below the course limit (150 KB) and the reader's page budget (100 KB a
page with everything on it). The words in the pictures repeat what the module text says; the alt
text in the module says it all again for those who cannot see the picture. Change this script and
run it again rather than editing the PNG files by hand.
"""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

S = 2  # supersampling factor
INK = (27, 31, 36)
MUTED = (74, 82, 96)
LINE = (207, 213, 221)
BG = (255, 255, 255)
PANEL = (246, 247, 249)
HAND = (222, 226, 232)
RED = (164, 22, 26)
GREEN = (29, 107, 52)
BRAND = (11, 79, 138)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size * S)


def save(image: Image.Image, path: Path, colours: int = 32) -> None:
    small = image.resize((image.width // S, image.height // S), Image.Resampling.LANCZOS)
    small.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True)
    print(f"{path}: {small.width}x{small.height}, {path.stat().st_size // 1024} KB")


def text_centre(draw: ImageDraw.ImageDraw, x: float, y: float, lines: list[str], size: int,
                fill: tuple[int, int, int] = INK, bold: bool = False, gap: int = 4) -> None:
    f = font(size, bold)
    for line in lines:
        width = draw.textlength(line, font=f)
        draw.text((x - width / 2, y), line, font=f, fill=fill)
        y += (size + gap) * S


# --- hands -----------------------------------------------------------------------------------

class Hand:
    """A flat hand seen from the front: a palm, four fingers and a thumb, each extended at an
    angle or folded; drawn as one silhouette with an outline (dark shapes first, light on top)."""

    STROKE = 3

    def __init__(self, cx: float, cy: float, scale: float = 1.0) -> None:
        self.cx, self.cy, self.k = cx, cy, scale * S
        self.shapes: list[tuple[str, tuple[float, ...], float]] = []
        self.after: list[Callable[[ImageDraw.ImageDraw], None]] = []

    def p(self, x: float, y: float) -> tuple[float, float]:
        return self.cx + x * self.k, self.cy + y * self.k

    def palm(self, w: float = 72, h: float = 78) -> Hand:
        x0, y0 = self.p(-w / 2, -h / 2)
        x1, y1 = self.p(w / 2, h / 2)
        self.shapes.append(("rect", (x0, y0, x1, y1), 16 * self.k))
        return self

    def stick(self, bx: float, by: float, angle: float, length: float, width: float = 16) -> Hand:
        """A finger from base (bx, by) at ``angle`` degrees (0 = right, -90 = up)."""
        ex = bx + length * math.cos(math.radians(angle))
        ey = by + length * math.sin(math.radians(angle))
        self.shapes.append(("stick", (*self.p(bx, by), *self.p(ex, ey)), width * self.k))
        return self

    FINGERS = {"index": (-27, 64), "middle": (-9, 70), "ring": (9, 64), "pinky": (27, 50)}

    def finger(self, name: str, up: bool, angle: float = -90) -> Hand:
        bx, length = self.FINGERS[name]
        return self.stick(bx, -30, angle, length if up else 14)

    def fingers(self, *up: str, angles: dict[str, float] | None = None) -> Hand:
        for name in self.FINGERS:
            self.finger(name, name in up, (angles or {}).get(name, -90))
        return self

    def thumb(self, angle: float, length: float = 48, base: tuple[float, float] = (-30, 8)) -> Hand:
        return self.stick(base[0], base[1], angle, length, 18)

    def thumb_folded(self) -> Hand:
        """The thumb across the palm: drawn after the silhouette, with its own outline."""
        def draw(d: ImageDraw.ImageDraw) -> None:
            x0, y0 = self.p(-34, 2)
            x1, y1 = self.p(16, 20)
            d.rounded_rectangle((x0, y0, x1, y1), radius=9 * self.k, fill=HAND, outline=INK,
                                width=int(self.STROKE * S))
        self.after.append(draw)
        return self

    def draw(self, d: ImageDraw.ImageDraw) -> None:
        for grow, colour in ((self.STROKE * S, INK), (0, HAND)):
            for kind, box, size in self.shapes:
                if kind == "rect":
                    x0, y0, x1, y1 = box
                    d.rounded_rectangle((x0 - grow, y0 - grow, x1 + grow, y1 + grow), radius=size + grow,
                                        fill=colour)
                else:
                    x0, y0, x1, y1 = box
                    r = size / 2 + grow
                    d.line((x0, y0, x1, y1), fill=colour, width=int(2 * r))
                    for x, y in ((x0, y0), (x1, y1)):
                        d.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        for extra in self.after:
            extra(d)


def heart(d: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: tuple[int, int, int] = RED) -> None:
    d.ellipse((x - 2 * r, y - r, x, y + r), fill=colour)
    d.ellipse((x, y - r, x + 2 * r, y + r), fill=colour)
    d.polygon([(x - 2 * r + r * 0.15, y + r * 0.35), (x + 2 * r - r * 0.15, y + r * 0.35), (x, y + 2.4 * r)],
              fill=colour)


def badge(d: ImageDraw.ImageDraw, x: float, y: float, ok: bool) -> None:
    r = 17 * S
    d.ellipse((x - r, y - r, x + r, y + r), fill=GREEN if ok else RED)
    w = 4 * S
    if ok:
        d.line((x - 8 * S, y, x - 2 * S, y + 7 * S, x + 9 * S, y - 7 * S), fill=BG, width=w, joint="curve")
    else:
        d.line((x - 7 * S, y - 7 * S, x + 7 * S, y + 7 * S), fill=BG, width=w)
        d.line((x - 7 * S, y + 7 * S, x + 7 * S, y - 7 * S), fill=BG, width=w)


def gesture(name: str) -> Callable[[ImageDraw.ImageDraw, float, float], None]:
    def thumbs_up(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        h = Hand(cx - 8, cy + 22).palm(64, 72)
        for y in (-24, -8, 8, 24):  # the curled fingers, stacked in front of the fist
            h.stick(26, y, 0, 14, 15)
        h.stick(-18, -30, -90, 46, 22)  # the thumb, straight up
        h.draw(d)

    def index(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        Hand(cx, cy + 22).palm().fingers("index").thumb_folded().draw(d)

    def v_sign(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        Hand(cx, cy + 22).palm().fingers("index", "middle", angles={"index": -105, "middle": -78}).thumb_folded().draw(d)

    def three(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        Hand(cx, cy + 22).palm().fingers("index", "middle", "ring").thumb_folded().draw(d)

    def four(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        Hand(cx, cy + 22).palm().fingers("index", "middle", "ring", "pinky").thumb_folded().draw(d)

    def metal(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        Hand(cx, cy + 22).palm().fingers("index", "pinky", angles={"index": -100, "pinky": -75}).thumb_folded().draw(d)

    def phone(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        Hand(cx, cy + 14).palm().fingers("pinky", angles={"pinky": -45}).thumb(-150, 50).draw(d)

    def gun(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        h = Hand(cx - 16, cy + 18).palm(64, 70)
        h.stick(20, -26, 0, 70)  # the index points sideways
        h.stick(-22, -28, -90, 44, 18)  # the thumb up
        for bx in (-4, 12, 26):
            h.stick(bx, -26, -90, 10)
        h.draw(d)

    def ok(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        h = Hand(cx + 6, cy + 24).palm()
        for name in ("middle", "ring", "pinky"):
            h.finger(name, True, {"middle": -95, "ring": -85, "pinky": -75}[name])
        h.draw(d)
        # the thumb and index meet in a ring at the upper left
        rx, ry = h.p(-44, -44)
        r_out, r_in = 26 * S, 11 * S
        d.ellipse((rx - r_out - 3 * S, ry - r_out - 3 * S, rx + r_out + 3 * S, ry + r_out + 3 * S), fill=INK)
        d.ellipse((rx - r_out, ry - r_out, rx + r_out, ry + r_out), fill=HAND)
        d.ellipse((rx - r_in - 3 * S, ry - r_in - 3 * S, rx + r_in + 3 * S, ry + r_in + 3 * S), fill=INK)
        d.ellipse((rx - r_in, ry - r_in, rx + r_in, ry + r_in), fill=BG)

    def finger_heart(d: ImageDraw.ImageDraw, cx: float, cy: float) -> None:
        h = Hand(cx, cy + 30).palm()
        h.stick(-22, -30, -62, 46)  # index, bent towards the thumb
        h.stick(-30, 4, -78, 62, 18)  # thumb crossing it
        for bx in (-6, 10, 26):
            h.stick(bx, -30, -90, 12)
        h.draw(d)
        heart(d, cx + 6 * S, cy - 78 * S, 9 * S)

    return {"thumbs_up": thumbs_up, "index": index, "v": v_sign, "three": three, "four": four, "metal": metal,
            "phone": phone, "gun": gun, "ok": ok, "heart": finger_heart}[name]


def neutral_person(d: ImageDraw.ImageDraw, cx: float, cy: float, scale: float = 0.7) -> None:
    k = S * scale
    d.ellipse((cx - 20 * k, cy - 92 * k, cx + 20 * k, cy - 52 * k), fill=HAND, outline=INK, width=3 * S)
    d.rounded_rectangle((cx - 30 * k, cy - 46 * k, cx + 30 * k, cy + 40 * k), radius=14 * k, fill=HAND,
                        outline=INK, width=3 * S)
    for side in (-1, 1):  # arms hanging down along the body
        x = cx + side * 40 * k
        d.rounded_rectangle((x - 8 * k, cy - 40 * k, x + 8 * k, cy + 34 * k), radius=8 * k, fill=HAND,
                            outline=INK, width=3 * S)
    for side in (-1, 1):
        x = cx + side * 14 * k
        d.rounded_rectangle((x - 10 * k, cy + 36 * k, x + 10 * k, cy + 96 * k), radius=8 * k, fill=HAND,
                            outline=INK, width=3 * S)


GESTURES = [
    ("thumbs_up", ["Jempol", "ke atas"]),
    ("index", ["Satu jari", "telunjuk"]),
    ("v", ["Dua jari", "(V, \u201cpeace\u201d)"]),
    ("three", ["Tiga jari"]),
    ("four", ["Empat jari"]),
    ("metal", ["Salam", "\u201cmetal\u201d"]),
    ("phone", ["Jempol dan", "kelingking"]),
    ("gun", ["Jari", "membentuk pistol"]),
    ("ok", ["\u201cOK\u201d, tiga", "jari terbuka"]),
    ("heart", ["\u201cFinger heart\u201d"]),
]


def gestures_picture(out: Path) -> None:
    cols, tile_w, tile_h, top = 3, 240, 250, 96
    rows = math.ceil((len(GESTURES) + 2) / cols)
    image = Image.new("RGB", (cols * tile_w * S, (top + rows * tile_h + 20) * S), BG)
    d = ImageDraw.Draw(image)
    text_centre(d, cols * tile_w * S / 2, 18 * S, ["Pose foto yang dihindari ASN"], 30, bold=True)
    text_centre(d, cols * tile_w * S / 2, 58 * S, ["(daftar yang diingatkan akun resmi BKN)"], 22, fill=MUTED)
    tiles = [(g, label, False) for g, label in GESTURES] + [("neutral", ["Tangan ke bawah:", "netral"], True)]
    for i, (name, label, ok) in enumerate(tiles):
        col, row = i % cols, i // cols
        if ok:  # the last row: the neutral pose under the middle column
            col = 1 if len(GESTURES) % cols == 1 else col
        x0, y0 = col * tile_w * S, (top + row * tile_h) * S
        d.rounded_rectangle((x0 + 8 * S, y0 + 6 * S, x0 + (tile_w - 8) * S, y0 + (tile_h - 6) * S),
                            radius=12 * S, fill=PANEL, outline=GREEN if ok else LINE, width=(4 if ok else 2) * S)
        cx, cy = x0 + tile_w * S / 2, y0 + 118 * S
        if ok:
            neutral_person(d, cx, cy - 18 * S)
        else:
            gesture(name)(d, cx, cy)
        badge(d, x0 + (tile_w - 34) * S, y0 + 30 * S, ok)
        text_centre(d, cx, y0 + 178 * S, label, 24, fill=GREEN if ok else INK, bold=ok)
    save(image, out / "pose-jari.png")


# --- SBT steps -------------------------------------------------------------------------------

SBT_STEPS = [
    ("Buka", ["sbt.bkn.go.id"], "di peramban ponsel atau komputer"),
    ("Pilih", ["Pelaporan Publik", "\u2192 Netralitas"], "menu pengaduan masyarakat"),
    ("Isi", ["NIK atau NIP terlapor", "+ bukti, lalu kirim"], "tanpa NIK/NIP: pakai SP4N-LAPOR!"),
    ("Simpan", ["nomor pengaduan"], "untuk mengecek status laporan"),
]


def sbt_picture(out: Path) -> None:
    width, step_h, top = 720, 190, 100
    image = Image.new("RGB", (width * S, (top + len(SBT_STEPS) * step_h + 70) * S), BG)
    d = ImageDraw.Draw(image)
    text_centre(d, width * S / 2, 18 * S, ["Melapor lewat SBT BKN: 4 langkah"], 32, bold=True)
    text_centre(d, width * S / 2, 62 * S, ["(langkah yang diumumkan pada 2024)"], 22, fill=MUTED)
    for i, (verb, lines, note) in enumerate(SBT_STEPS):
        y0 = (top + i * step_h) * S
        # the number
        cx, cy, r = 64 * S, y0 + 62 * S, 38 * S
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=BRAND)
        text_centre(d, cx, cy - 22 * S, [str(i + 1)], 36, fill=BG, bold=True)
        # a phone screen with the words
        x0, x1 = 130 * S, (width - 20) * S
        d.rounded_rectangle((x0, y0 + 4 * S, x1, y0 + 128 * S), radius=14 * S, fill=PANEL, outline=INK, width=3 * S)
        f_verb, f_main, f_note = font(24, True), font(28, True), font(22)
        d.text((x0 + 22 * S, y0 + 16 * S), verb, font=f_verb, fill=BRAND)
        ty = y0 + 48 * S
        for line in lines:
            d.text((x0 + 22 * S, ty), line, font=f_main, fill=INK)
            ty += 34 * S
        d.text((x0 + 22 * S, y0 + 138 * S), note, font=f_note, fill=MUTED)
        if i + 1 < len(SBT_STEPS):  # an arrow down to the next step
            ax = 64 * S
            d.line((ax, cy + r + 6 * S, ax, y0 + (step_h + 16) * S), fill=BRAND, width=6 * S)
            d.polygon([(ax - 14 * S, y0 + (step_h + 4) * S), (ax + 14 * S, y0 + (step_h + 4) * S),
                       (ax, y0 + (step_h + 22) * S)], fill=BRAND)
    text_centre(d, width * S / 2, (top + len(SBT_STEPS) * step_h + 14) * S,
                ["Skema, bukan tangkapan layar: tampilan aplikasi bisa berubah."], 20, fill=MUTED)
    save(image, out / "lapor-sbt.png")


# --- election stages -------------------------------------------------------------------------

STAGES = [
    ("Sebelum penetapan", "bakal calon menjajaki dukungan"),
    ("Penetapan calon oleh KPU", "bakal calon menjadi calon"),
    ("Masa kampanye", "calon berkampanye"),
    ("Masa tenang", "kampanye berhenti"),
    ("Hari pemungutan suara", "memilih di bilik suara, rahasia"),
    ("Sesudah pemungutan suara", "penghitungan, penetapan hasil, pelantikan"),
]


def stages_picture(out: Path) -> None:
    width, step_h, top = 720, 104, 100
    image = Image.new("RGB", (width * S, (top + len(STAGES) * step_h + 96) * S), BG)
    d = ImageDraw.Draw(image)
    text_centre(d, width * S / 2, 18 * S, ["Tahapan pemilihan"], 32, bold=True)
    text_centre(d, width * S / 2, 62 * S, ["Aturan netralitas berlaku di setiap tahap"], 24, fill=GREEN, bold=True)
    x = 60 * S
    d.line((x, (top + 30) * S, x, (top + (len(STAGES) - 1) * step_h + 30) * S), fill=BRAND, width=8 * S)
    for i, (name, note) in enumerate(STAGES):
        y = (top + i * step_h + 30) * S
        r = 20 * S
        if i == 1:  # penetapan: a red diamond, not only a colour
            d.polygon([(x, y - r - 6 * S), (x + r + 6 * S, y), (x, y + r + 6 * S), (x - r - 6 * S, y)], fill=RED)
        else:
            d.ellipse((x - r, y - r, x + r, y + r), fill=BRAND)
        d.text((110 * S, y - 30 * S), name, font=font(28, True), fill=INK)
        d.text((110 * S, y + 6 * S), note, font=font(22), fill=MUTED)
    text_centre(d, width * S / 2, (top + len(STAGES) * step_h + 8) * S,
                ["Sesudah penetapan, perbuatan yang sama umumnya", "dinilai lebih berat (etik menjadi disiplin)."], 22, fill=RED)
    save(image, out / "tahapan.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "courses" / "netralitas-asn" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    gestures_picture(args.out)
    sbt_picture(args.out)
    stages_picture(args.out)


if __name__ == "__main__":
    main()
