// The embed, as a Q&A site uses it: the example host (examples/qa_host) on another origin
// (127.0.0.2) frames Parlor (127.0.0.1) in its question page, in a Chromium that blocks
// third-party cookies. The asker and an answerer chat in the embedded room: live, after a
// reload, and across a Parlor restart, with nothing lost or doubled. A page of an origin
// the host did not list can neither frame the embed nor open its socket.
import { test, expect, chromium, type BrowserContext, type Page, type FrameLocator } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { baseUrl, restart } from "../support/server";

const root = path.resolve(__dirname, "..", "..");
const HOST = "http://127.0.0.2:8000";

/** The example host, pointed at this run's Parlor. */
async function startHost(listen: string): Promise<ChildProcess> {
  const child = spawn("python3", [path.join(root, "examples", "qa_host", "qa_host.py")], {
    env: { ...process.env, QA_LISTEN: listen, PARLOR_URL: baseUrl() },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", () => {});
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://${listen}/`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`the example host did not start on ${listen}`);
}

/** A browser profile that blocks third-party cookies (Chromium's own setting). */
async function blockingContext(): Promise<BrowserContext> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parlor-3pc-"));
  fs.mkdirSync(path.join(dir, "Default"));
  fs.writeFileSync(
    path.join(dir, "Default", "Preferences"),
    JSON.stringify({ profile: { block_third_party_cookies: true, cookie_controls_mode: 1 } }),
  );
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--test-third-party-cookie-phaseout"],
  });
}

async function questionPage(context: BrowserContext, who: string): Promise<{ page: Page; chat: FrameLocator }> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${HOST}/login?as=${who}&next=/questions/1`);
  const chat = page.frameLocator('[data-testid="parlor-chat"]');
  await expect(chat.locator(".composer textarea")).toBeVisible({ timeout: 15_000 });
  return { page, chat };
}

async function say(chat: FrameLocator, text: string) {
  await chat.locator(".composer textarea").fill(text);
  await chat.locator(".composer textarea").press("Enter");
}

const bubbles = (chat: FrameLocator, text: string) => chat.locator(".bubble .body", { hasText: text });

test("the asker and an answerer chat in the embedded room, with third-party cookies blocked", async () => {
  test.setTimeout(90_000);
  const host = await startHost("127.0.0.2:8000");
  const [aliceContext, bobContext] = [await blockingContext(), await blockingContext()];
  try {
    const alice = await questionPage(aliceContext, "alice");
    const bob = await questionPage(bobContext, "bob");
    // The embed really is cookie-less here: the browser refuses it a cookie.
    const frame = alice.page.frames().find((f) => f.url().startsWith(baseUrl()))!;
    expect(await frame.evaluate(() => { document.cookie = "probe=1"; return document.cookie; })).toBe("");
    // The token went in the fragment and left the address at once.
    expect(frame.url()).not.toContain("token");

    await say(alice.chat, "Does it work with 한글?");
    await expect(bubbles(bob.chat, "Does it work with 한글?")).toHaveCount(1);
    await say(bob.chat, "Yes: 네, 됩니다.");
    await expect(bubbles(alice.chat, "Yes: 네, 됩니다.")).toHaveCount(1);
    await expect(alice.chat.getByTestId("online-count")).toContainText("2");

    // A reload signs a new token; the history is there, once.
    await alice.page.reload();
    const again = alice.page.frameLocator('[data-testid="parlor-chat"]');
    await expect(bubbles(again, "Does it work with 한글?")).toHaveCount(1);
    await expect(bubbles(again, "Yes: 네, 됩니다.")).toHaveCount(1);

    // Parlor restarts under both pages: the sockets come back on their in-memory sessions.
    const restarted = restart(1_000);
    await say(again, "sent while Parlor restarts");
    await restarted;
    await expect(bubbles(bob.chat, "sent while Parlor restarts")).toHaveCount(1, { timeout: 20_000 });
    await say(bob.chat, "after the restart");
    await expect(bubbles(again, "after the restart")).toHaveCount(1, { timeout: 20_000 });
    for (const text of ["Does it work with 한글?", "Yes: 네, 됩니다.", "sent while Parlor restarts", "after the restart"]) {
      await expect(bubbles(again, text)).toHaveCount(1);
      await expect(bubbles(bob.chat, text)).toHaveCount(1);
    }
    // The host heard of every message through its signed webhooks.
    await expect
      .poll(async () => {
        const hooks = await (await fetch(`${HOST}/debug/webhooks`)).json();
        return hooks.received.filter((e: { type: string }) => e.type === "message.created").length;
      }, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(4);
  } finally {
    await aliceContext.close();
    await bobContext.close();
    host.kill();
  }
});

test("a page of an origin the host did not list cannot frame the embed, nor open its socket", async ({ browser }) => {
  // The same host software on 127.0.0.3: its tokens are good, its origin is not listed.
  const stranger = await startHost("127.0.0.3:8000");
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const blocked = page.waitForEvent("console", (m) => /frame-ancestors/.test(m.text()), { timeout: 10_000 });
    await page.goto("http://127.0.0.3:8000/login?as=bob&next=/questions/1");
    await blocked;
    await expect(page.frameLocator('[data-testid="parlor-chat"]').getByTestId("embed")).toHaveCount(0);
    const opened = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve("open");
          ws.onerror = () => resolve("refused");
        }),
      baseUrl().replace("http", "ws") + "/ws",
    );
    expect(opened).toBe("refused");
  } finally {
    await context.close();
    stranger.kill();
  }
});
