// The API's only door to engine/: models loaded lazily by folder, kept under a memory budget
// (least recently used unloaded first, never one in use), and one computation at a time (the
// engine already uses both cores per operator).
import { loadModel, readTokenizer, type LoadedModel, type TextTokenizer } from '../engine/index.js';

export interface EngineServiceOptions {
  /** Bytes of fp32 weights kept loaded; the model in use is kept even when it alone exceeds it. */
  readonly memoryBytes: number;
  /** Threads per ONNX operator (default 2). */
  readonly intraOpNumThreads?: number;
}

interface Entry {
  readonly dir: string;
  readonly loading: Promise<LoadedModel>;
  model: LoadedModel | null;
  bytes: number;
  leases: number;
}

/** Loaded models by checkpoint folder, LRU under `memoryBytes`, with a single compute lane. */
export class EngineService {
  /** Insertion order = recency order (re-inserted on every use). */
  private readonly entries = new Map<string, Entry>();
  private lane: Promise<unknown> = Promise.resolve();
  private readonly tokenizers = new Map<string, TextTokenizer | null>();
  private closed = false;
  /** How many models were loaded (tests read it to see caching). */
  loads = 0;

  constructor(private readonly options: EngineServiceOptions) {}

  /**
   * Runs `fn` with the model at `dir` loaded (loads it on first use; CheckpointError on a bad
   * folder). The model is not unloaded while `fn` runs. `fn` runs alone: calls are serialised.
   */
  async withModel<T>(dir: string, fn: (model: LoadedModel) => Promise<T>): Promise<T> {
    const entry = this.lease(dir);
    try {
      const model = await entry.loading;
      const run = this.lane.then(() => fn(model));
      this.lane = run.catch(() => undefined);
      return await run;
    } finally {
      entry.leases--;
      await this.evict();
    }
  }

  /** The tokenizer.json of the checkpoint at `dir` (null when it has none), read once, no weights loaded. */
  tokenizer(dir: string): TextTokenizer | null {
    let tokenizer = this.tokenizers.get(dir);
    if (tokenizer === undefined) {
      tokenizer = readTokenizer(dir);
      this.tokenizers.set(dir, tokenizer);
    }
    return tokenizer;
  }

  /** Whether the model at `dir` is in memory now (no load). */
  isLoaded(dir: string): boolean {
    return this.entries.get(dir)?.model != null;
  }

  /** Bytes of weights currently loaded. */
  loadedBytes(): number {
    return [...this.entries.values()].reduce((a, e) => a + e.bytes, 0);
  }

  /** `health { engine }`: "ready (N models loaded, X MB of Y MB)" or "no model loaded". */
  status(): string {
    const loaded = [...this.entries.values()].filter((e) => e.model !== null);
    if (this.closed) return 'stopped';
    if (loaded.length === 0) return `ready (no model loaded, budget ${mb(this.options.memoryBytes)} MB)`;
    return `ready (${loaded.length} model${loaded.length === 1 ? '' : 's'} loaded, ${mb(this.loadedBytes())} of ${mb(this.options.memoryBytes)} MB)`;
  }

  /** Unloads every model (sessions disposed); later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.lane.catch(() => undefined);
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (e) => (await e.loading.catch(() => null))?.dispose()));
  }

  private lease(dir: string): Entry {
    if (this.closed) throw new Error('engine service is closed');
    let entry = this.entries.get(dir);
    if (entry === undefined) {
      const loading = loadModel(dir, { intraOpNumThreads: this.options.intraOpNumThreads ?? 2, tokenizer: this.tokenizer(dir) });
      const created: Entry = { dir, loading, model: null, bytes: 0, leases: 0 };
      entry = created;
      this.loads++;
      loading.then((model) => {
        created.model = model;
        created.bytes = model.weightBytes();
      }, () => {
        if (this.entries.get(dir) === created) this.entries.delete(dir);
      });
    } else {
      this.entries.delete(dir);
    }
    this.entries.set(dir, entry);
    entry.leases++;
    return entry;
  }

  /** Unloads least recently used idle models until the loaded bytes fit the budget. */
  private async evict(): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (this.loadedBytes() <= this.options.memoryBytes) return;
      if (entry.leases > 0 || entry.model === null) continue;
      this.entries.delete(entry.dir);
      await entry.model.dispose();
    }
  }
}

const mb = (bytes: number): number => Math.round(bytes / (1024 * 1024));
