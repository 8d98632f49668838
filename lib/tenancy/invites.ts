import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import { emailSchema } from "@/lib/auth/schemas";
import type { Role } from "@/lib/db/generated/enums";
import { withAuth, withTenant, withUser, type TenantContext, type Tx } from "@/lib/db/scope";
import { hashInviteToken, inviteExpiresAt, inviteStatus, isWellFormedInviteToken, newInviteToken, type InviteStatus } from "@/lib/tenancy/invite-token";
import { appLink, getMailer } from "@/lib/mail/mailer";
import { hasRole } from "@/lib/tenancy/workspace";

export const createInviteSchema = z.object({
  role: z.enum(["admin", "member"], { error: "Choose admin or member." }),
  // Forms send "" for an empty field.
  email: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), emailSchema.optional()),
});
export type CreateInviteInput = z.input<typeof createInviteSchema>;

export interface PendingInvite {
  id: string;
  email: string | null;
  role: Role;
  expiresAt: Date;
  createdAt: Date;
}

export interface CreatedInvite extends PendingInvite {
  /** The secret for the link; only ever returned here. */
  token: string;
}

const ONLY_ADMINS = "Only admins and owners can manage invites.";

/** Re-checks the actor's role inside the same transaction that writes. */
async function assertAdmin(tx: Tx, actor: TenantContext): Promise<void> {
  const membership = await tx.membership.findUnique({
    where: { tenantId_userId: { tenantId: actor.tenantId, userId: actor.userId } },
    select: { role: true },
  });
  if (!membership) throw new AppError("not_found", "Workspace not found.");
  if (!hasRole(membership.role, "admin")) throw new AppError("forbidden", ONLY_ADMINS);
}

export async function createInvite(actor: TenantContext, input: unknown): Promise<CreatedInvite> {
  const data = createInviteSchema.parse(input);
  const { token, tokenHash } = newInviteToken();
  const created = await withTenant(actor, async (tx) => {
    await assertAdmin(tx, actor);
    const invite = await tx.invite.create({
      data: { tenantId: actor.tenantId, email: data.email ?? null, role: data.role, tokenHash, createdById: actor.userId, expiresAt: inviteExpiresAt() },
      select: { id: true, email: true, role: true, expiresAt: true, createdAt: true },
    });
    await tx.auditLog.create({
      data: { tenantId: actor.tenantId, actorId: actor.userId, action: "invite.created", target: `invite:${invite.id}`, details: { role: invite.role, email: invite.email } },
    });
    const workspace = await tx.tenant.findUnique({ where: { id: actor.tenantId }, select: { name: true } });
    return { ...invite, token, workspaceName: workspace?.name ?? "a workspace" };
  });
  const { workspaceName, ...invite } = created;
  // An email-bound invite is also mailed; the admin still sees the link to pass on. A mail
  // failure does not undo the invite.
  if (invite.email) {
    await getMailer()
      .send({
        to: invite.email,
        subject: `You're invited to ${workspaceName} on Bulkhead`,
        text: `You have been invited to join ${workspaceName} on Bulkhead as ${invite.role === "admin" ? "an admin" : "a member"}.\n\nAccept within 7 days:\n\n${appLink(`/invite/${token}`)}\n`,
      })
      .catch((error: unknown) => console.error("[bulkhead] could not mail the invite", error));
  }
  return invite;
}

export async function listPendingInvites(actor: TenantContext): Promise<PendingInvite[]> {
  return withTenant(actor, (tx) =>
    tx.invite.findMany({
      where: { tenantId: actor.tenantId, acceptedAt: null, expiresAt: { gt: new Date() } },
      select: { id: true, email: true, role: true, expiresAt: true, createdAt: true },
      orderBy: { createdAt: "desc" },
    }),
  );
}

export async function revokeInvite(actor: TenantContext, inviteId: string): Promise<void> {
  if (!z.uuid().safeParse(inviteId).success) throw new AppError("not_found", "Invite not found.");
  await withTenant(actor, async (tx) => {
    await assertAdmin(tx, actor);
    const { count } = await tx.invite.deleteMany({ where: { tenantId: actor.tenantId, id: inviteId, acceptedAt: null } });
    if (count === 0) throw new AppError("not_found", "Invite not found.");
    await tx.auditLog.create({ data: { tenantId: actor.tenantId, actorId: actor.userId, action: "invite.revoked", target: `invite:${inviteId}` } });
  });
}

