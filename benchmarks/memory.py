"""Memory budgets that hold: the peak resident memory of every budgeted route against its budget.

    python benchmarks/memory.py                       # budgets 256, 512, 1024 MiB; writes results/memory.json
    python benchmarks/memory.py --budgets 128,256 --out /tmp/m.json

For each route and budget a fresh process builds the 2-D Poisson PINN (2-[64,64]-1, float64) with the largest point
count whose counted need the route accepts under the budget (the route's own check decides, before any work), runs the
route once (compiling), then again with the peak reset (`/proc/self/clear_refs`), and reports the peak resident memory
over the baseline before the second call (`VmHWM` - `VmRSS`).
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

ROUTES = ("linearize", "pinn_ntk", "spectrum_svd", "spectrum_svd_scaled", "pinn_top_eigs", "gram_spectrum",
          "gauss_newton_svd", "gauss_newton_eigh")

CHILD = r"""
import ctypes, gc, json, sys, time
import numpy as np
from flax import nnx
import ntk_pinn as nk
from ntk_pinn.engine import jacobian_bytes
from ntk_pinn.spectrum import svd_bytes, gram_bytes, top_eigs_bytes
from ntk_pinn.gauss_newton import dense_step_bytes
route, budget = sys.argv[1], int(sys.argv[2])
libc = ctypes.CDLL("libc.so.6")
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field): return int(line.split()[1]) * 1024
prob = nk.poisson_2d()
def build(N, width):
    pts = prob.sample(n={n: (N if n == "res" else max(4, N // 16)) for n in prob.names}, seed=0)
    return nk.PINN(nk.MLP(2, [width, width], 1, rngs=nnx.Rngs(0)), prob, pts, dtype="float64")
def need(pinn):
    "What the route counts against its budget (the library's own formulas)."
    N, P = pinn.n_points, pinn.n_params
    if route == "linearize": return jacobian_bytes(pinn)
    if route == "pinn_ntk": return jacobian_bytes(pinn) + 8 * N * N
    if route.startswith("spectrum"): return svd_bytes(N, P, copies=2 if route.endswith("scaled") else 1)
    if route == "pinn_top_eigs": return top_eigs_bytes(pinn, k=10)
    if route == "gram_spectrum": return gram_bytes(pinn)
    return dense_step_bytes(N, P)
def call(pinn, J):
    b = budget
    if route == "linearize": return pinn.linearize(max_bytes=b)
    if route == "pinn_ntk": return nk.pinn_ntk(pinn, max_bytes=b)
    if route == "spectrum_svd": return nk.spectrum(jacobian=J, max_bytes=b)
    if route == "spectrum_svd_scaled": return nk.spectrum(jacobian=J, scaling=np.full(J.shape[0], 0.5), max_bytes=b)
    if route == "pinn_top_eigs": return nk.pinn_top_eigs(pinn, k=10, route="jacobian", max_bytes=b)
    if route == "gram_spectrum": return nk.gram_spectrum(pinn, max_bytes=b)
    return nk.gauss_newton(pinn, steps=2, solver="dense", factor=route.split("_")[-1], progress=False, max_bytes=b)
if route == "gram_spectrum":                 # the Gram route's size is set by P: the widest network that fits
    width = max(w for w in range(16, 200, 8) if need(build(1000, w)) <= budget); N = 1000
else:
    width, N = 64, 64
    while need(build(int(N * 1.1), width)) <= budget: N = int(N * 1.1)
pinn = build(N, width)
J = pinn.jacobian() if route.startswith("spectrum") else None
out = call(pinn, J); del out; gc.collect(); libc.malloc_trim(0)
base = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")
t = time.perf_counter(); out = call(pinn, J); t = time.perf_counter() - t
peak = status("VmHWM:") - base
print(json.dumps(dict(route=route, budget=budget, width=width, N=pinn.n_points, P=pinn.n_params, need=need(pinn),
                      peak=peak, baseline=base, seconds=t)))
"""

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", default="256,512,1024", help="MiB, comma-separated")
    ap.add_argument("--routes", default=",".join(ROUTES))
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "memory.json"))
    a = ap.parse_args()
    rows = []
    for route in a.routes.split(","):
        for mib in (int(x) for x in a.budgets.split(",")):
            p = subprocess.run([sys.executable, "-c", CHILD, route, str(mib * 2**20)], capture_output=True,
                               text=True, timeout=1800)
            if p.returncode != 0: print(route, mib, p.stderr[-1500:]); continue
            row = json.loads(p.stdout.strip().splitlines()[-1]); rows.append(row)
            print(f"{route:20s} budget {mib:5d} MiB  N {row['N']:6d}  P {row['P']:6d}  counted {row['need'] / 2**20:7.1f}  peak {row['peak'] / 2**20:7.1f} MiB "
                  f"({row['peak'] / row['budget']:.2f} of the budget)  {row['seconds']:.1f} s", flush=True)
    Path(a.out).write_text(json.dumps(dict(rows=rows, when=time.strftime("%Y-%m-%d %H:%M"), machine=os.uname().nodename,
                                           cpus=os.cpu_count()), indent=1))

if __name__ == "__main__":
    main()
