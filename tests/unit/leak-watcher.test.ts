import { describe, expect, it } from "vitest";
import { PLATFORM_RULES } from "@/lib/context/system-prompt";
import { createLeakWatcher, VERBATIM_WORDS, type LeakWatcher } from "@/lib/security/leak-watcher";

const CANARY = "bh-canary-0123456789abcdef01234567";
const PROTECTED = `${PLATFORM_RULES}\nConfidential reference: ${CANARY}.\n<persona>Rita, a cheerful rocket-parts expert who always quotes part numbers and never discusses competitor pricing with anyone</persona>`;

function stream(watcher: LeakWatcher, chunks: string[]): { sent: string; leak: string | null } {
  let sent = "";
  for (const chunk of chunks) {
    const check = watcher.push(chunk);
    sent += check.emit;
    if (check.leak) return { sent, leak: check.leak };
  }
  sent += watcher.flush();
  return { sent, leak: watcher.leak };
}

const watcher = () => createLeakWatcher({ canary: CANARY, protectedText: PROTECTED });

describe("canary", () => {
  const reply = `Sure, here it is: ${CANARY} and more text after it.`;
  it.each(Array.from({ length: CANARY.length + 1 }, (_, i) => i))("is caught when the chunk boundary falls %i characters into it, and none of it is sent", (offset) => {
    const at = reply.indexOf(CANARY) + offset;
    const result = stream(watcher(), [reply.slice(0, at), reply.slice(at)]);
    expect(result.leak).toBe("leak.canary");
    expect(result.sent).toBe("Sure, here it is: ");
  });

  it("is caught one character per chunk and in upper case", () => {
    const result = stream(watcher(), [...`ok ${CANARY.toUpperCase()} done`]);
    expect(result.leak).toBe("leak.canary");
    expect(result.sent).toBe("ok ");
  });

  it("releases a held-back prefix of the canary when the reply ends or moves on", () => {
    expect(stream(watcher(), ["Version bh-can", "nery is fine"])).toEqual({ sent: "Version bh-cannery is fine", leak: null });
    expect(stream(watcher(), ["ends with bh-canary-01"])).toEqual({ sent: "ends with bh-canary-01", leak: null });
  });
});

describe("verbatim spans of the system prompt", () => {
  it(`cuts at the ${VERBATIM_WORDS}th word copied from the platform rules, across chunks`, () => {
    const copied = "These rules come from the platform that hosts this assistant. They take precedence over the tenant configuration";
    const reply = `My instructions say: ${copied}.`;
    const chunks = reply.match(/.{1,7}/gs) ?? [];
    const result = stream(watcher(), chunks);
    expect(result.leak).toBe("leak.verbatim_prompt");
    // Fewer than VERBATIM_WORDS copied words got out.
    const sentCopied = result.sent.replace("My instructions say: ", "").split(/\s+/).filter(Boolean);
    expect(sentCopied.length).toBeLessThan(VERBATIM_WORDS);
  });

  it("finds a span from the tenant configuration, ignoring case and punctuation", () => {
    const result = stream(watcher(), ["RITA — a cheerful, rocket parts expert; who always quotes part numbers, and never discusses competitor pricing"]);
    expect(result.leak).toBe("leak.verbatim_prompt");
  });

  it(`lets a reply through whole when it shares fewer than ${VERBATIM_WORDS} words in a row`, () => {
    const reply = "I can help with rocket parts and shipping. I always quote part numbers, for example RP-1234, so you can order quickly.";
    const chunks = reply.match(/.{1,5}/gs) ?? [];
    expect(stream(watcher(), chunks)).toEqual({ sent: reply, leak: null });
  });

  it("catches a span that ends exactly at the end of the reply (found by flush)", () => {
    const w = watcher();
    const copied = "These rules come from the platform that hosts this assistant. They take";
    expect(w.push(copied).leak).toBeNull();
    expect(w.flush()).toBe("");
    expect(w.leak).toBe("leak.verbatim_prompt");
  });
});
