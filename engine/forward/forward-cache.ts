// ForwardCache over a map of fetched hook tensors.
import type { ForwardCache, HookName, Tensor } from '../types.js';

/** The cache `forward` returns; `get` throws naming the hook and what was computed. */
export class MapForwardCache implements ForwardCache {
  constructor(readonly ids: readonly number[], private readonly tensors: ReadonlyMap<HookName, Tensor>) {}

  get(name: HookName): Tensor {
    const t = this.tensors.get(name);
    if (!t) {
      throw new Error(`forward cache: hook ${name} was not computed (computed: ${[...this.tensors.keys()].slice(0, 5).join(', ')}${this.tensors.size > 5 ? ', ...' : ''})`);
    }
    return t;
  }

  has(name: HookName): boolean {
    return this.tensors.has(name);
  }

  /** Names of the computed hooks. */
  names(): HookName[] {
    return [...this.tensors.keys()];
  }
}
