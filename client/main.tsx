/**
 * A placeholder page until the real client lands: sign in, see your rooms, read and send
 * messages through the REST API. Everything shown is rendered as text by Preact, so names
 * and messages can never inject markup.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

type Message = { id: number; sender: number; timestamp: string; content: string };
type Room = { id: number; title: string; messages: Message[] };

async function api<T>(path: string, token: string | null, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body) headers.set("content-type", "application/json");
  const response = await fetch(`/api/v1${path}`, { ...init, headers });
  const body: { error?: string } | null = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(body?.error ?? `HTTP ${response.status}`);
  return body as T;
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [error, setError] = useState("");
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      const { access } = await api<{ access: string }>("/access_token/", null, {
        method: "POST",
        body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
      });
      onToken(access);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form onSubmit={submit}>
      <h1>Condor Chat</h1>
      <input name="username" placeholder="Username" autoComplete="username" required />
      <input name="password" type="password" placeholder="Password" autoComplete="current-password" required />
      <button>Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function Rooms({ token }: { token: string }) {
  const [rooms, setRooms] = useState<Room[]>([]);
  const [open, setOpen] = useState<Room | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ results: Room[] }>("/rooms/", token).then((page) => setRooms(page.results), (err) => setError(err.message));
  }, [token]);
  const send = async (event: Event) => {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem("message") as HTMLInputElement;
    if (!open) return;
    try {
      setOpen(await api<Room>("/send_message_to_room/", token, {
        method: "POST",
        body: JSON.stringify({ group_id: open.id, message: input.value }),
      }));
      input.value = "";
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main>
      <ul>
        {rooms.map((room) => (
          <li key={room.id}>
            <button onClick={() => api<Room>(`/rooms/${room.id}/`, token).then(setOpen)}>{room.title}</button>
          </li>
        ))}
      </ul>
      {open && (
        <section>
          <h2>{open.title}</h2>
          <ol>
            {open.messages.map((message) => (
              <li key={message.id}>{message.content}</li>
            ))}
          </ol>
          <form onSubmit={send}>
            <input name="message" placeholder="Message" required maxLength={4000} />
            <button>Send</button>
          </form>
        </section>
      )}
      {error && <p role="alert">{error}</p>}
    </main>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(null);
  return token ? <Rooms token={token} /> : <SignIn onToken={setToken} />;
}

render(<App />, document.getElementById("app")!);
