/**
 * `npm run bench:dagger` — DAgger against behaviour cloning with the same label budget, with a scripted
 * (optionally noisy) expert, on:
 *   A. CarTrack-v0, clean labels, 10 rounds × 500 labels;
 *   B. CarTrack-v0, 20 % label noise, 3 labels/state (consensus), 10 × 500;
 *   C. CartPole-v1, 20 % label noise, 3 labels/state, 10 × 500;
 *   D. state selection: uniform at L labels/round vs uncertainty (5-member ensemble disagreement) at
 *      L/2 labels/round, clean labels, on CarTrack-v0 (L = 100) and CartPole-v1 (L = 60), 2 seeds,
 *      plus the control "uniform at L/2" (same rounds, same labels as uncertainty);
 *   E. Fork-v0 (multimodal), heads Gaussian vs mixture of Gaussians vs autoregressive vs CVAE vs
 *      diffusion, 5 × 500;
 *   F. CarTrack-v0, the same five heads, 3 × 500.
 * E and F also time inference (µs per `act`, deterministic and sampled) of each final DAgger policy:
 * bench/results/dagger-heads.{json,md} (NAME-heads with `--results NAME`).
 * Training runs in one trainer worker (wasm here) with the QUICK_TRAINING preset (≤100 epochs,
 * patience 10, lr 2e-3, ≤8 s per run); policies are evaluated deterministically on 10 held-out seeds
 * (Fork: 20) and normalised with the expert's and a random policy's returns on the same seeds.
 *
 * Saves bench/results/dagger.{json,md} (summary), dagger-rounds.{json,md} (every round) and
 * dagger.svg (normalised return against labels). `--only A,E` runs a subset; `--results NAME` writes
 * NAME.{json,md,svg} and NAME-rounds.* instead (so a subset does not replace the full run's files).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { runDagger, type DaggerReport, type TDaggerConfigInput } from "../trainer/dagger";
import { Policy } from "../trainer/policy/policy";
import { ZHeadConfig, type THeadConfig } from "../contracts/policy-spec";
import { rollout } from "../trainer/rollout";
import { QUICK_TRAINING } from "../trainer/dagger/presets";
import { TrainerWorker } from "../trainer/worker/client";
import { RESULTS_DIR, saveResults, type Row } from "./lib/results";

interface Series {
  readonly experiment: string;
  readonly label: string;
  readonly env: string;
  readonly arm: "dagger" | "bc";
  readonly seed: number;
  readonly points: Array<{ round: number; labels: number; normalized: number | null; meanReturn: number; success: number | null; trainMs: number }>;
}

interface Experiment {
  readonly id: string;
  readonly title: string;
  /** Panel title in the SVG. */
  readonly short: string;
  readonly runs: ReadonlyArray<{ label: string; config: TDaggerConfigInput; seeds?: readonly number[] }>;
}

const HEAD_KINDS = ["gaussian", "mog", "autoregressive", "cvae", "diffusion"] as const;
type HeadKind = (typeof HEAD_KINDS)[number];

/** The heads compared in E and F, each with its schema defaults (MoG K = 5, 41 bins, 2-D latent, T = 50 / DDIM × 10). */
function headFor(kind: HeadKind): THeadConfig {
  return kind === "gaussian" ? { kind, variance: "state" } : ZHeadConfig.parse({ kind });
}

/** Mean wall time of one `act` on states of the env (what a rollout step pays), deterministic and sampled. */
function inferenceCost(blob: Uint8Array, envId: string): { detUs: number; sampleUs: number } {
  const policy = Policy.fromBlob(blob);
  const states = rollout({ envId, policy, episodes: 1, firstSeed: 555, recordStates: false }).flatMap((t) => t.steps.map((s) => s.observation)).slice(0, 300);
  const time = (deterministic: boolean): number => {
    for (const o of states.slice(0, 50)) policy.act(o, { deterministic }); // warm-up
    const reps = 3;
    const t = performance.now();
    for (let r = 0; r < reps; r++) for (const o of states) policy.act(o, { deterministic });
    return ((performance.now() - t) * 1000) / (reps * states.length);
  };
  return { detUs: time(true), sampleUs: time(false) };
}

