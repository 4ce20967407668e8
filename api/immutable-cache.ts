// A bounded in-process memo for rows that never change once written (SUCCEEDED runs, their score
// pages, prompts, neurons): cached attribution queries then cost no SQL. Safe across processes
// because the rows are immutable; oldest entries are dropped past `capacity`.

/** Map with insertion-order eviction past `capacity` entries. */
export class ImmutableCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): V {
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
    return value;
  }

  /** The cached value, or `load()`'s (cached unless null). */
  async getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    return value === null ? null : this.set(key, value);
  }
}
