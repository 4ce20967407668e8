// `npm run atlas -- keys`: manage API keys on the configured database. Usage:
//   keys create --role READER|ANNOTATOR|ADMIN --name NAME [--json]   prints the new key once
//   keys list [--json]
//   keys revoke (--id N | --prefix na_XXXXXXXX)
import { parseArgs } from 'node:util';
import type { GraphQLError } from 'graphql';
import { createApiKey, parseRole, revokeApiKey } from '../../api/auth/api-keys.js';
import { loadConfig } from '../../api/config.js';
import type { ApiKey } from '../../api/generated/prisma/client.js';
import { openDatabase } from '../lib/open-database.js';

const USAGE = `usage: keys create --role READER|ANNOTATOR|ADMIN --name NAME [--json]
       keys list [--json]
       keys revoke (--id N | --prefix na_XXXXXXXX)`;

function describe(key: ApiKey): string {
  const state = key.revokedAt === null ? 'active' : `revoked ${key.revokedAt.toISOString()}`;
  const used = key.lastUsedAt === null ? 'never used' : `last used ${key.lastUsedAt.toISOString()}`;
  return `${String(key.id).padStart(4)}  ${key.prefix}…  ${key.role.padEnd(9)}  ${key.name}  (${state}, ${used})`;
}

function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** Runs the command; returns the exit code (2 for bad usage, 1 when the key is not found). */
export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let values: { role?: string; name?: string; id?: string; prefix?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { role: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' }, prefix: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`keys: ${(error as Error).message /* parseArgs throws TypeErrors */}\n${USAGE}\n`);
    return 2;
  }
  const usage = (problem: string): number => {
    process.stderr.write(`keys: ${problem}\n${USAGE}\n`);
    return 2;
  };
  if (sub === 'create' && (values.role === undefined || values.name === undefined)) return usage('create needs --role and --name');
  if (sub === 'revoke' && (values.id === undefined) === (values.prefix === undefined)) return usage('revoke needs exactly one of --id, --prefix');
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') return usage(`unknown subcommand ${JSON.stringify(sub ?? '')}`);

  const db = await openDatabase(loadConfig());
  try {
    if (sub === 'create') {
      const { apiKey, key } = await createApiKey(db.prisma, values.name ?? '', parseRole(values.role ?? ''));
      if (values.json) process.stdout.write(`${JSON.stringify({ key, id: apiKey.id, name: apiKey.name, role: apiKey.role, prefix: apiKey.prefix })}\n`);
      else process.stdout.write(`${key}\n`);
      process.stderr.write(`created ${apiKey.role} key "${apiKey.name}" (id ${apiKey.id}); the key above is shown only once\n`);
      return 0;
    }
    if (sub === 'list') {
      const keys = await db.prisma.apiKey.findMany({ orderBy: { id: 'asc' } });
      if (values.json) process.stdout.write(`${JSON.stringify(keys.map(({ keyHash: _hash, ...shown }) => shown))}\n`);
      else process.stdout.write(keys.length === 0 ? 'no API keys\n' : `${keys.map(describe).join('\n')}\n`);
      return 0;
    }
    const id = values.id === undefined ? undefined : Number(values.id);
    if (id !== undefined && !Number.isSafeInteger(id)) return usage(`--id must be an integer: got ${JSON.stringify(values.id)}`);
    const found = await db.prisma.apiKey.findFirst({ where: id === undefined ? { prefix: values.prefix ?? '' } : { id } });
    if (found === null) {
      process.stderr.write(`keys: no key with ${id === undefined ? `prefix ${values.prefix}` : `id ${id}`}\n`);
      return 1;
    }
    process.stdout.write(`${describe(await revokeApiKey(db.prisma, found.id))}\n`);
    return 0;
  } catch (error) {
    if (isGraphQLError(error)) return usage(error.message);
    throw error;
  } finally {
    await db.close();
  }
}
