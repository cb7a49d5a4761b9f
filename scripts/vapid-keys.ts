/** Prints a new VAPID key pair for Web Push, for `wrangler secret put VAPID_PUBLIC_KEY` and `VAPID_PRIVATE_KEY`. */
import { generateVapidKeys } from "../core/web-push.ts";

const keys = await generateVapidKeys();
console.log(`VAPID_PUBLIC_KEY=${keys.publicKey}\nVAPID_PRIVATE_KEY=${keys.privateKey}`);
