/**
 * Signs the client's session in against the fake API, so calls and uploads carry an
 * access token as they would for a signed-in person. The sign-in itself is left out of
 * the recorded requests: tests look at what the component sent.
 */
import { signIn } from "../../../client/lib/session";
import type { fakeApi } from "./fake-api";

export const TEST_ACCESS_TOKEN = "access-token-for-component-tests";

/** Signs in through the fake API's token route. */
export async function signedIn(api: ReturnType<typeof fakeApi>) {
  api.on("POST", "/access_token", { body: { access: TEST_ACCESS_TOKEN } });
  await signIn("tester", "password");
  api.requests.length = 0;
}
