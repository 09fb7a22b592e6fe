"""Nonlinear cases for the Gauss-Newton trainer: one optimiser, one case, one seed, a wall-clock budget; prints one JSON line.

  python nonlinear.py CASE METHOD BUDGET SEED [LR] [--save NOTE]   (--save appends the line to results/nonlinear.jsonl)

CASE: burgers (burgers_1d(nu=0.05), 2-[32,32,32]-1, 2,000 + 200 + 200 points) or kovasznay (steady Navier-Stokes,
Kovasznay flow at Re = 40 on [-0.5, 1] x [-0.5, 1.5], 2-[40,40,40]-3 for (u, v, p), 600 points for each of momentum x,
momentum y and continuity, 150 boundary points for each of u, v and p: 2,250 residual rows); kovasznay-large (the same
with 1,500 points per equation: 4,950 rows, more than the network's 3,523 parameters).
poisson2d-c (PINNacle's Poisson2d-C, a square with four holes, 2-[50,50,50]-1, 2,000 + 400 + 200 points; the error is
PINNacle's L2RE on its 1,246 reference nodes).
holes-k50, holes-k100 and holes-k1 (-kappa Laplace u = kappa f on Poisson2d-C's holed square, Dirichlet data on the edges and on
the four circles, exact u = sin(pi (x + 1/2)) cos(pi y) + x y / 2; 2-[50,50,50]-1, 2,000 + 400 + 200 points; kappa = 50
makes the residual block's per-point trace 300-2,000x the boundary blocks' (seeds 0-2 at initialisation), kappa = 100
1,200-8,100x, kappa = 1 is the same problem balanced).
burgers1d-c (PINNacle's Burgers1d-C, nu = 0.01/pi, the near-shock: 2-[32,32,32]-1, 2,000 + 200 + 200 points, the error
against the exact Cole-Hopf solution).
METHOD: gn (the defaults), gn-old (the earlier defaults: trust_length=0 and every weight 1), gn-plain (trust_length=0),
gn-ones (every weight 1, so no balancing), gn-trust (trust_length=0.25: the default since the short-step rule
became it), gn-straight (the straight line search on the SVD), gn-search (rule="search"), adam (constant step LR,
default 1e-3), adam-decay (LR decaying to 1/100 over the steps that fit the budget), lbfgs (SciPy's L-BFGS-B on the
loss and its gradient). Everything in float64; the seed draws the initialisation and
the points. The error is the relative L2 error on a grid of about 10,000 points, per output component and joint.
"""
import json, sys, time
from pathlib import Path
import numpy as np
import jax, jax.numpy as jnp
from flax import nnx
import ntk_pinn as nk

def kovasznay(re=40.0):
    "Steady incompressible Navier-Stokes with Kovasznay's exact solution; outputs (u, v, p)."
    lam = re / 2 - np.sqrt(re ** 2 / 4 + 4 * np.pi ** 2)
    dom = ((-0.5, 1.0), (-0.5, 1.5))
    def exact(x):
        e = jnp.exp(lam * x[0])
        return jnp.stack([1 - e * jnp.cos(2 * jnp.pi * x[1]), lam / (2 * jnp.pi) * e * jnp.sin(2 * jnp.pi * x[1]),
                          0.5 * (1 - jnp.exp(2 * lam * x[0]))])
    def momentum(i):
        def op(u, x):
            U, gi, gp = u(x), nk.operators.grad(nk.component(u, i))(x), nk.operators.grad(nk.component(u, 2))(x)
            return U[0] * gi[0] + U[1] * gi[1] + gp[i] - nk.laplacian(nk.component(u, i))(x) / re
        return op
    def continuity(u, x): return nk.operators.grad(nk.component(u, 0))(x)[0] + nk.operators.grad(nk.component(u, 1))(x)[1]
    def dirichlet(i): return lambda u, x: u(x)[i] - exact(x)[i]
    inner, edge = nk.interior_sampler(dom), nk.boundary_sampler(dom)
    terms = (nk.Term("mom_x", momentum(0), inner, 600), nk.Term("mom_y", momentum(1), inner, 600),
             nk.Term("cont", continuity, inner, 600), nk.Term("bc_u", dirichlet(0), edge, 150, "boundary"),
             nk.Term("bc_v", dirichlet(1), edge, 150, "boundary"), nk.Term("bc_p", dirichlet(2), edge, 150, "boundary"))
    return nk.Problem("kovasznay", dom, terms, exact, ("x", "y"), key=("kovasznay", re))

PINNACLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "pinnacle"

