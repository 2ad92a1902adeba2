/**
 * Hostile strings in a user's name, a project's name and description, a comment and a dataset import's error
 * are stored verbatim and rendered inert in Chromium: the text shows exactly as typed, no script runs, no
 * element is injected. Pages also carry the security headers.
 */
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";
import { LeadApi } from "./labeling-helpers";

/** Under the 100-character limit on names. */
const HOSTILE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"'; drop table users;--`;

async function expectInert(page: Page) {
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.locator("script").filter({ hasText: "__pwned" })).toHaveCount(0);
}

test("hostile names, descriptions and comments are stored verbatim and rendered as text", async ({ page, baseURL }) => {
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // The page Content-Security-Policy must not get in the app's way: Chromium reports every refusal on the console.
  const cspRefusals: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspRefusals.push(m.text());
  });
  const email = `hostile-${Date.now()}@example.test`;
  const anon = await LeadApi.login(String(baseURL));
  const signup = await anon.ctx.post("/api/v1/auth/signup", { data: { name: HOSTILE, email, password: "long enough password" } });
  expect(signup.status()).toBe(202);
  const login = await anon.ctx.post("/api/v1/auth/login", { data: { email, password: "long enough password" } });
  const me = new LeadApi(anon.ctx, (await login.json()).data.token);
  const project = await me.ok("POST", "/api/v1/projects", { name: HOSTILE, description: HOSTILE, envId: "CartPole-v1" });
  const demo = await me.ok("POST", `/api/v1/projects/${project.id}/demonstrations`, { episodes: [{ steps: [0, 1, 0, 1].map((a, t) => ({ observation: [0, 0, t / 100, 0], action: a })) }] });
  const comment = await me.ok("POST", `/api/v1/projects/${project.id}/comments`, { rolloutId: demo.rolloutIds[0], body: HOSTILE });
  // Stored verbatim.
  expect(project.name).toBe(HOSTILE);
  expect(comment.body).toBe(HOSTILE);
  expect((await me.ok("GET", "/api/v1/me")).name).toBe(HOSTILE);

  await signIn(page, email, "long enough password");
  await expect(page.getByTestId("project-list")).toContainText(HOSTILE);
  await expectInert(page);

  const res = await page.goto(`/projects/${project.id}`);
  const headers = res!.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toMatch(/(^|; )default-src 'self'/);
  const nonce = /'nonce-([^']+)'/.exec(headers["content-security-policy"] ?? "")?.[1];
  expect(nonce).toBeTruthy();
  // Every inline script of the page carries this response's nonce (the DOM keeps it as a property, not an attribute).
  const inline = await page.evaluate(() => [...document.scripts].filter((s) => !s.src).map((s) => s.nonce));
  expect(inline.length).toBeGreaterThan(0);
  expect(inline.every((n) => n === nonce)).toBe(true);
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(HOSTILE);
  await expect(page.getByText(HOSTILE, { exact: true }).first()).toBeVisible();
  await expectInert(page);

  // The audit log shows the project's name and the user's name as text.
  await page.goto(`/projects/${project.id}/audit`);
  await expect(page.locator("body")).toContainText("project.created");
  await expectInert(page);

  // The labelling page's comments list the hostile comment as text.
  await page.goto(`/projects/${project.id}/label`);
  await expect(page.getByTestId("recent-comments").getByTestId("comment").first()).toContainText(HOSTILE);
  await expect(page.getByTestId("presence-list")).toContainText(HOSTILE);
  await expectInert(page);

  // A dataset import with hostile content is refused with an error shown as text.
  await page.goto(`/projects/${project.id}/datasets`);
  await page.getByTestId("import-file").setInputFiles({ name: "hostile.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(`${HOSTILE}\n`) });
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-error")).toBeVisible({ timeout: 15_000 });
  await expectInert(page);
  expect(dialogs).toEqual([]);
  expect(cspRefusals).toEqual([]);
  await anon.dispose();
});
