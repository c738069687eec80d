/**
 * The once-per-panel plan of the shared-regressor fast path (see factor-panel.ts for the method):
 * which calendar rows every output date and window reads, cut into loose pieces and whole middle
 * blocks by the fixed calendar blocks, and the block-centred base values. Everything here depends on
 * the base series' presence, the windows and the block ids only, never on a symbol.
 *
 * Piece names: for output date t and a window starting at lo, the "recent piece" is the rows of t's
 * block up to t, the "middle blocks" are the blocks strictly between lo's block and t's block, and
 * the "oldest piece" is the rows of lo's block from lo on. When lo and t share a block the window is
 * loose rows only ("loose-only" window: the oldest piece is the whole window).
 */
import { type BlockRuns, blockRuns } from "../calendar-blocks.js";

/** A regressor as its non-zero weights over the base series. */
export interface SparseRegressor {
  /** Base indexes with a non-zero weight, ascending. */
  readonly baseIndex: Int32Array;
  /** The weights, parallel to baseIndex. */
  readonly weight: Float64Array;
}

/** The plan: layout arrays shared by every symbol of the panel. */
export class PanelPlan {
  /** Number of base series. */
  readonly baseCount: number;
  /** Calendar length. */
  readonly calendarLength: number;
  /** First output calendar index. */
  readonly from: number;
  /** Number of output dates. */
  readonly outputCount: number;
  /** Sorted distinct windows of the specs. */
  readonly windows: Int32Array;
  /** Per window k: bases whose y-side sums some regression of window ≥ windows[k] needs (ascending). */
  readonly basesByWindow: Int32Array[];
  readonly blocks: BlockRuns;
  /** 1 where every base has a value (the rows the shared regressor side is built on). */
  readonly allBasesPresent: Uint8Array;

  /** Block b's all-bases-present rows are blockRows[blockRowStart[b] .. blockRowStart[b + 1]). */
  readonly blockRowStart: Int32Array;
  readonly blockRows: Int32Array;
  /** Per block, base-major (baseCount × n_b from blockRowStart[b] × baseCount): b_j[row] − x̄_bj. */
  readonly blockCentredBase: Float64Array;
  /** Per block × base: the block mean x̄_bj of the base over the block's rows (0 without rows). */
  readonly blockBaseMean: Float64Array;
  /** Blocks [firstStatBlock, lastStatBlock] are middle blocks of some output date: only they need per-symbol stats. */
  readonly firstStatBlock: number;
  readonly lastStatBlock: number;

  /** Per window × output date: all-bases-present rows in the window. */
  readonly windowRowCount: Int32Array[];
  /** Rows of every loose piece, concatenated. */
  readonly pieceRows: Int32Array;
  /** Per output date: the recent piece (empty when every window is loose-only). */
  readonly recentPieceStart: Int32Array;
  readonly recentPieceLength: Int32Array;
  /** Per output date × window: the oldest piece (or, when loose-only, the whole window). */
  readonly oldestPieceStart: Int32Array;
  readonly oldestPieceLength: Int32Array;
  /** Per output date × window: 1 when lo and t share a block (the window is loose rows only). */
  readonly looseOnly: Uint8Array;
  /** Per output date: t's block − 1 (the newest middle block). */
  readonly newestMiddleBlock: Int32Array;
  /** Per output date × window: the oldest middle block (newestMiddleBlock + 1 when there is none). */
  readonly oldestMiddleBlock: Int32Array;
  /**
   * Per output date: where its middle-block terms start in the regressor side's
   * middleBlockBaseTerm array, and how many middle blocks the largest window spans.
   */
  readonly middleTermStart: Int32Array;
  readonly middleBlockCount: Int32Array;
  /** Total length of the middle-block terms (Σ middleBlockCount × baseCount). */
  readonly middleTermLength: number;
  /** Longest loose piece or block, in rows (sizes the per-symbol scratch). */
  readonly maxPieceRows: number;
  /** Most middle blocks of one date. */
  readonly maxMiddleBlocks: number;

