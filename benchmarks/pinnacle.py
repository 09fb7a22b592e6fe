"""PINNacle's cases through this package: one case, one method, one seed, a budget; prints one JSON line.

  python pinnacle.py CASE METHOD SECONDS SEED [--hidden 50,50,50] [--scale 0.25] [--steps N] [--lr 1e-3]
                     [--fourier M --sigma S[,S,...]] [--label NAME] [--save] [--log-every N] [--checkpoint DIR]

CASE: burgers1d-c, poisson2d-c, wave1d-c, heat2d-ms (ntk_pinn.pinnacle).
METHOD: adam (constant lr, PINNacle's optimiser), adam-ntk (Adam with the trace-rule weights recomputed every 100 steps),
adam-pinnacle (Adam with PINNacle's NTK weights, from the summed residuals' gradient norms, recomputed every 10 steps),
adam-decay (lr decaying to 1/100 over the steps that fit),
gn (gauss_newton with its defaults), gn-ntk (gauss_newton with the trace-rule weights of the first step),
adam+gn (Adam for a fifth of the budget, then gauss_newton).
--scale: PINNacle's point counts times this (1 = 8,192 interior + 2,048 per condition; x4 for Heat2d-MS).
--steps: a step budget instead of (or as well as) the time budget. Everything in float64 unless --float32.
Each line records the cores the run was allowed (e.g. under taskset).
--fourier/--sigma: Fourier features (one scale, or one per input coordinate). --save appends the line to
results/pinnacle.jsonl (which the PINNacle chapter plots), --label names the configuration there.
--log-every: print PINNacle's L2RE every N Adam steps to stderr, one JSON line each (for runs of hours).
--checkpoint: Adam runs write checkpoints there every 5 minutes and resume from the last one if it holds one.
Errors: PINNacle's L2RE on its reference nodes, and against the exact solution at the same nodes where there is one.
"""
import argparse, json, os, sys, time
from pathlib import Path
from flax import nnx
import ntk_pinn as nk
from ntk_pinn.pinnacle import pinnacle_case

class L2RELog:
    "A training callback: PINNacle's L2RE every `every` steps, one JSON line on stderr."
    def __init__(self, case, every:int): self.case, self.every = case, every
    def __call__(self, st):
        print(json.dumps(dict(step=st.step, seconds=round(st.seconds, 1), l2re=self.case.l2re(st.pinn))),
              file=sys.stderr, flush=True)

def run(case, method, seconds, seed, hidden=(50, 50, 50), scale=0.25, steps=None, lr=1e-3, dtype="float64",
        fourier=0, sigma=(1.0,), log_every=None, checkpoint=None):
    c = pinnacle_case(case)
    sig = sigma[0] if len(sigma) == 1 else tuple(sigma)
    model = nk.MLP(c.dim, list(hidden), 1, fourier=fourier or None, sigma=sig, rngs=nnx.Rngs(seed))
    pinn = nk.PINN(model, c.problem, c.points(scale, seed), dtype=dtype)
    steps = steps or 10 ** 9
    t0 = time.perf_counter()
    if method in ("adam", "adam-ntk", "adam-decay", "adam-pinnacle"):
        cb = ([nk.NTKWeights(every=100)] if method == "adam-ntk" else
              [nk.NTKWeights(every=10, method="pinnacle")] if method == "adam-pinnacle" else [])
        if log_every: cb.append(L2RELog(c, log_every))
        opt = "adam"
        ck = dict(checkpoint=checkpoint, resume=True, checkpoint_seconds=300) if checkpoint else {}
        if method == "adam-decay":
            probe = nk.train(pinn, lr=lr, steps=200, progress=False)       # compiles; then the rate of steps
            t1 = time.perf_counter(); nk.train(probe.pinn, lr=lr, steps=200, progress=False)
            n = min(steps, int((seconds - (time.perf_counter() - t0)) * 200 / (time.perf_counter() - t1)))
            opt, steps = nk.decaying_adam(lr, max(n, 1)), max(n, 1)
        h = nk.train(pinn, lr=lr, optimizer=opt, steps=steps, callbacks=cb, progress=False,
                     max_seconds=seconds - (time.perf_counter() - t0), **ck)
    elif method in ("gn", "gn-ntk"):
        w = nk.NTKWeights().weights(pinn) if method == "gn-ntk" else None
        h = nk.gauss_newton(pinn, steps=steps, weights=w, progress=False, max_seconds=seconds)
    elif method == "adam+gn":
        h0 = nk.train(pinn, lr=lr, steps=steps, progress=False, max_seconds=seconds / 5)
        h = nk.gauss_newton(h0.pinn, steps=steps, progress=False, max_seconds=seconds - (time.perf_counter() - t0))
    else: raise SystemExit(f"unknown method {method!r}")
    out = dict(case=c.name, method=method, seed=seed, hidden=list(hidden), fourier=fourier, sigma=sigma, scale=scale,
               n_points=pinn.n_points,
               n_params=pinn.n_params, dtype=dtype, cores=len(os.sched_getaffinity(0)),
               seconds=round(time.perf_counter() - t0, 1), steps=len(h),
               loss=float(h.total[-1]), l2re=c.l2re(h.pinn))
    if c.exact_reference is not None and c.exact_reference is not c.reference: out["l2re_exact"] = c.l2re(h.pinn, exact=True)
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("case"); ap.add_argument("method"); ap.add_argument("seconds", type=float); ap.add_argument("seed", type=int)
    ap.add_argument("--hidden", default="50,50,50"); ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--steps", type=int); ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--float32", action="store_true"); ap.add_argument("--fourier", type=int, default=0)
    ap.add_argument("--sigma", default="1"); ap.add_argument("--label"); ap.add_argument("--save", action="store_true")
    ap.add_argument("--log-every", type=int); ap.add_argument("--checkpoint")
    a = ap.parse_args()
    out = run(a.case, a.method, a.seconds, a.seed, [int(h) for h in a.hidden.split(",")], a.scale, a.steps, a.lr,
              "float32" if a.float32 else "float64", a.fourier, [float(s) for s in a.sigma.split(",")],
              a.log_every, a.checkpoint)
    if a.label: out["label"] = a.label
    line = json.dumps(out)
    print(line, flush=True)
    if a.save:
        with open(Path(__file__).parent / "results" / "pinnacle.jsonl", "a") as f: f.write(line + "\n")
