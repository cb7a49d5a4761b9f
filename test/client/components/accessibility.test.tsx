import { fireEvent, render, screen } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { Admin } from "../../../client/components/admin";
import { GroupDetails } from "../../../client/components/group-details";
import { NewGroup } from "../../../client/components/new-group";
import { Profile } from "../../../client/components/profile";
import { seriousViolations } from "../support/axe";
import { decodesPicturesAs } from "../support/canvas";
import { fakeApi } from "../support/fake-api";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada", is_superuser: true, is_online: true });
const bob = aUser({ username: "bob", first_name: "Bob", is_online: null });
const noop = () => undefined;

async function withApi() {
  const api = fakeApi();
  await signedIn(api);
  api.on("GET", "/profiles/get_available_users", { body: [bob] });
  api.on("GET", "/profiles", { body: { count: 2, next: null, previous: null, results: [me, bob] } });
  return api;
}

describe("the panels have no serious accessibility violations", () => {
  it("in the profile dialog while a picture is being framed", async () => {
    await withApi();
    decodesPicturesAs(600, 400);
    render(<Profile me={me} onChanged={noop} onClose={noop} />);
    const input = screen.getByLabelText("Choose a new picture") as HTMLInputElement;
    Object.defineProperty(input, "files", { value: [new File([new Uint8Array(4)], "a.png", { type: "image/png" })] });
    fireEvent.change(input);
    await screen.findByRole("group", { name: /Picture framing/ });
    expect(await seriousViolations()).toEqual([]);
  });

  it("on the admin page with a password reset open", async () => {
    await withApi();
    render(<Admin me={me} />);
    fireEvent.click(await screen.findByRole("button", { name: "Reset password: bob" }));
    expect(await seriousViolations()).toEqual([]);
  });

  it("in the new group dialog with search results and a chosen person", async () => {
    await withApi();
    render(<NewGroup onCreated={noop} onClose={noop} />);
    fireEvent.input(screen.getByLabelText("Add people"), { target: { value: "b" } });
    fireEvent.click(await screen.findByRole("button", { name: "Add Bob" }));
    fireEvent.input(screen.getByLabelText("Add people"), { target: { value: "bo" } });
    await screen.findByRole("list", { name: "Matching people" });
    expect(await seriousViolations()).toEqual([]);
  });

  it("in the group details dialog as its owner", async () => {
    await withApi();
    render(
      <GroupDetails
        room={aRoom({ participants: [me, bob], created_by: me.id })}
        me={me}
        onChanged={noop}
        onLeft={noop}
        onClose={noop}
      />,
    );
    expect(await seriousViolations()).toEqual([]);
  });
});
