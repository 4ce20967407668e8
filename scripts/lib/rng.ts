// Seeded pseudo-random numbers for generators and tests: mulberry32 for uniforms, Box-Muller for
// normals. Same seed, same sequence, on every platform (integer arithmetic only before the float).

// The engine's mulberry32 (its module alone: the engine entry would load onnxruntime for an RNG).
import { uniformStream } from '../../engine/evaluation/seeded.js';

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A Float32Array of `n` draws from N(0, std^2). */
  normals(n: number, std: number): Float32Array;
}

export function makeRng(seed: number): Rng {
  let spare: number | null = null;
  const uniform = uniformStream(seed);
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    uniform,
    normal,
    int: (n) => Math.floor(uniform() * n),
    normals: (n, std) => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = normal() * std;
      return out;
    },
  };
}
