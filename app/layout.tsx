import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { PAGES } from "@/contracts/routes";
import { currentUser } from "@/server/auth/session";
import { SignOutButton } from "./_components/SignOutButton";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = { title: "Corrective", description: "Human-in-the-loop DAgger" };
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  return (
    <html lang="en">
      <body>
        <Providers>
          <header className="topbar">
            <Link href={PAGES.home} className="brand">Corrective</Link>
            {user && <Link href={PAGES.projects}>Projects</Link>}
            {user && <Link href={PAGES.invites}>Invitations</Link>}
            <span className="spacer" />
            {user ? (
              <>
                <Link href={PAGES.account} data-testid="current-user" title="Account, sessions and API tokens">{user.name}{user.isAdmin ? " (admin)" : ""}</Link>
                <SignOutButton />
              </>
            ) : (
              <>
                <Link href={PAGES.signIn}>Sign in</Link>
                <Link href={PAGES.signUp}>Sign up</Link>
              </>
            )}
          </header>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
