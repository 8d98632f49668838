import "@/lib/zod-jitless";
import { z } from "zod";
import { cleanText } from "@/lib/validation/text";

const COMMON_PASSWORDS = new Set([
  "password", "password1", "password12", "password123", "1234567890", "qwertyuiop", "letmein123",
  "iloveyou12", "welcome123", "admin12345", "abc1234567", "passw0rd12",
]);

export const emailSchema = cleanText({ error: "Email is required." })
  .trim()
  .toLowerCase()
  .min(3, "Enter your email address.")
  .max(254, "That email address is too long.")
  .pipe(z.email({ error: "Enter a valid email address." }));

export const passwordSchema = cleanText({ error: "Password is required." })
  .min(10, "Use at least 10 characters.")
  .max(200, "Use at most 200 characters.")
  .refine((p) => /[a-zA-Z]/.test(p) && /[^a-zA-Z]/.test(p), "Mix letters with digits or symbols.")
  .refine((p) => !COMMON_PASSWORDS.has(p.toLowerCase()), "That password is too common.");

export const personNameSchema = cleanText().trim().min(1, "Enter your name.").max(100, "Use at most 100 characters.");

export const workspaceNameSchema = cleanText().trim().min(2, "Use at least 2 characters.").max(80, "Use at most 80 characters.");

export const slugSchema = cleanText()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/, "Use 3–40 lowercase letters, digits or dashes, not starting or ending with a dash.");

export const RESERVED_SLUGS = new Set(["admin", "api", "app", "auth", "new", "signin", "signup", "staff", "settings", "www", "invite"]);

export const signUpSchema = z.object({
  name: personNameSchema,
  email: emailSchema,
  password: passwordSchema,
  workspaceName: workspaceNameSchema,
  slug: slugSchema.refine((s) => !RESERVED_SLUGS.has(s), "That address is reserved.").optional(),
});
export type SignUpInput = z.infer<typeof signUpSchema>;

export const signInSchema = z.object({
  email: emailSchema,
  password: cleanText().min(1, "Enter your password.").max(200),
});

export function slugify(name: string): string {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32)
    .replace(/-+$/g, "");
  return base.length >= 3 ? base : `${base || "team"}-ws`;
}
