import { AppError } from "@/lib/api/errors";
import { CLEAN_TEXT_MESSAGE, findUncleanValue } from "@/lib/validation/text";

/**
 * Refuses a parsed request value (a JSON body, a server action's argument) holding NUL or
 * broken text anywhere, or nested absurdly deep, before any schema or query sees it: a
 * schema that forgets cleanText() still cannot let one reach PostgreSQL.
 */
export function assertCleanInput(value: unknown): void {
  const unclean = findUncleanValue(value);
  if (!unclean) return;
  if (unclean.reason === "depth") {
    throw new AppError("bad_request", "The request is nested too deeply.", { fields: { [unclean.path]: ["Nested too deeply."] } });
  }
  throw new AppError("validation_failed", CLEAN_TEXT_MESSAGE, { fields: { [unclean.path]: [CLEAN_TEXT_MESSAGE] } });
}
