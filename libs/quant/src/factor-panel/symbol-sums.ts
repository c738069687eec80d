/**
 * The per-symbol sums of the shared-regressor fast path (see factor-panel.ts for the method): for one
 * dependent series y, the per-block stats once, then per output date the shift s_y and the shifted
 * window sums Σ(y − s_y), Σ(y − s_y)² and Σ(x_j − s_j)(y − s_y) of every window, in the fixed order
 * recent piece, middle blocks newest first, oldest piece. The shared regressor side runs the very same
 * code on each base series, so a symbol equal to a base gets bit-identical x and y moments.
 *
 * The loops are written out by hand (and unrolled by four bases) because this is the hot path: about
 * (rows of two partial blocks + number of middle blocks) terms per (symbol, date, window). Every sum is
 * still accumulated in row (or newest-block-first) order, so the bits do not depend on the unrolling.
 */
import type { PanelPlan } from "./panel-plan.js";

/** Base values shifted by the per-date base shifts, filled by the regressor side before any symbol. */
export interface ShiftedBaseValues {
  /** Per output date × base: the base shift s_j(t). */
  readonly baseShift: Float64Array;
  /** For every loose piece, base-major: b_j[row] − s_j(t) (same layout as the plan's pieceRows). */
  readonly pieceShiftedBase: Float64Array;
  /** Per output date, base-major over its middle blocks newest first: n_b (x̄_bj − s_j(t)). */
  readonly middleBlockBaseTerm: Float64Array;
}

/** Allocates the (zero) {@link ShiftedBaseValues} of a plan. */
export function allocateShiftedBaseValues(plan: PanelPlan): ShiftedBaseValues {
  return {
    baseShift: new Float64Array(plan.outputCount * plan.baseCount),
    pieceShiftedBase: new Float64Array(plan.pieceRows.length * plan.baseCount),
    middleBlockBaseTerm: new Float64Array(plan.middleTermLength),
  };
}

/**
 * Per-symbol window sums over a {@link PanelPlan}. Call {@link blockStats} once per series, then
 * {@link windowSums} per output date; results land in the `window*` arrays (reused between calls).
 */
export class SymbolWindowSums {
  // ---- plan arrays, copied to fields so the hot loops read one object
  private readonly baseCount: number;
  private readonly windowCount: number;
  private readonly basesByWindow: Int32Array[];
  private readonly blockCount: number;
  private readonly blockRowStart: Int32Array;
  private readonly blockRows: Int32Array;
  private readonly blockCentredBase: Float64Array;
  private readonly firstStatBlock: number;
  private readonly lastStatBlock: number;
  private readonly pieceRows: Int32Array;
  private readonly pieceShiftedBase: Float64Array;
  private readonly recentPieceStart: Int32Array;
  private readonly recentPieceLength: Int32Array;
  private readonly oldestPieceStart: Int32Array;
  private readonly oldestPieceLength: Int32Array;
  private readonly looseOnly: Uint8Array;
  private readonly newestMiddleBlock: Int32Array;
  private readonly oldestMiddleBlock: Int32Array;
  private readonly middleTermStart: Int32Array;
  private readonly middleBlockCount: Int32Array;
  private readonly middleBlockBaseTerm: Float64Array;
  private readonly smallestWindowRowCount: Int32Array;

  // ---- per-symbol scratch
  /** Per block (only the stat blocks filled): Σy, ȳ_b, Σ(y − ȳ_b)², and base-major Σ(x_j − x̄_bj)(y − ȳ_b). */
  private readonly blockYSum: Float64Array;
  private readonly blockYMean: Float64Array;
  private readonly blockYSquares: Float64Array;
  private readonly blockBaseYCross: Float64Array;
  /** y − shift on the rows of one piece or block. */
  private readonly centredY: Float64Array;
  /** ȳ_b − s_y of the middle blocks of the current date (index newestMiddleBlock − b). */
  private readonly middleYDeviation: Float64Array;
  /** Running "recent piece + middle blocks" sums: Σ(y − s_y), Σ(y − s_y)², Σ(x_j − s_j)(y − s_y). */
  private runningY = 0;
  private runningYY = 0;
  private readonly runningBaseY: Float64Array;
  /** Sums of the current loose piece: [Σ(y − s_y), Σ(y − s_y)², Σ(x_j − s_j)(y − s_y) × baseCount]. */
  private readonly pieceTotals: Float64Array;

