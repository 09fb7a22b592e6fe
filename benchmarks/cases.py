"""Benchmark workers. Each call prints one JSON object; `run.py` starts them in fresh processes.

  python cases.py output_ntk    MODEL N REPS     # ntk_pinn vs Opifex NTKWrapper.compute_ntk, alternating, float32
  python cases.py residual      DIM N REPS [HIDDEN]  # residual NTK (Poisson), float64: ntk_pinn methods vs naive vs GEMM
  python cases.py memory        WHAT N [CHUNK]   # peak extra memory of one computation (fresh process)
  python cases.py topk          N K              # matrix-free top-k of the Poisson PINN kernel
  python cases.py laplacian     DIM N REPS       # Jacobian of -Laplacian(u): forward-over-forward vs forward-over-reverse
  python cases.py gauss_newton  NET METHOD BUDGET SEED [LR]  # 2-D Poisson, float64: gn, gn-search, gn-svd, gn-eigh, gn-cg, engd-w, adam, lbfgs
  python cases.py large_spectrum N ROUTE         # top-20 (jacobian, sketch, lanczos) or the Gram route, 2-[64,64,64]-1
  python cases.py scaling WHAT N PROCS PID PORT  # one process of a 1- or 2-process job (WHAT: matvec or kernel)
"""
import json, sys, time, importlib.util
from pathlib import Path
import numpy as np

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"): return int(line.split()[1]) / 1024
def reset_peak():
    try: open("/proc/self/clear_refs", "w").write("5")
    except OSError: pass

MODELS = {"A": [32, 32], "B": [64, 64, 64]}

def opifex_wrapper():
    "Opifex 0.2.0's NTK wrapper module, loaded from the installed wheel's file: the package's __init__ imports heavy optional stacks."
    import site
    for base in site.getsitepackages():
        f = Path(base) / "opifex" / "core" / "physics" / "ntk" / "wrapper.py"
        if f.exists():
            spec = importlib.util.spec_from_file_location("opifex_ntk_wrapper", f)
            mod = importlib.util.module_from_spec(spec); sys.modules[spec.name] = mod; spec.loader.exec_module(mod)
            return mod
    raise SystemExit("opifex 0.2.0 is not installed in this environment (run benchmarks/run.py, which sets it up).")

def lbfgs_objective(pinn):
    "SciPy's objective for L-BFGS-B: the float64 loss (mean convention, weights 1) and its gradient; and the start."
    import jax, jax.numpy as jnp
    from jax.flatten_util import ravel_pytree
    from ntk_pinn import loss_scaling, local_x64
    from ntk_pinn.engine import term_functions
    d, fns = loss_scaling(dict(zip(pinn.names, pinn.sizes))), term_functions(pinn.graphdef, pinn.problem)
    with local_x64("float64"):
        _, unravel = ravel_pytree(pinn.params)
        Xs, dj = [jnp.asarray(pinn.points[n]) for n in pinn.names], jnp.asarray(d)
        def loss(th):
            p = unravel(th)
            r = jnp.concatenate([jax.vmap(lambda x, f=f: f(p, pinn.rest, x))(X) for f, X in zip(fns, Xs)])
            return 0.5 * jnp.sum(dj * r * r)
        vg = jax.jit(jax.value_and_grad(loss))
    def fun(th):
        with local_x64("float64"): return tuple(np.asarray(a, np.float64) for a in vg(jnp.asarray(th)))
    return fun, pinn.flat_params()

def median_time(fn, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts)), ts

def output_ntk(model_name, n, reps):
    import jax, jax.numpy as jnp
    from flax import nnx
    from ntk_pinn.models import MLP, functional, count_params
    from ntk_pinn.ntk import empirical_ntk
    W = opifex_wrapper()
    model = MLP(1, MODELS[model_name], 1, activation="tanh", init="lecun", rngs=nnx.Rngs(0))
    x = jax.random.uniform(jax.random.key(1), (n, 1), minval=-1, maxval=1)
    apply, params = functional(model)
    from ntk_pinn.ntk import mlp_output_ntk
    ours = lambda: empirical_ntk(apply, params, x, dtype=jnp.float32)
    structured = lambda: mlp_output_ntk(model, x, dtype=jnp.float32)
    wrapper = W.NTKWrapper(model)
    peer = lambda: np.asarray(wrapper.compute_ntk(x).block_until_ready())
    K1, K2, K3 = ours(), peer(), structured()          # warm-up (compiles ours) and agreement check
    rel = float(np.linalg.norm(K1 - K2) / np.linalg.norm(K2))
    rel_s = float(np.linalg.norm(K3 - K2) / np.linalg.norm(K2))
    t_ours, t_peer, t_str = [], [], []
    for _ in range(reps):                              # alternate A/B/C
        t = time.perf_counter(); ours(); t_ours.append(time.perf_counter() - t)
        t = time.perf_counter(); peer(); t_peer.append(time.perf_counter() - t)
        t = time.perf_counter(); structured(); t_str.append(time.perf_counter() - t)
    return dict(model=model_name, P=count_params(model), n=n, rel_diff=rel, rel_diff_structured=rel_s,
                ntk_pinn_ms=1e3 * float(np.median(t_ours)), opifex_ms=1e3 * float(np.median(t_peer)),
                ntk_pinn_structured_ms=1e3 * float(np.median(t_str)),
                ntk_pinn_all_ms=[1e3 * t for t in t_ours], opifex_all_ms=[1e3 * t for t in t_peer])

