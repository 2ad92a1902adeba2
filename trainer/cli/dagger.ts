/**
 * Headless DAgger with a scripted expert, from the command line:
 *
 *   npm run dagger -- --env CarTrack-v1 --rounds 10 --labels-per-round 500 --expert scripted \
 *     [--label-noise 0.2 --labels-per-state 3] [--select uniform|uncertainty|thrifty] \
 *     [--head gaussian|mog|autoregressive|cvae|diffusion|categorical] [--seeds 5] \
 *     [--labeller people --noisy-fraction 0.25 --aggregation reliability] --json out.json
 *
 * Progress goes to stderr; `--json` writes the report. Training runs in a worker thread
 * (`--in-process` trains on the main thread instead). `--help` lists every option.
 */
import { writeFileSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { getEnvSpec } from "../../envs/index";
import { parseBetaSchedule, MAX_DEMO_SEED, runDagger, ZDaggerConfig, type DaggerReport, type DaggerRoundReport, type TDaggerConfig, type TDaggerConfigInput, type TrainFn } from "../dagger";
import { openCheckpointDir } from "../dagger/checkpoint-dir";
import { loadBackend } from "../backend";
import { loadTfActingPolicy, type TfActingPolicy } from "../policy/tf-acting";
import { meanCi95 } from "../dagger/summary";
import { ZHeadConfig, type THeadConfig } from "../../contracts/policy-spec";
import { trainPolicy } from "../train";
import { TrainerWorker } from "../worker/client";
import { RoundProgress } from "./progress";

const HELP = `Usage: npm run dagger -- --env <id> [options]

  --env ID                 environment (e.g. CarTrack-v1, CartPole-v1, Fork-v1)
  --rounds N               rounds including round 0 = behaviour cloning (default 10)
  --labels-per-round N     label budget per round (default 500)
  --expert scripted        the expert behind every simulated labeller (only "scripted" headless)
  --labeller L             scripted | people (default scripted). people: a crowd of people-like
                           labellers (reaction delay, bias, fatigue, mode flips, "can't tell")
  --crowd-size N           people in the crowd (default 10)
  --noisy-fraction P       share of noisy people in the crowd (default 0.25)
  --label-noise P          scripted labeller: probability a label is a random action (default 0)
  --labels-per-state K     labels per state, combined by --aggregation (default 1)
  --aggregation A          consensus | reliability | all (default consensus: majority / median,
                           mode-aware; reliability: Dawid–Skene weights, needs --labeller people;
                           all: every label is a sample)
  --gold P                 share of gold states for --aggregation reliability (default 0.05)
  --select S               uniform | uncertainty | thrifty (default uniform; the others use an ensemble)
  --head H                 categorical | gaussian | gaussian-global | mog | autoregressive | cvae | diffusion
  --components K           mixture components for --head mog (default 5)
  --bins B                 bins per dimension for --head autoregressive (default 41)
  --ensemble N             ensemble members (default 5 with --select uncertainty, else 1)
  --hidden 64,64           hidden layer sizes (default 64,64)
  --beta SCHEDULE          0.3 | constant:0.3 | linear:1:0:10 | exp:0.5 (default 0)
  --eval-episodes N        evaluation episodes per policy (default 10)
  --epochs N --batch-size N --lr X --patience N --max-train-ms N    training settings
  --train-steps N          optimiser steps per training (epochs follow from the dataset size), so a
                           round's training costs the same at 500 and at 5,000 samples
  --warm-start             continue from the previous round's policy instead of from scratch
  --acting A               tfjs | js: how image policies act in rollouts and evaluation (default tfjs:
                           their convolutions on the tfjs wasm backend, episodes side by side in one
                           batch; js: the plain-JS encoder, one step at a time — same actions, ~10× slower)
  --checkpoint DIR         keep each finished (round, arm) under DIR/seed-N (policy, training result,
                           evaluation) and the report so far in DIR/seed-N/report.json
  --resume                 continue the runs in --checkpoint DIR where they stopped (same settings)
  --until-round R          stop after round R (to be continued with --resume)
  --no-bc                  skip the behaviour-cloning comparison arm
  --demos D                episodes | states: how round 0 and the BC arm spend their labels (default
                           episodes: every step of consecutive expert episodes, like teleoperation;
                           states: a uniform sample of states from a pool of expert episodes)
  --demo-seed N            the episode seed demonstrations start from (default 1000; ≤ 10000)
  --env-option K=V         an env option, repeatable (numbers as numbers), e.g. drift=0 noise=0 for
                           CarTrack's deterministic dynamics
  --in-process             train on the main thread instead of a worker
  --seed N                 (default 0)
  --seeds S                several runs: a count ("5" = seeds 0..4) or a list ("0,3,7"); the
                           summary gives each round's mean normalised return ± 95% CI
  --json FILE              write the report as JSON (with --seeds: every run and the summary)
  --quiet                  no progress output
`;

function fail(message: string): never {
  process.stderr.write(`dagger: ${message}\n\nRun with --help for the options.\n`);
  process.exit(2);
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) fail(`--${name} must be an integer, got "${v}"`);
  return n;
}

