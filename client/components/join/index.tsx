/**
 * /join/<code>: someone with an invite link makes their own account and is signed in, or,
 * with the link an import gave them, opens the account that holds their history. A link
 * that no longer works says why at once, before anything is filled in.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../lib/api";
import { signInAsNew } from "../../lib/session";
import { AccountForm } from "../account-form";
import form from "../dialog/form.module.css";
import styles from "../sign-in/sign-in.module.css";

/** The code of an invite link the page was opened at, if it was. */
export function inviteCodeOf(path: string): string | undefined {
  return path.match(/^\/join\/([A-Za-z0-9_-]{1,64})\/?$/)?.[1];
}

export function Join({ code, onSignedIn }: { code: string; onSignedIn: () => void }) {
  const [unusable, setUnusable] = useState("");
  /** The imported account the link opens, if it opens one. */
  const [opens, setOpens] = useState<string>();
  useEffect(() => {
    void fetch(`/api/v1/invites/${code}/`).then(async (response) => {
      const body = (await response.json().catch(() => null)) as { error?: string; username?: string } | null;
      if (response.ok) setOpens(body?.username);
      else setUnusable(body?.error ?? "This invite link does not work.");
    });
  }, [code]);
  return (
    <main class={styles.screen}>
      <div class={styles.card}>
        {unusable ? (
          <p role="alert" class={form.alert}>
            {unusable}
          </p>
        ) : (
          <AccountForm
            // A fresh form once the lookup names the account, starting from its username.
            key={opens ?? ""}
            title="Join Condor Chat"
            intro={
              opens
                ? `Your account ${opens} and its history are waiting. Choose your password (and another username, if you like).`
                : "You were invited. Choose your username and password."
            }
            submitLabel={opens ? "Open my account" : "Create my account"}
            username={opens}
            onSubmit={async (account) => {
              try {
                await signInAsNew(`/invites/${code}/accept/`, account);
              } catch (err) {
                if (err instanceof ApiError && (err.status === 410 || err.status === 404)) setUnusable(err.message);
                throw err;
              }
              history.replaceState(null, "", "/");
              onSignedIn();
            }}
          />
        )}
      </div>
    </main>
  );
}
