# PyTorch anchor for `detect_infer_b1` (bench/detect.ts): the same detector, built from its zerodl
# architecture JSON (model.json, or a bare architecture), timed on one 1x1x96x96 image: forward only
# (decoding and NMS are not included on this side). Weights are random: the time does not depend on them.
#   /usr/bin/python3 bench/torch_detector.py <model.json|architecture.json|preset> <threads> [target_s]
# Prints one JSON line like the anchors' scripts.
import json, statistics, sys, time
import torch

spec, threads = sys.argv[1], int(sys.argv[2])
target_s = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
torch.set_num_threads(threads)
torch.manual_seed(0)
with open(spec) as f:
    arch = json.load(f)
arch = arch.get('architecture', arch)

layers, channels = [], arch['inputShape'][0]
for layer in arch['layers']:
    kind = layer['type']
    if kind == 'conv2d':
        layers.append(torch.nn.Conv2d(channels, layer['filters'], layer['kernelSize'],
                                      stride=layer.get('stride', 1), padding=layer.get('pad', 0)))
        channels = layer['filters']
    elif kind == 'leaky_relu':
        layers.append(torch.nn.LeakyReLU(layer.get('alpha', 0.1)))
    elif kind == 'relu':
        layers.append(torch.nn.ReLU())
    elif kind == 'batch_norm':
        layers.append(torch.nn.BatchNorm2d(channels))
    elif kind == 'max_pool2d':
        layers.append(torch.nn.MaxPool2d(layer['kernelSize'], layer.get('stride'), layer.get('pad', 0)))
    else:
        raise SystemExit(f'torch_detector.py: layer type {kind} is not mapped')
net = torch.nn.Sequential(*layers).eval()
x = torch.rand(1, *arch['inputShape'])


def infer():
    with torch.no_grad():
        net(x)


for _ in range(10):
    infer()
t0 = time.perf_counter(); infer(); once = time.perf_counter() - t0
inner = max(1, int(0.002 / max(once, 1e-9)) + 1)
reps = max(5, min(200, int(target_s / (once * inner))))
times = []
for _ in range(reps):
    t0 = time.perf_counter()
    for _ in range(inner):
        infer()
    times.append((time.perf_counter() - t0) * 1e3 / inner)
print(json.dumps({'impl': 'torch', 'version': torch.__version__, 'threads': threads, 'workload': 'detect_infer_b1',
                  'median_ms': round(statistics.median(times), 4), 'min_ms': round(min(times), 4)}))
