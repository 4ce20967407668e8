// The one numerically stable log-softmax / logsumexp of the engine's JS side (float64 accumulation).

/** log(sum_i exp(x[i])) with max-shifting; -Infinity for an empty or all -Infinity input. */
export function logSumExp(x: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  return max + Math.log(sum);
}

/** log softmax(x), float64 [n]. */
export function logSoftmax(x: ArrayLike<number>): Float64Array {
  const lse = logSumExp(x);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - lse;
  return out;
}

/** 1-based rank of entry `w` in x (1 = largest; ties count in w's favour). */
export function rankOf(x: ArrayLike<number>, w: number): number {
  const xw = x[w];
  let above = 0;
  for (let i = 0; i < x.length; i++) if (x[i] > xw) above++;
  return above + 1;
}
