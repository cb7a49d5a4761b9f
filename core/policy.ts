/**
 * Who may do what: the one place the access rules are written. Routes and objects ask these
 * questions; neither writes its own comparison of ids or roles.
 */

/** Whoever is asking: a signed-in user as the policy sees them. */
export type Actor = { id: number; isSuperuser: boolean };
/** The actor's place in a room, or none when they are not a participant. */
export type Membership = { role: "owner" | "member" } | null | undefined;
/** What the policy needs to know of a room. */
export type RoomKind = { isGroup: boolean };
/** What joining a room without being added needs to know of it. */
export type RoomOpenness = RoomKind & { isOpen: boolean };

/** Only participants read a room, its history and its socket. */
export const canRead = (membership: Membership): boolean => membership != null;

/** Only participants post to a room. */
export const canPost = (membership: Membership): boolean => membership != null;

/**
 * A group's owner, or any superuser (member or not), renames it, deletes it or removes people.
 * A DM has no owner.
 */
export const canManage = (actor: Actor, room: RoomKind, membership: Membership): boolean =>
  actor.isSuperuser || (room.isGroup && membership?.role === "owner");

/** Only the user themselves or a superuser changes a profile or an avatar. */
export const isSelfOrSuperuser = (actor: Actor, userId: number): boolean => actor.id === userId || actor.isSuperuser;

/** Only a message's sender edits or deletes it. */
export const isAuthor = (actor: Pick<Actor, "id">, message: { senderId: number }): boolean =>
  message.senderId === actor.id;

/**
 * A message's sender deletes it; a superuser deletes anyone's, in any room, member or not
 * (moderation: the room sees it "removed by an administrator").
 */
export const canRemoveMessage = (actor: Actor, message: { senderId: number }): boolean =>
  isAuthor(actor, message) || actor.isSuperuser;

/** Superusers find any message to remove it, in rooms they are not in too. */
export const moderatesEveryRoom = (actor: Actor): boolean => actor.isSuperuser;

/** Only superusers read the audit list of what was removed and deactivated. */
export const canReadAudit = (actor: Actor): boolean => actor.isSuperuser;

/** Any participant adds people to a group; what a DM cannot take is the route's to say. */
export const canAddMembers = (membership: Membership): boolean => membership != null;

/** Anyone leaves a room they are in; removing someone else is managing the room. */
export const canRemoveMember = (actor: Actor, room: RoomKind, membership: Membership, userId: number): boolean =>
  userId === actor.id ? membership != null : canManage(actor, room, membership);

/** Superusers see deactivated users (and may reactivate them); everyone else sees active ones only. */
export const seesInactiveUsers = (actor: Actor): boolean => actor.isSuperuser;

/** A profile is visible to everyone signed in while active, and to superusers always. */
export const canSeeProfile = (actor: Actor, user: { isActive: boolean }): boolean =>
  user.isActive || seesInactiveUsers(actor);

/** Only a superuser makes or unmakes superusers and turns accounts on or off. */
export const canSetAccountFlags = (actor: Actor): boolean => actor.isSuperuser;

/** A superuser creates users; anyone may sign up while sign-up is open. */
export const canCreateUser = (actor: Actor | undefined, signUpOpen: boolean): boolean =>
  signUpOpen || actor?.isSuperuser === true;

/** Anyone signed in joins an open group; a closed room is by invitation only. */
export const canJoin = (room: RoomOpenness): boolean => room.isGroup && room.isOpen;

/** Who manages a group opens or closes it; a DM is never open. */
export const canChangeOpenness = (actor: Actor, room: RoomKind, membership: Membership): boolean =>
  room.isGroup && canManage(actor, room, membership);

/** Only a superuser chooses the groups every new person joins. */
export const canMarkDefault = (actor: Actor, room: RoomKind): boolean => room.isGroup && actor.isSuperuser;

/** Superusers make invite links; everyone does when the installation allows it. */
export const canCreateInvite = (actor: Actor, invitesByAnyone: boolean): boolean =>
  invitesByAnyone || actor.isSuperuser;

/** Superusers see and revoke every invite; anyone else only their own. */
export const canManageInvite = (actor: Actor, invite: { createdBy: number }): boolean =>
  actor.isSuperuser || invite.createdBy === actor.id;

/** Superusers list every invite; anyone else lists their own. */
export const seesAllInvites = (actor: Actor): boolean => actor.isSuperuser;

/** Only superusers make, list, rekey and deactivate bots. */
export const canManageBots = (actor: Actor): boolean => actor.isSuperuser;
