/** The bench's report as Markdown tables, ready for the README's performance section. */
import type { BenchReport } from "../bench.ts";
import { totals } from "./cost.ts";

const number = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";
const percent = (ratio: number) => `${number(ratio * 100, 1)}%`;

function table(head: string[], rows: (string | number)[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

export function printReport(report: BenchReport) {
  const lines: string[] = [
    `\nCondor Chat bench, ${report.at}: wrangler dev, X_LOCAL_OBSERVABILITY=false, medians of ${report.repeats} repeat(s).`,
  ];
  if (report.fanOut) {
    const f = report.fanOut;
    const ratio = (ours: number, theirs: number) => percent(ours / theirs);
    lines.push(
      `\nFan-out over WebSockets: throughput (${f.throughputMessages} messages a run, next sent on ack; deliveries/s over all receivers), ` +
        "against three baselines in the same run: a bare Durable Object relay under the same wrangler dev, the same object committing each frame to its SQLite first, and a `ws` relay in Node.\n",
      table(
        [
          "room",
          "condor deliveries/s",
          "bare object",
          "committing object",
          "ws relay",
          "condor / bare",
          "condor / committing",
          "condor / relay",
          "lost / dup / reordered / errors",
        ],
        f.rooms.map(({ members, summary: s }) => [
          members,
          number(s.condor.perSecond),
          number(s.bare.perSecond),
          number(s.committing.perSecond),
          number(s.relay.perSecond),
          ratio(s.condor.perSecond, s.bare.perSecond),
          ratio(s.condor.perSecond, s.committing.perSecond),
          ratio(s.condor.perSecond, s.relay.perSecond),
          `${s.lost} / ${s.duplicated} / ${s.reordered} / ${s.errors}`,
        ]),
      ),
      `\nLatency at a steady ${f.latencyPerSecond} messages/s for ${f.latencySeconds} s, and the server's CPU per message in the throughput runs.\n`,
      table(
        [
          "room",
          "condor p50 / p95 / p99 / max ms",
          "p99 ms bare / committing / relay",
          "p99 condor / bare",
          "CPU ms a message: condor / bare / committing / relay",
          "CPU condor / bare",
        ],
        f.rooms.map(({ members, summary: s }) => [
          members,
          `${number(s.condor.latencyMs.p50, 1)} / ${number(s.condor.latencyMs.p95, 1)} / ${number(s.condor.latencyMs.p99, 1)} / ${number(s.condor.latencyMs.max, 1)}`,
          `${number(s.bare.latencyMs.p99, 1)} / ${number(s.committing.latencyMs.p99, 1)} / ${number(s.relay.latencyMs.p99, 1)}`,
          `${number(s.condor.latencyMs.p99 / s.bare.latencyMs.p99, 1)}x`,
          `${number(s.condor.cpuMsPerMessage, 2)} / ${number(s.bare.cpuMsPerMessage, 2)} / ${number(s.committing.cpuMsPerMessage, 2)} / ${number(s.relay.cpuMsPerMessage, 2)}`,
          `${number(s.condor.cpuMsPerMessage / s.bare.cpuMsPerMessage, 1)}x`,
        ]),
      ),
    );
  }
  if (report.rest) {
    const r = report.rest;
    lines.push(
      `\nREST with autocannon (${r.connections} connections, ${r.seconds} s a route a repeat); ratio = requests/s over the worker's floor in the same run; ` +
        "the original's requests/s are its own code's, measured on this machine on 2026-11-30 (see rest.ts).\n",
      table(
        [
          "route",
          "requests/s",
          "p50 ms",
          "p99 ms",
          "of floor",
          "original requests/s",
          "ours / original",
          "non-2xx / errors",
        ],
        r.routes.map(({ name, summary: s }) => [
          name,
          number(s.requestsPerSecond),
          number(s.p50Ms),
          number(s.p99Ms),
          percent(s.ratio),
          s.original === undefined ? "-" : number(s.original, 1),
          s.original === undefined ? "-" : `${number(s.requestsPerSecond / s.original, 1)}x`,
          s.notOk,
        ]),
      ),
      `\nsend_message_to_user's answer: ${r.dmAnswer.before.bytes} bytes (${r.dmAnswer.before.messages} messages) with ${r.dmAnswer.historyBefore} in the DM, ` +
        `${r.dmAnswer.after.bytes} bytes (${r.dmAnswer.after.messages} messages) with ${r.dmAnswer.historyAfter}.`,
    );
  }
  if (report.page) {
    const { signInPage: a, untilUsable: b } = report.page;
    lines.push(
      "\nFirst load in Chromium (gzip -9 of what was downloaded).\n",
      table(
        ["until", "requests", "JS gzipped", "CSS gzipped", "files (JS / CSS)", "WebSockets"],
        [
          [
            "sign-in form shown",
            a.requests,
            `${number(a.jsGzipBytes / 1024, 1)} KB`,
            `${number(a.cssGzipBytes / 1024, 1)} KB`,
            `${a.jsFiles} / ${a.cssFiles}`,
            a.sockets,
          ],
          [
            "signed in, network quiet",
            b.requests,
            `${number(b.jsGzipBytes / 1024, 1)} KB`,
            `${number(b.cssGzipBytes / 1024, 1)} KB`,
            `${b.jsFiles} / ${b.cssFiles}`,
            b.sockets,
          ],
        ],
      ),
    );
  }
  if (report.cost) {
    lines.push(
      "\nCost per message (counting build).\n",
      table(
        [
          "how the message came",
          "messages",
          "D1 round trips",
          "D1 statements",
          "D1 ms waited",
          "DO requests",
          "Upstash commands",
        ],
        report.cost.scenarios.map((s) => {
          const t = totals(s.perMessage);
          return [
            s.name,
            s.messages,
            number(t.d1RoundTrips, 2),
            number(t.d1Statements, 2),
            number(t.d1MsWaited, 1),
            number(t.doRequests, 2),
            number(t.upstashCommands, 2),
          ];
        }),
      ),
    );
    for (const s of report.cost.scenarios) {
      lines.push(`\n${s.name}, per message:`);
      for (const [what, n] of Object.entries(s.perMessage))
        lines.push(`  ${number(n, 3).padStart(7)}  ${what.replace(/\s+/g, " ").slice(0, 200)}`);
    }
  }
  if (report.scale) {
    const sc = report.scale;
    const tables = Object.keys(sc.d1After.rows);
    lines.push(
      `\nScale: ${sc.rooms} rooms x ${sc.messagesPerRoom} messages over sockets in ${number(sc.sendSeconds, 1)} s; D1 before and after.\n`,
      table(
        ["D1", "before", "after"],
        [
          ...tables.map((name) => [name, number(sc.d1Before.rows[name] ?? 0), number(sc.d1After.rows[name])]),
          ["bytes on disk", number(sc.d1Before.bytes), number(sc.d1After.bytes)],
        ],
      ),
      "\nGET /api/v1/rooms/ (ms)\n",
      table(
        ["member of", "p50", "p99"],
        [
          ["1 room", number(sc.roomList.oneRoom.p50, 1), number(sc.roomList.oneRoom.p99, 1)],
          [`${sc.rooms} rooms`, number(sc.roomList.allRooms.p50, 1), number(sc.roomList.allRooms.p99, 1)],
        ],
      ),
    );
  }
  if (report.push) {
    const p = report.push;
    const [w, o] = [p.summary.withPush, p.summary.without];
    lines.push(
      `\nFan-out with Web Push: rooms of ${p.connected + p.subscribed}, ${p.connected} members on sockets sending and receiving, ` +
        `${p.subscribed} more with no socket open: subscribed to a loopback push service (level "everything"), or not. ` +
        `Throughput over ${p.throughputMessages} messages; p99 and pushes at ${p.latencyPerSecond} messages/s for ${p.latencySeconds} s.\n`,
      table(
        ["room", "deliveries/s", "p99 ms", "pushes a message (steady / flat out)", "p99 ms commit to push service"],
        [
          [
            `${p.subscribed} subscriptions`,
            number(w.perSecond),
            number(w.p99Ms, 1),
            `${number(w.pushesPerMessage, 2)} / ${number(w.pushesPerMessageFlatOut, 2)}`,
            number(w.pushDelayP99Ms),
          ],
          ["none", number(o.perSecond), number(o.p99Ms, 1), "-", "-"],
          ["with / without", percent(w.perSecond / o.perSecond), percent(w.p99Ms / o.p99Ms), "", ""],
        ],
      ),
    );
  }
  if (report.search) {
    const s = report.search;
    lines.push(
      `\nSearch (GET /api/v1/search/, default page of 20): rooms of ${number(s.messagesPerRoom)} messages each, seeded over sockets ` +
        `in ${number(s.seedSeconds, 1)} s (${number(s.seedMessagesPerSecond)} messages/s); ${s.searchesPerQuery} searches of each of ` +
        `${s.queries.map((q) => `\`${q}\``).join(", ")}, one at a time.\n`,
      table(
        ["member of", "p50 ms", "p99 ms", "results a search"],
        s.members.map((m) => [
          `${m.rooms} room${m.rooms === 1 ? "" : "s"}`,
          number(m.summary.p50Ms, 1),
          number(m.summary.p99Ms, 1),
          number(m.summary.resultsPerSearch, 1),
        ]),
      ),
    );
  }
  if (report.upload) {
    const u = report.upload;
    lines.push(
      `\nUpload of a ${u.mebibytes} MiB file (MB/s, 10^6 bytes): through POST /api/v1/rooms/{id}/attachments/ vs a plain R2 put in the same run.\n`,
      table(
        ["route MB/s", "plain R2 put MB/s", "route / put"],
        [[number(u.summary.routeMBps, 1), number(u.summary.r2PutMBps, 1), percent(u.summary.ratio)]],
      ),
    );
  }
  if (report.profile) {
    const p = report.profile;
    lines.push(
      `\nCPU profile of the worker's isolate: a room of 10 sending ${p.messages} messages (${number(p.deliveriesPerSecond)} deliveries/s while profiled); share of the samples.\n`,
      table(
        ["self %", "where the sample was taken", "inclusive %", "on the stack"],
        p.self.map((row, i) => [
          number(row.percent, 1),
          row.fn,
          number(p.inclusive[i]?.percent ?? 0, 1),
          p.inclusive[i]?.fn ?? "",
        ]),
      ),
    );
  }
  console.log(lines.join("\n"));
}