def poisson2d_c(seed=0, n_res=2000, n_edge=400, n_circle=200):
    """PINNacle's Poisson2d-C: Laplace's equation on [-0.5, 0.5]^2 minus 4 disks of radius 0.1 at (+-0.3, +-0.3),
    u = 1 on the square's edges, u = 0 on the circles; the reference is PINNacle's COMSOL solution on 1,246 nodes."""
    rng = np.random.default_rng(seed)
    C, R = np.array([[0.3, 0.3], [-0.3, 0.3], [0.3, -0.3], [-0.3, -0.3]]), 0.1
    X = rng.uniform(-0.5, 0.5, (4 * n_res, 2))
    X = X[np.min(np.linalg.norm(X[:, None] - C[None], axis=-1), axis=1) > R][:n_res]
    s = rng.uniform(-0.5, 0.5, n_edge); side = rng.integers(0, 4, n_edge)
    E = np.where(side[:, None] < 2, np.stack([s, np.where(side == 0, -0.5, 0.5)], 1),
                 np.stack([np.where(side == 2, -0.5, 0.5), s], 1))
    a = rng.uniform(0, 2 * np.pi, n_circle)
    O = C[np.arange(n_circle) % 4] + R * np.stack([np.cos(a), np.sin(a)], 1)
    terms = (nk.Term("res", lambda u, x: nk.laplacian(u)(x), None, n_res),
             nk.Term("edge", lambda u, x: u(x) - 1.0, None, n_edge, "boundary"),
             nk.Term("circle", lambda u, x: u(x), None, n_circle, "boundary"))
    prob = nk.Problem("poisson2d_c", ((-0.5, 0.5), (-0.5, 0.5)), terms, None, ("x", "y"), key=("poisson2d-c",))
    ref = np.loadtxt(PINNACLE / "poisson1_cg_data.dat", comments="%")
    return prob, {"res": X, "edge": E, "circle": O}, ref[:, :2], ref[:, 2:]

def holes(kappa=50.0):
    """-kappa Laplace u = kappa f on [-1/2, 1/2]^2 minus Poisson2d-C's four disks, u given on the edges and circles:
    the same solution for every kappa, with the residual block's per-point trace scaled by kappa^2."""
    geom = nk.Box([-0.5, -0.5], [0.5, 0.5]) - {f"circle{i}": nk.Ball(c, 0.1) for i, c in
                                               enumerate([(0.3, 0.3), (-0.3, 0.3), (0.3, -0.3), (-0.3, -0.3)])}
    exact = lambda x: jnp.sin(jnp.pi * (x[0] + 0.5)) * jnp.cos(jnp.pi * x[1]) + 0.5 * x[0] * x[1]
    f = lambda x: 2 * jnp.pi ** 2 * jnp.sin(jnp.pi * (x[0] + 0.5)) * jnp.cos(jnp.pi * x[1])
    circles = tuple(f"circle{i}" for i in range(4))
    terms = (nk.Term("res", lambda u, x: kappa * (-nk.laplacian(u)(x) - f(x)), geom.sampler(), 2000),
             nk.Term("edge", lambda u, x: u(x) - exact(x), geom.sampler(("x-", "x+", "y-", "y+")), 400, "boundary"),
             nk.Term("circle", lambda u, x: u(x) - exact(x), geom.sampler(circles), 200, "boundary"))
    return nk.Problem(f"holes_k{kappa:g}", ((-0.5, 0.5), (-0.5, 0.5)), terms, exact, ("x", "y"), {"kappa": kappa},
                      key=("holes", kappa), geometry=geom)

CASES = {"burgers": lambda: (nk.burgers_1d(nu=0.05), {"res": 2000, "ic": 200, "bc": 200}, 2, [32, 32, 32], 1),
         "kovasznay": lambda: (kovasznay(), None, 2, [40, 40, 40], 3),
         "kovasznay-large": lambda: (kovasznay(), {"mom_x": 1500, "mom_y": 1500, "cont": 1500, "bc_u": 150, "bc_v": 150,
                                                   "bc_p": 150}, 2, [40, 40, 40], 3),
         "poisson2d-c": lambda: (None, None, 2, [50, 50, 50], 1),
         "holes-k50": lambda: (holes(50.0), None, 2, [50, 50, 50], 1),
         "holes-k100": lambda: (holes(100.0), None, 2, [50, 50, 50], 1),
         "holes-k1": lambda: (holes(1.0), None, 2, [50, 50, 50], 1),
         "burgers1d-c": lambda: (nk.burgers1d_c().problem, {"res": 2000, "ic": 200, "bc": 200}, 2, [32, 32, 32], 1)}
ONES = "ones"                                                    # every weight 1, whatever the terms' traces
GN = {"gn": {}, "gn-old": dict(trust_length=0.0, weights=ONES), "gn-plain": dict(trust_length=0.0),
      "gn-ones": dict(weights=ONES), "gn-trust": dict(trust_length=0.25),
      "gn-straight": dict(accelerate=False, factor="svd"), "gn-search": dict(rule="search")}

