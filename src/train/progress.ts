// Node-only (draws on process.stderr).
// Progress reporting for long loops: a redrawn bar with speed and ETA on a terminal, plain lines
// (every 10% and at the end) when output goes to a file or a pipe.

export interface ProgressOptions {
  /** Where to draw (default process.stderr: stdout stays clean for --json). */
  stream?: NodeJS.WriteStream;
  /** Text before the bar, e.g. `epoch 1/10`. */
  label: string;
  /** Unit of one step for the speed, e.g. `it` or `img`. */
  unit?: string;
}

/**
 * A progress bar: `update(done, note)` as work goes, `finish(note)` once.
 *
 * @example
 * const bar = new ProgressBar(1000, { label: 'epoch 1/1' });
 * for (let i = 1; i <= 1000; i++) bar.update(i, `loss 0.12`);
 * bar.finish('loss 0.11');
 */
export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly start = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(
    private readonly total: number,
    private readonly options: ProgressOptions,
  ) {
    this.stream = options.stream ?? process.stderr;
  }

  /** Reports `done` of `total` steps; draws at most ten times a second. */
  update(done: number, note = ''): void {
    const now = performance.now();
    if (this.stream.isTTY) {
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      this.stream.write(`\r${this.line(done, note, now)}\x1b[K`);
      return;
    }
    const decile = Math.floor((10 * done) / Math.max(1, this.total));
    if (decile > this.lastDecile && done < this.total) {
      this.lastDecile = decile;
      this.stream.write(`${this.line(done, note, now)}\n`);
    }
  }

  /** Draws the final state and ends the line; `done` is less than the total when the work stopped early. */
  finish(note = '', done = this.total): void {
    const line = this.line(done, note, performance.now(), true);
    this.stream.write(this.stream.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  private line(done: number, note: string, now: number, final = false): string {
    const seconds = (now - this.start) / 1000;
    const fraction = this.total > 0 ? done / this.total : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const speed = seconds > 0 ? done / seconds : 0;
    const eta = speed > 0 ? (this.total - done) / speed : Number.NaN;
    const unit = this.options.unit ?? 'it';
    const timing =
      final || done >= this.total
        ? formatDuration(seconds)
        : `${formatDuration(seconds)}<${formatDuration(eta)}`;
    const counts = `${done}/${this.total}`;
    return `${this.options.label} ${(100 * fraction).toFixed(0).padStart(3)}% ${bar} ${counts} [${timing}, ${formatSpeed(speed)} ${unit}/s] ${note}`.trimEnd();
  }
}

/** `75s` → `1:15`, `3725s` → `1:02:05`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function formatSpeed(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}
