#!/usr/bin/env python3
"""Independent reference vectors for @sigma/quant and the factor-service domain.

Run with Debian's python (it has numpy/pandas/sklearn/statsmodels):
    cd /work/main && /usr/bin/python3 libs/quant/test/vectors/make_vectors.py

Input: ../shared/data/prices/daily_prices.csv relative to the repo root (never copied into the repo).
Output: libs/quant/test/vectors/factors.json, metrics.json, ewma.json.

This implementation shares no code with the TypeScript one: regressions are fitted from scratch on each
window with statsmodels (OLS with constant) and scikit-learn (StandardScaler + Ridge(alpha=1.0)), rolling
statistics come from pandas. It applies the edge rules of SPEC section 3.1:
  * the calendar is the set of SPY dates in the file;
  * a return needs closes on both consecutive calendar dates (no return across a missing close);
  * a window of N is the N calendar dates ending at t; n_obs = dates in it where every series of the
    regression has a return; below the minimum there is no row (INSUFFICIENT_HISTORY);
  * quality FULL when n_obs == N, else LIMITED; betas clipped to [-5, 5]; r2 from the unclipped fit.
"""
import datetime
import json
import math
import os
import platform
import sys

import numpy as np
import pandas as pd
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
INPUT_REL = "../shared/data/prices/daily_prices.csv"
INPUT = os.path.abspath(os.path.join(REPO, INPUT_REL))

ETFS = ["SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV", "TLT"]
STYLE = [("value", "VTV"), ("growth", "VUG"), ("momentum", "MTUM"), ("quality", "QUAL"),
         ("size", "IWM"), ("low_volatility", "USMV")]
SPREADS = [("growth_value_spread", "VUG", "VTV"), ("momentum_spread", "MTUM", "SPY"),
           ("size_spread", "IWM", "SPY"), ("quality_spread", "QUAL", "SPY")]
SYMBOLS = ["SPY", "TLT", "IWM", "VTV", "MTUM", "USMV", "AAPL", "NVDA", "JPM", "XOM", "GLD", "BRK-B",
           "AVP", "GWR"]
ANN = 252
CLIP = 5.0
TOL = {"abs": 1e-9, "rel": 1e-9,
       "rule": "pass when |actual - expected| <= abs + rel * |expected|",
       "rsi_abs": 0.0100001,
       "rsi_rule": "RSI is rounded to 2 decimals by technicalindicators (toFixed); python rounds the same "
                   "Wilder value, so a tie may round the other way: allow one unit of the last place"}


def load():
    df = pd.read_csv(INPUT)
    closes = df.pivot(index="date", columns="symbol", values="close")
    cal = sorted(df.loc[df["symbol"] == "SPY", "date"].unique())
    closes = closes.reindex(cal)  # calendar = SPY dates; missing closes stay NaN
    # explicit: c_t / c_{t-1} - 1 on consecutive calendar rows; NaN if either close is missing
    rets = closes / closes.shift(1) - 1.0
    return cal, closes, rets


def quality(n, window):
    return "FULL" if n == window else "LIMITED"


def ols_ref(y, x, window, minimum):
    d = pd.concat([y, x], axis=1).iloc[-window:].dropna()
    n = len(d)
    if n < minimum:
        return {"skip": "INSUFFICIENT_HISTORY", "n_obs": n}
    xv = d.iloc[:, 1].to_numpy()
    if np.ptp(xv) == 0.0:
        return {"skip": "DEGENERATE_REGRESSOR", "n_obs": n}
    res = sm.OLS(d.iloc[:, 0].to_numpy(), sm.add_constant(xv, has_constant="add")).fit()
    beta = float(res.params[1])
    return {"beta": beta, "beta_clipped": float(np.clip(beta, -CLIP, CLIP)), "alpha": float(res.params[0]),
            "r2": float(res.rsquared), "stderr": float(res.bse[1]), "n_obs": n,
            "quality": quality(n, window)}


