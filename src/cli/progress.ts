/** A progress bar on a terminal; silent when stderr is not a TTY (CI, pipes). */
export function progressBar(): ((done: number, total: number, phase: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (done, total, phase) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const width = 30;
    const ratio = total ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    process.stderr.write(
      `\r${phase.padEnd(14)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total}   `,
    );
    if (done >= total) process.stderr.write('\n');
  };
}
