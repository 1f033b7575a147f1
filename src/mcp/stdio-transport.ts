/**
 * The SDK's stdio transport with its writes taken one at a time. Its `send` waits for 'drain'
 * whenever stdout's buffer is full, with a listener of its own per message: 2,000 concurrent
 * tool calls answering at once put hundreds of 'drain' listeners on stdout
 * (MaxListenersExceededWarning on stderr, and a wake-up of every one at each drain). Chained,
 * at most one message waits for the pipe; the order of messages is the order of the calls, as
 * before.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export class SerialStdioServerTransport extends StdioServerTransport {
  #tail: Promise<void> = Promise.resolve();

  override send(message: JSONRPCMessage): Promise<void> {
    const sent = this.#tail.then(() => super.send(message));
    this.#tail = sent.catch(() => {});
    return sent;
  }
}
