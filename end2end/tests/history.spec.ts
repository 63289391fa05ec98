import { expect, test } from "@playwright/test";
import { bubbles, flood, roomIdOf, newChat } from "../support/chat";
import { newPerson } from "../support/people";

const MAX_ROWS = 150;

test("scroll-back loads older pages without moving the message under the eye", async ({ browser }) => {
  const ann = await newPerson(browser, "ann", "Ann");
  const page = ann.page;
  await newChat(page);
  await page.getByPlaceholder("New room name").fill("long history");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: "long history" })).toBeVisible();
  const room = roomIdOf(page.url());
  await flood(page, room, 400, "line");
  await page.reload();
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  const log = page.getByRole("log");
  await expect(bubbles(page, "line 400")).toBeInViewport();
  await expect(page.locator(".bubble")).toHaveCount(50);

  // At the top of the first page: the next page loads above, and "line 351" stays put.
  const anchor = page.locator('.bubble[data-seq="351"]');
  await log.evaluate((el) => (el.scrollTop = 0));
  const before = (await anchor.boundingBox())!.y;
  await expect(page.locator('.bubble[data-seq="301"]')).toHaveCount(1);
  await page.waitForTimeout(100);
  const after = (await anchor.boundingBox())!.y;
  expect(Math.abs(after - before)).toBeLessThanOrEqual(1);

  // All the way back to the first message: the DOM never holds more than MAX_ROWS messages.
  for (let i = 0; i < 40 && (await page.locator('.bubble[data-seq="1"]').count()) === 0; i++) {
    await log.evaluate((el) => (el.scrollTop = 0));
    await page.waitForTimeout(150);
    expect(await page.locator(".bubble").count()).toBeLessThanOrEqual(MAX_ROWS);
  }
  await expect(bubbles(page, "line 1")).toHaveCount(1);
  await expect(bubbles(page, "line 400")).toHaveCount(0);

  // Jump to latest brings the newest back, still bounded.
  await page.getByRole("button", { name: /latest|New messages/ }).click();
  await expect(bubbles(page, "line 400")).toBeInViewport();
  expect(await page.locator(".bubble").count()).toBeLessThanOrEqual(MAX_ROWS);
});
