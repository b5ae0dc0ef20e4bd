"""Batch printing of 岗位安全风险告知卡: every card of an enterprise as one PDF.

``riskatlas``: :func:`maps.cards.render_cards`, all cards into one PdfPages file, so the CJK font is
subset and embedded once per batch (Type 3, see ``maps.typeset.pdf_fonts``).
Baseline: the obvious way without a batch function: :func:`maps.cards.render_card` once per card (a
PDF each, each embedding its own font subsets), then the files joined with pypdf.
"""

from __future__ import annotations

from bench.harness import Context, benchmark
from layers.cards import card_areas, card_url
from maps.cards import render_card, render_cards

BASE = "http://localhost:8000"


@benchmark("cards_batch", "岗位安全风险告知卡批量打印为一个 PDF (one PDF, one card a page) vs 逐卡单独成 PDF 再用 pypdf "
           "合并 (a PDF per card, joined)", baseline="per_card_pdfs_joined")
def cards_batch(ctx: Context):
    from pypdf import PdfWriter

    n = ctx.scale(2, 40)
    conn = ctx.connect()
    with conn.cursor() as cur:
        cur.execute("""SELECT enterprise_id FROM area WHERE kind IN ('workshop', 'unit', 'post')
                       GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 50""")
        ids = [r[0] for r in cur.fetchall()]
    cards = []
    for eid in ids:
        cards += card_areas(conn, eid)
        if len(cards) >= n:
            break
    cards = cards[:n]
    conn.rollback()
    conn.close()
    ctx.log(f"cards_batch: {len(cards)} 张告知卡 (A5)")

    def url(card) -> str:
        return card_url(BASE, card.token)

    def ours() -> dict:
        out = render_cards(cards, url, ctx.tmp / "batch.pdf")
        return {"cards": len(cards), "bytes": out.stat().st_size}

    def per_card() -> dict:
        writer = PdfWriter()
        for i, c in enumerate(cards):
            writer.append(str(render_card(c, url(c), ctx.tmp / f"card-{i}.pdf")))
        out = ctx.tmp / "joined.pdf"
        with open(out, "wb") as fh:
            writer.write(fh)
        return {"cards": len(cards), "bytes": out.stat().st_size}

    yield {"riskatlas_render_cards": ours, "per_card_pdfs_joined": per_card}
