import * as fs from "fs";
import * as path from "path";
import { CDPSession, Page, expect, test } from "@playwright/test";
import { newPerson } from "../support/people";
import { enterRoom, openDirect } from "../support/chat";

interface Transfer {
  url: string;
  bytes: number;
  encoding: string;
  cacheControl: string;
  fromCache: boolean;
}

/** Every response of the page with the bytes that crossed the wire (CDP's encodedDataLength). */
async function recordTransfers(page: Page): Promise<{ cdp: CDPSession; transfers: Transfer[] }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const byId = new Map<string, Transfer>();
  const transfers: Transfer[] = [];
  cdp.on("Network.responseReceived", (e) => {
    const h = e.response.headers as Record<string, string>;
    const get = (name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1] ?? "";
    byId.set(e.requestId, {
      url: e.response.url,
      bytes: 0,
      encoding: get("content-encoding"),
      cacheControl: get("cache-control"),
      fromCache: Boolean(e.response.fromDiskCache || e.response.fromPrefetchCache),
    });
  });
  cdp.on("Network.requestServedFromCache", (e) => {
    const t = byId.get(e.requestId);
    if (t) t.fromCache = true;
  });
  cdp.on("Network.loadingFinished", (e) => {
    const t = byId.get(e.requestId);
    if (t) {
      t.bytes = e.encodedDataLength;
      transfers.push(t);
    }
  });
  return { cdp, transfers };
}

const sum = (ts: Transfer[]) => ts.reduce((n, t) => n + t.bytes, 0);
const isAsset = (t: Transfer) => new URL(t.url).pathname.startsWith("/pkg/");

test("assets are content-hashed, precompressed and cached for ever; a reload fetches none", async ({ browser }) => {
  const ana = await newPerson(browser, "ana");
  const ben = await newPerson(browser, "ben");
  const room = await openDirect(ana, ben);

  // A fresh browser cache with Ana's session: her first load of the room.
  const cold = await browser.newContext({ storageState: await ana.context.storageState() });
  const page = await cold.newPage();
  const { transfers } = await recordTransfers(page);
  await enterRoom(page, room);
  await expect.poll(() => transfers.filter(isAsset).length).toBeGreaterThanOrEqual(3);
  const assets = transfers.filter(isAsset);
  for (const ext of ["js", "wasm", "css"]) {
    const file = assets.find((t) => new URL(t.url).pathname.endsWith("." + ext));
    expect(file, ext).toBeTruthy();
    expect(new URL(file!.url).pathname).toMatch(new RegExp(`^/pkg/parlor\\.[0-9a-f]{16}\\.${ext}$`));
    expect(file!.encoding, `${ext} is sent compressed`).toBe("br");
    expect(file!.cacheControl).toContain("immutable");
  }
  const firstLoad = sum(transfers);

  // A reload asks for no asset again: they come from the cache.
  transfers.length = 0;
  await page.reload();
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("online-count")).not.toHaveText(/^0 /);
  const reloadAssets = sum(transfers.filter((t) => isAsset(t) && !t.fromCache));
  expect(reloadAssets).toBeLessThan(10_000);

  // The figures, for docs/benchmarks.md (the release build's are the ones that count).
  const out = path.join(__dirname, "..", "..", "target", "bench");
  fs.mkdirSync(out, { recursive: true });
  const figures = {
    first_load_bytes: firstLoad,
    first_load_asset_bytes: sum(assets),
    reload_bytes: sum(transfers),
    reload_asset_bytes: reloadAssets,
    files: assets.map((t) => ({ path: new URL(t.url).pathname, bytes: t.bytes, encoding: t.encoding })),
  };
  fs.writeFileSync(path.join(out, "first-load.json"), JSON.stringify(figures, null, 1));
  console.log(JSON.stringify(figures));
  await cold.close();
});
