// One-line-per-event logging to stderr, filtered by level.
import type { LogLevel } from './config.js';

export interface Logger {
  debug(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function render(detail: unknown): string {
  if (detail === undefined) return '';
  if (detail instanceof Error) return ` ${detail.stack ?? detail.message}`;
  return ` ${JSON.stringify(detail)}`;
}

/** A Logger writing `<ISO time> <level> <message> <detail>` lines to stderr for levels >= `level`. */
export function createLogger(level: LogLevel): Logger {
  const write = (at: LogLevel) => (message: string, detail?: unknown) => {
    if (RANK[at] < RANK[level]) return;
    process.stderr.write(`${new Date().toISOString()} ${at} ${message}${render(detail)}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
