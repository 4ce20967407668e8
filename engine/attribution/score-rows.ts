// Exact log-prob-increase scores of many (direction, coefficient, baseline) rows, in chunks that
// project each distinct direction once (phi is linear: phi(c u) = c phi(u)).
import type { AttributionContext } from './context.js';
import { applyFrozenNorm } from './frozen-norm.js';

/** Row r scores v = c[r] * direction(dir[r]) against baseline base[r] (see context.ts). */
export interface ScoreRows {
  readonly dir: ArrayLike<number>;
  readonly c: ArrayLike<number>;
  readonly base: ArrayLike<number>;
}

const MAX_DIRS = 256;
const MAX_ROWS = 256;

/**
 * Imp(v_r) = log p(w | x_b + v_r) - log p(w | x_b) for every row [R], float64 results of the
 * float64 in-graph logsumexp. `direction(dir)` returns the raw residual-space vector [dModel].
 */
export async function scoreRows(ctx: AttributionContext, rows: ScoreRows, direction: (dir: number) => ArrayLike<number>): Promise<Float64Array> {
  const R = rows.c.length;
  const d = ctx.config.dModel;
  const out = new Float64Array(R);
  let start = 0;
  while (start < R) {
    const local = new Map<number, number>();
    let end = start;
    while (end < R && end - start < MAX_ROWS) {
      const dir = rows.dir[end];
      if (!local.has(dir)) {
        if (local.size === MAX_DIRS) break;
        local.set(dir, local.size);
      }
      end++;
    }
    const U = new Float32Array(local.size * d);
    for (const [dir, i] of local) applyFrozenNorm(ctx.norm, direction(dir), U.subarray(i * d, (i + 1) * d));
    const n = end - start;
    const rowIdx = new Int32Array(n);
    const base = new Int32Array(n);
    const c = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      rowIdx[r] = local.get(rows.dir[start + r])!; // every dir of the chunk was registered above
      base[r] = rows.base[start + r];
      c[r] = rows.c[start + r];
    }
    const s = await ctx.projector.score(U, rowIdx, base, c, ctx.logP, ctx.target);
    for (let r = 0; r < n; r++) out[start + r] = s[r];
    start = end;
  }
  return out;
}

/** a . b over the first `n` entries, float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
