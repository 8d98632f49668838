/**
 * A separate server process for the two-process burst test: admits `count` concurrent
 * requests for one tenant against the shared Redis and prints how many were admitted.
 * argv: prefix tenantId count planJson
 */
import { admitRequest } from "@/lib/limits/admission";
import { isolatedLimiter, testPlan } from "@/tests/helpers/limits";

const [prefix, tenantId, countText, planJson] = process.argv.slice(2);
const { limiter, close } = isolatedLimiter(prefix);
const plan = testPlan(JSON.parse(planJson ?? "{}"));
const count = Number(countText);
const results = await Promise.allSettled(
  Array.from({ length: count }, (_, i) => admitRequest({ tenantId: tenantId!, userId: `user-${process.pid}-${i % 10}`, plan, limiter })),
);
await close();
console.log(JSON.stringify({ admitted: results.filter((r) => r.status === "fulfilled").length }));
