"""The rekap pictures (elearn/reports/charts.py) and the one-page PDF summary (elearn/reports/pdf.py):
valid, escaped, accessible SVG whose shapes match the numbers; the readiness math on hand-checked
series; the PDF is one A4 page that says what it should."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from elearn.reports.charts import (
    BAR_WIDTH,
    BarItem,
    bars_table,
    format_percent,
    long_date,
    projection_points,
    readiness,
    readiness_sentence,
    short_date,
    stacked_bars,
    timeline,
)
from elearn.reports.pdf import summary_pdf

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def assert_safe_svg(root: ET.Element) -> None:
    for el in root.iter():
        assert el.tag.removeprefix(SVG) not in ("script", "foreignObject", "iframe"), el.tag
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), name
            assert not value.lower().lstrip().startswith("javascript:"), value


def assert_accessible(root: ET.Element) -> None:
    links = list(root.iter(f"{SVG}a"))
    if links:  # a linked chart is a named group whose drawing is hidden (axe: nested-interactive)
        assert root.get("role") == "group"
        drawing = [el for el in root if el.tag not in (f"{SVG}title", f"{SVG}desc")]
        assert len(drawing) == 1 and drawing[0].get("aria-hidden") == "true"
    else:
        assert root.get("role") == "img"
    labelled = root.get("aria-labelledby", "").split()
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert len(labelled) == 2 and all(i in ids for i in labelled)
    assert ids[labelled[0]].tag == f"{SVG}title" and ids[labelled[0]].text
    assert ids[labelled[1]].tag == f"{SVG}desc" and ids[labelled[1]].text
    assert root.get("viewBox") and root.get("width") == "100%"
    # no focusable content inside an image: links are a mouse shortcut, the table carries them
    for a in root.iter(f"{SVG}a"):
        assert a.get("tabindex") == "-1" and a.get("aria-hidden") == "true"


def segments(group: ET.Element) -> dict[str, float]:
    return {r.get("class", "").removeprefix("rc-"): float(r.get("width", "0"))
            for r in group.iter(f"{SVG}rect") if r.get("class", "").startswith("rc-")}


def bar_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "rc-bar"]


def texts(el: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in el.iter(f"{SVG}text")]


# --- stacked bars ---------------------------------------------------------------------------------


def test_bars_are_valid_accessible_svg_with_shares_as_widths() -> None:
    root = parse(stacked_bars([BarItem("Dinas Pendidikan", 6, 3, 1), BarItem("Dinas Kesehatan", 1, 0, 3)]))
    assert_safe_svg(root)
    assert_accessible(root)
    first, second = bar_groups(root)
    assert segments(first) == pytest.approx({"done": BAR_WIDTH * 0.6, "in-progress": BAR_WIDTH * 0.3,
                                             "not-started": BAR_WIDTH * 0.1}, abs=0.01)
    assert segments(second) == pytest.approx({"done": BAR_WIDTH * 0.25, "not-started": BAR_WIDTH * 0.75}, abs=0.01)
    assert texts(first)[0].startswith("Dinas Pendidikan") and "60 %" in texts(first)
    assert "25 %" in texts(second)
    # the segments follow each other without gaps, from the left edge
    xs = [(float(r.get("x")), float(r.get("width"))) for r in first.iter(f"{SVG}rect")]
    assert xs[0][0] == 0 and xs[1][0] == pytest.approx(xs[0][1]) and xs[2][0] == pytest.approx(sum(xs[1]))
    # meaning does not rest on colour: in progress is a pattern, the legend names all three kinds
    assert first.find(f".//{SVG}rect[@class='rc-in-progress']").get("fill").startswith("url(#")
    legend = texts(root)[:3]
    assert legend == ["Tuntas", "Sedang berjalan", "Belum mulai"]
    desc = root.find(f"{SVG}desc").text
    assert "Total 7 dari 14 ASN tuntas (50 %)" in desc


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "\"&'", "Dinas </text><script>x</script>"])
def test_bar_labels_are_escaped(name: str) -> None:
    markup = stacked_bars([BarItem(name, 1, 1, 1, href="/rekap/skpd/1")])
    assert "<script" not in str(markup)
    root = parse(markup)
    assert_safe_svg(root)
    (group,) = bar_groups(root)
    label = group.find(f"{SVG}text")
    assert label.text == name and label.find(f"{SVG}title").text == name
    table = str(bars_table([BarItem(name, 1, 1, 1, href="/rekap/skpd/1")]))
    assert "<script" not in table and ET.fromstring(table).find(".//a").text == name


def test_zero_headcount_one_item_and_two_hundred_items() -> None:
    root = parse(stacked_bars([BarItem("Kosong", 0, 0, 0)]))
    (group,) = bar_groups(root)
    assert segments(group) == {}
    assert "Tidak ada ASN aktif" in texts(group) and "–" in texts(group)
    assert BarItem("Kosong", 0, 0, 0).percent_done is None

    many = [BarItem(f"SKPD {i:03d}", i, 200 - i, 0) for i in range(200)]
    root = parse(stacked_bars(many))
    groups = bar_groups(root)
    assert len(groups) == 200
    height = float(root.get("viewBox").split()[3])
    assert height >= 200 * 40
    assert segments(groups[150])["done"] == pytest.approx(BAR_WIDTH * 150 / 200, abs=0.01)
    assert "done" not in segments(groups[0])

    empty = parse(stacked_bars([]))
    assert bar_groups(empty) == [] and "Belum ada SKPD untuk ditampilkan." in texts(empty)
    with pytest.raises(ValueError):
        BarItem("x", -1, 0, 0)


def test_bars_link_only_to_safe_urls_and_truncate_long_names() -> None:
    long = "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana"
    root = parse(stacked_bars([BarItem(long, 1, 0, 0, href="/rekap/skpd/7?kursus=2&kuis=3"),
                               BarItem("Jahat", 1, 0, 0, href="javascript:alert(1)"),
                               BarItem("Luar", 1, 0, 0, href="//evil.example/x")], chart_id="bars 1"))
    assert_accessible(root)
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["/rekap/skpd/7?kursus=2&kuis=3"]
    label = links[0].find(f".//{SVG}text")
    assert label.text.endswith("…") and len(label.text) <= 48 and label.find(f"{SVG}title").text == long
    assert root.get("id") == "bars-1"


def test_bars_table_has_the_numbers() -> None:
    table = ET.fromstring(str(bars_table([BarItem("Dinas A", 6, 3, 1, href="/rekap/skpd/1"),
                                          BarItem("Dinas B", 0, 0, 0)], caption="Capaian")))
    assert table.find("caption").text == "Capaian"
    rows = [["".join(c.itertext()) for c in tr] for tr in table.iter("tr")]
    assert rows[1] == ["Dinas A", "10", "6", "3", "1", "60 %"]
    assert rows[2] == ["Dinas B", "0", "0", "0", "0", "–"]
    assert table.find(".//tbody/tr/th").get("scope") == "row"


def test_percent_format_never_rounds_to_all_or_nothing() -> None:
    assert [format_percent(v) for v in (0, 0.4, 1, 50.5, 73.2, 99.6, 100, None)] == [
        "0 %", "<1 %", "1 %", "50 %", "73 %", "99 %", "100 %", "–"]


def test_indonesian_dates() -> None:
    assert short_date(D(2026, 11, 12), "id") == "12 Nov"
    assert short_date(D(2026, 8, 17), "id") == "17 Agu"
    assert short_date(D(2026, 12, 1)) == "1 Des"  # outside a request: Indonesian
    assert long_date(D(2026, 11, 12)) == "12 November 2026"


# --- timeline -------------------------------------------------------------------------------------

TL = {"start": D(2026, 10, 1), "end": D(2026, 11, 30)}


def test_timeline_marks_election_target_and_projection() -> None:
    points = [(D(2026, 10, 1), 0.0), (D(2026, 10, 15), 30.0), (D(2026, 10, 31), 50.0)]
    root = parse(timeline(points, **TL, election_date=D(2026, 11, 27), target_percent=90,
                          target_date=D(2026, 11, 20), projection=[(D(2026, 10, 31), 50.0), (D(2026, 11, 20), 90.0)]))
    assert_safe_svg(root)
    assert_accessible(root)
    groups = {g.get("class"): g for g in root.iter(f"{SVG}g")}
    election = groups["rc-election"]
    (line,) = election.iter(f"{SVG}line")
    assert line.get("x1") == line.get("x2")  # vertical
    assert texts(election) == ["Pemungutan suara 27 Nov"]
    target = groups["rc-target"]
    (line,) = target.iter(f"{SVG}line")
    assert line.get("y1") == line.get("y2")  # horizontal
    assert texts(target) == ["Target 90 %, 20 Nov"]
    projection = groups["rc-projection"].find(f"{SVG}polyline")
    assert projection.get("stroke-dasharray") and texts(groups["rc-projection"]) == ["Proyeksi"]
    actual = groups["rc-actual"].find(f"{SVG}polyline").get("points").split()
    assert len(actual) == 3
    # x: days since start over the span; y: 50 % is halfway down the plot (top 30, height 226)
    x3, y3 = (float(v) for v in actual[2].split(","))
    assert x3 == pytest.approx(48 + 418 * 30 / 60, abs=0.01) and y3 == pytest.approx(30 + 226 * 0.5, abs=0.01)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "rc-tick-label"]
    assert ticks[0] == "1 Okt" and ticks[-1] == "30 Nov" and 3 <= len(ticks) <= 6
    desc = root.find(f"{SVG}desc").text
    assert "50 %" in desc and "31 Oktober 2026" in desc and "Target 90 %" in desc and "27 November 2026" in desc


def test_timeline_with_no_point_one_point_and_a_reversed_range() -> None:
    empty = parse(timeline([], **TL, election_date=None, target_percent=None, target_date=None, projection=None))
    assert "Belum ada data capaian." in texts(empty)
    assert not [g for g in empty.iter(f"{SVG}g") if g.get("class") in ("rc-actual", "rc-election", "rc-target")]

    one = parse(timeline([(D(2026, 10, 10), 12.0)], **TL, election_date=D(2027, 2, 14), target_percent=None,
                         target_date=None, projection=None))
    actual = next(g for g in one.iter(f"{SVG}g") if g.get("class") == "rc-actual")
    assert actual.find(f"{SVG}polyline") is None and actual.find(f"{SVG}circle") is not None
    assert "12 %" in texts(actual)
    assert not [g for g in one.iter(f"{SVG}g") if g.get("class") == "rc-election"]  # outside the range

    same_day = parse(timeline([(D(2026, 10, 1), 5.0)], start=D(2026, 10, 1), end=D(2026, 10, 1)))
    assert_safe_svg(same_day)

    with pytest.raises(ValueError):
        timeline([], start=D(2026, 11, 1), end=D(2026, 10, 1))


# --- readiness ------------------------------------------------------------------------------------


def test_readiness_steady_pace_matches_the_brief_example() -> None:
    points = [(D(2026, 10, 12), 59.0), (D(2026, 10, 19), 66.0), (D(2026, 10, 26), 73.0)]
    r = readiness(73, 100, points, 90, D(2026, 11, 20))
    assert r.percent == 73.0 and r.pace_per_day == pytest.approx(1.0) and r.pace_days == 14
    assert r.as_of == D(2026, 10, 26)
    assert r.projected_date == D(2026, 11, 12)  # 17 points to go at 1 a day
    assert r.on_track is True and not r.target_reached and not r.stalled
    assert readiness_sentence(r) == "73 % ASN sudah tuntas; dengan laju saat ini 90 % tercapai pada 12 November 2026."
    assert projection_points(r) == [(D(2026, 10, 26), 73.0), (D(2026, 11, 12), 90)]


def test_readiness_uses_the_last_fourteen_days_only() -> None:
    # slow at first (1 a day), fast lately (3 a day): the projection follows the recent pace
    points = [(D(2026, 10, 1), 0.0), (D(2026, 10, 17), 16.0), (D(2026, 10, 31), 58.0)]
    r = readiness(58, 100, points, 88, None, today=D(2026, 11, 1))
    assert r.pace_days == 14 and r.pace_per_day == pytest.approx(3.0)
    assert r.projected_date == D(2026, 11, 11) and r.on_track is None  # 30 points from 1 Nov at 3 a day
    short = readiness(10, 100, [(D(2026, 10, 1), 4.0), (D(2026, 10, 4), 10.0)], 90, None)
    assert short.pace_days == 3 and short.pace_per_day == pytest.approx(2.0)


def test_readiness_target_missed() -> None:
    points = [(D(2026, 11, 1), 40.0), (D(2026, 11, 11), 50.0)]
    r = readiness(50, 200, points, 90, D(2026, 11, 30))  # 25 % done now (the roster grew), 1 point a day
    assert r.percent == 25.0 and r.projected_date == D(2026, 11, 11) + dt.timedelta(days=65)
    assert r.on_track is False
    sentence = readiness_sentence(r)
    assert sentence.startswith("25 % ASN sudah tuntas; dengan laju saat ini 90 % tercapai pada 15 Januari 2027.")
    assert "Itu sesudah batas target 30 November 2026." in sentence


def test_readiness_no_progress() -> None:
    points = [(D(2026, 11, 1) + dt.timedelta(days=d), 40.0) for d in range(0, 21, 3)]
    r = readiness(40, 100, points, 90, D(2026, 11, 30))
    assert r.pace_per_day == 0 and r.stalled and r.projected_date is None and r.on_track is False
    assert r.pace_days == 12  # points every 3 days: the earliest within 14 days is 12 days back
    assert readiness_sentence(r).startswith("40 % ASN sudah tuntas. Belum ada kemajuan dalam 12 hari terakhir.")
    falling = readiness(30, 100, [(D(2026, 11, 1), 40.0), (D(2026, 11, 15), 30.0)], 90, None)
    assert falling.stalled and falling.projected_date is None
    assert readiness_sentence(falling) == "30 % ASN sudah tuntas. Belum ada kemajuan dalam 14 hari terakhir."


def test_readiness_target_reached_empty_roster_and_too_little_history() -> None:
    reached = readiness(92, 100, [(D(2026, 11, 1), 80.0), (D(2026, 11, 8), 92.0)], 90, D(2026, 11, 5))
    assert reached.target_reached and reached.projected_date is None and reached.on_track is True
    assert not reached.stalled
    assert readiness_sentence(reached) == "92 % ASN sudah tuntas. Target 90 % sudah tercapai."

    nobody = readiness(0, 0, [], 90, None, today=D(2026, 11, 1))
    assert nobody.percent is None and readiness_sentence(nobody) == "Belum ada ASN aktif dalam daftar."

    once = readiness(10, 100, [(D(2026, 11, 1), 10.0)], 90, None)
    assert once.pace_per_day is None and once.projected_date is None
    assert readiness_sentence(once) == "10 % ASN sudah tuntas. Belum cukup data untuk menghitung laju."
    assert readiness_sentence(readiness(10, 100, [], None, None)) == "10 % ASN sudah tuntas."

    with pytest.raises(ValueError):
        readiness(11, 10, [], 90, None)


# --- the PDF summary ------------------------------------------------------------------------------

_RUN = re.compile(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj")


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i:i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            nxt = raw[i + 1:i + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(nxt, nxt)
            i += 2
        else:
            out += raw[i:i + 1]
            i += 1
    return bytes(out)


def pdf_pages(pdf: bytes) -> tuple[int, list[str], list[float]]:
    """(page count, the strings drawn on the first page, its MediaBox), through the fonts' ToUnicode maps."""
    reader = PdfFileReader(BytesIO(pdf))
    pages = reader.root["/Pages"]
    page = pages["/Kids"][0]
    fonts = page["/Resources"]["/Font"]
    cmaps = {}
    for name in fonts:
        mapping = {}
        if "/ToUnicode" not in fonts[name]:  # the canvas's initial Helvetica (never drawn with here)
            cmaps[str(name)[1:]] = {i: chr(i) for i in range(256)}
            continue
        for code, uni in re.findall(rb"<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]{4,})>", fonts[name]["/ToUnicode"].data):
            mapping[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
        cmaps[str(name)[1:]] = mapping
    strings, font = [], ""
    for m in _RUN.finditer(page["/Contents"].data):
        if m.group(1):
            font = m.group(1).decode()
        else:
            strings.append("".join(cmaps[font].get(c, "\ufffd") for c in _unescape(m.group(2))))
    return int(pages["/Count"]), strings, [float(v) for v in page["/MediaBox"]]


def _summary(items: list[BarItem], **kwargs: object) -> bytes:
    points = [(D(2026, 10, 1) + dt.timedelta(days=d), d * 1.2) for d in range(0, 50, 7)]
    r = readiness(69, 100, points, 90, D(2026, 11, 20))
    args: dict = {"start": D(2026, 10, 1), "end": D(2026, 12, 9), "election_date": D(2026, 11, 27),
                  "target_percent": 90, "target_date": D(2026, 11, 20), "projection": projection_points(r)}
    args.update(kwargs)
    return summary_pdf("Rekap netralitas ASN", "Pemerintah Kota Contoh", dt.datetime(2026, 12, 4, 8, 30),
                       ["Kursus: Netralitas ASN dalam Pemilu dan Pilkada", "Pakta: Pilkada 2026"],
                       {"ASN aktif": 1234, "Tuntas": "69 %"}, items, readiness_sentence(r), points, **args)


def test_summary_pdf_is_one_a4_page_that_says_what_it_should() -> None:
    pdf = _summary([BarItem("Dinas Pendidikan", 600, 300, 100), BarItem("<script>&\"'", 1, 0, 3),
                    BarItem("Kecamatan Kosong", 0, 0, 0)])
    assert pdf.startswith(b"%PDF-")
    count, strings, box = pdf_pages(pdf)
    assert count == 1 and box[2:] == pytest.approx([595.28, 841.89], abs=0.01)
    text = "\n".join(strings)
    for expected in ("Rekap netralitas ASN", "Pemerintah Kota Contoh", "Dibuat 4 Desember 2026 08.30",
                     "Kursus: Netralitas ASN dalam Pemilu dan Pilkada", "1234", "ASN aktif",
                     "Dinas Pendidikan", "1000", "600", "300", "60 %", "<script>&\"'", "25 %", "Kecamatan Kosong",
                     "Pemungutan suara 27 Nov", "Target 90 %, 20 Nov", "Tuntas", "Sedang berjalan", "Belum mulai"):
        assert expected in strings or expected in text, expected
    assert "ASN sudah tuntas; dengan laju saat ini 90 % tercapai pada" in text
    assert "Ditampilkan" not in text


def test_summary_pdf_with_two_hundred_skpds_stays_one_page_and_shows_the_worst() -> None:
    items = [BarItem(f"SKPD {i:03d}", i % 100, 5, 100 - i % 100, href=f"/rekap/{i}") for i in range(200)]
    count, strings, _box = pdf_pages(_summary(items))
    assert count == 1
    shown = sorted(s for s in strings if re.fullmatch(r"SKPD \d{3}", s))
    assert 20 <= len(shown) < 200
    shares = sorted({int(s[5:]) % 100 for s in shown})
    assert shares == list(range(len(shares)))  # the lowest shares done, none better left out
    note = next(s for s in strings if s.startswith("Ditampilkan"))
    assert f"Ditampilkan {len(shown)} SKPD dengan capaian terendah dari 200 SKPD" in note

    count, strings, _box = pdf_pages(_summary(items, start=None, end=None))  # no timeline: more rows fit
    assert count == 1 and len([s for s in strings if re.fullmatch(r"SKPD \d{3}", s)]) > len(shown)


def test_summary_pdf_edge_cases() -> None:
    count, strings, _box = pdf_pages(_summary([], start=None, end=None))
    assert count == 1 and "Belum ada SKPD untuk ditampilkan." in strings
    long_title = "Rekap " * 40
    count, strings, _box = pdf_pages(summary_pdf(long_title, "Instansi", "hari ini", ["x"] * 20, {}, [], "-"))
    assert count == 1 and any(s.endswith("…") for s in strings)
    with pytest.raises(ValueError):
        _summary([], start=D(2026, 12, 1), end=D(2026, 11, 1))


# --- translations ---------------------------------------------------------------------------------

