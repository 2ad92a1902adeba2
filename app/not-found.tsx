import Link from "next/link";
import { PAGES } from "@/contracts/routes";

export default function NotFound() {
  return (
    <div className="panel empty">
      <h1>Not found</h1>
      <p>This page does not exist, or you do not have access to it.</p>
      <Link href={PAGES.projects}>Back to projects</Link>
    </div>
  );
}
