// The GraphQL schema as SDL: every api/schema/*.graphql file, base.graphql first.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

const DIR = path.dirname(fileURLToPath(import.meta.url));

/** Parsed SDL documents of api/schema, base.graphql first then by file name. */
export function loadTypeDefs(): DocumentNode[] {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.graphql')).sort((a, b) =>
    a === 'base.graphql' ? -1 : b === 'base.graphql' ? 1 : a.localeCompare(b));
  return files.map((f) => parse(readFileSync(path.join(DIR, f), 'utf8')));
}
