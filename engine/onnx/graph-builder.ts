// A small ONNX graph builder in the spirit of onnx.helper: nodes, tensors, value infos, graphs and
// models with an explicit opset, serialised with onnx-proto. Only engine/onnx/ imports onnx-proto.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Onnx = typeof onnx;
export type NodeProto = InstanceType<Onnx['NodeProto']>;
export type TensorProto = InstanceType<Onnx['TensorProto']>;
export type ValueInfoProto = InstanceType<Onnx['ValueInfoProto']>;
export type GraphProto = InstanceType<Onnx['GraphProto']>;
export type ModelProto = InstanceType<Onnx['ModelProto']>;

/** The ONNX element types the engine uses. */
export type ElemType = 'float32' | 'int64';

/** Default opset: 18 (ReduceMean/ReduceSum take axes as an input; LayerNormalization exists). */
export const DEFAULT_OPSET = 18;
/** IR version 8 is the newest onnx-proto knows and supports opsets up to 18. */
export const IR_VERSION = 8;

const ELEM: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};

export type AttrValue = number | string | readonly number[] | { readonly float: number };

/**
 * One node. Integer numbers become INT attributes, non-integers FLOAT; use `{ float: 1 }` to force
 * a FLOAT attribute holding an integral value. Arrays of numbers become INTS.
 */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Record<string, AttrValue> = {},
  name?: string,
): NodeProto {
  const T = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([key, v]) => {
    if (typeof v === 'string') return { name: key, type: T.STRING, s: new TextEncoder().encode(v) };
    if (typeof v === 'number') {
      return Number.isInteger(v) ? { name: key, type: T.INT, i: v } : { name: key, type: T.FLOAT, f: v };
    }
    if (Array.isArray(v)) return { name: key, type: T.INTS, ints: [...(v as readonly number[])] }; // isArray does not narrow readonly arrays
    return { name: key, type: T.FLOAT, f: (v as { float: number }).float }; // the one remaining AttrValue case
  });
  return onnx.NodeProto.create({ opType, input: [...inputs], output: [...outputs], attribute, name: name ?? outputs[0] });
}

/** A constant tensor; throws if `values.length` differs from the product of `dims`. */
export function makeTensor(
  name: string,
  elemType: ElemType,
  dims: readonly number[],
  values: ArrayLike<number>,
): TensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new Error(`makeTensor ${name}: dims [${dims.join(', ')}] hold ${count} values, got ${values.length}`);
  }
  if (elemType === 'float32') {
    const data = Float32Array.from(values);
    return onnx.TensorProto.create({
      name, dims: [...dims], dataType: ELEM.float32,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
  }
  const data = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  return onnx.TensorProto.create({
    name, dims: [...dims], dataType: ELEM.int64,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

/** A typed graph input/output; a string dimension is symbolic (e.g. 'T'). */
export function makeValueInfo(name: string, elemType: ElemType, dims: readonly (number | string)[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: ELEM[elemType],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

export function makeGraph(
  name: string,
  nodes: readonly NodeProto[],
  inputs: readonly ValueInfoProto[],
  outputs: readonly ValueInfoProto[],
  initializers: readonly TensorProto[] = [],
): GraphProto {
  return onnx.GraphProto.create({
    name, node: [...nodes], input: [...inputs], output: [...outputs], initializer: [...initializers],
  });
}

/** A model with an explicit default-domain opset. */
export function makeModel(graph: GraphProto, opset: number = DEFAULT_OPSET): ModelProto {
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'neuron-atlas',
    opsetImport: [{ domain: '', version: opset }],
    graph,
  });
}

/** Serialised model bytes for `InferenceSession.create`. */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
