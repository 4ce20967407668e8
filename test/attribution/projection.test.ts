// ONNX vocabulary projection graphs against plain float64 loops on small random matrices.
import { VocabProjector } from '../../engine/onnx/projection.js';
import { logSumExp, rankOf } from '../../engine/attribution/log-softmax.js';
import { makeRng } from '../../scripts/lib/rng.js';
import { expectClose } from '../engine/helpers.js';

const V = 97;
const d = 16;
const rng = makeRng(7);
const W = rng.normals(V * d, 0.5);
const projector = new VocabProjector({ data: W, shape: [V, d] });
afterAll(() => projector.dispose());

function proj(u: ArrayLike<number>): Float64Array {
  const out = new Float64Array(V);
  for (let t = 0; t < V; t++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += W[t * d + i] * u[i];
    out[t] = s;
  }
  return out;
}

describe('VocabProjector', () => {
  const K = 5;
  const U = rng.normals(K * d, 1);

  it('projects rows onto the vocabulary', async () => {
    const D = await projector.project(U);
    expect(D.length).toBe(K * V);
    const ref = new Float64Array(K * V);
    for (let r = 0; r < K; r++) ref.set(proj(U.subarray(r * d, (r + 1) * d)), r * V);
    expectClose(D, ref, 1e-4, 'D');
  });

  it('back-projects distributions', async () => {
    const E = rng.normals(2 * V, 1);
    const Y = await projector.backProject(E);
    const ref = new Float64Array(2 * d);
    for (let r = 0; r < 2; r++) for (let i = 0; i < d; i++) for (let t = 0; t < V; t++) ref[r * d + i] += E[r * V + t] * W[t * d + i];
    expectClose(Y, ref, 1e-4, 'Y');
  });

  it('scores log-prob increase with the logsumexp identity', async () => {
    const logP = new Float32Array(2 * V);
    for (let b = 0; b < 2; b++) {
      const z = rng.normals(V, 3);
      const lse = logSumExp(z);
      for (let t = 0; t < V; t++) logP[b * V + t] = z[t] - lse;
    }
    const rows = [0, 3, 3, 4, 1];
    const base = [1, 0, 1, 1, 0];
    const c = Float32Array.from([1, -2, 0.5, 3, 0]);
    const w = 11;
    const got = await projector.score(U, rows, base, c, logP, w);
    const ref = rows.map((row, r) => {
      const dd = proj(U.subarray(row * d, (row + 1) * d));
      const x = Array.from(dd, (v, t) => logP[base[r] * V + t] + c[r] * v);
      return (x[w] - logSumExp(x)) - logP[base[r] * V + w];
    });
    // score = c d[w] - lse(logP + c d) = log p(w|x+v) - log p(w|x)
    expectClose(got, ref, 1e-5, 'scores');
    expect(got[4]).toBeCloseTo(0, 6);
  });

  it('finds top/bottom k and ranks', async () => {
    const k = 4;
    const tb = await projector.topK(U, k);
    const w = 5;
    const ranks = await projector.rank(U, w);
    for (let r = 0; r < K; r++) {
      const dd = proj(U.subarray(r * d, (r + 1) * d));
      const order = Array.from(dd.keys()).sort((a, b) => dd[b] - dd[a]);
      expect(Array.from(tb.topIndices.subarray(r * k, (r + 1) * k))).toEqual(order.slice(0, k));
      expect(Array.from(tb.bottomIndices.subarray(r * k, (r + 1) * k))).toEqual(order.slice(-k).reverse());
      expectClose(tb.topValues.subarray(r * k, (r + 1) * k), order.slice(0, k).map((t) => dd[t]), 1e-4, `top values of row ${r}`);
      expect(ranks[r]).toBe(rankOf(dd, w));
    }
  });
});
