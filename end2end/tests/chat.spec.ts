import { expect, test } from "@playwright/test";
import { bubbles, enterRoom, openDirect, say, sitsRight } from "../support/chat";
import { newPerson } from "../support/people";
import { restart } from "../support/server";

test("Alice and Bob chat live in a direct room", async ({ browser }) => {
  const alice = await newPerson(browser, "alice", "Alice");
  const bob = await newPerson(browser, "bob", "Bob");

  // Alice opens a direct room with Bob; both are in it.
  const room = await openDirect(alice, bob);
  await expect(alice.page.getByTestId("online-count")).toHaveText("1 online");
  await enterRoom(bob.page, room);
  await expect(bob.page.getByRole("heading", { name: "Alice" })).toBeVisible();
  await expect(alice.page.getByTestId("online-count")).toHaveText("2 online");
  await expect(bob.page.getByTestId("online-count")).toHaveText("2 online");
  // Who is here is the participant list's to say, not notices in the log.
  await alice.page.getByTestId("online-count").click();
  await expect(alice.page.getByTestId("people")).toContainText("Bob");
  await expect(alice.page.getByTestId("people")).toContainText("Alice");

  // Alice's message reaches Bob without a reload, within a second: left for Bob, right for her.
  await say(alice.page, "Hello Bob");
  await expect(bubbles(bob.page, "Hello Bob")).toHaveCount(1, { timeout: 1_000 });
  await expect(bubbles(alice.page, "Hello Bob")).toHaveCount(1);
  expect(await sitsRight(alice.page, "Hello Bob")).toBe(true);
  expect(await sitsRight(bob.page, "Hello Bob")).toBe(false);
  await expect(bubbles(bob.page, "Hello Bob").locator(".name")).toHaveText("Alice");

  // User text is text: nothing runs, no element is made from it.
  let dialogs = 0;
  for (const p of [alice.page, bob.page]) p.on("dialog", (d) => { dialogs += 1; void d.dismiss(); });
  const attack = "<img src=x onerror=alert(1)>";
  await say(alice.page, attack);
  await expect(bubbles(bob.page, attack)).toHaveCount(1);
  await expect(bob.page.getByRole("log").locator("img")).toHaveCount(0);
  expect(dialogs).toBe(0);

  // Empty input does nothing.
  await say(bob.page, "   ");
  await expect(bob.page.locator(".bubble")).toHaveCount(2);

  // Bob leaves: the count goes back to one, and the list names Alice only.
  await bob.page.getByRole("link", { name: "Parlor" }).click();
  await expect(alice.page.getByTestId("online-count")).toHaveText("1 online");
  await expect(alice.page.getByTestId("people")).not.toContainText("Bob");
});

test("Korean composition plus Enter sends exactly one message with the full text", async ({ browser }) => {
  const minsu = await newPerson(browser, "minsu", "김민수", "ko-KR");
  const jiwoo = await newPerson(browser, "jiwoo", "이지우", "ko-KR");
  const room = await openDirect(minsu, jiwoo);
  await enterRoom(jiwoo.page, room);
  const page = minsu.page;
  await page.locator(".composer textarea").focus();

  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.imeSetComposition", { text: "안녕하세", selectionStart: 4, selectionEnd: 4 });
  await cdp.send("Input.imeSetComposition", { text: "안녕하세요", selectionStart: 5, selectionEnd: 5 });
  // The Enter that commits the last syllable: it must not send.
  await cdp.send("Input.dispatchKeyEvent", {
    type: "rawKeyDown",
    key: "Enter",
    code: "Enter",
    windowsVirtualKeyCode: 229,
  });
  await cdp.send("Input.insertText", { text: "안녕하세요" });
  await expect(page.locator(".bubble")).toHaveCount(0);
  // Now Enter sends, once, with the whole text.
  await page.keyboard.press("Enter");
  await expect(bubbles(jiwoo.page, "안녕하세요")).toHaveCount(1);
  await expect(bubbles(page, "안녕하세요")).toHaveCount(1);
  await expect(page.locator(".bubble")).toHaveCount(1);
  await expect(jiwoo.page.locator(".bubble")).toHaveCount(1);
  await expect(page.locator(".composer textarea")).toHaveValue("");
});

test("the server restarts: the banner comes and goes, and nothing is lost or doubled", async ({ browser }) => {
  const alice = await newPerson(browser, "alice", "Alice");
  const bob = await newPerson(browser, "bob", "Bob");
  const room = await openDirect(alice, bob);
  await enterRoom(bob.page, room);
  await say(alice.page, "before the restart");
  await expect(bubbles(bob.page, "before the restart")).toHaveCount(1);

  const restarted = restart(1_500);
  await expect(alice.page.getByTestId("connection-lost")).toBeVisible();
  await expect(bob.page.getByTestId("connection-lost")).toBeVisible();
  // Written while the server is down: kept in the outbox and sent on reconnect.
  await say(alice.page, "while it was down");
  await restarted;
  await expect(alice.page.getByTestId("connection-lost")).toBeHidden({ timeout: 20_000 });
  await expect(bob.page.getByTestId("connection-lost")).toBeHidden({ timeout: 20_000 });

  await say(bob.page, "after the restart");
  for (const page of [alice.page, bob.page]) {
    for (const text of ["before the restart", "while it was down", "after the restart"]) {
      await expect(bubbles(page, text)).toHaveCount(1);
    }
    await expect(page.locator(".bubble")).toHaveCount(3);
  }
  // And a reload shows the same, from the store.
  await bob.page.reload();
  await expect(bob.page.locator(".bubble")).toHaveCount(3);
});
