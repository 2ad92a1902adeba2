/**
 * DAgger vs behaviour cloning on CarTrackPixels-v0 with ConvNet image policies: a summary of `npm run dagger`
 * reports (`--json`), saved as bench/results/dagger-pixels.{json,md}.
 *
 *   npm run dagger -- --env CarTrackPixels-v0 --rounds 2 --labels-per-round 500 --expert scripted --json a.json
 *   npx tsx bench/dagger-pixels.ts --load "9–12" a.json [b.json …]
 *
 * The goal is `--rounds 10 --labels-per-round 500` over ≥ 3 seeds: DAgger ≥ 0.90 normalised return and
 * BC ≥ 0.1 below. On a shared 2-core CPU one such run takes hours (see the notes), so the saved rows say which
 * runs were made; the goal row stays "not run" until a report with 10 rounds of 500 labels for 3 seeds exists.
 */
import fs from "node:fs";
import { saveResults } from "./lib/results";

interface Arm {
  normalizedReturn: number | null;
  details: { training: { trainMs: number; epochsRun: number; samplesPerSec: number }; datasetSize: number };
}
interface Report {
  env: string;
  backend: string;
  wallMs: number;
  config: { rounds: number; labelsPerRound: number; seed: number; evalEpisodes: number };
  rounds: { round: number; totalLabels: number; dagger: Arm; bc?: Arm }[];
}

const args = process.argv.slice(2);
const loadAt = args.indexOf("--load");
const load = loadAt >= 0 ? (args[loadAt + 1] as string) : "unknown";
const files = args.filter((_, i) => i !== loadAt && i !== loadAt + 1);
if (files.length === 0) throw new Error("usage: tsx bench/dagger-pixels.ts [--load L] report.json …");

const reports = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as Report);
const rows = reports.flatMap((r) =>
  r.rounds.map((x) => ({
    run: `${r.config.rounds} rounds × ${r.config.labelsPerRound} labels, seed ${r.config.seed}`,
    round: x.round,
    labels: x.totalLabels,
    dagger: x.dagger.normalizedReturn ?? Number.NaN,
    bc: x.bc?.normalizedReturn ?? Number.NaN,
    daggerTrainS: x.dagger.details.training.trainMs / 1000,
    bcTrainS: x.bc ? x.bc.details.training.trainMs / 1000 : Number.NaN,
    samplesPerSec: x.dagger.details.training.samplesPerSec,
    runWallS: r.wallMs / 1000,
  })),
);
// Wall time of round r: a run of r + 1 rounds minus a run of r rounds with the same seed and budget (the loop is
// deterministic per seed, so both share rounds 0..r−1 exactly — their figures are identical).
const roundWalls = reports.flatMap((r) => {
  const shorter = reports.find((o) => o.config.seed === r.config.seed && o.config.labelsPerRound === r.config.labelsPerRound && o.config.rounds === r.config.rounds - 1);
  const single = r.config.rounds === 1 ? [`round 0 at ${r.config.labelsPerRound} labels: ${(r.wallMs / 1000).toFixed(0)} s (with the reference returns)`] : [];
  return shorter ? [...single, `round ${r.config.rounds - 1} at ${r.config.labelsPerRound} labels/round, both arms: ${((r.wallMs - shorter.wallMs) / 1000).toFixed(0)} s`] : single;
});
const goalRun = reports.filter((r) => r.config.rounds >= 10 && r.config.labelsPerRound === 500);
const seeds = new Set(goalRun.map((r) => r.config.seed)).size;

saveResults("dagger-pixels", {
  title: "DAgger vs behaviour cloning on CarTrackPixels-v0 (ConvNet image policies, wasm)",
  rows,
  columns: [
    { key: "run" },
    { key: "round" },
    { key: "labels" },
    { key: "dagger", header: "DAgger norm. return" },
    { key: "bc", header: "BC norm. return" },
    { key: "daggerTrainS", header: "DAgger train s" },
    { key: "bcTrainS", header: "BC train s" },
    { key: "samplesPerSec", header: "DAgger train samples/s" },
    { key: "runWallS", header: "run wall s" },
  ],
  notes: [
    `Backend: ${reports[0]?.backend ?? "?"}; evaluation: ${reports[0]?.config.evalEpisodes ?? "?"} held-out episodes per policy; default ConvNet encoder (32-32-32, spatial softmax) and 64-64 head.`,
    ...(roundWalls.length ? [`Wall time per round (seed 0): ${roundWalls.join("; ")}.`] : []),
    `Machine load (1-minute average) while these runs were made: ${load}; other engineers' work shared the 2 cores.`,
    seeds >= 3
      ? `Goal runs (10 rounds × 500 labels): ${seeds} seeds.`
      : `Goal (10 rounds × 500 labels, ≥ 3 seeds: DAgger ≥ 0.90, BC ≥ 0.1 lower): **not run** — ${seeds} seed(s) of the full run exist. Acting costs ≈ 40 ms a step in plain JS, so a policy that drives the whole 1000 steps costs ≈ 40 s per evaluation episode; training time grows with the dataset (500 samples → 3 min, 1000 → 2–4 min; ≈ 5000 samples → ≈ 20 min per arm by round 9). Estimated ≈ 4–5 h per seed for both arms, ≈ 15 h for 3 seeds.`,
    "Round 0 is behaviour cloning on the expert's demonstrations (both arms share it). The run wall time includes measuring the expert's and a random policy's reference returns.",
  ],
  extra: { goalSeeds: seeds },
});
console.log(fs.readFileSync("bench/results/dagger-pixels.md", "utf8"));
