"""Writes src/detection/fixtures/detection_metrics.json, the cross-check of src/detection/metrics.ts.

Random but realistic cases: a few hundred images of 96 x 96 pixels, 3 to 10 classes, 0-6 ground-truth boxes
each, and detections made from them (jittered truths, some of another class, duplicates, missed truths,
random false boxes, scores with two decimals so exact ties are common). Some images hold the same truth
twice (an exact IoU tie), a few hold 130 detections of one class (the 100-per-image cap), and the last case
has classes with detections but no truths. Corners are multiples of 1/4 pixel, so every IoU is computed
exactly in doubles by both sides.

The expected numbers come from code that is not zerodl's:
  - COCO AP per IoU threshold 0.50:0.05:0.95 (101-point): pycocotools' COCOeval, per class, one area range
    'all' [0, 1e10], maxDets [100], iscrowd 0, boxes [x, y, w, h], read from eval['precision'];
  - VOC all-point and 11-point AP at IoU 0.5, the PR curves, ultralytics-style precision/recall and the
    confusion matrix: the plain numpy implementations below, written from the rules in metrics.ts's header.

Ties: COCOeval sorts each image's detections by score with a stable mergesort and then all images' (in
image-id order) the same way, so equal scores keep input order; the numpy code sorts stably the same way.
The 100-per-image cap is applied here before the numpy metrics; COCOeval caps per image and class, which is
the same thing in the flood images since they hold detections of one class only.

  pip install pycocotools numpy
  python3 tools/detection_metrics_fixture.py && npx biome format --write src/detection/fixtures
"""
import contextlib
import io
import json
import os

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

SIZE = 96
MAX_DETECTIONS = 100
CONFUSION_SCORE = 0.25
CONFUSION_IOU = 0.45


def quarter(value):
    """The value rounded to a multiple of 1/4, as an int when it is whole (a smaller fixture)."""
    rounded = float(np.round(value * 4) / 4)
    return int(rounded) if rounded.is_integer() else rounded


def random_box(rng):
    w = quarter(rng.uniform(4, 40))
    h = quarter(rng.uniform(4, 40))
    x0 = quarter(rng.uniform(0, SIZE - w))
    y0 = quarter(rng.uniform(0, SIZE - h))
    return [x0, y0, x0 + w, y0 + h]


def jitter(rng, box, fraction):
    """Moves each edge by a normal draw with a standard deviation of `fraction` of the box's size."""
    size = max(box[2] - box[0], box[3] - box[1])
    x0, y0, x1, y1 = (quarter(v + rng.normal(0, fraction * size)) for v in box)
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


def score(rng, low, high):
    return float(np.round(rng.uniform(low, high), 2))


def make_case(seed, classes, images, truth_classes):
    """images of [truths, detections]; a truth is [cls, x0, y0, x1, y1], a detection adds the score."""
    rng = np.random.default_rng(seed)
    out = []
    for index in range(images):
        truths = []
        for _ in range(rng.integers(0, 7)):
            truths.append([int(rng.choice(truth_classes))] + random_box(rng))
        if truths and rng.uniform() < 0.08:
            truths.append(list(truths[0]))  # the same object labelled twice: an exact IoU tie
        detections = []
        if index % 50 == 7:  # a flood of one class: only the 100 best count
            cls = int(rng.choice(truth_classes))
            for _ in range(130):
                detections.append([cls] + random_box(rng) + [score(rng, 0.01, 0.5)])
        else:
            for truth in truths:
                if rng.uniform() < 0.15:
                    continue  # missed
                for _ in range(1 + int(rng.uniform() < 0.15)):  # sometimes a duplicate
                    cls = truth[0] if rng.uniform() < 0.9 else int(rng.integers(0, classes))
                    detections.append([cls] + jitter(rng, truth[1:], 0.06) + [score(rng, 0.4, 0.99)])
            for _ in range(rng.integers(0, 4)):
                detections.append([int(rng.integers(0, classes))] + random_box(rng) + [score(rng, 0.01, 0.5)])
        out.append({'truths': truths, 'detections': detections})
    return out


