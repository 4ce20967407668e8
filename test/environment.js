// Jest's node environment runs each test file in its own VM realm, so typed arrays made in a test
// are not `instanceof` the host realm's constructors that onnxruntime-node's native binding checks
// ("A float32 tensor's data must be type of function Float32Array()"). Share the host's typed-array
// constructors with the test realm so tensors cross the boundary unchanged.
import { TestEnvironment } from 'jest-environment-node';

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Float32Array', 'Float64Array', 'Int8Array',
  'Int16Array', 'Int32Array', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array',
  'BigInt64Array', 'BigUint64Array', 'Buffer',
];

export default class HostTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
