// The part of one sentence's attribution that knowledge maps aggregate: top value neurons (FFN and
// attention), layer and head scores, and top query neurons. Plain JSON, so stored runs can be read back.
import type { AttributionResult } from '../attribution/index.js';

export interface SentenceAttribution {
  readonly id: string;
  readonly knowledgeType: string;
  /** Best first. */
  readonly ffnNeurons: readonly { readonly layer: number; readonly neuron: number; readonly score: number }[];
  /** Best first; position is the source position p. */
  readonly attentionNeurons: readonly { readonly layer: number; readonly head: number; readonly dim: number; readonly position: number; readonly score: number }[];
  /** Layer-level log-prob increase of the attention and FFN outputs, in layer order. */
  readonly layers: readonly { readonly layer: number; readonly attention: number; readonly ffn: number }[];
  readonly heads: readonly { readonly layer: number; readonly head: number; readonly score: number }[];
  /** Best first. */
  readonly queryNeurons: readonly { readonly layer: number; readonly neuron: number; readonly score: number }[];
}

/** Keeps the top `top` neurons of each list of `res` (layers re-sorted into layer order). */
export function compactAttribution(id: string, knowledgeType: string, res: AttributionResult, top = 300): SentenceAttribution {
  return {
    id,
    knowledgeType,
    ffnNeurons: res.ffnNeurons.slice(0, top).map(({ layer, neuron, score }) => ({ layer, neuron, score })),
    attentionNeurons: res.attentionNeurons.slice(0, top).map(({ layer, head, dim, position, score }) => ({ layer, head, dim, position, score })),
    layers: [...res.layers].sort((a, b) => a.layer - b.layer).map(({ layer, attention, ffn }) => ({ layer, attention, ffn })),
    heads: res.heads.map(({ layer, head, score }) => ({ layer, head, score })),
    queryNeurons: res.queryNeurons.slice(0, top).map(({ layer, neuron, score }) => ({ layer, neuron, score })),
  };
}
