-- Condor Chat's first schema. worker/db/schema.ts mirrors it for Drizzle; change both together.

-- Users keep the original's integer ids and Django's password encoding, so an installation
-- of the original can move over.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL COLLATE NOCASE UNIQUE,
  email TEXT NOT NULL DEFAULT '',
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  password TEXT NOT NULL,
  is_superuser INTEGER NOT NULL DEFAULT 0,
  is_active INTEGER NOT NULL DEFAULT 1,
  avatar_key TEXT,
  date_joined TEXT NOT NULL,
  last_login TEXT
);
-- The original allowed many users without an email; an email that is given is unique.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email)) WHERE email <> '';

CREATE TABLE rooms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  is_group INTEGER NOT NULL,
  -- "lowId:highId" for a DM: the unique index makes one DM per pair whatever the race.
  dm_key TEXT UNIQUE,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  -- The latest message, kept by the room's Durable Object: lists sort by its time and show
  -- it as the preview without reading each room's history.
  last_message_id INTEGER,
  last_message_at TEXT
);

CREATE TABLE room_members (
  room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id),
  role TEXT NOT NULL DEFAULT 'member',
  joined_at TEXT NOT NULL,
  last_read_id INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_by_user ON room_members (user_id);

-- Written only by the room's Durable Object, which serialises its room's writes, so ids
-- within a room are in the order every participant sees.
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  sender_id INTEGER NOT NULL REFERENCES users (id),
  content TEXT NOT NULL,
  created_at TEXT NOT NULL,
  edited_at TEXT,
  deleted_at TEXT,
  client_id TEXT
);
CREATE INDEX messages_by_room ON messages (room_id, id);
-- A retried send carries the same client id and is stored once.
CREATE UNIQUE INDEX messages_client_id ON messages (room_id, sender_id, client_id) WHERE client_id IS NOT NULL;

-- Refresh tokens are rotated: each use revokes the old one; logout revokes it too.
CREATE TABLE refresh_tokens (
  jti TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);

-- Failed sign-ins per username and per address, in fixed windows.
CREATE TABLE login_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_started INTEGER NOT NULL
);
