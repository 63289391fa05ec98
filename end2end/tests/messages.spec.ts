// Edit, delete, reply, react and format, as people do them in the page: every change comes
// back from the server as an event of the room's sequence, so the other person sees it at
// once and it stays after a reload.
import { expect, test } from "@playwright/test";
import { bubbles, createRoom, enterRoom, flood, openDirect, post, roomIdOf, say } from "../support/chat";
import { newPerson } from "../support/people";

test("Alice edits, Bob sees it edited; Bob reacts, Alice sees the count; Alice deletes, and it stays deleted", async ({ browser }) => {
  const alice = await newPerson(browser, "alice", "Alice");
  const bob = await newPerson(browser, "bob", "Bob");
  const url = await openDirect(alice, bob);
  await say(alice.page, "helo wrold");
  await expect(bubbles(alice.page, "helo wrold")).toBeVisible();
  await enterRoom(bob.page, url);
  await expect(bubbles(bob.page, "helo wrold")).toBeVisible();

  // Up in the empty composer edits my last message; Escape would cancel, Enter saves.
  const box = alice.page.locator(".composer textarea");
  await box.press("ArrowUp");
  await expect(alice.page.getByTestId("composer-context")).toContainText("Editing");
  await expect(box).toHaveValue("helo wrold");
  await box.press("Escape");
  await expect(alice.page.getByTestId("composer-context")).toHaveCount(0);
  await expect(box).toHaveValue("");
  await box.press("ArrowUp");
  await box.fill("hello world");
  await box.press("Enter");
  const edited = bubbles(bob.page, "hello world");
  await expect(edited).toBeVisible();
  await expect(edited.getByTestId("edited")).toHaveText("edited");
  await expect(bubbles(bob.page, "helo wrold")).toHaveCount(0);

  // Bob reacts from the bubble's actions; both see one 👍, Bob's pressed.
  await edited.hover();
  await edited.locator('.toolbar [data-emoji="👍"]').click();
  const mine = bob.page.locator('.reaction[data-emoji="👍"]');
  await expect(mine).toHaveAttribute("aria-pressed", "true");
  const theirs = alice.page.locator('.reaction[data-emoji="👍"]');
  await expect(theirs.locator(".count")).toHaveText("1");
  await expect(theirs).toHaveAttribute("aria-pressed", "false");
  await expect(theirs).toHaveAttribute("title", "👍 1: Bob");

  // Alice deletes (two steps); Bob's bubble becomes a tombstone, and stays one.
  const hers = bubbles(alice.page, "hello world");
  await hers.hover();
  await hers.locator('[data-action="delete"]').click();
  await hers.locator('[data-action="delete"]').click();
  await expect(bob.page.getByTestId("tombstone")).toHaveText("Message deleted");
  // Bob loads the room afresh. (Once, in a clean-clone run, a reload here got no answer to
  // its document request for 26 s and was never reproduced; a fresh tab loads the same page.)
  await bob.page.close();
  bob.page = await bob.context.newPage();
  await enterRoom(bob.page, url);
  await expect(bob.page.getByTestId("tombstone")).toHaveText("Message deleted");
  expect(await bob.page.content()).not.toContain("hello world");
  await expect(bob.page.locator(".reaction")).toHaveCount(0);
});

test("a reply quotes its parent, and a click jumps to a parent 200 messages back", async ({ browser }) => {
  const ann = await newPerson(browser, "ann", "Ann");
  let page = ann.page;
  const room = roomIdOf(await createRoom(page, "long thread"));
  const [root] = await post(page, room, [{ body: "the **original** question" }]);
  await flood(page, room, 200, "line");
  await post(page, room, [{ body: "an answer to the question", reply_to: root }]);
  // The room afresh, in a new tab: a reload here, as in the first story, once went
  // unanswered in a clean-clone run (see the first story).
  const url = page.url();
  await page.close();
  const fresh = await ann.context.newPage();
  ann.page = fresh;
  page = fresh;
  await enterRoom(page, url);

  // From the UI: a reply to the newest line shows its quote.
  const last = bubbles(page, "an answer to the question");
  await expect(last.getByTestId("quote")).toContainText("Ann");
  await expect(last.getByTestId("quote")).toContainText("the **original** question");
  const line = bubbles(page, "line 200");
  await line.hover();
  await line.locator('[data-action="reply"]').click();
  await expect(page.getByTestId("composer-context")).toContainText("Replying to Ann: line 200");
  await say(page, "me too");
  const reply = bubbles(page, "me too");
  await expect(reply.getByTestId("quote")).toContainText("line 200");

  // The first message is 200 back, not loaded: the click loads it and brings it into view.
  await expect(page.locator(`.bubble[data-seq="${root}"]`)).toHaveCount(0);
  await last.getByTestId("quote").click();
  const parent = page.locator(`.bubble[data-seq="${root}"]`);
  await expect(parent).toBeInViewport({ timeout: 15_000 });
  await expect(parent).toHaveClass(/highlight/);
  await expect(parent.locator(".body strong")).toHaveText("original");
  expect(await page.locator(".bubble").count()).toBeLessThanOrEqual(150);
});

test("Markdown renders, and a fenced code block keeps its indentation", async ({ browser }) => {
  const kim = await newPerson(browser, "kim", "Kim");
  const page = kim.page;
  await createRoom(page, "code");
  const code = 'fn main() {\n    if true {\n        println!("<hi>");\n    }\n}';
  await say(page, "```rust\n" + code + "\n```");
  const block = page.locator(".bubble:not(.pending) pre code");
  await expect(block).toHaveCount(1);
  expect(await block.evaluate((el) => el.textContent)).toBe(code + "\n");
  expect(await block.evaluate((el) => getComputedStyle(el.parentElement!).whiteSpace)).toBe("pre");
  await say(page, "**bold**, _it_, `code` and [a link](https://example.com)\n- one\n- two\n> quoted");
  const body = page.locator(".bubble:not(.pending) .body").last();
  await expect(body.locator("strong")).toHaveText("bold");
  await expect(body.locator("em")).toHaveText("it");
  await expect(body.locator("code")).toHaveText("code");
  await expect(body.locator("li")).toHaveCount(2);
  await expect(body.locator("blockquote")).toHaveText("quoted");
  await expect(body.locator("a")).toHaveAttribute("rel", "nofollow noopener noreferrer");
  // Korean goes through the renderer untouched.
  await say(page, "서울에서 **만나요**");
  await expect(page.locator(".bubble:not(.pending) .body").last().locator("strong")).toHaveText("만나요");
});
