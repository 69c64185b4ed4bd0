"""A local site of N pages for the audit benchmarks: every page carries the official base code
(the queue stub, as in fixture_sites/templates/partials/base_code_js.html; conf + view) and the
noscript image, links to the next pages breadth-first, and is served over HTTP on loopback.

    with BenchSite(pages=50) as site:
        site.url(0)   # http://127.0.0.1:PORT/p/0
"""

from __future__ import annotations

from types import TracebackType

from aiohttp import web

from mock_endpoint.runner import ThreadedServer

KEY = "0123456789abcdef0123456789abcdef"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Bench page {i}</title>
<script>
(function (w, d) {{
  var id = 'spdt-capture', n = 'script';
  if (!d.getElementById(id)) {{
    w.spdt = w.spdt || function () {{ (w.spdt.q = w.spdt.q || []).push(arguments); }};
    var e = d.createElement(n); e.id = id; e.async = 1;
    e.src = 'https://pixel.byspotify.com/ping.min.js';
    var s = d.getElementsByTagName(n)[0]; s.parentNode.insertBefore(e, s);
  }}
}})(window, document);
spdt('conf', {{key: '{key}'}});
spdt('view');
</script>
</head><body>
<h1>Page {i}</h1>
<p>{filler}</p>
<ul>{links}</ul>
<noscript><img height="1" width="1" style="display:none" alt=""
 src="https://pixel.byspotify.com/pixel?key={key}&ev=view"></noscript>
</body></html>
"""


class BenchSite:
    def __init__(self, pages: int) -> None:
        self.pages = pages
        app = web.Application()
        app.router.add_get("/p/{i}", self._page)
        self._server = ThreadedServer(app, name="bench-site")

    async def _page(self, request: web.Request) -> web.Response:
        try:
            i = int(request.match_info["i"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if not 0 <= i < self.pages:
            raise web.HTTPNotFound()
        children = [c for c in (2 * i + 1, 2 * i + 2) if c < self.pages]
        links = "".join(f'<li><a href="/p/{c}">page {c}</a></li>' for c in children)
        html = PAGE.format(i=i, key=KEY, links=links, filler="Lorem ipsum dolor sit amet. " * 40)
        return web.Response(text=html, content_type="text/html")

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self._server.port}/p/{i}"

    def urls(self) -> list[str]:
        return [self.url(i) for i in range(self.pages)]

    def __enter__(self) -> BenchSite:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop()