  // ---- results of windowSums, per window
  /** Σ(y − s_y) per window. */
  readonly windowY: Float64Array;
  /** Σ(y − s_y)² per window. */
  readonly windowYY: Float64Array;
  /** Σ(x_j − s_j)(y − s_y) per window × baseCount (only the window's basesByWindow filled). */
  readonly windowBaseY: Float64Array;
  /** 1 when a y value of the window's all-bases-present rows is missing. */
  readonly windowHasGap: Uint8Array;

  constructor(plan: PanelPlan, shifted: ShiftedBaseValues) {
    const baseCount = plan.baseCount;
    const m = plan.windows.length;
    this.baseCount = baseCount;
    this.windowCount = m;
    this.basesByWindow = plan.basesByWindow;
    this.blockCount = plan.blocks.count;
    this.blockRowStart = plan.blockRowStart;
    this.blockRows = plan.blockRows;
    this.blockCentredBase = plan.blockCentredBase;
    this.firstStatBlock = plan.firstStatBlock;
    this.lastStatBlock = plan.lastStatBlock;
    this.pieceRows = plan.pieceRows;
    this.pieceShiftedBase = shifted.pieceShiftedBase;
    this.recentPieceStart = plan.recentPieceStart;
    this.recentPieceLength = plan.recentPieceLength;
    this.oldestPieceStart = plan.oldestPieceStart;
    this.oldestPieceLength = plan.oldestPieceLength;
    this.looseOnly = plan.looseOnly;
    this.newestMiddleBlock = plan.newestMiddleBlock;
    this.oldestMiddleBlock = plan.oldestMiddleBlock;
    this.middleTermStart = plan.middleTermStart;
    this.middleBlockCount = plan.middleBlockCount;
    this.middleBlockBaseTerm = shifted.middleBlockBaseTerm;
    this.smallestWindowRowCount = plan.windowRowCount[0]!;

    this.centredY = new Float64Array(plan.maxPieceRows);
    this.middleYDeviation = new Float64Array(plan.maxMiddleBlocks);
    this.blockYSum = new Float64Array(this.blockCount);
    this.blockYMean = new Float64Array(this.blockCount);
    this.blockYSquares = new Float64Array(this.blockCount);
    this.blockBaseYCross = new Float64Array(this.blockCount * baseCount);
    this.runningBaseY = new Float64Array(baseCount);
    this.pieceTotals = new Float64Array(2 + baseCount);
    this.windowY = new Float64Array(m);
    this.windowYY = new Float64Array(m);
    this.windowBaseY = new Float64Array(m * baseCount);
    this.windowHasGap = new Uint8Array(m);
  }

  /**
   * Per-block stats of y for the blocks some date uses as a middle block: Σy, ȳ_b (0 for a block
   * without rows), Σ(y − ȳ_b)² and Σ(x_j − x̄_bj)(y − ȳ_b), each two-pass in row order.
   */
  blockStats(y: Float64Array): void {
    const { baseCount, blockRowStart, blockRows, blockCentredBase, blockYSum, blockYMean, blockYSquares, blockBaseYCross, centredY } = this;
    const blockCount = this.blockCount;
    const bases = this.basesByWindow[0]!;
    const baseUsed = bases.length;
    for (let b = this.firstStatBlock; b <= this.lastStatBlock; b++) {
      const first = blockRowStart[b]!;
      const n = blockRowStart[b + 1]! - first;
      let s = 0;
      for (let r = 0; r < n; r++) {
        const v = y[blockRows[first + r]!]!;
        centredY[r] = v;
        s += v;
      }
      const mean = n > 0 ? s / n : 0;
      let s2 = 0;
      for (let r = 0; r < n; r++) {
        const d = centredY[r]! - mean;
        centredY[r] = d;
        s2 += d * d;
      }
      blockYSum[b] = s;
      blockYMean[b] = mean;
      blockYSquares[b] = s2;
      const baseStart = first * baseCount;
      for (let q = 0; q < baseUsed; q++) {
        const j = bases[q]!;
        const xStart = baseStart + j * n;
        let d = 0;
        for (let r = 0; r < n; r++) d += blockCentredBase[xStart + r]! * centredY[r]!;
        blockBaseYCross[j * blockCount + b] = d;
      }
    }
  }

