// The YOLOv1 loss (Redmon et al. 2016) with darknet's detection-layer semantics: squared errors summed
// over each image's cells, then averaged over the n images of the batch, with no extra ½:
//
//   L = (1/n) Σ_images Σ_cells [ λnoobj · Σ_{b not responsible} conf_b²
//       + 1obj · ( λcoord · [(x_r − tx)² + (y_r − ty)² + (√w_r − √tw)² + (√h_r − √th)²]
//                + λobj · (conf_r − IoU_r)²
//                + λcls · Σ_c (p_c − onehot_c)² ) ]
//
// y is the head's output (head.ts), t the target from encodeTargets (encode.ts); 1obj is t's objectness.
// In a cell with an object, predictor r is "responsible": the one whose box has the highest IoU with the
// truth; the other predictors of that cell count as noobj, as in the paper. The confidence target IoU_r
// ("rescore") is a constant in the gradient, as in darknet, so dL/dy is
//   2λ·(prediction − target)/n for every squared term above.

import { checkFiniteLoss, type Loss } from '../losses/loss.js';
import { reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import { boxFromCenter, iou } from './boxes.js';
import { targetChannels } from './encode.js';
import { checkHead, headChannels, headOutputImages, predictorBox, type YoloHead } from './head.js';

/** The weights λ of the loss's terms, and whether the confidence target is the IoU. */
export interface YoloV1LossOptions {
  /** λcoord, on the responsible predictor's x, y, √w, √h (default 5, the paper's). */
  coord?: number;
  /** λnoobj, on the confidence of every predictor not responsible for an object (default 0.5). */
  noobj?: number;
  /** λobj, on the responsible predictor's confidence (default 1). */
  obj?: number;
  /** λcls, on the class probabilities of cells holding an object (default 1). */
  cls?: number;
  /**
   * The responsible predictor's confidence target: its IoU with the truth (true, the default: darknet's
   * rescore=1 and the paper's definition of confidence) or 1 (false: darknet's rescore=0).
   */
  rescore?: boolean;
}

/** The loss split into its four weighted terms (λ included); they add up to the loss. */
export interface YoloV1LossTerms {
  coord: number;
  obj: number;
  noobj: number;
  cls: number;
}

/** How the loss matched one ground-truth object: its cell, the responsible predictor b and every IoU. */
export interface YoloV1Match {
  /** [col, row] of the cell holding the object's centre. */
  cell: [number, number];
  /** The responsible predictor, 0 … B − 1. */
  responsible: number;
  /** IoU of each predictor's box with the truth, indexed by b. */
  ious: number[];
}

/** One image's part of the last forward: its terms (summed over its cells) and its objects' matches. */
export interface YoloV1ImageExplanation {
  terms: YoloV1LossTerms;
  objects: YoloV1Match[];
}

/**
 * The YOLOv1 loss on head outputs y [n, B·5 + C, S, S] (or [n, (B·5 + C)·S·S], the same memory) and
 * targets t [n, 5 + C, S, S] from encodeTargets. `terms` holds the last forward's four terms (averaged
 * over the images like the loss) and `explainImage(i)` one image's matches.
 *
 * @example
 * const head = { grid: 7, boxes: 2, classes: 3 };
 * const loss = new YoloV1Loss(head); // λcoord 5, λnoobj 0.5, λobj 1, λcls 1
 * const { t } = encodeTargets(labels, head, 224);
 * const L = loss.forward(y, t); // y from the model, [labels.length, 13, 7, 7]
 * const dy = loss.backward();
 */
export class YoloV1Loss implements Loss {
  readonly label = 'YoloV1Loss';
  readonly reduction = 'mean';
  readonly head: YoloHead;
  readonly coordScale: number;
  readonly noobjScale: number;
  readonly objScale: number;
  readonly clsScale: number;
  readonly rescore: boolean;
  /** The last forward's terms, each averaged over the images; they add up to the loss. */
  terms: YoloV1LossTerms = { coord: 0, obj: 0, noobj: 0, cls: 0 };
  private images: YoloV1ImageExplanation[] = [];
  private dy: Tensor | undefined;

  constructor(head: YoloHead, options: YoloV1LossOptions = {}) {
    checkHead(this.label, head);
    this.head = { grid: head.grid, boxes: head.boxes, classes: head.classes };
    const { coord = 5, noobj = 0.5, obj = 1, cls = 1, rescore = true } = options;
    for (const [name, value] of Object.entries({ coord, noobj, obj, cls })) {
      if (!(value >= 0) || !Number.isFinite(value)) {
        throw new ValueError(
          `${this.label}: option ${name} is ${value}; a weight must be a finite number >= 0`,
        );
      }
    }
    this.coordScale = coord;
    this.noobjScale = noobj;
    this.objScale = obj;
    this.clsScale = cls;
    this.rescore = rescore;
  }

  /** The weights and rescore setting, as the constructor takes them: a second loss like this one. */
  get options(): Required<YoloV1LossOptions> {
    const { coordScale: coord, noobjScale: noobj, objScale: obj, clsScale: cls, rescore } = this;
    return { coord, noobj, obj, cls, rescore };
  }

  forward(y: Tensor, t: Tensor): number {
    const n = this.checkShapes(y, t);
    // The gradient is computed here, where the matching is known; backward() hands it out.
    const dy = reuseOrAllocate(this.dy, y.shape);
    dy.data.fill(0);
    this.images = [];
    const total: YoloV1LossTerms = { coord: 0, obj: 0, noobj: 0, cls: 0 };
    for (let i = 0; i < n; i++) {
      const image = this.imageLoss(y, t, dy, i, n);
      total.coord += image.terms.coord / n;
      total.obj += image.terms.obj / n;
      total.noobj += image.terms.noobj / n;
      total.cls += image.terms.cls / n;
      this.images.push(image);
    }
    this.terms = total;
    this.dy = dy;
    return checkFiniteLoss(this.label, total.coord + total.obj + total.noobj + total.cls, y, t);
  }

  backward(): Tensor {
    if (this.dy === undefined) throw new Error(`${this.label}: backward called before forward`);
    return this.dy;
  }

  /**
   * Image i of the last forward: its terms (its own sum over cells, not divided by n) and, for each
   * object, its cell, the IoU of every predictor with it and which predictor was responsible.
   *
   * @example
   * loss.forward(y, t);
   * loss.explainImage(0); // { terms: { coord: 0.4, … }, objects: [{ cell: [3, 1], responsible: 1, ious: [0, 0.62] }] }
   */
  explainImage(i: number): YoloV1ImageExplanation {
    if (this.dy === undefined) throw new Error(`${this.label}: explainImage called before forward`);
    if (!Number.isInteger(i) || i < 0 || i >= this.images.length) {
      throw new ValueError(
        `${this.label}: explainImage(${i}), but the last forward had ${this.images.length} images (0 … ${this.images.length - 1})`,
      );
    }
    return this.images[i];
  }

  /** The batch size n; a ShapeError unless y is the head's output and t the matching target. */
  private checkShapes(y: Tensor, t: Tensor): number {
    const n = headOutputImages(this.label, y, this.head);
    const { grid: S } = this.head;
    const expected = [n, targetChannels(this.head), S, S];
    if (t.shape.length !== 4 || expected.some((dim, k) => t.shape[k] !== dim)) {
      throw new ShapeError(
        `${this.label}: t has shape ${formatShape(t.shape)} but y has shape ${formatShape(y.shape)}; ` +
          `t must be ${formatShape(expected)} (objectness, x, y, w, h, ${this.head.classes} class one-hot), ` +
          'as encodeTargets(labels, head, imageSize) makes it',
      );
    }
    return n;
  }

  /** Image i's terms and matches; writes its part of dL/dy (each term's 2λ·(prediction − target)/n). */
  private imageLoss(y: Tensor, t: Tensor, dy: Tensor, i: number, n: number): YoloV1ImageExplanation {
    const { grid: S, boxes: B, classes: C } = this.head;
    const D = headChannels(this.head);
    const T = targetChannels(this.head);
    const yAt = (channel: number, row: number, col: number) => ((i * D + channel) * S + row) * S + col;
    const tAt = (channel: number, row: number, col: number) => ((i * T + channel) * S + row) * S + col;
    const g = 2 / n; // d(u²)/du = 2u, and the mean over the images
    const terms: YoloV1LossTerms = { coord: 0, obj: 0, noobj: 0, cls: 0 };
    const objects: YoloV1Match[] = [];

    for (let row = 0; row < S; row++) {
      for (let col = 0; col < S; col++) {
        const objectness = t.data[tAt(0, row, col)];
        if (objectness !== 0 && objectness !== 1) {
          throw new ValueError(
            `${this.label}: t[${i}, 0, ${row}, ${col}] (objectness) is ${objectness}; it must be 0 or 1 (make t with encodeTargets)`,
          );
        }
        let responsible = -1;
        if (objectness === 1) {
          const tx = t.data[tAt(1, row, col)];
          const ty = t.data[tAt(2, row, col)];
          const tw = t.data[tAt(3, row, col)];
          const th = t.data[tAt(4, row, col)];
          const truth = boxFromCenter((col + tx) / S, (row + ty) / S, tw, th);
          const ious: number[] = [];
          const distances: number[] = [];
          for (let b = 0; b < B; b++) {
            const px = y.data[yAt(b * 5, row, col)];
            const py = y.data[yAt(b * 5 + 1, row, col)];
            const sqrtW = y.data[yAt(b * 5 + 2, row, col)];
            const sqrtH = y.data[yAt(b * 5 + 3, row, col)];
            ious.push(iou(predictorBox(S, col, row, px, py, sqrtW, sqrtH), truth));
            distances.push(Math.hypot((px - tx) / S, (py - ty) / S));
          }
          responsible = responsiblePredictor(ious, distances);
          objects.push({ cell: [col, row], responsible, ious });

          // coord: x, y, √w, √h of the responsible predictor against x, y, √w, √h of the truth
          const targets = [tx, ty, Math.sqrt(tw), Math.sqrt(th)];
          for (let k = 0; k < 4; k++) {
            const index = yAt(responsible * 5 + k, row, col);
            const diff = y.data[index] - targets[k];
            terms.coord += this.coordScale * diff * diff;
            dy.data[index] = g * this.coordScale * diff;
          }
          // obj: the responsible predictor's confidence against its IoU (a constant: no gradient through it)
          const confIndex = yAt(responsible * 5 + 4, row, col);
          const confDiff = y.data[confIndex] - (this.rescore ? ious[responsible] : 1);
          terms.obj += this.objScale * confDiff * confDiff;
          dy.data[confIndex] = g * this.objScale * confDiff;
          // cls: plain squared error on the cell's class probabilities
          for (let c = 0; c < C; c++) {
            const index = yAt(B * 5 + c, row, col);
            const diff = y.data[index] - t.data[tAt(5 + c, row, col)];
            terms.cls += this.clsScale * diff * diff;
            dy.data[index] = g * this.clsScale * diff;
          }
        }
        // noobj: every predictor not responsible for an object, in empty cells and object cells alike
        for (let b = 0; b < B; b++) {
          if (b === responsible) continue;
          const index = yAt(b * 5 + 4, row, col);
          const conf = y.data[index];
          terms.noobj += this.noobjScale * conf * conf;
          dy.data[index] = g * this.noobjScale * conf;
        }
      }
    }
    return { terms, objects };
  }
}

/**
 * The responsible predictor: the highest IoU with the truth, the lowest b among equals. When every IoU
 * is 0 (no predicted box overlaps the truth yet, as early in training), the one whose centre is nearest
 * the truth's centre, again the lowest b among equals. (Darknet's fallback is the smallest RMSE over
 * x, y, w and h together; this one compares centres only.)
 */
function responsiblePredictor(ious: readonly number[], distances: readonly number[]): number {
  let best = 0;
  if (ious.some((value) => value > 0)) {
    for (let b = 1; b < ious.length; b++) if (ious[b] > ious[best]) best = b;
  } else {
    for (let b = 1; b < distances.length; b++) if (distances[b] < distances[best]) best = b;
  }
  return best;
}
