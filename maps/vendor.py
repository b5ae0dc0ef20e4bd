"""Front-end assets of the interactive maps and of the API documentation, installed at set-up and served by
the app (no CDN at run time).

Leaflet, Leaflet.VectorGrid, leaflet.heat and everything folium's page template references are fetched
once from the npm registry with the ordinary client (``npm pack NAME@VERSION``; Debian's ``npm``),
checked against the pinned sha512 integrity below, and unpacked into :attr:`MapSettings.vendor_dir`
(``var/vendor`` by default). The app serves that directory at ``/static/vendor/`` and the pages point
every script and stylesheet there (:func:`localise` rewrites folium's CDN URLs and refuses any it
does not know). Run ``riskatlas city assets`` (``scripts/setup.sh`` does) to install.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from maps.settings import map_settings

if TYPE_CHECKING:
    import folium
    from branca.element import Figure

URL_PREFIX = "/static/vendor/"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str                       # sha512-… as the npm registry publishes it
    files: tuple[tuple[str, str], ...]   # (prefix inside the tarball, destination folder under vendor/)

    @property
    def stamp(self) -> str:
        return f".installed-{self.name.replace('/', '_')}-{self.version}"


PACKAGES: tuple[Package, ...] = (
    Package("leaflet", "1.9.3",
            "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
            (("package/dist/", "leaflet/"),)),
    Package("leaflet.vectorgrid", "1.3.0",
            "sha512-kWmj1pKM+MVdo/7Mg5zsB3YrGZvo/uIuiANV9MvWUFOG+Y2xAJzrteDhoIcCgTjHSSRJ36xdeGdIQVhuWjnCZw==",
            (("package/dist/Leaflet.VectorGrid.bundled.min.js", "vectorgrid/"),)),
    Package("leaflet.heat", "0.2.0",
            "sha512-Cd5PbAA/rX3X3XKxfDoUGi9qp78FyhWYurFg3nsfhntcM/MCNK08pRkf4iEenO1KNqwVPKCmkyktjW3UD+h9bQ==",
            (("package/dist/leaflet-heat.js", "heat/"),)),
    Package("jquery", "3.7.1",
            "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
            (("package/dist/jquery.min.js", "jquery/"),)),
    Package("bootstrap", "5.2.2",
            "sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==",
            (("package/dist/js/bootstrap.bundle.min.js", "bootstrap/js/"),
             ("package/dist/css/bootstrap.min.css", "bootstrap/css/"))),
    Package("@fortawesome/fontawesome-free", "6.2.0",
            "sha512-CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ==",
            (("package/css/all.min.css", "fontawesome/css/"), ("package/webfonts/", "fontawesome/webfonts/"))),
    Package("leaflet.awesome-markers", "2.0.5",
            "sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/8YOvybyMabTMM/mFWCTd1jZIQA==",
            (("package/dist/", "awesome-markers/"),)),
    # the API documentation's viewers (/docs, /redoc), served here like the maps' scripts
    Package("swagger-ui-dist", "5.17.14",
            "sha512-CVbSfaLpstV65OnSjbXfVd6Sta3q3F7Cj/yYuvHMp1P90LztOLs6PfUnKEVAeiIVQt9u2SaPwv0LiH/OyMjHRw==",
            (("package/swagger-ui-bundle.js", "swagger-ui/"), ("package/swagger-ui.css", "swagger-ui/"))),
    Package("redoc", "2.1.5",
            "sha512-POSbVg+7WLf+/5/c6GWLxL7+9t2D+1WlZdLN0a6qaCQc+ih3XYzteRBkXEN5kjrYrRNjdspfxTZkDLN5WV3Tzg==",
            (("package/bundles/redoc.standalone.js", "redoc/"),)),
)

#: Local files (under vendor/) for the names folium gives its default scripts and stylesheets.
FOLIUM_JS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "bootstrap": "bootstrap/js/bootstrap.bundle.min.js",
    "awesome_markers": "awesome-markers/leaflet.awesome-markers.js",
}
FOLIUM_CSS: dict[str, str] = {
    "leaflet_css": "leaflet/leaflet.css",
    "bootstrap_css": "bootstrap/css/bootstrap.min.css",
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "awesome_markers_css": "awesome-markers/leaflet.awesome-markers.css",
    # glyphicons (Bootstrap 3) and the rotate helper are used only by folium's rotated icon markers,
    # which the pages do not draw: they are left out rather than fetched from another host.
}
#: Plugin scripts by the file name folium's plugins (or our pages) ask for.
PLUGINS: dict[str, str] = {
    "Leaflet.VectorGrid.bundled.js": "vectorgrid/Leaflet.VectorGrid.bundled.min.js",
    "Leaflet.VectorGrid.bundled.min.js": "vectorgrid/Leaflet.VectorGrid.bundled.min.js",
    "leaflet_heat.min.js": "heat/leaflet-heat.js",
    "leaflet-heat.js": "heat/leaflet-heat.js",
    "jquery-3.7.1.min.js": "jquery/jquery.min.js",   # folium's file name for jQuery
}
VECTORGRID_JS = PLUGINS["Leaflet.VectorGrid.bundled.js"]
HEAT_JS = PLUGINS["leaflet-heat.js"]
#: The API documentation's viewers, under vendor/.
SWAGGER_JS, SWAGGER_CSS = "swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css"
REDOC_JS = "redoc/redoc.standalone.js"


class AssetsMissing(RuntimeError):
    """The front-end assets are not installed (run ``riskatlas city assets``)."""


def vendor_dir() -> Path:
    return Path(map_settings().vendor_dir)


def url(rel: str) -> str:
    return URL_PREFIX + rel


def missing(dest: Path | None = None) -> list[str]:
    """Packages not yet installed in ``dest``."""
    d = dest or vendor_dir()
    return [f"{p.name}@{p.version}" for p in PACKAGES if not (d / p.stamp).is_file()]


def _check_integrity(data: bytes, integrity: str, what: str) -> None:
    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if digest != expected:
        raise RuntimeError(f"{what}: 校验失败 (integrity mismatch): {algo} {digest} ≠ {expected}")


def _npm_pack(spec: str, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsMissing("需要 npm 来安装前端资源 (npm is needed to fetch the front-end assets): "
                            "apt-get install npm, 或运行 scripts/setup.sh")
    proc = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", str(workdir)], cwd=workdir,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"npm pack {spec} 失败 (failed): {proc.stderr.strip()[-800:]}")
    info = json.loads(proc.stdout)
    return workdir / info[0]["filename"]


def _extract(tgz: Path, pkg: Package, dest: Path) -> int:
    n = 0
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            for prefix, folder in pkg.files:
                if member.name == prefix or (prefix.endswith("/") and member.name.startswith(prefix)):
                    rel = PurePosixPath(member.name).name if member.name == prefix else member.name[len(prefix):]
                    target = (dest / folder / rel).resolve()
                    if not target.is_relative_to(dest.resolve()) or ".." in PurePosixPath(rel).parts:
                        raise RuntimeError(f"{pkg.name}: 不安全的路径 (unsafe path) {member.name}")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    src = tar.extractfile(member)
                    assert src is not None
                    target.write_bytes(src.read())
                    n += 1
    return n


def install(dest: Path | None = None, *, log: Callable[[str], None] = print, force: bool = False) -> list[str]:
    """Fetch and unpack every package not yet in ``dest``; returns those installed now."""
    d = dest or vendor_dir()
    d.mkdir(parents=True, exist_ok=True)
    done = []
    for pkg in PACKAGES:
        if (d / pkg.stamp).is_file() and not force:
            continue
        spec = f"{pkg.name}@{pkg.version}"
        log(f"前端资源 (front-end asset) {spec}")
        with tempfile.TemporaryDirectory(prefix="riskatlas-npm-") as tmp:
            tgz = _npm_pack(spec, Path(tmp))
            _check_integrity(tgz.read_bytes(), pkg.integrity, spec)
            if _extract(tgz, pkg, d) == 0:
                raise RuntimeError(f"{spec}: 压缩包中没有所需文件 (expected files not in the tarball)")
        (d / pkg.stamp).write_text(pkg.integrity + "\n")
        done.append(spec)
    return done


def resolve(rel: str, dest: Path | None = None) -> Path | None:
    """The installed file for a URL path under /static/vendor/, or None (never outside the folder)."""
    d = (dest or vendor_dir()).resolve()
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("..", "") or p.startswith(".") for p in parts):
        return None
    path = (d / PurePosixPath(*parts)).resolve()
    if not path.is_relative_to(d) or not path.is_file():
        return None
    return path


def page(m: folium.Map) -> Figure:
    """The HTML page (branca Figure: header, html, script) a folium map is drawn in, where its
    scripts and stylesheets go."""
    from branca.element import Figure

    root = m.get_root()
    if not isinstance(root, Figure):   # folium puts every Map in a Figure: anything else is a bug
        raise TypeError(f"地图不在网页中 (the map's root is a {type(root).__name__}, not a page)")
    return root


_REF = re.compile(r"""(<script[^>]*\bsrc=|<link[^>]*\bhref=)(["'])(https?:)?//([^"']+)\2""", re.I)


def localise(html: str, *, allowed_hosts: tuple[str, ...] = ()) -> str:
    """Point every known CDN script and stylesheet of a folium page at /static/vendor/; a reference
    to any other host (except ``allowed_hosts``) raises, so a page can never reach out unnoticed."""
    by_name = {PurePosixPath(v).name: v for v in [*FOLIUM_JS.values(), *FOLIUM_CSS.values()]}
    by_name.update(PLUGINS)

    def repl(m: re.Match) -> str:
        full = m.group(4)
        host = full.split("/", 1)[0]
        name = PurePosixPath(full.split("?", 1)[0]).name
        if name in by_name:
            return f"{m.group(1)}{m.group(2)}{url(by_name[name])}{m.group(2)}"
        if host in allowed_hosts:
            return m.group(0)
        raise ValueError(f"页面引用了外部资源 (page references an external asset): //{full}")

    return _REF.sub(repl, html)
