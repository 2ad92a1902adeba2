/**
 * Runs a Python script of tests/python/ with the Python client on its path (Debian's python3 + numpy), and
 * hands its JSON-lines events to the test as they arrive.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "./server-process";

export interface PythonEvent {
  event: string;
  [key: string]: unknown;
}

export interface PythonRun {
  proc: ChildProcess;
  events: PythonEvent[];
  /** Resolves with the first event matching, rejects when the process exits first. */
  next: (match: (e: PythonEvent) => boolean, timeoutMs?: number) => Promise<PythonEvent>;
  exited: Promise<number | null>;
  output: () => string;
}

export function runPython(script: string, args: string[], env: Record<string, string>): PythonRun {
  const proc = spawn("python3", [path.join(ROOT, "tests/python", script), ...args], {
    cwd: path.join(ROOT, "tests/python"),
    env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PYTHONPATH: path.join(ROOT, "clients/python"), PYTHONUNBUFFERED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: PythonEvent[] = [];
  const waiters = new Set<{ match: (e: PythonEvent) => boolean; resolve: (e: PythonEvent) => void }>();
  let out = "";
  let pending = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
    pending += d.toString();
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line.startsWith("{")) continue;
      const e = JSON.parse(line) as PythonEvent;
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.match(e)) continue;
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const next = (match: (e: PythonEvent) => boolean, timeoutMs = 300_000) =>
    new Promise<PythonEvent>((resolve, reject) => {
      const seen = events.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`python: no matching event in ${timeoutMs} ms\n${out}`)), timeoutMs);
      const w = { match, resolve: (e: PythonEvent) => (clearTimeout(timer), resolve(e)) };
      waiters.add(w);
      void exited.then((code) => {
        if (!waiters.has(w)) return;
        waiters.delete(w);
        clearTimeout(timer);
        reject(new Error(`python exited with ${code} before the event:\n${out}`));
      });
    });
  return { proc, events, next, exited, output: () => out };
}
