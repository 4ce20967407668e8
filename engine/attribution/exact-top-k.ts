// Exact top-k by upper bounds (method.md section 3): visit candidates in descending bound order,
// score each exactly, stop once the next bound is below the k-th best exact score.

/** Exact scores of the candidates `indices` [n] (same order). */
export type BatchScorer = (indices: Int32Array) => Promise<Float64Array>;

export interface TopK {
  /** Candidate indices, best first [k]. */
  readonly indices: Int32Array;
  /** Their exact scores [k]. */
  readonly scores: Float64Array;
  /** How many candidates were scored exactly, and in how many batches. */
  readonly scored: number;
  readonly batches: number;
}

export interface TopKOptions {
  /** Largest number of candidates scored in one batch after the first (default 256). */
  readonly maxBatch?: number;
  /**
   * Safety margin for float32 rounding in scores and bounds: candidates whose bound is within
   * `slack * (1 + |theta|)` of the threshold are still scored (default 1e-5).
   */
  readonly slack?: number;
}

/** Indices [n] sorted by `values` descending (ties by index). */
export function argsortDescending(values: ArrayLike<number>): Int32Array {
  const order = new Int32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => values[b] - values[a] || a - b);
}

/**
 * The k candidates with the largest exact scores, given `bounds` [N] with score(i) <= bounds[i].
 * The first batch is the k best bounds (all of them must be scored: the k-th best bound is at
 * least the k-th best score); later batches take every unvisited candidate whose bound still
 * reaches the current k-th best score, up to `maxBatch`.
 */
export async function exactTopK(bounds: Float64Array, k: number, score: BatchScorer, opts: TopKOptions = {}): Promise<TopK> {
  const n = bounds.length;
  const kk = Math.min(k, n);
  const maxBatch = opts.maxBatch ?? 256;
  const slack = opts.slack ?? 1e-5;
  const order = argsortDescending(bounds);
  const visited: number[] = [];
  const exact: number[] = [];
  let pos = 0;
  let batches = 0;
  let theta = -Infinity;
  while (pos < n) {
    const margin = slack * (1 + Math.abs(theta));
    let end = pos;
    const limit = batches === 0 ? Math.max(kk, 1) : maxBatch;
    while (end < n && end - pos < limit && bounds[order[end]] >= theta - margin) end++;
    if (end === pos) break;
    const batch = order.slice(pos, end);
    const scores = await score(batch);
    for (let i = 0; i < batch.length; i++) {
      visited.push(batch[i]);
      exact.push(scores[i]);
    }
    pos = end;
    batches++;
    if (exact.length >= kk) theta = kthLargest(exact, kk);
  }
  const best = argsortDescending(exact).subarray(0, kk);
  return {
    indices: Int32Array.from(best, (i) => visited[i]),
    scores: Float64Array.from(best, (i) => exact[i]),
    scored: visited.length,
    batches,
  };
}

function kthLargest(values: readonly number[], k: number): number {
  return Float64Array.from(values).sort()[values.length - k];
}

/** The k best of fully computed `scores` [N] (brute force / closed-form methods). */
export function topOfAll(scores: Float64Array, k: number): TopK {
  const indices = argsortDescending(scores).slice(0, Math.min(k, scores.length));
  return { indices, scores: Float64Array.from(indices, (i) => scores[i]), scored: scores.length, batches: 1 };
}