export interface InvitePreview {
  workspaceName: string;
  slug: string;
  role: Role;
  email: string | null;
  invitedBy: string | null;
  status: InviteStatus;
  expiresAt: Date;
}

async function findInvite(tx: Tx, token: string) {
  if (!isWellFormedInviteToken(token)) return null;
  return tx.invite.findUnique({ where: { tokenHash: hashInviteToken(token) } });
}

/** What the invite page shows. Runs as bh_auth: the visitor is not a member (yet). */
export async function lookupInvite(token: string): Promise<InvitePreview | null> {
  return withAuth(async (tx) => {
    const invite = await findInvite(tx, token);
    if (!invite) return null;
    // One connection per transaction: queries inside it run one after another.
    const tenant = await tx.tenant.findUnique({ where: { id: invite.tenantId }, select: { name: true, slug: true } });
    const inviter = await tx.user.findUnique({ where: { id: invite.createdById }, select: { name: true } });
    if (!tenant) return null;
    return {
      workspaceName: tenant.name, slug: tenant.slug, role: invite.role, email: invite.email,
      invitedBy: inviter?.name ?? null, status: inviteStatus(invite), expiresAt: invite.expiresAt,
    };
  });
}

export const INVITE_MESSAGES = {
  unknown: "This invite link is not valid. Check that you copied all of it, or ask for a new one.",
  used: "This invite has already been used. Ask the workspace admin for a new link.",
  expired: "This invite has expired. Ask the workspace admin for a new link.",
  wrongEmail: "This invite was sent to a different email address. Sign in with that address to accept it.",
  unverified: "Verify your email address first: open the link we mailed you (or send a new one from your account page), then accept the invite.",
} as const;

export interface AcceptedInvite {
  tenantId: string;
  slug: string;
  role: Role;
  /** The user already belonged to the workspace: nothing changed and the invite stays unused. */
  alreadyMember: boolean;
}

interface AcceptRow {
  status: "unknown" | "used" | "expired" | "already_member" | "wrong_email" | "unverified" | "accepted";
  tenant_id: string | null;
  slug: string | null;
  role: Role | null;
  invite_id: string | null;
}

/**
 * Turns an invite into a membership for `userId` (authenticated by the caller). The claim,
 * the bound-email check and the insert are one SECURITY DEFINER function (0010), run in
 * the user's own scope: no role may insert memberships into a tenant it is not admin of,
 * and the function takes the role from the invite (never owner). The invite row is locked
 * FOR UPDATE, so two tabs accepting at once yield one membership and one "already used".
 */
export async function acceptInvite(token: string, userId: string): Promise<AcceptedInvite> {
  if (!isWellFormedInviteToken(token)) throw new AppError("not_found", INVITE_MESSAGES.unknown);
  const [row] = await withUser(userId, (tx) => tx.$queryRaw<AcceptRow[]>`SELECT * FROM accept_invite(${hashInviteToken(token)})`);
  if (!row || row.status === "unknown" || !row.tenant_id || !row.slug || !row.role) throw new AppError("not_found", INVITE_MESSAGES.unknown);
  if (row.status === "used") throw new AppError("conflict", INVITE_MESSAGES.used);
  if (row.status === "expired") throw new AppError("conflict", INVITE_MESSAGES.expired);
  if (row.status === "wrong_email") throw new AppError("forbidden", INVITE_MESSAGES.wrongEmail);
  if (row.status === "unverified") throw new AppError("forbidden", INVITE_MESSAGES.unverified);
  const accepted = { tenantId: row.tenant_id, slug: row.slug, role: row.role, alreadyMember: row.status === "already_member" };

  if (!accepted.alreadyMember) {
    // A lost audit line must not undo a membership that already exists, so failures are logged.
    await withTenant({ tenantId: accepted.tenantId, userId }, (tx) =>
      tx.auditLog.create({ data: { tenantId: accepted.tenantId, actorId: userId, action: "invite.accepted", target: `invite:${row.invite_id}`, details: { role: accepted.role } } }),
    ).catch((error: unknown) => console.error("[bulkhead] could not audit invite acceptance", error));
  }
  return accepted;
}
