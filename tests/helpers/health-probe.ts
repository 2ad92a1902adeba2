/**
 * Measures how long other requests stall while something heavy runs: `GET /api/health` (which asks the
 * database `select 1`) one after another with ~`everyMs` between them; the figure is the slowest answer.
 * Shared by tests/server/abuse-limits.test.ts and bench/import-stall.ts.
 */
export interface ProbeResult {
  count: number;
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export function probeHealth(base: string, everyMs = 10): { stop: () => Promise<ProbeResult> } {
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${base}/api/health`).catch(() => null);
      latencies.push(performance.now() - started);
      if (res?.status !== 200) failures++;
      await res?.arrayBuffer().catch(() => {});
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return { count: sorted.length, maxMs: sorted[sorted.length - 1] ?? 0, p50Ms: at(0.5), p99Ms: at(0.99), failures };
    },
  };
}

/** A deterministic CartPole-shaped JSONL dataset of about `bytes` bytes (4 observations, discrete action). */
export function cartPoleJsonl(bytes: number): { text: string; samples: number } {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({ observation: [rand(), rand(), rand() * 0.2, rand()], action: i % 2, source: "expert", episode_index: Math.floor(i / 200), frame_index: i % 200 });
    lines.push(line);
    size += line.length + 1;
  }
  return { text: `${lines.join("\n")}\n`, samples: lines.length };
}
