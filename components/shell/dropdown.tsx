"use client";

import Link from "next/link";
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type ComponentProps, type KeyboardEvent, type ReactNode } from "react";
import { cn, focusRing } from "@/components/ui/cn";

const CloseContext = createContext<() => void>(() => {});

/**
 * A menu button (WAI-ARIA pattern): Enter/Space/↓ opens and focuses the first item, ↑/↓
 * Home/End move, Escape closes and returns focus to the button, Tab or a click outside closes.
 */
export function Dropdown({
  trigger,
  label,
  align = "left",
  triggerClassName,
  menuClassName,
  children,
}: {
  trigger: ReactNode;
  label: string;
  align?: "left" | "right";
  triggerClassName?: string;
  menuClassName?: string;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const items = () => Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
  const focusAt = (index: number) => {
    const list = items();
    if (list.length === 0) return;
    list[(index + list.length) % list.length]?.focus();
  };
  const close = useCallback((restoreFocus = true) => {
    setOpen(false);
    if (restoreFocus) buttonRef.current?.focus();
  }, []);

  useEffect(() => {
    if (!open) return;
    focusAt(0);
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const list = items();
    const current = list.indexOf(document.activeElement as HTMLElement);
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        focusAt(current + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        focusAt(current - 1);
        break;
      case "Home":
        event.preventDefault();
        focusAt(0);
        break;
      case "End":
        event.preventDefault();
        focusAt(list.length - 1);
        break;
      case "Escape":
        event.preventDefault();
        close();
        break;
      case "Tab":
        setOpen(false);
        break;
    }
  };

  return (
    <div className="relative">
      <button
        ref={buttonRef}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={label}
        onClick={() => setOpen((v) => !v)}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown" || event.key === "ArrowUp") {
            event.preventDefault();
            setOpen(true);
          }
        }}
        className={cn("rounded-lg", focusRing, triggerClassName)}
      >
        {trigger}
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-label={label}
          onKeyDown={onMenuKeyDown}
          className={cn(
            "absolute top-full z-50 mt-2 w-72 max-w-[calc(100vw-1.5rem)] origin-top overflow-hidden rounded-xl bg-white py-1.5 shadow-lg ring-1 ring-zinc-950/10",
            align === "right" ? "right-0" : "left-0",
            menuClassName,
          )}
        >
          <CloseContext.Provider value={() => close(false)}>{children}</CloseContext.Provider>
        </div>
      )}
    </div>
  );
}

const itemClasses =
  "flex w-full items-center gap-3 px-3.5 py-2 text-left text-sm text-zinc-700 outline-none hover:bg-zinc-50 focus:bg-zinc-100 focus:text-zinc-900";

export function DropdownLink({ className, onClick, ...props }: ComponentProps<typeof Link>) {
  const close = useContext(CloseContext);
  return (
    <Link
      role="menuitem"
      tabIndex={-1}
      className={cn(itemClasses, className)}
      onClick={(event) => {
        onClick?.(event);
        close();
      }}
      {...props}
    />
  );
}

export function DropdownButton({ className, onClick, ...props }: ComponentProps<"button">) {
  return <button type="button" role="menuitem" tabIndex={-1} className={cn(itemClasses, className)} onClick={onClick} {...props} />;
}

export function DropdownSeparator() {
  return <div role="separator" className="my-1.5 h-px bg-zinc-100" />;
}

export function DropdownLabel({ children }: { children: ReactNode }) {
  return <div className="px-3.5 pt-1.5 pb-1 text-xs font-medium text-zinc-500">{children}</div>;
}
