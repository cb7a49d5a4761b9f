import { describe, expect, it } from "vitest";
import { ipv6Groups, isPublicIPv4, isPublicIPv6, judgeHost } from "../../../core/link-previews/public-address";

/** The verdict on a link's host, judged as the URL parser leaves it. */
const verdictOn = (link: string, allowLoopback = false) => judgeHost(new URL(link).hostname, allowLoopback);
const refused = (link: string) => {
  const verdict = verdictOn(link);
  return verdict.kind === "refused" || (verdict.kind === "address" && !verdict.public);
};

describe("the link preview address guard", () => {
  it.each([
    "http://127.0.0.1/",
    "http://127.255.255.254/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://100.127.255.255/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.1/",
    "http://0.0.0.0/",
    "http://0.1.2.3/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
  ])("refuses %s", (link) => expect(refused(link)).toBe(true));

  it.each([
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://017700000001/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://example.com@127.0.0.1/",
    "http://user:pass@10.0.0.1:8080/",
  ])("refuses the loopback or private address hidden in %s", (link) => expect(refused(link)).toBe(true));

  it.each([
    "http://[::1]/",
    "http://[::]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::a00:1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[febf::1]/",
    "http://[ff02::1]/",
    "http://[2001:db8::1]/",
    "http://[2002:7f00:1::]/",
    "http://[2001::1]/",
  ])("refuses the IPv6 address %s", (link) => expect(refused(link)).toBe(true));

  it.each([
    "http://localhost/",
    "http://LOCALHOST./",
    "http://app.localhost/",
    "http://metadata.google.internal/",
    "http://printer.local/",
    "http://intranet/",
    "http://router.home.arpa/",
  ])("refuses the local name %s", (link) => expect(verdictOn(link).kind).toBe("refused"));

  it("lets public addresses through, and sends names to DNS", () => {
    for (const link of ["http://93.184.216.34/", "https://1.1.1.1/", "http://172.32.0.1/", "http://100.128.0.1/"])
      expect(verdictOn(link)).toEqual({ kind: "address", public: true });
    expect(verdictOn("http://[2606:4700:4700::1111]/")).toEqual({ kind: "address", public: true });
    expect(verdictOn("https://Example.COM./page")).toEqual({ kind: "name", name: "example.com" });
  });

  it("lets loopback through only with the tests' allowance, and nothing else private", () => {
    expect(verdictOn("http://127.0.0.1:1234/", true)).toEqual({ kind: "address", public: true });
    expect(verdictOn("http://[::1]/", true)).toEqual({ kind: "address", public: true });
    expect(verdictOn("http://10.0.0.1/", true)).toEqual({ kind: "address", public: false });
    expect(verdictOn("http://localhost/", true).kind).toBe("refused");
  });

  it("judges DNS answers alike", () => {
    expect(isPublicIPv4("8.8.8.8")).toBe(true);
    expect(isPublicIPv4("192.168.0.10")).toBe(false);
    expect(isPublicIPv4("999.1.1.1")).toBe(false);
    expect(isPublicIPv6("2a00:1450:4001::200e")).toBe(true);
    expect(isPublicIPv6("::ffff:8.8.8.8")).toBe(false);
    expect(ipv6Groups("1::2::3")).toBeNull();
    expect(ipv6Groups("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  });
});
