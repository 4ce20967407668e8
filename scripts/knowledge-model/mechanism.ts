// Plants the knowledge mechanism into random GPT-2-style weights (see README.md beside this file):
// layer 0 FFN query neurons write subject identity / relation codes at the subject and keyword
// positions, a layer-1 relation head and layer-2 mover heads carry them to the last position,
// layer-2/3 FFN value neurons (AND of subject identity and relation code) write the answer.
// Thresholds of the value neurons are calibrated on the dataset with the reference forward.
import { makeRng, type Rng } from '../lib/rng.js';
import type { SubjectGroup } from './facts.js';
import type { Gpt2Block, Gpt2Shape, Gpt2Weights } from './gpt2-weights.js';
import type { FactPlan } from './plan.js';
import { normalizeRow } from './reference-forward.js';

export const KNOWLEDGE_MODEL_SHAPE: Gpt2Shape = {
  nLayers: 4, dModel: 256, nHeads: 8, dMlp: 1024, nCtx: 128, dVocab: 50257,
};

export interface NeuronRef { readonly layer: number; readonly neuron: number }
export interface HeadRef { readonly layer: number; readonly head: number }

/** Per fact: where the planted mechanism keeps it. */
export interface FactTruth {
  readonly valueNeuron: NeuronRef;
  /** The subject's query neuron (layer 0 FFN, fires at the subject's last token). */
  readonly queryNeuron: NeuronRef;
  /** The mover head that reads the subject's identity and its head dimension. */
  readonly head: HeadRef;
  readonly headDim: number;
  /** A neuron keyed like the value neuron that writes against the answer (every 4th fact). */
  readonly suppressor: NeuronRef | null;
  /** Calibration margin of the value neuron's key (own prompts' minimum minus others' maximum). */
  readonly margin: number;
}

export interface Mechanism {
  readonly weights: Gpt2Weights;
  /** Layers whose value neurons still need calibration. */
  readonly valueLayers: readonly number[];
  /**
   * Sets the value neurons' and suppressors' keys from r[l] at the last position of every prompt
   * (layer -> [prompt] -> [d], measured with those neurons silent). Fills FactTruth.margin.
   */
  calibrate(midAtLast: ReadonlyMap<number, readonly Float32Array[]>): void;
  readonly facts: readonly FactTruth[];
  readonly relationHead: HeadRef;
  readonly groupHeads: Readonly<Record<SubjectGroup, readonly HeadRef[]>>;
  readonly keywordNeurons: ReadonlyMap<number, NeuronRef>;
  readonly confounders: {
    readonly highNorm: readonly NeuronRef[];
    readonly largeCoefficient: readonly NeuronRef[];
    readonly suppressors: readonly NeuronRef[];
  };
}

const SIGMA_E = 0.1;
const SIGMA_POS = 0.02;
const SIGMA_W = 0.02;
const DETECT_GAIN = 0.8;
const DETECT_COS = 0.5;
const CODE_WRITE = 0.5;
const QUERY_BIAS = 3;
const KEY_GAIN = 1.8;
const MOVE_V = 0.35;
const MOVE_O = 1;
const HEAD_ANSWER = 0.5;
const REL_V = 0.3;
const REL_O = 1;
const VALUE_WRITE = 3;
const VALUE_PRE = 3;
const SUPPRESS_PRE = 4.5;
const SUPPRESS_WRITE = 0.3;
const CONFOUNDERS_PER_LAYER = 6;

const RELATION_HEAD: HeadRef = { layer: 1, head: 5 };
const MOVER_LAYER = 2;
const GROUP_HEADS: Record<SubjectGroup, number[]> = { geo: [1, 4, 6], color: [2], number: [7], month: [0] };
const VALUE_LAYER: Record<SubjectGroup, number> = { geo: 3, color: 2, number: 2, month: 2 };

/**
 * Plants the mechanism for `plan` into seeded random weights. Value neurons are silent until
 * `calibrate` is called with measured residuals (same seed, plan and measurements: same weights).
 */
