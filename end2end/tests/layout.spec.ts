import { expect, test } from "@playwright/test";
import { newChat } from "../support/chat";
import { newPerson, open } from "../support/people";

test("on a 390 px phone, a room name without break opportunities does not widen the page", async ({ browser }) => {
  const ana = await newPerson(browser, "ana");
  await ana.page.setViewportSize({ width: 390, height: 800 });
  await newChat(ana.page);
  const form = ana.page.locator('form:has(input[name="name"])');
  await form.locator('input[name="name"]').fill("tokio_select_cancellation_safety_and_graceful_shutdown");
  await form.locator('button[type="submit"]').click();
  await expect(ana.page).toHaveURL(/\/rooms\/\d+$/);
  await open(ana.page, "/");
  await expect(ana.page.getByTestId("my-rooms").getByText("tokio_select")).toBeVisible();
  const width = await ana.page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
});