def iou(box, boxes):
    """IoU of one [x0, y0, x1, y1] box with each row of boxes, continuous coordinates."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    union = (box[2] - box[0]) * (box[3] - box[1]) + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def capped(detections):
    order = np.argsort([-d[5] for d in detections], kind='stable')
    return [detections[i] for i in order[:MAX_DETECTIONS]]


def voc_class(images, cls):
    """Scores, TP flags and the truth count of one class at IoU 0.5, VOC matching."""
    rows = []
    for image, item in enumerate(images):
        for d in capped(item['detections']):
            if d[0] == cls:
                rows.append((image, d))
    order = np.argsort([-d[5] for _, d in rows], kind='stable')
    truths = [[t[1:] for t in item['truths'] if t[0] == cls] for item in images]
    used = [np.zeros(len(t), dtype=bool) for t in truths]
    scores, tp = [], []
    for i in order:
        image, d = rows[i]
        hit = False
        if truths[image]:
            overlaps = iou(d[1:5], truths[image])
            best = int(np.argmax(overlaps))
            if overlaps[best] >= 0.5 and not used[image][best]:
                used[image][best] = True
                hit = True
        scores.append(d[5])
        tp.append(hit)
    return np.array(scores), np.array(tp, dtype=float), sum(len(t) for t in truths)


def voc_all_point(recall, precision):
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([0.0], precision, [0.0]))
    mpre = np.flip(np.maximum.accumulate(np.flip(mpre)))
    changes = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[changes + 1] - mrec[changes]) * mpre[changes + 1]))


def at_recalls(recall, precision, points):
    return [float(np.max(precision[recall >= r])) if np.any(recall >= r) else 0.0 for r in points]


def smooth(y, width=101):
    half = width // 2
    padded = np.concatenate((np.full(half, y[0]), y, np.full(half, y[-1])))
    return np.convolve(padded, np.ones(width) / width, mode='valid')


def confusion(images, classes):
    matrix = np.zeros((classes + 1, classes + 1), dtype=int)
    for item in images:
        dets = [d for d in capped(item['detections']) if d[5] >= CONFUSION_SCORE]
        pairs = []
        for t, truth in enumerate(item['truths']):
            if dets:
                overlaps = iou(truth[1:], [d[1:5] for d in dets])
                pairs += [(-overlaps[d], t, d) for d in range(len(dets)) if overlaps[d] >= CONFUSION_IOU and overlaps[d] > 0]
        pairs.sort()
        truth_used, det_used = set(), set()
        for _, t, d in pairs:
            if t in truth_used or d in det_used:
                continue
            truth_used.add(t)
            det_used.add(d)
            matrix[dets[d][0], item['truths'][t][0]] += 1
        for t, truth in enumerate(item['truths']):
            if t not in truth_used:
                matrix[classes, truth[0]] += 1
        for d, det in enumerate(dets):
            if d not in det_used:
                matrix[det[0], classes] += 1
    return matrix.tolist()


def coco_precision(images, classes):
    """COCOeval's precision array [T, R, K] (-1 for classes without truths)."""
    gt = COCO()
    annotations, results = [], []
    for image, item in enumerate(images):
        for t in item['truths']:
            x0, y0, x1, y1 = t[1:]
            annotations.append({'id': len(annotations) + 1, 'image_id': image + 1, 'category_id': t[0] + 1,
                                'bbox': [x0, y0, x1 - x0, y1 - y0], 'area': (x1 - x0) * (y1 - y0), 'iscrowd': 0})
        for d in item['detections']:
            x0, y0, x1, y1 = d[1:5]
            results.append({'image_id': image + 1, 'category_id': d[0] + 1, 'bbox': [x0, y0, x1 - x0, y1 - y0],
                            'score': d[5]})
    gt.dataset = {'images': [{'id': i + 1} for i in range(len(images))], 'annotations': annotations,
                  'categories': [{'id': c + 1} for c in range(classes)]}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(results)
        evaluation = COCOeval(gt, dt, 'bbox')
        evaluation.params.imgIds = list(range(1, len(images) + 1))
        evaluation.params.catIds = list(range(1, classes + 1))
        evaluation.params.areaRng = [[0, 1e10]]
        evaluation.params.areaRngLbl = ['all']
        evaluation.params.maxDets = [MAX_DETECTIONS]
        evaluation.evaluate()
        evaluation.accumulate()
    return evaluation.eval['precision'][:, :, :, 0, 0]


