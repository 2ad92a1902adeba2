/**
 * The Content-Security-Policy of pages (docs/SECURITY.md, "Content Security Policy and headers"), set per
 * request by middleware.ts with a fresh script nonce. Next.js reads the nonce from the request's policy and
 * puts it on every script it renders; `'strict-dynamic'` lets those scripts load the app's chunks. What the
 * pages need besides: inline `style` attributes (React renders them; CSS cannot run script), images from this
 * origin plus `data:`/`blob:` (canvas snapshots, downloads), and connections to this origin only — fetch and
 * socket.io's polling and websocket (`'self'` covers ws:/wss: to the same host in CSP Level 3 browsers).
 * No wasm or workers run in pages today; add `'wasm-unsafe-eval'` / `worker-src blob:` here if one does.
 * Pure code: it runs in the middleware's edge runtime.
 */
export function pageContentSecurityPolicy(nonce: string, opts: { dev: boolean }): string {
  return [
    "default-src 'self'",
    // Development only: React Refresh evaluates updated modules.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** 128 random bits, base64: a nonce an attacker cannot guess for the page being served. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
