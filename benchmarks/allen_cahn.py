"""Allen-Cahn, the stiff nonlinear benchmark: u_t - D u_xx + 5 u^3 - 5 u = 0 on t in [0, 1], x in [-1, 1] periodic,
u(0, x) = x^2 cos(pi x), D = 1e-4. One optimiser, one seed, a wall-clock budget; prints one JSON line.

  python allen_cahn.py METHOD BUDGET SEED [LR] [--save NOTE]   (--save appends to results/allen_cahn.jsonl)

The network sees (t, cos pi x, sin pi x), so u and every x-derivative are periodic exactly (only the residual and the
initial condition are loss terms). The reference is our own: Fourier pseudo-spectral in x (2,048 modes), exponential
time differencing of fourth order (ETDRK4, Cox & Matthews 2002, coefficients by the contour integrals of Kassam &
Trefethen 2005) in t, dt = 1e-4. Halving dt changes it by 2e-12 relative, doubling the modes by 4e-7 (`--check`):
the initial condition's slope is not periodic (u_x(0, -1) = 2, u_x(0, 1) = -2), so the modes converge algebraically.
METHOD: gn (gauss_newton's defaults), gn-old (trust_length=0, every weight 1), adam-decay (LR decaying to 1/100).
"""
import json, sys, time
from functools import lru_cache
from pathlib import Path
import numpy as np
import jax, jax.numpy as jnp
from flax import nnx
import ntk_pinn as nk

D, T = 1e-4, 1.0

def reference(n=2048, dt=1e-4, nt=201):
    "u on nt times in [0, T] and the n periodic nodes x_j = -1 + 2j/n: ETDRK4 for u_t = D u_xx + 5u - 5u^3."
    x = -1 + 2 * np.arange(n) / n
    k = np.fft.fftfreq(n, d=2 / n) * 2 * np.pi
    L = -D * k ** 2 + 5.0
    E, E2 = np.exp(dt * L), np.exp(dt * L / 2)
    r = np.exp(1j * np.pi * (np.arange(1, 33) - 0.5) / 32)          # 32 points on a circle around each dt L
    LR = dt * L[:, None] + r[None, :]
    mean = lambda z: np.real(np.mean(z, axis=1))
    Q = dt * mean((np.exp(LR / 2) - 1) / LR)
    f1 = dt * mean((-4 - LR + np.exp(LR) * (4 - 3 * LR + LR ** 2)) / LR ** 3)
    f2 = dt * mean((2 + LR + np.exp(LR) * (LR - 2)) / LR ** 3)
    f3 = dt * mean((-4 - 3 * LR - LR ** 2 + np.exp(LR) * (4 - LR)) / LR ** 3)
    N = lambda v: np.fft.fft(-5.0 * np.real(np.fft.ifft(v)) ** 3)
    v = np.fft.fft(x ** 2 * np.cos(np.pi * x))
    steps = int(round(T / dt)); every = steps // (nt - 1)
    U = [np.real(np.fft.ifft(v))]
    for s in range(1, steps + 1):
        Nv = N(v); a = E2 * v + Q * Nv; Na = N(a); b = E2 * v + Q * Na; Nb = N(b)
        c = E2 * a + Q * (2 * Nb - Nv); Nc = N(c)
        v = E * v + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3
        if s % every == 0: U.append(np.real(np.fft.ifft(v)))
    return np.linspace(0, T, nt), x, np.array(U)

@lru_cache(1)
def reference_grid():
    "Points (t, x) and values of the reference, cached on disk beside the results (it takes a minute)."
    path = Path(__file__).parent / "results" / "allen_cahn_reference.npz"
    if not path.exists():
        t, x, U = reference(); np.savez_compressed(path, t=t, x=x, U=U)
    z = np.load(path)
    X = np.stack(np.meshgrid(z["t"], z["x"], indexing="ij"), -1).reshape(-1, 2)
    return X, z["U"].reshape(-1)

class Periodic(nnx.Module):
    "An MLP of (t, cos pi x, sin pi x): periodic in x with every derivative."
    def __init__(self, hidden, rngs): self.mlp = nk.MLP(3, hidden, 1, rngs=rngs)
    def __call__(self, X):
        t, x = X[:, :1], X[:, 1:2]
        return self.mlp(jnp.concatenate([t, jnp.cos(jnp.pi * x), jnp.sin(jnp.pi * x)], axis=1))

def problem():
    dom = ((0.0, T), (-1.0, 1.0))
    res = lambda u, x: (nk.operators.partial(u, 0)(x) - D * nk.operators.partial(u, 1, 1)(x)
                        + 5 * u(x) ** 3 - 5 * u(x))
    ic = lambda u, x: u(x) - x[1] ** 2 * jnp.cos(jnp.pi * x[1])
    return nk.Problem("allen_cahn", dom, (nk.Term("res", res, nk.interior_sampler(dom), 4000),
                                          nk.Term("ic", ic, nk.face_sampler(dom, 0, (0,)), 400, "initial")),
                      None, ("t", "x"), key=("allen_cahn", D))

def error(pinn):
    X, U = reference_grid()
    pred = np.asarray(pinn.predict(X)).reshape(-1)
    return float(np.linalg.norm(pred - U) / np.linalg.norm(U))

def run(method, budget, seed, lr=1e-3, hidden=(32, 32, 32), n=None):
    prob = problem(); pts = prob.sample(n=n, seed=seed)
    make = lambda: nk.PINN(Periodic(list(hidden), nnx.Rngs(seed)), prob, pts, dtype="float64")
    if method == "adam-decay":
        nk.train(make(), lr=lr, steps=300, progress=False)
        t0 = time.perf_counter(); nk.train(make(), lr=lr, steps=300, progress=False)
        steps = int(budget * 300 / (time.perf_counter() - t0))
        h = nk.train(make(), optimizer=nk.decaying_adam(lr, steps), steps=steps, max_seconds=budget, progress=False)
    else:
        kw = {"gn": {}, "gn-old": dict(trust_length=0.0, weights={n: 1.0 for n in prob.names})}[method]
        nk.gauss_newton(make(), steps=2, progress=False, **kw)
        h = nk.gauss_newton(make(), steps=10 ** 9, max_seconds=budget, progress=False, **kw)
    return dict(case="allen-cahn", method=method, budget=budget, seed=seed, lr=lr if method.startswith("adam") else None,
                hidden=list(hidden), steps=len(h), seconds=h.info["wall_seconds"], loss=float(h.total[-1]),
                relative_l2=error(h.pinn), n_points=h.pinn.n_points, n_params=h.pinn.n_params)

if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "--check":                  # the reference against halved dt and doubled modes
        t, x, U = reference(); _, _, Udt = reference(dt=5e-5); _, x2, Un = reference(n=4096)
        print(json.dumps(dict(dt_change=float(np.linalg.norm(U - Udt) / np.linalg.norm(U)),
                              modes_change=float(np.linalg.norm(U - Un[:, ::2]) / np.linalg.norm(U)))))
        sys.exit()
    note = None
    if "--save" in a: i = a.index("--save"); note = a[i + 1]; a = a[:i] + a[i + 2:]
    row = run(a[0], float(a[1]), int(a[2]), *(float(x) for x in a[3:4]))
    if note is not None:
        import os
        row.update(cores=len(os.sched_getaffinity(0)), note=note)
        with open(Path(__file__).parent / "results" / "allen_cahn.jsonl", "a") as f: f.write(json.dumps(row) + "\n")
    print(json.dumps(row))