def ridge_ref(y, X, window, minimum):
    d = pd.concat([y, X], axis=1).iloc[-window:].dropna()
    n = len(d)
    k = X.shape[1]
    if n < minimum or n <= k:
        return {"skip": "INSUFFICIENT_HISTORY", "n_obs": n}
    Xv = d.iloc[:, 1:].to_numpy()
    if np.any(np.ptp(Xv, axis=0) == 0.0):
        return {"skip": "DEGENERATE_REGRESSOR", "n_obs": n}
    scaler = StandardScaler()  # population std (ddof=0)
    Z = scaler.fit_transform(Xv)
    yv = d.iloc[:, 0].to_numpy()
    model = Ridge(alpha=1.0, fit_intercept=True).fit(Z, yv)
    betas = model.coef_ / scaler.scale_
    intercept = float(model.intercept_ - np.dot(betas, scaler.mean_))
    r2 = float(model.score(Z, yv))
    return {"betas": [float(b) for b in betas],
            "betas_clipped": [float(np.clip(b, -CLIP, CLIP)) for b in betas],
            "intercept": intercept, "r2": r2, "n_obs": n, "quality": quality(n, window)}


def factor_rows(rets, sym, t_idx):
    sub = rets.iloc[: t_idx + 1]
    y = sub[sym].rename("y")
    out = {"market": ols_ref(y, sub["SPY"], 90, 30), "ir": ols_ref(y, sub["TLT"], 90, 30)}
    rr = ridge_ref(y, sub[[e for _, e in STYLE]], 90, 30)
    for j, (fid, _) in enumerate(STYLE):
        if "skip" in rr:
            out[fid] = rr
        else:
            out[fid] = {"beta": rr["betas"][j], "beta_clipped": rr["betas_clipped"][j], "r2": rr["r2"],
                        "n_obs": rr["n_obs"], "quality": rr["quality"], "intercept": rr["intercept"]}
    for fid, long_, short in SPREADS:
        out[fid] = ols_ref(y, (sub[long_] - sub[short]).rename("x"), 180, 60)
    return out


def wilder_rsi(values, period=14):
    """Wilder RSI of the last value: seed = mean of the first `period` gains/losses, then smoothing."""
    v = np.asarray(values, dtype=float)
    if len(v) < period + 1:
        return None
    diff = np.diff(v)
    gains = np.where(diff > 0, diff, 0.0)
    losses = np.where(diff < 0, -diff, 0.0)
    ag = gains[:period].mean()
    al = losses[:period].mean()
    for g, l in zip(gains[period:], losses[period:]):
        ag = (ag * (period - 1) + g) / period
        al = (al * (period - 1) + l) / period
    if al == 0:
        return 100.0
    if ag == 0:
        return 0.0
    return float(round(100.0 - 100.0 / (1.0 + ag / al), 2))


def metrics_row(cal, closes, rets, sym, t_idx):
    c = closes[sym]
    if math.isnan(c.iloc[t_idx]):
        return {"skip": "NO_CLOSE"}
    ct = float(c.iloc[t_idx])
    row = {}
    for k in (1, 5, 21, 63, 252):
        j = t_idx - k
        row[f"return_{k}d"] = None if j < 0 or math.isnan(c.iloc[j]) else ct / float(c.iloc[j]) - 1.0
    t = pd.Timestamp(cal[t_idx])
    for key, start in (("return_mtd", t.replace(day=1)), ("return_ytd", t.replace(month=1, day=1))):
        before = c[(pd.to_datetime(c.index) < start)].dropna()
        row[key] = None if before.empty else ct / float(before.iloc[-1]) - 1.0
    for k in (21, 63):
        std = rets[sym].iloc[: t_idx + 1].rolling(k).std(ddof=1).iloc[-1]  # NaN if any of the k is NaN
        row[f"realized_vol_{k}d"] = None if (t_idx < k or math.isnan(std)) else float(std * math.sqrt(ANN))
    avail = c.iloc[: t_idx + 1].dropna()
    row["rsi_14"] = wilder_rsi(avail.to_numpy(), 14)
    for p in (50, 200):
        row[f"sma_{p}"] = None if len(avail) < p else float(avail.rolling(p).mean().iloc[-1])
    win = c.iloc[max(0, t_idx - 251): t_idx + 1]
    row["drawdown_252d"] = (None if t_idx < 251 or win.isna().any()
                            else ct / float(win.max()) - 1.0)
    return row


