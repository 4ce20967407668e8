// ONNX graphs projecting residual-space rows onto the vocabulary through a bound W_U [V, d]
// (Gemm with transB, so the checkpoint's [dVocab, dModel] buffer is used as is). Outputs are
// float32 (OnnxSession's contract); log-sum-exp work runs in float64 inside the graph.
import { encodeModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, type NodeProto } from './graph-builder.js';

const DOUBLE = 11;
const FLOAT = 1;

function model(name: string, nodes: NodeProto[], inputs: Parameters<typeof makeGraph>[2], outputs: string[], axes1 = true): Uint8Array {
  const inits = axes1 ? [makeTensor('axis1', 'int64', [1], [1])] : [];
  const outs = outputs.map((o) => makeValueInfo(o, 'float32', []));
  for (const o of outs) if (o.type?.tensorType) o.type.tensorType.shape = null;
  return encodeModel(makeModel(makeGraph(name, nodes, inputs, outs, inits)));
}

/** U [K, d] -> D [K, V] = U W_U^T. */
export function projectGraph(dVocab: number, dModel: number): Uint8Array {
  return model('vocab_project', [makeNode('Gemm', ['U', 'W_U'], ['D'], { transB: 1 })],
    [makeValueInfo('U', 'float32', ['K', dModel]), makeValueInfo('W_U', 'float32', [dVocab, dModel])], ['D'], false);
}

/** E [R, V] -> E W_U [R, d] (e.g. W_U^T P for a batch of distributions). */
export function backProjectGraph(dVocab: number, dModel: number): Uint8Array {
  return model('vocab_back_project', [makeNode('MatMul', ['E', 'W_U'], ['Y'])],
    [makeValueInfo('E', 'float32', ['R', dVocab]), makeValueInfo('W_U', 'float32', [dVocab, dModel])], ['Y'], false);
}

/**
 * Log-prob increase of scaled directions: with D = U W_U^T [K, V], for each row r
 *   score[r] = c[r] D[rows[r], w] - logsumexp_t(logP[base[r], t] + c[r] D[rows[r], t])
 * (method.md section 3's identity, no cancellation). Inputs: U [K, d], rows [R] int64, base [R]
 * int64, c [R], logP [B, V], target [1] int64. Output score [R]. The max-shifted exponentials are
 * float32 (relative error ~1e-7 each) and summed in float64, so the logsumexp carries no
 * float32 summation error over the 50k-term vocabulary.
 */
export function scoreGraph(dVocab: number, dModel: number): Uint8Array {
  const nodes = [
    makeNode('Gemm', ['U', 'W_U'], ['D'], { transB: 1 }),
    makeNode('Gather', ['D', 'rows'], ['G'], { axis: 0 }),
    makeNode('Unsqueeze', ['c', 'axis1'], ['c2']),
    makeNode('Mul', ['G', 'c2'], ['S']),
    makeNode('Gather', ['logP', 'base'], ['LP'], { axis: 0 }),
    makeNode('Add', ['S', 'LP'], ['X']),
    makeNode('ReduceMax', ['X', 'axis1'], ['M'], { keepdims: 1 }),
    makeNode('Sub', ['X', 'M'], ['Xs']),
    makeNode('Exp', ['Xs'], ['E']),
    makeNode('Cast', ['E'], ['Ed'], { to: DOUBLE }),
    makeNode('ReduceSum', ['Ed', 'axis1'], ['sum'], { keepdims: 1 }),
    makeNode('Log', ['sum'], ['logSum']),
    makeNode('Cast', ['M'], ['Md'], { to: DOUBLE }),
    makeNode('Add', ['logSum', 'Md'], ['lse']),
    makeNode('Gather', ['S', 'target'], ['Sw'], { axis: 1 }),
    makeNode('Cast', ['Sw'], ['Swd'], { to: DOUBLE }),
    makeNode('Sub', ['Swd', 'lse'], ['scored2']),
    makeNode('Squeeze', ['scored2', 'axis1'], ['scored']),
    makeNode('Cast', ['scored'], ['score'], { to: FLOAT }),
  ];
  return model('vocab_score', nodes, [
    makeValueInfo('U', 'float32', ['K', dModel]),
    makeValueInfo('W_U', 'float32', [dVocab, dModel]),
    makeValueInfo('rows', 'int64', ['R']),
    makeValueInfo('base', 'int64', ['R']),
    makeValueInfo('c', 'float32', ['R']),
    makeValueInfo('logP', 'float32', ['B', dVocab]),
    makeValueInfo('target', 'int64', [1]),
  ], ['score']);
}

/**
 * Top and bottom k logits of each projected row: U [K, d], k [1] int64 -> topValues, topIndices,
 * bottomValues, bottomIndices [K, k] (indices as float32, exact below 2^24).
 */
export function topKGraph(dVocab: number, dModel: number): Uint8Array {
  const nodes = [
    makeNode('Gemm', ['U', 'W_U'], ['D'], { transB: 1 }),
    makeNode('TopK', ['D', 'k'], ['topValues', 'topIdx'], { axis: 1, largest: 1, sorted: 1 }),
    makeNode('TopK', ['D', 'k'], ['bottomValues', 'bottomIdx'], { axis: 1, largest: 0, sorted: 1 }),
    makeNode('Cast', ['topIdx'], ['topIndices'], { to: FLOAT }),
    makeNode('Cast', ['bottomIdx'], ['bottomIndices'], { to: FLOAT }),
  ];
  return model('vocab_top_k', nodes, [
    makeValueInfo('U', 'float32', ['K', dModel]),
    makeValueInfo('W_U', 'float32', [dVocab, dModel]),
    makeValueInfo('k', 'int64', [1]),
  ], ['topValues', 'topIndices', 'bottomValues', 'bottomIndices'], false);
}

/** How many logits exceed the target's, per row: U [K, d], target [1] int64 -> above [K]. */
export function rankGraph(dVocab: number, dModel: number): Uint8Array {
  const nodes = [
    makeNode('Gemm', ['U', 'W_U'], ['D'], { transB: 1 }),
    makeNode('Gather', ['D', 'target'], ['Dw'], { axis: 1 }),
    makeNode('Greater', ['D', 'Dw'], ['gt']),
    makeNode('Cast', ['gt'], ['gtf'], { to: FLOAT }),
    makeNode('ReduceSum', ['gtf', 'axis1'], ['above'], { keepdims: 0 }),
  ];
  return model('vocab_rank', nodes, [
    makeValueInfo('U', 'float32', ['K', dModel]),
    makeValueInfo('W_U', 'float32', [dVocab, dModel]),
    makeValueInfo('target', 'int64', [1]),
  ], ['above']);
}

/** A [M, d] x B [N, d]^T -> Y [M, N] (both fed per run). */
export function rowDotGraph(dModel: number): Uint8Array {
  return model('row_dot', [makeNode('Gemm', ['A', 'B'], ['Y'], { transB: 1 })],
    [makeValueInfo('A', 'float32', ['M', dModel]), makeValueInfo('B', 'float32', ['N', dModel])], ['Y'], false);
}
