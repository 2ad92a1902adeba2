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
  ],
  // Security headers on every page and API response. No script-src: Next.js inlines its bootstrap scripts;
  // React escapes everything rendered, and these close the remaining doors (framing, MIME sniffing, plugins,
  // base-tag and form hijacking, referrer leaks, cross-window access).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
        ],
      },
    ];
  },
  // `npm run lint` and `npm run typecheck` run these checks (and `npm test` runs both) — not the build.
  eslint: { ignoreDuringBuilds: true },
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
