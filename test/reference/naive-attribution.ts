// Test-only naive implementation of method.md sections 2-5: float64 loops over Hugging Face
// tensors (HF names and layouts, not the engine's canonical weights) and the naive forward's
// hooks. No identities, no bounds, no batching: every score projects x and x + v in full.
import type { HfTensors, NaiveConfig, NaiveHooks } from './naive-forward.js';

export interface NaiveAttribution {
  /** [L * dMlp], index l * dMlp + n. */
  readonly ffn: Float64Array;
  /** [L * H * dh * T], index ((l * H + j) * dh + k) * T + p. */
  readonly attention: Float64Array;
  readonly layerAttention: Float64Array;
  readonly layerFfn: Float64Array;
  /** [L * H]. */
  readonly heads: Float64Array;
  /** [L * H * T]. */
  readonly headPositions: Float64Array;
  readonly coefficient: Float64Array;
}

export class NaiveAttributor {
  readonly T: number;
  private readonly gpt2: boolean;
  private readonly s: number;
  private readonly mean: (x: ArrayLike<number>) => number;

  constructor(readonly cfg: NaiveConfig, private readonly w: HfTensors, readonly hooks: NaiveHooks, readonly target: number, T: number) {
    this.T = T;
    this.gpt2 = cfg.architecture === 'gpt2';
    this.mean = (x) => {
      let s = 0;
      for (let i = 0; i < cfg.dModel; i++) s += x[i];
      return s / cfg.dModel;
    };
    const hf = this.row(`blocks.${cfg.nLayers - 1}.hook_resid_post`, T - 1);
    const mu = this.gpt2 ? this.mean(hf) : 0;
    let second = 0;
    for (let i = 0; i < cfg.dModel; i++) second += (hf[i] - mu) ** 2;
    this.s = Math.sqrt(second / cfg.dModel + cfg.eps);
  }

  get(name: string): Float32Array {
    const t = this.w.get(name);
    if (!t) throw new Error(`naive attribution: missing ${name}`);
    return t.data;
  }

  row(hook: string, t: number): Float64Array {
    const h = this.hooks.get(hook);
    if (!h) throw new Error(`naive attribution: missing hook ${hook}`);
    const n = h.length / this.T;
    return h.slice(t * n, (t + 1) * n);
  }

  private p(l: number): string { return this.gpt2 ? `h.${l}` : `model.layers.${l}`; }

  /** phi(x) [V]: frozen final norm (method.md section 2) then the unembedding. */
  phi(x: ArrayLike<number>): Float64Array {
    const { dModel: D, dVocab: V } = this.cfg;
    const gamma = this.get(this.gpt2 ? 'ln_f.weight' : 'model.norm.weight');
    const wu = this.cfg.tied ? this.get(this.gpt2 ? 'wte.weight' : 'model.embed_tokens.weight') : this.get('lm_head.weight');
    const mu = this.gpt2 ? this.mean(x) : 0;
    const out = new Float64Array(V);
    for (let t = 0; t < V; t++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += wu[t * D + i] * gamma[i] * (x[i] - mu) / this.s;
      out[t] = s;
    }
    return out;
  }

