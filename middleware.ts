/**
 * Per-request Content-Security-Policy for pages: a fresh nonce, passed to Next.js on the request (it then
 * marks its own scripts with it) and to the browser on the response. API routes and static files are not
 * matched: they carry the fixed headers of next.config.mjs. See server/http/content-security-policy.ts.
 */
import { NextResponse, type NextRequest } from "next/server";
import { newNonce, pageContentSecurityPolicy } from "./server/http/content-security-policy";

export function middleware(request: NextRequest) {
  const nonce = newNonce();
  const policy = pageContentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  // Pages only: not the API, Next's static assets or the icon; prefetches carry no document.
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
