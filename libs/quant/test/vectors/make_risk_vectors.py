#!/usr/bin/env python3
"""Independent reference for the risk analytics (SPEC section 3 phases 3-6 and stress tests).

Run with Debian's python3 (python3-numpy, -pandas, -scipy, -statsmodels, -sklearn):
    /usr/bin/python3 libs/quant/test/vectors/make_risk_vectors.py [SHARED_DIR]

Inputs (never copied into the repo): SHARED_DIR/data/prices/daily_prices.csv and
SHARED_DIR/data/portfolios/{balanced-5m,long-short,private-and-options}.csv (SHARED_DIR defaults to
$SIGMA_SHARED_DIR or ../shared from the repo root), plus services/snapshot/test/vectors/snapshots.json
(the snapshot reference: the portfolios' daily_return series).
Output: libs/quant/test/vectors/risk.json. Clock: 2020-01-23.

Shares no code with the TypeScript risk math. Reused Python references (both independent of TS):
  * position marks / weights / nav on a date: run_portfolio of make_snapshot_vectors.py with its END set
    to that date (the same computation as the snapshot reference);
  * symbol betas: factor_rows of make_vectors.py (statsmodels OLS with constant per window; sklearn
    StandardScaler + Ridge(alpha=1.0)), clipped to [-5, 5].
Everything else is written here from the SPEC text:
  * exposures: eligible = active PUBLIC (non-option) positions incl. stale/unpriced; beta_f = sum of
    w * beta over eligible positions with a beta (never rescaled); dollars = beta * nav; coverage by count
    and by |MV|; failure when eligible > 0 and none covered;
  * volatility: pandas rolling std (ddof 1) * sqrt(252); HAR via statsmodels OLS (method pinv, i.e.
    minimum-norm when singular) with features RV_d, RV_w, RV_m at s, rows s + h <= t, last 252, min 30,
    needs >= 63 returns, floored at 0; trend = statsmodels OLS of the last 21 RV21 on 0..20; percentile =
    share of the trailing 252 RV21 values (t included, the defined ones) strictly below RV21_t, >= 100;
  * correlations: PUBLIC positions aggregated by symbol, |w| >= 1 % and |MV| >= 10 000, 90 log returns,
    pandas DataFrame.corr (pairwise deletion) with min_periods=30 -> NaN -> 0, numpy eigh PSD repair when
    lambda_min < -1e-10, average |rho|, diversification ratio, scipy connected components of |rho| >= 0.7;
  * factor EWMA: numpy, lambda 0.94, 252 simple returns ending t, weighted means removed;
  * stress: direct = sum of dollar exposure * factor return; correlated = conditional ETF moves
    Sigma_US Sigma_SS^-1 s (numpy.linalg.solve) on the unclipped EWMA covariance, impact over the 6 style
    factors + IR via TLT.
"""
import datetime
import importlib.util
import json
import math
import os
import platform
import sys

import numpy as np
import pandas as pd
import scipy
import sklearn
import statsmodels
import statsmodels.api as sm
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SIGMA_SHARED_DIR", os.path.join(REPO, "..", "shared"))
PORTFOLIOS = ["balanced-5m", "long-short", "private-and-options"]
CLOCK = "2020-01-23"
EXPOSURE_DATES = ["2019-06-28", CLOCK]
ANN = math.sqrt(252)
FACTORS = ["market", "ir", "value", "growth", "momentum", "quality", "size", "low_volatility",
           "growth_value_spread", "momentum_spread", "size_spread", "quality_spread"]
ETFS = ["SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV", "TLT"]
ETF_OF = {"market": "SPY", "ir": "TLT", "value": "VTV", "growth": "VUG", "momentum": "MTUM",
          "quality": "QUAL", "size": "IWM", "low_volatility": "USMV"}
STYLE = ["value", "growth", "momentum", "quality", "size", "low_volatility"]
SPREADS = {"growth_value_spread": ("VUG", "VTV"), "momentum_spread": ("MTUM", "SPY"),
           "size_spread": ("IWM", "SPY"), "quality_spread": ("QUAL", "SPY")}
