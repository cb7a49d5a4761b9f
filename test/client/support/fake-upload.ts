/**
 * XMLHttpRequest for component tests: uploads go nowhere; the test reports progress and
 * answers them itself, as a slow network would, one step at a time.
 */
import { vi } from "vitest";

type Listener = (event: ProgressEvent) => void;

export class FakeUpload {
  static sent: FakeUpload[] = [];
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: Document | XMLHttpRequestBodyInit | null = null;
  status = 0;
  responseText = "";
  readonly upload: { onprogress: Listener | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  send(body: Document | XMLHttpRequestBodyInit | null) {
    this.body = body;
    FakeUpload.sent.push(this);
  }
  abort() {
    this.onabort?.();
  }

  /** Reports that `loaded` of `total` bytes went out. */
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
  /** Answers the upload. */
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
  /** The network failed. */
  fail() {
    this.onerror?.();
  }
}

/** Replaces XMLHttpRequest for the current test; `FakeUpload.sent` lists the uploads. */
export function fakeUploads() {
  FakeUpload.sent = [];
  vi.stubGlobal("XMLHttpRequest", FakeUpload);
  return FakeUpload.sent;
}
