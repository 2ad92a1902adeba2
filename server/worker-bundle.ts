/**
 * A worker thread's entry written in TypeScript, bundled into one plain JavaScript module for `new Worker()`.
 *
 * Why not tsx in the worker (as the trainer's worker: trainer/worker/bootstrap.mjs): registering its loader
 * starts Node's module-hooks thread and esbuild's service beside the worker — a worker that only reads and
 * validates rows cost ~60 MiB of RSS at start that way, against ~20 MiB bundled (measured, Node 20, 2026-12-06),
 * and the dataset import's goal is ≤ 100 MiB of RSS growth in all (bench:export). The bundle holds this
 * project's sources only; packages (`hyparquet`, `zod` …) stay imports that Node resolves from the app's
 * node_modules — so the file is written under it, in `node_modules/.cache/corrective/`, named by its content's
 * hash (processes that bundle at once write the same file; a changed source gives a new name). esbuild runs
 * as its own process (the async API): the bundling does not block this thread. Once per entry per process.
 */
import { createHash } from "node:crypto";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

const KEY = Symbol.for("corrective.worker-bundles");

/** The app's root: the working directory of `npm start` and of the tests (`CORRECTIVE_ROOT` overrides). */
const appRoot = () => process.env.CORRECTIVE_ROOT ?? process.cwd();

/**
 * The path of the bundled module of `entry` (relative to the app's root). Cached on `globalThis`: Next.js
 * bundles route handlers with their own copy of this module.
 */
export function workerBundle(entry: string): Promise<string> {
  const g = globalThis as unknown as Record<symbol, Map<string, Promise<string>> | undefined>;
  const cache = (g[KEY] ??= new Map());
  let bundled = cache.get(entry);
  if (!bundled) {
    bundled = bundle(entry);
    cache.set(entry, bundled);
    bundled.catch(() => cache.delete(entry)); // the next import tries again
  }
  return bundled;
}

async function bundle(entry: string): Promise<string> {
  const root = appRoot();
  // Not a static import: the server loads esbuild only once a worker is needed.
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`bundling ${entry} gave no output`);
  const dir = join(root, "node_modules", ".cache", "corrective");
  const name = `${entry.replace(/^.*\//, "").replace(/\.[cm]?ts$/, "")}.${createHash("sha256").update(output.contents).digest("hex").slice(0, 16)}.mjs`;
  const file = join(dir, name);
  if (await stat(file).catch(() => null)) return file;
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(partial, output.contents);
    await rename(partial, file); // atomic: a reader never sees half a file
  } catch (err) {
    throw new Error(`cannot write the worker bundle ${file} (the app's node_modules must be writable by the server): ${(err as Error).message}`);
  }
  return file;
}
