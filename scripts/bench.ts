// `npm run bench -- <name> [options]`: dispatches to scripts/bench/<name>.ts, whose `main(argv)`
// prints one JSON object. Add a benchmark with one line in BENCHMARKS.

const BENCHMARKS: Record<string, () => Promise<{ main(argv: string[]): Promise<number | void> }>> = {
  forward: () => import('./bench/forward.js'),
  attribution: () => import('./bench/attribution.js'),
  api: () => import('./bench/api.js'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : BENCHMARKS[name];
if (!load) {
  process.stderr.write(`bench: ${name === undefined ? 'missing' : `unknown benchmark ${JSON.stringify(name)};`} benchmarks: ${Object.keys(BENCHMARKS).join(', ')}\n`);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = (await (await load()).main(rest)) ?? 0;
  } catch (e) {
    process.stderr.write(`bench ${name}: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  }
}