  /**
   * Pass 1: the shift s_y = mean of y over the smallest window's rows, from its pieces in the fixed
   * order recent piece, middle blocks newest first, oldest piece (0 without rows; NaN when y is missing
   * there, which makes every window fall back, as it must). Needs {@link blockStats} of y.
   */
  shiftY(y: Float64Array, o: number): number {
    const m = this.windowCount;
    let sum = 0;
    if (this.looseOnly[o * m] === 0) {
      sum = this.pieceSum(y, this.recentPieceStart[o]!, this.recentPieceLength[o]!);
      for (let b = this.newestMiddleBlock[o]!; b >= this.oldestMiddleBlock[o * m]!; b--) sum += this.blockYSum[b]!;
    }
    sum += this.pieceSum(y, this.oldestPieceStart[o * m]!, this.oldestPieceLength[o * m]!);
    const n0 = this.smallestWindowRowCount[o]!;
    return n0 > 0 ? sum / n0 : 0;
  }

  /**
   * Pass 2: the shifted window sums of y at output date o into windowY, windowYY, windowBaseY and
   * windowHasGap (window k only for basesByWindow[k]). Needs {@link blockStats} of y. The shared
   * "recent piece + middle blocks" part grows with the window.
   *
   * @returns the y shift s_y.
   */
  windowSums(y: Float64Array, o: number): number {
    const {
      baseCount,
      windowY,
      windowYY,
      windowBaseY,
      windowHasGap,
      runningBaseY,
      pieceTotals,
      oldestPieceStart,
      oldestPieceLength,
      looseOnly,
      oldestMiddleBlock,
      basesByWindow,
    } = this;
    const m = this.windowCount;
    const smallestBases = basesByWindow[0]!;
    const sy = this.shiftY(y, o);
    let started = false;
    let nextBlock = this.newestMiddleBlock[o]!;
    for (let k = 0; k < m; k++) {
      const bases = basesByWindow[k]!;
      const c = o * m + k;
      const shared = looseOnly[c] === 0;
      let y1 = 0;
      let y2 = 0;
      if (shared) {
        if (!started) {
          this.pieceSums(y, sy, this.recentPieceStart[o]!, this.recentPieceLength[o]!, smallestBases);
          this.runningY = pieceTotals[0]!;
          this.runningYY = pieceTotals[1]!;
          for (let q = 0; q < smallestBases.length; q++) runningBaseY[smallestBases[q]!] = pieceTotals[2 + smallestBases[q]!]!;
          started = true;
        }
        if (nextBlock >= oldestMiddleBlock[c]!) this.mergeBlocks(o, nextBlock, oldestMiddleBlock[c]!, sy, bases);
        nextBlock = Math.min(nextBlock, oldestMiddleBlock[c]! - 1);
        y1 = this.runningY;
        y2 = this.runningYY;
      }
      this.pieceSums(y, sy, oldestPieceStart[c]!, oldestPieceLength[c]!, bases);
      const sY = y1 + pieceTotals[0]!;
      const sYY = y2 + pieceTotals[1]!;
      windowY[k] = sY;
      windowYY[k] = sYY;
      windowHasGap[k] = Number.isFinite(sY + sYY) ? 0 : 1;
      for (let q = 0; q < bases.length; q++) {
        const j = bases[q]!;
        windowBaseY[k * baseCount + j] = shared ? runningBaseY[j]! + pieceTotals[2 + j]! : pieceTotals[2 + j]!;
      }
    }
    return sy;
  }

  /** Σ y over a loose piece's rows, in row order. */
  private pieceSum(y: Float64Array, start: number, length: number): number {
    const rows = this.pieceRows;
    let s = 0;
    for (let r = 0; r < length; r++) s += y[rows[start + r]!]!;
    return s;
  }