const EXPERIMENTS: readonly Experiment[] = [
  {
    id: "A",
    short: "CarTrack-v0, clean labels",
    title: "CarTrack-v0, clean labels, 500 labels/round",
    runs: [{ label: "uniform", config: { envId: "CarTrack-v0", rounds: 10, labelsPerRound: 500 } }],
  },
  {
    id: "B",
    short: "CarTrack-v0, 20% noise, 3 labels/state",
    title: "CarTrack-v0, 20% label noise, 3 labels/state",
    runs: [{ label: "uniform", config: { envId: "CarTrack-v0", rounds: 10, labelsPerRound: 500, labelNoise: 0.2, labelsPerState: 3 } }],
  },
  {
    id: "C",
    short: "CartPole-v1, 20% noise, 3 labels/state",
    title: "CartPole-v1, 20% label noise, 3 labels/state",
    runs: [{ label: "uniform", config: { envId: "CartPole-v1", rounds: 10, labelsPerRound: 500, labelNoise: 0.2, labelsPerState: 3 } }],
  },
  {
    id: "D1",
    short: "CarTrack-v0 state selection",
    title: "CarTrack-v0 state selection: uniform @100 vs uncertainty @50 labels/round",
    runs: [
      { label: "uniform@100", config: { envId: "CarTrack-v0", rounds: 10, labelsPerRound: 100, select: "uniform", ensembleSize: 5, compareBC: false }, seeds: [0, 1] },
      { label: "uncertainty@50", config: { envId: "CarTrack-v0", rounds: 10, labelsPerRound: 50, select: "uncertainty", ensembleSize: 5, compareBC: false }, seeds: [0, 1] },
      // Control: is it the selection, or just the number of rounds?
      { label: "uniform@50", config: { envId: "CarTrack-v0", rounds: 10, labelsPerRound: 50, select: "uniform", ensembleSize: 5, compareBC: false }, seeds: [0, 1] },
    ],
  },
  {
    id: "D2",
    short: "CartPole-v1 state selection",
    title: "CartPole-v1 state selection: uniform @60 vs uncertainty @30 labels/round",
    runs: [
      { label: "uniform@60", config: { envId: "CartPole-v1", rounds: 10, labelsPerRound: 60, select: "uniform", ensembleSize: 5, compareBC: false }, seeds: [0, 1] },
      { label: "uncertainty@30", config: { envId: "CartPole-v1", rounds: 10, labelsPerRound: 30, select: "uncertainty", ensembleSize: 5, compareBC: false }, seeds: [0, 1] },
      { label: "uniform@30", config: { envId: "CartPole-v1", rounds: 10, labelsPerRound: 30, select: "uniform", ensembleSize: 5, compareBC: false }, seeds: [0, 1] },
    ],
  },
  {
    id: "E",
    short: "Fork-v0 policy heads",
    title: "Fork-v0 heads (multimodal expert), 500 labels/round",
    runs: HEAD_KINDS.map((kind) => ({
      label: kind,
      config: { envId: "Fork-v0", rounds: 5, labelsPerRound: 500, evalEpisodes: 20, head: headFor(kind) },
    })),
  },
  {
    id: "F",
    short: "CarTrack-v0 policy heads",
    title: "CarTrack-v0 heads, clean labels, 500 labels/round",
    runs: HEAD_KINDS.map((kind) => ({
      label: kind,
      config: { envId: "CarTrack-v0", rounds: 3, labelsPerRound: 500, head: headFor(kind) },
    })),
  },
];

const THRESHOLD = 0.95;

function labelsToReach(points: Series["points"], threshold: number): number | null {
  const hit = points.find((p) => p.normalized !== null && p.normalized >= threshold);
  return hit?.labels ?? null;
}

