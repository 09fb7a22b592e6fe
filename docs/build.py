#!/usr/bin/env python
"""Build the documentation site into _docs/ from the notebooks, offline and without Quarto.

1. nbdev's own notebook processing (`proc_nbs`: show_doc entries, directives, front matter) into _proc/.
2. Pages are renamed to the names nbdev's cross-links use (each notebook's `output-file`, e.g. 03_ntk -> ntk),
   and sidebar.yml is rewritten to match.
3. smalldocs renders _proc/ (it reads _quarto.yml, nbdev.yml and sidebar.yml) into _docs/.
4. KaTeX is served from the site itself (copied from docs/node_modules, installed by `npm ci --prefix docs`),
   and links to the published site are made relative, so the site works offline and at any address.
5. Links nbdev makes to internal (`#| exporti`) names, which have no entry on their page, are left as code.

Usage:  python docs/build.py            build _docs/
        python docs/build.py --serve    build, then serve _docs/ on http://127.0.0.1:8000 (Ctrl-C to stop)
"""
import argparse, http.server, json, os, re, shutil, socketserver, subprocess, sys, time
from configparser import ConfigParser
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROC, OUT = ROOT / "_proc", ROOT / "_docs"
KATEX_SRC = ROOT / "docs" / "node_modules" / "katex" / "dist"
KATEX_CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/katex@[0-9.]+/dist")

def settings():
    c = ConfigParser(delimiters=["="]); c.read(ROOT / "settings.ini", encoding="utf-8")
    return c["DEFAULT"]

def process_notebooks():
    "nbdev's docs processing of nbs/ into _proc/ (fresh every time)."
    if PROC.exists(): shutil.rmtree(PROC)
    os.chdir(ROOT)
    from nbdev.serve import proc_nbs
    proc_nbs(force=True, n_workers=2)

def output_names() -> dict:
    "Notebook file name -> page stem from its front matter `output-file` (nbdev's link target)."
    names = {}
    for nb in sorted(PROC.glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        src = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "raw" else ""
        m = re.search(r"^output-file:\s*(\S+)\.html\s*$", src, re.M)
        names[nb.name] = (m.group(1) if m else nb.stem)
    return names

def rename_pages(names: dict):
    "Rename _proc notebooks to their output names and rewrite sidebar.yml accordingly."
    for old, stem in names.items():
        if f"{stem}.ipynb" != old: (PROC / old).rename(PROC / f"{stem}.ipynb")
    sb = PROC / "sidebar.yml"
    text = sb.read_text(encoding="utf-8")
    for old, stem in names.items(): text = re.sub(rf"(?<![\w/]){re.escape(old)}\b", f"{stem}.ipynb", text)
    sb.write_text(text, encoding="utf-8")

def render():
    "smalldocs renders _proc/ into _proc/_docs/, which becomes _docs/."
    smalldocs = shutil.which("smalldocs") or str(Path(sys.executable).parent / "smalldocs")
    r = subprocess.run([smalldocs, "render", "--quiet", str(PROC)], capture_output=True, text=True)
    noise = ("output-file is not read", "format commonmark is not built", "keep-md is ignored")
    for line in (r.stdout + r.stderr).splitlines():
        if line.strip() and not any(n in line for n in noise): print(f"  smalldocs: {line}")
    if r.returncode: raise SystemExit(f"smalldocs render failed (exit {r.returncode})")
    if OUT.exists(): shutil.rmtree(OUT)
    shutil.move(str(PROC / "_docs"), str(OUT))

def localise():
    "Serve KaTeX from the site and make links to the published site relative."
    if not KATEX_SRC.exists():
        raise SystemExit(f"KaTeX not found at {KATEX_SRC}: run `npm ci --prefix docs` first.")
    shutil.copytree(KATEX_SRC, OUT / "site_libs" / "katex", dirs_exist_ok=True)
    cfg = settings()
    site = (cfg.get("doc_host", "").rstrip("/") + "/" + cfg.get("doc_baseurl", "").strip("/") + "/").replace("//", "/").replace(":/", "://")
    n = 0
    for page in OUT.rglob("*.html"):
        depth = len(page.relative_to(OUT).parts) - 1
        up = "../" * depth
        html = page.read_text(encoding="utf-8")
        new = KATEX_CDN.sub(f"{up}site_libs/katex", html)
        new = new.replace(f'href="{site}', f'href="{up}')
        if new != html: page.write_text(new, encoding="utf-8"); n += 1
    return n

LINK = re.compile(r'<a href="([\w.-]+\.html)#([^"]+)">(<code>[^<]*</code>)</a>')

def unlink_internal():
    ("A backticked name that nbdev links to a page without its entry (an `#| exporti` internal, documented in the "
     "chapter's prose but not by `show_doc`) stays as code, not a link to a missing anchor.")
    ids = {p.name: set(re.findall(r'\bid="([^"]+)"', p.read_text(encoding="utf-8"))) for p in OUT.glob("*.html")}
    n = 0
    for page in OUT.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        def fix(m):
            nonlocal n
            if m.group(1) in ids and m.group(2) not in ids[m.group(1)]: n += 1; return m.group(3)
            return m.group(0)
        new = LINK.sub(fix, html)
        if new != html: page.write_text(new, encoding="utf-8")
    return n

def build():
    t = time.time()
    print("docs: processing notebooks (nbdev) ..."); process_notebooks()
    names = output_names(); rename_pages(names)
    print(f"docs: rendering {len(names)} pages (smalldocs) ..."); render()
    n = localise()
    u = unlink_internal()
    if u: print(f"docs: {u} links to internal names (no entry on their page) left as code")
    print(f"docs: site in {OUT.relative_to(ROOT)}/ ({len(list(OUT.rglob('*.html')))} pages, {n} localised) in {time.time() - t:.1f} s")

def serve(port: int):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(OUT))
    with socketserver.TCPServer(("127.0.0.1", port), handler) as httpd:
        print(f"docs: serving {OUT} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try: httpd.serve_forever()
        except KeyboardInterrupt: pass

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Build the ntk_pinn documentation site into _docs/.")
    ap.add_argument("--serve", action="store_true", help="serve _docs/ after building (a preview server for authors)")
    ap.add_argument("--port", type=int, default=8000)
    a = ap.parse_args()
    build()
    if a.serve: serve(a.port)
