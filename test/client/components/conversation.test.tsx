import { fireEvent, render, screen, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { Composer } from "../../../client/components/conversation/composer";
import { MessageItem, OutgoingItem } from "../../../client/components/conversation/message-item";
import { LinkedText, splitLinks } from "../../../client/components/linked-text";
import { signInProblem } from "../../../client/components/sign-in";
import { ApiError } from "../../../client/lib/api";

const MARKUP = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>`;

describe("Composer", () => {
  const setup = () => {
    const onSend = vi.fn();
    render(<Composer label="Message Bo" onSend={onSend} />);
    return { onSend, box: screen.getByLabelText("Message Bo") as HTMLTextAreaElement };
  };

  it("sends on Enter and empties itself", () => {
    const { onSend, box } = setup();
    fireEvent.input(box, { target: { value: "hello" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("hello");
    expect(box.value).toBe("");
  });

  it("does not send on Shift+Enter, and never sends a blank message", () => {
    const { onSend, box } = setup();
    fireEvent.input(box, { target: { value: "line one" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.input(box, { target: { value: "   " } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).not.toHaveBeenCalled();
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows how much of the length limit is used, and holds no more", () => {
    const { box } = setup();
    fireEvent.input(box, { target: { value: "hello" } });
    expect(screen.getByText("5 / 4000")).toBeTruthy();
    expect(box.maxLength).toBe(4000);
  });
});

describe("LinkedText", () => {
  it("makes web addresses links that open safely, and leaves sentence punctuation out", () => {
    render(<p>{<LinkedText text="menu at https://example.com/lunch?day=1. See you" />}</p>);
    const link = screen.getByRole("link") as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("https://example.com/lunch?day=1");
    expect(link.rel).toContain("noopener");
    expect(link.target).toBe("_blank");
  });

  it("never links other schemes", () => {
    expect(splitLinks("javascript:alert(1) data:text/html,hi").every((piece) => !piece.href)).toBe(true);
  });

  it("shows markup as the characters it is", () => {
    const { container } = render(<p>{<LinkedText text={MARKUP} />}</p>);
    expect(container.textContent).toBe(MARKUP);
    expect(container.querySelector("img, script, b")).toBeNull();
  });
});

describe("MessageItem", () => {
  const base = {
    id: 3,
    room: 1,
    sender: 2,
    timestamp: "2026-01-01T12:00:00.000Z",
    content: MARKUP,
    edited_at: null,
    deleted: false,
  };
  const sender = { id: 2, full_name: MARKUP, avatar_url: "/a.png" } as never;
  const props = { sender, first: true, seenBy: [], onEdit: vi.fn(), onDelete: vi.fn() };

  it("shows a sender's name and text full of markup as text", () => {
    const { container } = render(<ol>{<MessageItem message={base} mine={false} {...props} />}</ol>);
    expect(container.querySelector("script, b, img[src='x']")).toBeNull();
    expect(screen.getAllByText(MARKUP)).toHaveLength(2);
  });

  it("marks edited and deleted messages", () => {
    render(
      <ol>
        <MessageItem
          message={{ ...base, content: "fixed", edited_at: "2026-01-01T12:01:00.000Z" }}
          mine={false}
          {...props}
        />
        <MessageItem message={{ ...base, id: 4, content: "", deleted: true }} mine={false} {...props} />
      </ol>,
    );
    expect(screen.getByText("(edited)")).toBeTruthy();
    expect(screen.getByText("This message was deleted.")).toBeTruthy();
  });

  it("offers editing and deleting only on my own messages, and says who has seen them", () => {
    const bo = { id: 5, full_name: "Bo" } as never;
    render(
      <ol>
        {
          <MessageItem
            message={{ ...base, content: "mine" }}
            mine
            latest
            {...props}
            seenBy={[5]}
            people={new Map([[5, bo]])}
          />
        }
      </ol>,
    );
    expect(screen.getByRole("button", { name: "Edit message: mine" })).toBeTruthy();
    expect(screen.getByText(/^Seen by/).textContent).toBe("Seen by Bo");
    const theirs = render(
      <ol>{<MessageItem message={{ ...base, id: 9, content: "theirs" }} mine={false} {...props} />}</ol>,
    );
    expect(theirs.queryByRole("button", { name: /(Edit|Delete) message: theirs/ })).toBeNull();
    expect(theirs.queryByRole("button", { name: "Remove message: theirs" })).toBeNull();
  });

  it("shows a message a superuser removed as removed by an administrator", () => {
    render(
      <ol>
        <MessageItem
          message={{ ...base, content: "", deleted: true, removed_by_admin: true }}
          mine={false}
          {...props}
        />
      </ol>,
    );
    expect(screen.getByText("Removed by an administrator.")).toBeTruthy();
    expect(screen.queryByText("This message was deleted.")).toBeNull();
  });

  it("lets a superuser remove someone else's message, after asking in the app's own dialog", () => {
    const onDelete = vi.fn(async () => {});
    render(
      <ol>
        <MessageItem message={{ ...base, content: "theirs" }} mine={false} {...props} onDelete={onDelete} moderator />
      </ol>,
    );
    expect(screen.queryByRole("button", { name: "Delete message: theirs" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Remove message: theirs" }));
    expect(onDelete).not.toHaveBeenCalled();
    const sure = screen.getByRole("dialog", { name: "Remove message" });
    fireEvent.click(within(sure).getByRole("button", { name: "Remove" }));
    expect(onDelete).toHaveBeenCalledWith(3);
  });

  it("shows a badge beside a bot's name, and none beside a person's", () => {
    const message = { ...base, content: "Deploy finished" };
    const bot = { id: 2, full_name: "Deploy Bot", avatar_url: "/a.png", is_bot: true } as never;
    const { container } = render(<ol>{<MessageItem message={message} mine={false} {...props} sender={bot} />}</ol>);
    expect(container.querySelector("li")?.textContent).toContain("Deploy BotBOT");
    expect(screen.getByTitle("A bot: an app posting for someone")).toBeTruthy();
    const person = render(<ol>{<MessageItem message={{ ...message, id: 7 }} mine={false} {...props} />}</ol>);
    expect(person.container.textContent).not.toContain("BOT");
  });
});

describe("OutgoingItem", () => {
  it("shows a failed send with its reason and a retry", () => {
    const onRetry = vi.fn();
    render(
      <ol>
        {
          <OutgoingItem
            item={{ client_id: "c1", content: "hi", status: "failed", problem: "Slow down." }}
            onRetry={onRetry}
            onDiscard={vi.fn()}
          />
        }
      </ol>,
    );
    expect(screen.getByRole("alert").textContent).toContain("Not sent: Slow down.");
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(onRetry).toHaveBeenCalled();
  });

  it("shows a send on its way as sending", () => {
    render(
      <ol>
        {
          <OutgoingItem
            item={{ client_id: "c1", content: "hi", status: "sending" }}
            onRetry={vi.fn()}
            onDiscard={vi.fn()}
          />
        }
      </ol>,
    );
    expect(screen.getByText("Sending…")).toBeTruthy();
  });
});

describe("signing in", () => {
  it("explains a wrong password, too many attempts and an unreachable server in plain words", () => {
    expect(
      signInProblem(new ApiError(401, "No active account found with the given credentials", "authentication_failed")),
    ).toMatch(/do not match/);
    expect(signInProblem(new ApiError(429, "Too many", "throttled"))).toMatch(/Too many attempts/);
    expect(signInProblem(new TypeError("Failed to fetch"))).toMatch(/Could not reach/);
  });
});
