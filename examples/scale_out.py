#!/usr/bin/env python
"""ntk_pinn across devices and processes: the PINN kernel, its matrix-free products, its diagonal, its top eigenpairs
(by Lanczos and from the P x P Gram) and a few Gauss-Newton steps, computed on every device of a "points" mesh —
and, for comparison, on one device.

One process, several devices (GPUs; or virtual CPU devices for a test):

    python examples/scale_out.py --cpu-devices 4 --out result.npz

Several processes (one per host, or several on one machine), started with the same arguments apart from the id:

    python examples/scale_out.py --coordinator 10.0.0.1:9876 --num-processes 2 --process-id 0 --out result.npz
    python examples/scale_out.py --coordinator 10.0.0.1:9876 --num-processes 2 --process-id 1

Every process draws the same points (same seed) and the same initial network; `PINN.shard` checks that they agree,
and each device then works on its share. Process 0 writes the results (and the one-device reference, unless
--no-reference) to --out as a NumPy .npz file.
"""
import argparse, json, os, sys, time

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpu-devices", type=int, default=None, help="use this many virtual CPU devices (one process)")
    ap.add_argument("--coordinator", default=None, help="host:port of process 0 (several processes)")
    ap.add_argument("--num-processes", type=int, default=1)
    ap.add_argument("--process-id", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=120, help="seconds to wait for the other processes")
    ap.add_argument("--res", type=int, default=301, help="residual points (need not divide the device count)")
    ap.add_argument("--bc", type=int, default=42, help="boundary points")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--k", type=int, default=10, help="top eigenpairs")
    ap.add_argument("--gn-steps", type=int, default=3)
    ap.add_argument("--gn-solver", default="auto", choices=("auto", "dense", "cg"), help="the Gauss-Newton route")
    ap.add_argument("--gn-products", default="auto", choices=("auto", "jacobian", "autodiff"),
                    help="the matrix-free route's kernel products")
    ap.add_argument("--checkpoint", default=None, help="Gauss-Newton checkpoint folder (every step; resumed if present)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the points (the same on every process)")
    ap.add_argument("--no-reference", action="store_true", help="skip the one-device reference")
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)

    import jax                                       # the runtime is configured before any computation
    if a.cpu_devices: jax.config.update("jax_num_cpu_devices", a.cpu_devices)
    from ntk_pinn.sharding import distributed_initialize
    if a.num_processes > 1:                          # gloo collectives between CPU processes; GPUs use NCCL
        try: distributed_initialize(a.coordinator, a.num_processes, a.process_id, timeout=a.timeout)
        except (RuntimeError, ValueError) as e: print(f"scale_out: error: {e}", file=sys.stderr); return 2
    import numpy as np
    from flax import nnx
    from ntk_pinn.models import MLP
    from ntk_pinn.operators import poisson_2d
    from ntk_pinn.pinn import PINN
    from ntk_pinn.sharding import points_mesh
    from ntk_pinn.ntk import pinn_ntk, pinn_ntk_operator
    from ntk_pinn.spectrum import top_eigs, gram_spectrum
    from ntk_pinn.gauss_newton import gauss_newton

    prob = poisson_2d()
    pts = prob.sample(n={"res": a.res, "bc": a.bc}, seed=a.seed)         # the same points on every process
    pinn = PINN(MLP(2, [a.width, a.width], 1, rngs=nnx.Rngs(0)), prob, pts, dtype="float64")
    mesh = points_mesh()                                                   # all devices of all processes
    try: sharded = pinn.shard(mesh)
    except AssertionError as e: print(f"scale_out: error: {e}", file=sys.stderr); return 2
    V = np.random.default_rng(1).standard_normal((pinn.n_points, 3))

    def compute(p):
        t0 = time.perf_counter()
        K = pinn_ntk(p, method="jacobian")
        op = pinn_ntk_operator(p)
        top = top_eigs(op, k=a.k, tol=1e-10)
        gram = gram_spectrum(p)                       # the P x P Gram, summed across devices on a mesh
        ck = dict(checkpoint=a.checkpoint, checkpoint_every=1, resume=True) if a.checkpoint and p.mesh else {}
        t1 = time.perf_counter()
        h = gauss_newton(p, steps=a.gn_steps, progress=False, solver=a.gn_solver, products=a.gn_products, **ck)
        gn_seconds = time.perf_counter() - t1
        return dict(gn_seconds=gn_seconds, gn_step_times=np.asarray(h.info["step_seconds"]),
                    K=K.matrix, J=K.jacobian, r=K.residuals, KV=op @ V, diag=op.diagonal(), top=top.eigenvalues,
                    gram=gram.eigenvalues[:a.k],
                    gn_loss=h.total, gn_theta=h.pinn.flat_params(), seconds=time.perf_counter() - t0)

    from ntk_pinn.numerics import JobFailed
    try: out = {f"sharded_{k}": v for k, v in compute(sharded).items()}
    except JobFailed as e:                           # another process died: say so and leave at once
        print(f"scale_out: error: {e}", file=sys.stderr, flush=True); os._exit(3)
    if not a.no_reference: out.update({f"single_{k}": v for k, v in compute(pinn).items()})
    info = dict(devices=jax.device_count(), local_devices=jax.local_device_count(), processes=jax.process_count(),
                mesh=dict(mesh.shape), N=pinn.n_points, P=pinn.n_params)
    if jax.process_index() == 0:
        if a.out: np.savez(a.out, info=json.dumps(info), **out)
        print("RESULT", json.dumps(info | {k: float(v) for k, v in out.items() if k.endswith("seconds")}), flush=True)
    if a.num_processes > 1: jax.distributed.shutdown()
    return 0

if __name__ == "__main__": sys.exit(main())
