// Builds the whole-model ONNX graph of one checkpoint: weights are graph inputs under their
// canonical names (bound zero-copy at run time), every TransformerLens hook is a graph output.
// Inputs per run: input_ids int64 [T], causal_mask [T, T] (0 / -inf), positions int64 [T] (gpt2),
// rope_cos / rope_sin [T, dHead] (llama), ffn_mask.{l} [dMlp], attn_mask.{l} [nHeads*dHead].
import { OpBuilder } from '../onnx/op-builder.js';
import type { ModelConfig } from '../types.js';

export const INPUT_IDS = 'input_ids';
export const CAUSAL_MASK = 'causal_mask';
export const POSITIONS = 'positions';
export const ROPE_COS = 'rope_cos';
export const ROPE_SIN = 'rope_sin';
export const ffnMaskInput = (l: number): string => `ffn_mask.${l}`;
export const attnMaskInput = (l: number): string => `attn_mask.${l}`;

/** Hook names the graph outputs for layer `l`, in graph order. */
export function layerHookNames(l: number): string[] {
  const b = `blocks.${l}`;
  return [
    `${b}.hook_resid_pre`, `${b}.ln1.hook_normalized`, `${b}.attn.hook_v`, `${b}.attn.hook_pattern`,
    `${b}.attn.hook_weighted_v_last`, `${b}.hook_attn_out`, `${b}.hook_resid_mid`, `${b}.ln2.hook_normalized`,
    `${b}.mlp.hook_post`, `${b}.hook_mlp_out`, `${b}.hook_resid_post`,
  ];
}

/** Every hook name of a model, layer by layer, then `ln_final.hook_normalized` and `logits`. */
export function allHookNames(cfg: ModelConfig): string[] {
  const names: string[] = [];
  for (let l = 0; l < cfg.nLayers; l++) names.push(...layerHookNames(l));
  names.push('ln_final.hook_normalized', 'logits');
  return names;
}

/** Canonical weight names the graph takes as inputs, with shapes (see engine/types.ts). */
export function graphWeightShapes(cfg: ModelConfig): Map<string, number[]> {
  const { dModel: d, dMlp, nHeads, nKvHeads, dHead, dVocab, nCtx } = cfg;
  const w = new Map<string, number[]>([['embed.W_E', [dVocab, d]]]);
  if (cfg.architecture === 'gpt2') w.set('pos_embed.W_pos', [nCtx, d]);
  const layernorm = cfg.norm === 'layernorm';
  for (let l = 0; l < cfg.nLayers; l++) {
    const b = `blocks.${l}`;
    w.set(`${b}.ln1.w`, [d]);
    if (layernorm) w.set(`${b}.ln1.b`, [d]);
    w.set(`${b}.attn.W_Q`, [nHeads, d, dHead]).set(`${b}.attn.b_Q`, [nHeads, dHead]);
    w.set(`${b}.attn.W_K`, [nKvHeads, d, dHead]).set(`${b}.attn.b_K`, [nKvHeads, dHead]);
    w.set(`${b}.attn.W_V`, [nKvHeads, d, dHead]).set(`${b}.attn.b_V`, [nKvHeads, dHead]);
    w.set(`${b}.attn.W_O`, [nHeads, dHead, d]).set(`${b}.attn.b_O`, [d]);
    w.set(`${b}.ln2.w`, [d]);
    if (layernorm) w.set(`${b}.ln2.b`, [d]);
    w.set(`${b}.mlp.W_in`, [d, dMlp]).set(`${b}.mlp.b_in`, [dMlp]);
    if (cfg.act === 'silu') w.set(`${b}.mlp.W_gate`, [d, dMlp]).set(`${b}.mlp.b_gate`, [dMlp]);
    w.set(`${b}.mlp.W_out`, [dMlp, d]).set(`${b}.mlp.b_out`, [d]);
  }
  w.set('ln_final.w', [d]);
  if (layernorm) w.set('ln_final.b', [d]);
  w.set('unembed.W_U', [dVocab, d]);
  return w;
}

