/**
 * The goals of the reliability and benchmarks issue, each with the figure measured in the saved results and a
 * met/MISSED mark — the first thing bench/results/README.md shows. Read from the JSON results, never typed in.
 */
import fs from "node:fs";
import path from "node:path";
import { RESULTS_DIR } from "./results";
import type { labelEfficiency } from "./label-efficiency";
import { median } from "./stats";

type Row = Record<string, unknown>;

function rows(name: string): { rows: Row[]; date: string; extra: Row } | null {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  if (!fs.existsSync(file)) return null;
  const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { rows: Row[]; date: string; extra?: Row };
  return { rows: saved.rows, date: saved.date.slice(0, 10), extra: saved.extra ?? {} };
}

const num = (v: unknown) => (typeof v === "number" ? v : Number.NaN);
const mark = (ok: boolean) => (ok ? "met" : "**MISSED**");

export function goalsSection(): string[] {
  const lines = ["## Goals", "", "| benchmark | goal | measured | mark | date |", "| --- | --- | --- | --- | --- |"];
  const api = rows("api");
  if (api) {
    // Issue 19's goals: batched flat-out throughput against raw inserts, and the paced tails (label and claim).
    const batched = api.rows.find((r) => r.engine === "postgres" && typeof r.mode === "string" && r.mode.startsWith("batched"));
    const paced = api.rows.find((r) => r.engine === "postgres" && r.mode === "paced 0.8 s");
    if (batched) {
      lines.push(`| bench:api | batched (20 a request) labels/s ≥ 40% of raw pg inserts, 100 clients, PostgreSQL | ${num(batched.labelsPerSecond)} vs ${num(batched.rawInsertsPerSecond)} /s: ratio ${num(batched.ratio)} | ${mark(num(batched.ratio) >= 0.4)} | ${api.date} |`);
    }
    if (paced) {
      lines.push(`| bench:api | label p99 ≤ 25 ms, 100 labellers at a person's pace (${String(paced.mode)}), single-label calls, PostgreSQL | ${num(paced.p99Ms)} ms (p50 ${num(paced.p50Ms)} ms; server-side p99 ${num(paced.serverP99Ms)} ms) | ${mark(num(paced.p99Ms) <= 25)} | ${api.date} |`);
      lines.push(`| bench:api | claim p99 ≤ 25 ms, same run | ${num(paced.claimP99Ms)} ms (server-side p99 ${num(paced.serverClaimP99Ms)} ms) | ${mark(num(paced.claimP99Ms) <= 25)} | ${api.date} |`);
    }
  }
  const rt = rows("realtime");
  if (rt) {
    for (const setup of ["one node (PGlite)", "two processes (PostgreSQL)"]) {
      const r = rt.rows.find((x) => x.setup === setup && x.measure === "per-client delivery (ms)");
      if (r) lines.push(`| bench:realtime | delivery p99 ≤ 50 ms to 500 clients, ${setup} | ${num(r.p99)} ms (p50 ${num(r.p50)} ms) | ${mark(num(r.p99) <= 50)} | ${rt.date} |`);
    }
  }
  const round = rows("round");
  if (round) {
    const r = round.rows.find((x) => x.labels === 10000 && String(x.config).startsWith("current"));
    if (r) lines.push(`| bench:round | last label → policy published ≤ 15 s at 10k samples on CPU (${String(r.backend)}) | ${(num(r.wallMs) / 1000).toFixed(1)} s | ${mark(num(r.wallMs) <= 15_000)} | ${round.date} |`);
  }
  const pyact = rows("pyact");
  if (pyact) {
    for (const r of pyact.rows.filter((x) => x.goal === "met" || x.goal === "MISSED")) {
      lines.push(`| bench:pyact | Python act() ≤ 100 µs per call, default MLP, deterministic, batch 1: ${String(r.label)} | ${num(r.meanUs)} µs (p50 ${num(r.p50Us)} µs) | ${mark(num(r.meanUs) <= 100)} | ${pyact.date} |`);
    }
  }
  const exp = rows("export");
  if (exp) {
    // The default server configuration only (runs since 2026-12-06 also hold an opt-in heap setting, for comparison).
    const judged = exp.rows.filter((r) => r.heap === undefined || r.heap === "default");
    const parquet = judged.filter((r) => r.engine === "postgres" && String(r.operation).startsWith("export LeRobot"));
    if (parquet.length) {
      const rates = parquet.map((r) => num(r.samplesPerSecond));
      const rate = median(rates);
      const runs = rates.length > 1 ? ` (median of ${rates.length} runs, ${Math.min(...rates)}–${Math.max(...rates)})` : "";
      lines.push(`| bench:export | export of ${num(parquet[0]!.samples)} samples to Parquet ≥ 50k samples/s, PostgreSQL | ${Math.round(rate)} samples/s${runs} | ${mark(rate >= 50_000)} | ${exp.date} |`);
    }
    // The issue attaches the RSS goal to the export (as bench/export.ts judges it); the worst import is said beside.
    const rssOf = (kind: string) => Math.max(...judged.filter((r) => String(r.operation).startsWith(kind)).map((r) => num(r.rssGrowthMiB)));
    const [rss, importRss] = [rssOf("export"), rssOf("import")];
    lines.push(`| bench:export | peak RSS growth during an export ≤ 100 MiB (worst of both engines) | ${rss} MiB (imports, not judged: at most ${importRss} MiB) | ${mark(rss <= 100)} | ${exp.date} |`);
    for (const engine of ["postgres", "pglite"]) {
      const mine = judged.filter((r) => r.engine === engine);
      if (mine.length === 0) continue;
      // Judged on the server's own event-loop delay where the run measured it (bench metrics); older runs: the probe.
      const loop = mine.every((r) => typeof r.eventLoopMaxMs === "number");
      const key = loop ? "eventLoopMaxMs" : "healthMaxMs";
      const worst = mine.reduce((a, b) => (num(b[key]) > num(a[key]) ? b : a));
      const probe = loop ? `; /api/health probe max ${Math.max(...mine.map((r) => num(r.healthMaxMs)))} ms` : "";
      const what = loop ? "longest event-loop stall (while /api/health is probed)" : "longest /api/health stall";
      lines.push(`| bench:export | ${what} during export or import ≤ 100 ms, ${engine} | ${num(worst[key])} ms (${String(worst.operation)}${probe}) | ${mark(num(worst[key]) <= 100)} | ${exp.date} |`);
    }
  }
  const ingest = rows("ingest");
  if (ingest) {
    for (const r of ingest.rows.filter((x) => x.engine === "postgres" && String(x.path).endsWith("client"))) {
      lines.push(`| bench:ingest | ≥ 500 frames/s (64×64 PNG) through the ${String(r.path)}, PostgreSQL | ${num(r.framesPerSecond)} frames/s | ${mark(num(r.framesPerSecond) >= 500)} | ${ingest.date} |`);
      lines.push(`| bench:ingest | ≥ 20,000 steps/s through the ${String(r.path)}, PostgreSQL | ${num(r.stepsPerSecond)} steps/s | ${mark(num(r.stepsPerSecond) >= 20_000)} | ${ingest.date} |`);
    }
  }
  // Issue 18: ConvNet training throughput on wasm (reported), and on WebGPU ≥ 10× wasm where a GPU is lent.
  const convnet = (saved: { rows: Row[] } | null, backend: string): Row | undefined =>
    saved?.rows.find((r) => r.backend === backend && String(r.benchmark).startsWith("ConvNet") && typeof r.samplesPerSec === "number");
  const trainer = rows("trainer");
  const wasmConv = convnet(trainer, "wasm + MatMul fix");
  if (trainer && wasmConv) {
    lines.push(`| bench:trainer | ConvNet 64×64×3 at batch 64 on wasm: reported | ${num(wasmConv.samplesPerSec).toFixed(1)} samples/s | reported | ${trainer.date} |`);
  }
  const gpu = rows("trainer-gpu");
  const gpuConv = convnet(gpu, "webgpu");
  const gpuWasm = convnet(gpu, "wasm + MatMul fix");
  if (gpu && gpuConv && gpuWasm) {
    const ratio = num(gpuConv.samplesPerSec) / num(gpuWasm.samplesPerSec);
    lines.push(`| bench:trainer | ConvNet 64×64×3 at batch 64 on WebGPU ≥ 10× wasm (same GPU machine) | ${ratio.toFixed(1)}× (${num(gpuConv.samplesPerSec).toFixed(0)} vs ${num(gpuWasm.samplesPerSec).toFixed(1)} samples/s) | ${mark(ratio >= 10)} | ${gpu.date} |`);
  } else {
    lines.push("| bench:trainer | ConvNet 64×64×3 at batch 64 on WebGPU ≥ 10× wasm (where a GPU is lent) | unmeasured: no GPU lent yet — run scripts/gpu-check.sh | not run | — |");
  }
  // Issue 18: labelling an image state, key → next state painted ≤ 50 ms median (bench:ui's image scenario).
  const ui = rows("ui");
  const imageRow = ui?.rows.find((r) => r.scenario === "image" && r.measure === "key → next state painted (median)");
  const imageP95 = ui?.rows.find((r) => r.scenario === "image" && r.measure === "key → next state painted (p95)");
  if (imageRow) {
    lines.push(`| bench:ui | CarTrackPixels-v0 image state: key → next state painted ≤ 50 ms median, Chromium | ${num(imageRow.value)} ms (p95 ${num(imageP95?.value)} ms, n ${num(imageRow.n)}) | ${mark(num(imageRow.value) <= 50)} | ${ui!.date} |`);
  } else {
    lines.push("| bench:ui | CarTrackPixels-v0 image state: key → next state painted ≤ 50 ms median, Chromium | unmeasured: run `npm run bench:ui -- --only image` | not run | — |");
  }
  // The goal's runs (bench/dagger-pixels.ts): one seed per run folder, its rows marked "complete" once all 10
  // rounds are in; each arm's final round, averaged over the complete seeds. Judged on CarTrackPixels-v1; v0 (the
  // task the issue first named, where BC matches DAgger) is reported beside it.
  for (const [name, env] of [["dagger-pixels-v1", "CarTrackPixels-v1"], ["dagger-pixels", "CarTrackPixels-v0"]] as const) {
    const pixels = rows(name);
    if (!pixels) continue;
    const goal = "DAgger ≥ 0.90 and BC ≥ 0.1 lower, 10 rounds × 500 labels, ≥ 3 seeds, CPU";
    const finals = pixels.rows.filter((r) => r.status === "complete" && r.round === 9);
    const mean = (k: string) => finals.reduce((a, r) => a + num(r[k]), 0) / Math.max(finals.length, 1);
    const [d, b] = [mean("dagger"), mean("bc")];
    const measured = `DAgger ${d.toFixed(3)}, BC ${b.toFixed(3)} at the last round (${finals.length} complete seed(s))`;
    if (finals.length >= 3) {
      lines.push(`| bench:dagger-pixels | ${env}: ${goal} | ${measured} | ${mark(d >= 0.9 && d - b >= 0.1)} | ${pixels.date} |`);
      // bench:efficacy's reading of "BC with the same labels" (its goal 2), as bench/dagger-pixels.ts judged it.
      const eff = pixels.extra.labelEfficiency as ReturnType<typeof labelEfficiency> | undefined;
      if (eff) {
        const labels = (n: number | null) => (n === null ? "> budget" : n.toLocaleString("en-US"));
        lines.push(
          `| bench:dagger-pixels | ${env}: label efficiency — where DAgger first reaches 0.90, BC with the same labels ≥ 0.1 lower (mean over ≥ 3 seeds) | DAgger − BC ${eff.gap.mean.toFixed(3)} ± ${eff.gap.ci95.toFixed(3)} (95% CI; per seed ${eff.crossings.map((x) => (x ? x.gap.toFixed(3) : "–")).join(", ")}); median labels to 0.90: DAgger ${labels(eff.daggerMedianLabels)}, BC ${labels(eff.bcMedianLabels)} | ${mark(pixels.extra.labelEfficiencyMet === true)} | ${pixels.date} |`,
        );
      }
    } else if (finals.length > 0) {
      // Fewer than 3 seeds: not judged, but a gap already far below 0.1 on every seed is said as it is.
      lines.push(`| bench:dagger-pixels | ${env}: ${goal} | ${measured}; fewer than 3 seeds | ${d - b < 0.1 ? "**MISSED** so far" : "not judged"} | ${pixels.date} |`);
    } else {
      lines.push(`| bench:dagger-pixels | ${env}: ${goal} | no complete seed yet | not run | ${pixels.date} |`);
    }
  }
  const efficacyFile = path.join(RESULTS_DIR, "efficacy.json");
  if (fs.existsSync(efficacyFile)) {
    const saved = JSON.parse(fs.readFileSync(efficacyFile, "utf8")) as { date: string; settings?: { quick?: boolean }; goals?: Array<{ goal: string; measured: string; mark: string }> };
    const tag = saved.settings?.quick ? "bench:efficacy --quick" : "bench:efficacy";
    for (const g of saved.goals ?? []) {
      const m = g.mark === "met" ? "met" : g.mark === "MISSED" ? "**MISSED**" : "not run";
      lines.push(`| ${tag} | ${g.goal.replace(/\|/g, "\\|")} | ${g.measured.replace(/\|/g, "\\|")} | ${m} | ${saved.date.slice(0, 10)} |`);
    }
  }
  return [...lines, "", "Every figure sits beside its reference and machine in its own section below.", ""];
}
