/**
 * The DeepResolve Jupyter kernel: the Jupyter messaging protocol (5.3) over ZeroMQ, in front of
 * the same cell runner, magics, session and analysis worker as the VS Code kernel. Cells run one
 * after another from a queue; everything heavy runs in the worker thread, so this thread keeps
 * answering — heartbeat, interrupt and shutdown on the control channel, completion and
 * inspection while a cell runs. An interrupt stops the running cell within a second (the worker
 * client terminates a worker that does not stop by itself) and the kernel stays usable.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Publisher, Reply, Router } from 'zeromq';
import { internalErrorDetails, internalErrorLine, oneLine } from '../engine/errors';
import { TOOL_VERSION } from '../engine/version';
import { runCell, type CellFailure } from '../notebook/run-cell';
import { magicActivity } from '../notebook/run-magic';
import { Session } from '../notebook/session';
import type { WorkerClient } from '../worker/client';
import { CellDisplay, errorContent } from './cell-display';
import { endpoint, type Channel, type Connection } from './connection';
import { completeReply, inspectReply, isCompleteReply } from './language';
import { decode, encode, newMessage, PROTOCOL_VERSION, Signer, type Message } from './protocol';
import { LANGUAGE_INFO } from './spec';

export interface KernelOptions {
  connection: Connection;
  client: Pick<WorkerClient, 'run' | 'dispose'>;
  /** Where relative paths start: the notebook's folder (Jupyter starts kernels there). */
  folder: string;
  /** The notebook's name for messages (Jupyter Server sets JPY_SESSION_NAME to its path). */
  notebook?: string;
  log?: (line: string) => void;
}

type Sendable = { send(frames: Buffer[]): Promise<void> };

/** ZeroMQ allows one send in flight per socket: sends wait their turn, in order. */
class Outbox {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly socket: Sendable,
    private readonly log: (line: string) => void,
  ) {}

  /** Set when the socket is about to close: later sends (a cell ending after shutdown) are dropped. */
  closed = false;

  send(frames: Buffer[]): Promise<void> {
    if (this.closed) return this.chain;
    this.chain = this.chain.then(() => this.socket.send(frames)).catch((err: Error) => this.log(`send failed: ${err.message}`));
    return this.chain;
  }

  /** Resolves once every send so far has been handed to ZeroMQ. */
  flush(): Promise<void> {
    return this.chain;
  }
}

/** Time given to the last messages (shutdown_reply) to leave before the sockets close. */
const LINGER_MS = 1000;

export class Kernel {
  /** This kernel's session id in message headers. */
  private readonly id = randomUUID();
  private readonly signer: Signer;
  private readonly log: (line: string) => void;
  private readonly shell = new Router({ linger: LINGER_MS });
  private readonly control = new Router({ linger: LINGER_MS });
  private readonly stdin = new Router({ linger: LINGER_MS });
  private readonly iopub = new Publisher({ linger: LINGER_MS });
  private readonly hb = new Reply({ linger: 0 });
  private readonly out: Record<'shell' | 'control' | 'stdin' | 'iopub', Outbox>;
  /** The notebook's magic session: its models, results and backend. */
  readonly session: Session;
  private count = 0;
  private readonly queue: Message[] = [];
  private draining = false;
  private running?: { message: Message; abort: AbortController };
  /** A question on the stdin channel waiting for its input_reply. */
  private asking?: (value: string | undefined) => void;
  private stopping = false;
  private done!: () => void;
  /** Resolves once the kernel has shut down (shutdown_request, or stop()). */
  readonly stopped = new Promise<void>((resolve) => (this.done = resolve));

  constructor(private readonly options: KernelOptions) {
    this.signer = new Signer(options.connection.signatureScheme, options.connection.key);
    this.log = options.log ?? (() => undefined);
    this.session = new Session(options.folder);
    this.out = {
      shell: new Outbox(this.shell, this.log),
      control: new Outbox(this.control, this.log),
      stdin: new Outbox(this.stdin, this.log),
      iopub: new Outbox(this.iopub, this.log),
    };
  }

  private get notebook(): string {
    return this.options.notebook ? path.basename(this.options.notebook) : 'the notebook';
  }

  async start(): Promise<void> {
    const c = this.options.connection;
    const sockets: [Channel, { bind(address: string): Promise<void> }][] = [
      ['shell', this.shell],
      ['control', this.control],
      ['stdin', this.stdin],
      ['iopub', this.iopub],
      ['hb', this.hb],
    ];
    for (const [channel, socket] of sockets) await socket.bind(endpoint(c, channel));
    void this.listen('shell', this.shell, (m) => this.onShell(m));
    void this.listen('control', this.control, (m) => this.onControl(m));
    void this.listen('stdin', this.stdin, (m) => this.onStdin(m));
    void this.heartbeat();
    this.status('starting');
    this.log(`DeepResolve kernel ${TOOL_VERSION} listening on ${endpoint(c, 'shell')} (protocol ${PROTOCOL_VERSION}, folder ${this.options.folder})`);
  }

