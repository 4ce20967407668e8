// The paper's linearised final norm (method.md section 2): phi(x) = W_U (scale * centre(x)), with
// the norm's scale frozen at the real last-position final hidden state and the norm bias dropped.
import type { ModelConfig } from '../types.js';

/** phi(x) = W_U applyFrozenNorm(x): `scale` [dModel] = gamma_f / s; GPT-2 also centres x. */
export interface FrozenNorm {
  readonly scale: Float64Array;
  readonly centre: boolean;
}

/**
 * Freezes the final norm at `hFinal` = h[L-1][T] [dModel] with weight `gammaF` [dModel].
 * GPT-2: s = sqrt(biased var(hFinal) + eps); Llama: s = sqrt(mean(hFinal^2) + eps).
 */
export function freezeFinalNorm(config: ModelConfig, hFinal: ArrayLike<number>, gammaF: ArrayLike<number>): FrozenNorm {
  const d = config.dModel;
  let mean = 0;
  for (let i = 0; i < d; i++) mean += hFinal[i];
  mean /= d;
  let second = 0;
  const centre = config.norm === 'layernorm';
  for (let i = 0; i < d; i++) {
    const x = centre ? hFinal[i] - mean : hFinal[i];
    second += x * x;
  }
  const s = Math.sqrt(second / d + config.normEps);
  const scale = new Float64Array(d);
  for (let i = 0; i < d; i++) scale[i] = gammaF[i] / s;
  return { scale, centre };
}

/** scale * centre(v) for v [dModel] (float64 math), written into `out` [dModel]. */
export function applyFrozenNorm<T extends Float32Array | Float64Array>(
  norm: FrozenNorm, v: ArrayLike<number>, out: T, factor = 1,
): T {
  const d = norm.scale.length;
  let mean = 0;
  if (norm.centre) {
    for (let i = 0; i < d; i++) mean += v[i];
    mean /= d;
  }
  for (let i = 0; i < d; i++) out[i] = factor * norm.scale[i] * (v[i] - mean);
  return out;
}

/**
 * The Jensen direction g [dModel] (method.md section 3): Imp(v) <= v . g for every v, where
 * `wuTdiff` [dModel] = W_U^T (e_w - P). g = centre(scale * wuTdiff) (centring and scaling are
 * symmetric maps, so moving them from v onto g is exact).
 */
export function jensenDirection(norm: FrozenNorm, wuTdiff: ArrayLike<number>): Float64Array {
  const d = norm.scale.length;
  const g = new Float64Array(d);
  for (let i = 0; i < d; i++) g[i] = norm.scale[i] * wuTdiff[i];
  if (norm.centre) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += g[i];
    mean /= d;
    for (let i = 0; i < d; i++) g[i] -= mean;
  }
  return g;
}
