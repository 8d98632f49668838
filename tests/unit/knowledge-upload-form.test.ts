import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { DOCUMENT_LIMITS, UPLOAD_HEADER } from "@/lib/knowledge/protocol";
import { readUploadForm } from "@/lib/knowledge/upload-form";

function upload(form: FormData, headers: Record<string, string> = { [UPLOAD_HEADER]: "1" }): Request {
  return new Request("http://localhost/api/w/acme/knowledge", { method: "POST", body: form, headers });
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("readUploadForm", () => {
  it("reads a file with its name, bytes, title and visibility", async () => {
    const form = new FormData();
    form.set("file", new File(["# Hello\n\nworld"], "Guide.md"));
    form.set("visibility", "admins");
    const parsed = await readUploadForm(upload(form));
    expect(parsed).toMatchObject({ title: "Guide", fileName: "Guide.md", visibility: "admins" });
    expect(new TextDecoder().decode(parsed.bytes)).toBe("# Hello\n\nworld");
  });

  it("reads pasted text as a document with no file name", async () => {
    const form = new FormData();
    form.set("title", "Pasted");
    form.set("text", "Some policy text.");
    expect(await readUploadForm(upload(form))).toMatchObject({ title: "Pasted", fileName: null });
  });

  it("refuses a browser upload without the app's header (a cross-site form cannot add it), unless waived", async () => {
    const form = new FormData();
    form.set("text", "x");
    expect((await failure(readUploadForm(upload(form, {})))).code).toBe("forbidden");
    expect((await readUploadForm(upload(form, {}), { requireUploadHeader: false })).fileName).toBeNull();
  });

  it("refuses a body that is not multipart, a declared size over the cap, a bad visibility and an empty form", async () => {
    const json = new Request("http://localhost/x", { method: "POST", body: "{}", headers: { [UPLOAD_HEADER]: "1", "content-type": "application/json" } });
    expect((await failure(readUploadForm(json))).code).toBe("unsupported_media_type");
    const big = new Request("http://localhost/x", {
      method: "POST",
      body: "x",
      headers: { [UPLOAD_HEADER]: "1", "content-type": "multipart/form-data; boundary=b", "content-length": String(DOCUMENT_LIMITS.maxBytes * 2) },
    });
    expect((await failure(readUploadForm(big))).code).toBe("payload_too_large");
    const bad = new FormData();
    bad.set("text", "x");
    bad.set("visibility", "everyone");
    expect((await failure(readUploadForm(upload(bad)))).code).toBe("validation_failed");
    expect((await failure(readUploadForm(upload(new FormData())))).code).toBe("validation_failed");
  });
});
