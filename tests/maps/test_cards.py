"""岗位安全风险告知卡, opened as a reader would: its text, its colour band, its QR code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import psycopg2
import pytest
import zxingcpp
from PIL import Image

from layers.cards import TOKEN, WARNING_SIGNS, card_areas, card_url, mask_mobile, post_card, public_card
from layers.errors import NotFound
from layers.levels import PALETTE, Level
from maps.cards import CardOptions, qr_matrix, render_card, render_cards

BASE = "https://riskatlas.example.gov.cn/app"


def pdftotext(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_png(pdf: Path, out: Path, dpi: int, page: int = 1) -> np.ndarray:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-png", str(pdf),
                    str(out)], check=True, capture_output=True)
    return np.asarray(Image.open(f"{out}.png").convert("RGB"))


def _post_of_level(conn, level: str) -> int:
    """A demo post whose residual level (area_level view) is ``level``."""
    with conn.cursor() as cur:
        cur.execute("""SELECT a.id FROM area a JOIN area_level al ON al.area_id = a.id
                       WHERE a.kind IN ('post', 'unit') AND al.residual_level = %s ORDER BY a.id LIMIT 1""", (level,))
        return cur.fetchone()[0]


@pytest.fixture(scope="module")
def batch(demo_url, tmp_path_factory):
    """Every card of the demo 华铝 plant (enterprise 1), printed as one A5 PDF with progress."""
    conn = psycopg2.connect(demo_url)
    try:
        cards = card_areas(conn, 1)
    finally:
        conn.close()
    seen: list[tuple[int, int, int]] = []
    pdf = render_cards(cards, lambda c: card_url(BASE, c.token), tmp_path_factory.mktemp("cards") / "all.pdf",
                       CardOptions("A5"), progress=lambda i, n, c: seen.append((i, n, c.area_id)))
    return cards, pdf, seen


@pytest.fixture(scope="module")
def cards(batch):
    """(card, page number) of one card of each level."""
    cards, pdf, _ = batch
    by_level = {}
    for page, c in enumerate(cards, 1):
        if c.level is not None:
            by_level.setdefault(c.level.value, (c, page))
    assert set(by_level) == {"major", "significant", "general", "low"}  # the demo plant has all four
    return {k: (c, pdf, page) for k, (c, page) in by_level.items()}


def test_card_fields_come_from_the_risks(conn):
    # 熔炼炉工位 of the demo 华铝 plant: three risks (demo/plants.py), one 较大 after controls
    aid = _post_of_level(conn, "significant")
    card = post_card(conn, aid)
    with conn.cursor() as cur:
        cur.execute("""SELECT count(*), max(residual_level)::text FROM risk
                       WHERE area_id IN (SELECT id FROM area WHERE id = %s OR parent_id = %s)""", (aid, aid))
        n, top = cur.fetchone()
        cur.execute("SELECT emergency_phone FROM enterprise e JOIN area a ON a.enterprise_id = e.id WHERE a.id = %s",
                    (aid,))
        phone = cur.fetchone()[0]
    assert len(card.risks) == n and card.level == Level(top) == Level.SIGNIFICANT
    assert card.level is not None and all(r.level <= card.level for r in card.risks)
    assert ("企业应急电话", phone) in card.emergency_contacts and ("火警", "119") in card.emergency_contacts
    assert card.signs and set(card.signs) <= set(WARNING_SIGNS.values())
    assert all(kind != "应急处置" for kind, _ in card.measures)


def test_plant_and_unknown_areas_have_no_card(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM area WHERE kind = 'plant' ORDER BY id LIMIT 1")
        plant = cur.fetchone()[0]
    with pytest.raises(NotFound, match="厂区"):
        post_card(conn, plant)
    with pytest.raises(NotFound, match="不存在"):
        post_card(conn, 2_000_000_000)
    with pytest.raises(NotFound):
        card_areas(conn, 2_000_000_000)


def test_card_pdf_text_names_enterprise_post_and_hazards(cards):
    for card, pdf, page in cards.values():
        flat = "".join(pdftotext(pdf, page).split())
        assert "岗位安全风险告知卡" in flat
        assert "".join(card.enterprise_name.split()) in flat
        assert card.name in flat and card.code in flat
        assert card.level is not None and card.level.name_zh in flat
        assert card.hazard_factors[0][:4] in flat
        assert "应急电话" in flat and "119" in flat


def test_colour_band_pixel_is_the_palette_colour_of_the_level(cards, tmp_path):
    for level, (_, pdf, page) in cards.items():
        img = page_png(pdf, tmp_path / level, 50, page)
        h, w, _ = img.shape
        # The header band spans 7-28 mm from the top of the 210 mm page (maps/cards.py); sample its
        # left part, clear of the title text, at 10 mm from the left of the 148 mm width.
        y, x = int(h * 12 / 210), int(w * 10 / 148)
        assert tuple(int(v) for v in img[y, x]) == PALETTE.rgb(level), level
        # and the 风险等级 row repeats it (its cell starts 30 mm from the left, below 2 rows of 9 mm)
        y2, x2 = int(h * (28 + 18 + 2) / 210), int(w * 40 / 148)
        assert tuple(int(v) for v in img[y2, x2]) == PALETTE.rgb(level), level


def test_qr_code_decodes_to_the_public_card_url(cards, tmp_path):
    """The printed QR code carries the card's random token, never the area's sequential id."""
    for level, (card, pdf, page) in cards.items():
        img = Image.fromarray(page_png(pdf, tmp_path / f"qr-{level}", 150, page))
        found = [b.text for b in zxingcpp.read_barcodes(img) if b.format == zxingcpp.BarcodeFormat.QRCode]
        assert found == [f"{BASE}/cards/{card.token}"]
        token = found[0].rsplit("/", 1)[1]
        assert TOKEN.fullmatch(token) and not token.isdigit() and str(card.area_id) != token


def test_every_card_has_its_own_random_token(batch, conn):
    cards, _, _ = batch
    tokens = [c.token for c in cards]
    assert all(t and TOKEN.fullmatch(t) for t in tokens) and len(set(tokens)) == len(tokens)
    # a new area gets one in the statement that draws it
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom)
                       SELECT enterprise_id, id, 'post', 'TOKEN-NEW', '新岗位', geom FROM area
                       WHERE enterprise_id = 1 AND kind = 'workshop' ORDER BY id LIMIT 1 RETURNING id""")
        aid = cur.fetchone()[0]
    card = post_card(conn, aid)
    assert card.token and TOKEN.fullmatch(card.token) and card.token not in tokens
    for bad in (None, str(aid), "x" * 21, "../../etc/passwd-xxxxxx"):
        with pytest.raises(ValueError, match="令牌"):
            card_url(BASE, bad)