  /** log softmax(z)[w], written out directly. */
  static logProb(z: Float64Array, w: number): number {
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v);
    let sum = 0;
    for (const v of z) sum += Math.exp(v - max);
    return z[w] - max - Math.log(sum);
  }

  /** Imp(v) = log p(w | x + v) - log p(w | x). */
  imp(x: ArrayLike<number>, v: ArrayLike<number>): number {
    const xv = Array.from(x, (a, i) => a + v[i]);
    return NaiveAttributor.logProb(this.phi(xv), this.target) - NaiveAttributor.logProb(this.phi(x), this.target);
  }

  /** fc2_n [D]. */
  fc2(l: number, n: number): Float64Array {
    const { dModel: D, dMlp: M } = this.cfg;
    const out = new Float64Array(D);
    if (this.gpt2) {
      const w = this.get(`${this.p(l)}.mlp.c_proj.weight`); // Conv1D [M, D]
      for (let i = 0; i < D; i++) out[i] = w[n * D + i];
    } else {
      const w = this.get(`${this.p(l)}.mlp.down_proj.weight`); // Linear [D, M]
      for (let i = 0; i < D; i++) out[i] = w[i * M + n];
    }
    return out;
  }

  /** Wo[j, k] [D]. */
  wo(l: number, j: number, k: number): Float64Array {
    const { dModel: D, nHeads: H, dHead: DH } = this.cfg;
    const out = new Float64Array(D);
    const r = j * DH + k;
    if (this.gpt2) {
      const w = this.get(`${this.p(l)}.attn.c_proj.weight`); // Conv1D [D, D]
      for (let i = 0; i < D; i++) out[i] = w[r * D + i];
    } else {
      const w = this.get(`${this.p(l)}.self_attn.o_proj.weight`); // Linear [D, H*DH]
      for (let i = 0; i < D; i++) out[i] = w[i * H * DH + r];
    }
    return out;
  }

  /** alpha[T, p] * v[p, j, k] from the pattern and the value hook. */
  attnCoef(l: number, j: number, k: number, p: number): number {
    const { nHeads: H, dHead: DH } = this.cfg;
    const T = this.T;
    const alpha = this.hooks.get(`blocks.${l}.attn.hook_pattern`)![(j * T + T - 1) * T + p];
    const v = this.hooks.get(`blocks.${l}.attn.hook_v`)![(p * H + j) * DH + k];
    return alpha * v;
  }

  /** Every value score of method.md section 3. */
  all(): NaiveAttribution {
    const { nLayers: L, dMlp: M, nHeads: H, dHead: DH, dModel: D } = this.cfg;
    const T = this.T;
    const last = T - 1;
    const ffn = new Float64Array(L * M);
    const coefficient = new Float64Array(L * M);
    const attention = new Float64Array(L * H * DH * T);
    const layerAttention = new Float64Array(L);
    const layerFfn = new Float64Array(L);
    const heads = new Float64Array(L * H);
    const headPositions = new Float64Array(L * H * T);
    for (let l = 0; l < L; l++) {
      const pre = this.row(`blocks.${l}.hook_resid_pre`, last);
      const mid = this.row(`blocks.${l}.hook_resid_mid`, last);
      const m = this.row(`blocks.${l}.mlp.hook_post`, last);
      for (let n = 0; n < M; n++) {
        coefficient[l * M + n] = m[n];
        ffn[l * M + n] = this.imp(mid, this.fc2(l, n).map((x) => x * m[n]));
      }
      layerAttention[l] = this.imp(pre, this.row(`blocks.${l}.hook_attn_out`, last));
      layerFfn[l] = this.imp(mid, this.row(`blocks.${l}.hook_mlp_out`, last));
      for (let j = 0; j < H; j++) {
        const head = new Float64Array(D);
        for (let p = 0; p < T; p++) {
          const hp = new Float64Array(D);
          for (let k = 0; k < DH; k++) {
            const v = this.wo(l, j, k).map((x) => x * this.attnCoef(l, j, k, p));
            attention[((l * H + j) * DH + k) * T + p] = this.imp(pre, v);
            for (let i = 0; i < D; i++) hp[i] += v[i];
          }
          headPositions[(l * H + j) * T + p] = this.imp(pre, hp);
          for (let i = 0; i < D; i++) head[i] += hp[i];
        }
        heads[l * H + j] = this.imp(pre, head);
      }
    }
    return { ffn, attention, layerAttention, layerFfn, heads, headPositions, coefficient };
  }

  /** key of attention neuron (l, j, k): HF value weights times ln_1 / input_layernorm weight. */
  attnKey(l: number, j: number, k: number): Float64Array {
    const { dModel: D, nHeads: H, nKvHeads: KV, dHead: DH } = this.cfg;
    const key = new Float64Array(D);
    if (this.gpt2) {
      const w = this.get(`${this.p(l)}.attn.c_attn.weight`); // [D, 3D]
      const g = this.get(`${this.p(l)}.ln_1.weight`);
      for (let i = 0; i < D; i++) key[i] = w[i * 3 * D + 2 * D + j * DH + k] * g[i];
    } else {
      const kv = Math.floor(j / (H / KV));
      const w = this.get(`${this.p(l)}.self_attn.v_proj.weight`); // [KV*DH, D]
      const g = this.get(`${this.p(l)}.input_layernorm.weight`);
      for (let i = 0; i < D; i++) key[i] = w[(kv * DH + k) * D + i] * g[i];
    }
    return key;
  }

  /** key of FFN neuron (l, n): c_fc column (GPT-2) / up_proj row (Llama) times ln_2 weight. */
  ffnKey(l: number, n: number): Float64Array {
    const { dModel: D, dMlp: M } = this.cfg;
    const key = new Float64Array(D);
    if (this.gpt2) {
      const w = this.get(`${this.p(l)}.mlp.c_fc.weight`); // [D, M]
      const g = this.get(`${this.p(l)}.ln_2.weight`);
      for (let i = 0; i < D; i++) key[i] = w[i * M + n] * g[i];
    } else {
      const w = this.get(`${this.p(l)}.mlp.up_proj.weight`); // [M, D]
      const g = this.get(`${this.p(l)}.post_attention_layernorm.weight`);
      for (let i = 0; i < D; i++) key[i] = w[n * D + i] * g[i];
    }
    return key;
  }

  /** FFN query scores s[i * M + n] for attention value neurons units (method.md section 4). */
  ffnQuery(units: readonly { layer: number; head: number; dim: number; position: number; score: number }[]): Float64Array {
    const { nLayers: L, dMlp: M } = this.cfg;
    const s = new Float64Array(L * M);
    for (const u of units) {
      const key = this.attnKey(u.layer, u.head, u.dim);
      const z = dot(this.row(`blocks.${u.layer}.hook_resid_pre`, u.position), key);
      for (let i = 0; i < u.layer; i++) {
        const m = this.row(`blocks.${i}.mlp.hook_post`, u.position);
        for (let n = 0; n < M; n++) s[i * M + n] += (dot(this.fc2(i, n).map((x) => x * m[n]), key) / z) * u.score;
      }
    }
    return s;
  }

  /** Layer-level query scores: { embedding, attention[L], ffn[L] } for FFN or attention units. */
  layerQuery(ffnUnits: readonly { layer: number; neuron: number; score: number }[],
    attnUnits: readonly { layer: number; head: number; dim: number; position: number; score: number }[]) {
    const L = this.cfg.nLayers;
    const run = (units: { layer: number; key: Float64Array; pos: number; withAttn: boolean; score: number }[]) => {
      const acc = { embedding: 0, attention: new Float64Array(L), ffn: new Float64Array(L) };
      for (const u of units) {
        const parts: [string, number, number][] = [['e', 0, dot(this.row('blocks.0.hook_resid_pre', u.pos), u.key)]];
        for (let i = 0; i < u.layer; i++) {
          parts.push(['a', i, dot(this.row(`blocks.${i}.hook_attn_out`, u.pos), u.key)]);
          parts.push(['f', i, dot(this.row(`blocks.${i}.hook_mlp_out`, u.pos), u.key)]);
        }
        if (u.withAttn) parts.push(['a', u.layer, dot(this.row(`blocks.${u.layer}.hook_attn_out`, u.pos), u.key)]);
        const total = parts.reduce((a, p) => a + p[2], 0);
        for (const [kind, i, v] of parts) {
          const share = (v / total) * u.score;
          if (kind === 'e') acc.embedding += share;
          else if (kind === 'a') acc.attention[i] += share;
          else acc.ffn[i] += share;
        }
      }
      return acc;
    };
    return {
      ffnValues: run(ffnUnits.map((u) => ({ layer: u.layer, key: this.ffnKey(u.layer, u.neuron), pos: this.T - 1, withAttn: true, score: u.score }))),
      attentionValues: run(attnUnits.map((u) => ({ layer: u.layer, key: this.attnKey(u.layer, u.head, u.dim), pos: u.position, withAttn: false, score: u.score }))),
    };
  }

  /** Baselines b-h of method.md section 5 for every FFN neuron [L * M]. */
  baselines(): Record<'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h', Float64Array> {
    const { nLayers: L, dMlp: M } = this.cfg;
    const out = { b: [], c: [], d: [], e: [], f: [], g: [], h: [] } as Record<'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h', number[]>;
    for (let l = 0; l < L; l++) {
      const mid = this.row(`blocks.${l}.hook_resid_mid`, this.T - 1);
      const m = this.row(`blocks.${l}.mlp.hook_post`, this.T - 1);
      const before = Math.exp(NaiveAttributor.logProb(this.phi(mid), this.target));
      for (let n = 0; n < M; n++) {
        const fc2 = this.fc2(l, n);
        const v = fc2.map((x) => x * m[n]);
        out.b.push(NaiveAttributor.logProb(this.phi(v), this.target));
        const after = Math.exp(NaiveAttributor.logProb(this.phi(Array.from(mid, (a, i) => a + v[i])), this.target));
        out.c.push(after - before);
        const norm = Math.sqrt(dot(fc2, fc2));
        out.d.push(norm);
        out.e.push(m[n]);
        const z = this.phi(fc2);
        let rank = 1;
        for (const x of z) if (x > z[this.target]) rank++;
        out.f.push(1 / rank);
        out.g.push(Math.abs(m[n]) * norm);
        out.h.push(Math.abs(m[n]) / rank);
      }
    }
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float64Array.from(v)])) as Record<'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h', Float64Array>;
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
