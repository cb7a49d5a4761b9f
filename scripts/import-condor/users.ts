/**
 * The import's users: who is created, who is here already, and the username of everyone
 * usable (the rooms' step needs them), with each user's avatar.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { hasherOf } from "../../worker/auth/passwords.ts";
import { avatarKey, MAX_AVATAR_BYTES, sniffImage } from "../../worker/avatar-images.ts";
import {
  type Existing,
  type MediaReader,
  type NewAvatar,
  type NewUser,
  nameOf,
  type ParsedRecords,
  type Remark,
  type Remarks,
} from "./records.ts";

/** Django's copies of its default picture (`default_img.png`, `default_img_3XUNWX8.png`). */
const DEFAULT_AVATAR = /^avatar_files\/default_img(_\w+)?\.png$/;

/** The users to create, the usernames of all usable ones by id, and how many were imported before. */
export function planUsers(
  parsed: ParsedRecords,
  existing: Existing,
  media: MediaReader | undefined,
  { skipped, notes, mustReset }: Remarks,
): { users: NewUser[]; usernames: Map<number, string>; alreadyImported: number } {
  let alreadyImported = 0;
  const usernames = new Map<number, string>();
  const existingById = new Map(existing.users.map((user) => [user.id, user]));
  const takenUsernames = new Map(existing.users.map((user) => [user.username.toLowerCase(), user.id]));
  const takenEmails = new Map(existing.users.filter((u) => u.email !== "").map((u) => [u.email.toLowerCase(), u.id]));
  const users: NewUser[] = [];
  const profiles = new Map(parsed["chat.userprofile"].map((profile) => [profile.fields.user, profile]));
  for (const { record, id, fields } of parsed["auth.user"]) {
    const name = nameOf(record);
    const here = existingById.get(id);
    if (here) {
      if (here.username.toLowerCase() === fields.username.toLowerCase()) {
        alreadyImported++;
        usernames.set(id, here.username);
      } else {
        skipped.push({ record: name, reason: `id ${id} belongs to another user here ('${here.username}')` });
      }
      continue;
    }
    const holder = takenUsernames.get(fields.username.toLowerCase());
    if (holder !== undefined) {
      skipped.push({
        record: name,
        reason: `the username '${fields.username}' is taken here by user ${holder} (usernames are unique whatever their case)`,
      });
      continue;
    }
    let email = fields.email;
    const emailHolder = email === "" ? undefined : takenEmails.get(email.toLowerCase());
    if (emailHolder !== undefined) {
      notes.push({
        record: name,
        reason: `the email '${email}' is user ${emailHolder}'s too; ${fields.username} is imported without an email`,
      });
      email = "";
    }
    const hasher = hasherOf(fields.password);
    if (hasher === "unusable") {
      notes.push({
        record: name,
        reason: `${fields.username} has no usable password and cannot sign in, as in the original`,
      });
    } else if (hasher !== "pbkdf2_sha256") {
      mustReset.push({ username: fields.username, hasher });
    }
    if (!fields.is_active)
      notes.push({ record: name, reason: `${fields.username} is inactive and cannot sign in, as in the original` });
    const profile = profiles.get(id);
    const avatar = profile && planAvatar(nameOf(profile.record), fields.username, profile.fields.avatar, media, notes);
    users.push({
      id,
      username: fields.username,
      email,
      firstName: fields.first_name,
      lastName: fields.last_name,
      password: fields.password,
      isSuperuser: fields.is_superuser,
      isActive: fields.is_active,
      dateJoined: fields.date_joined,
      lastLogin: fields.last_login,
      avatar,
    });
    usernames.set(id, fields.username);
    takenUsernames.set(fields.username.toLowerCase(), id);
    if (email !== "") takenEmails.set(email.toLowerCase(), id);
  }
  const exportedUserIds = new Set(parsed["auth.user"].map((user) => user.id));
  for (const { record, fields } of parsed["chat.userprofile"]) {
    if (!exportedUserIds.has(fields.user)) {
      skipped.push({ record: nameOf(record), reason: `its user ${fields.user} is not in the export` });
    }
  }

  return { users, usernames, alreadyImported };
}

/** The avatar to upload for a profile, or undefined (and a note) when the default stays. */
function planAvatar(
  name: string,
  username: string,
  source: string,
  media: MediaReader | undefined,
  notes: Remark[],
): NewAvatar | undefined {
  if (source === "" || DEFAULT_AVATAR.test(source)) return undefined;
  const keepDefault = (why: string) => {
    notes.push({ record: name, reason: `avatar '${source}' ${why}; ${username} keeps the default avatar` });
    return undefined;
  };
  if (path.isAbsolute(source) || source.split(/[\\/]/).includes(".."))
    return keepDefault("is outside the media folder");
  if (!media) return keepDefault("not imported: no --media folder given");
  const bytes = media(source);
  if (!bytes) return keepDefault("is not in the media folder");
  if (bytes.length > MAX_AVATAR_BYTES) return keepDefault(`is over ${MAX_AVATAR_BYTES / 1024 / 1024} MiB`);
  const kind = sniffImage(bytes);
  if (!kind) return keepDefault("is not a JPEG, PNG, GIF or WebP image");
  // Named by its bytes, so a second run puts the same object at the same key.
  const suffix = createHash("sha256").update(bytes).digest("hex").slice(0, 8);
  return { source, key: avatarKey(username, suffix, kind), type: kind.type, bytes };
}
