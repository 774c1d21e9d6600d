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

/**
 * A notebook's metadata for this kernel (CLI notebooks, "Resolve features", any notebook the VS
 * Code kernel runs): the kernelspec Jupyter starts it by, and language_info naming VS Code's
 * language for the cells ('deepresolve': grammar, completions), with the Jupyter kernel's
 * highlighting hints; a Jupyter run replaces language_info with its own.
 */
export function notebookMetadata() {
  return {
    kernelspec: { name: KERNEL_NAME, display_name: DISPLAY_NAME, language: JUPYTER_LANGUAGE },
    language_info: { ...LANGUAGE_INFO, name: 'deepresolve' },
  };
}