/** Labels at the first round from which every later round stays ≥ threshold (null if never). */
function labelsToStay(points: Series["points"], threshold: number): number | null {
  for (let i = 0; i < points.length; i++) {
    if (points.slice(i).every((p) => p.normalized !== null && p.normalized >= threshold)) return points[i]?.labels ?? null;
  }
  return null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: "string" }, results: { type: "string" } } });
  const base = values.results ?? "dagger";
  const headRows: Row[] = [];
  const only = values.only?.split(",").map((s) => s.trim());
  const t0 = performance.now();
  const worker = TrainerWorker.start({ onLog: (m) => process.stderr.write(`${m}\n`) });
  const backend = await worker.ready();
  const series: Series[] = [];
  const reports: Record<string, DaggerReport> = {};
  try {
    for (const exp of EXPERIMENTS) {
      if (only && !only.includes(exp.id)) continue;
      for (const run of exp.runs) {
        for (const seed of run.seeds ?? [0]) {
          const t = performance.now();
          process.stderr.write(`[${exp.id}] ${exp.title} — ${run.label} seed ${seed} … `);
          const report = await runDagger(
            { evalEpisodes: 10, ...run.config, seed, training: QUICK_TRAINING },
            { train: (ds, cfg, opts) => worker.train(ds, cfg, opts).result },
          );
          reports[`${exp.id}/${run.label}/${seed}`] = report;
          const arms = report.rounds[0]?.bc ? (["dagger", "bc"] as const) : (["dagger"] as const);
          for (const arm of arms) {
            series.push({
              experiment: exp.id,
              label: arms.length > 1 ? `${run.label === "uniform" ? "" : `${run.label} `}${arm === "dagger" ? "DAgger" : "BC"}`.trim() : run.label,
              env: report.env,
              arm,
              seed,
              points: report.rounds.map((r) => {
                const a = arm === "dagger" ? r.dagger : (r.bc ?? r.dagger);
                return { round: r.round, labels: a.totalLabels, normalized: a.normalizedReturn, meanReturn: a.meanReturn, success: a.successRate, trainMs: a.training.trainMs };
              }),
            });
          }
          const last = report.rounds[report.rounds.length - 1];
          if ((exp.id === "E" || exp.id === "F") && report.finalPolicy !== undefined && last !== undefined) {
            const cost = inferenceCost(report.finalPolicy, report.env);
            const trainS = report.rounds.reduce((a, r) => a + r.dagger.training.trainMs, 0) / 1000;
            headRows.push({
              experiment: exp.id,
              env: report.env,
              head: run.label,
              labels: last.dagger.totalLabels,
              daggerSuccess: last.dagger.successRate,
              daggerReturn: last.dagger.meanReturn,
              daggerNormalized: last.dagger.normalizedReturn,
              bcSuccess: last.bc?.successRate ?? null,
              bcNormalized: last.bc?.normalizedReturn ?? null,
              trainSecondsAllRounds: trainS,
              lastTrainSeconds: last.dagger.training.trainMs / 1000,
              lastEpochs: last.dagger.training.epochsRun,
              lastStop: last.dagger.training.stopReason,
              samplesPerSec: last.dagger.training.samplesPerSec,
              actUsDeterministic: cost.detUs,
              actUsSampled: cost.sampleUs,
            });
          }
          process.stderr.write(
            `${((performance.now() - t) / 1000).toFixed(0)} s; final DAgger ${last?.dagger.normalizedReturn?.toFixed(3)}${last?.bc ? `, BC ${last.bc.normalizedReturn?.toFixed(3)}` : ""}\n`,
          );
        }
      }
    }
  } finally {
    await worker.terminate();
  }
  const wallS = (performance.now() - t0) / 1000;

  // ---- summary: one row per series (averaged over seeds) ----
  const groups = new Map<string, Series[]>();
  for (const s of series) groups.set(`${s.experiment}|${s.label}`, [...(groups.get(`${s.experiment}|${s.label}`) ?? []), s]);
  const mean = (xs: Array<number | null>): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  };
  const summary = [...groups.values()].map((g) => {
    const first = g[0] as Series;
    const lastPts = g.map((s) => s.points[s.points.length - 1]);
    const reach = g.map((s) => labelsToReach(s.points, THRESHOLD));
    const stay = g.map((s) => labelsToStay(s.points, THRESHOLD));
    return {
      experiment: first.experiment,
      env: first.env,
      series: first.label,
      seeds: g.length,
      rounds: first.points.length,
      finalLabels: lastPts[0]?.labels ?? 0,
      finalNormalized: mean(lastPts.map((p) => p?.normalized ?? null)),
      bestNormalized: mean(g.map((s) => Math.max(...s.points.map((p) => p.normalized ?? -Infinity)))),
      finalSuccess: mean(lastPts.map((p) => p?.success ?? null)),
      /** Mean over rounds 1..N (every DAgger round; round 0 is shared BC). */
      meanNormalizedRounds1toN: mean(g.map((s) => mean(s.points.slice(1).map((p) => p.normalized)))),
      labelsTo095: reach.some((r) => r === null) ? null : mean(reach),
      labelsToStay095: stay.some((r) => r === null) ? null : mean(stay),
      trainSeconds: (mean(g.map((s) => s.points.reduce((a, p) => a + p.trainMs, 0))) ?? 0) / 1000,
    };
  });
  if (headRows.length > 0) {
    saveResults(`${base}-heads`, {
      title: "Policy heads under DAgger: final round, training time and inference cost per action",
      rows: headRows,
      columns: [
        { key: "experiment", header: "exp" },
        { key: "env" },
        { key: "head" },
        { key: "labels" },
        { key: "daggerSuccess", header: "DAgger success" },
        { key: "daggerReturn", header: "DAgger return" },
        { key: "daggerNormalized", header: "DAgger norm." },
        { key: "bcSuccess", header: "BC success" },
        { key: "bcNormalized", header: "BC norm." },
        { key: "trainSecondsAllRounds", header: "train s (all rounds)" },
        { key: "lastTrainSeconds", header: "train s (last)" },
        { key: "lastEpochs", header: "epochs (last)" },
        { key: "lastStop", header: "stop (last)" },
        { key: "samplesPerSec", header: "samples/s" },
        { key: "actUsDeterministic", header: "µs/act det." },
        { key: "actUsSampled", header: "µs/act sampled" },
      ],
      notes: [
        `Backend: ${backend.detail}; QUICK_TRAINING ${JSON.stringify(QUICK_TRAINING)}; 64→64 MLPs. Success/return: the final round's DAgger (and BC) policy on the held-out seeds (deterministic actions).`,
        "µs/act: one `Policy.act` call (the plain-JS forward pass, batch 1) on 300 states of a rollout, mean of 3 passes after warm-up; 'sampled' draws from the policy. Diffusion: T = 50, 10 DDIM steps (2 chains deterministic, 3 sampled, for the spread probes). CVAE: 2-D latent.",
      ],
      extra: { backend },
    });
  }
  const md = saveResults(base, {
    title: "DAgger vs behaviour cloning (same labels), scripted experts",
    rows: summary,
    columns: [
      { key: "experiment", header: "exp" },
      { key: "env" },
      { key: "series" },
      { key: "seeds" },
      { key: "finalLabels", header: "labels" },
      { key: "finalNormalized", header: "final norm. return" },
      { key: "bestNormalized", header: "best" },
      { key: "meanNormalizedRounds1toN", header: "mean rounds 1–N" },
      { key: "finalSuccess", header: "final success" },
      { key: "labelsTo095", header: "labels to ≥0.95" },
      { key: "labelsToStay095", header: "labels to stay ≥0.95" },
      { key: "trainSeconds", header: "train s" },
    ],
    notes: [
      ...EXPERIMENTS.filter((e) => !only || only.includes(e.id)).map((e) => `${e.id}: ${e.title}`),
      `Backend: ${backend.detail}; training in one worker thread with QUICK_TRAINING (${JSON.stringify(QUICK_TRAINING)}); policies 64→64 MLP, ensembles of 5 for D.`,
      "Round 0 = behaviour cloning on expert demonstrations (every step of consecutive expert episodes); the BC arm keeps adding demonstration steps with the same label budget.",
      "Normalised return = (R − R_random)/(R_expert − R_random) on the held-out evaluation seeds; 'labels to ≥0.95' = total labels at the first round reaching 0.95; 'to stay' = from which every later round stays ≥ 0.95 (means over seeds; blank if a seed never did). 'mean rounds 1–N' averages every round after the shared round 0.",
      `Goals: A DAgger ≥ 0.95 within 10 rounds of ≤ 500 labels and BC clearly below; B DAgger ≥ 0.90; D uncertainty reaches uniform's score with ≤ 50% labels; E MoG/autoregressive (and the new CVAE/diffusion heads) ≥ 95% success, Gaussian clearly fails. Wall time ${wallS.toFixed(0)} s.`,
    ],
    extra: { backend, wallSeconds: wallS, threshold: THRESHOLD },
  });
  saveResults(`${base}-rounds`, {
    title: "DAgger vs BC, every round",
    rows: series.flatMap((s) =>
      s.points.map((p) => ({ experiment: s.experiment, env: s.env, series: s.label, seed: s.seed, round: p.round, labels: p.labels, normalizedReturn: p.normalized, meanReturn: p.meanReturn, successRate: p.success, trainSeconds: p.trainMs / 1000 })),
    ),
    notes: [`Backend: ${backend.detail}`],
    extra: { backend },
  });
  writeFileSync(path.join(RESULTS_DIR, `${base}.svg`), renderSvg(series, only));
  process.stdout.write(`${md}\nwrote bench/results/${base}.{json,md,svg} and ${base}-rounds.{json,md}${headRows.length > 0 ? ` and ${base}-heads.{json,md}` : ""} in ${wallS.toFixed(0)} s\n`);
}

