// Test-only reference forward pass: plain loops in float64 over Hugging Face tensors (HF names and
// layouts, GPT-2 names without `transformer.`), written from HF's modeling code semantics and
// method.md, sharing nothing with engine/. Returns the hooks of engine/types.ts as flat arrays.

export interface HfTensors {
  get(name: string): { readonly shape: readonly number[]; readonly data: Float32Array } | undefined;
}

export interface NaiveConfig {
  readonly architecture: 'gpt2' | 'llama';
  readonly nLayers: number;
  readonly dModel: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly dHead: number;
  readonly dMlp: number;
  readonly dVocab: number;
  readonly eps: number;
  readonly ropeTheta: number;
  /** config.json's rope_scaling as written there (HF keys), or null. */
  readonly ropeScaling?: Readonly<Record<string, unknown>> | null;
  readonly tied: boolean;
}

/**
 * The rotary frequency of pair j (0 <= j < DH/2), following transformers' rope init functions:
 * default theta^(-2j/DH); "linear" divides by factor; "llama3" (_compute_llama3_parameters) keeps
 * high frequencies, divides low ones by factor and blends the band between them.
 */
function ropeFrequency(cfg: NaiveConfig, j: number): number {
  const base = 1 / cfg.ropeTheta ** ((2 * j) / cfg.dHead);
  const sc = cfg.ropeScaling ?? null;
  if (sc === null) return base;
  const kind = sc.rope_type ?? sc.type;
  const factor = sc.factor as number;
  if (kind === 'linear') return base / factor;
  if (kind !== 'llama3') throw new Error(`naive forward: rope type ${String(kind)}`);
  const oldContext = sc.original_max_position_embeddings as number;
  const lowFreqWavelen = oldContext / (sc.low_freq_factor as number);
  const highFreqWavelen = oldContext / (sc.high_freq_factor as number);
  const wavelen = (2 * Math.PI) / base;
  let scaled = wavelen > lowFreqWavelen ? base / factor : base;
  const isMedium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
  if (isMedium) {
    const smooth = (oldContext / wavelen - (sc.low_freq_factor as number)) / ((sc.high_freq_factor as number) - (sc.low_freq_factor as number));
    scaled = (1 - smooth) * (scaled / factor) + smooth * scaled;
  }
  return scaled;
}

export interface NaiveMasks {
  readonly ffn?: ReadonlyMap<number, Float32Array>;
  readonly attn?: ReadonlyMap<number, Float32Array>;
}

/** Hook name -> values (row-major, shapes as in engine/types.ts). */
export type NaiveHooks = Map<string, Float64Array>;

