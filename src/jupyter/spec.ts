/**
 * What Jupyter knows the kernel by: its kernel spec name (the notebooks the VS Code extension
 * saves name it in metadata.kernelspec, so Jupyter picks this kernel for them), display name and
 * cell language, and the language_info its kernel_info_reply gives.
 */
import { TOOL_VERSION } from '../engine/version';

export const KERNEL_NAME = 'deepresolve';
export const DISPLAY_NAME = 'DeepResolve';
/** The cells' language in Jupyter (kernel.json and language_info). VS Code's own language is 'deepresolve'. */
export const JUPYTER_LANGUAGE = 'deepresolve-magic';

export const LANGUAGE_INFO = {
  name: JUPYTER_LANGUAGE,
  version: TOOL_VERSION,
  mimetype: 'text/x-deepresolve-magic',
  file_extension: '.magic',
  // Magic lines read like shell commands: words, --options, # comments.
  codemirror_mode: 'shell',
  pygments_lexer: 'bash',
};
