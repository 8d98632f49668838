import type { ReactNode } from "react";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";

/**
 * The admin gate sits in the layout, outside loading.tsx's Suspense boundary: a 404 thrown
 * there is decided before any byte streams, so members get a real 404 status, not a 200
 * with a not-found page inside. (The page checks again; the lookup is cached per request.)
 */
export default async function AdminLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  await requireWorkspace(slug, "admin", `/w/${slug}/admin`);
  return children;
}
