/**
 * The first run: while no user exists the page offers to create the first administrator
 * instead of signing in; they are signed in at once and find the General room.
 */
import { signInAsNew } from "../../lib/session";
import { AccountForm } from "../account-form";
import styles from "../sign-in/sign-in.module.css";

export function FirstRun({ onSignedIn }: { onSignedIn: () => void }) {
  return (
    <main class={styles.screen}>
      <div class={styles.card}>
        <AccountForm
          title="Create the first administrator"
          intro="Nobody uses this Condor Chat yet. The account you make now can invite everyone else."
          submitLabel="Create administrator"
          onSubmit={async (account) => {
            await signInAsNew("/setup/", account);
            onSignedIn();
          }}
        />
      </div>
    </main>
  );
}