/** Serialised ONNX model computing the instrumented forward pass of `cfg`. */
export function buildForwardGraph(cfg: ModelConfig): Uint8Array {
  const g = new OpBuilder(`forward_${cfg.architecture}`);
  const { dMlp, nHeads, nKvHeads, dHead } = cfg;
  for (const [name, shape] of graphWeightShapes(cfg)) g.input(name, 'float32', shape);
  const ids = g.input(INPUT_IDS, 'int64', ['T']);
  const mask = g.input(CAUSAL_MASK, 'float32', ['T', 'T']);
  const i64 = (values: number[]): string => g.constant('int64', [values.length], values, 'shape');
  const f32 = (value: number): string => g.constant('float32', [], [value], 'scalar');
  const axes0 = i64([0]);
  const axes1 = i64([1]);

  const norm = (x: string, w: string, b: string | null, out: string): string => {
    if (cfg.norm === 'layernorm') {
      return g.op('LayerNormalization', [x, w, b!], { axis: -1, epsilon: { float: cfg.normEps } }, out); // layernorm always has a bias
    }
    const ms = g.op('ReduceMean', [g.op('Mul', [x, x]), i64([-1])], { keepdims: 1 });
    const rms = g.op('Sqrt', [g.op('Add', [ms, f32(cfg.normEps)])]);
    return g.op('Mul', [g.op('Div', [x, rms]), w], {}, out);
  };

  let rope: ((x: string) => string) | null = null;
  if (cfg.ropeTheta !== null) {
    const cos = g.input(ROPE_COS, 'float32', ['T', dHead]);
    const sin = g.input(ROPE_SIN, 'float32', ['T', dHead]);
    // rotate_half(x) = cat(-x[half:], x[:half]) = x @ R (HF Llama convention).
    const half = dHead / 2;
    const r = new Float32Array(dHead * dHead);
    for (let j = 0; j < half; j++) {
      r[(j + half) * dHead + j] = -1;
      r[j * dHead + j + half] = 1;
    }
    const rot = g.constant('float32', [dHead, dHead], r, 'rotate_half');
    rope = (x) => g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [g.op('MatMul', [x, rot]), sin])]);
  }

  // Embeddings: [T, d].
  let resid = g.op('Gather', ['embed.W_E', ids], { axis: 0 });
  if (cfg.architecture === 'gpt2') {
    const pos = g.input(POSITIONS, 'int64', ['T']);
    resid = g.op('Add', [resid, g.op('Gather', ['pos_embed.W_pos', pos], { axis: 0 })]);
  }
  const group = nHeads / nKvHeads;
  const headMaskShape = i64([nHeads, 1, dHead]);

  for (let l = 0; l < cfg.nLayers; l++) {
    const b = `blocks.${l}`;
    const hook = (name: string): string => `${b}.${name}`;
    const pre = g.op('Identity', [resid], {}, hook('hook_resid_pre'));
    const x = norm(pre, `${b}.ln1.w`, `${b}.ln1.b`, hook('ln1.hook_normalized'));

    // Projections: [T, d] @ [n, d, dHead] -> [n, T, dHead], plus bias [n, 1, dHead].
    const project = (which: 'Q' | 'K' | 'V'): string =>
      g.op('Add', [g.op('MatMul', [x, `${b}.attn.W_${which}`]), g.op('Unsqueeze', [`${b}.attn.b_${which}`, axes1])]);
    let q = project('Q');
    let k = project('K');
    let v = project('V');
    if (rope) {
      q = rope(q);
      k = rope(k);
    }
    if (group > 1) {
      // repeat_kv: query head h reads kv head floor(h / group).
      const repeat = (t: string): string => g.op('Reshape', [
        g.op('Expand', [g.op('Unsqueeze', [t, axes1]), i64([1, group, 1, 1])]), i64([nHeads, -1, dHead]),
      ]);
      k = repeat(k);
      v = repeat(v);
    }
    g.op('Transpose', [v], { perm: [1, 0, 2] }, hook('attn.hook_v'));
    const scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 2, 1] })]), f32(1 / Math.sqrt(dHead))]);
    const pattern = g.op('Softmax', [g.op('Add', [scores, mask])], { axis: -1 }, hook('attn.hook_pattern'));
    const headMask = g.op('Reshape', [attnMaskInputDecl(g, l, nHeads * dHead), headMaskShape]);
    // z = pattern @ v: [nH, T, dHead], masked per (head, dim) before W_O.
    const z = g.op('Mul', [g.op('MatMul', [pattern, v]), headMask]);
    const lastRow = g.op('Slice', [pattern, i64([-1]), i64([Number.MAX_SAFE_INTEGER]), axes1]);
    g.op('Mul', [g.op('Mul', [g.op('Transpose', [lastRow], { perm: [0, 2, 1] }), v]), headMask], {}, hook('attn.hook_weighted_v_last'));
    const perHead = g.op('MatMul', [z, `${b}.attn.W_O`]); // [nH, T, d]
    const attnOut = g.op('Add', [g.op('ReduceSum', [perHead, axes0], { keepdims: 0 }), `${b}.attn.b_O`], {}, hook('hook_attn_out'));
    const mid = g.op('Add', [pre, attnOut], {}, hook('hook_resid_mid'));

    const x2 = norm(mid, `${b}.ln2.w`, `${b}.ln2.b`, hook('ln2.hook_normalized'));
    const up = g.op('Add', [g.op('MatMul', [x2, `${b}.mlp.W_in`]), `${b}.mlp.b_in`]);
    let act: string;
    if (cfg.act === 'gelu_new') {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const cube = g.op('Mul', [g.op('Mul', [up, up]), up]);
      const inner = g.op('Mul', [g.op('Add', [up, g.op('Mul', [cube, f32(0.044715)])]), f32(Math.sqrt(2 / Math.PI))]);
      act = g.op('Mul', [g.op('Mul', [up, f32(0.5)]), g.op('Add', [g.op('Tanh', [inner]), f32(1)])]);
    } else {
      const gate = g.op('Add', [g.op('MatMul', [x2, `${b}.mlp.W_gate`]), `${b}.mlp.b_gate`]);
      act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    }
    const post = g.op('Mul', [act, g.input(ffnMaskInput(l), 'float32', [dMlp])], {}, hook('mlp.hook_post'));
    const mlpOut = g.op('Add', [g.op('MatMul', [post, `${b}.mlp.W_out`]), `${b}.mlp.b_out`], {}, hook('hook_mlp_out'));
    resid = g.op('Add', [mid, mlpOut], {}, hook('hook_resid_post'));
  }
  const final = norm(resid, 'ln_final.w', 'ln_final.b', 'ln_final.hook_normalized');
  g.op('Gemm', [final, 'unembed.W_U'], { transB: 1 }, 'logits');
  for (const name of allHookNames(cfg)) g.output(name);
  return g.build();
}

function attnMaskInputDecl(g: OpBuilder, l: number, size: number): string {
  return g.input(attnMaskInput(l), 'float32', [size]);
}