DURATION = 17.0
SCENARIOS = [
    ("market_up_5", {"market": 0.05}, True), ("market_down_5", {"market": -0.05}, True),
    ("rates_up_50bp", {"ir": 0.005}, True), ("rates_down_50bp", {"ir": -0.005}, True),
    ("market_up_10", {"market": 0.10}, True), ("market_down_10", {"market": -0.10}, True),
    ("market_crash_35", {"market": -0.35}, True), ("market_rally_25", {"market": 0.25}, True),
    ("rates_up_25bp", {"ir": 0.0025}, True), ("rates_down_25bp", {"ir": -0.0025}, True),
    ("rates_up_100bp", {"ir": 0.01}, True), ("rates_down_100bp", {"ir": -0.01}, True),
    ("rate_spike_300bp", {"ir": 0.03}, True),
    ("value_rotation_20", {"value": 0.20, "growth": -0.10}, True),
    ("growth_rally_15", {"growth": 0.15, "momentum": 0.10}, True),
    ("small_cap_outperformance_10", {"size": 0.10}, True),
    ("quality_flight_12", {"quality": 0.12, "market": -0.05}, True),
    ("vix_spike_150", {"low_volatility": -0.25, "market": -0.15}, True),
    ("liquidity_crisis", {"market": -0.20, "low_volatility": -0.30, "quality": 0.15, "size": -0.10}, True),
    ("financial_crisis_2008", {"market": -0.45, "value": -0.30, "size": -0.25, "quality": 0.20,
                               "low_volatility": -0.35}, False),
    ("covid_crash_2020", {"market": -0.35, "growth": 0.15, "value": -0.40, "size": -0.30, "quality": 0.10}, False),
    ("dotcom_crash_2000", {"market": -0.45, "growth": -0.60, "value": 0.20, "momentum": -0.50,
                           "quality": 0.15}, False),
]
TOL = {"ratio_abs": 1e-9, "ratio_rel": 1e-9, "money_relative_to_nav": 1e-6,
       "rule": "betas, r2, vols, correlations, percentiles, moves: |a - e| <= 1e-9 + 1e-9 |e|; "
               "money: |a - e| <= 1e-6 * |nav|; counts, flags, labels, symbol lists exact"}


def load_module(name, rel):
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# ---------------------------------------------------------------- exposures
def position_betas(factor_rows, rets, sym, t_idx, cache):
    key = (sym, t_idx)
    if key not in cache:
        if sym not in rets.columns:
            cache[key] = {f: None for f in FACTORS}
        else:
            rows = factor_rows(rets, sym, t_idx)
            cache[key] = {f: (None if "skip" in rows[f] else float(rows[f]["beta_clipped"])) for f in FACTORS}
    return cache[key]


def exposures(nav, positions):
    elig = [p for p in positions if p["eligible"]]
    out = {}
    abs_all = sum(abs(p["market_value"]) for p in elig)
    for f in FACTORS:
        cov = [p for p in elig if p["betas"][f] is not None]
        beta = sum(p["market_value"] / nav * p["betas"][f] for p in cov)
        abs_cov = sum(abs(p["market_value"]) for p in cov)
        out[f] = {"beta": beta, "dollar_exposure": beta * nav, "covered": len(cov), "eligible": len(elig),
                  "coverage_by_count": (len(cov) / len(elig)) if elig else None,
                  "coverage_by_value": (abs_cov / abs_all) if abs_all > 0 else None,
                  "no_coverage": bool(elig) and not cov}
    return out


