// Unit tests of the pure math on hand-built numbers: the bound-ordered top-k against a full sort,
// the frozen norm, the Jensen bound and the stable logsumexp.
import { exactTopK } from '../../engine/attribution/exact-top-k.js';
import { applyFrozenNorm, freezeFinalNorm, jensenDirection } from '../../engine/attribution/frozen-norm.js';
import { logSoftmax, logSumExp } from '../../engine/attribution/log-softmax.js';
import type { ModelConfig } from '../../engine/types.js';
import { makeRng } from '../../scripts/lib/rng.js';

const cfg = (norm: 'layernorm' | 'rmsnorm'): ModelConfig => ({ dModel: 4, normEps: 1e-5, norm } as ModelConfig); // only these fields are read

describe('exactTopK', () => {
  it.each([1, 10, 50, 200])('returns the brute-force top-%i while scoring few candidates', async (k) => {
    const rng = makeRng(k);
    const n = 5000;
    const scores = Float64Array.from({ length: n }, () => rng.normal() * Math.exp(rng.normal()));
    const bounds = scores.map((s) => s + Math.abs(rng.normal()) * 0.05);
    let calls = 0;
    const res = await exactTopK(bounds, k, async (idx) => {
      calls += idx.length;
      return Float64Array.from(idx, (i) => scores[i]);
    });
    // An independent full sort (exactTopK itself orders with argsortDescending).
    const brute = Array.from(scores.keys()).sort((x, y) => scores[y] - scores[x]).slice(0, k);
    expect(Array.from(res.indices)).toEqual(brute);
    expect(Array.from(res.scores)).toEqual(brute.map((i) => scores[i]));
    expect(res.scored).toBe(calls);
    expect(res.scored).toBeLessThan(n / 4);
  });

  it('handles k larger than the candidate count', async () => {
    const res = await exactTopK(Float64Array.from([3, 1, 2]), 10, async (idx) => Float64Array.from(idx, (i) => -i));
    expect(Array.from(res.indices)).toEqual([0, 1, 2]);
  });
});

describe('frozen final norm and Jensen bound', () => {
  const h = [1, -2, 0.5, 3];
  const gamma = [1.5, 0.5, 2, 1];

  it('GPT-2: centres and divides by sqrt(biased var + eps)', () => {
    const norm = freezeFinalNorm(cfg('layernorm'), h, gamma);
    const mean = 0.625;
    const s = Math.sqrt(h.reduce((a, x) => a + (x - mean) ** 2, 0) / 4 + 1e-5);
    const v = [0.3, 0.1, -0.2, 0.6];
    const vm = 0.2;
    const out = applyFrozenNorm(norm, v, new Float64Array(4));
    out.forEach((x, i) => expect(x).toBeCloseTo((gamma[i] * (v[i] - vm)) / s, 12));
  });

  it('Llama: divides by sqrt(mean square + eps), no centring', () => {
    const norm = freezeFinalNorm(cfg('rmsnorm'), h, gamma);
    const q = Math.sqrt(h.reduce((a, x) => a + x * x, 0) / 4 + 1e-5);
    const out = applyFrozenNorm(norm, [1, 1, 1, 1], new Float64Array(4));
    out.forEach((x, i) => expect(x).toBeCloseTo(gamma[i] / q, 12));
  });

  it.each(['layernorm', 'rmsnorm'] as const)('%s: v . g is an upper bound equal to d[w] - P.d', (kind) => {
    const rng = makeRng(3);
    const V = 7;
    const W = Array.from({ length: V }, () => Array.from({ length: 4 }, () => rng.normal()));
    const norm = freezeFinalNorm(cfg(kind), h, gamma);
    const z = Array.from({ length: V }, () => rng.normal() * 2);
    const lp = logSoftmax(z);
    const P = Array.from(lp, Math.exp);
    const w = 2;
    const wuTdiff = [0, 1, 2, 3].map((i) => W[w][i] - P.reduce((a, p, t) => a + p * W[t][i], 0));
    const g = jensenDirection(norm, wuTdiff);
    for (let trial = 0; trial < 20; trial++) {
      const v = Array.from({ length: 4 }, () => rng.normal() * 3);
      const u = applyFrozenNorm(norm, v, new Float64Array(4));
      const d = W.map((row) => row.reduce((a, x, i) => a + x * u[i], 0));
      const imp = d[w] - logSumExp(d.map((x, t) => lp[t] + x));
      const bound = v.reduce((a, x, i) => a + x * g[i], 0);
      expect(bound).toBeCloseTo(d[w] - P.reduce((a, p, t) => a + p * d[t], 0), 10);
      expect(imp).toBeLessThanOrEqual(bound + 1e-12);
    }
  });
});

describe('logSumExp', () => {
  it('is stable for large and -Infinity inputs', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logSumExp([-Infinity, 0])).toBe(0);
    expect(logSumExp([])).toBe(-Infinity);
    const ls = logSoftmax([1, 2, 3]);
    expect(ls.reduce((a, x) => a + Math.exp(x), 0)).toBeCloseTo(1, 14);
  });
});
