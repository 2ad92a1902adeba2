import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error — a plain .mjs script (part of `npm run lint`), without type declarations
import { findFolderCycles } from "../../scripts/check-folder-cycles.mjs";

type Cycle = { nodes: string[]; edges: { from: string; to: string; file: string }[] };

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A throw-away project tree with the given files. */
function plant(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "folder-cycles-"));
  roots.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

const script = path.resolve("scripts/check-folder-cycles.mjs");

describe("lint: no import cycles between server/ folders", () => {
  it("finds a planted cycle through a relative import, an @/ import and a type-only import, naming the files", () => {
    const root = plant({
      "server/alpha/a.ts": `import { b } from "../beta/b";\nexport const a = b;\n`,
      "server/beta/b.ts": `import type { C } from "@/server/gamma/c";\nexport const b: C = 1;\n`,
      "server/gamma/c.ts": `// import { a } from "../alpha/a"; (a comment is not an import)\nexport type C = number;\nexport const later = () => import("../alpha/a");\n`,
      "server/delta/d.ts": `import { a } from "../alpha/a";\nimport { z } from "zod";\nexport const d = [a, z];\n`,
    });
    const cycles = findFolderCycles(root, "server") as Cycle[];
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.nodes).toEqual(["server/alpha", "server/beta", "server/gamma"]);
    expect(cycles[0]!.edges).toContainEqual({ from: "server/gamma", to: "server/alpha", file: path.join("server", "gamma", "c.ts") });
    // delta imports into the cycle but is not part of it.
    expect(cycles[0]!.nodes).not.toContain("server/delta");

    const run = spawnSync(process.execPath, [script, root, "server"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("server/alpha ⇄ server/beta ⇄ server/gamma");
  });

  it("counts a file directly in server/ as its own node, and passes a tree without cycles", () => {
    const root = plant({
      "server/errors.ts": `export class AppError extends Error {}\n`,
      "server/alpha/a.ts": `import { AppError } from "../errors";\nimport { x } from "./x";\nexport const a = [AppError, x];\n`,
      "server/alpha/x.ts": `import { a } from "./a";\nexport const x = () => a;\n`,
      "server/beta/b.ts": `import { a } from "../alpha/a";\nexport const b = a;\n`,
    });
    expect(findFolderCycles(root, "server")).toEqual([]);
    const run = spawnSync(process.execPath, [script, root, "server"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("none");

    const cyclic = plant({
      "server/errors.ts": `import { a } from "./alpha/a";\nexport const e = a;\n`,
      "server/alpha/a.ts": `import { e } from "../errors";\nexport const a = e;\n`,
    });
    expect((findFolderCycles(cyclic, "server") as Cycle[])[0]!.nodes).toEqual(["server/alpha", "server/errors"]);
  });

  it("holds for the project's own server/", () => {
    expect(findFolderCycles(process.cwd(), "server")).toEqual([]);
  });
});
