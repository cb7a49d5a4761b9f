/**
 * The app: on load it tries to resume the session through the refresh cookie; then either
 * the sign-in screen or the chat. An error boundary keeps a crash from blanking the page.
 */
import { useEffect, useState } from "preact/hooks";
import { Chat, loadMe } from "./components/chat";
import { ErrorBoundary } from "./components/error-boundary";
import { FirstRun } from "./components/first-run";
import { inviteCodeOf, Join } from "./components/join";
import { SignIn } from "./components/sign-in";
import type { User } from "./lib/api";
import { turnOffPush } from "./lib/push";
import { onSignedOut, resumeSession, signOut } from "./lib/session";
import "./app.css";

type Phase =
  | { kind: "starting" }
  | { kind: "signed-out" }
  | { kind: "first-run" }
  | { kind: "joining"; code: string }
  | { kind: "signed-in"; me: User }
  | { kind: "failed"; message: string };

/** Whether no user exists yet, so the page offers setup instead of signing in. */
async function setupNeeded(): Promise<boolean> {
  const response = await fetch("/api/v1/setup/").catch(() => null);
  return response?.ok === true && ((await response.json()) as { needed: boolean }).needed;
}

function Shell() {
  const [phase, setPhase] = useState<Phase>({ kind: "starting" });

  const enter = () =>
    loadMe().then(
      (me) => setPhase({ kind: "signed-in", me }),
      (err: Error) => setPhase({ kind: "failed", message: err.message }),
    );

  useEffect(() => {
    void resumeSession().then(async (resumed) => {
      if (resumed) return enter();
      const code = inviteCodeOf(location.pathname);
      if (code) return setPhase({ kind: "joining", code });
      setPhase({ kind: (await setupNeeded()) ? "first-run" : "signed-out" });
    });
    return onSignedOut(() => setPhase({ kind: "signed-out" }));
  }, []);

  switch (phase.kind) {
    case "starting":
      return (
        <p role="status" style={{ padding: "2rem" }}>
          Loading Condor Chat…
        </p>
      );
    case "signed-out":
      return <SignIn onSignedIn={() => void enter()} />;
    case "first-run":
      return <FirstRun onSignedIn={() => void enter()} />;
    case "joining":
      return <Join code={phase.code} onSignedIn={() => void enter()} />;
    case "failed":
      return (
        <main style={{ padding: "2rem" }}>
          <p role="alert">Could not load your account: {phase.message}</p>
          <button type="button" onClick={() => location.reload()}>
            Try again
          </button>
        </main>
      );
    case "signed-in":
      return <Chat initialMe={phase.me} onSignOut={() => void turnOffPush().finally(signOut)} />;
  }
}

export function App() {
  return (
    <ErrorBoundary>
      <Shell />
    </ErrorBoundary>
  );
}
