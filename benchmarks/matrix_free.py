"""The matrix-free Gauss-Newton route against the dense one at equal step counts: what limits its accuracy.

  python matrix_free.py [--steps 40] [--seeds 0,1,2] [--save]

2-D Poisson on [0,1]^2 (900 interior + 120 boundary points, the Performance page's problem), 2-[64]-1 (257 parameters),
float64, one line per (configuration, seed):
  dense           gauss_newton's dense route with its defaults (geodesic line search)
  dense-straight  the same with the straight line search (accelerate=False)
  cg-lanczos      the matrix-free route's defaults: top-20 Lanczos preconditioner (every 10 steps), straight line search
  cg-lanczos-geodesic  the same with the geodesic line search (accelerate=True)
  cg-nystrom      the matrix-free route with the Nystrom sketch rebuilt every step, geodesic line search (its default)
Errors are relative L2 on a 100 x 100 grid; seconds are wall time on this machine (compilation included, since each
configuration compiles its own products; read them as a rough cost, not a benchmark of speed).
"""
import argparse, json, time
from pathlib import Path
import numpy as np
from flax import nnx
from ntk_pinn import MLP, poisson_2d
from ntk_pinn.gauss_newton import gauss_newton

CONFIGS = {"dense": dict(solver="dense"), "dense-straight": dict(solver="dense", accelerate=False),
           "cg-lanczos": dict(solver="cg", accelerate=False), "cg-lanczos-geodesic": dict(solver="cg", accelerate=True),
           "cg-nystrom": dict(solver="cg", preconditioner="nystrom")}

def run(config, seed, steps):
    prob = poisson_2d(box=(0.0, 1.0))
    pts = prob.sample(n={"res": 900, "bc": 120}, seed=seed)
    t0 = time.perf_counter()
    h = gauss_newton(MLP(2, [64], 1, rngs=nnx.Rngs(seed)), prob, pts, steps=steps, progress=False, **CONFIGS[config])
    out = dict(config=config, seed=seed, steps=len(h), seconds=round(time.perf_counter() - t0, 1),
               relative_l2=h.pinn.relative_l2(10_000), step_length=h.info["step_length"],
               damping=h.info["damping"])
    if "cg_iterations" in h.info: out["cg_iterations"] = h.info["cg_iterations"]
    if "precond_ranks" in h.info: out["precond_ranks"] = [k for _, k in h.info["precond_ranks"]]
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40); ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--configs", default=",".join(CONFIGS)); ap.add_argument("--save", action="store_true")
    a = ap.parse_args()
    for seed in [int(s) for s in a.seeds.split(",")]:
        for config in a.configs.split(","):
            line = json.dumps(run(config, seed, a.steps))
            print(line[:300], flush=True)
            if a.save:
                with open(Path(__file__).parent / "results" / "matrix_free.jsonl", "a") as f: f.write(line + "\n")