def expected(images, classes):
    coco = coco_precision(images, classes)
    confidences = np.linspace(0, 1, 1000)
    recall_grid = np.linspace(0, 1, 101)
    per_class, p_curves, r_curves, counted = [], [], [], []
    for cls in range(classes):
        scores, tp, n = voc_class(images, cls)
        entry = {'truths': n, 'detections': len(scores)}
        if n == 0:
            per_class.append(entry | {'AP50': None, 'ap11': None, 'AP50_95': None, 'AP50_coco': None,
                                      'interpolated': None})
            continue
        counted.append(cls)
        tpc = np.cumsum(tp)
        recall = tpc / n
        precision = tpc / np.arange(1, len(tp) + 1)
        coco_ap = coco[:, :, cls].mean(axis=1)
        entry |= {'AP50': voc_all_point(recall, precision),
                  'ap11': float(np.mean(at_recalls(recall, precision, np.arange(11) / 10))),
                  'AP50_95': float(coco_ap.mean()), 'AP50_coco': float(coco_ap[0]),
                  'interpolated': at_recalls(recall, precision, recall_grid)}
        per_class.append(entry)
        if len(scores):
            p_curves.append(np.interp(-confidences, -scores, precision, left=1))
            r_curves.append(np.interp(-confidences, -scores, recall, left=0))
        else:
            p_curves.append(np.zeros(1000))
            r_curves.append(np.zeros(1000))
    p_curves, r_curves = np.array(p_curves), np.array(r_curves)
    f1 = 2 * p_curves * r_curves / (p_curves + r_curves + 1e-16)
    best = int(smooth(f1.mean(axis=0)).argmax())
    for c, cls in enumerate(counted):
        per_class[cls] |= {'precision': float(p_curves[c, best]), 'recall': float(r_curves[c, best])}
    mean = lambda key: float(np.mean([per_class[c][key] for c in counted]))
    return {'mAP50': mean('AP50'), 'ap11': mean('ap11'), 'mAP50_95': mean('AP50_95'),
            'mAP50_coco': mean('AP50_coco'), 'precision': mean('precision'), 'recall': mean('recall'),
            'confidence': float(confidences[best]), 'classesWithTruths': len(counted), 'perClass': per_class,
            'confusion': confusion(images, classes)}


def main():
    cases = []
    for name, seed, classes, count, truth_classes in [
        ('three classes', 1, 3, 120, [0, 1, 2]),
        ('ten classes', 2, 10, 180, list(range(10))),
        ('six classes, 4 and 5 without truths', 3, 6, 90, [0, 1, 2, 3]),
    ]:
        images = make_case(seed, classes, count, truth_classes)
        cases.append({'name': name, 'classes': classes, 'images': images, 'expected': expected(images, classes)})
    path = os.path.join(os.path.dirname(__file__), '..', 'src', 'detection', 'fixtures', 'detection_metrics.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump({'generator': 'tools/detection_metrics_fixture.py', 'maxDetections': MAX_DETECTIONS,
                   'confusionScore': CONFUSION_SCORE, 'confusionIou': CONFUSION_IOU, 'cases': cases}, f,
                  separators=(',', ':'))
    print(path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
