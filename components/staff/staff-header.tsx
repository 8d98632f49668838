import Link from "next/link";
import { UserMenu } from "@/components/shell/user-menu";
import { focusRing } from "@/components/ui/cn";
import { LogoMark, ShieldIcon } from "@/components/ui/icons";

/**
 * The staff console's top bar. The workspace TopBar needs a current workspace (switcher,
 * workspace nav), which staff do not have here: staff are usually members of none.
 */
export function StaffHeader({ user }: { user: { name: string; email: string; isStaff: boolean } }) {
  return (
    <header className="sticky top-0 z-30 border-b border-zinc-200 bg-white/90 backdrop-blur supports-[backdrop-filter]:bg-white/75">
      <div className="flex h-14 items-center gap-2 px-3 sm:gap-3 sm:px-6">
        <Link href="/" className={`flex shrink-0 items-center gap-2 rounded-lg ${focusRing}`} aria-label="Bulkhead home">
          <LogoMark className="size-7" />
          <span className="hidden text-sm font-semibold tracking-tight text-zinc-900 sm:inline">Bulkhead</span>
        </Link>
        <span aria-hidden="true" className="text-zinc-300">
          /
        </span>
        <Link
          href="/staff"
          aria-current="page"
          className={`flex items-center gap-1.5 rounded-lg px-2 py-1 text-sm font-semibold text-zinc-900 hover:bg-zinc-100 ${focusRing}`}
        >
          <ShieldIcon className="size-4 text-amber-600" />
          Staff console
        </Link>
        <div className="ml-auto flex items-center gap-2">
          <UserMenu user={user} />
        </div>
      </div>
    </header>
  );
}