/** `--env-option K=V` pairs → env options; a value that reads as a number is one. */
function parseEnvOptions(pairs: readonly string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z_][\w]*)=(.+)$/.exec(pair);
    if (!match) fail(`--env-option must look like key=value, not "${pair}"`);
    const [, key, value] = match as unknown as [string, string, string];
    options[key] = value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return options;
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`--${name} must be a number, got "${v}"`);
  return n;
}

function headFrom(kind: string | undefined, components: number | undefined, bins: number | undefined): THeadConfig | undefined {
  if (kind === undefined) return undefined;
  const raw =
    kind === "gaussian-global"
      ? { kind: "gaussian", variance: "global" }
      : kind === "mog"
        ? { kind, ...(components === undefined ? {} : { components }) }
        : kind === "autoregressive"
          ? { kind, ...(bins === undefined ? {} : { bins }) }
          : { kind };
  const parsed = ZHeadConfig.safeParse(raw);
  if (!parsed.success) fail(`--head must be categorical | gaussian | gaussian-global | mog | autoregressive | cvae | diffusion, got "${kind}"`);
  return parsed.data;
}

function parseSeeds(v: string): number[] {
  if (/^\d+$/.test(v.trim())) {
    const n = Number(v);
    if (n < 1 || n > 100) fail(`--seeds: a count must be 1..100, got ${n}`);
    return Array.from({ length: n }, (_, i) => i);
  }
  const list = v.split(",").map((s) => int("seeds", s.trim()) as number);
  if (list.length === 0 || new Set(list).size !== list.length) fail(`--seeds: give a count or distinct integers, got "${v}"`);
  return list;
}

/** Per round: labels, and the normalised return's mean ± 95% CI over seeds for each arm. */
export function summarizeSeeds(reports: readonly DaggerReport[]) {
  const rounds = Math.min(...reports.map((r) => r.rounds.length));
  const stat = (xs: Array<number | null | undefined>) => {
    const v = xs.filter((x): x is number => typeof x === "number");
    return v.length === 0 ? null : meanCi95(v);
  };
  return Array.from({ length: rounds }, (_, i) => ({
    round: i,
    labels: reports[0]?.rounds[i]?.totalLabels ?? 0,
    dagger: stat(reports.map((r) => r.rounds[i]?.dagger.normalizedReturn)),
    bc: stat(reports.map((r) => r.rounds[i]?.bc?.normalizedReturn)),
  }));
}

