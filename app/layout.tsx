import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Bulkhead", template: "%s · Bulkhead" },
  description: "A Claude assistant for every team: configured per workspace, isolated by design, metered to the token.",
};

export const viewport: Viewport = { themeColor: "#4f46e5", width: "device-width", initialScale: 1 };

/**
 * Reading the request makes every page render per request: Next stamps each response's
 * CSP nonce (proxy.ts) on its scripts only while rendering, so a page prerendered at build
 * time would carry scripts the policy refuses.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  await headers();
  return (
    <html lang="en">
      <body className="min-h-dvh font-sans">{children}</body>
    </html>
  );
}
