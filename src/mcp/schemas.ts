/**
 * The zod pieces the tools share. Input schemas check JSON types only; the core
 * checks the domain rules (name alphabets, sizes) and answers with INVALID_INPUT
 * and a sentence that says what to fix. Output schemas are loose objects, so
 * fields a later version adds to a task pass through.
 *
 * Every word here is in the `tools/list` answer an agent pays for in every
 * conversation: descriptions stay short.
 */
import { z } from "zod";
import { FINAL_STATUSES, TASK_STATUSES, type JsonObject } from "../core/schema.js";

/**
 * A tool's input or output schema, from its fields. The JSON Schema the SDK makes of a zod
 * object starts with `"$schema": "http://json-schema.org/draft-07/schema#"`, 52 characters
 * twice per tool in tools/list; without it a client reads the schema in MCP's default
 * dialect (2020-12), where the few keywords used here mean the same.
 */
export function toolSchema<Shape extends z.ZodRawShape>(shape: Shape): z.ZodObject<Shape> {
  return withoutDialect(z.object(shape));
}

/** The schema without the `$schema` line (see toolSchema). */
export function withoutDialect<T extends z.ZodType>(schema: T): T {
  return schema.meta({ $schema: undefined });
}

/** Undescribed: the server's instructions say once that it defaults to "default", instead of 15 copies in tools/list. */
export const workflowArg = z.string().optional();
export const taskIdArg = z.string().describe("Task id");
/** The server passes the tokens of the claims it made: an agent sends one only after its server restarted. */
export const claimTokenArg = z.string().optional().describe("Only after a server restart: your claim_token");
/**
 * A JSON object (data, a result, metadata). Only that it is an object is checked here, and
 * the value goes on as the client sent it: a zod object schema would copy it without a
 * "__proto__" key, and one that descended into it would run out of stack on data nested
 * thousands deep before the core refuses it (core/json-value.ts: JSON, at most 64 deep).
 */
export const jsonObjectArg = z
  .unknown()
  .refine((value) => typeof value === "object" && value !== null && !Array.isArray(value), "expected a JSON object")
  .meta({ type: "object" }) as z.ZodType<Record<string, unknown>, unknown>;

/** A jsonObjectArg value, handed to the core, which validates it as JSON before use. */
export function asJsonObject<T extends Record<string, unknown> | undefined>(value: T): T extends undefined ? undefined : JsonObject {
  return value as never;
}
export const taskStatusArg = z.enum(TASK_STATUSES);
export const finalStatusArg = z.enum(FINAL_STATUSES);

/**
 * A task in a result. Only the fields an agent branches on are spelled out; the
 * others pass through (the schema is loose) and are named in the description, which
 * keeps the seven copies of this schema in tools/list short (the list stays under
 * 16,000 characters, and names, descriptions and input schemas under 8,000).
 */
const OTHER_TASK_FIELDS = "Also: data, result, paths, parent_id, attempts, *_at times; locked_by, lease_* while in_progress";
export const taskOutput = z
  .looseObject({
    id: z.string(),
    type: z.string(),
    // A string, not the enum: the statuses are in list_tasks's input, and seven copies here would cost 460 characters.
    status: z.string(),
  })
  .describe(OTHER_TASK_FIELDS);

/** A task as get_next_task returns it: with the claim's token, which no other result shows. */
export const claimedTaskOutput = taskOutput.extend({ claim_token: z.string() }).describe(OTHER_TASK_FIELDS);

export const countsOutput = z.record(z.string(), z.number());