export function buildMechanism(plan: FactPlan, seed: number): Mechanism {
  const shape = KNOWLEDGE_MODEL_SHAPE;
  const { dModel: d, dMlp, nHeads } = shape;
  const dh = d / nHeads;
  const rng = makeRng(seed);
  const w = randomWeights(shape, rng);

  const dirs = orthonormal(plan.subjects.length + plan.codes.length + 5, d, rng);
  const idDir = (s: number): Float32Array => dirs[s];
  const relDir = (c: number): Float32Array => dirs[plan.subjects.length + c];
  const groups: SubjectGroup[] = ['geo', 'color', 'number', 'month'];
  const markDir = (g: SubjectGroup): Float32Array => dirs[plan.subjects.length + plan.codes.length + groups.indexOf(g)];
  const keywordMark = dirs[plan.subjects.length + plan.codes.length + 4];
  const tokenDir = (id: number): Float32Array => centredUnit(w.wte.subarray(id * d, (id + 1) * d));
  const answerIds = [...new Set(plan.facts.map((f) => f.answerId))];
  const answerBasis = gramSchmidt(answerIds.map(tokenDir));
  const irrelevant = (): Float32Array => orthogonalTo(gaussian(d, rng), answerBasis);

  const free = w.blocks.map(() => shuffled(dMlp, rng));
  const take = (layer: number): NeuronRef => {
    const neuron = free[layer].pop();
    if (neuron === undefined) throw new Error(`layer ${layer}: no free FFN neuron`);
    return { layer, neuron };
  };

  // Layer 0 FFN: detectors of subject and keyword tokens (the query neurons).
  const detector = (tokenId: number, write: Float32Array): NeuronRef => {
    const ref = take(0);
    const b = w.blocks[0];
    setKey(b, ref.neuron, tokenDir(tokenId), DETECT_GAIN, -DETECT_GAIN * Math.sqrt(d) * DETECT_COS, dMlp);
    setValue(b, ref.neuron, write, d);
    return ref;
  };
  const queryNeurons = plan.subjects.map((s) => detector(s.tokenId, add(scale(idDir(s.index), CODE_WRITE), scale(markDir(s.group), CODE_WRITE))));
  const keywordNeurons = new Map<number, NeuronRef>();
  for (const [tokenId, code] of plan.keywords) {
    keywordNeurons.set(tokenId, detector(tokenId, add(scale(relDir(code), CODE_WRITE), scale(keywordMark, CODE_WRITE))));
  }

  // Layer 1: the relation head copies the relation code from the keyword to later positions.
  const rb = w.blocks[RELATION_HEAD.layer];
  plantAttention(rb, RELATION_HEAD.head, keywordMark, d, dh);
  plan.codes.forEach((_, c) => plantHeadDim(rb, RELATION_HEAD.head, c, relDir(c), REL_V, scale(relDir(c), REL_O), d, dh));

  // Layer 2: mover heads per subject group, one head dimension per subject.
  const mb = w.blocks[MOVER_LAYER];
  const groupHeads = Object.fromEntries(groups.map((g) => [g, GROUP_HEADS[g].map((head) => ({ layer: MOVER_LAYER, head }))])) as Record<SubjectGroup, HeadRef[]>;
  for (const g of groups) for (const head of GROUP_HEADS[g]) plantAttention(mb, head, markDir(g), d, dh);
  const slot = new Map<number, { head: number; dim: number }>();
  for (const g of groups) {
    const members = plan.subjects.filter((s) => s.group === g);
    const heads = GROUP_HEADS[g];
    members.forEach((s, i) => {
      const head = heads[i % heads.length];
      const dim = Math.floor(i / heads.length);
      if (dim >= dh) throw new Error(`group ${g}: too many subjects for ${heads.length} heads`);
      slot.set(s.index, { head, dim });
      let out = scale(idDir(s.index), MOVE_O);
      for (const f of plan.facts) if (f.subject === s.index) out = add(out, scale(tokenDir(f.answerId), HEAD_ANSWER));
      plantHeadDim(mb, head, dim, idDir(s.index), MOVE_V, out, d, dh);
    });
  }

  // Layers 2-3 FFN: value neurons, suppressors and confounders (keys calibrated below).
  const valueRefs = plan.facts.map((f) => take(VALUE_LAYER[plan.subjects[f.subject].group]));
  const suppressorRefs = plan.facts.map((f, i) => (i % 4 === 3 ? take(VALUE_LAYER[plan.subjects[f.subject].group]) : null));
  plan.facts.forEach((f, i) => {
    setValue(w.blocks[valueRefs[i].layer], valueRefs[i].neuron, scale(tokenDir(f.answerId), VALUE_WRITE), d);
    const sup = suppressorRefs[i];
    if (sup) setValue(w.blocks[sup.layer], sup.neuron, add(scale(tokenDir(f.answerId), -SUPPRESS_WRITE), scale(irrelevant(), 0.5)), d);
  });
  const highNorm: NeuronRef[] = [];
  const largeCoefficient: NeuronRef[] = [];
  const answerSet = new Set(answerIds);
  for (const layer of [2, 3]) {
    const b = w.blocks[layer];
    for (let i = 0; i < CONFOUNDERS_PER_LAYER; i++) {
      let token = rng.int(shape.dVocab - 1);
      while (answerSet.has(token)) token = rng.int(shape.dVocab - 1);
      const hn = take(layer);
      setKey(b, hn.neuron, gaussian(d, rng), 0.001, 0.1, dMlp);
      setValue(b, hn.neuron, scale(tokenDir(token), 6), d);
      highNorm.push(hn);
      const lc = take(layer);
      setKey(b, lc.neuron, gaussian(d, rng), 0.002, 12, dMlp);
      setValue(b, lc.neuron, scale(irrelevant(), 0.06), d);
      largeCoefficient.push(lc);
    }
  }

  const margins = new Array<number>(plan.facts.length).fill(0);
  // Until calibrated, value neurons and suppressors stay silent (gelu(-10) ~ 0).
  for (const ref of [...valueRefs, ...suppressorRefs]) if (ref) w.blocks[ref.layer].fcB[ref.neuron] = -10;
  const calibrateLayer = (layer: number, zs: readonly Float32Array[]): void => {
    plan.facts.forEach((f, i) => {
      if (valueRefs[i].layer !== layer) return;
      const dir = add(idDir(f.subject), relDir(f.code));
      const own = plan.prompts.filter((p) => p.fact === i).map((p) => p.index);
      const cal = calibrate(dir, zs, own);
      margins[i] = cal.margin;
      applyKey(w.blocks[layer], valueRefs[i].neuron, dir, cal, VALUE_PRE, d, dMlp);
      const sup = suppressorRefs[i];
      if (sup) applyKey(w.blocks[layer], sup.neuron, dir, cal, SUPPRESS_PRE, d, dMlp);
    });
  };

  const facts: FactTruth[] = plan.facts.map((f, i) => {
    const s = slot.get(f.subject)!; // every subject got a slot above
    return {
      valueNeuron: valueRefs[i],
      queryNeuron: queryNeurons[f.subject],
      head: { layer: MOVER_LAYER, head: s.head },
      headDim: s.dim,
      suppressor: suppressorRefs[i],
      get margin() {
        return margins[i];
      },
    };
  });
  return {
    weights: w,
    valueLayers: [...new Set(valueRefs.map((r) => r.layer))].sort(),
    calibrate: (midAtLast) => {
      for (const [layer, mids] of midAtLast) calibrateLayer(layer, mids.map((m) => normalizeRow(m)));
    },
    facts,
    relationHead: RELATION_HEAD,
    groupHeads,
    keywordNeurons,
    confounders: { highNorm, largeCoefficient, suppressors: suppressorRefs.filter((r): r is NeuronRef => r !== null) },
  };
}

