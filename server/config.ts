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
  authSecret: string;
  authUrl: string;
  /** NEXTAUTH_URL was set: `authUrl` is the one public origin (else a loopback default, see server/http/same-origin.ts). */
  authUrlConfigured: boolean;
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
    authSecret: secret,
    authUrl: e.NEXTAUTH_URL ?? `http://${publicHost}:${e.PORT}`,
    authUrlConfigured: e.NEXTAUTH_URL !== undefined,
    inProcessJobs: e.IN_PROCESS_JOBS ?? true,
    jobLeaseMs: e.JOB_LEASE_MS,
  };
}
