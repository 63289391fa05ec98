// The chat UI issue's stories: the desktop sidebar, grouping and day separators in the
// reader's zone, no presence noise, the paste limit, bidi isolation, focus and the skip link.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { expect, test } from "@playwright/test";
import { bubbles, createRoom, enterRoom, flood, newChat, openDirect, roomIdOf, say } from "../support/chat";
import { newPerson, open } from "../support/people";
import { baseUrl, readState } from "../support/server";

test("on a desktop the sidebar switches rooms without a reload and keeps each room's scroll", async ({ browser }) => {
  const ada = await newPerson(browser, "ada", "Ada");
  const page = ada.page;
  await page.setViewportSize({ width: 1280, height: 800 });
  const first = await createRoom(page, "first room");
  await flood(page, roomIdOf(first), 120, "first");
  const second = await createRoom(page, "second room");
  await flood(page, roomIdOf(second), 5, "second");
  await page.goto(first);
  await expect(bubbles(page, "first 120")).toBeVisible();

  // Scrolled up in the first room, to "first 90".
  const log = page.getByRole("log");
  await bubbles(page, "first 90").scrollIntoViewIfNeeded();
  await log.evaluate((el) => el.scrollBy(0, -20));
  const top = await log.evaluate((el) => el.scrollTop);
  expect(top).toBeGreaterThan(0);
  await page.evaluate(() => ((window as any).sameDocument = true));

  // The sidebar lists both rooms beside the open one; a click opens the second in place.
  const sidebar = page.getByRole("complementary");
  await expect(sidebar.getByText("second room")).toBeVisible();
  await sidebar.getByRole("link", { name: /second room/ }).click();
  await expect(page).toHaveURL(second);
  await expect(bubbles(page, "second 5")).toBeVisible();
  await expect(page.getByRole("heading", { name: "second room" })).toBeVisible();

  // Back in the first room: the same message at the same place; the page never reloaded.
  await sidebar.getByRole("link", { name: /first room/ }).click();
  await expect(page).toHaveURL(first);
  await expect(bubbles(page, "first 90")).toBeVisible();
  expect(Math.abs((await log.evaluate((el) => el.scrollTop)) - top)).toBeLessThanOrEqual(2);
  expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
});

test("on a 390 px phone the room and the list are two screens and nothing is wider than the screen", async ({ browser }) => {
  const ana = await newPerson(browser, "ana");
  const page = ana.page;
  await page.setViewportSize({ width: 390, height: 844 });
  const room = await createRoom(page, "tokio_select_cancellation_safety_and_graceful_shutdown");
  await say(page, "a_message_without_any_break_opportunity_at_all_from_start_to_the_very_end");
  await expect(page.getByRole("complementary")).toBeHidden();
  for (const url of [room, baseUrl() + "/"]) {
    await open(page, new URL(url).pathname);
    const widest = await page.evaluate(() =>
      Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll("body *")].map((e) => e.getBoundingClientRect().right)),
    );
    expect(widest).toBeLessThanOrEqual(390);
  }
});

test("messages group by sender and days separate at midnight in the reader's zone", async ({ browser }) => {
  // Three more browser contexts load the room: slow on a loaded 2-core machine.
  test.setTimeout(60_000);
  const kim = await newPerson(browser, "kim", "Kim");
  const url = await createRoom(kim.page, "midnight");
  for (const text of ["before midnight", "after midnight", "next morning"]) await say(kim.page, text);
  await expect(bubbles(kim.page, "next morning")).toBeVisible();

  // The stored times, moved to 2026-03-10 14:58 and 15:02 UTC (23:58 and 00:02 in Seoul),
  // and 15:04 UTC, in the real database file the server reads.
  const db = path.join(readState().dataDir, "parlor.db");
  const at = (h: number, m: number) => Date.UTC(2026, 2, 10, h, m);
  const sql = [
    ["before midnight", at(14, 58)],
    ["after midnight", at(15, 2)],
    ["next morning", at(15, 4)],
  ].map(([body, ms]) => `UPDATE messages SET created_at = ${ms} WHERE room_id = ${roomIdOf(url)} AND body = '${body}';`);
  execFileSync("sqlite3", [db, "PRAGMA busy_timeout = 5000;", ...sql], { timeout: 15_000 });

  const day = async (timezoneId: string, locale: string) => {
    const context = await browser.newContext({ timezoneId, locale, storageState: await kim.context.storageState() });
    const page = await context.newPage();
    await open(page, new URL(url).pathname);
    const rows = await page.getByRole("log").evaluate((log) =>
      [...log.children].map((e) =>
        e.matches(".day") ? `| ${e.textContent}` : e.matches(".continued") ? "+" : "*",
      ),
    );
    await context.close();
    return rows;
  };
  // London: one day, one group under one name and time.
  expect(await day("Europe/London", "en-US")).toEqual(["| March 10, 2026", "*", "+", "+"]);
  // Seoul: midnight falls between the first two, which breaks the group.
  expect(await day("Asia/Seoul", "en-US")).toEqual(["| March 10, 2026", "*", "| March 11, 2026", "*", "+"]);
  expect(await day("Asia/Seoul", "ko-KR")).toEqual(["| 2026년 3월 10일", "*", "| 2026년 3월 11일", "*", "+"]);
});

