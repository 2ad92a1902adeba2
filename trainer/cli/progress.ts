/**
 * A one-line terminal progress bar for DAgger rounds, written to stderr (stdout stays clean for
 * JSON). On a non-TTY stderr only the per-round summary lines are printed.
 */
import type { DaggerEvent, DaggerRoundReport } from "../dagger";

const PHASE_WEIGHT = { collect: 0.05, label: 0.05, train: 0.8, evaluate: 0.1 } as const;
const PHASE_START = { collect: 0, label: 0.05, train: 0.1, evaluate: 0.9 } as const;

export class RoundProgress {
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 24,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  event(e: DaggerEvent): void {
    if (!this.tty) return;
    const now = Date.now();
    if (e.phase === "train" && e.fraction < 1 && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    // Within a round: the DAgger arm fills the first half of the bar, the BC arm the second.
    const armOffset = e.arm === "bc" ? 0.5 : 0;
    const within = PHASE_START[e.phase] + PHASE_WEIGHT[e.phase] * Math.min(Math.max(e.fraction, 0), 1);
    const f = e.round === 0 ? within : armOffset + within / 2;
    const filled = Math.round(f * this.width);
    const bar = `${"█".repeat(filled)}${"░".repeat(this.width - filled)}`;
    const text = `round ${e.round}/${e.rounds - 1} [${bar}] ${e.arm} ${e.phase}${e.message ? ` ${e.message}` : ""}`;
    const cols = this.stream.columns ?? 100;
    this.stream.write(`\r${text.slice(0, cols - 1).padEnd(Math.min(cols - 1, 100))}`);
  }

  round(r: DaggerRoundReport): void {
    const fmt = (x: number | null): string => (x === null ? "  n/a" : x.toFixed(3));
    const line =
      `round ${String(r.round).padStart(2)}  labels ${String(r.totalLabels).padStart(6)}  ` +
      `DAgger ${fmt(r.dagger.normalizedReturn)} (R ${r.dagger.meanReturn.toFixed(1)})` +
      (r.bc ? `  BC ${fmt(r.bc.normalizedReturn)} (R ${r.bc.meanReturn.toFixed(1)})` : "") +
      `  train ${(r.dagger.training.trainMs / 1000).toFixed(1)}s`;
    this.stream.write(`${this.tty ? "\r\x1b[2K" : ""}${line}\n`);
  }
}
