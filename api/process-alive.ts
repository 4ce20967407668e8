// Whether a process id is alive on this host (the embedded PostgreSQL's postmaster, a worker).

/** True when process `pid` exists here; EPERM means it exists but belongs to another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
