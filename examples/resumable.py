"""A run that can be killed and resumed: 1-D Poisson with Adam or Gauss-Newton, checkpointed into a folder.

    python examples/resumable.py --trainer adam --steps 3000 --checkpoint run1 --every 100 --out run1.npz

Started again with the same arguments after a kill, it continues from the newest readable checkpoint (`resume=True`);
the final parameters, error and run information go to `--out` (.npz).
"""
import argparse, json
import numpy as np
from flax import nnx
import ntk_pinn as nk

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trainer", choices=("adam", "gn"), default="adam")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--checkpoint", default=None, help="checkpoint folder (none: no checkpoints)")
    p.add_argument("--every", type=int, default=None, help="steps between checkpoints (default: every 60 s)")
    p.add_argument("--out", required=True, help="result file (.npz)")
    a = p.parse_args(argv)
    prob = nk.poisson_1d(a=1)
    pts = prob.sample(n={"res": 128, "bc": 2}, seed=0)
    model = nk.MLP(1, [32, 32], 1, rngs=nnx.Rngs(0))
    ck = dict(checkpoint=a.checkpoint, checkpoint_every=a.every, resume=a.checkpoint is not None)
    if a.trainer == "adam":
        h = nk.train(model, prob, pts, lr=3e-3, steps=a.steps, progress=False, resample=500, **ck)
    else:
        h = nk.gauss_newton(model, prob, pts, steps=a.steps, progress=False, **ck)
    info = {k: h.info.get(k) for k in ("relative_l2", "resumed", "checkpoint", "wall_seconds", "stop")}
    np.savez(a.out, theta=h.pinn.flat_params(), total=h.total, info=json.dumps(info))

if __name__ == "__main__":
    main()
