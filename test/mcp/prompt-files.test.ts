/** The prompt file format and the client-name sanitising, in-process. */
import { describe, expect, it } from "vitest";
import { FALLBACK_AGENT_ID, sanitizeAgentId } from "../../src/mcp/identity.js";
import { fillPrompt, loadPromptFiles, parsePromptFile } from "../../src/mcp/prompt-files.js";
import { DEFAULT_PROMPTS_DIR } from "../../src/mcp/prompts.js";

describe("prompt files", () => {
  it("reads title, description and arguments from the front matter, and the body after it", () => {
    const prompt = parsePromptFile(
      "demo",
      "---\ntitle: Demo\ndescription: Shows the format.\narguments:\n  goal (required): The goal\n  workflow: Which workflow\n---\nDo {{goal}} in {{ workflow | default }}.\n",
    );
    expect(prompt).toEqual({
      name: "demo",
      title: "Demo",
      description: "Shows the format.",
      arguments: [
        { name: "goal", description: "The goal", required: true },
        { name: "workflow", description: "Which workflow", required: false },
      ],
      body: "Do {{goal}} in {{ workflow | default }}.",
    });
  });

  it("fills placeholders with arguments, else with their fallback, else with nothing", () => {
    const body = "a={{a}} b={{b|two}} c={{c}}";
    expect(fillPrompt(body, { a: "one" })).toBe("a=one b=two c=");
    expect(fillPrompt(body, { a: "1", b: "2", c: "3" })).toBe("a=1 b=2 c=3");
    expect(fillPrompt(body, { b: "   " })).toBe("a= b=two c=");
  });

  it("refuses a file without front matter or with a line it does not understand", () => {
    expect(() => parsePromptFile("x", "no front matter")).toThrow(/front-matter/);
    expect(() => parsePromptFile("x", "---\ntitle: T\nauthor: me\n---\nbody")).toThrow(/author/);
  });

  it("loads the package's prompts, every placeholder of which is a declared argument", () => {
    const prompts = loadPromptFiles(DEFAULT_PROMPTS_DIR);
    expect(prompts.map((prompt) => prompt.name)).toEqual(expect.arrayContaining(["planner", "worker"]));
    for (const prompt of prompts) {
      const declared = new Set(prompt.arguments.map((argument) => argument.name));
      for (const [, name] of prompt.body.matchAll(/\{\{\s*([A-Za-z_]\w*)/g)) expect(declared, `${prompt.name}: {{${name}}}`).toContain(name);
    }
  });
});

describe("sanitizeAgentId", () => {
  it.each([
    ["claude-code", "claude-code"],
    ["Claude Desktop", "Claude-Desktop"],
    ["  cursor/vscode 1.2 ", "cursor-vscode-1.2"],
    ["a\u0000b\nc", "a-b-c"],
    ["", FALLBACK_AGENT_ID],
    ["///", FALLBACK_AGENT_ID],
    [undefined, FALLBACK_AGENT_ID],
    ["x".repeat(200), "x".repeat(64)],
  ])("%j → %j", (name, expected) => {
    expect(sanitizeAgentId(name)).toBe(expected);
  });
});
