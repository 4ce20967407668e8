// Reads safetensors files (u64 LE header length, JSON header, raw little-endian data) with
// validation against the format, and reads single tensors as fresh fp32 arrays via fs reads.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CheckpointError, errorMessage, fmtShape, isJsonObject } from './checkpoint-error.js';

const ITEM_SIZE: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
};
/** Headers above this size are rejected (the reference implementation's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte offsets relative to the data section. */
  readonly begin: number;
  readonly end: number;
}

/** An open, validated safetensors file. Call close() to release the file descriptor. */
export class SafetensorsFile {
  private fd: number | null;

  private constructor(
    readonly path: string,
    readonly entries: ReadonlyMap<string, TensorEntry>,
    private readonly dataStart: number,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens and validates the header: known dtypes, end - begin == prod(shape) * itemsize, offsets in
   * the file and not overlapping. Throws CheckpointError (MISSING_FILE, BAD_HEADER, TRUNCATED, OVERLAP).
   */
  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new CheckpointError('MISSING_FILE', `${path}: cannot open (${errorMessage(e)})`, path);
    }
    try {
      const size = fstatSync(fd).size;
      if (size < 8) throw new CheckpointError('TRUNCATED', `${path}: ${size} bytes, shorter than the 8-byte header length`, path);
      const lenBuf = Buffer.alloc(8);
      readSync(fd, lenBuf, 0, 8, 0);
      const headerLen = lenBuf.readBigUInt64LE(0);
      if (headerLen < 2n || headerLen > BigInt(MAX_HEADER_BYTES)) {
        throw new CheckpointError('BAD_HEADER', `${path}: header length ${headerLen} outside [2, ${MAX_HEADER_BYTES}]`, path);
      }
      const n = Number(headerLen);
      if (8 + n > size) {
        throw new CheckpointError('TRUNCATED', `${path}: header of ${n} bytes does not fit in a file of ${size} bytes`, path);
      }
      const headerBuf = Buffer.alloc(n);
      readSync(fd, headerBuf, 0, n, 8);
      const entries = parseHeader(path, headerBuf.toString('utf8'), size - 8 - n);
      return new SafetensorsFile(path, entries, 8 + n, fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Reads one tensor as a fresh Float32Array (F32, or F16/BF16 widened). Throws UNSUPPORTED_DTYPE. */
  readFloat32(name: string): Float32Array {
    const entry = this.entries.get(name);
    if (!entry) throw new CheckpointError('MISSING_TENSOR', `${this.path}: no tensor ${name}`, this.path, name);
    if (this.fd === null) throw new Error(`SafetensorsFile ${this.path}: read after close`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const bytes = entry.end - entry.begin;
    const out = new Float32Array(count);
    if (entry.dtype === 'F32') {
      readFully(this.fd, new Uint8Array(out.buffer), this.dataStart + entry.begin);
      return out;
    }
    if (entry.dtype !== 'F16' && entry.dtype !== 'BF16') {
      throw new CheckpointError('UNSUPPORTED_DTYPE', `${this.path}: tensor ${name} has dtype ${entry.dtype}; supported: F32, F16, BF16`, this.path, name);
    }
    const raw = new Uint16Array(count);
    readFully(this.fd, new Uint8Array(raw.buffer, 0, bytes), this.dataStart + entry.begin);
    if (entry.dtype === 'BF16') {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = raw[i] << 16;
    } else {
      const table = f16Table();
      for (let i = 0; i < count; i++) out[i] = table[raw[i]];
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function readFully(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

function parseHeader(path: string, text: string, dataBytes: number): Map<string, TensorEntry> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError('BAD_HEADER', `${path}: header is not JSON (${errorMessage(e)})`, path);
  }
  if (!isJsonObject(json)) {
    throw new CheckpointError('BAD_HEADER', `${path}: header is not a JSON object`, path);
  }
  const entries = new Map<string, TensorEntry>();
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') continue;
    const bad = (why: string): CheckpointError => new CheckpointError('BAD_HEADER', `${path}: tensor ${name}: ${why}`, path, name);
    if (!isJsonObject(raw)) throw bad('entry is not an object');
    const { dtype, shape, data_offsets: offsets } = raw;
    if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) throw bad(`unknown dtype ${String(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw bad(`bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype];
    if (end - begin !== expected) {
      throw bad(`shape ${fmtShape(shape as number[])} ${dtype} needs ${expected} bytes, data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    if (end > dataBytes) {
      throw new CheckpointError('TRUNCATED', `${path}: tensor ${name} ends at data byte ${end}, the file holds ${dataBytes} data bytes`, path, name);
    }
    entries.set(name, { dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries.entries()].filter(([, e]) => e.end > e.begin).sort((a, b) => a[1].begin - b[1].begin);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1];
    const [name, cur] = sorted[i];
    if (cur.begin < prev.end) {
      throw new CheckpointError('OVERLAP', `${path}: tensor ${name} [${cur.begin}, ${cur.end}) overlaps ${prevName} [${prev.begin}, ${prev.end})`, path, name);
    }
  }
  return entries;
}

let F16_TABLE: Float32Array | null = null;
/** All 65536 half-precision values as fp32 (exact). */
function f16Table(): Float32Array {
  if (F16_TABLE) return F16_TABLE;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 31) t[h] = mant ? NaN : sign * Infinity;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  F16_TABLE = t;
  return t;
}
