/**
 * A placeholder page until the real client lands: sign in, see your rooms with unread
 * counts (the inbox socket), open one and chat live (the room socket). Everything shown is
 * rendered as text by Preact, so names and messages can never inject markup.
 */
import { render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { InboxFrame } from "../durable/protocol";
import { liveSocket } from "./lib/live-socket";
import { Session } from "./lib/session";
import { useRoom } from "./lib/use-room";

type User = { id: number; username: string; full_name: string };
type RoomSummary = { id: number; title: string; unread_count: number; participants: User[] };

function SignIn({ onSession }: { onSession: (session: Session) => void }) {
  const [error, setError] = useState("");
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      onSession(await Session.signIn(String(form.get("username")), String(form.get("password"))));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form onSubmit={submit} class="sign-in">
      <h1>Condor Chat</h1>
      <input name="username" placeholder="Username" autoComplete="username" required />
      <input name="password" type="password" placeholder="Password" autoComplete="current-password" required />
      <button>Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function RoomView({ session, room, me, people }: { session: Session; room: RoomSummary; me: User; people: Map<number, User> }) {
  const { state, send, typing, read } = useRoom(session, room.id, me.id);
  const input = useRef<HTMLInputElement>(null);
  const latest = state.messages.at(-1)?.id;
  useEffect(() => {
    if (latest) read(latest);
  }, [latest, state.connected]);
  const name = (id: number) => people.get(id)?.username ?? `user ${id}`;
  const seenBy = latest
    ? Object.entries(state.reads)
        .filter(([user, upTo]) => Number(user) !== me.id && upTo >= latest)
        .map(([user]) => name(Number(user)))
    : [];
  return (
    <section class="room" aria-label={room.title}>
      <h2>
        {room.title} <small>{state.connected ? `here: ${state.here.map(name).join(", ")}` : "connecting…"}</small>
      </h2>
      <ol class="messages">
        {state.messages.map((m) => (
          <li key={m.id} data-id={m.id}>
            <b>{name(m.sender)}</b> {m.deleted ? <i>deleted</i> : m.content}
            {m.edited_at && !m.deleted && <small> (edited)</small>}
          </li>
        ))}
        {state.pending.map((p) => (
          <li key={p.client_id} class="pending">
            <b>{me.username}</b> {p.content} <small>sending…</small>
          </li>
        ))}
      </ol>
      <p class="status">
        {state.typing.length > 0 && `${state.typing.map(name).join(", ")} typing…`}
        {seenBy.length > 0 && ` Seen by ${seenBy.join(", ")}`}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const text = input.current!.value;
          if (!text.trim()) return;
          send(text);
          input.current!.value = "";
        }}
      >
        <input ref={input} name="message" placeholder="Message" maxLength={4000} onInput={typing} autoComplete="off" />
        <button>Send</button>
      </form>
      {state.error && <p role="alert">{state.error}</p>}
    </section>
  );
}

function Chat({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [me, setMe] = useState<User | null>(null);
  const [rooms, setRooms] = useState<RoomSummary[]>([]);
  const [openId, setOpenId] = useState<number | null>(null);
  const [unread, setUnread] = useState<Record<string, number>>({});
  const [error, setError] = useState("");

  const loadRooms = () =>
    session.call<{ results: RoomSummary[] }>("GET", "/rooms/").then((page) => setRooms(page.results), (err) => setError(err.message));

  useEffect(() => {
    session.call<User>("GET", "/profiles/me/").then(setMe, (err) => setError(err.message));
    loadRooms();
    const inbox = liveSocket(
      session,
      () => "/api/v1/inbox/socket/",
      (data) => {
        const parsed = InboxFrame.safeParse(data);
        if (!parsed.success) return;
        const frame = parsed.data;
        if (frame.type === "unread") setUnread((u) => ({ ...u, ...frame.counts }));
        if (frame.type === "room_message") {
          setUnread((u) => ({ ...u, [frame.room]: (u[frame.room] ?? 0) + 1 }));
          if (frame.first_dm) loadRooms();
        }
        if (frame.type === "added_to_room" || frame.type === "removed_from_room") loadRooms();
      },
      () => undefined,
    );
    return () => inbox.close();
  }, [session]);

  const people = useMemo(() => new Map(rooms.flatMap((r) => r.participants).map((u) => [u.id, u])), [rooms]);
  const open = rooms.find((r) => r.id === openId);
  if (!me) return <p>{error || "Loading…"}</p>;
  return (
    <main class="chat">
      <nav>
        <p>
          Signed in as <b>{me.username}</b> <button onClick={onSignOut}>Sign out</button>
        </p>
        <ul class="rooms">
          {rooms.map((room) => (
            <li key={room.id}>
              <button onClick={() => setOpenId(room.id)} aria-current={room.id === openId}>
                {room.title}
                {room.id !== openId && (unread[room.id] ?? room.unread_count) > 0 && (
                  <span class="unread"> ({unread[room.id] ?? room.unread_count})</span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {open ? <RoomView key={open.id} session={session} room={open} me={me} people={people} /> : <p>Pick a room.</p>}
      {error && <p role="alert">{error}</p>}
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(() => Session.restore());
  if (!session) return <SignIn onSession={setSession} />;
  return (
    <Chat
      session={session}
      onSignOut={() => {
        void session.signOut();
        setSession(null);
      }}
    />
  );
}

render(<App />, document.getElementById("app")!);
