#!/usr/bin/env python3
"""Reference values for libs/quant/src/black-scholes.ts, from scipy.stats.norm (independent of the TS code).

Run: /usr/bin/python3 libs/quant/test/vectors/make_black_scholes_vectors.py
Output: libs/quant/test/vectors/black_scholes.json. Tolerance: 1e-12 absolute on prices per unit strike, deltas and cdf values.
"""
import datetime, json, math, os, platform
import scipy
from scipy.stats import norm

cases = []
for right in ("call", "put"):
    for spot, strike, years, vol in [(100, 100, 1.0, 0.2), (318.31, 160, 0.0137, 0.25), (331.34, 250, 0.5, 0.12), (50, 80, 2.0, 0.6), (250, 250, 1 / 365, 0.3), (100, 120, 0.25, 0.05)]:
        srt = vol * math.sqrt(years)
        d1 = (math.log(spot / strike) + srt * srt / 2) / srt
        d2 = d1 - srt
        if right == "call":
            price, delta = spot * norm.cdf(d1) - strike * norm.cdf(d2), norm.cdf(d1)
        else:
            price, delta = strike * norm.cdf(-d2) - spot * norm.cdf(-d1), norm.cdf(d1) - 1
        cases.append({"right": right, "spot": spot, "strike": strike, "years": years, "vol": vol, "price": float(price), "delta": float(delta)})
cdf = [{"x": x, "cdf": float(norm.cdf(x))} for x in (-40, -8, -7.5, -7.07, -3, -1.5, -0.5, -1e-9, 0, 0.3, 1, 2.5, 6.9, 7.2, 12, 40)]
out = {
    "provenance": {"script": "libs/quant/test/vectors/make_black_scholes_vectors.py", "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "python": platform.python_version(), "scipy": scipy.__version__},
    "tolerance": {"abs": 1e-12},
    "black_scholes": cases,
    "normal_cdf": cdf,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "black_scholes.json"), "w") as f:
    json.dump(out, f, indent=1)
print(len(cases), "option cases,", len(cdf), "cdf points")
