/**
 * The session-signing secret when NEXTAUTH_SECRET is not set (demo mode only): 32 random bytes generated on the
 * first start, kept in `DATA_DIR/auth-secret` (mode 0600) and reused on every later start, so sessions survive a
 * restart but no two installations share a secret. There is no constant fallback: a secret anyone can read in
 * the repository lets anyone mint an admin cookie (issue 14).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const SECRET_FILE_NAME = "auth-secret";
const MIN_LENGTH = 32;

export class SecretFileError extends Error {}

export function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, SECRET_FILE_NAME);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    // Written whole to a private temporary file, then linked into place: a second process starting at the
    // same moment either wins the link or reads the winner's complete file, never a half-written one.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    fs.writeFileSync(tmp, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const stat = fs.statSync(file);
  if ((stat.mode & 0o077) !== 0) {
    fs.chmodSync(file, 0o600);
    console.warn(`[auth] ${file} was readable by others; its mode is now 0600`);
  }
  const secret = fs.readFileSync(file, "utf8").trim();
  if (secret.length < MIN_LENGTH) throw new SecretFileError(`${file} holds no usable secret (under ${MIN_LENGTH} characters); delete it to generate a new one`);
  return secret;
}
