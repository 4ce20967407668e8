// Vocabulary projection sessions over one unembedding W_U [dVocab, dModel] (bound zero-copy):
// plain projection, back-projection, fused log-prob-increase scores, top/bottom-k and ranks.
import type { Tensor } from '../types.js';
import { backProjectGraph, projectGraph, rankGraph, rowDotGraph, scoreGraph, topKGraph } from './projection-graphs.js';
import { OnnxSession } from './session.js';

type GraphKind = 'project' | 'backProject' | 'score' | 'topK' | 'rank';

const GRAPHS: Record<GraphKind, (v: number, d: number) => Uint8Array> = {
  project: projectGraph, backProject: backProjectGraph, score: scoreGraph, topK: topKGraph, rank: rankGraph,
};

/** Top and bottom k logits per row, [K, k] each, best (or most negative) first. */
export interface TopBottomK {
  readonly topValues: Float32Array;
  readonly topIndices: Int32Array;
  readonly bottomValues: Float32Array;
  readonly bottomIndices: Int32Array;
}

const i64 = (values: ArrayLike<number>): BigInt64Array => BigInt64Array.from(Array.from(values, (v) => BigInt(v)));

/** Sessions over one W_U [dVocab, dModel]; created lazily, released by dispose(). */
export class VocabProjector {
  private readonly sessions = new Map<GraphKind, Promise<OnnxSession>>();
  private readonly dots: RowDot;

  constructor(private readonly W_U: Tensor) {
    if (W_U.shape.length !== 2) throw new Error(`W_U must be [dVocab, dModel]: got [${W_U.shape.join(', ')}]`);
    this.dots = new RowDot(W_U.shape[1]);
  }

  /** Row dot products A [M, dModel] x B [N, dModel]^T -> [M, N] (a session kept with the others). */
  rowDot(A: Float32Array, B: Float32Array): Promise<Float32Array> {
    return this.dots.run(A, B);
  }

  get dVocab(): number { return this.W_U.shape[0]; }
  get dModel(): number { return this.W_U.shape[1]; }

  /** U [K, d] -> U W_U^T [K, V]. */
  async project(U: Float32Array): Promise<Float32Array> {
    const out = await this.run('project', { U: this.rows(U) });
    return out.get('D')!.data; // the graph's only output
  }

  /** E [R, V] -> E W_U [R, d]. */
  async backProject(E: Float32Array): Promise<Float32Array> {
    const R = E.length / this.dVocab;
    const out = await this.run('backProject', { E: { data: E, shape: [R, this.dVocab] } });
    return out.get('Y')!.data; // the graph's only output
  }

  /**
   * score[r] = c[r] D[rows[r], w] - logsumexp_t(logP[base[r], t] + c[r] D[rows[r], t]) with
   * D = U W_U^T; U [K, d], rows/base/c [R], logP [B, V] -> [R] (float64 inside the graph).
   */
  async score(U: Float32Array, rows: ArrayLike<number>, base: ArrayLike<number>, c: Float32Array,
    logP: Float32Array, target: number): Promise<Float32Array> {
    const R = c.length;
    const out = await this.run('score', {
      U: this.rows(U),
      rows: { int64: i64(rows), shape: [R] },
      base: { int64: i64(base), shape: [R] },
      c: { data: c, shape: [R] },
      logP: { data: logP, shape: [logP.length / this.dVocab, this.dVocab] },
      target: { int64: i64([target]), shape: [1] },
    });
    return out.get('score')!.data; // the graph's only output
  }

  /** Top and bottom k logits of each row of U [K, d]. */
  async topK(U: Float32Array, k: number): Promise<TopBottomK> {
    const out = await this.run('topK', { U: this.rows(U), k: { int64: i64([k]), shape: [1] } });
    const get = (n: string): Float32Array => out.get(n)!.data; // outputs named by topKGraph
    return {
      topValues: get('topValues'), topIndices: Int32Array.from(get('topIndices')),
      bottomValues: get('bottomValues'), bottomIndices: Int32Array.from(get('bottomIndices')),
    };
  }

  /** 1-based rank of token `target` in each projected row of U [K, d] -> [K]. */
  async rank(U: Float32Array, target: number): Promise<Int32Array> {
    const out = await this.run('rank', { U: this.rows(U), target: { int64: i64([target]), shape: [1] } });
    return Int32Array.from(out.get('above')!.data, (x) => x + 1); // the graph's only output
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).dispose();
    await this.dots.dispose();
  }

  private rows(U: Float32Array): Tensor {
    return { data: U, shape: [U.length / this.dModel, this.dModel] };
  }

  private async run(kind: GraphKind, feeds: Parameters<OnnxSession['run']>[0]): Promise<Map<string, Tensor>> {
    let session = this.sessions.get(kind);
    if (!session) {
      session = OnnxSession.create(GRAPHS[kind](this.dVocab, this.dModel)).then((s) => {
        s.bind('W_U', this.W_U);
        return s;
      });
      this.sessions.set(kind, session);
    }
    return (await session).run(feeds);
  }
}

/** Row dot products A [M, d] x B [N, d]^T -> [M, N]; its session is compiled on first use and kept. */
export class RowDot {
  private session: Promise<OnnxSession> | null = null;

  constructor(private readonly dModel: number) {}

  async run(A: Float32Array, B: Float32Array): Promise<Float32Array> {
    this.session ??= OnnxSession.create(rowDotGraph(this.dModel));
    const d = this.dModel;
    const out = await (await this.session).run({
      A: { data: A, shape: [A.length / d, d] }, B: { data: B, shape: [B.length / d, d] },
    });
    return out.get('Y')!.data; // the graph's only output
  }

  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await (await s).dispose();
  }
}