// ---------------------------------------------------------------- SVG plot (small multiples)

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

function renderSvg(series: readonly Series[], only: readonly string[] | undefined): string {
  const exps = EXPERIMENTS.filter((e) => (!only || only.includes(e.id)) && series.some((s) => s.experiment === e.id));
  const cols = 3;
  const pw = 360;
  const ph = 250;
  const m = { l: 46, r: 12, t: 34, b: 40 };
  const rows = Math.ceil(exps.length / cols);
  const W = cols * pw;
  const H = rows * ph + 24;
  const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">Normalised return vs total expert labels (mean over seeds)</text>`,
  ];
  exps.forEach((exp, i) => {
    const ox = (i % cols) * pw;
    const oy = 24 + Math.floor(i / cols) * ph;
    const mine = series.filter((s) => s.experiment === exp.id);
    const maxX = Math.max(...mine.flatMap((s) => s.points.map((p) => p.labels)), 1);
    const yMin = Math.min(-0.1, ...mine.flatMap((s) => s.points.map((p) => p.normalized ?? 0)));
    const yMax = 1.1;
    const x = (v: number): number => ox + m.l + (v / maxX) * (pw - m.l - m.r);
    const y = (v: number): number => oy + m.t + ((yMax - v) / (yMax - yMin)) * (ph - m.t - m.b);
    out.push(`<text x="${ox + pw / 2}" y="${oy + 14}" text-anchor="middle" font-weight="bold">${esc(`${exp.id}. ${exp.short}`)}</text>`);
    // axes and grid
    for (const g of [0, 0.5, 0.95, 1]) {
      out.push(`<line x1="${x(0)}" x2="${x(maxX)}" y1="${y(g)}" y2="${y(g)}" stroke="${g === 0.95 ? "#bbb" : "#eee"}" ${g === 0.95 ? 'stroke-dasharray="3,3"' : ""}/>`);
      if (g !== 0.95) out.push(`<text x="${x(0) - 4}" y="${y(g) + 3}" text-anchor="end" fill="#555">${g}</text>`);
    }
    out.push(`<line x1="${x(0)}" x2="${x(maxX)}" y1="${y(yMin)}" y2="${y(yMin)}" stroke="#333"/>`);
    out.push(`<line x1="${x(0)}" x2="${x(0)}" y1="${y(yMin)}" y2="${y(yMax)}" stroke="#333"/>`);
    for (const t of [0, 0.5, 1]) out.push(`<text x="${x(maxX * t)}" y="${y(yMin) + 14}" text-anchor="middle" fill="#555">${Math.round(maxX * t)}</text>`);
    out.push(`<text x="${ox + pw / 2}" y="${oy + ph - 6}" text-anchor="middle" fill="#333">labels</text>`);
    // one line per series label, averaged over seeds
    const labels = [...new Set(mine.map((s) => s.label))];
    labels.forEach((label, li) => {
      const runs = mine.filter((s) => s.label === label);
      const n = (runs[0] as Series).points.length;
      const pts: string[] = [];
      for (let r = 0; r < n; r++) {
        const vals = runs.map((s) => s.points[r]?.normalized).filter((v): v is number => v !== null && v !== undefined);
        if (vals.length === 0) continue;
        const v = vals.reduce((a, b) => a + b, 0) / vals.length;
        pts.push(`${x((runs[0] as Series).points[r]!.labels).toFixed(1)},${y(v).toFixed(1)}`);
      }
      const color = COLORS[li % COLORS.length] as string;
      const dashed = label.includes("BC") ? ' stroke-dasharray="5,3"' : "";
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dashed} points="${pts.join(" ")}"/>`);
      for (const p of pts) {
        const [px, py] = p.split(",");
        out.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`);
      }
      // Legend in the lower right (the curves live near 1).
      const ly = oy + ph - m.b - 8 - (labels.length - 1 - li) * 13;
      out.push(`<line x1="${ox + pw - 150}" x2="${ox + pw - 130}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dashed}/>`);
      out.push(`<text x="${ox + pw - 126}" y="${ly}">${esc(label)}</text>`);
    });
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
