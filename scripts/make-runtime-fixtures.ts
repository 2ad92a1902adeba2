/**
 * `npx tsx scripts/make-runtime-fixtures.ts [name…]` — trains the small seeded policies of
 * tests/helpers/runtime-fixtures.ts and writes, per policy, `policy-<name>.crpl` (the blob) and
 * `policy-<name>.json` (what the TypeScript runtime does with it) under clients/python/tests/fixtures/.
 * Rerun after a change to the blob format or to a head's act(); tests/trainer/runtime-fixtures.test.ts
 * fails until the committed fixtures match the runtime again.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { selectBackend } from "../trainer/backend";
import { trainPolicy } from "../trainer/train";
import { FIXTURE_DIR, FIXTURES, fixtureDataset, fixtureRecord, fixtureTrainConfig } from "../tests/helpers/runtime-fixtures";

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !FIXTURES.some((f) => f.name === n));
  if (unknown.length) throw new Error(`unknown fixture(s): ${unknown.join(", ")}`);
  const backend = await selectBackend({ prefer: "wasm", log: () => undefined });
  mkdirSync(FIXTURE_DIR, { recursive: true });
  for (const def of FIXTURES) {
    if (only.length && !only.includes(def.name)) continue;
    const t0 = performance.now();
    const { blob } = await trainPolicy(fixtureDataset(def), fixtureTrainConfig(def), { backend });
    writeFileSync(path.join(FIXTURE_DIR, `policy-${def.name}.crpl`), blob);
    writeFileSync(path.join(FIXTURE_DIR, `policy-${def.name}.json`), `${JSON.stringify(fixtureRecord(def.name, blob))}\n`);
    console.log(`${def.name}: ${blob.byteLength} bytes, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
