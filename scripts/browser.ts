/**
 * The Chromium that the browser tests and the page-weight bench drive, found without
 * anything installed by hand: CHROMIUM_PATH when set, else the system's Chromium or Chrome,
 * else the one shipped inside the `@sparticuz/chromium` dev dependency, unpacked once from
 * the package's own brotli files into node_modules/.cache (nothing is downloaded).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Every launch's flags: no sandbox (root in CI), and nothing that calls out to Google. */
export const BROWSER_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** Names tried on PATH, then absolute paths where distributions put them off PATH. */
const SYSTEM_BROWSERS = [
  "chromium",
  "chromium-browser",
  "google-chrome-stable",
  "google-chrome",
  "/usr/lib/chromium/chromium",
  "/opt/google/chrome/chrome",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

export type FoundBrowser = {
  executablePath: string;
  /** What `--version` says, e.g. "Chromium 153.0.8010.0". */
  version: string;
  /** Where it came from: "CHROMIUM_PATH", "the system" or "@sparticuz/chromium". */
  source: string;
  /** Variables the browser needs on top of the environment (its libraries, its fonts). */
  env: Record<string, string>;
};

/** The version line of a browser that runs, or undefined when it does not start. */
function versionOf(executablePath: string, env: Record<string, string> = {}): string | undefined {
  const result = spawnSync(executablePath, ["--version"], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 15_000,
  });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function onPath(name: string): string | undefined {
  if (path.isAbsolute(name)) return existsSync(name) ? name : undefined;
  for (const folder of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(folder, name);
    if (folder !== "" && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function systemBrowser(): FoundBrowser | undefined {
  for (const name of SYSTEM_BROWSERS) {
    const executablePath = onPath(name);
    const version = executablePath && versionOf(executablePath);
    if (executablePath && version) return { executablePath, version, source: "the system", env: {} };
  }
  return undefined;
}

/**
 * Unpacks the package's Chromium, fonts and Amazon Linux libraries once per package version.
 * The package unpacks into os.tmpdir(), so a child process does it with TMPDIR set to a
 * folder of its own, renamed into place when complete: a run that stopped half-way, or two
 * at once, never leave a broken browser behind.
 */
function unpackedSparticuz(): string {
  const require = createRequire(import.meta.url);
  const packageDir = path.resolve(path.dirname(require.resolve("@sparticuz/chromium")), "..");
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  const cache = path.join(PROJECT_ROOT, "node_modules", ".cache", "condor-chromium");
  const target = path.join(cache, version);
  if (existsSync(path.join(target, "chromium"))) return target;

  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // executablePath() with no argument only inflates the package's bin/ files; it fetches
  // only when handed a URL. The libraries are for systems without NSS (inflate skips them
  // outside Amazon Linux).
  const unpack = [
    `import chromium, { inflate } from "@sparticuz/chromium";`,
    `await chromium.executablePath();`,
    `await inflate(${JSON.stringify(path.join(packageDir, "bin", "al2023.tar.br"))});`,
  ].join("\n");
  const result = spawnSync(process.execPath, ["--input-type=module", "--eval", unpack], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TMPDIR: staging },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`Could not unpack @sparticuz/chromium: ${result.stderr || `exit ${result.status}`}`);
  }
  // Its fonts.conf names /tmp/fonts, where Lambda unpacks it; here the fonts live in target.
  const fontsConf = path.join(staging, "fonts", "fonts.conf");
  writeFileSync(fontsConf, readFileSync(fontsConf, "utf8").replaceAll("/tmp/fonts", path.join(target, "fonts")));
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another run finished first; its copy is as good as ours.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, "chromium"))) throw error;
  }
  return target;
}

function sparticuzBrowser(): FoundBrowser {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `No Chromium found: set CHROMIUM_PATH, or install Chromium or Chrome (@sparticuz/chromium only ships one for Linux x64, this is ${process.platform} ${process.arch}).`,
    );
  }
  const folder = unpackedSparticuz();
  const executablePath = path.join(folder, "chromium");
  const env: Record<string, string> = {};
  // Its own fonts only where the system has no fontconfig set up.
  if (!existsSync("/etc/fonts/fonts.conf")) env.FONTCONFIG_FILE = path.join(folder, "fonts", "fonts.conf");
  let version = versionOf(executablePath, env);
  if (!version) {
    // The system lacks NSS or expat: use the copies built for Amazon Linux 2023.
    const libraries = path.join(folder, "al2023", "lib");
    env.LD_LIBRARY_PATH = [libraries, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
    version = versionOf(executablePath, env);
  }
  if (!version) {
    const why = spawnSync(executablePath, ["--version"], { encoding: "utf8", env: { ...process.env, ...env } });
    throw new Error(`The Chromium of @sparticuz/chromium does not start here: ${why.stderr || why.error}`);
  }
  return { executablePath, version, source: "@sparticuz/chromium", env };
}

/** The browser to use, in order: CHROMIUM_PATH, the system's, the npm package's. */
export function findBrowser(): FoundBrowser {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    const version = versionOf(fromEnv);
    if (!version) throw new Error(`CHROMIUM_PATH is ${fromEnv}, which does not start (tried --version).`);
    return { executablePath: fromEnv, version, source: "CHROMIUM_PATH", env: {} };
  }
  return systemBrowser() ?? sparticuzBrowser();
}

/** One line for the log: which browser this run drives. */
export function describeBrowser(browser: FoundBrowser): string {
  return `Browser: ${browser.version} from ${browser.source} (${browser.executablePath})`;
}

/** Starts the browser headless with the project's flags. */
export function launchBrowser(browser: FoundBrowser): Promise<Browser> {
  return chromium.launch({
    executablePath: browser.executablePath,
    args: BROWSER_FLAGS,
    env: { ...process.env, ...browser.env } as Record<string, string>,
  });
}