test("no notice about yourself, and a reload by the other person makes none", async ({ browser }) => {
  const alice = await newPerson(browser, "alice", "Alice");
  const bob = await newPerson(browser, "bob", "Bob");
  const room = await openDirect(alice, bob);
  await enterRoom(bob.page, room);
  await expect(alice.page.getByTestId("online-count")).toHaveText("2 online");
  await bob.page.reload();
  await expect(bob.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await say(bob.page, "back");
  await expect(bubbles(alice.page, "back")).toBeVisible();
  await expect(alice.page.getByTestId("online-count")).toHaveText("2 online");
  for (const p of [alice.page, bob.page]) {
    await expect(p.getByRole("log")).not.toContainText(/joined|left/);
    await expect(p.getByRole("log").locator(".bubble")).toHaveCount(1);
  }
});

test("a paste past the limit is refused visibly, and nothing is sent", async ({ browser }) => {
  const lee = await newPerson(browser, "lee", "Lee");
  await createRoom(lee.page, "limits");
  const page = lee.page;
  const box = page.locator(".composer textarea");
  // The room's composer has the focus as soon as it opens.
  await expect(box).toBeFocused();

  await box.fill("x".repeat(3_990));
  await expect(page.getByTestId("composer-count")).toHaveText("10 characters left");
  await box.fill("");
  await box.evaluate((el, text) => {
    const data = new DataTransfer();
    data.setData("text/plain", text);
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, "y".repeat(5_000));
  await expect(page.getByTestId("composer-note")).toHaveText(
    "Not pasted: the message would be 5000 characters long, and the limit is 4000.",
  );
  await expect(box).toHaveValue("");

  // Typed past the limit: the counter says so and neither Enter nor the button sends it.
  await box.fill("z".repeat(4_005));
  await expect(page.getByTestId("composer-count")).toHaveText("5 characters over the limit: shorten the message to send it");
  await box.press("Enter");
  await expect(page.locator(".composer button[type=submit]")).toBeDisabled();
  await page.waitForTimeout(300);
  await expect(page.getByRole("log").locator(".bubble")).toHaveCount(0);
});

test("a direction override stays inside its bubble and is shown, not obeyed", async ({ browser }) => {
  const eve = await newPerson(browser, "eve", "Eve");
  await createRoom(eve.page, "bidi");
  const page = eve.page;
  await say(page, "invoice \u202Egnp.exe");
  await say(page, "the next line");
  const body = page.locator(".bubble .body").first();
  await expect(body.locator("abbr.bidi-control")).toHaveText("RLO");
  await expect(body).toHaveAttribute("dir", "auto");
  expect(await body.evaluate((el) => getComputedStyle(el).unicodeBidi)).toBe("isolate");
  // The override is not in the page's text, so it reorders nothing, in its bubble or after.
  expect(await page.getByRole("log").evaluate((el) => el.textContent!.includes("\u202E"))).toBe(false);
  await expect(body).toHaveText("invoice RLOgnp.exe");
  await expect(bubbles(page, "the next line")).toBeVisible();
});

test("a keyboard user has a skip link, and focus lands in the composer when a room opens", async ({ browser }) => {
  const kai = await newPerson(browser, "kai", "Kai");
  const page = kai.page;
  await open(page, "/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();
  await createRoom(page, "keyboard");
  await expect(page.locator(".composer textarea")).toBeFocused();
});
