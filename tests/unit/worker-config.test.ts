import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, parseWorkerConfig } from "../../server/config";

describe("the trainer worker's configuration", () => {
  it("reads DATABASE_URL, the pool size (at most 4) and the job lease through the validated schema", () => {
    expect(parseWorkerConfig({ DATABASE_URL: "postgres://u@h/db", DB_POOL_SIZE: "2", JOB_LEASE_MS: "5000" })).toEqual({
      databaseUrl: "postgres://u@h/db",
      poolSize: 2,
      jobLeaseMs: 5000,
    });
    expect(parseWorkerConfig({ DATABASE_URL: "postgresql://u@h/db" }).poolSize).toBe(4);
  });

  it("stops with one line naming the variable when it is missing or bad", () => {
    const message = (env: Record<string, string>) => {
      try {
        parseWorkerConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error("expected a ConfigError");
    };
    expect(message({})).toMatch(/^Invalid configuration: DATABASE_URL must be set/);
    expect(message({ DATABASE_URL: "mysql://x" })).toMatch(/^Invalid configuration: DATABASE_URL must be a postgres:\/\/ URL$/);
    expect(message({ DATABASE_URL: "postgres://h/db", JOB_LEASE_MS: "5" })).toMatch(/^Invalid configuration: JOB_LEASE_MS /);
  });
});

describe("the living demo setting", () => {
  it("is on in demo mode unless DEMO_WARMUP=0, and never outside demo mode", () => {
    const secret = "a-secret-of-at-least-32-characters-long";
    expect(parseConfig({ NEXTAUTH_SECRET: secret }).demoWarmUp).toBe(true);
    expect(parseConfig({ NEXTAUTH_SECRET: secret, DEMO_WARMUP: "0" }).demoWarmUp).toBe(false);
    expect(parseConfig({ DATABASE_URL: "postgres://h/db", NEXTAUTH_SECRET: secret }).demoWarmUp).toBe(false);
  });
});
