/**
 * How every browser run here starts Chromium: Debian's build at /usr/bin/chromium (never a downloaded
 * browser) with these flags. Shared by playwright.config.ts and bench/ui.ts.
 */
export const CHROMIUM_LAUNCH_OPTIONS = {
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
};
