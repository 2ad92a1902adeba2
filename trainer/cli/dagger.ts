/**
 * Headless DAgger with a scripted expert, from the command line:
 *
 *   npm run dagger -- --env CarTrack-v0 --rounds 10 --labels-per-round 500 --expert scripted \
 *     [--label-noise 0.2 --labels-per-state 3] [--select uniform|uncertainty] \
 *     [--head gaussian|mog|autoregressive|cvae|diffusion|categorical] --json out.json
 *
 * Progress goes to stderr; `--json` writes the report. Training runs in a worker thread
 * (`--in-process` trains on the main thread instead). `--help` lists every option.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { getEnvSpec } from "../../envs/index";
import { parseBetaSchedule, runDagger, type DaggerReport, type TrainFn } from "../dagger";
import { ZHeadConfig, type THeadConfig } from "../policy/spec";
import { trainPolicy } from "../train";
import { TrainerWorker } from "../worker/client";
import { RoundProgress } from "./progress";

const HELP = `Usage: npm run dagger -- --env <id> [options]

  --env ID                 environment (e.g. CarTrack-v0, CartPole-v1, Fork-v0)
  --rounds N               rounds including round 0 = behaviour cloning (default 10)
  --labels-per-round N     label budget per round (default 500)
  --expert scripted        the labeller (only the scripted expert is available headless)
  --label-noise P          probability a label is a random action (default 0)
  --labels-per-state K     labels per state, combined by consensus (default 1)
  --select S               uniform | uncertainty (default uniform; uncertainty uses an ensemble)
  --head H                 categorical | gaussian | gaussian-global | mog | autoregressive | cvae | diffusion
  --components K           mixture components for --head mog (default 5)
  --bins B                 bins per dimension for --head autoregressive (default 41)
  --ensemble N             ensemble members (default 5 with --select uncertainty, else 1)
  --hidden 64,64           hidden layer sizes (default 64,64)
  --beta SCHEDULE          0.3 | constant:0.3 | linear:1:0:10 | exp:0.5 (default 0)
  --eval-episodes N        evaluation episodes per policy (default 10)
  --epochs N --batch-size N --lr X --patience N --max-train-ms N    training settings
  --warm-start             continue from the previous round's policy instead of from scratch
  --no-bc                  skip the behaviour-cloning comparison arm
  --in-process             train on the main thread instead of a worker
  --seed N                 (default 0)
  --json FILE              write the report as JSON
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
        "no-bc": { type: "boolean", default: false },
        "in-process": { type: "boolean", default: false },
        seed: { type: "string" },
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
  if (a.select !== undefined && a.select !== "uniform" && a.select !== "uncertainty") fail(`--select must be uniform or uncertainty`);
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
  };
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
  try {
    const report = await runDagger(
      {
        envId: a.env,
        ...(a.rounds ? { rounds: int("rounds", a.rounds) } : {}),
        ...(a["labels-per-round"] ? { labelsPerRound: int("labels-per-round", a["labels-per-round"]) } : {}),
        ...(a["labels-per-state"] ? { labelsPerState: int("labels-per-state", a["labels-per-state"]) } : {}),
        ...(a["label-noise"] ? { labelNoise: num("label-noise", a["label-noise"]) } : {}),
        ...(a.select ? { select: a.select as "uniform" | "uncertainty" } : {}),
        ...(head ? { head } : {}),
        ...(hidden ? { network: { hidden, activation: "relu" as const } } : {}),
        ...(a.ensemble ? { ensembleSize: int("ensemble", a.ensemble) } : {}),
        ...(beta ? { beta } : {}),
        ...(a["eval-episodes"] ? { evalEpisodes: int("eval-episodes", a["eval-episodes"]) } : {}),
        ...(a.seed ? { seed: int("seed", a.seed) } : {}),
        compareBC: !a["no-bc"],
        warmStart: a["warm-start"],
        training,
      },
      {
        train,
        isCancelled: () => stop,
        onEvent: (e) => progress?.event(e),
        onRound: (r) => progress?.round(r),
      },
    );
    if (!a.quiet) process.stderr.write(`backend: ${report.backend}; wall ${(report.wallMs / 1000).toFixed(1)} s\n`);
    if (a.json !== undefined) {
      mkdirSync(path.dirname(path.resolve(a.json)), { recursive: true });
      writeFileSync(a.json, `${JSON.stringify(reportToJson(report), null, 2)}\n`);
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
