/**
 * A {@link DaggerCheckpoint} in a folder, one per seed: `run.json` (the run's settings: a resume with other
 * settings is refused), and per finished (round, arm) `round-RR-ARM.json` (training result without the
 * blob, evaluation, wall time) beside `round-RR-ARM.policy` (the policy blob, ≈ 130 KB for the default
 * ConvNet). Files are written to a temporary name and renamed, so a run killed mid-write leaves the
 * previous state. See loop.ts for how a resumed run uses them.
 *
 * Node only (fs).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TTrainResult } from "../../contracts/trainer-protocol";
import type { DaggerArm, DaggerCheckpoint, DaggerCheckpointEntry } from "./loop";

const RUN_FILE = "run.json";

function entryName(round: number, arm: DaggerArm): string {
  return `round-${String(round).padStart(2, "0")}-${arm}`;
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Finished (round, arm)s in `dir`, in order. */
export function checkpointEntries(dir: string): Array<{ round: number; arm: DaggerArm }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((f) => {
      const m = /^round-(\d+)-(dagger|bc)\.json$/.exec(f);
      return m ? [{ round: Number(m[1]), arm: m[2] as DaggerArm }] : [];
    })
    .sort((a, b) => a.round - b.round || a.arm.localeCompare(b.arm));
}

/**
 * Opens (creating it) the checkpoint folder of one run. `settings` identify the run (env, budget,
 * training, seed …): resuming requires the very same; without `resume` the folder must hold no rounds.
 */
export function openCheckpointDir(dir: string, settings: unknown, options: { resume: boolean }): DaggerCheckpoint {
  mkdirSync(dir, { recursive: true });
  const runFile = path.join(dir, RUN_FILE);
  const wanted = JSON.stringify(settings, null, 2);
  const entries = checkpointEntries(dir);
  if (entries.length > 0 && !options.resume) throw new Error(`${dir} already holds ${entries.length} finished round(s): pass --resume to continue, or choose another folder`);
  if (existsSync(runFile)) {
    const have = readFileSync(runFile, "utf8").trim();
    if (entries.length > 0 && have !== wanted) throw new Error(`${dir} holds a run with other settings (${RUN_FILE}); resume needs the same settings`);
  }
  writeAtomic(runFile, `${wanted}\n`);
  return {
    load(round, arm) {
      const base = path.join(dir, entryName(round, arm));
      if (!existsSync(`${base}.json`) || !existsSync(`${base}.policy`)) return undefined;
      const saved = JSON.parse(readFileSync(`${base}.json`, "utf8")) as Omit<DaggerCheckpointEntry, "result"> & { result: Omit<TTrainResult, "blob"> };
      const blob = new Uint8Array(readFileSync(`${base}.policy`));
      return { ...saved, result: { ...saved.result, blob } as TTrainResult };
    },
    save(round, arm, entry) {
      const base = path.join(dir, entryName(round, arm));
      const { blob, ...result } = entry.result;
      // The blob first: an entry counts once its .json exists.
      writeAtomic(`${base}.policy`, blob);
      writeAtomic(`${base}.json`, `${JSON.stringify({ ...entry, result }, null, 1)}\n`);
    },
  };
}