# ---------------------------------------------------------------- volatility
def vol_at(r, t):
    """r: pandas Series of returns indexed 0..T-1 (NaN = none); analytics at position t."""
    res = {"rv21": None, "rv63": None, "har_h1": None, "har_h21": None, "trend_slope": None,
           "trend_r2": None, "trend": None, "percentile": None}
    if math.isnan(r.iloc[t]):
        return res
    rv21 = r.rolling(21).std(ddof=1) * ANN   # NaN unless all 21 present
    rv63 = r.rolling(63).std(ddof=1) * ANN
    rvw = r.rolling(5).std(ddof=1) * ANN
    rvd = r.abs() * ANN
    res["rv21"] = num(rv21.iloc[t])
    res["rv63"] = num(rv63.iloc[t])
    feats = pd.concat([rvd, rvw, rv21], axis=1, keys=["d", "w", "m"])
    n_returns = int(r.iloc[: t + 1].notna().sum())
    for h, target in ((1, rvd.shift(-1)), (21, rv21.shift(-21))):
        key = f"har_h{h}"
        if n_returns < 63 or feats.iloc[t].isna().any():
            continue
        d = pd.concat([feats, target.rename("y")], axis=1).iloc[: t - h + 1].dropna().iloc[-252:]
        if len(d) < 30:
            continue
        fit = sm.OLS(d["y"].to_numpy(), sm.add_constant(d[["d", "w", "m"]].to_numpy(), has_constant="add")).fit()
        f = float(fit.params[0] + np.dot(fit.params[1:], feats.iloc[t].to_numpy()))
        res[key] = max(f, 0.0)
    if not math.isnan(rv21.iloc[t]):
        if t >= 20:
            y = rv21.iloc[t - 20: t + 1]
            if y.notna().all():
                x = np.arange(21, dtype=float)
                fit = sm.OLS(y.to_numpy(), sm.add_constant(x)).fit()
                slope = float(fit.params[1])
                ss_tot = float(((y - y.mean()) ** 2).sum())
                r2 = None if ss_tot == 0 else float(fit.rsquared)
                res["trend_slope"], res["trend_r2"] = slope, r2
                if r2 is not None and abs(slope) > 0.001 and r2 > 0.3:
                    res["trend"] = "increasing" if slope > 0 else "decreasing"
                else:
                    res["trend"] = "stable"
        win = rv21.iloc[max(0, t - 251): t + 1].dropna()
        if len(win) >= 100:
            res["percentile"] = float((win < rv21.iloc[t]).sum() / len(win))
    return res


# ---------------------------------------------------------------- correlations
def correlations(closes, t_idx, nav, positions):
    by_sym = {}
    for p in positions:
        if p["cls"] == "PUBLIC":
            by_sym[p["symbol"]] = by_sym.get(p["symbol"], 0.0) + p["market_value"]
    excluded, kept = [], []
    for sym, mv in by_sym.items():
        w = mv / nav
        if not abs(w) >= 0.01:
            excluded.append({"symbol": sym, "reason": "BELOW_MIN_WEIGHT", "n_returns": 0})
            continue
        if not abs(mv) >= 10000:
            excluded.append({"symbol": sym, "reason": "BELOW_MIN_VALUE", "n_returns": 0})
            continue
        c = closes[sym].iloc[t_idx - 90: t_idx + 1] if sym in closes.columns else pd.Series([np.nan] * 91)
        lr = np.log(c.to_numpy() / c.shift(1).to_numpy())[1:]
        n = int(np.isfinite(lr).sum())
        if n < 30:
            excluded.append({"symbol": sym, "reason": "NO_RETURNS" if n == 0 else "FEW_RETURNS", "n_returns": n})
        else:
            kept.append((sym, w, lr, n))
    m = len(kept)
    frame = pd.DataFrame({k[0]: k[2] for k in kept})
    raw = frame.corr(method="pearson", min_periods=30).fillna(0.0).to_numpy() if m else np.zeros((0, 0))
    np.fill_diagonal(raw, 1.0)
    mask = np.isfinite(frame.to_numpy()).astype(float) if m else np.zeros((0, 0))
    overlap = (mask.T @ mask).astype(int) if m else np.zeros((0, 0), dtype=int)
    lam, vec = np.linalg.eigh(raw) if m else (np.array([np.nan]), None)
    lam_min = float(lam.min()) if m else None
    repaired = bool(m and lam_min < -1e-10)
    mat = raw
    if repaired:
        a = vec @ np.diag(np.clip(lam, 0, None)) @ vec.T
        dd = np.sqrt(np.diag(a))
        mat = a / np.outer(dd, dd)
        np.fill_diagonal(mat, 1.0)
    iu = np.triu_indices(m, 1)
    avg = float(np.abs(mat[iu]).mean()) if m >= 2 else None
    sig = np.array([np.nanstd(k[2], ddof=1) for k in kept])
    aw = np.array([abs(k[1]) for k in kept])
    aw = aw / aw.sum() if m else aw
    dr = float((aw @ sig) / math.sqrt(aw @ (np.outer(sig, sig) * mat) @ aw)) if m else None
    adj = (np.abs(mat) >= 0.7) & ~np.eye(m, dtype=bool)
    ncomp, labels = connected_components(csr_matrix(adj.astype(int)), directed=False) if m else (0, [])
    clusters = []
    for c in range(ncomp):
        members = sorted(int(i) for i in np.where(labels == c)[0])
        if len(members) >= 2:
            clusters.append(members)
    clusters.sort(key=lambda c: c[0])
    return {"symbols": [k[0] for k in kept], "weights": {s: mv / nav for s, mv in by_sym.items()},
            "abs_market_values": {s: abs(mv) for s, mv in by_sym.items()},
            "n_returns": [k[3] for k in kept], "excluded": excluded, "overlap": overlap.tolist(),
            "raw": raw.tolist(), "matrix": mat.tolist(), "min_eigenvalue": lam_min, "repaired": repaired,
            "average_abs_correlation": avg, "diversification_ratio": dr, "clusters": clusters}


