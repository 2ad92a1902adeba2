/**
 * `npm run corrective -- <command> [options]`: drives a running Corrective server over its HTTP API with an
 * API token. Server: --url or CORRECTIVE_URL (default http://localhost:3000); token: --token or
 * CORRECTIVE_TOKEN. Results go to stdout (`--json` for machine output), notes and progress to stderr.
 * Exit codes: 0 success, 1 the server refused or could not be reached, 2 a usage error.
 */
import { parseArgs } from "node:util";
import { COMMAND_OPTIONS, COMMANDS, type Command, type CommandContext, type OptionValues } from "./commands";
import { ApiClient, CliError } from "./http-client";

const DEFAULT_URL = "http://localhost:3000";

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: npm run corrective -- <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Global options:",
    `  --url URL      server (env CORRECTIVE_URL, default ${DEFAULT_URL})`,
    "  --token TOKEN  API token crv_… (env CORRECTIVE_TOKEN; get one with `login`)",
    "  --json         print the result as JSON",
    "  --help         this help, or a command's: corrective <command> --help",
    "",
    "Example:",
    "  export CORRECTIVE_TOKEN=$(npm run -s corrective -- login --email lead@corrective.local --password corrective)",
    "  P=$(npm run -s corrective -- project create --name Demo --env CartPole-v1)",
    "  npm run -s corrective -- round start --project $P --scripted-demos 5",
    "  npm run -s corrective -- round status --project $P --wait published",
    "  npm run -s corrective -- export --project $P --version 0 --out dataset.jsonl",
  ].join("\n");
}

const commandUsage = (c: Command) => `Usage: npm run corrective -- ${c.name}${c.usage ? ` ${c.usage}` : ""} [--json]\n\n${c.summary}.`;

/** Finds the command named by the leading positionals (`round start`, `login`). */
function findCommand(positionals: string[]): Command | undefined {
  return COMMANDS.find((c) => {
    const words = c.name.split(" ");
    return words.length === positionals.length && words.every((w, i) => w === positionals[i]);
  });
}

async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const stdout = (s: string) => process.stdout.write(`${s}\n`);
  const stderr = (s: string) => process.stderr.write(`${s}\n`);
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          url: { type: "string" },
          token: { type: "string" },
          json: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
          ...Object.fromEntries(COMMAND_OPTIONS.map((o) => [o, { type: "string" as const }])),
        },
      });
    } catch (err) {
      throw new CliError(`${(err as Error).message}\n\n${usage()}`, 2);
    }
    const positionals = parsed.positionals;
    const values = parsed.values as OptionValues & { url?: string; token?: string; json: boolean; help: boolean };
    if (positionals.length === 0) {
      (values.help ? stdout : stderr)(usage());
      return values.help ? 0 : 2;
    }
    const command = findCommand(positionals);
    if (!command) throw new CliError(`unknown command "${positionals.join(" ")}"\n\n${usage()}`, 2);
    if (values.help) {
      stdout(commandUsage(command));
      return 0;
    }
    const given = COMMAND_OPTIONS.filter((o) => values[o] !== undefined);
    const extra = given.filter((o) => !command.options.includes(o));
    if (extra.length) throw new CliError(`${command.name} does not take ${extra.map((o) => `--${o}`).join(", ")}\n\n${commandUsage(command)}`, 2);
    const missing = command.required.filter((o) => values[o] === undefined || values[o] === "");
    if (missing.length) throw new CliError(`${command.name} needs ${missing.map((o) => `--${o}`).join(", ")}\n\n${commandUsage(command)}`, 2);

    const url = values.url ?? env.CORRECTIVE_URL ?? DEFAULT_URL;
    try {
      new URL(url);
    } catch {
      throw new CliError(`--url / CORRECTIVE_URL is not a URL: "${url}"`, 2);
    }
    const token = values.token ?? env.CORRECTIVE_TOKEN;
    if (command.auth && !token) throw new CliError("no API token: pass --token or set CORRECTIVE_TOKEN (get one with `corrective login --email … --password …`)", 2);

    let progressShown = false;
    const tty = process.stderr.isTTY === true;
    let lastProgress = "";
    const endProgress = () => {
      if (progressShown && tty) process.stderr.write("\n");
      progressShown = false;
    };
    const ctx: CommandContext = {
      client: new ApiClient(url, command.auth ? token : undefined),
      opts: values,
      result: (data, human) => {
        endProgress();
        stdout(values.json ? JSON.stringify(data, null, 2) : human);
      },
      note: (line) => {
        endProgress();
        stderr(line);
      },
      progress: (line) => {
        if (line === lastProgress) return;
        lastProgress = line;
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else stderr(line);
        progressShown = true;
      },
    };
    try {
      await command.run(ctx);
    } finally {
      endProgress();
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      stderr(`error: ${err.message}`);
      for (const d of err.details) stderr(`  ${d}`);
      return err.exitCode;
    }
    stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
