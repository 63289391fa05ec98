import { expect, test } from "@playwright/test";
import { bubbles, enterRoom, openDirect, say } from "../support/chat";
import { newPerson, open } from "../support/people";

test("Bob sees that Alice is typing until she sends", async ({ browser }) => {
  const alice = await newPerson(browser, "alice", "Alice");
  const bob = await newPerson(browser, "bob", "Bob");
  const room = await openDirect(alice, bob);
  await enterRoom(bob.page, room);

  await alice.page.locator(".composer textarea").pressSequentially("Hello th");
  await expect(bob.page.getByTestId("typing")).toHaveText("Alice is typing…");
  await alice.page.locator(".composer textarea").press("Enter");
  await expect(bubbles(bob.page, "Hello th")).toHaveCount(1);
  await expect(bob.page.getByTestId("typing")).toHaveText("");
});

test("Bob's badge counts Alice's messages and clears when he opens the room", async ({ browser }) => {
  const alice = await newPerson(browser, "alice", "Alice");
  const bob = await newPerson(browser, "bob", "Bob");
  const room = await openDirect(alice, bob);
  // A direct room shows in Bob's list only once Alice has said something.
  await open(bob.page, "/");
  await expect(bob.page.locator(".room-row", { hasText: "Alice" })).toHaveCount(0);
  await say(alice.page, "one");
  await expect(bubbles(alice.page, "one")).toBeVisible();
  await open(bob.page, "/");
  const row = bob.page.locator(".room-row", { hasText: "Alice" });
  await expect(row).toBeVisible();
  await expect(row.getByTestId("unread-badge")).toHaveText("1");

  for (const text of ["two", "three"]) await say(alice.page, text);
  const badge = row.getByTestId("unread-badge");
  await expect(badge).toHaveText("3");
  await expect(bob.page).toHaveTitle("(3) Parlor");

  // A second tab of Bob's agrees.
  const second = await bob.context.newPage();
  await open(second, "/");
  await expect(second.locator(".room-row", { hasText: "Alice" }).getByTestId("unread-badge")).toHaveText("3");

  await row.locator("a").click();
  await expect(bubbles(bob.page, "three")).toBeVisible();
  await expect(second.locator(".room-row", { hasText: "Alice" }).getByTestId("unread-badge")).toHaveText("0");
  await expect(second).toHaveTitle("Parlor");

  // Alice sees that Bob read her last message.
  await expect(bubbles(alice.page, "three").getByTestId("read-marker")).toBeVisible();
  await expect(alice.page.getByTestId("read-marker")).toHaveCount(1);
  await open(bob.page, "/");
  await expect(bob.page.locator(".room-row", { hasText: "Alice" }).getByTestId("unread-badge")).toHaveText("0");
  expect(room).toContain("/rooms/");
});

test("the interface is Korean when the browser's language is Korean", async ({ browser }) => {
  const context = await browser.newContext({ locale: "ko-KR" });
  const page = await context.newPage();
  await open(page, "/");
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByRole("link", { name: "로그인" })).toBeVisible();
  await expect(page.getByText("Q&A 커뮤니티를 위한 실시간 채팅.")).toBeVisible();

  // Switching to English works without a reload and sticks.
  await page.getByRole("combobox").selectOption("en");
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await context.close();
});
