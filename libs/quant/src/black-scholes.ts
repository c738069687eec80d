/**
 * Black–Scholes prices and deltas for European options with r = 0 and no dividends (SPEC §3
 * "Portfolio snapshots": options are model-priced from the underlying's price and its 63-day
 * realized volatility).
 */

/** Call or put. */
export type OptionRight = "call" | "put";

/**
 * Standard normal cumulative distribution Φ(x), accurate to about 1e-14 absolute over the whole
 * real line (Hart 1968, double-precision form as published by G. West, "Better approximations to
 * cumulative normal functions", 2005). Φ(−∞) = 0, Φ(+∞) = 1; NaN in gives NaN out.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let tail: number;
  if (ax > 37) {
    tail = 0;
  } else {
    const e = Math.exp((-ax * ax) / 2);
    if (ax < 7.07106781186547) {
      let num = 3.52624965998911e-2 * ax + 0.700383064443688;
      num = num * ax + 6.37396220353165;
      num = num * ax + 33.912866078383;
      num = num * ax + 112.079291497871;
      num = num * ax + 221.213596169931;
      num = num * ax + 220.206867912376;
      let den = 8.83883476483184e-2 * ax + 1.75566716318264;
      den = den * ax + 16.064177579207;
      den = den * ax + 86.7807322029461;
      den = den * ax + 296.564248779674;
      den = den * ax + 637.333633378831;
      den = den * ax + 793.826512519948;
      den = den * ax + 440.413735824752;
      tail = (e * num) / den;
    } else {
      let b = ax + 0.65;
      b = ax + 4 / b;
      b = ax + 3 / b;
      b = ax + 2 / b;
      b = ax + 1 / b;
      tail = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** Value and delta of one option (per unit of underlying, before the contract multiplier). */
export interface OptionValue {
  /** Model price (same currency as `spot` and `strike`). */
  price: number;
  /** ∂price/∂spot: in [0, 1] for calls, [−1, 0] for puts. */
  delta: number;
}

/**
 * Black–Scholes value with zero rates and no dividends.
 *
 * d1 = (ln(S/K) + σ²T/2) / (σ√T), d2 = d1 − σ√T; call = S·Φ(d1) − K·Φ(d2), put = K·Φ(−d2) − S·Φ(−d1);
 * delta = Φ(d1) for a call, Φ(d1) − 1 for a put.
 *
 * Edge cases: when σ√T is 0 (zero volatility, or T = 0) the value is intrinsic, max(0, S − K) or
 * max(0, K − S), with delta 1/−1 in the money and 0 otherwise (at the money: 0.5/−0.5).
 *
 * @param spot underlying price S (> 0).
 * @param strike strike K (> 0).
 * @param years time to expiry T in years (≥ 0; SPEC: calendar days / 365).
 * @param vol annualized volatility σ (decimal, ≥ 0).
 * @returns NaN price and delta when an input is not finite or out of range.
 */
export function blackScholes(right: OptionRight, spot: number, strike: number, years: number, vol: number): OptionValue {
  if (!(spot > 0 && strike > 0 && years >= 0 && vol >= 0) || !Number.isFinite(spot + strike + years + vol)) {
    return { price: NaN, delta: NaN };
  }
  const sigmaRootT = vol * Math.sqrt(years);
  if (sigmaRootT === 0) {
    const intrinsic = right === "call" ? Math.max(0, spot - strike) : Math.max(0, strike - spot);
    const sign = spot === strike ? 0.5 : spot > strike ? 1 : 0;
    return { price: intrinsic, delta: right === "call" ? sign : sign - 1 };
  }
  const d1 = (Math.log(spot / strike) + (sigmaRootT * sigmaRootT) / 2) / sigmaRootT;
  const d2 = d1 - sigmaRootT;
  if (right === "call") {
    return { price: spot * normalCdf(d1) - strike * normalCdf(d2), delta: normalCdf(d1) };
  }
  return { price: strike * normalCdf(-d2) - spot * normalCdf(-d1), delta: normalCdf(d1) - 1 };
}

/**
 * Intrinsic value at expiry: max(0, S − K) for a call, max(0, K − S) for a put.
 *
 * @returns NaN when spot or strike is not finite.
 */
export function intrinsicValue(right: OptionRight, spot: number, strike: number): number {
  if (!Number.isFinite(spot) || !Number.isFinite(strike)) return NaN;
  return right === "call" ? Math.max(0, spot - strike) : Math.max(0, strike - spot);
}
