/**
 * Finds the browser once per run, before the Node suites start: the first run unpacks the
 * npm package's Chromium outside any test's timeout, and the log says once which browser
 * drives the page. The tests get it through vitest's provide/inject.
 */
import type { TestProject } from "vitest/node";
import { describeBrowser, findBrowser } from "../../scripts/browser.ts";

export default function setup(project: TestProject) {
  const browser = findBrowser();
  console.log(describeBrowser(browser));
  project.provide("browser", browser);
}
