/** The small "BOT" mark beside a bot's name: bots post by key and answer from their webhooks. */
import styles from "./bot-badge.module.css";

export function BotBadge() {
  return (
    <span class={styles.badge} title="A bot: an app posting for someone">
      BOT
    </span>
  );
}
