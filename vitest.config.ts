import { defineConfig } from "vitest/config";
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
  },
});
