"""Where a matrix-free Gauss-Newton step's time goes at PINNacle scale (2-D Poisson, 8,192 + 2,048 points, 5 x 100):
the defaults' first `--steps` steps after a one-step warm-up, profiled; the seconds of each part, per step.

  python scale_profile.py [--steps 6] [--save]
"""
import argparse, cProfile, json, pstats, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scale
from flax import nnx
from ntk_pinn import MLP, PINN
from ntk_pinn.gauss_newton import gauss_newton

PARTS = {"linearise (J formed)": "linearize", "sketch (Nystrom)": "nystrom_preconditioner",
         "CG solves": "cg", "lambda_max": "lambda_max", "line search (losses)": "batched_loss",
         "geodesic residuals": "residuals"}

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--steps", type=int, default=6); ap.add_argument("--save", action="store_true")
    a = ap.parse_args()
    make, (nr, nb), hidden, _ = scale.CASES["pinnacle2d"]
    prob = make(); pts = prob.sample(n={"res": nr, "bc": nb}, seed=0)
    pinn = PINN(MLP(2, hidden, 1, rngs=nnx.Rngs(0)), prob, pts, dtype="float64")
    gauss_newton(pinn, steps=1, progress=False)
    pr = cProfile.Profile(); pr.enable()
    h = gauss_newton(pinn, steps=a.steps, progress=False)
    pr.disable()
    st = pstats.Stats(pr).stats
    cum = {}
    for (fn, line, name), (cc, nc, tt, ct, callers) in st.items():
        for part, key in PARTS.items():
            if name == key: cum[part] = max(cum.get(part, 0.0), ct)
    total = h.info["wall_seconds"]
    row = dict(case="profile-pinnacle2d", steps=a.steps, seconds_per_step=total / a.steps,
               parts={k: v / a.steps for k, v in cum.items()}, cg_iterations=h.info["cg_iterations"],
               precond_ranks=h.info["precond_ranks"], step_seconds=h.info["step_seconds"])
    print(json.dumps(row))
    if a.save:
        with open(HERE / "results" / "scale_profile.json", "w") as f: json.dump(row, f, indent=1)
