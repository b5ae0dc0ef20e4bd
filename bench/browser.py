"""Debian's headless chromium driven over the DevTools protocol, and a live app server to point it at.

Shared by the tests (pages checked in a real browser) and the benchmarks (page load timings), so it
lives beside the benchmarks, which import neither the tests nor the app.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]


def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("chromium 未安装 (Debian package chromium missing): run scripts/setup.sh --test")
    return path


def _run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="riskatlas-chromium-") as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


def dump_dom(url: str, *, budget_ms: int = 5000) -> str:
    proc = _run([f"--virtual-time-budget={budget_ms}", "--dump-dom", url])
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed: {proc.stderr[-2000:]}")
    return proc.stdout


def screenshot(url: str, out: Path, *, size: str = "1400,1000", budget_ms: int = 5000) -> Path:
    proc = _run([f"--virtual-time-budget={budget_ms}", f"--window-size={size}", f"--screenshot={out}", url])
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"chromium screenshot failed: {proc.stderr[-2000:]}")
    return out


@contextmanager
def serve(args: list[str], env: dict, health: str, timeout: float = 60):
    """A server subprocess, waited for until ``health`` answers, yielded (a test may kill it); stopped
    afterwards. Its output goes to a temporary file, shown when it fails to start: a pipe nobody
    reads would fill up with its log and stop the server at its next line."""
    with tempfile.TemporaryFile(mode="w+", prefix="riskatlas-serve-") as log:
        proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(health, timeout=5).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"server did not start: {' '.join(args[:4])}: "
                                           f"{log.read()[-2000:]}") from None
                    time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def live_app(database_url: str, timeout: float = 30):
    """The real app served by uvicorn in a child process on a free loopback port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve([sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
                "--port", str(port), "--log-level", "warning"], {"DATABASE_URL": database_url},
               base + "/api/health", timeout):
        yield base


# -- DevTools protocol: console, network, clicks -----------------------------------------------------
#: Only loopback is reachable: other host names do not resolve and anything else goes to a dead proxy
#: (loopback bypasses proxies), so a page that reaches out fails loudly instead of quietly working.
LOOPBACK_ONLY = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
                 "--proxy-server=http://127.0.0.1:9"]


class DevTools:
    """A headless chromium driven over the DevTools protocol (``websocket-client``): navigate, evaluate
    JavaScript, click at a point, and keep every console message, exception and network response."""

    def __init__(self, proc: subprocess.Popen, ws, profile: str):
        self.proc, self.ws, self.profile = proc, ws, profile
        self._id = 0
        self.events: list[dict] = []

    @classmethod
    @contextmanager
    def launch(cls, *, size: tuple[int, int] = (1400, 1000), loopback_only: bool = True,
               timeout: float = 30) -> Iterator[DevTools]:
        import json

        import websocket

        profile = tempfile.mkdtemp(prefix="riskatlas-cdp-")
        args = [chromium(), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                "--remote-allow-origins=*", f"--window-size={size[0]},{size[1]}",
                *(LOOPBACK_ONLY if loopback_only else []), "about:blank"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ws = None
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not port_file.exists() or not port_file.read_text().strip():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chromium did not open its DevTools port")
                time.sleep(0.05)
            port = int(port_file.read_text().split()[0])
            while True:
                targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("chromium has no page target")
                time.sleep(0.05)
            ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True)
            dt = cls(proc, ws, profile)
            for domain in ("Page", "Runtime", "Log", "Network"):
                dt.call(f"{domain}.enable")
            yield dt
        finally:
            if ws is not None:
                ws.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            shutil.rmtree(profile, ignore_errors=True)

    def call(self, method: str, **params) -> dict:
        import json

        self._id += 1
        my_id = self._id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds: float) -> None:
        """Collect events for a while (the page keeps loading meanwhile)."""
        import json

        import websocket

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.ws.settimeout(max(0.01, end - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            if "method" in msg:
                self.events.append(msg)
        self.ws.settimeout(60)

    def evaluate(self, expression: str):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JavaScript failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30):
        """Poll a JavaScript expression until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"never true: {expression}")
            self.pump(0.2)

    def phone(self, width: int = 390, height: int = 844) -> None:
        """Lay pages out as a phone of ``width`` CSS pixels does (headless chromium's window is at
        least 500 px wide, so a narrower viewport must be emulated)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=2, mobile=True)

    def navigate(self, url: str, timeout: float = 30) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", timeout)

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, out: Path) -> Path:
        import base64

        out.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return out

    def console_errors(self) -> list[str]:
        """Uncaught exceptions, console.error calls and error log entries (failed loads included)."""
        found = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                found.append(f"exception: {d.get('exception', {}).get('description') or d.get('text')}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                found.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                found.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return found

    def responses(self) -> list[tuple[str, int, str]]:
        """(url, status, mime type) of every response so far."""
        return [(e["params"]["response"]["url"], e["params"]["response"]["status"], e["params"]["response"]["mimeType"])
                for e in self.events if e["method"] == "Network.responseReceived"]

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    # -- what a person does in the console: pages, forms, files, the session cookie -----------------
    def goto(self, url: str, *, settle_s: float = 0.2) -> None:
        self.navigate(url)
        self.pump(settle_s)

    def wait_event(self, method: str, *, after: int, timeout: float = 30) -> dict:
        """The first event ``method`` received after event number ``after`` (see ``len(self.events)``)."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events[after:]:
                if e["method"] == method:
                    return e.get("params", {})
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self.pump(0.1)

    def click_and_wait(self, selector: str, *, timeout: float = 30) -> None:
        """Click a link or button and wait for the page it leads to."""
        import json

        mark = len(self.events)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_event("Page.loadEventFired", after=mark, timeout=timeout)
        self.wait_for("document.readyState === 'complete'", timeout)

    def submit(self, form_selector: str, values: dict[str, str], *, timeout: float = 30) -> None:
        """Fill the named fields of a form and submit it; waits for the next page."""
        import json

        mark = len(self.events)
        self.evaluate(f"""(function () {{
            const f = document.querySelector({json.dumps(form_selector)});
            if (!f) throw new Error('form not found: ' + {json.dumps(form_selector)});
            const v = {json.dumps(values)};
            for (const k in v) {{ const el = f.elements[k]; if (!el) throw new Error('no field ' + k); el.value = v[k]; }}
            f.requestSubmit();
        }})()""")
        self.wait_event("Page.loadEventFired", after=mark, timeout=timeout)
        self.wait_for("document.readyState === 'complete'", timeout)

    def set_file(self, selector: str, path: Path) -> None:
        """Choose a file in an <input type=file>, as in the file dialog."""
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise RuntimeError(f"no element {selector}")
        self.call("DOM.setFileInputFiles", files=[str(path)], nodeId=node)

    def login(self, base: str, token: str, *, cookie: str) -> None:
        """Start a console session: set the session cookie named ``cookie`` that the login form would set."""
        self.call("Network.setCookie", name=cookie, value=token, url=base, httpOnly=True, sameSite="Strict")

    def login_form(self, base: str, username: str, password: str) -> None:
        """Log in as a person does: open ``/login``, fill in the form and submit it."""
        self.navigate(f"{base}/login")
        self.submit("form", {"username": username, "password": password})
