import { redirect } from "next/navigation";
import { PAGES } from "@/contracts/routes";
import { currentUser } from "@/server/auth/session";

export default async function Home() {
  redirect((await currentUser()) ? PAGES.projects : PAGES.signIn);
}