def output_mem(lib, model_name, n):
    "Peak extra memory of the first output-NTK call in a fresh process (and of a second call), above the RSS before it."
    import jax, jax.numpy as jnp
    from flax import nnx
    from ntk_pinn.models import MLP, functional
    from ntk_pinn.ntk import empirical_ntk
    model = MLP(1, MODELS[model_name], 1, activation="tanh", init="lecun", rngs=nnx.Rngs(0))
    x = jax.random.uniform(jax.random.key(1), (n, 1), minval=-1, maxval=1)
    if lib == "ntk_pinn":
        apply, params = functional(model); fn = lambda: empirical_ntk(apply, params, x, dtype=jnp.float32)
    else:
        wrapper = opifex_wrapper().NTKWrapper(model); fn = lambda: np.asarray(wrapper.compute_ntk(x).block_until_ready())
    base = rss_mb(); reset_peak(); fn()                  # first call in a fresh process: compilation included
    cold = peak_mb() - base
    base = rss_mb(); reset_peak(); fn()                  # second call: allocator caches warm
    return dict(lib=lib, model=model_name, n=n, peak_extra_mb=cold, warm_peak_extra_mb=peak_mb() - base)

def _poisson(dim):
    "The residual term of Poisson in `dim` dimensions, alone."
    from ntk_pinn.operators import poisson_1d, poisson_2d
    return (poisson_1d() if dim == 1 else poisson_2d()).select("res")

def residual(dim, n, reps, hidden="32,32"):
    import jax
    from flax import nnx
    from jax.flatten_util import ravel_pytree
    from ntk_pinn.models import MLP, count_params
    from ntk_pinn.pinn import PINN
    from ntk_pinn.engine import term_functions
    from ntk_pinn.numerics import local_x64
    from ntk_pinn.ntk import pinn_ntk
    prob = _poisson(dim)
    widths = [int(w) for w in hidden.split(",")]
    model = MLP(dim, widths, 1, rngs=nnx.Rngs(0))
    pts = prob.sample(n={"res": n}, seed=0)
    out = dict(dim=dim, n=n, hidden=widths, P=count_params(model))
    pinn = PINN(model, prob, pts, dtype="float64")
    with local_x64("float64"):
        f = term_functions(pinn.graphdef, prob)[0]
        theta, unravel = ravel_pytree(pinn.params)
        X = pinn.points["res"]
        naive_J = jax.jit(jax.vmap(jax.grad(lambda th, x: f(unravel(th), pinn.rest, x)), (None, 0)))
        naive = lambda: (lambda J: (J @ J.T).block_until_ready())(naive_J(theta, X))   # vmap(grad) J, then J J^T (two steps)
        J = naive_J(theta, X).block_until_ready()
        gemm = jax.jit(lambda J: J @ J.T)
        floor = lambda: gemm(J).block_until_ready()
        cases = {"ntk_pinn jacobian": lambda: pinn_ntk(model, prob, pts, method="jacobian", keep_jacobian=False),
                 "ntk_pinn structured": lambda: pinn_ntk(model, prob, pts, method="structured", keep_jacobian=False),
                 "naive vmap(grad) + J J^T": naive, "GEMM (J J^T of a given J)": floor}
        if n <= 4000 and max(widths) <= 64:
            cases["ntk_pinn jvp chunk 512"] = lambda: pinn_ntk(model, prob, pts, method="jvp", chunk_size=512)
        for fn in cases.values(): fn()                   # warm-up / compile
        times = {k: [] for k in cases}
        for _ in range(reps):                            # interleaved
            for k, fn in cases.items():
                t = time.perf_counter(); fn(); times[k].append(time.perf_counter() - t)
        Kref = np.asarray(pinn_ntk(model, prob, pts, method="jacobian").matrix)
        out["rel_diff_structured"] = float(np.linalg.norm(pinn_ntk(model, prob, pts, method="structured").matrix - Kref)
                                           / np.linalg.norm(Kref))
        out["rel_diff_naive"] = float(np.linalg.norm(np.asarray(naive_J(theta, X) @ naive_J(theta, X).T) - Kref) / np.linalg.norm(Kref))
    out["ms"] = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
    return out

