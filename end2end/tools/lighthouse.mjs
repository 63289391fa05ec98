// Lighthouse's mobile preset (its default: a Moto G Power's screen, 4x CPU slowdown, slow 4G)
// on the sign-in page and on a signed-in room, printed as a table.
//
// Usage: build the release site and server (`scripts/lighthouse.sh` does all of it), start
// Parlor on a fresh database, then
//   node tools/lighthouse.mjs http://127.0.0.1:3000 <lighthouse's cli.js>
// Lighthouse itself is not a dependency of the tests (200 packages): the script is given
// the path of an installed copy.
import { chromium } from "@playwright/test";
import { signUp } from "./person.mjs";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const [base, cli] = process.argv.slice(2);
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const runs = Number(process.env.RUNS ?? 3);

// A signed-in person with a direct room of a few messages, through the real pages.
const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
const ann = await signUp(browser, base, "ann", "Ann");
await signUp(browser, base, "minsu", "김민수");
await ann.getByTestId("new-chat").locator("summary").click();
const form = ann.locator('form:has(input[name="username"])');
await form.locator('input[name="username"]').fill("minsu");
await form.locator('button[type="submit"]').click();
await ann.getByTestId("online-count").waitFor();
for (const text of ["Did the answer about lifetimes help?", "네, 정말 도움이 됐어요!", "Great."]) {
  await ann.locator(".composer textarea").fill(text);
  await ann.locator(".composer textarea").press("Enter");
}
await ann.locator(".bubble:not(.pending)").nth(2).waitFor();
const room = ann.url();
const cookie = (await ann.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
await browser.close();

function lighthouse(url, headers) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lh-")), "report.json");
  const args = [cli, url, "--only-categories=performance", "--output=json", `--output-path=${out}`, "--quiet",
    `--chrome-flags=--headless=new --no-sandbox --disable-gpu`];
  if (headers) args.push(`--extra-headers=${JSON.stringify(headers)}`);
  execFileSync(process.execPath, args, { env: { ...process.env, CHROME_PATH: chromiumPath }, stdio: "inherit" });
  const r = JSON.parse(fs.readFileSync(out, "utf8"));
  const a = r.audits;
  return {
    score: Math.round(r.categories.performance.score * 100),
    fcp: a["first-contentful-paint"].numericValue,
    lcp: a["largest-contentful-paint"].numericValue,
    tbt: a["total-blocking-time"].numericValue,
    cls: a["cumulative-layout-shift"].numericValue,
    si: a["speed-index"].numericValue,
    kib: a["total-byte-weight"].numericValue / 1024,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [name, url, headers] of [
  ["sign-in page", `${base}/signin`, null],
  ["a room, signed in", room, { Cookie: cookie }],
]) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(lighthouse(url, headers));
  const pick = (k) => median(results.map((r) => r[k]));
  rows.push(
    `| ${name} | ${results.map((r) => r.score).join(", ")} | ${pick("score")} | ${(pick("fcp") / 1000).toFixed(2)} s | ` +
      `${(pick("lcp") / 1000).toFixed(2)} s | ${Math.round(pick("tbt"))} ms | ${pick("cls").toFixed(3)} | ` +
      `${(pick("si") / 1000).toFixed(2)} s | ${pick("kib").toFixed(0)} KiB |`,
  );
}
console.log(`\nLighthouse ${JSON.parse(fs.readFileSync(path.join(path.dirname(cli), "..", "package.json"), "utf8")).version}, mobile preset, ${runs} runs each (medians)\n`);
console.log("| page | scores | performance | FCP | LCP | TBT | CLS | Speed Index | transferred |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const row of rows) console.log(row);