function writeReport(file: string, doc: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The report of a run still going (or stopped): the rounds finished so far, `complete: false`. */
export function partialReportJson(env: string, seed: number, config: TDaggerConfig, rounds: readonly DaggerRoundReport[]): unknown {
  return {
    env,
    seed,
    complete: false,
    rounds: rounds.map((r) => ({ round: r.round, totalLabels: r.totalLabels, dagger: { normalizedReturn: r.dagger.normalizedReturn, details: r.dagger }, ...(r.bc ? { bc: { normalizedReturn: r.bc.normalizedReturn, details: r.bc } } : {}) })),
    config,
    updatedAt: new Date().toISOString(),
  };
}

/** The `--json` document: the required summary fields first, then details. */
export function reportToJson(report: DaggerReport): unknown {
  return {
    env: report.env,
    backend: report.backend,
    expertReturn: report.expertReturn,
    randomReturn: report.randomReturn,
    rounds: report.rounds.map((r) => ({
      round: r.round,
      totalLabels: r.totalLabels,
      dagger: { meanReturn: r.dagger.meanReturn, normalizedReturn: r.dagger.normalizedReturn, successRate: r.dagger.successRate, details: r.dagger },
      ...(r.bc
        ? { bc: { meanReturn: r.bc.meanReturn, normalizedReturn: r.bc.normalizedReturn, successRate: r.bc.successRate, details: r.bc } }
        : {}),
    })),
    head: report.head,
    ensembleSize: report.ensembleSize,
    config: report.config,
    wallMs: report.wallMs,
    createdAt: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        env: { type: "string" },
        rounds: { type: "string" },
        "labels-per-round": { type: "string" },
        expert: { type: "string", default: "scripted" },
        "label-noise": { type: "string" },
        "labels-per-state": { type: "string" },
        select: { type: "string" },
        head: { type: "string" },
        components: { type: "string" },
        bins: { type: "string" },
        ensemble: { type: "string" },
        hidden: { type: "string" },
        beta: { type: "string" },
        "eval-episodes": { type: "string" },
        epochs: { type: "string" },
        "batch-size": { type: "string" },
        lr: { type: "string" },
        patience: { type: "string" },
        "max-train-ms": { type: "string" },
        "warm-start": { type: "boolean", default: false },
        "train-steps": { type: "string" },
        acting: { type: "string", default: "tfjs" },
        checkpoint: { type: "string" },
        resume: { type: "boolean", default: false },
        "until-round": { type: "string" },
        "no-bc": { type: "boolean", default: false },
        demos: { type: "string" },
        "demo-seed": { type: "string" },
        "env-option": { type: "string", multiple: true },
        "in-process": { type: "boolean", default: false },
        seed: { type: "string" },
        seeds: { type: "string" },
        labeller: { type: "string" },
        "crowd-size": { type: "string" },
        "noisy-fraction": { type: "string" },
        aggregation: { type: "string" },
        gold: { type: "string" },
        json: { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const a = parsed.values;
  if (a.help) {
    process.stdout.write(HELP);
    return;
  }
  if (a.env === undefined) fail("--env is required");
  try {
    getEnvSpec(a.env);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (a.expert !== "scripted") fail(`--expert: only "scripted" is available headless, got "${a.expert}"`);
  if (a.select !== undefined && !["uniform", "uncertainty", "thrifty"].includes(a.select)) fail(`--select must be uniform, uncertainty or thrifty, got "${a.select}"`);
  if (a.labeller !== undefined && a.labeller !== "scripted" && a.labeller !== "people") fail(`--labeller must be scripted or people, got "${a.labeller}"`);
  if (a.aggregation !== undefined && !["consensus", "reliability", "all"].includes(a.aggregation)) fail(`--aggregation must be consensus, reliability or all, got "${a.aggregation}"`);
  if (a.aggregation === "reliability" && a.labeller !== "people") fail("--aggregation reliability needs --labeller people (it estimates each person's accuracy)");
  if (a.seeds !== undefined && a.seed !== undefined) fail("give --seed or --seeds, not both");
  const seeds = a.seeds === undefined ? [int("seed", a.seed) ?? 0] : parseSeeds(a.seeds);
  const hidden = a.hidden?.split(",").map((s) => int("hidden", s.trim()) as number);
  let beta;
  try {
    beta = a.beta === undefined ? undefined : parseBetaSchedule(a.beta);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const training = {
    ...(a.epochs ? { epochs: int("epochs", a.epochs) } : {}),
    ...(a["batch-size"] ? { batchSize: int("batch-size", a["batch-size"]) } : {}),
    ...(a.lr ? { learningRate: num("lr", a.lr) } : {}),
    ...(a.patience ? { patience: int("patience", a.patience) } : {}),
    ...(a["max-train-ms"] ? { maxTrainMs: num("max-train-ms", a["max-train-ms"]) } : {}),
    ...(a["train-steps"] ? { gradientSteps: int("train-steps", a["train-steps"]) } : {}),
  };
  if (a.acting !== "tfjs" && a.acting !== "js") fail(`--acting must be tfjs or js, got "${a.acting}"`);
  if (a.resume && a.checkpoint === undefined) fail("--resume needs --checkpoint DIR");
  const demoSeed = int("demo-seed", a["demo-seed"]);
  if (demoSeed !== undefined && (demoSeed < 0 || demoSeed > MAX_DEMO_SEED)) fail(`--demo-seed must be an integer from 0 to ${MAX_DEMO_SEED}, not "${a["demo-seed"]}"`);
  const envOptions = a["env-option"]?.length ? parseEnvOptions(a["env-option"]) : undefined;
  if (a.demos !== undefined && a.demos !== "episodes" && a.demos !== "states") fail(`--demos must be episodes or states, not "${a.demos}"`);
  const untilRound = int("until-round", a["until-round"]);
  // Image policies act with their encoders on the wasm backend of this (main) thread; training has its own.
  const visualEnv = (getEnvSpec(a.env).cameras?.length ?? 0) > 0;
  let loadPolicy: ((blob: Uint8Array) => Promise<TfActingPolicy>) | undefined;
  if (visualEnv && a.acting === "tfjs") {
    const loaded = await loadBackend("wasm");
    if (!loaded.attempt.ok) fail(`--acting tfjs: the wasm backend did not load (${loaded.attempt.reason ?? "?"}); use --acting js`);
    loadPolicy = loadTfActingPolicy;
  }
  const head = headFrom(a.head, int("components", a.components), int("bins", a.bins));

  const progress = a.quiet ? null : new RoundProgress();
  let worker: TrainerWorker | null = null;
  let train: TrainFn;
  if (a["in-process"]) {
    train = (ds, cfg, opts) => trainPolicy(ds, cfg, opts);
  } else {
    const w = TrainerWorker.start({ expectedBatchSize: training.batchSize ?? 256, onLog: (m) => a.quiet || process.stderr.write(`${m}\n`) });
    worker = w;
    train = (ds, cfg, opts) => w.train(ds, cfg, opts).result;
  }
  let stop = false;
  process.once("SIGINT", () => {
    stop = true;
    process.stderr.write("\ndagger: stopping after the current phase (Ctrl-C again to abort)\n");
    process.once("SIGINT", () => process.exit(130));
  });
  const reports: DaggerReport[] = [];
  try {
    for (const seed of seeds) {
      if (stop) break;
      if (seeds.length > 1 && !a.quiet) process.stderr.write(`\n— seed ${seed} (${reports.length + 1}/${seeds.length}) —\n`);
      const input: TDaggerConfigInput = {
          envId: a.env,
          ...(a.rounds ? { rounds: int("rounds", a.rounds) } : {}),
          ...(a["labels-per-round"] ? { labelsPerRound: int("labels-per-round", a["labels-per-round"]) } : {}),
          ...(a["labels-per-state"] ? { labelsPerState: int("labels-per-state", a["labels-per-state"]) } : {}),
          ...(a["label-noise"] ? { labelNoise: num("label-noise", a["label-noise"]) } : {}),
          ...(a.select ? { select: a.select as "uniform" | "uncertainty" | "thrifty" } : {}),
          ...(head ? { head } : {}),
          ...(hidden ? { network: { hidden, activation: "relu" as const } } : {}),
          ...(a.ensemble ? { ensembleSize: int("ensemble", a.ensemble) } : {}),
          ...(beta ? { beta } : {}),
          ...(a["eval-episodes"] ? { evalEpisodes: int("eval-episodes", a["eval-episodes"]) } : {}),
          seed,
          ...(a.labeller ? { labeller: a.labeller as "scripted" | "people" } : {}),
          ...(a["crowd-size"] || a["noisy-fraction"]
            ? { crowd: { ...(a["crowd-size"] ? { size: int("crowd-size", a["crowd-size"]) } : {}), ...(a["noisy-fraction"] ? { noisyFraction: num("noisy-fraction", a["noisy-fraction"]) } : {}) } }
            : {}),
          ...(a.aggregation ? { aggregation: a.aggregation as "consensus" | "reliability" | "all" } : {}),
          ...(a.gold ? { goldFraction: num("gold", a.gold) } : {}),
          compareBC: !a["no-bc"],
          ...(a.demos ? { demos: a.demos as "episodes" | "states" } : {}),
          ...(demoSeed !== undefined ? { demoSeed } : {}),
          ...(envOptions ? { envOptions } : {}),
          warmStart: a["warm-start"],
          training,
        };
      const seedDir = a.checkpoint === undefined ? undefined : path.join(a.checkpoint, `seed-${seed}`);
      let checkpoint;
      try {
        checkpoint = seedDir === undefined ? undefined : openCheckpointDir(seedDir, input, { resume: a.resume });
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
      }
      const done: DaggerRoundReport[] = [];
      const report = await runDagger(input, {
        train,
        ...(loadPolicy ? { loadPolicy } : {}),
        ...(checkpoint ? { checkpoint } : {}),
        isCancelled: () => stop,
        onEvent: (e) => progress?.event(e),
        onRound: (r) => {
          progress?.round(r);
          done.push(r);
          if (untilRound !== undefined && r.round >= untilRound) stop = true;
          if (seedDir !== undefined) writeReport(path.join(seedDir, "report.json"), partialReportJson(a.env as string, seed, ZDaggerConfig.parse(input), done));
        },
      });
      if (seedDir !== undefined) writeReport(path.join(seedDir, "report.json"), { ...(reportToJson(report) as object), complete: report.rounds.length === report.config.rounds });
      if (!a.quiet) process.stderr.write(`backend: ${report.backend}; wall ${(report.wallMs / 1000).toFixed(1)} s\n`);
      reports.push(report);
    }
    const summary = seeds.length > 1 ? summarizeSeeds(reports) : null;
    if (summary !== null && !a.quiet) {
      for (const r of summary) {
        const fmt = (m: { mean: number; ci95: number } | null) => (m === null ? "—" : `${m.mean.toFixed(3)} ± ${m.ci95.toFixed(3)}`);
        process.stderr.write(`round ${r.round} (${r.labels} labels, n=${r.dagger?.n ?? 0}): DAgger ${fmt(r.dagger)}  BC ${fmt(r.bc)}\n`);
      }
    }
    if (a.json !== undefined && reports.length > 0) {
      mkdirSync(path.dirname(path.resolve(a.json)), { recursive: true });
      const doc = summary === null ? reportToJson(reports[0] as DaggerReport) : { seeds: seeds.slice(0, reports.length), summary, runs: reports.map(reportToJson) };
      writeFileSync(a.json, `${JSON.stringify(doc, null, 2)}\n`);
      if (!a.quiet) process.stderr.write(`wrote ${a.json}\n`);
    }
  } finally {
    await worker?.terminate();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`\ndagger: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
