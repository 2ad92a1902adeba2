#!/usr/bin/env node
/**
 * Folder-cycle check for `server/` (part of `npm run lint`; docs/ARCHITECTURE.md, "Layers").
 *
 * ESLint sees one file at a time, so a cycle between *folders* (auth → realtime → auth) needs the whole
 * import graph: this script reads every .ts/.tsx/.mjs file under the layer, resolves its relative and `@/`
 * imports (type-only ones too — a type import still ties the folders together for a reader), collapses files
 * into their first-level folder (a file directly in `server/`, like `errors.ts`, is its own node), and reports every strongly
 * connected component with more than one node, naming one importing file per edge so the fix is obvious.
 *
 * Usage: `node scripts/check-folder-cycles.mjs [root] [layer]` (defaults: the project root, `server`).
 * Exits 1 when a cycle exists. `findFolderCycles` is exported for tests/unit/folder-cycles.test.ts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")` — comments are stripped first.
const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

function listFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(listFiles(full));
    else if (SOURCE.test(name) && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/**
 * The node a file (or an import's target, written without its extension) belongs to: `server/<folder>`, or
 * for a file directly in the layer `server/<file name without extension>`.
 */
function nodeOf(root, layer, file) {
  const rel = path.relative(path.join(root, layer), file);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  const first = parts.length === 1 ? parts[0].replace(SOURCE, "") : parts[0];
  return `${layer}/${first}`;
}

function resolveSpecifier(root, from, spec) {
  if (spec.startsWith("@/")) return path.join(root, spec.slice(2));
  if (spec.startsWith(".")) return path.resolve(path.dirname(from), spec);
  return null; // a package
}

/**
 * Returns the cycles between first-level folders of `layer` under `root`: one entry per strongly connected
 * component, each with its nodes and the edges inside it (`from → to`, via one example `file`).
 */
export function findFolderCycles(root, layer = "server") {
  const edges = new Map(); // node → Map(node → example file)
  for (const file of listFiles(path.join(root, layer))) {
    const from = nodeOf(root, layer, file);
    const text = stripComments(readFileSync(file, "utf8"));
    for (const match of text.matchAll(SPECIFIERS)) {
      const target = resolveSpecifier(root, file, match[1]);
      const to = target && nodeOf(root, layer, target);
      if (!to || to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, path.relative(root, file));
    }
  }

  // Tarjan's strongly connected components.
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let counter = 0;
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);

  return components.map((component) => {
    const inside = new Set(component);
    const within = [];
    for (const from of component) {
      for (const [to, file] of edges.get(from) ?? []) if (inside.has(to)) within.push({ from, to, file });
    }
    return { nodes: component, edges: within };
  });
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = path.resolve(process.argv[2] ?? ".");
  const layer = process.argv[3] ?? "server";
  const cycles = findFolderCycles(root, layer);
  if (cycles.length === 0) {
    console.log(`folder cycles: none in ${layer}/`);
  } else {
    console.error(`folder cycles in ${layer}/ (each group below imports itself in a circle; see docs/ARCHITECTURE.md):`);
    for (const cycle of cycles) {
      console.error(`\n  ${cycle.nodes.join(" ⇄ ")}`);
      for (const edge of cycle.edges) console.error(`    ${edge.from} → ${edge.to}  (${edge.file})`);
    }
    process.exit(1);
  }
}
