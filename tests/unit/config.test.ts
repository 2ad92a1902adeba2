import { describe, expect, it } from "vitest";
import { ConfigError, DEMO_SECRET, parseConfig } from "../../server/config";

describe("configuration", () => {
  it("defaults to the embedded database in demo mode on port 3000", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ port: 3000, host: "0.0.0.0", databaseUrl: undefined, demo: true, authSecret: DEMO_SECRET });
    expect(c.dataDir).toMatch(/\.corrective\/data$/);
  });

  it("stops on a bad value with one readable line naming the variable", () => {
    for (const [env, pattern] of [
      [{ PORT: "eighty" }, /^Invalid configuration: PORT /],
      [{ PORT: "70000" }, /^Invalid configuration: PORT /],
      [{ DATABASE_URL: "mysql://x" }, /^Invalid configuration: DATABASE_URL must be a postgres:\/\/ URL$/],
      [{ DEMO: "maybe" }, /^Invalid configuration: DEMO /],
    ] as const) {
      const err = (() => {
        try {
          parseConfig(env);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("turns demo mode off with DATABASE_URL and then refuses missing or default secrets", () => {
    const url = "postgres://postgres@127.0.0.1:5432/test";
    expect(() => parseConfig({ DATABASE_URL: url })).toThrow(/NEXTAUTH_SECRET must be set/);
    expect(() => parseConfig({ DATABASE_URL: url, NEXTAUTH_SECRET: DEMO_SECRET })).toThrow(/public demo secret/);
    expect(parseConfig({ DATABASE_URL: url, NEXTAUTH_SECRET: "a-real-secret-of-some-length" }).demo).toBe(false);
    expect(parseConfig({ DATABASE_URL: url, DEMO: "1" }).demo).toBe(true);
  });
});
