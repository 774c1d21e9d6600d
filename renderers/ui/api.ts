/**
 * The few parts of VS Code's notebook renderer API (vscode-notebook-renderer) this renderer uses,
 * declared here instead of adding @types/vscode-notebook-renderer.
 */
export interface OutputItem {
  readonly id: string;
  readonly mime: string;
  readonly metadata?: unknown;
  text(): string;
  json(): unknown;
  data(): Uint8Array;
}

export interface RendererContext<TState = unknown> {
  getState?(): TState | undefined;
  setState?(state: TState): void;
  readonly workspace?: { readonly isTrusted: boolean };
  readonly settings?: { readonly lineLimit?: number };
}

export interface RendererApi {
  renderOutputItem(outputItem: OutputItem, element: HTMLElement, signal?: AbortSignal): void | Promise<void>;
  disposeOutputItem?(id?: string): void;
}

export type ActivationFunction = (context: RendererContext) => RendererApi;
