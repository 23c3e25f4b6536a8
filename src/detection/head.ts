// The YOLOv1 head: what the network's last layer outputs, and where each number sits in it.
//
// The input image (size × size pixels) is cut into a grid of S × S cells. Each cell predicts B boxes
// and one set of C class probabilities, so the head has D = B·5 + C channels over the S × S grid:
//
//   y [n, D, S, S]  (NCHW, as a 1×1 convolution writes it; an affine head [n, D·S·S] is the same memory)
//
//   channel b·5 + 0   x: the box centre's offset inside its cell, 0 at the cell's left edge, 1 at its right
//   channel b·5 + 1   y: the same vertically
//   channel b·5 + 2   √w: the square root of the box width as a fraction of the image width
//   channel b·5 + 3   √h: the same for the height
//   channel b·5 + 4   confidence: Pr(object) · IoU(predicted box, object)
//   channel B·5 + c   Pr(class c | object), one set per cell (not per box)
//
// at grid row `row` and column `col` (cell (col, row) covers x ∈ [col·size/S, (col+1)·size/S)). Darknet's
// detection layer stores the same numbers planar in another order (classes, confidences, coordinates);
// this layout is the one a convolution produces without a reshape.

/** The shape of a YOLOv1 head: S × S cells, B boxes per cell, C classes. */
export interface YoloHead {
  /** S, cells per side. */
  grid: number;
  /** B, boxes each cell predicts. */
  boxes: number;
  /** C, the number of classes. */
  classes: number;
}

/** D = B·5 + C, the channels of the head's output. */
export function headChannels(head: YoloHead): number {
  return head.boxes * 5 + head.classes;
}