def psd_repair(raw):
    raw = np.array(raw, dtype=float)
    lam, vec = np.linalg.eigh(raw)
    out = {"input": raw.tolist(), "min_eigenvalue": float(lam.min()), "repaired": bool(lam.min() < -1e-10)}
    mat = raw
    if out["repaired"]:
        a = vec @ np.diag(np.clip(lam, 0, None)) @ vec.T
        dd = np.sqrt(np.diag(a))
        mat = a / np.outer(dd, dd)
        np.fill_diagonal(mat, 1.0)
    out["matrix"] = mat.tolist()
    return out


PSD_CASES = [
    [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]],
    # pairs zeroed for short overlaps inside a tight block: the typical way pairwise deletion breaks PSD
    [[1, 0.95, 0.95, 0.0], [0.95, 1, 0.95, 0.95], [0.95, 0.95, 1, 0.95], [0.0, 0.95, 0.95, 1]],
    [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]],
]


# ---------------------------------------------------------------- EWMA + stress
def ewma(rets, t_idx, lam=0.94, window=252):
    R = rets[ETFS].iloc[t_idx - window + 1: t_idx + 1].to_numpy()
    w = lam ** np.arange(window)[::-1]
    w = w / w.sum()
    D = R - w @ R
    cov = (D * w[:, None]).T @ D
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    clipped = np.clip(corr, -0.95, 0.95)
    np.fill_diagonal(clipped, 1.0)
    return cov, corr, clipped


def stress(shocks, dollars, nav, cov):
    direct = {}
    etf_shock = {}
    for f, s in shocks.items():
        r = -DURATION * s if f == "ir" else s
        direct[f] = dollars[f] * r
        etf_shock[ETF_OF[f]] = r
    S = [i for i, e in enumerate(ETFS) if e in etf_shock]
    U = [i for i, e in enumerate(ETFS) if e not in etf_shock]
    s = np.array([etf_shock[ETFS[i]] for i in S])
    moves = np.zeros(len(ETFS))
    moves[S] = s
    moves[U] = cov[np.ix_(U, S)] @ np.linalg.solve(cov[np.ix_(S, S)], s)
    mv = dict(zip(ETFS, moves))
    corr_contrib = {f: dollars[f] * mv[ETF_OF[f]] for f in STYLE + ["ir"]}
    spread_moves = {f: mv[a] - mv[b] for f, (a, b) in SPREADS.items()}
    spread_contrib = {f: dollars[f] * spread_moves[f] for f in SPREADS}
    def pack(contrib, extra=None):
        total = float(sum(contrib.values()))
        out = {"contributions": {k: float(v) for k, v in contrib.items()}, "total": total,
               "pct_of_nav": total / nav, "loss_exceeds_nav": total < -nav}
        if extra:
            out.update(extra)
        return out
    return {"direct": pack(direct), "correlated": pack(corr_contrib, {
        "etf_moves": {k: float(v) for k, v in mv.items()},
        "spread_moves": {k: float(v) for k, v in spread_moves.items()},
        "spread_contributions": {k: float(v) for k, v in spread_contrib.items()}})}


