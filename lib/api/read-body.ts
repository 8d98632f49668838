import { AppError } from "@/lib/api/errors";

/**
 * Reads a request body as UTF-8 text without ever holding more than `maxBytes` of it.
 * A declared Content-Length over the cap is refused before one byte is read; a body that
 * lies about (or omits) its length is read as a stream and cancelled the moment it
 * passes the cap, so an oversized upload costs the server at most `maxBytes`.
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const bytes = await readBodyBytes(req, maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("bad_request", "The request body is not valid UTF-8.");
  }
}

/** The same cap for a binary body (multipart uploads). */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Uint8Array> {
  assertDeclaredLength(req.headers, maxBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Refuses a Content-Length over `maxBytes` (413) or one that is not a byte count (400). */
export function assertDeclaredLength(headers: Headers, maxBytes: number): void {
  const declared = headers.get("content-length");
  if (declared === null) return;
  if (!/^\d{1,15}$/.test(declared.trim())) throw new AppError("bad_request", "Content-Length is not a byte count.");
  if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
}

function tooLarge(maxBytes: number): AppError {
  const size = maxBytes >= 1024 ? `${Math.round(maxBytes / 1024)} KB` : `${maxBytes} bytes`;
  return new AppError("payload_too_large", `The request body is larger than ${size}.`);
}
