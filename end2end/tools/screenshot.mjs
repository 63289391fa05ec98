// Takes the README's screenshot: two people chatting, side by side (desktop with the room list
// beside the room, and phone).
// Usage: start Parlor on a fresh database, then `node tools/screenshot.mjs http://127.0.0.1:3000 ../docs/screenshot.png`.
import { chromium } from "@playwright/test";
import { signUp } from "./person.mjs";

const [base, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});

const minsu = await signUp(browser, base, "minsu", "김민수", { viewport: { width: 1100, height: 640 }, locale: "ko-KR", deviceScaleFactor: 1 });
const alice = await signUp(browser, base, "alice", "Alice", { viewport: { width: 390, height: 640 }, locale: "en-US", deviceScaleFactor: 1 });
// A second room for Minsu's sidebar.
await minsu.getByTestId("new-chat").locator("summary").click();
await minsu.locator('input[name="name"]').fill("Rust 질문방");
await minsu.locator('form:has(input[name="name"]) button[type="submit"]').click();
await minsu.getByTestId("online-count").waitFor();
await alice.getByTestId("new-chat").locator("summary").click();
const form = alice.locator('form:has(input[name="username"])');
await form.locator('input[name="username"]').fill("minsu");
await form.locator('button[type="submit"]').click();
await alice.getByTestId("online-count").waitFor();
const room = alice.url();
await minsu.goto(room);
await minsu.locator(".app[data-hydrated=true]").waitFor();
const say = async (page, text) => {
  await page.locator(".composer textarea").fill(text);
  await page.locator(".composer textarea").press("Enter");
  await page.waitForTimeout(250);
};
await say(alice, "Hi! Did the answer about async Rust help?");
await say(minsu, "네, 정말 도움이 됐어요. 감사합니다!");
await say(alice, "Great. Ping me with @minsu if the borrow checker complains again.");
await say(alice, "Or with a link to the question.");
await say(minsu, "@alice 그럴게요 😄");
// The direct room is listed for Minsu once it has messages: his sidebar is read again.
await minsu.reload();
await minsu.locator(".app[data-hydrated=true]").waitFor();
await minsu.getByTestId("online-count").waitFor();
await alice.locator(".composer textarea").pressSequentially("See you");
await minsu.waitForTimeout(400);
await minsu.locator("main").click({ position: { x: 5, y: 5 } });
const a = await minsu.screenshot();
const b = await alice.screenshot();
// Put the two side by side in one image.
const page = await (await browser.newContext({ viewport: { width: 1510, height: 660 } })).newPage();
await page.setContent(`<body style="margin:0;background:#d9dde4;display:flex;gap:10px;padding:10px">
  <img src="data:image/png;base64,${a.toString("base64")}">
  <img src="data:image/png;base64,${b.toString("base64")}"></body>`);
await page.screenshot({ path: out });
await browser.close();
