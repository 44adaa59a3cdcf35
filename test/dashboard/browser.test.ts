/**
 * The dashboard in a real browser: Debian's headless Chromium driven by playwright-core.
 * The page shows the workflows, who holds what with the lease counting down, the tree,
 * the dependency graph and a task's data and history; a task created by another process
 * appears without a reload; and the page breaks no rule of its own Content-Security-Policy.
 * It takes the screenshot the README links to: set DASHBOARD_SCREENSHOT=docs/dashboard.png
 * to write it there (otherwise it goes to a temp dir).
 */
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workflows } from "../../src/index.js";
import { runCli } from "../helpers/cli.js";
import { startDashboard, type RunningDashboard } from "../helpers/dashboard.js";
import { CHROMIUM } from "../helpers/outside-node.js";
import { repoRoot } from "../helpers/paths.js";
import { has } from "../helpers/requirements.js";


/** A code review under way: a plan done, analyses held by two agents, a review and a report waiting on them. */
async function seedCodeReview(stateDir: string) {
  const workflows = new Workflows({ stateDir });
  const tm = workflows.get("code-review");
  const plan = await tm.createTask({ type: "plan", data: { repo: "acme/api", branch: "feature/auth" } });
  const session = await tm.createTask({ type: "analyze", parentId: plan, priority: 5, data: { file: "src/auth/session.ts" } });
  const tokens = await tm.createTask({ type: "analyze", parentId: plan, paths: ["src/auth/tokens.ts"], data: { file: "src/auth/tokens.ts", focus: ["expiry", "rotation"] } });
  const login = await tm.createTask({ type: "analyze", parentId: plan, data: { file: "src/routes/login.ts" } });
  const review = await tm.createTask({ type: "review", parentId: plan, dependsOn: [session, tokens, login], data: { checklist: ["security", "tests"] } });
  await tm.createTask({ type: "report", parentId: plan, dependsOn: [review], data: { format: "markdown" } });
  const planning = await tm.getNextTask({ agentId: "planner", taskTypes: ["plan"] });
  await tm.completeTask({ taskId: plan, agentId: "planner", claimToken: planning?.claim_token, resultData: { subtasks: 5 } });
  const analyzing = await tm.getNextTask({ agentId: "claude-1", taskTypes: ["analyze"] });
  await tm.completeTask({ taskId: session, agentId: "claude-1", claimToken: analyzing?.claim_token, resultData: { issues: 2 } });
  const held = await tm.getNextTask({ agentId: "claude-2", taskTypes: ["analyze"], leaseSeconds: 1800 });
  await tm.heartbeatTask({ taskId: tokens, agentId: "claude-2", claimToken: held?.claim_token });
  await tm.getNextTask({ agentId: "cursor-1", taskTypes: ["analyze"], leaseSeconds: 600 });
  // Paths: claude-2's analysis holds src/auth/tokens.ts, a person reserved the security docs, and a fix of src/auth waits for both.
  const reserved = await tm.reservePaths({ agentId: "alice", paths: ["docs/security/**"], ttlSeconds: 3600, reason: "rewriting the threat model" });
  if (!reserved.granted) throw new Error("the reservation was refused");
  const fix = await tm.createTask({ type: "fix", parentId: plan, paths: ["src/auth/**"], data: { issue: "token expiry" } });
  const docs = workflows.get("docs");
  const page = await docs.createTask({ type: "write", data: { page: "getting-started" } });
  await docs.createTask({ type: "write", data: { page: "api-reference" } });
  const writing = await docs.getNextTask({ agentId: "claude-3" });
  await docs.completeTask({ taskId: page, agentId: "claude-3", claimToken: writing?.claim_token });
  return { tokens, review, fix };
}

