import { defineConfig } from "vitest/config";
import { availableParallelism } from "node:os";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  // tsconfig says jsx "preserve" (Next compiles it); tests that render a component to markup need it compiled.
  oxc: { jsx: { runtime: "automatic" } },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share one Postgres server; files run in parallel workers but each uses its own schema.
    fileParallelism: true,
    pool: "forks",
    // Vitest's default (cores − 1) ran the files one at a time on a 2-core machine: the per-file times added up
    // to 1,487 s of a 1,576 s run. Two workers there took the suite from 1,175 s to 935–977 s (quiet machine).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
