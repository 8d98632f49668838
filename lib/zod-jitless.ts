import { z } from "zod";

/**
 * Imported for its effect by every module that parses with zod in the browser. zod 4 probes
 * for `new Function` to compile fast parsers; under our CSP (no 'unsafe-eval') that probe is
 * refused and reported as a violation. Parsing without the JIT is fast enough for forms and
 * stream events.
 */
z.config({ jitless: true });