  private async listen(channel: string, socket: Router, handle: (m: Message) => void | Promise<void>) {
    try {
      for await (const frames of socket) {
        const decoded = decode(frames, this.signer);
        if (!decoded.ok) {
          this.log(`${channel}: message ignored: ${decoded.reason}`);
          continue;
        }
        try {
          await handle(decoded.message);
        } catch (err) {
          // A bug in a handler: one line, the stack only with DEEPRESOLVE_DEBUG=1 (errors.ts).
          this.log(`${channel}: ${decoded.message.header.msg_type} failed: ${internalErrorDetails(err) ?? oneLine(err)}`);
        }
      }
    } catch (err) {
      if (!this.stopping) this.log(`${channel}: stopped listening: ${(err as Error).message}`);
    }
  }

  /** Echoes heartbeat pings (the front end's check that the kernel is alive). */
  private async heartbeat() {
    try {
      for await (const frames of this.hb) await this.hb.send(frames);
    } catch (err) {
      if (!this.stopping) this.log(`heartbeat stopped: ${(err as Error).message}`);
    }
  }

  private publish(msgType: string, content: Record<string, unknown>, parent?: Message) {
    const m = newMessage(this.id, msgType, content, parent, [Buffer.from(`kernel.${this.id}.${msgType}`)]);
    void this.out.iopub.send(encode(m, this.signer));
  }

  private status(state: 'starting' | 'busy' | 'idle', parent?: Message) {
    this.publish('status', { execution_state: state }, parent);
  }

  private reply(channel: 'shell' | 'control' | 'stdin', parent: Message, msgType: string, content: Record<string, unknown>) {
    return this.out[channel].send(encode(newMessage(this.id, msgType, content, parent), this.signer));
  }

  /**
   * A request answered at once, between busy and idle. Answered while a cell runs, the idle would
   * make the front end show the kernel as idle: busy is said again for the running cell.
   */
  private async answer(channel: 'shell' | 'control', m: Message, msgType: string, content: Record<string, unknown>) {
    this.status('busy', m);
    await this.reply(channel, m, msgType, content);
    this.status('idle', m);
    if (this.running && this.running.message !== m) this.status('busy', this.running.message);
  }

  private kernelInfo() {
    return {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: 'deepresolve',
      implementation_version: TOOL_VERSION,
      language_info: LANGUAGE_INFO,
      banner: `DeepResolve ${TOOL_VERSION}: feature analysis of DNA-sequence models with magics (%help lists them)`,
      help_links: [],
      debugger: false,
    };
  }

  private async onShell(m: Message) {
    const c = m.content;
    switch (m.header.msg_type) {
      case 'execute_request':
        this.queue.push(m);
        if (!this.draining) void this.drain();
        return;
      case 'kernel_info_request':
        return this.answer('shell', m, 'kernel_info_reply', this.kernelInfo());
      case 'complete_request':
        return this.answer('shell', m, 'complete_reply', completeReply(String(c.code ?? ''), Number(c.cursor_pos ?? 0), this.session));
      case 'inspect_request':
        return this.answer('shell', m, 'inspect_reply', inspectReply(String(c.code ?? ''), Number(c.cursor_pos ?? 0)));
      case 'is_complete_request':
        return this.answer('shell', m, 'is_complete_reply', isCompleteReply(String(c.code ?? '')));
      case 'history_request':
        return this.answer('shell', m, 'history_reply', { status: 'ok', history: [] });
      case 'comm_info_request':
        return this.answer('shell', m, 'comm_info_reply', { status: 'ok', comms: {} });
      case 'comm_open':
        // No comm targets (widgets): closed at once, as ipykernel does for an unknown target.
        this.publish('comm_close', { comm_id: c.comm_id, data: {} }, m);
        return;
      case 'comm_msg':
      case 'comm_close':
        return;
      case 'shutdown_request':
        return this.shutdown('shell', m);
      default:
        this.log(`shell: ${m.header.msg_type} is not supported; ignored`);
    }
  }

  private async onControl(m: Message) {
    switch (m.header.msg_type) {
      case 'interrupt_request':
        this.interrupt();
        return this.answer('control', m, 'interrupt_reply', { status: 'ok' });
      case 'shutdown_request':
        return this.shutdown('control', m);
      case 'kernel_info_request':
        return this.answer('control', m, 'kernel_info_reply', this.kernelInfo());
      default:
        this.log(`control: ${m.header.msg_type} is not supported; ignored`);
    }
  }

