// The two neuron families of method.md section 1, flattened to candidate indices, with their
// Jensen upper bounds and exact scorers (used by both the pruned top-k and --exact-all).
import { attnBase, ffnBase, rowOf, type AttributionContext } from './context.js';
import { applyFrozenNorm } from './frozen-norm.js';
import { dot, scoreRows } from './score-rows.js';

export interface NeuronFamily {
  /** Number of candidates. */
  readonly count: number;
  /** Upper bounds of the log-prob increase (against the uniform distribution if `uniform`) [count]. */
  bounds(uniform?: boolean): Float64Array;
  /** Exact log-prob increases of `indices` (against uniform for baseline b) [n]. */
  score(indices: Int32Array, uniform?: boolean): Promise<Float64Array>;
  /** The coefficient multiplying the neuron's direction at the last position. */
  coefficient(i: number): number;
}

/** FFN neuron (l, n) is index l * dMlp + n: v = m[T, n] * W_out[l][n], baseline r[l][T]. */
export class FfnFamily implements NeuronFamily {
  readonly count: number;
  private readonly m: Float32Array[];
  private readonly wOut: Float32Array[];

  constructor(private readonly ctx: AttributionContext) {
    const { nLayers: L, dMlp } = ctx.config;
    this.count = L * dMlp;
    this.m = [];
    this.wOut = [];
    for (let l = 0; l < L; l++) {
      this.m.push(rowOf(ctx.cache.get(`blocks.${l}.mlp.hook_post`), ctx.T - 1));
      this.wOut.push(ctx.model.weight(`blocks.${l}.mlp.W_out`).data);
    }
  }

  layerOf(i: number): number { return Math.floor(i / this.ctx.config.dMlp); }
  neuronOf(i: number): number { return i % this.ctx.config.dMlp; }
  coefficient(i: number): number { return this.m[this.layerOf(i)][this.neuronOf(i)]; }

  /** Subvalue fc2_n [dModel] of candidate i (a view). */
  direction(i: number): Float32Array {
    const d = this.ctx.config.dModel;
    const n = this.neuronOf(i);
    return this.wOut[this.layerOf(i)].subarray(n * d, (n + 1) * d);
  }

  bounds(uniform = false): Float64Array {
    const { nLayers: L, dMlp, dModel: d } = this.ctx.config;
    const out = new Float64Array(this.count);
    for (let l = 0; l < L; l++) {
      const g = this.ctx.g[uniform ? this.ctx.uniformBase : ffnBase(l)];
      const w = this.wOut[l];
      const m = this.m[l];
      for (let n = 0; n < dMlp; n++) {
        let s = 0;
        const o = n * d;
        for (let i = 0; i < d; i++) s += w[o + i] * g[i];
        out[l * dMlp + n] = m[n] * s;
      }
    }
    return out;
  }

  score(indices: Int32Array, uniform = false): Promise<Float64Array> {
    const base = Int32Array.from(indices, (i) => (uniform ? this.ctx.uniformBase : ffnBase(this.layerOf(i))));
    const c = Float64Array.from(indices, (i) => this.coefficient(i));
    return scoreRows(this.ctx, { dir: indices, c, base }, (i) => this.direction(i));
  }

  private ranks: Promise<Int32Array> | null = null;

  /**
   * 1-based rank of the target in softmax(phi(fc2_n)) for every candidate [count]: brute force
   * (every subvalue projected), computed once per family (rank and coefficient-rank share it).
   */
  subvalueRanks(): Promise<Int32Array> {
    this.ranks ??= (async () => {
      const d = this.ctx.config.dModel;
      const out = new Int32Array(this.count);
      for (let start = 0; start < this.count; start += RANK_ROWS) {
        const n = Math.min(RANK_ROWS, this.count - start);
        const U = new Float32Array(n * d);
        for (let r = 0; r < n; r++) applyFrozenNorm(this.ctx.norm, this.direction(start + r), U.subarray(r * d, (r + 1) * d));
        out.set(await this.ctx.projector.rank(U, this.ctx.target), start);
      }
      return out;
    })();
    return this.ranks;
  }
}

/** Subvalues projected per ONNX call by subvalueRanks. */
const RANK_ROWS = 256;

/**
 * Attention neuron (l, j, k, p) is index ((l * nHeads + j) * dHead + k) * T + p:
 * v = alpha[T, p] v[p, j, k] * W_O[l][j, k], baseline h[l-1][T]. Its direction index is
 * (l * nHeads + j) * dHead + k, shared by all source positions p.
 */
export class AttentionFamily implements NeuronFamily {
  readonly count: number;
  private readonly wvl: Float32Array[];
  private readonly wO: Float32Array[];

  constructor(private readonly ctx: AttributionContext) {
    const { nLayers: L, nHeads, dHead } = ctx.config;
    this.count = L * nHeads * dHead * ctx.T;
    this.wvl = [];
    this.wO = [];
    for (let l = 0; l < L; l++) {
      this.wvl.push(ctx.cache.get(`blocks.${l}.attn.hook_weighted_v_last`).data);
      this.wO.push(ctx.model.weight(`blocks.${l}.attn.W_O`).data);
    }
  }

  /** [layer, head, dim, position] of candidate i. */
  decode(i: number): [number, number, number, number] {
    const { nHeads, dHead } = this.ctx.config;
    const T = this.ctx.T;
    const p = i % T;
    const dir = (i - p) / T;
    const k = dir % dHead;
    const lj = (dir - k) / dHead;
    return [Math.floor(lj / nHeads), lj % nHeads, k, p];
  }

  dirOf(i: number): number { return Math.floor(i / this.ctx.T); }

  coefficient(i: number): number {
    const [l, j, k, p] = this.decode(i);
    const { dHead } = this.ctx.config;
    return this.wvl[l][(j * this.ctx.T + p) * dHead + k];
  }

  /** Row j*dHead+k of W_O[l] [dModel] for direction index `dir` (a view). */
  direction(dir: number): Float32Array {
    const { nHeads, dHead, dModel: d } = this.ctx.config;
    const l = Math.floor(dir / (nHeads * dHead));
    const r = dir % (nHeads * dHead);
    return this.wO[l].subarray(r * d, (r + 1) * d);
  }

  bounds(): Float64Array {
    const { nLayers: L, nHeads, dHead } = this.ctx.config;
    const T = this.ctx.T;
    const out = new Float64Array(this.count);
    for (let l = 0; l < L; l++) {
      const g = this.ctx.g[attnBase(l)];
      for (let j = 0; j < nHeads; j++) {
        for (let k = 0; k < dHead; k++) {
          const dir = (l * nHeads + j) * dHead + k;
          const s = dot(this.direction(dir), g);
          for (let p = 0; p < T; p++) out[dir * T + p] = this.wvl[l][(j * T + p) * dHead + k] * s;
        }
      }
    }
    return out;
  }

  score(indices: Int32Array): Promise<Float64Array> {
    const dir = Int32Array.from(indices, (i) => this.dirOf(i));
    const base = Int32Array.from(indices, (i) => attnBase(this.decode(i)[0]));
    const c = Float64Array.from(indices, (i) => this.coefficient(i));
    return scoreRows(this.ctx, { dir, c, base }, (x) => this.direction(x));
  }
}
