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

def case(*args, timeout=1800):
    t = time.time()
    r = subprocess.run([str(PY), str(HERE / "cases.py"), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       env=os.environ | {"PYTHONUNBUFFERED": "1"})
    lines = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")]
    if r.returncode or not lines:
        print(f"  FAILED {' '.join(map(str, args))}: {r.stderr.strip().splitlines()[-1:] }", flush=True); return None
    res = json.loads(lines[-1][7:]); print(f"  {' '.join(map(str, args))}: {time.time() - t:.0f} s", flush=True)
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

def end_to_end():
    "`ntk-pinn poisson` wall time and peak RSS, in a child process."
    code = ("import resource, subprocess, sys, time, tempfile; d = tempfile.mkdtemp(); t = time.perf_counter(); "
            f"r = subprocess.run([{str(VENV / 'bin' / 'ntk-pinn')!r}, 'poisson', '--quiet', '--out', d]); "
            "print('RESULT', r.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    r = subprocess.run([str(PY), "-c", code], capture_output=True, text=True)
    rc, wall, rss = r.stdout.split("RESULT")[-1].split()
    imp = ("import resource, ntk_pinn.cli, ntk_pinn.plots, ntk_pinn.training, matplotlib.pyplot, jax.numpy as jnp; "
           "jnp.ones(1).block_until_ready(); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    base = float(subprocess.run([str(PY), "-c", imp], capture_output=True, text=True).stdout.split()[-1])
    return dict(returncode=int(rc), wall_s=float(wall), peak_rss_mb=float(rss), imports_rss_mb=base)

def versions():
    code = "import jax, flax, optax, numpy, scipy; print(jax.__version__, flax.__version__, optax.__version__, numpy.__version__, scipy.__version__)"
    v = subprocess.run([str(PY), "-c", code], capture_output=True, text=True).stdout.split()
    return dict(zip(["jax", "flax", "optax", "numpy", "scipy"], v), opifex="0.2.0", python=platform.python_version())

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["output_ntk", "output_memory", "memory", "end_to_end"], help="rerun one part into the existing results")
    a = ap.parse_args(); q = a.quick
    setup()
    if a.only:
        path = OUT / ("quick.json" if q else "latest.json"); res = json.loads(path.read_text())
        part = {"output_ntk": ("output_ntk", output_speed), "output_memory": ("output_ntk_memory", output_memory), "memory": ("memory", memory_scaling),
                "end_to_end": ("end_to_end", lambda q: end_to_end())}[a.only]
        res[part[0]] = part[1](q)
        path.write_text(json.dumps(res, indent=1)); print(f"updated {path}"); return
    res = dict(machine=dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(),
                            memory_gb=round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                            system=platform.platform()),
               versions=versions(), date=time.strftime("%Y-%m-%d"), quick=q)
    print("1. output NTK vs Opifex", flush=True)
    res["output_ntk"] = output_speed(q)
    res["output_ntk_memory"] = output_memory(q)
    print("2. residual NTK vs naive and GEMM floor", flush=True)
    res["residual"] = [case("residual", d, n, 3) for d, ns in ((1, (1000, 2000) if q else (1000, 2000, 4000, 8000)), (2, (1000,) if q else (1000, 2000, 4000))) for n in ns]
    print("3. memory scaling", flush=True)
    res["memory"] = memory_scaling(q)
    res["topk"] = []
    for n in ((20_000, 50_000) if q else (50_000, 200_000, 500_000, 1_000_000)):
        r = case("topk", n, 20); res["topk"].append(r)
        if r is None or r["seconds"] > 180: break
    print("4. end to end", flush=True)
    res["end_to_end"] = end_to_end()
    OUT.mkdir(exist_ok=True)
    (OUT / ("quick.json" if q else "latest.json")).write_text(json.dumps(res, indent=1))
    print(f"wrote {OUT / ('quick.json' if q else 'latest.json')}")

if __name__ == "__main__": main()
