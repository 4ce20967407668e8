// Reproducible random draws for the control ablations: a 32-bit FNV-1a hash of a label seeds a
// mulberry32 stream, so a sentence's control neurons depend on (seed, sentence id, condition) only.
import type { ModelConfig } from '../types.js';

/** FNV-1a hash of `text` mixed with `seed` (uint32). */
export function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A uniform [0, 1) generator (mulberry32) seeded with `seed`. */
export function uniformStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct integers drawn uniformly from [0, n), in draw order; count is capped at n. */
export function sampleDistinct(next: () => number, n: number, count: number): number[] {
  const want = Math.min(count, n);
  const seen = new Set<number>();
  const out: number[] = [];
  if (want > n / 2) {
    // Partial Fisher-Yates: dense draws without rejection loops.
    const all = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < want; i++) {
      const j = i + Math.floor(next() * (n - i));
      [all[i], all[j]] = [all[j], all[i]];
      out.push(all[i]);
    }
    return out;
  }
  while (out.length < want) {
    const v = Math.floor(next() * n);
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/** FFN neurons and attention neurons (W_O rows) drawn for a random control. */
export interface RandomNeurons {
  readonly ffn: { layer: number; neuron: number }[];
  readonly attention: { layer: number; head: number; dim: number }[];
}

/**
 * `counts.ffn` distinct FFN neurons and `counts.attention` distinct attention neurons drawn
 * uniformly over the whole model, from one stream seeded by (seed, label).
 */
export function randomNeurons(config: ModelConfig, counts: { readonly ffn: number; readonly attention: number }, seed: number, label: string): RandomNeurons {
  const { nLayers: L, dMlp, nHeads: H, dHead: dh } = config;
  const next = uniformStream(hashSeed(seed, label));
  const ffn = sampleDistinct(next, L * dMlp, counts.ffn).map((i) => ({ layer: Math.floor(i / dMlp), neuron: i % dMlp }));
  const attention = sampleDistinct(next, L * H * dh, counts.attention)
    .map((i) => ({ layer: Math.floor(i / (H * dh)), head: Math.floor((i % (H * dh)) / dh), dim: i % dh }));
  return { ffn, attention };
}
