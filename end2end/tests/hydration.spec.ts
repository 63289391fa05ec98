import { expect, test } from "@playwright/test";
import { baseUrl } from "../support/server";
import { open } from "../support/people";

test("the first page is rendered on the server, then hydrates", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  // Rendered on the server: the HTML carries the content before any script runs.
  const html = await (await request.get(baseUrl() + "/")).text();
  expect(html).toContain("Real-time chat for your Q&amp;A community");
  expect(html).toContain('data-hydrated="false"');

  // The WASM takes over: the attribute flips only when hydration ran the page's effects.
  await open(page, "/");

  // Client-side routing needs the WASM too: no new document is loaded.
  const navigations: string[] = [];
  page.on("framenavigated", (f) => navigations.push(f.url()));
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
  expect(errors).toEqual([]);
});
