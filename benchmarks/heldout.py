"""Does a trained PINN fit its training points only, or the equation between them? The loss per term at the run's
own points against the loss at fresh points of the same domain (a full PINNacle count, another sampling seed).

  python heldout.py CASE CHECKPOINT_DIR [--hidden 100,100,100,100,100] [--scale 0.125] [--seed 0] [--float32]
                    [--fresh-seed 1000] [--label NAME] [--save]

CHECKPOINT_DIR: a folder written by `pinnacle.py ... --checkpoint DIR` (its newest checkpoint is read); the model,
points and precision are rebuilt from the same arguments as that run. Prints one JSON line; --save appends it to
results/heldout.jsonl. A ratio fresh/own far above 1 says the network fits its points and not the equation.
"""
import argparse, json
from pathlib import Path
import jax, numpy as np
from flax import nnx
import ntk_pinn as nk
from ntk_pinn.checkpoint import latest
from ntk_pinn.losses import term_losses
from ntk_pinn.pinnacle import pinnacle_case

def heldout(case, directory, hidden, scale, seed, dtype, fresh_seed):
    c = pinnacle_case(case)
    model = nk.MLP(c.dim, list(hidden), 1, rngs=nnx.Rngs(seed))
    pinn = nk.PINN(model, c.problem, c.points(scale, seed), dtype=dtype)
    arrays, meta = latest(directory)
    leaves = jax.tree.leaves(pinn.params)
    pinn = pinn.with_params(jax.tree.unflatten(jax.tree.structure(pinn.params),
                                               [arrays[f"params.{i}"] for i in range(len(leaves))]))
    own = term_losses(pinn.residuals(by_term=True))
    fresh = term_losses(pinn.with_points(c.points(1.0, fresh_seed)).residuals(by_term=True))
    return dict(case=c.name, scale=scale, seed=seed, hidden=list(hidden), dtype=dtype, step=int(meta["step"]),
                n_points=pinn.n_points, own={k: float(v) for k, v in own.items()},
                fresh={k: float(v) for k, v in fresh.items()},
                ratio={k: float(fresh[k] / own[k]) for k in own}, l2re=c.l2re(pinn))

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("case"); ap.add_argument("checkpoint")
    ap.add_argument("--hidden", default="100,100,100,100,100"); ap.add_argument("--scale", type=float, default=0.125)
    ap.add_argument("--seed", type=int, default=0); ap.add_argument("--float32", action="store_true")
    ap.add_argument("--fresh-seed", type=int, default=1000); ap.add_argument("--label")
    ap.add_argument("--save", action="store_true")
    a = ap.parse_args()
    out = heldout(a.case, a.checkpoint, [int(h) for h in a.hidden.split(",")], a.scale, a.seed,
                  "float32" if a.float32 else "float64", a.fresh_seed)
    if a.label: out["label"] = a.label
    line = json.dumps(out)
    print(line, flush=True)
    if a.save:
        with open(Path(__file__).parent / "results" / "heldout.jsonl", "a") as f: f.write(line + "\n")