def ewma_ref(rets, t_idx, lam=0.94, window=252):
    R = rets[ETFS].iloc[t_idx - window + 1: t_idx + 1].to_numpy()
    k = np.arange(window)[::-1]  # k = 0 is t (the last row)
    w = lam ** k
    w = w / w.sum()
    mu = w @ R
    D = R - mu
    cov = (D * w[:, None]).T @ D
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    return {"cov": cov.tolist(), "corr": corr.tolist()}


def main():
    cal, closes, rets = load()
    idx = {d: i for i, d in enumerate(cal)}
    gwr_last = closes["GWR"].last_valid_index()
    avp_last = closes["AVP"].last_valid_index()
    dates = {
        cal[29]: "29 returns: below every minimum",
        cal[30]: "first date with 30 returns (market/IR/style minimum)",
        cal[59]: "59 returns: spreads still below minimum",
        cal[60]: "first date with 60 returns (spread minimum)",
        cal[90]: "first full 90-return window",
        cal[180]: "first full 180-return window",
        "2019-06-28": "mid sample",
        gwr_last: "last GWR close",
        cal[idx[gwr_last] + 1]: "first date after GWR stops (no GWR return on t)",
        cal[idx[avp_last] + 1]: "first date after AVP stops",
        cal[-1]: "last date (GWR and AVP stopped)",
    }
    factors = {}
    metrics = {}
    for d in sorted(dates):
        i = idx[d]
        factors[d] = {s: factor_rows(rets, s, i) for s in SYMBOLS}
        metrics[d] = {s: metrics_row(cal, closes, rets, s, i) for s in SYMBOLS}
    # extra metrics dates: the 252-close boundary for drawdown / 252d return and a month start
    for d in (cal[251], cal[252], cal[200], cal[199], "2019-02-01", "2018-01-02"):
        metrics[d] = {s: metrics_row(cal, closes, rets, s, idx[d]) for s in SYMBOLS}
    ewma = {d: ewma_ref(rets, idx[d]) for d in (cal[252], "2019-06-28", cal[-1])}

    prov = {
        "script": "libs/quant/test/vectors/make_vectors.py",
        "input": INPUT_REL + " (relative to the repo root)",
        "python": platform.python_version(),
        "numpy": np.__version__, "pandas": pd.__version__, "sklearn": sklearn.__version__,
        "statsmodels": statsmodels.__version__,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "method": "statsmodels OLS(add_constant) per window; sklearn StandardScaler + Ridge(alpha=1.0), "
                  "betas = coef_/scale_, r2 = Ridge.score; pandas rolling std(ddof=1)*sqrt(252); "
                  "numpy EWMA; Wilder RSI re-implemented and rounded to 2 decimals",
    }
    common = {"provenance": prov, "tolerance": TOL, "calendar_first": cal[0], "calendar_last": cal[-1],
              "calendar_length": len(cal)}
    def dump(name, payload):
        with open(os.path.join(HERE, name), "w") as f:
            json.dump({**common, **payload}, f, indent=1, allow_nan=False)
            f.write("\n")
    dump("factors.json", {"symbols": SYMBOLS, "dates": {d: {"index": idx[d], "note": dates[d]} for d in sorted(dates)},
                          "clip": CLIP, "rows": factors})
    dump("metrics.json", {"symbols": SYMBOLS, "rows": metrics})
    dump("ewma.json", {"etfs": ETFS, "lambda": 0.94, "window": 252, "rows": ewma})
    print("wrote factors.json, metrics.json, ewma.json for", len(SYMBOLS), "symbols", file=sys.stderr)


if __name__ == "__main__":
    main()
