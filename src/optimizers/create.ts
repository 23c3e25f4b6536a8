// Optimizers by name, as the CLI and model files spell them; the list is sorted by increasing complexity.

import { ValueError } from '../util/errors.js';
import { AdaGrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Momentum } from './momentum.js';
import { Nesterov } from './nesterov.js';
import type { Optimizer } from './optimizer.js';
import { RmsProp } from './rmsprop.js';
import { Sgd } from './sgd.js';

export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/**
 * A new optimizer by name with a learning rate (and momentum where it applies).
 *
 * @example
 * createOptimizer('momentum', { lr: 0.01, momentum: 0.9 }); // the seed's
 */
export function createOptimizer(
  name: string,
  { lr, momentum = 0.9 }: { lr: number; momentum?: number },
): Optimizer {
  switch (name) {
    case 'sgd':
      return new Sgd({ lr });
    case 'momentum':
      return new Momentum({ lr, momentum });
    case 'nesterov':
      return new Nesterov({ lr, momentum });
    case 'adagrad':
      return new AdaGrad({ lr });
    case 'rmsprop':
      return new RmsProp({ lr });
    case 'adam':
      return new Adam({ lr });
    default:
      throw new ValueError(`unknown optimizer '${name}': use one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}
