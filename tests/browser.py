"""Debian's headless chromium driven from tests, and a live app server to point it at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port

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
def live_app(database_url: str):
    """The real app served by uvicorn in a child process on a free loopback port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/api/health", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    raise RuntimeError(f"app did not start: {out[-2000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Page:
    """One tab of a headless chromium driven over the DevTools protocol: navigate, run JavaScript,
    click, set the session cookie, and collect console errors and uncaught exceptions."""

    def __init__(self, *, size: tuple[int, int] = (1400, 1000)):
        import json as _json

        import websocket

        self._json = _json
        self._profile = tempfile.TemporaryDirectory(prefix="riskatlas-chromium-")
        self._proc = subprocess.Popen(
            [chromium(), *FLAGS, f"--user-data-dir={self._profile.name}", "--remote-debugging-port=0",
             f"--window-size={size[0]},{size[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium DevTools 未启动 (chromium did not open its DevTools port)")
            time.sleep(0.05)
        port = int(port_file.read_text().split("\n")[0])
        targets = _json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
        page = next(t for t in targets if t["type"] == "page")
        self._ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self._id = 0
        self.console: list[dict] = []      # {"level", "text"} of every console message and exception
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    # -- protocol ------------------------------------------------------------------------------
    def _event(self, msg: dict) -> None:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append({"level": params.get("type"), "text": text})
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.console.append({"level": "error", "text": d.get("exception", {}).get("description") or d.get("text")})
        elif method == "Log.entryAdded":
            e = params.get("entry", {})
            self.console.append({"level": e.get("level"), "text": f"{e.get('text')} {e.get('url', '')}".strip()})

    def send(self, method: str, **params) -> dict:
        self._id += 1
        my = self._id
        self._ws.send(self._json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = self._json.loads(self._ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = self._json.loads(self._ws.recv())
            self._event(msg)
            if msg.get("method") == method:
                self._ws.settimeout(30)
                return msg.get("params", {})
        raise TimeoutError(method)

    # -- what tests use ------------------------------------------------------------------------
    def goto(self, url: str, *, settle_s: float = 0.5) -> None:
        self.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")
        time.sleep(settle_s)

    def eval(self, expression: str, *, timeout: float = 30):
        r = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                      timeout=int(timeout * 1000))
        if "exceptionDetails" in r:
            raise RuntimeError(f"JS 出错 (JavaScript error): {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def wait_for(self, expression: str, *, timeout: float = 20) -> object:
        """Poll a JavaScript expression until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = self.eval(expression)
            if v:
                return v
            time.sleep(0.1)
        raise TimeoutError(f"页面上始终不满足 (never true on the page): {expression}")

    def submit(self, form_selector: str, values: dict[str, str], *, timeout: float = 30) -> None:
        """Fill the named fields of a form as a person would and submit it; waits for the next page."""
        import json as _json

        self.eval(f"""(function () {{
            const f = document.querySelector({_json.dumps(form_selector)});
            if (!f) throw new Error('form not found: ' + {_json.dumps(form_selector)});
            const v = {_json.dumps(values)};
            for (const k in v) {{ const el = f.elements[k]; if (!el) throw new Error('no field ' + k); el.value = v[k]; }}
            f.requestSubmit();
        }})()""")
        self.wait_event("Page.loadEventFired", timeout=timeout)

    def set_file(self, selector: str, path: Path) -> None:
        """Choose a file in an <input type=file> (what a person does in the file dialog)."""
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise RuntimeError(f"no element {selector}")
        self.send("DOM.setFileInputFiles", files=[str(path)], nodeId=node)

    def set_cookie(self, base: str, name: str, value: str) -> None:
        self.send("Network.setCookie", name=name, value=value, url=base, httpOnly=True, sameSite="Strict")

    def login(self, base: str, token: str) -> None:
        from app.auth import COOKIE

        self.set_cookie(base, COOKIE, token)

    def screenshot(self, out: Path) -> Path:
        import base64

        out.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))
        return out

    def errors(self) -> list[str]:
        return [c["text"] for c in self.console if c["level"] in ("error", "assert")]

    def close(self) -> None:
        try:
            if getattr(self, "_ws", None) is not None:
                self._ws.close()
        finally:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._profile.cleanup()

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
