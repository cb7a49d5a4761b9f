import { render, screen } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { MessageItem } from "../../../client/components/conversation/message-item";
import { LinkPreviews } from "../../../client/components/link-preview";

const PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

describe("LinkPreviews", () => {
  it("shows the site, the title as a safe link and the description", () => {
    render(
      <LinkPreviews
        previews={[
          {
            url: "https://example.com/lunch",
            title: "Lunch & Learn",
            description: "Every Friday.",
            image_url: null,
            site_name: "Office",
          },
        ]}
      />,
    );
    const link = screen.getByRole("link", { name: "Lunch & Learn" }) as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("https://example.com/lunch");
    expect(link.rel).toBe("noopener noreferrer nofollow");
    expect(link.target).toBe("_blank");
    expect(screen.getByText("Office")).toBeTruthy();
    expect(screen.getByText("Every Friday.")).toBeTruthy();
  });

  it("shows titles, descriptions and site names full of markup as text, and no card for another scheme", () => {
    const { container } = render(
      <LinkPreviews
        previews={[
          { url: "https://example.com/", title: PAYLOAD, description: PAYLOAD, image_url: null, site_name: PAYLOAD },
          { url: "javascript:alert(1)", title: "bad", description: null, image_url: null, site_name: null },
        ]}
      />,
    );
    expect(container.querySelector("img, script")).toBeNull();
    expect(screen.getAllByText(PAYLOAD)).toHaveLength(3);
    expect(screen.queryByText("bad")).toBeNull();
  });

  it("shows the page's picture from our own link, sized and lazy, and never one from elsewhere", () => {
    const { container } = render(
      <LinkPreviews
        previews={[
          {
            url: "https://example.com/lunch",
            title: "Lunch",
            description: null,
            image_url: "/api/v1/rooms/1/attachments/abc/?expires=1&signature=s",
            image_width: 640,
            image_height: 320,
            site_name: null,
          },
          {
            url: "https://example.com/elsewhere",
            title: "Elsewhere",
            description: null,
            image_url: "https://tracker.example/pixel.png",
            site_name: null,
          },
        ]}
      />,
    );
    const images = container.querySelectorAll("img");
    expect(images).toHaveLength(1);
    const [image] = images;
    expect(image.getAttribute("src")).toBe("/api/v1/rooms/1/attachments/abc/?expires=1&signature=s");
    expect(image.getAttribute("loading")).toBe("lazy");
    expect([image.getAttribute("width"), image.getAttribute("height")]).toEqual(["640", "320"]);
    expect(image.alt).toBe("");
  });

  it("appears under a message that has previews", () => {
    const message = {
      id: 3,
      room: 1,
      sender: 2,
      timestamp: "2026-01-01T12:00:00.000Z",
      content: "see https://example.com/",
      edited_at: null,
      deleted: false,
      previews: [
        { url: "https://example.com/", title: "Example", description: null, image_url: null, site_name: null },
      ],
    };
    render(
      <ol>
        <MessageItem
          message={message}
          sender={undefined}
          mine={false}
          first
          seenBy={[]}
          onEdit={vi.fn()}
          onDelete={vi.fn()}
        />
      </ol>,
    );
    expect(screen.getByRole("list", { name: "Link previews" }).textContent).toContain("example.com");
    expect(screen.getByRole("link", { name: "Example" })).toBeTruthy();
  });
});
