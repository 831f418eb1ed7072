/** The JS runtime running this code: "deno", "bun" or "node". */
export const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";
