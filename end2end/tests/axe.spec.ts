// axe-core on every page, in English and Korean: any serious or critical violation fails.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, Page } from "@playwright/test";
import { enterRoom, openDirect, say } from "../support/chat";
import { newPerson, open } from "../support/people";

async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const locale of ["en-US", "ko-KR"]) {
  test(`axe finds nothing serious on any page (${locale})`, async ({ browser }) => {
    // Nine pages analysed by axe take about 25 s on 2 cores: twice the default budget.
    test.setTimeout(60_000);
    const signedOut = await browser.newContext({ locale });
    const guest = await signedOut.newPage();
    const found: Record<string, string[]> = {};
    for (const path of ["/", "/signin", "/signup", "/no-such-page"]) {
      await open(guest, path);
      found[path] = await violations(guest);
    }
    await signedOut.close();

    const alice = await newPerson(browser, "alice", "Alice", locale);
    const bob = await newPerson(browser, "bob", "Bob", locale);
    found["room list"] = await violations(alice.page);
    const room = await openDirect(alice, bob);
    await enterRoom(bob.page, room);
    await say(alice.page, "hello @" + bob.username);
    await say(bob.page, "hi!");
    await say(bob.page, "invoice \u202Egnp.exe");
    await expect(alice.page.locator(".bubble")).toHaveCount(3);
    await alice.page.getByTestId("online-count").click();
    found["room"] = await violations(alice.page);
    // Drawn by the server this time (the CSP refuses style attributes in its HTML).
    await alice.page.reload();
    await expect(alice.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
    await expect(alice.page.locator(".bubble")).toHaveCount(3);
    found["room, reloaded"] = await violations(alice.page);
    await alice.page.getByTestId("online-count").click();
    await alice.page.setViewportSize({ width: 390, height: 844 });
    found["room on a phone"] = await violations(alice.page);
    for (const [page, list] of Object.entries(found)) expect(list, page).toEqual([]);
  });
}