  /**
   * @param base base regressor return series (each of length T; NaN = missing).
   * @param windows the distinct windows, ascending.
   * @param sparse per spec, its regressors; with `specWindows` decides which bases each window needs.
   * @param from first output calendar index; @param to last (inclusive).
   * @param blockIds block id per calendar index (length T, non-decreasing).
   */
  constructor(
    base: readonly Float64Array[],
    windows: Int32Array,
    sparse: readonly (readonly SparseRegressor[])[],
    specWindows: readonly number[],
    from: number,
    to: number,
    blockIds: ArrayLike<number>,
  ) {
    const baseCount = base.length;
    const T = base[0]!.length;
    const L = to - from + 1;
    this.baseCount = baseCount;
    this.calendarLength = T;
    this.from = from;
    this.outputCount = L;
    this.windows = windows;
    const blocks = blockRuns(blockIds);
    this.blocks = blocks;

    const allPresent = new Uint8Array(T);
    for (let t = 0; t < T; t++) {
      let ok = 1;
      for (let j = 0; j < baseCount; j++) if (!Number.isFinite(base[j]![t]!)) ok = 0;
      allPresent[t] = ok;
    }
    this.allBasesPresent = allPresent;
    this.basesByWindow = Array.from(windows, (w) => {
      const used = new Set<number>();
      specWindows.forEach((specWindow, i) => {
        if (specWindow >= w) for (const r of sparse[i]!) for (const j of r.baseIndex) used.add(j);
      });
      return Int32Array.from([...used].sort((a, b) => a - b));
    });

    // block rows and block-centred base values
    this.blockRowStart = new Int32Array(blocks.count + 1);
    const blockRowList: number[] = [];
    for (let b = 0; b < blocks.count; b++) {
      for (let i = blocks.start[b]!; i <= blocks.end[b]!; i++) if (allPresent[i] === 1) blockRowList.push(i);
      this.blockRowStart[b + 1] = blockRowList.length;
    }
    this.blockRows = Int32Array.from(blockRowList);
    this.blockCentredBase = new Float64Array(blockRowList.length * baseCount);
    this.blockBaseMean = new Float64Array(blocks.count * baseCount);
    for (let b = 0; b < blocks.count; b++) {
      const first = this.blockRowStart[b]!;
      const n = this.blockRowStart[b + 1]! - first;
      for (let j = 0; j < baseCount; j++) {
        const bj = base[j]!;
        let s = 0;
        for (let r = 0; r < n; r++) s += bj[this.blockRows[first + r]!]!;
        const mean = n > 0 ? s / n : 0;
        this.blockBaseMean[b * baseCount + j] = mean;
        for (let r = 0; r < n; r++) this.blockCentredBase[first * baseCount + j * n + r] = bj[this.blockRows[first + r]!]! - mean;
      }
    }

    // per-date pieces
    const m = windows.length;
    this.windowRowCount = Array.from({ length: m }, () => new Int32Array(L));
    this.recentPieceStart = new Int32Array(L);
    this.recentPieceLength = new Int32Array(L);
    this.oldestPieceStart = new Int32Array(L * m);
    this.oldestPieceLength = new Int32Array(L * m);
    this.looseOnly = new Uint8Array(L * m);
    this.newestMiddleBlock = new Int32Array(L);
    this.oldestMiddleBlock = new Int32Array(L * m);
    this.middleTermStart = new Int32Array(L);
    this.middleBlockCount = new Int32Array(L);
    const rows: number[] = [];
    let middleTermLength = 0;
    let firstStatBlock = blocks.count;
    let lastStatBlock = -1;
    /** Append the all-present rows of [lo, hi] as a piece; returns [start, length]. */
    const piece = (lo: number, hi: number): [number, number] => {
      const start = rows.length;
      for (let i = lo; i <= hi; i++) if (allPresent[i] === 1) rows.push(i);
      return [start, rows.length - start];
    };
    for (let o = 0; o < L; o++) {
      const t = from + o;
      const tBlock = blocks.of[t]!;
      const newestMiddle = tBlock - 1;
      this.newestMiddleBlock[o] = newestMiddle;
      let anyShared = false;
      let lowest = newestMiddle + 1;
      for (let k = 0; k < m; k++) {
        const lo = Math.max(0, t - windows[k]! + 1);
        let n = 0;
        for (let i = lo; i <= t; i++) n += allPresent[i]!;
        this.windowRowCount[k]![o] = n;
        const loBlock = blocks.of[lo]!;
        const loose = loBlock === tBlock;
        const [start, length] = piece(lo, loose ? t : blocks.end[loBlock]!);
        this.looseOnly[o * m + k] = loose ? 1 : 0;
        this.oldestPieceStart[o * m + k] = start;
        this.oldestPieceLength[o * m + k] = length;
        const oldestMiddle = loose ? newestMiddle + 1 : loBlock + 1;
        this.oldestMiddleBlock[o * m + k] = oldestMiddle;
        if (!loose) anyShared = true;
        lowest = Math.min(lowest, oldestMiddle);
      }
      const [recentStart, recentLength] = anyShared ? piece(blocks.start[tBlock]!, t) : [0, 0];
      this.recentPieceStart[o] = recentStart;
      this.recentPieceLength[o] = recentLength;
      const middleCount = newestMiddle - lowest + 1;
      this.middleTermStart[o] = middleTermLength;
      this.middleBlockCount[o] = middleCount;
      middleTermLength += middleCount * baseCount;
      if (middleCount > 0) {
        firstStatBlock = Math.min(firstStatBlock, lowest);
        lastStatBlock = Math.max(lastStatBlock, newestMiddle);
      }
    }
    this.pieceRows = Int32Array.from(rows);
    this.middleTermLength = middleTermLength;
    this.firstStatBlock = firstStatBlock;
    this.lastStatBlock = lastStatBlock;

    let maxRows = 1;
    for (let b = 0; b < blocks.count; b++) maxRows = Math.max(maxRows, this.blockRowStart[b + 1]! - this.blockRowStart[b]!);
    for (let o = 0; o < L; o++) {
      maxRows = Math.max(maxRows, this.recentPieceLength[o]!);
      for (let k = 0; k < m; k++) maxRows = Math.max(maxRows, this.oldestPieceLength[o * m + k]!);
    }
    this.maxPieceRows = maxRows;
    this.maxMiddleBlocks = Math.max(
      1,
      this.middleBlockCount.reduce((a, b) => Math.max(a, b), 0),
    );
  }
}
