#!/usr/bin/env python3
"""Independent reference for phase 2 (snapshots) and phase 2.5 (position values).

Run with Debian's python3 (python3-pandas, python3-scipy, python3-numpy):
    /usr/bin/python3 services/snapshot/test/vectors/make_snapshot_vectors.py [SHARED_DIR]

Input: SHARED_DIR/data/prices/daily_prices.csv and SHARED_DIR/data/portfolios/{balanced-5m,long-short,
private-and-options}.csv (SHARED_DIR defaults to $SIGMA_SHARED_DIR or ../shared from the repo root;
never copied into the repo). Output: services/snapshot/test/vectors/snapshots.json.

This shares no code with the TypeScript engine. It follows SPEC section 3 ("Portfolio snapshots",
"Position values") and section 3.1 ("Snapshots") literally, one date and one position at a time:
  * calendar = the dates of SPY in the price file (the NYSE calendar over 2017-2020);
  * active on t: entry <= t < exit, where an exit (or option expiry) on a non-trading date is booked
    on the next trading date; the first snapshot is the first trading date on/after the earliest entry;
  * PUBLIC price: close on t, else the last earlier close (stale), else the entry price (unpriced);
    PRIVATE: the entry price; OPTIONS: a close of the option symbol on t (quoted), else Black-Scholes
    (r = 0, no dividends, T = calendar days to expiry / 365, sigma = the underlying's 63-return
    realized vol at t, sample std x sqrt(252), all 63 returns needed) from the underlying's close on t
    (model_priced), else the entry price (unpriced); at expiry: intrinsic with S = the underlying's
    last close on or before the expiration date;
  * daily P&L = sum over positions active on t (and those exiting on t, at the exit price or that
    day's mark) of qty x multiplier x (price_t - ref), ref = price on t-1 if active then, else entry
    price; the first date has P&L 0 and nav = starting equity (default: net entry value of the
    positions active on it);
  * HHI and top-N use |sum of signed MV per symbol|; top-N is a fraction of gross exposure.
Tolerances (used by the TypeScript tests): money within 1e-6 x NAV, ratios 1e-9, counts exact.
"""
import csv
import datetime
import json
import math
import os
import platform
import sys

import numpy as np
import pandas as pd
import scipy
from scipy.stats import norm

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SIGMA_SHARED_DIR", os.path.join(REPO, "..", "shared"))
PORTFOLIOS = ["balanced-5m", "long-short", "private-and-options"]
END = "2020-01-23"
MULT_OPTION = 100


def load_prices():
    df = pd.read_csv(os.path.join(SHARED, "data", "prices", "daily_prices.csv"), dtype={"symbol": str, "date": str})
    closes = df.pivot(index="date", columns="symbol", values="close").sort_index()
    calendar = sorted(df.loc[df.symbol == "SPY", "date"].unique())
    closes = closes.reindex(calendar)
    return calendar, closes


