/**
 * Process configuration, parsed once at start-up with zod. A bad value stops start-up with one readable line.
 */
import path from "node:path";
import { z } from "zod";

/** Secret used only in demo mode; outside demo mode the server refuses to start with it. */
export const DEMO_SECRET = "corrective-demo-secret-do-not-use-in-production";

const boolFlag = z
  .enum(["0", "1", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default(".corrective/data"),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  DEMO: boolFlag.optional(),
  /** Demo mode: run round 0 and start round 1 of a fresh demo project in the background (0 leaves it empty). */
  DEMO_WARMUP: boolFlag.optional(),
  NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  NEXTAUTH_URL: z.url().optional(),
  /** 0 = this web process does not run jobs (a separate `npm run trainer` does). */
  IN_PROCESS_JOBS: boolFlag.optional(),
  /** Job lease (ms): a job whose worker died is claimable again this long after its last renewal. */
  JOB_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).optional(),
});

export interface Config {
  nodeEnv: "development" | "production" | "test";
  dev: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize: number;
  demo: boolean;
  /** Demo mode only: bring a fresh demo project to "round 1 labelling" in the background. */
  demoWarmUp: boolean;
  authSecret: string;
  authUrl: string;
  inProcessJobs: boolean;
  /** Undefined: the job runner's default. */
  jobLeaseMs: number | undefined;
}

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>, opts: { dev?: boolean } = {}): Config {
  const parsed = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join(".") ?? "environment";
    throw new ConfigError(`Invalid configuration: ${key} ${issue?.message ?? "is invalid"}`);
  }
  const e = parsed.data;
  // Demo mode (seeded users with a known password) is on by default for the embedded database only.
  const demo = e.DEMO ?? !e.DATABASE_URL;
  const secret = e.NEXTAUTH_SECRET ?? (demo ? DEMO_SECRET : undefined);
  if (!secret) {
    throw new ConfigError("Invalid configuration: NEXTAUTH_SECRET must be set outside demo mode");
  }
  if (!demo && secret === DEMO_SECRET) {
    throw new ConfigError("Invalid configuration: NEXTAUTH_SECRET is the public demo secret; set your own outside demo mode");
  }
  const publicHost = e.HOST === "0.0.0.0" || e.HOST === "::" ? "localhost" : e.HOST;
  return {
    nodeEnv: e.NODE_ENV,
    dev: opts.dev ?? false,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    poolSize: e.DB_POOL_SIZE,
    demo,
    demoWarmUp: demo && (e.DEMO_WARMUP ?? true),
    authSecret: secret,
    authUrl: e.NEXTAUTH_URL ?? `http://${publicHost}:${e.PORT}`,
    inProcessJobs: e.IN_PROCESS_JOBS ?? true,
    jobLeaseMs: e.JOB_LEASE_MS,
  };
}

export interface WorkerConfig {
  databaseUrl: string;
  poolSize: number;
  jobLeaseMs: number | undefined;
}

/**
 * `npm run trainer`'s configuration: the same variables, validated by the same schema, as the web process's —
 * and DATABASE_URL is required (the embedded database is private to its web process).
 */
export function parseWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const parsed = EnvSchema.pick({ DATABASE_URL: true, DB_POOL_SIZE: true, JOB_LEASE_MS: true }).safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${issue?.path.join(".") ?? "environment"} ${issue?.message ?? "is invalid"}`);
  }
  if (!parsed.data.DATABASE_URL) {
    throw new ConfigError("Invalid configuration: DATABASE_URL must be set for npm run trainer (a PostgreSQL shared with the web process)");
  }
  return { databaseUrl: parsed.data.DATABASE_URL, poolSize: Math.min(parsed.data.DB_POOL_SIZE, 4), jobLeaseMs: parsed.data.JOB_LEASE_MS };
}