interface Calibration { readonly theta: number; readonly span: number; readonly margin: number }

/** Threshold halfway between the own prompts' minimum and the other prompts' maximum of dir . z. */
function calibrate(dir: Float32Array, zs: readonly Float32Array[], own: readonly number[]): Calibration {
  const ownSet = new Set(own);
  let ownMin = Infinity;
  let otherMax = -Infinity;
  zs.forEach((z, p) => {
    const y = dot(dir, z);
    if (ownSet.has(p)) ownMin = Math.min(ownMin, y);
    else otherMax = Math.max(otherMax, y);
  });
  // Rounded to 1/256 so that tiny float differences between runs of the measuring forward do not
  // change the written bytes.
  const q = (x: number): number => Math.round(x * 256) / 256;
  const theta = q((ownMin + otherMax) / 2);
  return { theta, span: Math.max(q(ownMin) - theta, 1), margin: ownMin - otherMax };
}

/** Key = gain * dir / gamma2 so that pre = gain * (dir . z - theta) reaches `pre` at the own minimum. */
function applyKey(b: Gpt2Block, n: number, dir: Float32Array, cal: Calibration, pre: number, d: number, dMlp: number): void {
  const gain = pre / cal.span;
  let bias = -gain * cal.theta;
  for (let i = 0; i < d; i++) {
    const k = (gain * dir[i]) / b.ln2w[i];
    b.fcW[i * dMlp + n] = k;
    bias -= k * b.ln2b[i];
  }
  b.fcB[n] = bias;
}

/** Neuron key reading unit direction `dir` of the normalised stream: pre = gain * dir . z + bias. */
function setKey(b: Gpt2Block, n: number, dir: Float32Array, gain: number, bias: number, dMlp: number): void {
  const d = dir.length;
  let c = bias;
  for (let i = 0; i < d; i++) {
    const k = (gain * dir[i]) / b.ln2w[i];
    b.fcW[i * dMlp + n] = k;
    c -= k * b.ln2b[i];
  }
  b.fcB[n] = c;
}

function setValue(b: Gpt2Block, n: number, v: Float32Array, d: number): void {
  b.outW.set(v, n * d);
}

