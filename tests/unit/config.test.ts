import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../server/config";
import { SECRET_FILE_NAME } from "../../server/secret-file";
import { OLD_DEMO_SECRET } from "../helpers/session-cookie";

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "corrective-config-"));

describe("configuration", () => {
  it("defaults to the embedded database in demo mode on port 3000, bound to 127.0.0.1", () => {
    const dir = tmpDir();
    const c = parseConfig({ DATA_DIR: dir });
    expect(c).toMatchObject({ port: 3000, host: "127.0.0.1", databaseUrl: undefined, demo: true, authSecretSource: "file", authUrl: "http://127.0.0.1:3000", trustHost: false });
    expect(c.dataDir).toBe(path.resolve(dir));
    expect(parseConfig({ NEXTAUTH_SECRET: "a-secret-that-writes-no-file" }).dataDir).toMatch(/\.corrective\/data$/);
  });

  it("HOST overrides the demo's loopback bind; outside demo mode the default is every interface", () => {
    expect(parseConfig({ DATA_DIR: tmpDir(), HOST: "0.0.0.0" })).toMatchObject({ host: "0.0.0.0", authUrl: "http://localhost:3000" });
    const url = "postgres://postgres@127.0.0.1:5432/test";
    expect(parseConfig({ DATABASE_URL: url, NEXTAUTH_SECRET: "a-real-secret-of-some-length" }).host).toBe("0.0.0.0");
  });

  it("without NEXTAUTH_SECRET generates a random secret once, in a 0600 file in DATA_DIR, and reuses it", () => {
    const dir = tmpDir();
    const first = parseConfig({ DATA_DIR: dir }).authSecret;
    const file = path.join(dir, SECRET_FILE_NAME);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(first).not.toBe(OLD_DEMO_SECRET);
    expect(parseConfig({ DATA_DIR: dir }).authSecret).toBe(first); // a restart keeps sessions
    expect(parseConfig({ DATA_DIR: tmpDir() }).authSecret).not.toBe(first); // another installation does not share it
    // A file someone loosened is tightened again; an emptied one is refused with a readable line.
    fs.chmodSync(file, 0o644);
    expect(parseConfig({ DATA_DIR: dir }).authSecret).toBe(first);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.writeFileSync(file, "short\n");
    expect(() => parseConfig({ DATA_DIR: dir })).toThrow(/^Invalid configuration: NEXTAUTH_SECRET is unset and .* delete it/);
    // NEXTAUTH_SECRET, when set, is used and no file is written.
    const other = tmpDir();
    expect(parseConfig({ DATA_DIR: other, NEXTAUTH_SECRET: "an-explicit-secret-123456" })).toMatchObject({ authSecret: "an-explicit-secret-123456", authSecretSource: "env" });
    expect(fs.existsSync(path.join(other, SECRET_FILE_NAME))).toBe(false);
  });

  it("stops on a bad value with one readable line naming the variable", () => {
    for (const [env, pattern] of [
      [{ PORT: "eighty" }, /^Invalid configuration: PORT /],
      [{ PORT: "70000" }, /^Invalid configuration: PORT /],
      [{ DATABASE_URL: "mysql://x" }, /^Invalid configuration: DATABASE_URL must be a postgres:\/\/ URL$/],
      [{ DEMO: "maybe" }, /^Invalid configuration: DEMO /],
      [{ NEXTAUTH_URL: "javascript:alert(1)" }, /^Invalid configuration: NEXTAUTH_URL /],
      [{ AUTH_TRUST_HOST: "sure" }, /^Invalid configuration: AUTH_TRUST_HOST /],
    ] as const) {
      const err = (() => {
        try {
          parseConfig({ DATA_DIR: tmpDir(), ...env });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("turns demo mode off with DATABASE_URL and then requires NEXTAUTH_SECRET; the old published secret is refused everywhere", () => {
    const url = "postgres://postgres@127.0.0.1:5432/test";
    expect(() => parseConfig({ DATABASE_URL: url })).toThrow(/NEXTAUTH_SECRET must be set/);
    expect(() => parseConfig({ DATABASE_URL: url, NEXTAUTH_SECRET: OLD_DEMO_SECRET })).toThrow(/published secret/);
    expect(() => parseConfig({ DATA_DIR: tmpDir(), NEXTAUTH_SECRET: OLD_DEMO_SECRET })).toThrow(/published secret/);
    expect(parseConfig({ DATABASE_URL: url, NEXTAUTH_SECRET: "a-real-secret-of-some-length" }).demo).toBe(false);
    expect(parseConfig({ DATABASE_URL: url, DEMO: "1", DATA_DIR: tmpDir() }).demo).toBe(true);
  });

  it("takes the public origin from NEXTAUTH_URL, and trusts forwarded hosts only when AUTH_TRUST_HOST is set", () => {
    const dir = tmpDir();
    expect(parseConfig({ DATA_DIR: dir, NEXTAUTH_URL: "https://corrective.example.org/some/path" })).toMatchObject({ authUrl: "https://corrective.example.org", trustHost: false });
    expect(parseConfig({ DATA_DIR: dir, AUTH_TRUST_HOST: "1" }).trustHost).toBe(true);
  });
});
