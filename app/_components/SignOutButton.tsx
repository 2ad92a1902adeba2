"use client";

import { signOut } from "next-auth/react";
import { PAGES } from "@/contracts/routes";

export function SignOutButton() {
  return (
    <button className="secondary" type="button" onClick={() => void signOut({ callbackUrl: PAGES.signIn })}>
      Sign out
    </button>
  );
}
