/** The cells of the notebook that "Resolve features" opens for a model (pure, tested). */
import { mdText } from '../shared/escape';

export interface StarterCell {
  kind: 'markdown' | 'code';
  text: string;
}

/** Quotes a path for a magic line when it has spaces or quotes. */
export function quotePath(p: string): string {
  return /[\s'"\\]/.test(p) ? `"${p.replace(/(["\\])/g, '\\$1')}"` : p;
}

/**
 * Load, resolve all classes, class similarity, and the interactions of the top class (the one
 * with the highest class score at its optima; `%interactions top`).
 */
export function starterCells(modelPath: string, modelName: string, labelsPath?: string): StarterCell[] {
  const name = /^[A-Za-z_][\w.-]*$/.test(modelName) ? modelName : 'model';
  return [
    {
      kind: 'markdown',
      text: `# DeepResolve: ${mdText(modelName)}\n\nFeature importance of every class, the class similarity, and the non-additive features of the top class. Edit the magics and run them again; \`%help\` lists all of them.`,
    },
    { kind: 'code', text: `# Load the model (paths are relative to this notebook's folder)\n%load_model ${quotePath(modelPath)} --as ${name}` },
    { kind: 'code', text: `%resolve ${name} --classes all${labelsPath ? ` --labels ${quotePath(labelsPath)}` : ''} --as features` },
    { kind: 'code', text: '%similarity features' },
    { kind: 'code', text: '%interactions top features' },
  ];
}
