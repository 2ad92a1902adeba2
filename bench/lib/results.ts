/**
 * Shared helpers for benchmarks: describe the machine, render a markdown table, and save results as
 * `bench/results/<name>.json` + `bench/results/<name>.md` (date, machine, Node version, rows, notes).
 *
 *   const rows = [{ env: "CartPole-v1", stepsPerSecond: 5.1e6 }];
 *   saveResults("envs", { title: "Environment step throughput", rows, notes: ["single thread"] });
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../results");

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly arch: string;
  readonly node: string;
  readonly v8: string;
  /** 1-minute load average when the results were saved: other work on the machine skews timings. */
  readonly loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

export type Cell = string | number | boolean | null;
export type Row = Readonly<Record<string, Cell>>;

export interface BenchResults<R extends Row = Row> {
  /** One line saying what was measured. */
  readonly title: string;
  readonly rows: readonly R[];
  /** Column order and headers for the markdown table (default: the keys of the first row). */
  readonly columns?: readonly { readonly key: keyof R & string; readonly header?: string }[];
  /** Free-text lines printed under the table (method, goals, caveats). */
  readonly notes?: readonly string[];
  /** Anything else worth keeping in the JSON (e.g. the backend a trainer benchmark ran on). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

function formatCell(value: Cell | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    return Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3);
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  return value.replace(/\|/g, "\\|");
}

/** A GitHub-flavoured markdown table. */
export function markdownTable<R extends Row>(
  rows: readonly R[],
  columns?: readonly { readonly key: keyof R & string; readonly header?: string }[],
): string {
  const cols = columns ?? Object.keys(rows[0] ?? {}).map((key) => ({ key, header: key }));
  const header = `| ${cols.map((c) => c.header ?? c.key).join(" | ")} |`;
  const rule = `| ${cols.map((c) => (typeof rows[0]?.[c.key] === "number" ? "---:" : "---")).join(" | ")} |`;
  const body = rows.map((r) => `| ${cols.map((c) => formatCell(r[c.key] as Cell | undefined)).join(" | ")} |`);
  return [header, rule, ...body].join("\n");
}

/**
 * Writes `<dir>/<name>.json` (machine-readable: date, machine, rows, notes, extra) and `<dir>/<name>.md`
 * (the same as a markdown table) and returns the markdown. `dir` defaults to bench/results/.
 */
export function saveResults<R extends Row>(
  name: string,
  results: BenchResults<R>,
  options: { dir?: string; date?: Date } = {},
): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`saveResults: bad name "${name}" (use kebab-case)`);
  const dir = options.dir ?? RESULTS_DIR;
  const date = (options.date ?? new Date()).toISOString();
  const machine = machineInfo();
  mkdirSync(dir, { recursive: true });
  const json = { name, title: results.title, date, machine, rows: results.rows, notes: results.notes ?? [], ...(results.extra ? { extra: results.extra } : {}) };
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const md = [
    `# ${results.title}`,
    "",
    `${date.slice(0, 10)} · ${machine.cpu} · ${machine.cores} cores · ${machine.memoryGiB} GiB · ${machine.os} · Node ${machine.node} · load ${machine.loadAverage1m}`,
    "",
    markdownTable(results.rows, results.columns),
    "",
    ...(results.notes ?? []).map((n) => `- ${n}`),
    "",
  ].join("\n");
  writeFileSync(path.join(dir, `${name}.md`), md);
  return md;
}
