import { expect, test } from "@playwright/test";
import { createRoom, flood, post, roomIdOf } from "../support/chat";
import { newPerson, open } from "../support/people";
import { baseUrl } from "../support/server";

// A Korean word found 500 messages back, opened in place: highlighted, and the log scrolls
// both ways from there, each load keeping the message under the eye where it was.
test("a Korean search finds a message 500 back, and its room opens on it", async ({ browser }) => {
  // 600 messages stored, then a scroll up and a scroll down through pages: more than the
  // default 30 s on a loaded machine (about 20 s alone).
  test.setTimeout(60_000);
  const ann = await newPerson(browser, "ann", "Ann");
  const page = ann.page;
  const room = roomIdOf(await createRoom(page, "여행 준비"));
  await flood(page, room, 100, "before");
  const [target] = await post(page, room, [{ body: "서울에서 만나요, 3시에 deploy 끝나고" }]);
  await flood(page, room, 500, "after");
  await page.reload();
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");

  // From the room, Ctrl+K reaches the box; the results follow the typing.
  await page.keyboard.press("Control+k");
  const box = page.getByTestId("search-box");
  await expect(box).toBeFocused();
  await box.pressSequentially("서울");
  await expect(page).toHaveURL(/\/search\?q=%EC%84%9C%EC%9A%B8$/);
  const hit = page.getByTestId("search-hit");
  await expect(hit).toHaveCount(1);
  await expect(hit.locator("mark")).toHaveText(["서울"]);
  await expect(hit).toContainText("여행 준비");
  await expect(hit).toContainText("Ann");

  await hit.click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room}\\?at=${target}$`));
  const bubble = page.locator(`.bubble[data-seq="${target}"]`);
  await expect(bubble).toBeInViewport({ timeout: 20_000 });
  await expect(bubble).toHaveClass(/highlight/);
  const log = page.getByRole("log");
  expect(await page.locator(".bubble").count()).toBeLessThanOrEqual(150);

  // Up: older messages load above; the first bubble shown stays where it was.
  await log.evaluate((el) => (el.scrollTop = 0));
  const top = page.locator(".bubble").first();
  const topSeq = await top.getAttribute("data-seq");
  const anchorUp = page.locator(`.bubble[data-seq="${topSeq}"]`);
  const upBefore = (await anchorUp.boundingBox())!.y;
  await expect(page.locator('.bubble[data-seq="20"]')).toHaveCount(1, { timeout: 10_000 });
  await page.waitForTimeout(100);
  expect(Math.abs((await anchorUp.boundingBox())!.y - upBefore)).toBeLessThanOrEqual(1);

  // Down, past where it started: newer messages come in below, and nothing jumps.
  for (let i = 0; i < 20 && (await page.locator('.bubble[data-seq="300"]').count()) === 0; i++) {
    await log.evaluate((el) => (el.scrollTop = el.scrollHeight - el.clientHeight));
    const last = await page.locator(".bubble").last().getAttribute("data-seq");
    const anchorDown = page.locator(`.bubble[data-seq="${last}"]`);
    const downBefore = (await anchorDown.boundingBox())!.y;
    await page.waitForTimeout(150);
    if ((await anchorDown.count()) === 1) {
      expect(Math.abs((await anchorDown.boundingBox())!.y - downBefore)).toBeLessThanOrEqual(1);
    }
    expect(await page.locator(".bubble").count()).toBeLessThanOrEqual(150);
  }
  await expect(page.locator('.bubble[data-seq="300"]')).toHaveCount(1);
});

test("English finds a word by its start; nothing found and punctuation say so, in Korean too", async ({ browser }) => {
  const ann = await newPerson(browser, "ann", "Ann");
  const page = ann.page;
  const room = roomIdOf(await createRoom(page, "ops"));
  await post(page, room, [{ body: "Deploying now <b>bold</b>" }, { body: "no match here" }]);

  await open(page, "/search?q=deploy");
  const hit = page.getByTestId("search-hit");
  await expect(hit).toHaveCount(1);
  await expect(hit.locator("mark")).toHaveText(["Deploy"]);
  // The body's markup is text in the snippet, never an element.
  await expect(hit.locator(".snippet")).toContainText("<b>bold</b>");
  await expect(hit.locator("b")).toHaveCount(0);

  await open(page, "/search?q=nothinglikethis");
  await expect(page.getByTestId("no-matches")).toContainText("No messages match");
  await open(page, "/search?q=%22*%28%29");
  await expect(page.getByRole("alert")).toContainText("letters or numbers");

  const bo = await newPerson(browser, "bo", "보영", "ko-KR");
  await open(bo.page, "/search?q=없는단어");
  await expect(bo.page.getByTestId("no-matches")).toContainText("일치하는 메시지가 없습니다");
  // Ann's room is not Bo's: her message stays out of his results.
  await open(bo.page, "/search?q=deploy");
  await expect(bo.page.getByTestId("no-matches")).toBeVisible();
});

// A results page rendered by the server keeps "More results" once hydrated; each click
// appends the next page once, however fast the clicks, and the box holds the query even in
// the server's HTML.
test("More results appends each page once, on a page the server rendered", async ({ browser }) => {
  const ann = await newPerson(browser, "ann", "Ann");
  const page = ann.page;
  const room = roomIdOf(await createRoom(page, "releases"));
  await flood(page, room, 45, "rollout");

  const html = await (await page.request.get(baseUrl() + "/search?q=rollout")).text();
  expect(html).toMatch(/<input[^>]*data-testid="search-box"[^>]*value="rollout"|<input[^>]*value="rollout"[^>]*data-testid="search-box"/);

  await open(page, "/search?q=rollout");
  const hits = page.getByTestId("search-hit");
  await expect(hits).toHaveCount(20);
  const more = page.getByTestId("more-results");
  await expect(more).toBeVisible();
  // Two clicks at once: the second is refused while the first page loads.
  await more.evaluate((b: HTMLButtonElement) => {
    b.click();
    b.click();
  });
  await expect(hits).toHaveCount(40);
  await more.click();
  await expect(hits).toHaveCount(45);
  await expect(more).toHaveCount(0);
  const hrefs = await hits.evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  expect(new Set(hrefs).size).toBe(45);
  // Newest first at equal relevance, across the pages.
  const seqs = hrefs.map((h) => Number(new URL(h!, baseUrl()).searchParams.get("at")));
  expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

  // A new query starts from its own first page.
  const box = page.getByTestId("search-box");
  await box.fill("rollout 4");
  await expect(page).toHaveURL(/q=rollout%204$/);
  await expect(hits).toHaveCount(1);
  await expect(more).toHaveCount(0);
});
