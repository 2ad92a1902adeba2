"use client";

import { useEffect, useState } from "react";

/**
 * False in the server's HTML and until React has attached its handlers, true after. Forms that send a password
 * keep their submit button disabled until then: a click (or Enter) before hydration would make the browser
 * submit the form itself — a GET of the same page with the email and password in the URL (seen in e2e under
 * load: `account.spec.ts` clicked "Sign in" before the page had hydrated).
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