def lbfgs(pinn, budget):
    "SciPy's L-BFGS-B on the float64 loss (the package's mean convention, weights 1) and its gradient, for `budget` s."
    import scipy.optimize as so
    from cases import lbfgs_objective
    fun, theta0 = lbfgs_objective(pinn)
    with nk.local_x64("float64"):
        fun(theta0)                                                  # compiles
        t0, it = time.perf_counter(), [0]
        def cb(xk):
            it[0] += 1
            if time.perf_counter() - t0 > budget: raise StopIteration
        res = so.minimize(fun, theta0, jac=True, method="L-BFGS-B", callback=cb,
                          options=dict(maxiter=10 ** 9, maxfun=10 ** 9, maxcor=50, ftol=0.0, gtol=0.0))
    return pinn.with_params(res.x), it[0], time.perf_counter() - t0, float(res.fun)

def errors(pinn, prob, n=10_000, nodes=None):
    "Relative L2 error per output component and joint, on a grid of about n points or against reference `nodes`."
    if nodes is None:
        X = np.asarray(prob.grid(n)); ref = np.asarray(jax.vmap(prob.exact)(jnp.asarray(X))).reshape(len(X), -1)
    else: X, ref = nodes
    pred = np.asarray(pinn.predict(X)).reshape(len(X), -1)
    comp = [float(np.linalg.norm(pred[:, i] - ref[:, i]) / np.linalg.norm(ref[:, i])) for i in range(ref.shape[1])]
    return comp, float(np.linalg.norm(pred - ref) / np.linalg.norm(ref))

def run(case, method, budget, seed, lr=1e-3):
    prob, n, d, hidden, out = CASES[case]()
    nodes = None
    if case == "poisson2d-c": prob, pts, *nodes = poisson2d_c(seed)
    else: pts = prob.sample(n=n, seed=seed) if n else prob.sample(seed=seed)
    make = lambda: nk.PINN(nk.MLP(d, hidden, out, rngs=nnx.Rngs(seed)), prob, pts, dtype="float64")
    if method == "lbfgs":
        p, steps, secs, loss = lbfgs(make(), budget)
        comp, joint = errors(p, prob, nodes=nodes)
        return dict(case=case, method=method, budget=budget, seed=seed, lr=None, steps=steps, seconds=secs, loss=loss,
                    relative_l2=joint, relative_l2_components=comp, n_points=p.n_points, n_params=p.n_params)
    if method == "adam":
        nk.train(make(), lr=lr, steps=100, progress=False)                   # warm-up: compiles everything
        h = nk.train(make(), lr=lr, steps=10 ** 9, max_seconds=budget, progress=False)
    elif method == "adam-decay":                                             # decays to 1/100 over the budget's steps
        nk.train(make(), lr=lr, steps=300, progress=False)                   # warm-up: compiles everything
        t0 = time.perf_counter(); nk.train(make(), lr=lr, steps=300, progress=False)
        n = int(budget * 300 / (time.perf_counter() - t0))                   # the steps that fit the budget
        h = nk.train(make(), optimizer=nk.decaying_adam(lr, n), steps=n, max_seconds=budget, progress=False)
    else:
        kw = dict(GN[method])
        if kw.get("weights") == ONES: kw["weights"] = {n: 1.0 for n in prob.names}
        nk.gauss_newton(make(), steps=2, progress=False, **kw)
        h = nk.gauss_newton(make(), steps=10 ** 9, max_seconds=budget, progress=False, **kw)
    comp, joint = errors(h.pinn, prob, nodes=nodes)
    return dict(case=case, method=method, budget=budget, seed=seed, lr=lr if method.startswith("adam") else None,
                steps=len(h), seconds=h.info["wall_seconds"], loss=float(h.total[-1]), relative_l2=joint,
                relative_l2_components=comp, n_points=h.pinn.n_points, n_params=h.pinn.n_params,
                balanced=bool((h.info.get("balance") or {}).get("balanced", False)))

if __name__ == "__main__":
    a = sys.argv[1:]
    note = None
    if "--save" in a: i = a.index("--save"); note = a[i + 1]; a = a[:i] + a[i + 2:]
    row = run(a[0], a[1], float(a[2]), int(a[3]), *(float(x) for x in a[4:]))
    if note is not None:                          # appended with the cores it ran on and what ran beside it
        import os
        row.update(cores=len(os.sched_getaffinity(0)), note=note)
        with open(Path(__file__).parent / "results" / "nonlinear.jsonl", "a") as f: f.write(json.dumps(row) + "\n")
    print(json.dumps(row))
