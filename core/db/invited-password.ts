/**
 * The password an account made without one holds until its invite is accepted (an import
 * makes such accounts: their history came with them). It starts with "!", which no hasher
 * takes, so nobody signs in with it; accepting the invite whose hash it names sets the
 * account's password instead of making an account (openInvitedAccount in ./invites.ts).
 */
export const invitedPassword = (codeHash: string) => `!invite$${codeHash}`;