  private onStdin(m: Message) {
    if (m.header.msg_type !== 'input_reply') return;
    const ask = this.asking;
    this.asking = undefined;
    ask?.(typeof m.content.value === 'string' ? m.content.value : '');
  }

  /** Stops the running cell (interrupt_request or SIGINT); queued cells are then aborted. */
  interrupt(): void {
    if (!this.running) return;
    this.log(`interrupt: stopping In [${this.count}]`);
    this.running.abort.abort();
  }

  private async drain() {
    this.draining = true;
    try {
      for (let m = this.queue.shift(); m && !this.stopping; m = this.queue.shift()) await this.execute(m);
    } finally {
      this.draining = false;
    }
  }

  private async execute(m: Message) {
    const c = m.content;
    const code = typeof c.code === 'string' ? c.code : '';
    const silent = c.silent === true;
    // As IPython: only stored, non-blank executions count.
    if (!silent && c.store_history !== false && code.trim() !== '') this.count++;
    const count = this.count;
    this.status('busy', m);
    if (!silent) this.publish('execute_input', { code, execution_count: count }, m);
    const abort = new AbortController();
    this.running = { message: m, abort };
    const display = new CellDisplay((type, content) => !silent && this.publish(type, content, m));
    let failure: CellFailure | undefined;
    try {
      failure = await runCell(
        code,
        {
          session: this.session,
          client: this.options.client,
          defaults: {},
          signal: abort.signal,
          log: this.log,
          writeFolders: [this.session.folder],
          // A write outside the notebook's folder is asked on the stdin channel when the front end allows it.
          confirmWrite: c.allow_stdin === true ? (file, why) => this.confirm(m, file, why, abort.signal) : undefined,
          activity: (call) => magicActivity(call, count - 1, this.notebook),
          where: `${this.notebook}, In [${count}]`,
        },
        display.hooks,
      );
    } catch (err) {
      // A front-end bug (the runner itself catches the magics' errors).
      const activity = { doing: `showing the outputs of In [${count}] of`, file: this.notebook };
      failure = { kind: 'internal', name: 'DeepResolve', message: internalErrorLine(err, activity), activity, details: internalErrorDetails(err) };
    } finally {
      this.running = undefined;
    }
    if (failure) {
      if (failure.kind === 'internal') this.log(failure.details ? `${failure.message}\n${failure.details}` : failure.message);
      display.fail(failure);
      await this.reply('shell', m, 'execute_reply', { status: 'error', execution_count: count, ...errorContent(failure) });
      this.status('idle', m);
      // As ipykernel: cells queued behind a failed one do not run (unless the front end said otherwise).
      if (c.stop_on_error !== false) await this.abortQueued();
      return;
    }
    await this.reply('shell', m, 'execute_reply', { status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
    this.status('idle', m);
  }

  private async abortQueued() {
    for (const q of this.queue.splice(0)) {
      this.status('busy', q);
      await this.reply('shell', q, 'execute_reply', { status: 'aborted', execution_count: this.count });
      this.status('idle', q);
    }
  }

  /** Asks the front end (input_request) whether to write outside the notebook's folder. */
  private async confirm(parent: Message, file: string, why: string, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const answer = new Promise<string | undefined>((resolve) => {
      this.asking = resolve;
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    await this.reply('stdin', parent, 'input_request', { prompt: `DeepResolve: ${why}. Write ${file}? [y/N] `, password: false });
    const value = await answer;
    this.asking = undefined;
    return value !== undefined && /^\s*y(es)?\s*$/i.test(value);
  }

  private async shutdown(channel: 'shell' | 'control', m: Message) {
    const restart = m.content.restart === true;
    this.status('busy', m);
    await this.reply(channel, m, 'shutdown_reply', { status: 'ok', restart });
    // Other front ends on the same kernel learn of it too.
    this.publish('shutdown_reply', { status: 'ok', restart }, m);
    this.status('idle', m);
    await this.stop();
  }

  /** Stops the running cell and the worker, closes the sockets (pending messages leave first). */
  async stop(): Promise<void> {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    this.running?.abort.abort();
    this.asking?.(undefined);
    await this.options.client.dispose();
    // Let the last sends reach ZeroMQ before closing (closing then waits up to LINGER_MS for them).
    await Promise.all(Object.values(this.out).map((o) => o.flush()));
    for (const o of Object.values(this.out)) o.closed = true;
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
    this.log('DeepResolve kernel stopped');
    this.done();
  }
}
