// Dataset-level metrics of method.md section 6: MRR, mean p(w) and mean log p(w), before and after
// an ablation, and the % decrease.
import type { TargetStats } from '../attribution/index.js';

export interface MetricValues { readonly mrr: number; readonly prob: number; readonly logProb: number }

export interface AblationMetrics {
  /** Sentences averaged over. */
  readonly n: number;
  readonly before: MetricValues;
  readonly after: MetricValues;
  /** 100 * (before - after) / before, for MRR and probability (the paper's headline form). */
  readonly decreasePct: { readonly mrr: number; readonly prob: number };
  /** after.logProb - before.logProb (a log ratio; negative when the answer lost probability). */
  readonly logProbChange: number;
}

/** Means of 1/rank, prob and logProb over `stats` (NaN for an empty list). */
export function meanMetrics(stats: readonly TargetStats[]): MetricValues {
  const n = stats.length;
  let mrr = 0;
  let prob = 0;
  let logProb = 0;
  for (const s of stats) {
    mrr += 1 / s.rank;
    prob += s.prob;
    logProb += s.logProb;
  }
  return { mrr: mrr / n, prob: prob / n, logProb: logProb / n };
}

/** Metrics of paired before/after stats (same sentences, same order). */
export function ablationMetrics(before: readonly TargetStats[], after: readonly TargetStats[]): AblationMetrics {
  if (before.length !== after.length) throw new Error(`before and after must pair up: got ${before.length} and ${after.length}`);
  const b = meanMetrics(before);
  const a = meanMetrics(after);
  return {
    n: before.length,
    before: b,
    after: a,
    decreasePct: { mrr: (100 * (b.mrr - a.mrr)) / b.mrr, prob: (100 * (b.prob - a.prob)) / b.prob },
    logProbChange: a.logProb - b.logProb,
  };
}
