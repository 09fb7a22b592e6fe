#!/usr/bin/env python
"""Run the ntk_pinn benchmarks side by side and write benchmarks/results/latest.{json,md}.

    python benchmarks/run.py            # full run (about 15-25 minutes on a 2-core machine)
    python benchmarks/run.py --quick    # smaller sizes, a few minutes

The peer (Opifex 0.2.0) is installed into benchmarks/.venv together with this project: `opifex` without its
dependencies (its package imports TensorFlow Probability and other stacks that its NTK wrapper does not use), plus
`jaxtyping`, which the wrapper imports. The wrapper's own file is loaded and called unchanged. Every case runs in a
fresh process; timings alternate between the compared implementations and report medians after a warm-up.
"""
import argparse, json, os, platform, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent; ROOT = HERE.parent
VENV = HERE / ".venv"; PY = VENV / "bin" / "python"; OUT = HERE / "results"

def setup():
    if PY.exists(): return
    print("setting up benchmarks/.venv ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["-e", str(ROOT)], check=True)
    subprocess.run(pip + ["--no-deps", "opifex==0.2.0", "jaxtyping", "wadler-lindig"], check=True)

RAW, REUSE = OUT / "raw", False       # every case's result is also kept in results/raw/; --reuse reads them back

def case(*args, timeout=1800):
    key = RAW / ("_".join(map(str, args)) + ".json")
    if REUSE and key.exists():
        print(f"  {' '.join(map(str, args))}: reused {key.name}", flush=True); return json.loads(key.read_text())
    t = time.time()
    r = subprocess.run([str(PY), str(HERE / "cases.py"), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       env=os.environ | {"PYTHONUNBUFFERED": "1"})
    lines = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")]
    if r.returncode or not lines:
        print(f"  FAILED {' '.join(map(str, args))}: {r.stderr.strip().splitlines()[-1:] }", flush=True); return None
    res = json.loads(lines[-1][7:]); print(f"  {' '.join(map(str, args))}: {time.time() - t:.0f} s", flush=True)
    RAW.mkdir(parents=True, exist_ok=True); key.write_text(json.dumps(res))
    return res

def output_speed(q):
    return [case("output_ntk", m, n, 3 if (q or n >= 1600) else 5) for m in ("A", "B") for n in ((100, 400) if q else (100, 400, 1600))]

def output_memory(q):
    out = []
    for m in ("A", "B"):
        for n in ((100, 400) if q else (100, 400, 1600)):
            a, b = case("output_mem", "ntk_pinn", m, n), case("output_mem", "opifex", m, n)
            if a and b: out.append(dict(model=m, n=n, ntk_pinn_mb=a["peak_extra_mb"], opifex_mb=b["peak_extra_mb"],
                                        ntk_pinn_warm_mb=a["warm_peak_extra_mb"], opifex_warm_mb=b["warm_peak_extra_mb"]))
    return out

def memory_scaling(q):
    ns = (1000, 2000) if q else (1000, 2000, 4000, 8000)
    return [case("memory", w, n, c) for n in ns for w, c in (("jacobian", "none"), ("jacobian", 512), ("jvp", 64), ("operator", 4096))]

GN_OPTIONS = ("--optimizer", "gauss-newton", "--steps", "200")

def _run_command(env, *extra):
    "One `ntk-pinn poisson` run in a child process: (exit code, wall seconds, peak RSS in MB)."
    code = ("import json, resource, subprocess, sys, time, tempfile, pathlib; d = tempfile.mkdtemp(); t = time.perf_counter(); "
            f"r = subprocess.run([{str(VENV / 'bin' / 'ntk-pinn')!r}, 'poisson', '--quiet', '--out', d, *{list(extra)!r}]); "
            "w = time.perf_counter() - t; m = json.loads((pathlib.Path(d) / 'metrics.json').read_text()); "
            "print('RESULT', r.returncode, w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
            "m['final']['relative_l2'])")
    r = subprocess.run([str(PY), "-c", code], capture_output=True, text=True, env=env)
    rc, wall, rss, err = r.stdout.split("RESULT")[-1].split()
    return int(rc), float(wall), float(rss), float(err)

def end_to_end():
    "`ntk-pinn poisson`: cold (empty compilation cache), warm (the cache the cold run filled), and without the cache."
    import tempfile
    cache = tempfile.mkdtemp(prefix="ntk_pinn_cache_")
    env = os.environ | {"XDG_CACHE_HOME": cache}
    env.pop("NTK_PINN_NO_COMPILATION_CACHE", None); env.pop("JAX_COMPILATION_CACHE_DIR", None)
    out = {}
    for label, extra in (("cold", ()), ("warm", ()), ("warm2", ()), ("no_cache", ("--no-compilation-cache",)),
                         ("gauss_newton_cold", GN_OPTIONS), ("gauss_newton_warm", GN_OPTIONS),
                         ("gauss_newton_warm_100", GN_OPTIONS[:-1] + ("100",)), ("gauss_newton_warm_50", GN_OPTIONS[:-1] + ("50",))):
        rc, wall, rss, err = _run_command(env, *extra)
        out[label] = dict(returncode=rc, wall_s=wall, peak_rss_mb=rss, relative_l2=err, options=list(extra))
        print(f"  end to end, {label}: {wall:.1f} s, {rss:.0f} MiB, relative L2 {err:.2e}", flush=True)
    imp = ("import resource, time; t = time.perf_counter(); import ntk_pinn.cli, matplotlib.pyplot, jax.numpy as jnp; "
           "jnp.ones(1).block_until_ready(); print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    t, base = map(float, subprocess.run([str(PY), "-c", imp], capture_output=True, text=True).stdout.split()[-2:])
    out.update(imports_s=t, imports_rss_mb=base)
    return out

def versions():
    code = "import jax, flax, optax, numpy, scipy; print(jax.__version__, flax.__version__, optax.__version__, numpy.__version__, scipy.__version__)"
    v = subprocess.run([str(PY), "-c", code], capture_output=True, text=True).stdout.split()
    return dict(zip(["jax", "flax", "optax", "numpy", "scipy"], v), opifex="0.2.0", python=platform.python_version())

def residual_speed(q):
    "The residual NTK: generic and structured paths against the GEMM of a given J; the issue's three cases last."
    sizes = [(1, n, "32,32") for n in ((1000, 2000) if q else (1000, 2000, 4000, 8000))]
    sizes += [(2, n, "64,64,64") for n in ((1000,) if q else (1000, 2000, 4000))] + [(2, 500 if q else 2000, "256,256,256")]
    return [case("residual", d, n, 3, h) for d, n, h in sizes]

def topk_scaling(q):
    out = []
    for n in ((20_000, 50_000) if q else (50_000, 200_000, 500_000, 1_000_000)):
        r = case("topk", n, 20); out.append(r)
        if r is None or r["seconds"] > 180: break
    return out


ADAM_LRS = (3e-2, 1e-2, 3e-3, 1e-3, 3e-4)                # Adam's grid, each with a decay to lr/100 over the run
GN_SEEDS = (0, 1, 2)
GN_METHODS = ("gn", "gn-search", "gn-svd", "gn-eigh", "gn-cg", "engd-w", "adam", "lbfgs")

GN_BUDGETS = dict(small=600, large=900)       # seconds per optimizer; --gn-budgets overrides (the targets' budgets)

def _next_lr(lr, up):
    "The next step of the 1-3-10 grid above or below `lr`."
    f = 10 / 3 if f"{lr:.0e}"[0] == ("3" if up else "1") else 3
    return float(f"{lr * f if up else lr / f:.0e}")

def _score(t):
    "A tuning run's error, a diverged (NaN) one ranking last."
    e = t["tail_median"]; return e if e == e and e != float("inf") else float("inf")

def _tune_adam(net, tune, tuning=()):
    """Adam's step for `net`: short runs of seed 0 over ADAM_LRS (and any given `tuning` results), extended by factors
    of about 3 while the best step lies at an end of the grid (at most three times), as `ntk_pinn.training.tune_step` does."""
    done = {t["lr"]: t for t in tuning if t}
    def run(lr):
        if lr not in done:
            r = case("gauss_newton", net, "adam", tune, 0, lr, timeout=tune + 600)
            if r: done[lr] = r
    for lr in ADAM_LRS: run(lr)
    for _ in range(3):
        lrs = sorted(done); best = min(done.values(), key=_score)["lr"]
        if best == lrs[-1]: run(_next_lr(best, up=True))
        elif best == lrs[0]: run(_next_lr(best, up=False))
        else: break
    best = min(done.values(), key=_score)["lr"]
    return best, [done[lr] for lr in sorted(done, reverse=True)]

def _tuning_record(tuning):
    return [dict(lr=t["lr"], tail_median=t["tail_median"], budget_s=t["budget_s"]) for t in tuning if t]

def gauss_newton_bench(q):
    """2-D Poisson (900 + 120 points, float64) under the comparison protocol: Gauss-Newton (SVD, eigh, matrix-free),
    ENGD-Woodbury settings, Adam (step tuned with its decay on separate short runs of seed 0, bracketed), L-BFGS;
    every method for the same budget on each of GN_SEEDS (initialisation and points), interleaved by seed."""
    out = []
    for net in ("small", "large"):
        budget = 30 if q else GN_BUDGETS[net]; tune = max(10 if q else 20, budget // 5)
        best, tuning = _tune_adam(net, tune)
        for seed in (GN_SEEDS[:1] if q else GN_SEEDS):
            for method in GN_METHODS:
                r = case("gauss_newton", net, method, budget, seed, *([best] if method == "adam" else []),
                         timeout=budget + 900)
                if r and method == "adam": r["adam_tuning"] = _tuning_record(tuning)
                out.append(r)
    return out

def gauss_newton_adam(q, res):
    """Bracket Adam's step for results made with a fixed grid: extend the tuning of each net from its recorded runs
    (rerun at the recorded budget) and, where the best step changes, rerun Adam on every seed with it."""
    G = res["gauss_newton"]
    for net in ("small", "large"):
        old = [r for r in G if r and r["net"] == net and r["method"] == "adam"]
        if not old: continue
        tune = old[0]["adam_tuning"][0]["budget_s"]; budget = old[0]["budget_s"]
        recorded = [dict(lr=t["lr"], tail_median=t["tail_median"], budget_s=t["budget_s"]) for t in old[0]["adam_tuning"]]
        best, tuning = _tune_adam(net, tune, recorded)
        if best != old[0]["lr"]:
            print(f"  {net}: Adam's best step moved from {old[0]['lr']:g} to {best:g}; rerunning its seeds", flush=True)
            for r in old:
                new = case("gauss_newton", net, "adam", budget, r["seed"], best, timeout=budget + 900)
                if new: G[G.index(r)] = new
        for r in G:
            if r and r["net"] == net and r["method"] == "adam": r["adam_tuning"] = _tuning_record(tuning)
    return G

def large_spectra(q):
    "Spectra of 2-D Poisson, 2-[64,64,64]-1: routes against each other at 20,400 points, then 102,000 and 1,000,000."
    small = 5100 if q else 20400
    out = [case("large_spectrum", small, r) for r in ("jacobian", "sketch", "lanczos", "gram")]
    out += [case("large_spectrum", 20000 if q else 100000, "auto", timeout=3600),
            case("large_spectrum", 20000 if q else 100000, "gram", timeout=3600)]
    if not q: out.append(case("large_spectrum", 980392, "auto", timeout=7200))     # 980,392 + 19,607 = 999,999 points
    return out

def _job(what, n, procs):
    "Run a 1- or 2-process scaling job; returns the results of its processes."
    import socket
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    ps = [subprocess.Popen([str(PY), str(HERE / "cases.py"), "scaling", what, str(n), str(procs), str(pid), str(port)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for pid in range(procs)]
    outs = []
    for p in ps:
        try: o, _ = p.communicate(timeout=1800)
        except subprocess.TimeoutExpired: p.kill(); o = ""
        lines = [l for l in o.splitlines() if l.startswith("RESULT ")]
        outs.append(json.loads(lines[-1][7:]) if lines else None)
    return outs

def strong_scaling(q):
    "The sharded K @ V and kernel with 1 and 2 processes (one CPU device each) on this machine."
    out = []
    for what, ns in (("matvec", (20000, 80000) if q else (20000, 80000, 200000)), ("kernel", (2000,) if q else (2000, 4000))):
        for n in ns:
            for procs in (1, 2):
                r = _job(what, n, procs); out.append(r)
                print(f"  scaling {what} n={n} processes={procs}: {[x and round(x['seconds'], 2) for x in r]}", flush=True)
    return out

# part name -> (key in the results, function of `quick`), in the order of a full run
PARTS = {"output_ntk": ("output_ntk", output_speed), "output_memory": ("output_ntk_memory", output_memory),
         "residual": ("residual", residual_speed), "memory": ("memory", memory_scaling), "topk": ("topk", topk_scaling),
         "laplacian": ("laplacian", lambda q: [case("laplacian", d, 512, 5) for d in (1, 2)]),
         "end_to_end": ("end_to_end", lambda q: end_to_end()),
         "gauss_newton": ("gauss_newton", gauss_newton_bench), "large_spectra": ("large_spectra", large_spectra),
         "strong_scaling": ("strong_scaling", strong_scaling),
         "gauss_newton_adam": ("gauss_newton", None)}     # bracket Adam's step in existing results (see the function)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", help=f"comma-separated parts to rerun into the existing results: {', '.join(PARTS)}")
    ap.add_argument("--gn-budgets", metavar="SMALL,LARGE", help="seconds per optimizer for the two Gauss-Newton nets "
                    f"(default {GN_BUDGETS['small']},{GN_BUDGETS['large']})")
    ap.add_argument("--reuse", action="store_true", help="read back cases already in results/raw/ instead of rerunning them")
    a = ap.parse_args(); q = a.quick
    global REUSE; REUSE = a.reuse
    if a.gn_budgets: GN_BUDGETS.update(zip(("small", "large"), map(int, a.gn_budgets.split(","))))
    only = a.only.split(",") if a.only else [p for p in PARTS if p != "gauss_newton_adam"]
    unknown = [p for p in only if p not in PARTS]
    if unknown: ap.error(f"unknown parts {unknown}; choose from {list(PARTS)}")
    setup()
    path = OUT / ("quick.json" if q else "latest.json")
    if a.only: res = json.loads(path.read_text())
    else: res = dict(quick=q)
    res.update(machine=dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(),
                            memory_gb=round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                            system=platform.platform()),
               versions=versions(), date=time.strftime("%Y-%m-%d"))
    for name in only:
        key, fn = PARTS[name]
        print(f"{name}", flush=True)
        res[key] = gauss_newton_adam(q, res) if name == "gauss_newton_adam" else fn(q)
        OUT.mkdir(exist_ok=True); path.write_text(json.dumps(res, indent=1))     # saved after every part
    print(f"wrote {path}")

if __name__ == "__main__": main()
