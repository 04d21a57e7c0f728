/**
 * The per-member summaries the models read, checked once and laid out as Float64Arrays, with each
 * distinct x, t_x and T stored once: the likelihoods compute their x-only and T-only terms per distinct value
 * (a program of a million members has a few hundred distinct x and a few thousand distinct T), not per row.
 * Repeat summaries that repeat a row are merged into one weighted row.
 */
import { AppError } from '../../../platform/errors.js';

/**
 * One row of the repeat-purchase summary. `x` repeat purchases (purchases after the first), the last at
 * `t_x` and the member observed for `T`, both counted from the first purchase in the same time unit (days,
 * weeks…; the fitted rates are per that unit). With x = 0, t_x is taken as 0.
 * `n` = how many members share this row (a weight, default 1).
 */
export interface RepeatSummary {
  x: number;
  t_x: number;
  T: number;
  n?: number;
}

/** One repeat buyer's spend: `x` > 0 repeat purchases with mean value `mbar` (> 0). `n` as above. */
export interface SpendSummary {
  x: number;
  mbar: number;
  n?: number;
}

/** Distinct values of a column, and for each row the index of its value. */
export interface Levels {
  values: Float64Array;
  index: Int32Array;
}

export interface RepeatData {
  rows: number;
  totalWeight: number;
  repeatWeight: number;
  maxT: number;
  w: Float64Array;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  xs: Levels;
  txs: Levels;
  Ts: Levels;
}

export interface SpendData {
  rows: number;
  totalWeight: number;
  meanSpend: number;
  distinctSpends: number;
  w: Float64Array;
  logM: Float64Array;
  m: Float64Array;
  x: Float64Array;
  xs: Levels;
}

export function prepareRepeat(rows: readonly RepeatSummary[]): RepeatData {
  const n = rows.length;
  const w = new Float64Array(n);
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (!row) throw bad(i, '', 'is missing');
    const weight = row.n ?? 1;
    if (!(Number.isInteger(row.x) && row.x >= 0)) throw bad(i, 'x', 'must be a whole number >= 0');
    if (!(Number.isFinite(row.T) && row.T > 0)) throw bad(i, 'T', 'must be a finite number > 0');
    const recency = row.x === 0 ? 0 : row.t_x;
    if (!(Number.isFinite(recency) && recency >= 0 && recency <= row.T)) throw bad(i, 't_x', 'must be between 0 and T');
    if (!(Number.isFinite(weight) && weight > 0)) throw bad(i, 'n', 'must be a finite number > 0');
    w[i] = weight;
    x[i] = row.x;
    tx[i] = recency;
    T[i] = row.T;
  }
  return mergeRepeat(w, x, tx, T);
}

/** Rows with the same (x, t_x, T) have the same likelihood: keep one, weighted by their sum. */
function mergeRepeat(w: Float64Array, x: Float64Array, tx: Float64Array, T: Float64Array): RepeatData {
  const xs = levels(x);
  const txs = levels(tx);
  const Ts = levels(T);
  const nTx = txs.values.length;
  const nT = Ts.values.length;
  const seen = new Map<number, number>();
  const first: number[] = [];
  const merged: number[] = [];
  for (let i = 0; i < w.length; i++) {
    // Level indices are < rows, so the key is exact below 2^53 for any array that fits in memory.
    const key = ((xs.index[i] as number) * nTx + (txs.index[i] as number)) * nT + (Ts.index[i] as number);
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, first.length);
      first.push(i);
      merged.push(w[i] as number);
    } else {
      merged[at] = (merged[at] as number) + (w[i] as number);
    }
  }
  const m = first.length;
  const out = {
    w: Float64Array.from(merged),
    x: new Float64Array(m),
    tx: new Float64Array(m),
    T: new Float64Array(m),
    xi: new Int32Array(m),
    txi: new Int32Array(m),
    Ti: new Int32Array(m),
  };
  let totalWeight = 0;
  let repeatWeight = 0;
  let maxT = 0;
  first.forEach((src, i) => {
    out.x[i] = x[src] as number;
    out.tx[i] = tx[src] as number;
    out.T[i] = T[src] as number;
    out.xi[i] = xs.index[src] as number;
    out.txi[i] = txs.index[src] as number;
    out.Ti[i] = Ts.index[src] as number;
    const weight = out.w[i] as number;
    totalWeight += weight;
    if ((out.x[i] as number) > 0) repeatWeight += weight;
    maxT = Math.max(maxT, out.T[i] as number);
  });
  return {
    rows: m,
    totalWeight,
    repeatWeight,
    maxT,
    w: out.w,
    x: out.x,
    tx: out.tx,
    T: out.T,
    xs: { values: xs.values, index: out.xi },
    txs: { values: txs.values, index: out.txi },
    Ts: { values: Ts.values, index: out.Ti },
  };
}

/** Spend rows; rows with x = 0 carry no spend and are left out. */
export function prepareSpend(rows: readonly SpendSummary[]): SpendData {
  const kept: SpendSummary[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!row) throw bad(i, '', 'is missing');
    if (!(Number.isInteger(row.x) && row.x >= 0)) throw bad(i, 'x', 'must be a whole number >= 0');
    if (!(Number.isFinite(row.n ?? 1) && (row.n ?? 1) > 0)) throw bad(i, 'n', 'must be a finite number > 0');
    if (row.x === 0) continue;
    if (!(Number.isFinite(row.mbar) && row.mbar > 0)) throw bad(i, 'mbar', 'must be a finite number > 0');
    kept.push(row);
  }
  const n = kept.length;
  const w = new Float64Array(n);
  const x = new Float64Array(n);
  const m = new Float64Array(n);
  const logM = new Float64Array(n);
  let totalWeight = 0;
  let spend = 0;
  const distinct = new Set<number>();
  kept.forEach((row, i) => {
    const weight = row.n ?? 1;
    w[i] = weight;
    x[i] = row.x;
    m[i] = row.mbar;
    logM[i] = Math.log(row.mbar);
    totalWeight += weight;
    spend += weight * row.mbar;
    if (distinct.size < 2) distinct.add(row.mbar);
  });
  return {
    rows: n,
    totalWeight,
    meanSpend: totalWeight > 0 ? spend / totalWeight : 0,
    distinctSpends: distinct.size,
    w,
    logM,
    m,
    x,
    xs: levels(x),
  };
}

function levels(column: Float64Array): Levels {
  const seen = new Map<number, number>();
  const index = new Int32Array(column.length);
  const values: number[] = [];
  for (let i = 0; i < column.length; i++) {
    const v = column[i] ?? 0;
    let k = seen.get(v);
    if (k === undefined) {
      k = values.length;
      values.push(v);
      seen.set(v, k);
    }
    index[i] = k;
  }
  return { values: Float64Array.from(values), index };
}

function bad(i: number, column: string, message: string): AppError {
  const field = column ? `rows[${i}].${column}` : `rows[${i}]`;
  return new AppError('invalid', 'analytics.invalid_summary', `${field} ${message}`, { field });
}
