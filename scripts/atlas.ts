// `npm run atlas -- <command> [options]`: dispatches to scripts/cli/<command>.ts, whose `main(argv)`
// returns the exit code. Add a command with one line in COMMANDS.

interface Command {
  readonly summary: string;
  readonly load: () => Promise<{ main(argv: string[]): Promise<number | void> }>;
}

const COMMANDS: Record<string, Command> = {
  forward: { summary: 'run a checkpoint on a prompt: top next tokens, greedy continuation, logits', load: () => import('./cli/forward.js') },
  attribute: { summary: 'neuron-level attribution of a prompt (value, attention, query neurons; layers, heads)', load: () => import('./cli/attribute.js') },
  evaluate: { summary: 'the paper\'s ablation comparison of the 8 methods with random controls, value and query neurons, per knowledge type', load: () => import('./cli/evaluate.js') },
  map: { summary: 'knowledge maps per type: layer histograms of value neurons, layer score sums, shared neurons, query vs value neurons, shared heads', load: () => import('./cli/map.js') },
  import: { summary: 'import prompts from a JSONL file for a registered model: --model NAME --file F', load: () => import('./cli/import.js') },
  keys: { summary: 'API keys: create --role ROLE --name NAME (prints the key once), list, revoke --id N', load: () => import('./cli/keys.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return ['usage: npm run atlas -- <command> [options]', 'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(`${usage()}\n`);
  process.exit(name === undefined ? 2 : 0);
}
const command = COMMANDS[name];
if (!command) {
  process.stderr.write(`atlas: unknown command ${JSON.stringify(name)}\n${usage()}\n`);
  process.exit(2);
}
try {
  // exitCode, not exit(): a large JSON document on a pipe is still being flushed.
  process.exitCode = (await (await command.load()).main(rest)) ?? 0;
} catch (e) {
  process.stderr.write(`atlas ${name}: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
}
