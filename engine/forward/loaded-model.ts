// A checkpoint in memory: canonical weights, optional tokenizer and the compiled forward session.
// Sessions are created once at load and released by dispose().
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { VocabProjector } from '../onnx/projection.js';
import { OnnxSession } from '../onnx/session.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import type { ModelConfig, Tensor } from '../types.js';
import { buildForwardGraph, graphWeightShapes } from './forward-graph.js';

export interface LoadModelOptions {
  /** Threads per ONNX operator (default 2). */
  readonly intraOpNumThreads?: number;
  /** The checkpoint's tokenizer when the caller already has it (default: read tokenizer.json). */
  readonly tokenizer?: TextTokenizer | null;
}

/** The tokenizer.json of the checkpoint folder `dir`, or null when it has none. */
export function readTokenizer(dir: string): TextTokenizer | null {
  const file = join(dir, 'tokenizer.json');
  return existsSync(file) ? TextTokenizer.fromFile(file) : null;
}

export class LoadedModel {
  private disposed = false;
  private projection: VocabProjector | null = null;

  private constructor(
    readonly dir: string,
    readonly config: ModelConfig,
    readonly tokenizer: TextTokenizer | null,
    private readonly weights: ReadonlyMap<string, Tensor>,
    /** @internal the whole-model forward graph, weights bound. */
    readonly session: OnnxSession,
  ) {}

  /** Loads `dir` (see loadCheckpoint for errors), its tokenizer.json if present, and compiles the graph. */
  static async load(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
    const checkpoint = loadCheckpoint(dir);
    const tokenizer = opts.tokenizer === undefined ? readTokenizer(dir) : opts.tokenizer;
    const session = await OnnxSession.create(buildForwardGraph(checkpoint.config), opts);
    for (const name of graphWeightShapes(checkpoint.config).keys()) {
      const w = checkpoint.weights.get(name);
      if (!w) {
        await session.dispose();
        throw new Error(`internal: graph weight ${name} was not loaded`);
      }
      session.bind(name, w);
    }
    return new LoadedModel(dir, checkpoint.config, tokenizer, checkpoint.weights, session);
  }

  /** A canonical weight (engine/types.ts); throws for an unknown name. Do not mutate. */
  weight(name: string): Tensor {
    const w = this.weights.get(name);
    if (!w) throw new Error(`model ${this.dir}: no weight ${name}`);
    return w;
  }

  /** The vocabulary projection sessions over unembed.W_U, created on first use, released by dispose(). */
  get projector(): VocabProjector {
    if (this.disposed) throw new Error(`model ${this.dir} was disposed`);
    this.projection ??= new VocabProjector(this.weight('unembed.W_U'));
    return this.projection;
  }

  weightNames(): string[] {
    return [...this.weights.keys()];
  }

  /** Total bytes of distinct fp32 weight buffers (tied W_U counted once). */
  weightBytes(): number {
    return [...new Set([...this.weights.values()].map((w) => w.data))].reduce((a, d) => a + d.byteLength, 0);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Releases the ONNX sessions (forward and projection); the model cannot run afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.projection?.dispose();
    this.projection = null;
    await this.session.dispose();
  }
}

/** Loads a Hugging Face checkpoint folder into a runnable model. */
export function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  return LoadedModel.load(dir, opts);
}
