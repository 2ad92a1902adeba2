import { notFound, redirect } from "next/navigation";
import { PAGES } from "@/contracts/routes";
import type { Caller } from "@/server/auth/caller";
import { currentUser } from "@/server/auth/session";
import { AppError } from "@/server/errors";

/** For pages: the signed-in user, or a redirect to sign-in that comes back here afterwards. */
export async function requirePageUser(returnTo: string): Promise<Caller> {
  const user = await currentUser();
  if (!user) redirect(`${PAGES.signIn}?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}

/** Runs a service for a page; NOT_FOUND becomes the 404 page, other errors propagate to the error page. */
export async function orNotFound<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND") notFound();
    throw err;
  }
}
