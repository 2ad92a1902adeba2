#!/usr/bin/env node
/**
 * `npm start`: builds the Next.js app when the build is missing or older than the sources, then runs the
 * custom server (server/main.ts) in this process through tsx.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCES = ["app", "contracts", "server", "envs", "trainer", "db", "next.config.mjs", "package-lock.json", "tsconfig.json"];

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of fs.readdirSync(p)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    max = Math.max(max, newestMtime(path.join(p, entry)));
  }
  return max;
}

export function buildIsStale() {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > built);
}

const LOCK = path.join(root, ".next-build.lock");
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One build at a time per checkout: a second `npm start`/test waits for the first instead of racing it in .next. */
function withBuildLock(fn) {
  for (let waited = 0; ; waited += 500) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than 10 minutes was left by a killed build.
      const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000) fs.rmSync(LOCK, { recursive: true, force: true });
      if (waited % 10_000 === 0) console.log("[start] waiting for another build of this checkout to finish…");
      sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

export function buildIfNeeded() {
  // The test runner builds once up front and sets this so server processes started by tests never rebuild.
  if (process.env.CORRECTIVE_SKIP_BUILD === "1" && fs.existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  if (!buildIsStale()) return;
  const status = withBuildLock(() => {
    if (!buildIsStale()) return 0; // built by the process we waited for
    console.log("[start] building the web app (next build)…");
    const res = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    return res.status ?? 1;
  });
  if (status !== 0) {
    console.error("[start] next build failed");
    process.exit(status);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildIfNeeded();
  process.env.NODE_ENV ??= "production";
  const { register } = await import("tsx/esm/api");
  register();
  await import(path.join(root, "server/main.ts"));
}