def load_portfolio(name):
    rows = []
    with open(os.path.join(SHARED, "data", "portfolios", name + ".csv"), encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if l.strip() and not l.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    for i, r in enumerate(reader):
        cls = (r.get("Investment Class") or "").strip().upper() or "PUBLIC"
        sym = r["Symbol"].strip().upper().replace(".", "-")
        p = {
            "id": f"{name}#{i}",
            "symbol": sym,
            "qty": float(r["Quantity"]),
            "entry_price": float(r["Entry Price Per Share"]),
            "entry_date": r["Entry Date"].strip(),
            "cls": cls,
            "exit_date": (r.get("Exit Date") or "").strip() or None,
            "exit_price": float(r["Exit Price Per Share"]) if (r.get("Exit Price Per Share") or "").strip() else None,
        }
        if cls == "OPTIONS":
            p["underlying"] = r["Underlying Symbol"].strip().upper().replace(".", "-")
            p["strike"] = float(r["Strike Price"])
            p["expiration"] = r["Expiration Date"].strip()
            p["right"] = r["Option Type"].strip().lower()
        rows.append(p)
    return rows


def day_index_on_or_after(calendar, date):
    for i, d in enumerate(calendar):
        if d >= date:
            return i
    return None


class Pricer:
    def __init__(self, calendar, closes):
        self.calendar = calendar
        self.closes = closes
        rets = closes / closes.shift(1) - 1.0
        self.rv63 = rets.rolling(63, min_periods=63).std(ddof=1) * math.sqrt(252)

    def close(self, sym, i):
        if sym not in self.closes.columns:
            return float("nan")
        return float(self.closes[sym].iloc[i])

    def mark(self, p, i):
        """(price, status, delta, spot) of position p on calendar index i."""
        if p["cls"] == "PRIVATE":
            return p["entry_price"], "private", 0.0, float("nan")
        if p["cls"] == "PUBLIC":
            c = self.close(p["symbol"], i)
            if not math.isnan(c):
                return c, "live", 0.0, float("nan")
            for j in range(i - 1, -1, -1):
                c = self.close(p["symbol"], j)
                if not math.isnan(c):
                    return c, "stale", 0.0, float("nan")
            return p["entry_price"], "unpriced", 0.0, float("nan")
        # options
        spot = self.close(p["underlying"], i)
        vol = float(self.rv63[p["underlying"]].iloc[i]) if p["underlying"] in self.rv63.columns else float("nan")
        model = None
        if not math.isnan(spot) and not math.isnan(vol):
            t = self.calendar[i]
            years = (datetime.date.fromisoformat(p["expiration"]) - datetime.date.fromisoformat(t)).days / 365.0
            k = p["strike"]
            srt = vol * math.sqrt(years)
            if srt == 0:
                raise RuntimeError("zero vol or expiry day in the reference data: not expected")
            d1 = (math.log(spot / k) + srt * srt / 2) / srt
            d2 = d1 - srt
            if p["right"] == "call":
                model = (spot * norm.cdf(d1) - k * norm.cdf(d2), norm.cdf(d1))
            else:
                model = (k * norm.cdf(-d2) - spot * norm.cdf(-d1), norm.cdf(d1) - 1)
        quote = self.close(p["symbol"], i)
        if not math.isnan(quote):
            return quote, "quoted", (model[1] if model else 0.0), spot
        if model:
            return float(model[0]), "model_priced", float(model[1]), spot
        return p["entry_price"], "unpriced", 0.0, float("nan")

    def intrinsic_at_expiry(self, p):
        s = float("nan")
        for i, d in enumerate(self.calendar):
            if d <= p["expiration"]:
                c = self.close(p["underlying"], i)
                if not math.isnan(c):
                    s = c
        if math.isnan(s):
            return p["entry_price"]
        return max(0.0, s - p["strike"]) if p["right"] == "call" else max(0.0, p["strike"] - s)


def run_portfolio(name, calendar, pricer):
    positions = load_portfolio(name)
    end_i = calendar.index(END)
    first_i = day_index_on_or_after(calendar, min(p["entry_date"] for p in positions))
    for p in positions:
        p["mult"] = MULT_OPTION if p["cls"] == "OPTIONS" else 1
        p["entry_i"] = day_index_on_or_after(calendar, p["entry_date"])
        exit_i, exit_px = None, None
        if p["exit_date"]:
            exit_i, exit_px = day_index_on_or_after(calendar, p["exit_date"]), p["exit_price"]
        if p["cls"] == "OPTIONS":
            exp_i = day_index_on_or_after(calendar, p["expiration"])
            if exp_i is not None and (exit_i is None or exp_i < exit_i or (exp_i == exit_i and exit_px is None)):
                exit_i, exit_px = exp_i, pricer.intrinsic_at_expiry(p)
        p["exit_i"], p["exit_px"] = exit_i, exit_px

    def active(p, i):
        return p["entry_i"] is not None and p["entry_i"] <= i and (p["exit_i"] is None or i < p["exit_i"])

    snaps, nav, cum = [], None, 0.0
    last_marks = None
    for i in range(first_i, end_i + 1):
        first = i == first_i
        pnl = 0.0
        live = []
        for p in positions:
            is_active = active(p, i)
            exiting = p["exit_i"] == i and p["entry_i"] is not None and p["entry_i"] <= i
            if not (is_active or exiting):
                continue
            if exiting and p["exit_px"] is not None:
                px, status, delta, spot = p["exit_px"], "exit", 0.0, float("nan")
            else:
                px, status, delta, spot = pricer.mark(p, i)
            if not first:
                ref = pricer.mark(p, i - 1)[0] if active(p, i - 1) else p["entry_price"]
                price = (p["exit_px"] if p["exit_px"] is not None else px) if exiting else px
                pnl += p["qty"] * p["mult"] * (price - ref)
            if is_active:
                live.append((p, px, status, delta, spot))
        if first:
            nav = sum(p["qty"] * p["entry_price"] * p["mult"] for (p, *_rest) in live)
            prev_nav, ret = nav, 0.0
            pnl = 0.0
        else:
            prev_nav = nav
            nav = prev_nav + pnl
            cum += pnl
            ret = pnl / prev_nav
        mvs = [p["qty"] * px * p["mult"] for (p, px, *_r) in live]
        long_v = sum(v for v in mvs if v > 0)
        short_v = sum(v for v in mvs if v < 0)
        gross, net = long_v - short_v, long_v + short_v
        by_sym = {}
        for (p, *_r), v in zip(live, mvs):
            by_sym[p["symbol"]] = by_sym.get(p["symbol"], 0.0) + v
        absv = sorted((abs(v) for v in by_sym.values()), reverse=True)
        tot = sum(absv)
        hhi = sum((v / tot) ** 2 for v in absv) * 10000 if tot > 0 else None
        statuses = [s for (_p, _px, s, _d, _sp) in live]
        snaps.append({
            "date": calendar[i],
            "nav": nav,
            "cash": nav - net,
            "long_value": long_v,
            "short_value": short_v,
            "gross_exposure": gross,
            "net_exposure": net,
            "daily_pnl": pnl,
            "daily_return": ret,
            "cumulative_pnl": cum,
            "num_positions": len(live),
            "num_long": sum(1 for (p, *_r) in live if p["qty"] > 0),
            "num_short": sum(1 for (p, *_r) in live if p["qty"] < 0),
            "num_stale": statuses.count("stale"),
            "num_model_priced": statuses.count("model_priced"),
            "num_unpriced": statuses.count("unpriced"),
            "num_private": statuses.count("private"),
            "num_quoted": statuses.count("quoted"),
            "options_delta_dollars": sum(
                p["qty"] * p["mult"] * d * sp for (p, _px, _s, d, sp) in live if p["cls"] == "OPTIONS" and d != 0 and not math.isnan(sp)
            ),
            "hhi": hhi,
            "effective_num_positions": (10000 / hhi) if hhi else None,
            "top_3_concentration": sum(absv[:3]) / gross if gross > 0 else None,
            "top_10_concentration": sum(absv[:10]) / gross if gross > 0 else None,
        })
        last_marks = [
            {
                "symbol": p["symbol"],
                "quantity": p["qty"],
                "last_price": px,
                "price_status": s,
                "market_value": p["qty"] * px * p["mult"],
                "unrealized_pnl": p["qty"] * p["mult"] * (px - p["entry_price"]),
                "weight": p["qty"] * px * p["mult"] / nav,
            }
            for (p, px, s, _d, _sp) in live
        ]
    return {"first_date": calendar[first_i], "end_date": END, "snapshots": snaps, "positions": last_marks}


def main():
    calendar, closes = load_prices()
    pricer = Pricer(calendar, closes)
    out = {
        "provenance": {
            "script": "services/snapshot/test/vectors/make_snapshot_vectors.py",
            "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "inputs": ["shared/data/prices/daily_prices.csv"] + [f"shared/data/portfolios/{n}.csv" for n in PORTFOLIOS],
            "clock": END,
        },
        "tolerance": {"money_relative_to_nav": 1e-6, "ratio_abs": 1e-9, "counts": "exact"},
        "portfolios": {n: run_portfolio(n, calendar, pricer) for n in PORTFOLIOS},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "snapshots.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
    for n, r in out["portfolios"].items():
        s = r["snapshots"]
        print(f"{n}: {len(s)} snapshots {r['first_date']}..{s[-1]['date']} nav {s[0]['nav']:.2f} -> {s[-1]['nav']:.2f}, {len(r['positions'])} positions on {END}")


if __name__ == "__main__":
    main()
