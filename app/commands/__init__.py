"""Sub-commands of ``riskatlas``, one module per concept; each exposes either a ``typer.Typer`` named
``app`` (a group of commands: ``riskatlas regions import``) or a function named ``command`` (one
command: ``riskatlas import``).

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
    "import": "app.commands.imports",
    "init": "app.commands.init",
}
