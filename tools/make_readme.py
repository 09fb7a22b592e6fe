#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb without Quarto.

Markdown cells are copied as they are; code cells become ```python blocks followed by their text outputs.
Cells marked `#| hide` are left out and `#|` directive lines are dropped.
`--check` exits 1 if README.md differs from what would be written (used by .ci/run).
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py. Edit the notebook, not this file. -->\n\n"

def _text(x): return "".join(x) if isinstance(x, list) else (x or "")

def _outputs(cell):
    out = []
    for o in cell.get("outputs", []):
        t = o.get("output_type")
        if t == "stream" and o.get("name") == "stdout": out.append(_text(o.get("text")))
        elif t in ("execute_result", "display_data"):
            data = o.get("data", {})
            if "text/markdown" in data: out.append(("md", _text(data["text/markdown"])))
            elif "text/plain" in data: out.append(_text(data["text/plain"]))
    return out

def render(nb_path):
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        src = _text(cell["source"])
        lines = src.splitlines()
        directives = [l for l in lines if l.strip().startswith("#|")]
        if any(d.replace(" ", "").startswith(("#|hide", "#|exporti", "#|include:false")) for d in directives): continue
        body = "\n".join(l for l in lines if not l.strip().startswith("#|")).strip()
        if cell["cell_type"] == "markdown":
            parts.append(body)
        elif cell["cell_type"] == "code" and body:
            parts.append(f"```python\n{body}\n```")
            for o in _outputs(cell):
                if isinstance(o, tuple): parts.append(o[1].strip())
                else: parts.append("```\n" + o.rstrip() + "\n```")
    text = "\n\n".join(p for p in parts if p)
    # the title cell "# t\n\n> subtitle" stays as written
    return HEADER + text + "\n"

def main(argv=sys.argv[1:]):
    readme, new = ROOT / "README.md", render(ROOT / "nbs" / "index.ipynb")
    if "--check" in argv:
        if not readme.exists() or readme.read_text(encoding="utf-8") != new:
            print("README.md is out of date with nbs/index.ipynb: run `python tools/make_readme.py`.")
            return 1
        print("README.md is up to date with nbs/index.ipynb.")
        return 0
    readme.write_text(new, encoding="utf-8")
    print(f"wrote {readme.relative_to(ROOT)} ({len(new)} characters)")
    return 0

if __name__ == "__main__": sys.exit(main())