/** Head attends (from every position) to positions whose stream holds `mark`: constant query, key on mark. */
function plantAttention(b: Gpt2Block, head: number, mark: Float32Array, d: number, dh: number): void {
  const q = head * dh;
  const k = d + head * dh;
  for (let i = 0; i < d; i++) {
    b.attnW[i * 3 * d + q] = 0;
    b.attnW[i * 3 * d + k] = (KEY_GAIN * mark[i]) / b.ln1w[i];
  }
  b.attnB[q] = QUERY_BIAS;
  b.attnB[k] = 0;
  let c = 0;
  for (let i = 0; i < d; i++) c += b.attnW[i * 3 * d + k] * b.ln1b[i];
  b.attnB[k] = -c;
}

/** Head dimension reads unit direction `read` of norm1's output and writes `write` through W_O. */
function plantHeadDim(b: Gpt2Block, head: number, dim: number, read: Float32Array, gain: number, write: Float32Array, d: number, dh: number): void {
  const col = 2 * d + head * dh + dim;
  let c = 0;
  for (let i = 0; i < d; i++) {
    const v = (gain * read[i]) / b.ln1w[i];
    b.attnW[i * 3 * d + col] = v;
    c += v * b.ln1b[i];
  }
  b.attnB[col] = -c;
  b.projW.set(write, (head * dh + dim) * d);
}

function randomWeights(shape: Gpt2Shape, rng: Rng): Gpt2Weights {
  const { nLayers, dModel: d, dMlp, nCtx, dVocab } = shape;
  const outStd = SIGMA_W / Math.sqrt(2 * nLayers);
  const around = (n: number, c: number, std: number): Float32Array => rng.normals(n, std).map((x) => x + c);
  const wte = rng.normals(dVocab * d, SIGMA_E);
  const wpe = rng.normals(nCtx * d, SIGMA_POS);
  const blocks: Gpt2Block[] = [];
  for (let l = 0; l < nLayers; l++) {
    blocks.push({
      ln1w: around(d, 1, 0.03), ln1b: rng.normals(d, 0.01),
      attnW: rng.normals(d * 3 * d, SIGMA_W), attnB: rng.normals(3 * d, 0.005),
      projW: rng.normals(d * d, outStd), projB: rng.normals(d, 0.005),
      ln2w: around(d, 1, 0.03), ln2b: rng.normals(d, 0.01),
      fcW: rng.normals(d * dMlp, SIGMA_W), fcB: rng.normals(dMlp, 0.005),
      outW: rng.normals(dMlp * d, outStd), outB: rng.normals(d, 0.005),
    });
  }
  return { shape, wte, wpe, blocks, lnfW: around(d, 1, 0.03), lnfB: rng.normals(d, 0.01) };
}

function gaussian(d: number, rng: Rng): Float32Array {
  return rng.normals(d, 1);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function scale(a: Float32Array, c: number): Float32Array {
  return a.map((x) => x * c);
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((x, i) => x + b[i]);
}

/** Unit vector of `v` with its mean removed (LayerNorm ignores the mean). */
function centredUnit(v: Float32Array): Float32Array {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const c = v.map((x) => x - mean);
  return scale(c, 1 / Math.sqrt(dot(c, c)));
}

/** Orthonormal basis (float64) of the span of `vectors`. */
function gramSchmidt(vectors: readonly Float32Array[]): Float64Array[] {
  const q: Float64Array[] = [];
  for (const o of vectors) {
    const u = Float64Array.from(o);
    for (const e of q) {
      const c = dot64(u, e);
      for (let i = 0; i < u.length; i++) u[i] -= c * e[i];
    }
    const n = Math.sqrt(dot64(u, u));
    if (n > 1e-6) q.push(u.map((x) => x / n));
  }
  return q;
}

/** `v` made orthogonal to the all-ones vector and to an orthonormal `basis`, unit length. */
function orthogonalTo(v: Float32Array, basis: readonly Float64Array[]): Float32Array {
  const r = Float64Array.from(centredUnit(v));
  for (const e of basis) {
    const c = dot64(r, e);
    for (let i = 0; i < r.length; i++) r[i] -= c * e[i];
  }
  return centredUnit(Float32Array.from(r));
}

function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** `count` orthonormal directions, all orthogonal to the all-ones vector (LayerNorm centring). */
function orthonormal(count: number, d: number, rng: Rng): Float32Array[] {
  if (count >= d) throw new Error(`cannot fit ${count} orthonormal directions in ${d} dimensions`);
  const out: Float32Array[] = [];
  const ones = new Float64Array(d).fill(1 / Math.sqrt(d));
  while (out.length < count) {
    let v = Float64Array.from(gaussian(d, rng));
    for (const e of [ones, ...out]) {
      const c = dot64(v, e);
      v = v.map((x, i) => x - c * e[i]);
    }
    const n = Math.sqrt(dot64(v, v));
    out.push(Float32Array.from(v.map((x) => x / n)));
  }
  return out;
}

/** A seeded permutation of [0, n). */
function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
