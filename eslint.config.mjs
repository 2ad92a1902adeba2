import tseslint from "typescript-eslint";
import noServerInClient from "./eslint-rules/no-server-in-client.mjs";

export default tseslint.config(
  {
    ignores: ["node_modules/**", ".next/**", ".corrective/**", "bench/results/**", "test-results/**", "playwright-report/**", "scratch/**", "next-env.d.ts", "db/migrations/**"],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { corrective: { rules: { "no-server-in-client": noServerInClient } } },
    rules: {
      "corrective/no-server-in-client": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // Tests read loosely-typed JSON bodies from the real server.
    files: ["tests/**", "e2e/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Browser-safe layers may not reach into the server or the database either, nor up into the trainer or the
    // pages: every layer imports them (the worker protocols in contracts/ are the trainer's too).
    files: ["envs/**", "contracts/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/server/**", "**/db/**", "**/trainer/**", "**/app/**", "@/server/**", "@/db/**", "@/trainer/**", "@/app/**"],
              message: "envs/ and contracts/ are imported by the browser and by every layer: they import only each other (layer rule, docs/ARCHITECTURE.md).",
            },
          ],
        },
      ],
    },
  },
  {
    // The trainer sits below the server: it runs in worker threads, the browser and the DAgger CLI.
    files: ["trainer/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/server/**", "**/db/**", "**/app/**", "@/server/**", "@/db/**", "@/app/**"], message: "trainer/ may import only envs/ and contracts/ (layer rule, docs/ARCHITECTURE.md)." }] }],
    },
  },
  {
    // The database layer knows nothing of the services or pages above it.
    files: ["db/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/server/**", "**/app/**", "@/server/**", "@/app/**"], message: "db/ may import only contracts/ (layer rule, docs/ARCHITECTURE.md)." }] }],
    },
  },
);
