#!/usr/bin/env python
"""Run the explorer notebook in JupyterLab, in a real browser, as a reader would.

A JupyterLab server is started headless on 127.0.0.1 (no token, a free port, a copy of the notebook in a temporary
folder so that nothing in the checkout changes) and stopped by its process id at the end. Debian's chromium, driven by
playwright, opens the notebook, runs every cell from the Run menu, waits for the explorer widget, then moves the
frequency slider. The check passes when the widget's figure and its numbers both change, no cell shows an error, and
the kernel is idle again; a screenshot of the widget and its figure goes to _build/screenshots/explorer.png.

Usage: python docs/check_explorer.py [--chromium /usr/bin/chromium] [--timeout 300]
"""
import argparse, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB, SHOTS = ROOT / "nbs" / "11_explorer.ipynb", ROOT / "_build" / "screenshots"

def free_port() -> int:
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def start_lab(folder: Path, port: int, log):
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
           "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={folder}", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0: cmd.append("--allow-root")      # CI containers run as root
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(folder / ".config"), JUPYTER_RUNTIME_DIR=str(folder / ".runtime"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    return subprocess.Popen(cmd, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

def wait_for(url: str, timeout: float, proc) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f"JupyterLab exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200: return
        except OSError: pass
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout:.0f} s")

def stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try: proc.wait(15)
        except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()

def figure_src(page) -> str:
    "The data URL of the image inside the explorer's output widget ('' if none yet)."
    return page.evaluate("""() => { const i = document.querySelector('.widget-output img');
                                     return i && i.complete && i.naturalWidth > 0 ? i.src : ''; }""")

def status_text(page) -> str:
    return page.evaluate("() => { const h = document.querySelector('.widget-html-content'); return h ? h.innerText : ''; }")

def check(page, base: str, timeout_ms: int, log) -> list:
    problems = []
    page.goto(base + "lab/tree/11_explorer.ipynb", wait_until="load")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    try:     # a kernel chooser may open first: take the notebook's own kernel (Python 3)
        page.wait_for_selector(".jp-Dialog .jp-mod-accept", timeout=5000); page.click(".jp-Dialog .jp-mod-accept")
        log("kernel chosen in the dialog")
    except Exception: pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    log("run all cells: started")
    page.wait_for_selector(".widget-slider", timeout=timeout_ms)                           # the widget is shown
    page.wait_for_function("() => { const i = document.querySelector('.widget-output img'); return i && i.naturalWidth > 0; }",
                           timeout=timeout_ms)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms)
    before_fig, before_text = figure_src(page), status_text(page)
    log(f"widget shown: ...{before_text[-70:]}")
    # the frequency slider: focus its handle and step it to the right with the keyboard, as a reader would
    slider = page.locator(".widget-slider", has_text="frequency a")
    readout = slider.locator(".widget-readout")
    old = readout.inner_text().strip()
    handle = slider.locator(".noUi-handle")
    handle.focus()
    for _ in range(6): handle.press("ArrowRight")
    page.wait_for_function(f"() => {{ const r = [...document.querySelectorAll('.widget-slider')].find(s => s.innerText.includes('frequency a')); "
                           f"return r && r.querySelector('.widget-readout').innerText.trim() !== {old!r}; }}", timeout=timeout_ms)
    new = readout.inner_text().strip()
    log(f"frequency slider moved: {old} -> {new}")
    try:
        page.wait_for_function("([f, t]) => { const i = document.querySelector('.widget-output img'); "
                               "const h = document.querySelector('.widget-html-content'); "
                               "return i && i.naturalWidth > 0 && i.src !== f && h && h.innerText !== t; }",
                               arg=[before_fig, before_text], timeout=timeout_ms)
    except Exception:
        problems.append("the figure and the numbers did not both change after the slider moved")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms)
    after_text = status_text(page)
    if after_text == before_text: problems.append("the status numbers did not change")
    else: log(f"numbers now: ...{after_text[-70:]}")
    if figure_src(page) == before_fig: problems.append("the figure did not change")
    errors = page.evaluate("""() => [...document.querySelectorAll(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")]
        .map(e => e.innerText.slice(0, 300))""")
    problems += [f"error output: {e}" for e in errors]
    counts = page.evaluate("""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.innerText.trim())""")
    unrun = [c for c in counts if c in ("[ ]:", "[*]:")]
    if unrun: problems.append(f"{len(unrun)} code cells did not finish")
    for label in ("No",):    # a JupyterLab news prompt may cover the corner of the screenshot
        b = page.locator(".jp-toast-button", has_text=label)
        if b.count(): b.first.click()
    page.locator(".widget-vbox").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer.png"), full_page=False)
    return problems

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--timeout", type=float, default=300, help="seconds allowed for each wait (server, run, update)")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright
    t0 = time.time()
    log = lambda m: print(f"    [{time.time() - t0:5.1f} s] {m}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ntk_pinn_lab_") as tmp:
        folder = Path(tmp); shutil.copy(NB, folder / NB.name)
        port = free_port(); base = f"http://127.0.0.1:{port}/"
        with open(folder / "lab.log", "w") as lablog:
            proc = start_lab(folder, port, lablog)
            try:
                try: wait_for(base + "api/status", a.timeout, proc)
                except (RuntimeError, TimeoutError) as e:
                    lablog.flush(); print(f"explorer check FAILED: {e}"); print((folder / "lab.log").read_text()[-3000:]); return 1
                log(f"JupyterLab up on port {port} (pid {proc.pid})")
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path=a.chromium, args=["--no-sandbox"])
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    page_errors = []
                    page.on("pageerror", lambda e: page_errors.append(f"page error: {e}"))
                    try: problems = check(page, base, int(a.timeout * 1000), log)
                    except Exception as e:
                        problems = [f"{type(e).__name__}: {str(e).splitlines()[0]}"]
                        SHOTS.mkdir(parents=True, exist_ok=True); page.screenshot(path=str(SHOTS / "explorer-failed.png"))
                    problems += page_errors
                    browser.close()
            finally:
                stop(proc); log(f"JupyterLab stopped (pid {proc.pid})")
        if problems:
            print(f"explorer check FAILED, {len(problems)} problem(s):"); print("\n".join(f"  - {p}" for p in problems))
            print("  JupyterLab log (last lines):"); print("".join(open(folder / "lab.log").readlines()[-20:]))
            return 1
    print(f"explorer check passed in {time.time() - t0:.0f} s; screenshot in {SHOTS.relative_to(ROOT)}/explorer.png")
    return 0

if __name__ == "__main__": sys.exit(main())
