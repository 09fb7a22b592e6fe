"""Gauss-Newton past the dense limit: one case, one method, one seed, a wall-clock budget; error against time.

  python scale.py CASE METHOD [--seed 0] [--budget 600] [--lr 1e-3] [--save]

Cases (float64; relative L2 on a grid of 10,000 points, or 27,000 in 3-D):
  kfac116k     2-D Poisson on [0,1]^2, 900 + 120 points, 2-[256,256,128,128]-1 (116,097 parameters): the KFAC study's
               largest network
  helmholtz    helmholtz_2d(a1=1, a2=4) on [-1,1]^2, 2,500 + 400 points, 2-[30,30,30,30]-1 (2,911 parameters)
  pinnacle2d   2-D Poisson on [0,1]^2, 8,192 + 2,048 points (PINNacle's counts), 2-[100]*5-1 (40,801 parameters)
  pinnacle3d   3-D Poisson on [0,1]^3 (u = sin(pi x) sin(pi y) sin(pi z)), 18,000 + 2,000 points, 3-[100]*5-1 (40,901)
  poisson-small / poisson-large   2-D Poisson, 900 + 120 points, 2-[64]-1 (257) / 2-[64,64,48,48]-1 (9,873)
Methods: gn (gauss_newton's defaults, its route chosen by itself), gn-dense, gn-cg (the matrix-free route's defaults),
gn-cg-old (top-20 Lanczos every 10 steps, 50 CG iterations: the route before the adaptive sketch), adam (decaying,
--lr). The budget is counted after a warm-up that compiles (reported apart as compile_s).
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np
import jax.numpy as jnp
from flax import nnx
from ntk_pinn import MLP, PINN, poisson_2d, helmholtz_2d, Problem, Term
from ntk_pinn.operators import laplacian, interior_sampler, boundary_sampler
from ntk_pinn.models import count_params
from ntk_pinn.training import train, RelativeErrorLog, decaying_adam, tail_median
from ntk_pinn.gauss_newton import gauss_newton

def poisson_3d():
    "-Laplace u = 3 pi^2 sin(pi x) sin(pi y) sin(pi z) on [0,1]^3, u = 0 on the boundary."
    dom = ((0.0, 1.0),) * 3
    exact = lambda x: jnp.sin(jnp.pi * x[0]) * jnp.sin(jnp.pi * x[1]) * jnp.sin(jnp.pi * x[2])
    return Problem("poisson_3d", dom, (
        Term("bc", lambda u, x: u(x) - exact(x), boundary_sampler(dom), 100, "boundary"),
        Term("res", lambda u, x: -laplacian(u)(x) - 3 * jnp.pi ** 2 * exact(x), interior_sampler(dom), 400,
             "residual")), exact, ("x", "y", "z"))

CASES = {  # case -> (problem, (interior, boundary), hidden widths, grid points for the error)
    "kfac116k": (lambda: poisson_2d(box=(0.0, 1.0)), (900, 120), [256, 256, 128, 128], 10_000),
    "helmholtz": (lambda: helmholtz_2d(1.0, 4.0), (2500, 400), [30, 30, 30, 30], 10_000),
    "pinnacle2d": (lambda: poisson_2d(box=(0.0, 1.0)), (8192, 2048), [100] * 5, 10_000),
    "pinnacle3d": (poisson_3d, (18_000, 2_000), [100] * 5, 27_000),
    "poisson-small": (lambda: poisson_2d(box=(0.0, 1.0)), (900, 120), [64], 10_000),
    "poisson-large": (lambda: poisson_2d(box=(0.0, 1.0)), (900, 120), [64, 64, 48, 48], 10_000),
}
METHODS = {"gn": {}, "gn-dense": dict(solver="dense"), "gn-cg": dict(solver="cg"),
           "gn-cg-old": dict(solver="cg", preconditioner="lanczos", precond_every=10, cg_maxiter=50,
                             accelerate=False, products="autodiff")}

def run(case, method, seed, budget, lr=None):
    make, (n_res, n_bc), hidden, n_grid = CASES[case]
    prob = make()
    pts = prob.sample(n={"res": n_res, "bc": n_bc}, seed=seed)
    dim = len(prob.domain)
    pinn = PINN(MLP(dim, hidden, 1, rngs=nnx.Rngs(seed)), prob, pts, dtype="float64")
    every_s = max(budget / 60, 2.0)
    inner = RelativeErrorLog(every=1, n=n_grid)
    class Every:                                             # the error at most every `every_s` seconds
        seconds, last, every = 0.0, -1e9, 1
        def __call__(self, st):
            if st.seconds - self.last >= every_s: self.last = st.seconds; inner(st); self.seconds = inner.seconds
    log = Every()
    t0 = time.perf_counter()
    if method.startswith("gn"):
        opts = METHODS[method]
        gauss_newton(pinn, steps=1, progress=False, **opts)                          # warm-up: compiles
        compile_s = time.perf_counter() - t0
        h = gauss_newton(pinn, steps=10**9, max_seconds=budget, callbacks=[log], progress=False, **opts)
        info = h.info
        el = np.diff([0.0] + list(info["elapsed"]))
        out = dict(steps=len(h), status=info["status"], relative_l2=info["relative_l2"], solver=info["solver"],
                   products=info.get("products"), seconds_per_step=float(np.median(el)) if len(el) else None,
                   step_seconds=[round(float(x), 3) for x in el])
        for k in ("cg_iterations", "precond_ranks", "factors"):
            if k in info: out[k] = info[k]
    else:
        train(pinn, lr=lr, steps=20, progress=False)                                 # compiles
        t1 = time.perf_counter()
        train(pinn, lr=lr, steps=100, progress=False)
        rate = 100 / (time.perf_counter() - t1)
        tx = decaying_adam(lr, max(int(rate * budget), 100))
        train(pinn, optimizer=tx, steps=5, progress=False)
        compile_s = time.perf_counter() - t0
        log = RelativeErrorLog(every=max(1, int(rate * every_s)), n=n_grid)
        h = train(pinn, optimizer=tx, steps=10**9, max_seconds=budget, callbacks=[log], progress=False)
        out = dict(steps=len(h), status=h.info["status"], relative_l2=h.info["relative_l2"],
                   seconds_per_step=1 / rate)
    curve = [(x["seconds"], x["relative_l2"]) for x in h.snapshots]
    out["tail_median"] = tail_median(curve) if curve else out["relative_l2"]
    return dict(case=case, method=method, seed=seed, N=pinn.n_points, P=count_params(pinn.model()), budget_s=budget,
                lr=lr, compile_s=round(compile_s, 1), curve=curve, cores=len(os.sched_getaffinity(0)), **out)

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=list(CASES)); ap.add_argument("method", choices=list(METHODS) + ["adam"])
    ap.add_argument("--seed", type=int, default=0); ap.add_argument("--budget", type=float, default=600)
    ap.add_argument("--lr", type=float, default=1e-3); ap.add_argument("--save", action="store_true")
    a = ap.parse_args()
    row = run(a.case, a.method, a.seed, a.budget, a.lr if a.method == "adam" else None)
    line = json.dumps(row)
    print({k: v for k, v in row.items() if k not in ("curve", "step_seconds", "cg_iterations", "precond_ranks",
                                                       "factors")}, flush=True)
    if a.save:
        with open(Path(__file__).parent / "results" / "scale.jsonl", "a") as f: f.write(line + "\n")
