// A one-line progress bar with elapsed time and time left, drawn on stderr only when it is a TTY.

/** Reports progress of `label`; `update(done, total)` redraws, `end()` finishes the line. No-op off a TTY. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(done: number, total: number): void; end(): void } {
  const enabled = stream.isTTY === true;
  const started = Date.now();
  let drawn = false;
  const fmt = (ms: number): string => {
    const s = Math.round(ms / 1000);
    return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
      : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  return {
    update(done, total) {
      if (!enabled) return;
      const frac = total === 0 ? 1 : done / total;
      const width = 30;
      const filled = Math.round(frac * width);
      const elapsed = Date.now() - started;
      const left = done === 0 ? '?' : fmt((elapsed / done) * (total - done));
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${fmt(elapsed)} elapsed, ${left} left `);
      drawn = true;
    },
    end() {
      if (enabled && drawn) stream.write('\n');
    },
  };
}
