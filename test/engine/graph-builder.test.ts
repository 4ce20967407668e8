// The ONNX graph builder and session wrapper on their own: tensor length checks, attribute kinds,
// symbolic dimensions, bound zero-copy inputs, selected outputs, disposal.
import { encodeModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from '../../engine/onnx/graph-builder.js';
import { OpBuilder } from '../../engine/onnx/op-builder.js';
import { OnnxSession } from '../../engine/onnx/session.js';

describe('graph builder', () => {
  it('EXPECTED FAILURE: makeTensor rejects values that do not fill the dims', () => {
    expect(() => makeTensor('w', 'float32', [2, 3], [1, 2, 3])).toThrow(/dims \[2, 3\] hold 6 values, got 3/);
  });

  it('maps numbers to INT / FLOAT / INTS attributes', () => {
    const node = makeNode('Foo', ['a'], ['b'], { i: 3, f: 0.5, forced: { float: 2 }, ints: [1, -1], s: 'x' });
    const byName = Object.fromEntries(node.attribute.map((a) => [a.name, a]));
    expect(Number(byName.i.i)).toBe(3);
    expect(byName.f.f).toBe(0.5);
    expect(byName.forced.f).toBe(2);
    expect(byName.ints.ints.map(Number)).toEqual([1, -1]);
    expect(new TextDecoder().decode(byName.s.s)).toBe('x');
  });

  it('runs a hand-built model with a symbolic dimension and an initializer', async () => {
    const graph = makeGraph(
      'g',
      [makeNode('MatMul', ['x', 'w'], ['y']), makeNode('Softmax', ['y'], ['z'], { axis: -1 })],
      [makeValueInfo('x', 'float32', ['N', 2])],
      [makeValueInfo('z', 'float32', ['N', 2])],
      [makeTensor('w', 'float32', [2, 2], [1, 0, 0, 2])],
    );
    const session = await OnnxSession.create(encodeModel(makeModel(graph, 18)));
    try {
      const out = await session.run({ x: { data: new Float32Array([0, 0, 1, 1]), shape: [2, 2] } });
      const z = out.get('z')!;
      expect(z.shape).toEqual([2, 2]);
      expect(Array.from(z.data, (v) => Math.round(v * 1e6) / 1e6)).toEqual([0.5, 0.5, 0.268941, 0.731059]);
    } finally {
      await session.dispose();
    }
  });
});

describe('OpBuilder + OnnxSession', () => {
  it('binds weights once, fetches selected outputs, refuses to run after dispose', async () => {
    const b = new OpBuilder('t');
    const x = b.input('x', 'float32', ['T', 3]);
    const w = b.input('w', 'float32', [3, 2]);
    const y = b.op('MatMul', [x, w], {}, 'y');
    b.output(y);
    b.output(b.op('Mul', [y, b.constant('float32', [], [2])], {}, 'y2'));
    expect(() => b.op('Relu', [y], {}, 'y')).toThrow(/defined twice/);
    const session = await OnnxSession.create(b.build());
    session.bind('w', { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] });
    const out = await session.run({ x: { data: new Float32Array([1, 1, 1, 0, 1, 0]), shape: [2, 3] } }, ['y2']);
    expect([...out.keys()]).toEqual(['y2']);
    expect(Array.from(out.get('y2')!.data)).toEqual([18, 24, 6, 8]);
    await session.dispose();
    await expect(session.run({ x: { data: new Float32Array(3), shape: [1, 3] } })).rejects.toThrow(/after dispose/);
  });
});
