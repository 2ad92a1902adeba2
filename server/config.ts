/**
 * Process configuration, parsed once at start-up with zod. A bad value stops start-up with one readable line.
 */
import net from "node:net";
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
  // --- abuse limits (docs/SECURITY.md: login protection, signup, quotas, training budget) ---
  /** Comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed. Empty: none. */
  TRUSTED_PROXIES: z.string().optional(),
  SIGNUP: z.enum(["open", "invite", "closed"]).optional(),
  /** Sign-up attempts per client address per hour. */
  SIGNUP_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** Failed sign-ins per client address per 15 minutes (any accounts). */
  LOGIN_ADDRESS_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Projects a non-admin user may create; 0 = no limit. */
  PROJECT_QUOTA: z.coerce.number().int().min(0).max(1_000_000).default(20),
  /** Most epochs × parameters × ensemble members × episodes a project's settings may ask for; 0 = no limit. */
  TRAINING_BUDGET: z.coerce.number().min(0).default(2e11),
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
  inProcessJobs: boolean;
  /** Undefined: the job runner's default. */
  jobLeaseMs: number | undefined;
  /** Abuse limits: trusted proxies, signup policy, login/signup rates, project quota, training budget. */
  limits: Limits;
}

export type SignupPolicy = "open" | "invite" | "closed";

export interface Limits {
  trustedProxies: string[];
  signup: SignupPolicy;
  signupPerHour: number;
  loginFailuresPerAddress: number;
  projectQuota: number;
  trainingBudget: number;
}

/** Limits when no configuration is given (services called from tests and scripts). */
export const DEFAULT_LIMITS: Limits = {
  trustedProxies: [],
  signup: "invite",
  signupPerHour: 10,
  loginFailuresPerAddress: 30,
  projectQuota: 20,
  trainingBudget: 2e11,
};

/** `10.0.0.1, 10.1.0.0/16, ::1` → the entries, each a valid address or CIDR (else a ConfigError naming it). */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [addr, bits, extra] = entry.split("/");
    const family = net.isIP(addr ?? "");
    const maxBits = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !okBits || extra !== undefined) {
      throw new ConfigError(`Invalid configuration: TRUSTED_PROXIES entry "${entry}" is not an address or CIDR`);
    }
  }
  return entries;
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
    inProcessJobs: e.IN_PROCESS_JOBS ?? true,
    jobLeaseMs: e.JOB_LEASE_MS,
    limits: {
      trustedProxies: parseTrustedProxies(e.TRUSTED_PROXIES),
      // Invite-only unless this is the demo instance, where anyone trying it out may create an account.
      signup: e.SIGNUP ?? (demo ? "open" : "invite"),
      signupPerHour: e.SIGNUP_RATE_LIMIT,
      loginFailuresPerAddress: e.LOGIN_ADDRESS_LIMIT,
      projectQuota: e.PROJECT_QUOTA,
      trainingBudget: e.TRAINING_BUDGET,
    },
  };
}
