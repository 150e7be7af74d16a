import * as path from 'path';

/** Where everything of the local stack lives: one ignored folder, downloads kept apart from data. */
export interface StackPaths {
  root: string;
  downloads: string;
  data: string;
  logs: string;
  run: string;
  config: string;
}

export function stackPaths(root: string): StackPaths {
  return {
    root,
    downloads: path.join(root, 'downloads'),
    data: path.join(root, 'data'),
    logs: path.join(root, 'logs'),
    run: path.join(root, 'run'),
    config: path.join(root, 'config'),
  };
}
