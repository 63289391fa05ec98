// Hostile Markdown and HTML, rendered by the server and shown in a real Chromium: no script
// runs, no handler or dangerous element reaches the DOM, and a link never hides where it
// goes. The page's CSP would block inline scripts anyway; these checks hold without it.
import { expect, test } from "@playwright/test";
import { createRoom, post, roomIdOf } from "../support/chat";
import { newPerson } from "../support/people";

const CORPUS: string[] = [
  // javascript: in every case and disguise
  "[a](javascript:alert(1))",
  "[b](JaVaScRiPt:alert(1))",
  "[c](JAVASCRIPT:alert(1))",
  "[d](  javascript:alert(1))",
  "[e](&#106;avascript:alert(1))",
  "[f](java&#x09;script:alert(1))",
  "[g](javascript&colon;alert(1))",
  "<javascript:alert(1)>",
  "[h]: javascript:alert(1)\n\n[h]",
  "[i](vbscript:msgbox(1))",
  // data: URLs
  "[j](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![k](data:image/svg+xml,<svg onload=alert(1)>)",
  // raw HTML, scripts and handlers
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "<svg onload=alert(1)>",
  '<a href="javascript:alert(1)">l</a>',
  "<a href=# onclick=alert(1)>m</a>",
  '<iframe src="javascript:alert(1)"></iframe>',
  "<details open ontoggle=alert(1)>n</details>",
  "<form action=javascript:alert(1)><button>o</button></form>",
  "<style>*{display:none}</style>",
  "<<script>script>alert(1)<</script>/script>",
  "<!--<script>alert(1)//-->",
  // mutation-XSS shapes from sanitizer advisories (namespace confusion, noscript)
  "<svg><style><img src=x onerror=alert(1)></style></svg>",
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  // attribute breakouts through Markdown
  '[p](https://example.com "t\\" onmouseover=\\"alert(1)")',
  '![q](x" onerror="alert(1))',
  '[r](https://example.com/"><script>alert(1)</script>)',
  // nested brackets, unclosed fences, code and entities
  "[[s](javascript:alert(1))](https://example.com)",
  "```\n<script>alert(1)</script>",
  "`<img src=x onerror=alert(1)>`",
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "@someone <img src=x onerror=alert(1)>",
  "\u202E<img src=x onerror=alert(1)>",
  // a link whose text is another address
  "[https://example.com](https://evil.example/steal)",
];

test(`${CORPUS.length} hostile inputs are inert in the page`, async ({ browser }) => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(25);
  const eve = await newPerson(browser, "eve", "Eve");
  const page = eve.page;
  const dialogs: string[] = [];
  page.on("dialog", async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  const room = roomIdOf(await createRoom(page, "hostile"));
  // Live (drawn as each arrives), then again from the server's HTML after a reload.
  await post(page, room, CORPUS.map((body) => ({ body })));
  for (const pass of ["live", "reloaded"]) {
    await expect(page.locator(".bubble:not(.pending)")).toHaveCount(CORPUS.length);
    // Hover and focus everything, so that a handler would have its event.
    for (const el of await page.locator(".bubble .body a").all()) await el.hover({ force: true }).catch(() => {});
    const findings = await page.getByRole("log").evaluate((log) => {
      const allowed = new Set(["P", "BR", "EM", "STRONG", "DEL", "CODE", "PRE", "A", "UL", "OL", "LI", "BLOCKQUOTE", "HR", "MARK", "ABBR", "SPAN", "DIV"]);
      const bad: string[] = [];
      for (const body of Array.from(log.querySelectorAll(".bubble .body"))) {
        for (const el of Array.from(body.querySelectorAll("*"))) {
          if (!allowed.has(el.tagName)) bad.push(`element <${el.tagName}>`);
          for (const a of Array.from(el.attributes)) {
            if (a.name.startsWith("on") || a.name === "style" || a.name === "src") bad.push(`attribute ${a.name} on <${el.tagName}>`);
          }
          if (el.tagName === "A") {
            const href = el.getAttribute("href") ?? "";
            if (href && !/^(https?:|mailto:)/i.test(href)) bad.push(`href ${href}`);
            const same = (a: string, b: string) => {
              try {
                return new URL(a).href === new URL(b).href;
              } catch {
                return false;
              }
            };
            if (href && !same(el.getAttribute("title") ?? "", href)) bad.push(`link ${href} hides its address`);
            if (href && el.getAttribute("rel") !== "nofollow noopener noreferrer") bad.push(`rel of ${href}`);
          }
        }
      }
      return bad;
    });
    expect(findings, pass).toEqual([]);
    expect(dialogs, pass).toEqual([]);
    // What was typed is shown as text, not lost: the script tag can be read.
    await expect(page.locator(".bubble .body", { hasText: "<script>alert(1)</script>" }).first()).toBeVisible();
    const hidden = page.locator('.bubble .body a[href="https://evil.example/steal"]');
    await expect(hidden).toHaveAttribute("title", "https://evil.example/steal");
    if (pass === "live") {
      await page.reload();
      await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
    }
  }
});
