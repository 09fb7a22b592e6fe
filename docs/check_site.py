#!/usr/bin/env python
"""Check the built site (_docs/) in a real browser: Debian's chromium, driven by playwright.

Every page is opened from a local server and must have a title and a table of contents; every internal link must
resolve to an existing page and anchor; every image must load; the site's own scripts must log no errors. The theory
page must show rendered maths, the API pages must list each module's public names, and the tutorial must show its
figures. Screenshots of the home, theory and tutorial pages go to _build/screenshots/ (not committed).

Usage: python docs/check_site.py [--chromium /usr/bin/chromium]
"""
import argparse, functools, http.server, importlib, re, socketserver, sys, threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse, unquote

ROOT = Path(__file__).resolve().parent.parent
SITE, SHOTS = ROOT / "_docs", ROOT / "_build" / "screenshots"
MODULES = {m: f"{m}.html" for m in ("models", "operators", "numerics", "losses", "engine", "pinn", "ntk", "spectrum",
                                    "dynamics", "training", "gauss_newton", "plots", "explorer", "study", "cli")}
MODULES["sharding"] = "scaling.html"          # exported from the Scaling chapter

class _Ids(HTMLParser):
    def __init__(self): super().__init__(); self.ids = set()
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("id", "name") and v: self.ids.add(v)

@functools.lru_cache(maxsize=None)
def ids_of(path: Path) -> frozenset:
    p = _Ids(); p.feed(path.read_text(encoding="utf-8")); return frozenset(p.ids)

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a, **k): pass

def serve():
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = socketserver.TCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    a = ap.parse_args()
    if not (SITE / "index.html").exists(): sys.exit("no site: build it first with `python docs/build.py`.")
    from playwright.sync_api import sync_playwright
    httpd, base = serve()
    pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))
    problems, stats = [], {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=a.chromium, args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        for rel in pages:
            page = ctx.new_page()
            errors = []
            page.on("console", lambda m, errors=errors: errors.append(f"console {m.type}: {m.text} ({m.location.get('url', '')})") if m.type == "error" else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(f"page error: {e}"))
            page.on("requestfailed", lambda r, errors=errors: errors.append(f"request failed: {r.url}") if r.url.startswith(base) else None)
            page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))   # the browser's own request
            resp = page.goto(base + rel, wait_until="load")
            page.wait_for_timeout(300)   # deferred scripts (maths, search) run after load
            if resp is None or not resp.ok: problems.append(f"{rel}: HTTP {resp.status if resp else 'no response'}")
            title = page.title().strip()
            if not title: problems.append(f"{rel}: no <title>")
            n_heads = page.locator("main h2, main h3, #quarto-document-content h2").count()
            if n_heads >= 2 and page.locator("#TOC").count() == 0: problems.append(f"{rel}: {n_heads} headings but no table of contents")
            if page.locator("#quarto-sidebar a").count() < 5: problems.append(f"{rel}: sidebar missing or nearly empty")
            problems += [f"{rel}: {e}" for e in errors if base in e or "page error" in e]
            # links: internal ones must resolve to a file and, with a fragment, to an id in it
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                if not href or href.startswith(("mailto:", "javascript:")): continue
                url = urljoin(base + rel, href)
                if not url.startswith(base): continue
                u = urlparse(url); target = SITE / unquote(u.path[len(urlparse(base).path):])
                if target.is_dir(): target = target / "index.html"
                if not target.exists(): problems.append(f"{rel}: broken link {href}"); continue
                if u.fragment and target.suffix == ".html" and unquote(u.fragment) not in ids_of(target):
                    problems.append(f"{rel}: link {href} points to a missing anchor")
            imgs = page.eval_on_selector_all("img", "els => els.map(e => [e.getAttribute('src') || '', e.complete && e.naturalWidth > 0])")
            problems += [f"{rel}: image did not load: {src[:80]}" for src, ok in imgs if not ok]
            stats[rel] = dict(title=title, images=sum(ok for _, ok in imgs), katex=page.locator(".katex").count())
            if rel in ("index.html", "theory.html", "poisson.html"):
                page.screenshot(path=str(SHOTS / rel.replace(".html", ".png")), full_page=False)
            page.close()
        browser.close()
    httpd.shutdown()
    # page-specific requirements
    if stats.get("theory.html", {}).get("katex", 0) < 20: problems.append(f"theory.html: maths not rendered ({stats.get('theory.html', {}).get('katex', 0)} KaTeX elements)")
    if stats.get("poisson.html", {}).get("images", 0) < 5: problems.append(f"poisson.html: only {stats.get('poisson.html', {}).get('images', 0)} figures shown")
    sys.path.insert(0, str(ROOT))
    def has_entry(name, ids):   # headings are slugged in lower case; repeated slugs get -1, -2, ...
        n = name.lower(); return any(i == n or re.fullmatch(re.escape(n) + r"-\d+", i) for i in ids)
    for mod, html in MODULES.items():
        m = importlib.import_module(f"ntk_pinn.{mod}")
        names = [n for n in getattr(m, "__all__", []) if not n.startswith("_") and callable(getattr(m, n, None))
                 and getattr(getattr(m, n), "__module__", "") == m.__name__]
        missing = [n for n in names if not has_entry(n, ids_of(SITE / html))]
        if missing: problems.append(f"{html}: API entries missing for {missing}")
    print(f"site check: {len(pages)} pages, {sum(s['images'] for s in stats.values())} images, "
          f"{stats.get('theory.html', {}).get('katex', 0)} rendered formulas on the theory page; screenshots in {SHOTS.relative_to(ROOT)}/")
    if problems:
        print(f"site check FAILED, {len(problems)} problem(s):"); print("\n".join(f"  - {p}" for p in problems)); return 1
    print("site check passed"); return 0

if __name__ == "__main__": sys.exit(main())