def laplacian_modes(dim, n, reps):
    "Parameter Jacobian of -Laplacian(u) for 1-[64,64,64]-1: forward-over-forward vs forward-over-reverse, interleaved."
    import jax
    from flax import nnx
    from jax.flatten_util import ravel_pytree
    from ntk_pinn.models import MLP, functional
    from ntk_pinn.operators import laplacian
    apply, params = functional(MLP(dim, [64, 64, 64], 1, rngs=nnx.Rngs(0)))
    theta, unravel = ravel_pytree(params)
    X = jax.random.uniform(jax.random.key(0), (n, dim))
    fns = {m: jax.jit(jax.vmap(jax.grad(lambda th, x, m=m: laplacian(lambda y: apply(unravel(th), y), method=m)(x)), (None, 0)))
           for m in ("forward", "hessian")}
    for f in fns.values(): f(theta, X).block_until_ready()
    times = {m: [] for m in fns}
    for _ in range(reps):
        for m, f in fns.items():
            t = time.perf_counter(); f(theta, X).block_until_ready(); times[m].append(time.perf_counter() - t)
    return dict(dim=dim, n=n, ms={m: 1e3 * float(np.median(v)) for m, v in times.items()})

def memory(what, n, chunk):
    from flax import nnx
    from ntk_pinn.models import MLP
    from ntk_pinn.ntk import pinn_ntk, pinn_ntk_operator
    prob = _poisson(1)
    model = MLP(1, [64, 64, 64], 1, rngs=nnx.Rngs(0))
    pts = prob.sample(n={"res": n}, seed=0)
    base = rss_mb(); reset_peak()
    if what == "jacobian": pinn_ntk(model, prob, pts, chunk_size=chunk)
    elif what == "jvp": pinn_ntk(model, prob, pts, method="jvp", chunk_size=chunk)
    elif what == "operator":
        op = pinn_ntk_operator(model, prob, pts, chunk_size=chunk or 4096); op @ np.ones(n)
    return dict(what=what, n=n, chunk=chunk, P=8513, base_mb=base, peak_extra_mb=peak_mb() - base,
                kernel_mb=n * n * 8 / 2**20, jacobian_mb=n * 8513 * 8 / 2**20)

def topk(n, k):
    from flax import nnx
    from ntk_pinn.models import MLP
    from ntk_pinn.operators import poisson_1d
    from ntk_pinn.ntk import pinn_ntk_operator
    from ntk_pinn.spectrum import top_eigs
    prob = poisson_1d()
    model = MLP(1, [32, 32], 1, rngs=nnx.Rngs(0))
    pts = {"bc": np.array([[-1.0], [1.0]]), "res": np.linspace(-1, 1, n)[:, None]}
    base = rss_mb(); reset_peak()
    t = time.perf_counter()
    te = top_eigs(pinn_ntk_operator(model, prob, pts, chunk_size=8192), k=k, tol=1e-6)
    return dict(n=n + 2, k=k, seconds=time.perf_counter() - t, n_matvec=te.n_matvec, resolved=int(te.resolved.sum()),
                max_residual=float(te.residuals.max()), lambda_max=float(te.eigenvalues[0]),
                peak_extra_mb=peak_mb() - base, dense_kernel_gb=(n + 2) ** 2 * 8 / 2**30)

GN_METHODS = {  # method -> gauss_newton options (float64, dense unless said)
    "gn": dict(solver="dense"),                              # the default: LM + geodesic line search, factor auto,
                                                             # short straight steps raise the damping, balancing
    "gn-old": dict(solver="dense", trust_length=0.0),        # the default before the short-step rule (plain LM rule)
    "gn-search": dict(solver="dense", rule="search"),        # damping search + acceleration
    "gn-svd": dict(solver="dense", factor="svd", accelerate=False),   # LM + straight line search, the SVD of D^1/2 J
    "gn-eigh": dict(solver="dense", factor="eigh", accelerate=False), # LM + straight line search, eigh of the Gram
    "gn-cg": dict(solver="cg", preconditioner="lanczos", products="autodiff"),  # matrix-free as these rows were made:
                                                             # top-20 Lanczos every 10 steps, autodiff products
                                                             # (the current route: benchmarks/scale.py)
    "engd-w": dict(solver="dense", factor="svd", accelerate=False, adapt_damping=False, damping=1e-12,
                   line_search=30),                          # ENGD-Woodbury: fixed damping, straight line search
}