export function naiveForward(cfg: NaiveConfig, w: HfTensors, ids: readonly number[], masks: NaiveMasks = {}): NaiveHooks {
  const T = ids.length;
  const { dModel: D, nHeads: H, nKvHeads: KV, dHead: DH, dMlp: M, dVocab: V } = cfg;
  const gpt2 = cfg.architecture === 'gpt2';
  const get = (name: string): Float32Array => {
    const t = w.get(name);
    if (!t) throw new Error(`naive forward: missing ${name}`);
    return t.data;
  };
  const opt = (name: string): Float32Array | null => w.get(name)?.data ?? null;
  const hooks: NaiveHooks = new Map();

  let h = new Float64Array(T * D);
  const wte = get(gpt2 ? 'wte.weight' : 'model.embed_tokens.weight');
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < D; i++) {
      h[t * D + i] = wte[ids[t] * D + i] + (gpt2 ? get('wpe.weight')[t * D + i] : 0);
    }
  }

  const norm = (x: Float64Array, weight: Float32Array, bias: Float32Array | null): Float64Array => {
    const y = new Float64Array(T * D);
    for (let t = 0; t < T; t++) {
      const row = x.subarray(t * D, (t + 1) * D);
      if (gpt2) {
        let mean = 0;
        for (let i = 0; i < D; i++) mean += row[i] / D;
        let variance = 0;
        for (let i = 0; i < D; i++) variance += (row[i] - mean) ** 2 / D;
        for (let i = 0; i < D; i++) y[t * D + i] = ((row[i] - mean) / Math.sqrt(variance + cfg.eps)) * weight[i] + bias![i];
      } else {
        let ms = 0;
        for (let i = 0; i < D; i++) ms += row[i] * row[i] / D;
        for (let i = 0; i < D; i++) y[t * D + i] = (row[i] / Math.sqrt(ms + cfg.eps)) * weight[i];
      }
    }
    return y;
  };
  // y[t, o] = sum_i x[t, i] W[i, o] (Conv1D, [in, out]) or W[o, i] (nn.Linear, [out, in]).
  const linear = (x: Float64Array, inDim: number, outDim: number, weight: Float32Array, bias: Float32Array | null, conv1d: boolean): Float64Array => {
    const y = new Float64Array(T * outDim);
    for (let t = 0; t < T; t++) {
      for (let o = 0; o < outDim; o++) {
        let s = bias ? bias[o] : 0;
        for (let i = 0; i < inDim; i++) s += x[t * inDim + i] * (conv1d ? weight[i * outDim + o] : weight[o * inDim + i]);
        y[t * outDim + o] = s;
      }
    }
    return y;
  };

  for (let l = 0; l < cfg.nLayers; l++) {
    const b = `blocks.${l}`;
    const p = gpt2 ? `h.${l}` : `model.layers.${l}`;
    hooks.set(`${b}.hook_resid_pre`, h.slice());
    const x = gpt2 ? norm(h, get(`${p}.ln_1.weight`), get(`${p}.ln_1.bias`)) : norm(h, get(`${p}.input_layernorm.weight`), null);
    hooks.set(`${b}.ln1.hook_normalized`, x);

    let q: Float64Array, k: Float64Array, v: Float64Array; // [T, heads*DH]
    if (gpt2) {
      const qkv = linear(x, D, 3 * D, get(`${p}.attn.c_attn.weight`), get(`${p}.attn.c_attn.bias`), true);
      q = new Float64Array(T * D); k = new Float64Array(T * D); v = new Float64Array(T * D);
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < D; i++) {
          q[t * D + i] = qkv[t * 3 * D + i];
          k[t * D + i] = qkv[t * 3 * D + D + i];
          v[t * D + i] = qkv[t * 3 * D + 2 * D + i];
        }
      }
    } else {
      const a = `${p}.self_attn`;
      q = linear(x, D, H * DH, get(`${a}.q_proj.weight`), opt(`${a}.q_proj.bias`), false);
      k = linear(x, D, KV * DH, get(`${a}.k_proj.weight`), opt(`${a}.k_proj.bias`), false);
      v = linear(x, D, KV * DH, get(`${a}.v_proj.weight`), opt(`${a}.v_proj.bias`), false);
      // HF apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1).
      const rope = (arr: Float64Array, heads: number): void => {
        const half = DH / 2;
        for (let t = 0; t < T; t++) {
          for (let hh = 0; hh < heads; hh++) {
            const base = t * heads * DH + hh * DH;
            const old = arr.slice(base, base + DH);
            for (let j = 0; j < DH; j++) {
              const freq = ropeFrequency(cfg, j % half);
              const rot = j < half ? -old[j + half] : old[j - half];
              arr[base + j] = old[j] * Math.cos(t * freq) + rot * Math.sin(t * freq);
            }
          }
        }
      };
      rope(q, H);
      rope(k, KV);
    }
    const kvOf = (head: number): number => Math.floor(head / (H / KV));
    const kvStride = gpt2 ? D : KV * DH;
    const vHook = new Float64Array(T * H * DH);
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < H; hh++) {
        for (let j = 0; j < DH; j++) vHook[(t * H + hh) * DH + j] = v[t * kvStride + kvOf(hh) * DH + j];
      }
    }
    hooks.set(`${b}.attn.hook_v`, vHook);
    const pattern = new Float64Array(H * T * T);
    for (let hh = 0; hh < H; hh++) {
      for (let t = 0; t < T; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let j = 0; j < DH; j++) dot += q[t * H * DH + hh * DH + j] * k[s * kvStride + kvOf(hh) * DH + j];
          scores.push(dot / Math.sqrt(DH));
        }
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const sum = exps.reduce((a, c) => a + c, 0);
        exps.forEach((e, s) => { pattern[(hh * T + t) * T + s] = e / sum; });
      }
    }
    hooks.set(`${b}.attn.hook_pattern`, pattern);
    const headMask = masks.attn?.get(l);
    const z = new Float64Array(T * H * DH); // [T, H*DH], the input of c_proj / o_proj
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < H; hh++) {
        for (let j = 0; j < DH; j++) {
          let s = 0;
          for (let src = 0; src <= t; src++) s += pattern[(hh * T + t) * T + src] * vHook[(src * H + hh) * DH + j];
          z[t * H * DH + hh * DH + j] = s * (headMask ? headMask[hh * DH + j] : 1);
        }
      }
    }
    const wvl = new Float64Array(H * T * DH);
    for (let hh = 0; hh < H; hh++) {
      for (let src = 0; src < T; src++) {
        for (let j = 0; j < DH; j++) {
          wvl[(hh * T + src) * DH + j] = pattern[(hh * T + T - 1) * T + src] * vHook[(src * H + hh) * DH + j] * (headMask ? headMask[hh * DH + j] : 1);
        }
      }
    }
    hooks.set(`${b}.attn.hook_weighted_v_last`, wvl);
    const attnOut = gpt2
      ? linear(z, D, D, get(`${p}.attn.c_proj.weight`), get(`${p}.attn.c_proj.bias`), true)
      : linear(z, H * DH, D, get(`${p}.self_attn.o_proj.weight`), opt(`${p}.self_attn.o_proj.bias`), false);
    hooks.set(`${b}.hook_attn_out`, attnOut);
    const mid = h.map((val, i) => val + attnOut[i]);
    hooks.set(`${b}.hook_resid_mid`, mid);
    const x2 = gpt2 ? norm(mid, get(`${p}.ln_2.weight`), get(`${p}.ln_2.bias`)) : norm(mid, get(`${p}.post_attention_layernorm.weight`), null);
    hooks.set(`${b}.ln2.hook_normalized`, x2);
    let post: Float64Array;
    if (gpt2) {
      const pre = linear(x2, D, M, get(`${p}.mlp.c_fc.weight`), get(`${p}.mlp.c_fc.bias`), true);
      post = pre.map((u) => 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u ** 3))));
    } else {
      const gate = linear(x2, D, M, get(`${p}.mlp.gate_proj.weight`), opt(`${p}.mlp.gate_proj.bias`), false);
      const up = linear(x2, D, M, get(`${p}.mlp.up_proj.weight`), opt(`${p}.mlp.up_proj.bias`), false);
      post = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
    }
    const ffnMask = masks.ffn?.get(l);
    if (ffnMask) post = post.map((val, i) => val * ffnMask[i % M]);
    hooks.set(`${b}.mlp.hook_post`, post);
    const mlpOut = gpt2
      ? linear(post, M, D, get(`${p}.mlp.c_proj.weight`), get(`${p}.mlp.c_proj.bias`), true)
      : linear(post, M, D, get(`${p}.mlp.down_proj.weight`), opt(`${p}.mlp.down_proj.bias`), false);
    hooks.set(`${b}.hook_mlp_out`, mlpOut);
    h = mid.map((val, i) => val + mlpOut[i]);
    hooks.set(`${b}.hook_resid_post`, h);
  }
  const xf = gpt2 ? norm(h, get('ln_f.weight'), get('ln_f.bias')) : norm(h, get('model.norm.weight'), null);
  hooks.set('ln_final.hook_normalized', xf);
  const unembed = cfg.tied ? wte : get('lm_head.weight');
  hooks.set('logits', linear(xf, D, V, unembed, null, false));
  return hooks;
}
