/** A quote-reply's quote: in the message, a link back to the quoted one; above the composer while composing. */
import type { WireMessage } from "../../../core/protocol";
import { openMessageLink } from "../../lib/message-links";
import styles from "./thread.module.css";

type Quoted = NonNullable<WireMessage["reply_to"]>;

/** The quote in a message; choosing it goes to the quoted message, highlighted. */
export function QuoteOf({ room, quote, name }: { room: number; quote: Quoted; name: string }) {
  const text = quote.deleted ? "This message was deleted." : quote.excerpt;
  return (
    <button
      type="button"
      class={styles.quote}
      onClick={() => openMessageLink(room, quote.id)}
      aria-label={`Replying to ${name}: ${text}. Go to that message`}
    >
      <strong>{name}</strong> {text}
    </button>
  );
}

/** The message being quoted, above the composer, with a way to drop the quote. */
export function QuoteBar({ message, name, onCancel }: { message: WireMessage; name: string; onCancel: () => void }) {
  return (
    <p class={styles.quoteBar} aria-live="polite">
      <span>
        Replying to <strong>{name}</strong>: {message.content}
      </span>
      <button type="button" onClick={onCancel} aria-label="Cancel the reply">
        ×
      </button>
    </p>
  );
}