def gn_case(net, method, budget, seed=0, lr=None):
    """2-D Poisson of the KFAC-for-PINNs study, float64: one optimizer for a wall-clock budget, error against time.

    The comparison protocol: float64 for every method, the same points and initialisation for a seed, the budget
    counted after a warm-up that compiles everything (its time reported apart as compile_s), and the run read by the
    median of its error over the last 10% of the budget (`tail_median`) as well as by its last point."""
    from flax import nnx
    from ntk_pinn.models import MLP, count_params
    from ntk_pinn.operators import poisson_2d
    from ntk_pinn.pinn import PINN
    from ntk_pinn.numerics import local_x64
    from ntk_pinn.training import train, RelativeErrorLog, decaying_adam, tail_median
    from ntk_pinn.gauss_newton import gauss_newton
    seed = int(seed)
    prob = poisson_2d(box=(0.0, 1.0))                        # -Laplace u = 2 pi^2 sin(pi x) sin(pi y) on [0,1]^2
    pts = prob.sample(n={"res": 900, "bc": 120}, seed=seed)
    hidden = {"small": [64], "large": [64, 64, 48, 48]}[net]
    pinn = PINN(MLP(2, hidden, 1, rngs=nnx.Rngs(seed)), prob, pts, dtype="float64")
    every = {"small": 20, "large": 5}[net] if method.startswith(("gn", "engd")) else 500
    log = RelativeErrorLog(every=every if method != "gn-cg" else 5, n=10_000)      # a 100 x 100 grid
    t0 = time.perf_counter()
    if method in GN_METHODS:
        opts = GN_METHODS[method]
        gauss_newton(pinn, steps=2, progress=False, **opts)                        # warm-up: compiles everything
        compile_s = time.perf_counter() - t0
        h = gauss_newton(pinn, steps=10**9, max_seconds=budget, callbacks=[log], progress=False, **opts)
        out = dict(steps=len(h), status=h.info["status"], relative_l2=h.info["relative_l2"],
                   curve=[(x["seconds"], x["relative_l2"]) for x in h.snapshots])
        if "cg_iterations" in h.info: out["cg_iterations"] = int(sum(h.info["cg_iterations"]))
    elif method == "adam":                                   # Adam with an exponentially decaying step (to lr/100)
        train(pinn, lr=lr, steps=200, progress=False)                              # compiles the chunk
        t1 = time.perf_counter()                                                   # steps per second with the log
        train(pinn, lr=lr, steps=2000, callbacks=[RelativeErrorLog(every=500, n=10_000)], progress=False)
        rate = 2000 / (time.perf_counter() - t1)
        tx = decaying_adam(lr, max(int(rate * budget), 100))
        train(pinn, optimizer=tx, steps=100, progress=False)                        # compiles the decaying chunk
        compile_s = time.perf_counter() - t0 - 2000 / rate
        h = train(pinn, optimizer=tx, steps=10**9, max_seconds=budget, callbacks=[log], progress=False)
        out = dict(steps=len(h), status=h.info["status"], relative_l2=h.info["relative_l2"], schedule_steps=int(rate * budget),
                   curve=[(x["seconds"], x["relative_l2"]) for x in h.snapshots])
    elif method == "lbfgs":                                   # SciPy's L-BFGS-B on the float64 loss and its gradient
        import scipy.optimize as so
        fun, theta0 = lbfgs_objective(pinn)
        with local_x64("float64"):
            fun(theta0); pinn.relative_l2(10_000)                                   # warm-up: compiles
            compile_s = time.perf_counter() - t0
            t0, curve, it = time.perf_counter(), [], [0]
            curve.append((0.0, pinn.relative_l2(10_000)))
            def cb(xk):
                it[0] += 1; el = time.perf_counter() - t0
                if it[0] % 20 == 0: curve.append((el, pinn.with_params(xk).relative_l2(10_000)))
                if el > budget: raise StopIteration
            res = so.minimize(fun, theta0, jac=True, method="L-BFGS-B", callback=cb,
                              options=dict(maxiter=10**9, maxfun=10**9, maxcor=50, ftol=0.0, gtol=0.0))
        final = pinn.with_params(res.x).relative_l2(10_000)
        curve.append((time.perf_counter() - t0, final))
        out = dict(steps=it[0], status=str(res.message), relative_l2=final, curve=curve)
    else: raise SystemExit(f"unknown method {method!r}")
    out["tail_median"] = tail_median([(t, e) for t, e in out["curve"] if t <= budget * 1.05] or out["curve"])
    return dict(net=net, method=method, seed=seed, P=count_params(pinn.model()), budget_s=budget, lr=lr,
                compile_s=compile_s, **out)

