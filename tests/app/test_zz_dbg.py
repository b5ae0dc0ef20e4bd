import time, threading, http.client
from tests.app.test_faults import private, _import_file, _writing_backends, _count  # noqa
from tests.auth import ensure_user, http_token
from bench.browser import live_app
import tests.app.test_faults as T

def test_dbg(private):
    t=time.monotonic(); body=_import_file(private.url, 20000); print("build", time.monotonic()-t, len(body))
    with live_app(private.url) as base:
        port=T._port(base)
        token = http_token(base, ensure_user(private.url, "admin"))
        t0=time.monotonic(); res={}
        def up():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.request("POST", "/api/imports/enterprises?filename=e.geojson&dry_run=false", body=body,
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})
            r=c.getresponse(); res['s']=r.status; res['b']=r.read()[:300]
        th=threading.Thread(target=up); th.start()
        first=None
        while th.is_alive():
            if _writing_backends(private.url) and first is None:
                first=time.monotonic()-t0; print("writing at", first)
            time.sleep(0.01)
        print("done at", time.monotonic()-t0, res)
