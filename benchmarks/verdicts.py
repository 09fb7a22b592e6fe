"""The representation verdict's threshold: the share of the loss outside the kernel's modes in reach, at initialisation.

  python verdicts.py [--seeds 3] [--gn-seconds 240] [--gn-seeds 1] [--only LABEL|KIND] [--save]

For each configuration and seed: `diagnose` at the initial parameters (its `null_share`, the modes in reach, the
verdicts). The configurations: the four PINNacle cases with the plain 2-[32,32,32]-1 tanh network of the PINNacle
chapter's 240-s runs; three of them with the Fourier features that took them furthest there; and three of the
package's own problems (controls), on which the same plain network is then trained with `gauss_newton` for
`--gn-seconds` (float64, its defaults; the first `--gn-seeds` seeds) to record the relative L2 error a plain network
reaches.
--save writes the lines to results/verdicts.jsonl (which the PINNacle chapter plots).
"""
import argparse, json, os, time
from pathlib import Path
from flax import nnx
import ntk_pinn as nk
from ntk_pinn.pinnacle import pinnacle_case, diagnose

def pinnacle_config(name, hidden, scale, fourier=0, sigma=1.0):
    def make(seed):
        c = pinnacle_case(name)
        m = nk.MLP(c.dim, hidden, 1, fourier=fourier or None, sigma=sigma, rngs=nnx.Rngs(seed))
        return nk.PINN(m, c.problem, c.points(scale, seed), dtype="float64")
    return make

def own_config(problem, n, hidden):
    def make(seed):
        m = nk.MLP(len(problem.domain), hidden, 1, rngs=nnx.Rngs(seed))
        return nk.PINN(m, problem, problem.sample(n, seed=seed), dtype="float64")
    return make

PLAIN = [32, 32, 32]
CONFIGS = [  # (label, kind, make)
    ("Burgers1d-C", "plain", pinnacle_config("burgers1d-c", PLAIN, 0.25)),
    ("Poisson2d-C", "plain", pinnacle_config("poisson2d-c", PLAIN, 0.5)),
    ("Wave1d-C", "plain", pinnacle_config("wave1d-c", PLAIN, 0.25)),
    ("Heat2d-MS", "plain", pinnacle_config("heat2d-ms", PLAIN, 0.125)),
    ("Poisson2d-C", "features", pinnacle_config("poisson2d-c", [24, 24], 0.4, 16, 3.0)),
    ("Wave1d-C", "features", pinnacle_config("wave1d-c", [32, 32], 0.25, 32, (2.0, 1.0))),
    ("Heat2d-MS", "features", pinnacle_config("heat2d-ms", [32, 32], 0.125, 32, (0.1, 10.0, 0.5))),
    ("burgers_1d(nu=0.05)", "control", own_config(nk.burgers_1d(nu=0.05), {"res": 2000, "ic": 200, "bc": 200}, PLAIN)),
    ("poisson_2d()", "control", own_config(nk.poisson_2d(), {"res": 1000, "bc": 200}, PLAIN)),
    ("heat_1d()", "control", own_config(nk.heat_1d(), {"res": 2000, "ic": 200, "bc": 200}, PLAIN)),
]

def run(label, kind, make, seed, gn_seconds, gn_seeds=1):
    t0 = time.perf_counter()
    pinn = make(seed)
    d = diagnose(pinn, seed=seed)
    out = dict(label=label, kind=kind, seed=seed, n_points=pinn.n_points, n_params=pinn.n_params,
               null_share=d.null_share, reach=d.reach, n_kernel=d.n_kernel, verdicts=[v.name for v in d.verdicts],
               diagnose_seconds=round(time.perf_counter() - t0, 1), cores=len(os.sched_getaffinity(0)))
    if kind == "control" and gn_seconds > 0 and seed < gn_seeds:
        h = nk.gauss_newton(pinn, steps=10 ** 6, max_seconds=gn_seconds, progress=False)
        out.update(gn_seconds=gn_seconds, gn_steps=len(h), gn_relative_l2=float(h.pinn.relative_l2()))
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3); ap.add_argument("--gn-seconds", type=float, default=240)
    ap.add_argument("--gn-seeds", type=int, default=1)
    ap.add_argument("--only"); ap.add_argument("--save", action="store_true")
    a = ap.parse_args()
    for label, kind, make in CONFIGS:
        if a.only and a.only not in (label, kind): continue
        for seed in range(a.seeds):
            line = json.dumps(run(label, kind, make, seed, a.gn_seconds, a.gn_seeds))
            print(line, flush=True)
            if a.save:
                with open(Path(__file__).parent / "results" / "verdicts.jsonl", "a") as f: f.write(line + "\n")
