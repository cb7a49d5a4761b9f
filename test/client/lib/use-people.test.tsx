import { render, screen } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { User } from "../../../client/lib/api";
import { usePeople } from "../../../client/lib/use-people";
import { fakeApi } from "../support/fake-api";
import { aUser } from "../support/people";
import { signedIn } from "../support/session";

function Names({ participants, senders }: { participants: User[]; senders: number[] }) {
  const people = usePeople(participants, senders);
  return (
    <ul>
      {senders.map((id) => (
        <li key={id}>{people.get(id)?.full_name ?? "Someone"}</li>
      ))}
    </ul>
  );
}

describe("usePeople", () => {
  it("names someone who left the room by looking them up once, for every conversation that shows them", async () => {
    const api = fakeApi();
    await signedIn(api);
    const ana = aUser({ first_name: "Ana" });
    const lea = aUser({ first_name: "Lea", last_name: "Left" });
    api.on("GET", `/profiles/${lea.id}`, { body: lea });
    render(
      <>
        <Names participants={[ana]} senders={[ana.id, lea.id, lea.id]} />
        <Names participants={[ana]} senders={[lea.id]} />
      </>,
    );
    expect(await screen.findAllByText("Lea Left")).toHaveLength(3);
    expect(screen.getByText("Ana")).toBeTruthy();
    expect(api.sent("GET", `/profiles/${lea.id}`)).toHaveLength(1);
  });

  it("asks nothing for people who are in the room", async () => {
    const api = fakeApi();
    await signedIn(api);
    const ana = aUser({ first_name: "Ana" });
    render(<Names participants={[ana]} senders={[ana.id]} />);
    expect(screen.getByText("Ana")).toBeTruthy();
    expect(api.requests).toEqual([]);
  });
});
