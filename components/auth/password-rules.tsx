import { cn } from "@/components/ui/cn";
import { CheckIcon } from "@/components/ui/icons";

/** The rules of passwordSchema (lib/auth/schemas.ts), ticked as the person types. */
export function PasswordRules({ password }: { password: string }) {
  const rules = [
    { label: "At least 10 characters", met: password.length >= 10 },
    { label: "Letters and at least one digit or symbol", met: /[a-zA-Z]/.test(password) && /[^a-zA-Z]/.test(password) },
  ];
  return (
    <ul className="space-y-1">
      {rules.map((rule) => (
        <li key={rule.label} className={cn("flex items-center gap-1.5", rule.met ? "text-emerald-700" : "text-zinc-500")}>
          <CheckIcon className={cn("size-3.5", rule.met ? "opacity-100" : "opacity-30")} />
          {rule.label}
          <span className="sr-only">{rule.met ? "(met)" : "(not met yet)"}</span>
        </li>
      ))}
    </ul>
  );
}
