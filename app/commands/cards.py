"""``riskatlas cards``: 岗位安全风险告知卡 as PDF, one post or every card of an enterprise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, fail

app = typer.Typer(help="岗位安全风险告知卡 (post risk notification cards)", no_args_is_help=True)

PaperOpt = Annotated[str, typer.Option("--paper", help="A5 (默认) 或 A4")]
BasisOpt = Annotated[str, typer.Option("--basis", help="residual 现有风险 / inherent 固有风险")]
VersionOpt = Annotated[str, typer.Option("--version", help="版本, 如 V1.0")]


def _check(paper: str, basis: str, out: Path | None, suffixes: tuple[str, ...]) -> None:
    if paper not in ("A5", "A4"):
        fail(f"--paper 应为 A5 或 A4, 实为 {paper!r}", 2)
    if basis not in ("residual", "inherent"):
        fail(f"--basis 应为 residual 或 inherent, 实为 {basis!r}", 2)
    if out is not None and out.suffix.lower() not in suffixes:
        fail(f"输出文件应为 {'/'.join(suffixes)}: {out}", 2)


@app.command("post")
def post_cmd(
    area_id: Annotated[int, typer.Argument(min=1, help="岗位 (区域) id")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .pdf/.png/.svg (默认 out/card-ID.pdf)")] = None,
    paper: PaperOpt = "A5",
    basis: BasisOpt = "residual",
    version: VersionOpt = "V1.0",
) -> None:
    """一个岗位的告知卡 (二维码指向 RISKATLAS_PUBLIC_BASE_URL/cards/令牌, 令牌随机, 不是岗位 id)."""
    from app.settings import web_settings
    from layers.cards import card_url, post_card
    from layers.errors import NotFound
    from maps.cards import CardOptions, render_card
    from maps.settings import map_settings

    _check(paper, basis, out, (".pdf", ".png", ".svg"))
    with connection(fails_on=(NotFound,)) as conn:
        card = post_card(conn, area_id, basis)  # type: ignore[arg-type]
    target = out or map_settings().out_dir / f"card-{area_id}.pdf"
    url = card_url(web_settings().public_base_url, card.token)
    render_card(card, url, target, CardOptions(paper, version))
    typer.echo(f"{target}  ({card.enterprise_name} {card.name}, 二维码 {url})")


@app.command("batch")
def batch_cmd(
    enterprise_id: Annotated[int, typer.Argument(min=1, help="企业 id")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .pdf (默认 out/cards-ID.pdf)")] = None,
    paper: PaperOpt = "A5",
    basis: BasisOpt = "residual",
    version: VersionOpt = "V1.0",
) -> None:
    """企业全部告知卡, 一卡一页, 合为一个 PDF (批量打印), 逐张显示进度."""
    from app.settings import web_settings
    from layers.cards import card_areas, card_url
    from layers.errors import NotFound
    from maps.cards import CardOptions, render_cards
    from maps.settings import map_settings

    _check(paper, basis, out, (".pdf",))
    with connection(fails_on=(NotFound,)) as conn:
        cards = card_areas(conn, enterprise_id, basis)  # type: ignore[arg-type]
    if not cards:
        fail(f"企业 {enterprise_id} 尚未绘制岗位或车间, 没有告知卡 (no posts drawn yet)")
    target = out or map_settings().out_dir / f"cards-{enterprise_id}.pdf"
    base = web_settings().public_base_url

    def progress(i: int, n: int, card) -> None:
        typer.echo(f"[{i}/{n}] {card.code} {card.name}", err=True)

    render_cards(cards, lambda c: card_url(base, c.token), target, CardOptions(paper, version), progress)
    typer.echo(f"{target}  ({cards[0].enterprise_name}: {len(cards)} 张告知卡)")
