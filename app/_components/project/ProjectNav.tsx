"use client";
/**
 * The project's navigation bar (one for every project page). The entries are chosen on the server by role;
 * this only marks the current page, which the layout cannot know.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";

export interface ProjectNavItem {
  key: string;
  label: string;
  href: string;
}

export function ProjectNav({ projectName, items }: { projectName: string; items: ProjectNavItem[] }) {
  const pathname = usePathname();
  return (
    <nav className="row small project-nav" aria-label="Project pages" data-testid="project-nav">
      <strong className="project-nav-name">{projectName}</strong>
      {items.map((item) =>
        item.href === pathname ? (
          <span key={item.key} aria-current="page" className="project-nav-current" data-testid={`nav-${item.key}`}>
            {item.label}
          </span>
        ) : (
          <Link key={item.key} href={item.href} data-testid={`nav-${item.key}`}>
            {item.label}
          </Link>
        ),
      )}
    </nav>
  );
}
