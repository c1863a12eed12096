// HttpTransport: one GraphQL operation as one POST /graphql with the API key, answered with its data or a TesseraError.

import { type Document, operationOf } from "./documents";
import { type GraphQLErrorBody, TesseraError } from "./tessera-error";

export interface HttpTransportOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly fetch: typeof fetch;
  /** Sent as `x-actor`: whom change records name (SPEC §13; the key's name when absent). */
  readonly actor: string | null;
  /**
   * "text": the operation's text (any server; the compiled fast path knows it after the first request).
   * "id": only its manifest id, as `documentId` (a server with TRUSTED_DOCUMENTS, smaller requests).
   */
  readonly send: "text" | "id";
}

interface Answer {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly GraphQLErrorBody[];
}

export class HttpTransport {
  constructor(private readonly options: HttpTransportOptions) {}

  async execute<TResult, TVariables>(document: Document<TResult, TVariables>, variables: TVariables, requestId?: string): Promise<TResult> {
    const { id, text } = operationOf(document);
    const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${this.options.apiKey}` };
    if (this.options.actor !== null) headers["x-actor"] = this.options.actor;
    if (requestId !== undefined) headers["x-request-id"] = requestId;
    const body = this.options.send === "id" ? { documentId: id, variables } : { query: text, variables };
    let response: Response;
    try {
      response = await this.options.fetch(this.options.url, { method: "POST", headers, body: JSON.stringify(body) });
    } catch (error) {
      throw new TesseraError("NETWORK", `cannot reach ${this.options.url}: ${(error as Error).message}`);
    }
    const raw = await response.text();
    let answer: Answer;
    try {
      answer = JSON.parse(raw) as Answer;
    } catch {
      throw new TesseraError("BAD_RESPONSE", `HTTP ${response.status}: the answer is not JSON (${raw.slice(0, 100)})`, null, response.status);
    }
    if (answer.errors !== undefined && answer.errors.length > 0) throw TesseraError.fromErrors(answer.errors, response.status);
    if (answer.data == null) throw new TesseraError("BAD_RESPONSE", `HTTP ${response.status}: the answer has neither data nor errors`, null, response.status);
    return answer.data as TResult;
  }
}
