import { redirect } from "next/navigation";

/** Members are managed in the admin console; this address stays for old links. */
export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  redirect(`/w/${slug}/admin?tab=members`);
}
