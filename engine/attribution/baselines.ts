// The FFN scoring methods of method.md section 5: the paper's log-prob increase (a) and the seven
// baselines (b-h), selectable by letter or name, each returning an exact top-k.
import { AttributionError } from './attribution-error.js';
import { ffnBase, type AttributionContext } from './context.js';
import { exactTopK, topOfAll, type TopK } from './exact-top-k.js';
import type { FfnFamily } from './neuron-families.js';

export const METHODS = {
  a: 'log-prob-increase',
  b: 'log-prob',
  c: 'prob-increase',
  d: 'norm',
  e: 'coefficient',
  f: 'rank',
  g: 'coefficient-norm',
  h: 'coefficient-rank',
} as const;
export type MethodLetter = keyof typeof METHODS;
export type MethodName = (typeof METHODS)[MethodLetter];

/** Accepts a letter (a-h) or a name of METHODS; throws AttributionError UNKNOWN_METHOD. */
export function parseMethod(s: string): MethodName {
  if (s in METHODS) return METHODS[s as MethodLetter]; // checked by `in` just above
  const names = Object.values(METHODS) as string[];
  if (names.includes(s)) return s as MethodName; // checked by includes just above
  throw new AttributionError('UNKNOWN_METHOD', `method must be one of a-h or ${names.join(', ')}: got ${JSON.stringify(s)}`);
}

function norms(ctx: AttributionContext, fam: FfnFamily): Float64Array {
  const d = ctx.config.dModel;
  return Float64Array.from({ length: fam.count }, (_, i) => {
    const v = fam.direction(i);
    let s = 0;
    for (let x = 0; x < d; x++) s += v[x] * v[x];
    return Math.sqrt(s);
  });
}


async function all(fam: FfnFamily, uniform = false): Promise<Float64Array> {
  return fam.score(Int32Array.from({ length: fam.count }, (_, i) => i), uniform);
}

/**
 * Top-k FFN neurons by `method`. a/b/c use the pruned exact search unless `exactAll`; d/e/g are
 * closed forms; f/h project every subvalue (brute force, as the rank needs the whole vocabulary).
 */
export async function rankFfn(ctx: AttributionContext, fam: FfnFamily, method: MethodName, k: number, exactAll: boolean): Promise<TopK> {
  const logV = Math.log(ctx.config.dVocab);
  const coef = Float64Array.from({ length: fam.count }, (_, i) => fam.coefficient(i));
  switch (method) {
    case 'log-prob-increase':
      return exactAll ? topOfAll(await all(fam), k) : exactTopK(fam.bounds(), k, (idx) => fam.score(idx));
    case 'log-prob': {
      // Against the uniform baseline the graph returns d[w] - lse(d) + log V.
      if (exactAll) return topOfAll((await all(fam, true)).map((s) => s - logV), k);
      const bounds = fam.bounds(true).map((b) => b - logV);
      return exactTopK(bounds, k, async (idx) => (await fam.score(idx, true)).map((s) => s - logV));
    }
    case 'prob-increase': {
      // p(w|x+v) - p(w|x) = p(w|x) expm1(Imp): monotone in Imp for each layer's baseline.
      const pw = (i: number): number => Math.exp(ctx.logPw[ffnBase(fam.layerOf(i))]);
      const convert = (idx: Int32Array, imp: Float64Array): Float64Array => imp.map((s, r) => pw(idx[r]) * Math.expm1(s));
      if (exactAll) {
        const idx = Int32Array.from({ length: fam.count }, (_, i) => i);
        return topOfAll(convert(idx, await fam.score(idx)), k);
      }
      const b = fam.bounds();
      const bounds = b.map((x, i) => pw(i) * Math.expm1(x));
      return exactTopK(bounds, k, async (idx) => convert(idx, await fam.score(idx)));
    }
    case 'norm':
      return topOfAll(norms(ctx, fam), k);
    case 'coefficient':
      return topOfAll(coef, k);
    case 'coefficient-norm': {
      const nrm = norms(ctx, fam);
      return topOfAll(coef.map((m, i) => Math.abs(m) * nrm[i]), k);
    }
    case 'rank': {
      const ranks = await fam.subvalueRanks();
      return topOfAll(Float64Array.from(ranks, (r) => 1 / r), k);
    }
    case 'coefficient-rank': {
      const ranks = await fam.subvalueRanks();
      return topOfAll(coef.map((m, i) => Math.abs(m) / ranks[i]), k);
    }
  }
}
