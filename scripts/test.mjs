#!/usr/bin/env node
/**
 * `npm test`: lint (ESLint, then no cycles between server/ folders) → typecheck → the Python client's unit tests (python3 with numpy; missing → fail) → build
 * the web app if stale → vitest (unit + integration on PGlite and PostgreSQL) → Playwright e2e in Debian's
 * Chromium. Stops at the first failing stage.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" };

const stages = [
  ["lint", bin("eslint"), ["."]],
  ["folder cycles", process.execPath, [path.join(root, "scripts", "check-folder-cycles.mjs"), root]],
  ["typecheck", bin("tsc"), ["--noEmit"]],
  // `-c "import numpy"` first: a machine without python3 or numpy fails here with a clear message instead of
  // the integration tests failing later on a missing interpreter.
  ["python", "sh", ["-c", "python3 -c 'import numpy' || { echo 'python3 with numpy is required (apt-get install python3 python3-numpy)' >&2; exit 1; }; python3 -m unittest discover -s clients/python/tests -t clients/python"]],
  ["build", process.execPath, ["-e", "import('./scripts/start.mjs').then((m) => m.buildIfNeeded())"]],
  ["unit + integration", bin("vitest"), ["run"]],
  ["e2e", bin("playwright"), ["test"]],
];

const only = process.argv.slice(2);
for (const [name, cmd, args] of stages) {
  if (only.length && !only.includes(name.split(" ")[0])) continue;
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: name === "build" ? env : { ...env, CORRECTIVE_SKIP_BUILD: "1" } });
  if (res.status !== 0) {
    console.error(`\n✗ ${name} failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status ?? 1);
  }
  console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
