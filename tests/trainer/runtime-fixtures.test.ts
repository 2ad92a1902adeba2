/**
 * The Python policy runtime's parity fixtures (clients/python/tests/fixtures, written by
 * scripts/make-runtime-fixtures.ts) still describe what the TypeScript runtime does: every committed blob
 * loads, and its deterministic actions and seeded sample statistics are recomputed here and compared with
 * the committed record. Then the numpy side runs against the same fixtures (Debian's python3 + numpy;
 * the test fails, not skips, without them), so `npm test` checks both runtimes agree.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURE_DIR, FIXTURES, fixtureRecord } from "../helpers/runtime-fixtures";

const ROOT = path.resolve(FIXTURE_DIR, "../../../..");

/** Deep equality with a relative float tolerance (the records are recomputed bit-for-bit on one platform). */
function expectClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === "number") {
    expect(typeof actual, where).toBe("number");
    const a = actual as number;
    expect(Math.abs(a - expected), `${where}: ${a} vs committed ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length === expected.length, `${where}: length`).toBe(true);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${where}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    expect(Object.keys(actual as object).sort(), `${where}: keys`).toEqual(Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], e, `${where}.${k}`);
  } else {
    expect(actual, where).toEqual(expected);
  }
}

describe("Python runtime parity fixtures", () => {
  for (const def of FIXTURES) {
    it(`policy-${def.name}: the committed record is what the TypeScript runtime produces from the committed blob`, () => {
      const blobFile = path.join(FIXTURE_DIR, `policy-${def.name}.crpl`);
      const jsonFile = path.join(FIXTURE_DIR, `policy-${def.name}.json`);
      expect(existsSync(blobFile) && existsSync(jsonFile), `run: npx tsx scripts/make-runtime-fixtures.ts ${def.name}`).toBe(true);
      const committed = JSON.parse(readFileSync(jsonFile, "utf8")) as unknown;
      const recomputed = JSON.parse(JSON.stringify(fixtureRecord(def.name, new Uint8Array(readFileSync(blobFile))))) as unknown;
      expectClose(recomputed, committed, def.name);
      expect((committed as { head: unknown }).head).toEqual(def.head);
    });
  }

  it("the numpy runtime agrees with them (python3 -m unittest test_runtime*.py)", () => {
    const res = spawnSync("python3", ["-m", "unittest", "discover", "-s", "clients/python/tests", "-p", "test_runtime*.py"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      timeout: 120_000,
    });
    expect(res.error, "python3 must be installed (Debian: python3 python3-numpy)").toBeUndefined();
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/Ran \d+ tests/);
  }, 150_000);
});