  /**
   * Shifted sums of a loose piece into {@link pieceTotals}: Σ(y − s_y), Σ(y − s_y)² and, for `bases`,
   * Σ(x_j − s_j)(y − s_y), each in row order.
   */
  private pieceSums(y: Float64Array, sy: number, start: number, length: number, bases: Int32Array): void {
    const { pieceRows, pieceShiftedBase, centredY, pieceTotals, baseCount } = this;
    let s1 = 0;
    let s2 = 0;
    for (let r = 0; r < length; r++) {
      const v = y[pieceRows[start + r]!]! - sy;
      centredY[r] = v;
      s1 += v;
      s2 += v * v;
    }
    pieceTotals[0] = s1;
    pieceTotals[1] = s2;
    const xStart = start * baseCount;
    const baseUsed = bases.length;
    let q = 0;
    // four bases per sweep over centredY (each sum still in row order, so the bits do not depend on the unroll)
    for (; q + 3 < baseUsed; q += 4) {
      const j0 = bases[q]!;
      const j1 = bases[q + 1]!;
      const j2 = bases[q + 2]!;
      const j3 = bases[q + 3]!;
      const x0 = xStart + j0 * length;
      const x1 = xStart + j1 * length;
      const x2 = xStart + j2 * length;
      const x3 = xStart + j3 * length;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let r = 0; r < length; r++) {
        const v = centredY[r]!;
        d0 += pieceShiftedBase[x0 + r]! * v;
        d1 += pieceShiftedBase[x1 + r]! * v;
        d2 += pieceShiftedBase[x2 + r]! * v;
        d3 += pieceShiftedBase[x3 + r]! * v;
      }
      pieceTotals[2 + j0] = d0;
      pieceTotals[2 + j1] = d1;
      pieceTotals[2 + j2] = d2;
      pieceTotals[2 + j3] = d3;
    }
    for (; q < baseUsed; q++) {
      const j = bases[q]!;
      const x = xStart + j * length;
      let d = 0;
      for (let r = 0; r < length; r++) d += pieceShiftedBase[x + r]! * centredY[r]!;
      pieceTotals[2 + j] = d;
    }
  }

  /**
   * Add middle blocks newest down to oldest to the running sums: the exact merge of the block's
   * centred moments around the shift, C_b + n_b (x̄_b − s_x)(ȳ_b − s_y).
   */
  private mergeBlocks(o: number, newest: number, oldest: number, sy: number, bases: Int32Array): void {
    const { blockYMean, blockYSquares, blockBaseYCross, middleYDeviation, middleBlockBaseTerm, runningBaseY, blockRowStart } = this;
    const blockCount = this.blockCount;
    const newestMiddle = this.newestMiddleBlock[o]!;
    const middleCount = this.middleBlockCount[o]!;
    const termStart = this.middleTermStart[o]!;
    let sY = this.runningY;
    let sYY = this.runningYY;
    for (let b = newest; b >= oldest; b--) {
      const d = blockYMean[b]! - sy;
      middleYDeviation[newestMiddle - b] = d;
      const nd = (blockRowStart[b + 1]! - blockRowStart[b]!) * d;
      sY += nd;
      sYY += blockYSquares[b]! + nd * d;
    }
    this.runningY = sY;
    this.runningYY = sYY;
    const baseUsed = bases.length;
    let q = 0;
    // four bases per sweep over the blocks (each sum still newest block first: bits independent of the unroll)
    for (; q + 3 < baseUsed; q += 4) {
      const j0 = bases[q]!;
      const j1 = bases[q + 1]!;
      const j2 = bases[q + 2]!;
      const j3 = bases[q + 3]!;
      const x0 = j0 * blockCount;
      const x1 = j1 * blockCount;
      const x2 = j2 * blockCount;
      const x3 = j3 * blockCount;
      const e0 = termStart + j0 * middleCount + newestMiddle;
      const e1 = termStart + j1 * middleCount + newestMiddle;
      const e2 = termStart + j2 * middleCount + newestMiddle;
      const e3 = termStart + j3 * middleCount + newestMiddle;
      let a0 = runningBaseY[j0]!;
      let a1 = runningBaseY[j1]!;
      let a2 = runningBaseY[j2]!;
      let a3 = runningBaseY[j3]!;
      for (let b = newest; b >= oldest; b--) {
        const d = middleYDeviation[newestMiddle - b]!;
        a0 += blockBaseYCross[x0 + b]! + middleBlockBaseTerm[e0 - b]! * d;
        a1 += blockBaseYCross[x1 + b]! + middleBlockBaseTerm[e1 - b]! * d;
        a2 += blockBaseYCross[x2 + b]! + middleBlockBaseTerm[e2 - b]! * d;
        a3 += blockBaseYCross[x3 + b]! + middleBlockBaseTerm[e3 - b]! * d;
      }
      runningBaseY[j0] = a0;
      runningBaseY[j1] = a1;
      runningBaseY[j2] = a2;
      runningBaseY[j3] = a3;
    }
    for (; q < baseUsed; q++) {
      const j = bases[q]!;
      const xStart = j * blockCount;
      const termJ = termStart + j * middleCount + newestMiddle;
      let acc = runningBaseY[j]!;
      for (let b = newest; b >= oldest; b--)
        acc += blockBaseYCross[xStart + b]! + middleBlockBaseTerm[termJ - b]! * middleYDeviation[newestMiddle - b]!;
      runningBaseY[j] = acc;
    }
  }
}
