/**
 * The conversation pane as the component tests open it: rendered with callbacks that do
 * nothing unless a test gives its own, and its room's socket welcomed and caught up.
 */
import { act, render } from "@testing-library/preact";
import type { ComponentProps } from "preact";
import { Conversation } from "../../../client/components/conversation";
import type { Room, User } from "../../../client/lib/api";
import { socketFor } from "./fake-sockets";

const noop = () => {};

export function renderConversation(room: Room, me: User, props: Partial<ComponentProps<typeof Conversation>> = {}) {
  return render(
    <Conversation
      room={room}
      me={me}
      hidden={false}
      onBack={noop}
      onDetails={noop}
      onMessage={noop}
      onMembersChanged={noop}
      onRead={noop}
      {...props}
    />,
  );
}

/** The room's socket, opened and caught up to `lastId`, with these read positions. */
export async function catchUp(room: Room, me: User, lastId: number, reads: Record<number, number> = {}) {
  const socket = await socketFor(`/api/v1/rooms/${room.id}/socket/`);
  act(() => {
    socket.open();
    socket.receive({ type: "welcome", room: room.id, you: me.id, reads });
    socket.receive({ type: "caught_up", last_id: lastId, has_more: false });
  });
  return socket;
}
