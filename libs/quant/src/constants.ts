/**
 * Shared constants of the analytics contract (SPEC §3). Every annualization, window and bound lives here
 * so that no module hard-codes its own copy.
 */

/** Trading days per year used to annualize daily volatility (vol_annual = vol_daily × √252). */
export const TRADING_DAYS_PER_YEAR = 252;

/** Betas are clipped to [−BETA_CLIP, +BETA_CLIP] before storage. */
export const BETA_CLIP = 5;

/** Ridge penalty on the standardized coefficients (scikit-learn `Ridge(alpha=1.0)`). */
export const RIDGE_ALPHA = 1.0;

/** Market and interest-rate OLS: window and minimum number of observations (trading days). */
export const MARKET_WINDOW = 90;
/** Minimum observations for the market / IR / style regressions. */
export const MARKET_MIN_OBS = 30;
/** Style ridge window (trading days); its minimum is {@link MARKET_MIN_OBS} and n must exceed the column count. */
export const STYLE_WINDOW = 90;
/** Spread OLS window (trading days). */
export const SPREAD_WINDOW = 180;
/** Spread OLS minimum observations. */
export const SPREAD_MIN_OBS = 60;

/** EWMA decay for factor covariance (RiskMetrics daily λ). */
export const EWMA_LAMBDA = 0.94;
/** EWMA window: the trailing 252 returns ending at t. */
export const EWMA_WINDOW = 252;
/** Reported factor correlations have their off-diagonal clipped to ±0.95. */
export const CORRELATION_CLIP = 0.95;

/**
 * A regressor is "zero variance" (degenerate) when its population standard deviation over the window is
 * at most `DEGENERATE_STD_ABS + DEGENERATE_STD_REL × |mean|`. Daily returns of real prices quoted with
 * ~5 significant digits move by ≥ 1e-5, so an absolute floor of 1e-12 only catches flat series
 * (and the rounding residue that moment merges around a shift can leave on a flat window).
 */
export const DEGENERATE_STD_ABS = 1e-12;
/** Relative part of the degenerate-regressor threshold, see {@link DEGENERATE_STD_ABS}. */
export const DEGENERATE_STD_REL = 1e-10;
