/**
 * envs/ bundled for the browser as an IIFE exposing `window.CorrectiveEnvs` (what the web app's drawing code runs),
 * for the tests that compare Chromium's pixels with Node's. Built once per test file.
 */
import path from "node:path";
import { build } from "esbuild";

let bundled: Promise<string> | undefined;

export function envsBrowserBundle(): Promise<string> {
  bundled ??= build({
    entryPoints: [path.resolve(import.meta.dirname, "../../envs/index.ts")],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "CorrectiveEnvs",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
  }).then((out) => out.outputFiles[0]?.text ?? "");
  return bundled;
}
