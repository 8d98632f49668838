import "@/lib/zod-jitless";
import { z } from "zod";
import { countTokensRequestSchema, messagesRequestSchema } from "@/lib/gateway/messages-request";
import { BODY_LIMIT_BYTES } from "@/lib/gateway/http";

/**
 * The tenant API's OpenAPI 3.1 document, served at /api/openapi.json. Request bodies are
 * generated from the same zod schemas the gateway validates with (z.toJSONSchema), so the
 * document cannot drift from what is accepted; responses follow the Messages API.
 */
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

const ERRORS = {
  "400": errorResponse("invalid_request_error: malformed JSON, a wrong type, an unknown field (named), a bad content block"),
  "401": errorResponse("authentication_error: missing, unknown, revoked or expired key, or a key in the wrong header"),
  "403": errorResponse("permission_error: the key lacks the scope, the model is outside the plan, or the reply was cut by the leak watch"),
  "404": errorResponse("not_found_error: unknown model"),
  "413": errorResponse(`request_too_large: body above ${BODY_LIMIT_BYTES / (1024 * 1024)} MB`),
  "422": errorResponse("invalid_request_error: blocked by the workspace's prompt-injection policy"),
  "429": {
    ...errorResponse("rate_limit_error: requests/min, tokens/min, the key's fair share or the monthly quota; the message names the limit"),
    headers: { "retry-after": { schema: { type: "integer" }, description: "Seconds until a retry can succeed" }, "x-bulkhead-limit": { schema: { type: "string", enum: ["user_share", "tenant_requests", "tenant_tokens", "monthly_quota"] } } },
  },
  "529": errorResponse("overloaded_error: Claude or the limiter is unavailable; retry with backoff"),
};

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const usageFigures = {
    type: "object",
    properties: Object.fromEntries(
      ["requests", "errors", "aborted", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens", "cost_usd_micros"].map((k) => [k, { type: "integer" }]),
    ),
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Bulkhead tenant API",
      version: "1.0.0",
      description:
        "Anthropic's Messages API for your workspace: call it with the official SDKs unchanged (baseURL = this server, apiKey = a workspace key). " +
        "Your workspace's assistant configuration is applied first; your `system` follows it in its own block. Requests count against your plan's requests/min, tokens/min and monthly quota, and are metered per key.",
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }, { bearer: [] }],
    paths: {
      "/v1/messages": {
        post: {
          summary: "Create a message (JSON, or server-sent events with stream: true)",
          description:
            "Scope `messages`. `model` is a model of your plan (see /v1/models) or \"auto\" (the cheapest adequate model up to your workspace's tier). " +
            "`max_tokens` is capped at your plan's limit. Unknown fields are refused with a 400 naming them.",
          requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(messagesRequestSchema, { io: "input", unrepresentable: "any" }) } } },
          responses: {
            "200": {
              description: "The message (JSON) or its event stream (message_start, ping, content_block_start/delta/stop, message_delta, message_stop)",
              headers: { "request-id": { schema: { type: "string" }, description: "Bulkhead's request id (also on the usage event)" } },
              content: { "application/json": { schema: { $ref: "#/components/schemas/Message" } }, "text/event-stream": { schema: { type: "string" } } },
            },
            ...ERRORS,
          },
        },
      },
      "/v1/messages/count_tokens": {
        post: {
          summary: "Count the input tokens of a request, your workspace's prompt included (not billed)",
          requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(countTokensRequestSchema, { io: "input", unrepresentable: "any" }) } } },
          responses: { "200": { description: "The count", content: { "application/json": { schema: { type: "object", properties: { input_tokens: { type: "integer" } }, required: ["input_tokens"] } } } }, ...ERRORS },
        },
      },
      "/v1/models": {
        get: {
          summary: "The models your plan allows, and auto",
          responses: {
            "200": {
              description: "A page of models",
              content: { "application/json": { schema: { type: "object", properties: { data: { type: "array", items: { $ref: "#/components/schemas/Model" } }, has_more: { type: "boolean" }, first_id: { type: ["string", "null"] }, last_id: { type: ["string", "null"] } } } } },
            },
            "401": ERRORS["401"],
          },
        },
      },
      "/v1/models/{model_id}": {
        get: {
          summary: "One model of your plan",
          parameters: [{ name: "model_id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The model", content: { "application/json": { schema: { $ref: "#/components/schemas/Model" } } } }, "401": ERRORS["401"], "404": ERRORS["404"] },
        },
      },
      "/v1/knowledge/search": {
        post: {
          summary: "Search your workspace's knowledge base: the ranking the assistant uses in a turn (scope messages; members' documents)",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { type: "object", required: ["query"], additionalProperties: false, properties: { query: { type: "string", minLength: 1, maxLength: 1000 }, limit: { type: "integer", minimum: 1, maximum: 50 }, budget_tokens: { type: "integer", minimum: 1, maximum: 16000 } } } } },
          },
          responses: {
            "200": {
              description: "Passages, best first, within the token budget",
              content: { "application/json": { schema: { type: "object", properties: { data: { type: "array", items: { type: "object", properties: { chunk_id: { type: "string" }, document_id: { type: "string" }, document_title: { type: "string" }, heading_path: { type: "array", items: { type: "string" } }, text: { type: "string" }, score: { type: "number" }, tokens: { type: "integer" } } } }, used_tokens: { type: "integer" }, dropped_for_budget: { type: "integer" } } } } },
            },
            "400": ERRORS["400"],
            "401": ERRORS["401"],
            "403": ERRORS["403"],
          },
        },
      },
      "/v1/knowledge/documents": {
        post: {
          summary: "Add a document from text, or a new version of one (scope knowledge:write); ingested in the background",
          description: "The key writes with the authority of the admin who created it. `replace`: the id of the document to give a new version; the old version stays searchable until the new one is ready.",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { type: "object", required: ["title", "text"], additionalProperties: false, properties: { title: { type: "string", maxLength: 200 }, text: { type: "string", minLength: 1 }, visibility: { type: "string", enum: ["members", "admins"] }, replace: { type: "string", format: "uuid" } } } } },
          },
          responses: {
            "201": { description: "Created, queued for ingestion", content: { "application/json": { schema: { type: "object" } } } },
            "200": { description: "A new version, queued for ingestion", content: { "application/json": { schema: { type: "object" } } } },
            "400": ERRORS["400"],
            "401": ERRORS["401"],
            "403": ERRORS["403"],
            "413": ERRORS["413"],
          },
        },
      },
      "/v1/usage": {
        get: {
          summary: "Your workspace's settled usage by day, model or key (scope usage:read)",
          description: "Days are your workspace's local days. Totals equal the usage dashboard's. Calls still in flight count once they settle.",
          parameters: [
            { name: "start_date", in: "query", schema: { type: "string", format: "date" }, description: "Default: 29 days before end_date" },
            { name: "end_date", in: "query", schema: { type: "string", format: "date" }, description: "Default: today" },
            { name: "group_by", in: "query", schema: { type: "string", enum: ["day", "model", "key"], default: "day" } },
          ],
          responses: {
            "200": {
              description: "Usage",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      start_date: { type: "string", format: "date" },
                      end_date: { type: "string", format: "date" },
                      time_zone: { type: "string" },
                      group_by: { type: "string" },
                      totals: usageFigures,
                      data: { type: "array", items: { allOf: [usageFigures, { type: "object", properties: { day: { type: "string" }, model: { type: "string" }, api_key_id: { type: "string" } } }] } },
                    },
                  },
                },
              },
            },
            "400": ERRORS["400"],
            "401": ERRORS["401"],
            "403": ERRORS["403"],
          },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "A workspace key (bh_live_…), created in the admin console" },
        bearer: { type: "http", scheme: "bearer", description: "The same key as a Bearer token (what current SDKs send)" },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["type", "error"],
          properties: {
            type: { const: "error" },
            error: { type: "object", required: ["type", "message"], properties: { type: { type: "string" }, message: { type: "string" } } },
            request_id: { type: ["string", "null"] },
          },
        },
        Message: {
          type: "object",
          description: "As the Messages API returns it",
          properties: {
            id: { type: "string" },
            type: { const: "message" },
            role: { const: "assistant" },
            model: { type: "string" },
            content: { type: "array", items: { type: "object" } },
            stop_reason: { type: ["string", "null"] },
            usage: { type: "object" },
          },
        },
        Model: { type: "object", properties: { type: { const: "model" }, id: { type: "string" }, display_name: { type: "string" }, created_at: { type: "string", format: "date-time" } } },
      },
    },
  };
}