@pytest.mark.parametrize("text, masked", [
    ("13812345678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("+86 139 1234 5678", "139****5678"),
    ("张三 15012345678 / 0519-88881234", "张三 150****5678 / 0519-88881234"),
    ("0519-88881234", "0519-88881234"),        # a landline stays
    ("119", "119"), ("120", "120"),            # public numbers stay
    ("12812345678", "12812345678"),           # not a mobile prefix (1[3-9])
    ("051913812345678", "051913812345678"),   # inside a longer run of digits: not a mobile number
    (None, None), ("", ""),
])
def test_mask_mobile(text, masked):
    assert mask_mobile(text) == masked


def test_public_card_masks_mobile_numbers_unless_the_enterprise_publishes_them(conn):
    aid = _post_of_level(conn, "significant")
    with conn.cursor() as cur:
        cur.execute("UPDATE risk SET responsible = '李四', responsible_phone = '13912345678' WHERE area_id = %s", (aid,))
        cur.execute("UPDATE enterprise SET emergency_phone = '0519-88881234', contact_phone = '13700001111' "
                    "WHERE id = (SELECT enterprise_id FROM area WHERE id = %s)", (aid,))
    card = post_card(conn, aid)
    shown = public_card(card)
    assert [c.phone for c in shown.responsible] == ["139****5678"]
    numbers = dict(shown.emergency_contacts)
    assert numbers["企业应急电话"] == "0519-88881234" and numbers["火警"] == "119" and numbers["急救"] == "120"
    assert "137****1111" in numbers.values() and "13700001111" not in numbers.values()
    assert [c.phone for c in card.responsible] == ["13912345678"]     # the printed card's data are whole
    with conn.cursor() as cur:
        cur.execute("UPDATE enterprise SET card_publish_mobile = true WHERE id = %s", (card.enterprise_id,))
    published = public_card(post_card(conn, aid))
    assert [c.phone for c in published.responsible] == ["13912345678"]


def test_qr_matrix_is_a_version_sized_square():
    m = qr_matrix("http://localhost:8000/cards/1")
    assert len(m) == len(m[0]) and (len(m) - 17) % 4 == 0  # QR versions are 17 + 4v modules wide (ISO/IEC 18004)


def test_batch_prints_every_card_of_an_enterprise_one_a_page(batch, conn):
    cards, pdf, seen = batch
    with conn.cursor() as cur:
        cur.execute("""SELECT count(*) FROM area a WHERE a.enterprise_id = 1 AND (a.kind IN ('post', 'unit') OR
                       (a.kind = 'workshop' AND NOT EXISTS (SELECT 1 FROM area c WHERE c.parent_id = a.id
                                                            AND c.kind IN ('post', 'unit'))))""")
        assert len(cards) == cur.fetchone()[0] > 5
    assert seen == [(i, len(cards), c.area_id) for i, c in enumerate(cards, 1)]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"^Pages:\s+{len(cards)}$", info, re.M)
    assert "419.528 x 595.276 pts" in info  # A5 portrait = 148 x 210 mm
    text = "".join(pdftotext(pdf).split())
    assert all(c.name in text for c in cards)


def test_long_content_stays_inside_the_frame(conn, tmp_path):
    # A workshop card gathers every risk below it: the longest card of the demo.
    with conn.cursor() as cur:
        cur.execute("""SELECT w.id FROM area w JOIN area c ON c.parent_id = w.id WHERE w.kind = 'workshop'
                       GROUP BY w.id ORDER BY count(*) DESC, w.id LIMIT 1""")
        wid = cur.fetchone()[0]
    card = post_card(conn, wid)
    assert len(card.risks) >= 5
    pdf = render_card(card, card_url(BASE, card.token), tmp_path / "long.pdf")
    img = page_png(pdf, tmp_path / "long", 60)
    h, w, _ = img.shape
    # outside the frame (7 mm margin) the page stays white: nothing overflowed
    margin = int(w * 5 / 148)
    for strip in (img[:, :margin], img[:, -margin:], img[-margin:, :]):
        assert (strip.reshape(-1, 3) > 240).all()
