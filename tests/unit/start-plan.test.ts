import { describe, expect, it } from "vitest";
import { decideDemo, describeDemo, listenHost, localProbeHost, parseStartArgs } from "@/lib/startup/plan";

describe("decideDemo", () => {
  it("seeds the embedded database outside production", () => {
    expect(decideDemo({ embedded: true, demoFlag: false, nodeEnv: "development" })).toEqual({ seed: true, reason: "embedded" });
  });

  it("never seeds a configured DATABASE_URL without --demo", () => {
    expect(decideDemo({ embedded: false, demoFlag: false, nodeEnv: "development" })).toEqual({ seed: false, reason: "configured-database" });
    expect(decideDemo({ embedded: false, demoFlag: false, nodeEnv: "production" })).toEqual({ seed: false, reason: "configured-database" });
  });

  it("never seeds under NODE_ENV=production without --demo, even embedded", () => {
    expect(decideDemo({ embedded: true, demoFlag: false, nodeEnv: "production" })).toEqual({ seed: false, reason: "production" });
  });

  it("seeds anywhere when --demo asks for it by name", () => {
    expect(decideDemo({ embedded: false, demoFlag: true, nodeEnv: "production" })).toEqual({ seed: true, reason: "flag" });
  });
});

describe("parseStartArgs", () => {
  it("reads --demo and nothing else", () => {
    expect(parseStartArgs([])).toEqual({ demo: false });
    expect(parseStartArgs(["--demo"])).toEqual({ demo: true });
    expect(() => parseStartArgs(["--dmeo"])).toThrow(/Unknown option --dmeo/);
  });
});

describe("listen host", () => {
  it("binds loopback unless HOSTNAME says otherwise", () => {
    expect(listenHost(undefined)).toBe("127.0.0.1");
    expect(listenHost("")).toBe("127.0.0.1");
    expect(listenHost("0.0.0.0")).toBe("0.0.0.0");
  });

  it("probes a wildcard bind through loopback and brackets IPv6", () => {
    expect(localProbeHost("0.0.0.0")).toBe("127.0.0.1");
    expect(localProbeHost("::")).toBe("127.0.0.1");
    expect(localProbeHost("::1")).toBe("[::1]");
    expect(localProbeHost("10.0.0.5")).toBe("10.0.0.5");
  });
});

describe("describeDemo", () => {
  it("warns when a database that should not carry the demo has it", () => {
    expect(describeDemo({ seed: false, reason: "configured-database" }, { present: true, seededNow: false })).toMatch(/^PRESENT/);
  });

  it("says how to get the demo when it was not seeded", () => {
    expect(describeDemo({ seed: false, reason: "production" }, { present: false, seededNow: false })).toMatch(/NODE_ENV=production.*--demo/);
    expect(describeDemo({ seed: true, reason: "embedded" }, { present: true, seededNow: true })).toMatch(/seeded just now/);
  });
});
