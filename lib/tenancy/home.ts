import { listWorkspacesForUser } from "@/lib/tenancy/workspace";

/** Where a signed-in user lands when nothing else was asked for. */
export async function homePathForUser(userId: string): Promise<string> {
  const [first] = await listWorkspacesForUser(userId);
  return first ? `/w/${first.slug}` : "/new";
}
