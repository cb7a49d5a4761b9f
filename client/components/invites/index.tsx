/**
 * Invite links, for whoever may make them: make one (how long it lasts, how many may use
 * it), copy it, show it as a QR code, and see and revoke the ones still out there. A
 * code is shown only when made: the server keeps its hash alone.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { answer, api } from "../../lib/api";
import { useFormAction } from "../../lib/use-form-action";
import { Dialog } from "../dialog";
import form from "../dialog/form.module.css";

type Invite = { id: string; expires_at: string; uses_left: number | null };

/** Draws a link as a QR code on a canvas, from its modules: the QR library loads only when one is shown. */
function QrCode({ text }: { text: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    void import("uqr").then(({ encode }) => {
      const { data, size } = encode(text, { border: 2 });
      const scale = 6;
      const target = canvas.current;
      const context = target?.getContext("2d");
      if (!target || !context) return;
      target.width = target.height = size * scale;
      context.fillStyle = "#fff";
      context.fillRect(0, 0, target.width, target.height);
      context.fillStyle = "#000";
      data.forEach((row, y) => {
        row.forEach((dark, x) => {
          if (dark) context.fillRect(x * scale, y * scale, scale, scale);
        });
      });
    });
  }, [text]);
  return <canvas ref={canvas} role="img" aria-label="QR code of the invite link" />;
}

export function Invites({ onClose }: { onClose: () => void }) {
  const [invites, setInvites] = useState<Invite[]>([]);
  const [made, setMade] = useState<{ url: string } | null>(null);
  const [days, setDays] = useState("7");
  const [uses, setUses] = useState("");
  const { problem, busy, run } = useFormAction();
  const reload = async () => setInvites(await answer(api.invites.$get()));
  useEffect(() => void run(reload), []);

  const create = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const invite = await answer(
        api.invites.$post({
          json: { expires_in: Math.round(Number(days) * 86_400), max_uses: uses ? Number(uses) : null },
        }),
      );
      setMade(invite);
      await reload();
    });
  };
  const revoke = (id: string) =>
    void run(async () => {
      await answer(api.invites[":code"].$delete({ param: { code: id } }));
      await reload();
    });

  return (
    <Dialog title="Invite people" onClose={onClose}>
      <form class={form.form} onSubmit={create} noValidate>
        <label>
          Lasts (days){" "}
          <input type="number" min="1" max="90" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        </label>
        {problem.fields.expires_in && <p class={form.fieldError}>{problem.fields.expires_in}</p>}
        <label>
          Uses (empty: no limit){" "}
          <input type="number" min="1" value={uses} onInput={(e) => setUses(e.currentTarget.value)} />
        </label>
        {problem.fields.max_uses && <p class={form.fieldError}>{problem.fields.max_uses}</p>}
        <button type="submit" class={`${form.button} ${form.primary}`} disabled={busy}>
          Make an invite link
        </button>
      </form>
      {made && (
        <div>
          <p>
            <input readOnly value={made.url} aria-label="Invite link" />{" "}
            <button type="button" class={form.button} onClick={() => void navigator.clipboard?.writeText(made.url)}>
              Copy link
            </button>
          </p>
          <QrCode text={made.url} />
        </div>
      )}
      <h3>Links still out there</h3>
      <ul>
        {invites.map((invite) => (
          <li key={invite.id}>
            Until {new Date(invite.expires_at).toLocaleString()},{" "}
            {invite.uses_left === null ? "no limit" : `${invite.uses_left} uses left`}{" "}
            <button type="button" class={form.button} disabled={busy} onClick={() => revoke(invite.id)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      {problem.message && (
        <p role="alert" class={form.alert}>
          {problem.message}
        </p>
      )}
    </Dialog>
  );
}

export default Invites;
