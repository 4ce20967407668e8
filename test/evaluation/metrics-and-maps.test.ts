// Pure parts of the evaluation: dataset parsing (failures by kind), metrics against hand sums,
// seeded sampling, and knowledge-map aggregates against counts written out by hand.
import {
  ablationMetrics, EvaluationError, hashSeed, knowledgeMap, mergedValueNeurons, parseDataset, sampleDistinct, sharedHeads, uniformStream,
  type SentenceAttribution,
} from '../../engine/index.js';

describe('parseDataset', () => {
  it('reads the knowledge model fields and defaults id and type', () => {
    const recs = parseDataset([
      JSON.stringify({ id: 'x', prompt: 'In France, people speak', answer: ' French', knowledgeType: 'language', candidates: [' German', 7] }),
      '',
      JSON.stringify({ tokenIds: [1, 2], answerTokenId: 5 }),
    ].join('\n'));
    expect(recs).toEqual([
      { id: 'x', knowledgeType: 'language', prompt: 'In France, people speak', answer: ' French', candidates: [' German', 7] },
      { id: 'line-3', knowledgeType: 'unknown', tokenIds: [1, 2], answerTokenId: 5 },
    ]);
  });

  it.each([
    ['not JSON', '{"prompt": ', 'BAD_DATASET', /line 1: not JSON/],
    ['no prompt', '{"answer": " x"}', 'BAD_DATASET', /line 1: needs prompt or tokenIds/],
    ['no answer', '{"prompt": "a"}', 'BAD_DATASET', /needs answer or answerTokenId/],
    ['bad token ids', '{"tokenIds": [1, -2], "answerTokenId": 1}', 'BAD_DATASET', /tokenIds must be/],
    ['bad answer id', '{"prompt": "a", "answerTokenId": 1.5}', 'BAD_DATASET', /answerTokenId must be a non-negative integer: got 1.5/],
    ['bad candidates', '{"prompt": "a", "answer": "b", "candidates": [null]}', 'BAD_DATASET', /candidates must be/],
    ['duplicate id', '{"id": 1, "prompt": "a", "answer": "b"}\n{"id": "1", "prompt": "c", "answer": "d"}', 'BAD_DATASET', /line 2: duplicate id "1"/],
    ['empty', '\n\n', 'EMPTY_DATASET', /no sentences/],
  ])('EXPECTED FAILURE: %s', (_name, text, code, message) => {
    let err: unknown;
    try {
      parseDataset(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EvaluationError);
    expect((err as EvaluationError).code).toBe(code);
    expect((err as EvaluationError).message).toMatch(message);
  });
});

describe('ablationMetrics', () => {
  it('averages 1/rank, p and log p and reports the % decrease', () => {
    const before = [{ rank: 1, prob: 0.5, logProb: Math.log(0.5) }, { rank: 2, prob: 0.25, logProb: Math.log(0.25) }];
    const after = [{ rank: 4, prob: 0.1, logProb: Math.log(0.1) }, { rank: 10, prob: 0.05, logProb: Math.log(0.05) }];
    const m = ablationMetrics(before, after);
    expect(m.n).toBe(2);
    expect(m.before.mrr).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(m.after.mrr).toBeCloseTo((0.25 + 0.1) / 2, 12);
    expect(m.decreasePct.mrr).toBeCloseTo((100 * (0.75 - 0.175)) / 0.75, 10);
    expect(m.decreasePct.prob).toBeCloseTo((100 * (0.375 - 0.075)) / 0.375, 10);
    expect(m.logProbChange).toBeCloseTo((Math.log(0.1) + Math.log(0.05) - Math.log(0.5) - Math.log(0.25)) / 2, 12);
  });
});

describe('seeded sampling', () => {
  it('is reproducible per label, distinct, in range, and differs between labels', () => {
    for (const [n, count] of [[4096, 10], [4096, 1000], [100, 80], [5, 9]]) {
      const a = sampleDistinct(uniformStream(hashSeed(0, 'sentence\u0000random')), n, count);
      const b = sampleDistinct(uniformStream(hashSeed(0, 'sentence\u0000random')), n, count);
      expect(a).toEqual(b);
      expect(a.length).toBe(Math.min(n, count));
      expect(new Set(a).size).toBe(a.length);
      expect(a.every((v) => Number.isInteger(v) && v >= 0 && v < n)).toBe(true);
    }
    expect(sampleDistinct(uniformStream(hashSeed(0, 'a')), 4096, 10)).not.toEqual(sampleDistinct(uniformStream(hashSeed(0, 'b')), 4096, 10));
    expect(sampleDistinct(uniformStream(hashSeed(1, 'a')), 4096, 10)).not.toEqual(sampleDistinct(uniformStream(hashSeed(0, 'a')), 4096, 10));
  });
});

describe('knowledgeMap', () => {
  const layers = [{ layer: 0, attention: 0.1, ffn: -0.2 }, { layer: 1, attention: 1, ffn: 3 }];
  const heads = [{ layer: 0, head: 0, score: 0.5 }, { layer: 1, head: 1, score: 2 }];
  const s = (id: string, ffn: [number, number, number][], attn: [number, number, number, number][], query: [number, number][], scale = 1): SentenceAttribution => ({
    id, knowledgeType: 't',
    ffnNeurons: ffn.map(([layer, neuron, score]) => ({ layer, neuron, score })),
    attentionNeurons: attn.map(([layer, head, dim, score]) => ({ layer, head, dim, position: 0, score })),
    layers: layers.map((l) => ({ ...l, attention: l.attention * scale, ffn: l.ffn * scale })),
    heads: heads.map((h) => ({ ...h, score: h.score * scale })),
    queryNeurons: query.map(([layer, neuron]) => ({ layer, neuron, score: 1 })),
  });
  // Top-3 merged per sentence: s1 = F1.5 (3), A1.0.2 (2), F0.1 (1); s2 = A1.0.2 (5), F1.5 (4), A0.1.0 (3);
  // s3 = F1.6 (9), F1.5 (8), F0.1 (7).
  const sentences = [
    s('s1', [[1, 5, 3], [0, 1, 1], [0, 2, 0.5]], [[1, 0, 2, 2]], [[0, 1], [0, 9]]),
    s('s2', [[1, 5, 4]], [[1, 0, 2, 5], [0, 1, 0, 3], [0, 1, 1, 0.1]], [[0, 3]], 2),
    s('s3', [[1, 6, 9], [1, 5, 8], [0, 1, 7]], [], [[0, 1], [1, 6]], 3),
  ];

  it('merges attention and FFN by score', () => {
    expect(mergedValueNeurons(sentences[1], 3).map((m) => m.key)).toEqual(['A1.0.2', 'F1.5', 'A0.1.0']);
  });

  it('counts, sums, shared neurons and query-only vs query-and-value per layer', () => {
    const m = knowledgeMap('t', sentences, { top: 3, queryTop: 3 });
    expect(m.sentences).toBe(3);
    // layer 0: FFN {s1: 1, s2: 0, s3: 1}, attention {s2: 1}; layer 1: FFN {1, 1, 2}, attention {1, 1, 0}.
    expect(m.layers.map((l) => [l.attentionNeurons, l.ffnNeurons].map((x) => +x.toFixed(12)))).toEqual([[1 / 3, 2 / 3].map((x) => +x.toFixed(12)), [2 / 3, 4 / 3].map((x) => +x.toFixed(12))]);
    // Layer scores scaled by 1, 2, 3: mean factor 2.
    expect(m.layers[1].ffnScore).toBeCloseTo(6, 12);
    expect(m.totals.attentionScore).toBeCloseTo(2 * 1.1, 12);
    expect(m.totals.ffnScore).toBeCloseTo(2 * 2.8, 12);
    // F1.5 in all 3, F0.1 in 2 of 3, A1.0.2 in 2 of 3: shared; A0.1.0 and F1.6 in 1: not. Union 5.
    expect(m.shared.neurons.map((n) => [n.kind, n.layer, n.index, n.frequency])).toEqual([
      ['ffn', 1, 5, 1], ['attention', 1, 2, 2 / 3], ['ffn', 0, 1, 2 / 3],
    ]);
    expect(m.shared.union).toBe(5);
    expect(m.shared.shareOfUnion).toBeCloseTo(3 / 5, 12);
    expect(m.shared.shareOfSentence).toBeCloseTo((1 + 2 / 3 + 2 / 3) / 3, 12);
    // Query neurons: s1 F0.1 is a top-3 FFN value neuron (query+value), F0.9 not; s2 F0.3 not; s3 F0.1 and F1.6 both are.
    expect(m.layers.map((l) => [l.queryOnly, l.queryAndValue].map((x) => +x.toFixed(12)))).toEqual([[2 / 3, 2 / 3].map((x) => +x.toFixed(12)), [0, 1 / 3].map((x) => +x.toFixed(12))]);
    expect(m.heads[0]).toEqual({ layer: 1, head: 1, score: 4 });
  });

  it('shared heads are those in the top heads of at least two types', () => {
    const a = knowledgeMap('a', sentences.map((x) => ({ ...x, knowledgeType: 'a' })));
    const b = knowledgeMap('b', [{ ...sentences[0], knowledgeType: 'b', heads: [{ layer: 1, head: 1, score: 1 }, { layer: 0, head: 3, score: 0.9 }] }]);
    expect(sharedHeads([a, b], 1)).toEqual([{ layer: 1, head: 1, knowledgeTypes: ['a', 'b'] }]);
    expect(sharedHeads([a, b], 2)).toEqual([{ layer: 1, head: 1, knowledgeTypes: ['a', 'b'] }]);
  });
});
