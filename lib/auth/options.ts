import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { clientIp } from "@/lib/api/client-ip";
import { getAuthSecret } from "@/lib/auth/secret";
import { SignInError, toSignInErrorCode, verifyCredentials } from "@/lib/auth/sign-in";

const DAY = 24 * 60 * 60;

export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: 14 * DAY, updateAge: DAY },
  // Resolved on first use, not at import: `next build` imports this module too.
  get secret() {
    return getAuthSecret();
  },
  pages: { signIn: "/signin", error: "/signin" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        try {
          return await verifyCredentials(credentials, clientIp(req.headers));
        } catch (error) {
          throw new SignInError(toSignInErrorCode(error));
        }
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      // `user` is only present on the sign-in request itself.
      if (user) {
        token.userId = user.id;
        token.email = user.email;
        token.name = user.name;
        token.isStaff = user.isStaff;
        token.sessionVersion = user.sessionVersion;
      }
      return token;
    },
    session({ session, token }) {
      if (typeof token.userId === "string") {
        session.user = { id: token.userId, email: token.email ?? "", name: token.name ?? "", isStaff: token.isStaff === true };
      }
      return session;
    },
  },
};
