"""Sub-commands of ``riskatlas``, one module per concept; each exposes a ``typer.Typer`` named ``app``.

Register a new module in ``COMMANDS`` (name on the command line -> module path)."""

COMMANDS: dict[str, str] = {
    "levels": "app.commands.levels",
    "regions": "app.commands.regions",
    "lists": "app.commands.risk_lists",
    "sources": "app.commands.hazard_sources",
    "hazards": "app.commands.hidden_hazards",
    "emergency": "app.commands.emergency",
    "users": "app.commands.users",
    "maps": "app.commands.maps",
    "cards": "app.commands.cards",
    "charts": "app.commands.charts",
    "report": "app.commands.report",
    "city": "app.commands.city",
}
