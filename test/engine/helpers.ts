// Shared test helpers: temporary checkpoint folders and tolerance checks that report the largest
// difference on failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import type { NaiveConfig } from '../reference/naive-forward.js';

/** A fresh temporary directory; remove it with `removeDir`. */
export function makeTempDir(prefix = 'atlas-engine-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Largest |a - b| and its index; throws if the lengths differ. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): { diff: number; at: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let diff = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= diff)) {
      diff = d;
      at = i;
      if (Number.isNaN(d)) break;
    }
  }
  return { diff, at };
}

/** Fails with the label, largest difference and its index when any |a - b| > tol (NaN fails). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  const { diff, at } = maxAbsDiff(actual, expected);
  if (!(diff <= tol)) {
    throw new Error(`${label}: max |diff| ${diff} > ${tol} at index ${at} (actual ${actual[at]}, expected ${expected[at]})`);
  }
}

/** The naive reference's config for a generator spec. */
export function naiveConfigOf(spec: RandomCheckpointSpec): NaiveConfig {
  return {
    architecture: spec.architecture,
    nLayers: spec.nLayers,
    dModel: spec.dModel,
    nHeads: spec.nHeads,
    nKvHeads: spec.nKvHeads ?? spec.nHeads,
    dHead: spec.dHead ?? spec.dModel / spec.nHeads,
    dMlp: spec.dMlp,
    dVocab: spec.dVocab,
    eps: spec.normEps ?? 1e-5,
    ropeTheta: spec.ropeTheta ?? 10000,
    ropeScaling: spec.ropeScaling ?? null,
    tied: spec.tied ?? spec.architecture === 'gpt2',
  };
}
