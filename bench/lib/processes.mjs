/**
 * Worker processes that start together: each prints "ready" once loaded, waits for
 * "go" on stdin, works, and prints one JSON line with its results. The clock starts
 * at "go", so process start-up and module loading are not counted as work.
 */
import { spawn } from "node:child_process";

export function startWorker(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  let stdout = "";
  let stderr = "";
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    stdout += chunk;
    if (stdout.includes("ready\n")) onReady();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}\n${stderr.slice(-2000)}`));
        return;
      }
      try {
        resolve({ ...JSON.parse(last), finishedAt: performance.now() });
      } catch {
        reject(new Error(`${command} ${args.join(" ")} printed no result line\n${stdout.slice(-500)}\n${stderr.slice(-2000)}`));
      }
    });
  });
  // A worker that dies before "ready" must not hang the run.
  const readyOrDead = Promise.race([ready, done.then(() => {
    throw new Error(`${command} exited before it was ready`);
  })]);
  return {
    child,
    ready: readyOrDead,
    done,
    go() {
      child.stdin.write("go\n");
      child.stdin.end();
    },
  };
}

/** Starts all, waits until all are ready, says go, and times until the last one finished. */
export async function runTogether(workers) {
  await Promise.all(workers.map((w) => w.ready));
  const start = performance.now();
  for (const w of workers) w.go();
  const results = await Promise.all(workers.map((w) => w.done));
  const end = Math.max(...results.map((r) => r.finishedAt));
  return { results, elapsedMs: end - start };
}

/** Runs one process to the end and parses its last stdout line as JSON. */
export function runJson(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}\n${stderr.slice(-2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop() ?? ""));
      } catch {
        reject(new Error(`${command} ${args.join(" ")} printed no JSON\n${stdout.slice(-500)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/** For workers: resolves when the parent says go. */
export function waitForGo() {
  process.stdout.write("ready\n");
  return new Promise((resolve) => {
    let input = "";
    process.stdin.setEncoding("utf8").on("data", (chunk) => {
      input += chunk;
      if (input.includes("go")) resolve();
    });
    process.stdin.on("end", resolve);
  });
}