def main():
    snapmod = load_module("snapref", "services/snapshot/test/vectors/make_snapshot_vectors.py")
    snapmod.SHARED = SHARED
    betamod = load_module("betaref", "libs/quant/test/vectors/make_vectors.py")
    calendar, closes = snapmod.load_prices()
    rets = closes / closes.shift(1) - 1.0
    idx = {d: i for i, d in enumerate(calendar)}
    pricer = snapmod.Pricer(calendar, closes)
    with open(os.path.join(REPO, "services/snapshot/test/vectors/snapshots.json")) as f:
        snapref = json.load(f)
    beta_cache = {}
    t_clock = idx[CLOCK]
    cov, corr, clipped = ewma(rets, t_clock)
    out_portfolios = {}
    for name in PORTFOLIOS:
        classes = {}
        for p in snapmod.load_portfolio(name):
            assert classes.get(p["symbol"], p["cls"]) == p["cls"], "a symbol with two classes"
            classes[p["symbol"]] = p["cls"]
        port = {"dates": {}}
        for date in EXPOSURE_DATES:
            snapmod.END = date
            run = snapmod.run_portfolio(name, calendar, pricer)
            nav = run["snapshots"][-1]["nav"]
            if date == CLOCK:  # the snapshot reference file must agree with this recomputation
                assert abs(nav - snapref["portfolios"][name]["snapshots"][-1]["nav"]) <= 1e-6 * abs(nav)
            positions = []
            for m in run["positions"]:
                cls = classes[m["symbol"]]
                eligible = cls == "PUBLIC"
                betas = position_betas(betamod.factor_rows, rets, m["symbol"], idx[date], beta_cache) if eligible \
                    else {f: None for f in FACTORS}
                positions.append({"symbol": m["symbol"], "cls": cls, "price_status": m["price_status"],
                                  "market_value": m["market_value"], "weight": m["weight"],
                                  "eligible": eligible, "betas": betas})
            ex = exposures(nav, positions)
            entry = {"nav": nav, "positions": positions, "exposures": ex,
                     "data_quality_failure": any(p["eligible"] for p in positions)
                     and not any(p["eligible"] and any(v is not None for v in p["betas"].values()) for p in positions)}
            if date == CLOCK:
                entry["correlations"] = correlations(closes, idx[date], nav, positions)
                dollars = {f: ex[f]["dollar_exposure"] for f in FACTORS}
                entry["stress"] = {sid: {"active_by_default": act, "shocks": sh, **stress(sh, dollars, nav, cov)}
                                   for sid, sh, act in SCENARIOS}
            syms = sorted({p["symbol"] for p in positions if p["cls"] == "PUBLIC"})
            entry["symbol_volatility"] = {s: (vol_at(rets[s].reset_index(drop=True), idx[date])
                                              if s in rets.columns else None) for s in syms}
            port["dates"][date] = entry
        snaps = snapref["portfolios"][name]["snapshots"]
        dr = [None] + [s["daily_return"] for s in snaps[1:]]  # the first snapshot's 0 is not a return
        series = pd.Series([np.nan if v is None else v for v in dr], dtype=float)
        port["portfolio_returns"] = {"first_date": snaps[0]["date"], "dates": [s["date"] for s in snaps], "daily_return": dr}
        port["portfolio_volatility"] = {s["date"]: vol_at(series, k) for k, s in enumerate(snaps)}
        out_portfolios[name] = port
    prov = {
        "script": "libs/quant/test/vectors/make_risk_vectors.py",
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
        "scipy": scipy.__version__, "statsmodels": statsmodels.__version__, "sklearn": sklearn.__version__,
        "inputs": ["shared/data/prices/daily_prices.csv"] + [f"shared/data/portfolios/{n}.csv" for n in PORTFOLIOS]
        + ["services/snapshot/test/vectors/snapshots.json (daily_return series)"],
        "clock": CLOCK, "exposure_dates": EXPOSURE_DATES, "rate_duration": DURATION,
        "reused_references": ["services/snapshot/test/vectors/make_snapshot_vectors.py (marks, nav, weights)",
                              "libs/quant/test/vectors/make_vectors.py factor_rows (statsmodels/sklearn betas)"],
    }
    out = {"provenance": prov, "tolerance": TOL, "factors": FACTORS, "etfs": ETFS,
           "ewma": {"date": CLOCK, "lambda": 0.94, "window": 252, "cov": cov.tolist(), "corr": corr.tolist(),
                    "corr_clipped": clipped.tolist()},
           "psd_repair_cases": [psd_repair(c) for c in PSD_CASES],
           "portfolios": out_portfolios}
    with open(os.path.join(HERE, "risk.json"), "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    for n, p in out_portfolios.items():
        e = p["dates"][CLOCK]
        print(f"{n}: nav {e['nav']:.2f}, market beta {e['exposures']['market']['beta']:.4f}, "
              f"corr symbols {len(e['correlations']['symbols'])}, excluded {len(e['correlations']['excluded'])}, "
              f"repaired {e['correlations']['repaired']}", file=sys.stderr)


if __name__ == "__main__":
    main()
