"""The sharded Gauss-Newton step against the one-process step: two `jax.distributed` processes (gloo, one CPU device
each) run `examples/scale_out.py`, which computes on the two-process mesh and then, in process 0, on one device.

  python sharded_gn.py [--steps 1] [--res 301] [--width 32] [--save]

One row per route (dense; matrix-free with products on the gathered Jacobian; matrix-free with autodiff products on
the mesh): the largest parameter difference relative to the largest parameter after `--steps` steps, the loss of each,
and the seconds of each route's steps (sharded, then one device). On this 2-core machine the two processes get a core
each while the one-device reference, in process 0, may use both: read the seconds as what the mesh costs here, not as
a scaling measurement.
"""
import argparse, json, os, subprocess, sys, tempfile
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
ROUTES = {"dense": ("dense", "auto"), "cg-jacobian": ("cg", "jacobian"), "cg-autodiff": ("cg", "autodiff")}

def run(route, steps, res, width, port):
    solver, products = ROUTES[route]
    with tempfile.TemporaryDirectory() as d:
        out = f"{d}/out.npz"
        args = [sys.executable, str(HERE.parent / "examples" / "scale_out.py"), "--coordinator", f"127.0.0.1:{port}",
                "--num-processes", "2", "--gn-solver", solver, "--gn-products", products, "--gn-steps", str(steps),
                "--res", str(res), "--width", str(width)]
        p1 = subprocess.Popen(args + ["--process-id", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p0 = subprocess.run(args + ["--process-id", "0", "--out", out], capture_output=True, text=True)
        p1.wait()
        if p0.returncode: raise SystemExit(p0.stderr[-2000:])
        z = np.load(out)
        a, b = z["sharded_gn_theta"], z["single_gn_theta"]
        info = json.loads(str(z["info"]))
        return dict(case="sharded", method=route, processes=2, N=info["N"], P=info["P"], steps=steps,
                    theta_rel_diff=float(np.abs(a - b).max() / np.abs(b).max()),
                    loss_sharded=float(z["sharded_gn_loss"][-1]), loss_single=float(z["single_gn_loss"][-1]),
                    step_seconds_sharded=z["sharded_gn_step_times"].tolist(),
                    step_seconds_single=z["single_gn_step_times"].tolist())

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1); ap.add_argument("--res", type=int, default=301)
    ap.add_argument("--width", type=int, default=32); ap.add_argument("--save", action="store_true")
    a = ap.parse_args()
    for k, route in enumerate(ROUTES):
        row = run(route, a.steps, a.res, a.width, 9800 + k + 10 * a.steps)
        print(json.dumps(row), flush=True)
        if a.save:
            with open(HERE / "results" / "scale.jsonl", "a") as f: f.write(json.dumps(row) + "\n")
