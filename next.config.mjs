import fs from "node:fs";

// One list for the pages and routes Next.js serves and for the labelling fast path (server/http/fast-path.ts).
// Pages get their Content-Security-Policy (with a per-request script nonce) from middleware.ts; API answers the
// strict one below (they are JSON, never rendered as documents).
const SECURITY = JSON.parse(fs.readFileSync(new URL("./server/http/security-headers.json", import.meta.url), "utf8"));

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native or WASM packages stay outside the bundle and are loaded by Node at run time.
  serverExternalPackages: [
    "@node-rs/argon2",
    "pg",
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "@tensorflow/tfjs-node",
    "@tensorflow/tfjs-node-gpu",
    "webgpu",
    // Format libraries (ONNX protobuf definitions, Parquet, tar): plain Node packages, loaded as they are.
    "onnx-proto",
    "protobufjs",
    "hyparquet",
    "hyparquet-writer",
    "tar-stream",
    // Bundles worker threads' TypeScript entries at run time (server/worker-bundle.ts).
    "esbuild",
  ],
  // Security headers on every page and API response: framing, MIME sniffing, referrer leaks, cross-window
  // access, powerful features. Scripts, styles and connections of pages: middleware.ts (docs/SECURITY.md).
  async headers() {
    return [
      { source: "/:path*", headers: SECURITY.headers },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: SECURITY.apiContentSecurityPolicy }] },
    ];
  },
  // `npm run lint` and `npm run typecheck` run these checks (and `npm test` runs both) — not the build.
  eslint: { ignoreDuringBuilds: true },
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
