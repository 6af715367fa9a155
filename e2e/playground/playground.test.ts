import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createProduct, type SignedIn, type Stack, signUpAdmin, startStack } from "../harness.ts";

// In real headless Chromium (Debian's; CI installs it, see .ci/run): the playground renders from the
// router alone, runs an operation, and never sends a request to any other host.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(
    `Playground browser test needs Chromium at ${CHROMIUM} (apt-get install chromium); it does not run here.`,
  );

let stack: Stack;
beforeAll(async () => {
  if (available) stack = await startStack();
});
afterAll(() => stack?.close());

/** Headless Chromium with nothing of its own talking to the network. */
const launchChromium = () =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });

it.runIf(available)(
  "renders GraphiQL from the router, runs the example operation, and talks to no other host",
  async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const origin = new URL(stack.routerUrl).origin;
      const requested: string[] = [];
      page.on("request", (request) => requested.push(request.url()));
      // What a developer would see in the browser's console (a missing favicon's 404 among them).
      const consoleErrors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      page.on("pageerror", (error) => consoleErrors.push(error.message));

      const response = await page.goto(stack.routerUrl);
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-security-policy"]).toContain("connect-src 'self'");
      // The same URL answers JSON to other Accept headers.
      expect(response?.headers().vary?.split(/,\s*/)).toContain("Accept");
      await page.locator(".graphiql-container").waitFor({ timeout: 20_000 });
      await expect.poll(() => page.locator(".graphiql-query-editor").innerText()).toContain("query Catalogue");

      await page.locator(".graphiql-execute-button").click();
      const result = page.locator(".graphiql-response");
      await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain('"totalCount"');
      expect(await result.innerText()).toContain('"data"');

      const elsewhere = requested.filter(
        (url) => !url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:"),
      );
      expect(elsewhere).toEqual([]);
      expect(requested.some((url) => url.startsWith(`${origin}/playground/assets/`))).toBe(true);
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  },
);

it.runIf(available)(
  "runs a subscription and shows its events as they come (GraphQL over SSE, same origin)",
  async () => {
    const admin: SignedIn = await signUpAdmin(stack);
    const product = await createProduct(stack, admin, { name: "Playground Live", stock: 1 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(stack.routerUrl);
      await page.locator(".graphiql-container").waitFor({ timeout: 20_000 });
      await page.locator(".graphiql-query-editor .CodeMirror").waitFor({ timeout: 20_000 });
      // GraphiQL's editor is CodeMirror 5: its instance hangs off its element.
      await page.evaluate((query) => {
        const editor = (
          globalThis as unknown as { document: { querySelector(selector: string): unknown } }
        ).document.querySelector(".graphiql-query-editor .CodeMirror") as {
          CodeMirror: { setValue(text: string): void };
        };
        editor.CodeMirror.setValue(query);
      }, `subscription Watch { productUpdated(id: "${product.id}") { name stock } }`);
      // GraphiQL reads the operation's name from the editor after a debounce; run it once that is "Watch".
      await page.waitForTimeout(1_000);
      await page.locator(".graphiql-execute-button").click();
      const result = page.locator(".graphiql-response");
      let stock = 1;
      await expect
        .poll(
          async () => {
            await stack.gql(
              `mutation($id: ID!, $stock: Int!) { updateProduct(id: $id, input: { stock: $stock }) { id } }`,
              { id: product.id, stock: ++stock },
              { token: admin.token },
            );
            return result.innerText();
          },
          { timeout: 20_000, interval: 500 },
        )
        .toContain('"Playground Live"');
    } finally {
      await browser.close();
    }
  },
);