def _poisson2d_pinn(n, hidden=(64, 64, 64), seed=0):
    "2-D Poisson, n residual points and n/50 boundary points, float64."
    from flax import nnx
    from ntk_pinn.models import MLP
    from ntk_pinn.operators import poisson_2d
    from ntk_pinn.pinn import PINN
    prob = poisson_2d()
    return PINN(MLP(2, list(hidden), 1, rngs=nnx.Rngs(0)), prob,
                prob.sample(n={"res": n, "bc": max(4, n // 50)}, seed=seed), dtype="float64")

def large_spectrum(n, route, k=20):
    "Top-k (routes jacobian, sketch, lanczos) or the whole nonzero spectrum (route gram) of a large 2-D Poisson kernel."
    from ntk_pinn.spectrum import pinn_top_eigs, gram_spectrum
    pinn = _poisson2d_pinn(n)
    base = rss_mb(); reset_peak(); t = time.perf_counter()
    if route == "gram":
        s = gram_spectrum(pinn, vectors=k)
        out = dict(eigenvalues=s.eigenvalues[:k].tolist(), numerical_rank=s.numerical_rank, used="gram")
    else:
        te = pinn_top_eigs(pinn, k=k, route=route, tol=1e-8, max_bytes=16 * 2**30)
        out = dict(eigenvalues=te.eigenvalues.tolist(), max_residual=float(te.residuals.max()), passes=te.n_matvec,
                   resolved=int(te.resolved.sum()), used=te.route)
    return dict(n=pinn.n_points, P=pinn.n_params, route=route, seconds=time.perf_counter() - t,
                peak_extra_mb=peak_mb() - base, peak_rss_mb=peak_mb(), **out)

def scaling(what, n, processes, pid, port):
    "One process of a 1- or 2-process job: time of the sharded product K @ V (3 vectors) or kernel, and peak memory."
    import jax
    from ntk_pinn.sharding import distributed_initialize, points_mesh
    if processes > 1: distributed_initialize(f"127.0.0.1:{port}", processes, pid, timeout=120)
    from ntk_pinn.ntk import pinn_ntk, pinn_ntk_operator
    pinn = _poisson2d_pinn(n, hidden=(32, 32)).shard(points_mesh())
    V = np.random.default_rng(0).standard_normal((pinn.n_points, 3))
    fn = (lambda: pinn_ntk_operator(pinn) @ V) if what == "matvec" else (lambda: pinn_ntk(pinn, keep_jacobian=False))
    base = rss_mb(); reset_peak()
    fn()                                                   # compile
    ts = []
    for _ in range(3):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    out = dict(what=what, n=pinn.n_points, P=pinn.n_params, processes=processes, pid=pid, seconds=float(np.median(ts)),
               peak_extra_mb=peak_mb() - base, peak_rss_mb=peak_mb())
    if processes > 1: jax.distributed.shutdown()
    return out

if __name__ == "__main__":
    part, *args = sys.argv[1:]
    if part == "output_ntk": r = output_ntk(args[0], int(args[1]), int(args[2]))
    elif part == "residual": r = residual(int(args[0]), int(args[1]), int(args[2]), *args[3:4])
    elif part == "output_mem": r = output_mem(args[0], args[1], int(args[2]))
    elif part == "memory": r = memory(args[0], int(args[1]), int(args[2]) if len(args) > 2 and args[2] != "none" else None)
    elif part == "topk": r = topk(int(args[0]), int(args[1]))
    elif part == "laplacian": r = laplacian_modes(int(args[0]), int(args[1]), int(args[2]))
    elif part == "gauss_newton": r = gn_case(args[0], args[1], float(args[2]), int(args[3]), float(args[4]) if len(args) > 4 else None)
    elif part == "large_spectrum": r = large_spectrum(int(args[0]), args[1])
    elif part == "scaling": r = scaling(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]))
    else: raise SystemExit(f"unknown part {part!r}")
    print("RESULT " + json.dumps(r))
