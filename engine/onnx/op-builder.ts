// Incremental graph construction: declare inputs/outputs, emit ops with generated intermediate
// names, add small constants, then serialise. Wraps graph-builder.ts for the forward graphs.
import {
  DEFAULT_OPSET, encodeModel, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo,
  type AttrValue, type ElemType, type NodeProto, type TensorProto, type ValueInfoProto,
} from './graph-builder.js';

/** Builds one ONNX graph; every method returns the name of the value it defines. */
export class OpBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  input(name: string, elemType: ElemType, dims: readonly (number | string)[]): string {
    this.claim(name);
    this.inputs.push(makeValueInfo(name, elemType, dims));
    return name;
  }

  /** Marks an existing value as a graph output (shape left to inference). */
  output(name: string, elemType: ElemType = 'float32'): void {
    this.outputs.push(makeValueInfo(name, elemType, []));
    // An empty dims list declares a scalar; clear the shape so ORT infers it.
    const last = this.outputs[this.outputs.length - 1];
    if (last.type?.tensorType) last.type.tensorType.shape = null;
  }

  /** A small constant initializer (shape constants, rotation matrices); never weights. */
  constant(elemType: ElemType, dims: readonly number[], values: ArrayLike<number>, hint = 'const'): string {
    const name = this.fresh(hint);
    this.initializers.push(makeTensor(name, elemType, dims, values));
    return name;
  }

  /** Emits one node with a single output; `out` names the output (default: a fresh name). */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    const name = out ?? this.fresh(opType);
    if (out !== undefined) this.claim(out);
    this.nodes.push(makeNode(opType, inputs, [name], attrs));
    return name;
  }

  /** Serialised model bytes at the given opset. */
  build(opset: number = DEFAULT_OPSET): Uint8Array {
    return encodeModel(makeModel(makeGraph(this.graphName, this.nodes, this.inputs, this.outputs, this.initializers), opset));
  }

  private fresh(hint: string): string {
    let name: string;
    do name = `_${hint}_${this.counter++}`; while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`OpBuilder: value ${name} defined twice`);
    this.names.add(name);
  }
}