describe.skipIf(!has("chromium"))("dashboard in headless Chromium", () => {
  let stateDir: string;
  let dashboard: RunningDashboard;
  let browser: BrowserContext;
  let seeded: Awaited<ReturnType<typeof seedCodeReview>>;

  // Made and removed here, not by the per-test temp-dir helper: the dashboard and Chromium live
  // for the whole file, and removing their directories after the first test raced Chromium's cache writes.
  const madeDirs: string[] = [];
  const ownTempDir = async (prefix: string): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    madeDirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    stateDir = await ownTempDir("tm-dashboard-");
    seeded = await seedCodeReview(stateDir);
    dashboard = await startDashboard(stateDir);
    browser = await chromium.launchPersistentContext(await ownTempDir("tm-chromium-"), {
      executablePath: CHROMIUM,
      // Without the background-networking flags Chromium reaches for the internet, which this machine refuses.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1440, height: 900 },
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.process.stop("SIGTERM");
    await Promise.all(madeDirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })));
  });

  it("shows the workflows, holders with their leases counting down, and a task created by another process without a reload", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));

    await page.goto(`${dashboard.origin}/#/w/code-review`);
    await page.locator("#live[data-connected=true]").waitFor();
    await page.locator(`#task-tree .tree-row[data-task="${seeded.tokens}"]`).waitFor();
    expect(await page.locator("#workflow-list [data-workflow]").allTextContents()).toEqual([
      expect.stringContaining("code-review"),
      expect.stringContaining("docs"),
    ]);
    expect(await page.locator('.card[data-status="in_progress"] .n').textContent()).toBe("2");

    // The holder and its lease, counting down in place.
    const heldRow = page.locator(`#held-table tr[data-task="${seeded.tokens}"]`);
    expect(await heldRow.locator(".holder").textContent()).toBe("claude-2");
    const lease = heldRow.locator(".lease");
    const firstReading = (await lease.textContent()) ?? "";
    expect(firstReading).toMatch(/^(29m \d\ds|30m 00s) left$/);
    await expect.poll(() => lease.textContent(), { timeout: 10_000 }).not.toBe(firstReading);

    // The dependency graph draws an arrow into the review from each analysis.
    expect(await page.locator(`.graph-node[data-task="${seeded.review}"]`).count()).toBe(1);
    expect(await page.locator(".graph-edge").count()).toBe(4);

    // A task created by another process appears in the open page, which is not reloaded.
    await page.evaluate("window.notReloaded = true");
    const add = await runCli(stateDir, ["add", "summarize", "-w", "code-review", "--depends-on", seeded.review, "--data", '{"audience":"team"}']);
    expect(add.code).toBe(0);
    const created = add.stdout.trim();
    await page.locator(`#task-tree .tree-row[data-task="${created}"]`).waitFor();
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    expect(await page.locator(".graph-edge").count()).toBe(5);

    // A task's data and history, one click away.
    await page.locator(`#task-tree .tree-row[data-task="${seeded.tokens}"]`).click();
    await page.locator("#detail h1", { hasText: seeded.tokens }).waitFor();
    expect(await page.locator("#task-data").textContent()).toContain('"file": "src/auth/tokens.ts"');
    const history = await page.locator("#detail table.history").textContent();
    expect(history).toContain("claimed");
    expect(history).toContain("heartbeat");

    const shot = join(await ownTempDir("tm-shot-"), "dashboard.png");
    await page.screenshot({ path: shot });
    const png = await readFile(shot);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(png.length).toBeGreaterThan(20_000);
    const target = process.env.DASHBOARD_SCREENSHOT;
    if (target) await copyFile(shot, resolve(repoRoot, target));

    expect(problems).toEqual([]);
  });

  it("shows who holds which paths until when, and the task waiting on a conflict", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${dashboard.origin}/#/w/code-review`);
    await page.locator("#paths-table").waitFor();

    // The reservation: its path, holder, kind and time left; and the path of the task in progress with its lease.
    const reservation = page.locator('#paths-table tr[data-path="docs/security/**"]');
    expect(await reservation.locator(".holder").textContent()).toBe("alice");
    expect(await reservation.textContent()).toContain("exclusive");
    expect(await reservation.textContent()).toContain("rewriting the threat model");
    expect(await reservation.locator("[data-until]").textContent()).toMatch(/^(59m \d\ds|1h 00m) left$/);
    const taskHold = page.locator('#paths-table tr[data-path="src/auth/tokens.ts"]');
    expect(await taskHold.locator(".holder").textContent()).toBe("claude-2");
    expect(await taskHold.textContent()).toContain(seeded.tokens);
    expect(await taskHold.locator("[data-until]").textContent()).toMatch(/^lease (29m \d\ds|30m 00s) left$/);

    // The fix waits on claude-2's task: counted, listed and marked in the tree.
    expect(await page.locator("#conflicting-count").textContent()).toBe("1 ready task waiting on a conflict");
    expect(await page.locator('.card[data-status="pending"] .sub').textContent()).toContain("1 conflicting");
    expect(await page.locator("#conflicting-tasks").textContent()).toContain(seeded.fix);
    expect(await page.locator(`#task-tree .tree-row[data-task="${seeded.fix}"] .badge`).textContent()).toBe("conflicting");

    // A task's paths, and what is in its way, in its detail.
    await page.locator(`#task-tree .tree-row[data-task="${seeded.fix}"]`).click();
    await page.locator("#detail h1", { hasText: seeded.fix }).waitFor();
    expect(await page.locator("#task-paths").textContent()).toBe("src/auth/**");
    expect(await page.locator("#detail .conflict").first().textContent()).toBe(`src/auth/tokens.ts (claude-2, ${seeded.tokens})`);
    expect(problems).toEqual([]);
  });
});
