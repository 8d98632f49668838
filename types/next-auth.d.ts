import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session extends Omit<DefaultSession, "user"> {
    user: { id: string; email: string; name: string; isStaff: boolean };
  }
  interface User {
    id: string;
    email: string;
    name: string;
    isStaff: boolean;
    /** users.session_version at sign-in (lib/auth/session-token.ts). */
    sessionVersion: number;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    userId?: string;
    isStaff?: boolean;
    sessionVersion?: number;
  }
}
